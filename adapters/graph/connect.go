package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"pregonero"
)

// Meta's consent and token hosts, used when a pregonero.OAuthApp names
// none.
const (
	// FacebookAuthBase serves Facebook Login's dialog, /{version}/dialog/oauth.
	FacebookAuthBase = "https://www.facebook.com"
	// InstagramAuthBase serves Instagram Login's authorization window,
	// /oauth/authorize.
	InstagramAuthBase = "https://www.instagram.com"
	// InstagramOAuthEndpoint is where Instagram Login codes are exchanged
	// (POST /oauth/access_token); the long-lived exchange and the API are
	// on InstagramEndpoint.
	InstagramOAuthEndpoint = "https://api.instagram.com"
)

// CredPageID is the credential naming the Facebook Page an Instagram
// account is linked to (read by the Instagram adapter with Facebook
// Login).
const CredPageID = "page_id"

// maxOAuthBody bounds an answer of a token or connection endpoint.
const maxOAuthBody = 4 << 20

// Token is a token endpoint's answer.
type Token struct {
	AccessToken string
	TokenType   string
	// ExpiresIn is the token's lifetime in seconds; 0 when the answer
	// gave none.
	ExpiresIn int64
}

// tokenBody is the JSON of a token answer; expires_in may be a number or
// a string.
type tokenBody struct {
	AccessToken string      `json:"access_token"`
	TokenType   string      `json:"token_type"`
	ExpiresIn   json.Number `json:"expires_in"`
}

func (b tokenBody) token() Token {
	n, _ := strconv.ParseInt(b.ExpiresIn.String(), 10, 64)
	return Token{AccessToken: b.AccessToken, TokenType: b.TokenType, ExpiresIn: n}
}

// ConnectClient makes the requests of a consent flow's code exchange
// and of the reads that follow it, outside the Graph session of an
// account: no account exists yet. Failures are *pregonero.Error values
// (see OAuthError) whose messages never hold a token, a code or a
// secret.
type ConnectClient struct {
	cfg Config
	// Network is "Facebook" or "Instagram", for messages.
	Network string
}

// NewConnectClient returns a client sending with cfg's HTTP client.
func (c Config) NewConnectClient(network string) *ConnectClient {
	return &ConnectClient{cfg: c, Network: network}
}

// GraphURL returns endpoint + "/" + version + path, the address of a Graph
// call; endpoint "" is FacebookEndpoint.
func (c *ConnectClient) GraphURL(endpoint, path string) string {
	if endpoint = strings.TrimRight(strings.TrimSpace(endpoint), "/"); endpoint == "" {
		endpoint = FacebookEndpoint
	}
	return endpoint + "/" + c.cfg.GraphVersion() + "/" + strings.TrimLeft(path, "/")
}

// Token sends a request to a token endpoint and reads its answer.
func (c *ConnectClient) Token(ctx context.Context, method, u string, params url.Values) (Token, error) {
	var body tokenBody
	if err := c.Do(ctx, method, u, params, &body); err != nil {
		return Token{}, err
	}
	if body.AccessToken == "" {
		return Token{}, pregonero.Errorf(pregonero.EUNAVAILABLE, "%s's token answer had no access token; try connecting again.", c.Network)
	}
	return body.token(), nil
}

// Get reads a Graph object or list with token, adding appsecret_proof
// when secret is set, into v.
func (c *ConnectClient) Get(ctx context.Context, u string, params url.Values, token, secret string, v any) error {
	q := url.Values{}
	for k, vs := range params {
		q[k] = vs
	}
	q.Set("access_token", token)
	if secret != "" {
		q.Set("appsecret_proof", AppsecretProof(secret, token))
	}
	return c.Do(ctx, http.MethodGet, u, q, v)
}

// Do sends params in the query (GET) or as a form body (POST) and
// decodes a successful JSON answer into v.
func (c *ConnectClient) Do(ctx context.Context, method, u string, params url.Values, v any) error {
	var body io.Reader
	target := u
	switch method {
	case http.MethodGet:
		if len(params) > 0 {
			sep := "?"
			if strings.Contains(u, "?") {
				sep = "&"
			}
			target += sep + params.Encode()
		}
	case http.MethodPost:
		body = strings.NewReader(params.Encode())
	default:
		return fmt.Errorf("connect %s: method %s not supported", strings.ToLower(c.Network), method)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		// The address holds credentials: never show it.
		return pregonero.Errorf(pregonero.EINVALID, "%s was not called: its address could not be built from the app's endpoint.", c.Network)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.cfg.Client().Do(req)
	if err != nil {
		why := "it could not be reached"
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			why = "the request timed out"
		case errors.Is(err, context.Canceled):
			why = "the request was canceled"
		}
		return fmt.Errorf("connect %s: %w", strings.ToLower(c.Network),
			pregonero.Errorf(pregonero.EUNAVAILABLE, "%s did not answer (%s); try connecting again.", c.Network, why))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxOAuthBody))
	if err != nil {
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "%s's answer could not be read; try connecting again.", c.Network)
	}
	if oe := ParseOAuthError(resp.StatusCode, raw); oe != nil {
		return fmt.Errorf("connect %s: %w", strings.ToLower(c.Network), oe.domain(c.Network))
	}
	if resp.StatusCode/100 != 2 {
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "%s answered HTTP %d; try connecting again.", c.Network, resp.StatusCode)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "%s's answer was not the JSON expected; try connecting again.", c.Network)
	}
	return nil
}

