package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIImportAndExportPosts(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	t.Setenv("TZ", "")
	dir := t.TempDir()
	file := filepath.Join(dir, "plan.csv")
	data := "text;targets;scheduled_at\r\n" +
		"Vías del Nordeste 🚧;x-gobantioquia;2027-03-01 09:00\r\n" +
		"Mal;x-nadie;2027-03-01 10:00\r\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("rows with errors: listed by row and column, exit 1, nothing imported", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "import", file)
		if code != 1 || !strings.Contains(out, "row 3, column targets: There is no account x-nadie.") || !strings.Contains(out, "Nothing was imported") {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
	})
	t.Run("a dry run after the file, flags after it", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "import", file, "-valid-only", "-dry-run")
		if code != 0 || !strings.Contains(out, "2 rows checked: 1 valid, 1 with errors. Nothing was imported (dry run).") {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
	})
	var postID string
	t.Run("valid only imports the rest, and again returns the same post", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "import", "-valid-only", file)
		if code != 0 || !strings.Contains(out, "1 posts imported, 1 rows left out for their errors:") {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		postID = strings.Fields(out[strings.Index(out, "row 2"):])[2]
		code, out, _ = cli(t, m, "", "import", "-valid-only", file)
		if code != 0 || !strings.Contains(out, "This file was imported already") || !strings.Contains(out, postID) {
			t.Fatalf("again: exit %d\n%s", code, out)
		}
	})
	t.Run("export posts writes the post with the import's columns", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "export", "posts", "-account", "x-gobantioquia")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		want := "\ufeffid,status,text,link,targets,scheduled_at,media,alt_text,campaign,draft,state:x-gobantioquia,url:x-gobantioquia\r\n" +
			postID + ",scheduled,Vías del Nordeste 🚧,,x-gobantioquia,2027-03-01T09:00:00-05:00,,,,false,queued,\r\n"
		if out != want {
			t.Errorf("export:\n%q\nwant\n%q", out, want)
		}
		path := filepath.Join(dir, "posts.csv")
		if code, _, errs := cli(t, m, "", "export", "posts", "-o", path, "-status", "scheduled"); code != 0 {
			t.Fatalf("export -o: exit %d: %s", code, errs)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != want {
			t.Errorf("file %q, %v", b, err)
		}
	})
	t.Run("no file is a usage error", func(t *testing.T) {
		if code, _, _ := cli(t, m, "", "import"); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
}
