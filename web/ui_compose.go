package web

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/posting"
)

// Redactar (/compose) writes a new post, and /posts/{id}/edit changes a
// draft or a post still waiting to go out. The page is one form: the text,
// a section per network with that network's own text and fields (kept as
// overrides of every chosen account of the network), the media with their
// alt texts, the target accounts grouped by dependencia and the time, read
// as people type it. The posting service checks everything; the page adds
// one rule of its own, that an image needs its alt text before the post
// is scheduled. Its script validates as the person types, uploads files
// and draws the previews (ui_compose_api.go); without the script the form
// posts as it is and attaches files with a plain multipart post.

// composeNetworks are the networks the page has a section and a preview
// for, in order.
var composeNetworks = []pregonero.Network{pregonero.NetworkX, pregonero.NetworkFacebook, pregonero.NetworkInstagram, pregonero.NetworkYouTube}

// previewCuts are where each network's feed cuts a text behind a "more"
// link, in characters: X shows a post's whole text (up to its 280 weighted
// characters), Facebook cuts at about 477 on the desktop feed, Instagram a
// caption at about 125 and YouTube a title at about 70 in its lists. None
// of these is published by the networks; they are what the feeds show,
// so the previews say they are approximate.
var previewCuts = map[pregonero.Network]int{
	pregonero.NetworkX:         280,
	pregonero.NetworkFacebook:  477,
	pregonero.NetworkInstagram: 125,
	pregonero.NetworkYouTube:   70,
}

// composeTimeLayout is how a time is written back into the form: a form
// ParseHuman reads.
const composeTimeLayout = "2006-01-02 15:04"

// Submit actions of the form.
const (
	composeDraft    = "draft"
	composeSchedule = "schedule"
	composeSave     = "save" // the changes of a scheduled post
)

// composeForm is the form as the person filled it in, read from a post
// or from a posted form, and what is wrong with it.
type composeForm struct {
	// PostID is the post edited, empty for a new one; IsDraft says the
	// post edited is a draft, whose targets may still change.
	PostID  string
	IsDraft bool
	Text    string
	Link    string
	// Campaign labels the post for the calendar and the reports.
	Campaign string
	Targets  []string
	Nets     []*composeNet
	Media    []composeMedia
	// When is the time as typed; WhenOrig the post's time as the page
	// showed it, so that an unchanged time is not sent again.
	When, WhenOrig string
	// Idem makes a repeated submit of the same form return the post it
	// made instead of making another.
	Idem   string
	Action string
	// Remove is the media id a remove button asked to drop.
	Remove string

	// Errors are by input id; General are the errors of no input.
	Errors  map[string][]string
	General []string
}

// composeNet is the section of one network: its own text and fields.
type composeNet struct {
	Key   string
	Title string
	Text  string
	// Format is Instagram's: feed (empty), reel or story.
	Format string
	// VideoTitle, Kids ("yes", "no" or unanswered) and Tags are
	// YouTube's; Tags separated by commas.
	VideoTitle string
	Kids       string
	Tags       string
	// Mixed says the accounts of this network had different texts of
	// their own; saving gives them all this one.
	Mixed bool
	// Cut is where the network's feed cuts the text (previewCuts).
	Cut int
}

// composeMedia is a file of the post with its alt text.
type composeMedia struct {
	ID         string
	AltText    string
	MIME       string
	Filename   string
	Width      int
	Height     int
	DurationMS int64
	Size       int64
}

// IsImage reports whether the file is an image, which needs alt text.
func (m composeMedia) IsImage() bool { return strings.HasPrefix(m.MIME, "image/") }

// IsVideo reports whether the file is a video.
func (m composeMedia) IsVideo() bool { return strings.HasPrefix(m.MIME, "video/") }

// URL is where the page shows the file: a session-protected address.
func (m composeMedia) URL() string { return "/compose/media/" + url.PathEscape(m.ID) }

// Name is the file's name, or its id.
func (m composeMedia) Name() string { return cmp.Or(m.Filename, m.ID) }

// Kind names the file's type for people: JPEG, PNG, MP4…
func (m composeMedia) Kind() string {
	_, sub, _ := strings.Cut(m.MIME, "/")
	switch sub {
	case "quicktime":
		return "MOV"
	case "":
		return m.MIME
	}
	return strings.ToUpper(sub)
}

// net returns the section of a network, nil for one the page lacks.
func (f *composeForm) net(n pregonero.Network) *composeNet {
	for _, c := range f.Nets {
		if c.Key == string(n) {
			return c
		}
	}
	return nil
}

// addError puts a message next to an input.
func (f *composeForm) addError(id, msg string) {
	if id == "" {
		f.General = append(f.General, msg)
		return
	}
	if f.Errors == nil {
		f.Errors = map[string][]string{}
	}
	if !slices.Contains(f.Errors[id], msg) {
		f.Errors[id] = append(f.Errors[id], msg)
	}
}

