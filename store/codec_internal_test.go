package store

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"pregonero"
)

// The mirror types below describe the v1 layout for encoding/json, so the
// hand-written codec can be checked against it in both directions.

type attemptJSON struct {
	N              int    `json:"n"`
	StartedAt      int64  `json:"started_at,omitempty"`
	FinishedAt     int64  `json:"finished_at,omitempty"`
	Outcome        string `json:"outcome"`
	Code           string `json:"code,omitempty"`
	Message        string `json:"message,omitempty"`
	NetworkMessage string `json:"network_message,omitempty"`
	Cause          string `json:"cause,omitempty"`
	HTTPStatus     int    `json:"http_status,omitempty"`
	Reconciled     string `json:"reconciled,omitempty"`
}

type deliveryErrorJSON struct {
	Class          string `json:"class"`
	Code           string `json:"code"`
	Message        string `json:"message"`
	NetworkMessage string `json:"network_message,omitempty"`
	Cause          string `json:"cause,omitempty"`
	At             int64  `json:"at,omitempty"`
}

type deliveryJSON struct {
	V             int                `json:"v"`
	ID            string             `json:"id"`
	PostID        string             `json:"post"`
	AccountID     string             `json:"account"`
	Network       string             `json:"network,omitempty"`
	State         string             `json:"state"`
	ScheduledAt   int64              `json:"scheduled_at,omitempty"`
	NextAttemptAt int64              `json:"next_attempt_at,omitempty"`
	Attempts      []attemptJSON      `json:"attempts,omitempty"`
	RemoteID      string             `json:"remote_id,omitempty"`
	URL           string             `json:"url,omitempty"`
	PublishedAt   int64              `json:"published_at,omitempty"`
	LastError     *deliveryErrorJSON `json:"last_error,omitempty"`
	HoldReason    string             `json:"hold_reason,omitempty"`
	ReleasedAt    int64              `json:"released_at,omitempty"`
	Claimed       bool               `json:"claimed,omitempty"`
	Checkpoint    map[string]string  `json:"checkpoint,omitempty"`
	Progress      *progressJSON      `json:"progress,omitempty"`
	UpdatedAt     int64              `json:"updated_at,omitempty"`
}

type progressJSON struct {
	SentBytes  int64 `json:"sent_bytes"`
	TotalBytes int64 `json:"total_bytes"`
	At         int64 `json:"at,omitempty"`
}

