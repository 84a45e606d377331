package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"pregonero/posting"
)

// ImportOptions are the parameters of an import.
type ImportOptions struct {
	Filename  string
	Timezone  string
	ValidOnly bool
	DryRun    bool
}

// ImportRefusedError is the refusal of an import whose rows have
// errors: the server's error and the report that lists them.
type ImportRefusedError struct {
	Err    error
	Report *posting.ImportReport
}

func (e *ImportRefusedError) Error() string { return e.Err.Error() }
func (e *ImportRefusedError) Unwrap() error { return e.Err }

// Import sends a CSV file of posts. A refusal for the file's rows is an
// *ImportRefusedError carrying the report; a dry run, a file imported
// before and an import made answer with the report and no error.
func (c *Client) Import(ctx context.Context, data []byte, o ImportOptions) (*posting.ImportReport, error) {
	q := url.Values{}
	for name, v := range map[string]string{"filename": o.Filename, "timezone": o.Timezone} {
		if v != "" {
			q.Set(name, v)
		}
	}
	if o.ValidOnly {
		q.Set("valid_only", "true")
	}
	if o.DryRun {
		q.Set("dry_run", "true")
	}
	req, err := c.newRequest(ctx, http.MethodPost, "/api/v1/imports", q, http.Header{"Content-Type": {"text/csv; charset=utf-8"}}, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("import: read answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnprocessableEntity:
		var ref importRefusal
		if json.Unmarshal(body, &ref) == nil && ref.Report != nil && ref.Error != nil {
			return ref.Report, &ImportRefusedError{Err: ref.Error, Report: ref.Report}
		}
		return nil, fmt.Errorf("import: %w", responseError(resp.StatusCode, body))
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fmt.Errorf("import: %w", responseError(resp.StatusCode, body))
	}
	var rep posting.ImportReport
	if err := json.Unmarshal(body, &rep); err != nil {
		return nil, fmt.Errorf("import: decode answer: %w", err)
	}
	return &rep, nil
}

// ExportPostsCSV downloads the CSV export of the posts the query selects
// (status, account, campaign, from, to, timezone) to w, and returns how
// many bytes it wrote.
func (c *Client) ExportPostsCSV(ctx context.Context, q url.Values, w io.Writer) (int64, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/api/v1/export/posts.csv", q, nil, nil)
	if err != nil {
		return 0, fmt.Errorf("export posts: %w", err)
	}
	req.Header.Set("Accept", "text/csv")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("export posts: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		return 0, fmt.Errorf("export posts: %w", responseError(resp.StatusCode, data))
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("export posts: %w", err)
	}
	return n, nil
}
