package xtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// URL is a link found by ExtractURLs.
type URL struct {
	// Start and End are the byte offsets of the link in the text that was
	// given to ExtractURLs.
	Start int `json:"start"`
	End   int `json:"end"`
	// URL is the link as written, text[Start:End].
	URL string `json:"url"`
}

// ExtractURLs returns, in order, the links that X replaces with a t.co link
// (and so counts as 23 characters), found the way the twitter-text extractor
// finds them: with or without an http(s) scheme, with a known top-level
// domain, stopping before trailing punctuation. Parse normalizes text to NFC
// first; pass NFC text to get the same links.
func ExtractURLs(text string) []URL {
	spans := extractURLs(text)
	if len(spans) == 0 {
		return nil
	}
	urls := make([]URL, len(spans))
	for i, sp := range spans {
		urls[i] = URL{Start: sp.start, End: sp.end, URL: text[sp.start:sp.end]}
	}
	return urls
}

// Limits enforced by the upstream extractor (Extractor.java).
const (
	maxURLLength      = 4096
	maxTCOSlugLength  = 40
	assumedSchemeLen  = len("https://")
	maxDNSLabelLength = 63
)

// span is a half-open byte range.
type span struct{ start, end int }

// extractURLs is a hand-written equivalent of twitter-text's VALID_URL
// pattern driven by Extractor.extractURLsWithIndices. A backtracking regular
// expression with this many alternatives would be far too slow, and Go's
// regexp has no look-around, so each part of the upstream expression is
// matched by a function below that reproduces its first (leftmost, highest
// priority) match. Scanning resumes at the end of every match, kept or not,
// exactly like Matcher.find.
func extractURLs(s string) []span {
	// The upstream shortcut: without a dot there can be no domain.
	if strings.IndexByte(s, '.') < 0 {
		return nil
	}
	return newURLScanner(s).extract()
}

// extract runs Matcher.find over the whole text.
func (x *urlScanner) extract() []span {
	s := x.s
	var out []span
	for p := 0; p < len(s); {
		if c := s[p]; isASCIIAlnum(rune(c)) && p > 0 {
			// Neither a preceding character nor the start of the text.
			p++
			continue
		}
		r, size := decodeAt(s, p)
		end := -1
		// URL_VALID_PRECEDING_CHARS: one allowed character, else ^.
		if precedesURL(r) && x.mayStartDomain(p+size) {
			end = x.match(p+size, r, &out)
		}
		if end < 0 && p == 0 {
			end = x.match(0, noRune, &out)
		}
		if end > p {
			p = end
			continue
		}
		p += size
	}
	return out
}

// noRune stands for an empty "preceding character" group.
const noRune rune = -1

// urlScanner holds the text and the memo tables that keep the scan linear.
// The upstream expression takes quadratic time on inputs such as "a-a-a-…"
// or "a.a.a.…", where every position starts an attempt that rescans the
// same labels. Ordinary text never comes close, so the tables are only
// allocated once the scanning work exceeds a few times the text length;
// from then on each label run and subdomain chain is computed once.
type urlScanner struct {
	s string
	// work counts bytes scanned for labels and links followed in subdomain
	// chains; past budget the memo tables are switched on.
	work, budget int
	// Indexed by byte offset, 0 meaning not computed. labels holds
	// 2*end+underscore+2 for the run of label characters starting there;
	// chains holds the ASCII domain end starting there plus 2.
	labels, chains []int
}

func newURLScanner(s string) *urlScanner {
	return &urlScanner{s: s, budget: 4*len(s) + 256}
}

// spend records work and switches the memo tables on past the budget.
func (x *urlScanner) spend(n int) {
	x.work += n
	if x.labels == nil && x.work > x.budget {
		x.labels = make([]int, len(x.s)+1)
		x.chains = make([]int, len(x.s)+1)
	}
}

