package posting

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/feed"
)

// News feeds. A feed (RSS 2.0 or Atom) is fetched on a schedule; each
// item not seen before becomes a draft for the feed's accounts, or, with
// auto_publish, a post placed in each account's next free posting slot
// (QueueTime). The rules:
//
//   - name: required, one line, up to MaxFeedName characters;
//   - url: an absolute http or https URL;
//   - targets: at least one existing account; the user must be allowed
//     to post to every one of them;
//   - unit: the dependencia; the first target's when not given;
//   - campaign: a campaign's id, as on a post;
//   - every: how often it is fetched, from MinFeedEvery to MaxFeedEvery;
//     empty takes the server's feeds.every.
//
// Who may: every signed-in user reads feeds. Admins manage any; editors
// the feeds whose accounts are all of their dependencias (as they may
// post to them), viewers none.
//
// An item is drafted once: the post made from it is stored with the
// record of its key (pregonero.FeedItemKey) in one transaction, so no
// crash, restart, reordering or edit of the feed drafts it again.

// Limits of a feed.
const (
	MaxFeedName     = 100
	MaxFeedURL      = 2000
	MinFeedEvery    = time.Minute
	MaxFeedEvery    = 24 * time.Hour
	maxFeedItemsAge = 100 // years an item's record is kept: for ever
)

// FeedFetcher fetches a feed with the validators of the previous answer
// (feed.Fetcher does it over HTTP).
type FeedFetcher interface {
	Fetch(ctx context.Context, url, etag, lastModified string) (*feed.Result, error)
}

// FeedConfig configures the polling of news feeds.
type FeedConfig struct {
	// Fetcher reads the feeds; without it feeds can be kept but not
	// polled.
	Fetcher FeedFetcher
	// Every is the interval of feeds without their own (default 5m).
	Every time.Duration
	// FirstItems is how many of a feed's newest items become drafts at
	// its first poll; the older ones are marked seen.
	FirstItems int
}

// FeedRequest is a feed as a person or a program writes it: what POST
// /api/v1/feeds takes. Every is a duration such as "15m".
type FeedRequest struct {
	Name        string   `json:"name"`
	URL         string   `json:"url"`
	Targets     []string `json:"targets"`
	Unit        string   `json:"unit,omitempty"`
	Campaign    string   `json:"campaign,omitempty"`
	AutoPublish bool     `json:"auto_publish,omitempty"`
	Every       string   `json:"every,omitempty"`
}

// FeedPatch is a change of a feed: the fields present replace the
// feed's, the others are kept.
type FeedPatch struct {
	Name        *string   `json:"name,omitempty"`
	URL         *string   `json:"url,omitempty"`
	Targets     *[]string `json:"targets,omitempty"`
	Unit        *string   `json:"unit,omitempty"`
	Campaign    *string   `json:"campaign,omitempty"`
	AutoPublish *bool     `json:"auto_publish,omitempty"`
	Every       *string   `json:"every,omitempty"`
}

// feedStore returns the store's feeds, or the error that says the store
// keeps none.
func (s *Service) feedStore() (pregonero.FeedStore, error) {
	fs, ok := s.store.(pregonero.FeedStore)
	if !ok {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store keeps no feeds.")
	}
	return fs, nil
}

// Feeds lists every feed. Every signed-in user may read them.
func (s *Service) Feeds(ctx context.Context) ([]*pregonero.Feed, error) {
	fs, err := s.feedStore()
	if err != nil {
		return nil, err
	}
	return fs.Feeds(ctx)
}

// Feed returns one feed.
func (s *Service) Feed(ctx context.Context, id string) (*pregonero.Feed, error) {
	fs, err := s.feedStore()
	if err != nil {
		return nil, err
	}
	return fs.Feed(ctx, id)
}

