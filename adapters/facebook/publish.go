package facebook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/graph"
)

// WebBase is the address posts are shown at when Facebook gives no
// permalink.
const WebBase = "https://www.facebook.com/"

// photoCheckpointPrefix starts the checkpoint key of an uploaded,
// unpublished photo: "fb_photo_" + the SHA-256 of the media (with "_2",
// "_3"… for the same file attached again); the value is the photo id.
const photoCheckpointPrefix = "fb_photo_"

// Publish sends the content to the page. Without media it is one POST
// /{page}/feed. Images, a single one included, are uploaded unpublished
// (each photo id checkpointed before the next step and reused by a later
// attempt), then attached to one feed post: a failure before that post
// leaves nothing published and a retry uploads nothing twice, which one
// published POST /{page}/photos could not offer. A video is one published
// POST /{page}/videos.
func (a *Adapter) Publish(ctx context.Context, d *pregonero.Delivery, c pregonero.Content, acct *pregonero.Account) (pregonero.Receipt, error) {
	if errs := a.Validate(c, acct); len(errs) > 0 {
		msgs := make([]string, len(errs))
		code := "facebook_invalid"
		for i, e := range errs {
			msgs[i] = e.Message
			if e.Field == "text" && e.Code == pregonero.FieldTooLong {
				code = "facebook_too_long"
			}
		}
		return pregonero.Receipt{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: code,
			Message: "The post does not fit Facebook's limits: " + strings.Join(msgs, "; ")}
	}
	cn, err := a.connect(ctx, acct)
	if err != nil {
		return pregonero.Receipt{}, err
	}
	page, err := cn.pageID()
	if err != nil {
		return pregonero.Receipt{}, err
	}
	msg := ComposeMessage(c)
	var id string
	switch {
	case len(c.Media) == 0:
		id, err = cn.feed(page, msg, strings.TrimSpace(c.Link), nil)
	case kindOf(c.Media[0].MIME) == kindVideo:
		id, err = cn.video(page, msg, c)
	default:
		id, err = cn.photoPost(ctx, d, c, page, msg)
	}
	if err != nil {
		return pregonero.Receipt{}, err
	}
	a.log.Info("facebook post created", pregonero.LogAccount, acct.ID, pregonero.LogPage, page, pregonero.LogRemoteID, id)
	return cn.receipt(id), nil
}

// feed creates a feed post and returns its id.
func (c *conn) feed(page, msg, link string, photos []string) (string, error) {
	params := fb.Params{"published": true}
	if msg != "" {
		params["message"] = msg
	}
	if link != "" {
		params["link"] = link
	}
	if len(photos) > 0 {
		attached := make([]map[string]string, len(photos))
		for i, id := range photos {
			attached[i] = map[string]string{"media_fbid": id}
		}
		params["attached_media"] = attached
	}
	res, err := c.call(graph.OpCreate, fb.POST, "/"+page+"/feed", params)
	if err != nil {
		return "", fmt.Errorf("create facebook post: %w", err)
	}
	return c.created(c.s, res, "id")
}

// created reads the id of an object created with session s; an answer
// without a usable id leaves the outcome unknown.
func (c *conn) created(s *fb.Session, res fb.Result, field string) (string, error) {
	id := graph.Str(res, field)
	if graph.ValidID(id) {
		return id, nil
	}
	msg := "Facebook accepted the post but its answer had no id; whether it was published will be checked before any new attempt."
	if id != "" {
		msg = fmt.Sprintf("Facebook accepted the post but answered an id that is not a Facebook id (%q); whether it was published will be checked before any new attempt.", truncate(id, 80))
	}
	return "", &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "facebook_malformed_response",
		Message: msg, HTTPStatus: graph.HTTPStatus(s)}
}

// photoPost uploads the images unpublished, reusing checkpointed photos,
// and attaches them to one feed post.
func (c *conn) photoPost(ctx context.Context, d *pregonero.Delivery, content pregonero.Content, page, msg string) (string, error) {
	var saved map[string]string
	if d != nil {
		saved = d.Checkpoint
	}
	ids, reused, err := c.photos(ctx, content, page, saved)
	if err != nil {
		return "", err
	}
	id, err := c.feed(page, msg, "", ids)
	if err == nil || !slices.Contains(reused, true) || !refused(err) {
		return id, err
	}
	// A refusal means this request posted nothing, but a checkpointed
	// photo may already belong to the post of an earlier attempt: then
	// that post is the delivery's. Checkpointed photos Facebook no longer
	// has (deleted on the page) are uploaded afresh, once. When every
	// photo is still there and attached to nothing, the refusal is about
	// something else and stands.
	keys := photoKeys(content.Media)
	keep := make(map[string]string, len(ids))
	gone := 0
	for i, pid := range ids {
		if !reused[i] {
			keep[keys[i]] = pid
			continue
		}
		story, exists, lerr := c.photoStory(pid)
		switch {
		case lerr != nil:
			return "", lerr
		case story != "":
			c.a.log.Warn("facebook photos already published by an earlier attempt", pregonero.LogAccount, c.acct.ID, pregonero.LogRemoteID, story)
			return story, nil
		case !exists:
			gone++
		default:
			keep[keys[i]] = pid
		}
	}
	if gone == 0 {
		return "", err
	}
	c.a.log.Warn("facebook no longer has checkpointed photos; uploading them again", pregonero.LogAccount, c.acct.ID, pregonero.LogPhotos, gone, pregonero.LogErr, err)
	if ids, _, err = c.photos(ctx, content, page, keep); err != nil {
		return "", err
	}
	return c.feed(page, msg, "", ids)
}

