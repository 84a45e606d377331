package web

import (
	"strings"

	"pregonero"
	"pregonero/web/i18n"
)

// UIFormPaths lists the POST paths of every form of the web interface,
// wildcards filled with "x", for the tests of package web_test.
func UIFormPaths(s *Server) []string {
	out := []string{"/login", "/logout"}
	for _, p := range s.ui.pages {
		for _, f := range p.Forms {
			out = append(out, strings.NewReplacer("{id}", "x").Replace(f.Path))
		}
	}
	return out
}

// UIPagePaths lists the GET paths of the pages without wildcards.
func UIPagePaths(s *Server) []string {
	var out []string
	for _, p := range s.ui.pages {
		if !strings.Contains(p.Path, "{") {
			out = append(out, p.Path)
		}
	}
	return out
}

// UIMenu returns the menu's links for u over the server's pages and two
// more, one for editors (/editors) and one for admins (/admins).
func UIMenu(s *Server, u *pregonero.User) []string {
	pages := append(append([]uiPage(nil), s.ui.pages...),
		uiPage{Path: "/editors", Menu: "menu.dashboard", Allow: uiEditors},
		uiPage{Path: "/admins", Menu: "menu.dashboard", Allow: uiAdmins},
		uiPage{Path: "/posts/{id}", Menu: "menu.dashboard"})
	var out []string
	for _, m := range menuFor(pages, u, nil, s.ui.catalog.Printer(i18n.Default)) {
		out = append(out, m.Href)
	}
	return out
}
