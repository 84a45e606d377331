package posting_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
	"pregonero/posting"
)

// importFile is a CSV file of n rows to x-gob and x-salud, on the
// following days at 9:00 in Bogotá, each with its row number in the text.
func importFile(n int) []byte {
	var b strings.Builder
	b.WriteString("text,targets,scheduled_at\n")
	for i := range n {
		at := t0.AddDate(0, 0, 1+i%300).Format("2006-01-02") + " 09:00"
		fmt.Fprintf(&b, "\"Boletín %d, con \"\"comillas\"\": jornada de vacunación gratuita en los 125 municipios de Antioquia. "+
			"Más información en https://antioquia.gov.co/salud #VacunaciónAntioquia\",x-gob|x-salud,%s\n", i, at)
	}
	return []byte(b.String())
}

func (f *fixture) importFile(t *testing.T, ctx context.Context, req posting.ImportRequest) *posting.ImportReport {
	t.Helper()
	rep, err := f.svc.Import(ctx, req)
	if err != nil {
		t.Fatalf("Import() = %v", err)
	}
	return rep
}

// errorsAt lists a report's errors as "row/column/code".
func errorsAt(rep *posting.ImportReport) []string {
	out := []string{}
	for _, e := range rep.Errors {
		out = append(out, fmt.Sprintf("%d/%s/%s", e.Row, e.Column, e.Code))
	}
	return out
}

func TestImportOfTenThousandRowsWithOneBadRowCreatesNothing(t *testing.T) {
	f := newFixture(t)
	data := importFile(10_000)
	// Row 7,345 of the data, line 7,346 of the file, goes to an account
	// that does not exist.
	lines := bytes.Split(data, []byte("\n"))
	lines[7345] = bytes.Replace(lines[7345], []byte("x-gob|x-salud"), []byte("x-gob|x-nadie"), 1)
	data = bytes.Join(lines, []byte("\n"))

	rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: data, Filename: "diciembre.csv"})
	if got, want := errorsAt(rep), []string{"7346/targets/unknown"}; !reflect.DeepEqual(got, want) {
		t.Errorf("errors %v, want %v", got, want)
	}
	if !rep.Refused() || rep.Created || rep.Rows != 10_000 || rep.Valid != 9_999 {
		t.Errorf("report: refused %v, created %v, rows %d, valid %d; want refused, 10000 rows, 9999 valid", rep.Refused(), rep.Created, rep.Rows, rep.Valid)
	}
	if n := f.postCount(t); n != 0 {
		t.Errorf("%d posts stored, want none", n)
	}
	if e := rep.Errors[0]; !strings.Contains(e.Message, "x-nadie") {
		t.Errorf("message %q does not name the account", e.Message)
	}
}

func TestImportReportsEveryRowsErrorsByRowAndColumn(t *testing.T) {
	f := newFixture(t)
	f.mustCampaign(t, "c_vias")
	data := "text,targets,scheduled_at,campaign,draft,media,alt_text,text:x-salud\n" +
		"Bien,x-gob,2026-12-08 09:00,c_vias,no,,,\n" +
		strings.Repeat("a", 281) + ",x-gob,ayer a las 9,nada,tal vez,,,\n" +
		"\"varias\nlíneas\",x-gob,2026-12-08 09:00,,,m_nope,uno|dos,\n" +
		"Propio,x-gob,2026-12-08 09:00,,,,,solo para salud\n" +
		"Pasado,x-gob,2026-12-01 09:00,,,,,\n"
	rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: []byte(data)})
	want := []string{
		"3/scheduled_at/invalid", "3/campaign/unknown", "3/draft/invalid", "3/text/too_long",
		"4/alt_text/too_many", "4/media/unknown",
		"6/text:x-salud/unknown",
		"7/scheduled_at/in_past",
	}
	if got := errorsAt(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("errors\ngot  %v\nwant %v", got, want)
	}
	if rep.Rows != 5 || rep.Valid != 1 {
		t.Errorf("rows %d valid %d, want 5 and 1", rep.Rows, rep.Valid)
	}
	if n := f.postCount(t); n != 0 {
		t.Errorf("%d posts stored, want none", n)
	}
}

