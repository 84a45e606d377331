package fake

import (
	"html/template"
	"net/http"

	"pregonero"
)

// statusPage stands in for a post's page on x.com, which links to live
// posts open (http://ADDR/x/NAME/status/ID in the sandbox). It says that
// it is a sandbox page.
var statusPage = template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{if .Found}}@{{.User}} on X (sandbox){{else}}Post not found (sandbox){{end}}</title></head>
<body>
<p><strong>Sandbox:</strong> this page stands in for X; nothing here was published on X.</p>
{{if .Found}}<article>
<p>@{{.User}} · {{.Created}}</p>
<p style="white-space: pre-wrap">{{.Text}}</p>
{{if .Media}}<p>{{.Media}} media file(s) attached.</p>{{end}}
<p>Post {{.ID}}</p>
</article>{{else}}<p>The sandbox has no post {{.ID}} (never created, or deleted).</p>{{end}}
</body></html>
`))

// handleStatusPage serves GET /{user}/status/{id} and /i/web/status/{id}.
// Like x.com, it shows the post whatever user the address names.
func (f *Fake) handleStatusPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f.mu.Lock()
	t := f.tweets[id]
	var data struct {
		Found                   bool
		ID, User, Text, Created string
		Media                   int
	}
	data.ID = id
	if t != nil {
		data.Found, data.User, data.Text, data.Media = true, t.user, t.text, len(t.media)
		data.Created = t.createdAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if !data.Found {
		w.WriteHeader(http.StatusNotFound)
	}
	if err := statusPage.Execute(w, data); err != nil {
		f.log.Info("status page not written", pregonero.LogErr, err)
	}
}
