package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"pregonero"
	"pregonero/posting"
)

// The compose page's endpoints besides its form posts: the live check
// and the upload its script calls (JSON), the plain multipart post that
// attaches a file without the script, and the files' thumbnails. Each has
// the session and role checks of the page; the posts check the session's
// CSRF token, which the script sends in a header and the plain form in
// its csrf_token field, ahead of the file.

// csrfHeader carries the session's CSRF token on the script's requests.
const csrfHeader = "X-CSRF-Token"

// attachFieldBytes caps what the fields of a multipart attach post may
// hold besides the file: the form's texts.
const attachFieldBytes = 1 << 20

// registerComposeEndpoints registers the compose page's endpoints that
// are not forms of the framework: JSON answers, a multipart post and
// file bytes.
func (s *Server) registerComposeEndpoints(p *uiPage) {
	s.mux.Handle("POST /compose/validate", s.uiJSON(p.Allow, s.composeValidate))
	s.mux.Handle("POST /compose/media", s.uiJSON(p.Allow, s.composeUpload))
	// The framework's check of a form's token reads a urlencoded body;
	// composeAttach checks the token of its multipart body itself.
	s.mux.Handle("POST /compose/attach", s.uiServe(p, nil, s.composeAttach))
	s.mux.Handle("GET /compose/media/{id}", s.composeThumb(p.Allow))
}

// uiSession resolves the session of a request of a page's script or
// assets, with the checks uiServe makes for a page: a valid session, a
// password that need not change first, the role, and, for a post, the
// CSRF token in the X-CSRF-Token header.
func (s *Server) uiSession(w http.ResponseWriter, r *http.Request, allow func(*pregonero.User) bool, csrf bool) (*uiRequest, error) {
	rq := s.uiNewRequest(w, r)
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return rq, pregonero.Errorf(pregonero.EUNAUTHORIZED, "Sign in first.")
	}
	sess, u, err := s.ui.users.Session(r.Context(), c.Value)
	if err != nil {
		return rq, fmt.Errorf("session: %w", err)
	}
	s.setUser(rq, sess, u, c.Value)
	if u.MustChangePassword {
		return rq, pregonero.Errorf(pregonero.EFORBIDDEN, "Change your password first.")
	}
	if csrf && !sameCSRF(rq.csrf, r.Header.Get(csrfHeader)) {
		return rq, errCSRF
	}
	if allow != nil && !allow(u) {
		return rq, pregonero.Errorf(pregonero.EFORBIDDEN, "Your role may not open this page.")
	}
	return rq, nil
}

// uiJSONError is the answer of a failed request of a page's script: the
// API's error document and the words to show, in the page's language.
type uiJSONError struct {
	Error *pregonero.Error `json:"error"`
	Text  string           `json:"text"`
}

