package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"pregonero/posting"
	"pregonero/web"
)

// ReportCommand prints the engagement report of a campaign, or the
// reports by dependencia or by line, from a running server.
type ReportCommand struct{ io *stdio }

// reportFlags are the flags of the report and export commands.
type reportFlags struct {
	campaign, from, to, unit, planLine, network, by string
}

func (v *reportFlags) register(fs *flag.FlagSet, grouped bool) {
	fs.StringVar(&v.campaign, "campaign", "", "the campaign's `id` (pregonero campaign list)")
	fs.StringVar(&v.from, "from", "", "the first `day`, e.g. 2026-12-01 (default: the campaign's start, else 30 days before -to)")
	fs.StringVar(&v.to, "to", "", "the last `day`, included (default: the campaign's end or today, whichever is earlier)")
	fs.StringVar(&v.unit, "unit", "", "only the posts of this `dependencia`")
	fs.StringVar(&v.planLine, "plan-line", "", "only the posts of campaigns of this `line` of the Plan de Desarrollo")
	fs.StringVar(&v.network, "network", "", "only the deliveries to this `network`: x, facebook, instagram or youtube")
	if grouped {
		fs.StringVar(&v.by, "by", "", "report per dependencia (`unit`) or per line of the Plan de Desarrollo (plan_line); the default without -campaign is unit")
	}
}

// params returns the flags as the API's parameters, days counted in loc.
func (v *reportFlags) params(tz string) posting.ReportParams {
	return posting.ReportParams{From: v.from, To: v.to, Timezone: tz, Campaign: v.campaign, Unit: v.unit, PlanLine: v.planLine,
		Network: v.network, By: v.by}
}

// Usage prints the arguments.
func (c *ReportCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero report -campaign ID [-from DAY] [-to DAY] [-network NETWORK] [-json]
	pregonero report [-by unit|plan_line] [-unit DEPENDENCIA] [-plan-line LINE] [-campaign ID] [-from DAY] [-to DAY] [-network NETWORK] [-json]

With -campaign alone, the campaign's report: how its deliveries published
between -from and -to did, each counted by its latest measurement, in
total and per network; its top posts; and the follower growth of the
accounts it went to. With -by (or without -campaign), the same per
dependencia or per line of the Plan de Desarrollo. Days are written
2026-12-01 and counted in -tz. -json prints the server's answer, with the
running totals of each day.
`)
}

// Run prints the report.
func (c *ReportCommand) Run(ctx context.Context, args []string) error {
	var v reportFlags
	l := newCmdLineOf(c.io, "pregonero report", c.Usage)
	v.register(l.FlagSet, true)
	if err := l.parseNoArgs(args, "every value goes after a flag (quote names with spaces)"); err != nil {
		return err
	}
	cl, loc, err := l.clientIn()
	if err != nil {
		return err
	}
	p := v.params(loc.String())
	if v.campaign != "" && v.by == "" && v.unit == "" && v.planLine == "" {
		r, err := cl.CampaignReport(ctx, v.campaign, p)
		return l.printJSONOr(r, err, func() error {
			w := &errWriter{w: termWriter{c.io.out}}
			camp := r.Campaign
			w.printf("Campaign %s %s", termLine(camp.ID), termLine(camp.Name))
			if camp.Unit != "" || camp.PlanLine != "" {
				w.printf(" (%s)", termLine(strings.Trim(camp.Unit+", "+camp.PlanLine, ", ")))
			}
			w.printf("\n")
			writeReport(w, r)
			return w.err
		})
	}
	list, err := cl.Reports(ctx, p)
	return l.printJSONOr(list, err, func() error { return c.print(list, p) })
}

// print writes the reports by dependencia or line for a person.
func (c *ReportCommand) print(l *web.ReportList, p posting.ReportParams) error {
	w := &errWriter{w: termWriter{c.io.out}}
	what := "dependencia"
	if l.By == posting.GroupByPlanLine {
		what = "line"
	}
	if len(l.Groups) == 0 {
		w.printf("No deliveries published in the span")
		if p.From != "" || p.To != "" {
			w.printf(" (%s to %s)", termLine(p.From), termLine(p.To))
		}
		w.printf(".\n")
		return w.err
	}
	for i, g := range l.Groups {
		if i > 0 {
			w.printf("\n")
		}
		key := termLine(g.Key)
		if g.Key == "" {
			key = "(none)"
		}
		w.printf("== %s %s ==\n", what, key)
		writeReport(w, &g.Report)
	}
	return w.err
}

// writeReport prints a report's summary: the span, a table of totals
// overall and per network, the top posts and the follower growth.
func writeReport(w *errWriter, r *posting.Report) {
	w.printf("%s to %s (%s): %d posts, %d deliveries published, %d measured\n", r.From, r.To, termLine(r.Zone), r.Posts, r.Deliveries, r.Measured)
	if r.Deliveries == 0 {
		return
	}
	cols := reportColumns(r)
	if len(cols) == 0 {
		w.printf("No measurements yet.\n")
	} else {
		w.printf("\n")
		tw := tabwriter.NewWriter(w.w, 0, 4, 2, ' ', tabwriter.AlignRight)
		line := "  \tdeliveries\t"
		for _, col := range cols {
			line += col + "\t"
		}
		fmt.Fprintln(tw, line)
		row := func(name string, deliveries int, m map[string]int64) {
			line := "  " + name + "\t" + strconv.Itoa(deliveries) + "\t"
			for _, col := range cols {
				if v, ok := m[col]; ok {
					line += strconv.FormatInt(v, 10) + "\t"
				} else {
					line += "-\t"
				}
			}
			fmt.Fprintln(tw, line)
		}
		row("total", r.Deliveries, r.Totals)
		for _, n := range r.Networks {
			row(n.Network.Title(), n.Deliveries, n.Metrics)
		}
		if err := tw.Flush(); err != nil && w.err == nil {
			w.err = err
		}
	}
	if len(r.TopPosts) > 0 {
		w.printf("\nTop posts (likes, comments, shares and saves)\n")
		for i, p := range r.TopPosts {
			w.printf("  %2d. %s  %d  %s\n", i+1, termLine(p.Post), p.Engagement, termLine(excerpt(p.Text, 60)))
		}
	}
	if len(r.Followers) > 0 {
		w.printf("\nFollowers\n")
		for _, f := range r.Followers {
			name := termLine(f.Account)
			if f.Name != "" {
				name += " (" + termLine(f.Name) + ")"
			}
			if f.Start == nil {
				w.printf("  %s: no reading in the span\n", name)
				continue
			}
			w.printf("  %s: %d → %d (%+d)\n", name, *f.Start, *f.End, *f.Change)
		}
	}
}

// reportColumns returns the normalized metrics the report has, in the
// usual order.
func reportColumns(r *posting.Report) []string {
	var cols []string
	for _, m := range posting.ReportMetrics {
		if _, ok := r.Totals[m]; ok {
			cols = append(cols, m)
		}
	}
	return cols
}

// excerpt returns the first line of s, cut to n characters.
func excerpt(s string, n int) string {
	s, _, cut := strings.Cut(s, "\n")
	if utf8.RuneCountInString(s) > n {
		s, cut = string([]rune(s)[:n]), true
	}
	if cut {
		s += "…"
	}
	return s
}

// ExportCommand writes data of a running server to files: export
// metrics is the CSV of a campaign's (or a dependencia's) metrics.
type ExportCommand struct{ io *stdio }

// Usage prints the subcommands.
func (c *ExportCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero export metrics -o FILE.csv [-campaign ID] [-unit DEPENDENCIA] [-plan-line LINE] [-network NETWORK] [-from DAY] [-to DAY]

export metrics writes the CSV of the metrics: one row per delivery
published between -from and -to, with its latest measurement and the
post's text, link, live URL, campaign, line and dependencia. The file is
UTF-8 with a byte order mark, so that a spreadsheet shows accents right.
-o - writes to standard output. The file appears whole or not at all.

	pregonero export posts [-o FILE.csv] [-campaign ID] [-account ACCOUNT] [-status STATUS] [-from TIME] [-to TIME]

export posts writes the CSV of the posts and their deliveries (state and
live link per account), with the columns pregonero import reads back; to
standard output without -o.
`)
}

