package store

// seriesBuckets are the buckets of this file, created by migrateAutomation.
var seriesBuckets = [][]byte{}
