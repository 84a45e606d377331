package config

import "time"

// SeriesConfig configures recurring series (series.*).
type SeriesConfig struct {
	// Horizon is how far ahead each occurrence of a series becomes a
	// post ("336h": 14 days); a series may set its own in days.
	Horizon Duration `yaml:"horizon"`
	// Every is how often the posts of new occurrences are made (and once
	// at start).
	Every Duration `yaml:"every"`
}

// Limits of the series section.
const (
	// MaxSeriesHorizon keeps the horizon within how far ahead a post may
	// be scheduled at all (two years), with room to spare.
	MaxSeriesHorizon = 366 * 24 * time.Hour
	// minSeriesEvery stops a run every few seconds, which would only
	// repeat the same reads.
	minSeriesEvery = time.Minute
)

// validate reports the keys that are wrong.
func (c *SeriesConfig) validate(bad func(format string, args ...any)) {
	if h := c.Horizon.D(); h < time.Hour || h > MaxSeriesHorizon {
		bad("series.horizon: %s must be between 1h and %s", h, MaxSeriesHorizon)
	}
	if e := c.Every.D(); e < minSeriesEvery {
		bad("series.every: %s must be at least %s", e, minSeriesEvery)
	}
}
