package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"pregonero"
	"pregonero/web"
)

// NotificationsCommand reads and changes notification settings and
// webhooks on a running server.
type NotificationsCommand struct{ io *stdio }

// Usage prints the subcommands.
func (c *NotificationsCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero notifications show [-json]
	pregonero notifications set -email ADDRESS [-event KIND]... [-unit DEPENDENCIA]... [-daily-summary]
	pregonero notifications test-email
	pregonero notifications webhooks [-json]
	pregonero notifications webhook-add -address URL -event KIND... [-unit DEPENDENCIA]...
	pregonero notifications webhook-delete ID
	pregonero notifications webhook-test ID
	pregonero notifications webhook-deliveries [-json] ID

show and set are the settings of the token's owner (a user's own token:
the server's token belongs to nobody). Event kinds: delivery_failed,
delivery_held, account_needs_reauth, publishing_paused,
publishing_resumed, feed_failing. Webhooks are for admins; webhook-add
prints the secret once.

`+clientHelp)
}

// Run dispatches to the subcommand.
func (c *NotificationsCommand) Run(ctx context.Context, args []string) error {
	return dispatch(ctx, c.io, "pregonero notifications", c.Usage, subcommands{
		"show": c.show, "set": c.set, "test-email": c.testEmail, "webhooks": c.webhooks, "webhook-add": c.webhookAdd,
		"webhook-delete": c.webhookDelete, "webhook-test": c.webhookTest, "webhook-deliveries": c.webhookDeliveries,
	}, args)
}

// parse reads a subcommand's flags, those setup adds too; want is how
// many arguments it takes.
func (c *NotificationsCommand) parse(verb, usage, about string, args []string, want int, setup func(fs *flag.FlagSet)) (*web.Client, *cmdLine, []string, error) {
	l := newCmdLine(c.io, "pregonero notifications "+verb, "pregonero notifications "+usage, about)
	if setup != nil {
		setup(l.FlagSet)
	}
	if err := l.parse(args); err != nil {
		return nil, nil, nil, err
	}
	if l.NArg() != want {
		return nil, nil, nil, l.usageError(fmt.Errorf("want %d argument(s), got %d", want, l.NArg()))
	}
	cl, err := l.client()
	if err != nil {
		return nil, nil, nil, err
	}
	return cl, l, l.Args(), nil
}

func kindsOf(events []string) []pregonero.EventKind {
	out := []pregonero.EventKind{}
	for _, e := range events {
		out = append(out, pregonero.EventKind(strings.TrimSpace(e)))
	}
	return out
}

func (c *NotificationsCommand) show(ctx context.Context, args []string) error {
	cl, l, _, err := c.parse("show", "show [-json]", "Prints your notification settings.", args, 0, nil)
	if err != nil {
		return err
	}
	s, err := cl.NotifySettings(ctx)
	return l.printJSONOr(s, err, func() error { return c.printSettings(s) })
}

// printSettings writes the notification settings for a person.
func (c *NotificationsCommand) printSettings(s *pregonero.NotifySettings) error {
	var events []string
	for _, k := range s.Events {
		events = append(events, string(k))
	}
	units := strings.Join(s.Units, ", ")
	if units == "" {
		units = "all you may see"
	}
	_, err := fmt.Fprintf(c.io.out, "email:          %s\nevents:         %s\ndependencias:   %s\ndaily summary:  %v\n",
		termLine(orDash(s.Email)), orDash(strings.Join(events, ", ")), termLine(units), s.DailySummary)
	return err
}

func (c *NotificationsCommand) set(ctx context.Context, args []string) error {
	var req web.NotifySettingsRequest
	var events, units multiFlag
	cl, _, _, err := c.parse("set", "set -email ADDRESS [-event KIND]... [-unit DEPENDENCIA]... [-daily-summary]",
		"Replaces your notification settings.", args, 0, func(fs *flag.FlagSet) {
			fs.StringVar(&req.Email, "email", "", "the `address` notifications go to")
			fs.Var(&events, "event", "an event `kind` to be told of (repeatable)")
			fs.Var(&units, "unit", "a `dependencia` to hear of (repeatable; none: every one you may see)")
			fs.BoolVar(&req.DailySummary, "daily-summary", false, "receive the daily summary")
		})
	if err != nil {
		return err
	}
	req.Events, req.Units = kindsOf(events), units
	s, err := cl.PutNotifySettings(ctx, req)
	if err != nil {
		return apiError(c.io.err, err)
	}
	_, err = fmt.Fprintf(c.io.out, "saved: %d event(s) to %s\n", len(s.Events), termLine(orDash(s.Email)))
	return err
}

func (c *NotificationsCommand) testEmail(ctx context.Context, args []string) error {
	cl, _, _, err := c.parse("test-email", "test-email", "Sends a test e-mail to your saved address.", args, 0, nil)
	if err != nil {
		return err
	}
	to, err := cl.TestEmail(ctx)
	if err != nil {
		return apiError(c.io.err, err)
	}
	_, err = fmt.Fprintf(c.io.out, "sent to %s\n", termLine(to))
	return err
}

func (c *NotificationsCommand) webhooks(ctx context.Context, args []string) error {
	cl, l, _, err := c.parse("webhooks", "webhooks [-json]", "Lists the webhooks (admins).", args, 0, nil)
	if err != nil {
		return err
	}
	hs, err := cl.Webhooks(ctx)
	return l.printJSONOr(hs, err, func() error { return c.printWebhooks(hs) })
}

// printWebhooks writes the webhooks as a table.
func (c *NotificationsCommand) printWebhooks(hs []*pregonero.Webhook) error {
	if len(hs) == 0 {
		_, err := fmt.Fprintln(c.io.out, "no webhooks")
		return err
	}
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tEVENTS\tDEPENDENCIAS")
	for _, h := range hs {
		var ev []string
		for _, k := range h.Events {
			ev = append(ev, string(k))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.ID, termLine(h.URL), strings.Join(ev, ","), termLine(orDash(strings.Join(h.Units, ", "))))
	}
	return tw.Flush()
}

func (c *NotificationsCommand) webhookAdd(ctx context.Context, args []string) error {
	var req web.WebhookRequest
	var events, units multiFlag
	cl, l, _, err := c.parse("webhook-add", "webhook-add -address URL -event KIND... [-unit DEPENDENCIA]...",
		"Adds a webhook and prints its id and secret; the secret is shown this once.", args, 0, func(fs *flag.FlagSet) {
			fs.StringVar(&req.URL, "address", "", "the receiver's http(s) `URL` (-url is the server's)")
			fs.Var(&events, "event", "an event `kind` to send (repeatable)")
			fs.Var(&units, "unit", "a `dependencia` to narrow the events to (repeatable; none: all)")
		})
	if err != nil {
		return err
	}
	if req.URL == "" {
		return l.usageError(errors.New("-address is required"))
	}
	req.Events, req.Units = kindsOf(events), units
	h, err := cl.CreateWebhook(ctx, req)
	if err != nil {
		return apiError(c.io.err, err)
	}
	_, err = fmt.Fprintf(c.io.out, "%s\nsecret: %s\n", h.ID, h.Secret)
	return err
}

func (c *NotificationsCommand) webhookDelete(ctx context.Context, args []string) error {
	cl, _, rest, err := c.parse("webhook-delete", "webhook-delete ID", "Deletes a webhook and its deliveries.", args, 1, nil)
	if err != nil {
		return err
	}
	if err := cl.DeleteWebhook(ctx, rest[0]); err != nil {
		return apiError(c.io.err, err)
	}
	_, err = fmt.Fprintf(c.io.out, "deleted %s\n", rest[0])
	return err
}

func (c *NotificationsCommand) webhookTest(ctx context.Context, args []string) error {
	cl, _, rest, err := c.parse("webhook-test", "webhook-test ID", "Sends a test event to a webhook now and prints the answer.", args, 1, nil)
	if err != nil {
		return err
	}
	a, err := cl.TestWebhook(ctx, rest[0])
	if err != nil {
		return apiError(c.io.err, err)
	}
	if !a.OK() {
		fmt.Fprintf(c.io.out, "failed: status %d %s\n", a.Status, termLine(a.Error))
		return errors.New("the webhook did not take the test")
	}
	_, err = fmt.Fprintf(c.io.out, "ok: status %d in %d ms\n", a.Status, a.DurationMS)
	return err
}

func (c *NotificationsCommand) webhookDeliveries(ctx context.Context, args []string) error {
	cl, l, rest, err := c.parse("webhook-deliveries", "webhook-deliveries [-json] ID", "Lists a webhook's latest deliveries and their attempts.", args, 1, nil)
	if err != nil {
		return err
	}
	ds, err := cl.WebhookDeliveries(ctx, rest[0], 0)
	return l.printJSONOr(ds, err, func() error { return c.printDeliveries(ds) })
}

// printDeliveries writes a webhook's deliveries as a table.
func (c *NotificationsCommand) printDeliveries(ds []*pregonero.WebhookDelivery) error {
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENT\tKIND\tSTATE\tATTEMPTS\tLAST")
	for _, d := range ds {
		last := "-"
		if n := len(d.Attempts); n > 0 {
			a := d.Attempts[n-1]
			last = fmt.Sprintf("%s status %d %s", a.At.Format("2006-01-02T15:04:05Z07:00"), a.Status, termLine(a.Error))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", d.Event.Seq, d.Event.Kind, d.State, len(d.Attempts), last)
	}
	return tw.Flush()
}
