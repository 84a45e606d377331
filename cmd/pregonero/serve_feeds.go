package main

import (
	"context"
	"fmt"

	"pregonero"
	"pregonero/feed"
	"pregonero/posting"
)

// feedsConfig is how the posting service polls news feeds: with the
// configured timeout and size limit, naming itself to the sites it reads.
func (m *Main) feedsConfig() posting.FeedConfig {
	c := m.Config.Feeds
	return posting.FeedConfig{
		Fetcher:    &feed.Fetcher{Timeout: c.Timeout.D(), MaxBytes: c.MaxBytes, UserAgent: "Pregonero/" + Version()},
		Every:      c.Every.D(),
		FirstItems: c.FirstItems,
	}
}

// scheduleFeeds polls the news feeds that are due every feeds.every, and
// once at start, so that news published while the server was down
// become drafts at once.
func (m *Main) scheduleFeeds(ctx context.Context) error {
	run := func() {
		polls, err := m.Posts.PollFeeds(ctx)
		if err != nil && ctx.Err() == nil {
			m.Logger.Error("poll of news feeds", pregonero.LogErr, err)
		}
		drafted, failed := 0, 0
		for _, p := range polls {
			drafted += p.Drafted
			if p.Error != "" {
				failed++
			}
		}
		if drafted > 0 || failed > 0 {
			m.Logger.Info("news feeds polled", pregonero.LogCount, drafted, pregonero.LogFailure, failed)
		}
	}
	if err := m.Scheduler.AddJob("@every "+m.Config.Feeds.Every.D().String(), run); err != nil {
		return fmt.Errorf("feeds: %w", err)
	}
	m.serve(ctx, "feeds", func(context.Context) error { run(); return nil })
	return nil
}
