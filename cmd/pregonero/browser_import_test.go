package main_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// Selectors of the import page.
const (
	selImportFile    = `#upload input[type=file][name=file]`
	selImportCheck   = `#upload button[name=action][value=check]`
	selImportConfirm = `#report button[name=action][value=import]`
)

// stepImport: the editor uploads on Importar a CSV file written by Excel
// in Spanish (";" separators, BOM, CRLF) with one bad row, sees the row
// report in Spanish naming its row and column, imports the valid rows
// only, and sees the post the import made, with its link.
func stepImport(r *browserRun, ed *tab) {
	t := r.t
	if r.notBuilt("/import", "skipped") {
		return
	}
	day := time.Now().In(r.m.Config.Location()).AddDate(0, 0, 20).Format("2006-01-02")
	text := "Boletín importado: obras en Urrao 🚧"
	data := "\ufefftext;targets;scheduled_at;draft\r\n" +
		text + ";" + acctX + ";" + day + " 09:00;sí\r\n" +
		"Fila con una cuenta que no existe;x-inexistente;" + day + " 10:00;no\r\n"
	file := filepath.Join(t.TempDir(), "plan-diciembre.csv")
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	ed.open("/import", 200)
	ed.check("import")
	ed.do(chromedp.SetUploadFiles(chromedp.CSS(selImportFile), []string{file}))
	if status := ed.submit(selImportCheck); status != 422 {
		t.Fatalf("check of a file with a bad row: status %d, want 422; the page says:\n%s", status, ed.mainText())
	}
	report := ed.mainText()
	for _, want := range []string{"Filas: 2. Sin errores: 1. Con errores: 1.", "No existe la cuenta «x-inexistente».", "targets"} {
		if !strings.Contains(report, want) {
			t.Errorf("the import report lacks %q; it says:\n%s", want, report)
		}
	}
	ed.check("import-report")
	if status := ed.submit(selImportConfirm); status != 200 {
		t.Fatalf("import of the valid rows: status %d; the page says:\n%s", status, ed.mainText())
	}
	ed.wantPath("/import")
	done := ed.mainText()
	if !strings.Contains(done, "Publicaciones importadas: 1.") || !strings.Contains(done, text) {
		t.Errorf("the result does not show the imported post; it says:\n%s", done)
	}
	ed.check("import-done")
	page, err := r.api.Posts(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page.Posts {
		if p.Text == text {
			if p.Author != editorName || !p.IsDraft() {
				t.Errorf("imported post by %q, draft %v; want by %s, a draft", p.Author, p.IsDraft(), editorName)
			}
			return
		}
	}
	t.Errorf("no post with the imported text")
}
