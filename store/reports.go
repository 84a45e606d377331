package store

import "go.etcd.io/bbolt"

// migrateCampaignIndex (schema 9) is reserved for the index of posts by
// campaign.
func migrateCampaignIndex(*bbolt.Tx) error { return nil }
