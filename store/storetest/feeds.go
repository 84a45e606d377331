package storetest

import (
	"reflect"
	"testing"
	"time"

	"pregonero"
)

// TestFeedStore runs the conformance suite of pregonero.FeedStore and
// pregonero.CalendarStore against the stores open returns, each of which
// must be both.
func TestFeedStore(t *testing.T, open OpenFunc) {
	t.Run("Feeds", func(t *testing.T) { testFeeds(t, open) })
	t.Run("FeedItems", func(t *testing.T) { testFeedItems(t, open) })
	t.Run("CalendarTokens", func(t *testing.T) { testCalendarTokens(t, open) })
}

func (h *harness) feeds() pregonero.FeedStore {
	h.t.Helper()
	fs, ok := h.s.(pregonero.FeedStore)
	if !ok {
		h.t.Fatalf("%T is not a pregonero.FeedStore", h.s)
	}
	return fs
}

func (h *harness) calendars() pregonero.CalendarStore {
	h.t.Helper()
	cs, ok := h.s.(pregonero.CalendarStore)
	if !ok {
		h.t.Fatalf("%T is not a pregonero.CalendarStore", h.s)
	}
	return cs
}

func sampleFeed(id string) *pregonero.Feed {
	return &pregonero.Feed{
		ID: id, Name: "Noticias de la Gobernación", URL: "https://antioquia.gov.co/rss",
		Targets: []string{"x-a", "fb-a"}, Unit: "Comunicaciones", Every: 10 * time.Minute,
		ETag: `"abc"`, LastModified: "Mon, 07 Dec 2026 12:05:31 GMT",
		LastPollAt: base, LastOKAt: base, Author: "ana", CreatedAt: base, UpdatedAt: base,
	}
}

func (h *harness) feed(id string) *pregonero.Feed {
	h.t.Helper()
	f, err := h.feeds().Feed(h.ctx, id)
	if err != nil {
		h.t.Fatalf("Feed(%s) = %v", id, err)
	}
	return f
}

