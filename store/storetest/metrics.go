package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"pregonero"
)

// TestMetricsStore runs the conformance suite of pregonero.MetricsStore
// against the stores open returns, each of which must also be a
// MetricsStore.
func TestMetricsStore(t *testing.T, open OpenFunc) {
	t.Run("Enroll", func(t *testing.T) { testEnroll(t, open) })
	t.Run("Snapshots", func(t *testing.T) { testSnapshots(t, open) })
	t.Run("Refusals", func(t *testing.T) { testRefusals(t, open) })
	t.Run("BilledReads", func(t *testing.T) { testBilledReads(t, open) })
	t.Run("Purge", func(t *testing.T) { testPurge(t, open) })
}

func (h *harness) metrics() pregonero.MetricsStore {
	h.t.Helper()
	ms, ok := h.s.(pregonero.MetricsStore)
	if !ok {
		h.t.Fatalf("%T is not a pregonero.MetricsStore", h.s)
	}
	return ms
}

// Publish claims, starts and publishes every delivery of the posts (all
// due by at), as the publisher would, with remote ids "9000", "9001" …
// in order, published at at.
func Publish(tb testing.TB, s pregonero.Store, at time.Time, posts ...*pregonero.Post) {
	tb.Helper()
	ctx := context.Background()
	n := 0
	for _, p := range posts {
		for _, d := range p.Deliveries {
			remote := 9000 + n
			n++
			if _, err := s.UpdateDelivery(ctx, d.ID, func(d *pregonero.Delivery) error {
				if err := d.Claim(); err != nil {
					return err
				}
				if err := d.Start(at); err != nil {
					return err
				}
				return d.Publish(pregonero.Receipt{RemoteID: itoa(remote), PublishedAt: at}, at, at, "")
			}); err != nil {
				tb.Fatalf("publish delivery %s: %v", d.ID, err)
			}
		}
	}
}

func itoa(n int) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

