package fake

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"pregonero/adapters/fakenet"
)

// Restore adopts the X posts of a ledger kept across a restart of the
// sandbox (fakenet.Ledger.Open) into the fake's own model, so that the
// reads an adapter reconciles with (GET /2/tweets, GET /2/tweets/{id},
// GET /2/users/{id}/tweets) find them as before the restart, a repeated
// text is refused as a duplicate again, and new ids are never those of a
// restored post or media. Posts of other networks are skipped; the posts
// are not recorded in the ledger again.
//
// A restored post keeps its id, author, text, creation time and media
// (type, alt text, size, and a media key of the category the type
// implies). Its media cannot be attached to a new post, as it could not
// once its upload expired. What the ledger does not keep is not restored:
// uploads not attached to a post, rate windows, refresh tokens rotated
// since the start.
func (f *Fake) Restore(posts []fakenet.Post) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	touched := map[string]bool{}
	for _, p := range posts {
		if p.Network != Network {
			continue
		}
		num, err := strconv.ParseUint(p.RemoteID, 10, 64)
		switch {
		case err != nil || !numericID.MatchString(p.RemoteID):
			return fmt.Errorf("restore x post %q: not an X post id", p.RemoteID)
		case p.Account == "":
			return fmt.Errorf("restore x post %s: no author", p.RemoteID)
		case f.tweets[p.RemoteID] != nil:
			return fmt.Errorf("restore x post %s: the fake already has it", p.RemoteID)
		}
		f.lastID = max(f.lastID, num)
		user := p.Account
		var attached []*media
		for _, pm := range p.Media {
			category := defaultCategory(pm.Type)
			m := &media{id: pm.ID, key: mediaKeyPrefix(category) + pm.ID, owner: user, mediaType: pm.Type, category: category,
				total: pm.Size, segments: map[int]int64{}, finalized: true, finalizedAt: p.CreatedAt,
				created: p.CreatedAt, expires: p.CreatedAt, altText: pm.AltText}
			attached = append(attached, m)
			if n, err := strconv.ParseUint(pm.ID, 10, 64); err == nil {
				f.lastID = max(f.lastID, n)
			}
		}
		t := &tweet{id: p.RemoteID, num: num, user: user, text: p.Text, createdAt: p.CreatedAt, media: attached}
		t.display, t.urls = renderText(t.id, user, t.text, attached)
		f.tweets[t.id] = t
		f.byUser[user] = append(f.byUser[user], t)
		f.users[UserID(user)] = user
		touched[user] = true
	}
	for user := range touched {
		slices.SortFunc(f.byUser[user], func(a, b *tweet) int { return cmp.Compare(a.num, b.num) })
	}
	return nil
}

// mediaKeyPrefix is the type prefix of the media keys of a category, as
// X gives them.
func mediaKeyPrefix(category string) string {
	switch category {
	case "tweet_gif", "dm_gif":
		return "16_"
	case "tweet_video", "dm_video":
		return "7_"
	case "amplify_video":
		return "13_"
	}
	return "3_"
}
