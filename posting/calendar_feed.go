package posting

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"pregonero"
)

// Calendar feeds. Each user may have a secret URL that serves their
// publishing plan as an iCalendar feed (RFC 5545), for their own
// calendar application, which cannot sign in: the token in the URL is
// the credential. The store keeps its SHA-256 only; a new token replaces
// the old one, whose URL stops working at once, and revoking deletes it.
//
// The feed holds what the user may see: every post for admins and
// viewers, and for an editor the posts that go to an account of their
// dependencias. It spans the posts scheduled from CalendarFeedPast ago
// (the recently published ones with their live links) to
// CalendarFeedAhead from now.

// Span and size of a calendar feed.
const (
	CalendarFeedPast  = 14 * 24 * time.Hour
	CalendarFeedAhead = 366 * 24 * time.Hour
	// CalendarFeedMax caps the posts of one feed: calendar applications
	// poll it every few hours, and a year of plans is far below it.
	CalendarFeedMax = 5000
)

// CalendarFeed is what a calendar feed URL serves: the user's visible
// posts in time order, and the accounts they go to.
type CalendarFeed struct {
	User     *pregonero.User
	Posts    []*pregonero.Post
	Accounts map[string]*pregonero.Account
	// Truncated says that more posts fell in the span than the feed
	// holds.
	Truncated bool
}

// calendarStore returns the store's calendar tokens.
func (s *Service) calendarStore() (pregonero.CalendarStore, error) {
	cs, ok := s.store.(pregonero.CalendarStore)
	if !ok {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store keeps no calendar feeds.")
	}
	return cs, nil
}

// calendarUser is the user acting, who may have a calendar feed.
func calendarUser(ctx context.Context) (*pregonero.User, error) {
	u := pregonero.UserFromContext(ctx)
	if u == nil || !u.CanRead() {
		return nil, pregonero.Errorf(pregonero.EFORBIDDEN, "A calendar feed belongs to a signed-in user; sign in (or use your own API token) to have one.")
	}
	return u, nil
}

// CalendarToken returns the acting user's calendar token (its creation
// time; the token itself is shown only when made); ENOTFOUND when they
// have none.
func (s *Service) CalendarToken(ctx context.Context) (*pregonero.CalendarToken, error) {
	cs, err := s.calendarStore()
	if err != nil {
		return nil, err
	}
	u, err := calendarUser(ctx)
	if err != nil {
		return nil, err
	}
	return cs.UserCalendarToken(ctx, u.ID)
}

// NewCalendarToken gives the acting user a new calendar token, which
// replaces (revokes) the one they had, and returns it: it is shown this
// once.
func (s *Service) NewCalendarToken(ctx context.Context) (string, *pregonero.CalendarToken, error) {
	cs, err := s.calendarStore()
	if err != nil {
		return "", nil, err
	}
	u, err := calendarUser(ctx)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("new calendar token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	t := &pregonero.CalendarToken{Hash: calendarHash(token), UserID: u.ID, CreatedAt: s.now().UTC()}
	if err := cs.PutCalendarToken(ctx, t); err != nil {
		return "", nil, fmt.Errorf("new calendar token: %w", err)
	}
	return token, t, nil
}

// RevokeCalendarToken deletes the acting user's calendar token: its URL
// stops working.
func (s *Service) RevokeCalendarToken(ctx context.Context) error {
	cs, err := s.calendarStore()
	if err != nil {
		return err
	}
	u, err := calendarUser(ctx)
	if err != nil {
		return err
	}
	return cs.DeleteCalendarToken(ctx, u.ID)
}

func calendarHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CalendarFeedOf returns the feed of a token: ENOTFOUND for a token that
// is unknown, revoked, or whose user is disabled or gone, so that a URL
// reveals nothing once it stops working.
func (s *Service) CalendarFeedOf(ctx context.Context, token string) (*CalendarFeed, error) {
	cs, err := s.calendarStore()
	if err != nil {
		return nil, err
	}
	us, ok := s.store.(pregonero.UserStore)
	if !ok {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store keeps no users.")
	}
	gone := pregonero.Errorf(pregonero.ENOTFOUND, "There is no calendar feed at this address; it may have been revoked.")
	if token == "" {
		return nil, gone
	}
	t, err := cs.CalendarToken(ctx, calendarHash(token))
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		return nil, gone
	} else if err != nil {
		return nil, fmt.Errorf("calendar feed: %w", err)
	}
	u, err := us.User(ctx, t.UserID)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND || err == nil && !u.CanRead() {
		return nil, gone
	} else if err != nil {
		return nil, fmt.Errorf("calendar feed: %w", err)
	}
	accounts, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("calendar feed: %w", err)
	}
	out := &CalendarFeed{User: u, Accounts: map[string]*pregonero.Account{}}
	for _, a := range accounts {
		out.Accounts[a.ID] = a
	}
	// An editor sees the posts of the accounts of their dependencias.
	visible := func(p *pregonero.Post) bool {
		if u.Role != pregonero.RoleEditor {
			return true
		}
		return slices.ContainsFunc(p.Targets, func(id string) bool {
			a := out.Accounts[id]
			return a != nil && a.Unit != "" && slices.Contains(u.Units, a.Unit)
		})
	}
	now := s.now()
	f := pregonero.PostFilter{From: now.Add(-CalendarFeedPast), To: now.Add(CalendarFeedAhead), Limit: 500}
	for {
		page, err := s.store.Posts(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("calendar feed: %w", err)
		}
		for _, p := range page.Posts {
			if p.ScheduledAt.IsZero() || p.Status == pregonero.PostCanceled || p.Status == pregonero.PostDraft || !visible(p) {
				continue
			}
			if len(out.Posts) == CalendarFeedMax {
				out.Truncated = true
				return out, nil
			}
			out.Posts = append(out.Posts, p)
		}
		if page.Next == "" {
			return out, nil
		}
		f.Cursor = page.Next
	}
}
