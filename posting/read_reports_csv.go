package posting

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// CSV export of metrics. One row per delivery published in the span (as
// a report counts them), ordered by the post's scheduled time and the
// post's order of deliveries, with the post's words and the delivery's
// latest metrics, so that the office can take the numbers to a
// spreadsheet. The file is UTF-8 with a byte order mark (Excel reads the
// accents right only with one) and RFC 4180 quoting with CRLF line ends;
// a line break inside a cell is written CRLF too (encoding/csv), and
// reads back as a line feed.
// Times are written "2006-01-02 15:04:05" in the query's zone, which
// spreadsheets read as a date and time. A metric the delivery's
// snapshots never reported is an empty cell, never 0; collected_at is
// empty for a delivery not measured yet. The cells people wrote (text,
// link, campaign name, plan line, unit) are spreadsheetSafe: one that
// would start a formula gets a leading apostrophe.

// ExportColumns are the columns of the CSV export before the metrics,
// which follow in ReportMetrics order.
var ExportColumns = []string{"post", "delivery", "published_at", "network", "account", "campaign", "campaign_name", "plan_line", "unit",
	"text", "link", "url", "collected_at"}

// exportChunk is how many deliveries one read of snapshots covers: the
// rows are written between reads, so a slow reader never holds a read
// transaction open.
const exportChunk = 1024

// exportTimeLayout is how the export writes instants.
const exportTimeLayout = "2006-01-02 15:04:05"

// utf8BOM starts the file.
const utf8BOM = "\ufeff"

// ExportMetricsCSV writes the CSV export of the deliveries q covers (as
// Reports selects them: q.GroupBy is ignored) to w, and returns how many
// rows it wrote after the header. Nothing is written when the query is
// refused; an error after the first byte means the file is incomplete.
func (s *Service) ExportMetricsCSV(ctx context.Context, q ReportQuery, w io.Writer) (int, error) {
	_, ms, _, err := s.reportStores()
	if err != nil {
		return 0, err
	}
	sel, sp, err := s.selectPosts(ctx, q)
	if err != nil {
		return 0, err
	}
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return 0, fmt.Errorf("export metrics: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	t := newTally(nil)
	header := append(append([]string{}, ExportColumns...), t.names...)
	if err := cw.Write(header); err != nil {
		return 0, fmt.Errorf("export metrics: %w", err)
	}
	type row struct {
		rp *reportPost
		j  int // the delivery's index in rp.deliveries
	}
	var (
		rows    = 0
		pending = make([]row, 0, exportChunk)
		ids     = make([]string, 0, exportChunk)
		record  = make([]string, len(header))
		num     []byte
	)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		got := newLatest(len(ids))
		if err := t.walk(ctx, ms, ids, sp.end, got); err != nil {
			return err
		}
		for i, r := range pending {
			p, d, l := r.rp.post, r.rp.deliveries[r.j], &got[i]
			record = record[:0]
			record = append(record, p.ID, d.ID, d.PublishedAt.In(sp.zone).Format(exportTimeLayout), string(d.Network), d.AccountID, p.Campaign)
			if c := r.rp.campaign; c != nil {
				record = append(record, spreadsheetSafe(c.Name), spreadsheetSafe(c.PlanLine))
			} else {
				record = append(record, "", "")
			}
			record = append(record, spreadsheetSafe(r.rp.unit()), spreadsheetSafe(p.Text), spreadsheetSafe(p.Link), d.URL)
			if l.snapshots > 0 {
				record = append(record, l.collectedAt.In(sp.zone).Format(exportTimeLayout))
			} else {
				record = append(record, "")
			}
			for i := range len(header) - len(ExportColumns) {
				v, ok := l.get(i)
				if !ok {
					record = append(record, "")
					continue
				}
				num = strconv.AppendInt(num[:0], v, 10)
				record = append(record, string(num))
			}
			if err := cw.Write(record); err != nil {
				return err
			}
			rows++
		}
		pending, ids = pending[:0], ids[:0]
		cw.Flush()
		return cw.Error()
	}
	for i := range sel {
		rp := &sel[i]
		for j, d := range rp.deliveries {
			pending = append(pending, row{rp, j})
			ids = append(ids, d.ID)
			if len(pending) == exportChunk {
				if err := flush(); err != nil {
					return rows, fmt.Errorf("export metrics: %w", err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return rows, fmt.Errorf("export metrics: %w", err)
	}
	cw.Flush() // the header, when no row followed
	if err := cw.Error(); err != nil {
		return rows, fmt.Errorf("export metrics: %w", err)
	}
	return rows, nil
}
