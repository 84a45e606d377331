package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/graph"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// answer is what the test server replies to every request.
type answer struct {
	status  int
	headers map[string]string
	body    string
}

// graphError renders a Graph error object.
func graphError(code, subcode int, transient bool, msg string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": msg, "type": "OAuthException", "code": code, "error_subcode": subcode,
		"is_transient": transient, "fbtrace_id": "Abc123",
	}})
	return string(b)
}

func buc(id string, callCount, regainMinutes int) map[string]string {
	return map[string]string{
		"X-Business-Use-Case-Usage": fmt.Sprintf(`{%q:[{"type":"pages","call_count":%d,"total_cputime":5,"total_time":7,"estimated_time_to_regain_access":%d}]}`, id, callCount, regainMinutes),
	}
}

// serve starts a server answering a and returns a session bound to it.
func serve(t *testing.T, a answer) *fb.Session {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range a.headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		fmt.Fprint(w, a.body)
	}))
	t.Cleanup(srv.Close)
	return session(t, srv.URL, graph.Creds{AccessToken: "page-token"})
}

func session(t *testing.T, endpoint string, cr graph.Creds) *fb.Session {
	t.Helper()
	s, err := graph.Config{}.Session(context.Background(), endpoint, cr)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	return s
}

func TestClassifyGraphErrors(t *testing.T) {
	tests := []struct {
		name      string
		network   string
		op        graph.Op
		answer    answer
		class     pregonero.ErrorClass
		code      string
		notBefore time.Duration // from now; 0 means none
	}{
		{"token expired", "Facebook", graph.OpCreate, answer{400, nil, graphError(190, 463, false, "Error validating access token: Session has expired")},
			pregonero.ClassNeedsReauth, "facebook_token_invalid", 0},
		{"app not installed", "Facebook", graph.OpRead, answer{400, nil, graphError(190, 458, false, "Error validating access token: The user has not authorized application")},
			pregonero.ClassNeedsReauth, "facebook_token_invalid", 0},
		{"checkpoint", "Facebook", graph.OpCreate, answer{400, nil, graphError(190, 459, false, "checkpoint")}, pregonero.ClassNeedsReauth, "facebook_token_invalid", 0},
		{"password changed", "Facebook", graph.OpCreate, answer{400, nil, graphError(190, 460, false, "password")}, pregonero.ClassNeedsReauth, "facebook_token_invalid", 0},
		{"unconfirmed user", "Facebook", graph.OpCreate, answer{400, nil, graphError(190, 464, false, "unconfirmed")}, pregonero.ClassNeedsReauth, "facebook_token_invalid", 0},
		{"token invalid", "Instagram", graph.OpCreate, answer{400, nil, graphError(190, 467, false, "Invalid OAuth access token")}, pregonero.ClassNeedsReauth, "instagram_token_invalid", 0},
		{"session", "Facebook", graph.OpRead, answer{400, nil, graphError(102, 0, false, "Session key invalid")}, pregonero.ClassNeedsReauth, "facebook_token_invalid", 0},
		{"bad appsecret_proof", "Facebook", graph.OpCreate, answer{400, nil, graphError(100, 0, false, "Invalid appsecret_proof provided in the API argument")}, pregonero.ClassNeedsReauth, "facebook_app_secret", 0},
		{"permission 10", "Facebook", graph.OpCreate, answer{403, nil, graphError(10, 0, false, "(#10) Application does not have permission for this action")}, pregonero.ClassPermanent, "facebook_permission", 0},
		{"permission 200", "Facebook", graph.OpCreate, answer{403, nil, graphError(200, 0, false, "(#200) Requires pages_manage_posts permission to manage the object")}, pregonero.ClassPermanent, "facebook_permission", 0},
		{"permission 299", "Instagram", graph.OpCreate, answer{403, nil, graphError(299, 0, false, "permission")}, pregonero.ClassPermanent, "instagram_permission", 0},
		{"app rate limit with BUC regain", "Facebook", graph.OpCreate, answer{400, buc("123", 100, 7), graphError(4, 0, true, "(#4) Application request limit reached")}, pregonero.ClassRateLimited, "facebook_rate_limited", 7 * time.Minute},
		{"user rate limit without headers", "Facebook", graph.OpCreate, answer{400, nil, graphError(17, 0, false, "(#17) User request limit reached")}, pregonero.ClassRateLimited, "facebook_rate_limited", 15 * time.Minute},
		{"page rate limit", "Facebook", graph.OpRead, answer{400, buc("123", 100, 30), graphError(32, 0, false, "(#32) Page request limit reached")}, pregonero.ClassRateLimited, "facebook_rate_limited", 30 * time.Minute},
		{"calls per hour", "Facebook", graph.OpCreate, answer{400, buc("123", 100, 0), graphError(613, 0, false, "Calls to this api have exceeded the rate limit.")}, pregonero.ClassRateLimited, "facebook_rate_limited", 15 * time.Minute},
		{"pages BUC throttle", "Facebook", graph.OpCreate, answer{400, buc("123", 100, 3), graphError(80001, 0, false, "There have been too many calls to this Page account.")}, pregonero.ClassRateLimited, "facebook_rate_limited", 3 * time.Minute},
		{"instagram publish limit", "Instagram", graph.OpCreate, answer{400, nil, graphError(9, 2207042, false, "Application request limit reached")}, pregonero.ClassRateLimited, "instagram_publish_limit", time.Hour},
		{"spam restriction", "Instagram", graph.OpCreate, answer{400, nil, graphError(4, 2207051, false, "Action is blocked")}, pregonero.ClassAccountBlocked, "instagram_action_restricted", 0},
		{"policy block", "Facebook", graph.OpCreate, answer{400, nil, graphError(368, 0, false, "The action attempted has been deemed abusive or is otherwise disallowed")}, pregonero.ClassAccountBlocked, "facebook_policy_block", 0},
		{"duplicate", "Facebook", graph.OpCreate, answer{400, nil, graphError(506, 0, false, "Duplicate status message")}, pregonero.ClassDuplicate, "facebook_duplicate", 0},
		{"unknown error on read", "Facebook", graph.OpRead, answer{500, nil, graphError(1, 0, false, "An unknown error occurred")}, pregonero.ClassRetryable, "facebook_transient", 0},
		{"service error on create", "Facebook", graph.OpCreate, answer{500, nil, graphError(2, 0, true, "Service temporarily unavailable")}, pregonero.ClassUnknown, "facebook_unknown_outcome", 0},
		{"service error on prepare", "Facebook", graph.OpPrepare, answer{500, nil, graphError(2, 0, true, "Service temporarily unavailable")}, pregonero.ClassRetryable, "facebook_transient", 0},
		{"is_transient on create", "Facebook", graph.OpCreate, answer{400, nil, graphError(100, 0, true, "Please retry")}, pregonero.ClassUnknown, "facebook_unknown_outcome", 0},
		{"ig server error on prepare", "Instagram", graph.OpPrepare, answer{500, nil, graphError(-1, 2207001, false, "Server error")}, pregonero.ClassRetryable, "instagram_transient", 0},
		{"ig download timeout on create", "Instagram", graph.OpCreate, answer{400, nil, graphError(-2, 2207003, false, "Timeout")}, pregonero.ClassUnknown, "instagram_unknown_outcome", 0},
		{"ig not ready", "Instagram", graph.OpCreate, answer{400, nil, graphError(9007, 2207027, false, "Media ID is not available")}, pregonero.ClassRetryable, "instagram_not_ready", 0},
		{"ig container expired", "Instagram", graph.OpCreate, answer{400, nil, graphError(-2, 2207020, false, "The media has expired")}, pregonero.ClassRetryable, "instagram_media_failed", 0},
		{"invalid parameter", "Facebook", graph.OpCreate, answer{400, nil, graphError(100, 0, false, "(#100) Invalid parameter")}, pregonero.ClassPermanent, "facebook_invalid", 0},
		{"link scrape", "Facebook", graph.OpCreate, answer{400, nil, graphError(1609005, 0, false, "Error Posting Link")}, pregonero.ClassPermanent, "facebook_invalid", 0},
		{"bad media", "Facebook", graph.OpPrepare, answer{400, nil, graphError(324, 0, false, "Requires upload file")}, pregonero.ClassPermanent, "facebook_invalid", 0},
		{"ig image too large", "Instagram", graph.OpCreate, answer{400, nil, graphError(36000, 2207004, false, "Image is too large")}, pregonero.ClassPermanent, "instagram_invalid", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t, tt.answer)
			res, err := s.Get("/123/feed", nil)
			if err == nil {
				t.Fatal("Get succeeded; want the Graph error")
			}
			pe := graph.Classify(tt.network, tt.op, err, res, now)
			if pe == nil {
				t.Fatal("Classify returned nil")
			}
			if got, want := pe.Class, tt.class; got != want {
				t.Errorf("class = %q, want %q (%v)", got, want, pe)
			}
			if got, want := pe.Code, tt.code; got != want {
				t.Errorf("code = %q, want %q", got, want)
			}
			var wantNB time.Time
			if tt.notBefore > 0 {
				wantNB = now.Add(tt.notBefore)
			}
			if got := pe.NotBefore; !got.Equal(wantNB) {
				t.Errorf("NotBefore = %v, want %v", got, wantNB)
			}
			var body struct {
				Error struct{ Message string }
			}
			if err := json.Unmarshal([]byte(tt.answer.body), &body); err != nil {
				t.Fatal(err)
			}
			if got, want := pe.NetworkMessage, body.Error.Message; got != want {
				t.Errorf("NetworkMessage = %q, want %q", got, want)
			}
			if pe.Message == "" {
				t.Error("Message is empty")
			}
			if strings.Contains(pe.Error(), "page-token") {
				t.Errorf("error %q shows the access token", pe.Error())
			}
			if !errors.Is(pe, err) {
				t.Error("the PublishError does not wrap the Graph error")
			}
		})
	}
}

