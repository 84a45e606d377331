// Package i18n holds the texts of the web interface in every language it
// speaks, as flat-key JSON catalogs embedded in the binary: Spanish (the
// default) and English. A key names one text; its value is a format for
// fmt.Sprintf when the caller passes arguments.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
)

//go:embed *.json
var files embed.FS

// Default is the language of a person who chose none.
const Default = "es"

// Languages lists the supported languages, the default first.
var Languages = []string{"es", "en"}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool { return slices.Contains(Languages, lang) }

// Catalog holds every language's texts.
type Catalog struct {
	langs map[string]map[string]string
}

// Load reads the embedded catalogs: per language a main file named
// after it ("es.json") and any number of part files ("es.compose.json"),
// one per page or feature, so that a page brings its texts in files of its
// own. It fails on a file that is not a flat JSON object of strings, on a
// key defined twice in one language, and on a language without its main
// file.
func Load() (*Catalog, error) {
	c := &Catalog{langs: map[string]map[string]string{}}
	for _, lang := range Languages {
		parts, err := fs.Glob(files, lang+".*.json")
		if err != nil {
			return nil, fmt.Errorf("load catalog %s: %w", lang, err)
		}
		m := map[string]string{}
		for _, name := range append([]string{lang + ".json"}, parts...) {
			b, err := files.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("load catalog %s: %w", lang, err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("load catalog %s: %w", name, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("load catalog %s: key %q is defined twice in %s", name, k, lang)
				}
				m[k] = v
			}
		}
		c.langs[lang] = m
	}
	return c, nil
}

// Keys returns the keys of a language's catalog, sorted; nil for a
// language without one.
func (c *Catalog) Keys(lang string) []string {
	m := c.langs[lang]
	if m == nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Printer returns the texts of one language; an unsupported language gets
// the default's.
func (c *Catalog) Printer(lang string) *Printer {
	if !Supported(lang) {
		lang = Default
	}
	return &Printer{lang: lang, msgs: c.langs[lang]}
}

// Printer gives the texts of one language.
type Printer struct {
	lang string
	msgs map[string]string
}

// Lang returns the printer's language code ("es", "en").
func (p *Printer) Lang() string { return p.lang }

// Has reports whether the catalog has a text for key.
func (p *Printer) Has(key string) bool {
	_, ok := p.msgs[key]
	return ok
}

// T returns the text of key, formatted with args when there are any. A
// key the catalog lacks comes back as itself in brackets, visible on the
// page rather than silently empty; the catalog tests keep that from
// happening.
func (p *Printer) T(key string, args ...any) string {
	s, ok := p.msgs[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}
