package web

// campaignOption is a choice of the compose page's campaign select: a
// campaign by name, its id as the value.
type campaignOption struct {
	ID, Label string
	Selected  bool
}

// campaignOptions are the compose page's campaign choices: none, then
// every campaign by name, the post's own selected. A post naming a
// campaign that no longer reads back keeps it as a choice, so that saving
// the form says what is wrong instead of dropping it without a word. A
// failed read is logged and leaves only what the post has: the page is
// not worth failing for the list.
func (s *Server) campaignOptions(rq *uiRequest, selected string) []campaignOption {
	out := []campaignOption{{Label: rq.P.T("campaigns.compose.none"), Selected: selected == ""}}
	list, err := s.posts.Campaigns(rq.Context())
	if err != nil {
		s.logger.ErrorContext(rq.Context(), "read campaigns", logErr, err)
		list = nil
	}
	found := selected == ""
	for _, c := range list {
		out = append(out, campaignOption{ID: c.ID, Label: c.Name, Selected: c.ID == selected})
		found = found || c.ID == selected
	}
	if !found {
		out = append(out, campaignOption{ID: selected, Label: rq.P.T("campaigns.compose.unknown", selected), Selected: true})
	}
	return out
}
