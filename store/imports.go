package store

// importBuckets are the buckets of this file, created by migrateAutomation.
var importBuckets = [][]byte{}