// match tries the URL group at byte q, after the preceding character before.
// It returns the end of the whole match, or -1 when the expression does not
// match there. A match that the extractor then discards (no scheme after
// "-_./", an overlong t.co slug, an invalid host) still ends the attempt, as
// upstream. Accepted links are appended to out.
func (x *urlScanner) match(q int, before rune, out *[]span) int {
	s := x.s
	if q >= len(s) {
		return -1
	}
	schemeLen := 0
	if c := s[q]; c == 'h' || c == 'H' {
		if hasPrefixFoldASCII(s[q:], "https://") {
			schemeLen = len("https://")
		} else if hasPrefixFoldASCII(s[q:], "http://") {
			schemeLen = len("http://")
		}
	}
	hostStart := q + schemeLen
	hostEnd := x.domain(hostStart)
	if hostEnd < 0 && schemeLen > 0 {
		// (https?://)? is optional: retry with the scheme read as a domain.
		schemeLen, hostStart = 0, q
		hostEnd = x.domain(q)
	}
	if hostEnd < 0 {
		return -1
	}
	end := hostEnd
	// (?::([0-9]++))?
	if end < len(s) && s[end] == ':' {
		k := end + 1
		for k < len(s) && isASCIIDigit(rune(s[k])) {
			k++
		}
		if k > end+1 {
			end = k
		}
	}
	// (/URL_VALID_PATH*+)?
	if end < len(s) && s[end] == '/' {
		end = pathEnd(s, end+1)
	}
	// (\?QUERY_CHARS*QUERY_ENDING_CHARS)?
	if end < len(s) && s[end] == '?' {
		if k := queryEnd(s, end+1); k >= 0 {
			end = k
		}
	}
	matchEnd := end

	if schemeLen == 0 && (before == '-' || before == '_' || before == '.' || before == '/') {
		return matchEnd
	}
	urlEnd := matchEnd
	if schemeLen > 0 {
		if n, slug, ok := matchTCO(s[q:matchEnd]); ok {
			if slug > maxTCOSlugLength {
				return matchEnd
			}
			urlEnd = q + n
		}
	}
	if !validHostAndLength(s[q:urlEnd], schemeLen > 0, s[hostStart:hostEnd]) {
		return matchEnd
	}
	*out = append(*out, span{q, urlEnd})
	return matchEnd
}

// mayStartDomain is a cheap necessary condition for match at q: both
// domain alternatives (and the scheme) start with a URL_VALID_CHARS
// character, except the one that follows "http://" or "https://".
func (x *urlScanner) mayStartDomain(q int) bool {
	r, _ := decodeAt(x.s, q)
	return isURLChar(r) || (r != noRune && followsScheme(x.s, q))
}

// domain matches URL_VALID_DOMAIN at byte q and returns its end, or -1. Of the
// four upstream alternatives only two can ever be the first to match: the
// ASCII one (subdomains, a domain name and a generic, country or punycode
// TLD) and, right after "http://" or "https://", a single label of any
// non-punctuation characters followed by a generic or country TLD. The other
// two (domain name plus country TLD, with a scheme or before '/') are subsumed
// by the first one.
func (x *urlScanner) domain(q int) int {
	if e := x.asciiDomain(q); e >= 0 {
		return e
	}
	if followsScheme(x.s, q) {
		return x.unicodeDomain(q)
	}
	return -1
}

// chainLink is one subdomain label of a chain: where it starts, where the
// next one starts, and whether it may also serve as the domain name.
type chainLink struct {
	pos, next int
	name      bool
}

