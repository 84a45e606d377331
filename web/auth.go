package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"

	"pregonero"
	"pregonero/atomicfile"
)

// TokenHashSetting is the store setting holding the hex SHA-256 of the API
// token. The token itself is never stored.
const TokenHashSetting = "api_token_sha256"

// TokenFile is the name, under the data directory, of the file the first
// start writes the generated token to.
const TokenFile = "admin.token"

// tokenPrefix makes a leaked token recognizable to secret scanners.
const tokenPrefix = "prg_"

// requireToken lets a request through only with an API token as a
// Bearer credential: the server's token (admin.token), which acts as the
// system and may do everything, or a user's own token, which acts as that
// user: the user rides in the request's context
// (pregonero.NewContextWithUser) and the services refuse what they may not
// do. A few routes that no service guards need more than the right to
// read (see userRoutes). A refusal reads nothing of the body: closeUnread
// then ends the connection instead of letting net/http wait for the rest.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.authenticate(r)
		if err == nil && u != nil {
			err = mayCall(u, r.Pattern)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if u != nil {
			r = r.WithContext(pregonero.NewContextWithUser(r.Context(), u))
		}
		next.ServeHTTP(w, r)
	})
}

// routeRule is what a user's token needs to call a route.
type routeRule struct {
	allowed func(*pregonero.User) bool
	who     string // who may, for the refusal
}

// mayCompose reports whether a user may post anywhere at all.
func mayCompose(u *pregonero.User) bool {
	return !u.Disabled && (u.Role == pregonero.RoleAdmin || u.Role == pregonero.RoleEditor)
}

// userRoutes are the routes that a user's token may call only with more
// than the right to read, because no service checks who calls them: a
// backup holds every record (password hashes too), rotating the server's
// token locks out whoever holds it, and an upload is not yet any post. Every other route is open to
// every user who may read, and its service refuses what the user may not
// do (posting for the posts, users for the users).
var userRoutes = map[string]routeRule{
	"GET /api/v1/backup":        {(*pregonero.User).IsAdmin, "an admin"},
	"POST /api/v1/token/rotate": {(*pregonero.User).IsAdmin, "an admin"},
	"POST /api/v1/media":        {mayCompose, "an admin or an editor"},
}

// mayCall refuses a user a route of userRoutes they may not call.
func mayCall(u *pregonero.User, pattern string) error {
	if !u.CanRead() {
		return pregonero.Errorf(pregonero.EFORBIDDEN, "%s is disabled.", u.Username)
	}
	if rule, ok := userRoutes[pattern]; ok && !rule.allowed(u) {
		return pregonero.Errorf(pregonero.EFORBIDDEN, "Only %s may call %s; %s is %s.", rule.who, pattern, u.Username, u.Role)
	}
	return nil
}

// bearer returns the credential of the request's Authorization: Bearer
// header; ok is false when there is none.
func bearer(r *http.Request) (token string, ok bool) {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	return token, found && strings.EqualFold(scheme, "Bearer") && token != ""
}

// sameToken compares a token with the SHA-256 of the expected one, in
// constant time: neither its bytes nor its length leak through timing.
func sameToken(token string, wantSum []byte) bool {
	got := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], wantSum) == 1
}

