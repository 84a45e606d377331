package metrics_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"pregonero"
	"pregonero/metrics"
)

// credsReader is an AccountMetricsReader that keeps the credentials of
// the accounts it is asked about.
type credsReader struct{ got []map[string]string }

func (r *credsReader) ReadAccountMetrics(_ context.Context, acct *pregonero.Account) (pregonero.AccountSnapshot, error) {
	r.got = append(r.got, acct.Credentials)
	return pregonero.AccountSnapshot{Metrics: map[string]int64{pregonero.MetricFollowers: 1}}, nil
}

// The store keeps no configured credentials: the readers get them from
// Config.Credentials, for post and account metrics alike.
func TestReadersGetTheConfiguredCredentials(t *testing.T) {
	want := map[string]string{"access_token": "token-of-x-a"}
	ar := &credsReader{}
	_, clk, r, c := setup(t, 1, func(cfg *metrics.Config) {
		cfg.AccountReaders = map[pregonero.Network]pregonero.AccountMetricsReader{pregonero.NetworkX: ar}
		cfg.Credentials = func(id string) map[string]string {
			if id == "x-a" {
				return want
			}
			return nil
		}
	})
	clk.Set(t0.Add(time.Hour))
	if res := collect(t, c); res.Snapshots != 1 || res.AccountSnapshots != 1 {
		t.Fatalf("Collect() = %+v; want a snapshot of the post and one of the account", res)
	}
	if got := r.request(0).Account.Credentials; !maps.Equal(got, want) {
		t.Errorf("post metrics read with credentials %v, want %v", got, want)
	}
	if len(ar.got) != 1 || !maps.Equal(ar.got[0], want) {
		t.Errorf("account metrics read with credentials %v, want %v", ar.got, want)
	}
}
