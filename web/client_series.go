package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"pregonero"
)

// CreateSeries adds a recurring series.
func (c *Client) CreateSeries(ctx context.Context, req SeriesRequest) (*SeriesResult, error) {
	var out SeriesResult
	if err := c.do(ctx, http.MethodPost, "/api/v1/series", nil, nil, req, &out); err != nil {
		return nil, fmt.Errorf("create series: %w", err)
	}
	return &out, nil
}

// SeriesList lists the series, ordered by name.
func (c *Client) SeriesList(ctx context.Context) ([]*pregonero.Series, error) {
	var l SeriesList
	if err := c.do(ctx, http.MethodGet, "/api/v1/series", nil, nil, nil, &l); err != nil {
		return nil, fmt.Errorf("list series: %w", err)
	}
	return l.Series, nil
}

// Series reads one series.
func (c *Client) Series(ctx context.Context, id string) (*pregonero.Series, error) {
	var out pregonero.Series
	if err := c.do(ctx, http.MethodGet, "/api/v1/series/"+url.PathEscape(id), nil, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("get series: %w", err)
	}
	return &out, nil
}

// SeriesOccurrences reads the next n occurrences of a series.
func (c *Client) SeriesOccurrences(ctx context.Context, id string, n int) (*OccurrenceList, error) {
	var out OccurrenceList
	q := url.Values{"n": {strconv.Itoa(n)}}
	if err := c.do(ctx, http.MethodGet, "/api/v1/series/"+url.PathEscape(id)+"/occurrences", q, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("list occurrences: %w", err)
	}
	return &out, nil
}

// PatchSeries changes a series; nil fields are kept.
func (c *Client) PatchSeries(ctx context.Context, id string, patch SeriesPatch) (*SeriesResult, error) {
	var out SeriesResult
	if err := c.do(ctx, http.MethodPatch, "/api/v1/series/"+url.PathEscape(id), nil, nil, patch, &out); err != nil {
		return nil, fmt.Errorf("edit series: %w", err)
	}
	return &out, nil
}

// SetSeriesState pauses, resumes or ends a series.
func (c *Client) SetSeriesState(ctx context.Context, id string, state pregonero.SeriesState) (*SeriesResult, error) {
	var out SeriesResult
	if err := c.do(ctx, http.MethodPost, "/api/v1/series/"+url.PathEscape(id)+"/state", nil, nil, SeriesStateRequest{State: state}, &out); err != nil {
		return nil, fmt.Errorf("set series state: %w", err)
	}
	return &out, nil
}

// SkipOccurrence skips one occurrence of a series.
func (c *Client) SkipOccurrence(ctx context.Context, id, occurrence string) (*SeriesResult, error) {
	var out SeriesResult
	path := "/api/v1/series/" + url.PathEscape(id) + "/occurrences/" + url.PathEscape(occurrence) + "/skip"
	if err := c.do(ctx, http.MethodPost, path, nil, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("skip occurrence: %w", err)
	}
	return &out, nil
}
