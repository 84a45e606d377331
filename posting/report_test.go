package posting_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/posting"
	"pregonero/store/storetest"
)

var bogota = func() *time.Location {
	loc, err := time.LoadLocation("America/Bogota")
	if err != nil {
		panic(err)
	}
	return loc
}()

// dec returns an instant of December 2026 in Bogotá.
func dec(day, hour, minute int) time.Time {
	return time.Date(2026, time.December, day, hour, minute, 0, 0, bogota)
}

func day(d int) pregonero.Date { return pregonero.Date{Year: 2026, Month: time.December, Day: d} }

// published stores a post of the campaign (and unit) scheduled at at,
// with a delivery to each account published a minute later, and returns
// it as stored. Accounts starting with "yt-" are YouTube's, the others
// X's.
func (f *fixture) published(t *testing.T, campaign, unit, text string, at time.Time, accounts ...string) *pregonero.Post {
	t.Helper()
	p := f.queued(t, campaign, unit, text, at, accounts...)
	ctx := context.Background()
	for i, d := range p.Deliveries {
		pub := at.Add(time.Minute)
		if _, err := f.db.UpdateDelivery(ctx, d.ID, func(d *pregonero.Delivery) error {
			if err := d.Claim(); err != nil {
				return err
			}
			if err := d.Start(pub); err != nil {
				return err
			}
			remote := fmt.Sprintf("%s%d", p.ID, i)
			return d.Publish(pregonero.Receipt{RemoteID: remote, URL: "https://x.com/i/status/" + remote, PublishedAt: pub}, pub, pub, "")
		}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.db.Post(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// queued stores a post that is not published.
func (f *fixture) queued(t *testing.T, campaign, unit, text string, at time.Time, accounts ...string) *pregonero.Post {
	t.Helper()
	p := storetest.NewPost(at, accounts...)
	p.Campaign, p.Unit, p.Text = campaign, unit, text
	for _, d := range p.Deliveries {
		if strings.HasPrefix(d.AccountID, "yt-") {
			d.Network = pregonero.NetworkYouTube
		}
	}
	if err := f.db.CreatePosts(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

type m = map[string]int64

// snap stores a snapshot of a delivery.
func (f *fixture) snap(t *testing.T, d *pregonero.Delivery, at time.Time, metrics m) {
	t.Helper()
	if err := f.db.AddSnapshots(context.Background(), []pregonero.Snapshot{{DeliveryID: d.ID, PostID: d.PostID, AccountID: d.AccountID,
		Network: d.Network, CollectedAt: at, Metrics: metrics, Raw: m{"raw." + d.ID: 1}}}, nil); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) followers(t *testing.T, account string, at time.Time, n int64) {
	t.Helper()
	if err := f.db.AddAccountSnapshots(context.Background(), []pregonero.AccountSnapshot{{AccountID: account, Network: pregonero.NetworkX,
		CollectedAt: at, Metrics: m{pregonero.MetricFollowers: n}}}); err != nil {
		t.Fatal(err)
	}
}

// campaignWith creates a campaign as the system.
func (f *fixture) campaignWith(t *testing.T, name, unit, line string) *pregonero.Campaign {
	t.Helper()
	return f.campaign(t, context.Background(), &posting.CampaignRequest{Name: name, Unit: unit, PlanLine: line, StartsOn: "2026-12-01", EndsOn: "2026-12-31"})
}

// reportScene is a campaign with three published deliveries measured
// over three days of December 2026, and what must stay out of its
// report.
type reportScene struct {
	vias, salud *pregonero.Campaign
	p1, p2      *pregonero.Post
	d1x, d1y    *pregonero.Delivery
	d2x         *pregonero.Delivery
}

func newReportScene(t *testing.T, f *fixture) *reportScene {
	t.Helper()
	s := &reportScene{
		vias:  f.campaignWith(t, "Vías del Nordeste", "infraestructura", "Línea 3"),
		salud: f.campaignWith(t, "Vacunación", "salud", "Línea 1"),
	}
	s.p1 = f.published(t, s.vias.ID, "", "Avanza la vía a Anorí", dec(7, 10, 0), "x-gob", "yt-gob")
	s.p2 = f.published(t, s.vias.ID, "", "Puente de Yolombó, listo", dec(8, 9, 0), "x-gob")
	s.d1x, s.d1y, s.d2x = s.p1.Deliveries[0], s.p1.Deliveries[1], s.p2.Deliveries[0]

	f.snap(t, s.d1x, dec(7, 12, 0), m{"likes": 3, "comments": 1, "impressions": 100})
	f.snap(t, s.d1x, dec(8, 9, 30), m{"likes": 5, "comments": 2, "impressions": 300})
	f.snap(t, s.d1x, dec(10, 9, 0), m{"likes": 99, "comments": 99}) // after the span
	f.snap(t, s.d1y, dec(7, 11, 0), m{"views": 10, "likes": 1})
	f.snap(t, s.d1y, dec(8, 11, 0), m{"views": 40}) // likes no longer reported
	f.snap(t, s.d2x, dec(8, 15, 0), m{"likes": 7, "shares": 2})
	f.snap(t, s.d2x, dec(9, 23, 59), m{"likes": 8, "shares": 2, "comments": 1})

	// Out of the report: published before its first day, another
	// campaign's, not published.
	early := f.published(t, s.vias.ID, "", "Antes", dec(6, 10, 0), "x-gob")
	f.snap(t, early.Deliveries[0], dec(7, 10, 0), m{"likes": 1000})
	other := f.published(t, s.salud.ID, "", "Vacúnate", dec(7, 10, 0), "x-salud")
	f.snap(t, other.Deliveries[0], dec(7, 12, 0), m{"likes": 500})
	f.queued(t, s.vias.ID, "", "Mañana", dec(12, 10, 0), "x-gob")

	f.followers(t, "x-gob", dec(6, 8, 0), 900) // before the span
	f.followers(t, "x-gob", dec(7, 8, 0), 1000)
	f.followers(t, "x-gob", dec(7, 20, 0), 1010)
	f.followers(t, "x-gob", dec(9, 8, 0), 1050)
	f.followers(t, "x-gob", dec(10, 8, 0), 2000) // after the span
	return s
}

var dec7to9 = posting.ReportQuery{From: day(7), To: day(9)}

func TestCampaignReportArithmetic(t *testing.T) {
	f := newFixture(t)
	s := newReportScene(t, f)
	r, err := f.svc.CampaignReport(context.Background(), s.vias.ID, dec7to9)
	if err != nil {
		t.Fatal(err)
	}
	if r.Campaign == nil || r.Campaign.ID != s.vias.ID || r.From != day(7) || r.To != day(9) || r.Zone != "America/Bogota" {
		t.Errorf("campaign %v, span %s to %s in %s", r.Campaign, r.From, r.To, r.Zone)
	}
	if r.Posts != 2 || r.Deliveries != 3 || r.Measured != 3 {
		t.Errorf("posts %d, deliveries %d, measured %d; want 2, 3, 3", r.Posts, r.Deliveries, r.Measured)
	}

	t.Run("totals are the sum of each delivery's latest values, counted once", func(t *testing.T) {
		// d1x: its second snapshot (the third is after the span); d1y:
		// views from the second, likes from the first, which the second
		// left out; d2x: its second.
		want := m{"likes": 5 + 1 + 8, "comments": 2 + 1, "impressions": 300, "views": 40, "shares": 2}
		if !reflect.DeepEqual(r.Totals, want) {
			t.Errorf("totals = %v, want %v", r.Totals, want)
		}
		// The same, read the slow way: each delivery's snapshots in the
		// span, the latest value of each metric.
		brute := m{}
		for _, d := range []*pregonero.Delivery{s.d1x, s.d1y, s.d2x} {
			snaps, err := f.db.Snapshots(context.Background(), d.ID, time.Time{}, dec(10, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			last := m{}
			for _, sn := range snaps {
				for k, v := range sn.Metrics {
					last[k] = v
				}
			}
			for k, v := range last {
				brute[k] += v
			}
		}
		if !reflect.DeepEqual(r.Totals, brute) {
			t.Errorf("totals = %v, the snapshots say %v", r.Totals, brute)
		}
		if _, ok := r.Totals["saves"]; ok {
			t.Error("saves, reported by no delivery, came out (as 0?)")
		}
	})

	t.Run("totals per network", func(t *testing.T) {
		want := []posting.NetworkTotals{
			{Network: pregonero.NetworkX, Deliveries: 2, Measured: 2, Metrics: m{"likes": 13, "comments": 3, "impressions": 300, "shares": 2}},
			{Network: pregonero.NetworkYouTube, Deliveries: 1, Measured: 1, Metrics: m{"likes": 1, "views": 40}},
		}
		if !reflect.DeepEqual(r.Networks, want) {
			t.Errorf("networks = %+v, want %+v", r.Networks, want)
		}
	})

	t.Run("daily running totals at each day's end", func(t *testing.T) {
		want := []posting.DailyTotals{
			{Day: day(7), Metrics: m{"likes": 3 + 1, "comments": 1, "impressions": 100, "views": 10}},
			{Day: day(8), Metrics: m{"likes": 5 + 1 + 7, "comments": 2, "impressions": 300, "views": 40, "shares": 2}},
			{Day: day(9), Metrics: m{"likes": 5 + 1 + 8, "comments": 2 + 1, "impressions": 300, "views": 40, "shares": 2}},
		}
		if !reflect.DeepEqual(r.Daily, want) {
			t.Errorf("daily =\n%+v\nwant\n%+v", r.Daily, want)
		}
		if !reflect.DeepEqual(r.Daily[len(r.Daily)-1].Metrics, r.Totals) {
			t.Errorf("the last day's running total %v is not the totals %v", r.Daily[len(r.Daily)-1].Metrics, r.Totals)
		}
	})

	t.Run("top posts by engagement, with their deliveries", func(t *testing.T) {
		if len(r.TopPosts) != 2 {
			t.Fatalf("top posts = %+v", r.TopPosts)
		}
		first, second := r.TopPosts[0], r.TopPosts[1]
		// p2: 8 likes + 2 shares + 1 comment; p1: 5+1 likes + 2 comments.
		if first.Post != s.p2.ID || first.Engagement != 11 || second.Post != s.p1.ID || second.Engagement != 8 {
			t.Errorf("top posts = %s (%d), %s (%d); want %s (11), %s (8)", first.Post, first.Engagement, second.Post, second.Engagement, s.p2.ID, s.p1.ID)
		}
		if second.Text != "Avanza la vía a Anorí" || second.Campaign != s.vias.ID || len(second.Deliveries) != 2 {
			t.Errorf("second = %+v", second)
		}
		yt := second.Deliveries[1]
		if yt.Delivery != s.d1y.ID || yt.Network != pregonero.NetworkYouTube || yt.URL == "" || !yt.PublishedAt.Equal(dec(7, 10, 1)) ||
			!reflect.DeepEqual(yt.Metrics, m{"views": 40, "likes": 1}) {
			t.Errorf("delivery %+v", yt)
		}
		if !reflect.DeepEqual(second.Metrics, m{"likes": 6, "comments": 2, "impressions": 300, "views": 40}) {
			t.Errorf("post metrics = %v", second.Metrics)
		}
	})

	t.Run("follower growth over the same days", func(t *testing.T) {
		if len(r.Followers) != 2 {
			t.Fatalf("followers = %+v, want x-gob and yt-gob", r.Followers)
		}
		x, yt := r.Followers[0], r.Followers[1]
		if x.Account != "x-gob" || *x.Start != 1000 || *x.End != 1050 || *x.Change != 50 {
			t.Errorf("x-gob = %+v", x)
		}
		wantSeries := []posting.FollowerPoint{{Day: day(7), Followers: 1010}, {Day: day(9), Followers: 1050}}
		if !reflect.DeepEqual(x.Series, wantSeries) {
			t.Errorf("series = %+v, want %+v (a point per day with a reading, the day's last)", x.Series, wantSeries)
		}
		if yt.Account != "yt-gob" || yt.Network != pregonero.NetworkYouTube || yt.Start != nil || yt.End != nil || yt.Change != nil || len(yt.Series) != 0 {
			t.Errorf("yt-gob, never read = %+v; want no numbers", yt)
		}
	})

	t.Run("one network", func(t *testing.T) {
		q := dec7to9
		q.Network = pregonero.NetworkYouTube
		r, err := f.svc.CampaignReport(context.Background(), s.vias.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		if r.Deliveries != 1 || !reflect.DeepEqual(r.Totals, m{"likes": 1, "views": 40}) || len(r.Networks) != 1 {
			t.Errorf("youtube only: %d deliveries, totals %v", r.Deliveries, r.Totals)
		}
	})

	t.Run("a day with nothing reported yet has an empty running total", func(t *testing.T) {
		r, err := f.svc.CampaignReport(context.Background(), s.vias.ID, posting.ReportQuery{From: day(5), To: day(7)})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Daily) != 3 || len(r.Daily[0].Metrics) != 0 || r.Daily[0].Metrics == nil || r.Daily[2].Metrics["likes"] != 1000+4 {
			t.Errorf("daily = %+v", r.Daily)
		}
	})
}

func TestCampaignReportDefaultsAndRefusals(t *testing.T) {
	f := newFixture(t) // today is 2026-12-07 in Bogotá
	s := newReportScene(t, f)
	ctx := context.Background()
	t.Run("the campaign's start to today", func(t *testing.T) {
		r, err := f.svc.CampaignReport(ctx, s.vias.ID, posting.ReportQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if r.From != day(1) || r.To != day(7) || len(r.Daily) != 7 {
			t.Errorf("span %s to %s with %d days; want 2026-12-01 to 2026-12-07", r.From, r.To, len(r.Daily))
		}
	})
	t.Run("a campaign that has ended ends the report", func(t *testing.T) {
		f.clock.Set(dec(31, 12, 0).AddDate(0, 1, 0))
		defer f.clock.Set(t0)
		r, err := f.svc.CampaignReport(ctx, s.vias.ID, posting.ReportQuery{})
		if err != nil || r.To != day(31) {
			t.Errorf("to = %v, %v; want the campaign's end, 2026-12-31", r, err)
		}
	})
	t.Run("a campaign that has not started is a report of its first day", func(t *testing.T) {
		c := f.campaign(t, ctx, &posting.CampaignRequest{Name: "Navidad", StartsOn: "2026-12-20"})
		r, err := f.svc.CampaignReport(ctx, c.ID, posting.ReportQuery{})
		if err != nil || r.From != day(20) || r.To != day(20) {
			t.Errorf("got %v, %v; want 2026-12-20 to 2026-12-20", r, err)
		}
	})
	t.Run("an unknown campaign is not found", func(t *testing.T) {
		if _, err := f.svc.CampaignReport(ctx, "c_nada", posting.ReportQuery{}); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("err = %v, want not_found", err)
		}
	})
	for _, tc := range []struct {
		name  string
		q     posting.ReportQuery
		field string
	}{
		{"to before from", posting.ReportQuery{From: day(9), To: day(7)}, "to"},
		{"a day the calendar does not have", posting.ReportQuery{From: pregonero.Date{Year: 2026, Month: 2, Day: 30}}, "from"},
		{"more days than a plan has", posting.ReportQuery{From: pregonero.Date{Year: 2020, Month: 1, Day: 1}, To: day(7)}, "from"},
	} {
		t.Run(tc.name+" is invalid on "+tc.field, func(t *testing.T) {
			_, err := f.svc.CampaignReport(ctx, s.vias.ID, tc.q)
			if e := appError(t, err); e.Code != pregonero.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
				t.Errorf("err = %v, want invalid on %s", err, tc.field)
			}
		})
	}
}

func TestParseReportQuery(t *testing.T) {
	f := newFixture(t)
	q, err := f.svc.ParseReportQuery(posting.ReportParams{From: "2026-12-01", To: " 2026-12-31", Network: "x", By: "plan_line",
		Unit: " salud ", Timezone: "America/New_York"})
	if err != nil {
		t.Fatal(err)
	}
	if q.From != day(1) || q.To != day(31) || q.Network != pregonero.NetworkX || q.GroupBy != posting.GroupByPlanLine || q.Unit != "salud" || q.Zone.String() != "America/New_York" {
		t.Errorf("query = %+v", q)
	}
	for _, tc := range []struct {
		p      posting.ReportParams
		fields []string
	}{
		{posting.ReportParams{From: "2026-13-01", To: "ayer"}, []string{"from", "to"}},
		{posting.ReportParams{From: "2026-12-09", To: "2026-12-01"}, []string{"to"}},
		{posting.ReportParams{Network: "tiktok", By: "author", Timezone: "Bogota"}, []string{"timezone", "network", "by"}},
	} {
		_, err := f.svc.ParseReportQuery(tc.p)
		e := appError(t, err)
		var got []string
		for _, fe := range e.Fields {
			got = append(got, fe.Field)
		}
		if e.Code != pregonero.EINVALID || !reflect.DeepEqual(got, tc.fields) {
			t.Errorf("ParseReportQuery(%+v) fields = %v, want %v", tc.p, got, tc.fields)
		}
	}
}

func TestGroupedReports(t *testing.T) {
	f := newFixture(t)
	s := newReportScene(t, f)
	ctx := context.Background()
	loose := f.published(t, "", "salud", "Sin campaña", dec(8, 10, 0), "x-salud")
	f.snap(t, loose.Deliveries[0], dec(8, 12, 0), m{"likes": 20})
	nobody := f.published(t, "", "", "De nadie", dec(8, 11, 0), "x-gob")
	f.snap(t, nobody.Deliveries[0], dec(8, 12, 0), m{"likes": 30})

	keys := func(gs []posting.ReportGroup) []string {
		var out []string
		for _, g := range gs {
			out = append(out, fmt.Sprintf("%s:%d", g.Key, g.Report.Totals["likes"]))
		}
		return out
	}
	t.Run("by dependencia: the campaign's, else the post's own, none last", func(t *testing.T) {
		gs, err := f.svc.Reports(ctx, dec7to9)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := keys(gs), []string{"infraestructura:14", "salud:520", ":30"}; !reflect.DeepEqual(got, want) {
			t.Errorf("groups = %v, want %v", got, want)
		}
		if gs[0].Report.Deliveries != 3 || gs[0].Report.Campaign != nil || len(gs[0].Report.Daily) != 3 {
			t.Errorf("infraestructura = %+v", gs[0].Report)
		}
	})
	t.Run("by line: posts without a campaign have none", func(t *testing.T) {
		q := dec7to9
		q.GroupBy = posting.GroupByPlanLine
		gs, err := f.svc.Reports(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := keys(gs), []string{"Línea 1:500", "Línea 3:14", ":50"}; !reflect.DeepEqual(got, want) {
			t.Errorf("groups = %v, want %v", got, want)
		}
	})
	t.Run("narrowed to a dependencia, a line, a campaign", func(t *testing.T) {
		for _, tc := range []struct {
			q    posting.ReportQuery
			want []string
		}{
			{posting.ReportQuery{Unit: "salud"}, []string{"salud:520"}},
			{posting.ReportQuery{PlanLine: "Línea 3", GroupBy: posting.GroupByPlanLine}, []string{"Línea 3:14"}},
			{posting.ReportQuery{Campaign: s.salud.ID}, []string{"salud:500"}},
			{posting.ReportQuery{Network: pregonero.NetworkYouTube}, []string{"infraestructura:1"}},
		} {
			tc.q.From, tc.q.To = day(7), day(9)
			gs, err := f.svc.Reports(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(gs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Reports(%+v) = %v, want %v", tc.q, got, tc.want)
			}
		}
	})
	t.Run("an unknown campaign is invalid on its field", func(t *testing.T) {
		_, err := f.svc.Reports(ctx, posting.ReportQuery{Campaign: "c_nada"})
		if e := appError(t, err); e.Code != pregonero.EINVALID || e.Fields[0].Field != "campaign" {
			t.Errorf("err = %v", err)
		}
	})
}

func TestReportAccess(t *testing.T) {
	f := newFixture(t)
	s := newReportScene(t, f)
	loose := f.published(t, "", "salud", "Sin campaña", dec(8, 10, 0), "x-salud")
	f.snap(t, loose.Deliveries[0], dec(8, 12, 0), m{"likes": 20})
	as := func(u *pregonero.User) context.Context { return pregonero.NewContextWithUser(context.Background(), u) }
	editor := as(&pregonero.User{Username: "ana", Role: pregonero.RoleEditor, Units: []string{"salud"}})
	viewer := as(&pregonero.User{Username: "veedor", Role: pregonero.RoleViewer})
	disabled := as(&pregonero.User{Username: "ido", Role: pregonero.RoleAdmin, Disabled: true})

	t.Run("an editor reads the campaigns of their dependencias only", func(t *testing.T) {
		if _, err := f.svc.CampaignReport(editor, s.salud.ID, dec7to9); err != nil {
			t.Errorf("own campaign: %v", err)
		}
		if _, err := f.svc.CampaignReport(editor, s.vias.ID, dec7to9); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
			t.Errorf("another dependencia's campaign: %v, want forbidden", err)
		}
	})
	t.Run("an editor's grouped reports and exports hold their dependencias only", func(t *testing.T) {
		gs, err := f.svc.Reports(editor, dec7to9)
		if err != nil || len(gs) != 1 || gs[0].Key != "salud" || gs[0].Report.Deliveries != 2 {
			t.Errorf("Reports = %+v, %v; want salud alone", gs, err)
		}
		var b strings.Builder
		n, err := f.svc.ExportMetricsCSV(editor, dec7to9, &b)
		if err != nil || n != 2 || strings.Contains(b.String(), "Anorí") {
			t.Errorf("export = %d rows, %v:\n%s", n, err, b.String())
		}
		for _, q := range []posting.ReportQuery{{Unit: "infraestructura"}, {Campaign: s.vias.ID}} {
			if _, err := f.svc.Reports(editor, q); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
				t.Errorf("Reports(%+v) = %v, want forbidden", q, err)
			}
			b.Reset()
			if _, err := f.svc.ExportMetricsCSV(editor, q, &b); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN || b.Len() != 0 {
				t.Errorf("ExportMetricsCSV(%+v) = %v with %d bytes written, want forbidden and nothing", q, err, b.Len())
			}
		}
	})
	t.Run("a viewer reads every report", func(t *testing.T) {
		if _, err := f.svc.CampaignReport(viewer, s.vias.ID, dec7to9); err != nil {
			t.Error(err)
		}
		if gs, err := f.svc.Reports(viewer, dec7to9); err != nil || len(gs) != 2 {
			t.Errorf("Reports = %d groups, %v", len(gs), err)
		}
	})
	t.Run("a disabled user reads none", func(t *testing.T) {
		if _, err := f.svc.CampaignReport(disabled, s.vias.ID, dec7to9); pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
			t.Errorf("err = %v", err)
		}
	})
}
