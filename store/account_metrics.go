package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

// bucketAccountSnapshots: account id ‖ 0x00 ‖ timeKey(CollectedAt) →
// account snapshot record (schema 8). Append-only; an account's history
// is one prefix scan, in time order.
var bucketAccountSnapshots = []byte("account_snapshots")

// accountSnapshotRecordVersion is the version of the account snapshot
// record.
const accountSnapshotRecordVersion = 1

type accountSnapshotRecord struct {
	V           int               `json:"v"`
	AccountID   string            `json:"account"`
	Network     pregonero.Network `json:"network"`
	CollectedAt time.Time         `json:"collected_at"`
	Metrics     map[string]int64  `json:"metrics,omitempty"`
	Raw         map[string]int64  `json:"raw,omitempty"`
}

// AddAccountSnapshots appends account snapshots.
func (db *DB) AddAccountSnapshots(ctx context.Context, snaps []pregonero.AccountSnapshot) error {
	keys := make([][]byte, len(snaps))
	vals := make([][]byte, len(snaps))
	size := 0
	for i, s := range snaps {
		if err := checkID("account id", s.AccountID); err != nil {
			return err
		}
		v, err := json.Marshal(accountSnapshotRecord{V: accountSnapshotRecordVersion, AccountID: s.AccountID, Network: s.Network,
			CollectedAt: s.CollectedAt.UTC(), Metrics: s.Metrics, Raw: s.Raw})
		if err != nil {
			return fmt.Errorf("account snapshot: %w", err)
		}
		keys[i], vals[i] = snapshotKey(s.AccountID, s.CollectedAt), v
		size += len(v) + len(keys[i]) + 32
	}
	if len(snaps) == 0 {
		return nil
	}
	return db.exec(ctx, size, func(w *wtx) error {
		for i := range snaps {
			if err := w.put(bucketAccountSnapshots, keys[i], vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// AccountSnapshots returns one account's snapshots collected in [from, to).
func (db *DB) AccountSnapshots(ctx context.Context, accountID string, from, to time.Time) ([]pregonero.AccountSnapshot, error) {
	if err := checkID("account id", accountID); err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *bbolt.Tx) ([]pregonero.AccountSnapshot, error) {
		var out []pregonero.AccountSnapshot
		var end []byte
		if !to.IsZero() {
			end = snapshotKey(accountID, to)
		}
		prefix := append([]byte(accountID), 0)
		c := tx.Bucket(bucketAccountSnapshots).Cursor()
		for k, v := c.Seek(snapshotKey(accountID, from)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if end != nil && bytes.Compare(k, end) >= 0 {
				break
			}
			var r accountSnapshotRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return nil, fmt.Errorf("account %s: snapshot %x: %w", accountID, k[len(prefix):], err)
			}
			if r.V != accountSnapshotRecordVersion {
				return nil, fmt.Errorf("account %s: snapshot record version %d, want %d", accountID, r.V, accountSnapshotRecordVersion)
			}
			out = append(out, pregonero.AccountSnapshot{AccountID: r.AccountID, Network: r.Network, CollectedAt: r.CollectedAt.UTC(),
				Metrics: r.Metrics, Raw: r.Raw})
		}
		return out, nil
	})
}

var _ pregonero.AccountMetricsStore = (*DB)(nil)