// TestImportListsARowsMediaErrorsInTheirOrder: the errors of a row's
// media come in the order of the media, the same on every upload.
func TestImportListsARowsMediaErrorsInTheirOrder(t *testing.T) {
	f := newFixture(t)
	data := []byte("text,targets,media\nFotos,x-gob,http://|https://|http:///sin-servidor|https:// \n")
	for range 10 {
		rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: data, DryRun: true})
		var got []string
		for _, e := range rep.Errors {
			got = append(got, e.Field)
		}
		if want := []string{"media[0]", "media[1]", "media[2]", "media[3]"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("errors on %v, want %v", got, want)
		}
	}
}

func TestImportHeaderErrors(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct {
		name, header string
		want         []string
	}{
		{"an unknown column", "text,targets,fecha", []string{"1/fecha/unknown"}},
		{"a column twice", "text,targets,text", []string{"1/text/duplicate"}},
		{"no targets column", "text,scheduled_at", []string{"1/targets/required"}},
		{"the text of an unknown account", "text,targets,text:x-nadie", []string{"1/text:x-nadie/unknown"}},
	} {
		t.Run(tt.name+" is refused on line 1", func(t *testing.T) {
			rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: []byte(tt.header + "\nhola,x-gob,\n")})
			if got := errorsAt(rep); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("a file that is not UTF-8 is refused as a whole", func(t *testing.T) {
		rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: []byte("text,targets\nVacunaci\xf3n,x-gob\n")})
		if got, want := errorsAt(rep), []string{"2//invalid"}; !reflect.DeepEqual(got, want) {
			t.Errorf("errors %v, want %v", got, want)
		}
	})
	t.Run("the export's columns are skipped", func(t *testing.T) {
		rep := f.importFile(t, context.Background(), posting.ImportRequest{DryRun: true,
			Data: []byte("id,status,text,targets,state:x-gob,url:x-gob\np_1,published,hola,x-gob,published,https://x.com/1\n")})
		if len(rep.Errors) != 0 || !reflect.DeepEqual(rep.Ignored, []string{"id", "status", "state:x-gob", "url:x-gob"}) {
			t.Errorf("errors %v, ignored %v; want none and the four export columns", rep.Errors, rep.Ignored)
		}
	})
}

func TestImportReadsSemicolonsBOMAndCRLF(t *testing.T) {
	f := newFixture(t)
	data := "\ufefftext;targets;scheduled_at;draft\r\n" +
		"\"Vías; puentes y \"\"túneles\"\"\";x-gob|x-salud;08/12/2026 07:30;sí\r\n" +
		"Segundo, con coma;x-gob;2026-12-09 18:00;no\r\n" +
		";;;\r\n"
	rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: []byte(data)})
	if !rep.Created || len(rep.Errors) != 0 || rep.Separator != ";" || rep.Rows != 2 {
		t.Fatalf("created %v, errors %v, separator %q, rows %d; want 2 rows created with ;", rep.Created, rep.Errors, rep.Separator, rep.Rows)
	}
	first, err := f.svc.Post(context.Background(), rep.Posts[0].PostID)
	if err != nil {
		t.Fatal(err)
	}
	if first.Text != `Vías; puentes y "túneles"` || !reflect.DeepEqual(first.Targets, []string{"x-gob", "x-salud"}) || !first.IsDraft() {
		t.Errorf("first post %q to %v draft %v", first.Text, first.Targets, first.IsDraft())
	}
	if want := time.Date(2026, 12, 8, 12, 30, 0, 0, time.UTC); !first.ScheduledAt.Equal(want) {
		t.Errorf("scheduled at %v, want %v (7:30 in Bogotá)", first.ScheduledAt, want)
	}
	if got := []int{rep.Posts[0].Row, rep.Posts[1].Row}; !reflect.DeepEqual(got, []int{2, 3}) {
		t.Errorf("rows %v, want [2 3]", got)
	}
}

func TestImportKeepsAccentsAndEmojiExactly(t *testing.T) {
	f := newFixture(t)
	text := "Ñandú en Jardín 🌄🇨🇴: ¿quién cuidará los páramos? \"Sí\"\nSegunda línea"
	own := "Salud: vacúnate 💉"
	data := "text,targets,scheduled_at,text:x-salud\n" + csvCell(text) + ",x-gob|x-salud,+1h," + csvCell(own) + "\n"
	rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: []byte(data)})
	if !rep.Created {
		t.Fatalf("not created: %v", rep.Errors)
	}
	p, err := f.svc.Post(context.Background(), rep.Posts[0].PostID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Text != text {
		t.Errorf("text %q, want %q", p.Text, text)
	}
	if o := p.Overrides["x-salud"]; o.Text == nil || *o.Text != own {
		t.Errorf("x-salud's own text %v, want %q", o.Text, own)
	}
}

