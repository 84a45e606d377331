package posting_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"pregonero/posting"
)

func TestExportMetricsCSVRoundTrip(t *testing.T) {
	f := newFixture(t)
	s := newReportScene(t, f)
	hard := "Vías, puentes y \"obras\" en Anorí;\nsegunda línea\ntercera 🚧🇨🇴 — ñandú"
	p := f.published(t, s.vias.ID, "", hard, dec(9, 10, 0), "x-gob")
	f.snap(t, p.Deliveries[0], dec(9, 12, 0), m{"likes": 0, "clicks": 4})

	var b bytes.Buffer
	n, err := f.svc.ExportMetricsCSV(context.Background(), posting.ReportQuery{Campaign: s.vias.ID, From: day(7), To: day(9)}, &b)
	if err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	if !bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
		t.Fatalf("the file does not start with a UTF-8 byte order mark: % x", raw[:min(8, len(raw))])
	}
	if !utf8.Valid(raw) {
		t.Error("the file is not UTF-8")
	}
	header := "post,delivery,published_at,network,account,campaign,campaign_name,plan_line,unit,text,link,url,collected_at," +
		"likes,comments,shares,saves,views,reach,clicks,impressions,video_views\r\n"
	if !bytes.HasPrefix(raw[3:], []byte(header)) {
		t.Errorf("header line = %q, want %q (CRLF)", raw[3:3+len(header)], header)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatalf("reading the file back: %v", err)
	}
	if n != 4 || len(rows) != 5 {
		t.Fatalf("ExportMetricsCSV = %d rows, the file has %d lines after the header; want 4", n, len(rows)-1)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	last := rows[4]
	if last[col["text"]] != hard {
		t.Errorf("text read back = %q, want %q", last[col["text"]], hard)
	}
	want := map[string]string{
		"post": p.ID, "delivery": p.Deliveries[0].ID, "published_at": "2026-12-09 10:01:00", "network": "x", "account": "x-gob",
		"campaign": s.vias.ID, "campaign_name": "Vías del Nordeste", "plan_line": "Línea 3", "unit": "infraestructura",
		"url": p.Deliveries[0].URL, "collected_at": "2026-12-09 12:00:00",
		"likes": "0", "clicks": "4", "comments": "", "views": "", "saves": "", "video_views": "",
	}
	for name, v := range want {
		if got := last[col[name]]; got != v {
			t.Errorf("%s = %q, want %q (0 is 0, absent is empty)", name, got, v)
		}
	}
	// The rows before: the scene's deliveries in the posts' order, each
	// with its latest values in the span.
	var got [][]string
	for _, r := range rows[1:4] {
		got = append(got, []string{r[col["delivery"]], r[col["likes"]], r[col["comments"]], r[col["views"]], r[col["impressions"]]})
	}
	wantRows := [][]string{
		{s.d1x.ID, "5", "2", "", "300"},
		{s.d1y.ID, "1", "", "40", ""},
		{s.d2x.ID, "8", "1", "", ""},
	}
	if !reflect.DeepEqual(got, wantRows) {
		t.Errorf("rows = %v, want %v", got, wantRows)
	}
}

func TestExportMetricsCSVUnmeasuredAndEmpty(t *testing.T) {
	f := newFixture(t)
	s := newReportScene(t, f)
	p := f.published(t, s.vias.ID, "", "=HYPERLINK(\"https://example.org\",\"Sin medir\")", dec(9, 10, 0), "x-gob")
	var b bytes.Buffer
	n, err := f.svc.ExportMetricsCSV(context.Background(), posting.ReportQuery{Campaign: s.vias.ID, From: day(9), To: day(9)}, &b)
	if err != nil || n != 1 {
		t.Fatalf("= %d, %v", n, err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	r := rows[1]
	if want := "'" + p.Text; r[9] != want {
		t.Errorf("text = %q, want %q: a spreadsheet must show it, not run it", r[9], want)
	}
	if r[1] != p.Deliveries[0].ID || strings.Join(r[12:], "") != "" {
		t.Errorf("a delivery not measured yet = %q; want no collected_at and no metrics", r)
	}
	b.Reset()
	if n, err := f.svc.ExportMetricsCSV(context.Background(), posting.ReportQuery{From: day(1), To: day(2)}, &b); err != nil || n != 0 ||
		strings.Count(b.String(), "\r\n") != 1 {
		t.Errorf("a span without deliveries = %d rows, %v:\n%q; want the header alone", n, err, b.String())
	}
}

// failingWriter fails after a number of bytes.
type failingWriter struct{ left int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, errors.New("disk full")
	}
	w.left -= len(p)
	return len(p), nil
}

func TestExportMetricsCSVWriteError(t *testing.T) {
	f := newFixture(t)
	s := newReportScene(t, f)
	_, err := f.svc.ExportMetricsCSV(context.Background(), posting.ReportQuery{Campaign: s.vias.ID, From: day(7), To: day(9)}, &failingWriter{left: 10})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v, want the writer's", err)
	}
}
