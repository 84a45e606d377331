package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"pregonero"
	"pregonero/posting"
	"pregonero/web"
)

// MetricsCommand shows the engagement history of a post on a running
// server.
type MetricsCommand struct{ io *stdio }

// Usage prints the arguments.
func (c *MetricsCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero metrics [-json] POST_ID

Shows what each network said about the post's deliveries at each
measurement after publication, oldest first: likes, comments, shares,
saves, views, reach, clicks, impressions and video views, "-" where the
network does not report a metric. -json prints the server's answer with
the network's own metric names under "raw".
`)
}

// metricColumns are the normalized metrics, in the order shown.
var metricColumns = []string{pregonero.MetricLikes, pregonero.MetricComments, pregonero.MetricShares, pregonero.MetricSaves,
	pregonero.MetricViews, pregonero.MetricReach, pregonero.MetricClicks, pregonero.MetricImpressions, pregonero.MetricVideoViews}

// Run shows the metrics of one post.
func (c *MetricsCommand) Run(ctx context.Context, args []string) error {
	l := newCmdLineOf(c.io, "pregonero metrics", c.Usage)
	id, err := l.parseID(args)
	if err != nil {
		return err
	}
	cl, loc, err := l.clientIn()
	if err != nil {
		return err
	}
	m, err := cl.PostMetrics(ctx, id)
	return l.printJSONOr(m, err, func() error { return writeMetrics(c.io.out, id, m, loc) })
}

// writeMetrics prints a table per delivery with a column per metric any
// of its snapshots has.
func writeMetrics(out io.Writer, id string, m *web.PostMetrics, loc *time.Location) error {
	w := &errWriter{w: termWriter{out}}
	w.printf("Post %s\n", termLine(id))
	for _, d := range m.Deliveries {
		w.printf("\nDelivery %s → %s (%s): ", termLine(d.Delivery), termLine(d.Account), termLine(string(d.Network)))
		if len(d.Snapshots) == 0 {
			w.printf("not measured yet\n")
			continue
		}
		w.printf("%d measurements\n", len(d.Snapshots))
		cols := columnsOf(d)
		tw := tabwriter.NewWriter(w.w, 0, 4, 2, ' ', tabwriter.AlignRight)
		line := "  collected (" + loc.String() + ")\t"
		for _, col := range cols {
			line += col + "\t"
		}
		fmt.Fprintln(tw, line)
		for _, s := range d.Snapshots {
			line := "  " + showTime(s.CollectedAt, loc) + "\t"
			for _, col := range cols {
				if v, ok := s.Metrics[col]; ok {
					line += strconv.FormatInt(v, 10) + "\t"
				} else {
					line += "-\t"
				}
			}
			fmt.Fprintln(tw, line)
		}
		if err := tw.Flush(); err != nil && w.err == nil {
			w.err = err
		}
	}
	return w.err
}

// columnsOf returns the normalized metrics reported in any of the
// delivery's snapshots, in the shown order.
func columnsOf(d posting.DeliveryMetrics) []string {
	var cols []string
	for _, col := range metricColumns {
		for _, s := range d.Snapshots {
			if _, ok := s.Metrics[col]; ok {
				cols = append(cols, col)
				break
			}
		}
	}
	return cols
}
