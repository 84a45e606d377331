package xtext

import (
	"sort"
	"unicode/utf8"
)

// The emoji matcher reproduces twitter-text's TwitterTextEmojiRegex (the
// pattern generated from the Unicode 12 emoji data that the Java parser of
// twitter-text 3.1 uses): an ordered alternation whose first matching branch
// wins. Each branch is a function below, tried in the upstream order; the
// character sets are transcribed in emoji_tables.go. Emoji added to Unicode
// after that version are not recognised as sequences, so their parts are
// counted one by one, as twitter-text counts them.

const (
	zwj       = 0x200D
	vs15      = 0xFE0E
	vs16      = 0xFE0F
	keycap    = 0x20E3
	handshake = 0x1F91D
	man       = 0x1F468
	woman     = 0x1F469
	adult     = 0x1F9D1
	cancelTag = 0xE007F
)

// findEmoji returns the emoji sequences of s in order, scanning like
// Matcher.find: after a match the search resumes at its end.
func findEmoji(s string) []span {
	var out []span
	for i := 0; i < len(s); {
		// Skip quickly what cannot start an emoji: ASCII other than #, * and
		// digits, and code points below U+2000 (lead bytes up to 0xE1) other
		// than the copyright and registered signs.
		switch c := s[i]; {
		case c < utf8.RuneSelf:
			if c != '#' && c != '*' && !isASCIIDigit(rune(c)) {
				i++
				continue
			}
		case c < 0xE2 && !(c == 0xC2 && i+1 < len(s) && (s[i+1] == 0xA9 || s[i+1] == 0xAE)):
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
			continue
		}
		r, n := decodeAt(s, i)
		if emojiStarts.contains(r) {
			if e := matchEmoji(s, i); e > i {
				out = append(out, span{i, e})
				i = e
				continue
			}
		}
		i += n
	}
	return out
}

// emojiStarts holds every code point a branch can start with, so that the
// branches are only tried where one of them may match.
var emojiStarts = unionRuneSets(
	runeSet{{'#', '#'}, {'*', '*'}, {'0', '9'}, {0xA9, 0xA9}, {0xAE, 0xAE}, {0x2122, 0x2122},
		{0x265F, 0x265F}, {vs16, vs16}, {0x1F1E6, 0x1F1FF}, {0x1F3F3, 0x1F3F4}, {0x1F415, 0x1F415},
		{0x1F441, 0x1F441}, {0x1F468, 0x1F469}, {0x1F46B, 0x1F46D}, {0x1F46F, 0x1F46F},
		{0x1F93C, 0x1F93C}, {adult, adult}, {0x1F9DE, 0x1F9DF}},
	genderedVariantBases, genderedBases, variantEmoji, diversityVariants, diversityEmoji, singleEmoji,
)

// matchEmoji returns the end of the emoji sequence at byte i of s, or -1.
func matchEmoji(s string, i int) int {
	for _, branch := range emojiBranches {
		if e := branch(s, i); e >= 0 {
			return e
		}
	}
	return -1
}

var emojiBranches = []func(s string, i int) int{
	matchHoldingHands,
	matchRoleZWJ,
	matchGenderedVariantZWJ,
	matchGenderedZWJ,
	matchOtherZWJ,
	matchKeycap,
	matchTextDefault,
	matchVariant,
	matchDiversity,
	matchFlagOrSingle,
	matchStrayVS16,
}

// seq reads the runes of s from byte i, tolerating the end of the string.
type seq struct {
	s string
	i int
}

func (q *seq) next() rune {
	r, n := decodeAt(q.s, q.i)
	q.i += n
	return r
}

func (q *seq) peek() rune {
	r, _ := decodeAt(q.s, q.i)
	return r
}

// nextIs consumes the next rune when it is want.
func (q *seq) nextIs(want rune) bool {
	if q.peek() != want {
		return false
	}
	q.next()
	return true
}

// nextIn consumes the next rune when it is in set.
func (q *seq) nextIn(set runeSet) bool {
	if !set.contains(q.peek()) {
		return false
	}
	q.next()
	return true
}

func isSkinTone(r rune) bool { return 0x1F3FB <= r && r <= 0x1F3FF }

// matchHoldingHands is the first group: people holding hands (with skin
// tones that differ between a man and a man or woman, any tones between two
// adults) and the couple emoji with an optional tone.
func matchHoldingHands(s string, i int) int {
	q := seq{s, i}
	first := q.next()
	switch first {
	case 0x1F46B, 0x1F46C, 0x1F46D:
		if isSkinTone(q.peek()) {
			q.next()
		}
		return q.i
	case man, woman, adult:
	default:
		return -1
	}
	tone := q.peek()
	if isSkinTone(tone) {
		q.next()
	} else if first == adult {
		tone = 0 // 🧑‍🤝‍🧑 exists without tones only.
	} else {
		return -1
	}
	if !q.nextIs(zwj) || !q.nextIs(handshake) || !q.nextIs(zwj) {
		return -1
	}
	second := q.next()
	switch {
	case first == adult && second == adult:
		if tone == 0 {
			return q.i
		}
		if isSkinTone(q.next()) {
			return q.i
		}
	case first == man && second == man, first == woman && (second == man || second == woman):
		if t := q.next(); isSkinTone(t) && t != tone {
			return q.i
		}
	}
	return -1
}

