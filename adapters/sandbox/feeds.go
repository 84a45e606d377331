package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"time"
)

// Sample news feeds for the demo, as the Gobernación de Antioquia and
// its Secretaría de Salud publish them:
//
//	GET /feeds/antioquia.xml          RSS 2.0, images in the four ways feeds give them
//	GET /feeds/secretaria-salud.atom  Atom 1.0, with xml:base and relative links
//	GET /feeds/img/{name}.png         the images of the items
//
// The items are dated on the sandbox's current day (in its zone), so the
// news look fresh; each answer has an ETag and a request that sends it
// back (If-None-Match) is answered 304 Not Modified, as real sites do.

// feedNews is one sample news item.
type feedNews struct {
	id, title, summary, image string
	hour, minute              int
}

var antioquiaNews = []feedNews{
	{"12345", "Gobernador entregó <b>vías terciarias</b> en el Nordeste & Bajo Cauca",
		"Con una inversión de $48.000&nbsp;millones se pavimentaron 32 kilómetros de vías en Anorí, Amalfi y Segovia.", "vias", 6, 30},
	{"12344", "Jornada de vacunación en los 125 municipios",
		"La Secretaría de Salud invita a vacunarse este sábado. Hay puestos en todas las cabeceras.", "vacunacion", 8, 0},
	{"12343", "Antioquia, primera en el Índice de Desempeño Fiscal",
		"El departamento obtuvo 86,4 puntos en la medición del DNP.", "fiscal", 9, 15},
}

var saludNews = []feedNews{
	{"881", "Alerta amarilla por lluvias", "Los hospitales de la red pública activaron sus planes de contingencia.", "lluvias", 7, 0},
	{"880", "Boletín epidemiológico semana 48", "Casos de dengue en descenso en el Urabá y el Magdalena Medio.", "boletin", 5, 45},
}

// feedImageColors gives each sample image its color.
var feedImageColors = map[string]color.RGBA{
	"vias": {0x1b, 0x5e, 0x20, 0xff}, "vacunacion": {0x0d, 0x47, 0xa1, 0xff}, "fiscal": {0xf9, 0xa8, 0x25, 0xff},
	"lluvias": {0x37, 0x47, 0x4f, 0xff}, "boletin": {0xb7, 0x1c, 0x1c, 0xff},
}

func (s *Sandbox) routeFeeds() {
	s.mux.HandleFunc("GET /feeds/antioquia.xml", s.antioquiaFeed)
	s.mux.HandleFunc("GET /feeds/secretaria-salud.atom", s.saludFeed)
	s.mux.HandleFunc("GET /feeds/img/{name}", s.feedImage)
}

// feedDay is the sandbox's current day, at the hour and minute given.
func (s *Sandbox) feedDay(hour, minute int) time.Time {
	now := s.now().In(s.loc)
	return time.Date(now.Year(), now.Month(), now.Day(), hour, minute, 0, 0, s.loc)
}

// serveFeed answers with a feed document and its ETag, or 304 when the
// client has it already.
func serveFeed(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(body)
}

func (s *Sandbox) antioquiaFeed(w http.ResponseWriter, r *http.Request) {
	base := "http://" + r.Host
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
<title>Gobernación de Antioquia - Noticias</title>
<link>https://antioquia.gov.co/</link>
<description>Noticias de la Gobernación de Antioquia</description>
<language>es-co</language>
`)
	for i, n := range antioquiaNews {
		img := base + "/feeds/img/" + n.image + ".png"
		fmt.Fprintf(&b, "<item>\n<title>%s</title>\n<link>/index.php/noticias/%s</link>\n", html.EscapeString(n.title), n.id)
		// The three items give their image three ways; one has no guid.
		switch i {
		case 0:
			fmt.Fprintf(&b, "<guid isPermaLink=\"false\">https://antioquia.gov.co/index.php/noticias/%s</guid>\n", n.id)
			fmt.Fprintf(&b, "<description><![CDATA[<p><img src=\"%s\" alt=\"\"></p><p>%s</p>]]></description>\n", img, n.summary)
		case 1:
			fmt.Fprintf(&b, "<description>%s</description>\n<enclosure url=\"%s\" length=\"2048\" type=\"image/png\"/>\n", html.EscapeString(n.summary), img)
		default:
			fmt.Fprintf(&b, "<guid>https://antioquia.gov.co/index.php/noticias/%s</guid>\n", n.id)
			fmt.Fprintf(&b, "<description>%s</description>\n<media:content url=\"%s\" medium=\"image\" type=\"image/png\"/>\n", html.EscapeString(n.summary), img)
		}
		fmt.Fprintf(&b, "<pubDate>%s</pubDate>\n</item>\n", s.feedDay(n.hour, n.minute).Format(time.RFC1123Z))
	}
	b.WriteString("</channel>\n</rss>\n")
	serveFeed(w, r, "application/rss+xml; charset=utf-8", b.Bytes())
}

func (s *Sandbox) saludFeed(w http.ResponseWriter, r *http.Request) {
	base := "http://" + r.Host
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://saludantioquia.gov.co/noticias/">
<title type="html">Secretaría de Salud &amp;amp; Protección Social</title>
<link href="https://saludantioquia.gov.co/" rel="alternate"/>
<id>tag:saludantioquia.gov.co,2026:noticias</id>
<updated>%s</updated>
`, s.feedDay(7, 0).Format(time.RFC3339))
	for _, n := range saludNews {
		at := s.feedDay(n.hour, n.minute).Format(time.RFC3339)
		fmt.Fprintf(&b, "<entry>\n<id>tag:saludantioquia.gov.co,2026:noticia-%s</id>\n<title>%s</title>\n", n.id, html.EscapeString(n.title))
		fmt.Fprintf(&b, "<link href=\"%s\" rel=\"alternate\"/>\n", strings.ReplaceAll(strings.ToLower(n.title), " ", "-"))
		fmt.Fprintf(&b, "<link href=\"%s/feeds/img/%s.png\" rel=\"enclosure\" type=\"image/png\"/>\n", base, n.image)
		fmt.Fprintf(&b, "<published>%s</published>\n<updated>%s</updated>\n<summary>%s</summary>\n</entry>\n", at, at, html.EscapeString(n.summary))
	}
	b.WriteString("</feed>\n")
	serveFeed(w, r, "application/atom+xml; charset=utf-8", b.Bytes())
}

// feedImage draws an item's image: a 1200×630 card (the size news sites
// give their share images) in the item's color with a band across.
func (s *Sandbox) feedImage(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("name"), ".png")
	c, known := feedImageColors[name]
	if !ok || !known {
		http.NotFound(w, r)
		return
	}
	img := image.NewRGBA(image.Rect(0, 0, 1200, 630))
	band := color.RGBA{0xff, 0xff, 0xff, 0xff}
	for y := range 630 {
		for x := range 1200 {
			if y > 420 && y < 470 {
				img.SetRGBA(x, y, band)
			} else {
				img.SetRGBA(x, y, c)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(b.Bytes())
}
