package posting_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/clock"
	"pregonero/feed"
	"pregonero/posting"
	"pregonero/store"
)

// fakeFetcher serves a feed document from memory, honouring the ETag
// the way a web server does.
type fakeFetcher struct {
	mu    sync.Mutex
	doc   []byte
	etag  string
	err   error
	calls []string // the If-None-Match of each call
}

func (f *fakeFetcher) set(doc string, etag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.doc, f.etag, f.err = []byte(doc), etag, nil
}

func (f *fakeFetcher) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *fakeFetcher) Fetch(ctx context.Context, url, etag, lastModified string) (*feed.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, etag)
	if f.err != nil {
		return nil, f.err
	}
	if etag != "" && etag == f.etag {
		return &feed.Result{NotModified: true, ETag: etag}, nil
	}
	doc, err := feed.Parse(f.doc, url)
	if err != nil {
		return nil, err
	}
	return &feed.Result{Feed: doc, ETag: f.etag}, nil
}

type feedFixture struct {
	clock   *clock.Fake
	path    string
	db      *store.DB
	svc     *posting.Service
	fetcher *fakeFetcher
	fetched []string // image URLs downloaded
	mu      sync.Mutex
}

func newFeedFixture(t *testing.T) *feedFixture {
	t.Helper()
	f := &feedFixture{clock: clock.NewFake(t0), path: filepath.Join(t.TempDir(), "db"), fetcher: &fakeFetcher{}}
	f.open(t)
	ctx := context.Background()
	for _, a := range []*pregonero.Account{
		{ID: "x-gob", Network: pregonero.NetworkX, Status: pregonero.AccountActive, Unit: "Comunicaciones"},
		{ID: "x-salud", Network: pregonero.NetworkX, Status: pregonero.AccountActive, Unit: "Salud"},
	} {
		if err := f.db.PutAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// open opens the store and a service on it, as a start of the server
// does.
func (f *feedFixture) open(t *testing.T) {
	t.Helper()
	db, err := store.Open(f.path, store.WithNow(f.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	x := &adapter{network: pregonero.NetworkX, validate: func(c pregonero.Content, a *pregonero.Account) []pregonero.FieldError {
		text := c.Text
		if c.Link != "" {
			text += "\n\n" + strings.Repeat("l", 23) // X counts a link as 23
		}
		if n := len([]rune(text)); n > 280 {
			return []pregonero.FieldError{{Target: a.ID, Field: "text", Code: pregonero.FieldTooLong, Limit: 280, Actual: n, Message: "too long for X"}}
		}
		return nil
	}}
	fetch := func(ctx context.Context, url, alt string) (*pregonero.Media, error) {
		f.mu.Lock()
		f.fetched = append(f.fetched, url)
		f.mu.Unlock()
		m := &pregonero.Media{ID: "m_" + fmt.Sprint(len(f.fetched)), MIME: "image/jpeg", Size: 10, AltText: alt, CreatedAt: f.clock.Now()}
		return m, db.PutMedia(ctx, m)
	}
	f.svc, err = posting.New(posting.Config{Store: db, Sender: &sender{}, Now: f.clock.Now,
		Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: x}, Fetch: fetch,
		Feeds: posting.FeedConfig{Fetcher: f.fetcher, Every: 10 * time.Minute, FirstItems: 10}})
	if err != nil {
		t.Fatal(err)
	}
}

// restart closes the store and opens it again with a new service.
func (f *feedFixture) restart(t *testing.T) {
	t.Helper()
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	f.open(t)
}

func (f *feedFixture) addFeed(t *testing.T, ctx context.Context, req posting.FeedRequest) *pregonero.Feed {
	t.Helper()
	fd, err := f.svc.CreateFeed(ctx, &req)
	if err != nil {
		t.Fatalf("CreateFeed = %v", err)
	}
	return fd
}

func (f *feedFixture) poll(t *testing.T, id string) *posting.FeedPoll {
	t.Helper()
	r, err := f.svc.PollFeed(context.Background(), id)
	if err != nil {
		t.Fatalf("PollFeed = %v", err)
	}
	return r
}

func (f *feedFixture) posts(t *testing.T) []*pregonero.Post {
	t.Helper()
	page, err := f.db.Posts(context.Background(), pregonero.PostFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return page.Posts
}

func rssDoc(items ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Noticias</title>` +
		`<link>https://antioquia.gov.co/</link>` + strings.Join(items, "") + `</channel></rss>`
}

func rssItem(guid, title, date string) string {
	return fmt.Sprintf(`<item><guid>%s</guid><title>%s</title><link>/noticias/%s</link>`+
		`<description>Resumen de %s.</description><pubDate>%s</pubDate></item>`, guid, title, guid, title, date)
}

func fixtureDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../feed/testdata/antioquia.xml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCreateFeedChecksEveryField(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	_, err := f.svc.CreateFeed(ctx, &posting.FeedRequest{Name: "", URL: "ftp://antioquia.gov.co/rss",
		Targets: []string{"x-nadie"}, Every: "5s", Campaign: "c_nada"})
	var e *pregonero.Error
	if !errors.As(err, &e) || e.Code != pregonero.EINVALID {
		t.Fatalf("CreateFeed = %v, want invalid", err)
	}
	var fields []string
	for _, fe := range e.Fields {
		fields = append(fields, fe.Field)
	}
	slices.Sort(fields)
	if want := []string{"campaign", "every", "name", "targets", "url"}; !slices.Equal(fields, want) {
		t.Errorf("fields at fault = %v, want %v", fields, want)
	}

	fd := f.addFeed(t, ctx, posting.FeedRequest{Name: " Noticias ", URL: "https://antioquia.gov.co/rss", Targets: []string{"x-gob"}, Every: "15m"})
	if fd.Name != "Noticias" || fd.Unit != "Comunicaciones" || fd.Every != 15*time.Minute || !strings.HasPrefix(fd.ID, "f_") {
		t.Errorf("feed = %+v, want trimmed name, the account's unit and 15m", fd)
	}

	t.Run("a new URL forgets the validators of the old one", func(t *testing.T) {
		if _, err := f.db.UpdateFeed(ctx, fd.ID, func(x *pregonero.Feed) error { x.ETag = `"1"`; return nil }); err != nil {
			t.Fatal(err)
		}
		u := "https://antioquia.gov.co/otro.rss"
		got, err := f.svc.UpdateFeed(ctx, fd.ID, &posting.FeedPatch{URL: &u})
		if err != nil {
			t.Fatal(err)
		}
		if got.URL != u || got.ETag != "" || got.Name != "Noticias" {
			t.Errorf("updated = %+v, want the new URL, no ETag, the name kept", got)
		}
	})

	t.Run("an editor manages only the feeds of their dependencias' accounts", func(t *testing.T) {
		ed := pregonero.NewContextWithUser(ctx, &pregonero.User{ID: "u_1", Username: "eva", Role: pregonero.RoleEditor, Units: []string{"Salud"}})
		if _, err := f.svc.CreateFeed(ed, &posting.FeedRequest{Name: "N", URL: "https://a.gov.co/rss", Targets: []string{"x-gob"}}); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
			t.Errorf("editor of Salud adding a feed for x-gob = %v, want forbidden", err)
		}
		mine := f.addFeed(t, ed, posting.FeedRequest{Name: "Salud", URL: "https://salud.gov.co/rss", Targets: []string{"x-salud"}})
		if mine.Author != "eva" {
			t.Errorf("author = %q, want eva", mine.Author)
		}
		if err := f.svc.DeleteFeed(ed, fd.ID); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
			t.Errorf("editor deleting another dependencia's feed = %v, want forbidden", err)
		}
		if _, err := f.svc.PollFeed(ed, fd.ID); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
			t.Errorf("editor polling another dependencia's feed = %v, want forbidden", err)
		}
		viewer := pregonero.NewContextWithUser(ctx, &pregonero.User{ID: "u_2", Username: "val", Role: pregonero.RoleViewer})
		if _, err := f.svc.CreateFeed(viewer, &posting.FeedRequest{Name: "N", URL: "https://a.gov.co/rss", Targets: []string{"x-gob"}}); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
			t.Errorf("viewer adding a feed = %v, want forbidden", err)
		}
		if list, err := f.svc.Feeds(viewer); err != nil || len(list) != 2 {
			t.Errorf("viewer's Feeds = %d feeds, %v; want 2", len(list), err)
		}
		if err := f.svc.DeleteFeed(ed, mine.ID); err != nil {
			t.Errorf("editor deleting their feed = %v", err)
		}
	})
}

