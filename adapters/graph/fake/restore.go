package fake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"pregonero/adapters/fakenet"
)

// Keys of fakenet.Post.Extra for the Graph fake's posts: what a restart
// needs beyond the ledger's common fields. Each is optional.
const (
	extraLink       = "link"        // facebook: the link a feed post shares
	extraVideoTitle = "video_title" // facebook: the title of a video post's video
	extraPhotoPost  = "photo_post"  // facebook: "true" when the photo was published as its own post, caption and all
	extraProduct    = "product"     // instagram: FEED, REELS or STORY
	extraContainer  = "container"   // instagram: the id of the container published
	extraMediaURL   = "media_url"   // instagram: the URL the container's media was fetched from
)

// fbExtra is the Extra of the ledger entry of a Facebook post; callers
// hold f.mu.
func (f *Fake) fbExtra(p *fbPost) map[string]string {
	x := map[string]string{}
	if p.link != "" {
		x[extraLink] = p.link
	}
	if v := f.videos[p.video]; v != nil && v.title != "" {
		x[extraVideoTitle] = v.title
	}
	if len(p.photos) == 1 {
		if ph := f.photos[p.photos[0]]; ph != nil && ph.published {
			x[extraPhotoPost] = "true"
		}
	}
	if len(x) == 0 {
		return nil
	}
	return x
}

// igExtra is the Extra of the ledger entry of an Instagram media
// published from ct.
func igExtra(m *igMedia, ct *container) map[string]string {
	x := map[string]string{extraProduct: m.product, extraContainer: ct.id}
	if ct.url != "" {
		x[extraMediaURL] = ct.url
	}
	return x
}

// Restore adopts the Facebook and Instagram posts of a ledger kept across
// a restart of the sandbox (fakenet.Ledger.Open) into the fake's own
// model, so that the reads an adapter reconciles with (a page's posts,
// photos and videos, a post or media by id, an account's media and
// stories, a published container's status) find them as before, the
// publishing quota counts their publications, and new ids are never
// theirs, nor those of objects deleted before the restart, which the
// ledger no longer names. Posts of other networks are skipped; the posts
// are not recorded in the ledger again.
//
// Restore takes what the ledger's Extra holds (a shared link, a video's
// title, an Instagram media's product and container) and does without it
// when it is missing: a video becomes a reel and an image a feed post,
// and an Instagram media without its container keeps no media_url. What
// the ledger does not keep is not restored: unpublished photos and
// videos, containers never published, a photo's size in pixels, call
// counts.
func (f *Fake) Restore(posts []fakenet.Post) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var top uint64
	seqOf := func(id string, base uint64) (uint64, error) {
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil || n <= base {
			return 0, fmt.Errorf("%q is not an id this fake issues", id)
		}
		top = max(top, n-base)
		return n - base, nil
	}
	touched := map[string]bool{}
	for _, p := range posts {
		var err error
		switch p.Network {
		case NetworkFacebook:
			err = f.restoreFacebook(p, seqOf)
		case NetworkInstagram:
			err = f.restoreInstagram(p, seqOf)
			touched[p.Account] = true
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("restore %s post %s: %w", p.Network, p.RemoteID, err)
		}
	}
	for user := range touched {
		slices.SortFunc(f.publishes[user], time.Time.Compare)
	}
	f.seq = max(f.seq, top, seqFloor(f.now()))
	return nil
}

// seqFloor is where sequence numbers resume after a restart: the
// milliseconds from 2020 to now on the fake's clock. The run before
// began at its own floor and issued far fewer than one id a millisecond,
// so new ids stay above every id it issued, those of objects deleted
// since included: Graph never gives a deleted object's id to another.
// The ids keep their shape (the bases are 10^14 apart).
func seqFloor(now time.Time) uint64 {
	epoch := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if !now.After(epoch) {
		return 0
	}
	return uint64(now.Sub(epoch) / time.Millisecond)
}

type seqFunc func(id string, base uint64) (uint64, error)

