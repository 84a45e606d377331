package fake

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"pregonero"
	"pregonero/adapters/fakenet"
)

// Instagram's limits.
const (
	maxCaptionRunes = 2200
	maxHashtags     = 30
	maxMentions     = 20
	minChildren     = 2
	maxChildren     = 10
	containerTTL    = 24 * time.Hour
	publishWindow   = 24 * time.Hour
	storyTTL        = 24 * time.Hour
	minAspect       = 4.0 / 5.0
	maxAspect       = 1.91
)

// countTags counts a caption's #hashtags and @mentions as Instagram does:
// a # followed by a letter, digit or underscore, and an @ followed by a
// username character (ASCII letter or digit, period, underscore), each
// starting a word. So an e-mail address (prensa@antioquia.gov.co) is no
// mention and canal#3 no hashtag.
func countTags(caption string) (hashtags, mentions int) {
	prev := ' '
	for i, r := range caption {
		if (r == '#' || r == '@') && !isWordRune(prev) {
			next, _ := utf8.DecodeRuneInString(caption[i+1:])
			switch {
			case r == '#' && isWordRune(next):
				hashtags++
			case r == '@' && isHandleRune(next):
				mentions++
			}
		}
		prev = r
	}
	return hashtags, mentions
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func isHandleRune(r rune) bool {
	return r == '_' || r == '.' || (r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)))
}

// Container status codes.
const (
	statusInProgress = "IN_PROGRESS"
	statusFinished   = "FINISHED"
	statusError      = "ERROR"
	statusExpired    = "EXPIRED"
	statusPublished  = "PUBLISHED"
)

func igUsername(id string) string { return "sandbox_" + id }

