package config

// SeriesConfig configures recurring series (series.*).
type SeriesConfig struct{}

// validate reports the keys that are wrong.
func (c *SeriesConfig) validate(bad func(format string, args ...any)) {}
