package fake

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"pregonero/adapters/fakenet"
)

// Id bases, so that the kinds of ids look like Graph's and never collide.
const (
	fbIDBase        = 122100000000000000
	containerIDBase = 17900000000000000
	igMediaIDBase   = 18000000000000000
)

// fbPost is a Page post: a status, a photo post or a video post.
type fbPost struct {
	id        string // "{page}_{n}"
	page      string
	seq       uint64
	message   string
	link      string
	kind      string // status, photo, video
	published bool
	created   time.Time
	photos    []string
	video     string
	media     []fakenet.PostMedia
}

// fbPhoto is a photo uploaded to a page, published with its own post or
// unpublished and attachable once with attached_media.
type fbPhoto struct {
	id            string
	page          string
	seq           uint64
	caption       string
	alt           string
	mime          string
	size          int64
	width, height int
	published     bool
	post          string
	created       time.Time
}

// fbVideo is a video uploaded to a page.
type fbVideo struct {
	id          string
	page        string
	seq         uint64
	title       string
	description string
	mime        string
	size        int64
	post        string
	created     time.Time
	readyAt     time.Time // when processing ends and its post is listed
}

// container is an Instagram media container and its processing state.
type container struct {
	id           string
	user         string
	seq          uint64
	mediaType    string // IMAGE, VIDEO, REELS, STORIES or CAROUSEL
	carouselItem bool
	children     []string
	caption      string
	alt          string
	url          string
	video        bool
	created      time.Time
	fetched      bool      // the media was downloaded and is valid
	readyAt      time.Time // when processing ends, once fetched
	failure      *gerr     // why the container is in ERROR
	mime         string
	size         int64
	expired      bool
	mediaID      string // set once published
}

// igMedia is a published Instagram media object.
type igMedia struct {
	id        string
	user      string
	seq       uint64
	caption   string
	mediaType string // IMAGE, VIDEO or CAROUSEL_ALBUM
	product   string // FEED, REELS or STORY
	created   time.Time
	container string
	children  []string // child media ids of a carousel album
}

// nextSeq returns a new sequence number; callers hold f.mu.
func (f *Fake) nextSeq() uint64 {
	f.seq++
	return f.seq
}

func idFrom(base, seq uint64) string { return strconv.FormatUint(base+seq, 10) }

// listed makes a list of the objects of m that keep passes, newest first:
// key gives an object's id, creation time and creation order, render its
// JSON.
func listed[T any](m map[string]T, keep func(T) bool, key func(T) (string, time.Time, uint64), render func(T) map[string]any) []item {
	var xs []T
	for _, x := range m {
		if keep(x) {
			xs = append(xs, x)
		}
	}
	newest(xs, func(x T) (time.Time, uint64) { _, at, seq := key(x); return at, seq })
	items := make([]item, len(xs))
	for i, x := range xs {
		id, at, _ := key(x)
		items[i] = item{id, at, render(x)}
	}
	return items
}

// newest orders items by creation time, newest first, then by sequence.
func newest[T any](xs []T, key func(T) (time.Time, uint64)) {
	slices.SortFunc(xs, func(a, b T) int {
		ta, sa := key(a)
		tb, sb := key(b)
		if c := tb.Compare(ta); c != 0 {
			return c
		}
		return cmp.Compare(sb, sa)
	})
}