// asciiDomain matches SUBDOMAIN* DOMAIN_NAME (GTLD|CCTLD|PUNYCODE). The greedy
// star gives back one subdomain at a time, so the result is the last position
// in the chain of subdomain labels where a domain name and a TLD match.
func (x *urlScanner) asciiDomain(q int) int {
	var buf [8]chainLink
	chain := buf[:0]
	res := -1
	for p := q; ; {
		if x.chains != nil {
			if v := x.chains[p]; v != 0 {
				res = v - 2
				break
			}
		}
		x.spend(1)
		next, underscore, ok := x.label(p)
		if !ok {
			// Not a subdomain, hence not a domain name either.
			if x.chains != nil {
				x.chains[p] = 1
			}
			break
		}
		chain = append(chain, chainLink{p, next, !underscore})
		p = next
	}
	for k := len(chain) - 1; k >= 0; k-- {
		if res < 0 && chain[k].name {
			res = matchTLD(x.s, chain[k].next, true)
		}
		if x.chains != nil {
			x.chains[chain[k].pos] = res + 2
		}
	}
	return res
}

// label matches a dot-terminated label of URL_VALID_CHARS, '-' and '_' that
// neither starts nor ends with '-' or '_', and returns the offset after the
// dot. That is URL_VALID_SUBDOMAIN, (?>(?:C[C\-_]*)?C\.); the label is also a
// URL_VALID_DOMAIN_NAME, (?:(?:C[C\-]*)?C\.), exactly when it has no
// underscore. The run of allowed characters is maximal and the dot is not
// part of it, so both expressions have a single possible match.
func (x *urlScanner) label(p int) (next int, underscore, ok bool) {
	s := x.s
	if r, _ := decodeAt(s, p); !isURLChar(r) {
		return 0, false, false
	}
	e, underscore := x.run(p)
	if last, _ := utf8.DecodeLastRuneInString(s[:e]); !isURLChar(last) {
		return 0, false, false
	}
	if e >= len(s) || s[e] != '.' {
		return 0, false, false
	}
	return e + 1, underscore, true
}

// run returns the end of the maximal run of URL_VALID_CHARS, '-' and '_'
// starting at p, and whether it contains '_'. A maximal run ends at the same
// place from any of its positions, so a memoized scan fills them all.
func (x *urlScanner) run(p int) (int, bool) {
	if x.labels != nil {
		if v := x.labels[p]; v != 0 {
			return (v - 2) / 2, (v-2)%2 == 1
		}
	}
	s := x.s
	e, lastUnderscore := p, -1
	for e < len(s) {
		r, n := decodeAt(s, e)
		if r == '_' {
			lastUnderscore = e
		} else if !isURLChar(r) && r != '-' {
			break
		}
		e += n
	}
	x.spend(e - p + 1)
	if x.labels != nil {
		for k := p; k < e; {
			v := 2 * e
			if k <= lastUnderscore {
				v++
			}
			x.labels[k] = v + 2
			_, n := decodeAt(s, k)
			k += n
		}
	}
	return e, lastUnderscore >= p
}

// unicodeDomain matches (?:(?:U[U\-]*)?U\.)(?:GTLD|CCTLD), the alternative
// reserved to links with a scheme.
func (x *urlScanner) unicodeDomain(q int) int {
	s := x.s
	if r, _ := decodeAt(s, q); !isUnicodeDomainChar(r) {
		return -1
	}
	e := q
	for e < len(s) {
		r, n := decodeAt(s, e)
		if !isUnicodeDomainChar(r) && r != '-' {
			break
		}
		e += n
	}
	if last, _ := utf8.DecodeLastRuneInString(s[:e]); !isUnicodeDomainChar(last) {
		return -1
	}
	if e >= len(s) || s[e] != '.' {
		return -1
	}
	return matchTLD(s, e+1, false)
}

// followsScheme is the look-behind (?<=https?://).
func followsScheme(s string, q int) bool {
	return hasSuffixFoldASCII(s[:q], "http://") || hasSuffixFoldASCII(s[:q], "https://")
}

