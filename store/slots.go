package store

import "pregonero"

// bucketAccountQueue indexes the deliveries that hold a place in their
// account's queue (see queueIndexKey); it is kept in step by applyChange
// and CreatePosts like the other delivery indexes.
var bucketAccountQueue = []byte("account_queue")

// slotBuckets are the buckets of this file, created by migrateAutomation.
var slotBuckets = [][]byte{bucketAccountQueue}

// queueIndexKey is a delivery's key in bucketAccountQueue, nil when it
// holds no place in its account's queue.
func queueIndexKey(*pregonero.Delivery) []byte { return nil }
