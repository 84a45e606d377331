package fake

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
)

// avatarPath is where, under the fake's prefix, the channels' profile
// pictures are served: {avatarPath}{channel id}/{size}.png, the URLs
// channels.list names in snippet.thumbnails. They are served by the fake
// itself so that the sandbox shows them offline.
const avatarPath = "/avatars/"

// avatarSizes are the sizes of a channel's thumbnails: default, medium
// and high, square (the channel resource's documented 88, 240 and 800
// pixels).
var avatarSizes = [3]int{88, 240, 800}

// avatarURLs returns the thumbnails of channel id for a client of the
// fake at r's host.
func (f *Fake) avatarURLs(r *http.Request, id string) thumbnailsOut {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := func(size int) thumbnailOut {
		return thumbnailOut{URL: scheme + "://" + r.Host + f.prefix + avatarPath + id + "/" + strconv.Itoa(size) + ".png", Width: size, Height: size}
	}
	return thumbnailsOut{Default: u(avatarSizes[0]), Medium: u(avatarSizes[1]), High: u(avatarSizes[2])}
}

// avatar serves a channel's profile picture: a disc of a color drawn
// from the channel id on a light background. rest is "{id}/{size}.png".
func (f *Fake) avatar(w http.ResponseWriter, r *http.Request, rest string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	id, file, ok := strings.Cut(rest, "/")
	sizeText, ext, dotted := strings.Cut(file, ".")
	size, err := strconv.Atoi(sizeText)
	if !ok || !dotted || ext != "png" || err != nil || !validChannelID(id) || !validAvatarSize(size) {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256([]byte(id))
	fg := color.RGBA{R: 64 + sum[0]%160, G: 64 + sum[1]%160, B: 64 + sum[2]%160, A: 255}
	bg := color.RGBA{R: 241, G: 243, B: 244, A: 255}
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	c, r2 := size/2, (size/2)*(size/2)
	for y := range size {
		for x := range size {
			dx, dy := x-c, y-c
			if dx*dx+dy*dy <= r2 {
				img.SetRGBA(x, y, fg)
			} else {
				img.SetRGBA(x, y, bg)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		http.Error(w, "image could not be made", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(b.Bytes()) // a client gone away needs no answer
}

func validAvatarSize(n int) bool {
	for _, s := range avatarSizes {
		if n == s {
			return true
		}
	}
	return false
}

// validChannelID reports whether id looks like a channel id: "UC" and 22
// base64url characters.
func validChannelID(id string) bool {
	if len(id) != 24 || !strings.HasPrefix(id, "UC") {
		return false
	}
	for _, r := range id[2:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
