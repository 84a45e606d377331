package web_test

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"pregonero"
	"pregonero/users"
	"pregonero/web"
)

// The users service is what the API needs of it.
var _ web.UserAdmin = (*users.Service)(nil)

// withUsersService gives the test server the real users service over its store.
func withUsersService(svc **users.Service) serverOption {
	return withConfig(func(c *web.Config) {
		s, err := users.New(users.Config{Store: c.Store.(pregonero.UserStore), Now: c.Now, BcryptCost: bcrypt.MinCost})
		if err != nil {
			panic(err)
		}
		c.Users = s
		if svc != nil {
			*svc = s
		}
	})
}

// asToken is the header pair that sends another Bearer token.
func asToken(token string) []string { return []string{"Authorization", "Bearer " + token} }

// userWithToken creates a user through the service and an API token for
// them.
func userWithToken(t *testing.T, svc *users.Service, name string, role pregonero.Role, units ...string) (*pregonero.User, string) {
	t.Helper()
	ctx := context.Background()
	u, err := svc.Create(ctx, name, "contraseña-"+name, role, units)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	token, _, err := svc.CreateToken(ctx, u.ID, "tests")
	if err != nil {
		t.Fatalf("token for %s: %v", name, err)
	}
	return u, token
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d: %s", r.status, status, r.body)
	}
}

