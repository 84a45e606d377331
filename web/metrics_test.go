package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"pregonero"
)

func TestPostMetrics(t *testing.T) {
	ts := newTestServer(t)
	p := ts.createPost(map[string]any{"text": "Vacunación gratuita", "targets": []string{"x-gob"}})
	d := p.Deliveries[0]
	at := time.Date(2031, 5, 4, 11, 0, 0, 0, time.UTC)
	snap := func(at time.Time, m map[string]int64) pregonero.Snapshot {
		return pregonero.Snapshot{DeliveryID: d.ID, PostID: p.ID, AccountID: d.AccountID, Network: d.Network, CollectedAt: at,
			Metrics: m, Raw: map[string]int64{"public_metrics.like_count": m["likes"]}}
	}
	if err := ts.db.AddSnapshots(context.Background(), []pregonero.Snapshot{
		snap(at, map[string]int64{"likes": 3, "comments": 0}),
		snap(at.Add(5*time.Hour), map[string]int64{"likes": 9, "comments": 1}),
	}, nil); err != nil {
		t.Fatal(err)
	}
	t.Run("the history of each delivery, oldest first, absent metrics absent", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/posts/"+p.ID+"/metrics", nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d %s", r.status, r.body)
		}
		want := `{"deliveries":[{"delivery":"` + d.ID + `","account":"x-gob","network":"x","snapshots":[` +
			`{"collected_at":"2031-05-04T11:00:00Z","metrics":{"comments":0,"likes":3},"raw":{"public_metrics.like_count":3}},` +
			`{"collected_at":"2031-05-04T16:00:00Z","metrics":{"comments":1,"likes":9},"raw":{"public_metrics.like_count":9}}]}]}`
		if got := strings.TrimSpace(string(r.body)); got != want {
			t.Errorf("body\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("the client reads it", func(t *testing.T) {
		m, err := ts.client().PostMetrics(context.Background(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Deliveries) != 1 || len(m.Deliveries[0].Snapshots) != 2 || m.Deliveries[0].Snapshots[1].Metrics["likes"] != 9 {
			t.Errorf("PostMetrics() = %+v", m)
		}
	})
	t.Run("an unknown post is 404", func(t *testing.T) {
		if r := ts.request("GET", "/api/v1/posts/p_nada/metrics", nil); r.status != http.StatusNotFound {
			t.Errorf("status %d, want 404", r.status)
		}
		_, err := ts.client().PostMetrics(context.Background(), "p_nada")
		if pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("PostMetrics(unknown) = %v, want not_found", err)
		}
	})
}