func TestClassifyNamesPermission(t *testing.T) {
	s := serve(t, answer{403, nil, graphError(200, 0, false, "(#200) Requires publish_video permission")})
	res, err := s.Post("/123/videos", nil)
	pe := graph.Classify("Facebook", graph.OpCreate, err, res, now)
	if !strings.Contains(pe.Message, "publish_video") {
		t.Errorf("message %q does not name publish_video", pe.Message)
	}
}

func TestClassifyTokenSubcodes(t *testing.T) {
	want := map[int]string{463: "expired", 460: "password", 458: "installed", 459: "checkpoint", 464: "confirmed", 467: "invalid"}
	for sub, word := range want {
		s := serve(t, answer{400, nil, graphError(190, sub, false, "Error validating access token")})
		res, err := s.Get("/me", nil)
		pe := graph.Classify("Facebook", graph.OpRead, err, res, now)
		if !strings.Contains(pe.Message, word) {
			t.Errorf("subcode %d: message %q does not say %q", sub, pe.Message, word)
		}
	}
}

func TestClassifyMinimumRegain(t *testing.T) {
	// An estimate below a minute still waits a minute; the BUC header is
	// the one that says 0 here, so the fallback applies.
	s := serve(t, answer{400, map[string]string{
		"X-Business-Use-Case-Usage": `{"1":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":0}],"2":[{"type":"pages","call_count":20,"estimated_time_to_regain_access":2}]}`,
	}, graphError(32, 0, false, "Page request limit reached")})
	res, err := s.Get("/1/feed", nil)
	pe := graph.Classify("Facebook", graph.OpCreate, err, res, now)
	if got, want := pe.NotBefore, now.Add(2*time.Minute); !got.Equal(want) {
		t.Errorf("NotBefore = %v, want %v (largest estimate over BUC entries)", got, want)
	}
}

