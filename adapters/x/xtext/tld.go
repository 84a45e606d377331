package xtext

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed tld_lib.yml
var tldLibYAML string

// tldTable maps a lower-case top-level domain to its rank: the position of
// its alternative in the upstream expression, generic domains first. When
// several domains match at the same place the lowest rank wins, as the first
// matching alternative of a regular expression would.
type tldTable struct {
	rank     map[string]int
	maxRunes int
}

var loadTLDs = sync.OnceValue(func() *tldTable {
	t, err := parseTLDLib(tldLibYAML)
	if err != nil {
		// The file is embedded at build time and covered by tests, so a
		// failure here is a build defect, not a run-time condition.
		panic(err)
	}
	return t
})

// parseTLDLib reads the small YAML subset used by tld_lib.yml: two top-level
// keys, each holding a list of scalars, some of them single-quoted.
func parseTLDLib(src string) (*tldTable, error) {
	lists := map[string][]string{}
	section := ""
	for n, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, " \r")
		switch {
		case line == "" || line == "---" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "- "):
			if section == "" {
				return nil, fmt.Errorf("parse tld list: line %d: item outside a section", n+1)
			}
			item := strings.Trim(strings.TrimSpace(line[2:]), "'\"")
			if item == "" {
				return nil, fmt.Errorf("parse tld list: line %d: empty item", n+1)
			}
			lists[section] = append(lists[section], item)
		case strings.HasSuffix(line, ":") && !strings.Contains(line, " "):
			section = strings.TrimSuffix(line, ":")
		default:
			return nil, fmt.Errorf("parse tld list: line %d: unexpected %q", n+1, line)
		}
	}
	generic, country := lists["generic"], lists["country"]
	if len(generic) == 0 || len(country) == 0 {
		return nil, fmt.Errorf("parse tld list: want generic and country lists, got %d and %d entries", len(generic), len(country))
	}
	t := &tldTable{rank: make(map[string]int, len(generic)+len(country))}
	for _, tld := range append(generic, country...) {
		tld = asciiLower(tld)
		if _, dup := t.rank[tld]; !dup {
			t.rank[tld] = len(t.rank)
		}
		if n := utf8.RuneCountInString(tld); n > t.maxRunes {
			t.maxRunes = n
		}
	}
	return t, nil
}

// asciiLower folds only ASCII letters, like a Java pattern compiled with
// CASE_INSENSITIVE but without UNICODE_CASE.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// tldEndsHere reports whether a top-level domain may end at byte i of s: the
// upstream expression requires the next character not to be an ASCII letter
// or digit, '@', '+' or '-'.
func tldEndsHere(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	c := s[i]
	return !(isASCIIAlnum(rune(c)) || c == '@' || c == '+' || c == '-')
}

// matchTLD returns the end of the top-level domain starting at byte i of s, or
// -1. It mirrors (?:GTLD|CCTLD) and, when punycode is set, the further
// alternative xn--[-0-9a-z]+.
func matchTLD(s string, i int, punycode bool) int {
	t := loadTLDs()
	var buf [96]byte
	best, bestRank := -1, len(t.rank)
	j := i
	for n := 0; n < t.maxRunes && j < len(s); n++ {
		r, size := utf8.DecodeRuneInString(s[j:])
		if r < utf8.RuneSelf && !isASCIILetter(r) {
			// Every listed domain is made of letters only.
			break
		}
		j += size
		if !tldEndsHere(s, j) || j-i > len(buf) {
			continue
		}
		key := buf[:j-i]
		copy(key, s[i:j])
		for k, c := range key {
			if 'A' <= c && c <= 'Z' {
				key[k] = c + 'a' - 'A'
			}
		}
		if rank, ok := t.rank[string(key)]; ok && rank < bestRank {
			best, bestRank = j, rank
		}
	}
	if best >= 0 || !punycode {
		return best
	}
	if hasPrefixFoldASCII(s[i:], "xn--") {
		j := i + 4
		for j < len(s) && (isASCIIAlnum(rune(s[j])) || s[j] == '-') {
			j++
		}
		if j > i+4 {
			return j
		}
	}
	return -1
}
