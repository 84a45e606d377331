package web

import (
	"net/http"
	"net/url"
	"strconv"

	"pregonero"
	"pregonero/posting"
)

// FeedRequest is the body of POST /api/v1/feeds.
type FeedRequest = posting.FeedRequest

// FeedPatch is the body of PATCH /api/v1/feeds/{id}: the fields present
// replace the feed's, the others are kept.
type FeedPatch = posting.FeedPatch

// FeedPoll is the answer of POST /api/v1/feeds/{id}/poll.
type FeedPoll = posting.FeedPoll

// Feed is a feed as the API shows it: its interval as a duration
// ("15m0s", empty for the server's), whether it is failing, and times
// in UTC.
type Feed struct {
	*pregonero.Feed
	Every   string `json:"every,omitempty"`
	Failing bool   `json:"failing"`
}

// FeedList is the answer of GET /api/v1/feeds.
type FeedList struct {
	Feeds []*Feed `json:"feeds"`
}

// FeedItemList is the answer of GET /api/v1/feeds/{id}/items.
type FeedItemList struct {
	Items []*pregonero.FeedItem `json:"items"`
}

func viewFeed(f *pregonero.Feed) *Feed {
	v := *f
	v.LastPollAt, v.LastOKAt, v.FailingSince = utc(v.LastPollAt), utc(v.LastOKAt), utc(v.FailingSince)
	v.CreatedAt, v.UpdatedAt = utc(v.CreatedAt), utc(v.UpdatedAt)
	if v.Targets == nil {
		v.Targets = []string{}
	}
	out := &Feed{Feed: &v, Failing: f.Failing()}
	if f.Every > 0 {
		out.Every = f.Every.String()
	}
	return out
}

func (s *Server) writeFeed(w http.ResponseWriter, status int, f *pregonero.Feed) {
	w.Header().Set("Location", "/api/v1/feeds/"+url.PathEscape(f.ID))
	writeJSON(w, status, viewFeed(f))
}

func (s *Server) handleCreateFeed(w http.ResponseWriter, r *http.Request) error {
	var req FeedRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	f, err := s.posts.CreateFeed(r.Context(), &req)
	if err != nil {
		return err
	}
	s.writeFeed(w, http.StatusCreated, f)
	return nil
}

func (s *Server) handleListFeeds(w http.ResponseWriter, r *http.Request) error {
	list, err := s.posts.Feeds(r.Context())
	if err != nil {
		return err
	}
	out := FeedList{Feeds: make([]*Feed, 0, len(list))}
	for _, f := range list {
		out.Feeds = append(out.Feeds, viewFeed(f))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleGetFeed(w http.ResponseWriter, r *http.Request) error {
	f, err := s.posts.Feed(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewFeed(f))
	return nil
}

func (s *Server) handlePatchFeed(w http.ResponseWriter, r *http.Request) error {
	var patch FeedPatch
	if err := decodeBody(w, r, s.maxBody, &patch, false); err != nil {
		return err
	}
	f, err := s.posts.UpdateFeed(r.Context(), r.PathValue("id"), &patch)
	if err != nil {
		return err
	}
	s.writeFeed(w, http.StatusOK, f)
	return nil
}

func (s *Server) handleDeleteFeed(w http.ResponseWriter, r *http.Request) error {
	if err := s.posts.DeleteFeed(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handlePollFeed(w http.ResponseWriter, r *http.Request) error {
	res, err := s.posts.PollFeed(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) handleFeedItems(w http.ResponseWriter, r *http.Request) error {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return pregonero.Invalid([]pregonero.FieldError{{Field: "limit", Code: pregonero.FieldInvalid, Actual: v,
				Message: "limit must be a number from 1 to 200."}})
		}
		limit = n
	}
	items, err := s.posts.FeedItems(r.Context(), r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	for _, it := range items {
		it.SeenAt = utc(it.SeenAt)
	}
	writeJSON(w, http.StatusOK, FeedItemList{Items: items})
	return nil
}

func (s *Server) handleNewCalendarToken(w http.ResponseWriter, r *http.Request) error {
	token, t, err := s.posts.NewCalendarToken(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, CalendarToken{Token: token, URL: s.calendarURL(r, token), CreatedAt: utc(t.CreatedAt)})
	return nil
}

func (s *Server) handleGetCalendarToken(w http.ResponseWriter, r *http.Request) error {
	t, err := s.posts.CalendarToken(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, CalendarToken{CreatedAt: utc(t.CreatedAt)})
	return nil
}

func (s *Server) handleRevokeCalendarToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.posts.RevokeCalendarToken(r.Context()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
