package web

import (
	"net/http"
	"net/url"

	"pregonero"
	"pregonero/posting"
)

// CampaignRequest is the body of POST /api/v1/campaigns.
type CampaignRequest = posting.CampaignRequest

// CampaignPatch is the body of PATCH /api/v1/campaigns/{id}: the fields
// present replace the campaign's, the others are kept.
type CampaignPatch = posting.CampaignPatch

// CampaignList is the answer of GET /api/v1/campaigns.
type CampaignList struct {
	Campaigns []*pregonero.Campaign `json:"campaigns"`
}

// viewCampaign is a campaign as the API shows it: times in UTC, an empty
// list of hashtags rather than none.
func viewCampaign(c *pregonero.Campaign) *pregonero.Campaign {
	v := *c
	v.CreatedAt, v.UpdatedAt = utc(v.CreatedAt), utc(v.UpdatedAt)
	if v.Hashtags == nil {
		v.Hashtags = []string{}
	}
	return &v
}

func (s *Server) writeCampaign(w http.ResponseWriter, status int, c *pregonero.Campaign) {
	w.Header().Set("Location", "/api/v1/campaigns/"+url.PathEscape(c.ID))
	writeJSON(w, status, viewCampaign(c))
}

func (s *Server) handleCreateCampaign(w http.ResponseWriter, r *http.Request) error {
	var req CampaignRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	c, err := s.posts.CreateCampaign(r.Context(), &req)
	if err != nil {
		return err
	}
	s.writeCampaign(w, http.StatusCreated, c)
	return nil
}

func (s *Server) handleListCampaigns(w http.ResponseWriter, r *http.Request) error {
	list, err := s.posts.Campaigns(r.Context())
	if err != nil {
		return err
	}
	out := CampaignList{Campaigns: make([]*pregonero.Campaign, 0, len(list))}
	for _, c := range list {
		out.Campaigns = append(out.Campaigns, viewCampaign(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleGetCampaign(w http.ResponseWriter, r *http.Request) error {
	c, err := s.posts.Campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewCampaign(c))
	return nil
}

func (s *Server) handlePatchCampaign(w http.ResponseWriter, r *http.Request) error {
	var patch CampaignPatch
	if err := decodeBody(w, r, s.maxBody, &patch, false); err != nil {
		return err
	}
	c, err := s.posts.UpdateCampaign(r.Context(), r.PathValue("id"), &patch)
	if err != nil {
		return err
	}
	s.writeCampaign(w, http.StatusOK, c)
	return nil
}
