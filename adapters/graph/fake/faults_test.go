package fake_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/fakenet"
	"pregonero/adapters/graph/fake"
)

func addRule(t *testing.T, e *env, r fakenet.Rule) {
	t.Helper()
	if _, err := e.fake.Faults().Add(r); err != nil {
		t.Fatal(err)
	}
}

func TestFaultErrors(t *testing.T) {
	e := newEnv(t, fake.Options{ThrottleMinutes: 7})
	s := e.session(fake.PageToken(page))
	cases := []struct {
		name            string
		status, code    int
		subcode         int
		wantCode        int
		wantSub         int
		transient       bool
		throttled       bool
		messageContains string
	}{
		{"503 without a code is transient code 2", 503, 0, 0, 2, 0, true, false, "unexpected error"},
		{"500 without a code is code 2", 500, 0, 0, 2, 0, true, false, ""},
		{"400 without a code is 100", 400, 0, 0, 100, 0, false, false, "Invalid parameter"},
		{"401 without a code is 190", 401, 0, 0, 190, 0, false, false, "access token"},
		{"403 without a code is 190", 403, 0, 0, 190, 0, false, false, ""},
		{"429 without a code is 4 and throttled", 429, 0, 0, 4, 0, true, true, "Application request limit reached"},
		{"code 190 subcode 463", 400, 190, 463, 190, 463, false, false, "Session has expired"},
		{"code 368 policy block", 400, 368, 0, 368, 0, false, false, "abusive"},
		{"code 17 is throttled", 400, 17, 0, 17, 0, true, true, "User request limit"},
		{"code 32 is throttled", 400, 32, 0, 32, 0, true, true, "Page request limit"},
		{"code 613 is throttled", 400, 613, 0, 613, 0, true, true, "rate limit"},
		{"code 80001 is throttled", 400, 80001, 0, 80001, 0, true, true, "too many calls"},
		{"code 10 permission", 403, 10, 0, 10, 0, false, false, "permission"},
		{"code 1609005 link error", 400, 1609005, 0, 1609005, 0, false, false, "Posting Link"},
		{"code 4 subcode 2207051 spam block is not throttled", 400, 4, 2207051, 4, 2207051, false, false, ""},
		{"unknown code keeps its number", 400, 12345, 0, 12345, 0, false, false, "(#12345)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addRule(t, e, fakenet.Rule{Network: fake.NetworkFacebook, Op: fake.OpCreate, Mode: fakenet.ModeError, Status: tc.status, Code: tc.code, Subcode: tc.subcode, Count: 1})
			res, err := s.Post("/"+page+"/feed", fb.Params{"message": "con falla " + tc.name})
			fe := wantCode(t, err, tc.wantCode, tc.wantSub)
			if fe.IsTransient != tc.transient || !strings.Contains(fe.Message, tc.messageContains) || fe.TraceID == "" {
				t.Errorf("error = %+v, want transient %v and a message containing %q", fe, tc.transient, tc.messageContains)
			}
			buc := res.UsageInfo().BusinessUseCase[page]
			if len(buc) != 1 {
				t.Fatalf("BUC usage = %+v, want one entry for the page", res.UsageInfo().BusinessUseCase)
			}
			if tc.throttled && (buc[0].CallCount != 100 || buc[0].EstimatedTimeToRegainAccess != 7) {
				t.Errorf("BUC usage = %+v, want 100 %% and 7 minutes", buc[0])
			}
			if !tc.throttled && (buc[0].CallCount == 100 || buc[0].EstimatedTimeToRegainAccess != 0) {
				t.Errorf("BUC usage = %+v, want no throttling", buc[0])
			}
			if n := len(e.fake.Ledger().Posts()); n != 0 {
				t.Errorf("ledger has %d posts, want none after an error fault", n)
			}
		})
	}

	t.Run("the rule's HTTP status is sent", func(t *testing.T) {
		addRule(t, e, fakenet.Rule{Network: fake.NetworkFacebook, Op: fake.OpLookup, Mode: fakenet.ModeError, Status: 502, Count: 1})
		if res := e.do(t, "GET", "/v25.0/me", signed(fake.PageToken(page)), nil); res.status != 502 || res.err(t).Code != 2 {
			t.Errorf("status %d body %s", res.status, res.body)
		}
	})
	t.Run("rules match their own network and op only", func(t *testing.T) {
		addRule(t, e, fakenet.Rule{Network: fake.NetworkInstagram, Op: fake.OpLookup, Mode: fakenet.ModeError, Count: 1})
		addRule(t, e, fakenet.Rule{Network: fake.NetworkFacebook, Op: fake.OpUpload, Mode: fakenet.ModeError, Count: 1})
		if _, err := s.Get("/"+page, nil); err != nil {
			t.Errorf("facebook lookup: %v", err)
		}
		if _, err := s.Post("/"+page+"/photos", fb.Params{"source": fb.Data("a.jpg", bytes.NewReader(jpegImage(t, 8, 8)))}); err != nil {
			t.Errorf("published photo matched the upload rule: %v", err)
		}
		_, err := s.Post("/"+page+"/photos", fb.Params{"source": fb.Data("a.jpg", bytes.NewReader(jpegImage(t, 8, 8))), "published": false})
		wantCode(t, err, 2, 0)
		_, err = s.Get("/"+igUser, nil)
		wantCode(t, err, 2, 0)
	})
	t.Run("instagram publish with 9007/2207027", func(t *testing.T) {
		addRule(t, e, fakenet.Rule{Network: fake.NetworkInstagram, Op: fake.OpPublish, Mode: fakenet.ModeError, Status: 400, Code: 9007, Subcode: 2207027, Count: 1})
		_, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": "1"})
		if fe := wantCode(t, err, 9007, 2207027); fe.Type != "IGApiException" || fe.UserTitle == "" {
			t.Errorf("error = %+v", fe)
		}
	})
	t.Run("instagram ops each have a rule", func(t *testing.T) {
		for _, op := range []string{fake.OpContainer, fake.OpStatus, fake.OpLimit, fake.OpDelete, fake.OpFetch} {
			if _, err := e.fake.Faults().Add(fakenet.Rule{Network: fake.NetworkInstagram, Op: op, Mode: fakenet.ModeDelay, DelayMS: 1}); err != nil {
				t.Errorf("op %s: %v", op, err)
			}
		}
		e.fake.Faults().Clear()
	})
}

