package posting

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"pregonero"
)

// Campaigns. A campaign groups posts for the calendar and the reports;
// a post names it by id (see checkCampaign). The rules:
//
//   - name: required, one line, up to MaxCampaignName characters, unique
//     whatever its case; written in Unicode's composed form (NFC), so that
//     "Vías" typed on any system is one name;
//   - description: up to MaxCampaignDescription characters, lines allowed;
//   - plan_line (the line of the Plan de Desarrollo) and unit (the
//     dependencia that runs it): one line each, free text, as the units of
//     accounts and users are: a dependencia may run a campaign through
//     other dependencias' accounts, so the known units of accounts are not
//     a closed list. unit takes as many bytes as a post's unit;
//   - starts_on: required, a day written 2026-12-01; ends_on: optional,
//     not before starts_on. Years outside MinCampaignYear..MaxCampaignYear
//     are refused as typos;
//   - hashtags: at most MaxCampaignHashtags (Instagram's limit per
//     caption), each "#" and then letters (accents and every script
//     included), digits and underscores, at least one letter (X and
//     Instagram make no hashtag of "#2026"), up to MaxHashtagLength
//     characters; no hashtag twice in any case.
//
// Who may: every signed-in user reads campaigns. Admins create and change
// any. Editors create campaigns run by one of their dependencias and
// change only those, without handing them to another dependencia: a
// campaign is its dependencia's plan, as an account is its dependencia's
// voice. Viewers change none. Any user who may post may name any
// campaign on a post: a campaign of the Oficina de Comunicaciones goes
// out through every dependencia's accounts.

// Limits of a campaign.
const (
	MaxCampaignName        = 100
	MaxCampaignDescription = 2000
	MaxCampaignPlanLine    = 200
	MaxCampaignHashtags    = 30
	MaxHashtagLength       = 139 // after the "#", as X counts them
	MinCampaignYear        = 2000
	MaxCampaignYear        = 2100
)

// CampaignRequest is a campaign as a person or a program writes it: what
// POST /api/v1/campaigns takes. Dates are written 2026-12-01.
type CampaignRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	PlanLine    string   `json:"plan_line,omitempty"`
	Unit        string   `json:"unit,omitempty"`
	StartsOn    string   `json:"starts_on"`
	EndsOn      string   `json:"ends_on,omitempty"`
	Hashtags    []string `json:"hashtags,omitempty"`
}

// CampaignPatch is a change of a campaign: the fields present replace the
// campaign's, the others are kept. An empty ends_on removes the end.
type CampaignPatch struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	PlanLine    *string   `json:"plan_line,omitempty"`
	Unit        *string   `json:"unit,omitempty"`
	StartsOn    *string   `json:"starts_on,omitempty"`
	EndsOn      *string   `json:"ends_on,omitempty"`
	Hashtags    *[]string `json:"hashtags,omitempty"`
}

// campaignStore returns the store's campaigns, or the error that says
// the store keeps none.
func (s *Service) campaignStore() (pregonero.CampaignStore, error) {
	cs, ok := s.store.(pregonero.CampaignStore)
	if !ok {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store keeps no campaigns.")
	}
	return cs, nil
}

// Campaigns lists every campaign ordered by name. Every signed-in user
// may read them.
func (s *Service) Campaigns(ctx context.Context) ([]*pregonero.Campaign, error) {
	cs, err := s.campaignStore()
	if err != nil {
		return nil, err
	}
	return cs.Campaigns(ctx)
}

// Campaign returns one campaign.
func (s *Service) Campaign(ctx context.Context, id string) (*pregonero.Campaign, error) {
	cs, err := s.campaignStore()
	if err != nil {
		return nil, err
	}
	return cs.Campaign(ctx, id)
}

// CreateCampaign checks a campaign and stores it with a new id.
func (s *Service) CreateCampaign(ctx context.Context, req *CampaignRequest) (*pregonero.Campaign, error) {
	cs, err := s.campaignStore()
	if err != nil {
		return nil, err
	}
	if err := mayCampaigns(ctx); err != nil {
		return nil, err
	}
	v := &campaignCheck{}
	c := &pregonero.Campaign{
		Name:        v.name(req.Name),
		Description: v.description(req.Description),
		PlanLine:    v.planLine(req.PlanLine),
		Unit:        v.unit(ctx, req.Unit),
		StartsOn:    v.date("starts_on", req.StartsOn, true),
		EndsOn:      v.date("ends_on", req.EndsOn, false),
		Hashtags:    v.hashtags(req.Hashtags),
	}
	v.order(c)
	if err := s.freeName(ctx, cs, v, c.Name, ""); err != nil {
		return nil, err
	}
	if len(v.fields) > 0 {
		return nil, pregonero.Invalid(v.fields)
	}
	if err := mayRun(ctx, c.Unit); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	c.ID, c.CreatedAt, c.UpdatedAt = pregonero.NewID("c", now), now, now
	if err := cs.CreateCampaign(ctx, c); err != nil {
		return nil, asInvalid(err)
	}
	return c, nil
}

