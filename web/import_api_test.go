package web_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"pregonero"
	"pregonero/posting"
	"pregonero/users"
	"pregonero/web"
)

// importCSV is a file of two rows, the second one bad (an account that
// does not exist), in the es-CO Excel dialect: ";", BOM and CRLF.
const importCSV = "\ufefftext;targets;scheduled_at\r\n" +
	"Vías del Nordeste: avance 🚧;x-gob|x-salud;2026-11-25 09:00\r\n" +
	"Vacunación en Jardín;x-nadie;2026-11-25 10:00\r\n"

func TestImportAPI(t *testing.T) {
	ctx := context.Background()
	t.Run("a refused import answers 422 with the report and the rows in the fields", func(t *testing.T) {
		ts := newTestServer(t)
		r := ts.request("POST", "/api/v1/imports?filename=plan.csv", importCSV, "Content-Type", "text/csv")
		wantStatus(t, r, http.StatusUnprocessableEntity)
		e := r.apiError(t)
		if e.Code != pregonero.EINVALID || len(e.Fields) != 1 || !strings.Contains(e.Fields[0].Message, "row 3, column targets") {
			t.Errorf("error %+v, want one field naming row 3, column targets", e)
		}
		var body struct {
			Report posting.ImportReport `json:"report"`
		}
		r.decode(t, &body)
		if body.Report.Rows != 2 || body.Report.Valid != 1 || body.Report.Errors[0].Row != 3 || body.Report.Errors[0].Column != "targets" {
			t.Errorf("report %+v", body.Report)
		}
	})
	t.Run("the client gets the report of a refusal, a dry run, an import and a replay", func(t *testing.T) {
		ts := newTestServer(t)
		cl := ts.client()
		rep, err := cl.Import(ctx, []byte(importCSV), web.ImportOptions{Filename: "plan.csv"})
		var refused *web.ImportRefusedError
		if !errors.As(err, &refused) || rep == nil || len(rep.Errors) != 1 || pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Fatalf("Import() = %+v, %v; want a refusal with its report", rep, err)
		}
		dry, err := cl.Import(ctx, []byte(importCSV), web.ImportOptions{ValidOnly: true, DryRun: true})
		if err != nil || dry.Created || dry.Valid != 1 {
			t.Fatalf("dry run = %+v, %v", dry, err)
		}
		made, err := cl.Import(ctx, []byte(importCSV), web.ImportOptions{ValidOnly: true})
		if err != nil || !made.Created || len(made.Posts) != 1 || made.Skipped != 1 {
			t.Fatalf("valid only = %+v, %v", made, err)
		}
		again, err := cl.Import(ctx, []byte(importCSV), web.ImportOptions{ValidOnly: true})
		if err != nil || !again.Replayed || again.Posts[0] != made.Posts[0] {
			t.Fatalf("again = %+v, %v; want the first import's post", again, err)
		}
		p, err := cl.Post(ctx, made.Posts[0].PostID)
		if err != nil || p.Text != "Vías del Nordeste: avance 🚧" || len(p.Deliveries) != 2 {
			t.Errorf("post %+v, %v", p, err)
		}
		var rec pregonero.Import
		r := ts.request("GET", "/api/v1/imports/"+made.ID, nil)
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &rec)
		if len(rec.Posts) != 1 || rec.Posts[0].Row != 2 {
			t.Errorf("record %+v", rec)
		}
	})
	t.Run("a created import answers 201", func(t *testing.T) {
		ts := newTestServer(t)
		r := ts.request("POST", "/api/v1/imports", "text,targets\nhola,x-gob\n", "Content-Type", "text/csv")
		wantStatus(t, r, http.StatusCreated)
	})
	t.Run("bad parameters and a JSON body are refused", func(t *testing.T) {
		ts := newTestServer(t)
		r := ts.request("POST", "/api/v1/imports?dry_run=quizás&x=1", "text,targets\n", "Content-Type", "text/csv")
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if e := r.apiError(t); len(e.Fields) != 2 {
			t.Errorf("fields %+v, want dry_run and x", e.Fields)
		}
		r = ts.request("POST", "/api/v1/imports", map[string]string{"text": "hola"})
		wantStatus(t, r, http.StatusUnsupportedMediaType)
	})
	t.Run("a viewer may not import", func(t *testing.T) {
		var svc *users.Service
		ts := newTestServer(t, withUsersService(&svc))
		_, token := userWithToken(t, svc, "vera", pregonero.RoleViewer)
		r := ts.request("POST", "/api/v1/imports", "text,targets\nhola,x-gob\n", "Content-Type", "text/csv", "Authorization", "Bearer "+token)
		wantStatus(t, r, http.StatusForbidden)
	})
}

func TestExportPostsAPI(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	cl := ts.client()
	if _, err := cl.Import(ctx, []byte("text,targets,scheduled_at\n\"Uno, con coma\",x-gob,2026-11-25 09:00\nDos,x-salud,2026-11-26 09:00\n"), web.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := cl.ExportPostsCSV(ctx, url.Values{"account": {"x-gob"}}, &out); err != nil {
		t.Fatal(err)
	}
	want := "\ufeffid,status,text,link,targets,scheduled_at,media,alt_text,campaign,draft,state:x-gob,url:x-gob\r\n"
	if !strings.HasPrefix(out.String(), want) || !strings.Contains(out.String(), `,scheduled,"Uno, con coma",,x-gob,2026-11-25T09:00:00-05:00,,,,false,queued,`+"\r\n") {
		t.Errorf("export:\n%s", out.String())
	}
	r := ts.request("GET", "/api/v1/export/posts.csv?campaign=c_1&status=draft", nil)
	wantStatus(t, r, http.StatusOK)
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename=posts-c_1-draft.csv` {
		t.Errorf("Content-Disposition %q", cd)
	}
	r = ts.request("GET", "/api/v1/export/posts.csv?cursor=abc&status=nada", nil)
	wantStatus(t, r, http.StatusUnprocessableEntity)

	// The file imports into an empty server as the same posts.
	other := newTestServer(t)
	rep, err := other.client().Import(ctx, out.Bytes(), web.ImportOptions{})
	if err != nil || !rep.Created || len(rep.Posts) != 1 {
		t.Fatalf("import of the export = %+v, %v", rep, err)
	}
	p, err := other.client().Post(ctx, rep.Posts[0].PostID)
	if err != nil || p.Text != "Uno, con coma" || p.Targets[0] != "x-gob" {
		t.Errorf("post %+v, %v", p, err)
	}
}
