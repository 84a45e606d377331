package web

import (
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"pregonero"
	"pregonero/posting"
)

// Importar (/import, admins and editors): upload a CSV file of posts, see
// the report of every row's errors in Spanish, and confirm the import,
// of all the rows or only of the valid ones; after it, the posts it made.
// The page also downloads the posts export through the session.
//
// The file travels as multipart/form-data, larger than the framework's
// forms take, so the upload has its own handler, which checks the
// session's CSRF token (the form's first field) before reading the file.
// Nothing is kept between the check and the confirmation: the page of the
// report carries the file back, base64-encoded (browsers would turn its
// line ends into CRLF in a plain field, and the file's SHA-256 is the
// import's identity).

// Limits of the import page.
const (
	// importShownErrors and importShownPosts bound the rows of the
	// report and of the result: the counts say how many more there are.
	importShownErrors = 500
	importShownPosts  = 200
	// importFieldBytes caps the fields of the upload besides the file
	// and its copy.
	importFieldBytes = 64 << 10
)

// importBodyBytes caps the upload: the file, or its base64 copy.
const importBodyBytes = MaxImportBytes/3*4 + 4 + multipartOverhead

func (s *Server) importPage() uiPage {
	p := uiPage{
		Path:   "/import",
		Menu:   "import.menu",
		Allow:  uiEditors,
		Render: s.renderImport,
	}
	// The framework's forms read a small urlencoded body; the upload
	// checks its multipart body's token itself.
	s.mux.Handle("POST /import", s.uiServe(&p, nil, s.importUpload))
	// Every signed-in user reads posts, so every one may export them.
	s.mux.Handle("GET /import/export.csv", s.importExport())
	return p
}

// importData is what the page shows.
type importData struct {
	FileError string
	Report    *importReportView
	Done      *importDoneView
	Export    importExportForm
	Columns   []importColumnHelp
}

// importReportView is the report of a check.
type importReportView struct {
	ID, Filename string
	Separator    string
	Rows, Valid  int
	Bad          int
	Errors       []importErrorView
	More         int // errors not listed
	Ignored      string
	// Data is the file, base64, for the confirmation.
	Data string
	// Replayed says the file was imported before; the result is shown
	// instead.
	Replayed bool
	// Refused says an import was asked for and rows failed then (a URL
	// that could not be downloaded).
	Refused bool
}

type importErrorView struct {
	Row    int
	Column string
	Text   string
	Detail string
}

// importDoneView is an import made: its posts.
type importDoneView struct {
	ID, Filename, When, Author string
	Count, Skipped             int
	Posts                      []importPostView
	More                       int
}

type importPostView struct {
	Row                    int
	ID, Text, When, Status string
	StatusClass            string
}

// importExportForm are the choices of the export's filters.
type importExportForm struct {
	Accounts  []importOption
	Campaigns []importOption
	Statuses  []importOption
}

type importOption struct{ Value, Label string }

// importColumnHelp explains one column.
type importColumnHelp struct{ Name, Text string }

func (s *Server) renderImport(rq *uiRequest) (*uiView, error) {
	data := importData{}
	if id := rq.R.URL.Query().Get("id"); id != "" {
		done, err := s.importDone(rq, id)
		if err != nil {
			return nil, err
		}
		data.Done = done
	}
	return s.importView(rq, data, http.StatusOK)
}

// importView renders the page with the export's choices and the help.
func (s *Server) importView(rq *uiRequest, data importData, status int) (*uiView, error) {
	ctx := rq.Context()
	accounts, err := s.posts.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("import page: %w", err)
	}
	for _, a := range accounts {
		data.Export.Accounts = append(data.Export.Accounts, importOption{Value: a.ID, Label: cmp.Or(a.Name, a.ID) + " (" + a.Network.Title() + ")"})
	}
	campaigns, err := s.posts.Campaigns(ctx)
	if err != nil && pregonero.ErrorCode(err) != pregonero.EUNAVAILABLE {
		return nil, fmt.Errorf("import page: %w", err)
	}
	for _, c := range campaigns {
		data.Export.Campaigns = append(data.Export.Campaigns, importOption{Value: c.ID, Label: c.Name})
	}
	for _, st := range postStatuses {
		data.Export.Statuses = append(data.Export.Statuses, importOption{Value: string(st), Label: postStatusText(rq.P, st)})
	}
	for _, c := range []string{"text", "targets", "scheduled_at", "media", "alt_text", "campaign", "draft", "link", "text_for", "ignored"} {
		name := c
		switch c {
		case "text_for":
			name = "text:<cuenta>"
			if rq.P.Lang() != "es" {
				name = "text:<account>"
			}
		case "ignored":
			name = "id, status, state:…, url:…"
		}
		data.Columns = append(data.Columns, importColumnHelp{Name: name, Text: rq.P.T("import.help.col." + c)})
	}
	return &uiView{Template: "import", Title: "import.title", Data: data, Status: status, Styles: []string{"import.css"}}, nil
}