func testEnroll(t *testing.T, open OpenFunc) {
	t.Run("a delivery joins the schedule, unplaced, in the transaction that publishes it", func(t *testing.T) {
		h := newHarness(t, open)
		ms := h.metrics()
		p, q := NewPost(base, "x-a", "x-b"), NewPost(base.Add(time.Minute), "x-a")
		h.create(p, q)
		far := base.Add(365 * 24 * time.Hour)
		if got, err := ms.DueMetrics(h.ctx, far, 10); err != nil || len(got) != 0 {
			t.Fatalf("DueMetrics() before publishing = %+v, %v; want none", got, err)
		}
		at := base.Add(2 * time.Minute)
		Publish(t, h.s, at, p)
		h.reopen()
		ms = h.metrics()
		if got, err := ms.DueMetrics(h.ctx, at.Add(-time.Nanosecond), 10); err != nil || len(got) != 0 {
			t.Errorf("DueMetrics(before the publication) = %+v, %v; want none", got, err)
		}
		got, err := ms.DueMetrics(h.ctx, far, 10)
		if err != nil || len(got) != 2 {
			t.Fatalf("DueMetrics() = %+v, %v; want the 2 published deliveries, not the queued one", got, err)
		}
		for _, m := range got {
			d := h.delivery(m.DeliveryID)
			if m.Step != pregonero.MetricsUnplaced || !m.At.Equal(at) || !m.PublishedAt.Equal(at) || m.Network != d.Network || m.AccountID != d.AccountID || d.PostID != p.ID {
				t.Errorf("due entry %+v; want unplaced, due and published at %s, of %s on %s", m, at, d.AccountID, d.Network)
			}
		}
		if got, _ := ms.DueMetrics(h.ctx, far, 1); len(got) != 1 {
			t.Errorf("DueMetrics(limit 1) = %d entries", len(got))
		}
	})
	t.Run("entries move to their next step and leave for good", func(t *testing.T) {
		h := newHarness(t, open)
		ms := h.metrics()
		p := NewPost(base, "x-a", "x-b")
		h.create(p)
		at := base.Add(2 * time.Minute)
		Publish(t, h.s, at, p)
		got, err := ms.DueMetrics(h.ctx, at, 10)
		if err != nil || len(got) != 2 {
			t.Fatalf("DueMetrics() = %+v, %v", got, err)
		}
		due := at.Add(time.Hour)
		if err := ms.AddSnapshots(h.ctx, nil, []pregonero.MetricsDue{
			{DeliveryID: got[0].DeliveryID, At: due, Step: 0}, {DeliveryID: got[1].DeliveryID},
		}); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		ms = h.metrics()
		if got2, err := ms.DueMetrics(h.ctx, due.Add(-time.Nanosecond), 10); err != nil || len(got2) != 0 {
			t.Errorf("DueMetrics(before the first step) = %+v, %v; want none", got2, err)
		}
		got2, err := ms.DueMetrics(h.ctx, due, 10)
		if err != nil || len(got2) != 1 {
			t.Fatalf("DueMetrics() after the move = %+v, %v; want only %s", got2, err, got[0].DeliveryID)
		}
		if m := got2[0]; m.DeliveryID != got[0].DeliveryID || m.Step != 0 || !m.At.Equal(due) || !m.PublishedAt.Equal(at) || m.Network != got[0].Network || m.AccountID != got[0].AccountID {
			t.Errorf("moved entry = %+v; want step 0 at %s, the rest as before (%+v)", m, due, got[0])
		}
		if err := ms.AddSnapshots(h.ctx, nil, []pregonero.MetricsDue{{DeliveryID: "d_unknown", At: due}}); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("moving a delivery never enrolled = %v; want not_found", err)
		}
	})
	t.Run("a delivery published again starts its schedule afresh, with one entry", func(t *testing.T) {
		h := newHarness(t, open)
		ms := h.metrics()
		p := NewPost(base, "x-a")
		h.create(p)
		id := p.Deliveries[0].ID
		at := base.Add(2 * time.Minute)
		Publish(t, h.s, at, p)
		placed := at.Add(time.Hour)
		if err := ms.AddSnapshots(h.ctx, nil, []pregonero.MetricsDue{{DeliveryID: id, At: placed, Step: 0}}); err != nil {
			t.Fatal(err)
		}
		// The network no longer has it; a person retries; it goes out again.
		again := at.Add(3 * time.Hour)
		if _, err := h.s.UpdateDelivery(h.ctx, id, func(d *pregonero.Delivery) error {
			return d.Fail(&pregonero.DeliveryError{Code: "gone", Message: "not on the network"})
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.s.UpdateDelivery(h.ctx, id, func(d *pregonero.Delivery) error {
			if err := d.RetryNow(again); err != nil {
				return err
			}
			if err := d.Claim(); err != nil {
				return err
			}
			if err := d.Start(again); err != nil {
				return err
			}
			return d.Publish(pregonero.Receipt{RemoteID: "9100", PublishedAt: again}, again, again, "")
		}); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		ms = h.metrics()
		got, err := ms.DueMetrics(h.ctx, again.Add(365*24*time.Hour), 10)
		if err != nil || len(got) != 1 || got[0].DeliveryID != id || got[0].Step != pregonero.MetricsUnplaced || !got[0].At.Equal(again) {
			t.Fatalf("DueMetrics() = %+v, %v; want one unplaced entry at the new publication %s", got, err, again)
		}
		next := again.Add(time.Hour)
		if err := ms.AddSnapshots(h.ctx, nil, []pregonero.MetricsDue{{DeliveryID: id, At: next, Step: 0}}); err != nil {
			t.Fatalf("placing it again = %v", err)
		}
		got, err = ms.DueMetrics(h.ctx, again.Add(365*24*time.Hour), 10)
		if err != nil || len(got) != 1 || !got[0].At.Equal(next) || got[0].Step != 0 {
			t.Errorf("DueMetrics() after placing = %+v, %v; want one entry at %s", got, err, next)
		}
	})
}

func testSnapshots(t *testing.T, open OpenFunc) {
	t.Run("history is kept in time order per delivery, absent metrics stay absent", func(t *testing.T) {
		h := newHarness(t, open)
		ms := h.metrics()
		mk := func(d string, at time.Time, likes int64) pregonero.Snapshot {
			return pregonero.Snapshot{DeliveryID: d, PostID: "p_1", AccountID: "x-a", Network: pregonero.NetworkX, CollectedAt: at,
				Metrics: map[string]int64{pregonero.MetricLikes: likes, pregonero.MetricComments: 0},
				Raw:     map[string]int64{"public_metrics.like_count": likes, "public_metrics.reply_count": 0}}
		}
		in := []pregonero.Snapshot{mk("d_1", base.Add(6*time.Hour), 9), mk("d_1", base.Add(time.Hour), 3), mk("d_2", base.Add(2*time.Hour), 5), mk("d_10", base, 1)}
		if err := ms.AddSnapshots(h.ctx, in, nil); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		ms = h.metrics()
		got, err := ms.Snapshots(h.ctx, "d_1", time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if want := []pregonero.Snapshot{in[1], in[0]}; !reflect.DeepEqual(got, want) {
			t.Errorf("Snapshots(d_1) = %+v, want %+v", got, want)
		}
		if _, ok := got[0].Metrics[pregonero.MetricShares]; ok {
			t.Error("an absent metric came back")
		}
		if v, ok := got[0].Metrics[pregonero.MetricComments]; !ok || v != 0 {
			t.Error("a reported 0 did not come back as 0")
		}
		got, err = ms.Snapshots(h.ctx, "d_1", base.Add(2*time.Hour), base.Add(6*time.Hour))
		if err != nil || len(got) != 0 {
			t.Errorf("Snapshots(d_1, [2h, 6h)) = %+v, %v; want none", got, err)
		}
		got, err = ms.Snapshots(h.ctx, "d_1", base.Add(6*time.Hour), base.Add(6*time.Hour+1))
		if err != nil || len(got) != 1 || got[0].Metrics[pregonero.MetricLikes] != 9 {
			t.Errorf("Snapshots(d_1, [6h, 6h+1ns)) = %+v, %v; want the 6 h one", got, err)
		}
		if got, err := ms.Snapshots(h.ctx, "d_3", time.Time{}, time.Time{}); err != nil || len(got) != 0 {
			t.Errorf("Snapshots(d_3) = %v, %v; want none and no error", got, err)
		}
	})
}

func testRefusals(t *testing.T, open OpenFunc) {
	t.Run("the first refusal of each metric is kept, with its reason and date", func(t *testing.T) {
		h := newHarness(t, open)
		rs, ok := h.s.(pregonero.MetricRefusalStore)
		if !ok {
			t.Fatalf("%T is not a pregonero.MetricRefusalStore", h.s)
		}
		first := pregonero.MetricRefusal{Network: pregonero.NetworkInstagram, Kind: "REELS", Metric: "plays",
			Reason: "(#100) metric[0] must be one of the following values: views, reach", At: base}
		other := pregonero.MetricRefusal{Network: pregonero.NetworkInstagram, Kind: "FEED", Metric: "impressions", Reason: "(#100) deprecated", At: base}
		fb := pregonero.MetricRefusal{Network: pregonero.NetworkFacebook, Kind: "post", Metric: "post_impressions", Reason: "(#100) The value must be a valid insights metric", At: base}
		added, err := rs.RefuseMetrics(h.ctx, []pregonero.MetricRefusal{first, other, fb})
		if err != nil || len(added) != 3 {
			t.Fatalf("RefuseMetrics() = %+v, %v; want all 3 new", added, err)
		}
		again := first
		again.Reason, again.At = "another text", base.Add(24*time.Hour)
		added, err = rs.RefuseMetrics(h.ctx, []pregonero.MetricRefusal{again})
		if err != nil || len(added) != 0 {
			t.Fatalf("RefuseMetrics(again) = %+v, %v; want nothing new", added, err)
		}
		h.reopen()
		rs = h.s.(pregonero.MetricRefusalStore)
		got, err := rs.RefusedMetrics(h.ctx, pregonero.NetworkInstagram)
		if err != nil {
			t.Fatal(err)
		}
		if want := []pregonero.MetricRefusal{other, first}; !reflect.DeepEqual(got, want) {
			t.Errorf("RefusedMetrics(instagram) = %+v, want %+v (by kind, the first reason kept)", got, want)
		}
		if got, err := rs.RefusedMetrics(h.ctx, pregonero.NetworkYouTube); err != nil || len(got) != 0 {
			t.Errorf("RefusedMetrics(youtube) = %+v, %v; want none", got, err)
		}
		if _, err := rs.RefuseMetrics(h.ctx, []pregonero.MetricRefusal{{Network: pregonero.NetworkX, Kind: "post"}}); pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Errorf("RefuseMetrics(no metric) = %v; want invalid", err)
		}
	})
}

func testBilledReads(t *testing.T, open OpenFunc) {
	t.Run("reads are counted per UTC day, network and account, and in a total", func(t *testing.T) {
		h := newHarness(t, open)
		us, ok := h.s.(pregonero.MetricsUsageStore)
		if !ok {
			t.Fatalf("%T is not a pregonero.MetricsUsageStore", h.s)
		}
		day := time.Date(2031, 3, 14, 0, 0, 0, 0, time.UTC)
		bogota := time.FixedZone("COT", -5*3600)
		for _, a := range []struct {
			at   time.Time
			acct string
			n    int
		}{
			{day.Add(time.Hour), "x-a", 100}, {day.Add(23 * time.Hour), "x-a", 20}, {day.Add(2 * time.Hour), "x-b", 7},
			// 20:00 in Bogotá on the 14th is 01:00 UTC on the 15th.
			{time.Date(2031, 3, 14, 20, 0, 0, 0, bogota), "x-a", 5}, {day.Add(3 * time.Hour), "x-a", 0},
		} {
			if err := us.AddBilledReads(h.ctx, a.at, pregonero.NetworkX, a.acct, a.n); err != nil {
				t.Fatal(err)
			}
		}
		h.reopen()
		us = h.s.(pregonero.MetricsUsageStore)
		got, err := us.BilledReads(h.ctx, day.Add(12*time.Hour))
		want := []pregonero.BilledReads{{Day: "2031-03-14", Network: pregonero.NetworkX, AccountID: "x-a", Reads: 120},
			{Day: "2031-03-14", Network: pregonero.NetworkX, AccountID: "x-b", Reads: 7}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("BilledReads(14th) = %+v, %v; want %+v", got, err, want)
		}
		if got, err := us.BilledReads(h.ctx, day.Add(24*time.Hour)); err != nil || len(got) != 1 || got[0].Reads != 5 {
			t.Errorf("BilledReads(15th) = %+v, %v; want the 5 read after midnight UTC", got, err)
		}
		if got, err := us.BilledReadsTotal(h.ctx); err != nil || !reflect.DeepEqual(got, map[pregonero.Network]int64{pregonero.NetworkX: 132}) {
			t.Errorf("BilledReadsTotal() = %v, %v; want x: 132", got, err)
		}
		if err := us.AddBilledReads(h.ctx, day, pregonero.NetworkX, "x-a", -1); pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Errorf("AddBilledReads(-1) = %v; want invalid", err)
		}
	})
}