// UpdateCampaign applies a change to a campaign: the fields the patch
// gives are checked and replace the campaign's, and the dates must still
// be in order.
func (s *Service) UpdateCampaign(ctx context.Context, id string, patch *CampaignPatch) (*pregonero.Campaign, error) {
	cs, err := s.campaignStore()
	if err != nil {
		return nil, err
	}
	if err := mayCampaigns(ctx); err != nil {
		return nil, err
	}
	cur, err := cs.Campaign(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := mayRun(ctx, cur.Unit); err != nil {
		return nil, err
	}
	v := &campaignCheck{}
	next := *cur
	next.Hashtags = slices.Clone(cur.Hashtags)
	if patch.Name != nil {
		next.Name = v.name(*patch.Name)
	}
	if patch.Description != nil {
		next.Description = v.description(*patch.Description)
	}
	if patch.PlanLine != nil {
		next.PlanLine = v.planLine(*patch.PlanLine)
	}
	if patch.Unit != nil {
		next.Unit = v.unit(ctx, *patch.Unit)
	}
	if patch.StartsOn != nil {
		next.StartsOn = v.date("starts_on", *patch.StartsOn, true)
	}
	if patch.EndsOn != nil {
		next.EndsOn = v.date("ends_on", *patch.EndsOn, false)
	}
	if patch.Hashtags != nil {
		next.Hashtags = v.hashtags(*patch.Hashtags)
	}
	v.order(&next)
	if patch.Name != nil {
		if err := s.freeName(ctx, cs, v, next.Name, id); err != nil {
			return nil, err
		}
	}
	if len(v.fields) > 0 {
		return nil, pregonero.Invalid(v.fields)
	}
	if err := mayRun(ctx, next.Unit); err != nil {
		return nil, err
	}
	out, err := cs.UpdateCampaign(ctx, id, func(c *pregonero.Campaign) error {
		if c.Unit != cur.Unit {
			// Handed to another dependencia meanwhile: check again.
			if err := mayRun(ctx, c.Unit); err != nil {
				return err
			}
		}
		if patch.Name != nil {
			c.Name = next.Name
		}
		if patch.Description != nil {
			c.Description = next.Description
		}
		if patch.PlanLine != nil {
			c.PlanLine = next.PlanLine
		}
		if patch.Unit != nil {
			c.Unit = next.Unit
		}
		if patch.StartsOn != nil {
			c.StartsOn = next.StartsOn
		}
		if patch.EndsOn != nil {
			c.EndsOn = next.EndsOn
		}
		if patch.Hashtags != nil {
			c.Hashtags = next.Hashtags
		}
		if !c.EndsOn.IsZero() && c.EndsOn.Before(c.StartsOn) {
			return pregonero.Invalid([]pregonero.FieldError{endBeforeStart(c.StartsOn, c.EndsOn)})
		}
		return nil
	})
	if err != nil {
		return nil, asInvalid(err)
	}
	return out, nil
}

// freeName adds the field error of a name another campaign (not except)
// has, in any case.
func (s *Service) freeName(ctx context.Context, cs pregonero.CampaignStore, v *campaignCheck, name, except string) error {
	if name == "" || v.has("name") {
		return nil
	}
	other, err := cs.CampaignByName(ctx, name)
	switch {
	case pregonero.ErrorCode(err) == pregonero.ENOTFOUND:
		return nil
	case err != nil:
		return fmt.Errorf("check campaign name: %w", err)
	case other.ID != except:
		v.add(nameTaken(name, other))
	}
	return nil
}

func nameTaken(name string, other *pregonero.Campaign) pregonero.FieldError {
	return pregonero.FieldError{Field: "name", Code: pregonero.FieldDuplicate, Actual: name, Limit: other.ID,
		Message: fmt.Sprintf("There is already a campaign named %s (%s); names are unique whatever their case.", other.Name, other.ID)}
}

// asInvalid turns the store's refusal of a taken name (a request that
// lost the race for it) into the same 422 on the field name as the check
// gives; any other error is returned as is.
func asInvalid(err error) error {
	var e *pregonero.Error
	if pregonero.ErrorCode(err) == pregonero.ECONFLICT && errors.As(err, &e) && len(e.Fields) > 0 {
		return pregonero.Invalid(e.Fields)
	}
	return err
}

// mayCampaigns refuses who may not create or change any campaign: a
// viewer, a disabled user.
func mayCampaigns(ctx context.Context) error {
	u := pregonero.UserFromContext(ctx)
	if u == nil {
		return nil
	}
	if u.Disabled || (u.Role != pregonero.RoleAdmin && u.Role != pregonero.RoleEditor) {
		return pregonero.Errorf(pregonero.EFORBIDDEN, "%s may read campaigns but not create or change them (role %s).", u.Username, u.Role)
	}
	return nil
}

// mayRun refuses an editor a campaign run by a dependencia not theirs.
func mayRun(ctx context.Context, unit string) error {
	u := pregonero.UserFromContext(ctx)
	if u == nil || u.IsAdmin() {
		return nil
	}
	if unit != "" && slices.Contains(u.Units, unit) {
		return nil
	}
	of := "no dependencia"
	if unit != "" {
		of = "the dependencia " + unit
	}
	mine := "none"
	if len(u.Units) > 0 {
		mine = strings.Join(u.Units, ", ")
	}
	return pregonero.Errorf(pregonero.EFORBIDDEN, "%s may not create or change a campaign of %s: an editor's campaigns are run by their dependencias (%s).",
		u.Username, of, mine)
}

// campaignCheck collects every field error of a campaign.
type campaignCheck struct {
	fields []pregonero.FieldError
}

func (v *campaignCheck) add(f pregonero.FieldError) { v.fields = append(v.fields, f) }

func (v *campaignCheck) has(field string) bool {
	return slices.ContainsFunc(v.fields, func(f pregonero.FieldError) bool { return f.Field == field })
}

// line checks a one-line field: printable characters, up to max
// characters (or bytes, when inBytes); it returns the value trimmed and
// in composed form.
func (v *campaignCheck) line(field, what, value string, max int, inBytes, required bool) string {
	if b := badChar(value, false); b != nil {
		v.add(pregonero.FieldError{Field: field, Code: pregonero.FieldInvalid, Actual: b.actual, Message: what + " " + b.message(false)})
		return value
	}
	value = norm.NFC.String(strings.TrimSpace(value))
	n, unit := utf8.RuneCountInString(value), "characters"
	if inBytes {
		n, unit = len(value), "bytes"
	}
	switch {
	case value == "" && required:
		v.add(pregonero.FieldError{Field: field, Code: pregonero.FieldRequired, Message: what + " is required."})
	case n > max:
		v.add(pregonero.FieldError{Field: field, Code: pregonero.FieldTooLong, Limit: max, Actual: n,
			Message: fmt.Sprintf("%s has %d %s; the limit is %d.", what, n, unit, max)})
	}
	return value
}

func (v *campaignCheck) name(s string) string {
	return v.line("name", "The name", s, MaxCampaignName, false, true)
}

func (v *campaignCheck) planLine(s string) string {
	return v.line("plan_line", "The Plan de Desarrollo line", s, MaxCampaignPlanLine, false, false)
}

// unit checks the dependencia; an editor must name one (mayRun then
// checks it is theirs).
func (v *campaignCheck) unit(ctx context.Context, s string) string {
	u := pregonero.UserFromContext(ctx)
	editor := u != nil && !u.IsAdmin()
	unit := v.line("unit", "The dependencia", s, MaxLabelBytes, true, false)
	if unit == "" && editor && !v.has("unit") {
		mine := "none"
		if len(u.Units) > 0 {
			mine = strings.Join(u.Units, ", ")
		}
		v.add(pregonero.FieldError{Field: "unit", Code: pregonero.FieldRequired, Limit: u.Units,
			Message: fmt.Sprintf("Name the dependencia that runs the campaign: one of yours (%s).", mine)})
	}
	return unit
}

func (v *campaignCheck) description(s string) string {
	if b := badChar(s, true); b != nil {
		v.add(pregonero.FieldError{Field: "description", Code: pregonero.FieldInvalid, Actual: b.actual, Message: "The description " + b.message(true)})
		return s
	}
	s = norm.NFC.String(strings.TrimSpace(s))
	if n := utf8.RuneCountInString(s); n > MaxCampaignDescription {
		v.add(pregonero.FieldError{Field: "description", Code: pregonero.FieldTooLong, Limit: MaxCampaignDescription, Actual: n,
			Message: fmt.Sprintf("The description has %d characters; the limit is %d.", n, MaxCampaignDescription)})
	}
	return s
}

func (v *campaignCheck) date(field, s string, required bool) pregonero.Date {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			v.add(pregonero.FieldError{Field: field, Code: pregonero.FieldRequired, Message: field + " is required: the campaign's first day, e.g. 2026-12-01."})
		}
		return pregonero.Date{}
	}
	d, err := pregonero.ParseDate(s)
	if err != nil {
		v.add(pregonero.FieldError{Field: field, Code: pregonero.FieldInvalid, Actual: s, Message: field + ": " + err.Error() + "."})
		return pregonero.Date{}
	}
	if d.Year < MinCampaignYear || d.Year > MaxCampaignYear {
		v.add(pregonero.FieldError{Field: field, Code: pregonero.FieldInvalid, Actual: s, Limit: []int{MinCampaignYear, MaxCampaignYear},
			Message: fmt.Sprintf("%s %s is not between the years %d and %d; check the year.", field, s, MinCampaignYear, MaxCampaignYear)})
		return pregonero.Date{}
	}
	return d
}