func TestUsersAPI(t *testing.T) {
	t.Run("the server token manages users", func(t *testing.T) {
		ts := newTestServer(t, withUsersService(nil))
		r := ts.request("POST", "/api/v1/users", map[string]any{
			"username": "ana", "password": "una-clave-larga", "role": "editor", "units": []string{"salud"},
		})
		wantStatus(t, r, http.StatusCreated)
		if bytes.Contains(r.body, []byte("password")) || bytes.Contains(r.body, []byte("$2a$")) {
			t.Errorf("answer shows the password or its hash: %s", r.body)
		}
		var u pregonero.User
		r.decode(t, &u)
		if u.Username != "ana" || u.Role != pregonero.RoleEditor || len(u.Units) != 1 || u.Units[0] != "salud" || !strings.HasPrefix(u.ID, "u_") {
			t.Errorf("created user = %+v", u)
		}
		if loc := r.header.Get("Location"); loc != "/api/v1/users/"+u.ID {
			t.Errorf("Location = %q", loc)
		}

		r = ts.request("GET", "/api/v1/users", nil)
		wantStatus(t, r, http.StatusOK)
		var list web.UserList
		r.decode(t, &list)
		if len(list.Users) != 1 || list.Users[0].ID != u.ID {
			t.Errorf("users = %+v", list.Users)
		}
		wantStatus(t, ts.request("GET", "/api/v1/users/"+u.ID, nil), http.StatusOK)
		wantStatus(t, ts.request("GET", "/api/v1/users/u_nadie", nil), http.StatusNotFound)

		// A patch changes what it names and keeps the rest.
		r = ts.request("PATCH", "/api/v1/users/"+u.ID, map[string]any{"disabled": true})
		wantStatus(t, r, http.StatusOK)
		var got pregonero.User
		r.decode(t, &got)
		if !got.Disabled || got.Role != pregonero.RoleEditor || len(got.Units) != 1 {
			t.Errorf("after disabling = %+v, want disabled with role and units kept", got)
		}
		r = ts.request("PATCH", "/api/v1/users/"+u.ID, map[string]any{"role": "viewer", "units": []string{}, "disabled": false})
		wantStatus(t, r, http.StatusOK)
		got = pregonero.User{}
		r.decode(t, &got)
		if got.Disabled || got.Role != pregonero.RoleViewer || len(got.Units) != 0 {
			t.Errorf("after the second patch = %+v", got)
		}

		r = ts.request("POST", "/api/v1/users/"+u.ID+"/password-reset", nil)
		wantStatus(t, r, http.StatusOK)
		var reset web.PasswordReset
		r.decode(t, &reset)
		if len(reset.Password) < users.MinPasswordLength {
			t.Errorf("one-time password %q", reset.Password)
		}
	})

	t.Run("tokens are shown once and act as their user", func(t *testing.T) {
		var svc *users.Service
		ts := newTestServer(t, withUsersService(&svc))
		u, _ := userWithToken(t, svc, "ana", pregonero.RoleViewer)
		r := ts.request("POST", "/api/v1/users/"+u.ID+"/tokens", map[string]string{"name": "portátil"})
		wantStatus(t, r, http.StatusCreated)
		var created web.TokenCreated
		r.decode(t, &created)
		if !regexp.MustCompile(`^prg_[A-Za-z0-9_-]{43}$`).MatchString(created.Token) || created.Name != "portátil" || created.UserID != u.ID || created.ID == "" {
			t.Fatalf("created token = %+v", created)
		}
		r = ts.request("GET", "/api/v1/users/"+u.ID+"/tokens", nil)
		wantStatus(t, r, http.StatusOK)
		if bytes.Contains(r.body, []byte(created.Token)) {
			t.Error("the token list shows a token")
		}
		var list web.TokenList
		r.decode(t, &list)
		if len(list.Tokens) != 2 {
			t.Errorf("tokens = %+v, want 2", list.Tokens)
		}
		wantStatus(t, ts.request("GET", "/api/v1/posts", nil, asToken(created.Token)...), http.StatusOK)
		wantStatus(t, ts.request("DELETE", "/api/v1/users/"+u.ID+"/tokens/"+created.ID, nil), http.StatusNoContent)
		r = ts.request("GET", "/api/v1/posts", nil, asToken(created.Token)...)
		wantStatus(t, r, http.StatusUnauthorized)
		if r.apiError(t).Code != pregonero.EUNAUTHORIZED {
			t.Errorf("revoked token answer %s", r.body)
		}
		wantStatus(t, ts.request("DELETE", "/api/v1/users/"+u.ID+"/tokens/"+created.ID, nil), http.StatusNotFound)
	})

	t.Run("only admins manage users", func(t *testing.T) {
		var svc *users.Service
		ts := newTestServer(t, withUsersService(&svc))
		admin, adminToken := userWithToken(t, svc, "jefa", pregonero.RoleAdmin)
		editor, editorToken := userWithToken(t, svc, "ana", pregonero.RoleEditor, "salud")
		body := map[string]any{"username": "beto", "password": "una-clave-larga", "role": "viewer"}
		wantStatus(t, ts.request("POST", "/api/v1/users", body, asToken(editorToken)...), http.StatusForbidden)
		wantStatus(t, ts.request("GET", "/api/v1/users", nil, asToken(editorToken)...), http.StatusForbidden)
		wantStatus(t, ts.request("PATCH", "/api/v1/users/"+editor.ID, map[string]any{"role": "admin"}, asToken(editorToken)...), http.StatusForbidden)
		wantStatus(t, ts.request("POST", "/api/v1/users/"+admin.ID+"/password-reset", nil, asToken(editorToken)...), http.StatusForbidden)
		wantStatus(t, ts.request("POST", "/api/v1/users/"+admin.ID+"/tokens", map[string]string{"name": "x"}, asToken(editorToken)...), http.StatusForbidden)
		// A user's own tokens are theirs to manage.
		wantStatus(t, ts.request("POST", "/api/v1/users/"+editor.ID+"/tokens", map[string]string{"name": "mío"}, asToken(editorToken)...), http.StatusCreated)
		wantStatus(t, ts.request("GET", "/api/v1/users/"+editor.ID, nil, asToken(editorToken)...), http.StatusOK)
		wantStatus(t, ts.request("POST", "/api/v1/users", body, asToken(adminToken)...), http.StatusCreated)
		// The last active admin stays one.
		r := ts.request("PATCH", "/api/v1/users/"+admin.ID, map[string]any{"role": "viewer"}, asToken(adminToken)...)
		wantStatus(t, r, http.StatusConflict)
	})

	t.Run("bodies are checked", func(t *testing.T) {
		ts := newTestServer(t, withUsersService(nil))
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"username": "ana", "password": "corta", "role": "viewer"}, "password"},
			{map[string]any{"username": "ana", "password": "una-clave-larga", "role": "jefe"}, "role"},
			{map[string]any{"username": "ana", "password": "una-clave-larga", "role": "editor"}, "units"},
			{map[string]any{"username": "ana", "password": "una-clave-larga", "role": "viewer", "admin": true}, "admin"},
		} {
			r := ts.request("POST", "/api/v1/users", tc.body)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			e := r.apiError(t)
			if len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
				t.Errorf("body %v: error %+v, want field %s", tc.body, e, tc.field)
			}
		}
		wantStatus(t, ts.request("POST", "/api/v1/users", map[string]any{"username": "ana", "password": "una-clave-larga", "role": "viewer"}), http.StatusCreated)
		r := ts.request("POST", "/api/v1/users", map[string]any{"username": "ANA", "password": "una-clave-larga", "role": "viewer"})
		wantStatus(t, r, http.StatusConflict)
		if e := r.apiError(t); len(e.Fields) != 1 || e.Fields[0].Field != "username" {
			t.Errorf("duplicate username error %+v, want field username", e)
		}
	})

	t.Run("without a users service the routes are unavailable and the server token works", func(t *testing.T) {
		ts := newTestServer(t)
		wantStatus(t, ts.request("GET", "/api/v1/users", nil), http.StatusServiceUnavailable)
		wantStatus(t, ts.request("GET", "/api/v1/posts", nil), http.StatusOK)
	})
}

