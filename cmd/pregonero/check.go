package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"pregonero/config"
	"pregonero/store"
)

// dataFlags locate the data directory for the commands that work on the
// data file of a stopped server.
type dataFlags struct {
	configPath, dataDir string
}

func (d *dataFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.dataDir, "data", "", "data `directory` (default: data_dir of the configuration)")
	fs.StringVar(&d.configPath, "config", "config.yaml", "configuration `file`, read for data_dir only (its ${VAR} references need not be set)")
}

// dir returns the data directory: -data, else the configuration's.
func (d *dataFlags) dir() (string, error) {
	if d.dataDir != "" {
		return d.dataDir, nil
	}
	c, err := config.LoadClient(d.configPath)
	if err != nil {
		return "", fmt.Errorf("%w (or give -data DIR)", err)
	}
	return c.DataDir, nil
}

// CheckCommand checks a data file for damage while no server holds it.
type CheckCommand struct{ io *stdio }

func (c *CheckCommand) flags(d *dataFlags) *flag.FlagSet {
	fs := newFlags(c.io, "pregonero check")
	d.register(fs)
	setUsage(fs, "pregonero check [-data DIR | -config FILE | FILE]",
		"Checks the data file (or FILE, a backup say) with the server stopped: reads every record and runs",
		"bbolt's consistency check. Exit 0 clean, 1 damaged or not checked (no file, server running), 2 usage.")
	return fs
}

// Usage prints the flags.
func (c *CheckCommand) Usage() { var d dataFlags; c.flags(&d).Usage() }

// Run checks the file and prints what it found.
func (c *CheckCommand) Run(ctx context.Context, args []string) error {
	var d dataFlags
	set := c.flags(&d)
	if err := parseFlags(set, args); err != nil {
		return err
	}
	var path string
	switch set.NArg() {
	case 0:
		dir, err := d.dir()
		if err != nil {
			fmt.Fprintln(c.io.err, "pregonero check:", err)
			return errUsage
		}
		path = filepath.Join(dir, store.DataFile)
	case 1:
		path = set.Arg(0)
	default:
		set.Usage()
		return errUsage
	}

	// The part of the check that is bbolt's cannot be interrupted; an
	// interrupt ends the command without waiting for it.
	type result struct {
		r   *store.CheckReport
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := store.CheckFile(ctx, path)
		done <- result{r, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
	}
	switch err := res.err; {
	case ctx.Err() != nil:
		fmt.Fprintf(c.io.err, "pregonero check: interrupted; %s was not checked\n", path)
		return exitError{1}
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(c.io.err, "pregonero check: there is no data file at %s\n", path)
		return exitError{1}
	case errors.Is(err, store.ErrInUse):
		fmt.Fprintf(c.io.err, "pregonero check: %s is in use: a server is running on it, and bbolt's lock lets nothing else read it.\n"+
			"Stop the server and check again, or check a backup of it (pregonero backup -o FILE, then pregonero check FILE).\n", path)
		return exitError{1}
	case err != nil:
		return err
	}
	r := res.r
	if !r.Damaged() {
		fmt.Fprintf(c.io.out, "%s: %d bytes, schema %d, %d buckets, %d records, checked in %s\n",
			r.Path, r.Size, r.Schema, r.Buckets, r.Keys, r.Took.Round(100*time.Microsecond))
		fmt.Fprintln(c.io.out, "ok: no damage found")
		return nil
	}
	fmt.Fprintf(c.io.out, "%s: %d bytes\nDAMAGED: %s:\n", r.Path, r.Size, r.ProblemCount())
	for _, p := range r.Problems {
		fmt.Fprintf(c.io.out, "  - %s\n", p)
	}
	if r.More > 0 {
		fmt.Fprintf(c.io.out, "  … and %d more\n", r.More)
	}
	fmt.Fprintf(c.io.out, "%s%s.\n", strings.ToUpper(store.RestoreHint[:1]), store.RestoreHint[1:])
	return exitError{1}
}
