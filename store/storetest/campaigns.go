package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"pregonero"
)

// TestCampaignStore runs the conformance suite of pregonero.CampaignStore
// against the stores open returns, each of which must also be a
// CampaignStore.
func TestCampaignStore(t *testing.T, open OpenFunc) {
	t.Run("Campaigns", func(t *testing.T) { testCampaigns(t, open) })
	t.Run("UpdateCampaign", func(t *testing.T) { testUpdateCampaign(t, open) })
	t.Run("CampaignDurability", func(t *testing.T) { testCampaignDurability(t, open) })
}

// campaigns returns the store under test as a CampaignStore.
func (h *harness) campaigns() pregonero.CampaignStore {
	h.t.Helper()
	cs, ok := h.s.(pregonero.CampaignStore)
	if !ok {
		h.t.Fatalf("%T is not a pregonero.CampaignStore", h.s)
	}
	return cs
}

func sampleCampaign(id, name string) *pregonero.Campaign {
	return &pregonero.Campaign{
		ID:          id,
		Name:        name,
		Description: "Obras en las vías del Nordeste antioqueño.\nAvances semanales.",
		PlanLine:    "Línea 3: Nuestra infraestructura",
		Unit:        "Secretaría de Infraestructura Física",
		StartsOn:    pregonero.Date{Year: 2031, Month: time.March, Day: 1},
		EndsOn:      pregonero.Date{Year: 2031, Month: time.June, Day: 30},
		Hashtags:    []string{"#VíasDelNordeste", "#Antioquia2031"},
		CreatedAt:   base,
		UpdatedAt:   base,
	}
}

func sameCampaign(t *testing.T, got, want *pregonero.Campaign) {
	t.Helper()
	g, w := *got, *want
	g.CreatedAt, w.CreatedAt = g.CreatedAt.UTC(), w.CreatedAt.UTC()
	g.UpdatedAt, w.UpdatedAt = g.UpdatedAt.UTC(), w.UpdatedAt.UTC()
	if !reflect.DeepEqual(g, w) {
		t.Errorf("campaign:\ngot  %+v\nwant %+v", g, w)
	}
}

func (h *harness) createCampaign(c *pregonero.Campaign) {
	h.t.Helper()
	if err := h.campaigns().CreateCampaign(h.ctx, c); err != nil {
		h.t.Fatalf("CreateCampaign(%s) = %v", c.Name, err)
	}
}

func campaignNames(cs []*pregonero.Campaign) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// nameTaken reports whether err is the refusal of a taken name: a
// conflict naming the field "name".
func nameTaken(err error) bool {
	var e *pregonero.Error
	if !errors.As(err, &e) || e.Code != pregonero.ECONFLICT {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == "name" && f.Code == pregonero.FieldDuplicate {
			return true
		}
	}
	return false
}

