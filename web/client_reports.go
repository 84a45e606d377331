package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"pregonero/posting"
)

// reportValues writes a report's parameters as a query string, leaving
// out the empty ones.
func reportValues(p posting.ReportParams) url.Values {
	q := url.Values{}
	for name, v := range map[string]string{"from": p.From, "to": p.To, "timezone": p.Timezone, "campaign": p.Campaign,
		"unit": p.Unit, "plan_line": p.PlanLine, "network": p.Network, "by": p.By} {
		if v != "" {
			q.Set(name, v)
		}
	}
	return q
}

// CampaignReport reads the report of one campaign; p.Campaign, p.Unit,
// p.PlanLine and p.By are not sent.
func (c *Client) CampaignReport(ctx context.Context, id string, p posting.ReportParams) (*posting.Report, error) {
	p.Campaign, p.Unit, p.PlanLine, p.By = "", "", "", ""
	var out posting.Report
	if err := c.do(ctx, http.MethodGet, "/api/v1/campaigns/"+url.PathEscape(id)+"/report", reportValues(p), nil, nil, &out); err != nil {
		return nil, fmt.Errorf("campaign report: %w", err)
	}
	return &out, nil
}

// Reports reads the reports grouped by dependencia or by line.
func (c *Client) Reports(ctx context.Context, p posting.ReportParams) (*ReportList, error) {
	var out ReportList
	if err := c.do(ctx, http.MethodGet, "/api/v1/reports", reportValues(p), nil, nil, &out); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return &out, nil
}

// ExportMetricsCSV downloads the CSV export of metrics to w and returns
// how many bytes it wrote; p.By is not sent.
func (c *Client) ExportMetricsCSV(ctx context.Context, p posting.ReportParams, w io.Writer) (int64, error) {
	p.By = ""
	req, err := c.newRequest(ctx, http.MethodGet, "/api/v1/export/metrics.csv", reportValues(p), nil, nil)
	if err != nil {
		return 0, fmt.Errorf("export metrics: %w", err)
	}
	req.Header.Set("Accept", "text/csv")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("export metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		return 0, fmt.Errorf("export metrics: %w", responseError(resp.StatusCode, data))
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("export metrics: %w", err)
	}
	return n, nil
}
