package media

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"

	"pregonero"
)

// Fetch downloads the file at rawURL into the library, as Put stores an
// upload: the type is sniffed from the bytes, whatever the server's
// Content-Type says, and the size limit is the library's. Only http and
// https URLs are fetched. Errors for the caller to fix are
// *pregonero.Error on the field "url": a URL that is not http(s), a
// server that answers other than 2xx, a file too large or of a type not
// accepted. client is the HTTP client to use (its timeout bounds the
// download); nil takes http.DefaultClient.
func (l *Library) Fetch(ctx context.Context, client *http.Client, rawURL, altText string) (*pregonero.Media, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, urlInvalid(rawURL, fmt.Sprintf("%q is not an http or https URL.", rawURL))
	}
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, urlInvalid(rawURL, fmt.Sprintf("%q cannot be requested: %v.", rawURL, err))
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, &pregonero.Error{Code: pregonero.EINVALID,
			Message: fmt.Sprintf("The file at %s could not be downloaded: %v.", rawURL, err),
			Fields: []pregonero.FieldError{{Field: "url", Code: pregonero.FieldInvalid, Actual: rawURL,
				Message: fmt.Sprintf("The file at %s could not be downloaded: %v.", rawURL, err)}}}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, urlInvalid(rawURL, fmt.Sprintf("The server of %s answered %s.", rawURL, resp.Status))
	}
	m, err := l.Put(ctx, resp.Body, path.Base(u.Path), altText)
	if e, ok := err.(*pregonero.Error); ok {
		// The problem is the file behind the URL, which is what was given.
		out := *e
		out.Fields = nil
		for _, f := range e.Fields {
			f.Field = "url"
			f.Message = fmt.Sprintf("%s: %s", rawURL, f.Message)
			out.Fields = append(out.Fields, f)
		}
		return nil, &out
	}
	return m, err
}

func urlInvalid(rawURL, msg string) error {
	return &pregonero.Error{Code: pregonero.EINVALID, Message: msg,
		Fields: []pregonero.FieldError{{Field: "url", Code: pregonero.FieldInvalid, Actual: rawURL, Message: msg}}}
}