// importDone reads an import made, for its result.
func (s *Server) importDone(rq *uiRequest, id string) (*importDoneView, error) {
	ctx := rq.Context()
	imp, err := s.posts.ImportRecord(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &importDoneView{ID: imp.ID, Filename: imp.Filename, When: rq.DateTime(imp.CreatedAt), Author: imp.Author,
		Count: len(imp.Posts), Skipped: imp.Skipped}
	shown := imp.Posts
	if len(shown) > importShownPosts {
		shown, v.More = shown[:importShownPosts], len(shown)-importShownPosts
	}
	for _, ip := range shown {
		pv := importPostView{Row: ip.Row, ID: ip.PostID}
		p, err := s.posts.Post(ctx, ip.PostID)
		switch {
		case err == nil:
			st := p.DerivedStatus()
			pv.Text, pv.Status, pv.StatusClass = excerpt(p.Text), postStatusText(rq.P, st), string(st)
			if p.Text == "" {
				pv.Text = rq.P.T("import.done.no_text")
			}
			if !p.ScheduledAt.IsZero() {
				pv.When = rq.DateTime(p.ScheduledAt)
			}
		case pregonero.ErrorCode(err) == pregonero.ENOTFOUND:
			pv.Text = rq.P.T("import.done.gone")
		default:
			return nil, err
		}
		v.Posts = append(v.Posts, pv)
	}
	return v, nil
}

// importUpload is the post of the upload form and of the confirmation:
// action "check" checks the file (a dry run) and shows the report,
// "import" imports it and goes to the result.
func (s *Server) importUpload(rq *uiRequest) (*uiView, error) {
	rq.R.Body = http.MaxBytesReader(rq.W, rq.R.Body, importBodyBytes)
	form, err := readImportForm(rq)
	if err != nil {
		return nil, err
	}
	data := importData{}
	if form.fileErr != "" || len(form.data) == 0 {
		data.FileError = cmp.Or(form.fileErr, rq.P.T("import.err.no_file"))
		return s.importView(rq, data, http.StatusUnprocessableEntity)
	}
	req := posting.ImportRequest{Data: form.data, Filename: form.filename, Timezone: rq.Loc.String(),
		ValidOnly: form.validOnly, DryRun: form.action != "import"}
	rep, err := s.posts.Import(rq.Context(), req)
	if err != nil {
		return nil, err
	}
	if rep.Created || rep.Replayed {
		key := "import.flash.created"
		if rep.Replayed {
			key = "import.flash.replayed"
		}
		return uiRedirect("/import?id="+url.QueryEscape(rep.ID)+"#result", &uiFlash{Kind: "ok", Text: rq.P.T(key, len(rep.Posts))}), nil
	}
	data.Report = importReport(rq, rep, form.data)
	status := http.StatusOK
	if len(rep.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return s.importView(rq, data, status)
}

// importReport is a report as the page shows it, in its language.
func importReport(rq *uiRequest, rep *posting.ImportReport, data []byte) *importReportView {
	v := &importReportView{ID: rep.ID, Filename: rep.Filename, Rows: rep.Rows, Valid: rep.Valid, Bad: rep.Rows - rep.Valid,
		Ignored: strings.Join(rep.Ignored, ", "), Data: base64.StdEncoding.EncodeToString(data), Refused: rep.Refused()}
	switch rep.Separator {
	case ";":
		v.Separator = rq.P.T("import.report.sep_semicolon")
	case ",":
		v.Separator = rq.P.T("import.report.sep_comma")
	}
	errs := rep.Errors
	if len(errs) > importShownErrors {
		errs, v.More = errs[:importShownErrors], len(errs)-importShownErrors
	}
	for _, e := range errs {
		text, detail := importErrorText(rq, e)
		v.Errors = append(v.Errors, importErrorView{Row: e.Row, Column: e.Column, Text: text, Detail: detail})
	}
	return v
}

// importErrorText says an error of a row in the page's language: the
// words for its field and code when the catalog has them, else those for
// its code with the service's English message as the detail.
func importErrorText(rq *uiRequest, e posting.ImportError) (text, detail string) {
	field := e.Field
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i] // media[2].alt_text → media
		if strings.HasSuffix(e.Field, ".alt_text") {
			field = "alt_text"
		}
	}
	actual := ""
	if e.Actual != nil {
		actual = fmt.Sprint(e.Actual)
	}
	limit := ""
	if e.Limit != nil {
		limit = fmt.Sprint(e.Limit)
	}
	target := cmp.Or(e.Target, "—")
	if key := "import.err." + field + "." + e.Code; rq.P.Has(key) {
		// The words take the value, the limit and the account by
		// position (%[1]s, %[2]s, %[3]s), each as they need.
		if text := rq.P.T(key); strings.Contains(text, "%") {
			return rq.P.T(key, actual, limit, target), ""
		}
		return rq.P.T(key), ""
	}
	key := "import.err.code." + e.Code
	if !rq.P.Has(key) {
		key = "import.err.code.other"
	}
	return rq.P.T(key), e.Message
}

