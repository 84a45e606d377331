package web

import (
	"context"
	"net/http"
	"strings"

	"pregonero"
	"pregonero/web/i18n"
)

// Mi perfil (/profile, every signed-in user): the interface language
// (Spanish, English, or the browser's) and the zone times are shown in
// (one of the office's, any other IANA zone, or the server's). The users
// service decides what is valid; the next page is in the new language and
// zone, since every request reads the user afresh.

// UIProfiles is what the profile page needs from the users service
// beyond UISessions: setting a user's language and zone. The acting user
// is read from the context by the service, which lets a user change their
// own profile and an admin anyone's.
type UIProfiles interface {
	UpdateProfile(ctx context.Context, userID, language, timezone string) (*pregonero.User, error)
}

// profileZones are the zones the office deals with, offered first.
var profileZones = []string{"America/Bogota", "America/New_York", "Europe/Madrid", "UTC"}

// profileOtherZone is the zone select's value for a zone typed in the
// text field.
const profileOtherZone = "other"

func (s *Server) profilePage() uiPage {
	return uiPage{
		Path: "/profile",
		Render: func(rq *uiRequest) (*uiView, error) {
			return s.renderProfile(rq, profileForm{Language: rq.User.Language, Timezone: rq.User.Timezone}, http.StatusOK), nil
		},
		Forms: []uiForm{{Path: "/profile", Handle: s.uiUpdateProfile}},
	}
}

// profiles returns the users service as the profile page needs it; nil
// when it cannot change profiles.
func (s *Server) profiles() UIProfiles {
	if s.ui == nil {
		return nil
	}
	p, _ := s.ui.users.(UIProfiles)
	return p
}

// profileForm is what the form shows: the values chosen, and the errors
// by field.
type profileForm struct {
	Language string
	Timezone string
	Errors   map[string]string
}

type profileData struct {
	Available bool
	Form      profileForm
	Languages []profileOption
	Zones     []profileOption
	// Other is set when the zone is none of Zones: the text field holds it.
	Other bool
	// OtherText is the text field's value.
	OtherText  string
	ServerZone string
	// Now is the current time in the zone the pages use.
	Now string
}

type profileOption struct {
	Value, Label, Lang string
	Selected           bool
}

func (s *Server) renderProfile(rq *uiRequest, f profileForm, status int) *uiView {
	data := profileData{Available: s.profiles() != nil, Form: f, ServerZone: s.loc.String(), Now: rq.DateTime(rq.Now)}
	v := &uiView{Template: "profile", Title: "profile.title", Data: &data, Status: status}
	data.Languages = append(data.Languages, profileOption{Value: "", Label: rq.P.T("profile.language.browser"), Selected: f.Language == ""})
	for _, l := range i18n.Languages {
		data.Languages = append(data.Languages, profileOption{Value: l, Label: rq.P.T("lang." + l), Lang: l, Selected: f.Language == l})
	}
	data.Other = f.Timezone != ""
	data.Zones = append(data.Zones, profileOption{Value: "", Label: rq.P.T("profile.zone.server", data.ServerZone), Selected: f.Timezone == ""})
	for _, z := range profileZones {
		sel := f.Timezone == z
		data.Other = data.Other && !sel
		data.Zones = append(data.Zones, profileOption{Value: z, Label: rq.P.T("profile.zone." + z), Selected: sel})
	}
	if data.Other && f.Timezone != profileOtherZone {
		data.OtherText = f.Timezone
	}
	data.Zones = append(data.Zones, profileOption{Value: profileOtherZone, Label: rq.P.T("profile.zone.other"), Selected: data.Other})
	if status == http.StatusUnprocessableEntity {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("profile.error.summary")}
	}
	return v
}

// uiUpdateProfile saves the signed-in user's language and zone through
// the users service, and shows the profile again in the new ones.
func (s *Server) uiUpdateProfile(rq *uiRequest) (*uiView, error) {
	svc := s.profiles()
	if svc == nil {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's users service cannot change profiles.")
	}
	f := profileForm{Language: rq.Form("language"), Timezone: rq.Form("timezone"), Errors: map[string]string{}}
	if f.Timezone == profileOtherZone {
		f.Timezone = strings.TrimSpace(rq.Form("timezone_other"))
		if f.Timezone == "" {
			f.Timezone = profileOtherZone
			f.Errors["timezone"] = rq.P.T("profile.error.other_required")
			return s.renderProfile(rq, f, http.StatusUnprocessableEntity), nil
		}
	}
	u, err := svc.UpdateProfile(rq.Context(), rq.User.ID, f.Language, f.Timezone)
	if err == nil {
		p := s.ui.catalog.Printer(browserLanguage(rq.R))
		if i18n.Supported(u.Language) {
			p = s.ui.catalog.Printer(u.Language)
		}
		return uiRedirect("/profile", &uiFlash{Kind: "ok", Text: p.T("profile.saved")}), nil
	}
	e, _ := asAppError(err)
	if e.Code != pregonero.EINVALID {
		return nil, err
	}
	for _, fe := range e.Fields {
		switch fe.Field {
		case "language":
			f.Errors["language"] = rq.P.T("profile.error.language")
		case "timezone":
			f.Errors["timezone"] = rq.P.T("profile.error.timezone") + " " + rq.P.T("error.detail", fe.Message)
		}
	}
	if len(f.Errors) == 0 {
		f.Errors["language"] = errorText(rq.P, err)
	}
	return s.renderProfile(rq, f, http.StatusUnprocessableEntity), nil
}

// browserLanguage is the language this browser chose in the footer, or
// the default: the pages' language once a profile no longer fixes one.
func browserLanguage(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && i18n.Supported(c.Value) {
		return c.Value
	}
	return i18n.Default
}
