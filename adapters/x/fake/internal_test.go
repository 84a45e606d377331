package fake

import (
	"net/url"
	"strings"
	"testing"
)

func FuzzParseOAuthHeader(f *testing.F) {
	f.Add(`oauth_consumer_key="sandbox", oauth_nonce="a%2Bb", oauth_signature="x%3D"`)
	f.Add(`realm="x",oauth_token="sandbox-ana"`)
	f.Add(`a="`)
	f.Fuzz(func(t *testing.T, s string) {
		params, err := parseOAuthHeader(s)
		if err != nil {
			return
		}
		// What parses must survive a round trip through the encoding
		// clients use.
		var parts []string
		for k, vs := range params {
			for _, v := range vs {
				parts = append(parts, percentEncode(k)+`="`+percentEncode(v)+`"`)
			}
		}
		again, err := parseOAuthHeader(strings.Join(parts, ", "))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", parts, err)
		}
		if !equalValues(params, again) {
			t.Fatalf("round trip changed %v into %v", params, again)
		}
	})
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb := b[k]
		if len(va) != len(vb) {
			return false
		}
		seen := map[string]int{}
		for _, v := range va {
			seen[v]++
		}
		for _, v := range vb {
			seen[v]--
		}
		for _, n := range seen {
			if n != 0 {
				return false
			}
		}
	}
	return true
}

func FuzzRenderText(f *testing.F) {
	f.Add("Vea https://example.com/a?b=1&c=2 <b>ya</b> & más", true)
	f.Add("", true)
	f.Add("http://", false)
	f.Fuzz(func(t *testing.T, text string, withMedia bool) {
		var attached []*media
		if withMedia {
			attached = []*media{{key: "3_1"}}
		}
		out, ents := renderText("1234567890123456789", "u", text, attached)
		runes := []rune(out)
		for _, e := range ents {
			if e.Start < 0 || e.End > len(runes) || string(runes[e.Start:e.End]) != e.URL {
				t.Fatalf("entity %+v does not point at its link in %q", e, out)
			}
		}
		if strings.ContainsAny(out, "<>") {
			t.Fatalf("unescaped angle bracket in %q", out)
		}
		if strings.Contains(strings.NewReplacer("&amp;", "", "&lt;", "", "&gt;", "").Replace(out), "&") {
			t.Fatalf("bare ampersand in %q", out)
		}
		if withMedia && !strings.Contains(out, "https://t.co/") {
			t.Fatalf("media post without a t.co link: %q", out)
		}
	})
}