func testCampaigns(t *testing.T, open OpenFunc) {
	t.Run("a campaign reads back whole, by id and by name in any case", func(t *testing.T) {
		h := newHarness(t, open)
		c := sampleCampaign("c_1", "Vías del Nordeste")
		h.createCampaign(c)
		got, err := h.campaigns().Campaign(h.ctx, "c_1")
		if err != nil {
			t.Fatalf("Campaign() = %v", err)
		}
		sameCampaign(t, got, c)
		for _, name := range []string{"Vías del Nordeste", "VÍAS DEL NORDESTE", "vías del nordeste"} {
			got, err := h.campaigns().CampaignByName(h.ctx, name)
			if err != nil {
				t.Fatalf("CampaignByName(%q) = %v", name, err)
			}
			sameCampaign(t, got, c)
		}
	})

	t.Run("a campaign without dates or hashtags reads back without them", func(t *testing.T) {
		h := newHarness(t, open)
		c := &pregonero.Campaign{ID: "c_2", Name: "Navidad", CreatedAt: base, UpdatedAt: base}
		h.createCampaign(c)
		got, err := h.campaigns().Campaign(h.ctx, "c_2")
		if err != nil {
			t.Fatal(err)
		}
		if !got.StartsOn.IsZero() || !got.EndsOn.IsZero() || len(got.Hashtags) != 0 || got.Unit != "" {
			t.Errorf("got %+v, want no dates, hashtags or dependencia", got)
		}
	})

	t.Run("a taken name in any case is a conflict on the field name", func(t *testing.T) {
		h := newHarness(t, open)
		h.createCampaign(sampleCampaign("c_1", "Vías del Nordeste"))
		err := h.campaigns().CreateCampaign(h.ctx, sampleCampaign("c_2", "VÍAS del nordeste"))
		if !nameTaken(err) {
			t.Fatalf("CreateCampaign() with a taken name = %v, want a conflict on name", err)
		}
		if _, err := h.campaigns().Campaign(h.ctx, "c_2"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("the refused campaign was stored: %v", err)
		}
	})

	t.Run("a taken id is a conflict", func(t *testing.T) {
		h := newHarness(t, open)
		h.createCampaign(sampleCampaign("c_1", "Vías del Nordeste"))
		err := h.campaigns().CreateCampaign(h.ctx, sampleCampaign("c_1", "Otra"))
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("CreateCampaign() with a taken id = %v, want conflict", err)
		}
		if _, err := h.campaigns().CampaignByName(h.ctx, "Otra"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("the refused name was indexed: %v", err)
		}
	})

	t.Run("an empty id or name is refused", func(t *testing.T) {
		h := newHarness(t, open)
		for _, c := range []*pregonero.Campaign{{ID: "", Name: "a"}, {ID: "c_1", Name: ""}} {
			if err := h.campaigns().CreateCampaign(h.ctx, c); pregonero.ErrorCode(err) != pregonero.EINVALID {
				t.Errorf("CreateCampaign(%+v) = %v, want invalid", c, err)
			}
		}
	})

	t.Run("what does not exist is not found", func(t *testing.T) {
		h := newHarness(t, open)
		if _, err := h.campaigns().Campaign(h.ctx, "c_nada"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Campaign() = %v, want not found", err)
		}
		if _, err := h.campaigns().Campaign(h.ctx, ""); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Campaign(\"\") = %v, want not found", err)
		}
		if _, err := h.campaigns().CampaignByName(h.ctx, "Nada"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("CampaignByName() = %v, want not found", err)
		}
		if _, err := h.campaigns().UpdateCampaign(h.ctx, "c_nada", func(*pregonero.Campaign) error { return nil }); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("UpdateCampaign() = %v, want not found", err)
		}
		list, err := h.campaigns().Campaigns(h.ctx)
		if err != nil || list == nil || len(list) != 0 {
			t.Errorf("Campaigns() of an empty store = %v, %v; want an empty list", list, err)
		}
	})

	t.Run("the list is in name order whatever the case", func(t *testing.T) {
		h := newHarness(t, open)
		for i, name := range []string{"salud mental", "Vías del Nordeste", "Antioquia lee", "navidad"} {
			h.createCampaign(sampleCampaign("c_"+string(rune('a'+i)), name))
		}
		list, err := h.campaigns().Campaigns(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := campaignNames(list), []string{"Antioquia lee", "navidad", "salud mental", "Vías del Nordeste"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Campaigns() = %q, want %q", got, want)
		}
	})
}

