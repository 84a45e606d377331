package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/adapters/facebook"
	"pregonero/adapters/instagram"
	"pregonero/adapters/sandbox"
	"pregonero/adapters/x"
	"pregonero/adapters/x/xtext"
	"pregonero/adapters/youtube"
	"pregonero/config"
	"pregonero/posting"
	"pregonero/store"
	"pregonero/web"
)

// SandboxCommand runs the fake networks on their own.
type SandboxCommand struct{ io *stdio }

// sandboxFlags are the flags of the sandbox command.
type sandboxFlags struct {
	listen, dataDir, tz, publicURL string
	smtpListen                     string
}

func (c *SandboxCommand) flags(v *sandboxFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("pregonero sandbox", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	fs.StringVar(&v.listen, "listen", "127.0.0.1:8090", "`host:port` to serve the fake networks on")
	fs.StringVar(&v.smtpListen, "smtp-listen", "127.0.0.1:8025", "`host:port` of the mail sink, an SMTP server keeping every message it takes (listed at GET /_sandbox/mail)")
	fs.StringVar(&v.dataDir, "data", "", "`directory` (created if missing) where the sandbox keeps the posts it accepted across restarts (default: none, everything is forgotten when it stops)")
	fs.StringVar(&v.tz, "tz", pregonero.DefaultTimezone, "IANA time `zone` the pages of sandbox posts show times in")
	fs.StringVar(&v.publicURL, "public-url", "", "the Pregonero server's public `URL` (e.g. http://127.0.0.1:8080): its /accounts/callback/{network} are the callbacks the sandbox's consent screens accept (default: none, connecting accounts through this sandbox is refused)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero sandbox [-listen ADDR] [-data DIR] [-tz ZONE] [-public-url URL]")
		fmt.Fprintln(fs.Output(), "\nServes the fake networks: /x/2/..., GET /_sandbox/posts, POST|DELETE /_sandbox/faults, and the pages")
		fmt.Fprintln(fs.Output(), "links to sandbox posts open. With -data, DIR/ledger.jsonl keeps every post the fakes accepted: a restart")
		fmt.Fprintln(fs.Output(), "with the same -data lists them, opens their links and answers for them as before. A damaged file stops")
		fmt.Fprintln(fs.Output(), "the start with its name and line (move it aside to start empty).")
		fs.PrintDefaults()
	}
	return fs
}

// Usage prints the flags.
func (c *SandboxCommand) Usage() { var v sandboxFlags; c.flags(&v).Usage() }

// Run serves until ctx is done.
func (c *SandboxCommand) Run(ctx context.Context, args []string) (err error) {
	var v sandboxFlags
	fs := c.flags(&v)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	loc, err := time.LoadLocation(v.tz)
	if err != nil {
		fmt.Fprintf(c.io.err, "pregonero sandbox: -tz %q is not an IANA time zone (e.g. %s)\n", v.tz, pregonero.DefaultTimezone)
		return errUsage
	}
	log := newLogger(c.io.err, config.LogConfig{Format: "text", Level: "info"})
	sb := sandbox.New(sandbox.Options{Logger: log, DataDir: v.dataDir, Location: loc, PublicURL: strings.TrimRight(v.publicURL, "/")})
	// The data is read before listening: a damaged file stops the start.
	if err := sb.Open(); err != nil {
		return err
	}
	defer func() {
		if cerr := sb.Close(); err == nil {
			err = cerr
		}
	}()
	stopMail, err := startMailSink(ctx, sb, v.smtpListen, log)
	if err != nil {
		return err
	}
	defer stopMail()
	log.Info("sandbox networks serving", pregonero.LogURL, "http://"+v.listen)
	return sb.ListenAndServe(ctx, v.listen)
}

// ValidateCommand checks text on stdin against a network's limits offline.
type ValidateCommand struct{ io *stdio }

// validateFlags are the flags of the validate command.
type validateFlags struct {
	network, text, textFile string
	textSet                 bool
}

