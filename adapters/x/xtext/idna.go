package xtext

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

// idnaASCIILength returns the length of host after IDNA2003 ToASCII with
// unassigned code points allowed, as java.net.IDN.toASCII computes it for the
// upstream extractor, and false where that call throws: an empty label, a
// label longer than 63 characters once encoded, a non-ASCII label that starts
// with the ACE prefix or that nameprep rejects.
func idnaASCIILength(host string) (int, bool) {
	total := 0
	for n := 0; ; n++ {
		i := indexLabelSeparator(host)
		label := host
		if i >= 0 {
			label = host[:i]
		}
		l, ok := idnaLabelLength(label)
		if !ok {
			return 0, false
		}
		if n > 0 {
			total++ // the separator, written as '.'
		}
		total += l
		if i < 0 {
			return total, true
		}
		_, size := utf8.DecodeRuneInString(host[i:])
		host = host[i+size:]
	}
}

// indexLabelSeparator finds the first label separator java.net.IDN knows:
// full stop, ideographic, fullwidth and halfwidth ideographic full stops.
func indexLabelSeparator(s string) int {
	return strings.IndexFunc(s, func(r rune) bool {
		return r == '.' || r == '\u3002' || r == '\uFF0E' || r == '\uFF61'
	})
}

func idnaLabelLength(label string) (int, bool) {
	if label == "" {
		return 0, false
	}
	n := len(label)
	if !isASCII(label) {
		prepped, ok := nameprep(label)
		if !ok || prepped == "" {
			return 0, false
		}
		n = len(prepped)
		if !isASCII(prepped) {
			if hasPrefixFoldASCII(prepped, "xn--") {
				return 0, false
			}
			enc, ok := punycodeLength([]rune(prepped))
			if !ok {
				return 0, false
			}
			n = len("xn--") + enc
		}
	}
	return n, n <= maxDNSLabelLength
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// nameprep applies the RFC 3491 profile of stringprep: characters commonly
// mapped to nothing are removed, case is folded, the result is normalized to
// NFKC, then prohibited characters and the bidirectional rule are checked.
// Code points unassigned in Unicode 3.2 are allowed, as upstream allows them.
// Bidirectional classes come from current Unicode data, defaults for
// unassigned code points included, as in the JDK's StringPrep; case folding
// and NFKC also use current data where the JDK uses Unicode 3.2, which can
// only change the encoded length of labels with characters added since.
func nameprep(label string) (string, bool) {
	mapped := strings.Map(func(r rune) rune {
		if mapsToNothing(r) {
			return -1
		}
		return r
	}, label)
	mapped = norm.NFKC.String(cases.Fold().String(mapped))
	hasRandAL, hasL := false, false
	for _, r := range mapped {
		if nameprepProhibited(r) {
			return "", false
		}
		switch bidiClass(r) {
		case bidi.R, bidi.AL:
			hasRandAL = true
		case bidi.L:
			hasL = true
		}
	}
	if hasRandAL {
		first, _ := utf8.DecodeRuneInString(mapped)
		last, _ := utf8.DecodeLastRuneInString(mapped)
		if hasL || !isRandAL(first) || !isRandAL(last) {
			return "", false
		}
	}
	return mapped, true
}

func bidiClass(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	return p.Class()
}

func isRandAL(r rune) bool {
	c := bidiClass(r)
	return c == bidi.R || c == bidi.AL
}

// mapsToNothing is RFC 3454 table B.1.
func mapsToNothing(r rune) bool {
	switch r {
	case 0x00AD, 0x034F, 0x1806, 0x180B, 0x180C, 0x180D, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF:
		return true
	}
	return 0xFE00 <= r && r <= 0xFE0F
}

// nameprepProhibited covers the RFC 3454 tables RFC 3491 prohibits: C.1.2,
// C.2.2, C.3, C.4, C.5, C.6, C.7, C.8 and C.9.
func nameprepProhibited(r rune) bool {
	switch {
	case r == 0x00A0, r == 0x1680, 0x2000 <= r && r <= 0x200B, r == 0x202F, r == 0x205F, r == 0x3000: // C.1.2
		return true
	case 0x0080 <= r && r <= 0x009F, r == 0x06DD, r == 0x070F, r == 0x180E, r == 0x200C, r == 0x200D,
		r == 0x2028, r == 0x2029, 0x2060 <= r && r <= 0x2063, 0x206A <= r && r <= 0x206F, r == 0xFEFF,
		0x1D173 <= r && r <= 0x1D17A: // C.2.2
		return true
	case 0xE000 <= r && r <= 0xF8FF, 0xF0000 <= r && r <= 0xFFFFD, 0x100000 <= r && r <= 0x10FFFD: // C.3
		return true
	case 0xFDD0 <= r && r <= 0xFDEF, r&0xFFFE == 0xFFFE: // C.4
		return true
	case 0xD800 <= r && r <= 0xDFFF: // C.5
		return true
	case 0xFFF9 <= r && r <= 0xFFFD: // C.6
		return true
	case 0x2FF0 <= r && r <= 0x2FFB: // C.7
		return true
	case r == 0x0340, r == 0x0341, r == 0x200E, r == 0x200F, 0x202A <= r && r <= 0x202E: // C.8
		return true
	case r == 0xE0001, 0xE0020 <= r && r <= 0xE007F: // C.9
		return true
	}
	return false
}

// punycodeLength returns the length of the RFC 3492 encoding of label, or
// false on overflow.
func punycodeLength(label []rune) (int, bool) {
	const (
		base        = 36
		tMin        = 1
		tMax        = 26
		skew        = 38
		damp        = 700
		initialBias = 72
		initialN    = 128
		maxInt      = int(^uint32(0) >> 1)
	)
	adapt := func(delta, numPoints int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / numPoints
		k := 0
		for delta > ((base-tMin)*tMax)/2 {
			delta /= base - tMin
			k += base
		}
		return k + (base-tMin+1)*delta/(delta+skew)
	}

	out, basic := 0, 0
	for _, r := range label {
		if r < 0x80 {
			basic++
		}
	}
	out = basic
	if basic > 0 {
		out++ // delimiter
	}
	n, delta, bias := initialN, 0, initialBias
	for h := basic; h < len(label); {
		m := maxInt
		for _, r := range label {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		if m-n > (maxInt-delta)/(h+1) {
			return 0, false
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range label {
			if int(r) < n {
				delta++
				if delta > maxInt-1 {
					return 0, false
				}
			}
			if int(r) != n {
				continue
			}
			q := delta
			for k := base; ; k += base {
				t := k - bias
				if t < tMin {
					t = tMin
				} else if t > tMax {
					t = tMax
				}
				if q < t {
					break
				}
				out++
				q = (q - t) / (base - t)
			}
			out++
			bias = adapt(delta, h+1, h == basic)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return out, true
}