func testFeeds(t *testing.T, open OpenFunc) {
	t.Run("a feed reads back whole, after a reopen too", func(t *testing.T) {
		h := newHarness(t, open)
		f := sampleFeed("f_1")
		if err := h.feeds().CreateFeed(h.ctx, f); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		if got := h.feed("f_1"); !reflect.DeepEqual(got, f) {
			t.Errorf("feed:\ngot  %+v\nwant %+v", got, f)
		}
	})
	t.Run("a taken id is a conflict", func(t *testing.T) {
		h := newHarness(t, open)
		if err := h.feeds().CreateFeed(h.ctx, sampleFeed("f_1")); err != nil {
			t.Fatal(err)
		}
		if err := h.feeds().CreateFeed(h.ctx, sampleFeed("f_1")); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Errorf("second CreateFeed = %v, want conflict", err)
		}
	})
	t.Run("feeds are listed by id", func(t *testing.T) {
		h := newHarness(t, open)
		for _, id := range []string{"f_2", "f_1", "f_3"} {
			if err := h.feeds().CreateFeed(h.ctx, sampleFeed(id)); err != nil {
				t.Fatal(err)
			}
		}
		fs, err := h.feeds().Feeds(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, f := range fs {
			ids = append(ids, f.ID)
		}
		if want := []string{"f_1", "f_2", "f_3"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("ids = %v, want %v", ids, want)
		}
	})
	t.Run("an update is stored and stamped, an error from fn writes nothing", func(t *testing.T) {
		h := newHarness(t, open)
		if err := h.feeds().CreateFeed(h.ctx, sampleFeed("f_1")); err != nil {
			t.Fatal(err)
		}
		h.clock.Set(base.Add(2 * time.Hour))
		got, err := h.feeds().UpdateFeed(h.ctx, "f_1", func(f *pregonero.Feed) error {
			f.Name = "Salud"
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Salud" || !got.UpdatedAt.Equal(base.Add(2*time.Hour)) {
			t.Errorf("updated = %q at %v, want Salud at %v", got.Name, got.UpdatedAt, base.Add(2*time.Hour))
		}
		_, err = h.feeds().UpdateFeed(h.ctx, "f_1", func(f *pregonero.Feed) error {
			f.Name = "otro"
			return pregonero.Errorf(pregonero.EINVALID, "no")
		})
		if pregonero.ErrorCode(err) != pregonero.EINVALID || h.feed("f_1").Name != "Salud" {
			t.Errorf("UpdateFeed with an error = %v, name %q; want invalid and Salud kept", err, h.feed("f_1").Name)
		}
		if _, err := h.feeds().UpdateFeed(h.ctx, "f_9", func(*pregonero.Feed) error { return nil }); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("UpdateFeed of no feed = %v, want not found", err)
		}
	})
	t.Run("the update that tells a day of failures records the event with it, once", func(t *testing.T) {
		h := newHarness(t, open)
		if err := h.feeds().CreateFeed(h.ctx, sampleFeed("f_1")); err != nil {
			t.Fatal(err)
		}
		fail := func(at time.Time) {
			t.Helper()
			if _, err := h.feeds().UpdateFeed(h.ctx, "f_1", func(f *pregonero.Feed) error {
				f.Failed(at, "answered 503")
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []time.Duration{0, 12 * time.Hour, 25 * time.Hour, 30 * time.Hour} {
			fail(base.Add(d))
		}
		es := h.eventsAfter(0)
		if len(es) != 1 {
			t.Fatalf("events = %v, want one feed_failing", kinds(es))
		}
		if e := es[0]; e.Kind != pregonero.EventFeedFailing || e.Feed != "f_1" || e.Unit != "Comunicaciones" ||
			e.Message != "answered 503" || !e.At.Equal(base.Add(25*time.Hour)) {
			t.Errorf("event = %+v", e)
		}
	})
	t.Run("a deleted feed is gone", func(t *testing.T) {
		h := newHarness(t, open)
		if err := h.feeds().CreateFeed(h.ctx, sampleFeed("f_1")); err != nil {
			t.Fatal(err)
		}
		if err := h.feeds().DeleteFeed(h.ctx, "f_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.feeds().Feed(h.ctx, "f_1"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Feed after delete = %v, want not found", err)
		}
		if err := h.feeds().DeleteFeed(h.ctx, "f_1"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("second DeleteFeed = %v, want not found", err)
		}
	})
}

func testFeedItems(t *testing.T, open OpenFunc) {
	t.Run("an item is seen once and counted when drafted", func(t *testing.T) {
		h := newHarness(t, open)
		if err := h.feeds().CreateFeed(h.ctx, sampleFeed("f_1")); err != nil {
			t.Fatal(err)
		}
		if _, err := h.feeds().FeedItem(h.ctx, "f_1", "n-1"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Fatalf("FeedItem before = %v, want not found", err)
		}
		items := []*pregonero.FeedItem{
			{FeedID: "f_1", Key: "n-1", Title: "Uno", PostID: "p_1", SeenAt: base},
			{FeedID: "f_1", Key: "n-2", Title: "Dos", SeenAt: base},
		}
		if err := h.feeds().AddFeedItems(h.ctx, items...); err != nil {
			t.Fatal(err)
		}
		// Seen again (another poll): nothing changes, nothing is counted.
		again := &pregonero.FeedItem{FeedID: "f_1", Key: "n-1", Title: "Uno editado", PostID: "p_9", SeenAt: base.Add(time.Hour)}
		if err := h.feeds().AddFeedItems(h.ctx, again); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		got, err := h.feeds().FeedItem(h.ctx, "f_1", "n-1")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, items[0]) {
			t.Errorf("item:\ngot  %+v\nwant %+v", got, items[0])
		}
		if n := h.feed("f_1").Drafted; n != 1 {
			t.Errorf("drafted = %d, want 1", n)
		}
	})
	t.Run("drafted items are listed newest first, up to the limit", func(t *testing.T) {
		h := newHarness(t, open)
		if err := h.feeds().CreateFeed(h.ctx, sampleFeed("f_1")); err != nil {
			t.Fatal(err)
		}
		var items []*pregonero.FeedItem
		for i, k := range []string{"a", "b", "c", "d"} {
			it := &pregonero.FeedItem{FeedID: "f_1", Key: k, PostID: "p_" + k, SeenAt: base.Add(time.Duration(i) * time.Minute)}
			if k == "c" {
				it.PostID = "" // passed over
			}
			items = append(items, it)
		}
		items = append(items, &pregonero.FeedItem{FeedID: "f_10", Key: "z", PostID: "p_z", SeenAt: base})
		if err := h.feeds().AddFeedItems(h.ctx, items...); err != nil {
			t.Fatal(err)
		}
		got, err := h.feeds().FeedItems(h.ctx, "f_1", 2)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, it := range got {
			keys = append(keys, it.Key)
		}
		if want := []string{"d", "b"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("keys = %v, want %v", keys, want)
		}
	})
	t.Run("deleting a feed forgets its items and the records of their posts", func(t *testing.T) {
		h := newHarness(t, open)
		if err := h.feeds().CreateFeed(h.ctx, sampleFeed("f_1")); err != nil {
			t.Fatal(err)
		}
		p := NewPost(base.Add(time.Hour), "x-a")
		key := pregonero.FeedItemKey("f_1", "n-1")
		rec := pregonero.Idempotency{Key: key, PostID: p.ID, CreatedAt: base, ExpiresAt: base.AddDate(100, 0, 0)}
		if err := h.s.CreateIdempotentPost(h.ctx, p, rec); err != nil {
			t.Fatal(err)
		}
		if err := h.feeds().AddFeedItems(h.ctx, &pregonero.FeedItem{FeedID: "f_1", Key: "n-1", PostID: p.ID, SeenAt: base}); err != nil {
			t.Fatal(err)
		}
		if err := h.feeds().DeleteFeed(h.ctx, "f_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.feeds().FeedItem(h.ctx, "f_1", "n-1"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("FeedItem after delete = %v, want not found", err)
		}
		if _, err := h.s.Idempotency(h.ctx, key); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Idempotency after delete = %v, want not found", err)
		}
		h.post(p.ID) // the post stays
	})
}