// pathEnd returns where the path that starts after the '/' at i-1 ends.
//
// Upstream builds URL_VALID_PATH by pasting URL_VALID_PATH_ENDING_CHARS,
// itself "[…]|(?:BALANCED_PARENS)", without parentheses, so the pattern
// repeated possessively after the '/' is really three alternatives:
//
//	G* (BALANCED_PARENS G*)* [ENDING] | BALANCED_PARENS | @G+/
//
// The first one ends at the last ending character found in the runs of path
// characters of the longest sequence of runs and balanced parenthesis groups
// (the contents of a group are never candidates). Later repetitions can only
// add the balanced groups that directly follow that point, one at a time,
// through the second alternative. The third can never be the first to match,
// since '@' and '/' are themselves path characters.
func pathEnd(s string, i int) int {
	end := i
	for j := i; j < len(s); {
		r, n := decodeAt(s, j)
		if isPathChar(r) {
			j += n
			if isPathEndChar(r) {
				end = j
			}
			continue
		}
		if r == '(' {
			if k := balancedParens(s, j); k >= 0 {
				j = k
				continue
			}
		}
		break
	}
	for end < len(s) && s[end] == '(' {
		k := balancedParens(s, end)
		if k < 0 {
			break
		}
		end = k
	}
	return end
}

// balancedParens matches \((?:G+|G*\(G+\)G*)\) at the '(' at byte i.
func balancedParens(s string, i int) int {
	k := pathRunEnd(s, i+1)
	if k >= len(s) {
		return -1
	}
	if s[k] == ')' && k > i+1 {
		return k + 1
	}
	if s[k] != '(' {
		return -1
	}
	m := pathRunEnd(s, k+1)
	if m == k+1 || m >= len(s) || s[m] != ')' {
		return -1
	}
	e := pathRunEnd(s, m+1)
	if e >= len(s) || s[e] != ')' {
		return -1
	}
	return e + 1
}

func pathRunEnd(s string, i int) int {
	for i < len(s) {
		r, n := decodeAt(s, i)
		if !isPathChar(r) {
			break
		}
		i += n
	}
	return i
}

// queryEnd matches QUERY_CHARS* QUERY_ENDING_CHARS after a '?' and returns
// its end (after the last ending character of the run), or -1.
func queryEnd(s string, i int) int {
	end := -1
	for i < len(s) && s[i] < utf8.RuneSelf && isQueryChar(s[i]) {
		i++
		if isQueryEndChar(s[i-1]) {
			end = i
		}
	}
	return end
}

// matchTCO matches ^https?://t\.co/([a-z0-9]+)(?:\?QUERY)? against a link and
// returns the length of the match and of the slug. Upstream trims t.co links
// to this match and drops those with a slug longer than 40 characters.
func matchTCO(u string) (n, slug int, ok bool) {
	switch {
	case hasPrefixFoldASCII(u, "https://t.co/"):
		n = len("https://t.co/")
	case hasPrefixFoldASCII(u, "http://t.co/"):
		n = len("http://t.co/")
	default:
		return 0, 0, false
	}
	k := n
	for k < len(u) && isASCIIAlnum(rune(u[k])) {
		k++
	}
	if k == n {
		return 0, 0, false
	}
	slug = k - n
	if k < len(u) && u[k] == '?' {
		if e := queryEnd(u, k+1); e >= 0 {
			k = e
		}
	}
	return k, slug, true
}

// validHostAndLength is Extractor.isValidHostAndLength: the host must survive
// IDNA ToASCII and the link, measured in UTF-16 units with its host in
// ASCII form and a scheme assumed when it has none, must fit in 4096.
func validHostAndLength(url string, hasScheme bool, host string) bool {
	asciiLen, ok := idnaASCIILength(host)
	if !ok {
		return false
	}
	n := utf16Len(url) + asciiLen - utf16Len(host)
	if !hasScheme {
		n += assumedSchemeLen
	}
	return n <= maxURLLength
}

