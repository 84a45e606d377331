package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// PostMetrics reads the metrics history of a post's deliveries.
func (c *Client) PostMetrics(ctx context.Context, id string) (*PostMetrics, error) {
	var out PostMetrics
	if err := c.do(ctx, http.MethodGet, "/api/v1/posts/"+url.PathEscape(id)+"/metrics", nil, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("get post metrics: %w", err)
	}
	return &out, nil
}
