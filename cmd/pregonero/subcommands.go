package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"pregonero/web"
)

// clientHelp ends the usage of every command that talks to a running
// server: where the address and the token come from.
const clientHelp = `The server is -url, else $PREGONERO_URL, else listen of the configuration;
the token $PREGONERO_TOKEN, else -token-file, else <data_dir>/admin.token.
Each subcommand takes -h.
`

// subcommands maps the verbs of a command to what runs them, each given
// the arguments after its verb.
type subcommands map[string]func(ctx context.Context, args []string) error

// dispatch runs the subcommand args[0] names. Without one it prints the
// command's usage and exits 2; -h, --help and help print it and exit 0;
// an unknown one is named, then the usage, exit 2. name is the command's,
// e.g. "pregonero campaign".
func dispatch(ctx context.Context, io *stdio, name string, usage func(), subs subcommands, args []string) error {
	if len(args) == 0 {
		usage()
		return errUsage
	}
	if run, ok := subs[args[0]]; ok {
		return run(ctx, args[1:])
	}
	if isHelp(args[0]) {
		usage()
		return flag.ErrHelp
	}
	fmt.Fprintf(io.err, "%s: unknown subcommand %q\n\n", name, args[0])
	usage()
	return errUsage
}

// isHelp says whether an argument asks for the usage.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "help"
}

// newFlags returns the empty flag set of the command name (e.g.
// "pregonero campaign create"): its errors and usage go to stderr, and
// parseFlags turns them into exit codes.
func newFlags(io *stdio, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	return fs
}

// setUsage makes the usage of fs "Usage: " and the synopsis, then the
// lines of about after a blank line, then the flags.
func setUsage(fs *flag.FlagSet, synopsis string, about ...string) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "Usage: "+synopsis)
		for i, line := range about {
			if i == 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintln(w, line)
		}
		fs.PrintDefaults()
	}
}

// cmdLine is the command line of a command that talks to a running
// server: its flags, the client's among them (-url, -json, -tz…).
type cmdLine struct {
	*flag.FlagSet
	io *stdio
	cf clientFlags
}

// newCmdLine returns the command line of the command name with the
// client's flags; its usage is the synopsis and the lines of about (see
// setUsage). The command adds its own flags to it.
func newCmdLine(io *stdio, name, synopsis string, about ...string) *cmdLine {
	l := &cmdLine{FlagSet: newFlags(io, name), io: io}
	l.cf.register(l.FlagSet)
	setUsage(l.FlagSet, synopsis, about...)
	return l
}

// newCmdLineOf returns the command line of the command name with the
// client's flags, for a command whose usage is its command's: usage,
// then the flags.
func newCmdLineOf(io *stdio, name string, usage func()) *cmdLine {
	l := newCmdLine(io, name, "")
	l.Usage = func() {
		usage()
		l.PrintDefaults()
	}
	return l
}

// usageError prints a problem with the command line after the command's
// name and returns errUsage (exit 2).
func (l *cmdLine) usageError(err error) error {
	fmt.Fprintf(l.io.err, "%s: %v\n", l.Name(), err)
	return errUsage
}

// parse parses the flags; the words left are l.Args().
func (l *cmdLine) parse(args []string) error { return parseFlags(l.FlagSet, args) }

// parseNoArgs parses a command line of flags alone: a word left over is a
// usage error, followed by hint when there is one (a word after a flag's
// value often means an unquoted value with spaces).
func (l *cmdLine) parseNoArgs(args []string, hint string) error {
	if err := l.parse(args); err != nil {
		return err
	}
	if l.NArg() == 0 {
		return nil
	}
	msg := fmt.Sprintf("unexpected %q", l.Arg(0))
	if hint != "" {
		msg += ": " + hint
	}
	return l.usageError(errors.New(msg))
}

// parseArgs parses a subcommand's flags and wants n arguments after them;
// else what says what to give.
func (l *cmdLine) parseArgs(args []string, n int, what string) error {
	if err := l.parse(args); err != nil {
		return err
	}
	if l.NArg() != n {
		return l.usageError(errors.New(what))
	}
	return nil
}

// parseID parses the flags and the one id the command acts on, which may
// come before or after them.
func (l *cmdLine) parseID(args []string) (string, error) { return parseWithID(l.FlagSet, args) }

// parseIDClient parses the flags and the one id (parseID), and returns
// the id and the API client.
func (l *cmdLine) parseIDClient(args []string) (string, *web.Client, error) {
	id, err := l.parseID(args)
	if err != nil {
		return "", nil, err
	}
	cl, err := l.client()
	return id, cl, err
}

// client builds the API client the flags and the environment say.
func (l *cmdLine) client() (*web.Client, error) { return l.cf.client() }

// zone is the zone of -tz (see clientFlags.zone); one that cannot be
// read is a usage error.
func (l *cmdLine) zone() (*time.Location, error) {
	loc, err := l.cf.zone()
	if err != nil {
		return nil, l.usageError(err)
	}
	return loc, nil
}

// clientIn returns the API client and the zone of -tz, which is read
// first: a zone that cannot be read is a usage error.
func (l *cmdLine) clientIn() (*web.Client, *time.Location, error) {
	loc, err := l.zone()
	if err != nil {
		return nil, nil, err
	}
	cl, err := l.client()
	if err != nil {
		return nil, nil, err
	}
	return cl, loc, nil
}

// printJSONOr prints the server's answer v to a call that returned err:
// the API error (exit 1) when the call failed, else v as JSON with
// -json, else what text writes for a person.
func (l *cmdLine) printJSONOr(v any, err error, text func() error) error {
	if err != nil {
		return apiError(l.io.err, err)
	}
	if l.cf.jsonOut {
		return printJSON(l.io.out, v)
	}
	return text()
}

// parseWithID parses the flags of a subcommand that takes one id, and
// returns the id. The id may come before or after the flags.
func parseWithID(fs *flag.FlagSet, args []string) (string, error) {
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	} else if fs.NArg() > 0 {
		id = ""
	}
	if id == "" {
		fs.Usage()
		return "", errUsage
	}
	return id, nil
}

// multiFlag is a repeatable string flag: each use adds a value.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

// Set adds a value.
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

// commaList reads the values of a repeatable flag that also takes
// comma-separated lists (-target a,b -target c), blanks left out.
func commaList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