// order refuses an end before the start (the same day is a one-day
// campaign).
func (v *campaignCheck) order(c *pregonero.Campaign) {
	if v.has("starts_on") || v.has("ends_on") || c.EndsOn.IsZero() || !c.EndsOn.Before(c.StartsOn) {
		return
	}
	v.add(endBeforeStart(c.StartsOn, c.EndsOn))
}

func endBeforeStart(start, end pregonero.Date) pregonero.FieldError {
	return pregonero.FieldError{Field: "ends_on", Code: pregonero.FieldInvalid, Actual: end.String(), Limit: start.String(),
		Message: fmt.Sprintf("ends_on %s is before starts_on %s; a campaign ends on or after the day it starts.", end, start)}
}

func (v *campaignCheck) hashtags(tags []string) []string {
	if n := len(tags); n > MaxCampaignHashtags {
		v.add(pregonero.FieldError{Field: "hashtags", Code: pregonero.FieldTooMany, Limit: MaxCampaignHashtags, Actual: n,
			Message: fmt.Sprintf("A campaign may have at most %d hashtags (Instagram's limit per post); this one has %d.", MaxCampaignHashtags, n)})
		return nil
	}
	out := []string{}
	seen := map[string]bool{}
	for _, tag := range tags {
		tag = norm.NFC.String(strings.TrimSpace(tag))
		if f := checkHashtag(tag); f != nil {
			v.add(*f)
			continue
		}
		key := strings.ToLower(tag)
		if seen[key] {
			v.add(pregonero.FieldError{Field: "hashtags", Code: pregonero.FieldDuplicate, Actual: tag,
				Message: fmt.Sprintf("The hashtag %s is listed more than once (hashtags do not tell case apart).", tag)})
			continue
		}
		seen[key] = true
		out = append(out, tag)
	}
	return out
}

