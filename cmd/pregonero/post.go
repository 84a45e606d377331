package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"pregonero"
	"pregonero/posting"
	"pregonero/web"
)

// PostCommand creates, lists, shows and cancels posts.
type PostCommand struct{ io *stdio }

// timeHelp is the help of every flag that takes a time.
const timeHelp = "in the zone of -tz: " + posting.HumanForms

// atHelp is the help of -at, which also takes the queue.
const atHelp = timeHelp + "; or queue: each target account's next free posting slot"

// readAt reads -at: the queue (posting.IsQueue) or a time (readTime).
func readAt(value string, loc *time.Location) (string, error) {
	if posting.IsQueue(value) {
		return posting.QueueTime, nil
	}
	return readTime("at", value, loc)
}

// Usage prints the subcommands.
func (c *PostCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero post create -target ACCOUNT[,ACCOUNT] [-text TEXT | -text-file FILE] [-at TIME] [-media FILE -alt TEXT]... [-link URL] [-campaign ID]
	pregonero post create -draft [-target ACCOUNT] [-text TEXT] [-at TIME] ...   # kept, never published until scheduled
	pregonero post schedule ID [-at TIME]   # a draft: at -at, else its own time, else as soon as possible
	pregonero post list [-today | -tomorrow | -week | -from TIME -to TIME] [-status S] [-account A] [-campaign ID] [-limit N] [-cursor C]
	pregonero post show ID            # the post, each delivery, the network's answers, live links, attempts
	pregonero post edit ID [-text TEXT] [-at TIME] [-link URL] [-campaign ID] [-target ACCOUNT]...   # -target: drafts only
	pregonero post cancel ID
	pregonero post release DELIVERY   # send a held delivery now (a person decided)
	pregonero post retry DELIVERY     # try a failed delivery again now

TIME is what a person types, in the zone (below):
	2026-12-24 09:00, 24/12/2026 09:00  a date (day/month/year with slashes) and a time
	09:00, 3:30 pm                      the next one: today when still ahead, else tomorrow
	hoy 15:00, mañana 09:00             today, tomorrow (also manana, pasado mañana, today, tomorrow)
	lunes 08:30 … domingo 10:00         the next such day (today if it is that day and the time is
	                                    still ahead); accents optional; monday … sunday too
	+90m, +2h, +1h30m, +2d              from now (units d, h, m, s; a day is 24 hours)
	2026-12-24T09:00:00-05:00           RFC 3339, with its own offset
	queue (or cola)                     -at only: the queue, each target account's next free
	                                    posting slot (pregonero slots set)
The command sends it to the server as RFC 3339 with the offset, and
shows every time back in the zone.

The zone is -tz, else $TZ, else timezone of the configuration (-config,
default config.yaml; its ${VAR} references need not be set), else
America/Bogota. The server is -url, else $PREGONERO_URL, else listen of the
configuration; the token $PREGONERO_TOKEN, else -token-file, else
<data_dir>/admin.token. Each subcommand takes -h.
`)
}

// Run dispatches to the subcommand.
func (c *PostCommand) Run(ctx context.Context, args []string) error {
	verb := func(run func(context.Context, string, []string) error, verb string) func(context.Context, []string) error {
		return func(ctx context.Context, args []string) error { return run(ctx, verb, args) }
	}
	return dispatch(ctx, c.io, "pregonero post", c.Usage, subcommands{
		"create": c.create, "list": c.list, "edit": c.edit, "schedule": c.schedule,
		"show": verb(c.showOrCancel, "show"), "cancel": verb(c.showOrCancel, "cancel"),
		"release": verb(c.delivery, "release"), "retry": verb(c.delivery, "retry"),
	}, args)
}

func (c *PostCommand) create(ctx context.Context, args []string) error {
	var text, textFile, at, link, campaign, idem string
	var title, description, tags, category, language, kids, format, thumbnail string
	var targets, mediaFiles, alts multiFlag
	var draft bool
	l := newCmdLine(c.io, "pregonero post create",
		"pregonero post create -target ACCOUNT[,ACCOUNT] [-text TEXT | -text-file FILE] [-at TIME] [-media FILE -alt TEXT]... [flags]\n"+
			"       pregonero post create -draft [-target ACCOUNT] [-text TEXT] [-at TIME] [flags]",
		"Queues a post and prints it with the time it goes out, in the zone of -tz. With -draft it is kept",
		"unpublished until pregonero post schedule ID; what it has is checked now, the rest then.")
	fs := l.FlagSet
	fs.Var(&targets, "target", "`account` id to publish to (repeatable, or comma-separated: x-gobantioquia,facebook-gobantioquia)")
	fs.BoolVar(&draft, "draft", false, "keep the post as a draft: nothing is published until pregonero post schedule ID; -target, -text and -at may come later (post edit)")
	fs.StringVar(&text, "text", "", "`text` of the post, exactly as given")
	fs.StringVar(&textFile, "text-file", "", "`file` holding the text (- for stdin), without its final line break")
	fs.StringVar(&at, "at", "", "`time` to publish, "+atHelp+" (default: now)")
	fs.Var(&mediaFiles, "media", "image or video `file` to upload and attach (repeatable; in order)")
	fs.Var(&alts, "alt", "alt `text` of the -media at the same position (repeatable)")
	fs.StringVar(&link, "link", "", "`URL` to attach, e.g. https://antioquia.gov.co")
	fs.StringVar(&campaign, "campaign", "", "the `id` of the post's campaign, as pregonero campaign list shows it (c_…)")
	fs.StringVar(&idem, "idempotency-key", "", "a `key` unique to this post, any text: repeating the command with the same key never creates a second post")
	fs.StringVar(&title, "title", "", "video `title` (YouTube; Facebook videos); the video flags apply to every -target")
	fs.StringVar(&description, "description", "", "video `description` (YouTube; default: the text)")
	fs.StringVar(&tags, "tags", "", "comma-separated video `tags`, e.g. Antioquia,Gobernación (YouTube)")
	fs.StringVar(&category, "category", "", "YouTube category `id`, a number (default 25, News & Politics)")
	fs.StringVar(&language, "language", "", "BCP-47 `language` of title and description, e.g. es or es-419 (default es)")
	fs.StringVar(&kids, "made-for-kids", "", "`true or false`: YouTube's audience question (required for YouTube)")
	fs.StringVar(&format, "format", "", "`feed, reel or story` (Instagram; X and Facebook take feed only)")
	fs.StringVar(&thumbnail, "thumbnail", "", "JPEG or PNG `file` to use as the video's thumbnail (YouTube)")
	if err := l.parseNoArgs(args, "every value goes after a flag (quote texts with spaces)"); err != nil {
		return err
	}
	var madeForKids *bool
	if kids != "" {
		b, err := strconv.ParseBool(kids)
		if err != nil {
			return l.usageError(fmt.Errorf("-made-for-kids %q is not true or false", kids))
		}
		madeForKids = &b
	}
	if textFile != "" {
		if text != "" {
			return l.usageError(errors.New("give -text or -text-file, not both"))
		}
		var err error
		if text, err = readText(textFile, c.io.in); err != nil {
			return err
		}
	}
	if len(alts) > len(mediaFiles) {
		return l.usageError(errors.New("more -alt than -media"))
	}
	loc, err := l.zone()
	if err != nil {
		return err
	}
	req := web.PostRequest{Text: text, Link: link, Campaign: campaign, Draft: draft, Targets: commaList(targets)}
	if at != "" {
		if req.ScheduledAt, err = readAt(at, loc); err != nil {
			return l.usageError(err)
		}
	}
	cl, err := l.client()
	if err != nil {
		return err
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
	return c.printQueued(l, p, err, loc)
}

// printQueued prints a post just created, scheduled or edited: its id
// first (scripts take the first word), its status and time, a line per
// delivery, and for a draft how to schedule it; warnings go to stderr.
// With -json it prints the server's JSON (the warnings are in it); err
// is the call's.
func (c *PostCommand) printQueued(l *cmdLine, p *pregonero.Post, err error, loc *time.Location) error {
	return l.printJSONOr(p, err, func() error {
		w := &errWriter{w: termWriter{c.io.out}}
		w.printf("%s %s, %s\n", p.ID, p.Status, whenLine(p.ScheduledAt, loc))
		for _, d := range p.Deliveries {
			w.printf("  %s → %s %s\n", d.ID, d.AccountID, d.State)
		}
		if p.Status == pregonero.PostDraft {
			w.printf("  %s\n", draftHint(p))
		}
		c.warnings(p)
		return w.err
	})
}

// draftHint says that a draft waits, and the command that schedules it.
func draftHint(p *pregonero.Post) string {
	when := "as soon as possible"
	if !p.ScheduledAt.IsZero() {
		when = "at its time"
	}
	return fmt.Sprintf("a draft: nothing goes out until scheduled: pregonero post schedule %s (%s, or -at TIME)", termLine(p.ID), when)
}

// schedule schedules a draft: at -at, else at the draft's own time, else
// as soon as possible.
func (c *PostCommand) schedule(ctx context.Context, args []string) error {
	var at string
	l := newCmdLine(c.io, "pregonero post schedule", "pregonero post schedule [flags] ID",
		"Schedules a draft: it is checked like a new post (text, targets, media, a time ahead) and gets its",
		"deliveries. Prints it as post create does, warnings on stderr. Only a draft can be scheduled (exit 1",
		"otherwise: edit a scheduled post with post edit).")
	l.StringVar(&at, "at", "", "`time` to publish, "+atHelp+" (default: the draft's own time, else now)")
	id, err := l.parseID(args)
	if err != nil {
		return err
	}
	loc, err := l.zone()
	if err != nil {
		return err
	}
	var when string
	if at != "" {
		if when, err = readAt(at, loc); err != nil {
			return l.usageError(err)
		}
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	p, err := cl.SchedulePost(ctx, id, when, "")
	return c.printQueued(l, p, err, loc)
}

// warnings prints what the server's answer says besides its result (the
// post will wait for a pause to be lifted), on stderr: stdout stays the
// result, for scripts.
func (c *PostCommand) warnings(p *pregonero.Post) {
	for _, w := range p.Warnings {
		fmt.Fprintf(c.io.err, "warning: %s\n", termLine(w.Message))
	}
}

// whenLine says when a post goes out, in the zone.
func whenLine(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "no time set"
	}
	return fmt.Sprintf("at %s (%s)", showTime(t, loc), loc)
}

// postStatuses are the values of post list -status.
var postStatuses = []pregonero.PostStatus{pregonero.PostDraft, pregonero.PostScheduled, pregonero.PostPublishing,
	pregonero.PostPublished, pregonero.PostPartiallyPublished, pregonero.PostFailed, pregonero.PostCanceled, pregonero.PostHeld}

func (c *PostCommand) list(ctx context.Context, args []string) error {
	var today, tomorrow, week bool
	times := map[string]string{}
	q := url.Values{}
	l := newCmdLine(c.io, "pregonero post list",
		"pregonero post list [-today | -tomorrow | -week | -from TIME -to TIME] [-status S] [-account A] [-campaign ID] [-limit N] [-cursor C]")
	fs := l.FlagSet
	var names []string
	for _, s := range postStatuses {
		names = append(names, string(s))
	}
	set := func(name string) func(string) error {
		return func(v string) error { q.Set(name, v); return nil }
	}
	fs.Func("status", "only posts in this `status`: "+strings.Join(names, ", "), set("status"))
	fs.Func("account", "only posts to this `account` id", set("account"))
	fs.Func("campaign", "only posts of the campaign with this `id` (pregonero campaign list)", set("campaign"))
	fs.Func("from", "only posts scheduled at or after this `time`, "+timeHelp, func(v string) error { times["from"] = v; return nil })
	fs.Func("to", "only posts scheduled before this `time`, "+timeHelp, func(v string) error { times["to"] = v; return nil })
	fs.BoolVar(&today, "today", false, "only posts scheduled today, in the zone of -tz")
	fs.BoolVar(&tomorrow, "tomorrow", false, "only posts scheduled tomorrow, in the zone of -tz")
	fs.BoolVar(&week, "week", false, "only posts scheduled today or in the 6 days after it (7 days from midnight), in the zone of -tz")
	fs.Func("limit", "posts per page, a `number` from 1 to 500 (default 50)", set("limit"))
	fs.Func("cursor", "the `cursor` printed after \"more:\" by the previous page", set("cursor"))
	if err := l.parseNoArgs(args, ""); err != nil {
		return err
	}
	n := 0
	for _, b := range []bool{today, tomorrow, week, len(times) > 0} {
		if b {
			n++
		}
	}
	if n > 1 {
		return l.usageError(errors.New("give one of -today, -tomorrow, -week, or -from/-to"))
	}
	loc, err := l.zone()
	if err != nil {
		return err
	}
	if today || tomorrow || week {
		y, m, d := time.Now().In(loc).Date()
		first, days := d, 1
		switch {
		case tomorrow:
			first = d + 1
		case week:
			days = 7
		}
		q.Set("from", time.Date(y, m, first, 0, 0, 0, 0, loc).Format(time.RFC3339))
		q.Set("to", time.Date(y, m, first+days, 0, 0, 0, 0, loc).Format(time.RFC3339))
	}
	for name, v := range times {
		t, err := readTime(name, v, loc)
		if err != nil {
			return l.usageError(err)
		}
		q.Set(name, t)
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	page, err := cl.Posts(ctx, q)
	return l.printJSONOr(page, err, func() error {
		if len(page.Posts) == 0 {
			fmt.Fprintln(c.io.out, "no posts")
			return nil
		}
		tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "ID\tSTATUS\tSCHEDULED (%s)\tTARGETS\tTEXT\n", loc)
		for _, p := range page.Posts {
			when := "-"
			if !p.ScheduledAt.IsZero() {
				when = p.ScheduledAt.In(loc).Format("Mon 2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", termLine(p.ID), p.Status, when, termLine(strings.Join(p.Targets, ",")), termLine(shorten(p.Text, 50)))
		}
		tw.Flush()
		if page.Next != "" {
			fmt.Fprintf(c.io.out, "more: -cursor %s\n", termLine(page.Next))
		}
		return nil
	})
}

func (c *PostCommand) edit(ctx context.Context, args []string) error {
	var patch web.PostPatch
	var at string
	l := newCmdLine(c.io, "pregonero post edit", "pregonero post edit [flags] ID   (only while every delivery is still waiting)")
	fs := l.FlagSet
	str := func(name, usage string, dst **string) {
		fs.Func(name, usage, func(v string) error { *dst = &v; return nil })
	}
	str("text", "new `text`, exactly as given", &patch.Text)
	fs.StringVar(&at, "at", "", "new `time`, "+atHelp)
	str("link", "new `URL` to attach (empty removes it)", &patch.Link)
	str("campaign", "the `id` of the post's new campaign, as pregonero campaign list shows it (empty removes it)", &patch.Campaign)
	var targets multiFlag
	fs.Var(&targets, "target", "`account` id to publish to, replacing the draft's targets (repeatable, or comma-separated; drafts only: a scheduled post keeps its targets)")
	id, err := l.parseID(args)
	if err != nil {
		return err
	}
	if len(targets) > 0 {
		list := append([]string{}, commaList(targets)...)
		patch.Targets = &list
	}
	loc, err := l.zone()
	if err != nil {
		return err
	}
	if at != "" {
		t, err := readAt(at, loc)
		if err != nil {
			return l.usageError(err)
		}
		patch.ScheduledAt = &t
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	p, err := cl.PatchPost(ctx, id, patch)
	return c.printQueued(l, p, err, loc)
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
	l, id, err := c.oneID(verb, "ID", args)
	if err != nil {
		return err
	}
	cl, loc, err := l.clientIn()
	if err != nil {
		return err
	}
	var p *pregonero.Post
	if verb == "show" {
		p, err = cl.Post(ctx, id)
	} else {
		p, err = cl.CancelPost(ctx, id)
	}
	return l.printJSONOr(p, err, func() error {
		if verb == "show" {
			return writePost(c.io.out, p, c.campaignName(ctx, cl, p), loc)
		}
		fmt.Fprintf(termWriter{c.io.out}, "%s %s\n", p.ID, p.Status)
		c.warnings(p)
		return nil
	})
}

// campaignName is the name of the post's campaign, "" when it has none
// or the campaign does not read back (then the post names it by its id
// alone). A failed read other than not-found is said on stderr: the post
// is shown all the same.
func (c *PostCommand) campaignName(ctx context.Context, cl *web.Client, p *pregonero.Post) string {
	if p.Campaign == "" {
		return ""
	}
	camp, err := cl.Campaign(ctx, p.Campaign)
	if err != nil {
		if pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			fmt.Fprintf(termWriter{c.io.err}, "pregonero post show: read campaign %s: %v\n", p.Campaign, err)
		}
		return ""
	}
	return camp.Name
}

// oneID parses the flags and the one id of a subcommand that acts on one
// post or delivery.
func (c *PostCommand) oneID(verb, what string, args []string) (*cmdLine, string, error) {
	l := newCmdLine(c.io, "pregonero post "+verb, "pregonero post "+verb+" [flags] "+what)
	id, err := l.parseID(args)
	return l, id, err
}

// delivery releases or retries one delivery (by its id, as post show
// lists it) and prints its new state.
func (c *PostCommand) delivery(ctx context.Context, verb string, args []string) error {
	l, id, err := c.oneID(verb, "DELIVERY", args)
	if err != nil {
		return err
	}
	cl, loc, err := l.clientIn()
	if err != nil {
		return err
	}
	var d *pregonero.Delivery
	if verb == "release" {
		d, err = cl.ReleaseDelivery(ctx, id)
	} else {
		d, err = cl.RetryDelivery(ctx, id)
	}
	return l.printJSONOr(d, err, func() error {
		_, err := fmt.Fprintf(termWriter{c.io.out}, "%s %s, next attempt %s\n", d.ID, d.State, showTime(d.NextAttemptAt, loc))
		return err
	})
}
