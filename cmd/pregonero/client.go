package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"pregonero"
	"pregonero/config"
	"pregonero/posting"
	"pregonero/web"
)

// clientFlags are the flags every command that talks to the server takes.
type clientFlags struct {
	configPath string
	url        string
	tokenFile  string
	tz         string
	jsonOut    bool

	stderr io.Writer
	cfg    *config.Client // the configuration's client keys, once read
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	c.stderr = fs.Output()
	fs.StringVar(&c.configPath, "config", "config.yaml", "configuration `file` (YAML): the server address, data_dir and timezone come from it")
	fs.StringVar(&c.url, "url", "", "server `URL`, e.g. http://127.0.0.1:8080 (default $PREGONERO_URL, else http:// and listen of the configuration)")
	fs.StringVar(&c.tokenFile, "token-file", "", "`file` holding the API token (default $PREGONERO_TOKEN, else <data_dir>/admin.token of the configuration)")
	fs.StringVar(&c.tz, "tz", "", "IANA time `zone` to read and show times in, e.g. America/Bogota (default $TZ, else timezone of the configuration, else "+pregonero.DefaultTimezone+")")
	fs.BoolVar(&c.jsonOut, "json", false, "print the server's JSON instead of text")
}

// loadConfig reads the configuration's client keys, once. They need none
// of the server's secrets (see config.LoadClient).
func (c *clientFlags) loadConfig() (config.Client, error) {
	if c.cfg == nil {
		cfg, err := config.LoadClient(c.configPath)
		if err != nil {
			return cfg, err
		}
		c.cfg = &cfg
	}
	return *c.cfg, nil
}

// client builds the API client: PREGONERO_URL and PREGONERO_TOKEN win over
// the configuration file, which is read only for what they leave unsaid.
func (c *clientFlags) client() (*web.Client, error) {
	base := c.url
	if base == "" {
		base = os.Getenv("PREGONERO_URL")
	}
	token := os.Getenv("PREGONERO_TOKEN")
	var cfg config.Client
	if base == "" || (token == "" && c.tokenFile == "") {
		var err error
		if cfg, err = c.loadConfig(); err != nil {
			return nil, fmt.Errorf("%w (set PREGONERO_URL and PREGONERO_TOKEN, or give -config)", err)
		}
	}
	if base == "" {
		base = "http://" + cfg.Listen
	}
	if c.tokenFile != "" || token == "" {
		path := c.tokenFile
		if path == "" {
			path = filepath.Join(cfg.DataDir, web.TokenFile)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("API token: %w (the server writes it at first start)", err)
		}
		token = strings.TrimSpace(string(b))
	}
	return web.NewClient(strings.TrimRight(base, "/"), token, nil), nil
}

// zone is the zone the command reads and shows times in: -tz; else $TZ
// when it names a zone; else the configuration's timezone (a missing
// configuration file is no error); else America/Bogota.
func (c *clientFlags) zone() (*time.Location, error) {
	if c.tz != "" {
		loc, err := time.LoadLocation(c.tz)
		if err != nil {
			return nil, fmt.Errorf("-tz: %q is not an IANA time zone (e.g. %s)", c.tz, pregonero.DefaultTimezone)
		}
		return loc, nil
	}
	if tz, ok := os.LookupEnv("TZ"); ok && tz != "" {
		if loc, err := envZone(tz); err == nil {
			return loc, nil
		}
		fmt.Fprintf(c.stderr, "pregonero: TZ=%q names no time zone; using the configuration's\n", tz)
	}
	cfg, err := c.loadConfig()
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return time.LoadLocation(pregonero.DefaultTimezone)
	case err != nil:
		return nil, fmt.Errorf("%w (or give -tz ZONE)", err)
	}
	return cfg.Location(), nil
}

// envZone reads $TZ as the C library does for zone names and files: an
// IANA name or a path to a zone file, either after an optional colon.
func envZone(tz string) (*time.Location, error) {
	tz = strings.TrimPrefix(tz, ":")
	if strings.HasPrefix(tz, "/") {
		b, err := os.ReadFile(tz)
		if err != nil {
			return nil, err
		}
		return time.LoadLocationFromTZData(tz, b)
	}
	return time.LoadLocation(tz)
}

// readTime reads a time flag as a person types it (posting.ParseHuman),
// in loc, and writes it as the API takes it: RFC 3339 with the zone's
// offset, which leaves the server nothing to interpret.
func readTime(name, value string, loc *time.Location) (string, error) {
	t, err := posting.ParseHuman(value, time.Now(), loc)
	if err != nil {
		return "", fmt.Errorf("-%s: %w", name, err)
	}
	return t.In(loc).Format(time.RFC3339Nano), nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// apiError prints an API error with its fields and returns exit code 1.
// The server's words reach a terminal: control characters in them are
// escaped (see termWriter).
func apiError(w io.Writer, err error) error {
	var e *pregonero.Error
	if !errors.As(err, &e) {
		return err
	}
	w = termWriter{w}
	fmt.Fprintf(w, "error: %s (%s)\n", e.Message, e.Code)
	for _, f := range e.Fields {
		fmt.Fprintf(w, "  - %s\n", f.String())
	}
	return exitError{1}
}