// authenticate checks the request's Bearer token: the server's token
// gives no user (the system), a user's token gives that user.
func (s *Server) authenticate(r *http.Request) (*pregonero.User, error) {
	if r.Header.Get("Authorization") == "" {
		return nil, pregonero.Errorf(pregonero.EUNAUTHORIZED, "Send the API token as Authorization: Bearer <token>.")
	}
	token, ok := bearer(r)
	if !ok {
		return nil, pregonero.Errorf(pregonero.EUNAUTHORIZED, "The Authorization header must be Bearer <token>.")
	}
	want, err := s.store.Setting(r.Context(), TokenHashSetting)
	configured := err == nil
	if err != nil && pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if configured {
		wantSum := make([]byte, sha256.Size)
		if n, err := hex.Decode(wantSum, []byte(strings.TrimSpace(string(want)))); err != nil || n != sha256.Size {
			return nil, fmt.Errorf("authenticate: setting %s is not a hex SHA-256", TokenHashSetting)
		}
		if sameToken(token, wantSum) {
			return nil, nil
		}
	}
	if ua := s.userAdmin(); ua != nil {
		u, err := ua.TokenUser(r.Context(), token)
		if err == nil {
			return u, nil
		}
		if pregonero.ErrorCode(err) != pregonero.EUNAUTHORIZED {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
		if configured {
			return nil, err
		}
	}
	if !configured {
		return nil, pregonero.Errorf(pregonero.EUNAUTHORIZED, "No API token is configured on this server.")
	}
	return nil, pregonero.Errorf(pregonero.EUNAUTHORIZED, "The API token is not valid.")
}

// EnsureToken creates the API token at first start: when the store holds
// no token hash, it generates a random token, writes it to
// <dataDir>/admin.token (mode 0600) and stores its hash. It reports
// whether it created one. The token is never logged, only the file's path.
// Later calls find the hash and change nothing: the token never silently
// rotates, and there is no default token.
func EnsureToken(ctx context.Context, s pregonero.Store, dataDir string, logger *slog.Logger) (created bool, err error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With(pregonero.LogComponent, "web")
	_, err = s.Setting(ctx, TokenHashSetting)
	if err == nil {
		return false, nil
	} else if pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
		return false, fmt.Errorf("ensure token: %w", err)
	}

	path := filepath.Join(dataDir, TokenFile)
	if err := writeToken(ctx, s, path); err != nil {
		return false, fmt.Errorf("ensure token: %w", err)
	}
	logger.Info("API token created; read it from the file", logFile, path)
	return true, nil
}

// RotateToken replaces the API token with a new random one, written to
// <dataDir>/admin.token (mode 0600) before its hash is stored; from then
// on the previous token is refused. It returns the file's path. This is
// the way back in when the token file is lost: `pregonero token rotate`
// runs it on the data file of a stopped server (a running one rotates
// through POST /api/v1/token/rotate). A crash between the two writes
// leaves the previous token valid and the file holding one that is not
// yet; rotating again settles it.
func RotateToken(ctx context.Context, s pregonero.Store, dataDir string, logger *slog.Logger) (path string, err error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	path = filepath.Join(dataDir, TokenFile)
	if err := writeToken(ctx, s, path); err != nil {
		return "", fmt.Errorf("rotate token: %w", err)
	}
	logger.With(pregonero.LogComponent, "web").Info("API token rotated; read it from the file", logFile, path)
	return path, nil
}

// writeToken generates a token, writes it to the file at path and stores
// its hash. The file comes first: a crash before the hash is stored
// leaves a token nobody can use, replaced by the next attempt; the other
// order could store a hash whose token was never written down.
func writeToken(ctx context.Context, s pregonero.Store, path string) error {
	token, sum, err := newToken()
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, []byte(token+"\n"), 0o600); err != nil {
		return err
	}
	return s.PutSetting(ctx, TokenHashSetting, sum)
}

// newToken returns a random API token and the hex SHA-256 that
// TokenHashSetting holds for it.
func newToken() (token string, sum []byte, err error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, err
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	h := sha256.Sum256([]byte(token))
	return token, []byte(hex.EncodeToString(h[:])), nil
}

// TokenRotation is the answer of POST /api/v1/token/rotate.
type TokenRotation struct {
	// Token is the new API token, shown this once.
	Token string `json:"token"`
}

// handleRotateToken replaces the API token with a new one and answers it,
// this once; the token that authorized the request is refused from then
// on. The server writes no token file (it is not told where the data
// directory is): the caller keeps the answer, and a token file written
// earlier holds the previous token.
func (s *Server) handleRotateToken(w http.ResponseWriter, r *http.Request) error {
	token, sum, err := newToken()
	if err != nil {
		return fmt.Errorf("rotate token: %w", err)
	}
	if err := s.store.PutSetting(r.Context(), TokenHashSetting, sum); err != nil {
		return fmt.Errorf("rotate token: %w", err)
	}
	s.logger.InfoContext(r.Context(), "API token rotated through the API; a token file written earlier holds the previous one")
	writeJSON(w, http.StatusOK, TokenRotation{Token: token})
	return nil
}