// composeErr is what the partial compose_err shows: the errors of one
// input, in an element the script fills in as well.
type composeErr struct {
	ID   string
	Msgs []string
}

// Err returns the errors of an input.
func (f *composeForm) Err(id string) composeErr { return composeErr{ID: id, Msgs: f.Errors[id]} }

// Invalid reports whether an input has errors.
func (f *composeForm) Invalid(id string) bool { return len(f.Errors[id]) > 0 }

// hasErrors reports whether anything is wrong with the form.
func (f *composeForm) hasErrors() bool { return len(f.Errors) > 0 || len(f.General) > 0 }

// Selected reports whether an account is a target.
func (f *composeForm) Selected(id string) bool { return slices.Contains(f.Targets, id) }

func newComposeForm() *composeForm {
	f := &composeForm{}
	for _, n := range composeNetworks {
		f.Nets = append(f.Nets, &composeNet{Key: string(n), Title: n.Title(), Cut: previewCuts[n]})
	}
	return f
}

// newIdempotencyKey is the key a new form carries.
func newIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// mediaIDPattern is what a media id looks like (media.Library makes
// "m_" and 24 hex digits), and the form's idempotency key; anything else
// in a form is dropped, as it would name no input.
var mediaIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// parseComposeValues reads the form's fields. Media are the ids of the
// "media" fields, each with its alt_<id> field; the targets are the
// checked boxes, in the order given, once each.
func parseComposeValues(v url.Values) *composeForm {
	f := newComposeForm()
	f.PostID = strings.TrimSpace(v.Get("post_id"))
	f.Text, f.Link, f.Campaign = v.Get("text"), strings.TrimSpace(v.Get("link")), strings.TrimSpace(v.Get("campaign"))
	f.When, f.WhenOrig = strings.TrimSpace(v.Get("when")), v.Get("when_orig")
	f.Action, f.Remove = v.Get("action"), v.Get("remove")
	if idem := v.Get("idem"); mediaIDPattern.MatchString(idem) {
		f.Idem = idem // the page makes it; anything else is dropped
	}
	for _, id := range v["targets"] {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(f.Targets, id) {
			f.Targets = append(f.Targets, id)
		}
	}
	for _, n := range f.Nets {
		n.Text = v.Get("ov_text_" + n.Key)
	}
	ig, yt := f.net(pregonero.NetworkInstagram), f.net(pregonero.NetworkYouTube)
	ig.Format = v.Get("ov_format_instagram")
	if ig.Format == pregonero.FormatFeed {
		ig.Format = ""
	}
	yt.VideoTitle, yt.Tags, yt.Kids = v.Get("ov_title_youtube"), v.Get("ov_tags_youtube"), v.Get("ov_kids_youtube")
	if yt.Kids != "yes" && yt.Kids != "no" {
		yt.Kids = ""
	}
	seen := map[string]bool{}
	for _, id := range v["media"] {
		if !mediaIDPattern.MatchString(id) || seen[id] {
			continue
		}
		seen[id] = true
		f.Media = append(f.Media, composeMedia{ID: id, AltText: v.Get("alt_" + id)})
	}
	return f
}

// composeFormOf is the form of a stored post. A network's text and
// fields come from the first of its accounts that has them.
func composeFormOf(p *pregonero.Post, rq *uiRequest, accounts map[string]*pregonero.Account) *composeForm {
	f := newComposeForm()
	f.PostID, f.IsDraft = p.ID, p.IsDraft()
	f.Text, f.Link, f.Campaign = p.Text, p.Link, p.Campaign
	f.Targets = slices.Clone(p.Targets)
	if !p.ScheduledAt.IsZero() {
		f.When = p.ScheduledAt.In(rq.Loc).Format(composeTimeLayout)
		f.WhenOrig = f.When
	}
	for _, m := range p.Media {
		f.Media = append(f.Media, composeMedia{ID: m.ID, AltText: m.AltText})
	}
	done := map[string]bool{}
	for _, id := range p.Targets {
		a := accounts[id]
		o, ok := p.Overrides[id]
		if a == nil || !ok {
			continue
		}
		n := f.net(a.Network)
		if n == nil {
			continue
		}
		text := ""
		if o.Text != nil {
			text = *o.Text
		}
		if done[n.Key] {
			n.Mixed = n.Mixed || text != n.Text
			continue
		}
		done[n.Key] = true
		n.Text, n.Format, n.VideoTitle, n.Tags = text, o.Format, o.Title, strings.Join(o.Tags, ", ")
		if n.Format == pregonero.FormatFeed {
			n.Format = ""
		}
		if o.MadeForKids != nil {
			n.Kids = map[bool]string{true: "yes", false: "no"}[*o.MadeForKids]
		}
	}
	return f
}

