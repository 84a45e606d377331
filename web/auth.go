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
	"os"
	"path/filepath"
	"strings"

	"pregonero"
)

// TokenHashSetting is the store setting holding the hex SHA-256 of the API
// token. The token itself is never stored.
const TokenHashSetting = "api_token_sha256"

// TokenFile is the name, under the data directory, of the file the first
// start writes the generated token to.
const TokenFile = "admin.token"

// tokenPrefix makes a leaked token recognizable to secret scanners.
const tokenPrefix = "prg_"

// requireToken lets a request through only with the API token as a
// Bearer credential. A refusal reads nothing of the body: closeUnread
// then ends the connection instead of letting net/http wait for the rest.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
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

func (s *Server) authenticate(r *http.Request) error {
	if r.Header.Get("Authorization") == "" {
		return pregonero.Errorf(pregonero.EUNAUTHORIZED, "Send the API token as Authorization: Bearer <token>.")
	}
	token, ok := bearer(r)
	if !ok {
		return pregonero.Errorf(pregonero.EUNAUTHORIZED, "The Authorization header must be Bearer <token>.")
	}
	want, err := s.store.Setting(r.Context(), TokenHashSetting)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND {
		return pregonero.Errorf(pregonero.EUNAUTHORIZED, "No API token is configured on this server.")
	} else if err != nil {
		return fmt.Errorf("authenticate: %w", err)
	}
	wantSum := make([]byte, sha256.Size)
	if n, err := hex.Decode(wantSum, []byte(strings.TrimSpace(string(want)))); err != nil || n != sha256.Size {
		return fmt.Errorf("authenticate: setting %s is not a hex SHA-256", TokenHashSetting)
	}
	if !sameToken(token, wantSum) {
		return pregonero.Errorf(pregonero.EUNAUTHORIZED, "The API token is not valid.")
	}
	return nil
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
	if err := writeFileAtomic(path, []byte(token+"\n"), 0o600); err != nil {
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

// writeFileAtomic writes data to path through a synced temp file and a
// rename, so the file is either absent or complete.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
