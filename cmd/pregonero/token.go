package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"

	"pregonero/config"
	"pregonero/store"
	"pregonero/web"
)

// TokenCommand replaces the API token on the data file of a stopped
// server: the way back in when the token file is lost.
type TokenCommand struct{ io *stdio }

func (c *TokenCommand) flags(d *dataFlags) *flag.FlagSet {
	fs := newFlags(c.io, "pregonero token rotate")
	d.register(fs)
	setUsage(fs, "pregonero token rotate [-data DIR | -config FILE]",
		"With the server stopped, writes a new API token to <data_dir>/"+web.TokenFile+" (mode 0600) and stores",
		"its hash in the data file; the previous token stops working. A running server rotates its token",
		"through the API instead: POST /api/v1/token/rotate with the current token.")
	return fs
}

// Usage prints the subcommand and its flags.
func (c *TokenCommand) Usage() { var d dataFlags; c.flags(&d).Usage() }

// Run dispatches to the subcommand: rotate, the only one.
func (c *TokenCommand) Run(ctx context.Context, args []string) error {
	return dispatch(ctx, c.io, "pregonero token", c.Usage, subcommands{"rotate": c.rotate}, args)
}

// rotate rotates the token.
func (c *TokenCommand) rotate(ctx context.Context, args []string) error {
	var d dataFlags
	set := c.flags(&d)
	if err := parseFlags(set, args); err != nil {
		return err
	}
	if set.NArg() > 0 {
		set.Usage()
		return errUsage
	}
	dir, err := d.dir()
	if err != nil {
		fmt.Fprintln(c.io.err, "pregonero token:", err)
		return errUsage
	}
	path := filepath.Join(dir, store.DataFile)
	log := newLogger(c.io.err, config.LogConfig{Format: "text", Level: "warn"})
	// A token for a new, empty store would help nobody.
	db, err := store.Open(path, store.WithExisting(), store.WithCheck(0), store.WithLogger(log))
	if errors.Is(err, store.ErrNoDataFile) {
		fmt.Fprintf(c.io.err, "pregonero token: there is no data file at %s; the server creates it, and the token, at its first start\n", path)
		return exitError{1}
	} else if errors.Is(err, store.ErrInUse) {
		fmt.Fprintf(c.io.err, "pregonero token: %s is in use: the server is running.\n"+
			"Rotate through it with the current token (POST /api/v1/token/rotate), or stop it and run this again.\n", path)
		return exitError{1}
	} else if err != nil {
		return err
	}
	file, err := web.RotateToken(ctx, db, dir, log)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.io.out, "new API token written to %s; the previous token no longer works\n", file)
	return nil
}