// overrides are the post's overrides for its targets: each account gets
// its network's text and fields over what it had (base, the post's when
// editing), so fields the page does not show are kept.
func (f *composeForm) overrides(accounts map[string]*pregonero.Account, base map[string]pregonero.Override) map[string]pregonero.Override {
	out := map[string]pregonero.Override{}
	for _, id := range f.Targets {
		a := accounts[id]
		if a == nil {
			continue
		}
		o := base[id]
		o.Text = nil
		if n := f.net(a.Network); n != nil {
			if n.Text != "" {
				t := n.Text
				o.Text = &t
			}
			switch a.Network {
			case pregonero.NetworkInstagram:
				o.Format = n.Format
			case pregonero.NetworkYouTube:
				o.Title, o.Tags, o.MadeForKids = strings.TrimSpace(n.VideoTitle), splitTags(n.Tags), nil
				if n.Kids != "" {
					kids := n.Kids == "yes"
					o.MadeForKids = &kids
				}
			}
		}
		if !emptyOverride(o) {
			out[id] = o
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func emptyOverride(o pregonero.Override) bool {
	return o.Text == nil && o.Title == "" && o.Description == "" && len(o.Tags) == 0 && o.Format == "" &&
		o.Category == "" && o.Language == "" && o.MadeForKids == nil && o.Thumbnail == ""
}

// splitTags reads tags separated by commas.
func splitTags(s string) []string {
	var out []string
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// postMedia are the post's media entries, each with the alt text as the
// form has it.
func (f *composeForm) postMedia() []pregonero.PostMedia {
	var out []pregonero.PostMedia
	for _, m := range f.Media {
		out = append(out, pregonero.PostMedia{ID: m.ID, AltText: strings.TrimSpace(m.AltText)})
	}
	return out
}

// composeCtx is what one request of the page knows: the accounts and the
// post edited.
type composeCtx struct {
	rq       *uiRequest
	accounts []*pregonero.Account
	byID     map[string]*pregonero.Account
	cur      *pregonero.Post // the post edited, nil for a new one
}

func (s *Server) composeContext(rq *uiRequest, postID string) (*composeCtx, error) {
	accounts, err := s.posts.Accounts(rq.Context())
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	c := &composeCtx{rq: rq, accounts: accounts, byID: map[string]*pregonero.Account{}}
	for _, a := range accounts {
		c.byID[a.ID] = a
	}
	if postID == "" {
		return c, nil
	}
	p, err := s.posts.Post(rq.Context(), postID)
	if err != nil {
		return nil, err
	}
	if !editable(p) {
		return nil, pregonero.Errorf(pregonero.ECONFLICT, "Post %s is %s; only a draft or a post still waiting to go out can be edited.", p.ID, p.DerivedStatus())
	}
	if !canPostToAll(rq.User, p, c.byID) && !(p.IsDraft() && len(p.Targets) == 0) {
		return nil, pregonero.Errorf(pregonero.EFORBIDDEN, "%s may not change post %s: it goes to accounts of another dependencia.", rq.User.Username, p.ID)
	}
	c.cur = p
	return c, nil
}

// editable reports whether the page may edit a post: a draft, or a post
// whose deliveries all wait for their time.
func editable(p *pregonero.Post) bool {
	if p.IsDraft() {
		return true
	}
	if len(p.Deliveries) == 0 {
		return false
	}
	for _, d := range p.Deliveries {
		if d.State != pregonero.DeliveryQueued || d.Claimed {
			return false
		}
	}
	return true
}

func (s *Server) composePage() uiPage {
	p := uiPage{
		Path:   "/compose",
		Menu:   "compose.menu",
		Allow:  uiEditors,
		Render: s.renderCompose,
		Forms:  []uiForm{{Path: "/compose", Handle: s.composeCreate}},
	}
	s.registerComposeEndpoints(&p)
	return p
}

func (s *Server) composeEditPage() uiPage {
	return uiPage{
		Path:   "/posts/{id}/edit",
		Allow:  uiEditors,
		Render: s.renderComposeEdit,
		Forms:  []uiForm{{Path: "/posts/{id}/edit", Handle: s.composeEdit}},
	}
}

func (s *Server) renderCompose(rq *uiRequest) (*uiView, error) {
	c, err := s.composeContext(rq, "")
	if err != nil {
		return nil, err
	}
	f := newComposeForm()
	f.Idem = newIdempotencyKey()
	return s.composeView(c, f, http.StatusOK), nil
}

func (s *Server) renderComposeEdit(rq *uiRequest) (*uiView, error) {
	c, err := s.composeContext(rq, rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return s.composeView(c, composeFormOf(c.cur, rq, c.byID), http.StatusOK), nil
}

// composeCreate saves the form as a new draft or a scheduled post.
func (s *Server) composeCreate(rq *uiRequest) (*uiView, error) {
	c, err := s.composeContext(rq, "")
	if err != nil {
		return nil, err
	}
	f := parseComposeValues(rq.R.PostForm)
	f.PostID = ""
	return s.composeSubmit(c, f)
}

// composeEdit saves the form over the post edited, and schedules a draft
// when asked to.
func (s *Server) composeEdit(rq *uiRequest) (*uiView, error) {
	c, err := s.composeContext(rq, rq.R.PathValue("id"))
	if err != nil {
		return nil, err
	}
	f := parseComposeValues(rq.R.PostForm)
	f.PostID, f.IsDraft = c.cur.ID, c.cur.IsDraft()
	if !f.IsDraft {
		f.Targets = slices.Clone(c.cur.Targets) // they cannot change
	}
	return s.composeSubmit(c, f)
}

// composeSubmit saves the form, or shows it again with what is wrong next
// to each field. A refusal of who acts is the 403 page: the form only
// offers the accounts the person may post to.
func (s *Server) composeSubmit(c *composeCtx, f *composeForm) (*uiView, error) {
	rq := c.rq
	ctx := rq.Context()
	schedule := f.Action != composeDraft
	if c.cur != nil && !c.cur.IsDraft() {
		f.Action, schedule = composeSave, true
	}
	d := s.composeDraft(c, f, schedule)
	if f.hasErrors() {
		// Show the service's verdict on the rest as well.
		if len(d.Targets) > 0 {
			vd := *d
			if c.cur != nil && !c.cur.IsDraft() && f.When == f.WhenOrig {
				vd.ScheduledAt = ""
			}
			v, err := s.posts.Validate(ctx, &vd, "")
			if err != nil {
				return nil, err
			}
			s.composeVerdictErrors(c, f, v, schedule)
		}
		return s.composeView(c, f, http.StatusUnprocessableEntity), nil
	}

	var p *pregonero.Post
	var err error
	switch {
	case c.cur == nil:
		d.Draft = !schedule
		key := ""
		if f.Idem != "" {
			key = f.Idem + "-" + f.Action
		}
		p, _, err = s.posts.Create(ctx, d, key)
	default:
		p, err = s.posts.Edit(ctx, c.cur.ID, f.patch(c, d))
		if err == nil && schedule && c.cur.IsDraft() {
			p, err = s.posts.Schedule(ctx, c.cur.ID, d.ScheduledAt, "")
		}
	}
	switch pregonero.ErrorCode(err) {
	case "":
	case pregonero.EINVALID:
		e, _ := asAppError(err)
		s.composeFieldErrors(c, f, e.Fields, schedule)
		if !f.hasErrors() {
			f.addError("", errorText(rq.P, err))
		}
		return s.composeView(c, f, http.StatusUnprocessableEntity), nil
	case pregonero.ECONFLICT, pregonero.ERATELIMITED, pregonero.EUNAVAILABLE:
		f.addError("", errorText(rq.P, err))
		return s.composeView(c, f, http.StatusConflict), nil
	default:
		return nil, err
	}
	return uiRedirect("/posts/"+url.PathEscape(p.ID), &uiFlash{Kind: "ok", Text: composeDone(rq, f, p)}), nil
}

// composeDone says what became of the post, and why it may wait.
func composeDone(rq *uiRequest, f *composeForm, p *pregonero.Post) string {
	var text string
	switch {
	case p.IsDraft():
		text = rq.P.T("compose.flash.draft")
	case f.Action == composeSave:
		text = rq.P.T("compose.flash.saved", rq.DateTime(p.ScheduledAt))
	default:
		text = rq.P.T("compose.flash.scheduled", rq.DateTime(p.ScheduledAt))
	}
	for _, w := range p.Warnings {
		switch w.Code {
		case pregonero.WarnPaused:
			if w.Account == "" {
				text += " " + rq.P.T("compose.warn.paused")
			} else {
				text += " " + rq.P.T("compose.warn.account_paused", w.Account)
			}
		case pregonero.WarnNeedsReauth:
			text += " " + rq.P.T("compose.warn.needs_reauth", w.Account)
		}
	}
	return text
}

// composeDraft is the post the form describes, and the form's own errors:
// a time it cannot read, and, when the post is to go out, an image
// without alt text.
func (s *Server) composeDraft(c *composeCtx, f *composeForm, schedule bool) *posting.Draft {
	rq := c.rq
	d := &posting.Draft{Text: f.Text, Link: f.Link, Campaign: f.Campaign, Targets: slices.Clone(f.Targets), Media: f.postMedia()}
	var base map[string]pregonero.Override
	if c.cur != nil {
		base = c.cur.Overrides
	}
	d.Overrides = f.overrides(c.byID, base)
	if posting.IsQueue(f.When) {
		d.ScheduledAt = posting.QueueTime
	} else if f.When != "" {
		t, err := posting.ParseHuman(f.When, rq.Now, rq.Loc)
		if err != nil {
			f.addError("when", rq.P.T("compose.err.when")+" "+rq.P.T("error.detail", err.Error()))
		} else {
			d.ScheduledAt = t.Format(time.RFC3339)
		}
	}
	s.composeMediaInfo(rq.Context(), f)
	if schedule {
		for _, m := range f.Media {
			if m.IsImage() && strings.TrimSpace(m.AltText) == "" {
				f.addError("alt_"+m.ID, rq.P.T("compose.err.alt_required"))
			}
		}
	}
	return d
}

// composeMediaInfo fills in each file's record; one that is gone stays
// in the form, and the service says it is unknown.
func (s *Server) composeMediaInfo(ctx context.Context, f *composeForm) {
	for i := range f.Media {
		m := &f.Media[i]
		if m.MIME != "" {
			continue
		}
		rec, err := s.posts.Media(ctx, m.ID)
		if err != nil {
			continue
		}
		m.MIME, m.Filename, m.Width, m.Height, m.DurationMS, m.Size = rec.MIME, rec.Filename, rec.Width, rec.Height, rec.DurationMS, rec.Size
	}
}

// patch is the edit the form makes to the post: everything it shows;
// an unchanged time stays as it was, and only a draft's targets change.
func (f *composeForm) patch(c *composeCtx, d *posting.Draft) *posting.Patch {
	media := d.Media
	if media == nil {
		media = []pregonero.PostMedia{}
	}
	overrides := d.Overrides
	if overrides == nil {
		overrides = map[string]pregonero.Override{}
	}
	p := &posting.Patch{Text: &d.Text, Link: &d.Link, Campaign: &d.Campaign, Media: &media, Overrides: &overrides}
	if c.cur.IsDraft() {
		targets := slices.Clone(d.Targets)
		if targets == nil {
			targets = []string{}
		}
		p.Targets = &targets
	}
	if c.cur.IsDraft() || f.When != f.WhenOrig {
		at := d.ScheduledAt
		p.ScheduledAt = &at
	}
	return p
}

// composeVerdictErrors puts a verdict's errors next to their inputs. A
// draft may lack what is required of a post that goes out.
func (s *Server) composeVerdictErrors(c *composeCtx, f *composeForm, v *posting.Verdict, schedule bool) {
	fields := slices.Clone(v.Errors)
	for _, r := range v.Results {
		fields = append(fields, r.Errors...)
	}
	s.composeFieldErrors(c, f, fields, schedule)
}

func (s *Server) composeFieldErrors(c *composeCtx, f *composeForm, fields []pregonero.FieldError, schedule bool) {
	for _, fe := range fields {
		if !schedule && fe.Code == pregonero.FieldRequired {
			continue
		}
		id := composeInput(f, c.byID, fe)
		f.addError(id, composeFieldText(c.rq, c.byID, fe))
	}
}

// mediaIndex reads the index of "media[3]", "media[3].alt_text".
var mediaIndex = regexp.MustCompile(`^media\[(\d+)\](\.alt_text)?`)

// composeInput is the id of the input a field error is about: the
// service's field names (text, media[0].alt_text, targets…) and the
// adapters' (title, format, tags…) on this page's inputs. An error of a
// network's rules about the text is next to the network's own text when
// there is one, else next to the text.
func composeInput(f *composeForm, accounts map[string]*pregonero.Account, fe pregonero.FieldError) string {
	if m := mediaIndex.FindStringSubmatch(fe.Field); m != nil {
		i := 0
		fmt.Sscan(m[1], &i)
		if i < len(f.Media) {
			if m[2] != "" {
				return "alt_" + f.Media[i].ID
			}
			return "media-" + f.Media[i].ID
		}
		return "media"
	}
	field := strings.TrimPrefix(fe.Field, "overrides.")
	if fe.Target == "" {
		switch field {
		case "text", "link", "campaign", "targets", "media":
			return field
		case "scheduled_at", "timezone":
			return "when"
		}
		return ""
	}
	network := pregonero.Network(fe.Target) // the stand-in account of a network
	if a := accounts[fe.Target]; a != nil {
		network = a.Network
	}
	n := f.net(network)
	switch {
	case field == "targets" || field == "overrides":
		return "target-" + fe.Target
	case field == "media":
		return "media"
	case n == nil:
		return ""
	case field == "text" || field == "description":
		if n.Text != "" {
			return "ov_text_" + n.Key
		}
		return "text"
	case field == "format" && network == pregonero.NetworkInstagram:
		return "ov_format_instagram"
	case network == pregonero.NetworkYouTube && field == "title":
		return "ov_title_youtube"
	case network == pregonero.NetworkYouTube && field == "tags":
		return "ov_tags_youtube"
	case network == pregonero.NetworkYouTube && field == "made_for_kids":
		return "ov_kids_youtube"
	}
	return "net-" + n.Key
}

// composeFieldText is a field error in the page's language: what is
// wrong by its code, with the numbers when there are any, the account it
// is about, and the service's English words after.
func composeFieldText(rq *uiRequest, accounts map[string]*pregonero.Account, fe pregonero.FieldError) string {
	key := "compose.err." + fe.Code
	if !rq.P.Has(key) {
		key = "compose.err.invalid"
	}
	text := rq.P.T(key)
	if fe.Limit != nil && fe.Actual != nil && rq.P.Has(key+"_n") {
		text = rq.P.T(key+"_n", fe.Actual, fe.Limit)
	}
	if fe.Target != "" {
		name := fe.Target
		if a := accounts[fe.Target]; a != nil {
			name = cmp.Or(a.Name, a.ID)
			if !strings.Contains(name, a.Network.Title()) {
				name += " (" + a.Network.Title() + ")"
			}
		} else if n := pregonero.Network(fe.Target); n.Valid() {
			name = n.Title()
		}
		text = name + ": " + text
	}
	if fe.Message != "" {
		text += " " + rq.P.T("error.detail", fe.Message)
	}
	return text
}

// composePageData is what the template gets.
type composePageData struct {
	Form *composeForm
	// Action is where the form posts; Attach where files go without
	// the script.
	Action, Attach string
	Units          []composeUnit
	// Fixed lists the targets of a scheduled post, which cannot change.
	Fixed    []composeAccount
	Counters []composeCounter
	// Summary lists the errors with links to their inputs.
	Summary []composeSummary
	// WhenText is the time the form's When names, in the user's zone.
	WhenText  string
	Zone      string
	MaxSize   int64
	CanUpload bool
	Editing   bool
	IsDraft   bool
	Now       string // a sample time in the form people type
	AltMax    int
	Previews  []composePreview
	// Items are the files with their errors; Templates the empty items
	// the script fills in for a new image and a new video.
	Items     []composeMediaItem
	Templates []composeMediaItem
	// QuickToday is the quick pick for today: the next full hour, empty
	// when that is tomorrow.
	QuickToday, QuickTodayClock string
	MaxSizeText                 string
	// Campaigns are the choices of the campaign select (ui_campaigns_compose.go).
	Campaigns []campaignOption
}

// composeMediaItem is one file of the list, as the partial compose_media
// shows it.
type composeMediaItem struct {
	composeMedia
	AltErr, ItemErr composeErr
	Attach          string
	// Template marks the empty item the script copies.
	Template bool
}

// composePreview is how one network shows the post, as far as the page
// can tell without the script: the text cut where the feed cuts it and
// the first file in the frame the feed gives it. The script redraws it as
// the person types, with the file's exact proportions.
type composePreview struct {
	Key, Title string
	// Chosen says an account of the network is a target.
	Chosen bool
	Text   string
	Cut    bool
	CutAt  int
	// Media is the first file; Count how many there are.
	Media *composeMedia
	Count int
	// Frame is the CSS class of the frame's proportions.
	Frame string
	// VideoTitle and TitleCut are YouTube's title as its lists show it.
	VideoTitle string
	TitleCut   bool
}

type composeUnit struct {
	Name     string
	Accounts []composeAccount
}

type composeAccount struct {
	ID, Name, Network, NetworkKey string
	Allowed, Checked              bool
	Status, StatusClass           string
}

// composeCounter is the length of one X target's text, as X counts it.
type composeCounter struct {
	Target  string `json:"target"`
	Account string `json:"account"`
	Length  int    `json:"length"`
	Limit   int    `json:"limit"`
	Over    bool   `json:"over"`
	Text    string `json:"text"`
}

type composeSummary struct {
	ID, Text string
}

// composeView renders the form: the accounts grouped by dependencia, the
// counters and the errors.
func (s *Server) composeView(c *composeCtx, f *composeForm, status int) *uiView {
	rq := c.rq
	s.composeMediaInfo(rq.Context(), f)
	data := composePageData{Form: f, Action: "/compose", Attach: "/compose/attach", Zone: rq.Loc.String(),
		CanUpload: s.media != nil, Editing: c.cur != nil, IsDraft: c.cur == nil || c.cur.IsDraft(),
		Now: rq.Now.In(rq.Loc).Add(time.Hour).Format(composeTimeLayout)}
	if s.media != nil {
		data.MaxSize = s.media.MaxSize()
	}
	data.AltMax = 1000
	if c.cur != nil {
		data.Action = "/posts/" + url.PathEscape(c.cur.ID) + "/edit"
	}
	byUnit := map[string][]composeAccount{}
	for _, a := range c.accounts {
		ca := composeAccount{ID: a.ID, Name: cmp.Or(a.Name, a.ID), Network: a.Network.Title(), NetworkKey: string(a.Network),
			Allowed: rq.User.CanPostTo(a), Checked: f.Selected(a.ID)}
		if a.Status != pregonero.AccountActive {
			ca.Status, ca.StatusClass = accountStatusText(rq.P, a.Status), string(a.Status)
		}
		byUnit[a.Unit] = append(byUnit[a.Unit], ca)
	}
	units := make([]string, 0, len(byUnit))
	for u := range byUnit {
		units = append(units, u)
	}
	// The person's own dependencias first, then the others by name, the
	// accounts of no dependencia last.
	mine := func(u string) bool { return slices.Contains(rq.User.Units, u) }
	slices.SortFunc(units, func(a, b string) int {
		switch {
		case (a == "") != (b == ""):
			if a == "" {
				return 1
			}
			return -1
		case mine(a) != mine(b):
			if mine(a) {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, u := range units {
		as := byUnit[u]
		slices.SortStableFunc(as, func(a, b composeAccount) int {
			return cmp.Or(strings.Compare(a.Network, b.Network), strings.Compare(a.Name, b.Name))
		})
		name := u
		if name == "" {
			name = rq.P.T("compose.unit_none")
		}
		data.Units = append(data.Units, composeUnit{Name: name, Accounts: as})
	}
	if c.cur != nil && !c.cur.IsDraft() {
		for _, id := range c.cur.Targets {
			ca := composeAccount{ID: id, Name: id}
			if a := c.byID[id]; a != nil {
				ca.Name, ca.Network, ca.NetworkKey = cmp.Or(a.Name, a.ID), a.Network.Title(), string(a.Network)
			}
			data.Fixed = append(data.Fixed, ca)
		}
	}
	data.Previews = composePreviews(f, c.byID)
	data.Campaigns = s.campaignOptions(rq, f.Campaign)
	for _, m := range f.Media {
		data.Items = append(data.Items, composeMediaItem{composeMedia: m, AltErr: f.Err("alt_" + m.ID), ItemErr: f.Err("media-" + m.ID), Attach: data.Attach})
	}
	for _, mime := range []string{"image/jpeg", "video/mp4"} {
		m := composeMedia{ID: "MEDIAID", MIME: mime, Filename: "MEDIANAME"}
		data.Templates = append(data.Templates, composeMediaItem{composeMedia: m, AltErr: composeErr{ID: "alt_MEDIAID"},
			ItemErr: composeErr{ID: "media-MEDIAID"}, Attach: data.Attach, Template: true})
	}
	now := rq.Now.In(rq.Loc)
	if next := time.Date(now.Year(), now.Month(), now.Day(), now.Hour()+1, 0, 0, 0, rq.Loc); next.Day() == now.Day() {
		data.QuickTodayClock = next.Format("15:04")
		data.QuickToday = "hoy " + data.QuickTodayClock
	}
	data.MaxSizeText = formatMB(data.MaxSize)
	if res := s.composeLive(c, f); res != nil {
		data.Counters, data.WhenText = res.Counters, res.When
	}
	ids := []string{"targets", "text", "link", "media"}
	for _, m := range f.Media {
		ids = append(ids, "media-"+m.ID, "alt_"+m.ID)
	}
	for _, n := range f.Nets {
		ids = append(ids, "net-"+n.Key, "ov_text_"+n.Key)
	}
	ids = append(ids, "ov_format_instagram", "ov_title_youtube", "ov_kids_youtube", "ov_tags_youtube", "when", "campaign", "file")
	for _, u := range data.Units {
		for _, a := range u.Accounts {
			ids = append(ids, "target-"+a.ID)
		}
	}
	for _, id := range ids {
		for _, msg := range f.Errors[id] {
			data.Summary = append(data.Summary, composeSummary{ID: id, Text: msg})
		}
	}
	v := &uiView{Template: "compose", Title: "compose.title", Data: data, Status: status,
		Scripts: []string{"compose.js"}, Styles: []string{"compose.css"}}
	if c.cur != nil {
		v.Title = "compose.title_edit"
	}
	if status >= 400 {
		v.Flash = &uiFlash{Kind: "error", Text: rq.P.T("compose.error.summary")}
	}
	return v
}

// composeLive is what the page shows besides the errors: the length of
// each X target's text and the time the form names. Nil when the text
// cannot be measured (the counters then stay as the script last left
// them).
func (s *Server) composeLive(c *composeCtx, f *composeForm) *composeResult {
	rq := c.rq
	res := &composeResult{}
	if f.When != "" {
		res.When = s.composeWhen(rq, f.When)
	}
	d := &posting.Draft{Text: f.Text, Link: f.Link, Targets: slices.Clone(f.Targets), Overrides: f.overrides(c.byID, nil)}
	network := pregonero.Network("")
	if !slices.ContainsFunc(f.Targets, func(id string) bool { a := c.byID[id]; return a != nil && a.Network == pregonero.NetworkX }) {
		// No X account chosen: the text is still counted as X would.
		d = &posting.Draft{Text: f.Text, Link: f.Link}
		network = pregonero.NetworkX
	}
	v, err := s.posts.Validate(rq.Context(), d, network)
	if err != nil {
		return res
	}
	res.Counters = composeCounters(rq, c.byID, v)
	return res
}

// composeCounters are the X lengths of a verdict.
func composeCounters(rq *uiRequest, accounts map[string]*pregonero.Account, v *posting.Verdict) []composeCounter {
	var out []composeCounter
	for _, r := range v.Results {
		if r.WeightedLength == nil || r.Limit == nil {
			continue
		}
		name := pregonero.NetworkX.Title()
		if a := accounts[r.Target]; a != nil {
			name = cmp.Or(a.Name, a.ID)
		}
		c := composeCounter{Target: r.Target, Account: name, Length: *r.WeightedLength, Limit: *r.Limit, Over: *r.WeightedLength > *r.Limit}
		c.Text = rq.P.T("compose.counter", name, c.Length, c.Limit)
		if c.Over {
			c.Text += " " + rq.P.T("compose.counter_over", c.Length-c.Limit)
		}
		out = append(out, c)
	}
	return out
}

// cutText is a text as a feed shows it before its "more" link: the first
// n characters, on a word boundary when one is near.
func cutText(s string, n int) (shown string, cut bool) {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s, false
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexAny(string(r), " \n"); i > len(string(r))*3/4 {
		return strings.TrimRight(string(r)[:i], " \n"), true
	}
	return string(r), true
}

// formatMB writes a size in megabytes for people.
func formatMB(n int64) string {
	mb := float64(n) / (1 << 20)
	if mb == float64(int64(mb)) {
		return fmt.Sprintf("%d MB", int64(mb))
	}
	return fmt.Sprintf("%.1f MB", mb)
}

// withLink is a text with the post's link after a blank line, unless the
// text has it already: how X, Instagram and YouTube send a link.
func withLink(text, link string) string {
	text, link = strings.TrimSpace(text), strings.TrimSpace(link)
	if link == "" || strings.Contains(text, link) {
		return text
	}
	if text == "" {
		return link
	}
	return text + "\n\n" + link
}

// composePreviews are the form's previews, one per network.
func composePreviews(f *composeForm, accounts map[string]*pregonero.Account) []composePreview {
	var out []composePreview
	for _, n := range f.Nets {
		network := pregonero.Network(n.Key)
		pv := composePreview{Key: n.Key, Title: n.Title, CutAt: n.Cut, Count: len(f.Media)}
		pv.Chosen = slices.ContainsFunc(f.Targets, func(id string) bool { a := accounts[id]; return a != nil && a.Network == network })
		text := cmp.Or(n.Text, f.Text)
		if network == pregonero.NetworkYouTube {
			pv.VideoTitle, pv.TitleCut = cutText(strings.TrimSpace(n.VideoTitle), n.Cut)
			pv.Text = withLink(text, f.Link)
		} else {
			pv.Text, pv.Cut = cutText(withLink(text, f.Link), n.Cut)
		}
		if len(f.Media) > 0 {
			m := f.Media[0]
			pv.Media = &m
		}
		pv.Frame = previewFrame(network, n.Format, pv.Media, pv.Count)
		out = append(out, pv)
	}
	return out
}

// previewFrame is the CSS class of the frame a network's feed shows a
// post's first file in: X a single image at 16:9 and several as squares,
// Instagram and Facebook within 4:5 to 1.91:1 (a story or reel 9:16),
// YouTube's thumbnail 16:9. These are the proportions the feeds use, not
// published rules.
func previewFrame(n pregonero.Network, format string, m *composeMedia, count int) string {
	switch {
	case n == pregonero.NetworkYouTube:
		return "ar-16-9"
	case n == pregonero.NetworkX && count > 1:
		return "ar-1-1"
	case n == pregonero.NetworkX:
		return "ar-16-9"
	case n == pregonero.NetworkInstagram && (format == pregonero.FormatStory || format == pregonero.FormatReel):
		return "ar-9-16"
	}
	if m == nil || m.Width <= 0 || m.Height <= 0 {
		return "ar-1-1"
	}
	r := float64(m.Width) / float64(m.Height)
	switch {
	case r <= 0.9:
		return "ar-4-5"
	case r < 1.45:
		return "ar-1-1"
	}
	return "ar-191-100"
}