// matchRoleZWJ: man, woman or adult, optional tone, ZWJ, then a role symbol
// (health worker, judge and pilot take VS16).
func matchRoleZWJ(s string, i int) int {
	q := seq{s, i}
	if r := q.next(); r != man && r != woman && r != adult {
		return -1
	}
	if isSkinTone(q.peek()) {
		q.next()
	}
	if !q.nextIs(zwj) {
		return -1
	}
	switch r := q.next(); {
	case r == 0x2695 || r == 0x2696 || r == 0x2708:
		if q.nextIs(vs16) {
			return q.i
		}
	case roleObjects.contains(r):
		return q.i
	}
	return -1
}

// matchGenderedVariantZWJ: bases that need VS16 or a tone before the
// gendered ZWJ sequence.
func matchGenderedVariantZWJ(s string, i int) int {
	q := seq{s, i}
	if !q.nextIn(genderedVariantBases) {
		return -1
	}
	if r := q.next(); r != vs16 && !isSkinTone(r) {
		return -1
	}
	return finishGendered(&q)
}

// matchGenderedZWJ: bases with an optional tone before the gendered ZWJ
// sequence.
func matchGenderedZWJ(s string, i int) int {
	q := seq{s, i}
	if !q.nextIn(genderedBases) {
		return -1
	}
	if isSkinTone(q.peek()) {
		q.next()
	}
	return finishGendered(&q)
}

// finishGendered matches ZWJ [♀♂] VS16.
func finishGendered(q *seq) int {
	if !q.nextIs(zwj) {
		return -1
	}
	if r := q.next(); r != 0x2640 && r != 0x2642 {
		return -1
	}
	if !q.nextIs(vs16) {
		return -1
	}
	return q.i
}

// matchOtherZWJ tries the remaining ZWJ sequences in upstream order.
func matchOtherZWJ(s string, i int) int {
	for _, pattern := range otherZWJSequences {
		q := seq{s, i}
		ok := true
		for _, alternatives := range pattern {
			r := q.next()
			if !containsRune(alternatives, r) {
				ok = false
				break
			}
		}
		if ok {
			return q.i
		}
	}
	return -1
}

// matchKeycap: [#*0-9] VS16? U+20E3.
func matchKeycap(s string, i int) int {
	q := seq{s, i}
	if r := q.next(); r != '#' && r != '*' && !isASCIIDigit(r) {
		return -1
	}
	q.nextIs(vs16)
	if !q.nextIs(keycap) {
		return -1
	}
	return q.i
}

// matchTextDefault: symbols that default to text presentation count as emoji
// only with VS16.
func matchTextDefault(s string, i int) int {
	q := seq{s, i}
	switch q.next() {
	case 0xA9, 0xAE, 0x2122, 0x265F:
		if q.nextIs(vs16) {
			return q.i
		}
	}
	return -1
}

// matchVariant: X(?:\uFE0F|(?!\uFE0E)), an emoji unless VS15 asks for text.
func matchVariant(s string, i int) int {
	q := seq{s, i}
	if !q.nextIn(variantEmoji) {
		return -1
	}
	return finishVariant(&q)
}

func finishVariant(q *seq) int {
	switch q.peek() {
	case vs16:
		q.next()
	case vs15:
		return -1
	}
	return q.i
}

// matchDiversity: emoji that take a skin tone, either variants (as above) or
// emoji-only characters, followed by an optional tone.
func matchDiversity(s string, i int) int {
	q := seq{s, i}
	r := q.next()
	ok := diversityVariants.contains(r) && finishVariant(&q) >= 0
	if !ok {
		q = seq{s, i}
		ok = q.nextIn(diversityEmoji)
	}
	if !ok {
		return -1
	}
	if isSkinTone(q.peek()) {
		q.next()
	}
	return q.i
}

// matchFlagOrSingle: subdivision flags, country flags (pairs of regional
// indicators that name a region), then single emoji characters, which
// include lone regional indicators.
func matchFlagOrSingle(s string, i int) int {
	for _, flag := range subdivisionFlags {
		q := seq{s, i}
		ok := true
		for _, want := range flag {
			if q.next() != want {
				ok = false
				break
			}
		}
		if ok {
			return q.i
		}
	}
	q := seq{s, i}
	r := q.next()
	if isRegionalIndicator(r) {
		second := q.peek()
		if isRegionalIndicator(second) && countryFlagSeconds[r-regionalIndicatorA]&(1<<(second-regionalIndicatorA)) != 0 {
			q.next()
			return q.i
		}
	}
	if singleEmoji.contains(r) {
		return seqEnd(s, i)
	}
	return -1
}

// matchStrayVS16: a VS16 that follows no emoji still counts as one.
func matchStrayVS16(s string, i int) int {
	if r, n := decodeAt(s, i); r == vs16 {
		return i + n
	}
	return -1
}

func seqEnd(s string, i int) int {
	_, n := decodeAt(s, i)
	return i + n
}

const regionalIndicatorA = 0x1F1E6

func isRegionalIndicator(r rune) bool { return regionalIndicatorA <= r && r <= 0x1F1FF }

func containsRune(set []rune, r rune) bool {
	for _, c := range set {
		if c == r {
			return true
		}
	}
	return false
}

// unionRuneSets merges sets into one sorted set of disjoint ranges.
func unionRuneSets(sets ...runeSet) runeSet {
	var all runeSet
	for _, set := range sets {
		all = append(all, set...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i][0] < all[j][0] })
	var out runeSet
	for _, rg := range all {
		if n := len(out); n > 0 && rg[0] <= out[n-1][1]+1 {
			out[n-1][1] = max(out[n-1][1], rg[1])
			continue
		}
		out = append(out, rg)
	}
	return out
}

// runeSet is a sorted list of inclusive ranges.
type runeSet [][2]rune

func (rs runeSet) contains(r rune) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i][1] >= r })
	return i < len(rs) && rs[i][0] <= r
}
