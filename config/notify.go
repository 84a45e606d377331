package config

// NotifyConfig configures notifications by e-mail and webhook (notifications.*).
type NotifyConfig struct{}

// validate reports the keys that are wrong.
func (c *NotifyConfig) validate(bad func(format string, args ...any)) {}