// uiJSON serves a JSON endpoint of a page's script.
func (s *Server) uiJSON(allow func(*pregonero.User) bool, fn func(*uiRequest) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq, err := s.uiSession(w, r, allow, true)
		var v any
		if err == nil {
			v, err = fn(rq)
		}
		if err != nil {
			e, status := asAppError(err)
			if status >= 500 {
				s.logger.ErrorContext(r.Context(), "request failed", logMethod, r.Method, logPath, r.URL.Path, logErr, err)
			}
			text := errorText(rq.P, err)
			if errors.Is(err, errCSRF) {
				text = rq.P.T("error.page.csrf")
			} else if len(e.Fields) > 0 {
				var parts []string
				for _, fe := range e.Fields {
					parts = append(parts, composeFieldText(rq, nil, fe))
				}
				text = strings.Join(parts, " ")
			}
			writeJSON(w, status, uiJSONError{Error: e, Text: text})
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// composeResult is the live check of the form.
type composeResult struct {
	Valid bool `json:"valid"`
	// Errors are by input id; General are about no input.
	Errors   map[string][]string `json:"errors"`
	General  []string            `json:"general"`
	Counters []composeCounter    `json:"counters"`
	// When is the time the form names, in the user's zone.
	When string `json:"when"`
	// Status sums it up for the page's live region.
	Status string `json:"status"`
}

// composeValidate checks the form as it stands, with the posting
// service's rules (posting.Service.Validate) and the page's own, as if it
// were to be scheduled now.
func (s *Server) composeValidate(rq *uiRequest) (any, error) {
	rq.R.Body = http.MaxBytesReader(rq.W, rq.R.Body, maxFormBytes)
	if err := rq.R.ParseForm(); err != nil {
		return nil, pregonero.Errorf(pregonero.EINVALID, "The form could not be read: %v", err)
	}
	f := parseComposeValues(rq.R.PostForm)
	c, err := s.composeContext(rq, f.PostID)
	if err != nil {
		return nil, err
	}
	if c.cur != nil {
		f.IsDraft = c.cur.IsDraft()
		if !f.IsDraft {
			f.Targets = slices.Clone(c.cur.Targets)
		}
	}
	d := s.composeDraft(c, f, true)
	// The form offers only the accounts the person may post to; the
	// service refuses the others when the post is saved.
	for _, id := range f.Targets {
		if a := c.byID[id]; a != nil && !rq.User.CanPostTo(a) {
			f.addError("target-"+id, rq.P.T("compose.err.not_yours"))
		}
	}
	if c.cur != nil && !c.cur.IsDraft() && f.When == f.WhenOrig {
		d.ScheduledAt = "" // an unchanged time is kept, however close
	}
	res := &composeResult{Counters: []composeCounter{}}
	if f.When != "" && len(f.Errors["when"]) == 0 {
		res.When = s.composeWhen(rq, f.When)
	}
	if len(d.Targets) > 0 {
		v, err := s.posts.Validate(rq.Context(), d, "")
		if err != nil {
			return nil, err
		}
		s.composeVerdictErrors(c, f, v, true)
		res.Counters = append(res.Counters, composeCounters(rq, c.byID, v)...)
	} else {
		f.addError("targets", rq.P.T("compose.err.targets_required"))
		// The text is still counted, and checked, as X would.
		v, err := s.posts.Validate(rq.Context(), &posting.Draft{Text: d.Text, Link: d.Link, Media: d.Media}, pregonero.NetworkX)
		if err != nil {
			return nil, err
		}
		s.composeFieldErrors(c, f, v.Errors, true)
		res.Counters = append(res.Counters, composeCounters(rq, c.byID, v)...)
	}
	res.Errors, res.General = f.Errors, f.General
	if res.Errors == nil {
		res.Errors = map[string][]string{}
	}
	if res.General == nil {
		res.General = []string{}
	}
	n := len(res.General)
	for _, msgs := range res.Errors {
		n += len(msgs)
	}
	res.Valid = n == 0
	res.Status = rq.P.T("compose.status.ok")
	if n > 0 {
		res.Status = rq.P.T("compose.status.errors", n)
	}
	for _, ct := range res.Counters {
		res.Status += " " + ct.Text
	}
	return res, nil
}

// composeWhen is the instant a typed time names, in the user's zone and
// language, or "" when it names none.
func (s *Server) composeWhen(rq *uiRequest, when string) string {
	if posting.IsQueue(when) {
		return rq.P.T("compose.when_queue")
	}
	t, err := posting.ParseHuman(when, rq.Now, rq.Loc)
	if err != nil {
		return ""
	}
	return rq.P.T("compose.when_is", rq.DateTime(t), rq.Loc.String())
}

// composeMediaView is an uploaded file as the page's script shows it.
type composeMediaView struct {
	ID         string `json:"id"`
	MIME       string `json:"mime"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	URL        string `json:"url"`
	AltText    string `json:"alt_text"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	DurationMS int64  `json:"duration_ms"`
	Size       int64  `json:"size"`
	Image      bool   `json:"image"`
	Video      bool   `json:"video"`
	Label      string `json:"label"`
}

func composeMediaViewOf(m composeMedia) composeMediaView {
	return composeMediaView{ID: m.ID, MIME: m.MIME, Name: m.Name(), Kind: m.Kind(), URL: m.URL(), AltText: m.AltText,
		Width: m.Width, Height: m.Height, DurationMS: m.DurationMS, Size: m.Size, Image: m.IsImage(), Video: m.IsVideo(), Label: m.Label()}
}

// Label describes the file: its name, size in pixels, length and type.
func (m composeMedia) Label() string {
	parts := []string{m.Name()}
	if m.Width > 0 && m.Height > 0 {
		parts = append(parts, fmt.Sprintf("%d × %d", m.Width, m.Height))
	}
	if m.DurationMS > 0 {
		parts = append(parts, fmt.Sprintf("%.1f s", float64(m.DurationMS)/1000))
	}
	return strings.Join(append(parts, m.Kind()), " · ")
}

func composeMediaOf(m *pregonero.Media) composeMedia {
	return composeMedia{ID: m.ID, AltText: m.AltText, MIME: m.MIME, Filename: m.Filename, Width: m.Width, Height: m.Height,
		DurationMS: m.DurationMS, Size: m.Size}
}

// limitUpload bounds and paces the body of an upload as the API's is:
// the media library's size limit plus the envelope, and the least rate.
func (s *Server) limitUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.media.MaxSize()+multipartOverhead)
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &pacedBody{ReadCloser: r.Body, rc: http.NewResponseController(w), start: time.Now(),
			grace: s.limits.ReadTimeout, rate: s.limits.MinUploadRate}
	}
}

