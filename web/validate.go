package web

import (
	"fmt"
	"net/http"

	"pregonero"
)

// handleValidate checks a post without storing it. A well-formed request
// always gets 200; what is wrong with the post is in the answer.
func (s *Server) handleValidate(w http.ResponseWriter, r *http.Request) error {
	var req ValidateRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	switch {
	case req.Network != "" && len(req.Targets) > 0:
		return pregonero.Invalid([]pregonero.FieldError{{Field: "network", Code: pregonero.FieldInvalid, Actual: string(req.Network),
			Message: "Give either targets or a network, not both."}})
	case req.Network != "" && !req.Network.Valid():
		return pregonero.Invalid([]pregonero.FieldError{{Field: "network", Code: pregonero.FieldUnknown, Actual: string(req.Network), Limit: pregonero.Networks,
			Message: fmt.Sprintf("Unknown network %q; use one of %v.", req.Network, pregonero.Networks)}})
	case req.Network == "" && len(req.Targets) == 0:
		return pregonero.Invalid([]pregonero.FieldError{{Field: "targets", Code: pregonero.FieldRequired,
			Message: "Give the target accounts, or a network to check against its rules alone."}})
	}

	ctx := r.Context()
	var c *checked
	var err error
	if req.Network != "" {
		// The network's rules with a stand-in account named after it, so
		// overrides keyed by the network name apply.
		req.Targets = []string{string(req.Network)}
		if c, err = s.checkPost(ctx, &req.PostRequest, s.now()); err != nil {
			return err
		}
		a := &pregonero.Account{ID: string(req.Network), Network: req.Network, Name: string(req.Network), Status: pregonero.AccountActive}
		c.accounts = []*pregonero.Account{a}
		for id := range c.post.Overrides {
			if id != a.ID {
				c.add(pregonero.FieldError{Target: id, Field: "overrides", Code: pregonero.FieldUnknown, Actual: id,
					Message: fmt.Sprintf("There is an override for %s; with a network, only an override named %s applies.", id, a.ID)})
			}
		}
		for _, f := range s.adapterErrors(c, a) {
			c.addTarget(a.ID, f)
		}
	} else {
		if c, err = s.checkPost(ctx, &req.PostRequest, s.now()); err != nil {
			return err
		}
		if err := s.checkTargets(ctx, c); err != nil {
			return err
		}
	}

	resp := ValidateResponse{Errors: c.fields, Results: []ValidateResult{}}
	if resp.Errors == nil {
		resp.Errors = []pregonero.FieldError{}
	}
	valid := len(c.fields) == 0
	seen := map[string]bool{}
	for _, id := range c.post.Targets {
		if seen[id] || id == "" {
			continue
		}
		seen[id] = true
		res := ValidateResult{Target: id, Errors: c.byTarget[id]}
		if res.Errors == nil {
			res.Errors = []pregonero.FieldError{}
		}
		valid = valid && len(res.Errors) == 0
		for _, a := range c.accounts {
			if a.ID != id {
				continue
			}
			res.Network = a.Network
			if m, ok := s.adapters[a.Network].(pregonero.Measurer); ok {
				n, limit := m.Measure(c.post.ContentFor(id))
				res.WeightedLength, res.Limit = &n, &limit
			}
		}
		resp.Results = append(resp.Results, res)
	}
	resp.Valid = valid
	writeJSON(w, http.StatusOK, resp)
	return nil
}
