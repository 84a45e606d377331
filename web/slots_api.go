package web

import (
	"net/http"
	"strconv"

	"pregonero"
	"pregonero/posting"
)

// SlotsRequest is the body of PUT /api/v1/queues/{id}/slots: the
// account's whole list of posting slots (an empty list removes them all).
type SlotsRequest struct {
	Slots []pregonero.Slot `json:"slots"`
}

// SlotsChange is the answer of PUT /api/v1/queues/{id}/slots: the slots
// stored, the posts of the queue moved to another slot, placed again, or
// held for a person because no slot is left for them (with a warning).
type SlotsChange = posting.SlotsChange

// Queue is the answer of GET /api/v1/queues/{id}.
type Queue = posting.Queue

// QueueMoveRequest is the body of POST /api/v1/queues/{id}/move:
// the delivery to move and its new position in the queue (1 is first).
type QueueMoveRequest struct {
	DeliveryID string `json:"delivery_id"`
	Position   int    `json:"position"`
}

// QueueMoved is the answer of POST /api/v1/queues/{id}/move: the
// deliveries whose slot changed.
type QueueMoved struct {
	Moved []*pregonero.Delivery `json:"moved"`
}

// defaultQueueLimit is how many queue items GET .../queue returns when
// the request names no limit; maxQueueLimit is the most it returns.
const (
	defaultQueueLimit = 100
	maxQueueLimit     = 1000
)

func (s *Server) handleGetSlots(w http.ResponseWriter, r *http.Request) error {
	sl, err := s.posts.Slots(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	sl.UpdatedAt = utc(sl.UpdatedAt)
	writeJSON(w, http.StatusOK, sl)
	return nil
}

func (s *Server) handlePutSlots(w http.ResponseWriter, r *http.Request) error {
	var req SlotsRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	ch, err := s.posts.SetSlots(r.Context(), r.PathValue("id"), req.Slots)
	if err != nil {
		return err
	}
	ch.Slots.UpdatedAt = utc(ch.Slots.UpdatedAt)
	for _, list := range [][]*pregonero.Delivery{ch.Moved, ch.Held, ch.Placed} {
		for _, d := range list {
			utcDelivery(d)
		}
	}
	writeJSON(w, http.StatusOK, ch)
	return nil
}

func (s *Server) handleGetQueue(w http.ResponseWriter, r *http.Request) error {
	limit := defaultQueueLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxQueueLimit {
			return pregonero.Invalid([]pregonero.FieldError{{Field: "limit", Code: pregonero.FieldInvalid, Actual: v, Limit: maxQueueLimit,
				Message: "limit must be a number from 1 to 1000."}})
		}
		limit = n
	}
	q, err := s.posts.Queue(r.Context(), r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	for _, list := range [][]posting.QueueItem{q.Items, q.Held} {
		for _, it := range list {
			utcDelivery(it.Delivery)
		}
	}
	if q.NextFree != nil {
		t := utc(*q.NextFree)
		q.NextFree = &t
	}
	writeJSON(w, http.StatusOK, q)
	return nil
}

func (s *Server) handleMoveInQueue(w http.ResponseWriter, r *http.Request) error {
	var req QueueMoveRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	if req.DeliveryID == "" {
		return pregonero.Invalid([]pregonero.FieldError{{Field: "delivery_id", Code: pregonero.FieldRequired, Message: "Give the id of the delivery to move."}})
	}
	moved, err := s.posts.MoveInAccountQueue(r.Context(), r.PathValue("id"), req.DeliveryID, req.Position)
	if err != nil {
		return err
	}
	for _, d := range moved {
		utcDelivery(d)
	}
	writeJSON(w, http.StatusOK, QueueMoved{Moved: moved})
	return nil
}