// Run dispatches to the subcommand.
func (c *ExportCommand) Run(ctx context.Context, args []string) error {
	return dispatch(ctx, c.io, "pregonero export", c.Usage, subcommands{"metrics": c.metrics, "posts": c.posts}, args)
}

func (c *ExportCommand) metrics(ctx context.Context, args []string) error {
	var v reportFlags
	var out string
	l := newCmdLineOf(c.io, "pregonero export metrics", c.Usage)
	v.register(l.FlagSet, false)
	l.StringVar(&out, "o", "", "the CSV `file` to write (- for standard output)")
	if err := l.parse(args); err != nil {
		return err
	}
	if out == "" {
		return l.usageError(errors.New("-o is required: the file to write, or - for standard output"))
	}
	if l.NArg() > 0 {
		return l.usageError(fmt.Errorf("unexpected %q", l.Arg(0)))
	}
	cl, loc, err := l.clientIn()
	if err != nil {
		return err
	}
	p := v.params(loc.String())
	return c.write(out, func(w io.Writer) (int64, error) { return cl.ExportMetricsCSV(ctx, p, w) })
}

// write writes the CSV fill downloads to the file out, whole or not at
// all (writeWhole), or to stdout for "-" or "". What the server refuses
// is an API error.
func (c *ExportCommand) write(out string, fill func(io.Writer) (int64, error)) error {
	if out == "" || out == "-" {
		if _, err := fill(c.io.out); err != nil {
			return apiError(c.io.err, err)
		}
		return nil
	}
	n, err := writeWhole(out, fill)
	if err != nil {
		return apiError(c.io.err, err)
	}
	_, err = fmt.Fprintf(c.io.err, "wrote %s (%d bytes)\n", termLine(out), n)
	return err
}

// writeWhole writes a file through a temporary file in its directory,
// renamed over it once complete and synced: a failed download leaves any
// earlier file as it was.
func writeWhole(path string, fill func(io.Writer) (int64, error)) (n int64, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if n, err = fill(f); err != nil {
		return n, err
	}
	if err = f.Sync(); err != nil {
		return n, err
	}
	if err = f.Close(); err != nil {
		return n, err
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return n, err
	}
	return n, os.Rename(f.Name(), path)
}