// composeUpload stores the file of the script's multipart upload (field
// file) in the media library, streamed as POST /api/v1/media does.
func (s *Server) composeUpload(rq *uiRequest) (any, error) {
	if s.media == nil {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "Media uploads are not configured on this server.")
	}
	s.limitUpload(rq.W, rq.R)
	mr, err := rq.R.MultipartReader()
	if err != nil {
		return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "file", Code: pregonero.FieldInvalid,
			Message: "Send the upload as multipart/form-data with the file in a field named file."}})
	}
	var m *pregonero.Media
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, uploadError(err)
		}
		if part.FormName() != "file" {
			return nil, pregonero.Invalid([]pregonero.FieldError{{Field: part.FormName(), Code: pregonero.FieldUnknown, Actual: part.FormName(),
				Message: fmt.Sprintf("Unknown form field %q; send file.", part.FormName())}})
		}
		if m != nil {
			return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "file", Code: pregonero.FieldTooMany, Limit: 1, Message: "Upload one file per request."}})
		}
		if m, err = s.media.Put(rq.Context(), partReader{part}, part.FileName(), ""); err != nil {
			return nil, err
		}
		part.Close()
	}
	if m == nil {
		return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "file", Code: pregonero.FieldRequired, Message: "Attach the file in a form field named file."}})
	}
	return composeMediaViewOf(composeMediaOf(m)), nil
}

