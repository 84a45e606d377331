package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
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
	"pregonero/store"
	"pregonero/web"
)

// SandboxCommand runs the fake networks on their own.
type SandboxCommand struct{ io *stdio }

func (c *SandboxCommand) flags(listen *string) *flag.FlagSet {
	fs := flag.NewFlagSet("pregonero sandbox", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	fs.StringVar(listen, "listen", "127.0.0.1:8090", "address to serve the fake networks on")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero sandbox [-listen ADDR]")
		fmt.Fprintln(fs.Output(), "\nServes the fake networks: /x/2/..., GET /_sandbox/posts, POST|DELETE /_sandbox/faults.")
		fs.PrintDefaults()
	}
	return fs
}

// Usage prints the flags.
func (c *SandboxCommand) Usage() { var s string; c.flags(&s).Usage() }

// Run serves until ctx is done.
func (c *SandboxCommand) Run(ctx context.Context, args []string) error {
	var listen string
	if err := c.flags(&listen).Parse(args); err != nil {
		return err
	}
	log := newLogger(c.io.err, config.LogConfig{Format: "text", Level: "info"})
	sb := sandbox.New(sandbox.Options{Logger: log})
	log.Info("sandbox networks serving", pregonero.LogURL, "http://"+listen)
	return sb.ListenAndServe(ctx, listen)
}

// ValidateCommand checks text on stdin against a network's limits offline.
type ValidateCommand struct{ io *stdio }

func (c *ValidateCommand) flags(network *string) *flag.FlagSet {
	fs := flag.NewFlagSet("pregonero validate", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	fs.StringVar(network, "network", "", "network: x, facebook, instagram or youtube (the text as a video's description)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero validate -network x|facebook|instagram|youtube < text")
		fmt.Fprintln(fs.Output(), "\nPrints {\"network\",\"valid\",\"weighted_length\",\"limit\",\"errors\"}; exit 0 valid, 1 invalid, 2 usage.")
		fmt.Fprintln(fs.Output(), "Only the text is checked: rules about media (Instagram always needs some) apply when a post is queued.")
		fs.PrintDefaults()
	}
	return fs
}

