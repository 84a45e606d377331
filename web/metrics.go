package web

import (
	"net/http"

	"pregonero/posting"
)

// PostMetrics is the answer of GET /api/v1/posts/{id}/metrics: the
// metrics history of each of the post's deliveries.
type PostMetrics struct {
	Deliveries []posting.DeliveryMetrics `json:"deliveries"`
}

func (s *Server) handlePostMetrics(w http.ResponseWriter, r *http.Request) error {
	ds, err := s.posts.PostMetrics(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, PostMetrics{Deliveries: ds})
	return nil
}
