package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"pregonero"
)

// CreateFeed adds a news feed.
func (c *Client) CreateFeed(ctx context.Context, req FeedRequest) (*Feed, error) {
	var out Feed
	if err := c.do(ctx, http.MethodPost, "/api/v1/feeds", nil, nil, req, &out); err != nil {
		return nil, fmt.Errorf("add feed: %w", err)
	}
	return &out, nil
}

// Feeds lists the news feeds.
func (c *Client) Feeds(ctx context.Context) ([]*Feed, error) {
	var l FeedList
	if err := c.do(ctx, http.MethodGet, "/api/v1/feeds", nil, nil, nil, &l); err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	return l.Feeds, nil
}

// Feed reads one news feed.
func (c *Client) Feed(ctx context.Context, id string) (*Feed, error) {
	var out Feed
	if err := c.do(ctx, http.MethodGet, "/api/v1/feeds/"+url.PathEscape(id), nil, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("get feed: %w", err)
	}
	return &out, nil
}

// PatchFeed changes a news feed; nil fields are kept.
func (c *Client) PatchFeed(ctx context.Context, id string, patch FeedPatch) (*Feed, error) {
	var out Feed
	if err := c.do(ctx, http.MethodPatch, "/api/v1/feeds/"+url.PathEscape(id), nil, nil, patch, &out); err != nil {
		return nil, fmt.Errorf("edit feed: %w", err)
	}
	return &out, nil
}

// DeleteFeed removes a news feed; the posts made from it stay.
func (c *Client) DeleteFeed(ctx context.Context, id string) error {
	if err := c.do(ctx, http.MethodDelete, "/api/v1/feeds/"+url.PathEscape(id), nil, nil, nil, nil); err != nil {
		return fmt.Errorf("remove feed: %w", err)
	}
	return nil
}

// PollFeed fetches a news feed now and drafts its new items.
func (c *Client) PollFeed(ctx context.Context, id string) (*FeedPoll, error) {
	var out FeedPoll
	if err := c.do(ctx, http.MethodPost, "/api/v1/feeds/"+url.PathEscape(id)+"/poll", nil, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("poll feed: %w", err)
	}
	return &out, nil
}

// FeedItems lists up to limit items drafted from a feed, newest first.
func (c *Client) FeedItems(ctx context.Context, id string, limit int) ([]*pregonero.FeedItem, error) {
	var out FeedItemList
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if err := c.do(ctx, http.MethodGet, "/api/v1/feeds/"+url.PathEscape(id)+"/items", q, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("feed items: %w", err)
	}
	return out.Items, nil
}