// restoreFacebook adopts a page post, its photos or its video; callers
// hold f.mu.
func (f *Fake) restoreFacebook(p fakenet.Post, seqOf seqFunc) error {
	page := p.Account
	num, ok := strings.CutPrefix(p.RemoteID, page+"_")
	if page == "" || !ok {
		return fmt.Errorf("the id does not name page %q", page)
	}
	seq, err := seqOf(num, fbIDBase)
	if err != nil {
		return err
	}
	if f.posts[p.RemoteID] != nil {
		return fmt.Errorf("the fake already has it")
	}
	post := &fbPost{id: p.RemoteID, page: page, seq: seq, message: p.Text, link: p.Extra[extraLink], kind: "status",
		published: true, created: p.CreatedAt, media: slices.Clone(p.Media)}
	for _, m := range p.Media {
		mseq, err := seqOf(m.ID, fbIDBase)
		if err != nil {
			return fmt.Errorf("media %w", err)
		}
		if strings.HasPrefix(m.Type, "video/") {
			post.kind, post.video = "video", m.ID
			f.videos[m.ID] = &fbVideo{id: m.ID, page: page, seq: mseq, title: p.Extra[extraVideoTitle], description: p.Text,
				mime: m.Type, size: m.Size, post: post.id, created: p.CreatedAt, readyAt: p.CreatedAt.Add(f.fbVideoDelay)}
			continue
		}
		post.kind = "photo"
		post.photos = append(post.photos, m.ID)
		ph := &fbPhoto{id: m.ID, page: page, seq: mseq, alt: m.AltText, mime: m.Type, size: m.Size, post: post.id, created: p.CreatedAt}
		if p.Extra[extraPhotoPost] == "true" {
			ph.caption, ph.published = p.Text, true
		}
		f.photos[m.ID] = ph
	}
	f.posts[post.id] = post
	return nil
}

// restoreInstagram adopts a published media, its carousel children and
// the container it was published from; callers hold f.mu.
func (f *Fake) restoreInstagram(p fakenet.Post, seqOf seqFunc) error {
	user := p.Account
	if user == "" {
		return fmt.Errorf("no account")
	}
	seq, err := seqOf(p.RemoteID, igMediaIDBase)
	if err != nil {
		return err
	}
	if f.igMedia[p.RemoteID] != nil {
		return fmt.Errorf("the fake already has it")
	}
	video := len(p.Media) > 0 && strings.HasPrefix(p.Media[0].Type, "video/")
	carousel := len(p.Media) > 1 || (len(p.Media) == 1 && p.Media[0].ID != p.RemoteID)
	m := &igMedia{id: p.RemoteID, user: user, seq: seq, caption: p.Text, created: p.CreatedAt, product: p.Extra[extraProduct]}
	switch {
	case carousel:
		m.mediaType, m.product = "CAROUSEL_ALBUM", "FEED"
		for _, pm := range p.Media {
			cseq, err := seqOf(pm.ID, igMediaIDBase)
			if err != nil {
				return fmt.Errorf("carousel item %w", err)
			}
			child := &igMedia{id: pm.ID, user: user, seq: cseq, mediaType: "IMAGE", created: p.CreatedAt}
			if strings.HasPrefix(pm.Type, "video/") {
				child.mediaType = "VIDEO"
			}
			f.igMedia[child.id] = child
			m.children = append(m.children, child.id)
		}
	case video:
		m.mediaType = "VIDEO"
	default:
		m.mediaType = "IMAGE"
	}
	switch m.product {
	case "FEED", "REELS", "STORY":
	case "":
		m.product = "FEED"
		if video {
			m.product = "REELS"
		}
	default:
		return fmt.Errorf("unknown media product %q", m.product)
	}
	if id := p.Extra[extraContainer]; id != "" {
		cseq, err := seqOf(id, containerIDBase)
		if err != nil {
			return fmt.Errorf("container %w", err)
		}
		ct := &container{id: id, user: user, seq: cseq, mediaType: containerType(m), caption: p.Text, url: p.Extra[extraMediaURL],
			video: video && !carousel, created: p.CreatedAt, fetched: true, readyAt: p.CreatedAt, mediaID: m.id}
		if !carousel && len(p.Media) == 1 {
			ct.alt, ct.mime, ct.size = p.Media[0].AltText, p.Media[0].Type, p.Media[0].Size
		}
		f.containers[id] = ct
		m.container = id
	}
	f.igMedia[m.id] = m
	f.publishes[user] = append(f.publishes[user], p.CreatedAt)
	return nil
}

// containerType is the media_type of the container a media was published
// from.
func containerType(m *igMedia) string {
	switch {
	case m.mediaType == "CAROUSEL_ALBUM":
		return "CAROUSEL"
	case m.product == "REELS":
		return "REELS"
	case m.product == "STORY":
		return "STORIES"
	}
	return "IMAGE"
}
