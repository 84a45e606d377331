package x_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/x"
	"pregonero/adapters/x/fake"
)

func TestReconcileFindsPostsXRewrote(t *testing.T) {
	e := newEnv(t, envOption{})
	acct := e.oauth2("rewrite")
	tests := []struct {
		name  string
		c     pregonero.Content
		media bool
	}{
		{name: "EscapedEntitiesAndLinks", c: pregonero.Content{Text: "Tom & Jerry <3 > todo: https://example.com/a?b=1&c=2, más info"}},
		{name: "AppendedLink", c: pregonero.Content{Text: "Convocatoria abierta", Link: "https://www.antioquia.gov.co/convocatorias?id=7&x=1"}},
		{name: "MediaLinkAppended", c: pregonero.Content{Text: "Foto del día & más"}, media: true},
		{name: "DecomposedAccents", c: pregonero.Content{Text: "Informacio\u0301n para el pu\u0301blico"}},
		{name: "BalancedParenthesesAndSchemelessLinks", c: pregonero.Content{Text: "Más sobre https://es.wikipedia.org/wiki/Medellín_(Colombia) y antioquia.gov.co/historia hoy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			if tt.media {
				c.Media = []pregonero.MediaBlob{adaptertest.ImageBlob(t, "image/png", 10, 10, "")}
			}
			since := e.clock.Now()
			if _, err := e.fake.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpCreate, Mode: fakenet.ModeDropAfterAccept, Count: 1}); err != nil {
				t.Fatal(err)
			}
			// A delivery without checkpoints: only the text can match.
			_, err := e.adapter.Publish(ctxT(t), delivery(acct), c, acct)
			adaptertest.WantClass(t, err, pregonero.ClassUnknown)
			posts := e.posts("rewrite")
			last := posts[len(posts)-1]
			if last.Text != x.ComposeText(c) {
				t.Fatalf("got text %q in the fake, want %q", last.Text, x.ComposeText(c))
			}
			e.clock.Advance(time.Second)
			r, found, err := e.adapter.Reconcile(ctxT(t), delivery(acct), c, acct, since)
			if err != nil {
				t.Fatalf("Reconcile: %v", err)
			}
			if !found || r.RemoteID != last.RemoteID {
				t.Fatalf("got found %v, id %q, want %s", found, r.RemoteID, last.RemoteID)
			}
			if !r.PublishedAt.Equal(last.CreatedAt.Truncate(time.Millisecond)) {
				t.Errorf("got PublishedAt %s, want %s", r.PublishedAt, last.CreatedAt)
			}
			other := c
			other.Text += " (otra)"
			if _, found, err := e.adapter.Reconcile(ctxT(t), delivery(acct), other, acct, since); err != nil || found {
				t.Errorf("got found %v (err %v) for a different text, want not found", found, err)
			}
		})
	}
}

func TestReconcileMatchesMediaOnlyPostsByUploadedMedia(t *testing.T) {
	e := newEnv(t, envOption{})
	acct := e.oauth1("mediaonly")
	var cp adaptertest.Checkpoints
	c := pregonero.Content{Media: []pregonero.MediaBlob{adaptertest.ImageBlob(t, "image/jpeg", 12, 12, "Sin texto")}, Checkpoint: cp.Func}
	since := e.clock.Now()
	// Another post without text, from outside this delivery.
	if _, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Media: []pregonero.MediaBlob{adaptertest.ImageBlob(t, "image/png", 9, 9, "")}}, acct); err != nil {
		t.Fatalf("Publish other: %v", err)
	}
	if _, err := e.fake.Faults().Add(fakenet.Rule{Network: fake.Network, Op: fake.OpCreate, Mode: fakenet.ModeDropAfterAccept, Count: 1}); err != nil {
		t.Fatal(err)
	}
	d := delivery(acct)
	_, err := e.adapter.Publish(ctxT(t), d, c, acct)
	adaptertest.WantClass(t, err, pregonero.ClassUnknown)
	d.Checkpoint = cp.Map()
	posts := e.posts("mediaonly")
	r, found, err := e.adapter.Reconcile(ctxT(t), d, c, acct, since)
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	if want := posts[len(posts)-1].RemoteID; !found || r.RemoteID != want {
		t.Errorf("got found %v, id %q, want %s", found, r.RemoteID, want)
	}

	t.Run("TwoBarePostsWithoutMediaIDsAreAmbiguous", func(t *testing.T) {
		_, _, err := e.adapter.Reconcile(ctxT(t), delivery(acct), c, acct, since)
		pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
		if pe.Code != "x_reconcile_ambiguous" {
			t.Errorf("got code %q, want x_reconcile_ambiguous", pe.Code)
		}
	})
}