func csvCell(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func TestImportOfTheSameFileAgainReturnsTheFirstImport(t *testing.T) {
	f := newFixture(t)
	data := importFile(3)
	first := f.importFile(t, context.Background(), posting.ImportRequest{Data: data, Filename: "a.csv"})
	if !first.Created || len(first.Posts) != 3 {
		t.Fatalf("first import created %v with %d posts; errors %v", first.Created, len(first.Posts), first.Errors)
	}
	f.clock.Advance(time.Hour)
	again := f.importFile(t, context.Background(), posting.ImportRequest{Data: data, Filename: "a (1).csv"})
	if again.Created || !again.Replayed || !reflect.DeepEqual(again.Posts, first.Posts) || again.ID != first.ID {
		t.Errorf("second import: created %v replayed %v posts %v; want the first import's %v", again.Created, again.Replayed, again.Posts, first.Posts)
	}
	if n := f.postCount(t); n != 3 {
		t.Errorf("%d posts stored, want 3", n)
	}
	rec, err := f.svc.ImportRecord(context.Background(), first.ID)
	if err != nil || rec.Filename != "a.csv" || len(rec.Posts) != 3 {
		t.Errorf("ImportRecord() = %+v, %v", rec, err)
	}
}

// TestImportOfTheSameFileAtOnceMakesOneImport: the same file uploaded
// twice at once, to the queue, is imported once; both answers name the
// same posts, and the slots the second upload had planned stay free.
func TestImportOfTheSameFileAtOnceMakesOneImport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.setSlots(t, "x-gob", weekdays)
	data := []byte("text,targets,scheduled_at\nuno,x-gob,queue\ndos,x-gob,queue\n")
	var wg sync.WaitGroup
	reps := make([]*posting.ImportReport, 4)
	for i := range reps {
		wg.Go(func() {
			rep, err := f.svc.Import(ctx, posting.ImportRequest{Data: data})
			if err != nil {
				t.Errorf("Import() = %v", err)
			}
			reps[i] = rep
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	created := 0
	for _, rep := range reps {
		if rep.Created {
			created++
		}
		if !reflect.DeepEqual(rep.Posts, reps[0].Posts) || len(rep.Posts) != 2 {
			t.Errorf("posts %v, want the one import's %v", rep.Posts, reps[0].Posts)
		}
	}
	if created != 1 {
		t.Errorf("%d uploads created the posts, want 1", created)
	}
	if n := f.postCount(t); n != 2 {
		t.Errorf("%d posts stored, want 2", n)
	}
	// Monday 12:30 and 18:00 are the import's; Wednesday 7:00 is free.
	if at, ok, err := f.svc.NextFreeSlot(ctx, "x-gob"); err != nil || !ok || !at.Equal(local(9, 7, 0)) {
		t.Errorf("NextFreeSlot() = %v, %v, %v; want Wednesday 7:00", at, ok, err)
	}
}

func TestImportValidOnlyCreatesTheRowsThatPass(t *testing.T) {
	f := newFixture(t)
	data := "text,targets\nuno,x-gob\ndos,x-nadie\ntres,x-salud\n"
	rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: []byte(data), ValidOnly: true})
	if !rep.Created || rep.Skipped != 1 || len(rep.Posts) != 2 || !reflect.DeepEqual(errorsAt(rep), []string{"3/targets/unknown"}) {
		t.Fatalf("created %v skipped %d posts %v errors %v", rep.Created, rep.Skipped, rep.Posts, errorsAt(rep))
	}
	if got := []int{rep.Posts[0].Row, rep.Posts[1].Row}; !reflect.DeepEqual(got, []int{2, 4}) {
		t.Errorf("rows %v, want [2 4]", got)
	}
	if n := f.postCount(t); n != 2 {
		t.Errorf("%d posts stored, want 2", n)
	}
}

func TestImportDryRunCreatesNothing(t *testing.T) {
	f := newFixture(t)
	rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: importFile(5), DryRun: true})
	if rep.Created || rep.Refused() || rep.Valid != 5 || len(rep.Errors) != 0 {
		t.Errorf("dry run: created %v valid %d errors %v", rep.Created, rep.Valid, rep.Errors)
	}
	if n := f.postCount(t); n != 0 {
		t.Errorf("%d posts stored, want none", n)
	}
	// A dry run records nothing: the real import still creates.
	if rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: importFile(5)}); !rep.Created {
		t.Errorf("import after a dry run: created %v", rep.Created)
	}
}

