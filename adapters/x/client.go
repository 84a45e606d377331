package x

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"pregonero"
)

// callKind decides how a failed call is classified: what a failure means
// depends on whether a post may have come into existence.
type callKind int

const (
	// kindCreate is POST /2/tweets: once a byte of it is written, a failure
	// leaves the outcome unknown.
	kindCreate callKind = iota
	// kindUpload covers the media endpoints and the other calls made before
	// the create request; nothing is posted when they fail.
	kindUpload
	// kindRead covers lookups (reconciliation, the user's profile), whose
	// failures are retryable unless the credentials are refused.
	kindRead
	// kindDelete is DELETE /2/tweets/{id}.
	kindDelete
)

// Rate-limit labels: the endpoint families X meters separately.
const (
	endpointCreate   = "POST /2/tweets"
	endpointDelete   = "DELETE /2/tweets/:id"
	endpointMe       = "GET /2/users/me"
	endpointTimeline = "GET /2/users/:id/tweets"
	endpointInit     = "POST /2/media/upload/initialize"
	endpointAppend   = "POST /2/media/upload/:id/append"
	endpointFinalize = "POST /2/media/upload/:id/finalize"
	endpointStatus   = "GET /2/media/upload"
	endpointMetadata = "POST /2/media/metadata"
)

// maxResponseBody bounds what is read of any answer: X's bodies are small
// and a runaway one must not exhaust memory.
const maxResponseBody = 4 << 20

// call is one request to X. The body is kept in memory so that the request
// can be sent again after an OAuth 2.0 refresh.
type call struct {
	kind     callKind
	endpoint string
	method   string
	path     string
	query    url.Values
	body     []byte
	ctype    string
}

// response is a complete answer from X.
type response struct {
	status int
	header http.Header
	body   []byte
	// scrub knows the credentials the request was sent with; whatever of
	// the body is kept goes through it.
	scrub *scrubber
}

// excerpt returns the start of the body, credentials scrubbed, for
// messages.
func (r *response) excerpt(n int) string {
	return truncate(r.scrub.Text(string(r.body)), n)
}

// jsonCall returns a call whose body is v encoded as JSON.
func jsonCall(kind callKind, endpoint, method, path string, v any) (call, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return call{}, fmt.Errorf("encode request: %w", err)
	}
	return call{kind: kind, endpoint: endpoint, method: method, path: path, body: b, ctype: "application/json"}, nil
}

// do sends c for the account, refreshing an OAuth 2.0 token once when X
// answers 401, and returns the 2xx response or a classified error. The
// error's texts carry none of the account's credentials, whatever X
// echoed.
func (a *Adapter) do(ctx context.Context, acct *pregonero.Account, c call) (*response, error) {
	au, err := a.authorizer(ctx, acct)
	if err != nil {
		return nil, err
	}
	resp, err := a.exchange(ctx, acct, c, au)
	if err != nil {
		return nil, au.scrub().Err(err)
	}
	return resp, nil
}

func (a *Adapter) exchange(ctx context.Context, acct *pregonero.Account, c call, au authorizer) (*response, error) {
	for try := 0; ; try++ {
		client, used, err := au.client(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := a.send(ctx, client, acct, c)
		if err != nil {
			return nil, err
		}
		resp.scrub = au.scrub()
		a.recordRateLimit(acct.ID, c.endpoint, resp.header)
		// A 401 means X did not act on the request, so one retry with a
		// fresh token is safe even for a create.
		if resp.status == http.StatusUnauthorized && try == 0 && au.canRefresh() {
			a.log.Info("x refused the access token; refreshing it", pregonero.LogAccount, acct.ID, pregonero.LogEndpoint, c.endpoint)
			if err := au.refresh(ctx, used); err != nil {
				var pe *pregonero.PublishError
				if errors.As(err, &pe) && pe.NetworkMessage == "" && pe.Class == pregonero.ClassNeedsReauth {
					// Nothing to renew with: X's refusal of the token is
					// what a person needs to read.
					pe.NetworkMessage, pe.HTTPStatus = networkMessage(resp), resp.status
				}
				return nil, err
			}
			continue
		}
		if resp.status < 200 || resp.status > 299 {
			return nil, a.classify(acct, c, resp)
		}
		return resp, nil
	}
}

// send performs one HTTP exchange and classifies transport failures.
func (a *Adapter) send(ctx context.Context, client *http.Client, acct *pregonero.Account, c call) (*response, error) {
	u := strings.TrimRight(endpointOf(acct), "/") + c.path
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	// wrote turns true as soon as the request starts going out: from then
	// on a create may have reached X.
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteHeaderField: func(string, []string) { wrote.Store(true) },
		WroteHeaders:     func() { wrote.Store(true) },
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), c.method, u, bodyReader(c.body))
	if err != nil {
		return nil, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_bad_endpoint",
			Message: fmt.Sprintf("The X endpoint %q of account %s is not a valid URL; fix the account configuration.", endpointOf(acct), acct.ID),
			Err:     fmt.Errorf("build request: %w", err)}
	}
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, a.transportError(acct, c, err, wrote.Load())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		// The status line arrived, so X received the whole request.
		return nil, a.transportError(acct, c, err, true)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