type overrideJSON struct {
	Text        *string  `json:"text,omitempty"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	Format      string   `json:"format,omitempty"`
	Category    string   `json:"category,omitempty"`
	Language    string   `json:"language,omitempty"`
	MadeForKids *bool    `json:"made_for_kids,omitempty"`
	Thumbnail   string   `json:"thumbnail,omitempty"`
}

type postJSON struct {
	V           int                     `json:"v"`
	ID          string                  `json:"id"`
	Text        string                  `json:"text"`
	Link        string                  `json:"link,omitempty"`
	Media       []pregonero.PostMedia   `json:"media,omitempty"`
	Overrides   map[string]overrideJSON `json:"overrides,omitempty"`
	Targets     []string                `json:"targets"`
	ScheduledAt int64                   `json:"scheduled_at,omitempty"`
	Campaign    string                  `json:"campaign,omitempty"`
	Author      string                  `json:"author,omitempty"`
	Unit        string                  `json:"unit,omitempty"`
	CreatedAt   int64                   `json:"created_at,omitempty"`
	UpdatedAt   int64                   `json:"updated_at,omitempty"`
	CanceledAt  int64                   `json:"canceled_at,omitempty"`
	Deliveries  []string                `json:"deliveries"`
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func toDeliveryJSON(d *pregonero.Delivery) deliveryJSON {
	j := deliveryJSON{
		V: 1, ID: d.ID, PostID: d.PostID, AccountID: d.AccountID, Network: string(d.Network), State: string(d.State),
		ScheduledAt: nanos(d.ScheduledAt), NextAttemptAt: nanos(d.NextAttemptAt), RemoteID: d.RemoteID, URL: d.URL,
		PublishedAt: nanos(d.PublishedAt), HoldReason: d.HoldReason, ReleasedAt: nanos(d.ReleasedAt), Claimed: d.Claimed, Checkpoint: d.Checkpoint,
		UpdatedAt: nanos(d.UpdatedAt),
	}
	if d.Progress != nil {
		j.Progress = &progressJSON{d.Progress.SentBytes, d.Progress.TotalBytes, nanos(d.Progress.At)}
	}
	for _, a := range d.Attempts {
		j.Attempts = append(j.Attempts, attemptJSON{
			N: a.N, StartedAt: nanos(a.StartedAt), FinishedAt: nanos(a.FinishedAt), Outcome: string(a.Outcome),
			Code: a.Code, Message: a.Message, NetworkMessage: a.NetworkMessage, Cause: a.Cause, HTTPStatus: a.HTTPStatus, Reconciled: a.Reconciled,
		})
	}
	if e := d.LastError; e != nil {
		j.LastError = &deliveryErrorJSON{Class: string(e.Class), Code: e.Code, Message: e.Message, NetworkMessage: e.NetworkMessage, Cause: e.Cause, At: nanos(e.At)}
	}
	return j
}

func toPostJSON(p *pregonero.Post, ids []string) postJSON {
	j := postJSON{
		V: 2, ID: p.ID, Text: p.Text, Link: p.Link, Media: p.Media, Targets: p.Targets,
		ScheduledAt: nanos(p.ScheduledAt), Campaign: p.Campaign, Author: p.Author, Unit: p.Unit,
		CreatedAt: nanos(p.CreatedAt), UpdatedAt: nanos(p.UpdatedAt), CanceledAt: nanos(p.CanceledAt),
		Deliveries: append([]string{}, ids...),
	}
	if len(p.Overrides) > 0 {
		j.Overrides = map[string]overrideJSON{}
		for k, o := range p.Overrides {
			j.Overrides[k] = overrideJSON(o)
		}
	}
	return j
}

// randomText mixes ASCII, characters JSON must escape, accents, emoji and
// surrogate-range code points.
func randomText(r *rand.Rand) string {
	pieces := []string{"", "a", "Hola", "ñandú", "\"", "\\", "/", "\n", "\t", "\x00", "\x1f", "\u2028", "😀", "<&>", "\u007f", " ", "ü"}
	var b strings.Builder
	for range r.IntN(6) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randomTime(r *rand.Rand) time.Time {
	if r.IntN(4) == 0 {
		return time.Time{}
	}
	return time.Unix(0, r.Int64N(1<<62)-(1<<61)).UTC()
}

func randomDelivery(r *rand.Rand) *pregonero.Delivery {
	d := &pregonero.Delivery{
		ID: "d_" + randomText(r), PostID: "p_" + randomText(r), AccountID: "acct" + randomText(r),
		Network: pregonero.Network(randomText(r)), State: allStates[r.IntN(len(allStates))],
		ScheduledAt: randomTime(r), NextAttemptAt: randomTime(r), RemoteID: randomText(r), URL: randomText(r),
		PublishedAt: randomTime(r), HoldReason: randomText(r), ReleasedAt: randomTime(r), Claimed: r.IntN(2) == 0, UpdatedAt: randomTime(r),
	}
	for i := range r.IntN(4) {
		d.Attempts = append(d.Attempts, pregonero.Attempt{
			N: i + 1, StartedAt: randomTime(r), FinishedAt: randomTime(r), Outcome: pregonero.AttemptOutcome(randomText(r)),
			Code: randomText(r), Message: randomText(r), NetworkMessage: randomText(r), Cause: randomText(r), HTTPStatus: r.IntN(600) - 50,
			Reconciled: randomText(r),
		})
	}
	if r.IntN(2) == 0 {
		d.LastError = &pregonero.DeliveryError{
			Class: pregonero.ErrorClass(randomText(r)), Code: randomText(r), Message: randomText(r),
			NetworkMessage: randomText(r), Cause: randomText(r), At: randomTime(r),
		}
	}
	if n := r.IntN(3); n > 0 {
		d.Checkpoint = map[string]string{}
		for range n {
			d.Checkpoint[randomText(r)] = randomText(r)
		}
	}
	if r.IntN(2) == 0 {
		d.Progress = &pregonero.Progress{SentBytes: r.Int64N(1 << 40), TotalBytes: r.Int64N(1 << 40), At: randomTime(r)}
	}
	return d
}

func randomPost(r *rand.Rand) (*pregonero.Post, []string) {
	p := &pregonero.Post{
		ID: "p_" + randomText(r), Text: randomText(r), Link: randomText(r), ScheduledAt: randomTime(r),
		Campaign: randomText(r), Author: randomText(r), Unit: randomText(r), CreatedAt: randomTime(r), UpdatedAt: randomTime(r),
	}
	if r.IntN(2) == 0 {
		p.CanceledAt = randomTime(r)
	}
	for range r.IntN(3) {
		m := pregonero.PostMedia{ID: randomText(r)}
		if r.IntN(2) == 0 {
			m.AltText = randomText(r)
		}
		p.Media = append(p.Media, m)
	}
	for range 1 + r.IntN(3) {
		p.Targets = append(p.Targets, randomText(r))
	}
	if n := r.IntN(3); n > 0 {
		p.Overrides = map[string]pregonero.Override{}
		for range n {
			o := pregonero.Override{Title: randomText(r), Description: randomText(r), Format: randomText(r),
				Category: randomText(r), Language: randomText(r), Thumbnail: randomText(r)}
			if r.IntN(2) == 0 {
				b := r.IntN(2) == 0
				o.MadeForKids = &b
			}
			if r.IntN(2) == 0 {
				s := randomText(r)
				o.Text = &s
			}
			for range r.IntN(3) {
				o.Tags = append(o.Tags, randomText(r))
			}
			p.Overrides[randomText(r)] = o
		}
	}
	var ids []string
	for range r.IntN(4) {
		ids = append(ids, "d_"+randomText(r))
	}
	return p, ids
}

var allStates = []pregonero.DeliveryState{
	pregonero.DeliveryQueued, pregonero.DeliverySending, pregonero.DeliveryInDoubt,
	pregonero.DeliveryPublished, pregonero.DeliveryFailed, pregonero.DeliveryCanceled, pregonero.DeliveryHeld,
}

func TestDeliveryCodec(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var cases []*pregonero.Delivery
	for range 2000 {
		cases = append(cases, randomDelivery(r))
	}
	t.Run("random deliveries round trip", func(t *testing.T) {
		for _, d := range cases {
			b, err := appendDelivery(nil, d)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeDelivery(b)
			if err != nil {
				t.Fatalf("decodeDelivery(%s) = %v", b, err)
			}
			if !reflect.DeepEqual(got, d) {
				t.Fatalf("round trip of %s:\ngot  %+v\nwant %+v", b, got, d)
			}
		}
	})
	t.Run("random deliveries read the same as with encoding/json", func(t *testing.T) {
		for _, d := range cases {
			b, _ := appendDelivery(nil, d)
			var viaStd deliveryJSON
			if err := json.Unmarshal(b, &viaStd); err != nil {
				t.Fatalf("encoding/json cannot read %s: %v", b, err)
			}
			if want := toDeliveryJSON(d); !reflect.DeepEqual(viaStd, want) {
				t.Fatalf("encoding/json reads %s as\n%+v\nwant %+v", b, viaStd, want)
			}
			std, err := json.Marshal(toDeliveryJSON(d))
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeDelivery(std)
			if err != nil || !reflect.DeepEqual(got, d) {
				t.Fatalf("decodeDelivery(%s) = %+v, %v; want %+v", std, got, err, d)
			}
		}
	})
}

func TestPostCodec(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	t.Run("random posts round trip and read the same as with encoding/json", func(t *testing.T) {
		for range 2000 {
			p, ids := randomPost(r)
			b, err := appendPost(nil, p, ids)
			if err != nil {
				t.Fatal(err)
			}
			got, gotIDs, err := decodePost(b)
			if err != nil {
				t.Fatalf("decodePost(%s) = %v", b, err)
			}
			if !reflect.DeepEqual(got, p) || !reflect.DeepEqual(gotIDs, ids) {
				t.Fatalf("round trip of %s:\ngot  %+v %q\nwant %+v %q", b, got, gotIDs, p, ids)
			}
			var viaStd postJSON
			if err := json.Unmarshal(b, &viaStd); err != nil {
				t.Fatalf("encoding/json cannot read %s: %v", b, err)
			}
			if want := toPostJSON(p, ids); !reflect.DeepEqual(viaStd, want) {
				t.Fatalf("encoding/json reads %s as\n%+v\nwant %+v", b, viaStd, want)
			}
			std, err := json.Marshal(toPostJSON(p, ids))
			if err != nil {
				t.Fatal(err)
			}
			got, gotIDs, err = decodePost(std)
			if err != nil || !reflect.DeepEqual(got, p) || !reflect.DeepEqual(gotIDs, ids) {
				t.Fatalf("decodePost(%s) = %+v %q, %v; want %+v %q", std, got, gotIDs, err, p, ids)
			}
		}
	})
}

func TestCodecEdges(t *testing.T) {
	t.Run("invalid UTF-8 becomes U+FFFD as with encoding/json", func(t *testing.T) {
		d := &pregonero.Delivery{ID: "d_1", State: pregonero.DeliveryQueued, RemoteID: "a\xffb\xc3"}
		b, err := appendDelivery(nil, d)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(b) {
			t.Fatalf("encoded %q is not valid UTF-8", b)
		}
		got, err := decodeDelivery(b)
		if err != nil {
			t.Fatal(err)
		}
		var std struct {
			RemoteID string `json:"remote_id"`
		}
		raw, _ := json.Marshal(struct {
			RemoteID string `json:"remote_id"`
		}{d.RemoteID})
		_ = json.Unmarshal(raw, &std)
		if got.RemoteID != std.RemoteID {
			t.Errorf("RemoteID = %q, encoding/json gives %q", got.RemoteID, std.RemoteID)
		}
	})

	t.Run("escapes and unknown members are read", func(t *testing.T) {
		in := `{"v":1,"id":"d_\u00f1\ud83d\ude00\/","state":"queued","future":{"x":[1,2.5e3,true,null,"s"]},` +
			`"message":"\ud800 lone","updated_at":"2031-03-14T15:00:00.5-05:00"}`
		got, err := decodeDelivery([]byte(in))
		if err != nil {
			t.Fatalf("decodeDelivery() = %v", err)
		}
		if want := "d_ñ😀/"; got.ID != want {
			t.Errorf("ID = %q, want %q", got.ID, want)
		}
		if want := time.Date(2031, 3, 14, 20, 0, 0, 5e8, time.UTC); !got.UpdatedAt.Equal(want) {
			t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, want)
		}
	})

	t.Run("malformed records are errors", func(t *testing.T) {
		for _, in := range []string{
			``, `{`, `[]`, `{"v":1,"id":}`, `{"v":2,"id":"d"}`, `{"id":"d"}`, `{"v":1,"id":"d"} x`,
			`{"v":1,"id":"d\x01"}`, `{"v":1,"id":"d\q"}`, `{"v":1.5}`, `{"v":1,"attempts":[{"n":"1"}]}`,
			`{"v":1,"claimed":yes}`, `{"v":1,"id":"unterminated`, `{"v":1,"next_attempt_at":"yesterday"}`,
			`{"v":99999999999999999999}`,
		} {
			if d, err := decodeDelivery([]byte(in)); err == nil {
				t.Errorf("decodeDelivery(%q) = %+v, want an error", in, d)
			}
		}
	})

	t.Run("times outside the storable range are refused", func(t *testing.T) {
		for _, at := range []time.Time{time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)} {
			if _, err := appendDelivery(nil, &pregonero.Delivery{ID: "d", UpdatedAt: at}); pregonero.ErrorCode(err) != pregonero.EINVALID {
				t.Errorf("appendDelivery(UpdatedAt %v) = %v, want invalid", at, err)
			}
		}
	})
}

