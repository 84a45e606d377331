package i18n_test

import (
	"slices"
	"strings"
	"testing"

	"pregonero/web/i18n"
)

func TestCatalogsHaveEveryKeyInEveryLanguage(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	def := c.Keys(i18n.Default)
	if len(def) < 100 {
		t.Fatalf("the default catalog has %d keys", len(def))
	}
	all := map[string]bool{}
	for _, lang := range i18n.Languages {
		for _, k := range c.Keys(lang) {
			all[k] = true
		}
	}
	for _, lang := range i18n.Languages {
		p := c.Printer(lang)
		for k := range all {
			if !p.Has(k) {
				t.Errorf("%s lacks %q", lang, k)
				continue
			}
			if strings.TrimSpace(p.T(k)) == "" {
				t.Errorf("%s has an empty text for %q", lang, k)
			}
		}
	}
}

func TestCatalogsTakeTheSameArguments(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	es, en := c.Printer("es"), c.Printer("en")
	for _, k := range c.Keys(i18n.Default) {
		if got, want := verbs(en.T(k)), verbs(es.T(k)); !slices.Equal(got, want) {
			t.Errorf("%q: en takes %v, es takes %v", k, got, want)
		}
	}
}

func TestPrinter(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("an unsupported language gets the default", func(t *testing.T) {
		if got := c.Printer("fr").Lang(); got != i18n.Default {
			t.Errorf("got %q, want %q", got, i18n.Default)
		}
	})
	t.Run("arguments are formatted", func(t *testing.T) {
		if got := c.Printer("es").T("pager.page", 2, 5); got != "Página 2 de 5" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a missing key shows itself", func(t *testing.T) {
		if got := c.Printer("es").T("no.such.key"); got != "[no.such.key]" {
			t.Errorf("got %q", got)
		}
	})
}

// verbs returns the formatting verbs of a text, in order.
func verbs(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(s) && strings.IndexByte("0123456789.[]#+- ", s[j]) >= 0 {
			j++
		}
		if j < len(s) && s[j] != '%' {
			out = append(out, s[i:j+1])
		}
		i = j
	}
	return out
}
