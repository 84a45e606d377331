package config

import "time"

// FeedsConfig configures news feeds polled into drafts (feeds.*). The
// feeds themselves are added through the API, the CLI or the web
// interface, by the people who choose the accounts their drafts go to.
type FeedsConfig struct {
	// Every is how often the poll job runs; a feed is fetched when its
	// own interval (this one when it has none) has passed since its last
	// fetch.
	Every Duration `yaml:"every"`
	// Timeout bounds one fetch, body included.
	Timeout Duration `yaml:"timeout"`
	// MaxBytes caps the size of a feed document.
	MaxBytes int64 `yaml:"max_bytes"`
	// FirstItems is how many of the newest items of a feed become drafts
	// at its first poll; the older ones are marked seen, so that adding a
	// feed does not flood the drafts with old news.
	FirstItems int `yaml:"first_items"`
}

// Limits of the feeds section.
const (
	// minFeedsEvery spares the sites of the feeds: news feeds change in
	// minutes, not seconds.
	minFeedsEvery = time.Minute
	// maxFeedBytes keeps a mistaken URL (a video) from filling memory.
	maxFeedBytes = 50 << 20
)

// validate reports the keys that are wrong.
func (c *FeedsConfig) validate(bad func(format string, args ...any)) {
	if e := c.Every.D(); e < minFeedsEvery {
		bad("feeds.every: %s must be at least %s", e, minFeedsEvery)
	}
	if t := c.Timeout.D(); t < time.Second || t > 10*time.Minute {
		bad("feeds.timeout: %s must be between 1s and 10m", t)
	}
	if c.MaxBytes < 1024 || c.MaxBytes > maxFeedBytes {
		bad("feeds.max_bytes: %d must be between 1024 and %d", c.MaxBytes, maxFeedBytes)
	}
	if c.FirstItems < 0 || c.FirstItems > 100 {
		bad("feeds.first_items: %d must be between 0 and 100", c.FirstItems)
	}
}