// importForm is what the upload's multipart body held.
type importForm struct {
	action, filename string
	validOnly        bool
	data             []byte
	fileErr          string
}

// readImportForm reads the upload: the CSRF token must come first, so
// that no file is read for a post that is not the session's; the file
// comes as a file part or, from the confirmation, base64 in a field.
func readImportForm(rq *uiRequest) (*importForm, error) {
	mr, err := rq.R.MultipartReader()
	if err != nil {
		// Not multipart: a form without the file, whose token is checked
		// as the framework checks its forms'.
		if perr := rq.R.ParseForm(); perr != nil || !sameCSRF(rq.csrf, rq.R.PostFormValue(csrfField)) {
			return nil, errCSRF
		}
		return nil, pregonero.Errorf(pregonero.EINVALID, "Send the form as multipart/form-data.")
	}
	f := &importForm{}
	csrfOK := false
	budget := int64(importFieldBytes)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			if !csrfOK {
				return nil, errCSRF
			}
			return nil, uploadError(err)
		}
		name := part.FormName()
		if name != csrfField && !csrfOK {
			return nil, errCSRF
		}
		switch name {
		case "file":
			if part.FileName() == "" {
				_, _ = io.Copy(io.Discard, partReader{part})
				continue
			}
			b, err := io.ReadAll(io.LimitReader(partReader{part}, MaxImportBytes+1))
			if err != nil {
				return nil, uploadError(err)
			}
			if int64(len(b)) > MaxImportBytes {
				f.fileErr = rq.P.T("import.err.too_large", MaxImportBytes>>20)
				continue
			}
			f.data, f.filename = b, part.FileName()
		case "data":
			b, err := io.ReadAll(io.LimitReader(partReader{part}, importBodyBytes))
			if err != nil {
				return nil, uploadError(err)
			}
			if len(f.data) == 0 && len(b) > 0 {
				if f.data, err = base64.StdEncoding.DecodeString(string(b)); err != nil {
					return nil, pregonero.Errorf(pregonero.EINVALID, "The copy of the file in the form is damaged; upload the file again.")
				}
			}
		default:
			b, err := readField(part, budget)
			if err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					return nil, uploadError(err)
				}
				return nil, err
			}
			budget -= int64(len(b))
			v := string(b)
			switch name {
			case csrfField:
				if csrfOK = sameCSRF(rq.csrf, v); !csrfOK {
					return nil, errCSRF
				}
			case "action":
				f.action = v
			case "valid_only":
				f.validOnly = v == "yes"
			case "filename":
				if f.filename == "" {
					f.filename = v
				}
			}
		}
	}
	if !csrfOK {
		return nil, errCSRF
	}
	if !slices.Contains([]string{"", "check", "import"}, f.action) {
		return nil, pregonero.Errorf(pregonero.EINVALID, "Unknown action %q; use check or import.", f.action)
	}
	return f, nil
}

// importExport downloads the posts export through the session, with the
// filters of the page's form.
func (s *Server) importExport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq, err := s.uiSession(w, r, nil, false)
		if err != nil {
			if pregonero.ErrorCode(err) == pregonero.EUNAUTHORIZED {
				s.uiToLogin(rq, nil)
				return
			}
			s.uiFail(rq, err)
			return
		}
		q := url.Values{}
		for name, vs := range r.URL.Query() {
			if v := strings.TrimSpace(vs[0]); v != "" && slices.Contains(exportPostsParams, name) {
				q.Set(name, v)
			}
		}
		if q.Get("timezone") == "" {
			q.Set("timezone", rq.Loc.String())
		}
		// The form's days: from the start of the first to the end of the
		// last, in the person's zone.
		for name, days := range map[string]int{"from": 0, "to": 1} {
			if d, err := pregonero.ParseDate(q.Get(name)); err == nil && !d.IsZero() {
				q.Set(name, d.In(time.UTC).AddDate(0, 0, days).Format("2006-01-02T15:04"))
			}
		}
		f, err := s.parseFilter(q)
		if err != nil {
			s.uiFail(rq, err)
			return
		}
		lw := &lazyCSV{w: w, name: exportPostsFilename(q)}
		if _, err := s.posts.ExportPostsCSV(rq.Context(), f, rq.Loc, lw); err != nil {
			if lw.n == 0 {
				s.uiFail(rq, err)
				return
			}
			s.logger.ErrorContext(rq.Context(), "posts export cut short", logErr, err, logBytes, lw.n)
			panic(http.ErrAbortHandler)
		}
	})
}
