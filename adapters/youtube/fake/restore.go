package fake

import (
	"cmp"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"pregonero/adapters/fakenet"
)

// Keys of fakenet.Post.Extra for the YouTube fake's videos: the metadata
// a restart needs beyond the title (the ledger's text). Each is optional.
const (
	extraDescription   = "description"
	extraTags          = "tags" // a JSON array of strings
	extraCategory      = "category"
	extraPrivacy       = "privacy"
	extraPublishAt     = "publish_at" // RFC 3339
	extraMadeForKids   = "made_for_kids"
	extraLanguage      = "language"
	extraAudioLanguage = "audio_language"
	extraSHA256        = "sha256" // hex digest of the bytes, for duplicate detection
)

// videoExtra is the Extra of the ledger entry of a video.
func videoExtra(v *video) map[string]string {
	m := v.meta
	x := map[string]string{extraCategory: m.category, extraPrivacy: m.privacy, extraSHA256: hex.EncodeToString(v.sum[:])}
	if m.description != "" {
		x[extraDescription] = m.description
	}
	if len(m.tags) > 0 {
		b, _ := json.Marshal(m.tags) // a []string always encodes
		x[extraTags] = string(b)
	}
	if !m.publishAt.IsZero() {
		x[extraPublishAt] = m.publishAt.UTC().Format(time.RFC3339)
	}
	if m.madeForKids != nil {
		x[extraMadeForKids] = strconv.FormatBool(*m.madeForKids)
	}
	if m.language != "" {
		x[extraLanguage] = m.language
	}
	if m.audioLanguage != "" {
		x[extraAudioLanguage] = m.audioLanguage
	}
	return x
}

// Restore adopts the YouTube videos of a ledger kept across a restart of
// the sandbox (fakenet.Ledger.Open) into the fake's own model, so that
// videos.list and the channel's uploads playlist find them as before the
// restart, with their title, description, tags (the delivery marker
// among them), privacy and scheduled publication, and the same bytes
// uploaded again are rejected as a duplicate. Videos of other networks
// are skipped; the videos are not recorded in the ledger again.
//
// Restore takes the metadata from the ledger's Extra and does without it
// when it is missing: no description or tags, category 22, public. What
// the ledger does not keep is not restored: custom thumbnails, uploads
// not completed, the day's quota, refresh tokens rotated since the start.
// The channel's name is learned, as before, from its first request.
func (f *Fake) Restore(posts []fakenet.Post) error {
	var mine []fakenet.Post
	for _, p := range posts {
		if p.Network == Network {
			mine = append(mine, p)
		}
	}
	// Page tokens follow the order of upload.
	slices.SortStableFunc(mine, func(a, b fakenet.Post) int { return a.CreatedAt.Compare(b.CreatedAt) })
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range mine {
		v, err := f.restored(p)
		if err != nil {
			return fmt.Errorf("restore youtube video %s: %w", p.RemoteID, err)
		}
		f.videos[v.id] = v
		f.byChannel[v.chanID] = append(f.byChannel[v.chanID], v)
		f.inserts[v.chanID] = append(f.inserts[v.chanID], v.uploadedAt)
	}
	for ch := range f.byChannel {
		slices.SortStableFunc(f.byChannel[ch], func(a, b *video) int { return cmp.Compare(a.seq, b.seq) })
	}
	return nil
}

// restored builds the video of a ledger entry; callers hold f.mu.
func (f *Fake) restored(p fakenet.Post) (*video, error) {
	switch {
	case p.RemoteID == "" || len(p.Account) < 3 || p.Account[:2] != "UC":
		return nil, fmt.Errorf("channel %q is not a channel id", p.Account)
	case f.videos[p.RemoteID] != nil:
		return nil, fmt.Errorf("the fake already has it")
	}
	x := p.Extra
	m := meta{title: p.Text, description: x[extraDescription], category: cmp.Or(x[extraCategory], defaultCategory),
		privacy: cmp.Or(x[extraPrivacy], "public"), language: x[extraLanguage], audioLanguage: x[extraAudioLanguage]}
	if s := x[extraTags]; s != "" {
		if err := json.Unmarshal([]byte(s), &m.tags); err != nil {
			return nil, fmt.Errorf("extra %s: %w", extraTags, err)
		}
	}
	if s := x[extraPublishAt]; s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, fmt.Errorf("extra %s: %w", extraPublishAt, err)
		}
		m.publishAt = t.UTC()
	}
	if s := x[extraMadeForKids]; s != "" {
		kids, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("extra %s: %w", extraMadeForKids, err)
		}
		m.madeForKids = &kids
	}
	f.seq++
	v := &video{id: p.RemoteID, chanID: p.Account, seq: f.seq, meta: m, uploadedAt: p.CreatedAt,
		processedAt: p.CreatedAt.Add(f.processing)}
	if len(p.Media) > 0 {
		v.mime, v.size = p.Media[0].Type, p.Media[0].Size
	}
	if s := x[extraSHA256]; s != "" {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != len(v.sum) {
			return nil, fmt.Errorf("extra %s is not a SHA-256 digest", extraSHA256)
		}
		copy(v.sum[:], b)
	}
	return v, nil
}
