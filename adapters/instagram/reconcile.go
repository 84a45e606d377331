package instagram

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"
	"golang.org/x/text/unicode/norm"

	"pregonero"
	"pregonero/adapters/graph"
)

// graphTime is the timestamp format of Graph bodies.
const graphTime = "2006-01-02T15:04:05-0700"

// pageSize is the number of media asked per page of a list.
const pageSize = 50

// mediaItem is one entry of GET /{ig-user}/media or /stories.
type mediaItem struct {
	ID        string `json:"id"`
	Caption   string `json:"caption"`
	Timestamp string `json:"timestamp"`
	Permalink string `json:"permalink"`
	MediaType string `json:"media_type"`
}

// Reconcile tells whether an attempt of unknown outcome published the
// delivery, from the container checkpointed before media_publish: a
// PUBLISHED container was published, and its post is looked up among the
// account's media since the given time by its caption; a container in any
// other state was not, and since a container publishes at most once and
// media_publish is the only call that publishes, the next attempt may
// resume it safely. Without a checkpoint nothing was published; the
// publishing quota is read then, which also checks the credentials.
func (a *Adapter) Reconcile(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, acct *pregonero.Account, since time.Time) (pregonero.Receipt, bool, error) {
	cn, err := a.connect(ctx, acct)
	if err != nil {
		return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
	}
	var container string
	if d != nil {
		container = strings.TrimSpace(d.Checkpoint[CheckpointContainer])
	}
	if container == "" {
		if _, err := cn.quota(ctx); err != nil {
			if stops(err) {
				return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
			}
			a.log.Warn("instagram publishing quota could not be read while reconciling", logAccount, acct.ID, logError, err)
		}
		return pregonero.Receipt{}, false, nil
	}
	st, err := cn.status(ctx, container)
	if err != nil {
		return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
	}
	switch st.code {
	case statusPublished:
		r, found, err := cn.find(ctx, format(c), ComposeCaption(c), since)
		if err != nil {
			return pregonero.Receipt{}, false, fmt.Errorf("reconcile: %w", err)
		}
		if !found {
			return pregonero.Receipt{}, false, notListed(container)
		}
		a.log.Info("instagram post found by reconciliation", logAccount, acct.ID, logContainer, container, logMediaID, r.RemoteID)
		return r, true, nil
	case statusFinished, statusInProgress, statusError, statusExpired:
		return pregonero.Receipt{}, false, nil
	default:
		return pregonero.Receipt{}, false, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_container_status",
			Message: fmt.Sprintf("Instagram reported the unknown container status %q; it will be checked again.", st.code), NetworkMessage: st.text}
	}
}

// find looks for the post of a published container among the account's
// media (stories for a story) created since the given time: the earliest
// whose caption equals the composed caption (NFC, trimmed). A story has no
// caption, so the earliest story since then is taken.
func (cn *conn) find(ctx context.Context, f, caption string, since time.Time) (pregonero.Receipt, bool, error) {
	edge := "media"
	if f == pregonero.FormatStory {
		edge = "stories"
	}
	want := normalize(caption)
	start := since.UTC().Truncate(time.Second)
	var best *mediaItem
	var bestAt time.Time
	err := cn.list(ctx, edge, "id,caption,timestamp,permalink,media_type", start, func(m mediaItem) bool {
		at, ok := parseTime(m.Timestamp)
		if !ok || at.Before(start) {
			return ok // the list is newest first: older posts follow
		}
		if f != pregonero.FormatStory && normalize(m.Caption) != want {
			return false
		}
		// Newest first: on equal times the later one listed is older.
		if best == nil || !at.After(bestAt) {
			m := m
			best, bestAt = &m, at
		}
		return false
	})
	if err != nil {
		return pregonero.Receipt{}, false, err
	}
	if best == nil {
		return pregonero.Receipt{}, false, nil
	}
	r := pregonero.Receipt{RemoteID: best.ID, URL: best.Permalink, PublishedAt: bestAt}
	if r.URL == "" {
		r.URL = fallbackURL
	}
	return r, true, nil
}

func normalize(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }

// list reads the account's media of one edge, newest first, from since on
// (the whole edge when since is zero), calling visit with each until it
// returns true. It reads at most ReconcilePages pages and fails when more
// remain, since absence is then unproven.
func (cn *conn) list(ctx context.Context, edge, fields string, since time.Time, visit func(mediaItem) bool) error {
	params := fb.Params{"fields": fields, "limit": strconv.Itoa(pageSize)}
	if !since.IsZero() {
		params["since"] = strconv.FormatInt(since.Unix(), 10)
	}
	res, err := cn.get(ctx, "/"+cn.ig+"/"+edge, params)
	for page := 1; ; page++ {
		if err != nil {
			return fmt.Errorf("list instagram %s: %w", edge, err)
		}
		var out struct {
			Data []mediaItem `json:"data"`
		}
		if err := decode(res, &out); err != nil {
			return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_malformed_response",
				Message: fmt.Sprintf("Instagram's list of the account's %s could not be read; it will be read again.", edge), Err: err}
		}
		for _, m := range out.Data {
			if visit(m) {
				return nil
			}
		}
		next := str(res.Get("paging.next"))
		if next == "" || len(out.Data) == 0 {
			return nil
		}
		if page == cn.a.pages {
			return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_reconcile_incomplete",
				Message: fmt.Sprintf("More than %d pages of the account's %s since %s were read without an answer; it will be checked again.", cn.a.pages, edge, since.UTC().Format(time.RFC3339))}
		}
		res, err = cn.next(ctx, next)
	}
}

// next reads the page at a paging.next address. The address must be on
// the session's host; the access token is added when Graph left it out.
func (cn *conn) next(ctx context.Context, next string) (fb.Result, error) {
	u, err := url.Parse(next)
	base, berr := url.Parse(cn.s.BaseURL)
	if err != nil || berr != nil || !strings.EqualFold(u.Host, base.Host) {
		return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_malformed_response",
			Message: "Instagram's next page of results points to another host; the list is not followed there and it will be read again."}
	}
	u.Scheme = base.Scheme
	q := u.Query()
	if q.Get("access_token") == "" {
		q.Set("access_token", cn.s.AccessToken())
	}
	if proof := cn.s.AppsecretProof(); proof != "" && q.Get("appsecret_proof") == "" {
		q.Set("appsecret_proof", proof)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "instagram_malformed_response",
			Message: "Instagram's next page of results has an unusable address; it will be read again."}
	}
	rec := &statusRecorder{inner: cn.s.HttpClient}
	s := cn.s.WithContext(ctx)
	s.HttpClient = rec
	res, err := s.Request(req)
	cn.a.recordUsage(cn.acct.ID, res)
	if err != nil {
		pe := *graph.Classify(network, graph.OpRead, err, res, cn.a.now())
		if pe.HTTPStatus == 0 {
			pe.HTTPStatus = rec.status()
		}
		return res, &pe
	}
	return res, nil
}

// decode turns a Graph result into v through JSON, so that json tags and
// json.Number apply as usual.
func decode(res fb.Result, v any) error {
	plain := make(map[string]any, len(res))
	for k, x := range res {
		if !strings.HasPrefix(k, "__") { // the library's own usage and debug keys
			plain[k] = x
		}
	}
	b, err := json.Marshal(plain)
	if err != nil {
		return fmt.Errorf("decode graph result: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode graph result: %w", err)
	}
	return nil
}

// parseTime reads a Graph timestamp ("2026-11-27T23:50:00+0000"), or an
// RFC 3339 one.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{graphTime, time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