func TestClassifyTransport(t *testing.T) {
	t.Run("connection refused is retryable even for a create", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		s := session(t, url, graph.Creds{AccessToken: "secret-token"})
		res, err := s.Post("/1/feed", fb.Params{"message": "hi"})
		if err == nil {
			t.Fatal("Post to a closed server succeeded")
		}
		pe := graph.Classify("Facebook", graph.OpCreate, err, res, now)
		if got, want := pe.Class, pregonero.ClassRetryable; got != want {
			t.Errorf("class = %q, want %q (%v)", got, want, err)
		}
	})

	hangUp := func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	notJSON := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html>502 Bad Gateway</html>")
	}
	for _, tt := range []struct {
		name    string
		handler http.HandlerFunc
		timeout time.Duration
	}{
		{"lost connection", hangUp, 0},
		{"non-JSON body", notJSON, 0},
		{"deadline", func(w http.ResponseWriter, r *http.Request) {
			// Reading the body lets the server notice the client leaving.
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, 50 * time.Millisecond},
	} {
		for _, op := range []struct {
			op    graph.Op
			class pregonero.ErrorClass
			code  string
		}{
			{graph.OpRead, pregonero.ClassRetryable, "facebook_transient"},
			{graph.OpPrepare, pregonero.ClassRetryable, "facebook_transient"},
			{graph.OpCreate, pregonero.ClassUnknown, "facebook_unknown_outcome"},
		} {
			t.Run(fmt.Sprintf("%s op %d", tt.name, op.op), func(t *testing.T) {
				srv := httptest.NewServer(tt.handler)
				defer srv.Close()
				ctx := context.Background()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				s, err := graph.Config{}.Session(ctx, srv.URL, graph.Creds{AccessToken: "secret-token"})
				if err != nil {
					t.Fatal(err)
				}
				res, err := s.Post("/1/feed", fb.Params{"message": "hi"})
				if err == nil {
					t.Fatal("Post succeeded")
				}
				pe := graph.Classify("Facebook", op.op, err, res, now)
				if got, want := pe.Class, op.class; got != want {
					t.Errorf("class = %q, want %q (%v)", got, want, err)
				}
				if got, want := pe.Code, op.code; got != want {
					t.Errorf("code = %q, want %q", got, want)
				}
				if strings.Contains(pe.Error(), "secret-token") || strings.Contains(pe.Message, "secret-token") {
					t.Errorf("error %q shows the access token", pe.Error())
				}
			})
		}
	}
}

