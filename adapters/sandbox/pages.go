package sandbox

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
	graphfake "pregonero/adapters/graph/fake"
	xfake "pregonero/adapters/x/fake"
	ytfake "pregonero/adapters/youtube/fake"
)

//go:embed linkpage.html
var pageFS embed.FS

// parsePages parses the link page template; it is embedded, so a failure
// is a build defect and New fails fast on it.
func parsePages() *template.Template {
	return template.Must(template.ParseFS(pageFS, "linkpage.html"))
}

// networkName is the name link pages give a network.
func networkName(network string) string {
	switch network {
	case xfake.Network:
		return "X"
	case graphfake.NetworkFacebook:
		return "Facebook"
	case graphfake.NetworkInstagram:
		return "Instagram"
	case ytfake.Network:
		return "YouTube"
	}
	return network
}

// routePages registers the stand-in web pages that links to live sandbox
// posts open. The patterns name a method and more of the path than the
// fakes' mounts (/x/, /youtube/), so they take precedence without
// shadowing any API call: X's API paths start with /x/2/ and never have
// "status" as their third segment, and YouTube's start with
// /youtube/youtube/v3/, /youtube/token or /upload/.
func (s *Sandbox) routePages() {
	s.mux.HandleFunc("GET /x/{user}/status/{id}", s.xPage)
	s.mux.HandleFunc("GET /x/{user}/status/{id}/{rest...}", s.xPage)
	s.mux.HandleFunc("GET /x/i/web/status/{id}", s.xPage)
	s.mux.HandleFunc("GET /facebook/", s.facebookPage)
	s.mux.HandleFunc("GET /instagram/", s.instagramPage)
	s.mux.HandleFunc("GET /youtube/watch", s.youtubePage)
	s.mux.HandleFunc("GET /youtube/shorts/{id}", s.youtubePage)
}

// xPage serves a post's page on x.com: /{user}/status/{id}, with or
// without what follows (/photo/1), and /i/web/status/{id}. Like x.com it
// shows the post whatever user the address names.
func (s *Sandbox) xPage(w http.ResponseWriter, r *http.Request) {
	p, ok := s.ledger.Get(xfake.Network, r.PathValue("id"))
	s.writePage(w, r, xfake.Network, p, ok)
}

// facebookPage serves the addresses Facebook gives a post, or that the
// Facebook adapter builds: /{page}/posts/{num}, /{page}_{num},
// /photo.php?fbid={photo}, /{page}/videos/{video}/,
// /permalink.php?story_fbid={num}&id={page}, /watch/?v={video}, and
// /{photo or video id}.
func (s *Sandbox) facebookPage(w http.ResponseWriter, r *http.Request) {
	segs := segments(r.URL.Path, "/facebook/")
	q := r.URL.Query()
	var p fakenet.Post
	ok := false
	switch {
	case len(segs) == 3 && segs[1] == "posts":
		if p, ok = s.ledger.Get(graphfake.NetworkFacebook, segs[0]+"_"+segs[2]); !ok {
			p, ok = s.facebookByObject(segs[2])
		}
	case len(segs) == 3 && segs[1] == "videos":
		p, ok = s.facebookByObject(segs[2])
	case len(segs) == 1 && (segs[0] == "photo.php" || segs[0] == "photo"):
		p, ok = s.facebookByObject(q.Get("fbid"))
	case len(segs) == 1 && segs[0] == "permalink.php":
		p, ok = s.ledger.Get(graphfake.NetworkFacebook, q.Get("id")+"_"+q.Get("story_fbid"))
	case len(segs) == 1 && segs[0] == "watch":
		p, ok = s.facebookByObject(q.Get("v"))
	case len(segs) == 1:
		p, ok = s.facebookByObject(segs[0])
	}
	s.writePage(w, r, graphfake.NetworkFacebook, p, ok)
}

// facebookByObject finds the page post whose id is id or that carries the
// photo or video id.
func (s *Sandbox) facebookByObject(id string) (fakenet.Post, bool) {
	if id == "" {
		return fakenet.Post{}, false
	}
	if p, ok := s.ledger.Get(graphfake.NetworkFacebook, id); ok {
		return p, true
	}
	for _, p := range s.ledger.Filter(graphfake.NetworkFacebook, "") {
		if slices.ContainsFunc(p.Media, func(m fakenet.PostMedia) bool { return m.ID == id }) {
			return p, true
		}
	}
	return fakenet.Post{}, false
}

