package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/web"
)

// BenchmarkCreatePostHTTP measures accepted posts per second through the
// whole HTTP path (auth, decoding, validation, durable commit) with 16
// concurrent clients against a real store in a temp dir.
func BenchmarkCreatePostHTTP(b *testing.B) {
	const clients = 16
	// A real clock, as in production: ids and due times then grow, and
	// the store appends to its indexes instead of splitting pages.
	ts := newTestServer(b, withConfig(func(c *web.Config) { c.Now = time.Now }))
	ts.mustCampaign("salud")
	body := []byte(`{"text":"Vacunación gratuita este sábado en todos los municipios","targets":["x-gob","fb-gob"],"campaign":"salud"}`)
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	var next atomic.Int64
	var failed atomic.Int64
	var firstErr sync.Once
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				req, _ := http.NewRequest("POST", ts.srv.URL+"/api/v1/posts", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+ts.token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					failed.Add(1)
					firstErr.Do(func() { b.Error(err) })
					continue
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					failed.Add(1)
					firstErr.Do(func() { b.Errorf("got %d %s", resp.StatusCode, data) })
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "posts/s")

	counts, err := ts.db.DeliveryCounts(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if got, want := counts[pregonero.DeliveryQueued], 2*(b.N-int(failed.Load())); got != want {
		b.Fatalf("got %d queued deliveries, want %d", got, want)
	}
}
