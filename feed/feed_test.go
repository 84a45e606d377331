package feed_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"pregonero/feed"
)

func mustParseFile(t *testing.T, name, feedURL string) *feed.Feed {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := feed.Parse(b, feedURL)
	if err != nil {
		t.Fatalf("Parse(%s) = %v", name, err)
	}
	return f
}

func TestParseRSS(t *testing.T) {
	f := mustParseFile(t, "antioquia.xml", "https://antioquia.gov.co/index.php/noticias?format=feed&type=rss")
	if got, want := f.Title, "Gobernación de Antioquia - Noticias"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	if len(f.Items) != 4 {
		t.Fatalf("got %d items, want 4", len(f.Items))
	}
	want := []feed.Item{{
		Key:       "https://antioquia.gov.co/index.php/noticias/12345",
		GUID:      "https://antioquia.gov.co/index.php/noticias/12345",
		Link:      "https://antioquia.gov.co/index.php/noticias/12345-gobernador-entrego-vias-terciarias",
		Title:     "Gobernador entregó vías terciarias en el Nordeste & Bajo Cauca",
		Summary:   "Con una inversión de $48.000 millones se pavimentaron 32 kilómetros de vías en Anorí, Amalfi y Segovia.",
		Published: time.Date(2026, 12, 7, 16, 30, 0, 0, time.UTC),
		Image:     "https://antioquia.gov.co/images/2026/12/vias-nordeste.jpg",
	}, {
		Key:       "https://antioquia.gov.co/index.php/noticias/12344-jornada-de-vacunacion",
		Link:      "https://antioquia.gov.co/index.php/noticias/12344-jornada-de-vacunacion",
		Title:     "Jornada de vacunación en los 125 municipios",
		Summary:   "La Secretaría de Salud invita a vacunarse este sábado. Hay puestos en todas las cabeceras.",
		Published: time.Date(2026, 12, 6, 16, 0, 0, 0, time.UTC),
		Image:     "https://antioquia.gov.co/images/2026/12/vacunacion.png",
	}, {
		Key:       "https://antioquia.gov.co/index.php/noticias/12343",
		GUID:      "https://antioquia.gov.co/index.php/noticias/12343",
		Link:      "https://antioquia.gov.co/noticias/12343-indice-desempeno-fiscal",
		Title:     "Antioquia, primera en el Índice de Desempeño Fiscal",
		Summary:   "El departamento obtuvo 86,4 puntos.",
		Published: time.Date(2026, 12, 5, 14, 15, 0, 0, time.UTC),
		Image:     "https://antioquia.gov.co/images/2026/12/fiscal.jpg",
	}, {
		Title:     `Convocatoria "Jóvenes en la Vía"`,
		Summary:   "Inscripciones abiertas hasta el 15 de diciembre. Más información",
		Published: time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC),
		Image:     "https://antioquia.gov.co/images/2026/12/jovenes.webp",
	}}
	for i, w := range want {
		got := f.Items[i]
		if i == 3 {
			// Neither guid nor link: the key is a hash of what it says.
			if !strings.HasPrefix(got.Key, "sha256:") || len(got.Key) != len("sha256:")+64 {
				t.Errorf("item 3 key = %q, want sha256:<64 hex>", got.Key)
			}
			w.Key = got.Key
		}
		if got != w {
			t.Errorf("item %d:\ngot  %+v\nwant %+v", i, got, w)
		}
	}
}

func TestParseAtom(t *testing.T) {
	f := mustParseFile(t, "secretaria-salud.atom", "https://saludantioquia.gov.co/noticias/feed.atom")
	if got, want := f.Title, "Secretaría de Salud & Protección Social"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	if got, want := f.Link, "https://saludantioquia.gov.co/"; got != want {
		t.Errorf("link = %q, want %q", got, want)
	}
	want := []feed.Item{{
		Key:       "tag:saludantioquia.gov.co,2026:noticia-881",
		GUID:      "tag:saludantioquia.gov.co,2026:noticia-881",
		Link:      "https://saludantioquia.gov.co/noticias/2026/12/alerta-amarilla-lluvias",
		Title:     "Alerta amarilla por lluvias",
		Summary:   "Los hospitales de la red pública activaron sus planes de contingencia.",
		Published: time.Date(2026, 12, 7, 19, 30, 0, 0, time.UTC),
		Updated:   time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC),
		Image:     "https://saludantioquia.gov.co/img/alerta-lluvias.jpg",
	}, {
		Key:       "tag:saludantioquia.gov.co,2026:noticia-880",
		GUID:      "tag:saludantioquia.gov.co,2026:noticia-880",
		Link:      "https://saludantioquia.gov.co/boletines/semana-48",
		Title:     "Boletín epidemiológico semana 48",
		Summary:   "Casos de dengue en descenso.",
		Published: time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC),
		Updated:   time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC),
		Image:     "https://saludantioquia.gov.co/boletines/graficas/semana-48.png",
	}}
	if len(f.Items) != len(want) {
		t.Fatalf("got %d items, want %d", len(f.Items), len(want))
	}
	for i, w := range want {
		if got := f.Items[i]; got != w {
			t.Errorf("entry %d:\ngot  %+v\nwant %+v", i, got, w)
		}
	}
}

func TestParseItemEditedLaterKeepsItsKey(t *testing.T) {
	doc := func(title string) []byte {
		return []byte(`<rss version="2.0"><channel><title>N</title><item><guid>n-1</guid><title>` + title +
			`</title><link>https://e.gov.co/n/1</link></item></channel></rss>`)
	}
	a, err := feed.Parse(doc("Primera versión"), "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := feed.Parse(doc("Versión corregida"), "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Items[0].Key != b.Items[0].Key {
		t.Errorf("keys differ after an edit: %q and %q", a.Items[0].Key, b.Items[0].Key)
	}
}

func TestParseLatin1(t *testing.T) {
	f := mustParseFile(t, "latin1.xml", "")
	if got, want := f.Items[0].Title, "Inauguración"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	if got, want := f.Items[0].Link, "https://www.medellin.gov.co/n/1"; got != want {
		t.Errorf("link = %q, want %q", got, want)
	}
}

func TestParseRefusesWhatIsNotAFeed(t *testing.T) {
	broken, err := os.ReadFile("testdata/broken.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, doc string
		line      int
		says      string
	}{
		{"invalid XML names its line", string(broken), 7, "line 7: element <title> closed by </item>"},
		{"HTML page", "<html><body>Página no encontrada</body></html>", 0, "root element is <html>"},
		{"empty document", "", 0, "no root element"},
		{"truncated document", `<rss version="2.0"><channel><item><title>a</title>`, 1, "line 1: the document ends before"},
		{"Atom without its namespace", `<feed><entry/></feed>`, 0, "not in the Atom namespace"},
		{"unknown encoding", `<?xml version="1.0" encoding="klingon"?><rss/>`, 0, `"klingon"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := feed.Parse([]byte(tc.doc), "")
			var fe *feed.Error
			if !errors.As(err, &fe) {
				t.Fatalf("Parse = %v, want a *feed.Error", err)
			}
			if fe.Line != tc.line || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error = %q (line %d), want line %d and %q", err, fe.Line, tc.line, tc.says)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"antioquia.xml", "secretaria-salud.atom", "broken.xml", "latin1.xml"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := feed.Parse(b, "https://antioquia.gov.co/rss")
		if err != nil {
			var fe *feed.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *feed.Error", err)
			}
			return
		}
		for _, it := range doc.Items {
			if it.Key == "" {
				t.Fatalf("item without a key: %+v", it)
			}
		}
	})
}