func TestClassifyKeepsPublishError(t *testing.T) {
	in := &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "facebook_invalid"}
	if got := graph.Classify("Facebook", graph.OpCreate, fmt.Errorf("publish: %w", in), nil, now); got != in {
		t.Errorf("Classify = %v, want the PublishError in the chain", got)
	}
	if got := graph.Classify("Facebook", graph.OpCreate, nil, nil, now); got != nil {
		t.Errorf("Classify(nil) = %v, want nil", got)
	}
}

func TestUsageOf(t *testing.T) {
	s := serve(t, answer{200, map[string]string{
		"X-App-Usage":               `{"call_count":12,"total_cputime":4,"total_time":3}`,
		"X-Page-Usage":              `{"call_count":40,"total_cputime":41,"total_time":42}`,
		"X-Business-Use-Case-Usage": `{"1":[{"type":"pages","call_count":90,"total_cputime":95,"total_time":10,"estimated_time_to_regain_access":5}],"2":[{"type":"instagram","call_count":1,"estimated_time_to_regain_access":9}]}`,
	}, `{"id":"1"}`})
	res, err := s.Get("/1", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := graph.UsageOf(res)
	want := graph.Usage{AppCallCount: 12, AppCPU: 4, AppTime: 3, PageCallCount: 40, PageCPU: 41, PageTime: 42, BUCMax: 95, RegainAfter: 9 * time.Minute}
	if got != want {
		t.Errorf("UsageOf = %+v, want %+v", got, want)
	}
	if got, want := got.Max(), 95; got != want {
		t.Errorf("Max = %d, want %d", got, want)
	}
	if got := graph.UsageOf(nil); got != (graph.Usage{}) {
		t.Errorf("UsageOf(nil) = %+v, want zero", got)
	}
}

func TestThrottleWait(t *testing.T) {
	for _, tt := range []struct {
		regain, want time.Duration
	}{
		{0, graph.DefaultRegain},
		{-time.Minute, graph.DefaultRegain},
		{time.Second, graph.MinRegain},
		{graph.MinRegain, graph.MinRegain},
		{9 * time.Minute, 9 * time.Minute},
		{2 * time.Hour, 2 * time.Hour},
	} {
		if got := (graph.Usage{RegainAfter: tt.regain}).ThrottleWait(); got != tt.want {
			t.Errorf("ThrottleWait with RegainAfter %v = %v, want %v", tt.regain, got, tt.want)
		}
	}
}

func TestStr(t *testing.T) {
	var res fb.Result
	if err := json.Unmarshal([]byte(`{"id":"17","ok":true,"obj":{"id":42},"list":[1],"none":null,"paging":{"next":"https://h/next"}}`), &res); err != nil {
		t.Fatal(err)
	}
	res["num"] = json.Number("12")
	for field, want := range map[string]string{
		"id":          "17",
		"num":         "12",
		"obj.id":      "",
		"paging.next": "https://h/next",
		"ok":          "",
		"obj":         "",
		"list":        "",
		"none":        "",
		"missing":     "",
	} {
		if got := graph.Str(res, field); got != want {
			t.Errorf("Str(%q) = %q, want %q", field, got, want)
		}
	}
	if got := graph.Str(nil, "id"); got != "" {
		t.Errorf("Str(nil) = %q, want empty", got)
	}
}

func TestStrOfAnswer(t *testing.T) {
	// huandu/facebook decodes numbers as json.Number: an id sent as a
	// number reads as its digits.
	s := serve(t, answer{200, nil, `{"id":1790000000000001,"owner":{"id":"5"}}`})
	res, err := s.Get("/1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := graph.Str(res, "id"), "1790000000000001"; got != want {
		t.Errorf("Str(id) = %q, want %q", got, want)
	}
	if got, want := graph.Str(res, "owner.id"), "5"; got != want {
		t.Errorf("Str(owner.id) = %q, want %q", got, want)
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2026-11-27T23:50:00+0000":       time.Date(2026, 11, 27, 23, 50, 0, 0, time.UTC),
		"2026-11-27T18:50:00-0500":       time.Date(2026, 11, 27, 23, 50, 0, 0, time.UTC),
		"2026-11-27T23:50:00Z":           time.Date(2026, 11, 27, 23, 50, 0, 0, time.UTC),
		"2026-11-27T23:50:00.25+01:00":   time.Date(2026, 11, 27, 22, 50, 0, 250e6, time.UTC),
		"2026-11-27T23:50:00.123456789Z": time.Date(2026, 11, 27, 23, 50, 0, 123456789, time.UTC),
	} {
		got, ok := graph.ParseTime(in)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v in UTC", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "2026-11-27", "27/11/2026 23:50", "2026-11-27T23:50:00"} {
		if got, ok := graph.ParseTime(in); ok {
			t.Errorf("ParseTime(%q) = %v, want it refused", in, got)
		}
	}
}

func TestAsError(t *testing.T) {
	s := serve(t, answer{400, nil, `{"error":{"message":"m","type":"OAuthException","code":190,"error_subcode":463,"error_user_title":"t","error_user_msg":"u","is_transient":true,"fbtrace_id":"X"}}`})
	_, err := s.Get("/me", nil)
	ge, ok := graph.AsError(fmt.Errorf("wrapped: %w", err))
	if !ok {
		t.Fatalf("AsError(%v) found nothing", err)
	}
	want := graph.Error{Code: 190, Subcode: 463, Type: "OAuthException", Message: "m", UserTitle: "t", UserMessage: "u", TraceID: "X", Transient: true}
	if *ge != want {
		t.Errorf("AsError = %+v, want %+v", *ge, want)
	}
	if _, ok := graph.AsError(errors.New("plain")); ok {
		t.Error("AsError found a Graph error in a plain error")
	}
}

func TestDeleteSendsRealDelete(t *testing.T) {
	type seen struct{ method, path, token, proof, override, format string }
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if err := r.ParseForm(); err == nil && r.Form.Get("method") != "" {
			q.Set("method", r.Form.Get("method"))
		}
		got <- seen{r.Method, r.URL.Path, q.Get("access_token"), q.Get("appsecret_proof"), q.Get("method"), q.Get("format")}
		w.Header().Set("X-App-Usage", `{"call_count":50}`)
		fmt.Fprint(w, `{"success":true}`)
	}))
	defer srv.Close()
	cr := graph.Creds{AccessToken: "page-token", AppID: "app", AppSecret: "shh"}
	s := session(t, srv.URL, cr)
	res, err := graph.Delete(s, "/123_456")
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if got, want := res.Get("success"), any(true); got != want {
		t.Errorf("success = %v, want %v", got, want)
	}
	if got, want := graph.UsageOf(res).AppCallCount, 50; got != want {
		t.Errorf("usage call_count = %d, want %d", got, want)
	}
	want := seen{http.MethodDelete, "/" + graph.DefaultVersion + "/123_456", "page-token", graph.AppsecretProof("shh", "page-token"), "", "json"}
	if g := <-got; g != want {
		t.Errorf("server saw %+v, want %+v", g, want)
	}
	if got, want := cr.Proof(), graph.AppsecretProof("shh", "page-token"); got != want {
		t.Errorf("Proof = %q, want %q", got, want)
	}
}

