package posting

import (
	"context"

	"pregonero"
)

// Headroom returns what the networks still let an account publish, as
// its adapter last learned it (see pregonero.HeadroomReporter): nothing
// when the adapter does not report it or has learned nothing yet. It
// never calls the network. Every signed-in user may read it.
func (s *Service) Headroom(ctx context.Context, accountID string) ([]pregonero.Allowance, error) {
	a, err := s.store.Account(ctx, accountID)
	if err != nil {
		return nil, err
	}
	hr, ok := s.adapters[a.Network].(pregonero.HeadroomReporter)
	if !ok {
		return nil, nil
	}
	return hr.Headroom(a.ID), nil
}

// BilledReads is what an account's metric reads cost today: the reads its
// network billed since 00:00 UTC (X bills a read per post returned), for
// the account and for all the network's accounts, against which the
// network's daily cap (metrics.networks.<network>.max_reads_per_day)
// applies.
type BilledReads struct {
	Account int64 `json:"account"`
	Network int64 `json:"network"`
}

// BilledReadsToday returns, by account id, what each account's metric
// reads cost today, every account listed (0 until billed). It never calls
// a network; a store that keeps no count answers zeros. Every signed-in
// user may read it.
func (s *Service) BilledReadsToday(ctx context.Context) (map[string]BilledReads, error) {
	as, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]BilledReads, len(as))
	for _, a := range as {
		out[a.ID] = BilledReads{}
	}
	us, ok := s.store.(pregonero.MetricsUsageStore)
	if !ok {
		return out, nil
	}
	day, err := us.BilledReads(ctx, s.now())
	if err != nil {
		return nil, err
	}
	byNet := map[pregonero.Network]int64{}
	for _, b := range day {
		byNet[b.Network] += b.Reads
	}
	for _, a := range as {
		b := BilledReads{Network: byNet[a.Network]}
		for _, d := range day {
			if d.AccountID == a.ID && d.Network == a.Network {
				b.Account += d.Reads
			}
		}
		out[a.ID] = b
	}
	return out, nil
}
