package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/web"
)

// postMultipart posts fields in order as multipart/form-data, the file
// (when name is not empty) in the field "file" after them, as a browser
// sends the compose form to /compose/attach.
func (b *browser) postMultipart(path string, fields [][2]string, name string, data []byte, header ...string) page {
	b.tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			b.tb.Fatal(err)
		}
	}
	if name != "" || data != nil {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			b.tb.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.base+path, &body)
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// postJSONForm posts a urlencoded form the way compose.js does: the
// session's token in the X-CSRF-Token header.
func (b *browser) postScript(path string, form url.Values, token string) page {
	b.tb.Helper()
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	return b.do(req)
}

// composeCheck is the answer of /compose/validate.
type composeCheck struct {
	Valid    bool                `json:"valid"`
	Errors   map[string][]string `json:"errors"`
	General  []string            `json:"general"`
	Counters []struct {
		Target string `json:"target"`
		Length int    `json:"length"`
		Limit  int    `json:"limit"`
		Over   bool   `json:"over"`
		Text   string `json:"text"`
	} `json:"counters"`
	When   string `json:"when"`
	Status string `json:"status"`
}

func (p page) check(tb testing.TB) composeCheck {
	tb.Helper()
	if p.status != http.StatusOK {
		tb.Fatalf("validate: got %d %s", p.status, p.body)
	}
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Fatalf("validate: got Content-Type %q", ct)
	}
	var c composeCheck
	if err := json.Unmarshal([]byte(p.body), &c); err != nil {
		tb.Fatalf("decode %s: %v", p.body, err)
	}
	return c
}

var mediaFieldRE = regexp.MustCompile(`name="media" value="([^"]+)"`)

// mediaIDs are the files the compose form lists.
func (p page) mediaIDs() []string {
	var out []string
	for _, m := range mediaFieldRE.FindAllStringSubmatch(p.body, -1) {
		if m[1] != "MEDIAID" { // the script's templates
			out = append(out, m[1])
		}
	}
	return out
}

// errorNext reports whether the page shows msg in the error element of
// an input.
func (p page) errorNext(id, msg string) bool {
	re := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `-error" data-error-for="[^"]*">(.*?)</div>`)
	m := re.FindStringSubmatch(p.body)
	return m != nil && strings.Contains(html.UnescapeString(m[1]), msg)
}

// attach uploads a file through the plain form and returns the page
// that comes back.
func attach(t *testing.T, b *browser, csrf string, fields [][2]string, name string, data []byte) page {
	t.Helper()
	all := append([][2]string{{"csrf_token", csrf}}, fields...)
	return b.postMultipart("/compose/attach", all, name, data)
}

