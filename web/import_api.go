package web

import (
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

// The import of posts from a CSV file and the export of posts as CSV.
//
// POST /api/v1/imports takes the file as the request body (Content-Type
// text/csv; any type but JSON and forms is read as the file), with the
// parameters valid_only, dry_run (true or false), timezone and filename.
// It answers with the import's report: 201 when posts were created, 200
// for a dry run or for a file imported before (replayed, with that
// import's posts), and 422 when rows have errors and nothing was
// created; the 422 body is the API's error document, whose fields list
// the errors, with the report beside it under "report".

// MaxImportBytes caps the file of an import. Rows are not limited: ten
// thousand rows take about a megabyte.
const MaxImportBytes int64 = 64 << 20

// importParams are the query parameters of an import.
var importParams = []string{"valid_only", "dry_run", "timezone", "filename"}

// exportPostsParams are the query parameters of the posts export: those
// of GET /api/v1/posts but the paging.
var exportPostsParams = []string{"status", "account", "campaign", "from", "to", "timezone"}

// importRefusal is the answer of an import refused for its rows.
type importRefusal struct {
	Error  *pregonero.Error      `json:"error"`
	Report *posting.ImportReport `json:"report"`
}

func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var errs []pregonero.FieldError
	errs = append(errs, unknownParams(q, importParams)...)
	req := posting.ImportRequest{Timezone: q.Get("timezone"), Filename: q.Get("filename")}
	for _, p := range []struct {
		name string
		dst  *bool
	}{{"valid_only", &req.ValidOnly}, {"dry_run", &req.DryRun}} {
		switch v := q.Get(p.name); v {
		case "", "false", "0":
		case "true", "1":
			*p.dst = true
		default:
			errs = append(errs, pregonero.FieldError{Field: p.name, Code: pregonero.FieldInvalid, Actual: v, Limit: []string{"true", "false"},
				Message: fmt.Sprintf("%s must be true or false.", p.name)})
		}
	}
	if len(errs) > 0 {
		return pregonero.Invalid(errs)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); isJSONType(ct) || mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" {
			msg := fmt.Sprintf("Send the CSV file itself as the request body, with Content-Type: text/csv (this request sent %s; with curl, use --data-binary @file.csv -H 'Content-Type: text/csv').", ct)
			return &pregonero.Error{Code: pregonero.EUNSUPPORTEDMEDIA, Message: msg, Fields: []pregonero.FieldError{{
				Field: "Content-Type", Code: pregonero.FieldUnsupported, Actual: ct, Limit: "text/csv", Message: msg}}}
		}
	}
	// A file announced larger than the limit is refused before a byte of
	// it is read: waiting for 100 MB only to refuse them holds the
	// connection for nothing.
	if r.ContentLength > MaxImportBytes {
		return tooLarge("body", MaxImportBytes)
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxImportBytes))
	if err != nil {
		return err
	}
	req.Data = data
	rep, err := s.posts.Import(r.Context(), req)
	if err != nil {
		return err
	}
	switch {
	case rep.Created:
		writeJSON(w, http.StatusCreated, rep)
	case rep.Refused():
		writeJSON(w, http.StatusUnprocessableEntity, importRefusal{Error: importRefusalError(rep), Report: rep})
	default:
		writeJSON(w, http.StatusOK, rep)
	}
	return nil
}

// importRefusalError is the error document of a refused import: one
// field error per row error, its target the row and column.
func importRefusalError(rep *posting.ImportReport) *pregonero.Error {
	fields := make([]pregonero.FieldError, len(rep.Errors))
	for i, e := range rep.Errors {
		f := e.FieldError
		f.Message = e.Error()
		fields[i] = f
	}
	msg := fmt.Sprintf("%d of %d rows have errors; nothing was imported. Correct them, or import with valid_only=true to create the %d valid rows.",
		rep.Rows-rep.Valid, rep.Rows, rep.Valid)
	if rep.Rows == 0 || rep.Valid == rep.Rows {
		msg = "The file has errors; nothing was imported."
	}
	return &pregonero.Error{Code: pregonero.EINVALID, Message: msg, Fields: fields}
}

func (s *Server) handleGetImport(w http.ResponseWriter, r *http.Request) error {
	imp, err := s.posts.ImportRecord(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, imp)
	return nil
}

// handleExportPosts streams the posts export; like the metrics export,
// a refused query answers with the API's JSON error, and a failure once
// the file is on its way cuts the connection.
func (s *Server) handleExportPosts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if errs := unknownParams(q, exportPostsParams); len(errs) > 0 {
		return pregonero.Invalid(errs)
	}
	f, err := s.parseFilter(q)
	if err != nil {
		return err
	}
	loc, _ := s.posts.Zone(q.Get("timezone")) // parseFilter checked it
	lw := &lazyCSV{w: w, name: exportPostsFilename(q)}
	if _, err := s.posts.ExportPostsCSV(r.Context(), f, loc, lw); err != nil {
		if lw.n == 0 {
			return err
		}
		s.logger.ErrorContext(r.Context(), "posts export cut short", logErr, err, logBytes, lw.n)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// unknownParams refuses the parameters a route does not take.
func unknownParams(q url.Values, allowed []string) []pregonero.FieldError {
	var errs []pregonero.FieldError
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(allowed, name) {
			errs = append(errs, pregonero.FieldError{Field: name, Code: pregonero.FieldUnknown, Actual: name, Limit: allowed,
				Message: fmt.Sprintf("Unknown parameter %q; this route takes %s.", name, strings.Join(allowed, ", "))})
		}
	}
	return errs
}

// exportPostsFilename names the download after its filters:
// posts-<campaign>-<account>-<status>.csv, in ASCII letters, digits, "_"
// and "-".
func exportPostsFilename(q url.Values) string {
	parts := []string{"posts"}
	for _, name := range []string{"campaign", "account", "status"} {
		if v := safeFilePart(q.Get(name)); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, "-") + ".csv"
}

// safeFilePart keeps the ASCII letters, digits, "_" and "-" of s.
func safeFilePart(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
