package web

import (
	"strconv"
	"time"

	"pregonero"
)

// A delivery's metrics over time on the post's page: its snapshots as
// charts (interactions, and how far it went) and as a table.

// deliveryMetricsView is one delivery's metrics; Empty when it has no
// snapshot yet.
type deliveryMetricsView struct {
	ID                     string
	Interactions, Audience *lineChart
	Table                  *reportTable
	Empty                  bool
}

// postMetricsViews reads the metrics of a post's deliveries, by delivery
// id. The page is not worth failing for them: when they cannot be read,
// the log says why and the page shows none.
func (s *Server) postMetricsViews(rq *uiRequest, postID string) map[string]*deliveryMetricsView {
	list, err := s.posts.PostMetrics(rq.Context(), postID)
	if err != nil {
		s.logger.WarnContext(rq.Context(), "read the post's metrics for its page", pregonero.LogPost, postID, logErr, err)
		return nil
	}
	out := make(map[string]*deliveryMetricsView, len(list))
	for i, dm := range list {
		v := &deliveryMetricsView{ID: dm.Delivery, Empty: len(dm.Snapshots) == 0}
		out[dm.Delivery] = v
		if v.Empty {
			continue
		}
		steps := make([]metricStep, len(dm.Snapshots))
		times := make([]time.Time, len(dm.Snapshots))
		for j, sn := range dm.Snapshots {
			times[j] = sn.CollectedAt
		}
		layout := snapshotLayout(times)
		for j, sn := range dm.Snapshots {
			steps[j] = metricStep{X: float64(sn.CollectedAt.Unix()), Label: snapshotTime(rq, sn.CollectedAt, layout), Metrics: sn.Metrics}
		}
		ticks := []chartTick{{steps[0].X, steps[0].Label}}
		if n := len(steps); n > 1 {
			ticks = append(ticks, chartTick{steps[n-1].X, steps[n-1].Label})
		}
		id := "met-" + strconv.Itoa(i+1)
		v.Interactions = metricLines(rq, id+"-i", rq.P.T("reports.post.chart_interactions"), interactionMetrics, steps, ticks, true)
		v.Audience = metricLines(rq, id+"-a", rq.P.T("reports.post.chart_audience"), audienceMetrics, steps, ticks, true)
		v.Table = metricTable(rq, rq.P.T("reports.post.caption"), rq.P.T("reports.col.collected"), steps)
		v.Empty = len(v.Table.Cols) == 0
	}
	return out
}

// snapshotLayout is how the readings' times are written: to the minute
// ("15:04"), or to the second when two readings fall in the same minute,
// so that each has its own label on the chart's axis and in the table.
func snapshotLayout(times []time.Time) string {
	minutes := make(map[int64]bool, len(times))
	for _, t := range times {
		m := t.Truncate(time.Minute).Unix()
		if minutes[m] {
			return "15:04:05"
		}
		minutes[m] = true
	}
	return "15:04"
}

// snapshotTime is a reading's instant, short: "20 nov 15:04", with the
// clock written as layout says.
func snapshotTime(rq *uiRequest, t time.Time, layout string) string {
	t = t.In(rq.Loc)
	return rq.P.T("reports.instant", t.Day(), rq.P.T("time.month."+strconv.Itoa(int(t.Month()))), t.Format(layout))
}
