package posting

import (
	"context"
	"fmt"

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
// the account and for all the network's accounts, and the network's
// daily cap (metrics.networks.<network>.max_reads_per_day), which applies
// to the network's count.
type BilledReads struct {
	Account int64 `json:"account"`
	Network int64 `json:"network"`
	// Cap is the network's daily cap of billed reads: reads beyond it wait
	// for the next UTC day (0: none are made). Nil when there is no cap.
	Cap *int64 `json:"cap,omitempty"`
}

// Left returns how many billed reads the network's cap still allows
// today, and false when there is no cap.
func (b BilledReads) Left() (int64, bool) {
	if b.Cap == nil {
		return 0, false
	}
	return max(0, *b.Cap-b.Network), true
}

// BilledReadsToday returns, by account id, what the metric reads of each
// account of a network that bills them (Config.BilledReadCaps) cost
// today; accounts of other networks are left out, those not billed yet
// are at 0. It never calls a network; a store that keeps no count answers
// zeros. Every signed-in user may read it.
func (s *Service) BilledReadsToday(ctx context.Context) (map[string]BilledReads, error) {
	out := map[string]BilledReads{}
	if len(s.readCaps) == 0 {
		return out, nil
	}
	as, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	var day []pregonero.BilledReads
	if us, ok := s.store.(pregonero.MetricsUsageStore); ok {
		if day, err = us.BilledReads(ctx, s.now()); err != nil {
			return nil, fmt.Errorf("billed reads: %w", err)
		}
	}
	type key struct {
		network pregonero.Network
		account string
	}
	byNet := map[pregonero.Network]int64{}
	byAccount := map[key]int64{}
	for _, b := range day {
		byNet[b.Network] += b.Reads
		byAccount[key{b.Network, b.AccountID}] += b.Reads
	}
	for _, a := range as {
		limit, ok := s.readCaps[a.Network]
		if !ok {
			continue
		}
		b := BilledReads{Account: byAccount[key{a.Network, a.ID}], Network: byNet[a.Network]}
		if limit >= 0 {
			c := int64(limit)
			b.Cap = &c
		}
		out[a.ID] = b
	}
	return out, nil
}
