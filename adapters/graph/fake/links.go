package fake

import (
	"strconv"
	"strings"
)

// shortcodeAlphabet is the alphabet of Instagram shortcodes, a media id
// written in base 64.
const shortcodeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// Shortcode returns the code that names an Instagram media in its
// permalink (https://www.instagram.com/p/{code}/), as the fake gives it.
func Shortcode(mediaID string) string { return shortcode(mediaID) }

// ShortcodeMediaID returns the media id a shortcode of Shortcode names;
// false when code is not one.
func ShortcodeMediaID(code string) (string, bool) {
	if code == "" || len(code) > 11 {
		return "", false
	}
	var n uint64
	for _, r := range code {
		d := strings.IndexRune(shortcodeAlphabet, r)
		if d < 0 || n > (1<<64-1)/64 {
			return "", false
		}
		n = n*64 + uint64(d)
	}
	if n == 0 || code[0] == shortcodeAlphabet[0] {
		// Shortcode never writes a leading zero digit.
		return "", false
	}
	return strconv.FormatUint(n, 10), true
}

// IGUsername returns the username of a sandbox Instagram account, the one
// its stories' permalinks name.
func IGUsername(igUserID string) string { return igUsername(igUserID) }