func TestPollFeedDraftsEachItemOnce(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	f.fetcher.set(fixtureDoc(t), `"v1"`)
	fd := f.addFeed(t, ctx, posting.FeedRequest{Name: "Gobernación", URL: "https://antioquia.gov.co/rss", Targets: []string{"x-gob", "x-salud"}})

	r := f.poll(t, fd.ID)
	if r.Drafted != 4 || r.Items != 4 || r.Error != "" {
		t.Fatalf("first poll = %+v, want 4 drafts", r)
	}
	posts := f.posts(t)
	if len(posts) != 4 {
		t.Fatalf("%d posts, want 4", len(posts))
	}
	byLink := map[string]*pregonero.Post{}
	for _, p := range posts {
		if p.Status != pregonero.PostDraft || len(p.Deliveries) != 0 {
			t.Errorf("post %s is %s with %d deliveries, want a draft", p.ID, p.Status, len(p.Deliveries))
		}
		if !slices.Equal(p.Targets, []string{"x-gob", "x-salud"}) || p.Unit != "Comunicaciones" {
			t.Errorf("post %s targets %v unit %q", p.ID, p.Targets, p.Unit)
		}
		byLink[p.Link] = p
	}
	vias := byLink["https://antioquia.gov.co/index.php/noticias/12345-gobernador-entrego-vias-terciarias"]
	if vias == nil {
		t.Fatalf("no post links the news of the roads; links: %v", byLink)
	}
	if want := "Gobernador entregó vías terciarias en el Nordeste & Bajo Cauca\n\nCon una inversión de $48.000 millones se pavimentaron 32 kilómetros de vías en Anorí, Amalfi y Segovia."; vias.Text != want {
		t.Errorf("text = %q, want %q", vias.Text, want)
	}
	if len(vias.Media) != 1 || vias.Media[0].AltText != "Gobernador entregó vías terciarias en el Nordeste & Bajo Cauca" {
		t.Errorf("media = %+v, want the item's image with the title as alt text", vias.Media)
	}
	f.mu.Lock()
	if len(f.fetched) != 4 || !slices.Contains(f.fetched, "https://antioquia.gov.co/images/2026/12/vias-nordeste.jpg") {
		t.Errorf("images fetched = %v", f.fetched)
	}
	f.mu.Unlock()
	got, err := f.svc.Feed(ctx, fd.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Drafted != 4 || got.ETag != `"v1"` || !got.LastOKAt.Equal(t0) || got.Failing() {
		t.Errorf("feed after poll = %+v", got)
	}

	t.Run("an unchanged feed answers 304 and drafts nothing", func(t *testing.T) {
		r := f.poll(t, fd.ID)
		if !r.NotModified || r.Drafted != 0 {
			t.Errorf("poll = %+v, want not modified", r)
		}
		f.fetcher.mu.Lock()
		last := f.fetcher.calls[len(f.fetcher.calls)-1]
		f.fetcher.mu.Unlock()
		if last != `"v1"` {
			t.Errorf("If-None-Match sent = %q, want %q", last, `"v1"`)
		}
	})

	parent := t // the reopened store outlives the subtest
	t.Run("items edited, reordered or seen after a restart are not drafted again", func(t *testing.T) {
		doc := fixtureDoc(t)
		doc = strings.Replace(doc, "Jornada de vacunación en los 125 municipios", "Jornada de vacunación: nuevos horarios", 1)
		// Reorder: the last item first.
		i := strings.LastIndex(doc, "<item>")
		j := strings.LastIndex(doc, "</item>") + len("</item>")
		first := strings.Index(doc, "<item>")
		doc = doc[:first] + doc[i:j] + doc[first:i] + doc[j:]
		f.fetcher.set(doc, `"v2"`)
		f.restart(parent)
		r := f.poll(t, fd.ID)
		if r.Drafted != 0 || r.Items != 4 {
			t.Errorf("poll = %+v, want nothing drafted", r)
		}
		if n := len(f.posts(t)); n != 4 {
			t.Errorf("%d posts, want 4", n)
		}
	})

	t.Run("a new item becomes one draft", func(t *testing.T) {
		f.clock.Advance(time.Minute)
		f.fetcher.set(strings.Replace(fixtureDoc(t), "<item>", rssItem("n-9", "Nueva noticia", "Tue, 08 Dec 2026 10:00:00 -0500")+"<item>", 1), `"v3"`)
		r := f.poll(t, fd.ID)
		if r.Drafted != 1 {
			t.Errorf("poll = %+v, want 1 draft", r)
		}
		items, err := f.svc.FeedItems(ctx, fd.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 5 || items[0].Title != "Nueva noticia" || items[0].PostID != r.PostIDs[0] {
			t.Errorf("items = %d, newest %+v; want 5, the new one first", len(items), items[0])
		}
	})
}

func TestPollFeedAfterACrashBetweenThePostAndItsItem(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	f.fetcher.set(rssDoc(rssItem("n-1", "Uno", "Mon, 07 Dec 2026 08:00:00 -0500")), `"v1"`)
	fd := f.addFeed(t, ctx, posting.FeedRequest{Name: "N", URL: "https://antioquia.gov.co/rss", Targets: []string{"x-gob"}})
	// What a process that died right after committing the post leaves:
	// the post and the record of its key, without the item's record.
	p := &pregonero.Post{ID: pregonero.NewID("p", t0), Text: "Uno", Targets: []string{"x-gob"}, CreatedAt: t0, UpdatedAt: t0, Status: pregonero.PostDraft}
	rec := pregonero.Idempotency{Key: pregonero.FeedItemKey(fd.ID, "n-1"), PostID: p.ID, CreatedAt: t0, ExpiresAt: t0.AddDate(100, 0, 0)}
	if err := f.db.CreateIdempotentPost(ctx, p, rec); err != nil {
		t.Fatal(err)
	}
	f.restart(t)
	r := f.poll(t, fd.ID)
	if len(r.PostIDs) != 1 || r.PostIDs[0] != p.ID {
		t.Errorf("poll = %+v, want the post made before the crash", r)
	}
	if n := len(f.posts(t)); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
	got, err := f.svc.Feed(ctx, fd.ID)
	if err != nil || got.Drafted != 1 {
		t.Errorf("drafted = %d, %v; want 1", got.Drafted, err)
	}
}

func TestPollFeedFirstPollDraftsOnlyTheNewest(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	var items []string
	for i := 1; i <= 12; i++ {
		items = append(items, rssItem(fmt.Sprintf("n-%02d", i), fmt.Sprintf("Noticia %d", i), t0.Add(time.Duration(i)*time.Hour).Format(time.RFC1123Z)))
	}
	f.fetcher.set(rssDoc(items...), "")
	fd := f.addFeed(t, ctx, posting.FeedRequest{Name: "N", URL: "https://antioquia.gov.co/rss", Targets: []string{"x-gob"}})
	r := f.poll(t, fd.ID)
	if r.Drafted != 10 || r.Skipped != 2 {
		t.Fatalf("poll = %+v, want 10 drafted and 2 skipped", r)
	}
	for _, p := range f.posts(t) {
		if strings.HasPrefix(p.Text, "Noticia 1\n") || strings.HasPrefix(p.Text, "Noticia 2\n") {
			t.Errorf("an old item was drafted: %q", p.Text)
		}
	}
	if r := f.poll(t, fd.ID); r.Drafted != 0 {
		t.Errorf("second poll drafted %d, want 0", r.Drafted)
	}
}

func TestPollFeedFitsTheTextToTheNetwork(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	long := strings.Repeat("La Gobernación invierte en vías. ", 20)
	f.fetcher.set(rssDoc(`<item><guid>n-1</guid><title>Obras</title><link>https://antioquia.gov.co/n/1</link><description>`+long+`</description></item>`), "")
	fd := f.addFeed(t, ctx, posting.FeedRequest{Name: "N", URL: "https://antioquia.gov.co/rss", Targets: []string{"x-gob"}})
	if r := f.poll(t, fd.ID); r.Drafted != 1 {
		t.Fatalf("poll = %+v", r)
	}
	p := f.posts(t)[0]
	o, ok := p.Overrides["x-gob"]
	if !ok || o.Text == nil {
		t.Fatalf("no text of its own for x-gob: %+v", p.Overrides)
	}
	text := *o.Text
	if !strings.HasPrefix(text, "Obras\n\nLa Gobernación") || !strings.HasSuffix(text, "…") || len([]rune(text))+2+23 > 280 {
		t.Errorf("X text = %q (%d characters), want the summary cut to fit 280 with the link", text, len([]rune(text)))
	}
	if p.Link != "https://antioquia.gov.co/n/1" {
		t.Errorf("link = %q", p.Link)
	}
}

func TestPollFeedFailingForADay(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	fd := f.addFeed(t, ctx, posting.FeedRequest{Name: "Salud", URL: "https://salud.gov.co/rss", Targets: []string{"x-salud"}})
	f.fetcher.fail(errors.New("the server of https://salud.gov.co/rss answered 503 Service Unavailable"))
	for range 7 {
		r := f.poll(t, fd.ID)
		if !strings.Contains(r.Error, "503") {
			t.Errorf("poll = %+v, want the error", r)
		}
		f.clock.Advance(5 * time.Hour)
	}
	got, err := f.svc.Feed(ctx, fd.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Failing() || !got.FailingSince.Equal(t0) || !strings.Contains(got.LastError, "503") {
		t.Errorf("feed = %+v, want failing since %s", got, t0)
	}
	events, err := f.db.EventsAfter(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var failing []*pregonero.Event
	for _, e := range events {
		if e.Kind == pregonero.EventFeedFailing {
			failing = append(failing, e)
		}
	}
	if len(failing) != 1 || failing[0].Feed != fd.ID || failing[0].Unit != "Salud" || !failing[0].At.Equal(t0.Add(25*time.Hour)) {
		t.Errorf("feed_failing events = %+v, want one for %s at %s", failing, fd.ID, t0.Add(25*time.Hour))
	}

	f.fetcher.set(rssDoc(), "")
	f.poll(t, fd.ID)
	if got, _ := f.svc.Feed(ctx, fd.ID); got.Failing() || got.LastError != "" {
		t.Errorf("feed after a good poll = %+v, want not failing", got)
	}
}

func TestPollFeedsPollsOnlyDueFeeds(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	f.fetcher.set(rssDoc(rssItem("n-1", "Uno", "")), "")
	a := f.addFeed(t, ctx, posting.FeedRequest{Name: "A", URL: "https://a.gov.co/rss", Targets: []string{"x-gob"}})
	b := f.addFeed(t, ctx, posting.FeedRequest{Name: "B", URL: "https://b.gov.co/rss", Targets: []string{"x-gob"}, Every: "1h"})
	both := []string{a.ID, b.ID}
	slices.Sort(both)
	polled := func() []string {
		rs, err := f.svc.PollFeeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rs {
			ids = append(ids, r.FeedID)
		}
		slices.Sort(ids)
		return ids
	}
	if got := polled(); !slices.Equal(got, both) {
		t.Errorf("first run polled %v, want both", got)
	}
	f.clock.Advance(10 * time.Minute)
	if got := polled(); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("after 10 minutes polled %v, want %s only", got, a.ID)
	}
	f.clock.Advance(50 * time.Minute)
	if got := polled(); !slices.Equal(got, both) {
		t.Errorf("after an hour polled %v, want both", got)
	}
}

func TestPollFeedAutoPublishQueuesEachItem(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	if _, err := f.svc.SetSlots(ctx, "x-gob", []pregonero.Slot{{Days: pregonero.Weekdays, Time: "12:30"}}); err != nil {
		t.Fatal(err)
	}
	f.fetcher.set(rssDoc(rssItem("n-1", "Uno", "Mon, 07 Dec 2026 08:00:00 -0500"), rssItem("n-2", "Dos", "Mon, 07 Dec 2026 09:00:00 -0500")), "")
	fd := f.addFeed(t, ctx, posting.FeedRequest{Name: "N", URL: "https://antioquia.gov.co/rss", Targets: []string{"x-gob"}, AutoPublish: true})
	r := f.poll(t, fd.ID)
	if r.Drafted != 2 || r.Error != "" {
		t.Fatalf("poll = %+v, want 2 posts queued", r)
	}
	bogota, _ := time.LoadLocation("America/Bogota")
	want := map[string]time.Time{ // t0 is 08:00 in Bogotá: today's 12:30, then tomorrow's
		"Uno": time.Date(2026, 12, 7, 12, 30, 0, 0, bogota),
		"Dos": time.Date(2026, 12, 8, 12, 30, 0, 0, bogota),
	}
	for _, p := range f.posts(t) {
		title, _, _ := strings.Cut(p.Text, "\n")
		if p.Status != pregonero.PostScheduled || !p.ScheduledAt.Equal(want[title]) {
			t.Errorf("%s: %s at %s, want scheduled at %s", title, p.Status, p.ScheduledAt.In(bogota), want[title])
		}
	}
}