func TestFaultDropAfterAccept(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))
	addRule(t, e, fakenet.Rule{Network: fake.NetworkFacebook, Op: fake.OpCreate, Mode: fakenet.ModeDropAfterAccept, Count: 1})
	_, err := s.Post("/"+page+"/feed", fb.Params{"message": "¿Salió?"})
	if err == nil || !strings.Contains(err.Error(), "cannot reach facebook server") {
		t.Fatalf("err = %v, want a transport error", err)
	}
	posts := e.fake.Ledger().Filter(fake.NetworkFacebook, page)
	if len(posts) != 1 || posts[0].Text != "¿Salió?" {
		t.Fatalf("ledger = %+v, want the dropped post", posts)
	}
	t.Run("the post is found by reconciliation", func(t *testing.T) {
		res, err := s.Get("/"+page+"/published_posts", fb.Params{"fields": "id,message", "since": e.clock.Now().Add(-2 * time.Minute).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		if res.Get("data.0.id") != posts[0].RemoteID {
			t.Errorf("published_posts = %v", res)
		}
	})
	t.Run("a resend is a duplicate", func(t *testing.T) {
		_, err := s.Post("/"+page+"/feed", fb.Params{"message": "¿Salió?"})
		wantCode(t, err, 506, 0)
	})
	t.Run("instagram publish dropped after accept is published", func(t *testing.T) {
		img := e.media.put("/a.jpg", jpegImage(t, 100, 100))
		id := container(t, s, fb.Params{"image_url": img, "caption": "perdida"})
		e.settle(t, id, 0)
		addRule(t, e, fakenet.Rule{Network: fake.NetworkInstagram, Op: fake.OpPublish, Mode: fakenet.ModeDropAfterAccept, Count: 1})
		if _, err := s.Post("/"+igUser+"/media_publish", fb.Params{"creation_id": id}); err == nil {
			t.Fatal("publish answered, want a transport error")
		}
		if code, _ := status(t, s, id); code != "PUBLISHED" {
			t.Errorf("status = %s, want PUBLISHED", code)
		}
	})
}

func TestFaultDelay(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))
	addRule(t, e, fakenet.Rule{Network: fake.NetworkFacebook, Op: fake.OpLookup, Mode: fakenet.ModeDelay, DelayMS: 60, Count: 1})
	start := time.Now()
	if _, err := s.Get("/me", nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("answered after %v, want at least 60ms", d)
	}
}

func TestFaultFetch(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))
	img := e.media.put("/a.jpg", jpegImage(t, 100, 100))
	for _, tc := range []struct {
		mode    fakenet.Mode
		delay   int
		subcode string
	}{
		{fakenet.ModeError, 0, "(2207003)"},
		{fakenet.ModeDelay, 20, "(2207003)"},
		{fakenet.ModeDropAfterAccept, 0, "(2207052)"},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			addRule(t, e, fakenet.Rule{Network: fake.NetworkInstagram, Op: fake.OpFetch, Mode: tc.mode, DelayMS: tc.delay, Count: 1})
			id := container(t, s, fb.Params{"image_url": img})
			if st := e.settle(t, id, 0); st != "ERROR" {
				t.Fatalf("status = %s, want ERROR", st)
			}
			if _, text := status(t, s, id); !strings.HasSuffix(text, tc.subcode) {
				t.Errorf("status = %q, want it to end in %s", text, tc.subcode)
			}
		})
	}
	t.Run("without a rule the same URL succeeds", func(t *testing.T) {
		id := container(t, s, fb.Params{"image_url": img})
		if st := e.settle(t, id, 0); st != "FINISHED" {
			t.Errorf("status = %s, want FINISHED", st)
		}
	})
	t.Run("a slow media server times out with 2207003", func(t *testing.T) {
		e := newEnv(t, fake.Options{Fetcher: &httpClientWithTimeout})
		s := e.session(fake.PageToken(page))
		slow := e.media.srv.URL + "/slow"
		e.media.slow("/slow", 200*time.Millisecond)
		id := container(t, s, fb.Params{"image_url": slow})
		if st := e.settle(t, id, 0); st != "ERROR" {
			t.Fatalf("status = %s, want ERROR", st)
		}
		if _, text := status(t, s, id); !strings.HasSuffix(text, "(2207003)") {
			t.Errorf("status = %q", text)
		}
	})
}