func testUpdateCampaign(t *testing.T, open OpenFunc) {
	t.Run("a change is stored and stamped with the store's clock", func(t *testing.T) {
		h := newHarness(t, open)
		h.createCampaign(sampleCampaign("c_1", "Vías del Nordeste"))
		later := base.Add(48 * time.Hour)
		h.clock.Set(later)
		got, err := h.campaigns().UpdateCampaign(h.ctx, "c_1", func(c *pregonero.Campaign) error {
			c.EndsOn = pregonero.Date{Year: 2031, Month: time.July, Day: 31}
			c.Hashtags = append(c.Hashtags, "#Obras")
			return nil
		})
		if err != nil {
			t.Fatalf("UpdateCampaign() = %v", err)
		}
		want := sampleCampaign("c_1", "Vías del Nordeste")
		want.EndsOn = pregonero.Date{Year: 2031, Month: time.July, Day: 31}
		want.Hashtags = append(want.Hashtags, "#Obras")
		want.UpdatedAt = later
		sameCampaign(t, got, want)
		read, err := h.campaigns().Campaign(h.ctx, "c_1")
		if err != nil {
			t.Fatal(err)
		}
		sameCampaign(t, read, want)
	})

	t.Run("a rename frees the old name and takes the new one", func(t *testing.T) {
		h := newHarness(t, open)
		h.createCampaign(sampleCampaign("c_1", "Vías del Nordeste"))
		if _, err := h.campaigns().UpdateCampaign(h.ctx, "c_1", func(c *pregonero.Campaign) error {
			c.Name = "Vías del Norte"
			return nil
		}); err != nil {
			t.Fatalf("UpdateCampaign() = %v", err)
		}
		if _, err := h.campaigns().CampaignByName(h.ctx, "vías del nordeste"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("the old name still finds the campaign: %v", err)
		}
		if c, err := h.campaigns().CampaignByName(h.ctx, "VÍAS DEL NORTE"); err != nil || c.ID != "c_1" {
			t.Errorf("CampaignByName(new name) = %v, %v", c, err)
		}
		h.createCampaign(sampleCampaign("c_2", "Vías del Nordeste"))
		list, err := h.campaigns().Campaigns(h.ctx)
		if err != nil || len(list) != 2 {
			t.Errorf("Campaigns() = %q, %v; want both", campaignNames(list), err)
		}
	})

	t.Run("a change of case only keeps the campaign its name", func(t *testing.T) {
		h := newHarness(t, open)
		h.createCampaign(sampleCampaign("c_1", "vías del nordeste"))
		got, err := h.campaigns().UpdateCampaign(h.ctx, "c_1", func(c *pregonero.Campaign) error {
			c.Name = "Vías del Nordeste"
			return nil
		})
		if err != nil || got.Name != "Vías del Nordeste" {
			t.Fatalf("UpdateCampaign() = %v, %v", got, err)
		}
	})

	t.Run("a rename to a taken name is refused and nothing changes", func(t *testing.T) {
		h := newHarness(t, open)
		h.createCampaign(sampleCampaign("c_1", "Vías del Nordeste"))
		h.createCampaign(sampleCampaign("c_2", "Navidad"))
		_, err := h.campaigns().UpdateCampaign(h.ctx, "c_2", func(c *pregonero.Campaign) error {
			c.Name, c.PlanLine = "VÍAS DEL NORDESTE", "otra"
			return nil
		})
		if !nameTaken(err) {
			t.Fatalf("UpdateCampaign() = %v, want a conflict on name", err)
		}
		c, err := h.campaigns().Campaign(h.ctx, "c_2")
		if err != nil || c.Name != "Navidad" || c.PlanLine == "otra" {
			t.Errorf("after the refusal: %+v, %v", c, err)
		}
		if c, err := h.campaigns().CampaignByName(h.ctx, "navidad"); err != nil || c.ID != "c_2" {
			t.Errorf("the name index changed: %v, %v", c, err)
		}
	})

	t.Run("an error from fn is returned as is and nothing is written", func(t *testing.T) {
		h := newHarness(t, open)
		h.createCampaign(sampleCampaign("c_1", "Vías del Nordeste"))
		boom := errors.New("boom")
		_, err := h.campaigns().UpdateCampaign(h.ctx, "c_1", func(c *pregonero.Campaign) error {
			c.Name = "Otra"
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("UpdateCampaign() = %v, want boom", err)
		}
		if c, err := h.campaigns().Campaign(h.ctx, "c_1"); err != nil || c.Name != "Vías del Nordeste" {
			t.Errorf("after the error: %+v, %v", c, err)
		}
	})

	t.Run("the id cannot change", func(t *testing.T) {
		h := newHarness(t, open)
		h.createCampaign(sampleCampaign("c_1", "Vías del Nordeste"))
		_, err := h.campaigns().UpdateCampaign(h.ctx, "c_1", func(c *pregonero.Campaign) error {
			c.ID = "c_9"
			return nil
		})
		if pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Fatalf("UpdateCampaign() changing the id = %v, want invalid", err)
		}
		if _, err := h.campaigns().Campaign(h.ctx, "c_9"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("a campaign c_9 appeared: %v", err)
		}
	})
}

func testCampaignDurability(t *testing.T, open OpenFunc) {
	h := newHarness(t, open)
	c := sampleCampaign("c_1", "Vías del Nordeste")
	h.createCampaign(c)
	h.createCampaign(sampleCampaign("c_2", "Navidad"))
	h.reopen()
	got, err := h.campaigns().Campaign(h.ctx, "c_1")
	if err != nil {
		t.Fatalf("after reopening: %v", err)
	}
	sameCampaign(t, got, c)
	if c, err := h.campaigns().CampaignByName(h.ctx, "NAVIDAD"); err != nil || c.ID != "c_2" {
		t.Errorf("CampaignByName() after reopening = %v, %v", c, err)
	}
}
