// Package xtext counts text the way X does (twitter-text v3 weighted
// length), so a post is refused when it is queued, not when it is due.
//
// It reproduces TwitterTextParser.parseTweet of twitter-text 3.1 (the Java
// implementation) with the v3 configuration: the text is normalized to NFC;
// every link the twitter-text extractor finds counts as 23 characters; every
// emoji sequence counts as 2; any other code point counts 1 up to U+10FF
// (Latin, Greek, Cyrillic, Hebrew, Arabic, Indic scripts, Thai, Georgian…)
// and in three General Punctuation ranges, 2 elsewhere (CJK, emoji parts,
// symbols). ExtractURLs exposes the link extractor on its own.
package xtext

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxWeightedLength is the weighted length limit of a post.
const MaxWeightedLength = 280

// The v3 configuration of twitter-text (config/v3.json). Weights are in
// hundredths of a character.
const (
	scale                = 100
	defaultWeight        = 200
	transformedURLLength = 23
)

// weightedRange gives weight to the code points from start to end inclusive.
type weightedRange struct {
	start, end rune
	weight     int
}

var v3Ranges = [...]weightedRange{
	{0, 4351, 100},
	{8192, 8205, 100},
	{8208, 8223, 100},
	{8242, 8247, 100},
}

// Result is the outcome of parsing a text.
type Result struct {
	// WeightedLength is the length X charges against MaxWeightedLength.
	WeightedLength int `json:"weighted_length"`
	// Valid reports whether X accepts the text as a post's text.
	Valid bool `json:"valid"`
	// Permillage is the weighted length in thousandths of the limit,
	// rounded down: 1000 is exactly full.
	Permillage int `json:"permillage"`
	// ValidRangeEnd is twitter-text's validRangeEnd: the index, in UTF-16
	// code units of the text as given, of the last character that fits in
	// the limit, so a browser can mark the overflow; -1 for a blank text.
	// Upstream shifts it by the length change normalization caused, so it
	// is exact only for text that is already NFC.
	ValidRangeEnd int `json:"valid_range_end"`
}

// Parse counts text. A text is valid when it is not blank (twitter-text
// trims code points up to U+0020 only), contains none of U+FFFE, U+FEFF and
// U+FFFF, and weighs at most MaxWeightedLength. Bytes that are not UTF-8
// count as U+FFFD each, as they would once encoded in the JSON sent to X.
func Parse(text string) Result {
	text = toValidUTF8(text)
	if strings.TrimFunc(text, isJavaTrimmed) == "" {
		return Result{ValidRangeEnd: -1}
	}
	s := norm.NFC.String(text)
	urls := extractURLs(s)
	emoji := findEmoji(s)

	const maxWeight = MaxWeightedLength * scale
	weight, pos16, valid16 := 0, 0, 0
	invalidChar := false
	nextURL, nextEmoji := 0, 0
	for i := 0; i < len(s); {
		for nextURL < len(urls) && urls[nextURL].start < i {
			nextURL++
		}
		if nextURL < len(urls) && urls[nextURL].start == i {
			u := urls[nextURL]
			n16 := utf16Len(s[u.start:u.end])
			weight += transformedURLLength * scale
			i, pos16 = u.end, pos16+n16
			if weight <= maxWeight {
				valid16 += n16
			}
			if i >= len(s) {
				break
			}
		}
		for nextEmoji < len(emoji) && emoji[nextEmoji].start < i {
			nextEmoji++
		}
		r, size := decodeAt(s, i)
		end, w, n16 := i+size, runeWeight(r), runeUTF16Len(r)
		if nextEmoji < len(emoji) && emoji[nextEmoji].start == i {
			end, w = emoji[nextEmoji].end, defaultWeight
			n16 = utf16Len(s[i:end])
		}
		weight += w
		// Upstream checks the first UTF-16 unit of each token; the three
		// invalid characters are all in the BMP.
		invalidChar = invalidChar || isInvalidChar(r)
		i, pos16 = end, pos16+n16
		if !invalidChar && weight <= maxWeight {
			valid16 += n16
		}
	}

	length := weight / scale
	// Offsets are reported against the text as given, shifted by how much
	// normalization changed its length, exactly as upstream does.
	normShift := utf16Len(text) - pos16
	return Result{
		WeightedLength: length,
		Valid:          !invalidChar && length <= MaxWeightedLength,
		Permillage:     length * 1000 / MaxWeightedLength,
		ValidRangeEnd:  valid16 + normShift - 1,
	}
}

// InvalidChar returns the first of the characters twitter-text refuses in
// a post (U+FFFE, U+FEFF and U+FFFF: byte-order marks and noncharacters)
// and its byte offset in text; ok is false when there is none. Parse marks
// such a text invalid whatever its length.
func InvalidChar(text string) (r rune, at int, ok bool) {
	for i, c := range text {
		if isInvalidChar(c) {
			return c, i, true
		}
	}
	return 0, 0, false
}

func isInvalidChar(r rune) bool { return r == 0xFFFE || r == 0xFEFF || r == 0xFFFF }

// WeightedLength returns Parse(text).WeightedLength.
func WeightedLength(text string) int { return Parse(text).WeightedLength }

func runeWeight(r rune) int {
	if r <= v3Ranges[0].end {
		return v3Ranges[0].weight
	}
	for _, wr := range v3Ranges[1:] {
		if wr.start <= r && r <= wr.end {
			return wr.weight
		}
	}
	return defaultWeight
}

// isJavaTrimmed matches what String.trim removes.
func isJavaTrimmed(r rune) bool { return r <= ' ' }

// toValidUTF8 replaces every byte that is not part of a UTF-8 sequence with
// U+FFFD, one per byte like encoding/json, rather than one per run like
// strings.ToValidUTF8.
func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