func TestImportResolvesCampaignsByNameAndKeepsAltTexts(t *testing.T) {
	f := newFixture(t)
	c := f.campaign(t, context.Background(), vias())
	f.putMedia(t, "m_uno", "alt de la biblioteca")
	f.putMedia(t, "m_dos", "")
	data := "text,targets,campaign,media,alt_text\n" +
		"Obras,x-gob,VÍAS DEL NORDESTE,m_uno|m_dos,|Puente en Anorí \\| tramo 2\n"
	rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: []byte(data)})
	if !rep.Created {
		t.Fatalf("not created: %v", rep.Errors)
	}
	p, err := f.svc.Post(context.Background(), rep.Posts[0].PostID)
	if err != nil {
		t.Fatal(err)
	}
	want := []pregonero.PostMedia{{ID: "m_uno", AltText: "alt de la biblioteca"}, {ID: "m_dos", AltText: "Puente en Anorí | tramo 2"}}
	if p.Campaign != c.ID || !reflect.DeepEqual(p.Media, want) {
		t.Errorf("campaign %q media %v, want %q %v", p.Campaign, p.Media, c.ID, want)
	}
}

func TestImportDownloadsMediaURLsOnceWhenItIsMade(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	calls := map[string]int{}
	svc, err := posting.New(posting.Config{Store: f.db, Sender: f.sender, Now: f.clock.Now,
		Adapters: map[pregonero.Network]pregonero.Adapter{pregonero.NetworkX: &adapter{network: pregonero.NetworkX}},
		Fetch: func(ctx context.Context, url, alt string) (*pregonero.Media, error) {
			mu.Lock()
			calls[url]++
			mu.Unlock()
			if strings.Contains(url, "404") {
				return nil, pregonero.Invalid([]pregonero.FieldError{{Field: "url", Code: pregonero.FieldInvalid, Message: "The server answered 404 Not Found."}})
			}
			m := &pregonero.Media{ID: "m_descargada", SHA256: "m_descargada", MIME: "image/jpeg", Size: 10, CreatedAt: t0}
			return m, f.db.PutMedia(ctx, m)
		}})
	if err != nil {
		t.Fatal(err)
	}
	data := "targets,media,alt_text\n" +
		"x-gob,https://antioquia.gov.co/foto.jpg,Foto del puente\n" +
		"x-salud,https://antioquia.gov.co/foto.jpg,\n" +
		"x-gob,https://antioquia.gov.co/404.jpg,\n"
	dry, err := svc.Import(context.Background(), posting.ImportRequest{Data: []byte(data), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.Errors) != 0 || len(calls) != 0 {
		t.Fatalf("dry run: errors %v, downloads %v; want none of either", dry.Errors, calls)
	}
	rep, err := svc.Import(context.Background(), posting.ImportRequest{Data: []byte(data), ValidOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := errorsAt(rep), []string{"4/media/invalid"}; !reflect.DeepEqual(got, want) || len(rep.Posts) != 2 {
		t.Fatalf("errors %v posts %v, want %v and 2 posts", got, rep.Posts, want)
	}
	if calls["https://antioquia.gov.co/foto.jpg"] != 1 {
		t.Errorf("downloads %v, want the shared URL once", calls)
	}
	p, err := svc.Post(context.Background(), rep.Posts[0].PostID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []pregonero.PostMedia{{ID: "m_descargada", AltText: "Foto del puente"}}; !reflect.DeepEqual(p.Media, want) {
		t.Errorf("media %v, want %v", p.Media, want)
	}
}

func TestImportChecksWhoMayPostToEachRow(t *testing.T) {
	f := newAccessFixture(t)
	data := []byte("text,targets\nsalud,x-salud\ngobernación,x-gob\n")
	rep := f.importFile(t, as(salud), posting.ImportRequest{Data: data})
	if got, want := errorsAt(rep), []string{"3/targets/forbidden"}; !reflect.DeepEqual(got, want) {
		t.Errorf("errors %v, want %v", got, want)
	}
	rep = f.importFile(t, as(salud), posting.ImportRequest{Data: data, ValidOnly: true})
	p, err := f.svc.Post(context.Background(), rep.Posts[0].PostID)
	if err != nil || p.Author != salud.Username || len(rep.Posts) != 1 || rep.Author != salud.Username {
		t.Errorf("post %+v, %v; want one post by %s", p, err, salud.Username)
	}
	if _, err := f.svc.Import(as(viewer), posting.ImportRequest{Data: data}); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
		t.Errorf("import by a viewer = %v, want forbidden", err)
	}
}

func TestExportedPostsImportIntoAnEmptyServerAsTheSamePosts(t *testing.T) {
	ctx := context.Background()
	src := newFixture(t)
	src.putMedia(t, "m_foto", "")
	c := src.campaign(t, ctx, vias())
	own := "Solo salud | con barra y \\ barra invertida 💉"
	drafts := []posting.Draft{
		{Text: "=SUMA(A1) no es una fórmula, «Ñandú» 🇨🇴\nsegunda línea", Targets: []string{"x-gob", "x-salud"}, ScheduledAt: "2026-12-24T09:00",
			Overrides: map[string]pregonero.Override{"x-salud": {Text: &own}}, Campaign: c.ID, Link: "https://antioquia.gov.co/a?b=1,2"},
		{Text: "Con foto", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-25T10:30",
			Media: []pregonero.PostMedia{{ID: "m_foto", AltText: "Puente | Anorí"}}},
		{Text: "'-apóstrofo y guion", Targets: []string{"x-salud"}, Draft: true},
	}
	for _, d := range drafts {
		src.create(t, d)
	}
	var out bytes.Buffer
	n, err := src.svc.ExportPostsCSV(ctx, pregonero.PostFilter{}, nil, &out)
	if err != nil || n != 3 {
		t.Fatalf("ExportPostsCSV() = %d, %v", n, err)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("\ufeffid,status,text,link,targets,scheduled_at,media,alt_text,campaign,draft,state:x-gob,url:x-gob,text:x-salud,state:x-salud,url:x-salud\r\n")) {
		t.Errorf("header:\n%s", strings.SplitN(out.String(), "\n", 2)[0])
	}
	// A spreadsheet shows these as text, not formulas; the import drops
	// the apostrophe again.
	for _, cell := range []string{`"'=SUMA(A1) no es una fórmula`, `,''-apóstrofo y guion,`} {
		if !strings.Contains(out.String(), cell) {
			t.Errorf("the export lacks the cell %s:\n%s", cell, out.String())
		}
	}

	dst := newFixture(t)
	dst.putMedia(t, "m_foto", "")
	// The same campaign, under the id the file names.
	if err := dst.db.CreateCampaign(ctx, &pregonero.Campaign{ID: c.ID, Name: c.Name, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	rep := dst.importFile(t, ctx, posting.ImportRequest{Data: out.Bytes()})
	if !rep.Created || len(rep.Posts) != 3 {
		t.Fatalf("import of the export: created %v, errors %v", rep.Created, rep.Errors)
	}
	page, err := src.db.Posts(ctx, pregonero.PostFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i, ip := range rep.Posts {
		want := page.Posts[i]
		got, err := dst.svc.Post(ctx, ip.PostID)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := samePost(got), samePost(want); g != w {
			t.Errorf("row %d:\ngot  %s\nwant %s", ip.Row, g, w)
		}
	}
}

func TestExportPostsFiltersAndStates(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	a := f.create(t, posting.Draft{Text: "uno", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-10T09:00"})
	f.create(t, posting.Draft{Text: "dos", Targets: []string{"x-salud"}, ScheduledAt: "2026-12-11T09:00"})
	var out bytes.Buffer
	n, err := f.svc.ExportPostsCSV(ctx, pregonero.PostFilter{Account: "x-gob"}, nil, &out)
	if err != nil || n != 1 {
		t.Fatalf("ExportPostsCSV(account) = %d, %v", n, err)
	}
	want := "\ufeffid,status,text,link,targets,scheduled_at,media,alt_text,campaign,draft,state:x-gob,url:x-gob\r\n" +
		a.ID + ",scheduled,uno,,x-gob,2026-12-10T09:00:00-05:00,,,,false,queued,\r\n"
	if out.String() != want {
		t.Errorf("export:\n%q\nwant\n%q", out.String(), want)
	}
}

// samePost writes what an import must carry over of a post.
func samePost(p *pregonero.Post) string {
	own := map[string]string{}
	for id, o := range p.Overrides {
		if o.Text != nil {
			own[id] = *o.Text
		}
	}
	return fmt.Sprintf("text %q link %q campaign %q targets %q media %v own %q at %s draft %v deliveries %d",
		p.Text, p.Link, p.Campaign, p.Targets, p.Media, own, p.ScheduledAt.UTC(), p.IsDraft(), len(p.Deliveries))
}

// FuzzImport feeds the import arbitrary files: it must answer with a
// report or a store error, never panic, and create nothing on a dry run.
func FuzzImport(f *testing.F) {
	f.Add([]byte("text,targets\nhola,x-gob\n"))
	f.Add([]byte("\ufefftext;targets;draft\r\n\"a;\"\"b\";x-gob|x-salud;sí\r\n"))
	f.Add([]byte("text,targets\n\"sin cerrar,x-gob\n"))
	f.Add([]byte("text:x-gob,targets,media,alt_text\n,x-gob,http://a/b|m_x,\\|\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fx := newFixture(t)
		rep, err := fx.svc.Import(context.Background(), posting.ImportRequest{Data: data, DryRun: true})
		if err != nil {
			t.Fatalf("Import() = %v", err)
		}
		if rep.Valid > rep.Rows {
			t.Errorf("valid %d > rows %d", rep.Valid, rep.Rows)
		}
	})
}

func TestImportQueueRowsTakeConsecutiveSlots(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.SetSlots(ctx, "x-gob", []pregonero.Slot{{Days: pregonero.Weekdays, Time: "07:00"}, {Days: pregonero.Weekdays, Time: "12:30"}}); err != nil {
		t.Fatal(err)
	}
	// A post given its own time holds Tuesday 7:00: the rows step over it.
	f.create(t, posting.Draft{Text: "Agenda", Targets: []string{"x-gob"}, ScheduledAt: "2026-12-08T07:00"})
	data := []byte("text,targets,scheduled_at\nuno,x-gob,queue\ndos,x-gob,queue\ntres,x-gob,cola\nsin espacios,x-salud,queue\n")
	dry := f.importFile(t, ctx, posting.ImportRequest{Data: data, DryRun: true})
	if got, want := errorsAt(dry), []string{"5/scheduled_at/invalid"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("dry run errors %v, want %v (x-salud has no slots)", got, want)
	}
	rep := f.importFile(t, ctx, posting.ImportRequest{Data: data, ValidOnly: true})
	if !rep.Created || len(rep.Posts) != 3 {
		t.Fatalf("created %v posts %v errors %v", rep.Created, rep.Posts, rep.Errors)
	}
	// t0 is Monday 8:00 in Bogotá: Monday 12:30, then Tuesday 12:30 and
	// Wednesday 7:00.
	want := []time.Time{
		time.Date(2026, 12, 7, 17, 30, 0, 0, time.UTC),
		time.Date(2026, 12, 8, 17, 30, 0, 0, time.UTC),
		time.Date(2026, 12, 9, 12, 0, 0, 0, time.UTC),
	}
	for i, ip := range rep.Posts {
		p, err := f.svc.Post(ctx, ip.PostID)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Deliveries[0].ScheduledAt.Equal(want[i]) {
			t.Errorf("row %d at %v, want %v", ip.Row, p.Deliveries[0].ScheduledAt, want[i])
		}
	}
	if at, ok, err := f.svc.NextFreeSlot(ctx, "x-gob"); err != nil || !ok || !at.Equal(time.Date(2026, 12, 9, 17, 30, 0, 0, time.UTC)) {
		t.Errorf("NextFreeSlot() = %v, %v, %v; want Wednesday 12:30: the imported posts hold their slots", at, ok, err)
	}
}

func TestImportNamesALibraryFileAfterAURLByItsPlace(t *testing.T) {
	f := newFixture(t)
	f.putMedia(t, "m_uno", "")
	// The second file's alt text has a control character: the error names
	// the second file of the cell, though the first (a URL) is checked
	// only when it is downloaded.
	data := []byte("text,targets,media,alt_text\nFotos,x-gob,https://antioquia.gov.co/foto.jpg|m_uno,Puente|Vía\x07\n")
	rep := f.importFile(t, context.Background(), posting.ImportRequest{Data: data, DryRun: true})
	var got []string
	for _, e := range rep.Errors {
		got = append(got, e.Column+"/"+e.Field)
	}
	if want := []string{"alt_text/media[1].alt_text"}; !reflect.DeepEqual(got, want) {
		t.Errorf("errors on %v, want %v (the cell's second file)", got, want)
	}
}