// composeAttach is the plain form's way to attach or remove a file: the
// whole form comes as multipart/form-data, the file stored as the API
// stores uploads, and the page comes back with everything as it was and
// the file in the list. The form's state travels in its fields: nothing
// is saved until the person saves a draft or schedules.
func (s *Server) composeAttach(rq *uiRequest) (*uiView, error) {
	if s.media != nil {
		s.limitUpload(rq.W, rq.R)
	} else {
		rq.R.Body = http.MaxBytesReader(rq.W, rq.R.Body, attachFieldBytes+multipartOverhead)
	}
	mr, err := rq.R.MultipartReader()
	if err != nil {
		return nil, pregonero.Errorf(pregonero.EINVALID, "Send the form as multipart/form-data.")
	}
	vals := url.Values{}
	csrfOK := false
	budget := int64(attachFieldBytes)
	var uploaded *pregonero.Media
	var upErr error
parts:
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			if !csrfOK {
				return nil, errCSRF
			}
			upErr = uploadError(err)
			break
		}
		if part.FormName() == "file" {
			// The token comes first in the form: no file is stored for a
			// post that is not the session's.
			if !csrfOK {
				return nil, errCSRF
			}
			switch {
			case part.FileName() == "":
				// No file chosen: the browser sends an empty part.
				_, _ = io.Copy(io.Discard, partReader{part})
			case s.media == nil:
				upErr = pregonero.Errorf(pregonero.EUNAVAILABLE, "Media uploads are not configured on this server.")
				break parts
			case uploaded != nil:
				upErr = pregonero.Invalid([]pregonero.FieldError{{Field: "file", Code: pregonero.FieldTooMany, Limit: 1, Message: "Upload one file at a time."}})
				break parts
			default:
				uploaded, upErr = s.media.Put(rq.Context(), partReader{part}, part.FileName(), "")
				if upErr != nil {
					break parts
				}
			}
			part.Close()
			continue
		}
		b, err := readField(part, budget)
		if err != nil {
			if !csrfOK {
				return nil, errCSRF
			}
			upErr = err
			break
		}
		budget -= int64(len(b))
		vals.Add(part.FormName(), string(b))
		if part.FormName() == csrfField {
			if csrfOK = sameCSRF(rq.csrf, string(b)); !csrfOK {
				return nil, errCSRF
			}
		}
	}
	if !csrfOK {
		return nil, errCSRF
	}
	f := parseComposeValues(vals)
	c, err := s.composeContext(rq, f.PostID)
	if err != nil {
		return nil, err
	}
	if c.cur != nil {
		f.IsDraft = c.cur.IsDraft()
		if !f.IsDraft {
			f.Targets = slices.Clone(c.cur.Targets)
		}
	}
	if f.Remove != "" {
		f.Media = slices.DeleteFunc(f.Media, func(m composeMedia) bool { return m.ID == f.Remove })
	}
	var flash *uiFlash
	status := http.StatusOK
	switch {
	case upErr != nil:
		_, status = asAppError(upErr)
		f.addError("file", composeErrorText(rq, upErr))
	case uploaded != nil:
		if !slices.ContainsFunc(f.Media, func(m composeMedia) bool { return m.ID == uploaded.ID }) {
			f.Media = append(f.Media, composeMediaOf(uploaded))
		}
		m := composeMediaOf(uploaded)
		key := "compose.flash.attached"
		if m.IsImage() {
			key = "compose.flash.attached_image"
		}
		flash = &uiFlash{Kind: "ok", Text: rq.P.T(key, m.Name())}
	case f.Remove != "":
		flash = &uiFlash{Kind: "info", Text: rq.P.T("compose.flash.removed")}
	default:
		status = http.StatusUnprocessableEntity
		f.addError("file", rq.P.T("compose.err.no_file"))
	}
	v := s.composeView(c, f, status)
	if flash != nil {
		v.Flash = flash
	}
	return v, nil
}

// readField reads a text field of a multipart form, at most limit bytes.
func readField(part *multipart.Part, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(partReader{part}, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, tooLarge("form", attachFieldBytes)
	}
	return b, nil
}

// composeErrorText says what is wrong with an upload in the page's
// language.
func composeErrorText(rq *uiRequest, err error) string {
	e, _ := asAppError(err)
	if len(e.Fields) == 0 {
		return errorText(rq.P, err)
	}
	var parts []string
	for _, fe := range e.Fields {
		parts = append(parts, composeFieldText(rq, nil, fe))
	}
	return strings.Join(parts, " ")
}

// composeThumb serves an uploaded file to the page that shows it: to a
// signed-in person the page allows, never cached beyond their browser.
func (s *Server) composeThumb(allow func(*pregonero.User) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq, err := s.uiSession(w, r, allow, false)
		if err == nil && s.media == nil {
			err = pregonero.Errorf(pregonero.ENOTFOUND, "Media uploads are not configured on this server.")
		}
		if err != nil {
			_, status := asAppError(err)
			writeText(w, status, http.StatusText(status))
			return
		}
		f, m, err := s.media.OpenFile(rq.Context(), r.PathValue("id"))
		if err != nil {
			_, status := asAppError(err)
			if status >= 500 {
				s.logger.ErrorContext(r.Context(), "open media", logPath, r.URL.Path, logErr, err)
			}
			writeText(w, status, http.StatusText(status))
			return
		}
		defer f.Close()
		h := w.Header()
		h.Set("Content-Type", m.MIME)
		h.Set("ETag", `"`+m.SHA256+`"`)
		h.Set("Cache-Control", "private, max-age=3600")
		h.Set("Content-Disposition", "inline")
		http.ServeContent(w, r, "", m.CreatedAt, f)
	})
}
