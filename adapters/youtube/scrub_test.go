package youtube_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"pregonero"
	"pregonero/adapters/adaptertest"
	"pregonero/adapters/youtube"
	"pregonero/adapters/youtube/fake"
)

// echo answers the requests it picks with an error that echoes what was
// sent: the Authorization header and the body of a token request, the
// credentials the test tells it of. It remembers the access tokens it saw;
// the tokens and the credentials must show nowhere.
type echo struct {
	known []string
	// pick reports whether the echo answers the request.
	pick func(r *http.Request) bool
	// answer gives the status and body made from the echo text.
	answer func(echo string) (int, string)

	mu     sync.Mutex
	tokens []string
}

func (e *echo) wrap(f *fake.Fake) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if tok, ok := strings.CutPrefix(auth, "Bearer "); ok {
			e.mu.Lock()
			e.tokens = append(e.tokens, tok)
			e.mu.Unlock()
		}
		if !e.pick(r) {
			f.ServeHTTP(w, r)
			return
		}
		body := ""
		if r.URL.Path == "/token" {
			b, _ := io.ReadAll(r.Body)
			body = string(b)
		}
		status, out := e.answer(fmt.Sprintf("Authorization: %s; body %s; known %s", auth, body, strings.Join(e.known, " ")))
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(status)
		io.WriteString(w, out)
	})
}

// leaks returns the credentials found in any of texts.
func (e *echo) leaks(texts ...string) []string {
	e.mu.Lock()
	secrets := append(append([]string(nil), e.known...), e.tokens...)
	e.mu.Unlock()
	var out []string
	for _, s := range secrets {
		for _, text := range texts {
			if s != "" && strings.Contains(text, s) {
				out = append(out, fmt.Sprintf("%q in %q", s, text))
			}
		}
	}
	return out
}

// googleError is Google's error envelope whose message is the echo.
func googleError(status int, reason, echo string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": status, "message": echo,
		"errors": []map[string]string{{"message": echo, "domain": "youtube.video", "reason": reason}}}})
	return string(b)
}

func TestEchoedCredentialsAreScrubbed(t *testing.T) {
	const channel = "echo"
	path := func(p string) func(r *http.Request) bool {
		return func(r *http.Request) bool { return r.URL.Path == p }
	}
	for _, tc := range []struct {
		name   string
		pick   func(r *http.Request) bool
		answer func(echo string) (int, string)
		// thumbnail sets a thumbnail, whose failure is only logged.
		thumbnail bool
		// configured configures the access token too; otherwise the
		// adapter asks for one first.
		configured bool
		class      pregonero.ErrorClass
	}{
		{name: "TokenRefusedWithDescription", pick: path("/token"), class: pregonero.ClassNeedsReauth,
			answer: func(echo string) (int, string) {
				b, _ := json.Marshal(map[string]string{"error": "invalid_grant", "error_description": "Bad Request: " + echo})
				return 400, string(b)
			}},
		{name: "TokenRefusedWithPlainBody", pick: path("/token"), class: pregonero.ClassNeedsReauth,
			answer: func(echo string) (int, string) { return 400, "refused " + echo }},
		{name: "TokenServerErrorEchoingJSON", pick: path("/token"), class: pregonero.ClassRetryable,
			answer: func(string) (int, string) {
				return 500, fmt.Sprintf(`{"request":{"client_secret":"%s","refresh_token":"%s"}}`, fake.ClientSecret, fake.RefreshToken(channel))
			}},
		{name: "UploadRefused", pick: path("/upload/youtube/v3/videos"), class: pregonero.ClassPermanent, configured: true,
			answer: func(echo string) (int, string) { return 400, googleError(400, "badRequest", echo) }},
		{name: "UploadRefusedWithPlainBody", pick: path("/upload/youtube/v3/videos"), class: pregonero.ClassPermanent,
			answer: func(echo string) (int, string) { return 400, "<html>" + echo + "</html>" }},
		{name: "ThumbnailRefusalLogged", pick: path("/upload/youtube/v3/thumbnails/set"), thumbnail: true, configured: true,
			answer: func(echo string) (int, string) { return 400, googleError(400, "invalidImage", echo) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ec := &echo{known: []string{fake.ClientSecret, fake.RefreshToken(channel)}, pick: tc.pick, answer: tc.answer}
			e := newEnv(t, envOptions{wrap: ec.wrap})
			a := e.account(channel)
			if tc.configured {
				a.Credentials[youtube.CredAccessToken] = fake.AccessToken(channel)
				ec.known = append(ec.known, fake.AccessToken(channel))
			}
			c := content(t, "Echo", 2000, "echo "+tc.name)
			if tc.thumbnail {
				thumb := adaptertest.ImageBlob(t, "image/png", 128, 72, "")
				c.Thumbnail = &thumb
			}
			_, err := e.adapter.Publish(ctx(t), e.delivery(a), c, a)
			var texts []string
			if tc.thumbnail {
				if err != nil {
					t.Fatalf("Publish: %v", err)
				}
				if !strings.Contains(e.logs.String(), "thumbnail not set") {
					t.Fatalf("got logs %q, want the thumbnail failure logged", e.logs.String())
				}
			} else {
				if err == nil {
					t.Fatal("Publish succeeded, want an error")
				}
				pe := pregonero.AsPublishError(err)
				if pe.Class != tc.class {
					t.Errorf("got %s, want class %s", pe.Error(), tc.class)
				}
				if !strings.Contains(pe.NetworkMessage, youtube.Redacted) {
					t.Errorf("got network message %q, want Google's words with the credentials replaced by %s", pe.NetworkMessage, youtube.Redacted)
				}
				texts = append(texts, pe.Message, pe.NetworkMessage, pe.Error())
			}
			texts = append(texts, e.logs.String())
			for _, leak := range ec.leaks(texts...) {
				t.Errorf("a credential shows: %s", leak)
			}
		})
	}
}

// A long plain answer is cut only after the account's secrets are
// scrubbed from it: a secret straddling the cut must not survive in part.
func TestALongAnswerIsScrubbedBeforeItIsCut(t *testing.T) {
	const channel = "echo-long"
	ec := &echo{known: []string{fake.ClientSecret, fake.RefreshToken(channel)},
		pick: func(r *http.Request) bool { return r.URL.Path == "/upload/youtube/v3/videos" }}
	ec.answer = func(echo string) (int, string) {
		// The client secret, named nowhere, starts 3 bytes before the cut.
		pad := max(0, 497-strings.Index(echo, fake.ClientSecret))
		return 400, strings.Repeat("x", pad) + echo
	}
	e := newEnv(t, envOptions{wrap: ec.wrap})
	a := e.account(channel)
	_, err := e.adapter.Publish(ctx(t), e.delivery(a), content(t, "Echo", 2000, "echo long"), a)
	pe := pregonero.AsPublishError(err)
	if pe == nil {
		t.Fatal("Publish succeeded, want an error")
	}
	for _, text := range []string{pe.NetworkMessage, pe.Message} {
		if cut := strings.TrimSuffix(text, "…"); strings.HasSuffix(cut, fake.ClientSecret[:3]) || strings.Contains(text, fake.ClientSecret) {
			t.Errorf("part of the client secret shows at the cut: %q", text[max(0, len(text)-40):])
		}
	}
	for _, leak := range ec.leaks(pe.Message, pe.NetworkMessage, e.logs.String()) {
		t.Errorf("a credential shows: %s", leak)
	}
}
