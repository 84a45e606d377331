package store

// slotBuckets are the buckets of this file, created by migrateAutomation.
var slotBuckets = [][]byte{}
