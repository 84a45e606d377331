package config

// FeedsConfig configures news feeds polled into drafts (feeds.*).
type FeedsConfig struct{}

// validate reports the keys that are wrong.
func (c *FeedsConfig) validate(bad func(format string, args ...any)) {}
