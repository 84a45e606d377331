package web

import (
	"net/http"
)

// handleValidate checks a post without storing it. A well-formed request
// always gets 200; what is wrong with the post is in the answer.
func (s *Server) handleValidate(w http.ResponseWriter, r *http.Request) error {
	var req ValidateRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	v, err := s.posts.Validate(r.Context(), &req.PostRequest, req.Network)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
