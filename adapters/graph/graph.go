// Package graph is the Meta Graph API client shared by the Facebook Pages
// and Instagram adapters, built on github.com/huandu/facebook/v2: sessions
// bound to an account's endpoint and credentials (with appsecret_proof),
// a real HTTP DELETE (the library's method override is barred for new
// apps), the usage headers, and the classification of every failure into a
// *pregonero.PublishError.
package graph

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
)

// DefaultVersion is the Graph API version used when Config names none.
const DefaultVersion = "v25.0"

// Base URLs of the real Graph hosts, used when an account names none.
const (
	FacebookEndpoint  = "https://graph.facebook.com"
	InstagramEndpoint = "https://graph.instagram.com"
)

// DefaultTimeout bounds one request of the default HTTP client, a video
// upload included.
const DefaultTimeout = 60 * time.Second

// Credential keys of pregonero.Account.Credentials.
const (
	CredAccessToken = "access_token"
	CredAppID       = "app_id"
	CredAppSecret   = "app_secret"
)

// Config is shared by the Facebook and Instagram adapters. Zero values
// select the defaults.
type Config struct {
	// Version is the Graph version, e.g. "v25.0". Default DefaultVersion.
	Version string
	// HTTPClient sends every request. Default: a client with a
	// DefaultTimeout timeout.
	HTTPClient *http.Client
	// Now returns the current time. Default time.Now.
	Now func() time.Time
}

// Clock returns the configured clock, time.Now when none is set.
func (c Config) Clock() func() time.Time {
	if c.Now == nil {
		return time.Now
	}
	return c.Now
}

// Client returns the configured HTTP client, or a new client with a
// DefaultTimeout timeout.
func (c Config) Client() *http.Client {
	if c.HTTPClient == nil {
		return &http.Client{Timeout: DefaultTimeout}
	}
	return c.HTTPClient
}

// GraphVersion returns the configured version or DefaultVersion.
func (c Config) GraphVersion() string {
	if c.Version == "" {
		return DefaultVersion
	}
	return c.Version
}

// Creds are an account's Graph credentials from pregonero.Account.Credentials:
// "access_token" (required), "app_id" and "app_secret" (optional: when
// app_secret is set every call carries appsecret_proof = hex
// HMAC-SHA256(app_secret, access_token)).
type Creds struct{ AccessToken, AppID, AppSecret string }

// CredsOf reads the Graph credentials of an account. Its error names the
// missing key, never a value.
func CredsOf(a *pregonero.Account) (Creds, error) {
	if a == nil {
		return Creds{}, errors.New("graph credentials: no account")
	}
	cr := Creds{
		AccessToken: strings.TrimSpace(a.Credentials[CredAccessToken]),
		AppID:       strings.TrimSpace(a.Credentials[CredAppID]),
		AppSecret:   strings.TrimSpace(a.Credentials[CredAppSecret]),
	}
	if cr.AccessToken == "" {
		return Creds{}, fmt.Errorf("graph credentials of account %q: missing %q", a.ID, CredAccessToken)
	}
	return cr, nil
}

// Proof returns the appsecret_proof of the credentials, "" without an app
// secret.
func (cr Creds) Proof() string {
	if cr.AppSecret == "" {
		return ""
	}
	return AppsecretProof(cr.AppSecret, cr.AccessToken)
}

// AppsecretProof returns lowercase hex HMAC-SHA256(key=secret, msg=token).
func AppsecretProof(secret, token string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(token))
	return hex.EncodeToString(h.Sum(nil))
}

// Session returns a huandu session: BaseURL = endpoint + "/" (endpoint ""
// means FacebookEndpoint), Version, HttpClient, appsecret_proof enabled
// when AppSecret is set, bound to ctx with WithContext.
func (c Config) Session(ctx context.Context, endpoint string, cr Creds) (*fb.Session, error) {
	if cr.AccessToken == "" {
		return nil, fmt.Errorf("graph session: missing %q", CredAccessToken)
	}
	if endpoint == "" {
		endpoint = FacebookEndpoint
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("graph session: invalid endpoint %q", endpoint)
	}
	app := fb.New(cr.AppID, cr.AppSecret)
	app.EnableAppsecretProof = cr.AppSecret != ""
	s := app.Session(cr.AccessToken)
	s.BaseURL = strings.TrimRight(endpoint, "/") + "/"
	s.Version = c.GraphVersion()
	s.HttpClient = &statusClient{c: c.Client()}
	if ctx == nil {
		ctx = context.Background()
	}
	return s.WithContext(ctx), nil
}

// Delete sends a real HTTP DELETE (never the method=DELETE override,
// barred for new apps) for path (e.g. "/123_456"), with access_token and
// appsecret_proof in the query, and returns the result.
func Delete(s *fb.Session, path string) (fb.Result, error) {
	if s == nil {
		return nil, errors.New("graph delete: no session")
	}
	base := s.BaseURL
	if base == "" {
		base = FacebookEndpoint + "/"
		if s.Instagram {
			base = InstagramEndpoint + "/"
		}
	}
	version := s.Version
	if version == "" {
		version = fb.Version
	}
	u := base
	if version != "" {
		u += version + "/"
	}
	u += strings.TrimLeft(path, "/")
	q := url.Values{}
	q.Set("format", "json")
	if tok := s.AccessToken(); tok != "" {
		q.Set("access_token", tok)
	}
	if proof := s.AppsecretProof(); proof != "" {
		q.Set("appsecret_proof", proof)
	}
	req, err := http.NewRequestWithContext(s.Context(), http.MethodDelete, u+"?"+q.Encode(), nil)
	if err != nil {
		// The URL holds the token: never show it.
		return nil, errors.New("graph delete: cannot build the request")
	}
	return s.Request(req)
}