func (f *Fake) getIGUser(w http.ResponseWriter, c *call) *gerr {
	fs, e := fields(c, nodeIGUser, "id")
	if e != nil {
		return e
	}
	out := map[string]any{"id": c.node}
	f.mu.Lock()
	count := 0
	for _, m := range f.igMedia {
		if m.user == c.node && m.product != "" && m.product != "STORY" {
			count++
		}
	}
	f.mu.Unlock()
	for name := range fs {
		switch name {
		case "user_id":
			out["user_id"] = c.node
		case "username":
			out["username"] = igUsername(c.node)
		case "name":
			out["name"] = "Sandbox " + c.node
		case "media_count":
			out["media_count"] = count
		case "followers_count":
			out[name] = f.followers(c.node, f.now())
		case "follows_count":
			out[name] = 0
		case "account_type":
			out["account_type"] = "BUSINESS"
		case "profile_picture_url":
			out[name] = f.pictureURL(c, c.node)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// captionError is the error for a caption over one of Instagram's limits.
func captionError(detail string) *gerr {
	return &gerr{Status: http.StatusBadRequest, Code: 100, Subcode: 2207010, Type: typeIG,
		Message: "(#100) The caption is too long. " + detail, UserTitle: "Caption too long", UserMsg: detail}
}

// childrenParam reads children as a comma-separated list or a JSON array.
func childrenParam(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var ids []string
	if strings.HasPrefix(s, "[") {
		var raw []json.Number
		if json.Unmarshal([]byte(s), &raw) == nil {
			for _, r := range raw {
				ids = append(ids, r.String())
			}
			return ids
		}
	}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			ids = append(ids, p)
		}
	}
	return ids
}

func (f *Fake) createContainer(w http.ResponseWriter, c *call) *gerr {
	mediaType := strings.ToUpper(strings.TrimSpace(c.param("media_type")))
	imageURL, videoURL := c.param("image_url"), c.param("video_url")
	caption, alt := c.param("caption"), c.param("alt_text")
	item, err := parseBool(c.param("is_carousel_item"), false)
	if err != nil {
		return invalidParam("param is_carousel_item must be a boolean")
	}
	children := childrenParam(c.param("children"))
	video := false
	switch mediaType {
	case "", "IMAGE":
		if videoURL != "" {
			return invalidParam("The parameter media_type is required with video_url: REELS, STORIES, or VIDEO for a carousel item")
		}
		if imageURL == "" {
			return invalidParam("The parameter image_url is required.")
		}
		mediaType = "IMAGE"
	case "VIDEO":
		if !item {
			return &gerr{Status: http.StatusBadRequest, Code: 100, Subcode: 2207023, Type: typeIG,
				Message:   "(#100) The media type VIDEO is only supported for carousel items; use REELS.",
				UserTitle: "Unsupported media type", UserMsg: "Use media_type REELS to publish a video."}
		}
		if videoURL == "" {
			return invalidParam("The parameter video_url is required.")
		}
		video = true
	case "REELS":
		if item {
			return invalidParam("A reel cannot be a carousel item; use media_type VIDEO.")
		}
		if videoURL == "" {
			return invalidParam("The parameter video_url is required.")
		}
		video = true
	case "STORIES":
		if item {
			return invalidParam("A story cannot be a carousel item.")
		}
		if (imageURL == "") == (videoURL == "") {
			return invalidParam("A story needs exactly one of image_url and video_url.")
		}
		video = videoURL != ""
	case "CAROUSEL":
		if item || imageURL != "" || videoURL != "" {
			return invalidParam("A carousel container takes children, not media of its own.")
		}
		if len(children) < minChildren || len(children) > maxChildren {
			return invalidParam("The parameter children must list between %d and %d carousel items; it lists %d.", minChildren, maxChildren, len(children))
		}
	default:
		return &gerr{Status: http.StatusBadRequest, Code: 100, Subcode: 2207023, Type: typeIG,
			Message:   fmt.Sprintf("(#100) The media type %s is unknown.", mediaType),
			UserTitle: "Unknown media type", UserMsg: "The media type must be one of REELS, STORIES, CAROUSEL or VIDEO for a carousel item."}
	}
	if mediaType != "CAROUSEL" && len(children) > 0 {
		return invalidParam("The parameter children applies only to media_type CAROUSEL.")
	}
	u := imageURL
	if video {
		u = videoURL
	}
	if u != "" && !validURL(u) {
		return invalidParam("The parameter %s must be a valid http or https URL.", map[bool]string{false: "image_url", true: "video_url"}[video])
	}
	// Meta: alt_text is for image posts; reels and stories do not take it.
	if alt != "" && (video || mediaType == "CAROUSEL" || mediaType == "STORIES") {
		return invalidParam("The parameter alt_text is only supported for image posts, not for reels or stories.")
	}
	if n := utf8.RuneCountInString(caption); n > maxCaptionRunes {
		return captionError(fmt.Sprintf("The caption has %d characters; at most %d are allowed.", n, maxCaptionRunes))
	}
	hashtags, mentions := countTags(caption)
	if hashtags > maxHashtags {
		return captionError(fmt.Sprintf("The caption has %d hashtags; at most %d are allowed.", hashtags, maxHashtags))
	}
	if mentions > maxMentions {
		return captionError(fmt.Sprintf("The caption has %d mentions; at most %d are allowed.", mentions, maxMentions))
	}
	now := f.now()
	f.mu.Lock()
	for i, id := range children {
		ch, ok := f.containers[id]
		if !ok || ch.user != c.node || !ch.carouselItem || ch.mediaID != "" {
			f.mu.Unlock()
			return &gerr{Status: http.StatusBadRequest, Code: 100, Subcode: 2207028, Type: typeIG,
				Message:   fmt.Sprintf("(#100) Param children[%d] is not an unpublished carousel item container of this account.", i),
				UserTitle: "Carousel validation failed", UserMsg: "Every child must be a carousel item created by this account."}
		}
	}
	seq := f.nextSeq()
	ct := &container{id: idFrom(containerIDBase, seq), user: c.node, seq: seq, mediaType: mediaType, carouselItem: item,
		children: children, caption: caption, alt: alt, url: u, video: video, created: now}
	f.containers[ct.id] = ct
	f.mu.Unlock()
	if mediaType != "CAROUSEL" {
		go f.download(ct.id, u, video, mediaType == "STORIES")
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": ct.id})
	return nil
}

// download fetches a container's media the way Meta does after the
// container is created, then checks it, and records the outcome.
func (f *Fake) download(id, u string, video, story bool) {
	// A panic fails the container with Meta's unknown upload error (the
	// caller makes a new one) instead of ending the process that serves
	// every fake.
	defer func() {
		if v := recover(); v != nil {
			pregonero.ReportPanic(f.log, v, "media download panicked", nil, pregonero.LogContainer, id)
			f.fail(id, -1, 2207053, "")
		}
	}()
	ctx := context.Background()
	if rule, hit := f.faults.Match(NetworkInstagram, OpFetch); hit {
		f.log.Info("fault injected", pregonero.LogNetwork, NetworkInstagram, pregonero.LogOp, OpFetch,
			pregonero.LogMode, string(rule.Mode), pregonero.LogRule, rule.ID, pregonero.LogContainer, id)
		switch rule.Mode {
		case fakenet.ModeDropAfterAccept:
			f.fail(id, -2, 2207052, "The media could not be fetched from this URI: "+u)
		default:
			if rule.Mode == fakenet.ModeDelay {
				_ = fakenet.Sleep(ctx, rule.Delay()) // a background context is never done
			}
			f.fail(id, -2, 2207003, "")
		}
		return
	}
	fetchFailed := func(fe *fetchError) {
		switch {
		case fe.timeout:
			f.fail(id, -2, 2207003, "")
		case fe.tooLarge:
			f.fail(id, 36000, 2207004, "")
		default:
			f.fail(id, 9004, 2207052, "The media could not be fetched from this URI: "+u)
		}
	}
	if video {
		body, fe := f.open(ctx, u)
		if fe != nil {
			fetchFailed(fe)
			return
		}
		mime, size, err := sniffVideo(body, maxVideoBytes)
		body.Close()
		switch {
		case err == errTooLarge:
			f.fail(id, 9004, 2207052, "The video is larger than the accepted size.")
		case err == errNotVideo:
			f.fail(id, 352, 2207026, "")
		case err != nil:
			fetchFailed(classifyFetch(err))
		default:
			f.fetched(id, mime, size, f.videoProcessing)
		}
		return
	}
	b, fe := f.fetchBytes(ctx, u, f.maxImageBytes)
	if fe != nil {
		fetchFailed(fe)
		return
	}
	if http.DetectContentType(b) != "image/jpeg" {
		f.fail(id, 36001, 2207005, "")
		return
	}
	cfg, _, err := image.DecodeConfig(strings.NewReader(string(b)))
	if err != nil || cfg.Height == 0 {
		f.fail(id, 36001, 2207005, "")
		return
	}
	if ratio := float64(cfg.Width) / float64(cfg.Height); !story && (ratio < minAspect-0.001 || ratio > maxAspect+0.001) {
		f.fail(id, 36003, 2207009, fmt.Sprintf("The submitted image with aspect ratio ('%d/%d') cannot be published. Please submit an image with a valid aspect ratio.", cfg.Width, cfg.Height))
		return
	}
	f.fetched(id, "image/jpeg", int64(len(b)), f.imageProcessing)
}

// fail puts a container in ERROR.
func (f *Fake) fail(id string, code, subcode int, detail string) {
	e := known(code, subcode)
	if detail != "" {
		e.UserMsg = detail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if ct := f.containers[id]; ct != nil {
		ct.failure = e
	}
	f.log.Info("container failed", pregonero.LogContainer, id, pregonero.LogSubcode, subcode)
}

// fetched records a container's valid media; processing then takes d on
// the fake's clock.
func (f *Fake) fetched(id, mime string, size int64, d time.Duration) {
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if ct := f.containers[id]; ct != nil {
		ct.fetched, ct.mime, ct.size, ct.readyAt = true, mime, size, now.Add(d)
	}
}

// containerState returns a container's status_code and status text;
// callers hold f.mu.
func (f *Fake) containerState(ct *container, now time.Time) (string, string) {
	switch {
	case ct.mediaID != "":
		return statusPublished, "Published: Media has been successfully published."
	case ct.failure != nil:
		e := ct.failure
		return statusError, fmt.Sprintf("Error: %s: %s (%d)", e.UserTitle, e.UserMsg, e.Subcode)
	case ct.expired || !now.Before(ct.created.Add(containerTTL)):
		return statusExpired, "Expired: Media was not published within 24 hours of its creation."
	case ct.mediaType == "CAROUSEL":
		done := true
		for _, id := range ct.children {
			ch := f.containers[id]
			if ch == nil {
				continue
			}
			code, text := f.containerState(ch, now)
			switch code {
			case statusError:
				return statusError, text
			case statusExpired:
				return statusExpired, text
			case statusInProgress:
				done = false
			}
		}
		if !done {
			return statusInProgress, "In Progress: Media is still being processed."
		}
	case !ct.fetched || now.Before(ct.readyAt):
		return statusInProgress, "In Progress: Media is still being processed."
	}
	return statusFinished, "Finished: Media has been uploaded and it is ready to be published."
}

func (f *Fake) getContainer(w http.ResponseWriter, c *call) *gerr {
	fs, e := fields(c, nodeContainer, "id")
	if e != nil {
		return e
	}
	now := f.now()
	f.mu.Lock()
	ct := f.containers[c.node]
	code, text := f.containerState(ct, now)
	f.mu.Unlock()
	out := map[string]any{"id": ct.id}
	if fs.has("status_code") {
		out["status_code"] = code
	}
	if fs.has("status") {
		out["status"] = text
	}
	if fs.has("copyright_check_status") && ct.video {
		out["copyright_check_status"] = map[string]string{"status": "completed", "matches_found": "false"}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// recentPublishes returns a user's media_publish successes in the last
// 24 hours; callers hold f.mu.
func (f *Fake) recentPublishes(user string, now time.Time) []time.Time {
	ts := prune(f.publishes[user], now.Add(-publishWindow))
	f.publishes[user] = ts
	return ts
}

func (f *Fake) publishContainer(w http.ResponseWriter, c *call) *gerr {
	id := c.param("creation_id")
	if id == "" {
		return invalidParam("The parameter creation_id is required.")
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	ct := f.containers[id]
	if ct == nil || ct.user != c.node {
		return &gerr{Status: http.StatusBadRequest, Code: 24, Subcode: 2207006, Type: typeIG,
			Message:   "The media with id " + id + " cannot be found",
			UserTitle: "Media not found", UserMsg: "The media with the creation id provided could not be found."}
	}
	if ct.carouselItem {
		return invalidParam("A carousel item cannot be published on its own; publish its CAROUSEL container.")
	}
	switch code, _ := f.containerState(ct, now); code {
	case statusPublished:
		return &gerr{Status: http.StatusBadRequest, Code: 100, Type: typeOAuth, Message: "The media has already been published"}
	case statusInProgress:
		return known(9007, 2207027)
	case statusExpired:
		return known(9007, 2207020)
	case statusError:
		e := *f.failureOf(ct, now)
		e.Status = http.StatusBadRequest
		return &e
	}
	if len(f.recentPublishes(c.node, now)) >= f.publishLimit {
		return known(9, 2207042)
	}
	m := f.newMedia(ct, now)
	var media []fakenet.PostMedia
	if ct.mediaType == "CAROUSEL" {
		for _, chID := range ct.children {
			ch := f.containers[chID]
			child := f.newMedia(ch, now)
			m.children = append(m.children, child.id)
			media = append(media, fakenet.PostMedia{ID: child.id, Type: ch.mime, AltText: ch.alt, Size: ch.size})
		}
	} else {
		media = []fakenet.PostMedia{{ID: m.id, Type: ct.mime, AltText: ct.alt, Size: ct.size}}
	}
	f.publishes[c.node] = append(f.publishes[c.node], now)
	if err := f.ledger.Add(fakenet.Post{Network: NetworkInstagram, Account: c.node, RemoteID: m.id,
		Text: ct.caption, Media: media, CreatedAt: now, Extra: igExtra(m, ct)}); err != nil {
		f.log.Error("ledger refused a post", pregonero.LogErr, err)
		return known(-1, 2207001)
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": m.id})
	return nil
}

// failureOf returns the error that put a container (or one of its
// children) in ERROR; callers hold f.mu.
func (f *Fake) failureOf(ct *container, now time.Time) *gerr {
	if ct.failure != nil {
		return ct.failure
	}
	for _, id := range ct.children {
		if ch := f.containers[id]; ch != nil && ch.failure != nil {
			return ch.failure
		}
	}
	return known(-1, 2207032)
}

// newMedia publishes a container as a media object; callers hold f.mu.
func (f *Fake) newMedia(ct *container, now time.Time) *igMedia {
	seq := f.nextSeq()
	m := &igMedia{id: idFrom(igMediaIDBase, seq), user: ct.user, seq: seq, caption: ct.caption, created: now, container: ct.id}
	switch {
	case ct.mediaType == "CAROUSEL":
		m.mediaType, m.product = "CAROUSEL_ALBUM", "FEED"
	case ct.video:
		m.mediaType = "VIDEO"
	default:
		m.mediaType = "IMAGE"
	}
	switch {
	case ct.carouselItem:
		m.product = "" // a child of an album, never listed on its own
	case ct.mediaType == "REELS":
		m.product = "REELS"
	case ct.mediaType == "STORIES":
		m.product = "STORY"
	case m.product == "":
		m.product = "FEED"
	}
	ct.mediaID = m.id
	f.igMedia[m.id] = m
	return m
}

// shortcode is a media's permalink code, derived from its id the way
// Instagram's are.
func shortcode(id string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	n, _ := strconv.ParseUint(id, 10, 64)
	var b []byte
	for n > 0 {
		b = append([]byte{alphabet[n%64]}, b...)
		n /= 64
	}
	return string(b)
}

// mediaJSON renders the requested fields of a media object; callers hold
// f.mu.
func (f *Fake) mediaJSON(m *igMedia, fs fieldSet, now time.Time) map[string]any {
	out := map[string]any{"id": m.id}
	for name := range fs {
		switch name {
		case "caption":
			if m.caption != "" {
				out["caption"] = m.caption
			}
		case "timestamp":
			out["timestamp"] = formatTime(m.created)
		case "permalink":
			kind := "p"
			if m.product == "REELS" {
				kind = "reel"
			}
			if m.product == "STORY" {
				out["permalink"] = fmt.Sprintf("https://www.instagram.com/stories/%s/%s/", igUsername(m.user), m.id)
			} else {
				out["permalink"] = fmt.Sprintf("https://www.instagram.com/%s/%s/", kind, shortcode(m.id))
			}
		case "shortcode":
			out["shortcode"] = shortcode(m.id)
		case "media_type":
			out["media_type"] = m.mediaType
		case "media_product_type":
			if m.product != "" {
				out["media_product_type"] = m.product
			}
		case "media_url":
			if ct := f.containers[m.container]; ct != nil && ct.url != "" {
				out["media_url"] = ct.url
			}
		case "username":
			out["username"] = igUsername(m.user)
		case "owner":
			out["owner"] = map[string]string{"id": m.user}
		case "is_comment_enabled":
			out["is_comment_enabled"] = true
		case "like_count":
			out["like_count"] = EngagementOf(m.id, now.Sub(m.created)).Reactions
		case "comments_count":
			out["comments_count"] = EngagementOf(m.id, now.Sub(m.created)).Comments
		}
	}
	return out
}

func (f *Fake) getMedia(w http.ResponseWriter, c *call) *gerr {
	fs, e := fields(c, nodeIGMedia, "id")
	if e != nil {
		return e
	}
	now := f.now()
	f.mu.Lock()
	out := f.mediaJSON(f.igMedia[c.node], fs, now)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listIG lists a user's media that keep passes, newest first.
func (f *Fake) listIG(w http.ResponseWriter, c *call, keep func(*igMedia, time.Time) bool) *gerr {
	fs, e := fields(c, nodeIGMedia, "id")
	if e != nil {
		return e
	}
	now := f.now()
	f.mu.Lock()
	items := listed(f.igMedia, func(m *igMedia) bool { return m.user == c.node && keep(m, now) },
		func(m *igMedia) (string, time.Time, uint64) { return m.id, m.created, m.seq },
		func(m *igMedia) map[string]any { return f.mediaJSON(m, fs, now) })
	f.mu.Unlock()
	return f.writeList(w, c, items)
}

// listMedia serves /{ig-user}/media: feed posts and reels.
func (f *Fake) listMedia(w http.ResponseWriter, c *call) *gerr {
	return f.listIG(w, c, func(m *igMedia, _ time.Time) bool { return m.product == "FEED" || m.product == "REELS" })
}

// listStories serves /{ig-user}/stories: stories of the last 24 hours.
func (f *Fake) listStories(w http.ResponseWriter, c *call) *gerr {
	return f.listIG(w, c, func(m *igMedia, now time.Time) bool {
		return m.product == "STORY" && now.Before(m.created.Add(storyTTL))
	})
}

// listChildren serves /{album}/children.
func (f *Fake) listChildren(w http.ResponseWriter, c *call) *gerr {
	fs, e := fields(c, nodeIGMedia, "id")
	if e != nil {
		return e
	}
	now := f.now()
	f.mu.Lock()
	album := f.igMedia[c.node]
	items := make([]item, 0, len(album.children))
	for _, id := range album.children {
		if m := f.igMedia[id]; m != nil {
			items = append(items, item{m.id, m.created, f.mediaJSON(m, fs, now)})
		}
	}
	f.mu.Unlock()
	return f.writeList(w, c, items)
}

func (f *Fake) getPublishingLimit(w http.ResponseWriter, c *call) *gerr {
	fs, e := fields(c, nodeIGLimit, "quota_usage", "config")
	if e != nil {
		return e
	}
	now := f.now()
	f.mu.Lock()
	used := len(f.recentPublishes(c.node, now))
	f.mu.Unlock()
	entry := map[string]any{}
	if fs.has("quota_usage") {
		entry["quota_usage"] = used
	}
	if fs.has("config") {
		entry["config"] = map[string]int{"quota_total": f.publishLimit, "quota_duration": int(publishWindow / time.Second)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": []any{entry}})
	return nil
}

// deleteIG answers a DELETE of Instagram media or containers, which the
// API does not offer.
func (f *Fake) deleteIG(_ http.ResponseWriter, _ *call) *gerr {
	return known(3, 0)
}
