package main

import (
	"bufio"
	"context"
	"errors"
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

`+clientHelp)
}

// Run dispatches to the subcommand.
func (c *UsersCommand) Run(ctx context.Context, args []string) error {
	return dispatch(ctx, c.io, "pregonero users", c.Usage, subcommands{"add": c.add, "list": c.list}, args)
}

func (c *UsersCommand) add(ctx context.Context, args []string) error {
	var username, role string
	var units multiFlag
	l := newCmdLine(c.io, "pregonero users add", "pregonero users add -username NAME -role admin|editor|viewer [-unit DEPENDENCIA]... < password",
		"Creates a user on the running server and prints its id and role. The password is the first line",
		"of stdin (10 to 128 characters, not the username), so it never shows in the process list or the",
		"shell history: e.g. pregonero users add -username ana -role editor -unit \"Oficina de Comunicaciones\" < pw.txt",
		"Needs the admin's token (-token-file, $PREGONERO_TOKEN or <data_dir>/admin.token).")
	fs := l.FlagSet
	fs.StringVar(&username, "username", "", "`name` to sign in with: 2 to 64 letters without accents, digits, and . - _ @")
	fs.StringVar(&role, "role", "", "`admin, editor or viewer`: admins do everything, editors post for their dependencias' accounts, viewers read")
	fs.Var(&units, "unit", "`dependencia` whose accounts the user posts to, e.g. \"Oficina de Comunicaciones\" (repeatable; an editor needs one)")
	if err := l.parseNoArgs(args, "every value goes after a flag (quote names with spaces)"); err != nil {
		return err
	}
	if username == "" {
		return l.usageError(errors.New("-username is required"))
	}
	r := pregonero.Role(role)
	if !r.Valid() {
		return l.usageError(fmt.Errorf("-role %q: use admin, editor or viewer", role))
	}
	password, err := readPassword(c.io.in)
	if err != nil {
		return l.usageError(err)
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	u, err := cl.CreateUser(ctx, username, password, r, units)
	return l.printJSONOr(u, err, func() error {
		_, err := fmt.Fprintf(c.io.out, "%s %s created as %s%s\n", termLine(u.ID), termLine(u.Username), termLine(string(u.Role)), termLine(unitsSuffix(u.Units)))
		return err
	})
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
	l := newCmdLine(c.io, "pregonero users list", "pregonero users list [-json]",
		"Lists every user by username: id, role, dependencias, and whether the user is disabled or must",
		"change a password someone else chose. Needs the admin's token.")
	if err := l.parseNoArgs(args, ""); err != nil {
		return err
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	us, err := cl.Users(ctx)
	return l.printJSONOr(us, err, func() error { return c.print(us) })
}

// print writes the users as a table.
func (c *UsersCommand) print(us []*pregonero.User) error {
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