func TestDeleteWithoutSecretSendsNoProof(t *testing.T) {
	var proof, method string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proof, method = r.URL.Query().Get("appsecret_proof"), r.Method
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, graphError(100, 33, false, "Unsupported delete request."))
	}))
	defer srv.Close()
	res, err := graph.Delete(session(t, srv.URL, graph.Creds{AccessToken: "tok"}), "1_2")
	if method != http.MethodDelete || proof != "" {
		t.Errorf("server saw method %q proof %q, want DELETE without proof", method, proof)
	}
	pe := graph.Classify("Facebook", graph.OpRead, err, res, now)
	if got, want := pe.Class, pregonero.ClassPermanent; got != want {
		t.Errorf("class = %q, want %q", got, want)
	}
}

func TestSessionSendsProof(t *testing.T) {
	var q, form string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q = r.URL.Path + "?" + r.URL.RawQuery
		r.ParseForm()
		form = r.PostForm.Get("appsecret_proof")
		fmt.Fprint(w, `{"id":"1"}`)
	}))
	defer srv.Close()
	s := session(t, srv.URL+"/", graph.Creds{AccessToken: "tok", AppSecret: "sec"})
	if _, err := s.Get("/me", fb.Params{"fields": "id"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(q, "/v25.0/me?") || !strings.Contains(q, "appsecret_proof="+graph.AppsecretProof("sec", "tok")) {
		t.Errorf("GET %q lacks the version path or the proof", q)
	}
	if _, err := s.Post("/1/feed", fb.Params{"message": "x"}); err != nil {
		t.Fatal(err)
	}
	if got, want := form, graph.AppsecretProof("sec", "tok"); got != want {
		t.Errorf("POST proof = %q, want %q", got, want)
	}
}

func TestCredsOf(t *testing.T) {
	a := &pregonero.Account{ID: "fb-page", Credentials: map[string]string{"app_id": "1", "app_secret": "s"}}
	_, err := graph.CredsOf(a)
	if err == nil || !strings.Contains(err.Error(), "access_token") {
		t.Errorf("CredsOf without token: err = %v, want one naming access_token", err)
	}
	a.Credentials["access_token"] = "t"
	cr, err := graph.CredsOf(a)
	if err != nil {
		t.Fatal(err)
	}
	if want := (graph.Creds{AccessToken: "t", AppID: "1", AppSecret: "s"}); cr != want {
		t.Errorf("CredsOf = %+v, want %+v", cr, want)
	}
	if _, err := (graph.Config{}).Session(context.Background(), "://bad", cr); err == nil {
		t.Error("Session accepted an invalid endpoint")
	}
	s, err := graph.Config{Version: "v27.0"}.Session(context.Background(), "", cr)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.BaseURL, graph.FacebookEndpoint+"/"; got != want {
		t.Errorf("BaseURL = %q, want %q", got, want)
	}
	if got, want := s.Version, "v27.0"; got != want {
		t.Errorf("Version = %q, want %q", got, want)
	}
}

// A dial error through a custom dialer is recognized even when wrapped.
func TestClassifyDNSFailure(t *testing.T) {
	err := fmt.Errorf("facebook: cannot reach facebook server; %w", &net.DNSError{Err: "no such host", Name: "graph.invalid", IsNotFound: true})
	pe := graph.Classify("Instagram", graph.OpCreate, err, nil, now)
	if got, want := pe.Class, pregonero.ClassRetryable; got != want {
		t.Errorf("class = %q, want %q", got, want)
	}
}

func TestClassifyInKeepsHTTPStatus(t *testing.T) {
	s := serve(t, answer{503, nil, graphError(2, 0, true, "Service temporarily unavailable")})
	res, err := s.Post("/1/feed", fb.Params{"message": "x"})
	if got, want := graph.HTTPStatus(s), 503; got != want {
		t.Errorf("HTTPStatus = %d, want %d", got, want)
	}
	pe := graph.ClassifyIn(s, "Facebook", graph.OpCreate, err, res, now)
	if got, want := pe.HTTPStatus, 503; got != want {
		t.Errorf("PublishError.HTTPStatus = %d, want %d", got, want)
	}
	if got, want := pe.Class, pregonero.ClassUnknown; got != want {
		t.Errorf("class = %q, want %q", got, want)
	}
}

func TestDeleteTransportErrorHidesToken(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s := session(t, url, graph.Creds{AccessToken: "secret-token", AppSecret: "shh"})
	res, err := graph.Delete(s, "/1_2")
	if err == nil {
		t.Fatal("Delete on a closed server succeeded")
	}
	if strings.Contains(err.Error(), "secret-token") {
		t.Errorf("error %q shows the access token", err)
	}
	pe := graph.ClassifyIn(s, "Facebook", graph.OpPrepare, err, res, now)
	if got, want := pe.Class, pregonero.ClassRetryable; got != want {
		t.Errorf("class = %q, want %q", got, want)
	}
	if strings.Contains(pe.Error(), "secret-token") {
		t.Errorf("PublishError %q shows the access token", pe.Error())
	}
}