func bodyReader(b []byte) io.Reader {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b)
}

// transportError classifies a failure to exchange a request with X.
func (a *Adapter) transportError(acct *pregonero.Account, c call, err error, wrote bool) error {
	timeout := isTimeout(err)
	host := endpointOf(acct)
	if c.kind == kindCreate && wrote {
		code, what := "x_connection_lost", "the connection to X was lost"
		if timeout {
			code, what = "x_timeout", "X did not answer in time"
		}
		return &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: code,
			Message: fmt.Sprintf("The post was sent but %s; whether it was published is unknown and will be checked before any new attempt.", what),
			Err:     fmt.Errorf("%s %s: %w", c.method, c.path, err)}
	}
	code, msg := "x_network", fmt.Sprintf("Could not reach X at %s; nothing was posted and it will be retried.", host)
	if timeout {
		code = "x_timeout"
		msg = fmt.Sprintf("X at %s did not answer in time; nothing was posted and it will be retried.", host)
	}
	if c.kind == kindCreate {
		msg = fmt.Sprintf("Could not send the post to X at %s; nothing was posted and it will be retried.", host)
	}
	return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: code, Message: msg,
		Err: fmt.Errorf("%s %s: %w", c.method, c.path, err)}
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// problem is an X error body: the RFC 7807 form of API v2 and the legacy
// {"errors":[{"code":88,"message":…}]} form, often both at once.
type problem struct {
	Title  string         `json:"title"`
	Detail string         `json:"detail"`
	Type   string         `json:"type"`
	Status int            `json:"status"`
	Errors []problemError `json:"errors"`
}

type problemError struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Title   string          `json:"title"`
	Detail  string          `json:"detail"`
	Type    string          `json:"type"`
}

// Legacy error codes that still appear in X answers.
const (
	legacyRateLimited   = 88
	legacyAccountLocked = 326
	legacySuspended     = 64
	legacyDuplicate     = 187
	legacyTooLong       = 186
	legacyDailyLimit    = 185
)

func parseProblem(body []byte) (problem, bool) {
	var p problem
	if err := json.Unmarshal(body, &p); err != nil {
		return problem{}, false
	}
	return p, p.Title != "" || p.Detail != "" || p.Type != "" || len(p.Errors) > 0
}

func (p problem) hasCode(code int) bool {
	for _, e := range p.Errors {
		s := strings.Trim(string(e.Code), `"`)
		if n, err := strconv.Atoi(s); err == nil && n == code {
			return true
		}
	}
	return false
}

// hasType matches a problem type by suffix: the host of the type URL has
// been api.twitter.com and api.x.com.
func (p problem) hasType(suffix string) bool {
	if strings.HasSuffix(p.Type, suffix) {
		return true
	}
	for _, e := range p.Errors {
		if strings.HasSuffix(e.Type, suffix) {
			return true
		}
	}
	return false
}

// contains reports whether any human-readable part of the problem contains
// s, ignoring case.
func (p problem) contains(s string) bool {
	s = strings.ToLower(s)
	parts := []string{p.Title, p.Detail}
	for _, e := range p.Errors {
		parts = append(parts, e.Message, e.Title, e.Detail)
	}
	for _, v := range parts {
		if strings.Contains(strings.ToLower(v), s) {
			return true
		}
	}
	return false
}

