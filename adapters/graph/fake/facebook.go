package fake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/adapters/fakenet"
)

// Facebook's limits.
const (
	maxMessageRunes = 63206
	maxPhotoBytes   = 10 << 20
	maxVideoBytes   = 1 << 30
	duplicateWindow = 24 * time.Hour
)

// indexedAttachment matches the indexed form of attached_media.
var indexedAttachment = regexp.MustCompile(`^attached_media\[([0-9]+)\]$`)

// pageName is a Page's name: the one Options.Pages gives it, or one made
// from its id.
func (f *Fake) pageName(id string) string {
	for _, p := range f.auth.pages {
		if p.ID == id && p.Name != "" {
			return p.Name
		}
	}
	return "Sandbox Page " + id
}

func (f *Fake) getPage(w http.ResponseWriter, c *call) *gerr {
	fs, e := fields(c, nodePage, "name", "id")
	if e != nil {
		return e
	}
	out := map[string]any{"id": c.node}
	if fs.has("name") {
		out["name"] = f.pageName(c.node)
	}
	if ig := f.linkedIG(c.node); fs.has("instagram_business_account") && ig != "" {
		out["instagram_business_account"] = map[string]string{"id": ig}
	}
	if fs.has("picture") {
		out["picture"] = map[string]any{"data": map[string]any{"height": 50, "width": 50, "is_silhouette": false, "url": f.pictureURL(c, c.node)}}
	}
	if fs.has("link") {
		out["link"] = "https://www.facebook.com/" + c.node
	}
	if fs.has("category") {
		out["category"] = "Government organization"
	}
	if fs.has("followers_count") || fs.has("fan_count") {
		n := f.followers(c.node, f.now())
		if fs.has("followers_count") {
			out["followers_count"] = n
		}
		if fs.has("fan_count") {
			// Pages of the New Pages Experience have followers, not
			// likes; the fake's likes are the followers less a tenth.
			out["fan_count"] = n - n/10
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// attachedMedia reads attached_media as huandu/facebook sends it (one
// JSON array) or in the indexed form attached_media[0]={"media_fbid":…}.
func attachedMedia(c *call) ([]string, *gerr) {
	type ref struct {
		MediaFBID json.Number `json:"media_fbid"`
	}
	var refs []ref
	if s := c.param("attached_media"); s != "" {
		if err := json.Unmarshal([]byte(s), &refs); err != nil {
			return nil, invalidParam("param attached_media must be an array of objects with media_fbid")
		}
	}
	type idx struct {
		n int
		r ref
	}
	var more []idx
	for k, vs := range c.params {
		m := indexedAttachment.FindStringSubmatch(k)
		if m == nil || len(vs) == 0 {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		var r ref
		if err := json.Unmarshal([]byte(vs[0]), &r); err != nil {
			return nil, invalidParam("param %s must be an object with media_fbid", k)
		}
		more = append(more, idx{n, r})
	}
	sort.Slice(more, func(i, j int) bool { return more[i].n < more[j].n })
	for _, m := range more {
		refs = append(refs, m.r)
	}
	ids := make([]string, 0, len(refs))
	for i, r := range refs {
		if r.MediaFBID == "" {
			return nil, invalidParam("param attached_media[%d] must have a media_fbid", i)
		}
		ids = append(ids, r.MediaFBID.String())
	}
	return ids, nil
}

func (f *Fake) createFeed(w http.ResponseWriter, c *call) *gerr {
	message, link := c.param("message"), c.param("link")
	published, err := parseBool(c.param("published"), true)
	if err != nil {
		return invalidParam("param published must be a boolean")
	}
	attached, e := attachedMedia(c)
	if e != nil {
		return e
	}
	if message == "" && link == "" && len(attached) == 0 {
		return invalidParam("Missing message or attachment")
	}
	if n := utf8.RuneCountInString(message); n > maxMessageRunes {
		return invalidParam("The message is too long: %d characters, at most %d", n, maxMessageRunes)
	}
	if link != "" && !validURL(link) {
		return invalidParam("link URL is not properly formatted")
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	var media []fakenet.PostMedia
	for i, id := range attached {
		p, ok := f.photos[id]
		if !ok || p.page != c.who.page {
			return invalidParam("param attached_media[%d] has a media_fbid that is not a photo of this page", i)
		}
		if p.published || p.post != "" {
			return invalidParam("param attached_media[%d] has photo id %s which is already published", i, id)
		}
		media = append(media, photoMedia(p))
	}
	if message != "" && published {
		for _, p := range f.posts {
			if p.page == c.who.page && p.published && p.kind == "status" && p.message == message && now.Sub(p.created) < duplicateWindow {
				return known(506, 0)
			}
		}
	}
	kind := "status"
	if len(attached) > 0 {
		kind = "photo"
	}
	post := f.newPost(c.who.page, message, link, kind, published, now)
	post.photos, post.media = attached, media
	for _, id := range attached {
		f.photos[id].post = post.id
	}
	if e := f.record(post); e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": post.id})
	return nil
}

// newPost stores a post; callers hold f.mu.
func (f *Fake) newPost(page, message, link, kind string, published bool, now time.Time) *fbPost {
	seq := f.nextSeq()
	p := &fbPost{id: page + "_" + idFrom(fbIDBase, seq), page: page, seq: seq, message: message,
		link: link, kind: kind, published: published, created: now}
	f.posts[p.id] = p
	return p
}

// record puts a published post in the ledger; callers hold f.mu.
func (f *Fake) record(p *fbPost) *gerr {
	if !p.published {
		return nil
	}
	if err := f.ledger.Add(fakenet.Post{Network: NetworkFacebook, Account: p.page, RemoteID: p.id,
		Text: p.message, Media: p.media, CreatedAt: p.created, Extra: f.fbExtra(p)}); err != nil {
		f.log.Error("ledger refused a post", pregonero.LogErr, err)
		return known(1, 0)
	}
	return nil
}

func photoMedia(p *fbPhoto) fakenet.PostMedia {
	return fakenet.PostMedia{ID: p.id, Type: p.mime, AltText: p.alt, Size: p.size}
}

// upload reads the media of a photo or video request: the multipart file
// in fileParam or the URL in urlParam, fetched by the fake.
func (f *Fake) upload(c *call, fileParam, urlParam string) (io.ReadCloser, *gerr) {
	if fhs := c.files[fileParam]; len(fhs) > 0 {
		file, err := fhs[0].Open()
		if err != nil {
			return nil, known(1, 0)
		}
		return file, nil
	}
	u := c.param(urlParam)
	if u == "" {
		return nil, known(324, 0)
	}
	if !validURL(u) {
		return nil, invalidParam("%s should represent a valid URL", urlParam)
	}
	body, fe := f.open(c.r.Context(), u)
	if fe != nil {
		f.log.Info("media download failed", pregonero.LogParam, urlParam, pregonero.LogReason, fe.reason)
		return nil, &gerr{Status: http.StatusBadRequest, Code: 324, Type: typeOAuth,
			Message: "(#324) Missing or invalid image file", UserTitle: "Media download failed", UserMsg: "The file at " + u + " could not be downloaded."}
	}
	return body, nil
}

func (f *Fake) createPhoto(w http.ResponseWriter, c *call) *gerr {
	published, err := parseBool(c.param("published"), true)
	if err != nil {
		return invalidParam("param published must be a boolean")
	}
	caption := c.param("caption")
	if caption == "" {
		caption = c.param("message")
	}
	if n := utf8.RuneCountInString(caption); n > maxMessageRunes {
		return invalidParam("The caption is too long: %d characters, at most %d", n, maxMessageRunes)
	}
	body, e := f.upload(c, "source", "url")
	if e != nil {
		return e
	}
	b, err := io.ReadAll(io.LimitReader(body, maxPhotoBytes+1))
	body.Close()
	if err != nil {
		return &gerr{Status: http.StatusBadRequest, Code: 324, Type: typeOAuth, Message: "(#324) Missing or invalid image file"}
	}
	if len(b) > maxPhotoBytes {
		return invalidParam("The photo is larger than the 10 MB limit")
	}
	mime, width, height := sniffImage(b)
	if mime == "" {
		return &gerr{Status: http.StatusBadRequest, Code: 324, Type: typeOAuth, Message: "(#324) Missing or invalid image file"}
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	seq := f.nextSeq()
	p := &fbPhoto{id: idFrom(fbIDBase, seq), page: c.who.page, seq: seq, caption: caption, alt: c.param("alt_text_custom"),
		mime: mime, size: int64(len(b)), width: width, height: height, published: published, created: now}
	f.photos[p.id] = p
	if !published {
		writeJSON(w, http.StatusOK, map[string]string{"id": p.id})
		return nil
	}
	post := f.newPost(c.who.page, caption, "", "photo", true, now)
	post.photos, post.media = []string{p.id}, []fakenet.PostMedia{photoMedia(p)}
	p.post = post.id
	if e := f.record(post); e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": p.id, "post_id": post.id})
	return nil
}

func (f *Fake) createVideo(w http.ResponseWriter, c *call) *gerr {
	published, err := parseBool(c.param("published"), true)
	if err != nil {
		return invalidParam("param published must be a boolean")
	}
	title, description := c.param("title"), c.param("description")
	if n := utf8.RuneCountInString(description); n > maxMessageRunes {
		return invalidParam("The description is too long: %d characters, at most %d", n, maxMessageRunes)
	}
	body, e := f.upload(c, "source", "file_url")
	if e != nil {
		if e.Code == 324 {
			return &gerr{Status: http.StatusBadRequest, Code: 6000, Type: typeOAuth,
				Message:   "There was a problem uploading your video file. Please try again with another file.",
				UserTitle: "Video Upload Failed", UserMsg: "The video file could not be read."}
		}
		return e
	}
	mime, size, err := sniffVideo(body, maxVideoBytes)
	body.Close()
	switch {
	case err == errTooLarge:
		return &gerr{Status: http.StatusBadRequest, Code: 382, Type: typeOAuth, Message: "(#382) The video file you tried to upload is too large."}
	case err != nil:
		return &gerr{Status: http.StatusBadRequest, Code: 352, Type: typeOAuth,
			Message: "(#352) Sorry, the video file you selected is in a format that we don't support."}
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	seq := f.nextSeq()
	v := &fbVideo{id: idFrom(fbIDBase, seq), page: c.who.page, seq: seq, title: title, description: description,
		mime: mime, size: size, created: now, readyAt: now.Add(f.fbVideoDelay)}
	f.videos[v.id] = v
	if published {
		post := f.newPost(c.who.page, description, "", "video", true, now)
		post.video = v.id
		post.media = []fakenet.PostMedia{{ID: v.id, Type: mime, Size: size}}
		v.post = post.id
		if e := f.record(post); e != nil {
			return e
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": v.id})
	return nil
}

// postJSON renders the requested fields of a post; callers hold f.mu.
func (f *Fake) postJSON(p *fbPost, fs fieldSet, now time.Time) map[string]any {
	out := map[string]any{"id": p.id}
	num := strings.TrimPrefix(p.id, p.page+"_")
	for name := range fs {
		switch name {
		case "message":
			if p.message != "" {
				out["message"] = p.message
			}
		case "created_time":
			out["created_time"] = formatTime(p.created)
		case "updated_time":
			out["updated_time"] = formatTime(p.created)
		case "permalink_url":
			out["permalink_url"] = fmt.Sprintf("https://www.facebook.com/%s/posts/%s", p.page, num)
		case "is_published":
			out["is_published"] = p.published
		case "link":
			if p.link != "" {
				out["link"] = p.link
			}
		case "from":
			out["from"] = map[string]string{"name": f.pageName(p.page), "id": p.page}
		case "status_type":
			out["status_type"] = map[string]string{"status": "mobile_status_update", "photo": "added_photos", "video": "added_video"}[p.kind]
		case "reactions", "likes", "comments":
			out[name] = counter(name, EngagementOf(p.id, now.Sub(p.created)))
		case "shares":
			// Graph leaves shares out while there are none.
			if n := EngagementOf(p.id, now.Sub(p.created)).Shares; n > 0 {
				out["shares"] = map[string]int64{"count": n}
			}
		case "attachments":
			if a := f.attachments(p); a != nil {
				out["attachments"] = map[string]any{"data": a}
			}
		}
	}
	return out
}

// counter renders a reactions, likes or comments edge asked for with
// .summary(…).limit(0): no items, the summary's total_count.
func counter(edge string, en Engagement) map[string]any {
	if edge == "comments" {
		return map[string]any{"data": []any{}, "summary": map[string]any{"order": "ranked", "total_count": en.Comments, "can_comment": true}}
	}
	return map[string]any{"data": []any{}, "summary": map[string]any{"total_count": en.Reactions, "viewer_reaction": "NONE"}}
}

// attachments renders what a post carries the way Graph's attachments
// field does: a photo with its target id, several photos as an album
// whose subattachments name them, a video with its target id, a shared
// link with its URL only. A post with text alone has none. Callers hold
// f.mu.
func (f *Fake) attachments(p *fbPost) []map[string]any {
	photo := func(id string) map[string]any {
		return map[string]any{"type": "photo", "media_type": "photo",
			"url":    "https://www.facebook.com/photo.php?fbid=" + id,
			"target": map[string]string{"id": id, "url": "https://www.facebook.com/photo.php?fbid=" + id}}
	}
	switch {
	case p.video != "":
		u := fmt.Sprintf("https://www.facebook.com/%s/videos/%s/", p.page, p.video)
		return []map[string]any{{"type": "video_inline", "media_type": "video", "url": u,
			"target": map[string]string{"id": p.video, "url": u}}}
	case len(p.photos) == 1:
		return []map[string]any{photo(p.photos[0])}
	case len(p.photos) > 1:
		subs := make([]map[string]any, len(p.photos))
		for i, id := range p.photos {
			subs[i] = photo(id)
		}
		num := strings.TrimPrefix(p.id, p.page+"_")
		u := fmt.Sprintf("https://www.facebook.com/%s/posts/%s", p.page, num)
		return []map[string]any{{"type": "album", "media_type": "album", "url": u,
			"target": map[string]string{"id": num, "url": u}, "subattachments": map[string]any{"data": subs}}}
	case p.link != "":
		return []map[string]any{{"type": "share", "url": p.link, "target": map[string]string{"url": p.link}}}
	}
	return nil
}

func (f *Fake) photoJSON(p *fbPhoto, fs fieldSet) map[string]any {
	out := map[string]any{"id": p.id}
	for name := range fs {
		switch name {
		case "name":
			if p.caption != "" {
				out["name"] = p.caption
			}
		case "created_time":
			out["created_time"] = formatTime(p.created)
		case "updated_time":
			out["updated_time"] = formatTime(p.created)
		case "alt_text_custom":
			if p.alt != "" {
				out["alt_text_custom"] = p.alt
			}
		case "page_story_id":
			if p.post != "" && !f.hideStoryID {
				out["page_story_id"] = p.post
			}
		case "link":
			out["link"] = "https://www.facebook.com/photo.php?fbid=" + p.id
		case "width":
			out["width"] = p.width
		case "height":
			out["height"] = p.height
		case "from":
			out["from"] = map[string]string{"name": f.pageName(p.page), "id": p.page}
		}
	}
	return out
}

// videoJSON renders the requested fields of a video; while it is being
// processed it reports published false, video_status processing and, with
// Options.VideoPostIDAfterProcessing, no post_id.
func (f *Fake) videoJSON(v *fbVideo, fs fieldSet, now time.Time) map[string]any {
	ready := !now.Before(v.readyAt)
	out := map[string]any{"id": v.id}
	for name := range fs {
		switch name {
		case "title":
			if v.title != "" {
				out["title"] = v.title
			}
		case "description":
			if v.description != "" {
				out["description"] = v.description
			}
		case "created_time":
			out["created_time"] = formatTime(v.created)
		case "updated_time":
			out["updated_time"] = formatTime(v.created)
		case "post_id":
			if v.post != "" && (ready || !f.postIDLate) {
				out["post_id"] = v.post
			}
		case "permalink_url":
			out["permalink_url"] = fmt.Sprintf("/%s/videos/%s/", v.page, v.id)
		case "published":
			out["published"] = v.post != "" && ready
		case "reactions", "likes", "comments":
			out[name] = counter(name, EngagementOf(v.id, now.Sub(v.created)))
		case "status":
			status := "ready"
			if !ready {
				status = "processing"
			}
			out["status"] = map[string]string{"video_status": status}
		}
	}
	return out
}

// getObject serves GET of a post, photo or video.
func (f *Fake) getObject(kind string) func(http.ResponseWriter, *call) *gerr {
	return func(w http.ResponseWriter, c *call) *gerr {
		var fs fieldSet
		var e *gerr
		switch kind {
		case kindPost:
			fs, e = fields(c, nodePost, "created_time", "message")
		case kindPhoto:
			fs, e = fields(c, nodePhoto, "created_time", "name")
		case kindVideo:
			fs, e = fields(c, nodeVideo, "description", "updated_time")
		}
		if e != nil {
			return e
		}
		now := f.now()
		f.mu.Lock()
		var out map[string]any
		switch kind {
		case kindPost:
			if p, ok := f.posts[c.node]; ok {
				out = f.postJSON(p, fs, now)
			}
		case kindPhoto:
			if p, ok := f.photos[c.node]; ok {
				out = f.photoJSON(p, fs)
			}
		case kindVideo:
			if v, ok := f.videos[c.node]; ok {
				out = f.videoJSON(v, fs, now)
			}
		}
		f.mu.Unlock()
		if out == nil {
			return unsupported("get", c.node)
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// listPosts serves published_posts (and feed and posts, which are the
// same for a page that only posts as itself). The post of a video still
// being processed is not listed yet.
func (f *Fake) listPosts(w http.ResponseWriter, c *call) *gerr {
	fs, e := fields(c, nodePost, "created_time", "message")
	if e != nil {
		return e
	}
	now := f.now()
	f.mu.Lock()
	items := listed(f.posts, func(p *fbPost) bool {
		v := f.videos[p.video]
		return p.page == c.node && p.published && (v == nil || !now.Before(v.readyAt))
	}, func(p *fbPost) (string, time.Time, uint64) { return p.id, p.created, p.seq },
		func(p *fbPost) map[string]any { return f.postJSON(p, fs, now) })
	f.mu.Unlock()
	return f.writeList(w, c, items)
}

// listVideos serves /{page}/videos: the page's videos from their upload
// on, processed or not.
func (f *Fake) listVideos(w http.ResponseWriter, c *call) *gerr {
	fs, e := fields(c, nodeVideo, "created_time", "description", "updated_time")
	if e != nil {
		return e
	}
	now := f.now()
	f.mu.Lock()
	items := listed(f.videos, func(v *fbVideo) bool { return v.page == c.node },
		func(v *fbVideo) (string, time.Time, uint64) { return v.id, v.created, v.seq },
		func(v *fbVideo) map[string]any { return f.videoJSON(v, fs, now) })
	f.mu.Unlock()
	return f.writeList(w, c, items)
}

// listPhotos serves /{page}/photos: type=uploaded lists the page's own
// photos; the default type, tagged, lists photos the page is tagged in,
// which the fake never has.
func (f *Fake) listPhotos(w http.ResponseWriter, c *call) *gerr {
	typ := c.param("type")
	switch typ {
	case "", "tagged", "uploaded":
	default:
		return invalidParam("param type must be one of {tagged, uploaded}")
	}
	fs, e := fields(c, nodePhoto, "created_time", "name")
	if e != nil {
		return e
	}
	f.mu.Lock()
	// The page is never tagged in photos: only its uploads are listed.
	items := listed(f.photos, func(p *fbPhoto) bool { return typ == "uploaded" && p.page == c.node },
		func(p *fbPhoto) (string, time.Time, uint64) { return p.id, p.created, p.seq },
		func(p *fbPhoto) map[string]any { return f.photoJSON(p, fs) })
	f.mu.Unlock()
	return f.writeList(w, c, items)
}

// deleteObject deletes a post, photo or video. A post takes its photos
// and video with it; a photo or video takes its own post.
func (f *Fake) deleteObject(w http.ResponseWriter, c *call) *gerr {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := c.node
	switch {
	case f.posts[id] != nil:
		f.deletePost(id)
	case f.photos[id] != nil:
		p := f.photos[id]
		if post := f.posts[p.post]; post != nil && len(post.photos) == 1 {
			f.deletePost(post.id)
		} else {
			delete(f.photos, id)
			f.gone[id] = true
		}
	case f.videos[id] != nil:
		if v := f.videos[id]; f.posts[v.post] != nil {
			f.deletePost(v.post)
		} else {
			delete(f.videos, id)
			f.gone[id] = true
		}
	default:
		return unsupported("delete", id)
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
	return nil
}

// deletePost removes a post, its media and its ledger entry; callers
// hold f.mu.
func (f *Fake) deletePost(id string) {
	p := f.posts[id]
	delete(f.posts, id)
	f.gone[id] = true
	for _, ph := range p.photos {
		delete(f.photos, ph)
		f.gone[ph] = true
	}
	if p.video != "" {
		delete(f.videos, p.video)
		f.gone[p.video] = true
	}
	f.ledger.Delete(NetworkFacebook, id)
}
