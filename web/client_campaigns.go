package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"pregonero"
)

// CreateCampaign adds a campaign.
func (c *Client) CreateCampaign(ctx context.Context, req CampaignRequest) (*pregonero.Campaign, error) {
	var out pregonero.Campaign
	if err := c.do(ctx, http.MethodPost, "/api/v1/campaigns", nil, nil, req, &out); err != nil {
		return nil, fmt.Errorf("create campaign: %w", err)
	}
	return &out, nil
}

// Campaigns lists the campaigns, ordered by name.
func (c *Client) Campaigns(ctx context.Context) ([]*pregonero.Campaign, error) {
	var l CampaignList
	if err := c.do(ctx, http.MethodGet, "/api/v1/campaigns", nil, nil, nil, &l); err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	return l.Campaigns, nil
}

// Campaign reads one campaign.
func (c *Client) Campaign(ctx context.Context, id string) (*pregonero.Campaign, error) {
	var out pregonero.Campaign
	if err := c.do(ctx, http.MethodGet, "/api/v1/campaigns/"+url.PathEscape(id), nil, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("get campaign: %w", err)
	}
	return &out, nil
}

// PatchCampaign changes a campaign; nil fields are kept.
func (c *Client) PatchCampaign(ctx context.Context, id string, patch CampaignPatch) (*pregonero.Campaign, error) {
	var out pregonero.Campaign
	if err := c.do(ctx, http.MethodPatch, "/api/v1/campaigns/"+url.PathEscape(id), nil, nil, patch, &out); err != nil {
		return nil, fmt.Errorf("edit campaign: %w", err)
	}
	return &out, nil
}
