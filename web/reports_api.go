package web

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"pregonero"
	"pregonero/posting"
)

// ReportList is the answer of GET /api/v1/reports: one report per
// dependencia or per line of the Plan de Desarrollo.
type ReportList struct {
	// By is how the reports are grouped: "unit" or "plan_line".
	By     string                `json:"by"`
	Groups []posting.ReportGroup `json:"groups"`
}

// The query parameters each report route takes.
var (
	campaignReportParams = []string{"from", "to", "network", "timezone"}
	reportsParams        = []string{"from", "to", "unit", "plan_line", "network", "campaign", "by", "timezone"}
	exportParams         = []string{"from", "to", "unit", "plan_line", "network", "campaign", "timezone"}
)

// reportQuery reads a report's query string: every parameter wrong,
// unknown or given twice is reported at once, as invalid (422).
func (s *Server) reportQuery(q url.Values, allowed []string) (posting.ReportQuery, error) {
	var errs []pregonero.FieldError
	for _, name := range slices.Sorted(maps.Keys(q)) {
		switch {
		case !slices.Contains(allowed, name):
			errs = append(errs, pregonero.FieldError{Field: name, Code: pregonero.FieldUnknown, Actual: name, Limit: allowed,
				Message: fmt.Sprintf("Unknown parameter %q; this route takes %s.", name, strings.Join(allowed, ", "))})
		case len(q[name]) > 1:
			errs = append(errs, pregonero.FieldError{Field: name, Code: pregonero.FieldDuplicate, Actual: len(q[name]),
				Message: fmt.Sprintf("Parameter %q is given %d times.", name, len(q[name]))})
		}
	}
	rq, err := s.posts.ParseReportQuery(posting.ReportParams{From: q.Get("from"), To: q.Get("to"), Timezone: q.Get("timezone"),
		Campaign: q.Get("campaign"), Unit: q.Get("unit"), PlanLine: q.Get("plan_line"), Network: q.Get("network"), By: q.Get("by")})
	var e *pregonero.Error
	if errors.As(err, &e) && e.Code == pregonero.EINVALID {
		errs = append(errs, e.Fields...)
	} else if err != nil {
		return posting.ReportQuery{}, err
	}
	if len(errs) > 0 {
		return posting.ReportQuery{}, pregonero.Invalid(errs)
	}
	return rq, nil
}

// viewReport is a report as the API shows it: the campaign as the
// campaign routes show it.
func viewReport(r *posting.Report) *posting.Report {
	if r.Campaign != nil {
		r.Campaign = viewCampaign(r.Campaign)
	}
	return r
}

func (s *Server) handleCampaignReport(w http.ResponseWriter, r *http.Request) error {
	q, err := s.reportQuery(r.URL.Query(), campaignReportParams)
	if err != nil {
		return err
	}
	rep, err := s.posts.CampaignReport(r.Context(), r.PathValue("id"), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewReport(rep))
	return nil
}

func (s *Server) handleReports(w http.ResponseWriter, r *http.Request) error {
	q, err := s.reportQuery(r.URL.Query(), reportsParams)
	if err != nil {
		return err
	}
	groups, err := s.posts.Reports(r.Context(), q)
	if err != nil {
		return err
	}
	out := ReportList{By: q.GroupBy, Groups: groups}
	if out.By == "" {
		out.By = posting.GroupByUnit
	}
	if out.Groups == nil {
		out.Groups = []posting.ReportGroup{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleExportMetrics streams the CSV export. The headers go out with the
// first byte, so that a refused query still answers with the API's JSON
// error; an error once the file is on its way can only cut the
// connection, which tells the client the file is incomplete.
func (s *Server) handleExportMetrics(w http.ResponseWriter, r *http.Request) error {
	q, err := s.reportQuery(r.URL.Query(), exportParams)
	if err != nil {
		return err
	}
	lw := &lazyCSV{w: w, name: exportFilename(r.URL.Query())}
	if _, err := s.posts.ExportMetricsCSV(r.Context(), q, lw); err != nil {
		if lw.n == 0 {
			return err
		}
		s.logger.ErrorContext(r.Context(), "metrics export cut short", logErr, err, logBytes, lw.n)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// lazyCSV sets the headers of a CSV download on the first write.
type lazyCSV struct {
	w    http.ResponseWriter
	name string
	n    int64
}

func (l *lazyCSV) Write(p []byte) (int, error) {
	if l.n == 0 {
		h := l.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": l.name}))
		h.Set("X-Content-Type-Options", "nosniff")
		l.w.WriteHeader(http.StatusOK)
	}
	n, err := l.w.Write(p)
	l.n += int64(n)
	return n, err
}

var _ io.Writer = (*lazyCSV)(nil)

// exportFilename names the download after what it holds:
// metrics-<campaign>-<unit>-<from>-<to>.csv with the parts given, in
// ASCII letters, digits, "_" and "-".
func exportFilename(q url.Values) string {
	parts := []string{"metrics"}
	for _, name := range []string{"campaign", "unit", "plan_line", "network", "from", "to"} {
		if v := fileSafe(q.Get(name)); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, "-") + ".csv"
}

// fileSafe keeps the ASCII letters, digits, "_" and "-" of s (accents
// dropped to their letter), other runs of characters becoming one "-",
// at most 60 bytes.
func fileSafe(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if base, ok := asciiLetter[r]; ok {
			r = base
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// asciiLetter maps the accented letters of Spanish to their base letter.
var asciiLetter = map[rune]rune{
	'á': 'a', 'é': 'e', 'í': 'i', 'ó': 'o', 'ú': 'u', 'ü': 'u', 'ñ': 'n',
	'Á': 'A', 'É': 'E', 'Í': 'I', 'Ó': 'O', 'Ú': 'U', 'Ü': 'U', 'Ñ': 'N',
}
