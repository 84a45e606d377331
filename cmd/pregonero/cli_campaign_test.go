package main_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"pregonero"
	main "pregonero/cmd/pregonero"
)

func TestCLICampaigns(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	t.Setenv("TZ", "")

	code, out, errs := cli(t, m, "", "campaign", "create", "-name", "Vías del Nordeste", "-starts", "2026-12-01", "-ends", "2027-03-31",
		"-unit", "Secretaría de Infraestructura Física", "-plan-line", "Línea 3: Nuestra infraestructura",
		"-description", "Obras viales.\nUna publicación por semana.", "-hashtag", "#VíasDelNordeste", "-hashtag", "#Antioquia")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errs)
	}
	m1 := regexp.MustCompile(`^(c_\S+) Vías del Nordeste created \(2026-12-01 to 2027-03-31\)\n$`).FindStringSubmatch(out)
	if m1 == nil {
		t.Fatalf("create printed %q, want the id, the name and the dates", out)
	}
	id := m1[1]

	t.Run("bad input is the server's 422 with the field, exit 1", func(t *testing.T) {
		code, _, errs := cli(t, m, "", "campaign", "create", "-name", "VÍAS DEL NORDESTE", "-starts", "2026-12-01", "-ends", "2026-11-01")
		if code != 1 || !strings.Contains(errs, "name: There is already a campaign named Vías del Nordeste") ||
			!strings.Contains(errs, "ends_on: ends_on 2026-11-01 is before starts_on 2026-12-01") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("a missing name or start is a usage error, exit 2", func(t *testing.T) {
		if code, _, errs := cli(t, m, "", "campaign", "create", "-starts", "2026-12-01"); code != 2 || !strings.Contains(errs, "-name is required") {
			t.Errorf("no name: exit %d, stderr %q", code, errs)
		}
		if code, _, errs := cli(t, m, "", "campaign", "create", "-name", "X"); code != 2 || !strings.Contains(errs, "-starts is required") {
			t.Errorf("no start: exit %d, stderr %q", code, errs)
		}
		if code, _, _ := cli(t, m, "", "campaign", "borrar"); code != 2 {
			t.Errorf("unknown subcommand: exit %d", code)
		}
	})

	code, _, errs = cli(t, m, "", "campaign", "create", "-name", "Navidad", "-starts", "2026-12-15")
	if code != 0 {
		t.Fatalf("create Navidad: exit %d: %s", code, errs)
	}
	t.Run("list shows every campaign by name", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "campaign", "list")
		if code != 0 {
			t.Fatalf("list: exit %d: %s", code, errs)
		}
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID ") || !strings.Contains(lines[1], "Navidad") || !strings.Contains(lines[1], "from 2026-12-15, no end set") ||
			!strings.Contains(lines[2], id) || !strings.Contains(lines[2], "Secretaría de Infraestructura Física") {
			t.Errorf("list printed:\n%s", out)
		}
		code, out, _ = cli(t, m, "", "campaign", "list", "-json")
		var cs []pregonero.Campaign
		if code != 0 || json.Unmarshal([]byte(out), &cs) != nil || len(cs) != 2 || cs[1].EndsOn.String() != "2027-03-31" {
			t.Errorf("list -json: exit %d\n%s", code, out)
		}
	})

	t.Run("a campaign made of an older label is named by it", func(t *testing.T) {
		mustCampaign(t, m, "obras")
		if p := createJSON(t, m, "-target", "x-gobantioquia", "-text", "Obras", "-at", "mañana 10:00", "-campaign", "obras"); p.Campaign != "obras" {
			t.Errorf("post campaign = %q", p.Campaign)
		}
	})
	t.Run("a post names the campaign by id, and show lists it", func(t *testing.T) {
		p := createJSON(t, m, "-target", "x-gobantioquia", "-text", "Avanzan las obras de la vía", "-at", "mañana 09:00", "-campaign", id)
		if p.Campaign != id {
			t.Fatalf("post campaign = %q, want %s", p.Campaign, id)
		}
		code, _, errs := cli(t, m, "", "post", "create", "-target", "x-gobantioquia", "-text", "Otra", "-campaign", "Vías del Nordeste")
		if code != 1 || !strings.Contains(errs, "campaign: There is no campaign Vías del Nordeste") {
			t.Errorf("post with a campaign's name: exit %d, stderr %q", code, errs)
		}
		code, out, errs := cli(t, m, "", "campaign", "show", id)
		if code != 0 {
			t.Fatalf("show: exit %d: %s", code, errs)
		}
		for _, want := range []string{
			id + " Vías del Nordeste\n", "dates:       2026-12-01 to 2027-03-31", "dependencia: Secretaría de Infraestructura Física",
			"hashtags:    #VíasDelNordeste #Antioquia", "description: Obras viales.\n               Una publicación por semana.",
			"posts (America/Bogota):", p.ID + "  scheduled", "Avanzan las obras de la vía",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("show lacks %q:\n%s", want, out)
			}
		}
		code, out, _ = cli(t, m, "", "campaign", "show", "-json", id)
		var c pregonero.Campaign
		if code != 0 || json.Unmarshal([]byte(out), &c) != nil || c.ID != id || len(c.Hashtags) != 2 {
			t.Errorf("show -json: exit %d\n%s", code, out)
		}
		if code, _, errs := cli(t, m, "", "campaign", "show", "c_nada"); code != 1 || !strings.Contains(errs, "not_found") {
			t.Errorf("show of an unknown campaign: exit %d, stderr %q", code, errs)
		}
	})
}

// mustCampaign stores campaigns whose ids are the given labels, as the
// migration of schema 6 makes them of the labels older posts carried, so
// that a test's posts may name them.
func mustCampaign(t *testing.T, m *main.Main, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := m.Store.CreateCampaign(context.Background(), &pregonero.Campaign{ID: id, Name: id}); err != nil {
			t.Fatalf("create campaign %s: %v", id, err)
		}
	}
}
