package storetest

import (
	"time"

	"pregonero"
)

// NewPost returns a post scheduled at the given instant with one queued
// delivery per account, as the API creates them: ids from pregonero.NewID
// at the current time (so they sort by creation), NextAttemptAt =
// ScheduledAt, times in UTC.
func NewPost(at time.Time, accounts ...string) *pregonero.Post {
	at = at.UTC()
	now := time.Now()
	p := &pregonero.Post{
		ID:          pregonero.NewID("p", now),
		Text:        "Vacunación gratuita este sábado en el parque principal.",
		Targets:     accounts,
		ScheduledAt: at,
		CreatedAt:   at,
		UpdatedAt:   at,
	}
	for _, a := range accounts {
		p.Deliveries = append(p.Deliveries, &pregonero.Delivery{
			ID:            pregonero.NewID("d", now),
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
