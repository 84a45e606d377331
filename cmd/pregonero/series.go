package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"pregonero"
	"pregonero/posting"
	"pregonero/web"
)

// SeriesCommand creates, lists, shows and changes recurring series on a
// running server.
type SeriesCommand struct{ io *stdio }

// Usage prints the subcommands.
func (c *SeriesCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero series create -name NAME -rule RRULE -start LOCAL -text TEXT -target ID... [-zone ZONE] [-link URL] [-campaign ID] [-unit DEPENDENCIA] [-horizon-days N] [-except LOCAL]...
	pregonero series list [-json]
	pregonero series show [-json] [-n N] ID
	pregonero series edit ID [-name NAME] [-rule RRULE] [-start LOCAL] [-zone ZONE] [-text TEXT] [-link URL] [-target ID]... [-campaign ID] [-unit DEPENDENCIA] [-horizon-days N]
	pregonero series skip ID OCCURRENCE
	pregonero series pause|resume|end ID

A series repeats a post on the occurrences of a recurrence rule (RFC 5545
RRULE: FREQ=DAILY, WEEKLY or MONTHLY with INTERVAL, BYDAY such as MO,WE,FR
or 2TU for the second Tuesday, BYMONTHDAY, UNTIL or COUNT), at the local
time of -start (2026-12-07T07:00) in -zone, and makes each occurrence's
post some days ahead. The text may hold {fecha} (lunes 7 de diciembre de
2026) and {hora} (7:00 a. m.). show lists the next occurrences and their
posts; skip cancels one occurrence (named by its local date-time); edit
changes the posts not yet published; end cancels them.

The server is -url, else $PREGONERO_URL, else listen of the configuration;
the token $PREGONERO_TOKEN, else -token-file, else <data_dir>/admin.token.
Each subcommand takes -h.
`)
}

// Run dispatches to the subcommand.
func (c *SeriesCommand) Run(ctx context.Context, args []string) error {
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
		return c.show(ctx, args[1:])
	case "edit":
		return c.edit(ctx, args[1:])
	case "skip":
		return c.skip(ctx, args[1:])
	case "pause":
		return c.state(ctx, "pause", pregonero.SeriesPaused, args[1:])
	case "resume":
		return c.state(ctx, "resume", pregonero.SeriesActive, args[1:])
	case "end":
		return c.state(ctx, "end", pregonero.SeriesEnded, args[1:])
	case "-h", "--help", "help":
		c.Usage()
		return flag.ErrHelp
	}
	fmt.Fprintf(c.io.err, "pregonero series: unknown subcommand %q\n\n", args[0])
	c.Usage()
	return errUsage
}

// usageError prints a problem with the command line and returns errUsage
// (exit 2).
func (c *SeriesCommand) usageError(verb string, err error) error {
	fmt.Fprintf(c.io.err, "pregonero series %s: %v\n", verb, err)
	return errUsage
}

// seriesFlags are the flags that describe a series, for create and edit.
type seriesFlags struct {
	name, rule, start, zone, text, link, campaign, unit string
	horizon                                             int
	targets, except                                     multiFlag
}

func (f *seriesFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "the series' `name`, unique whatever its case, e.g. \"Boletín de la mañana\"")
	fs.StringVar(&f.rule, "rule", "", "the recurrence `rule`, e.g. FREQ=WEEKLY;BYDAY=MO,WE,FR or FREQ=MONTHLY;BYDAY=2TU;COUNT=6")
	fs.StringVar(&f.start, "start", "", "the first occurrence's `local` date and time, e.g. 2026-12-07T07:00")
	fs.StringVar(&f.zone, "zone", "", "the IANA time `zone` of the times (the server's when not given)")
	fs.StringVar(&f.text, "text", "", "the post's `text`; {fecha} and {hora} become each occurrence's date and time in Spanish")
	fs.StringVar(&f.link, "link", "", "the post's `URL`")
	fs.Var(&f.targets, "target", "an `account` id to publish to (repeatable)")
	fs.StringVar(&f.campaign, "campaign", "", "the campaign `id` of the posts")
	fs.StringVar(&f.unit, "unit", "", "the `dependencia` of the posts")
	fs.IntVar(&f.horizon, "horizon-days", 0, "how many `days` ahead the posts are made (0: the server's)")
	fs.Var(&f.except, "except", "an occurrence to skip, as a `local` date-time or a date (repeatable)")
}

func (c *SeriesCommand) create(ctx context.Context, args []string) error {
	var cf clientFlags
	var sf seriesFlags
	fs := flag.NewFlagSet("pregonero series create", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	sf.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero series create -name NAME -rule RRULE -start LOCAL -text TEXT -target ID... [flags]")
		fmt.Fprintln(fs.Output(), "\nAdds a series on the running server, makes the posts of its occurrences within the horizon,")
		fmt.Fprintln(fs.Output(), "and prints its id.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return c.usageError("create", fmt.Errorf("unexpected %q: every value goes after a flag (quote texts with spaces)", fs.Arg(0)))
	}
	for _, req := range []struct{ flag, v string }{{"-name", sf.name}, {"-rule", sf.rule}, {"-start", sf.start}} {
		if req.v == "" {
			return c.usageError("create", fmt.Errorf("%s is required", req.flag))
		}
	}
	if len(sf.targets) == 0 {
		return c.usageError("create", errors.New("-target is required: the accounts to publish to"))
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	res, err := cl.CreateSeries(ctx, web.SeriesRequest{Name: sf.name, Rule: sf.rule, Start: sf.start, Zone: sf.zone, Text: sf.text, Link: sf.link,
		Targets: sf.targets, Campaign: sf.campaign, Unit: sf.unit, HorizonDays: sf.horizon, Exceptions: sf.except})
	if err != nil {
		return apiError(c.io.err, err)
	}
	if cf.jsonOut {
		return printJSON(c.io.out, res)
	}
	_, err = fmt.Fprintf(c.io.out, "%s %s created (%s from %s %s); %d posts made\n", termLine(res.Series.ID), termLine(res.Series.Name),
		termLine(res.Series.Rule), termLine(res.Series.Start), termLine(res.Series.Zone), res.Change.Created)
	return err
}

func (c *SeriesCommand) list(ctx context.Context, args []string) error {
	var cf clientFlags
	fs := flag.NewFlagSet("pregonero series list", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero series list [-json]")
		fmt.Fprintln(fs.Output(), "\nLists every series by name: id, state, rule, start and zone.")
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
	list, err := cl.SeriesList(ctx)
	if err != nil {
		return apiError(c.io.err, err)
	}
	if cf.jsonOut {
		return printJSON(c.io.out, web.SeriesList{Series: list})
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATE\tRULE\tSTART\tZONE")
	for _, sr := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", termLine(sr.ID), termLine(sr.Name), sr.State, termLine(sr.Rule), termLine(sr.Start), termLine(sr.Zone))
	}
	return tw.Flush()
}

func (c *SeriesCommand) show(ctx context.Context, args []string) error {
	var cf clientFlags
	n := 10
	fs := flag.NewFlagSet("pregonero series show", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	fs.IntVar(&n, "n", n, "how many of the next `occurrences` to list (1 to 100)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero series show [-json] [-n N] ID")
		fmt.Fprintln(fs.Output(), "\nShows a series and its next occurrences, each with its post once made.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return c.usageError("show", errors.New("give one series id"))
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	sr, err := cl.Series(ctx, fs.Arg(0))
	if err != nil {
		return apiError(c.io.err, err)
	}
	occs, err := cl.SeriesOccurrences(ctx, sr.ID, n)
	if err != nil {
		return apiError(c.io.err, err)
	}
	if cf.jsonOut {
		return printJSON(c.io.out, struct {
			Series      *pregonero.Series    `json:"series"`
			Occurrences []posting.Occurrence `json:"occurrences"`
		}{sr, occs.Occurrences})
	}
	fmt.Fprintf(c.io.out, "%s %s (%s)\nrule: %s from %s %s\ntargets: %v\n", termLine(sr.ID), termLine(sr.Name), sr.State,
		termLine(sr.Rule), termLine(sr.Start), termLine(sr.Zone), sr.Targets)
	if sr.LastError != "" {
		fmt.Fprintf(c.io.out, "last error: %s\n", termLine(sr.LastError))
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OCCURRENCE\tAT\tPOST\tSTATUS\tNOTE")
	for _, o := range occs.Occurrences {
		status, note := string(o.Status), o.Note
		switch {
		case o.Skipped:
			status = "skipped"
		case o.PostID == "":
			status = "not made yet"
		}
		if o.Detached {
			note = "edited alone " + note
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Occurrence, o.At.Format("2006-01-02T15:04Z07:00"), o.PostID, status, termLine(note))
	}
	return tw.Flush()
}

func (c *SeriesCommand) edit(ctx context.Context, args []string) error {
	var cf clientFlags
	var sf seriesFlags
	fs := flag.NewFlagSet("pregonero series edit", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	sf.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero series edit ID [flags]")
		fmt.Fprintln(fs.Output(), "\nChanges what the flags given say; the posts of occurrences not yet published follow.")
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		return c.usageError("edit", errors.New("give the series id first"))
	}
	id := args[0]
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return c.usageError("edit", fmt.Errorf("unexpected %q", fs.Arg(0)))
	}
	var p web.SeriesPatch
	fs.Visit(func(f *flag.Flag) {
		str := func(v string) *string { return &v }
		switch f.Name {
		case "name":
			p.Name = str(sf.name)
		case "rule":
			p.Rule = str(sf.rule)
		case "start":
			p.Start = str(sf.start)
		case "zone":
			p.Zone = str(sf.zone)
		case "text":
			p.Text = str(sf.text)
		case "link":
			p.Link = str(sf.link)
		case "campaign":
			p.Campaign = str(sf.campaign)
		case "unit":
			p.Unit = str(sf.unit)
		case "horizon-days":
			p.HorizonDays = &sf.horizon
		case "target":
			t := []string(sf.targets)
			p.Targets = &t
		case "except":
			e := []string(sf.except)
			p.Exceptions = &e
		}
	})
	cl, err := cf.client()
	if err != nil {
		return err
	}
	res, err := cl.PatchSeries(ctx, id, p)
	if err != nil {
		return apiError(c.io.err, err)
	}
	return c.printResult(cf, res, "changed")
}

func (c *SeriesCommand) printResult(cf clientFlags, res *web.SeriesResult, what string) error {
	if cf.jsonOut {
		return printJSON(c.io.out, res)
	}
	ch := res.Change
	_, err := fmt.Fprintf(c.io.out, "%s %s %s (%s): %d posts updated, %d canceled, %d kept, %d made\n", termLine(res.Series.ID), termLine(res.Series.Name),
		what, res.Series.State, ch.Updated, ch.Canceled, ch.Kept, ch.Created)
	return err
}

func (c *SeriesCommand) skip(ctx context.Context, args []string) error {
	var cf clientFlags
	fs := flag.NewFlagSet("pregonero series skip", flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: pregonero series skip ID OCCURRENCE")
		fmt.Fprintln(fs.Output(), "\nSkips one occurrence, named by its local date-time (2026-12-07T07:00), and cancels its post.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return c.usageError("skip", errors.New("give the series id and the occurrence, e.g. s_… 2026-12-07T07:00"))
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	res, err := cl.SkipOccurrence(ctx, fs.Arg(0), fs.Arg(1))
	if err != nil {
		return apiError(c.io.err, err)
	}
	if cf.jsonOut {
		return printJSON(c.io.out, res)
	}
	_, err = fmt.Fprintf(c.io.out, "%s %s: %s skipped\n", termLine(res.Series.ID), termLine(res.Series.Name), termLine(fs.Arg(1)))
	return err
}

func (c *SeriesCommand) state(ctx context.Context, verb string, to pregonero.SeriesState, args []string) error {
	var cf clientFlags
	fs := flag.NewFlagSet("pregonero series "+verb, flag.ContinueOnError)
	fs.SetOutput(c.io.err)
	cf.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: pregonero series %s ID\n", verb)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return c.usageError(verb, errors.New("give one series id"))
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	res, err := cl.SetSeriesState(ctx, fs.Arg(0), to)
	if err != nil {
		return apiError(c.io.err, err)
	}
	done := map[string]string{"pause": "paused", "resume": "resumed", "end": "ended"}[verb]
	return c.printResult(cf, res, done)
}
