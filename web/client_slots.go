package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"pregonero"
)

// Slots reads an account's posting slots.
func (c *Client) Slots(ctx context.Context, account string) (*pregonero.AccountSlots, error) {
	var out pregonero.AccountSlots
	if err := c.do(ctx, http.MethodGet, "/api/v1/queues/"+url.PathEscape(account)+"/slots", nil, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("get slots: %w", err)
	}
	return &out, nil
}

// SetSlots replaces an account's posting slots.
func (c *Client) SetSlots(ctx context.Context, account string, slots []pregonero.Slot) (*SlotsChange, error) {
	if slots == nil {
		slots = []pregonero.Slot{}
	}
	var out SlotsChange
	if err := c.do(ctx, http.MethodPut, "/api/v1/queues/"+url.PathEscape(account)+"/slots", nil, nil, SlotsRequest{Slots: slots}, &out); err != nil {
		return nil, fmt.Errorf("set slots: %w", err)
	}
	return &out, nil
}

// Queue reads an account's queue, up to limit items (the server's
// default when 0).
func (c *Client) Queue(ctx context.Context, account string, limit int) (*Queue, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out Queue
	if err := c.do(ctx, http.MethodGet, "/api/v1/queues/"+url.PathEscape(account), q, nil, nil, &out); err != nil {
		return nil, fmt.Errorf("get queue: %w", err)
	}
	return &out, nil
}

// MoveInQueue puts a delivery of an account's queue at a position (1 is
// first) and returns the deliveries whose slot changed.
func (c *Client) MoveInQueue(ctx context.Context, account, deliveryID string, position int) ([]*pregonero.Delivery, error) {
	var out QueueMoved
	if err := c.do(ctx, http.MethodPost, "/api/v1/queues/"+url.PathEscape(account)+"/move", nil, nil,
		QueueMoveRequest{DeliveryID: deliveryID, Position: position}, &out); err != nil {
		return nil, fmt.Errorf("move in queue: %w", err)
	}
	return out.Moved, nil
}
