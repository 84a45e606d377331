package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"pregonero"
)

// UsersCommand adds and lists the people who sign in to the web
// interface, through a running server with the admin's token.
type UsersCommand struct{ io *stdio }

// Usage prints the subcommands.
func (c *UsersCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero users add -username NAME -role admin|editor|viewer [-unit DEPENDENCIA]... < password
	pregonero users list [-json]

add creates a user on the running server; the password is the first line
of stdin. Editors post only for the accounts of their dependencias (-unit,
at least one). list shows every user with role and dependencias.

The server is -url, else $PREGONERO_URL, else listen of the configuration;
the token $PREGONERO_TOKEN, else -token-file, else <data_dir>/admin.token.
Each subcommand takes -h.
`)
}

// Run dispatches to the subcommand.
func (c *UsersCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		c.Usage()
		return errUsage
	}
	switch args[0] {
	case "add":
		return c.add(ctx, args[1:])
	case "list":
		return c.list(ctx, args[1:])
	case "-h", "--help", "help":
		c.Usage()
		return flag.ErrHelp
	}
	fmt.Fprintf(c.io.err, "pregonero users: unknown subcommand %q\n\n", args[0])
	c.Usage()
	return errUsage
}

func (c *UsersCommand) add(ctx context.Context, args []string) error {
	var cf clientFlags
	var username, role string
	var units multiFlag
	fs := flag.NewFlagSet("pregonero users add", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	fs.StringVar(&username, "username", "", "`name` to sign in with: 2 to 64 letters without accents, digits, and . - _ @")
	fs.StringVar(&role, "role", "", "`admin, editor or viewer`: admins do everything, editors post for their dependencias' accounts, viewers read")
	fs.Var(&units, "unit", "`dependencia` whose accounts the user posts to, e.g. \"Oficina de Comunicaciones\" (repeatable; an editor needs one)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero users add -username NAME -role admin|editor|viewer [-unit DEPENDENCIA]... < password")
		fmt.Fprintln(fs.Output(), "\nCreates a user on the running server and prints its id and role. The password is the first line")
		fmt.Fprintln(fs.Output(), "of stdin (10 to 128 characters, not the username), so it never shows in the process list or the")
		fmt.Fprintln(fs.Output(), "shell history: e.g. pregonero users add -username ana -role editor -unit \"Oficina de Comunicaciones\" < pw.txt")
		fmt.Fprintln(fs.Output(), "Needs the admin's token (-token-file, $PREGONERO_TOKEN or <data_dir>/admin.token).")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return c.usageError("add", fmt.Errorf("unexpected %q: every value goes after a flag (quote names with spaces)", fs.Arg(0)))
	}
	if username == "" {
		return c.usageError("add", errors.New("-username is required"))
	}
	r := pregonero.Role(role)
	if !r.Valid() {
		return c.usageError("add", fmt.Errorf("-role %q: use admin, editor or viewer", role))
	}
	password, err := readPassword(c.io.in)
	if err != nil {
		return c.usageError("add", err)
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	u, err := cl.CreateUser(ctx, username, password, r, units)
	if err != nil {
		return apiError(c.io.err, err)
	}
	if cf.jsonOut {
		return printJSON(c.io.out, u)
	}
	_, err = fmt.Fprintf(c.io.out, "%s %s created as %s%s\n", termLine(u.ID), termLine(u.Username), termLine(string(u.Role)), termLine(unitsSuffix(u.Units)))
	return err
}

// unitsSuffix says which dependencias a user posts for, if any.
func unitsSuffix(units []string) string {
	if len(units) == 0 {
		return ""
	}
	return " for " + strings.Join(units, "; ")
}

// readPassword reads the first line of r: the password, without its line
// break. An empty one is refused: the server would, with less to say.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("the password is the first line of stdin, and it is empty")
	}
	return line, nil
}

func (c *UsersCommand) list(ctx context.Context, args []string) error {
	var cf clientFlags
	fs := flag.NewFlagSet("pregonero users list", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero users list [-json]")
		fmt.Fprintln(fs.Output(), "\nLists every user by username: id, role, dependencias, and whether the user is disabled or must")
		fmt.Fprintln(fs.Output(), "change a password someone else chose. Needs the admin's token.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return c.usageError("list", fmt.Errorf("unexpected %q", fs.Arg(0)))
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	us, err := cl.Users(ctx)
	if err != nil {
		return apiError(c.io.err, err)
	}
	if cf.jsonOut {
		return printJSON(c.io.out, us)
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tDEPENDENCIAS\tSTATE")
	for _, u := range us {
		units := "-"
		if len(u.Units) > 0 {
			units = strings.Join(u.Units, "; ")
		}
		var state []string
		if u.Disabled {
			state = append(state, "disabled")
		}
		if u.MustChangePassword {
			state = append(state, "must change password")
		}
		if len(state) == 0 {
			state = append(state, "active")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", termLine(u.ID), termLine(u.Username), termLine(string(u.Role)), termLine(units), strings.Join(state, ", "))
	}
	return tw.Flush()
}

// usageError prints a problem with the command line and returns errUsage
// (exit 2).
func (c *UsersCommand) usageError(verb string, err error) error {
	fmt.Fprintf(c.io.err, "pregonero users %s: %v\n", verb, err)
	return errUsage
}
