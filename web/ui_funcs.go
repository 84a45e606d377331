package web

import (
	"fmt"
	"html/template"
	"strconv"
	"time"

	"pregonero"
)

// uiFuncCtx is what the template functions of one request read.
type uiFuncCtx struct {
	s  *Server
	rq *uiRequest
}

// uiFuncs returns the template functions bound to one request; with nil,
// functions of the same signatures that the templates are parsed with
// (html/template needs them at parse time, and each request binds its own
// on a clone).
func uiFuncs(fc *uiFuncCtx) template.FuncMap {
	if fc == nil {
		return template.FuncMap{
			"t":         func(string, ...any) string { return "" },
			"csrfField": func() template.HTML { return "" },
			"datetime":  func(time.Time) string { return "" },
			"date":      func(time.Time) string { return "" },
			"clock":     func(time.Time) string { return "" },
			"static":    func(string) (string, error) { return "", nil },
			"network":   func(pregonero.Network) string { return "" },
		}
	}
	rq := fc.rq
	return template.FuncMap{
		// t is the text of a catalog key in the page's language.
		"t": rq.P.T,
		// csrfField is the hidden field every form posts.
		"csrfField": func() template.HTML {
			return template.HTML(`<input type="hidden" name="` + csrfField + `" value="` + template.HTMLEscapeString(rq.csrf) + `">`)
		},
		"datetime": rq.DateTime,
		"date":     rq.Date,
		"clock":    rq.Clock,
		// static is the address of an embedded asset, with its content
		// hash so that browsers may keep it for good.
		"static": func(name string) (string, error) {
			f, ok := fc.s.ui.static[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/static/" + name + "?v=" + f.hash, nil
		},
		"network": func(n pregonero.Network) string { return n.Title() },
	}
}

// Clock is a time of day in the request's zone: "15:04".
func (rq *uiRequest) Clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(rq.Loc).Format("15:04")
}

// Date is a day in the request's zone and language: "vie 20 nov 2026".
func (rq *uiRequest) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(rq.Loc)
	return rq.P.T("time.date", rq.P.T("time.weekday."+strconv.Itoa(int(t.Weekday()))), t.Day(),
		rq.P.T("time.month."+strconv.Itoa(int(t.Month()))), t.Year())
}

// DateTime is an instant in the request's zone and language:
// "vie 20 nov 2026, 15:04".
func (rq *uiRequest) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return rq.P.T("time.datetime", rq.Date(t), rq.Clock(t))
}

// startOfDay is midnight of t's day in loc.
func startOfDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}
