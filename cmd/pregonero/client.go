package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"pregonero"
	"pregonero/config"
	"pregonero/web"
)

// clientFlags are the flags every command that talks to the server takes.
type clientFlags struct {
	configPath string
	url        string
	tokenFile  string
	jsonOut    bool
}

func (c *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.configPath, "config", "config.yaml", "configuration file (for the server address and data_dir)")
	fs.StringVar(&c.url, "url", "", "server URL (default $PREGONERO_URL, else from the configuration)")
	fs.StringVar(&c.tokenFile, "token-file", "", "API token file (default $PREGONERO_TOKEN, else <data_dir>/admin.token)")
	fs.BoolVar(&c.jsonOut, "json", false, "print JSON")
}

// client builds the API client: PREGONERO_URL and PREGONERO_TOKEN win over
// the configuration file.
func (c *clientFlags) client() (*web.Client, error) {
	base := c.url
	if base == "" {
		base = os.Getenv("PREGONERO_URL")
	}
	token := os.Getenv("PREGONERO_TOKEN")
	var cfg *config.Config
	if base == "" || (token == "" && c.tokenFile == "") {
		loaded, err := config.Load(c.configPath)
		if err != nil {
			return nil, fmt.Errorf("%w (set PREGONERO_URL and PREGONERO_TOKEN, or give -config)", err)
		}
		cfg = &loaded
	}
	if base == "" {
		base = "http://" + cfg.Listen
	}
	if c.tokenFile != "" || token == "" {
		path := c.tokenFile
		if path == "" {
			path = filepath.Join(cfg.DataDir, "admin.token")
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("API token: %w (the server writes it at first start)", err)
		}
		token = strings.TrimSpace(string(b))
	}
	return web.NewClient(strings.TrimRight(base, "/"), token, nil), nil
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