func TestUIComposeAccess(t *testing.T) {
	s := newUIServer(t)
	for _, user := range []string{"ana", "edu"} {
		t.Run(user+" may open the page", func(t *testing.T) {
			p := s.signedIn(user).get("/compose")
			if p.status != http.StatusOK {
				t.Fatalf("got %d\n%s", p.status, p.body)
			}
			for _, want := range []string{`<h1>Redactar</h1>`, `action="/compose"`, `src="/static/compose.js?v=`, `href="/static/compose.css?v=`,
				`<label for="text">Texto</label>`, `<legend>Cuentas</legend>`, `<label for="when">Fecha y hora</label>`,
				`aria-current="page">Redactar</a>`, `Hora de America/Bogota.`} {
				if !strings.Contains(p.body, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
		})
	}
	t.Run("no inline script, the page's own files linked", func(t *testing.T) {
		p := s.signedIn("ana").get("/compose")
		if regexp.MustCompile(`(?i)<script>|<script [^>]*>[^<]|\son[a-z]+=|\sstyle=`).MatchString(p.body) {
			t.Error("the page has inline script, event handlers or style attributes, which the CSP refuses")
		}
		for _, f := range []string{"/static/compose.js", "/static/compose.css"} {
			if r := s.signedIn("ana").get(f); r.status != http.StatusOK {
				t.Errorf("%s: got %d", f, r.status)
			}
		}
	})
	t.Run("a viewer is refused", func(t *testing.T) {
		b := s.signedIn("vera")
		if p := b.get("/compose"); p.status != http.StatusForbidden {
			t.Errorf("GET /compose: got %d, want 403", p.status)
		}
		token := b.get("/").csrf(t)
		if p := b.post("/compose", url.Values{"csrf_token": {token}, "text": {"Hola"}, "targets": {"x-salud"}}); p.status != http.StatusForbidden {
			t.Errorf("POST /compose: got %d, want 403", p.status)
		}
		if p := b.postScript("/compose/validate", url.Values{"text": {"Hola"}}, token); p.status != http.StatusForbidden {
			t.Errorf("POST /compose/validate: got %d, want 403", p.status)
		}
		if p := s.signedIn("vera").get("/"); strings.Contains(p.body, `href="/compose"`) {
			t.Error("the viewer's menu offers Redactar")
		}
	})
	t.Run("the forms are registered with the framework's CSRF check", func(t *testing.T) {
		paths := web.UIFormPaths(s.web)
		for _, want := range []string{"/compose", "/posts/x/edit"} {
			if !slices.Contains(paths, want) {
				t.Errorf("form %s is not registered", want)
			}
		}
	})
	t.Run("the script's endpoints want the session's token and a session", func(t *testing.T) {
		b := s.signedIn("ana")
		token := b.get("/compose").csrf(t)
		for _, tok := range []string{"", token + "x"} {
			p := b.postScript("/compose/validate", url.Values{"text": {"Hola"}}, tok)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "caducó") {
				t.Errorf("validate with token %q: got %d %s, want 403", tok, p.status, p.body)
			}
			p = b.postMultipart("/compose/media", nil, "a.jpg", jpegBytes(t, 20, 20, 1), "X-CSRF-Token", tok)
			if p.status != http.StatusForbidden {
				t.Errorf("upload with token %q: got %d, want 403", tok, p.status)
			}
		}
		if p := attach(t, b, token+"x", nil, "a.jpg", jpegBytes(t, 20, 20, 1)); p.status != http.StatusForbidden {
			t.Errorf("attach with a wrong token: got %d, want 403", p.status)
		}
		anon := s.browser()
		if p := anon.postScript("/compose/validate", url.Values{"text": {"Hola"}}, token); p.status != http.StatusUnauthorized {
			t.Errorf("validate without a session: got %d, want 401", p.status)
		}
		if p := anon.get("/compose"); p.status != http.StatusSeeOther || p.location() != "/login?next=%2Fcompose" {
			t.Errorf("GET /compose signed out: got %d to %q", p.status, p.location())
		}
	})
}

func TestUIComposeTargets(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("edu")
	p := b.get("/compose")
	body := html.UnescapeString(p.body)

	t.Run("accounts are grouped by dependencia, the editor's first, others disabled", func(t *testing.T) {
		salud, none := strings.Index(body, "<legend>salud</legend>"), strings.Index(body, "<legend>Sin dependencia</legend>")
		if salud < 0 || none < 0 || salud > none {
			t.Fatalf("groups: salud at %d, none at %d", salud, none)
		}
		if !regexp.MustCompile(`<input type="checkbox" name="targets" value="x-salud" id="target-x-salud" data-network="x" aria-describedby`).MatchString(p.body) {
			t.Error("the editor's account is not offered")
		}
		for _, id := range []string{"x-gob", "ig-gob", "fb-gob", "yt-gob"} {
			if !regexp.MustCompile(`value="` + id + `" id="target-` + id + `" data-network="[a-z]+" disabled`).MatchString(p.body) {
				t.Errorf("%s is not disabled for the editor", id)
			}
		}
	})

	t.Run("a forged post to another dependencia's account is refused", func(t *testing.T) {
		r := b.post("/compose", url.Values{"csrf_token": {p.csrf(t)}, "text": {"Hola"}, "targets": {"x-salud", "x-gob"}, "action": {"schedule"}})
		if r.status != http.StatusForbidden {
			t.Fatalf("got %d, want 403\n%s", r.status, r.body)
		}
		page, err := s.db.Posts(context.Background(), pregonero.PostFilter{})
		if err != nil || len(page.Posts) != 0 {
			t.Errorf("got %d posts (%v), want none", len(page.Posts), err)
		}
		c := b.postScript("/compose/validate", url.Values{"text": {"Hola"}, "targets": {"x-gob"}}, p.csrf(t)).check(t)
		if c.Valid || len(c.Errors["target-x-gob"]) == 0 {
			t.Errorf("the live check does not flag the account: %+v", c)
		}
	})

	t.Run("an editor posts to their dependencia's account", func(t *testing.T) {
		r := b.post("/compose", url.Values{"csrf_token": {p.csrf(t)}, "text": {"Vacunación gratuita"}, "targets": {"x-salud"},
			"when": {"mañana 9:00"}, "action": {"schedule"}, "idem": {"k1"}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/posts/p_") {
			t.Fatalf("got %d to %q\n%s", r.status, r.location(), r.body)
		}
		post, err := s.db.Post(context.Background(), strings.TrimPrefix(r.location(), "/posts/"))
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC); !post.ScheduledAt.Equal(want) || post.Author != "edu" {
			t.Errorf("got %s by %q, want %s by edu", post.ScheduledAt, post.Author, want)
		}
	})
}

// composeFields are the form's fields for a post to X and Instagram.
func composeFields(text, when string, media map[string]string) url.Values {
	v := url.Values{"text": {text}, "targets": {"x-gob", "ig-gob"}, "when": {when}, "idem": {"form-1"}}
	for id, alt := range media {
		v.Add("media", id)
		v.Set("alt_"+id, alt)
	}
	return v
}

func TestUIComposeWithImage(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("ana")
	form := b.get("/compose")
	token := form.csrf(t)
	img := jpegBytes(t, 1200, 675, 7)

	// Without the script: the whole form goes to /compose/attach, and
	// comes back with the file listed and everything as it was.
	fields := [][2]string{{"post_id", ""}, {"idem", "abc"}, {"targets", "x-gob"}, {"targets", "ig-gob"},
		{"text", "Vacunación gratuita este sábado"}, {"ov_text_x", "Solo en X"}, {"when", "mañana 9:00"}, {"media", ""}}
	p := attach(t, b, token, fields, "afiche.jpg", img)
	if p.status != http.StatusOK {
		t.Fatalf("attach: got %d\n%s", p.status, p.body)
	}
	ids := p.mediaIDs()
	if len(ids) != 1 {
		t.Fatalf("got media %v, want the attached file", ids)
	}
	id := ids[0]
	body := html.UnescapeString(p.body)
	for _, want := range []string{"Imagen adjuntada: afiche.jpg. Escriba su texto alternativo.", `<label for="alt_` + id + `">Texto alternativo (obligatorio)</label>`,
		`src="/compose/media/` + id + `"`, "afiche.jpg · 1200 × 675 · JPEG", ">Vacunación gratuita este sábado</textarea>", ">Solo en X</textarea>",
		`value="mañana 9:00"`, `value="x-gob" id="target-x-gob" data-network="x" checked`, `value="ig-gob" id="target-ig-gob" data-network="instagram" checked`,
		`name="idem" value="abc"`, "Sale el sáb 21 nov 2026, 09:00 (America/Bogota)."} {
		if !strings.Contains(body, want) {
			t.Errorf("the page after attaching lacks %s", want)
		}
	}
	t.Run("the thumbnail is served to the session only", func(t *testing.T) {
		th := b.get("/compose/media/" + id)
		if th.status != http.StatusOK || th.header.Get("Content-Type") != "image/jpeg" || !bytes.Equal([]byte(th.body), img) {
			t.Errorf("got %d %q, %d bytes", th.status, th.header.Get("Content-Type"), len(th.body))
		}
		if r := s.browser().get("/compose/media/" + id); r.status != http.StatusUnauthorized {
			t.Errorf("without a session: got %d, want 401", r.status)
		}
		if r := s.signedIn("vera").get("/compose/media/" + id); r.status != http.StatusForbidden {
			t.Errorf("as a viewer: got %d, want 403", r.status)
		}
		if r := b.get("/compose/media/m_nothing"); r.status != http.StatusNotFound {
			t.Errorf("unknown: got %d, want 404", r.status)
		}
	})

	t.Run("an image without alt text is refused next to its field", func(t *testing.T) {
		r := b.post("/compose", withCSRF(composeFields("Sin texto alternativo", "mañana 9:00", map[string]string{id: ""}), token, "schedule"))
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", r.status)
		}
		if !r.errorNext("alt_"+id, "Escriba el texto alternativo de esta imagen: es obligatorio para programar.") {
			t.Errorf("no error next to the alt text:\n%s", r.body)
		}
		if !strings.Contains(r.body, `href="#alt_`+id+`"`) || !strings.Contains(r.body, `aria-invalid="true"`) {
			t.Error("the summary does not link to the field or it is not marked invalid")
		}
		if page, _ := s.db.Posts(context.Background(), pregonero.PostFilter{}); len(page.Posts) != 0 {
			t.Error("a post was stored")
		}
		// The live check says so too.
		c := b.postScript("/compose/validate", composeFields("x", "", map[string]string{id: " "}), token).check(t)
		if len(c.Errors["alt_"+id]) == 0 {
			t.Errorf("the live check does not ask for alt text: %+v", c)
		}
	})

	t.Run("with alt text it is scheduled for X and Instagram, the alt text kept with the post", func(t *testing.T) {
		v := withCSRF(composeFields("Vacunación gratuita este sábado", "mañana 9:00", map[string]string{id: "Afiche de la jornada de vacunación"}), token, "schedule")
		v.Set("ov_text_x", "Solo en X")
		v.Set("ov_format_instagram", "feed")
		r := b.post("/compose", v)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/posts/p_") {
			t.Fatalf("got %d to %q\n%s", r.status, r.location(), r.body)
		}
		post, err := s.db.Post(context.Background(), strings.TrimPrefix(r.location(), "/posts/"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(post.Targets, []string{"x-gob", "ig-gob"}) || len(post.Deliveries) != 2 || post.Author != "ana" {
			t.Errorf("got targets %v, %d deliveries, author %q", post.Targets, len(post.Deliveries), post.Author)
		}
		if len(post.Media) != 1 || post.Media[0] != (pregonero.PostMedia{ID: id, AltText: "Afiche de la jornada de vacunación"}) {
			t.Errorf("got media %+v", post.Media)
		}
		if o := post.Overrides["x-gob"]; o.Text == nil || *o.Text != "Solo en X" {
			t.Errorf("got X override %+v, want its own text", o)
		}
		if _, ok := post.Overrides["ig-gob"]; ok {
			t.Errorf("Instagram got an override: %+v", post.Overrides["ig-gob"])
		}
		landing := b.get("/") // the flash waits for the next page
		if !strings.Contains(html.UnescapeString(landing.body), "Publicación programada para el sáb 21 nov 2026, 09:00.") {
			t.Error("no flash after scheduling")
		}
		again := b.post("/compose", v)
		if again.location() != r.location() {
			t.Errorf("a repeated submit made another post: %q, want %q", again.location(), r.location())
		}
	})

	t.Run("removing the file without the script", func(t *testing.T) {
		p := attach(t, b, token, [][2]string{{"text", "Hola"}, {"media", id}, {"alt_" + id, "algo"}, {"remove", id}}, "", nil)
		if p.status != http.StatusOK || len(p.mediaIDs()) != 0 || !strings.Contains(p.body, "Archivo quitado de la publicación.") {
			t.Errorf("got %d with media %v", p.status, p.mediaIDs())
		}
	})

	t.Run("attaching without a file, or a file the library refuses, says so next to the file", func(t *testing.T) {
		p := attach(t, b, token, [][2]string{{"text", "Hola"}}, "", nil)
		if p.status != http.StatusUnprocessableEntity || !p.errorNext("file", "Elija primero un archivo para adjuntar.") {
			t.Errorf("no file: got %d\n%s", p.status, p.body)
		}
		p = attach(t, b, token, [][2]string{{"text", "Hola"}}, "notas.txt", []byte("solo texto"))
		if p.status != http.StatusUnprocessableEntity || !p.errorNext("file", "La red no lo acepta.") || !strings.Contains(p.body, ">Hola</textarea>") {
			t.Errorf("text file: got %d\n%s", p.status, p.body)
		}
	})

	t.Run("the script's upload answers JSON", func(t *testing.T) {
		r := b.postMultipart("/compose/media", nil, "foto.png", pngBytes(t, 400, 500, 3), "X-CSRF-Token", token)
		var m struct {
			ID     string `json:"id"`
			URL    string `json:"url"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
			Image  bool   `json:"image"`
			Label  string `json:"label"`
		}
		if err := json.Unmarshal([]byte(r.body), &m); err != nil || r.status != http.StatusOK {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		if m.Width != 400 || m.Height != 500 || !m.Image || m.URL != "/compose/media/"+m.ID || m.Label != "foto.png · 400 × 500 · PNG" {
			t.Errorf("got %+v", m)
		}
		r = b.postMultipart("/compose/media", nil, "notas.txt", []byte("texto"), "X-CSRF-Token", token)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"text":"`) {
			t.Errorf("refused upload: got %d %s", r.status, r.body)
		}
	})
}

// withCSRF adds the token and the submit button's action to a form.
func withCSRF(v url.Values, token, action string) url.Values {
	v.Set("csrf_token", token)
	v.Set("action", action)
	return v
}

func TestUIComposeValidate(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("ana")
	token := b.get("/compose").csrf(t)

	long := strings.Repeat("a", 300)
	c := b.postScript("/compose/validate", url.Values{"text": {long}, "targets": {"x-gob"}}, token).check(t)
	if c.Valid || len(c.Counters) != 1 {
		t.Fatalf("300 characters: got %+v, want refused with one counter", c)
	}
	if ct := c.Counters[0]; ct.Target != "x-gob" || ct.Length != 300 || ct.Limit != 280 || !ct.Over ||
		ct.Text != "Gobernación (X): 300 de 280 caracteres según X. Sobran 20." {
		t.Errorf("got counter %+v", ct)
	}
	if msgs := c.Errors["text"]; len(msgs) != 1 || !strings.HasPrefix(msgs[0], "Gobernación (X): Es demasiado largo: 300, y el máximo es 280.") {
		t.Errorf("got text errors %q", msgs)
	}
	if !strings.Contains(c.Status, "1 problemas por corregir.") {
		t.Errorf("got status %q", c.Status)
	}

	c = b.postScript("/compose/validate", url.Values{"text": {long[:280]}, "targets": {"x-gob"}, "when": {"mañana 9:00"}}, token).check(t)
	if !c.Valid || c.Counters[0].Length != 280 || c.Counters[0].Over || len(c.Errors) != 0 {
		t.Errorf("280 characters: got %+v, want accepted", c)
	}
	if c.When != "Sale el sáb 21 nov 2026, 09:00 (America/Bogota)." {
		t.Errorf("got when %q", c.When)
	}

	t.Run("X's weights: a link counts 23", func(t *testing.T) {
		c := b.postScript("/compose/validate", url.Values{"text": {"Lea https://example.com/" + strings.Repeat("x", 100)}, "targets": {"x-gob"}}, token).check(t)
		if c.Counters[0].Length != 4+23 {
			t.Errorf("got %d, want 27", c.Counters[0].Length)
		}
	})

	t.Run("a network's own text is counted and its error is next to it", func(t *testing.T) {
		c := b.postScript("/compose/validate", url.Values{"text": {"corto"}, "ov_text_x": {long}, "targets": {"x-gob", "fb-gob"}}, token).check(t)
		if len(c.Errors["ov_text_x"]) != 1 || len(c.Errors["text"]) != 0 || c.Counters[0].Length != 300 {
			t.Errorf("got %+v", c)
		}
	})

	t.Run("without accounts the text is still counted as X does", func(t *testing.T) {
		c := b.postScript("/compose/validate", url.Values{"text": {long}}, token).check(t)
		if len(c.Counters) != 1 || c.Counters[0].Length != 300 || len(c.Errors["targets"]) != 1 {
			t.Errorf("got %+v", c)
		}
	})

	t.Run("a time it cannot read, or one past, is next to the time", func(t *testing.T) {
		c := b.postScript("/compose/validate", url.Values{"text": {"hola"}, "targets": {"x-gob"}, "when": {"el otro martes"}}, token).check(t)
		if len(c.Errors["when"]) != 1 || !strings.HasPrefix(c.Errors["when"][0], "No se entiende la fecha y hora.") {
			t.Errorf("got %+v", c.Errors)
		}
		c = b.postScript("/compose/validate", url.Values{"text": {"hola"}, "targets": {"x-gob"}, "when": {"2026-11-19 09:00"}}, token).check(t)
		if len(c.Errors["when"]) != 1 || !strings.HasPrefix(c.Errors["when"][0], "Esa hora ya pasó.") {
			t.Errorf("got %+v", c.Errors)
		}
	})

	t.Run("Instagram's format and YouTube's fields are next to their inputs", func(t *testing.T) {
		m := s.putMedia(pngBytes(t, 10, 10, 1), "a.png")
		c := b.postScript("/compose/validate", url.Values{"text": {"hola"}, "targets": {"ig-gob"}, "media": {m.ID}, "alt_" + m.ID: {"algo"}}, token).check(t)
		if len(c.Errors["media-"+m.ID]) != 1 {
			t.Errorf("Instagram's refusal of a PNG: got %+v", c.Errors)
		}
	})
}

func TestUIComposeDraftThenSchedule(t *testing.T) {
	s := newUIServer(t)
	s.mustCampaign("vacunación")
	b := s.signedIn("ana")
	token := b.get("/compose").csrf(t)
	ctx := context.Background()

	// A draft may lack accounts and a time.
	r := b.post("/compose", url.Values{"csrf_token": {token}, "text": {"Borrador de la campaña"}, "campaign": {"vacunación"}, "action": {"draft"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("draft: got %d\n%s", r.status, r.body)
	}
	id := strings.TrimPrefix(r.location(), "/posts/")
	post, err := s.db.Post(ctx, id)
	if err != nil || !post.IsDraft() || !post.ScheduledAt.IsZero() || post.Campaign != "vacunación" {
		t.Fatalf("got %+v %v, want a draft without time", post, err)
	}
	if !strings.Contains(html.UnescapeString(b.get("/").body), "Borrador guardado.") {
		t.Error("no flash after saving the draft")
	}

	edit := b.get("/posts/" + id + "/edit")
	if edit.status != http.StatusOK {
		t.Fatalf("edit: got %d\n%s", edit.status, edit.body)
	}
	body := html.UnescapeString(edit.body)
	for _, want := range []string{"<h1>Editar publicación</h1>", `action="/posts/` + id + `/edit"`, ">Borrador de la campaña</textarea>",
		`value="vacunación"`, `name="post_id" value="` + id + `"`, `value="schedule"`, `value="draft"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the draft's form lacks %s", want)
		}
	}

	t.Run("attaching a file to the draft without the script comes back to its form", func(t *testing.T) {
		p := attach(t, b, token, [][2]string{{"post_id", id}, {"text", "Borrador de la campaña"}}, "a.jpg", jpegBytes(t, 40, 50, 2))
		if p.status != http.StatusOK || len(p.mediaIDs()) != 1 || !strings.Contains(p.body, `action="/posts/`+id+`/edit"`) {
			t.Fatalf("got %d with media %v\n%s", p.status, p.mediaIDs(), p.body)
		}
		if post, _ := s.db.Post(ctx, id); len(post.Media) != 0 {
			t.Error("attaching saved the draft; it waits for the person to save")
		}
	})

	t.Run("scheduling asks for what a post needs", func(t *testing.T) {
		r := b.post("/posts/"+id+"/edit", url.Values{"csrf_token": {token}, "text": {"Borrador de la campaña"}, "action": {"schedule"}})
		if r.status != http.StatusUnprocessableEntity || !r.errorNext("targets", "Falta este dato.") {
			t.Fatalf("got %d\n%s", r.status, r.body)
		}
		if p, _ := s.db.Post(ctx, id); !p.IsDraft() {
			t.Error("the draft was scheduled")
		}
	})

	t.Run("with accounts and a time it is scheduled", func(t *testing.T) {
		r := b.post("/posts/"+id+"/edit", url.Values{"csrf_token": {token}, "text": {"Campaña lista"}, "targets": {"x-gob", "fb-gob"},
			"when": {"2026-11-23 08:30"}, "campaign": {"vacunación"}, "action": {"schedule"}})
		if r.status != http.StatusSeeOther || r.location() != "/posts/"+id {
			t.Fatalf("got %d to %q\n%s", r.status, r.location(), r.body)
		}
		p, err := s.db.Post(ctx, id)
		if err != nil || p.IsDraft() || len(p.Deliveries) != 2 || p.Text != "Campaña lista" ||
			!p.ScheduledAt.Equal(time.Date(2026, 11, 23, 13, 30, 0, 0, time.UTC)) {
			t.Fatalf("got %+v %v", p, err)
		}
	})

	t.Run("a scheduled post's form is pre-filled, its accounts fixed", func(t *testing.T) {
		ov := "Texto para Facebook"
		if _, err := s.db.UpdatePost(ctx, id, func(p *pregonero.Post) error {
			p.Overrides = map[string]pregonero.Override{"fb-gob": {Text: &ov, Description: "kept"}}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		edit := b.get("/posts/" + id + "/edit")
		body := html.UnescapeString(edit.body)
		for _, want := range []string{">Campaña lista</textarea>", `value="2026-11-23 08:30"`, `name="when_orig" value="2026-11-23 08:30"`,
			`<input type="hidden" name="targets" value="x-gob">`, `<input type="hidden" name="targets" value="fb-gob">`, ">Texto para Facebook</textarea>",
			`value="save"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the scheduled post's form lacks %s", want)
			}
		}
		if strings.Contains(body, `value="draft"`) || strings.Contains(body, `type="checkbox" name="targets"`) {
			t.Error("a scheduled post is offered to be a draft or to change accounts")
		}
		// Saving changes the text and keeps the time and what the page
		// does not show.
		r := b.post("/posts/"+id+"/edit", url.Values{"csrf_token": {token}, "text": {"Campaña corregida"}, "targets": {"x-gob", "fb-gob"},
			"ov_text_facebook": {ov}, "when": {"2026-11-23 08:30"}, "when_orig": {"2026-11-23 08:30"}, "action": {"save"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("save: got %d\n%s", r.status, r.body)
		}
		p, _ := s.db.Post(ctx, id)
		if p.Text != "Campaña corregida" || p.Overrides["fb-gob"].Description != "kept" || !p.ScheduledAt.Equal(time.Date(2026, 11, 23, 13, 30, 0, 0, time.UTC)) {
			t.Errorf("got %q %+v %s", p.Text, p.Overrides["fb-gob"], p.ScheduledAt)
		}
	})

	t.Run("an editor cannot open another dependencia's post", func(t *testing.T) {
		if r := s.signedIn("edu").get("/posts/" + id + "/edit"); r.status != http.StatusForbidden {
			t.Errorf("got %d, want 403", r.status)
		}
	})

	t.Run("a post whose deliveries do not all wait cannot be edited", func(t *testing.T) {
		p, _ := s.db.Post(ctx, id)
		s.failDelivery(t, p.Deliveries[0].ID, "x_duplicate", "Duplicate.", pregonero.ClassDuplicate)
		if r := b.get("/posts/" + id + "/edit"); r.status != http.StatusConflict {
			t.Errorf("got %d, want 409", r.status)
		}
		if r := b.get("/posts/p_nothing/edit"); r.status != http.StatusNotFound {
			t.Errorf("unknown post: got %d, want 404", r.status)
		}
	})
}

func TestUIComposeToTheQueue(t *testing.T) {
	s := newUIServer(t)
	s.queueSlots(t, "x-salud", weekdaySlot)
	b := s.signedIn("ana")
	token := b.get("/compose").csrf(t)
	if p := b.get("/compose"); !strings.Contains(p.body, `data-when="cola"`) {
		t.Error("the form offers no quick choice for the queue")
	}
	r := b.post("/compose", url.Values{"csrf_token": {token}, "text": {"Boletín de la mañana"}, "targets": {"x-salud"},
		"when": {" En la  Cola "}, "action": {"schedule"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("got %d\n%s", r.status, r.body)
	}
	p, err := s.db.Post(context.Background(), strings.TrimPrefix(r.location(), "/posts/"))
	if err != nil {
		t.Fatal(err)
	}
	// The harness's clock stands on Sunday 22 November 2026: the next
	// weekday slot is Monday at 07:00 in Bogotá.
	want := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if len(p.Deliveries) != 1 || !p.Deliveries[0].ScheduledAt.Equal(want) {
		t.Errorf("got deliveries %+v, want one at %s", p.Deliveries, want)
	}
}
