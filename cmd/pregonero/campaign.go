package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"pregonero"
	"pregonero/web"
)

// CampaignCommand creates, lists and shows campaigns on a running server.
type CampaignCommand struct{ io *stdio }

// Usage prints the subcommands.
func (c *CampaignCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero campaign create -name NAME -starts DATE [-ends DATE] [-unit DEPENDENCIA] [-plan-line LINE] [-description TEXT] [-hashtag #TAG]...
	pregonero campaign list [-json]
	pregonero campaign show [-json] ID

create adds a campaign and prints its id: give that id to post create
-campaign. list shows every campaign by name; show one campaign and its
posts. Dates are written 2026-12-01.

`+clientHelp)
}

// Run dispatches to the subcommand.
func (c *CampaignCommand) Run(ctx context.Context, args []string) error {
	return dispatch(ctx, c.io, "pregonero campaign", c.Usage, subcommands{"create": c.create, "list": c.list, "show": c.show}, args)
}

func (c *CampaignCommand) create(ctx context.Context, args []string) error {
	var req web.CampaignRequest
	var tags multiFlag
	l := newCmdLine(c.io, "pregonero campaign create",
		"pregonero campaign create -name NAME -starts DATE [-ends DATE] [-unit DEPENDENCIA] [-plan-line LINE] [-description TEXT] [-hashtag #TAG]...",
		"Adds a campaign on the running server and prints its id and name. Posts name it by that id",
		"(post create -campaign ID).")
	fs := l.FlagSet
	fs.StringVar(&req.Name, "name", "", "the campaign's `name`, unique whatever its case, e.g. \"Vías del Nordeste\"")
	fs.StringVar(&req.StartsOn, "starts", "", "the first `day`, e.g. 2026-12-01")
	fs.StringVar(&req.EndsOn, "ends", "", "the last `day`, e.g. 2027-03-31 (none when not given)")
	fs.StringVar(&req.Unit, "unit", "", "the `dependencia` that runs it, e.g. \"Secretaría de Infraestructura Física\" (an editor's token must name one of theirs)")
	fs.StringVar(&req.PlanLine, "plan-line", "", "the `line` of the Plan de Desarrollo it serves")
	fs.StringVar(&req.Description, "description", "", "what the campaign is about, for the people who post in it (`text`)")
	fs.Var(&tags, "hashtag", "a `#hashtag` of the campaign (repeatable; letters, digits and _ after the #)")
	if err := l.parseNoArgs(args, "every value goes after a flag (quote names with spaces)"); err != nil {
		return err
	}
	if strings.TrimSpace(req.Name) == "" {
		return l.usageError(errors.New("-name is required"))
	}
	if req.StartsOn == "" {
		return l.usageError(errors.New("-starts is required: the campaign's first day, e.g. 2026-12-01"))
	}
	req.Hashtags = tags
	cl, err := l.client()
	if err != nil {
		return err
	}
	camp, err := cl.CreateCampaign(ctx, req)
	return l.printJSONOr(camp, err, func() error {
		_, err := fmt.Fprintf(c.io.out, "%s %s created (%s)\n", termLine(camp.ID), termLine(camp.Name), termLine(campaignDates(camp)))
		return err
	})
}

// campaignDates says when a campaign runs.
func campaignDates(c *pregonero.Campaign) string {
	switch {
	case c.StartsOn.IsZero() && c.EndsOn.IsZero():
		return "no dates"
	case c.EndsOn.IsZero():
		return "from " + c.StartsOn.String() + ", no end set"
	case c.StartsOn.IsZero():
		return "until " + c.EndsOn.String()
	}
	return c.StartsOn.String() + " to " + c.EndsOn.String()
}

func (c *CampaignCommand) list(ctx context.Context, args []string) error {
	l := newCmdLine(c.io, "pregonero campaign list", "pregonero campaign list [-json]",
		"Lists every campaign by name: id, dates, dependencia and Plan de Desarrollo line.")
	if err := l.parseNoArgs(args, ""); err != nil {
		return err
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	list, err := cl.Campaigns(ctx)
	return l.printJSONOr(list, err, func() error {
		if len(list) == 0 {
			_, err := fmt.Fprintln(c.io.out, "no campaigns")
			return err
		}
		tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tDATES\tDEPENDENCIA\tPLAN LINE")
		for _, camp := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", termLine(camp.ID), termLine(camp.Name), campaignDates(camp),
				termLine(orDash(camp.Unit)), termLine(orDash(shorten(camp.PlanLine, 40))))
		}
		return tw.Flush()
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (c *CampaignCommand) show(ctx context.Context, args []string) error {
	l := newCmdLine(c.io, "pregonero campaign show", "pregonero campaign show [-json] ID",
		"Shows a campaign and its first 50 posts (post list -campaign ID lists them all).")
	id, err := l.parseID(args)
	if err != nil {
		return err
	}
	cl, loc, err := l.clientIn()
	if err != nil {
		return err
	}
	camp, err := cl.Campaign(ctx, id)
	return l.printJSONOr(camp, err, func() error { return c.print(ctx, cl, camp, loc) })
}

// print shows a campaign and its first posts.
func (c *CampaignCommand) print(ctx context.Context, cl *web.Client, camp *pregonero.Campaign, loc *time.Location) error {
	page, err := cl.Posts(ctx, url.Values{"campaign": {camp.ID}, "limit": {"50"}})
	if err != nil {
		return apiError(c.io.err, err)
	}
	w := &errWriter{w: c.io.out}
	w.printf("%s %s\n", termLine(camp.ID), termLine(camp.Name))
	w.printf("  dates:       %s\n", campaignDates(camp))
	if camp.Unit != "" {
		w.printf("  dependencia: %s\n", termLine(camp.Unit))
	}
	if camp.PlanLine != "" {
		w.printf("  plan line:   %s\n", termLine(camp.PlanLine))
	}
	if len(camp.Hashtags) > 0 {
		w.printf("  hashtags:    %s\n", termLine(strings.Join(camp.Hashtags, " ")))
	}
	if camp.Description != "" {
		w.printf("  description: %s\n", strings.ReplaceAll(termText(camp.Description), "\n", "\n               "))
	}
	if len(page.Posts) == 0 {
		w.printf("  posts:       none\n")
		return w.err
	}
	w.printf("  posts (%s):\n", loc)
	for _, p := range page.Posts {
		when := "no time yet"
		if !p.ScheduledAt.IsZero() {
			when = p.ScheduledAt.In(loc).Format("Mon 2006-01-02 15:04")
		}
		w.printf("    %s  %s  %s  %s\n", termLine(p.ID), p.Status, when, termLine(shorten(p.Text, 50)))
	}
	if page.Next != "" {
		w.printf("    more: pregonero post list -campaign %s -cursor %s\n", termLine(camp.ID), termLine(page.Next))
	}
	return w.err
}
