package store

import (
	"fmt"

	"go.etcd.io/bbolt"
)

// migrateAutomation (schema 10) creates the buckets of automated
// publishing: posting slots and the queue, recurring series, news feeds,
// CSV imports, events and notifications, and calendar feeds. Each
// feature's file declares its buckets. The account queue index is filled
// from the deliveries already stored.
func migrateAutomation(tx *bbolt.Tx) error {
	for _, list := range [][][]byte{slotBuckets, seriesBuckets, feedBuckets, importBuckets, eventBuckets} {
		for _, name := range list {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
	}
	return fillAccountQueue(tx)
}