func (c *ValidateCommand) flags(v *validateFlags) *flag.FlagSet {
	fs := newFlags(c.io, "pregonero validate")
	fs.StringVar(&v.network, "network", "", "`network`: x, facebook, instagram or youtube (the text as a video's description)")
	fs.Func("text", "the `text` to check, exactly as given: every character counts, a final line break too", func(s string) error {
		v.text, v.textSet = s, true
		return nil
	})
	fs.StringVar(&v.textFile, "text-file", "", "`file` holding the text (- for stdin), without its final line break")
	setUsage(fs, "pregonero validate -network x|facebook|instagram|youtube [-text TEXT | -text-file FILE | < FILE]",
		"Prints {\"network\",\"valid\",\"weighted_length\",\"limit\",\"errors\"}; exit 0 valid, 1 invalid, 2 usage.",
		"Without -text or -text-file the text is read from stdin. Text read from a file or stdin loses one",
		"final line break (\\n or \\r\\n), the one echo and editors add, as post create -text-file does; anything",
		"else counts as given. To check a text that ends in a line break, pass it with -text.",
		"Only the text is checked: rules about media (Instagram always needs some) apply when a post is queued.")
	return fs
}

// Usage prints the flags.
func (c *ValidateCommand) Usage() { var v validateFlags; c.flags(&v).Usage() }

// ValidateResult is the JSON the validate command prints.
type ValidateResult struct {
	Network        string                 `json:"network"`
	Valid          bool                   `json:"valid"`
	WeightedLength int                    `json:"weighted_length"`
	Limit          int                    `json:"limit"`
	Errors         []pregonero.FieldError `json:"errors"`
}

// Run reads stdin and prints the result.
func (c *ValidateCommand) Run(ctx context.Context, args []string) error {
	var v validateFlags
	fs := c.flags(&v)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	network := v.network
	if fs.NArg() > 0 || network == "" || (v.textSet && v.textFile != "") {
		fs.Usage()
		return errUsage
	}
	var (
		ad    pregonero.Adapter
		limit int
	)
	switch pregonero.Network(network) {
	case pregonero.NetworkX:
		ad, limit = x.New(x.Config{}), xtext.MaxWeightedLength
	case pregonero.NetworkFacebook:
		ad, limit = facebook.New(facebook.Config{}), facebook.MaxMessageChars
	case pregonero.NetworkInstagram:
		ad, limit = instagram.New(instagram.Config{}), instagram.MaxCaptionChars
	case pregonero.NetworkYouTube:
		// The text becomes the video's description.
		ad, limit = youtube.New(youtube.Config{}), youtube.MaxDescriptionBytes
	default:
		fmt.Fprintf(c.io.err, "pregonero validate: unknown network %q (x, facebook, instagram, youtube)\n", network)
		return errUsage
	}
	text := v.text
	if !v.textSet {
		path := v.textFile
		if path == "" {
			path = "-"
		}
		var err error
		if text, err = readText(path, c.io.in); errors.Is(err, errTooLong) {
			fmt.Fprintln(c.io.err, "pregonero validate:", err)
			return errUsage
		} else if err != nil {
			return err
		}
	}
	if len(text) > maxTextFile {
		fmt.Fprintln(c.io.err, "pregonero validate:", errTooLong)
		return errUsage
	}
	content := pregonero.Content{Text: text}
	errs := []pregonero.FieldError{}
	for _, f := range ad.Validate(content, &pregonero.Account{ID: network, Network: pregonero.Network(network)}) {
		// Only the text was given: what it lacks (media, a video's title)
		// is checked when the post is queued.
		if f.Field == "text" || (ad.Network() != pregonero.NetworkYouTube && f.Field != "media" && !strings.HasPrefix(f.Field, "media[")) {
			errs = append(errs, f)
		}
	}
	length := utf8.RuneCountInString(text)
	switch m, ok := ad.(pregonero.Measurer); {
	case ok:
		length, limit = m.Measure(content)
	case ad.Network() == pregonero.NetworkYouTube:
		length = len(youtube.Description(content)) // YouTube counts bytes
	}
	res := ValidateResult{Network: network, Valid: len(errs) == 0, WeightedLength: length, Limit: limit, Errors: errs}
	if err := printJSON(c.io.out, res); err != nil {
		return err
	}
	if !res.Valid {
		return exitError{1}
	}
	return nil
}

// maxTextFile is the most read of a text file.
const maxTextFile = 1 << 20

var errTooLong = errors.New("text over 1 MiB")

