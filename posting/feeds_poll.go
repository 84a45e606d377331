package posting

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"pregonero"
	"pregonero/feed"
)

// DefaultFeedEvery is the interval of feeds without their own when
// FeedConfig.Every is zero.
const DefaultFeedEvery = 5 * time.Minute

// FeedPoll is what one poll of a feed did.
type FeedPoll struct {
	FeedID string `json:"feed_id"`
	// NotModified: the feed answered that nothing changed (304).
	NotModified bool `json:"not_modified,omitempty"`
	// Items is how many items the feed has; Drafted the posts made from
	// new ones now; Skipped the old items passed over at a first poll.
	Items   int      `json:"items"`
	Drafted int      `json:"drafted"`
	Skipped int      `json:"skipped"`
	PostIDs []string `json:"post_ids"`
	// Error says what went wrong, empty when nothing did.
	Error string `json:"error,omitempty"`
}

// PollFeeds polls every feed that is due: the job that runs every
// feeds.every. A feed that fails is recorded as failing and the others
// go on; the error is only for the store failing.
func (s *Service) PollFeeds(ctx context.Context) ([]FeedPoll, error) {
	fs, err := s.feedStore()
	if err != nil {
		return nil, err
	}
	feeds, err := fs.Feeds(ctx)
	if err != nil {
		return nil, fmt.Errorf("poll feeds: %w", err)
	}
	every := cmp.Or(s.feedCfg.Every, DefaultFeedEvery)
	var out []FeedPoll
	for _, f := range feeds {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if !f.Due(s.now(), every) {
			continue
		}
		r, err := s.pollFeed(ctx, fs, f)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// PollFeed polls one feed now, whether due or not ("Revisar ahora").
// The user acting must be allowed to manage the feed; the drafts are
// made as the feed's, authored by whoever added it.
func (s *Service) PollFeed(ctx context.Context, id string) (*FeedPoll, error) {
	fs, err := s.feedStore()
	if err != nil {
		return nil, err
	}
	f, err := fs.Feed(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.mayFeed(ctx, f.Targets...); err != nil {
		return nil, err
	}
	r, err := s.pollFeed(context.WithoutCancel(ctx), fs, f)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// pollFeed fetches a feed and drafts its new items. The feed is not
// bound to the acting user: the system polls it, as the job does.
func (s *Service) pollFeed(ctx context.Context, fs pregonero.FeedStore, f *pregonero.Feed) (FeedPoll, error) {
	ctx = pregonero.NewContextWithUser(ctx, nil)
	r := FeedPoll{FeedID: f.ID, PostIDs: []string{}}
	if s.feedCfg.Fetcher == nil {
		return r, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server does not poll feeds.")
	}
	res, err := s.feedCfg.Fetcher.Fetch(ctx, f.URL, f.ETag, f.LastModified)
	if err != nil {
		r.Error = err.Error()
		return r, s.feedFailed(ctx, fs, f, r.Error)
	}
	if res.NotModified {
		r.NotModified = true
		_, err := fs.UpdateFeed(ctx, f.ID, func(f *pregonero.Feed) error {
			f.Polled(s.now().UTC(), res.ETag, res.LastModified)
			return nil
		})
		return r, err
	}
	r.Items = len(res.Feed.Items)
	fresh, err := s.unseen(ctx, fs, f, res.Feed.Items)
	if err != nil {
		return r, err
	}
	now := s.now().UTC()
	// At a feed's first poll only its newest items become drafts: adding
	// a feed must not flood the drafts (or the queue) with old news.
	if f.LastOKAt.IsZero() && len(fresh) > s.feedCfg.FirstItems {
		byDate := slices.Clone(fresh)
		slices.SortStableFunc(byDate, func(a, b feed.Item) int { return b.Published.Compare(a.Published) })
		var old []*pregonero.FeedItem
		for _, it := range byDate[s.feedCfg.FirstItems:] {
			old = append(old, &pregonero.FeedItem{FeedID: f.ID, Key: it.Key, Title: it.Title, Link: it.Link, SeenAt: now})
		}
		if err := fs.AddFeedItems(ctx, old...); err != nil {
			return r, fmt.Errorf("poll feed %s: %w", f.ID, err)
		}
		r.Skipped = len(old)
		fresh = slices.DeleteFunc(fresh, func(it feed.Item) bool {
			return slices.ContainsFunc(old, func(o *pregonero.FeedItem) bool { return o.Key == it.Key })
		})
	}
	// Oldest first, so that the queue keeps the order of the news.
	slices.SortStableFunc(fresh, func(a, b feed.Item) int { return a.Published.Compare(b.Published) })
	var problems []string
	for _, it := range fresh {
		id, err := s.draftItem(ctx, fs, f, it)
		if err != nil {
			if pregonero.ErrorCode(err) == pregonero.EINTERNAL {
				return r, err
			}
			problems = append(problems, fmt.Sprintf("%q: %s", it.Title, pregonero.ErrorMessage(err)))
			continue
		}
		r.Drafted++
		r.PostIDs = append(r.PostIDs, id)
	}
	if len(problems) > 0 {
		// The validators of this answer are not kept: the next poll reads
		// the feed again and retries the items that could not be drafted.
		r.Error = "items not drafted: " + strings.Join(problems, "; ")
		return r, s.feedFailed(ctx, fs, f, r.Error)
	}
	_, err = fs.UpdateFeed(ctx, f.ID, func(f *pregonero.Feed) error {
		f.Polled(now, res.ETag, res.LastModified)
		return nil
	})
	return r, err
}

// unseen returns the items of the feed never seen before, once each.
func (s *Service) unseen(ctx context.Context, fs pregonero.FeedStore, f *pregonero.Feed, items []feed.Item) ([]feed.Item, error) {
	var out []feed.Item
	keys := map[string]bool{}
	for _, it := range items {
		if keys[it.Key] {
			continue
		}
		keys[it.Key] = true
		_, err := fs.FeedItem(ctx, f.ID, it.Key)
		switch pregonero.ErrorCode(err) {
		case "":
			continue
		case pregonero.ENOTFOUND:
			out = append(out, it)
		default:
			return nil, fmt.Errorf("poll feed %s: %w", f.ID, err)
		}
	}
	return out, nil
}

// feedFailed records a failed poll; after a day of failures the store
// records, in the same transaction, the event that tells it (once per
// run of failures, see Feed.Failed).
func (s *Service) feedFailed(ctx context.Context, fs pregonero.FeedStore, f *pregonero.Feed, msg string) error {
	now := s.now().UTC()
	if _, err := fs.UpdateFeed(ctx, f.ID, func(f *pregonero.Feed) error {
		f.Failed(now, msg)
		return nil
	}); err != nil {
		return fmt.Errorf("poll feed %s: %w", f.ID, err)
	}
	s.logger.WarnContext(ctx, "feed poll failed", pregonero.LogFeed, f.ID, pregonero.LogURL, f.URL, pregonero.LogErr, msg)
	return nil
}

// draftItem makes the post of one new item and records the item as
// seen, and returns the post's id. The post and the record of its key
// are one transaction (Store.CreateIdempotentPost): if the process dies
// before the item's own record is written, the next poll finds the key's
// record and only writes what was missing.
func (s *Service) draftItem(ctx context.Context, fs pregonero.FeedStore, f *pregonero.Feed, it feed.Item) (string, error) {
	now := s.now().UTC()
	key := pregonero.FeedItemKey(f.ID, it.Key)
	seen := &pregonero.FeedItem{FeedID: f.ID, Key: it.Key, Title: it.Title, Link: it.Link, SeenAt: now}
	rec, err := s.store.Idempotency(ctx, key)
	switch {
	case err == nil:
		seen.PostID = rec.PostID
		return rec.PostID, fs.AddFeedItems(ctx, seen)
	case pregonero.ErrorCode(err) != pregonero.ENOTFOUND:
		return "", fmt.Errorf("draft feed item: %w", err)
	}
	d, err := s.itemDraft(ctx, f, it)
	if err != nil {
		return "", err
	}
	rec = &pregonero.Idempotency{Key: key, PostID: pregonero.NewID("p", now), CreatedAt: now,
		ExpiresAt: now.AddDate(maxFeedItemsAge, 0, 0)}
	p, err := s.create(ctx, d, rec.PostID, rec)
	if pregonero.ErrorCode(err) == pregonero.ECONFLICT {
		// Another poll of the same feed drafted it meanwhile.
		if rec, err2 := s.store.Idempotency(ctx, key); err2 == nil {
			seen.PostID = rec.PostID
			return rec.PostID, fs.AddFeedItems(ctx, seen)
		}
	}
	if err != nil {
		return "", err
	}
	seen.PostID = p.ID
	if err := fs.AddFeedItems(ctx, seen); err != nil {
		return "", fmt.Errorf("draft feed item: %w", err)
	}
	return p.ID, nil
}

// itemDraft writes the post of an item: the title, the summary where
// the network has room for it, and the link; the item's image, fetched
// into the media library, attached.
func (s *Service) itemDraft(ctx context.Context, f *pregonero.Feed, it feed.Item) (*Draft, error) {
	d := &Draft{Link: it.Link, Targets: f.Targets, Campaign: f.Campaign, Author: f.Author, Unit: f.Unit,
		Draft: !f.AutoPublish}
	if f.AutoPublish {
		d.ScheduledAt = QueueTime
	}
	if it.Image != "" && s.fetch != nil {
		m, err := s.fetch(ctx, it.Image, it.Title)
		if err != nil {
			// The news goes out without its picture rather than not at
			// all; the log says why.
			s.logger.WarnContext(ctx, "feed item image not fetched", pregonero.LogFeed, f.ID, pregonero.LogURL, it.Image, pregonero.LogErr, err)
		} else {
			d.Media = []pregonero.PostMedia{{ID: m.ID, AltText: m.AltText}}
		}
	}
	full := itemText(it.Title, it.Summary)
	d.Text = full
	for _, id := range f.Targets {
		a, err := s.store.Account(ctx, id)
		if err != nil {
			continue // the checks of the post report it on its field
		}
		text := s.fitText(a, it, d)
		if text != full {
			if d.Overrides == nil {
				d.Overrides = map[string]pregonero.Override{}
			}
			d.Overrides[id] = pregonero.Override{Text: &text}
		}
	}
	return d, nil
}

// itemText is the text of an item's post without its link: the title,
// and the summary after a blank line unless it only repeats the title.
func itemText(title, summary string) string {
	if summary == "" || strings.HasPrefix(summary, title) && len(summary) <= len(title)+3 {
		return title
	}
	if title == "" {
		return summary
	}
	return title + "\n\n" + summary
}

// fitText returns the longest text of the item that the account's
// network takes: the whole summary, or as many of its words as fit
// followed by "…", or the title alone.
func (s *Service) fitText(a *pregonero.Account, it feed.Item, d *Draft) string {
	ad := s.adapters[a.Network]
	full := itemText(it.Title, it.Summary)
	if ad == nil {
		return full
	}
	fits := func(text string) bool {
		for _, e := range ad.Validate(pregonero.Content{Text: text, Link: d.Link}, a) {
			if e.Field == "text" && e.Code == pregonero.FieldTooLong {
				return false
			}
		}
		return true
	}
	if fits(full) {
		return full
	}
	words := strings.Fields(it.Summary)
	// The longest prefix that fits, found by halving: Validate is offline
	// but X's weighted count is not free.
	lo, hi := 0, len(words)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(itemText(it.Title, strings.Join(words[:mid], " ")+"…")) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo > 0 {
		return itemText(it.Title, strings.Join(words[:lo], " ")+"…")
	}
	return it.Title
}
