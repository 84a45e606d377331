package xtext

import (
	"strings"
	"testing"
)

func TestTLDTable_matchesUpstreamList(t *testing.T) {
	tlds := loadTLDs()
	// tld_lib.yml lists 1259 generic and 315 country domains, no duplicates.
	if got, want := len(tlds.rank), 1259+315; got != want {
		t.Errorf("loaded %d TLDs, want %d", got, want)
	}
	for tld, rank := range tlds.rank {
		for _, c := range []byte(tld) {
			if c < 0x80 && !('a' <= c && c <= 'z') {
				t.Errorf("TLD %q has ASCII byte %q, want lower-case letters only (matchTLD relies on it)", tld, c)
			}
		}
		if strings.Contains(tld, ".") || rank < 0 {
			t.Errorf("TLD %q has rank %d, want a dot-free label with a rank", tld, rank)
		}
	}
	if tlds.rank["com"] >= tlds.rank["co"] {
		t.Errorf("rank(com) = %d, rank(co) = %d, want generic domains ranked before country ones", tlds.rank["com"], tlds.rank["co"])
	}
}

func TestParseTLDLib_rejectsMalformedInput(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"item before any section", "- com\ngeneric:\n- net\ncountry:\n- co\n"},
		{"unknown line", "generic:\n- com\ncountry:\n- co\nfoo bar\n"},
		{"missing country list", "generic:\n- com\n"},
		{"empty item", "generic:\n- ''\ncountry:\n- co\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseTLDLib(tt.src); err == nil {
				t.Errorf("parseTLDLib(%q) = nil error, want an error", tt.src)
			}
		})
	}
}

func TestMatchTLD(t *testing.T) {
	tests := []struct {
		name     string
		s        string
		punycode bool
		want     int
	}{
		{"generic domain before a slash", "com/x", false, 3},
		{"upper-case domain", "COM", false, 3},
		{"country domain before a dot", "co.", false, 2},
		{"domain followed by a letter is no TLD", "comm", false, -1},
		{"domain followed by a hyphen is no TLD", "com-x", false, -1},
		{"domain followed by @ is no TLD", "gov@", false, -1},
		{"longest listed name wins", "嘉里大酒店です", false, len("嘉里大酒店")},
		{"shorter name when the longer is absent", "嘉里です", false, len("嘉里")},
		{"IDN domain followed by Japanese", "みんなです", false, len("みんな")},
		{"punycode when allowed", "xn--p1ai/", true, 8},
		{"punycode refused when not allowed", "xn--p1ai/", false, -1},
		{"unknown domain", "mundo", true, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchTLD(tt.s, 0, tt.punycode); got != tt.want {
				t.Errorf("matchTLD(%q, 0, %t) = %d, want %d", tt.s, tt.punycode, got, tt.want)
			}
		})
	}
}

func TestEmojiTables_sortedAndDisjoint(t *testing.T) {
	sets := map[string]runeSet{
		"roleObjects":          roleObjects,
		"genderedVariantBases": genderedVariantBases,
		"genderedBases":        genderedBases,
		"variantEmoji":         variantEmoji,
		"diversityVariants":    diversityVariants,
		"diversityEmoji":       diversityEmoji,
		"singleEmoji":          singleEmoji,
		"emojiStarts":          emojiStarts,
	}
	for name, set := range sets {
		for i, rg := range set {
			if rg[0] > rg[1] {
				t.Errorf("%s[%d] = %X, want lo <= hi", name, i, rg)
			}
			if i > 0 && set[i-1][1] >= rg[0] {
				t.Errorf("%s[%d] = %X overlaps or precedes %X, want sorted disjoint ranges", name, i, rg, set[i-1])
			}
		}
	}
}

func TestPunycodeLength_rfc3492Samples(t *testing.T) {
	tests := []struct {
		label   string
		encoded string
	}{
		{"bücher", "bcher-kva"},
		{"münchen", "mnchen-3ya"},
		{"他们为什么不说中文", "ihqwcrb4cv8a8dqg056pqjye"},
		{"そのスピードで", "d9juau41awczczp"},
		{"ليهمابتكلموشعربي؟", "egbpdaj6bu4bxfgehfvwxn"},
		{"☃", "n3h"},
	}
	for _, tt := range tests {
		t.Run(tt.encoded, func(t *testing.T) {
			got, ok := punycodeLength([]rune(tt.label))
			if !ok || got != len(tt.encoded) {
				t.Errorf("punycodeLength(%q) = %d, %t, want %d (%q), true", tt.label, got, ok, len(tt.encoded), tt.encoded)
			}
		})
	}
}

func TestIDNAASCIILength(t *testing.T) {
	tests := []struct {
		name   string
		host   string
		want   int
		wantOK bool
	}{
		{"ASCII host keeps its length", "www.Example.com", 15, true},
		{"non-ASCII label is punycoded", "bücher.de", len("xn--bcher-kva.de"), true},
		{"case is folded before encoding", "BÜCHER.de", len("xn--bcher-kva.de"), true},
		{"ideographic full stop separates labels", "例\u3002jp", len("xn--fsq.jp"), true},
		{"63-character label fits", strings.Repeat("a", 63) + ".com", 67, true},
		{"64-character label does not", strings.Repeat("a", 64) + ".com", 0, false},
		{"encoded label over 63 characters does not", strings.Repeat("あいうえおかきくけこ", 5) + "あいう.com", 0, false},
		{"encoded label of exactly 63 characters fits", strings.Repeat("あいうえおかきくけこ", 5) + "あい.com", 63 + len(".com"), true},
		{"ACE prefix with non-ASCII is refused", "xn--はじめよう.com", 0, false},
		{"empty label is refused", "例\u3002.com", 0, false},
		{"mixed right-to-left and left-to-right label is refused", "مثالa.com", 0, false},
		{"right-to-left label is accepted", "پاکستان.com", len("xn--mgbai9azgqp6j.com"), true},
		{"prohibited control character is refused", "a\u0085b.com", 0, false},
		{"zero-width joiner maps to nothing", "ab\u200dc.com", len("abc.com"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := idnaASCIILength(tt.host)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("idnaASCIILength(%q) = %d, %t, want %d, %t", tt.host, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestExtractURLs_memoizedScanAgrees runs texts whose scan stays within the
// work budget and the same texts forced past it: switching the memo tables
// on must not change which links are found.
func TestExtractURLs_memoizedScanAgrees(t *testing.T) {
	texts := []string{
		"www.foo.co.uk a-b.c_d.e-f.com sub_domain-dash.twitter.com foo.comm x.y.z.jp",
		"a-a-a-a.b-b.c.com __a.com a__b.com a.b_c.com a_b.c.com",
		"http://ex_ample.com/path https://t.co/abc?x=1 test.tar.bz2 a.b.c.d.e.f.g.h.i.com",
	}
	for _, text := range texts {
		plain := newURLScanner(text)
		gotPlain := plain.extract()
		memo := newURLScanner(text)
		memo.budget = -1
		gotMemo := memo.extract()
		if plain.labels != nil || memo.labels == nil {
			t.Fatalf("memo tables: plain scan has %v, forced scan has %v; want none and some", plain.labels != nil, memo.labels != nil)
		}
		if len(gotPlain) != len(gotMemo) {
			t.Fatalf("%q: %d links without memo, %d with", text, len(gotPlain), len(gotMemo))
		}
		for i := range gotPlain {
			if gotPlain[i] != gotMemo[i] {
				t.Errorf("%q: link %d = %v without memo, %v with", text, i, gotPlain[i], gotMemo[i])
			}
		}
	}
}