func testPurge(t *testing.T, open OpenFunc) {
	t.Run("history older than the cut is deleted, the rest kept", func(t *testing.T) {
		h := newHarness(t, open)
		ms := h.metrics()
		pg, ok := h.s.(pregonero.MetricsPurger)
		if !ok {
			t.Fatalf("%T is not a pregonero.MetricsPurger", h.s)
		}
		as, ok := h.s.(pregonero.AccountMetricsStore)
		if !ok {
			t.Fatalf("%T is not a pregonero.AccountMetricsStore", h.s)
		}
		var snaps []pregonero.Snapshot
		for i := range 5 {
			snaps = append(snaps, pregonero.Snapshot{DeliveryID: "d_1", PostID: "p_1", AccountID: "x-a", Network: pregonero.NetworkX,
				CollectedAt: base.Add(time.Duration(i) * 24 * time.Hour), Metrics: map[string]int64{pregonero.MetricLikes: int64(i)}})
		}
		if err := ms.AddSnapshots(h.ctx, snaps, nil); err != nil {
			t.Fatal(err)
		}
		if err := as.AddAccountSnapshots(h.ctx, []pregonero.AccountSnapshot{
			{AccountID: "x-a", Network: pregonero.NetworkX, CollectedAt: base, Metrics: map[string]int64{pregonero.MetricFollowers: 10}},
			{AccountID: "x-a", Network: pregonero.NetworkX, CollectedAt: base.Add(4 * 24 * time.Hour), Metrics: map[string]int64{pregonero.MetricFollowers: 12}},
		}); err != nil {
			t.Fatal(err)
		}
		cut := base.Add(2 * 24 * time.Hour)
		if n, err := pg.PurgeSnapshots(h.ctx, cut); err != nil || n != 3 {
			t.Fatalf("PurgeSnapshots() = %d, %v; want 2 snapshots and 1 account snapshot", n, err)
		}
		got, err := ms.Snapshots(h.ctx, "d_1", time.Time{}, time.Time{})
		if err != nil || len(got) != 3 || !got[0].CollectedAt.Equal(cut) {
			t.Errorf("Snapshots() after the purge = %+v, %v; want the 3 from %s on", got, err, cut)
		}
		if got, err := as.AccountSnapshots(h.ctx, "x-a", time.Time{}, time.Time{}); err != nil || len(got) != 1 || got[0].Metrics[pregonero.MetricFollowers] != 12 {
			t.Errorf("AccountSnapshots() after the purge = %+v, %v; want the later one", got, err)
		}
		if n, err := pg.PurgeSnapshots(h.ctx, cut); err != nil || n != 0 {
			t.Errorf("PurgeSnapshots() again = %d, %v; want 0", n, err)
		}
	})
}
