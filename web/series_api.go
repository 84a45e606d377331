package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"pregonero"
	"pregonero/posting"
)

// SeriesRequest is the body of POST /api/v1/series and of POST
// /api/v1/series/preview.
type SeriesRequest = posting.SeriesRequest

// SeriesPatch is the body of PATCH /api/v1/series/{id}: the fields
// present replace the series', the others are kept.
type SeriesPatch = posting.SeriesPatch

// SeriesList is the answer of GET /api/v1/series.
type SeriesList struct {
	Series []*pregonero.Series `json:"series"`
}

// SeriesResult is the answer of a change of a series: the series, and
// what the change did to the posts of its occurrences.
type SeriesResult struct {
	Series *pregonero.Series     `json:"series"`
	Change *posting.SeriesChange `json:"change"`
}

// OccurrenceList is the answer of GET /api/v1/series/{id}/occurrences
// and of POST /api/v1/series/preview.
type OccurrenceList struct {
	Occurrences []posting.Occurrence `json:"occurrences"`
}

// SeriesStateRequest is the body of POST /api/v1/series/{id}/state.
type SeriesStateRequest struct {
	State pregonero.SeriesState `json:"state"`
}

// defaultOccurrences is how many occurrences a read shows by default.
const defaultOccurrences = 10

// viewSeries is a series as the API shows it: times in UTC, empty lists
// rather than none.
func viewSeries(sr *pregonero.Series) *pregonero.Series {
	v := *sr
	v.CreatedAt, v.UpdatedAt, v.LastErrorAt = utc(v.CreatedAt), utc(v.UpdatedAt), utc(v.LastErrorAt)
	if v.Targets == nil {
		v.Targets = []string{}
	}
	return &v
}

func (s *Server) writeSeries(w http.ResponseWriter, status int, sr *pregonero.Series, ch *posting.SeriesChange) {
	w.Header().Set("Location", "/api/v1/series/"+url.PathEscape(sr.ID))
	if ch == nil {
		ch = &posting.SeriesChange{}
	}
	writeJSON(w, status, SeriesResult{Series: viewSeries(sr), Change: ch})
}

// occurrencesParam reads the query parameter n: how many occurrences.
func occurrencesParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("n")
	if v == "" {
		return defaultOccurrences, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > posting.MaxOccurrences {
		return 0, pregonero.Invalid([]pregonero.FieldError{{Field: "n", Code: pregonero.FieldInvalid, Actual: v, Limit: posting.MaxOccurrences,
			Message: fmt.Sprintf("n must be a whole number from 1 to %d.", posting.MaxOccurrences)}})
	}
	return n, nil
}

func (s *Server) handleListSeries(w http.ResponseWriter, r *http.Request) error {
	list, err := s.posts.SeriesList(r.Context())
	if err != nil {
		return err
	}
	out := SeriesList{Series: make([]*pregonero.Series, 0, len(list))}
	for _, sr := range list {
		out.Series = append(out.Series, viewSeries(sr))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleCreateSeries(w http.ResponseWriter, r *http.Request) error {
	var req SeriesRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	sr, ch, err := s.posts.CreateSeries(r.Context(), &req)
	if err != nil {
		return err
	}
	s.writeSeries(w, http.StatusCreated, sr, ch)
	return nil
}

func (s *Server) handleGetSeries(w http.ResponseWriter, r *http.Request) error {
	sr, err := s.posts.Series(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewSeries(sr))
	return nil
}

func (s *Server) handlePatchSeries(w http.ResponseWriter, r *http.Request) error {
	var patch SeriesPatch
	if err := decodeBody(w, r, s.maxBody, &patch, false); err != nil {
		return err
	}
	sr, ch, err := s.posts.UpdateSeries(r.Context(), r.PathValue("id"), &patch)
	if err != nil {
		return err
	}
	s.writeSeries(w, http.StatusOK, sr, ch)
	return nil
}

func (s *Server) handleSeriesState(w http.ResponseWriter, r *http.Request) error {
	var req SeriesStateRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	sr, ch, err := s.posts.SetSeriesState(r.Context(), r.PathValue("id"), req.State)
	if err != nil {
		return err
	}
	s.writeSeries(w, http.StatusOK, sr, ch)
	return nil
}

func (s *Server) handleSeriesOccurrences(w http.ResponseWriter, r *http.Request) error {
	n, err := occurrencesParam(r)
	if err != nil {
		return err
	}
	occs, err := s.posts.SeriesOccurrences(r.Context(), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, OccurrenceList{Occurrences: occs})
	return nil
}

func (s *Server) handlePreviewSeries(w http.ResponseWriter, r *http.Request) error {
	n, err := occurrencesParam(r)
	if err != nil {
		return err
	}
	var req SeriesRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	occs, err := s.posts.PreviewSeries(r.Context(), &req, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, OccurrenceList{Occurrences: occs})
	return nil
}

func (s *Server) handleSkipOccurrence(w http.ResponseWriter, r *http.Request) error {
	sr, err := s.posts.SkipOccurrence(r.Context(), r.PathValue("id"), r.PathValue("occurrence"))
	if err != nil {
		return err
	}
	s.writeSeries(w, http.StatusOK, sr, nil)
	return nil
}

func (s *Server) handleEditOccurrence(w http.ResponseWriter, r *http.Request) error {
	var patch PostPatch
	if err := decodeBody(w, r, s.maxBody, &patch, false); err != nil {
		return err
	}
	p, err := s.posts.EditOccurrence(r.Context(), r.PathValue("id"), r.PathValue("occurrence"), &patch)
	if err != nil {
		return err
	}
	s.writePost(w, http.StatusOK, p)
	return nil
}
