package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"pregonero"
	"pregonero/posting"
)

// postStatuses are the values the status filter accepts.
var postStatuses = []pregonero.PostStatus{
	pregonero.PostDraft, pregonero.PostScheduled, pregonero.PostPublishing, pregonero.PostPublished,
	pregonero.PostPartiallyPublished, pregonero.PostFailed, pregonero.PostCanceled, pregonero.PostHeld,
}

func (s *Server) handleCreatePost(w http.ResponseWriter, r *http.Request) error {
	var req PostRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	p, created, err := s.posts.Create(r.Context(), &req, r.Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK // a retry of a request already served
	}
	s.writePost(w, status, p)
	return nil
}

func (s *Server) writePost(w http.ResponseWriter, status int, p *pregonero.Post) {
	w.Header().Set("Location", "/api/v1/posts/"+url.PathEscape(p.ID))
	writeJSON(w, status, s.viewPost(p))
}

func (s *Server) handleGetPost(w http.ResponseWriter, r *http.Request) error {
	p, err := s.store.Post(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.viewPost(p))
	return nil
}

func (s *Server) handleCancelPost(w http.ResponseWriter, r *http.Request) error {
	p, err := s.posts.Cancel(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.viewPost(p))
	return nil
}

// listParams are the query parameters GET /api/v1/posts accepts.
var listParams = []string{"status", "account", "campaign", "from", "to", "timezone", "cursor", "limit"}

func (s *Server) handleListPosts(w http.ResponseWriter, r *http.Request) error {
	f, err := s.parseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := s.store.Posts(r.Context(), f)
	if err != nil {
		return err
	}
	out := pageView{Posts: make([]postView, 0, len(page.Posts)), Next: page.Next}
	for _, p := range page.Posts {
		out.Posts = append(out.Posts, s.viewPost(p))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// parseFilter validates every listing parameter and reports all that are
// wrong at once.
func (s *Server) parseFilter(q url.Values) (pregonero.PostFilter, error) {
	var f pregonero.PostFilter
	var errs []pregonero.FieldError
	for name, vs := range q {
		if !slices.Contains(listParams, name) {
			errs = append(errs, pregonero.FieldError{Field: name, Code: pregonero.FieldUnknown, Actual: name, Limit: listParams,
				Message: fmt.Sprintf("Unknown parameter %q.", name)})
		} else if len(vs) > 1 {
			errs = append(errs, pregonero.FieldError{Field: name, Code: pregonero.FieldDuplicate, Actual: len(vs),
				Message: fmt.Sprintf("Parameter %q is given %d times.", name, len(vs))})
		}
	}
	if st := q.Get("status"); st != "" {
		if !slices.Contains(postStatuses, pregonero.PostStatus(st)) {
			errs = append(errs, pregonero.FieldError{Field: "status", Code: pregonero.FieldInvalid, Actual: st, Limit: postStatuses,
				Message: fmt.Sprintf("Unknown status %q; use one of %v.", st, postStatuses)})
		}
		f.Status = pregonero.PostStatus(st)
	}
	f.Account, f.Campaign, f.Cursor = q.Get("account"), q.Get("campaign"), q.Get("cursor")
	loc, zerr := s.posts.Zone(q.Get("timezone"))
	if zerr != nil {
		errs = append(errs, *zerr)
		loc = s.loc
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := posting.ParseTime(v, loc)
		if te := (*posting.TimeError)(nil); errors.As(err, &te) {
			// A local time the clocks skip or pass twice: say which
			// instants were meant.
			errs = append(errs, pregonero.FieldError{Field: p.name, Code: pregonero.FieldInvalid, Actual: v, Limit: te.Suggestions(),
				Message: fmt.Sprintf("%s: %s", p.name, te.Error())})
			continue
		} else if err != nil {
			errs = append(errs, pregonero.FieldError{Field: p.name, Code: pregonero.FieldInvalid, Actual: v,
				Message: fmt.Sprintf("%s %q is not a time; use RFC 3339 or a local time such as 2026-11-28T09:00.", p.name, v)})
			continue
		}
		*p.dst = t
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		errs = append(errs, pregonero.FieldError{Field: "to", Code: pregonero.FieldInvalid, Actual: q.Get("to"), Limit: q.Get("from"),
			Message: "to must be after from."})
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			errs = append(errs, pregonero.FieldError{Field: "limit", Code: pregonero.FieldInvalid, Actual: v, Limit: 500,
				Message: "limit must be a whole number from 1 to 500."})
		}
		f.Limit = n
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b pregonero.FieldError) int { return cmp.Compare(a.Field, b.Field) })
		return f, pregonero.Invalid(errs)
	}
	return f, nil
}

// handlePatchPost edits a post whose deliveries are all still waiting.
func (s *Server) handlePatchPost(w http.ResponseWriter, r *http.Request) error {
	var patch PostPatch
	if err := decodeBody(w, r, s.maxBody, &patch, false); err != nil {
		return err
	}
	p, err := s.posts.Edit(r.Context(), r.PathValue("id"), &patch)
	if err != nil {
		return err
	}
	s.writePost(w, http.StatusOK, p)
	return nil
}

// handleSchedulePost schedules a draft: it is checked like a new post
// and gets its deliveries; the body is optional.
func (s *Server) handleSchedulePost(w http.ResponseWriter, r *http.Request) error {
	var req ScheduleRequest
	if err := decodeBody(w, r, s.maxBody, &req, true); err != nil {
		return err
	}
	p, err := s.posts.Schedule(r.Context(), r.PathValue("id"), req.ScheduledAt, req.Timezone)
	if err != nil {
		return err
	}
	s.writePost(w, http.StatusOK, p)
	return nil
}