func TestReconcileWindowAndPages(t *testing.T) {
	e := newEnv(t, envOption{fake: fake.Options{Limits: fake.Limits{CreatePost: 500}}})
	// A bearer token that never expires: OAuth 1.0a timestamps would fall
	// out of the fake's window once its clock runs ahead.
	acct := e.oauth1("busy")
	acct.Credentials = map[string]string{x.CredAccessToken: fake.AccessToken("busy")}
	target := pregonero.Content{Text: "El primero de muchos"}
	since := e.clock.Now()
	r0, err := e.adapter.Publish(ctxT(t), delivery(acct), target, acct)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	for i := range 120 {
		e.clock.Advance(time.Second)
		if _, err := e.adapter.Publish(ctxT(t), delivery(acct), pregonero.Content{Text: fmt.Sprintf("Relleno %d", i)}, acct); err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
	}

	t.Run("FoundOnSecondPage", func(t *testing.T) {
		r, found, err := e.adapter.Reconcile(ctxT(t), delivery(acct), target, acct, since)
		if err != nil || !found || r.RemoteID != r0.RemoteID {
			t.Fatalf("got %+v found %v err %v, want %s", r, found, err, r0.RemoteID)
		}
	})
	t.Run("PageCapReachedIsNotProofOfAbsence", func(t *testing.T) {
		a := x.New(x.Config{Now: e.clock.Now, ReconcilePages: 1, Logger: discard})
		_, _, err := a.Reconcile(ctxT(t), delivery(acct), target, acct, since)
		pe := adaptertest.WantClass(t, err, pregonero.ClassRetryable)
		if pe.Code != "x_reconcile_incomplete" {
			t.Errorf("got code %q, want x_reconcile_incomplete", pe.Code)
		}
	})
	t.Run("OlderPostsAreOutsideTheWindow", func(t *testing.T) {
		e.clock.Advance(10 * time.Minute)
		_, found, err := e.adapter.Reconcile(ctxT(t), delivery(acct), target, acct, e.clock.Now().Add(-time.Minute))
		if err != nil || found {
			t.Errorf("got found %v (err %v) for a post 12 minutes older than the attempt, want not found", found, err)
		}
	})
}

func TestReconcileQuery(t *testing.T) {
	var got url.Values
	var path string
	a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) {
		path, got = r.URL.Path, r.URL.Query()
		io.WriteString(w, `{"meta":{"result_count":0}}`)
	})
	since := time.Date(2026, 3, 1, 10, 0, 30, 500, time.FixedZone("COT", -5*3600))
	_, found, err := a.Reconcile(ctxT(t), delivery(acct), pregonero.Content{Text: "x"}, acct, since)
	if err != nil || found {
		t.Fatalf("got found %v err %v, want not found", found, err)
	}
	if path != "/2/users/42/tweets" {
		t.Errorf("got path %q, want /2/users/42/tweets", path)
	}
	want := url.Values{"start_time": {"2026-03-01T14:58:30Z"}, "max_results": {"100"}, "tweet.fields": {"created_at,text,attachments,entities"}}
	if got.Encode() != want.Encode() {
		t.Errorf("got query %s, want %s", got.Encode(), want.Encode())
	}
}

func TestReconcileFailures(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		class  pregonero.ErrorClass
		code   string
	}{
		{"UnauthorizedNeedsReauth", 401, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`, pregonero.ClassNeedsReauth, "x_unauthorized"},
		{"RateLimitedIsRetryable", 429, `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`, pregonero.ClassRetryable, "x_rate_limited"},
		{"UsageCappedIsRetryable", 429, `{"title":"UsageCapExceeded","detail":"Usage cap exceeded","type":"https://api.x.com/2/problems/usage-capped"}`, pregonero.ClassRetryable, "x_usage_capped"},
		{"ServerErrorIsRetryable", 500, `{"title":"Internal Server Error","type":"about:blank","status":500,"detail":"Internal Server Error"}`, pregonero.ClassRetryable, "x_server_error"},
		{"BadRequestIsRetryable", 400, `{"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`, pregonero.ClassRetryable, "x_lookup_failed"},
		{"MalformedIsRetryable", 200, `{"data":[{"text":"sin id"}]}`, pregonero.ClassRetryable, "x_malformed_response"},
		{"UnknownUserIsRetryable", 200, `{"errors":[{"value":"42","detail":"Could not find user with id: [42].","title":"Not Found Error","resource_type":"user","parameter":"id","resource_id":"42","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`, pregonero.ClassRetryable, "x_timeline_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, acct := stub(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, found, err := a.Reconcile(ctxT(t), delivery(acct), pregonero.Content{Text: "x"}, acct, time.Now())
			pe := adaptertest.WantClass(t, err, tt.class)
			if pe.Code != tt.code {
				t.Errorf("got code %q, want %q", pe.Code, tt.code)
			}
			if found {
				t.Error("got found with an error, want not found")
			}
		})
	}
}

