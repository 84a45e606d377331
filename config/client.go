package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"pregonero"
)

// Client is what the commands that talk to a running server, or work on
// the data file of a stopped one, read from the configuration: where the
// server listens, where its data lives and the zone it reads and shows
// times in. The rest of the file is the server's business.
type Client struct {
	Listen   string `yaml:"listen"`
	DataDir  string `yaml:"data_dir"`
	Timezone string `yaml:"timezone"`
}

// LoadClient reads the three keys of Client from a configuration file,
// with their defaults. Unlike Load it does not need the server's secrets:
// a ${NAME} reference to an unset variable is an error only in those three
// keys, and the rest of the file is not validated (the server does that).
// A missing file is an error wrapping fs.ErrNotExist.
func LoadClient(path string) (Client, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Client{}, fmt.Errorf("config: %w", err)
	}
	return ParseClient(b, os.LookupEnv)
}

// ParseClient is LoadClient on YAML bytes; lookup resolves ${NAME}
// references.
func ParseClient(b []byte, lookup func(string) (string, bool)) (Client, error) {
	d := Default()
	c := Client{Listen: d.Listen, DataDir: d.DataDir, Timezone: d.Timezone}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	if root.Kind == 0 {
		return c, nil
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return c, errors.New("config: the file must be a YAML mapping of keys to values")
	}
	top := root.Content[0]
	var missing []string
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		var dst *string
		switch k.Value {
		case "listen":
			dst = &c.Listen
		case "data_dir":
			dst = &c.DataDir
		case "timezone":
			dst = &c.Timezone
		default:
			continue
		}
		if v.Kind != yaml.ScalarNode {
			return c, fmt.Errorf("config: line %d: %s must be a string", v.Line, k.Value)
		}
		expand(v, lookup, &missing)
		*dst = v.Value
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return c, fmt.Errorf("config: environment variables not set: %s", strings.Join(uniq(missing), ", "))
	}
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen: %q is not host:port", c.Listen))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data_dir: required"))
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		errs = append(errs, fmt.Errorf("timezone: %q is not an IANA time zone (e.g. %s)", c.Timezone, pregonero.DefaultTimezone))
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, nil
}

// Location returns the configured zone.
func (c Client) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}