// instagramPage serves Instagram permalinks: /p/{shortcode}/,
// /reel/{shortcode}/ (and /reels/, /tv/), /stories/{username}/{id}/; and,
// since the Instagram adapter links to the site or the profile when it
// cannot read a permalink, / and /{username}/ list the posts.
func (s *Sandbox) instagramPage(w http.ResponseWriter, r *http.Request) {
	segs := segments(r.URL.Path, "/instagram/")
	var p fakenet.Post
	ok := false
	switch {
	case len(segs) == 0:
		s.writeList(w, r, graphfake.NetworkInstagram, "", s.ledger.Filter(graphfake.NetworkInstagram, ""))
		return
	case len(segs) == 1:
		for _, p := range s.ledger.Filter(graphfake.NetworkInstagram, "") {
			if graphfake.IGUsername(p.Account) == segs[0] {
				s.writeList(w, r, graphfake.NetworkInstagram, segs[0], s.ledger.Filter(graphfake.NetworkInstagram, p.Account))
				return
			}
		}
	case len(segs) == 2 && (segs[0] == "p" || segs[0] == "reel" || segs[0] == "reels" || segs[0] == "tv"):
		if id, valid := graphfake.ShortcodeMediaID(segs[1]); valid {
			p, ok = s.ledger.Get(graphfake.NetworkInstagram, id)
		}
	case len(segs) == 3 && segs[0] == "stories":
		p, ok = s.ledger.Get(graphfake.NetworkInstagram, segs[2])
		ok = ok && graphfake.IGUsername(p.Account) == segs[1]
	}
	s.writePage(w, r, graphfake.NetworkInstagram, p, ok)
}

// youtubePage serves /watch?v={id} and /shorts/{id}.
func (s *Sandbox) youtubePage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == "" {
		id = r.URL.Query().Get("v")
	}
	var p fakenet.Post
	ok := false
	if id != "" {
		p, ok = s.ledger.Get(ytfake.Network, id)
	}
	s.writePage(w, r, ytfake.Network, p, ok)
}

// segments splits a path below prefix into its non-empty segments.
func segments(path, prefix string) []string {
	var out []string
	for seg := range strings.SplitSeq(strings.TrimPrefix(path, prefix), "/") {
		if seg != "" {
			out = append(out, seg)
		}
	}
	return out
}

// pageData is what the link page shows: one post, or a list of posts.
type pageData struct {
	Found       bool
	IsList      bool
	Account     string // of a list; empty for all
	Items       []listItem
	NetworkName string
	Post        fakenet.Post
	Created     string // in the sandbox's zone
	CreatedUTC  string
	Path        string
	PostsURL    string
}

// listItem is a post in a list page.
type listItem struct {
	Href, Created, RemoteID, Text string
}

// timeFormat is how pages show times, in the sandbox's zone.
const timeFormat = "2006-01-02 15:04:05 MST"

// writeList answers with a page listing posts, newest first, each
// linking to its page. Only Instagram needs one (see instagramPage).
func (s *Sandbox) writeList(w http.ResponseWriter, r *http.Request, network, account string, posts []fakenet.Post) {
	d := pageData{Found: true, IsList: true, Account: account, NetworkName: networkName(network), Path: r.URL.RequestURI(),
		PostsURL: "/_sandbox/posts?" + url.Values{"network": {network}}.Encode()}
	for _, p := range slices.Backward(posts) {
		href := "/instagram/p/" + graphfake.Shortcode(p.RemoteID) + "/"
		d.Items = append(d.Items, listItem{Href: href, Created: p.CreatedAt.In(s.loc).Format(timeFormat), RemoteID: p.RemoteID, Text: p.Text})
	}
	s.render(w, r, d)
}

// writePage answers with the page of p, or 404 with a page saying that
// there is no such post.
func (s *Sandbox) writePage(w http.ResponseWriter, r *http.Request, network string, p fakenet.Post, found bool) {
	d := pageData{Found: found, NetworkName: networkName(network), Post: p, Path: r.URL.RequestURI(),
		PostsURL: "/_sandbox/posts?" + url.Values{"network": {network}}.Encode()}
	if found {
		d.Created = p.CreatedAt.In(s.loc).Format(timeFormat)
		d.CreatedUTC = p.CreatedAt.UTC().Format(time.RFC3339)
	}
	s.render(w, r, d)
}

// render writes a page: 200, or 404 for a post that is not there.
func (s *Sandbox) render(w http.ResponseWriter, r *http.Request, d pageData) {
	var buf bytes.Buffer
	if err := s.pages.Execute(&buf, d); err != nil {
		s.log.Error("sandbox page not rendered", pregonero.LogPath, r.URL.Path, pregonero.LogErr, err)
		fakenet.WriteError(w, http.StatusInternalServerError, "internal", "The sandbox could not render this page.")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	status := http.StatusOK
	if !d.Found {
		status = http.StatusNotFound
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client is gone if this fails; nothing to tell it
}