// OAuthError is a refusal from a Meta token or Graph endpoint: Graph's
// {"error":{"message","type","code","error_subcode"}} or the Instagram
// OAuth host's {"error_type","code","error_message"}.
type OAuthError struct {
	Status  int
	Code    int
	Subcode int
	Type    string
	Message string
}

// Error implements the error interface.
func (e *OAuthError) Error() string {
	return fmt.Sprintf("oauth error %d/%d (HTTP %d): %s", e.Code, e.Subcode, e.Status, Scrub(e.Message))
}

// ParseOAuthError reads a refusal from an answer's body; nil when the
// body holds none.
func ParseOAuthError(status int, body []byte) *OAuthError {
	var g struct {
		Error *struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    int    `json:"code"`
			Subcode int    `json:"error_subcode"`
		} `json:"error"`
		ErrorType    string `json:"error_type"`
		Code         int    `json:"code"`
		ErrorMessage string `json:"error_message"`
	}
	if json.Unmarshal(body, &g) != nil {
		return nil
	}
	switch {
	case g.Error != nil:
		return &OAuthError{Status: status, Code: g.Error.Code, Subcode: g.Error.Subcode, Type: g.Error.Type, Message: g.Error.Message}
	case g.ErrorType != "" || g.ErrorMessage != "":
		return &OAuthError{Status: status, Code: g.Code, Type: g.ErrorType, Message: g.ErrorMessage}
	}
	return nil
}

// domain turns the refusal into the application error the person sees:
// ERATELIMITED for a throttle, EUNAVAILABLE for a temporary failure, and
// EINVALID otherwise (a used, expired or foreign code, a redirect URI or
// app credentials the network refuses, a token it no longer takes).
func (e *OAuthError) domain(network string) *pregonero.Error {
	msg := Scrub(e.Message)
	switch {
	case isThrottle(e.Code):
		return pregonero.Errorf(pregonero.ERATELIMITED, "%s is throttling the app's calls (code %d); try connecting again later.", network, e.Code)
	case e.Status >= 500 || e.Code == CodeService || (e.Code == CodeUnknown && e.Status >= 500):
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "%s reported a temporary error: %s Try connecting again.", network, msg)
	}
	return pregonero.Errorf(pregonero.EINVALID, "%s refused the connection (code %d%s): %s", network, e.Code, subcode(e.Subcode), msg)
}

func subcode(n int) string {
	if n == 0 {
		return ""
	}
	return "/" + strconv.Itoa(n)
}

// NextPage returns the parameters of the request for a list's
// paging.next, an address that must be on base's host: its query
// without the credentials, which the caller adds again. ok is false when
// there is no next page or it points elsewhere.
func NextPage(base, next string) (u string, params url.Values, ok bool) {
	if next == "" {
		return "", nil, false
	}
	n, err := url.Parse(next)
	b, berr := url.Parse(base)
	if err != nil || berr != nil || !strings.EqualFold(n.Host, b.Host) {
		return "", nil, false
	}
	params = n.Query()
	params.Del("access_token")
	params.Del("appsecret_proof")
	n.Scheme, n.RawQuery, n.Fragment = b.Scheme, "", ""
	return n.String(), params, true
}

// ScopeList splits a list of permissions separated by commas or spaces.
func ScopeList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// CheckApp refuses, naming each field, an app without a client id or a
// callback that is not an absolute URL; who is "Meta" or "Instagram", the
// app's name in the message.
func CheckApp(who string, app pregonero.OAuthApp, redirect string) error {
	var fields []pregonero.FieldError
	if strings.TrimSpace(app.ClientID) == "" {
		fields = append(fields, pregonero.FieldError{Field: "client_id", Code: pregonero.FieldRequired, Message: "The app has no client id."})
	}
	if u, err := url.Parse(redirect); err != nil || u.Scheme == "" || u.Host == "" {
		fields = append(fields, pregonero.FieldError{Field: "redirect_uri", Code: pregonero.FieldInvalid, Message: "The callback must be an absolute URL."})
	}
	if len(fields) > 0 {
		return &pregonero.Error{Code: pregonero.EINVALID, Message: "The " + who + " app or the callback is not usable for connecting accounts.", Fields: fields}
	}
	return nil
}

// InvalidField is an EINVALID error about one required field.
func InvalidField(field, msg string) *pregonero.Error {
	return &pregonero.Error{Code: pregonero.EINVALID, Message: msg,
		Fields: []pregonero.FieldError{{Field: field, Code: pregonero.FieldRequired, Message: msg}}}
}

// Missing returns the permissions of need not in granted, in need's order.
func Missing(need, granted []string) []string {
	var out []string
	for _, p := range need {
		if !slices.Contains(granted, p) {
			out = append(out, p)
		}
	}
	return out
}