// checkHashtag returns what is wrong with a hashtag, or nil.
func checkHashtag(tag string) *pregonero.FieldError {
	bad := func(why string) *pregonero.FieldError {
		return &pregonero.FieldError{Field: "hashtags", Code: pregonero.FieldInvalid, Actual: tag,
			Message: fmt.Sprintf("%q is not a hashtag: %s", tag, why)}
	}
	body, ok := strings.CutPrefix(tag, "#")
	switch {
	case !ok:
		return bad("write it with # first, e.g. #VíasDelNordeste.")
	case body == "":
		return bad("a # alone says nothing.")
	case !utf8.ValidString(body):
		return bad("it is not valid UTF-8.")
	}
	if n := utf8.RuneCountInString(body); n > MaxHashtagLength {
		return &pregonero.FieldError{Field: "hashtags", Code: pregonero.FieldTooLong, Limit: MaxHashtagLength, Actual: n,
			Message: fmt.Sprintf("The hashtag %s has %d characters after the #; the limit is %d.", tag, n, MaxHashtagLength)}
	}
	letter := false
	for _, r := range body {
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.M, r):
			letter = true
		case unicode.Is(unicode.Nd, r) || r == '_':
		case unicode.IsSpace(r):
			return bad("a hashtag has no spaces; write each word joined, e.g. #VíasDelNordeste.")
		default:
			return bad(fmt.Sprintf("it has %q; a hashtag takes only letters, digits and underscores.", r))
		}
	}
	if !letter {
		return bad("it needs at least one letter: the networks make no hashtag of digits alone.")
	}
	return nil
}
