package fake_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/x/fake"
)

// tamper alters a request after it was signed.
type tamper func(*http.Request)

func (f tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	f(r)
	return http.DefaultTransport.RoundTrip(r)
}

type fixedNoncer string

func (n fixedNoncer) Nonce() string { return string(n) }

func TestOAuth1(t *testing.T) {
	e := newEnv(t, fake.Options{})

	t.Run("dghubble signed JSON post is accepted", func(t *testing.T) {
		c := oauth1Client("alice", nil, nil)
		req, _ := http.NewRequest("POST", e.base+"/2/tweets", strings.NewReader(`{"text":"signed by dghubble"}`))
		req.Header.Set("Content-Type", "application/json")
		res := send(t, c, req)
		if res.status != http.StatusCreated {
			t.Fatalf("status = %d, want 201: %s", res.status, res.body)
		}
		if got := e.fake.Ledger().Filter("x", "alice"); len(got) != 1 || got[0].Text != "signed by dghubble" {
			t.Errorf("ledger = %+v, want alice's post", got)
		}
	})

	t.Run("signed query parameters are accepted", func(t *testing.T) {
		c := oauth1Client("alice", nil, nil)
		req, _ := http.NewRequest("GET", e.base+"/2/users/"+fake.UserID("alice")+"/tweets?max_results=5&tweet.fields=created_at,text&start_time=2020-01-01T00:00:00Z", nil)
		if res := send(t, c, req); res.status != http.StatusOK {
			t.Fatalf("status = %d, want 200: %s", res.status, res.body)
		}
	})

	// A form-encoded body is part of the signature; the endpoint then
	// refuses the body itself, which is how a passing signature shows.
	formReq := func() *http.Request {
		req, _ := http.NewRequest("POST", e.base+"/2/tweets?lang=es", strings.NewReader("text=hola+mundo&a=%C3%B1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
	t.Run("signed form body passes authentication", func(t *testing.T) {
		res := send(t, oauth1Client("alice", nil, nil), formReq())
		if res.status == http.StatusUnauthorized {
			t.Fatalf("status = 401, want the signature accepted: %s", res.body)
		}
	})

	alterations := map[string]tamper{
		"altered form body byte": func(r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			b[5] = 'H'
			r.Body = io.NopCloser(bytes.NewReader(b))
		},
		"altered path": func(r *http.Request) { r.URL.Path = "/2/media/metadata" },
		"altered query parameter": func(r *http.Request) {
			r.URL.RawQuery = "lang=en"
		},
		"added query parameter": func(r *http.Request) { r.URL.RawQuery += "&x=1" },
		"altered token": func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "sandbox-alice", "sandbox-mallory", 1))
		},
	}
	for name, alter := range alterations {
		t.Run(name+" is rejected", func(t *testing.T) {
			assertBody(t, send(t, oauth1Client("alice", alter, nil), formReq()), http.StatusUnauthorized, unauthorizedBody)
		})
	}

	t.Run("wrong consumer secret is rejected", func(t *testing.T) {
		res := e.signedWith(t, fake.ConsumerKey, "not-the-secret", "alice", fake.AccessTokenSecret("alice"))
		assertBody(t, res, http.StatusUnauthorized, unauthorizedBody)
	})
	t.Run("wrong token secret is rejected", func(t *testing.T) {
		res := e.signedWith(t, fake.ConsumerKey, fake.ConsumerSecret, "alice", "sandbox-bob-secret")
		assertBody(t, res, http.StatusUnauthorized, unauthorizedBody)
	})
	t.Run("unknown consumer key is rejected", func(t *testing.T) {
		res := e.signedWith(t, "other-app", fake.ConsumerSecret, "alice", fake.AccessTokenSecret("alice"))
		assertBody(t, res, http.StatusUnauthorized, unauthorizedBody)
	})
	t.Run("token outside the convention is rejected", func(t *testing.T) {
		res := e.signedToken(t, "12345-abcdef", "whatever")
		assertBody(t, res, http.StatusUnauthorized, unauthorizedBody)
	})
	t.Run("missing header is rejected", func(t *testing.T) {
		assertBody(t, e.do(t, "", "GET", "/2/users/me", nil), http.StatusUnauthorized, unauthorizedBody)
	})
	t.Run("reused nonce is rejected", func(t *testing.T) {
		c := oauth1Client("carol", nil, fixedNoncer("same-nonce-every-time"))
		req1, _ := http.NewRequest("GET", e.base+"/2/users/me", nil)
		if res := send(t, c, req1); res.status != http.StatusOK {
			t.Fatalf("first use: status %d, want 200: %s", res.status, res.body)
		}
		req2, _ := http.NewRequest("GET", e.base+"/2/users/me", nil)
		assertBody(t, send(t, c, req2), http.StatusUnauthorized, unauthorizedBody)
	})
	t.Run("timestamp more than 5 minutes off is rejected", func(t *testing.T) {
		e := newEnv(t, fake.Options{})
		e.clock.Advance(6 * time.Minute)
		req, _ := http.NewRequest("GET", e.base+"/2/users/me", nil)
		assertBody(t, send(t, oauth1Client("dave", nil, nil), req), http.StatusUnauthorized, unauthorizedBody)
		e.clock.Advance(-2 * time.Minute)
		req, _ = http.NewRequest("GET", e.base+"/2/users/me", nil)
		if res := send(t, oauth1Client("dave", nil, nil), req); res.status != http.StatusOK {
			t.Errorf("4 minutes off: status %d, want 200: %s", res.status, res.body)
		}
	})
}

