package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"pregonero"
)

// NotifySettings reads the settings of the token's owner.
func (c *Client) NotifySettings(ctx context.Context) (*pregonero.NotifySettings, error) {
	var out pregonero.NotifySettings
	if err := c.do(ctx, http.MethodGet, "/api/v1/me/notifications", nil, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("notification settings: %w", err)
	}
	return &out, nil
}

// PutNotifySettings replaces the settings of the token's owner.
func (c *Client) PutNotifySettings(ctx context.Context, req NotifySettingsRequest) (*pregonero.NotifySettings, error) {
	var out pregonero.NotifySettings
	if err := c.do(ctx, http.MethodPut, "/api/v1/me/notifications", nil, nil, req, &out); err != nil {
		return nil, fmt.Errorf("save notification settings: %w", err)
	}
	return &out, nil
}

// TestEmail sends a test e-mail to the saved address and returns it.
func (c *Client) TestEmail(ctx context.Context) (string, error) {
	var out TestEmailResult
	if err := c.do(ctx, http.MethodPost, "/api/v1/me/notifications/test", nil, nil, nil, &out); err != nil {
		return "", fmt.Errorf("test e-mail: %w", err)
	}
	return out.SentTo, nil
}

// Webhooks lists the webhooks.
func (c *Client) Webhooks(ctx context.Context) ([]*pregonero.Webhook, error) {
	var out WebhookList
	if err := c.do(ctx, http.MethodGet, "/api/v1/webhooks", nil, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out.Webhooks, nil
}

// CreateWebhook adds a webhook; the answer holds its secret, shown once.
func (c *Client) CreateWebhook(ctx context.Context, req WebhookRequest) (*WebhookCreated, error) {
	var out WebhookCreated
	if err := c.do(ctx, http.MethodPost, "/api/v1/webhooks", nil, nil, req, &out); err != nil {
		return nil, fmt.Errorf("create webhook: %w", err)
	}
	return &out, nil
}

// UpdateWebhook replaces a webhook's address, events and dependencias.
func (c *Client) UpdateWebhook(ctx context.Context, id string, req WebhookRequest) (*pregonero.Webhook, error) {
	var out pregonero.Webhook
	if err := c.do(ctx, http.MethodPut, "/api/v1/webhooks/"+url.PathEscape(id), nil, nil, req, &out); err != nil {
		return nil, fmt.Errorf("edit webhook: %w", err)
	}
	return &out, nil
}

// DeleteWebhook removes a webhook.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	if err := c.do(ctx, http.MethodDelete, "/api/v1/webhooks/"+url.PathEscape(id), nil, nil, nil, nil); err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	return nil
}

// WebhookDeliveries lists a webhook's latest deliveries with their
// attempts (limit 0: the server's default).
func (c *Client) WebhookDeliveries(ctx context.Context, id string, limit int) ([]*pregonero.WebhookDelivery, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out WebhookDeliveryList
	if err := c.do(ctx, http.MethodGet, "/api/v1/webhooks/"+url.PathEscape(id)+"/deliveries", q, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	return out.Deliveries, nil
}

// TestWebhook sends a test event to a webhook and returns the attempt.
func (c *Client) TestWebhook(ctx context.Context, id string) (*pregonero.WebhookAttempt, error) {
	var out pregonero.WebhookAttempt
	if err := c.do(ctx, http.MethodPost, "/api/v1/webhooks/"+url.PathEscape(id)+"/test", nil, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("test webhook: %w", err)
	}
	return &out, nil
}
