package fake

import (
	"net/http"
	"strings"
)

// target is the resolved node of a call and the handler that serves it.
type target struct {
	serve func(w http.ResponseWriter, c *call) *gerr
}

// Node kinds a path may name.
const (
	kindPage      = "page"
	kindIGUser    = "ig-user"
	kindPost      = "post"
	kindPhoto     = "photo"
	kindVideo     = "video"
	kindContainer = "container"
	kindIGMedia   = "ig-media"
	kindUser      = "user"
)

// resolve finds what a node id names for the caller: one of the fake's
// objects, the caller's page or Instagram account, or nothing the caller
// may see (100/33 for objects, 200 for another account).
func (f *Fake) resolve(c *call) (kind string, e *gerr) {
	id := c.node
	if id == "me" {
		if c.who.user != "" {
			return kindUser, nil
		}
		if c.who.page != "" {
			c.node = c.who.page
			return kindPage, nil
		}
		c.node = c.who.ig
		return kindIGUser, nil
	}
	method := strings.ToLower(c.method)
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.posts[id]; ok {
		return owned(kindPost, p.page == c.who.page, method, id)
	}
	if p, ok := f.photos[id]; ok {
		return owned(kindPhoto, p.page == c.who.page, method, id)
	}
	if v, ok := f.videos[id]; ok {
		return owned(kindVideo, v.page == c.who.page, method, id)
	}
	if ct, ok := f.containers[id]; ok {
		return owned(kindContainer, ct.user == c.who.ig, method, id)
	}
	if m, ok := f.igMedia[id]; ok {
		return owned(kindIGMedia, m.user == c.who.ig, method, id)
	}
	switch {
	case c.who.page != "" && id == c.who.page:
		return kindPage, nil
	case id == c.who.ig:
		return kindIGUser, nil
	case f.gone[id] || !isDigits(id):
		return "", unsupported(method, id)
	case c.edge == "" && c.method == http.MethodGet:
		// Reading another page or account: Graph shows public pages, but
		// the fake knows nothing of them.
		return "", unsupported(method, id)
	}
	return "", permissionError()
}

func owned(kind string, mine bool, method, id string) (string, *gerr) {
	if !mine {
		return "", unsupported(method, id)
	}
	return kind, nil
}

// route resolves the node and picks the handler, the fault operation and
// the account the call counts against.
func (f *Fake) route(c *call) *gerr {
	kind, e := f.resolve(c)
	if e != nil {
		return e
	}
	fb := func(op string, h func(http.ResponseWriter, *call) *gerr) *gerr {
		c.network, c.op, c.owner, c.target = NetworkFacebook, op, c.who.page, &target{h}
		return nil
	}
	ig := func(op string, h func(http.ResponseWriter, *call) *gerr) *gerr {
		c.network, c.op, c.owner, c.target = NetworkInstagram, op, c.who.ig, &target{h}
		return nil
	}
	get, post, del := c.method == http.MethodGet, c.method == http.MethodPost, c.method == http.MethodDelete
	path := "/" + c.node
	if c.edge != "" {
		path += "/" + c.edge
	}
	switch kind {
	case kindUser:
		return f.routeUser(c)
	case kindPage:
		switch {
		case c.edge == "" && get:
			return fb(OpLookup, f.getPage)
		case (c.edge == "published_posts" || c.edge == "posts" || c.edge == "feed") && get:
			return fb(OpLookup, f.listPosts)
		case c.edge == "photos" && get:
			return fb(OpLookup, f.listPhotos)
		case c.edge == "videos" && get:
			return fb(OpLookup, f.listVideos)
		case c.edge == "feed" && post:
			return fb(OpCreate, f.createFeed)
		case c.edge == "photos" && post:
			op := OpCreate
			if pub, err := parseBool(c.param("published"), true); err == nil && !pub {
				op = OpUpload
			}
			return fb(op, f.createPhoto)
		case c.edge == "videos" && post:
			return fb(OpCreate, f.createVideo)
		}
	case kindIGUser:
		switch {
		case c.edge == "" && get:
			return ig(OpLookup, f.getIGUser)
		case c.edge == "media" && get:
			return ig(OpLookup, f.listMedia)
		case c.edge == "stories" && get:
			return ig(OpLookup, f.listStories)
		case c.edge == "content_publishing_limit" && get:
			return ig(OpLimit, f.getPublishingLimit)
		case c.edge == "media" && post:
			return ig(OpContainer, f.createContainer)
		case c.edge == "media_publish" && post:
			return ig(OpPublish, f.publishContainer)
		}
	case kindPost, kindPhoto, kindVideo:
		switch {
		case kind == kindPost && c.edge == "insights" && get:
			return fb(OpLookup, f.getPostInsights)
		case kind == kindVideo && c.edge == "video_insights" && get:
			return fb(OpLookup, f.getVideoInsights)
		case c.edge == "" && get:
			return fb(OpLookup, f.getObject(kind))
		case c.edge == "" && del:
			return fb(OpDelete, f.deleteObject)
		}
	case kindContainer:
		switch {
		case c.edge == "" && get:
			return ig(OpStatus, f.getContainer)
		case c.edge == "" && del:
			return ig(OpDelete, f.deleteIG)
		}
	case kindIGMedia:
		switch {
		case c.edge == "" && get:
			return ig(OpLookup, f.getMedia)
		case c.edge == "children" && get:
			return ig(OpLookup, f.listChildren)
		case c.edge == "insights" && get:
			return ig(OpLookup, f.getMediaInsights)
		case c.edge == "" && del:
			return ig(OpDelete, f.deleteIG)
		}
	}
	if c.edge == "" {
		return unsupported(strings.ToLower(c.method), c.node)
	}
	return unknownPath(path)
}
