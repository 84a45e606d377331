package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"pregonero"
	"pregonero/posting"
	"pregonero/web"
)

// connectPollInterval is how often `accounts connect` asks the server
// whether the network's answer has arrived: a person takes seconds on a
// consent screen, so a second between questions costs them nothing.
const connectPollInterval = time.Second

// connectFlags are the flags of `accounts connect`.
type connectFlags struct {
	network     string
	unit, renew string
	flow, id    string
	picks       multiFlag
	timeout     time.Duration
	// networkSet and renewSet say whether the flags were given: -flow
	// takes up a flow that has its network and renewal already.
	networkSet, renewSet bool
}

func (c *AccountsCommand) connectFlagSet(v *connectFlags) *cmdLine {
	l := newCmdLine(c.io, "pregonero accounts connect",
		"pregonero accounts connect -network NETWORK [-unit UNIT] [-renew ACCOUNT] [-pick REMOTE_ID[,…]] [-id ACCOUNT_ID]\n"+
			"       pregonero accounts connect -flow FLOW -pick REMOTE_ID[,…] [-id ACCOUNT_ID] [-unit UNIT]",
		"Connects an account through the network's own consent screen (needs an admin's token). Prints the address",
		"to open in a browser, waits until the network sends the person back to the server, then adds the profile",
		"picked with -pick, or the only one the consent gave. When it gave several (the pages of a Facebook user),",
		"it lists them with their remote ids and exits 1: run it again with -flow and -pick to add them.",
		"With -renew the account is connected again in place. Exit status: 0 when accounts were added or renewed.")
	fs := l.FlagSet
	fs.StringVar(&v.network, "network", "", "`network` to connect an account of: x, facebook, instagram or youtube (required unless -flow or -renew)")
	fs.StringVar(&v.unit, "unit", "", "`dependencia` the new accounts go to")
	fs.StringVar(&v.renew, "renew", "", "`account` id to connect again in place (reconectar): its history and queued posts stay")
	fs.Var(&v.picks, "pick", "remote `id` of the profile to add, as the candidates list shows it (repeatable, or comma-separated; NETWORK:ID when two networks share it); default: the only candidate, or the renewed account's")
	fs.StringVar(&v.id, "id", "", "`account` id to give the new account (one -pick only; default: made from the network and the handle)")
	fs.StringVar(&v.flow, "flow", "", "`flow` id of a connection already started (printed by an earlier run) to pick its candidates without going through the consent screen again")
	fs.DurationVar(&v.timeout, "timeout", 10*time.Minute, "how long to wait for the network's answer (`duration`)")
	return l
}