// photoStory reads the post (page story) a photo is attached to; exists is
// false only when Facebook answers that the photo does not exist (code
// 100, subcode 33: deleted, or not visible to the token). Any other
// failure is returned as it is.
func (c *conn) photoStory(id string) (story string, exists bool, err error) {
	res, err := c.call(graph.OpRead, fb.GET, "/"+id, fb.Params{"fields": "id,page_story_id"})
	if err != nil {
		if graph.Gone(err) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("look up facebook photo %s: %w", id, err)
	}
	story = graph.Str(res, "page_story_id")
	if story != "" && !graph.ValidID(story) {
		return "", true, &pregonero.PublishError{Class: pregonero.ClassUnknown, Code: "facebook_malformed_response",
			Message: fmt.Sprintf("Facebook reports photo %s attached to a post whose id is not a Facebook id (%q); whether the post went out is checked before any new attempt.", id, truncate(story, 80))}
	}
	return story, true, nil
}

// refused reports whether a create failed with a refusal of the request
// itself, which leaves nothing published.
func refused(err error) bool {
	var pe *pregonero.PublishError
	return errors.As(err, &pe) && pe.Class == pregonero.ClassPermanent && pe.Code == "facebook_invalid"
}

// photoKeys returns the checkpoint key of each image.
func photoKeys(media []pregonero.MediaBlob) []string {
	keys := make([]string, len(media))
	seen := map[string]int{}
	for i, m := range media {
		digest := m.SHA256
		if digest == "" {
			digest = m.ID
		}
		seen[digest]++
		keys[i] = photoCheckpointPrefix + digest
		if n := seen[digest]; n > 1 {
			keys[i] += "_" + strconv.Itoa(n)
		}
	}
	return keys
}

// photos returns the ids of the content's images uploaded unpublished:
// those in saved (reused[i] is then true), the others uploaded now and
// checkpointed one by one. A saved value that is not a Facebook id is
// ignored.
func (c *conn) photos(ctx context.Context, content pregonero.Content, page string, saved map[string]string) (ids []string, reused []bool, err error) {
	keys := photoKeys(content.Media)
	ids = make([]string, len(content.Media))
	reused = make([]bool, len(content.Media))
	for i, m := range content.Media {
		if id := saved[keys[i]]; graph.ValidID(id) {
			c.a.log.Debug("facebook reusing uploaded photo", pregonero.LogAccount, c.acct.ID, pregonero.LogPhotoID, id)
			ids[i], reused[i] = id, true
			continue
		}
		id, err := c.upload(page, m, fb.Params{"published": false}, graph.OpPrepare)
		if err != nil {
			return nil, nil, fmt.Errorf("upload facebook photo %d: %w", i, err)
		}
		if content.Checkpoint != nil {
			if err := content.Checkpoint(ctx, keys[i], id); err != nil {
				return nil, nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_checkpoint",
					Message: "The uploaded photo could not be recorded; nothing was posted and it will be retried.",
					Err:     fmt.Errorf("checkpoint photo %d: %w", i, err)}
			}
		}
		ids[i] = id
	}
	return ids, reused, nil
}

// upload sends one image to POST /{page}/photos as multipart source.
func (c *conn) upload(page string, m pregonero.MediaBlob, params fb.Params, op graph.Op) (string, error) {
	rc, err := open(m)
	if err != nil {
		return "", &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_media_unreadable",
			Message: fmt.Sprintf("The file of media %s could not be read; nothing was sent.", m.ID), Err: err}
	}
	defer rc.Close()
	params["source"] = fb.DataWithContentType(filename(m), rc, m.MIME)
	if alt := strings.TrimSpace(m.AltText); alt != "" {
		params["alt_text_custom"] = alt
	}
	res, err := c.call(op, fb.POST, "/"+page+"/photos", params)
	if err != nil {
		return "", err
	}
	id := graph.Str(res, "id")
	if !graph.ValidID(id) {
		return "", &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_malformed_response",
			Message: "Facebook's answer to a photo upload had no usable id; it will be uploaded again.", HTTPStatus: graph.HTTPStatus(c.s)}
	}
	return id, nil
}

