package store

// feedBuckets are the buckets of this file, created by migrateAutomation.
var feedBuckets = [][]byte{}