// connect runs a connection from the command line: start it (or take up
// the one -flow names), wait for the network's answer, pick and add.
func (c *AccountsCommand) connect(ctx context.Context, args []string) error {
	var v connectFlags
	l := c.connectFlagSet(&v)
	if err := l.parse(args); err != nil {
		return err
	}
	l.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "network":
			v.networkSet = true
		case "renew":
			v.renewSet = true
		}
	})
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(c.io.err, "pregonero accounts connect: "+format+"\n", a...)
		l.Usage()
		return errUsage
	}
	switch {
	case l.NArg() > 0:
		return usageErr("unexpected %q: every value goes after a flag", l.Arg(0))
	case v.flow == "" && v.network == "" && v.renew == "":
		return usageErr("-network is required (x, facebook, instagram or youtube)")
	case v.flow != "" && (v.networkSet || v.renewSet):
		return usageErr("-flow takes up a connection already started: give -pick, not -network or -renew")
	case v.timeout <= 0:
		return usageErr("-timeout must be positive")
	}
	picks, err := parsePicks(v.picks, v.id, v.unit)
	if err != nil {
		return usageErr("%v", err)
	}
	cl, err := l.client()
	if err != nil {
		return err
	}

	var f *posting.ConnectFlow
	if v.flow != "" {
		if f, err = cl.ConnectFlow(ctx, v.flow); err != nil {
			return apiError(c.io.err, err)
		}
	} else {
		f, err = cl.StartConnect(ctx, web.ConnectStartRequest{Network: pregonero.Network(v.network), Unit: v.unit, Renew: v.renew})
		if err != nil {
			return apiError(c.io.err, err)
		}
		out := c.io.out
		if l.cf.jsonOut {
			out = c.io.err // stdout is for the JSON answer alone
		}
		fmt.Fprintf(out, "Open this address in a browser to let %s connect the account:\n\n  %s\n\n", f.Network.Title(), termLine(f.AuthorizeURL))
		fmt.Fprintf(c.io.err, "Waiting for %s's answer (up to %s; the flow is %s)…\n", f.Network.Title(), v.timeout, termLine(f.ID))
		if f, err = c.waitForCallback(ctx, cl, f, v.timeout); err != nil {
			return err
		}
	}

	switch f.Status {
	case posting.ConnectFailed:
		fmt.Fprintf(c.io.err, "pregonero accounts connect: the connection failed: %s\n", termLine(f.Error))
		return exitError{1}
	case posting.ConnectDone:
		fmt.Fprintf(c.io.err, "pregonero accounts connect: this connection is already done: %s\n", termLine(strings.Join(f.Accounts, ", ")))
		return exitError{1}
	case posting.ConnectWaiting:
		fmt.Fprintf(c.io.err, "pregonero accounts connect: the flow %s is still waiting for the network's answer: open its address first\n  %s\n", termLine(f.ID), termLine(f.AuthorizeURL))
		return exitError{1}
	}
	if len(f.Candidates) == 0 {
		fmt.Fprintf(c.io.err, "pregonero accounts connect: %s gave no profile this account can publish as\n", f.Network.Title())
		return exitError{1}
	}
	if len(picks) == 0 {
		if picks, err = c.defaultPicks(ctx, cl, f, v.id, v.unit); err != nil {
			return err
		}
		if len(picks) == 0 {
			c.printCandidates(f)
			if len(f.Missing) > 0 {
				fmt.Fprintf(c.io.err, "warning: %s did not grant %s: the accounts added from this consent will lack it\n",
					f.Network.Title(), termLine(strings.Join(f.Missing, ", ")))
			}
			fmt.Fprintf(c.io.err, "\n%s gave %d profiles: within %d minutes, choose which to add with\n  pregonero accounts connect -flow %s -pick REMOTE_ID[,REMOTE_ID…]\n",
				f.Network.Title(), len(f.Candidates), max(1, int(time.Until(f.ExpiresAt).Round(time.Minute).Minutes())), termLine(f.ID))
			return exitError{1}
		}
	}

	as, err := cl.ChooseConnectAccounts(ctx, f.ID, picks)
	if err != nil {
		err = apiError(c.io.err, err)
		c.printCandidates(f)
		return err
	}
	return l.printJSONOr(as, nil, func() error { return c.printConnected(as) })
}

// printConnected writes the accounts a connection added or renewed, and
// a warning for each that lacks a permission.
func (c *AccountsCommand) printConnected(as []*pregonero.Account) error {
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNETWORK\tSTATUS\tNAME\tHANDLE\tUNIT")
	for _, a := range as {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", termLine(a.ID), a.Network, a.Status, termLine(a.Name), termLine(a.Handle), termLine(a.Unit))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, a := range as {
		if len(a.MissingScopes) > 0 {
			fmt.Fprintf(c.io.err, "warning: %s lacks %s: connect it again granting them (-renew %s)\n",
				termLine(a.ID), termLine(strings.Join(a.MissingScopes, ", ")), termLine(a.ID))
		}
	}
	return nil
}

// waitForCallback asks for the flow every connectPollInterval until the
// network's answer has arrived (or the flow ended), or until timeout.
func (c *AccountsCommand) waitForCallback(ctx context.Context, cl *web.Client, f *posting.ConnectFlow, timeout time.Duration) (*posting.ConnectFlow, error) {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(connectPollInterval)
	defer tick.Stop()
	for f.Status == posting.ConnectWaiting {
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			fmt.Fprintf(c.io.err, "pregonero accounts connect: %s did not answer within %s; open the address and authorize, or run the command again\n",
				f.Network.Title(), timeout)
			return nil, exitError{1}
		case <-tick.C:
		}
		next, err := cl.ConnectFlow(wctx, f.ID)
		switch {
		case err == nil:
			f = next
		case wctx.Err() != nil:
			// The deadline fell during the question: the select says so.
		default:
			return nil, apiError(c.io.err, err)
		}
	}
	return f, nil
}