// message returns what X said, verbatim: the detail, then the messages of
// the individual errors, which say which parameter was wrong.
func (p problem) message() string {
	var parts []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		for _, v := range parts {
			if v == s {
				return
			}
		}
		parts = append(parts, s)
	}
	add(p.Detail)
	for _, e := range p.Errors {
		add(e.Message)
		add(e.Detail)
	}
	if len(parts) == 0 {
		add(p.Title)
	}
	var b strings.Builder
	for i, s := range parts {
		if i > 0 {
			if strings.HasSuffix(parts[i-1], ".") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(s)
	}
	return b.String()
}

// networkMessage returns X's words for a failed response, credentials
// scrubbed.
func networkMessage(resp *response) string {
	if p, ok := parseProblem(resp.body); ok {
		if m := p.message(); m != "" {
			return resp.scrub.Text(m)
		}
	}
	s := resp.scrub.Text(strings.TrimSpace(string(resp.body)))
	if len(s) > 500 {
		s = s[:500]
	}
	if s == "" {
		s = http.StatusText(resp.status)
	}
	return s
}

// classify turns a non-2xx answer into a *pregonero.PublishError whose class
// depends on the answer and on whether a post may exist.
func (a *Adapter) classify(acct *pregonero.Account, c call, resp *response) error {
	p, _ := parseProblem(resp.body)
	netMsg := networkMessage(resp)
	pe := &pregonero.PublishError{NetworkMessage: netMsg, HTTPStatus: resp.status,
		Err: fmt.Errorf("%s %s: http %d: %s", c.method, c.path, resp.status, netMsg)}
	set := func(class pregonero.ErrorClass, code, msg string) error {
		pe.Class, pe.Code, pe.Message = class, code, msg
		return pe
	}
	status := resp.status
	lookup := c.kind == kindRead

	switch {
	case status == http.StatusTooManyRequests && p.hasType("/problems/usage-capped"):
		pe.NotBefore = a.rateLimitReset(resp.header)
		if lookup {
			return set(pregonero.ClassRetryable, "x_usage_capped", "X usage cap reached; the lookup will be retried when it resets.")
		}
		return set(pregonero.ClassAccountBlocked, "x_usage_capped",
			"X usage cap reached for this app or account; posting is stopped until the cap resets or the plan is raised in the X developer portal.")
	case (status == http.StatusForbidden || status == http.StatusTooManyRequests) && p.hasType("/problems/client-forbidden"):
		if lookup {
			return set(pregonero.ClassRetryable, "x_client_forbidden", "X refused the app; the lookup will be retried.")
		}
		return set(pregonero.ClassAccountBlocked, "x_client_forbidden",
			"X refused the app: it must be attached to a Project with the right access level in the X developer portal; posting is stopped until that is fixed.")
	case status == http.StatusTooManyRequests || p.hasCode(legacyRateLimited) || p.hasCode(legacyDailyLimit):
		pe.NotBefore = a.rateLimitReset(resp.header)
		msg := fmt.Sprintf("X rate limit reached for account %s; it will be retried after %s.", acct.ID, pe.NotBefore.UTC().Format(time.RFC3339))
		if lookup {
			return set(pregonero.ClassRetryable, "x_rate_limited", msg)
		}
		return set(pregonero.ClassRateLimited, "x_rate_limited", msg)
	case status == http.StatusUnauthorized:
		return set(pregonero.ClassNeedsReauth, "x_unauthorized",
			fmt.Sprintf("X refused the credentials of account %s (revoked or expired); re-authorize the account and update its credentials.", acct.ID))
	case lookup:
		if status >= 500 {
			return set(pregonero.ClassRetryable, "x_server_error", fmt.Sprintf("X answered %d to a lookup; it will be retried.", status))
		}
		return set(pregonero.ClassRetryable, "x_lookup_failed", fmt.Sprintf("X refused a lookup with %d; it will be retried.", status))
	case status == http.StatusForbidden && (p.hasCode(legacyAccountLocked) || p.hasCode(legacySuspended)):
		return set(pregonero.ClassAccountBlocked, "x_account_locked",
			fmt.Sprintf("X has locked or suspended account %s; log in to X to resolve it. Posting is stopped.", acct.ID))
	}

	switch c.kind {
	case kindCreate:
		switch {
		case status >= 500:
			// Whatever its words, a server error after the post was sent
			// leaves the outcome unknown.
			return set(pregonero.ClassUnknown, "x_server_error",
				fmt.Sprintf("X answered %d after receiving the post; whether it was published is unknown and will be checked before any new attempt.", status))
		case p.contains("duplicate content") || p.hasCode(legacyDuplicate):
			return set(pregonero.ClassDuplicate, "x_duplicate",
				"X refused the post as a duplicate of an existing one; if this was a retry, the earlier attempt probably went out.")
		case p.contains("too long") || p.hasCode(legacyTooLong):
			return set(pregonero.ClassPermanent, "x_too_long",
				"The text is too long for X (280 weighted characters; URLs count 23, emoji 2); shorten it.")
		case status == http.StatusForbidden:
			return set(pregonero.ClassPermanent, "x_forbidden", "X refused the post: "+netMsg)
		case status == http.StatusBadRequest:
			return set(pregonero.ClassPermanent, "x_invalid_request", "X rejected the post as invalid: "+netMsg)
		case status == http.StatusRequestTimeout:
			return set(pregonero.ClassUnknown, "x_timeout",
				"X timed out while receiving the post; whether it was published is unknown and will be checked before any new attempt.")
		case status >= 400 && status < 500:
			return set(pregonero.ClassPermanent, "x_rejected", fmt.Sprintf("X refused the post with %d: %s", status, netMsg))
		case status >= 500:
			return set(pregonero.ClassUnknown, "x_server_error",
				fmt.Sprintf("X answered %d after receiving the post; whether it was published is unknown and will be checked before any new attempt.", status))
		}
		return set(pregonero.ClassUnknown, "x_unexpected_status",
			fmt.Sprintf("X answered %d to the post; whether it was published is unknown and will be checked before any new attempt.", status))
	case kindDelete:
		switch {
		case status == http.StatusNotFound:
			return set(pregonero.ClassPermanent, "x_not_found", "The post does not exist on X (already deleted?).")
		case status >= 400 && status < 500 && status != http.StatusRequestTimeout:
			return set(pregonero.ClassPermanent, "x_rejected", fmt.Sprintf("X refused to delete the post with %d: %s", status, netMsg))
		}
		return set(pregonero.ClassRetryable, "x_server_error", fmt.Sprintf("X answered %d to a delete; it will be retried.", status))
	}

	// kindUpload: nothing was posted.
	switch {
	case status == http.StatusNotFound:
		return set(pregonero.ClassRetryable, "x_media_expired",
			"X no longer knows an uploaded media file (expired); nothing was posted and the media will be uploaded again.")
	case status == http.StatusForbidden:
		return set(pregonero.ClassPermanent, "x_forbidden",
			"X refused the media upload (does the token have the media.write scope?): "+netMsg)
	case status == http.StatusBadRequest || status == http.StatusRequestEntityTooLarge ||
		status == http.StatusUnsupportedMediaType || status == http.StatusUnprocessableEntity:
		return set(pregonero.ClassPermanent, "x_media_rejected", "X rejected a media file: "+netMsg)
	}
	return set(pregonero.ClassRetryable, "x_upload_failed",
		fmt.Sprintf("X answered %d while uploading media; nothing was posted and it will be retried.", status))
}

