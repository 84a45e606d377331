package xtext_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"pregonero/adapters/x/xtext"
)

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		" \n",
		"¿Qué tal? ¡Mañana será otro día!",
		"Vea https://www.minsalud.gov.co/salud/publica?x=1&y=2, ¡ya!",
		"antioquia.gov.co/ruta y example.gob.co.",
		"http://あいうえお.com/パス http://xn--はじめよう.com",
		"👨\u200d👩\u200d👧\u200d👦 🇨🇴🇦🇦 👩🏽\u200d⚕\ufe0f #\ufe0f\u20e3 ©\ufe0f ❤\ufe0e",
		"http://t.co/abcdefghijklmnopqrstuvwxyz012345678901234 t.co/x",
		"http://en.wikipedia.org/wiki/Primer_(film)_(a(b)c)",
		"a-b_c.d-e.co_m foo.comm john.doe.gov@mail.com",
		"ABC\u202a\uffffABC\ufffe Aשּׁ A\u0301",
		"a\xffb\xe2\x82",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := xtext.Parse(text)
		if r.WeightedLength < 0 {
			t.Fatalf("Parse(%q).WeightedLength = %d, want >= 0", text, r.WeightedLength)
		}
		if want := r.WeightedLength * 1000 / xtext.MaxWeightedLength; r.Permillage != want {
			t.Errorf("Parse(%q).Permillage = %d, want %d", text, r.Permillage, want)
		}
		blank := strings.TrimFunc(text, func(r rune) bool { return r <= ' ' }) == ""
		if blank && r != (xtext.Result{ValidRangeEnd: -1}) {
			t.Errorf("Parse(%q) = %+v, want the blank result", text, r)
		}
		if !blank && r.WeightedLength < 1 {
			t.Errorf("Parse(%q).WeightedLength = %d, want at least 1 for a non-blank text", text, r.WeightedLength)
		}
		if r.Valid && (blank || r.WeightedLength > xtext.MaxWeightedLength) {
			t.Errorf("Parse(%q) = %+v, want invalid", text, r)
		}
		if got := xtext.WeightedLength(text); got != r.WeightedLength {
			t.Errorf("WeightedLength(%q) = %d, want Parse's %d", text, got, r.WeightedLength)
		}
		checkURLs(t, text)
		if !utf8.ValidString(text) || blank {
			return
		}

		// Appending a letter that no link absorbs, and that cannot join an
		// emoji sequence or compose with what precedes it, adds exactly one.
		nfc := norm.NFC.String(text)
		if slices.Equal(xtext.ExtractURLs(nfc), xtext.ExtractURLs(nfc+"a")) {
			if got := xtext.WeightedLength(text + "a"); got != r.WeightedLength+1 {
				t.Errorf("WeightedLength(%q + \"a\") = %d, want %d", text, got, r.WeightedLength+1)
			}
		}

		// A newline separates what links and emoji can span, so two
		// non-blank halves joined by one weigh their sum plus one. The
		// second half must start with ASCII: a leading accented letter is
		// both a valid link start and a valid character before a link, and
		// upstream then reads "áb.com" as "á" + link alone but as a single
		// link after a newline.
		half := len(text) / 2
		for half > 0 && !utf8.RuneStart(text[half]) {
			half--
		}
		a, b := text[:half], text[half:]
		if strings.TrimFunc(a, func(r rune) bool { return r <= ' ' }) == "" ||
			strings.TrimFunc(b, func(r rune) bool { return r <= ' ' }) == "" || b[0] >= utf8.RuneSelf {
			return
		}
		want := xtext.WeightedLength(a) + 1 + xtext.WeightedLength(b)
		if got := xtext.WeightedLength(a + "\n" + b); got != want {
			t.Errorf("WeightedLength(%q + \"\\n\" + %q) = %d, want %d", a, b, got, want)
		}
	})
}

// checkURLs verifies the shape of ExtractURLs' result: ordered,
// non-overlapping, in bounds and matching the text.
func checkURLs(t *testing.T, text string) {
	t.Helper()
	prevEnd := 0
	for i, u := range xtext.ExtractURLs(text) {
		if u.Start < prevEnd || u.End <= u.Start || u.End > len(text) {
			t.Fatalf("ExtractURLs(%q)[%d] = %+v, want an in-bounds span after %d", text, i, u, prevEnd)
		}
		if text[u.Start:u.End] != u.URL {
			t.Errorf("ExtractURLs(%q)[%d].URL = %q, want %q", text, i, u.URL, text[u.Start:u.End])
		}
		prevEnd = u.End
	}
}