func TestNormalizeText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Plain", "  Hola   mundo \n", "Hola mundo"},
		{"EntitiesUnescaped", "Tom &amp; Jerry &lt;3 &gt;", "Tom & Jerry <3 >"},
		{"DoubleEscapeUnescapedOnce", "&amp;lt;", "&lt;"},
		{"SchemeURLRemoved", "Ver https://example.com/a?b=1&c=2 ya", "Ver ya"},
		{"TcoRemoved", "Ver https://t.co/AbCdEf1234 ya https://t.co/ZZZZZZZZZZ", "Ver ya"},
		{"SchemelessURLRemoved", "Visite antioquia.gov.co/tramites hoy", "Visite hoy"},
		{"NFC", "Informacio\u0301n", "Informaci\u00f3n"},
		{"NumbersKept", "Son 3.5 millones, p.ej. hoy", "Son 3.5 millones, p.ej. hoy"},
		{"OnlyLinks", "https://a.co http://b.co/x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := x.NormalizeText(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzNormalizeText(f *testing.F) {
	for _, s := range []string{"Tom &amp; Jerry https://t.co/x", "a.b.co/é  x", "\u0065\u0301 &lt;", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := x.NormalizeText(s)
		if got != strings.TrimSpace(got) || strings.Contains(got, "  ") {
			t.Errorf("NormalizeText(%q) = %q, want trimmed with single spaces", s, got)
		}
		if strings.Contains(got, "https://t.co/") {
			t.Errorf("NormalizeText(%q) = %q kept a t.co link", s, got)
		}
	})
}

func TestReconcileTellsApartPostsThatDifferOnlyByALink(t *testing.T) {
	e := newEnv(t, envOption{})
	acct := e.oauth2("boletin")
	since := e.clock.Now()
	sent := pregonero.Content{Text: "Boletín diario de la Gobernación: https://antioquia.gov.co/boletin/123"}
	if _, err := e.adapter.Publish(ctxT(t), delivery(acct), sent, acct); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	other := pregonero.Content{Text: "Boletín diario de la Gobernación: https://antioquia.gov.co/boletin/124"}
	_, found, err := e.adapter.Reconcile(ctxT(t), delivery(acct), other, acct, since)
	if found {
		t.Fatal("a post with another link was taken for this one")
	}
	// Nor is absence concluded: same words with another link is for a
	// person to check.
	adaptertest.WantClass(t, err, pregonero.ClassRetryable)
	same := pregonero.Content{Text: "Boletín diario de la Gobernación: HTTPS://Antioquia.gov.co/boletin/123/"}
	if _, found, err := e.adapter.Reconcile(ctxT(t), delivery(acct), same, acct, since); err != nil || !found {
		t.Fatalf("the same link written differently was not matched: found %v, err %v", found, err)
	}
}

func TestReconcileSharesOneReadAcrossDeliveriesOfAnAccount(t *testing.T) {
	var timelineReads atomic.Int64
	e := newEnv(t, envOption{wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/2/users/") && strings.HasSuffix(r.URL.Path, "/tweets") {
				timelineReads.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	}})
	acct := e.oauth2("compartida")
	since := e.clock.Now()
	var ds []*pregonero.Delivery
	var cs []pregonero.Content
	for i := 0; i < 3; i++ {
		c := pregonero.Content{Text: fmt.Sprintf("Aviso %d de la Gobernación", i)}
		d := delivery(acct)
		d.Attempts = []pregonero.Attempt{{N: 1, StartedAt: e.clock.Now(), FinishedAt: e.clock.Now(), Outcome: pregonero.OutcomeUnknown}}
		if i < 2 {
			if _, err := e.adapter.Publish(ctxT(t), d, c, acct); err != nil {
				t.Fatal(err)
			}
		}
		ds, cs = append(ds, d), append(cs, c)
	}
	e.clock.Advance(6 * time.Second)
	reads := timelineReads.Load()
	for i, want := range []bool{true, true, false} {
		if _, found, err := e.adapter.Reconcile(ctxT(t), ds[i], cs[i], acct, since); err != nil || found != want {
			t.Fatalf("delivery %d: found %v err %v, want %v", i, found, err, want)
		}
	}
	if got := timelineReads.Load() - reads; got != 1 {
		t.Errorf("timeline read %d times for three deliveries, want 1", got)
	}
	// A delivery whose attempt came after the read gets a fresh read.
	late := delivery(acct)
	late.Attempts = []pregonero.Attempt{{N: 1, StartedAt: e.clock.Now(), FinishedAt: e.clock.Now(), Outcome: pregonero.OutcomeUnknown}}
	c := pregonero.Content{Text: "Aviso tardío"}
	if _, err := e.adapter.Publish(ctxT(t), late, c, acct); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(6 * time.Second)
	if _, found, err := e.adapter.Reconcile(ctxT(t), late, c, acct, since); err != nil || !found {
		t.Fatalf("late delivery: found %v err %v, want found from a fresh read", found, err)
	}
}
