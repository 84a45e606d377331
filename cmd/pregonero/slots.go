package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"pregonero"
	"pregonero/posting"
	"pregonero/web"
)

// SlotsCommand shows and sets the posting slots of an account, shows its
// queue, reorders it and adds posts to it, on a running server.
type SlotsCommand struct{ io *stdio }

// Usage prints the subcommands.
func (c *SlotsCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero slots list [-json] ACCOUNT
	pregonero slots set [-skip-holidays] ACCOUNT DAYS@HH:MM...
	pregonero slots clear ACCOUNT
	pregonero slots queue [-json] [-limit N] ACCOUNT
	pregonero slots move ACCOUNT DELIVERY POSITION
	pregonero slots enqueue POST

list shows an account's posting slots. set replaces them: each slot is
weekdays and a local time, e.g. mon-fri@07:00, sat,sun@10:30 (days mon tue
wed thu fri sat sun); with -skip-holidays none goes out on Colombia's
festivos. Posts the queue placed at a removed slot move to the next free
one; with no slot left they wait for a person (held, no_slot). clear
removes every slot. queue lists what goes out, in order, with the next free
slot and the coming festivos. move puts a delivery of the queue at a
position (1 is first): the posts trade slots. enqueue puts a post or a
draft in the queue: each target account's next free slot.

`+clientHelp)
}

// Run dispatches to the subcommand.
func (c *SlotsCommand) Run(ctx context.Context, args []string) error {
	return dispatch(ctx, c.io, "pregonero slots", c.Usage, subcommands{
		"list":  c.list,
		"set":   func(ctx context.Context, args []string) error { return c.set(ctx, args, false) },
		"clear": func(ctx context.Context, args []string) error { return c.set(ctx, args, true) },
		"queue": c.queue, "move": c.move, "enqueue": c.enqueue,
	}, args)
}

// flags parses a subcommand's flags, those extra adds too; want is how
// many arguments it takes (at least, with more).
func (c *SlotsCommand) flags(verb, usage, about string, args []string, want int, more bool, extra func(*flag.FlagSet)) (*cmdLine, []string, error) {
	l := newCmdLine(c.io, "pregonero slots "+verb, "pregonero slots "+verb+" "+usage, about)
	if extra != nil {
		extra(l.FlagSet)
	}
	if err := l.parse(args); err != nil {
		return nil, nil, err
	}
	if n := l.NArg(); n < want || n > want && !more {
		return nil, nil, l.usageError(fmt.Errorf("want %s", usage))
	}
	return l, l.Args(), nil
}

func (c *SlotsCommand) list(ctx context.Context, args []string) error {
	l, rest, err := c.flags("list", "[-json] ACCOUNT", "Shows the account's posting slots.", args, 1, false, nil)
	if err != nil {
		return err
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	sl, err := cl.Slots(ctx, rest[0])
	return l.printJSONOr(sl, err, func() error { return c.printSlots(sl.Account, sl.Slots) })
}

func (c *SlotsCommand) printSlots(account string, slots []pregonero.Slot) error {
	if len(slots) == 0 {
		_, err := fmt.Fprintf(c.io.out, "%s has no posting slots\n", termLine(account))
		return err
	}
	for _, sl := range slots {
		line := strings.Join(sl.Days, ",") + "@" + sl.Time
		if sl.SkipHolidays {
			line += " (not on festivos)"
		}
		if _, err := fmt.Fprintln(c.io.out, termLine(line)); err != nil {
			return err
		}
	}
	return nil
}

func (c *SlotsCommand) set(ctx context.Context, args []string, clear bool) error {
	var skip bool
	verb, usage, about := "set", "[-skip-holidays] ACCOUNT DAYS@HH:MM...", "Replaces the account's posting slots, e.g. mon-fri@07:00 mon-fri@12:30 sat@10:00."
	if clear {
		verb, usage, about = "clear", "ACCOUNT", "Removes every posting slot of the account; the posts the queue placed wait for a person."
	}
	l, rest, err := c.flags(verb, usage, about, args, 1, !clear, func(fs *flag.FlagSet) {
		if !clear {
			fs.BoolVar(&skip, "skip-holidays", false, "no post goes out at these slots on Colombia's festivos")
		}
	})
	if err != nil {
		return err
	}
	if !clear && len(rest) < 2 {
		return l.usageError(errors.New("give at least one slot, e.g. mon-fri@07:00 (slots clear removes them all)"))
	}
	slots := []pregonero.Slot{}
	for _, spec := range rest[1:] {
		sl, err := parseSlot(spec)
		if err != nil {
			return l.usageError(err)
		}
		sl.SkipHolidays = skip
		slots = append(slots, sl)
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	ch, err := cl.SetSlots(ctx, rest[0], slots)
	return l.printJSONOr(ch, err, func() error { return c.printChange(l, ch) })
}

// printChange prints the slots set and what became of the queue's posts.
func (c *SlotsCommand) printChange(l *cmdLine, ch *web.SlotsChange) error {
	if err := c.printSlots(ch.Slots.Account, ch.Slots.Slots); err != nil {
		return err
	}
	loc, err := l.cf.zone()
	if err != nil {
		return err
	}
	for _, d := range ch.Moved {
		fmt.Fprintf(c.io.out, "moved %s (post %s) to %s\n", termLine(d.ID), termLine(d.PostID), d.ScheduledAt.In(loc).Format("Mon 2006-01-02 15:04"))
	}
	for _, d := range ch.Placed {
		fmt.Fprintf(c.io.out, "placed %s (post %s) at %s\n", termLine(d.ID), termLine(d.PostID), d.ScheduledAt.In(loc).Format("Mon 2006-01-02 15:04"))
	}
	for _, d := range ch.Held {
		fmt.Fprintf(c.io.out, "held %s (post %s): no slot left\n", termLine(d.ID), termLine(d.PostID))
	}
	for _, w := range ch.Warnings {
		fmt.Fprintf(c.io.err, "warning: %s\n", termLine(w.Message))
	}
	return nil
}

// parseSlot reads DAYS@HH:MM: days are names or ranges separated by
// commas (mon-fri,sun).
func parseSlot(spec string) (pregonero.Slot, error) {
	days, hm, ok := strings.Cut(spec, "@")
	if !ok || days == "" || hm == "" {
		return pregonero.Slot{}, fmt.Errorf("slot %q: write DAYS@HH:MM, e.g. mon-fri@07:00", spec)
	}
	var out []string
	for _, part := range strings.Split(strings.ToLower(days), ",") {
		from, to, isRange := strings.Cut(part, "-")
		i, j := slices.Index(pregonero.Weekdays, from), slices.Index(pregonero.Weekdays, to)
		if !isRange {
			j = i
		}
		if i < 0 || j < 0 || j < i {
			return pregonero.Slot{}, fmt.Errorf("slot %q: %q is not a day or a range of days of %v", spec, part, pregonero.Weekdays)
		}
		for _, d := range pregonero.Weekdays[i : j+1] {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return pregonero.Slot{Days: out, Time: hm}, nil
}

func (c *SlotsCommand) queue(ctx context.Context, args []string) error {
	var limit int
	l, rest, err := c.flags("queue", "[-json] [-limit N] ACCOUNT", "Lists what goes out from the account, in order, with the next free slot and the coming festivos.", args, 1, false,
		func(fs *flag.FlagSet) {
			fs.IntVar(&limit, "limit", 0, "list at most `N` posts (server default 100, at most 1000)")
		})
	if err != nil {
		return err
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	q, err := cl.Queue(ctx, rest[0], limit)
	return l.printJSONOr(q, err, func() error { return c.printQueue(l, q) })
}

// printQueue writes an account's queue for a person.
func (c *SlotsCommand) printQueue(l *cmdLine, q *web.Queue) error {
	loc, err := l.cf.zone()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tWHEN\tDELIVERY\tPOST\tSTATE\tPLACED BY\tTEXT")
	n := 0
	for _, it := range q.Items {
		pos, by := "", "a person"
		if it.Movable {
			n++
			pos = strconv.Itoa(n)
		}
		if it.Placed {
			by = "the queue"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", pos, it.Delivery.ScheduledAt.In(loc).Format("Mon 2006-01-02 15:04"), termLine(it.Delivery.ID),
			termLine(it.Delivery.PostID), it.Delivery.State, by, termLine(shorten(it.Text, 50)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, it := range q.Held {
		fmt.Fprintf(c.io.out, "waiting for a person (no slot): %s (post %s) %s\n", termLine(it.Delivery.ID), termLine(it.Delivery.PostID), termLine(shorten(it.Text, 50)))
	}
	if q.NextFree != nil {
		fmt.Fprintf(c.io.out, "next free slot: %s\n", q.NextFree.In(loc).Format("Mon 2006-01-02 15:04"))
	} else {
		fmt.Fprintln(c.io.out, "no free slot: set slots first (pregonero slots set)")
	}
	for _, f := range q.Festivos {
		fmt.Fprintf(c.io.out, "festivo %s %s\n", f.Date, termLine(f.Name))
	}
	return nil
}

func (c *SlotsCommand) move(ctx context.Context, args []string) error {
	l, rest, err := c.flags("move", "ACCOUNT DELIVERY POSITION", "Puts a delivery of the account's queue at a position (1 is first); the posts trade slots.", args, 3, false, nil)
	if err != nil {
		return err
	}
	pos, err := strconv.Atoi(rest[2])
	if err != nil || pos < 1 {
		return l.usageError(fmt.Errorf("POSITION %q: give a number from 1", rest[2]))
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	moved, err := cl.MoveInQueue(ctx, rest[0], rest[1], pos)
	return l.printJSONOr(web.QueueMoved{Moved: moved}, err, func() error {
		loc, err := l.cf.zone()
		if err != nil {
			return err
		}
		for _, d := range moved {
			fmt.Fprintf(c.io.out, "%s (post %s) now at %s\n", termLine(d.ID), termLine(d.PostID), d.ScheduledAt.In(loc).Format("Mon 2006-01-02 15:04"))
		}
		return nil
	})
}

func (c *SlotsCommand) enqueue(ctx context.Context, args []string) error {
	l, rest, err := c.flags("enqueue", "POST", "Puts a post or a draft in the queue: each target account's next free slot.", args, 1, false, nil)
	if err != nil {
		return err
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	p, err := cl.Post(ctx, rest[0])
	if err != nil {
		return apiError(c.io.err, err)
	}
	if p.IsDraft() {
		p, err = cl.SchedulePost(ctx, p.ID, posting.QueueTime, "")
	} else {
		q := posting.QueueTime
		p, err = cl.PatchPost(ctx, p.ID, web.PostPatch{ScheduledAt: &q})
	}
	return l.printJSONOr(p, err, func() error {
		loc, err := l.cf.zone()
		if err != nil {
			return err
		}
		for _, d := range p.Deliveries {
			fmt.Fprintf(c.io.out, "%s: %s\n", termLine(d.AccountID), d.ScheduledAt.In(loc).Format("Mon 2006-01-02 15:04"))
		}
		return nil
	})
}