func FuzzDecodeDelivery(f *testing.F) {
	r := rand.New(rand.NewPCG(9, 9))
	for range 20 {
		b, _ := appendDelivery(nil, randomDelivery(r))
		f.Add(b)
	}
	f.Add([]byte(`{"v":1,"id":"\ud83d\ude00","attempts":null,"checkpoint":{"a":"b"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decodeDelivery(b)
		if err != nil {
			return
		}
		again, err := appendDelivery(nil, d)
		if err != nil {
			// A decoded time may lie outside what the encoder accepts.
			return
		}
		d2, err := decodeDelivery(again)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", again, err)
		}
		if !reflect.DeepEqual(d, d2) {
			t.Fatalf("unstable round trip:\n%+v\n%+v", d, d2)
		}
	})
}

func FuzzDecodePost(f *testing.F) {
	r := rand.New(rand.NewPCG(10, 10))
	for range 20 {
		p, ids := randomPost(r)
		b, _ := appendPost(nil, p, ids)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ids, err := decodePost(b)
		if err != nil {
			return
		}
		again, err := appendPost(nil, p, ids)
		if err != nil {
			return
		}
		p2, ids2, err := decodePost(again)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", again, err)
		}
		if !reflect.DeepEqual(p, p2) || !reflect.DeepEqual(ids, ids2) {
			t.Fatalf("unstable round trip:\n%+v %q\n%+v %q", p, ids, p2, ids2)
		}
	})
}
