package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/posting"
	"pregonero/store/storetest"
	"pregonero/users"
	"pregonero/web"
)

// publishedPost stores a post of the campaign with one delivery to the
// account, published at at, measured once an hour later.
func (ts *testServer) publishedPost(campaign, text, account string, at time.Time, likes int64) *pregonero.Post {
	ts.t.Helper()
	ctx := context.Background()
	p := storetest.NewPost(at, account)
	p.Campaign, p.Text = campaign, text
	if err := ts.db.CreatePosts(ctx, p); err != nil {
		ts.t.Fatal(err)
	}
	d := p.Deliveries[0]
	if _, err := ts.db.UpdateDelivery(ctx, d.ID, func(d *pregonero.Delivery) error {
		if err := d.Claim(); err != nil {
			return err
		}
		if err := d.Start(at); err != nil {
			return err
		}
		return d.Publish(pregonero.Receipt{RemoteID: "1" + d.ID, URL: "https://x.com/gob/status/1", PublishedAt: at}, at, at, "")
	}); err != nil {
		ts.t.Fatal(err)
	}
	if err := ts.db.AddSnapshots(ctx, []pregonero.Snapshot{{DeliveryID: d.ID, PostID: p.ID, AccountID: account, Network: d.Network,
		CollectedAt: at.Add(time.Hour), Metrics: map[string]int64{"likes": likes}}}, nil); err != nil {
		ts.t.Fatal(err)
	}
	return p
}

