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

// measured are the networks the enrollment tests measure.
var measured = []pregonero.Network{pregonero.NetworkX}

func testEnroll(t *testing.T, open OpenFunc) {
	t.Run("deliveries to a network not measured wait to be enrolled until it is", func(t *testing.T) {
		h := newHarness(t, open)
		ms := h.metrics()
		p := NewPost(base, "x-a")
		h.create(p)
		Publish(t, h.s, base.Add(2*time.Minute), p)
		if n, err := ms.EnrollPublished(h.ctx, base.Add(-time.Hour), base.Add(time.Hour), time.Hour, []pregonero.Network{pregonero.NetworkFacebook}); err != nil || n != 0 {
			t.Fatalf("EnrollPublished(facebook only) = %d, %v; want 0 (the delivery goes to X)", n, err)
		}
		if n, err := ms.EnrollPublished(h.ctx, base.Add(-time.Hour), base.Add(time.Hour), time.Hour, measured); err != nil || n != 1 {
			t.Fatalf("EnrollPublished(x) afterwards = %d, %v; want the X delivery, left out before", n, err)
		}
	})
	t.Run("published deliveries in the window are enrolled once, due after the first step", func(t *testing.T) {
		h := newHarness(t, open)
		ms := h.metrics()
		p, q, later := NewPost(base, "x-a", "x-b"), NewPost(base.Add(time.Minute), "x-a"), NewPost(base.Add(48*time.Hour), "x-a")
		h.create(p, q, later)
		Publish(t, h.s, base.Add(2*time.Minute), p)
		n, err := ms.EnrollPublished(h.ctx, base.Add(-time.Hour), base.Add(time.Hour), time.Hour, measured)
		if err != nil || n != 2 {
			t.Fatalf("EnrollPublished() = %d, %v; want the 2 published deliveries (not the queued one)", n, err)
		}
		if n, err := ms.EnrollPublished(h.ctx, base.Add(-time.Hour), base.Add(time.Hour), time.Hour, measured); err != nil || n != 0 {
			t.Fatalf("EnrollPublished() again = %d, %v; want 0", n, err)
		}
		due := base.Add(2*time.Minute + time.Hour)
		if got, err := ms.DueMetrics(h.ctx, due.Add(-time.Nanosecond), 10); err != nil || len(got) != 0 {
			t.Errorf("DueMetrics(before) = %v, %v; want none", got, err)
		}
		got, err := ms.DueMetrics(h.ctx, due, 10)
		if err != nil || len(got) != 2 || got[0].At != due || got[0].Step != 0 {
			t.Fatalf("DueMetrics() = %+v, %v; want 2 due at %s, step 0", got, err, due)
		}
		if got, _ := ms.DueMetrics(h.ctx, due, 1); len(got) != 1 {
			t.Errorf("DueMetrics(limit 1) = %d entries", len(got))
		}
		// Moving one to its next step and ending the other.
		next := due.Add(5 * time.Hour)
		if err := ms.AddSnapshots(h.ctx, nil, []pregonero.MetricsDue{
			{DeliveryID: got[0].DeliveryID, At: next, Step: 1}, {DeliveryID: got[1].DeliveryID},
		}); err != nil {
			t.Fatal(err)
		}
		h.reopen()
		ms = h.metrics()
		if got2, err := ms.DueMetrics(h.ctx, next, 10); err != nil || len(got2) != 1 || got2[0].DeliveryID != got[0].DeliveryID || got2[0].Step != 1 || got2[0].At != next {
			t.Errorf("DueMetrics() after the move = %+v, %v; want only %s at step 1", got2, err, got[0].DeliveryID)
		}
		if n, err := ms.EnrollPublished(h.ctx, base.Add(-time.Hour), base.Add(time.Hour), time.Hour, measured); err != nil || n != 0 {
			t.Errorf("EnrollPublished() after the schedule ended = %d, %v; want the ended one not enrolled again", n, err)
		}
		if err := ms.AddSnapshots(h.ctx, nil, []pregonero.MetricsDue{{DeliveryID: "d_unknown", At: next}}); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("moving a delivery never enrolled = %v; want not_found", err)
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
