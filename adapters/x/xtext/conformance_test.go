package xtext_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"pregonero/adapters/x/xtext"
)

// mustLoadYAML decodes a fixture from testdata into v.
func mustLoadYAML(tb testing.TB, name string, v any) {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatalf("read fixture: %v", err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
}

type weightedCase struct {
	Description string `yaml:"description"`
	Text        string `yaml:"text"`
	Expected    struct {
		WeightedLength int  `yaml:"weightedLength"`
		Valid          bool `yaml:"valid"`
		Permillage     int  `yaml:"permillage"`
		ValidRangeEnd  int  `yaml:"validRangeEnd"`
	} `yaml:"expected"`
}

func TestParse_conformance(t *testing.T) {
	var fixture struct {
		Tests map[string][]weightedCase `yaml:"tests"`
	}
	mustLoadYAML(t, "validate.yml", &fixture)
	sections := []string{"WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest"}
	total := 0
	for _, section := range sections {
		cases := fixture.Tests[section]
		total += len(cases)
		for _, tc := range cases {
			t.Run(section+"/"+tc.Description, func(t *testing.T) {
				got := xtext.Parse(tc.Text)
				want := xtext.Result{
					WeightedLength: tc.Expected.WeightedLength,
					Valid:          tc.Expected.Valid,
					Permillage:     tc.Expected.Permillage,
					ValidRangeEnd:  tc.Expected.ValidRangeEnd,
				}
				if got != want {
					t.Errorf("Parse(%q) = %+v, want %+v", tc.Text, got, want)
				}
			})
		}
	}
	if total < 20 {
		t.Fatalf("ran %d fixture cases, want the full set of at least 20", total)
	}
}

// TestParse_longLinksWithInvalidLabels rebuilds the one upstream case too big
// for the fixture file: three 4,000-character links whose single label is
// far longer than 63 characters, so none of them is a link and every
// character counts, followed by a short valid link.
func TestParse_longLinksWithInvalidLabels(t *testing.T) {
	long := "https://" + strings.Repeat("somesuperlongurl", 249) + ".com/foo"
	text := "Long url with invalid domain labels and a short url: " +
		long + " " + long + " " + long + " https://validurl.com"
	if got := len(text); got != 12076 {
		t.Fatalf("rebuilt text has %d characters, want the upstream 12076", got)
	}
	got := xtext.Parse(text)
	want := xtext.Result{WeightedLength: 12079, Valid: false, Permillage: 43139, ValidRangeEnd: 279}
	if got != want {
		t.Errorf("Parse = %+v, want %+v", got, want)
	}
}

type urlCase struct {
	Description string `yaml:"description"`
	Text        string `yaml:"text"`
	Expected    []string
}

type urlIndexCase struct {
	Description string `yaml:"description"`
	Text        string `yaml:"text"`
	Expected    []struct {
		URL     string `yaml:"url"`
		Indices [2]int `yaml:"indices"`
	} `yaml:"expected"`
}

func TestExtractURLs_conformance(t *testing.T) {
	var fixture struct {
		Tests struct {
			URLs        []urlCase      `yaml:"urls"`
			WithIndices []urlIndexCase `yaml:"urls_with_indices"`
		} `yaml:"tests"`
	}
	mustLoadYAML(t, "extract.yml", &fixture)
	if n := len(fixture.Tests.URLs) + len(fixture.Tests.WithIndices); n < 90 {
		t.Fatalf("loaded %d fixture cases, want the full set of at least 90", n)
	}
	for _, tc := range fixture.Tests.URLs {
		t.Run(tc.Description, func(t *testing.T) {
			got := []string{}
			for _, u := range xtext.ExtractURLs(tc.Text) {
				got = append(got, u.URL)
			}
			want := tc.Expected
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("ExtractURLs(%q) = %q, want %q", tc.Text, got, want)
			}
		})
	}
	for _, tc := range fixture.Tests.WithIndices {
		t.Run(tc.Description, func(t *testing.T) {
			urls := xtext.ExtractURLs(tc.Text)
			if len(urls) != len(tc.Expected) {
				t.Fatalf("ExtractURLs(%q) found %d links %v, want %d", tc.Text, len(urls), urls, len(tc.Expected))
			}
			for i, u := range urls {
				// Upstream indices count code points.
				got := [2]int{utf8.RuneCountInString(tc.Text[:u.Start]), utf8.RuneCountInString(tc.Text[:u.End])}
				want := tc.Expected[i]
				if u.URL != want.URL || got != want.Indices {
					t.Errorf("link %d = %q at %v, want %q at %v", i, u.URL, got, want.URL, want.Indices)
				}
				if tc.Text[u.Start:u.End] != u.URL {
					t.Errorf("link %d: text[%d:%d] = %q, want it to equal URL %q", i, u.Start, u.End, tc.Text[u.Start:u.End], u.URL)
				}
			}
		})
	}
}

// TestExtractURLs_tldFollowedByHyphen pins the one upstream fixture that the
// upstream patterns do not satisfy: since twitter-text 3 a TLD must not be
// followed by '-', so a hyphenated "TLD" is not a link at all.
func TestExtractURLs_tldFollowedByHyphen(t *testing.T) {
	text := "text http://domain.com-that-you-should-have-put-a-space-after"
	if got := xtext.ExtractURLs(text); len(got) != 0 {
		t.Errorf("ExtractURLs(%q) = %v, want no links", text, got)
	}
}
