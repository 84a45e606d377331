package web

import (
	"context"
	"net/http"
	"net/url"

	"pregonero"
)

// UserAdmin is what the REST API needs from the users service (package
// users) beyond signing in: managing users and their API tokens, and the
// user an API token acts as. The acting user is read from the request's
// context by the service, which refuses what that user may not do. The
// users service given as Config.Users provides it.
type UserAdmin interface {
	Create(ctx context.Context, username, password string, role pregonero.Role, units []string) (*pregonero.User, error)
	Users(ctx context.Context) ([]*pregonero.User, error)
	User(ctx context.Context, id string) (*pregonero.User, error)
	Update(ctx context.Context, id string, role pregonero.Role, units []string, disabled bool) (*pregonero.User, error)
	ResetPassword(ctx context.Context, id string) (oneTime string, err error)
	CreateToken(ctx context.Context, userID, name string) (token string, t *pregonero.APIToken, err error)
	Tokens(ctx context.Context, userID string) ([]*pregonero.APIToken, error)
	RevokeToken(ctx context.Context, userID, id string) error
	TokenUser(ctx context.Context, token string) (*pregonero.User, error)
}

// userAdmin returns the users service as the API needs it; nil when the
// server has none.
func (s *Server) userAdmin() UserAdmin {
	if s.ui == nil {
		return nil
	}
	ua, _ := s.ui.users.(UserAdmin)
	return ua
}

// usersService returns the users service or the error that says there is
// none.
func (s *Server) usersService() (UserAdmin, error) {
	if ua := s.userAdmin(); ua != nil {
		return ua, nil
	}
	return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server has no users service.")
}

// UserRequest is the body of POST /api/v1/users.
type UserRequest struct {
	Username string         `json:"username"`
	Password string         `json:"password"`
	Role     pregonero.Role `json:"role"`
	// Units are the dependencias whose accounts an editor may post to.
	Units []string `json:"units,omitempty"`
}

// UserPatch is the body of PATCH /api/v1/users/{id}: the fields present
// replace the user's, the others are kept.
type UserPatch struct {
	Role     *pregonero.Role `json:"role,omitempty"`
	Units    *[]string       `json:"units,omitempty"`
	Disabled *bool           `json:"disabled,omitempty"`
}

// UserList is the answer of GET /api/v1/users.
type UserList struct {
	Users []*pregonero.User `json:"users"`
}

// PasswordReset is the answer of POST /api/v1/users/{id}/password-reset:
// the one-time password, shown this once.
type PasswordReset struct {
	Password string `json:"password"`
}

// TokenRequest is the body of POST /api/v1/users/{id}/tokens.
type TokenRequest struct {
	Name string `json:"name"`
}

// TokenCreated is the answer of POST /api/v1/users/{id}/tokens: the
// token, shown this once, and its record.
type TokenCreated struct {
	Token string `json:"token"`
	pregonero.APIToken
}

// TokenList is the answer of GET /api/v1/users/{id}/tokens.
type TokenList struct {
	Tokens []*pregonero.APIToken `json:"tokens"`
}

// viewUser is a user as the API shows it: times in UTC. The password
// hash never leaves the server (its field has no JSON name).
func viewUser(u *pregonero.User) *pregonero.User {
	c := *u
	c.PasswordHash = ""
	c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
	return &c
}

func viewToken(t *pregonero.APIToken) *pregonero.APIToken {
	c := *t
	c.Created, c.LastUsed = utc(c.Created), utc(c.LastUsed)
	return &c
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usersService()
	if err != nil {
		return err
	}
	var req UserRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	u, err := us.Create(r.Context(), req.Username, req.Password, req.Role, req.Units)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+url.PathEscape(u.ID))
	writeJSON(w, http.StatusCreated, viewUser(u))
	return nil
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usersService()
	if err != nil {
		return err
	}
	list, err := us.Users(r.Context())
	if err != nil {
		return err
	}
	out := UserList{Users: make([]*pregonero.User, 0, len(list))}
	for _, u := range list {
		out.Users = append(out.Users, viewUser(u))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usersService()
	if err != nil {
		return err
	}
	u, err := us.User(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewUser(u))
	return nil
}

func (s *Server) handlePatchUser(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usersService()
	if err != nil {
		return err
	}
	var patch UserPatch
	if err := decodeBody(w, r, s.maxBody, &patch, false); err != nil {
		return err
	}
	ctx := r.Context()
	cur, err := us.User(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	role, units, disabled := cur.Role, cur.Units, cur.Disabled
	if patch.Role != nil {
		role = *patch.Role
	}
	if patch.Units != nil {
		units = *patch.Units
	}
	if patch.Disabled != nil {
		disabled = *patch.Disabled
	}
	u, err := us.Update(ctx, cur.ID, role, units, disabled)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewUser(u))
	return nil
}

func (s *Server) handleResetPassword(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usersService()
	if err != nil {
		return err
	}
	if err := decodeBody(w, r, s.maxBody, &struct{}{}, true); err != nil {
		return err
	}
	otp, err := us.ResetPassword(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, PasswordReset{Password: otp})
	return nil
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usersService()
	if err != nil {
		return err
	}
	var req TokenRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	token, t, err := us.CreateToken(r.Context(), r.PathValue("id"), req.Name)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+url.PathEscape(t.UserID)+"/tokens/"+url.PathEscape(t.ID))
	writeJSON(w, http.StatusCreated, TokenCreated{Token: token, APIToken: *viewToken(t)})
	return nil
}

func (s *Server) handleListTokens(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usersService()
	if err != nil {
		return err
	}
	list, err := us.Tokens(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := TokenList{Tokens: make([]*pregonero.APIToken, 0, len(list))}
	for _, t := range list {
		out.Tokens = append(out.Tokens, viewToken(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleRevokeToken(w http.ResponseWriter, r *http.Request) error {
	us, err := s.usersService()
	if err != nil {
		return err
	}
	if err := us.RevokeToken(r.Context(), r.PathValue("id"), r.PathValue("token_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
