package store

// eventBuckets are the buckets of this file, created by migrateAutomation.
var eventBuckets = [][]byte{}