// rateLimitReset is when a rate-limited request may be sent again: the
// window reset X announced, the later 24-hour reset when that allowance is
// spent, Retry-After, or one 15-minute window when X said nothing.
func (a *Adapter) rateLimitReset(h http.Header) time.Time {
	var t time.Time
	if r, ok := unixHeader(h, "x-rate-limit-reset"); ok {
		t = r
	}
	for _, prefix := range []string{"x-user-limit-24hour-", "x-app-limit-24hour-"} {
		if rem, ok := intHeader(h, prefix+"remaining"); ok && rem <= 0 {
			if r, ok := unixHeader(h, prefix+"reset"); ok && r.After(t) {
				t = r
			}
		}
	}
	if t.IsZero() {
		if s, ok := intHeader(h, "Retry-After"); ok && s >= 0 {
			t = a.now().Add(time.Duration(s) * time.Second)
		}
	}
	if t.IsZero() {
		t = a.now().Add(15 * time.Minute)
	}
	return t.UTC()
}

func intHeader(h http.Header, name string) (int64, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

func unixHeader(h http.Header, name string) (time.Time, bool) {
	n, ok := intHeader(h, name)
	if !ok || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0).UTC(), true
}

func endpointOf(acct *pregonero.Account) string {
	if acct.Endpoint != "" {
		return acct.Endpoint
	}
	return DefaultEndpoint
}
