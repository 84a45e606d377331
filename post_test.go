package pregonero_test

import (
	"encoding/json"
	"testing"
	"time"

	"pregonero"
)

func TestPostMediaJSON(t *testing.T) {
	var got []pregonero.PostMedia
	in := `["m_a", {"id":"m_b","alt_text":"Puente colgante"}, {"id":"m_c"}]`
	if err := json.Unmarshal([]byte(in), &got); err != nil {
		t.Fatalf("Unmarshal(%s) = %v", in, err)
	}
	want := []pregonero.PostMedia{{ID: "m_a"}, {ID: "m_b", AltText: "Puente colgante"}, {ID: "m_c"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("got %+v, want %+v", got, want)
	}
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if s := `[{"id":"m_a"},{"id":"m_b","alt_text":"Puente colgante"},{"id":"m_c"}]`; string(out) != s {
		t.Errorf("Marshal = %s, want %s", out, s)
	}
	for _, bad := range []string{`[1]`, `[true]`, `[["m_a"]]`, `[{"id":"m_a","alt":"x"}]`, `[{"id":7}]`} {
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("Unmarshal(%s) accepted it", bad)
		}
	}
}

func TestADraftIsCanceledByItsOwnMark(t *testing.T) {
	p := &pregonero.Post{}
	if p.DerivedStatus() != pregonero.PostDraft || !p.IsDraft() {
		t.Errorf("post without deliveries = %q, draft %v; want a draft", p.DerivedStatus(), p.IsDraft())
	}
	p.CanceledAt = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if p.DerivedStatus() != pregonero.PostCanceled || p.IsDraft() {
		t.Errorf("canceled draft = %q, draft %v; want canceled", p.DerivedStatus(), p.IsDraft())
	}
}