// signedWith sends GET /2/users/me signed with the given secrets.
func (e *env) signedWith(t *testing.T, consumerKey, consumerSecret, user, tokenSecret string) response {
	t.Helper()
	c := oauth1ClientRaw(consumerKey, consumerSecret, fake.AccessToken(user), tokenSecret)
	req, _ := http.NewRequest("GET", e.base+"/2/users/me", nil)
	return send(t, c, req)
}

// signedToken sends GET /2/users/me with a correctly signed but
// unconventional access token.
func (e *env) signedToken(t *testing.T, token, secret string) response {
	t.Helper()
	c := oauth1ClientRaw(fake.ConsumerKey, fake.ConsumerSecret, token, secret)
	req, _ := http.NewRequest("GET", e.base+"/2/users/me", nil)
	return send(t, c, req)
}

func TestOAuth1UnderPrefix(t *testing.T) {
	e := newEnv(t, fake.Options{Prefix: "/x"})
	if !strings.HasSuffix(e.base, "/x") {
		t.Fatalf("base = %s, want it to end in /x", e.base)
	}
	t.Run("signature over the full path is accepted", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.base+"/2/users/me", nil)
		res := send(t, oauth1Client("erin", nil, nil), req)
		if res.status != http.StatusOK {
			t.Fatalf("status = %d, want 200: %s", res.status, res.body)
		}
		var me struct {
			Data struct{ ID, Name, Username string } `json:"data"`
		}
		res.decode(t, &me)
		if me.Data.ID != fake.UserID("erin") || me.Data.Username != "erin" {
			t.Errorf("me = %+v, want id %s and username erin", me.Data, fake.UserID("erin"))
		}
	})
	t.Run("signature without the prefix is rejected", func(t *testing.T) {
		u, _ := url.Parse(e.base)
		strip := tamper(func(r *http.Request) { r.URL.Path = "/x" + r.URL.Path })
		req, _ := http.NewRequest("GET", u.Scheme+"://"+u.Host+"/2/users/me", nil)
		assertBody(t, send(t, oauth1Client("erin", strip, nil), req), http.StatusUnauthorized, unauthorizedBody)
	})
}

func TestUserID(t *testing.T) {
	t.Run("stable and numeric", func(t *testing.T) {
		a, b := fake.UserID("gobantioquia"), fake.UserID("gobantioquia")
		if a != b {
			t.Fatalf("UserID not stable: %s vs %s", a, b)
		}
		if len(a) < 16 || strings.Trim(a, "0123456789") != "" {
			t.Errorf("UserID = %q, want a numeric string of 16+ digits", a)
		}
		if fake.UserID("other") == a {
			t.Errorf("two users share id %s", a)
		}
	})
}