// readText reads the text of a post from a file, or stdin for "-". One
// final line break (\n or \r\n) is dropped: echo, here-documents and
// editors end the last line with one, and it is not part of what was
// written. Everything else, other trailing spaces and line breaks
// included, is kept as it is: validate and post create count and send the
// same text.
func readText(path string, stdin io.Reader) (string, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("text file: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxTextFile+1))
	if err != nil {
		return "", fmt.Errorf("read text: %w", err)
	}
	if len(b) > maxTextFile {
		return "", errTooLong
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		s = strings.TrimSuffix(t, "\r")
	}
	return s, nil
}

// AccountsCommand lists the accounts, or checks their credentials.
type AccountsCommand struct{ io *stdio }

func (c *AccountsCommand) flags() *cmdLine {
	return newCmdLine(c.io, "pregonero accounts", "pregonero accounts [-json] [-url URL] [-config FILE]\n"+
		"       pregonero accounts check [-account ID]... [-json]   (pregonero accounts check -h)\n"+
		"       pregonero accounts connect -network NETWORK [-pick REMOTE_ID]   (pregonero accounts connect -h)\n"+
		"       pregonero accounts disconnect ACCOUNT",
		"Lists the accounts with their status (active, paused, needs_reauth) and why; says when publishing is paused.")
}

// Usage prints the flags.
func (c *AccountsCommand) Usage() { c.flags().Usage() }

// Run prints the accounts, or runs a subcommand (accounts check).
func (c *AccountsCommand) Run(ctx context.Context, args []string) error {
	subs := subcommands{"check": c.check, "connect": c.connect, "disconnect": c.disconnect}
	if len(args) > 0 && subs[args[0]] != nil {
		return dispatch(ctx, c.io, "pregonero accounts", c.Usage, subs, args)
	}
	l := c.flags()
	if err := l.parse(args); err != nil {
		return err
	}
	if l.NArg() > 0 {
		fmt.Fprintf(c.io.err, "pregonero accounts: unexpected %q\n", l.Arg(0))
		l.Usage()
		return errUsage
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	as, err := cl.Accounts(ctx)
	return l.printJSONOr(as, err, func() error { return c.print(ctx, l, cl, as) })
}

// print writes the accounts as a table, after a line saying that
// publishing is paused when it is.
func (c *AccountsCommand) print(ctx context.Context, l *cmdLine, cl *web.Client, as []*pregonero.Account) error {
	if ps, err := cl.PauseState(ctx); err == nil && ps.Paused {
		loc, err := l.cf.zone()
		if err != nil {
			return err
		}
		fmt.Fprintf(c.io.out, "PUBLISHING IS PAUSED since %s: %s\n\n", showTime(ps.Since, loc), termLine(ps.Reason))
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNETWORK\tSTATUS\tNAME\tREASON")
	for _, a := range as {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", termLine(a.ID), a.Network, a.Status, termLine(a.Name), termLine(a.StatusReason))
	}
	return tw.Flush()
}

// check asks the server to verify accounts' credentials with their
// networks and prints the verdicts. It exits 1 when a network refused
// any: a person must act. A network that could not be asked, or that
// cannot be asked without publishing, says nothing about the credentials:
// it is reported and exits 0.
func (c *AccountsCommand) check(ctx context.Context, args []string) error {
	var ids multiFlag
	l := newCmdLine(c.io, "pregonero accounts check", "pregonero accounts check [-account ID]... [-json]",
		"Asks each network, with one cheap call (X GET /2/users/me, Facebook and Instagram the page or",
		"account, YouTube channels.list mine), whether it accepts the account's credentials, and prints one",
		"line per account: its id, network, the result, its status after the check, what to do, and what",
		"the network said. Results:",
		"  ok           the network accepts the credentials",
		"  refused      the network refused them: an active account is now needs_reauth and its posts",
		"               wait; put new credentials in the configuration and restart the server",
		"  unreachable  the network could not be asked (down, rate limited); nothing is known",
		"  unsupported  the network cannot be asked without publishing",
		"Exit status: 1 when any account was refused (or the server answered an error), else 0;",
		"unreachable and unsupported are reported, not failures. With -json, the list as the API returns it.")
	l.Var(&ids, "account", "`account` id to check (repeatable, or comma-separated; default: every account)")
	if err := l.parse(args); err != nil {
		return err
	}
	if l.NArg() > 0 {
		fmt.Fprintf(c.io.err, "pregonero accounts check: unexpected %q; give accounts with -account\n", l.Arg(0))
		l.Usage()
		return errUsage
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	checks, err := cl.CheckAccounts(ctx, commaList(ids)...)
	if err != nil {
		return apiError(c.io.err, err)
	}
	refused := 0
	for _, r := range checks {
		if r.Result == posting.CheckRefused {
			refused++
		}
	}
	err = l.printJSONOr(checks, nil, func() error {
		tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCOUNT\tNETWORK\tRESULT\tSTATUS\tMESSAGE")
		for _, r := range checks {
			msg := r.Message
			if r.NetworkMessage != "" {
				msg += fmt.Sprintf(" (%s said: %s)", r.Network.Title(), r.NetworkMessage)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", termLine(r.Account), termLine(string(r.Network)), termLine(r.Result),
				termLine(string(r.Status)), termLine(msg))
		}
		return tw.Flush()
	})
	if err != nil {
		return err
	}
	if refused > 0 {
		fmt.Fprintf(c.io.err, "pregonero accounts check: %d of %d accounts refused by their network\n", refused, len(checks))
		return exitError{1}
	}
	return nil
}

// PauseCommand stops publishing.
type PauseCommand struct{ io *stdio }

// Usage prints the flags.
func (c *PauseCommand) Usage() {
	fmt.Fprintln(c.io.err, "Usage: pregonero pause -reason TEXT [-account ID]")
}

// Run pauses.
func (c *PauseCommand) Run(ctx context.Context, args []string) error {
	var reason, account string
	l := newCmdLine(c.io, "pregonero pause", "pregonero pause -reason TEXT [-account ID]")
	l.StringVar(&reason, "reason", "", "why, free `text` (required; shown to everyone)")
	l.StringVar(&account, "account", "", "`account` id to pause alone (default: every account)")
	if err := l.parse(args); err != nil {
		return err
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	if err := cl.Pause(ctx, account, reason); err != nil {
		return apiError(c.io.err, err)
	}
	if account == "" {
		account = "all accounts"
	}
	fmt.Fprintf(c.io.out, "paused: %s\n", account)
	return nil
}

// ResumeCommand resumes publishing.
type ResumeCommand struct{ io *stdio }

// Usage prints the flags.
func (c *ResumeCommand) Usage() { fmt.Fprintln(c.io.err, "Usage: pregonero resume [-account ID]") }

// Run resumes and reports what stays held.
func (c *ResumeCommand) Run(ctx context.Context, args []string) error {
	var account string
	l := newCmdLine(c.io, "pregonero resume", "pregonero resume [-account ID]")
	l.StringVar(&account, "account", "", "`account` id to resume alone (default: lift the global pause)")
	if err := l.parse(args); err != nil {
		return err
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	rep, err := cl.Resume(ctx, account)
	return l.printJSONOr(rep, err, func() error {
		fmt.Fprintf(c.io.out, "resumed; %d released; %d overdue deliveries held for review\n", rep.Released, len(rep.HeldOverdue))
		for _, id := range rep.HeldOverdue {
			fmt.Fprintf(c.io.out, "  held: %s\n", id)
		}
		return nil
	})
}

// BackupCommand writes a consistent snapshot of the data file: through the
// running server when there is one, else from the file directly.
type BackupCommand struct{ io *stdio }

// Usage prints the flags.
func (c *BackupCommand) Usage() {
	fmt.Fprintln(c.io.err, "Usage: pregonero backup -o FILE [-config FILE] [-data DIR]")
}

// Run writes the backup.
func (c *BackupCommand) Run(ctx context.Context, args []string) error {
	var out, dataDir string
	l := newCmdLine(c.io, "pregonero backup", "pregonero backup -o FILE [-config FILE] [-data DIR]")
	l.StringVar(&out, "o", "", "`file` to write the backup to (required)")
	l.StringVar(&dataDir, "data", "", "data `directory` to copy from while the server is stopped (default: through the running server, else data_dir of the configuration)")
	if err := l.parse(args); err != nil {
		return err
	}
	if out == "" {
		l.Usage()
		return errUsage
	}
	tmp := out + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp)
	w := bufio.NewWriter(f)
	n, err := c.backup(ctx, &l.cf, dataDir, w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(c.io.out, "backup written: %s (%d bytes)\n", out, n)
	return nil
}

func (c *BackupCommand) backup(ctx context.Context, cf *clientFlags, dataDir string, w io.Writer) (int64, error) {
	if dataDir == "" {
		cl, err := cf.client()
		if err == nil {
			n, err := cl.Backup(ctx, w)
			if err == nil || n > 0 || !web.IsUnreachable(err) {
				return n, err
			}
		}
		cfg, lerr := config.LoadClient(cf.configPath)
		if lerr != nil {
			return 0, lerr
		}
		dataDir = cfg.DataDir
	}
	db, err := store.Open(filepath.Join(dataDir, store.DataFile), store.WithExisting())
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return db.Backup(ctx, w)
}
