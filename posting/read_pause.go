package posting

import (
	"context"
	"fmt"
	"time"

	"pregonero"
)

// Overdue returns, at most limit, the queued deliveries that a global
// Resume now would hold for a person as overdue (see Resume): due before
// now minus the resume grace, oldest first, those started ahead of a time
// still to come left out. While publishing runs, the scheduler claims
// such deliveries at once and the list is empty or fleeting; it means
// something while publishing is paused. The cutoff it used is returned
// with them. Every signed-in user may read it.
func (s *Service) Overdue(ctx context.Context, limit int) ([]*pregonero.Delivery, time.Time, error) {
	cutoff := s.now().Add(-s.resumeGrace)
	ds, err := s.store.DueBefore(ctx, cutoff, "", limit)
	if err != nil {
		return nil, cutoff, fmt.Errorf("overdue: %w", err)
	}
	out := ds[:0]
	for _, d := range ds {
		if overdue(d, cutoff) {
			out = append(out, d)
		}
	}
	return out, cutoff, nil
}

// ResumeGrace returns how overdue a delivery may be on resume and still
// go out by itself.
func (s *Service) ResumeGrace() time.Duration { return s.resumeGrace }
