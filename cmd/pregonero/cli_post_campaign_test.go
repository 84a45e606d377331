package main_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"pregonero"
	main "pregonero/cmd/pregonero"
)

// The -campaign of post create and edit takes a campaign's id, as
// campaign list shows it, not its name.
func TestCLIPostCampaignFlagTakesAnID(t *testing.T) {
	for _, c := range [][]string{{"post", "create"}, {"post", "edit"}, {"post", "list"}} {
		var out, errb bytes.Buffer
		main.Run(context.Background(), append(append([]string(nil), c...), "-h"), strings.NewReader(""), &out, &errb)
		help := errb.String()
		m := regexp.MustCompile(`(?m)^  -campaign id\n\s+(.+)$`).FindStringSubmatch(help)
		if m == nil || !strings.Contains(m[1], "pregonero campaign list") || strings.Contains(m[1], "name") {
			t.Errorf("%s -h: -campaign does not say it takes an id from pregonero campaign list:\n%s", strings.Join(c, " "), help)
		}
	}
	var out, errb bytes.Buffer
	main.Run(context.Background(), []string{"post", "-h"}, strings.NewReader(""), &out, &errb)
	if strings.Contains(errb.String(), "-campaign NAME") || !strings.Contains(errb.String(), "[-campaign ID]") {
		t.Errorf("post -h names the campaign by name:\n%s", errb.String())
	}
}

func TestCLIPostShowNamesTheCampaign(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	code, out, errs := cli(t, m, "", "campaign", "create", "-name", "Vías del Nordeste", "-starts", "2026-12-01")
	if code != 0 {
		t.Fatalf("campaign create: exit %d: %s", code, errs)
	}
	id := strings.Fields(out)[0]
	p := createJSON(t, m, "-target", "x-gobantioquia", "-text", "Avanzan las obras de la vía", "-at", "mañana 09:00", "-campaign", id)

	t.Run("the name with the id", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "post", "show", p.ID)
		if want := "  campaign:  Vías del Nordeste (" + id + ")\n"; code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, stderr %q; show lacks %q:\n%s", code, errs, want, out)
		}
	})
	t.Run("a campaign that does not read back is shown by its id", func(t *testing.T) {
		if _, err := m.Store.UpdatePost(context.Background(), p.ID, func(q *pregonero.Post) error { q.Campaign = "c_borrada"; return nil }); err != nil {
			t.Fatal(err)
		}
		code, out, errs := cli(t, m, "", "post", "show", p.ID)
		if code != 0 || errs != "" || !strings.Contains(out, "  campaign:  c_borrada\n") {
			t.Errorf("exit %d, stderr %q:\n%s", code, errs, out)
		}
	})
	t.Run("a post without campaign has no campaign line", func(t *testing.T) {
		q := createJSON(t, m, "-target", "x-gobantioquia", "-text", "Sin campaña", "-at", "mañana 10:00")
		if code, out, _ := cli(t, m, "", "post", "show", q.ID); code != 0 || strings.Contains(out, "campaign:") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
}