func TestUserTokensActAsTheirUser(t *testing.T) {
	var svc *users.Service
	ts := newTestServer(t, withUsersService(&svc))
	_, editorToken := userWithToken(t, svc, "ana", pregonero.RoleEditor, "salud")
	_, viewerToken := userWithToken(t, svc, "beto", pregonero.RoleViewer)
	_, adminToken := userWithToken(t, svc, "jefa", pregonero.RoleAdmin)

	// x-salud belongs to the dependencia salud; x-gob to none.
	post := map[string]any{"text": "Jornada de vacunación", "targets": []string{"x-salud"}, "author": "otra persona"}
	r := ts.request("POST", "/api/v1/posts", post, asToken(editorToken)...)
	wantStatus(t, r, http.StatusCreated)
	var p postView
	r.decode(t, &p)
	if p.Author != "ana" {
		t.Errorf("author = %q, want the token's user ana", p.Author)
	}
	r = ts.request("POST", "/api/v1/posts", map[string]any{"text": "Ajeno", "targets": []string{"x-gob"}}, asToken(editorToken)...)
	wantStatus(t, r, http.StatusForbidden)
	if e := r.apiError(t); !strings.Contains(e.Message, "x-gob") {
		t.Errorf("refusal %q does not name the account", e.Message)
	}
	wantStatus(t, ts.request("POST", "/api/v1/posts", post, asToken(viewerToken)...), http.StatusForbidden)
	wantStatus(t, ts.request("GET", "/api/v1/posts/"+p.ID, nil, asToken(viewerToken)...), http.StatusOK)
	wantStatus(t, ts.request("POST", "/api/v1/pause", map[string]string{"reason": "crisis"}, asToken(editorToken)...), http.StatusForbidden)
	wantStatus(t, ts.request("POST", "/api/v1/posts/"+p.ID+"/cancel", nil, asToken(viewerToken)...), http.StatusForbidden)

	// Routes no service guards: the backup and the server's token.
	for _, token := range []string{editorToken, viewerToken} {
		wantStatus(t, ts.request("GET", "/api/v1/backup", nil, asToken(token)...), http.StatusForbidden)
		wantStatus(t, ts.request("POST", "/api/v1/token/rotate", nil, asToken(token)...), http.StatusForbidden)
	}
	wantStatus(t, ts.request("POST", "/api/v1/accounts/check", map[string]any{}, asToken(viewerToken)...), http.StatusForbidden)
	wantStatus(t, ts.request("GET", "/api/v1/backup", nil, asToken(adminToken)...), http.StatusOK)

	// The server token is the system: the author it gives is kept.
	r = ts.request("POST", "/api/v1/posts", map[string]any{"text": "Boletín", "targets": []string{"x-gob"}, "author": "boletín diario"})
	wantStatus(t, r, http.StatusCreated)
	p = postView{}
	r.decode(t, &p)
	if p.Author != "boletín diario" {
		t.Errorf("author by the server token = %q", p.Author)
	}
	wantStatus(t, ts.request("GET", "/api/v1/posts", nil, asToken("prg_"+strings.Repeat("A", 43))...), http.StatusUnauthorized)
}

func TestClientManagesUsers(t *testing.T) {
	ts := newTestServer(t, withUsersService(nil))
	c := ts.client()
	ctx := context.Background()
	u, err := c.CreateUser(ctx, "ana", "una-clave-larga", pregonero.RoleEditor, []string{"salud"})
	if err != nil {
		t.Fatalf("CreateUser() = %v", err)
	}
	if _, err := c.CreateUser(ctx, "Ana", "una-clave-larga", pregonero.RoleViewer, nil); pregonero.ErrorCode(err) != pregonero.ECONFLICT {
		t.Errorf("CreateUser() of a taken name = %v, want conflict", err)
	}
	list, err := c.Users(ctx)
	if err != nil || len(list) != 1 || list[0].ID != u.ID {
		t.Fatalf("Users() = %v, %v", list, err)
	}
	if got, err := c.User(ctx, u.ID); err != nil || got.Username != "ana" {
		t.Fatalf("User() = %v, %v", got, err)
	}
	role := pregonero.RoleViewer
	if got, err := c.PatchUser(ctx, u.ID, web.UserPatch{Role: &role}); err != nil || got.Role != role || len(got.Units) != 1 {
		t.Fatalf("PatchUser() = %+v, %v", got, err)
	}
	if otp, err := c.ResetPassword(ctx, u.ID); err != nil || otp == "" {
		t.Fatalf("ResetPassword() = %q, %v", otp, err)
	}
	created, err := c.CreateUserToken(ctx, u.ID, "cli")
	if err != nil || created.Token == "" {
		t.Fatalf("CreateUserToken() = %+v, %v", created, err)
	}
	tokens, err := c.UserTokens(ctx, u.ID)
	if err != nil || len(tokens) != 1 || tokens[0].ID != created.ID {
		t.Fatalf("UserTokens() = %v, %v", tokens, err)
	}
	if err := c.RevokeUserToken(ctx, u.ID, created.ID); err != nil {
		t.Fatalf("RevokeUserToken() = %v", err)
	}
	if _, err := web.NewClient(ts.srv.URL, created.Token, ts.srv.Client()).Posts(ctx, nil); pregonero.ErrorCode(err) != pregonero.EUNAUTHORIZED {
		t.Errorf("a revoked token = %v, want unauthorized", err)
	}
}
