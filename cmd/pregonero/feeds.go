package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"pregonero"
	"pregonero/web"
)

// FeedsCommand adds, lists, shows, polls and removes news feeds on a
// running server.
type FeedsCommand struct{ io *stdio }

// Usage prints the subcommands.
func (c *FeedsCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero feeds add -name NAME -feed URL -target ACCOUNT... [-unit DEPENDENCIA] [-campaign ID] [-every 15m] [-auto-publish]
	pregonero feeds list [-json]
	pregonero feeds show [-json] ID
	pregonero feeds poll [-json] ID
	pregonero feeds remove ID

A feed is an RSS 2.0 or Atom address whose new items become drafts for
its accounts (with -auto-publish, posts in each account's next free
posting slot). add prints the feed's id; poll fetches it now and prints
what it drafted; remove deletes it (the posts made from it stay).

`+clientHelp)
}

// Run dispatches to the subcommand.
func (c *FeedsCommand) Run(ctx context.Context, args []string) error {
	return dispatch(ctx, c.io, "pregonero feeds", c.Usage, subcommands{
		"add": c.add, "list": c.list, "show": c.show, "poll": c.poll, "remove": c.remove,
	}, args)
}

func (c *FeedsCommand) add(ctx context.Context, args []string) error {
	var req web.FeedRequest
	var targets multiFlag
	l := newCmdLine(c.io, "pregonero feeds add",
		"pregonero feeds add -name NAME -feed URL -target ACCOUNT... [-unit DEPENDENCIA] [-campaign ID] [-every 15m] [-auto-publish]",
		"Adds a news feed on the running server and prints its id. It is fetched at the next run of the",
		"poll job, or now with feeds poll ID.")
	fs := l.FlagSet
	fs.StringVar(&req.Name, "name", "", "the feed's `name`, e.g. \"Noticias de la Gobernación\"")
	fs.StringVar(&req.URL, "feed", "", "the feed's `address` (RSS 2.0 or Atom); -url is the server's")
	fs.Var(&targets, "target", "an `account` id the drafts are for (repeatable)")
	fs.StringVar(&req.Unit, "unit", "", "the `dependencia` (the first account's when not given)")
	fs.StringVar(&req.Campaign, "campaign", "", "the campaign `id` of the drafts")
	fs.StringVar(&req.Every, "every", "", "how often it is fetched, a `duration` from 1m to 24h (the server's feeds.every when not given)")
	fs.BoolVar(&req.AutoPublish, "auto-publish", false, "put each new item in the queue instead of making a draft")
	if err := l.parseNoArgs(args, "every value goes after a flag (quote names with spaces)"); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(req.Name) == "":
		return l.usageError(errors.New("-name is required"))
	case strings.TrimSpace(req.URL) == "":
		return l.usageError(errors.New("-feed is required: the address of the RSS or Atom feed"))
	case len(targets) == 0:
		return l.usageError(errors.New("at least one -target is required"))
	}
	req.Targets = targets
	cl, err := l.client()
	if err != nil {
		return err
	}
	f, err := cl.CreateFeed(ctx, req)
	return l.printJSONOr(f, err, func() error {
		_, err := fmt.Fprintf(c.io.out, "%s %s added (%s)\n", termLine(f.ID), termLine(f.Name), termLine(f.URL))
		return err
	})
}

// feedState says how a feed is doing, in a word or two.
func feedState(f *web.Feed) string {
	switch {
	case f.Failing:
		return "failing since " + f.FailingSince.Format(time.RFC3339)
	case f.LastOKAt.IsZero():
		return "not polled yet"
	}
	return "ok"
}

func (c *FeedsCommand) list(ctx context.Context, args []string) error {
	l := newCmdLine(c.io, "pregonero feeds list", "pregonero feeds list [-json]",
		"Lists every news feed: id, name, state, last poll, drafts made and accounts.")
	if err := l.parseNoArgs(args, ""); err != nil {
		return err
	}
	cl, loc, err := l.clientIn()
	if err != nil {
		return err
	}
	list, err := cl.Feeds(ctx)
	return l.printJSONOr(list, err, func() error { return c.print(list, loc) })
}

// print writes the feeds as a table.
func (c *FeedsCommand) print(list []*web.Feed, loc *time.Location) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(c.io.out, "no feeds")
		return err
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATE\tLAST POLL\tDRAFTS\tACCOUNTS")
	for _, f := range list {
		last := "-"
		if !f.LastPollAt.IsZero() {
			last = f.LastPollAt.In(loc).Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", termLine(f.ID), termLine(shorten(f.Name, 40)), feedState(f), last, f.Drafted,
			termLine(strings.Join(f.Targets, ",")))
	}
	return tw.Flush()
}

func (c *FeedsCommand) show(ctx context.Context, args []string) error {
	l := newCmdLine(c.io, "pregonero feeds show", "pregonero feeds show [-json] ID",
		"Shows a news feed, its state and the last items it drafted.")
	id, err := l.parseID(args)
	if err != nil {
		return err
	}
	cl, loc, err := l.clientIn()
	if err != nil {
		return err
	}
	f, err := cl.Feed(ctx, id)
	if err != nil {
		return apiError(c.io.err, err)
	}
	items, err := cl.FeedItems(ctx, id, 20)
	return l.printJSONOr(struct {
		*web.Feed
		Items any `json:"items"`
	}{f, items}, err, func() error { return c.printOne(f, items, loc) })
}

// printOne writes a feed and the last items it drafted.
func (c *FeedsCommand) printOne(f *web.Feed, items []*pregonero.FeedItem, loc *time.Location) error {
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format("2006-01-02 15:04 MST")
	}
	every := f.Every
	if every == "" {
		every = "the server's (feeds.every)"
	}
	mode := "drafts"
	if f.AutoPublish {
		mode = "published through the queue"
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "id\t%s\nname\t%s\nurl\t%s\naccounts\t%s\ndependencia\t%s\ncampaign\t%s\nitems become\t%s\nevery\t%s\n",
		termLine(f.ID), termLine(f.Name), termLine(f.URL), termLine(strings.Join(f.Targets, ", ")), termLine(orDash(f.Unit)),
		termLine(orDash(f.Campaign)), mode, every)
	fmt.Fprintf(tw, "state\t%s\nlast poll\t%s\nlast success\t%s\ndrafts made\t%d\n", feedState(f), when(f.LastPollAt), when(f.LastOKAt), f.Drafted)
	if f.LastError != "" {
		fmt.Fprintf(tw, "last error\t%s\n", termLine(f.LastError))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(items) > 0 {
		fmt.Fprintln(c.io.out, "\nlast items drafted:")
		tw = tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
		for _, it := range items {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", when(it.SeenAt), termLine(it.PostID), termLine(shorten(it.Title, 60)))
		}
		return tw.Flush()
	}
	return nil
}

func (c *FeedsCommand) poll(ctx context.Context, args []string) error {
	l := newCmdLine(c.io, "pregonero feeds poll", "pregonero feeds poll [-json] ID",
		"Fetches a news feed now and drafts its new items; exits 1 when the fetch failed.")
	id, cl, err := l.parseIDClient(args)
	if err != nil {
		return err
	}
	r, err := cl.PollFeed(ctx, id)
	err = l.printJSONOr(r, err, func() error {
		if r.NotModified {
			_, err := fmt.Fprintln(c.io.out, "not modified since the last poll: nothing new")
			return err
		}
		fmt.Fprintf(c.io.out, "%d items, %d new drafted, %d old passed over\n", r.Items, r.Drafted, r.Skipped)
		for _, p := range r.PostIDs {
			fmt.Fprintf(c.io.out, "  %s\n", termLine(p))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if r.Error != "" {
		fmt.Fprintf(c.io.err, "pregonero feeds poll: %s\n", termLine(r.Error))
		return exitError{code: 1}
	}
	return nil
}

func (c *FeedsCommand) remove(ctx context.Context, args []string) error {
	l := newCmdLine(c.io, "pregonero feeds remove", "pregonero feeds remove ID",
		"Removes a news feed; the posts made from its items stay.")
	id, cl, err := l.parseIDClient(args)
	if err != nil {
		return err
	}
	if err := cl.DeleteFeed(ctx, id); err != nil {
		return apiError(c.io.err, err)
	}
	_, err = fmt.Fprintf(c.io.out, "%s removed\n", termLine(id))
	return err
}
