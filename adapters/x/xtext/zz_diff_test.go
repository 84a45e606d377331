package xtext

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

func TestZZDiff(t *testing.T) {
	in, outPath := os.Getenv("ZZ_IN"), os.Getenv("ZZ_OUT")
	if in == "" {
		t.Skip()
	}
	f, _ := os.Open(in)
	defer f.Close()
	type res struct {
		URLs  [][2]int       `json:"urls"`
		Emoji [][2]int       `json:"emoji"`
		Parse map[string]any `json:"parse"`
	}
	var out []res
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var text string
		json.Unmarshal(sc.Bytes(), &text)
		r := res{URLs: [][2]int{}, Emoji: [][2]int{}}
		for _, u := range extractURLs(text) {
			r.URLs = append(r.URLs, [2]int{u.start, u.end})
		}
		for _, e := range findEmoji(text) {
			r.Emoji = append(r.Emoji, [2]int{e.start, e.end})
		}
		p := Parse(text)
		r.Parse = map[string]any{"wl": p.WeightedLength, "valid": p.Valid, "perm": p.Permillage, "vre": p.ValidRangeEnd}
		out = append(out, r)
	}
	b, _ := json.Marshal(out)
	os.WriteFile(outPath, b, 0o644)
}