func TestReportsAPI(t *testing.T) {
	var svc *users.Service
	ts := newTestServer(t, withUsersService(&svc))
	_, editor := userWithToken(t, svc, "edu", pregonero.RoleEditor, "salud")
	vias := ts.createCampaign(map[string]any{"name": "Vías del Nordeste", "unit": "infraestructura", "plan_line": "Línea 3", "starts_on": "2026-12-01", "ends_on": "2026-12-31"})
	salud := ts.createCampaign(map[string]any{"name": "Vacunación", "unit": "salud", "plan_line": "Línea 1", "starts_on": "2026-12-01"})
	at := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC) // 10:00 in Bogotá
	hard := "Vías, \"puentes\" y obras;\nen Anorí 🚧"
	p := ts.publishedPost(vias.ID, hard, "x-gob", at, 7)
	ts.publishedPost(salud.ID, "Vacúnate", "x-salud", at, 3)

	t.Run("a campaign's report", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/campaigns/"+vias.ID+"/report?from=2026-12-01&to=2026-12-03", nil)
		wantStatus(t, r, http.StatusOK)
		var rep posting.Report
		r.decode(t, &rep)
		if rep.Campaign == nil || rep.Campaign.ID != vias.ID || rep.Deliveries != 1 || rep.Totals["likes"] != 7 || len(rep.Daily) != 3 ||
			len(rep.TopPosts) != 1 || rep.TopPosts[0].Post != p.ID || rep.Zone != "America/Bogota" {
			t.Errorf("report %s", r.body)
		}
		for _, key := range []string{`"from":"2026-12-01"`, `"to":"2026-12-03"`, `"networks":[`, `"daily":[`, `"top_posts":[`, `"followers":[`} {
			if !strings.Contains(string(r.body), key) {
				t.Errorf("the answer lacks %s: %s", key, r.body)
			}
		}
	})
	t.Run("the client reads it", func(t *testing.T) {
		rep, err := ts.client().CampaignReport(context.Background(), vias.ID, posting.ReportParams{From: "2026-12-01", To: "2026-12-03", Unit: "ignored"})
		if err != nil || rep.Totals["likes"] != 7 {
			t.Errorf("CampaignReport() = %+v, %v", rep, err)
		}
	})
	t.Run("grouped reports", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/reports?from=2026-12-01&to=2026-12-03&by=plan_line", nil)
		wantStatus(t, r, http.StatusOK)
		var l web.ReportList
		r.decode(t, &l)
		if l.By != "plan_line" || len(l.Groups) != 2 || l.Groups[0].Key != "Línea 1" || l.Groups[1].Report.Totals["likes"] != 7 {
			t.Errorf("reports %s", r.body)
		}
		got, err := ts.client().Reports(context.Background(), posting.ReportParams{From: "2026-12-01", To: "2026-12-03", Unit: "salud"})
		if err != nil || got.By != "unit" || len(got.Groups) != 1 || got.Groups[0].Key != "salud" {
			t.Errorf("Reports(unit salud) = %+v, %v", got, err)
		}
		r = ts.request("GET", "/api/v1/reports?from=2025-01-01&to=2025-01-02", nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), `"groups":[]`) {
			t.Errorf("no groups: %s", r.body)
		}
	})
	t.Run("the CSV export", func(t *testing.T) {
		r := ts.request("GET", "/api/v1/export/metrics.csv?campaign="+url.QueryEscape(vias.ID)+"&from=2026-12-01&to=2026-12-03", nil)
		wantStatus(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		want := fmt.Sprintf("attachment; filename=metrics-%s-2026-12-01-2026-12-03.csv", vias.ID)
		if cd := r.header.Get("Content-Disposition"); cd != want {
			t.Errorf("Content-Disposition = %q, want %q", cd, want)
		}
		body, ok := bytes.CutPrefix(r.body, []byte("\ufeff"))
		if !ok {
			t.Fatalf("no byte order mark: %q", r.body)
		}
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil || len(rows) != 2 || rows[1][0] != p.ID || rows[1][9] != hard || rows[1][13] != "7" {
			t.Errorf("rows = %q, %v", rows, err)
		}
		var b bytes.Buffer
		n, err := ts.client().ExportMetricsCSV(context.Background(), posting.ReportParams{Campaign: vias.ID, From: "2026-12-01", To: "2026-12-03"}, &b)
		if err != nil || n != int64(len(r.body)) || !bytes.Equal(b.Bytes(), r.body) {
			t.Errorf("ExportMetricsCSV() = %d, %v", n, err)
		}
	})
	t.Run("an unknown campaign is 404, or 422 on the export's field", func(t *testing.T) {
		wantStatus(t, ts.request("GET", "/api/v1/campaigns/c_nada/report", nil), http.StatusNotFound)
		r := ts.request("GET", "/api/v1/export/metrics.csv?campaign=c_nada", nil)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if e := r.apiError(t); e.Fields[0].Field != "campaign" || r.header.Get("Content-Disposition") != "" {
			t.Errorf("error %+v, Content-Disposition %q", e, r.header.Get("Content-Disposition"))
		}
		_, err := ts.client().ExportMetricsCSV(context.Background(), posting.ReportParams{Campaign: "c_nada"}, &bytes.Buffer{})
		if pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Errorf("client: %v", err)
		}
	})
	for _, tc := range []struct {
		path   string
		fields []string
	}{
		{"/api/v1/campaigns/" + vias.ID + "/report?from=2026-12-09&to=2026-12-01", []string{"to"}},
		{"/api/v1/campaigns/" + vias.ID + "/report?from=diciembre", []string{"from"}},
		{"/api/v1/campaigns/" + vias.ID + "/report?unit=salud", []string{"unit"}},
		{"/api/v1/reports?by=autor&network=tiktok", []string{"network", "by"}},
		{"/api/v1/reports?from=2026-12-01&from=2026-12-02", []string{"from"}},
		{"/api/v1/export/metrics.csv?by=unit&timezone=Marte", []string{"by", "timezone"}},
	} {
		t.Run("bad input is 422 on its fields: "+tc.path, func(t *testing.T) {
			r := ts.request("GET", tc.path, nil)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			var got []string
			for _, f := range r.apiError(t).Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("fields %v, want %v: %s", got, tc.fields, r.body)
			}
		})
	}
	t.Run("an editor reads the reports of their dependencias", func(t *testing.T) {
		wantStatus(t, ts.request("GET", "/api/v1/campaigns/"+vias.ID+"/report", nil, asToken(editor)...), http.StatusForbidden)
		wantStatus(t, ts.request("GET", "/api/v1/campaigns/"+salud.ID+"/report", nil, asToken(editor)...), http.StatusOK)
		wantStatus(t, ts.request("GET", "/api/v1/export/metrics.csv?unit=infraestructura", nil, asToken(editor)...), http.StatusForbidden)
		r := ts.request("GET", "/api/v1/reports?from=2026-12-01&to=2026-12-03", nil, asToken(editor)...)
		wantStatus(t, r, http.StatusOK)
		var l web.ReportList
		r.decode(t, &l)
		if len(l.Groups) != 1 || l.Groups[0].Key != "salud" {
			t.Errorf("an editor's reports: %s", r.body)
		}
	})
	t.Run("a non-GET method is 405", func(t *testing.T) {
		wantStatus(t, ts.request("POST", "/api/v1/reports", map[string]any{}), http.StatusMethodNotAllowed)
	})
}