// precedesURL is the character class [^a-z0-9@＠$#＃\uFFFE\uFEFF\uFFFF] (case
// insensitive) of URL_VALID_PRECEDING_CHARS; its directional-mark alternative
// is a subset of it.
func precedesURL(r rune) bool {
	switch r {
	case '@', '＠', '$', '#', '＃', 0xFFFE, 0xFEFF, 0xFFFF:
		return false
	}
	return !isASCIIAlnum(r)
}

// isURLChar is URL_VALID_CHARS: ASCII letters and digits and the Latin
// accented letters and combining marks of LATIN_ACCENTS_CHARS.
func isURLChar(r rune) bool {
	return isASCIIAlnum(r) || isLatinAccent(r)
}

func isLatinAccent(r rune) bool {
	switch {
	case r < 0xC0:
		return false
	case r <= 0xFF:
		return r != 0xD7 && r != 0xF7
	case r <= 0x24F:
		return true
	case r <= 0x28B:
		switch r {
		case 0x253, 0x254, 0x256, 0x257, 0x259, 0x25B, 0x263, 0x268, 0x26F, 0x272, 0x289, 0x28B:
			return true
		}
		return false
	case r == 0x2BB:
		return true
	case 0x300 <= r && r <= 0x36F:
		return true
	case 0x1E00 <= r && r <= 0x1EFF:
		return true
	}
	return false
}

func isCyrillic(r rune) bool { return 0x400 <= r && r <= 0x4FF }

// isPathChar is URL_VALID_GENERAL_PATH_CHARS.
func isPathChar(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(r) || strings.ContainsRune("!*';:=+,.$/%#[]-_~|&@", r)
	}
	return r == 0x2013 || isLatinAccent(r) || isCyrillic(r)
}

// isPathEndChar is the character class of URL_VALID_PATH_ENDING_CHARS.
func isPathEndChar(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(r) || strings.ContainsRune("=_#/-+", r)
	}
	return isLatinAccent(r) || isCyrillic(r)
}

// isQueryChar is URL_VALID_URL_QUERY_CHARS.
func isQueryChar(c byte) bool {
	return isASCIIAlnum(rune(c)) || strings.IndexByte("!?*'();:&=+$/%#[]-_.,~|@", c) >= 0
}

// isQueryEndChar is URL_VALID_URL_QUERY_ENDING_CHARS.
func isQueryEndChar(c byte) bool {
	return isASCIIAlnum(rune(c)) || strings.IndexByte("-_&=#/", c) >= 0
}

// isUnicodeDomainChar is URL_VALID_UNICODE_CHARS: anything but ASCII
// punctuation (except the backslash, absent from the upstream list), Java's
// \s, Unicode separators and the General Punctuation block.
func isUnicodeDomainChar(r rune) bool {
	if r < utf8.RuneSelf {
		switch r {
		case ' ', '\t', '\n', '\v', '\f', '\r':
			return false
		}
		return !strings.ContainsRune("-_!\"#$%&'()*+,./:;<=>?@[]^`{|}~", r)
	}
	return !(unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp) || (0x2000 <= r && r <= 0x206F))
}

func isASCIIDigit(r rune) bool  { return '0' <= r && r <= '9' }
func isASCIILetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }
func isASCIIAlnum(r rune) bool  { return isASCIIDigit(r) || isASCIILetter(r) }

// decodeAt decodes the rune at byte i; past the end it returns noRune.
func decodeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return noRune, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

func hasPrefixFoldASCII(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFoldASCII(s[:len(prefix)], prefix)
}

func hasSuffixFoldASCII(s, suffix string) bool {
	return len(s) >= len(suffix) && equalFoldASCII(s[len(s)-len(suffix):], suffix)
}

// equalFoldASCII compares s with a lower-case ASCII string, folding only the
// ASCII letters of s.
func equalFoldASCII(s, lower string) bool {
	for i := 0; i < len(lower); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// utf16Len is the length of s in UTF-16 code units, the unit of every
// length and index in twitter-text.
func utf16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n += runeUTF16Len(r)
		i += size
	}
	return n
}

func runeUTF16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}
