// Command pregonero is the one binary of the Pregonero service: the
// server, the sandbox networks and the command-line client.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	os.Exit(code)
}

// command is one subcommand.
type command interface {
	Run(ctx context.Context, args []string) error
	Usage()
}

// exitError carries a process exit code.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Run runs the command line and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	io := &stdio{in: stdin, out: stdout, err: stderr}
	if len(args) == 0 || isHelp(args[0]) {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var cmd command
	switch args[0] {
	case "serve":
		cmd = &ServeCommand{io: io}
	case "sandbox":
		cmd = &SandboxCommand{io: io}
	case "validate":
		cmd = &ValidateCommand{io: io}
	case "post":
		cmd = &PostCommand{io: io}
	case "accounts":
		cmd = &AccountsCommand{io: io}
	case "pause":
		cmd = &PauseCommand{io: io}
	case "resume":
		cmd = &ResumeCommand{io: io}
	case "backup":
		cmd = &BackupCommand{io: io}
	case "check":
		cmd = &CheckCommand{io: io}
	case "token":
		cmd = &TokenCommand{io: io}
	case "users":
		cmd = &UsersCommand{io: io}
	case "campaign":
		cmd = &CampaignCommand{io: io}
	case "slots":
		cmd = &SlotsCommand{io: io}
	case "series":
		cmd = &SeriesCommand{io: io}
	case "metrics":
		cmd = &MetricsCommand{io: io}
	case "report":
		cmd = &ReportCommand{io: io}
	case "export":
		cmd = &ExportCommand{io: io}
	case "import":
		cmd = &ImportCommand{io: io}
	case "feeds":
		cmd = &FeedsCommand{io: io}
	case "notifications":
		cmd = &NotificationsCommand{io: io}
	case "version":
		cmd = &VersionCommand{io: io}
	default:
		fmt.Fprintf(stderr, "pregonero: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.Run(ctx, args[1:])
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintln(stderr, "pregonero:", err)
		return 1
	}
}

var errUsage = errors.New("usage")

// parseFlags parses a command's flags: flag.ErrHelp for -h (exit 0), and
// errUsage (exit 2) for a flag it does not know or cannot read, which the
// flag package has already named with the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// VersionCommand prints the version.
type VersionCommand struct{ io *stdio }

func (c *VersionCommand) flags() *flag.FlagSet {
	fs := newFlags(c.io, "pregonero version")
	setUsage(fs, "pregonero version", "Prints the version of this binary: the tag or commit it was built from, or dev.")
	return fs
}

// Usage prints what the command does.
func (c *VersionCommand) Usage() { c.flags().Usage() }

// Run prints the version.
func (c *VersionCommand) Run(ctx context.Context, args []string) error {
	fs := c.flags()
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	_, err := fmt.Fprintln(c.io.out, "pregonero", Version())
	return err
}

// Version returns the build version, falling back to the module build info.
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return s.Value[:12]
			}
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Pregonero schedules and publishes posts to X, Facebook, Instagram and YouTube.

Usage:

	pregonero <command> [arguments]

Commands:

	serve      run the server (API, scheduler, publisher)
	sandbox    run the fake networks on their own
	validate   check a text against a network's limits (text on stdin)
	post       create, list, show, edit, schedule or cancel posts on a running server
	accounts   list the accounts; accounts check verifies their credentials, accounts connect|disconnect
	pause      stop publishing, globally or for one account
	resume     resume publishing and review what is overdue
	backup     write a consistent snapshot of the data file
	check      check the data file for damage (server stopped)
	token      rotate the API token (server stopped)
	users      add or list the people who sign in to the web interface
	campaign   create, list or show the campaigns posts belong to
	slots      set an account's posting slots, see and reorder its queue, add posts to it
	series     create, list, show, edit, skip or end recurring posts
	metrics    show the engagement history of a post
	report     show how a campaign's posts did, or the reports by dependencia or line
	export     export metrics or posts as CSV (export metrics -campaign ID -o FILE.csv, export posts)
	import     import posts from a CSV file (import FILE.csv [-valid-only] [-dry-run])
	feeds      add, list, show, poll or remove the news feeds whose items become drafts
	notifications  your e-mail notifications, and the webhooks (admins): show, set, test
	version    print the version

Use "pregonero <command> -h" for the arguments of a command.
`)
}