// video publishes the video and returns the id of its post, or of the
// video when Facebook does not tell the post. The upload goes to the
// account's video host (videoEndpoint); the post lookup after it to the
// Graph host.
func (c *conn) video(page, msg string, content pregonero.Content) (string, error) {
	vs, err := c.videoSession()
	if err != nil {
		return "", err
	}
	m := content.Media[0]
	rc, err := open(m)
	if err != nil {
		return "", &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "facebook_media_unreadable",
			Message: fmt.Sprintf("The file of media %s could not be read; nothing was sent.", m.ID), Err: err}
	}
	defer rc.Close()
	params := fb.Params{"source": fb.DataWithContentType(filename(m), rc, m.MIME), "published": true}
	if msg != "" {
		params["description"] = msg
	}
	if t := strings.TrimSpace(content.Title); t != "" {
		params["title"] = t
	}
	res, err := c.callOn(vs, graph.OpCreate, fb.POST, "/"+page+"/videos", params)
	if err != nil {
		return "", fmt.Errorf("publish facebook video: %w", err)
	}
	vid, err := c.created(vs, res, "id")
	if err != nil {
		return "", err
	}
	// post_id is not documented for every version: without it the video
	// id stands for the post.
	res, err = c.call(graph.OpRead, fb.GET, "/"+vid, fb.Params{"fields": "post_id"})
	if err != nil {
		c.a.log.Warn("facebook video post id lookup failed; using the video id", pregonero.LogAccount, c.acct.ID, pregonero.LogVideoID, vid, pregonero.LogErr, err)
		return vid, nil
	}
	switch pid := graph.Str(res, "post_id"); {
	case graph.ValidID(pid):
		return pid, nil
	case pid != "":
		c.a.log.Warn("facebook video post id is not a Facebook id; using the video id", pregonero.LogAccount, c.acct.ID, pregonero.LogVideoID, vid)
	}
	return vid, nil
}

// open opens a media file's bytes.
func open(m pregonero.MediaBlob) (io.ReadCloser, error) {
	if m.Open == nil {
		return nil, errors.New("the media has no content")
	}
	return m.Open()
}

func filename(m pregonero.MediaBlob) string {
	if name := path.Base(strings.ReplaceAll(m.Filename, "\\", "/")); name != "" && name != "." && name != "/" {
		return name
	}
	switch strings.ToLower(m.MIME) {
	case "image/jpeg", "image/pjpeg":
		return "photo.jpg"
	case "image/png":
		return "photo.png"
	case "image/gif":
		return "photo.gif"
	case "image/webp":
		return "photo.webp"
	case "video/quicktime":
		return "video.mov"
	case "video/mp4":
		return "video.mp4"
	}
	return "media"
}

// receipt reads the post's permalink and creation time with one GET; a
// failure there does not undo the publication, so it falls back to the
// post's address by id (byID) and the clock.
func (c *conn) receipt(id string) pregonero.Receipt {
	r := pregonero.Receipt{RemoteID: id, URL: c.byID(id), PublishedAt: c.a.now().UTC()}
	res, err := c.call(graph.OpRead, fb.GET, "/"+id, fb.Params{"fields": "id,permalink_url,created_time"})
	if err != nil {
		c.a.log.Warn("facebook permalink lookup failed; using the generic address", pregonero.LogAccount, c.acct.ID, pregonero.LogRemoteID, id, pregonero.LogErr, err)
		return r
	}
	if u := c.permalink(graph.Str(res, "permalink_url"), id); u != "" {
		r.URL = u
	}
	if t, ok := graph.ParseTime(graph.Str(res, "created_time")); ok {
		r.PublishedAt = t
	}
	return r
}

// byID is the address of a post by its id: WebBase + id, or the
// account's link base + "/" + id when it has one.
func (c *conn) byID(id string) string {
	return graph.LinkOn(c.acct.LinkBase, WebBase+url.PathEscape(id))
}

// permalink returns Facebook's address of the post as an absolute URL (a
// video's is relative), or "" when there is none or it does not name the
// post id: a receipt's URL always names its RemoteID, and a page post's
// permalink_url often names only the post's own number, while
// WebBase + "{page}_{post}" leads to the post as well. With a link base,
// the address is moved to it, path kept.
func (c *conn) permalink(s, id string) string {
	s = strings.TrimSpace(s)
	if s == "" || !strings.Contains(s, id) {
		return ""
	}
	if strings.HasPrefix(s, "/") {
		s = strings.TrimRight(WebBase, "/") + s
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return ""
	}
	return graph.LinkOn(c.acct.LinkBase, s)
}
