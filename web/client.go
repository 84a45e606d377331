package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"pregonero"
)

// maxResponseBytes caps what the client reads of one answer.
const maxResponseBytes = 64 << 20

// Client talks to a running server's API; the CLI uses it because only one
// process may hold the store. API errors come back as *pregonero.Error
// with the server's code, message and fields.
type Client struct {
	base  string
	token string
	hc    *http.Client
}

// NewClient returns a client of the server at baseURL (e.g.
// "http://127.0.0.1:8080") authenticating with token. A nil hc means
// http.DefaultClient.
func NewClient(baseURL, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), token: token, hc: hc}
}

// NewIdempotencyKey returns a random key for CreatePost. Reuse it when
// retrying the same post after a lost answer.
func NewIdempotencyKey() string {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("web: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// CreatePost queues a post. With an idempotency key, retrying after a
// lost answer returns the post created the first time.
func (c *Client) CreatePost(ctx context.Context, req PostRequest, idempotencyKey string) (*pregonero.Post, error) {
	var p pregonero.Post
	h := http.Header{}
	if idempotencyKey != "" {
		h.Set("Idempotency-Key", idempotencyKey)
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/posts", nil, h, req, &p); err != nil {
		return nil, fmt.Errorf("create post: %w", err)
	}
	return &p, nil
}

// Posts lists posts; q holds status, account, campaign, from, to,
// timezone, cursor and limit.
func (c *Client) Posts(ctx context.Context, q url.Values) (*pregonero.PostPage, error) {
	var page pregonero.PostPage
	if err := c.do(ctx, http.MethodGet, "/api/v1/posts", q, nil, nil, &page); err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	return &page, nil
}

// Post reads one post with its deliveries.
func (c *Client) Post(ctx context.Context, id string) (*pregonero.Post, error) {
	var p pregonero.Post
	if err := c.do(ctx, http.MethodGet, "/api/v1/posts/"+url.PathEscape(id), nil, nil, nil, &p); err != nil {
		return nil, fmt.Errorf("get post: %w", err)
	}
	return &p, nil
}

// PatchPost edits a post whose deliveries are all still waiting.
func (c *Client) PatchPost(ctx context.Context, id string, patch PostPatch) (*pregonero.Post, error) {
	var p pregonero.Post
	if err := c.do(ctx, http.MethodPatch, "/api/v1/posts/"+url.PathEscape(id), nil, nil, patch, &p); err != nil {
		return nil, fmt.Errorf("edit post: %w", err)
	}
	return &p, nil
}

// SchedulePost schedules a draft: it is checked like a new post and gets
// its deliveries. An empty scheduledAt keeps the draft's own time, or
// means as soon as possible when it has none; timezone applies to a time
// without offset (empty: the server's zone). Anything but a draft is a
// conflict.
func (c *Client) SchedulePost(ctx context.Context, id, scheduledAt, timezone string) (*pregonero.Post, error) {
	var p pregonero.Post
	req := ScheduleRequest{ScheduledAt: scheduledAt, Timezone: timezone}
	if err := c.do(ctx, http.MethodPost, "/api/v1/posts/"+url.PathEscape(id)+"/schedule", nil, nil, req, &p); err != nil {
		return nil, fmt.Errorf("schedule post: %w", err)
	}
	return &p, nil
}

// CancelPost cancels the deliveries of a post that have not gone out.
func (c *Client) CancelPost(ctx context.Context, id string) (*pregonero.Post, error) {
	var p pregonero.Post
	if err := c.do(ctx, http.MethodPost, "/api/v1/posts/"+url.PathEscape(id)+"/cancel", nil, nil, nil, &p); err != nil {
		return nil, fmt.Errorf("cancel post: %w", err)
	}
	return &p, nil
}

// ReleaseDelivery sends a held delivery now.
func (c *Client) ReleaseDelivery(ctx context.Context, id string) (*pregonero.Delivery, error) {
	var d pregonero.Delivery
	if err := c.do(ctx, http.MethodPost, "/api/v1/deliveries/"+url.PathEscape(id)+"/release", nil, nil, nil, &d); err != nil {
		return nil, fmt.Errorf("release delivery: %w", err)
	}
	return &d, nil
}

// RetryDelivery tries a failed delivery again now, or ends the backoff of
// a queued one.
func (c *Client) RetryDelivery(ctx context.Context, id string) (*pregonero.Delivery, error) {
	var d pregonero.Delivery
	if err := c.do(ctx, http.MethodPost, "/api/v1/deliveries/"+url.PathEscape(id)+"/retry", nil, nil, nil, &d); err != nil {
		return nil, fmt.Errorf("retry delivery: %w", err)
	}
	return &d, nil
}

// Accounts lists the connected accounts.
func (c *Client) Accounts(ctx context.Context) ([]*pregonero.Account, error) {
	var l AccountList
	if err := c.do(ctx, http.MethodGet, "/api/v1/accounts", nil, nil, nil, &l); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	out := make([]*pregonero.Account, 0, len(l.Accounts))
	for _, a := range l.Accounts {
		if a.Account != nil {
			out = append(out, a.Account)
		}
	}
	return out, nil
}

// Pause stops publishing, for one account or, with account "", for all.
func (c *Client) Pause(ctx context.Context, account, reason string) error {
	if err := c.do(ctx, http.MethodPost, "/api/v1/pause", nil, nil, PauseRequest{Reason: reason, Account: account}, nil); err != nil {
		return fmt.Errorf("pause: %w", err)
	}
	return nil
}

// PauseState reads the global pause switch.
func (c *Client) PauseState(ctx context.Context) (*pregonero.PauseState, error) {
	var p pregonero.PauseState
	if err := c.do(ctx, http.MethodGet, "/api/v1/pause", nil, nil, nil, &p); err != nil {
		return nil, fmt.Errorf("pause state: %w", err)
	}
	return &p, nil
}

// Resume lifts a pause, of one account or, with account "", the global one.
func (c *Client) Resume(ctx context.Context, account string) (*pregonero.ResumeReport, error) {
	var rep pregonero.ResumeReport
	if err := c.do(ctx, http.MethodPost, "/api/v1/resume", nil, nil, ResumeRequest{Account: account}, &rep); err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	return &rep, nil
}

// Validate checks a post without storing it.
func (c *Client) Validate(ctx context.Context, req ValidateRequest) (*ValidateResponse, error) {
	var res ValidateResponse
	if err := c.do(ctx, http.MethodPost, "/api/v1/validate", nil, nil, req, &res); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	return &res, nil
}

// Media reads a media record.
func (c *Client) Media(ctx context.Context, id string) (*pregonero.Media, error) {
	var m pregonero.Media
	if err := c.do(ctx, http.MethodGet, "/api/v1/media/"+url.PathEscape(id), nil, nil, nil, &m); err != nil {
		return nil, fmt.Errorf("get media: %w", err)
	}
	return &m, nil
}

// UploadMedia streams a file to the server's media library; nothing is
// buffered whole in memory.
func (c *Client) UploadMedia(ctx context.Context, filename string, r io.Reader, altText string) (*pregonero.Media, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() (err error) {
			// A panic here would end the command; it fails the upload.
			defer pregonero.RecoverPanic(nil, "media upload writer panicked", &err)
			if altText != "" {
				if err := mw.WriteField("alt_text", altText); err != nil {
					return err
				}
			}
			fw, err := mw.CreateFormFile("file", filename)
			if err != nil {
				return err
			}
			if _, err := io.Copy(fw, r); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	h := http.Header{"Content-Type": {mw.FormDataContentType()}}
	var m pregonero.Media
	err := c.send(ctx, http.MethodPost, "/api/v1/media", nil, h, pr, &m)
	// Unblock the writer if the server answered before reading it all.
	pr.CloseWithError(errors.New("upload ended"))
	if err != nil {
		return nil, fmt.Errorf("upload media: %w", err)
	}
	return &m, nil
}

// Backup writes a consistent snapshot of the server's store to w and
// returns its size. A snapshot cut short by the server fails with an
// error, never as a short success.
func (c *Client) Backup(ctx context.Context, w io.Writer) (int64, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/api/v1/backup", nil, nil, nil)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		return 0, fmt.Errorf("backup: %w", responseError(resp.StatusCode, data))
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// IsUnreachable reports whether err means the server could not be reached
// at all (nothing listening, unknown host), as opposed to a server that
// answered with an error. The CLI then knows no server holds the store.
func IsUnreachable(err error) bool {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	var de *net.DNSError
	return errors.As(err, &de) || errors.Is(err, syscall.ECONNREFUSED)
}

// do sends body as JSON and decodes a 2xx answer into out.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, h http.Header, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
		if h == nil {
			h = http.Header{}
		}
		h.Set("Content-Type", "application/json")
	}
	return c.send(ctx, method, path, q, h, r, out)
}

func (c *Client) newRequest(ctx context.Context, method, path string, q url.Values, h http.Header, body io.Reader) (*http.Request, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

func (c *Client) send(ctx context.Context, method, path string, q url.Values, h http.Header, body io.Reader, out any) error {
	req, err := c.newRequest(ctx, method, path, q, h, body)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return responseError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// responseError turns a non-2xx answer into a *pregonero.Error: the
// server's own when the body is the API's error document, else one built
// from the status.
func responseError(status int, body []byte) error {
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err == nil && eb.Error != nil && eb.Error.Code != "" {
		return eb.Error
	}
	msg := strings.ToValidUTF8(strings.TrimSpace(string(body)), "")
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:200]) + "…"
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &pregonero.Error{Code: codeForStatus(status), Message: fmt.Sprintf("HTTP %d: %s", status, msg)}
}
