package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"pregonero"
	"pregonero/web"
)

// postImport sends the import page's multipart form: the token first,
// then the fields, then the file when there is one.
func (b *browser) postImport(token string, fields url.Values, filename, data string) page {
	b.tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if token != "" {
		_ = mw.WriteField("csrf_token", token)
	}
	for name, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(name, v)
		}
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			b.tb.Fatal(err)
		}
		_, _ = fw.Write([]byte(data))
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.base+"/import", &body)
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// importBadFile has one good row for x-salud and one for an account that
// does not exist, on line 3.
const importBadFile = "text;targets;scheduled_at\r\n" +
	"Jornada de vacunación en Jardín 💉;x-salud;2026-11-25 09:00\r\n" +
	"Mal;x-nadie;2026-11-25 10:00\r\n"

var hiddenDataRE = regexp.MustCompile(`name="data" value="([^"]*)"`)

func TestUIImportPage(t *testing.T) {
	t.Run("admins and editors open it, viewers are refused", func(t *testing.T) {
		s := newUIServer(t)
		for _, who := range []string{"ana", "edu"} {
			p := s.signedIn(who).get("/import")
			if p.status != http.StatusOK || !strings.Contains(p.body, "Importar publicaciones") || !strings.Contains(p.body, `enctype="multipart/form-data"`) {
				t.Errorf("%s: got %d\n%s", who, p.status, p.body)
			}
		}
		if p := s.signedIn("vera").get("/import"); p.status != http.StatusForbidden {
			t.Errorf("viewer: got %d, want 403", p.status)
		}
		if p := s.signedIn("vera").postImport("", nil, "a.csv", importBadFile); p.status != http.StatusForbidden {
			t.Errorf("viewer's upload: got %d, want 403", p.status)
		}
	})
	t.Run("a file with a bad row shows the report in Spanish, and the valid rows import", func(t *testing.T) {
		s := newUIServer(t)
		b := s.signedIn("edu")
		token := b.get("/import").csrf(t)
		p := b.postImport(token, url.Values{"action": {"check"}}, "plan.csv", importBadFile)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("check: got %d\n%s", p.status, p.body)
		}
		for _, want := range []string{"Filas: 2. Sin errores: 1. Con errores: 1.", "Separador: punto y coma (;).",
			`<th scope="row" class="num">3</th>`, "<code>targets</code>", "No existe la cuenta «x-nadie».",
			"Importar solo las filas válidas (1)"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the report lacks %q", want)
			}
		}
		if n := countPosts(t, s); n != 0 {
			t.Fatalf("%d posts after the check, want none", n)
		}
		m := hiddenDataRE.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatal("no copy of the file in the confirmation form")
		}
		p = b.postImport(token, url.Values{"action": {"import"}, "valid_only": {"yes"}, "filename": {"plan.csv"}, "data": {m[1]}}, "", "")
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/import?id=") {
			t.Fatalf("import: got %d to %q\n%s", p.status, p.location(), p.body)
		}
		done := b.get(p.location())
		for _, want := range []string{"Listo. Publicaciones importadas: 1.", "Jornada de vacunación en Jardín 💉", `href="/posts/p_`, "plan.csv"} {
			if !strings.Contains(done.body, want) {
				t.Errorf("the result lacks %q\n%s", want, done.body)
			}
		}
		if n := countPosts(t, s); n != 1 {
			t.Errorf("%d posts, want 1", n)
		}
		// The same file again: the first import's posts.
		p = b.postImport(token, url.Values{"action": {"import"}, "valid_only": {"yes"}, "data": {m[1]}}, "", "")
		if again := b.get(p.location()); !strings.Contains(again.body, "ya se había importado") {
			t.Errorf("again: %d %q\n%s", p.status, p.location(), again.body)
		}
		if n := countPosts(t, s); n != 1 {
			t.Errorf("%d posts after the second upload, want 1", n)
		}
	})
	t.Run("an editor's row for another dependencia's account is refused on its row", func(t *testing.T) {
		s := newUIServer(t)
		b := s.signedIn("edu")
		token := b.get("/import").csrf(t)
		p := b.postImport(token, nil, "a.csv", "text,targets\nhola,x-gob\n")
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "pertenece a otra dependencia") {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})
	t.Run("a good file imports all its rows", func(t *testing.T) {
		s := newUIServer(t)
		b := s.signedIn("ana")
		token := b.get("/import").csrf(t)
		p := b.postImport(token, nil, "a.csv", "text,targets,draft\nuno,x-gob,sí\ndos,x-salud,no\n")
		if p.status != http.StatusOK || !strings.Contains(p.body, "Todas las filas están bien. Publicaciones que se crearán: 2.") {
			t.Fatalf("check: got %d\n%s", p.status, p.body)
		}
		data := hiddenDataRE.FindStringSubmatch(p.body)[1]
		if p := b.postImport(token, url.Values{"action": {"import"}, "data": {data}}, "", ""); p.status != http.StatusSeeOther {
			t.Fatalf("import: got %d", p.status)
		}
		if n := countPosts(t, s); n != 2 {
			t.Errorf("%d posts, want 2", n)
		}
	})
	t.Run("no file is said next to the field", func(t *testing.T) {
		s := newUIServer(t)
		b := s.signedIn("ana")
		token := b.get("/import").csrf(t)
		p := b.postImport(token, url.Values{"action": {"check"}}, "", "")
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `<p class="field-error" id="file-error">Elija el archivo CSV que quiere importar.</p>`) {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})
	t.Run("an upload without the session's token is refused before the file is read", func(t *testing.T) {
		s := newUIServer(t)
		b := s.signedIn("ana")
		token := b.get("/import").csrf(t)
		for name, tok := range map[string]string{"none": "", "wrong": token + "x"} {
			p := b.postImport(tok, url.Values{"action": {"import"}}, "a.csv", "text,targets\nhola,x-gob\n")
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "caducó") {
				t.Errorf("%s token: got %d", name, p.status)
			}
		}
		if p := b.post("/import", url.Values{"csrf_token": {token + "x"}}); p.status != http.StatusForbidden {
			t.Errorf("urlencoded with a wrong token: got %d", p.status)
		}
		if n := countPosts(t, s); n != 0 {
			t.Errorf("%d posts, want none", n)
		}
	})
	t.Run("the page speaks English on request", func(t *testing.T) {
		s := newUIServer(t)
		b := s.browserWithLang("en")
		b.signIn("ana")
		token := b.get("/import").csrf(t)
		p := b.postImport(token, nil, "a.csv", "text,targets,fecha\nhola,x-gob,1\n")
		if !strings.Contains(p.body, "There is no column") {
			t.Errorf("got %d\n%s", p.status, p.body)
		}
	})
}

func TestUIImportExportDownload(t *testing.T) {
	s := newUIServer(t)
	b := s.signedIn("vera")
	if _, err := s.client().Import(context.Background(), []byte("text,targets,scheduled_at\nuno,x-gob,2026-11-25 09:00\ndos,x-salud,2026-11-27 09:00\n"), web.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	p := b.get("/import/export.csv?from=2026-11-25&to=2026-11-25&account=&campaign=&status=")
	if p.status != http.StatusOK || p.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("got %d %s\n%s", p.status, p.header.Get("Content-Type"), p.body)
	}
	if !strings.Contains(p.body, ",uno,") || strings.Contains(p.body, ",dos,") {
		t.Errorf("export of 25 November:\n%s", p.body)
	}
	if p := s.browser().get("/import/export.csv"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
		t.Errorf("signed out: got %d to %q", p.status, p.location())
	}
	if p := b.get("/import/export.csv?status=nada"); p.status != http.StatusUnprocessableEntity {
		t.Errorf("bad status: got %d", p.status)
	}
}

func countPosts(t *testing.T, s *uiServer) int {
	t.Helper()
	page, err := s.db.Posts(context.Background(), pregonero.PostFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Posts)
}
