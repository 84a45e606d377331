package main

import (
	"context"
	"fmt"
	"net/http"

	"pregonero"
	"pregonero/feed"
	"pregonero/posting"
)

// feedsConfig is how the posting service polls news feeds: with the
// configured timeout and size limit, naming itself to the sites it reads,
// through the client of outside addresses (outboundClient).
func (m *Main) feedsConfig() posting.FeedConfig {
	c := m.Config.Feeds
	return posting.FeedConfig{
		Fetcher: &feed.Fetcher{Client: m.outboundClient(), Timeout: c.Timeout.D(), MaxBytes: c.MaxBytes,
			UserAgent: "Pregonero/" + Version()},
		Every:      c.Every.D(),
		FirstItems: c.FirstItems,
	}
}

// outboundClient is the HTTP client of the addresses people give the
// server to fetch (feeds and their images, media URLs, webhooks): public
// addresses only, so that the server is nobody's way into the networks
// only it reaches; any address with the sandbox, whose demo feeds and
// receivers are on this machine, or with allow_private_urls.
// One client serves them all, so that their connections are kept and
// reused rather than left open by a transport made for each download.
func (m *Main) outboundClient() *http.Client {
	m.outboundOnce.Do(func() {
		m.outbound = feed.PublicClient(m.Config.SandboxMode() || m.Config.AllowPrivateURLs)
	})
	return m.outbound
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
