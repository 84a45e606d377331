package store

import (
	"reflect"
	"testing"

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
