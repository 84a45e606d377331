package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"pregonero"
)

// DailySummary sends, to everyone who wants it, the summary of the day
// of now (in the configured zone): the posts of their dependencias
// scheduled today and the deliveries that failed yesterday. It is sent
// once per person and day, whenever it runs again; it returns how many
// were sent.
func (n *Notifier) DailySummary(ctx context.Context, now time.Time) (int, error) {
	if n.mailer == nil {
		return 0, nil
	}
	settings, err := n.store.AllNotifySettings(ctx)
	if err != nil {
		return 0, err
	}
	var want []*pregonero.NotifySettings
	for _, s := range settings {
		if s.DailySummary && s.Email != "" {
			want = append(want, s)
		}
	}
	if len(want) == 0 {
		return 0, nil
	}
	local := now.In(n.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, n.loc)
	tomorrow, yesterday := day.AddDate(0, 0, 1), day.AddDate(0, 0, -1)
	accounts, err := n.units(ctx)
	if err != nil {
		return 0, err
	}
	unitsOf := func(ids ...string) (names, units []string) {
		for _, id := range ids {
			if a := accounts[id]; a != nil {
				names, units = append(names, a.Name), append(units, a.Unit)
			} else {
				names, units = append(names, id), append(units, "")
			}
		}
		return names, units
	}
	type line struct {
		summaryLine
		units []string
	}
	var today []line
	f := pregonero.PostFilter{From: day.UTC(), To: tomorrow.UTC(), Limit: 500}
	for {
		page, err := n.store.Posts(ctx, f)
		if err != nil {
			return 0, err
		}
		for _, p := range page.Posts {
			if p.Status == pregonero.PostDraft || p.Status == pregonero.PostCanceled {
				continue
			}
			names, units := unitsOf(p.Targets...)
			today = append(today, line{summaryLine{at: p.ScheduledAt, accounts: names, text: p.Text, url: n.postURL(p.ID)}, units})
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	var failed []line
	for cursor := uint64(0); ; {
		es, err := n.store.EventsAfter(ctx, cursor, 1000)
		if err != nil {
			return 0, err
		}
		for _, e := range es {
			cursor = e.Seq
			if e.Kind != pregonero.EventDeliveryFailed || e.At.Before(yesterday) || !e.At.Before(day) {
				continue
			}
			names, units := unitsOf(e.Account)
			text := e.Message
			if p, err := n.store.Post(ctx, e.PostID); err == nil {
				text = p.Text
			}
			failed = append(failed, line{summaryLine{at: e.At, accounts: names, text: text, url: n.postURL(e.PostID)}, units})
		}
		if len(es) < 1000 {
			break
		}
	}
	sent := 0
	for _, s := range want {
		u, err := n.store.User(ctx, s.UserID)
		if err != nil || u.Disabled {
			continue
		}
		key := fmt.Sprintf("s/%s/%s", day.Format("2006-01-02"), u.ID)
		if done, err := n.store.Notified(ctx, key); err != nil {
			return sent, err
		} else if done {
			continue
		}
		var t, fl []summaryLine
		for _, l := range today {
			if wantsUnit(s, u, l.units) {
				t = append(t, l.summaryLine)
			}
		}
		for _, l := range failed {
			if wantsUnit(s, u, l.units) {
				fl = append(fl, l.summaryLine)
			}
		}
		m := summaryMail(day, t, fl, n.loc)
		m.To = []string{s.Email}
		if err := n.mailer.Send(ctx, m); err != nil {
			if !errors.Is(err, ErrPermanent) {
				return sent, fmt.Errorf("daily summary to %s: %w", u.Username, err)
			}
			n.log.Error("daily summary refused by the mail server", pregonero.LogErr, err)
		} else {
			sent++
		}
		if err := n.store.MarkNotified(ctx, key); err != nil {
			return sent, err
		}
	}
	return sent, nil
}
