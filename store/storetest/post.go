package storetest

import (
	"time"

	"pregonero"
)

// NewPost returns a post scheduled at the given instant with one queued
// delivery per account, as the API creates them: ids from
// pregonero.NewID, NextAttemptAt = ScheduledAt, times in UTC.
func NewPost(at time.Time, accounts ...string) *pregonero.Post {
	at = at.UTC()
	p := &pregonero.Post{
		ID:          pregonero.NewID("p", at),
		Text:        "Vacunación gratuita este sábado en el parque principal.",
		Targets:     accounts,
		ScheduledAt: at,
		CreatedAt:   at,
		UpdatedAt:   at,
	}
	for _, a := range accounts {
		p.Deliveries = append(p.Deliveries, &pregonero.Delivery{
			ID:            pregonero.NewID("d", at),
			PostID:        p.ID,
			AccountID:     a,
			Network:       pregonero.NetworkX,
			State:         pregonero.DeliveryQueued,
			ScheduledAt:   at,
			NextAttemptAt: at,
			UpdatedAt:     at,
		})
	}
	return p
}