// Usage prints the flags.
func (c *ValidateCommand) Usage() { var s string; c.flags(&s).Usage() }

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
	var network string
	fs := c.flags(&network)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 || network == "" {
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
	b, err := io.ReadAll(io.LimitReader(c.io.in, 1<<20+1))
	if err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	if len(b) > 1<<20 {
		fmt.Fprintln(c.io.err, "pregonero validate: input over 1 MiB")
		return errUsage
	}
	// A trailing newline from echo or a here-document is not part of the text.
	text := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
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

// PostCommand creates, lists, shows and cancels posts.
type PostCommand struct{ io *stdio }

// Usage prints the subcommands.
func (c *PostCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero post create -target ACCOUNT[,ACCOUNT] [-text TEXT | -text-file FILE] [-at TIME] [-media FILE -alt TEXT]... [-link URL] [-campaign NAME]
	pregonero post list [-status S] [-account A] [-campaign C] [-from TIME] [-to TIME] [-limit N] [-cursor C]
	pregonero post show ID
	pregonero post edit ID [-text TEXT] [-at TIME] [-link URL] [-campaign NAME]
	pregonero post cancel ID
	pregonero post release DELIVERY   # send a held delivery now (a person decided)
	pregonero post retry DELIVERY     # try a failed delivery again now

TIME is RFC 3339 (2026-12-01T09:00:00-05:00) or local without offset
(2026-12-01T09:00, 2026-12-01 09:00) in the configured zone.
The server is $PREGONERO_URL (or the configuration's listen) and the token
$PREGONERO_TOKEN (or <data_dir>/admin.token). Each subcommand takes -h.
`)
}

// Run dispatches to the subcommand.
func (c *PostCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		c.Usage()
		return errUsage
	}
	switch args[0] {
	case "create":
		return c.create(ctx, args[1:])
	case "list":
		return c.list(ctx, args[1:])
	case "show":
		return c.showOrCancel(ctx, "show", args[1:])
	case "cancel":
		return c.showOrCancel(ctx, "cancel", args[1:])
	case "edit":
		return c.edit(ctx, args[1:])
	case "release", "retry":
		return c.delivery(ctx, args[0], args[1:])
	case "-h", "--help", "help":
		c.Usage()
		return flag.ErrHelp
	}
	fmt.Fprintf(c.io.err, "pregonero post: unknown subcommand %q\n\n", args[0])
	c.Usage()
	return errUsage
}

type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

func (c *PostCommand) create(ctx context.Context, args []string) error {
	var cf clientFlags
	var text, textFile, at, link, campaign, tz, idem string
	var title, description, tags, category, language, kids, format, thumbnail string
	var targets, mediaFiles, alts multiFlag
	fs := flag.NewFlagSet("pregonero post create", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	fs.Var(&targets, "target", "target account id (repeat, or comma-separated)")
	fs.StringVar(&text, "text", "", "text of the post")
	fs.StringVar(&textFile, "text-file", "", "read the text from a file (- for stdin)")
	fs.StringVar(&at, "at", "", "when to publish (default: now)")
	fs.StringVar(&tz, "tz", "", "zone for -at without offset (default: the server's)")
	fs.Var(&mediaFiles, "media", "image or video file to attach (repeat)")
	fs.Var(&alts, "alt", "alt text of the matching -media (repeat)")
	fs.StringVar(&link, "link", "", "link to attach")
	fs.StringVar(&campaign, "campaign", "", "campaign name")
	fs.StringVar(&idem, "idempotency-key", "", "retry-safe key: the same key never creates a second post")
	fs.StringVar(&title, "title", "", "video title (YouTube; Facebook videos); like every flag below, for every -target")
	fs.StringVar(&description, "description", "", "video description (YouTube; default: the text)")
	fs.StringVar(&tags, "tags", "", "comma-separated video tags (YouTube)")
	fs.StringVar(&category, "category", "", "YouTube category id (default 25, News & Politics)")
	fs.StringVar(&language, "language", "", "language of title and description (default es)")
	fs.StringVar(&kids, "made-for-kids", "", "true or false: YouTube's audience question (required for YouTube)")
	fs.StringVar(&format, "format", "", "feed, reel or story (Instagram; X and Facebook take feed only)")
	fs.StringVar(&thumbnail, "thumbnail", "", "JPEG or PNG file to use as the video's thumbnail (YouTube)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var madeForKids *bool
	if kids != "" {
		b, err := strconv.ParseBool(kids)
		if err != nil {
			fmt.Fprintf(c.io.err, "pregonero post create: -made-for-kids %q is not true or false\n", kids)
			return errUsage
		}
		madeForKids = &b
	}
	if textFile != "" {
		var b []byte
		var err error
		if textFile == "-" {
			b, err = io.ReadAll(c.io.in)
		} else {
			b, err = os.ReadFile(textFile)
		}
		if err != nil {
			return fmt.Errorf("text file: %w", err)
		}
		text = strings.TrimRight(string(b), "\n")
	}
	if len(alts) > len(mediaFiles) {
		fmt.Fprintln(c.io.err, "pregonero post create: more -alt than -media")
		return errUsage
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	req := web.PostRequest{Text: text, Link: link, Campaign: campaign, Timezone: tz}
	for _, t := range targets {
		for _, s := range strings.Split(t, ",") {
			if s = strings.TrimSpace(s); s != "" {
				req.Targets = append(req.Targets, s)
			}
		}
	}
	if at != "" {
		req.ScheduledAt = at
	}
	for i, path := range mediaFiles {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("media: %w", err)
		}
		alt := ""
		if i < len(alts) {
			alt = alts[i]
		}
		m, err := cl.UploadMedia(ctx, filepath.Base(path), f, alt)
		f.Close()
		if err != nil {
			return apiError(c.io.err, err)
		}
		req.Media = append(req.Media, pregonero.PostMedia{ID: m.ID, AltText: alt})
	}
	o := pregonero.Override{Title: title, Description: description, Category: category, Language: language,
		MadeForKids: madeForKids, Format: format}
	for _, tag := range strings.Split(tags, ",") {
		if tag = strings.TrimSpace(tag); tag != "" {
			o.Tags = append(o.Tags, tag)
		}
	}
	if thumbnail != "" {
		f, err := os.Open(thumbnail)
		if err != nil {
			return fmt.Errorf("thumbnail: %w", err)
		}
		m, err := cl.UploadMedia(ctx, filepath.Base(thumbnail), f, "")
		f.Close()
		if err != nil {
			return apiError(c.io.err, err)
		}
		o.Thumbnail = m.ID
	}
	if !reflect.DeepEqual(o, pregonero.Override{}) {
		// The same settings for every target; the API takes them per
		// account.
		req.Overrides = map[string]pregonero.Override{}
		for _, t := range req.Targets {
			req.Overrides[t] = o
		}
	}
	p, err := cl.CreatePost(ctx, req, idem)
	if err != nil {
		return apiError(c.io.err, err)
	}
	if cf.jsonOut {
		return printJSON(c.io.out, p)
	}
	fmt.Fprintf(c.io.out, "%s %s at %s\n", p.ID, p.Status, p.ScheduledAt.Format(time.RFC3339))
	for _, d := range p.Deliveries {
		fmt.Fprintf(c.io.out, "  %s → %s %s\n", d.ID, d.AccountID, d.State)
	}
	return nil
}

func (c *PostCommand) list(ctx context.Context, args []string) error {
	var cf clientFlags
	q := url.Values{}
	fs := flag.NewFlagSet("pregonero post list", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	for _, name := range []string{"status", "account", "campaign", "from", "to", "limit", "cursor"} {
		name := name
		fs.Func(name, "filter by "+name, func(v string) error { q.Set(name, v); return nil })
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	page, err := cl.Posts(ctx, q)
	if err != nil {
		return apiError(c.io.err, err)
	}
	if cf.jsonOut {
		return printJSON(c.io.out, page)
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tSCHEDULED\tTARGETS\tTEXT")
	for _, p := range page.Posts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Status, p.ScheduledAt.Format(time.RFC3339), termLine(strings.Join(p.Targets, ",")), termLine(shorten(p.Text, 50)))
	}
	tw.Flush()
	if page.Next != "" {
		fmt.Fprintf(c.io.out, "more: -cursor %s\n", page.Next)
	}
	return nil
}

func (c *PostCommand) edit(ctx context.Context, args []string) error {
	var cf clientFlags
	var patch web.PostPatch
	fs := flag.NewFlagSet("pregonero post edit", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	str := func(name, usage string, dst **string) {
		fs.Func(name, usage, func(v string) error { *dst = &v; return nil })
	}
	str("text", "new text", &patch.Text)
	str("at", "new time (RFC 3339, or local without offset)", &patch.ScheduledAt)
	str("tz", "zone for -at without offset", &patch.Timezone)
	str("link", "new link", &patch.Link)
	str("campaign", "new campaign", &patch.Campaign)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero post edit [flags] ID   (only while every delivery is still waiting)")
		fs.PrintDefaults()
	}
	// The id may come before or after the flags.
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	}
	if id == "" {
		fs.Usage()
		return errUsage
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	p, err := cl.PatchPost(ctx, id, patch)
	if err != nil {
		return apiError(c.io.err, err)
	}
	if cf.jsonOut {
		return printJSON(c.io.out, p)
	}
	fmt.Fprintf(c.io.out, "%s %s at %s\n", p.ID, p.Status, p.ScheduledAt.Format(time.RFC3339))
	return nil
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func (c *PostCommand) showOrCancel(ctx context.Context, verb string, args []string) error {
	cl, id, jsonOut, err := c.oneID(verb, "ID", args)
	if err != nil {
		return err
	}
	var p *pregonero.Post
	if verb == "show" {
		p, err = cl.Post(ctx, id)
	} else {
		p, err = cl.CancelPost(ctx, id)
	}
	if err != nil {
		return apiError(c.io.err, err)
	}
	if jsonOut || verb == "show" {
		return printJSON(c.io.out, p)
	}
	fmt.Fprintf(c.io.out, "%s %s\n", p.ID, p.Status)
	return nil
}

// oneID parses the flags and the one id of a subcommand that acts on one
// post or delivery, and returns the API client.
func (c *PostCommand) oneID(verb, what string, args []string) (cl *web.Client, id string, jsonOut bool, err error) {
	var cf clientFlags
	fs := flag.NewFlagSet("pregonero post "+verb, flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: pregonero post %s [flags] %s\n", verb, what)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, "", false, err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return nil, "", false, errUsage
	}
	cl, err = cf.client()
	if err != nil {
		return nil, "", false, err
	}
	return cl, fs.Arg(0), cf.jsonOut, nil
}

// delivery releases or retries one delivery (by its id, as post show
// lists it) and prints its new state.
func (c *PostCommand) delivery(ctx context.Context, verb string, args []string) error {
	cl, id, jsonOut, err := c.oneID(verb, "DELIVERY", args)
	if err != nil {
		return err
	}
	var d *pregonero.Delivery
	if verb == "release" {
		d, err = cl.ReleaseDelivery(ctx, id)
	} else {
		d, err = cl.RetryDelivery(ctx, id)
	}
	if err != nil {
		return apiError(c.io.err, err)
	}
	if jsonOut {
		return printJSON(c.io.out, d)
	}
	fmt.Fprintf(c.io.out, "%s %s due %s\n", d.ID, d.State, d.NextAttemptAt.UTC().Format(time.RFC3339))
	return nil
}

// AccountsCommand lists the accounts.
type AccountsCommand struct{ io *stdio }

// Usage prints the flags.
func (c *AccountsCommand) Usage() {
	fmt.Fprintln(c.io.err, "Usage: pregonero accounts [-json] [-url URL] [-config FILE]")
}

// Run prints the accounts.
func (c *AccountsCommand) Run(ctx context.Context, args []string) error {
	var cf clientFlags
	fs := flag.NewFlagSet("pregonero accounts", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	as, err := cl.Accounts(ctx)
	if err != nil {
		return apiError(c.io.err, err)
	}
	if cf.jsonOut {
		return printJSON(c.io.out, as)
	}
	if ps, err := cl.PauseState(ctx); err == nil && ps.Paused {
		fmt.Fprintf(c.io.out, "PUBLISHING IS PAUSED since %s: %s\n\n", ps.Since.Format(time.RFC3339), termLine(ps.Reason))
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNETWORK\tSTATUS\tNAME\tREASON")
	for _, a := range as {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", termLine(a.ID), a.Network, a.Status, termLine(a.Name), termLine(a.StatusReason))
	}
	return tw.Flush()
}

// PauseCommand stops publishing.
type PauseCommand struct{ io *stdio }

// Usage prints the flags.
func (c *PauseCommand) Usage() {
	fmt.Fprintln(c.io.err, "Usage: pregonero pause -reason TEXT [-account ID]")
}

// Run pauses.
func (c *PauseCommand) Run(ctx context.Context, args []string) error {
	var cf clientFlags
	var reason, account string
	fs := flag.NewFlagSet("pregonero pause", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	fs.StringVar(&reason, "reason", "", "why (required; shown to everyone)")
	fs.StringVar(&account, "account", "", "pause only this account")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cl, err := cf.client()
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
	var cf clientFlags
	var account string
	fs := flag.NewFlagSet("pregonero resume", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	fs.StringVar(&account, "account", "", "resume only this account")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	rep, err := cl.Resume(ctx, account)
	if err != nil {
		return apiError(c.io.err, err)
	}
	if cf.jsonOut {
		return printJSON(c.io.out, rep)
	}
	fmt.Fprintf(c.io.out, "resumed; %d released; %d overdue deliveries held for review\n", rep.Released, len(rep.HeldOverdue))
	for _, id := range rep.HeldOverdue {
		fmt.Fprintf(c.io.out, "  held: %s\n", id)
	}
	return nil
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
	var cf clientFlags
	var out, dataDir string
	fs := flag.NewFlagSet("pregonero backup", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	fs.StringVar(&out, "o", "", "output file (required)")
	fs.StringVar(&dataDir, "data", "", "data directory (when the server is not running)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if out == "" {
		fs.Usage()
		return errUsage
	}
	tmp := out + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp)
	w := bufio.NewWriter(f)
	n, err := c.backup(ctx, &cf, dataDir, w)
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
		cfg, lerr := config.Load(cf.configPath)
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