// FeedItems returns up to limit (at most 200) of the items drafted from a
// feed, the newest first.
func (s *Service) FeedItems(ctx context.Context, id string, limit int) ([]*pregonero.FeedItem, error) {
	fs, err := s.feedStore()
	if err != nil {
		return nil, err
	}
	if _, err := fs.Feed(ctx, id); err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), 200)
	return fs.FeedItems(ctx, id, limit)
}

// mayFeed refuses a user who may not manage a feed with these targets.
func (s *Service) mayFeed(ctx context.Context, targets ...string) error {
	u := pregonero.UserFromContext(ctx)
	if u == nil {
		return nil
	}
	if u.Disabled || (u.Role != pregonero.RoleAdmin && u.Role != pregonero.RoleEditor) {
		return pregonero.Errorf(pregonero.EFORBIDDEN, "%s may read feeds but not add or change them (role %s).", u.Username, u.Role)
	}
	return s.mayPost(ctx, targets...)
}

// CreateFeed checks a feed and stores it with a new id. It is polled at
// the next run of the poll job, or at once with PollFeed.
func (s *Service) CreateFeed(ctx context.Context, req *FeedRequest) (*pregonero.Feed, error) {
	fs, err := s.feedStore()
	if err != nil {
		return nil, err
	}
	if err := s.mayFeed(ctx, req.Targets...); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	f := &pregonero.Feed{ID: pregonero.NewID("f", now), CreatedAt: now, UpdatedAt: now}
	if u := pregonero.UserFromContext(ctx); u != nil {
		f.Author = u.Username
	}
	if err := s.applyFeed(ctx, f, req); err != nil {
		return nil, err
	}
	if err := fs.CreateFeed(ctx, f); err != nil {
		return nil, fmt.Errorf("create feed: %w", err)
	}
	return f, nil
}

// UpdateFeed applies a change to a feed. A new URL forgets the
// validators of the old one; the items seen stay seen.
func (s *Service) UpdateFeed(ctx context.Context, id string, patch *FeedPatch) (*pregonero.Feed, error) {
	fs, err := s.feedStore()
	if err != nil {
		return nil, err
	}
	cur, err := fs.Feed(ctx, id)
	if err != nil {
		return nil, err
	}
	targets := slices.Clone(cur.Targets)
	if patch.Targets != nil {
		targets = append(targets, *patch.Targets...)
	}
	if err := s.mayFeed(ctx, targets...); err != nil {
		return nil, err
	}
	req := &FeedRequest{Name: cur.Name, URL: cur.URL, Targets: cur.Targets, Unit: cur.Unit, Campaign: cur.Campaign,
		AutoPublish: cur.AutoPublish}
	if cur.Every > 0 {
		req.Every = cur.Every.String()
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&req.Name, patch.Name)
	set(&req.URL, patch.URL)
	set(&req.Unit, patch.Unit)
	set(&req.Campaign, patch.Campaign)
	set(&req.Every, patch.Every)
	if patch.Targets != nil {
		req.Targets = *patch.Targets
		if patch.Unit == nil {
			req.Unit = "" // the new first target's
		}
	}
	if patch.AutoPublish != nil {
		req.AutoPublish = *patch.AutoPublish
	}
	checked := &pregonero.Feed{}
	if err := s.applyFeed(ctx, checked, req); err != nil {
		return nil, err
	}
	return fs.UpdateFeed(ctx, id, func(f *pregonero.Feed) error {
		if f.URL != checked.URL {
			f.ETag, f.LastModified = "", ""
		}
		f.Name, f.URL, f.Targets, f.Unit = checked.Name, checked.URL, checked.Targets, checked.Unit
		f.Campaign, f.AutoPublish, f.Every = checked.Campaign, checked.AutoPublish, checked.Every
		return nil
	})
}

