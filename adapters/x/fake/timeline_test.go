package fake_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/x/fake"
)

type timelinePage struct {
	Data []struct {
		ID        string `json:"id"`
		Text      string `json:"text"`
		CreatedAt string `json:"created_at"`
	} `json:"data"`
	Meta struct {
		ResultCount int    `json:"result_count"`
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

func (e *env) timeline(t *testing.T, user string, q url.Values) (timelinePage, response) {
	t.Helper()
	res := e.do(t, user, "GET", "/2/users/"+fake.UserID(user)+"/tweets?"+q.Encode(), nil)
	var p timelinePage
	if res.status == http.StatusOK {
		res.decode(t, &p)
	}
	return p, res
}

func TestTimeline(t *testing.T) {
	e := newEnv(t, fake.Options{})
	base := e.clock.Now().UTC().Truncate(time.Second)
	e.clock.Set(base)
	var ids []string // oldest first, one a minute
	for i := range 12 {
		ids = append(ids, e.createPost(t, "ana", fmt.Sprintf("post %02d", i)))
		e.clock.Advance(time.Minute)
	}
	e.createPost(t, "beto", "not in ana's timeline")
	newestFirst := slices.Clone(ids)
	slices.Reverse(newestFirst)

	t.Run("pages newest first until next_token runs out", func(t *testing.T) {
		var got []string
		q := url.Values{"max_results": {"5"}, "tweet.fields": {"created_at"}}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("too many pages")
			}
			p, res := e.timeline(t, "ana", q)
			if res.status != http.StatusOK {
				t.Fatalf("status %d: %s", res.status, res.body)
			}
			if p.Meta.ResultCount != len(p.Data) || p.Meta.NewestID != p.Data[0].ID || p.Meta.OldestID != p.Data[len(p.Data)-1].ID {
				t.Errorf("meta = %+v for %d posts", p.Meta, len(p.Data))
			}
			for _, d := range p.Data {
				got = append(got, d.ID)
				if d.CreatedAt == "" {
					t.Errorf("post %s without created_at", d.ID)
				}
			}
			if p.Meta.NextToken == "" {
				break
			}
			q.Set("pagination_token", p.Meta.NextToken)
		}
		if !slices.Equal(got, newestFirst) {
			t.Errorf("ids = %v, want %v", got, newestFirst)
		}
	})

	t.Run("since_id returns only newer posts", func(t *testing.T) {
		p, _ := e.timeline(t, "ana", url.Values{"since_id": {ids[9]}})
		if got := idsOf(p); !slices.Equal(got, []string{ids[11], ids[10]}) {
			t.Errorf("ids = %v, want %v", got, []string{ids[11], ids[10]})
		}
	})

	t.Run("start_time and end_time are inclusive", func(t *testing.T) {
		q := url.Values{
			"start_time": {base.Add(3 * time.Minute).Format(time.RFC3339)},
			"end_time":   {base.Add(5 * time.Minute).Format(time.RFC3339)},
		}
		p, _ := e.timeline(t, "ana", q)
		if got := idsOf(p); !slices.Equal(got, []string{ids[5], ids[4], ids[3]}) {
			t.Errorf("ids = %v, want %v", got, []string{ids[5], ids[4], ids[3]})
		}
	})

	t.Run("nothing newer gives an empty page", func(t *testing.T) {
		p, res := e.timeline(t, "ana", url.Values{"since_id": {ids[11]}})
		if p.Meta.ResultCount != 0 || len(p.Data) != 0 || strings.Contains(string(res.body), `"data"`) {
			t.Errorf("body = %s, want no data and result_count 0", res.body)
		}
	})

	for _, v := range []string{"4", "101", "ten"} {
		t.Run("max_results "+v+" is an invalid request", func(t *testing.T) {
			_, res := e.timeline(t, "ana", url.Values{"max_results": {v}})
			if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `"parameters":{"max_results":["`+v+`"]}`) {
				t.Errorf("status %d body %s, want 400 with errors[].parameters.max_results", res.status, res.body)
			}
		})
	}

	t.Run("another user's timeline is readable", func(t *testing.T) {
		res := e.do(t, "ana", "GET", "/2/users/"+fake.UserID("beto")+"/tweets", nil)
		var p timelinePage
		res.decode(t, &p)
		if len(p.Data) != 1 || p.Data[0].Text != "not in ana's timeline" {
			t.Errorf("body = %s, want beto's one post", res.body)
		}
	})

	t.Run("unknown user id is not found", func(t *testing.T) {
		res := e.do(t, "ana", "GET", "/2/users/12345/tweets", nil)
		if res.status != http.StatusOK || !strings.Contains(string(res.body), "Could not find user with id: [12345].") {
			t.Errorf("status %d body %s, want a resource-not-found error", res.status, res.body)
		}
	})
}

func idsOf(p timelinePage) []string {
	var out []string
	for _, d := range p.Data {
		out = append(out, d.ID)
	}
	return out
}