// defaultPicks is what is added without -pick: the only candidate, or,
// on a renewal, the renewed account's profile. None when the person must
// choose.
func (c *AccountsCommand) defaultPicks(ctx context.Context, cl *web.Client, f *posting.ConnectFlow, id, unit string) ([]posting.ConnectPick, error) {
	pick := func(cd pregonero.ConnectCandidate) []posting.ConnectPick {
		return []posting.ConnectPick{{Network: cd.Network, RemoteID: cd.RemoteID, Account: id, Unit: unit}}
	}
	if len(f.Candidates) == 1 {
		return pick(f.Candidates[0]), nil
	}
	if f.Renew == "" {
		return nil, nil
	}
	as, err := cl.Accounts(ctx)
	if err != nil {
		return nil, apiError(c.io.err, err)
	}
	for _, a := range as {
		if a.ID != f.Renew {
			continue
		}
		// An account of the configuration may not know its remote id:
		// then its network's only profile is its own.
		var same []pregonero.ConnectCandidate
		for _, cd := range f.Candidates {
			if cd.Network == a.Network && (cd.RemoteID == a.RemoteID || a.RemoteID == "") {
				same = append(same, cd)
			}
		}
		if len(same) == 1 {
			return pick(same[0]), nil
		}
	}
	fmt.Fprintf(c.io.err, "pregonero accounts connect: which of the profiles %s gave is %s's is not known: pick it\n", f.Network.Title(), termLine(f.Renew))
	return nil, nil
}

// printCandidates lists what a consent can connect, on stdout.
func (c *AccountsCommand) printCandidates(f *posting.ConnectFlow) {
	tw := tabwriter.NewWriter(c.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REMOTE_ID\tNETWORK\tNAME\tHANDLE\tMISSING")
	for _, cd := range f.Candidates {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", termLine(cd.RemoteID), cd.Network, termLine(cd.Name), termLine(cd.Handle), termLine(strings.Join(cd.Missing, ",")))
	}
	_ = tw.Flush()
}

// parsePicks reads the -pick values: remote ids, each optionally
// NETWORK:REMOTE_ID, repeatable or comma-separated. -id names the new
// account of a single pick.
func parsePicks(values []string, id, unit string) ([]posting.ConnectPick, error) {
	var picks []posting.ConnectPick
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			pick := posting.ConnectPick{RemoteID: p, Unit: unit}
			if n, rid, ok := strings.Cut(p, ":"); ok && pregonero.Network(n).Valid() {
				pick.Network, pick.RemoteID = pregonero.Network(n), rid
			}
			picks = append(picks, pick)
		}
	}
	if id != "" {
		if len(picks) > 1 {
			return nil, errors.New("-id names one account: give it with a single -pick")
		}
		if len(picks) == 1 {
			picks[0].Account = id
		}
	}
	return picks, nil
}

// disconnect deletes an account's credentials on the server.
func (c *AccountsCommand) disconnect(ctx context.Context, args []string) error {
	l := newCmdLine(c.io, "pregonero accounts disconnect", "pregonero accounts disconnect [-json] ACCOUNT",
		"Deletes the account's credentials (needs an admin's token): nothing is sent for it until it is connected",
		"again with pregonero accounts connect -renew ACCOUNT. Its history and posts stay.")
	id, cl, err := l.parseIDClient(args)
	if err != nil {
		return err
	}
	a, err := cl.DisconnectAccount(ctx, id)
	return l.printJSONOr(a, err, func() error {
		fmt.Fprintf(c.io.out, "%s %s\n", termLine(a.ID), a.Status)
		fmt.Fprintf(c.io.err, "Its credentials are deleted; its history and posts stay. Connect it again with: pregonero accounts connect -network %s -renew %s\n",
			a.Network, termLine(a.ID))
		return nil
	})
}