// DeleteFeed deletes a feed and the record of its seen items. The posts
// made from them stay.
func (s *Service) DeleteFeed(ctx context.Context, id string) error {
	fs, err := s.feedStore()
	if err != nil {
		return err
	}
	f, err := fs.Feed(ctx, id)
	if err != nil {
		return err
	}
	if err := s.mayFeed(ctx, f.Targets...); err != nil {
		return err
	}
	return fs.DeleteFeed(ctx, id)
}

// applyFeed checks a request and writes it into f, or returns every
// field at fault.
func (s *Service) applyFeed(ctx context.Context, f *pregonero.Feed, req *FeedRequest) error {
	var fields []pregonero.FieldError
	add := func(field, code string, actual any, format string, args ...any) {
		fields = append(fields, pregonero.FieldError{Field: field, Code: code, Actual: actual, Message: fmt.Sprintf(format, args...)})
	}
	name := strings.TrimSpace(req.Name)
	switch {
	case name == "":
		add("name", pregonero.FieldRequired, nil, "Give the feed a name.")
	case utf8.RuneCountInString(name) > MaxFeedName:
		add("name", pregonero.FieldTooLong, utf8.RuneCountInString(name), "The name has %d characters; at most %d.", utf8.RuneCountInString(name), MaxFeedName)
	case strings.ContainsAny(name, "\r\n") || !utf8.ValidString(name):
		add("name", pregonero.FieldInvalid, name, "The name must be one line of text.")
	}
	raw := strings.TrimSpace(req.URL)
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		add("url", pregonero.FieldRequired, nil, "Give the address of the feed (RSS or Atom).")
	case len(raw) > MaxFeedURL:
		add("url", pregonero.FieldTooLong, len(raw), "The address has %d characters; at most %d.", len(raw), MaxFeedURL)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		add("url", pregonero.FieldInvalid, raw, "%q is not an http or https address.", raw)
	}
	targets := slices.Compact(slices.Clone(req.Targets))
	var first *pregonero.Account
	if len(targets) == 0 {
		add("targets", pregonero.FieldRequired, nil, "Choose at least one account for the drafts.")
	}
	for _, id := range targets {
		a, err := s.store.Account(ctx, id)
		switch {
		case pregonero.ErrorCode(err) == pregonero.ENOTFOUND:
			add("targets", pregonero.FieldUnknown, id, "There is no account %s.", id)
		case err != nil:
			return fmt.Errorf("check feed: %w", err)
		case first == nil:
			first = a
		}
	}
	unit := strings.TrimSpace(req.Unit)
	if unit == "" && first != nil {
		unit = first.Unit
	}
	if len(unit) > MaxLabelBytes || strings.ContainsAny(unit, "\r\n") {
		add("unit", pregonero.FieldInvalid, unit, "The dependencia must be one line of at most %d bytes.", MaxLabelBytes)
	}
	campaign := strings.TrimSpace(req.Campaign)
	if campaign != "" {
		cs, err := s.campaignStore()
		if err == nil {
			_, err = cs.Campaign(ctx, campaign)
		}
		switch pregonero.ErrorCode(err) {
		case "":
		case pregonero.ENOTFOUND, pregonero.EUNAVAILABLE, pregonero.EINVALID:
			add("campaign", pregonero.FieldUnknown, campaign, "There is no campaign %s; give the id of a campaign.", campaign)
		default:
			return fmt.Errorf("check feed: %w", err)
		}
	}
	var every time.Duration
	if e := strings.TrimSpace(req.Every); e != "" {
		d, err := time.ParseDuration(e)
		if err != nil || d < MinFeedEvery || d > MaxFeedEvery {
			add("every", pregonero.FieldInvalid, e, "%q must be a duration from %s to %s, such as 15m.", e, MinFeedEvery, MaxFeedEvery)
		}
		every = d
	}
	if len(fields) > 0 {
		return pregonero.Invalid(fields)
	}
	f.Name, f.URL, f.Targets, f.Unit, f.Campaign = name, u.String(), targets, unit, campaign
	f.AutoPublish, f.Every = req.AutoPublish, every
	return nil
}
