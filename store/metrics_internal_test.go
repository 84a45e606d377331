package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"pregonero"
)

// The codec guard for snapshots: every exported field of a Snapshot, filled
// by reflection, survives a round trip, so a field added to the type
// later cannot be dropped silently.
func TestSnapshotCodecGuard(t *testing.T) {
	in := fillRecord[pregonero.Snapshot](t)
	b, err := encodeSnapshot(*in)
	if err != nil {
		t.Fatalf("encodeSnapshot() = %v", err)
	}
	got, err := decodeSnapshot(b)
	if err != nil {
		t.Fatalf("decodeSnapshot(%s) = %v", b, err)
	}
	if !reflect.DeepEqual(got, *in) {
		t.Errorf("round trip = %+v, want %+v", got, *in)
	}
	if _, err := decodeSnapshot([]byte(`{"v":2}`)); err == nil {
		t.Error("a record of an unknown version was decoded")
	}
}

// Records of version 1 (JSON) are still read, and decoding into a reused
// snapshot leaves nothing of the one before: a metric absent from the
// second record is absent, not the first one's value.
func TestSnapshotRecordVersions(t *testing.T) {
	at := time.Date(2031, 5, 1, 13, 0, 0, 0, time.UTC)
	v1, err := json.Marshal(snapshotRecord{V: 1, DeliveryID: "d_1", PostID: "p_1", AccountID: "x-a", Network: pregonero.NetworkX, CollectedAt: at,
		Metrics: map[string]int64{pregonero.MetricLikes: 3, pregonero.MetricComments: 0}, Raw: map[string]int64{"public_metrics.like_count": 3}})
	if err != nil {
		t.Fatal(err)
	}
	want1 := pregonero.Snapshot{DeliveryID: "d_1", PostID: "p_1", AccountID: "x-a", Network: pregonero.NetworkX, CollectedAt: at,
		Metrics: map[string]int64{pregonero.MetricLikes: 3, pregonero.MetricComments: 0}, Raw: map[string]int64{"public_metrics.like_count": 3}}
	if got, err := decodeSnapshot(v1); err != nil || !reflect.DeepEqual(got, want1) {
		t.Errorf("decodeSnapshot(v1) = %+v, %v; want %+v", got, err, want1)
	}
	want2 := pregonero.Snapshot{DeliveryID: "d_1", PostID: "p_1", AccountID: "x-a", Network: pregonero.NetworkX, CollectedAt: at.Add(time.Hour),
		Metrics: map[string]int64{pregonero.MetricShares: 2, "custom_metric": -1}, Raw: map[string]int64{"public_metrics.retweet_count": 2}}
	v2, err := encodeSnapshot(want2)
	if err != nil {
		t.Fatal(err)
	}
	var s pregonero.Snapshot
	for i, c := range []struct {
		rec  []byte
		raw  bool
		want pregonero.Snapshot
	}{{v1, true, want1}, {v2, true, want2}, {v1, false, want1}, {v2, false, want2}} {
		if err := decodeSnapshotInto(c.rec, &s, c.raw); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		w := c.want
		if !c.raw {
			w.Raw = nil
		}
		if !reflect.DeepEqual(s, w) {
			t.Errorf("record %d (raw %t) = %+v, want %+v", i, c.raw, s, w)
		}
	}
	for _, bad := range [][]byte{nil, {3}, v2[:len(v2)-1], append(append([]byte(nil), v2...), 0)} {
		if err := decodeSnapshotInto(bad, &s, true); err == nil {
			t.Errorf("decodeSnapshotInto(%x) = nil error", bad)
		}
	}
}
