package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"pregonero"
)

// Headers of a webhook request.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256>",
	// the HMAC keyed by the webhook's secret over "<t>.<body>": a
	// receiver recomputes it, compares in constant time, and refuses a t
	// too far from its clock (a replay).
	SignatureHeader = "X-Pregonero-Signature"
	// EventHeader names the event's kind; DeliveryHeader the delivery's
	// id, the same on every retry, for receivers that drop duplicates.
	EventHeader    = "X-Pregonero-Event"
	DeliveryHeader = "X-Pregonero-Delivery"
)

// DefaultBackoff is the wait after each failed attempt of a webhook
// delivery: five retries over about nine hours, then it has failed.
var DefaultBackoff = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour}

// Sign returns the signature header's value for a body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Verify checks a signature header against the body, as a receiver
// does: the HMAC must match and t be within tolerance of now.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("signature header malformed")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("signature timestamp %s off by %s", time.Unix(sec, 0).UTC().Format(time.RFC3339), d)
	}
	if !hmac.Equal([]byte(mac(secret, ts, body)), []byte(sig)) {
		return errors.New("signature does not match")
	}
	return nil
}

// Payload is the JSON body of a webhook request.
type Payload struct {
	// ID is the delivery's id: the same on every retry.
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Event   pregonero.Event `json:"event"`
	Account *PayloadAccount `json:"account,omitempty"`
	Post    *PayloadPost    `json:"post,omitempty"`
	Test    bool            `json:"test,omitempty"`
	SentAt  time.Time       `json:"sent_at"`
}

// PayloadAccount is the account an event is about.
type PayloadAccount struct {
	ID      string            `json:"id"`
	Name    string            `json:"name"`
	Network pregonero.Network `json:"network"`
	Unit    string            `json:"unit,omitempty"`
}

// PayloadPost is the post an event is about.
type PayloadPost struct {
	ID          string    `json:"id"`
	Text        string    `json:"text"`
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	// URL is the post's page in the web interface (with public_url).
	URL string `json:"url,omitempty"`
}

// post sends one signed request and says how it went.
func (n *Notifier) post(ctx context.Context, h *pregonero.Webhook, id string, body []byte, kind pregonero.EventKind) pregonero.WebhookAttempt {
	start := n.clock.Now()
	a := pregonero.WebhookAttempt{At: start.UTC()}
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		a.Error = err.Error()
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Pregonero-Webhook/1")
	req.Header.Set(SignatureHeader, Sign(h.Secret, start, body))
	req.Header.Set(EventHeader, string(kind))
	req.Header.Set(DeliveryHeader, id)
	resp, err := n.client.Do(req)
	a.DurationMS = n.clock.Now().Sub(start).Milliseconds()
	if err != nil {
		// Without the URL the client puts in front: it may carry the
		// receiver's own secret, and the attempt is logged.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		a.Error = err.Error()
		return a
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	a.Status = resp.StatusCode
	if !a.OK() {
		a.Error = strings.TrimSpace(resp.Status + " " + strings.ToValidUTF8(string(snippet), ""))
	}
	return a
}
