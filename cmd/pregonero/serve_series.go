package main

import (
	"context"
	"fmt"

	"pregonero"
)

// scheduleSeries makes the posts of the series' occurrences that come
// within the horizon every series.every, and once at start, so that a
// server down for a while catches up at once.
func (m *Main) scheduleSeries(ctx context.Context) error {
	run := func() {
		res, err := m.Posts.Materialize(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			m.Logger.Error("posts of recurring series", pregonero.LogErr, err)
		case res.Created > 0 || res.Failed > 0:
			m.Logger.Info("posts of recurring series made", pregonero.LogCount, res.Created, pregonero.LogFailure, res.Failed)
		}
	}
	if err := m.Scheduler.AddJob("@every "+m.Config.Series.Every.D().String(), run); err != nil {
		return fmt.Errorf("series: %w", err)
	}
	m.serve(ctx, "series", func(context.Context) error { run(); return nil })
	return nil
}