func testCalendarTokens(t *testing.T, open OpenFunc) {
	t.Run("a new token replaces the old one", func(t *testing.T) {
		h := newHarness(t, open)
		first := &pregonero.CalendarToken{Hash: "h1", UserID: "u_1", CreatedAt: base}
		if err := h.calendars().PutCalendarToken(h.ctx, first); err != nil {
			t.Fatal(err)
		}
		other := &pregonero.CalendarToken{Hash: "h9", UserID: "u_2", CreatedAt: base}
		if err := h.calendars().PutCalendarToken(h.ctx, other); err != nil {
			t.Fatal(err)
		}
		second := &pregonero.CalendarToken{Hash: "h2", UserID: "u_1", CreatedAt: base.Add(time.Hour)}
		if err := h.calendars().PutCalendarToken(h.ctx, second); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		if _, err := h.calendars().CalendarToken(h.ctx, "h1"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("old token = %v, want not found", err)
		}
		got, err := h.calendars().CalendarToken(h.ctx, "h2")
		if err != nil || !reflect.DeepEqual(got, second) {
			t.Errorf("CalendarToken(h2) = %+v, %v; want %+v", got, err, second)
		}
		got, err = h.calendars().UserCalendarToken(h.ctx, "u_1")
		if err != nil || got.Hash != "h2" {
			t.Errorf("UserCalendarToken(u_1) = %+v, %v; want h2", got, err)
		}
		if got, err := h.calendars().CalendarToken(h.ctx, "h9"); err != nil || got.UserID != "u_2" {
			t.Errorf("another user's token = %+v, %v; want kept", got, err)
		}
	})
	t.Run("a revoked token is gone", func(t *testing.T) {
		h := newHarness(t, open)
		if err := h.calendars().PutCalendarToken(h.ctx, &pregonero.CalendarToken{Hash: "h1", UserID: "u_1", CreatedAt: base}); err != nil {
			t.Fatal(err)
		}
		if err := h.calendars().DeleteCalendarToken(h.ctx, "u_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.calendars().CalendarToken(h.ctx, "h1"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("CalendarToken after revoke = %v, want not found", err)
		}
		if _, err := h.calendars().UserCalendarToken(h.ctx, "u_1"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("UserCalendarToken after revoke = %v, want not found", err)
		}
		if err := h.calendars().DeleteCalendarToken(h.ctx, "u_1"); err != nil {
			t.Errorf("revoking no token = %v, want nil", err)
		}
	})
}
