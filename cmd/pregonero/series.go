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

`+clientHelp)
}

// Run dispatches to the subcommand.
func (c *SeriesCommand) Run(ctx context.Context, args []string) error {
	state := func(verb string, to pregonero.SeriesState) func(context.Context, []string) error {
		return func(ctx context.Context, args []string) error { return c.state(ctx, verb, to, args) }
	}
	return dispatch(ctx, c.io, "pregonero series", c.Usage, subcommands{
		"create": c.create, "list": c.list, "show": c.show, "edit": c.edit, "skip": c.skip,
		"pause": state("pause", pregonero.SeriesPaused), "resume": state("resume", pregonero.SeriesActive),
		"end": state("end", pregonero.SeriesEnded),
	}, args)
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
	var sf seriesFlags
	l := newCmdLine(c.io, "pregonero series create", "pregonero series create -name NAME -rule RRULE -start LOCAL -text TEXT -target ID... [flags]",
		"Adds a series on the running server, makes the posts of its occurrences within the horizon,",
		"and prints its id.")
	sf.register(l.FlagSet)
	if err := l.parseNoArgs(args, "every value goes after a flag (quote texts with spaces)"); err != nil {
		return err
	}
	for _, req := range []struct{ flag, v string }{{"-name", sf.name}, {"-rule", sf.rule}, {"-start", sf.start}} {
		if req.v == "" {
			return l.usageError(fmt.Errorf("%s is required", req.flag))
		}
	}
	if len(sf.targets) == 0 {
		return l.usageError(errors.New("-target is required: the accounts to publish to"))
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	res, err := cl.CreateSeries(ctx, web.SeriesRequest{Name: sf.name, Rule: sf.rule, Start: sf.start, Zone: sf.zone, Text: sf.text, Link: sf.link,
		Targets: sf.targets, Campaign: sf.campaign, Unit: sf.unit, HorizonDays: sf.horizon, Exceptions: sf.except})
	return l.printJSONOr(res, err, func() error {
		_, err := fmt.Fprintf(c.io.out, "%s %s created (%s from %s %s); %d posts made\n", termLine(res.Series.ID), termLine(res.Series.Name),
			termLine(res.Series.Rule), termLine(res.Series.Start), termLine(res.Series.Zone), res.Change.Created)
		return err
	})
}

func (c *SeriesCommand) list(ctx context.Context, args []string) error {
	l := newCmdLine(c.io, "pregonero series list", "pregonero series list [-json]",
		"Lists every series by name: id, state, rule, start and zone.")
	if err := l.parseNoArgs(args, ""); err != nil {
		return err
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	list, err := cl.SeriesList(ctx)
	return l.printJSONOr(web.SeriesList{Series: list}, err, func() error {
		tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSTATE\tRULE\tSTART\tZONE")
		for _, sr := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", termLine(sr.ID), termLine(sr.Name), sr.State, termLine(sr.Rule), termLine(sr.Start), termLine(sr.Zone))
		}
		return tw.Flush()
	})
}

func (c *SeriesCommand) show(ctx context.Context, args []string) error {
	n := 10
	l := newCmdLine(c.io, "pregonero series show", "pregonero series show [-json] [-n N] ID",
		"Shows a series and its next occurrences, each with its post once made.")
	l.IntVar(&n, "n", n, "how many of the next `occurrences` to list (1 to 100)")
	if err := l.parseArgs(args, 1, "give one series id"); err != nil {
		return err
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	sr, err := cl.Series(ctx, l.Arg(0))
	if err != nil {
		return apiError(c.io.err, err)
	}
	occs, err := cl.SeriesOccurrences(ctx, sr.ID, n)
	if err != nil {
		return apiError(c.io.err, err)
	}
	return l.printJSONOr(struct {
		Series      *pregonero.Series    `json:"series"`
		Occurrences []posting.Occurrence `json:"occurrences"`
	}{sr, occs.Occurrences}, nil, func() error { return c.print(sr, occs.Occurrences) })
}

// print writes a series and its next occurrences for a person.
func (c *SeriesCommand) print(sr *pregonero.Series, occs []posting.Occurrence) error {
	fmt.Fprintf(c.io.out, "%s %s (%s)\nrule: %s from %s %s\ntargets: %v\n", termLine(sr.ID), termLine(sr.Name), sr.State,
		termLine(sr.Rule), termLine(sr.Start), termLine(sr.Zone), sr.Targets)
	if sr.LastError != "" {
		fmt.Fprintf(c.io.out, "last error: %s\n", termLine(sr.LastError))
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OCCURRENCE\tAT\tPOST\tSTATUS\tNOTE")
	for _, o := range occs {
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
	var sf seriesFlags
	l := newCmdLine(c.io, "pregonero series edit", "pregonero series edit ID [flags]",
		"Changes what the flags given say; the posts of occurrences not yet published follow.")
	sf.register(l.FlagSet)
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		if err := l.parse(args); err != nil {
			return err
		}
		return l.usageError(errors.New("give the series id first"))
	}
	id := args[0]
	if err := l.parseNoArgs(args[1:], ""); err != nil {
		return err
	}
	// Only the flags given change the series.
	var p web.SeriesPatch
	targets, except := []string(sf.targets), []string(sf.except)
	fields := map[string]func(){
		"name": func() { p.Name = &sf.name }, "rule": func() { p.Rule = &sf.rule }, "start": func() { p.Start = &sf.start },
		"zone": func() { p.Zone = &sf.zone }, "text": func() { p.Text = &sf.text }, "link": func() { p.Link = &sf.link },
		"campaign": func() { p.Campaign = &sf.campaign }, "unit": func() { p.Unit = &sf.unit },
		"horizon-days": func() { p.HorizonDays = &sf.horizon },
		"target":       func() { p.Targets = &targets }, "except": func() { p.Exceptions = &except },
	}
	l.Visit(func(f *flag.Flag) {
		if set, ok := fields[f.Name]; ok {
			set()
		}
	})
	cl, err := l.client()
	if err != nil {
		return err
	}
	res, err := cl.PatchSeries(ctx, id, p)
	return c.printResult(l, res, err, "changed")
}

// printResult prints a series changed (what says how) and what became of
// its posts; err is the call's.
func (c *SeriesCommand) printResult(l *cmdLine, res *web.SeriesResult, err error, what string) error {
	return l.printJSONOr(res, err, func() error {
		ch := res.Change
		_, err := fmt.Fprintf(c.io.out, "%s %s %s (%s): %d posts updated, %d canceled, %d kept, %d made\n", termLine(res.Series.ID), termLine(res.Series.Name),
			what, res.Series.State, ch.Updated, ch.Canceled, ch.Kept, ch.Created)
		return err
	})
}

func (c *SeriesCommand) skip(ctx context.Context, args []string) error {
	l := newCmdLine(c.io, "pregonero series skip", "pregonero series skip ID OCCURRENCE",
		"Skips one occurrence, named by its local date-time (2026-12-07T07:00), and cancels its post.")
	if err := l.parseArgs(args, 2, "give the series id and the occurrence, e.g. s_… 2026-12-07T07:00"); err != nil {
		return err
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	res, err := cl.SkipOccurrence(ctx, l.Arg(0), l.Arg(1))
	return l.printJSONOr(res, err, func() error {
		_, err := fmt.Fprintf(c.io.out, "%s %s: %s skipped\n", termLine(res.Series.ID), termLine(res.Series.Name), termLine(l.Arg(1)))
		return err
	})
}

func (c *SeriesCommand) state(ctx context.Context, verb string, to pregonero.SeriesState, args []string) error {
	l := newCmdLine(c.io, "pregonero series "+verb, "pregonero series "+verb+" ID")
	if err := l.parseArgs(args, 1, "give one series id"); err != nil {
		return err
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	res, err := cl.SetSeriesState(ctx, l.Arg(0), to)
	done := map[string]string{"pause": "paused", "resume": "resumed", "end": "ended"}[verb]
	return c.printResult(l, res, err, done)
}
