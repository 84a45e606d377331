package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero"
)

var allStates = []pregonero.DeliveryState{
	pregonero.DeliveryQueued, pregonero.DeliverySending, pregonero.DeliveryInDoubt,
	pregonero.DeliveryPublished, pregonero.DeliveryFailed, pregonero.DeliveryCanceled,
	pregonero.DeliveryHeld,
}

var allStatuses = []pregonero.PostStatus{
	pregonero.PostDraft, pregonero.PostScheduled, pregonero.PostPublishing, pregonero.PostPublished,
	pregonero.PostPartiallyPublished, pregonero.PostFailed, pregonero.PostCanceled, pregonero.PostHeld,
}

// farFuture is after every instant the suite uses.
var farFuture = base.AddDate(50, 0, 0)

// checkIndexes compares every index-backed answer of the store with what
// the records themselves say: counts, next due time, due and held
// listings, and listings by status.
func checkIndexes(t *testing.T, h *harness, postIDList []string) {
	t.Helper()
	var all []*pregonero.Delivery
	recount := map[pregonero.DeliveryState]int{}
	byStatus := map[pregonero.PostStatus][]*pregonero.Post{}
	var posts []*pregonero.Post
	for _, id := range postIDList {
		p := h.post(id)
		posts = append(posts, p)
		if want := p.DerivedStatus(); p.Status != want {
			t.Errorf("post %s status = %q, want %q", id, p.Status, want)
		}
		byStatus[p.Status] = append(byStatus[p.Status], p)
		for _, d := range p.Deliveries {
			all = append(all, d)
			recount[d.State]++
		}
	}
	if got := h.counts(); !mapsEqual(got, recount) {
		t.Errorf("DeliveryCounts() = %v, recount %v", got, recount)
	}

	byDue := func(a, b *pregonero.Delivery) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	}
	var due, queued, held []*pregonero.Delivery
	for _, d := range all {
		if d.State.Due() && !d.Claimed {
			due = append(due, d)
		}
		if d.State == pregonero.DeliveryQueued && !d.Claimed {
			queued = append(queued, d)
		}
		if d.State == pregonero.DeliveryHeld {
			held = append(held, d)
		}
	}
	slices.SortFunc(due, byDue)
	slices.SortFunc(queued, byDue)
	slices.SortFunc(held, func(a, b *pregonero.Delivery) int {
		return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.ID, b.ID))
	})

	next, ok := h.nextDue()
	switch {
	case len(due) == 0 && ok:
		t.Errorf("NextDue() = %v, want nothing due", next)
	case len(due) > 0 && (!ok || !next.Equal(due[0].NextAttemptAt)):
		t.Errorf("NextDue() = %v, %v; want %v (%s)", next, ok, due[0].NextAttemptAt, due[0].ID)
	}
	gotQueued, err := h.s.DueBefore(h.ctx, farFuture, "", 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(gotQueued), ids(queued); !equalStrings(got, want) {
		t.Errorf("DueBefore() = %v\nwant %v", got, want)
	}
	if got, want := ids(h.held("")), ids(held); !equalStrings(got, want) {
		t.Errorf("HeldDeliveries() = %v\nwant %v", got, want)
	}
	for _, account := range []string{accountName(0, 5), accountName(3, 5)} {
		var wantQ, wantH []*pregonero.Delivery
		for _, d := range queued {
			if d.AccountID == account {
				wantQ = append(wantQ, d)
			}
		}
		for _, d := range held {
			if d.AccountID == account {
				wantH = append(wantH, d)
			}
		}
		gotQ, err := h.s.DueBefore(h.ctx, farFuture, account, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(gotQ), ids(wantQ); !equalStrings(got, want) {
			t.Errorf("DueBefore(%s) = %v\nwant %v", account, got, want)
		}
		if got, want := ids(h.held(account)), ids(wantH); !equalStrings(got, want) {
			t.Errorf("HeldDeliveries(%s) = %v\nwant %v", account, got, want)
		}
	}

	listed, _ := listAll(t, h, pregonero.PostFilter{Limit: 37})
	if got, want := postIDs(listed), postIDs(sortedByTime(posts)); !equalStrings(got, want) {
		t.Errorf("Posts() = %v\nwant %v", got, want)
	}
	for _, st := range allStatuses {
		got, _ := listAll(t, h, pregonero.PostFilter{Status: st, Limit: 500})
		if got, want := postIDs(got), postIDs(sortedByTime(byStatus[st])); !equalStrings(got, want) {
			t.Errorf("Posts(status %s) = %v\nwant %v", st, got, want)
		}
	}
}

func testInvariants(t *testing.T, open OpenFunc) {
	t.Run("indexes and counts match the records after random operations", func(t *testing.T) {
		h := newHarness(t, open)
		rng := rand.New(rand.NewPCG(20310314, 1))
		var (
			postList     []string
			deliveryList []string
		)
		now := base
		for step := range 400 {
			now = now.Add(time.Duration(rng.IntN(120)) * time.Second)
			h.clock.Set(now)
			switch op := rng.IntN(100); {
			case op < 30:
				var ps []*pregonero.Post
				for range 1 + rng.IntN(3) {
					var accounts []string
					for range rng.IntN(4) {
						accounts = append(accounts, accountName(rng.IntN(5), 5))
					}
					states := make([]pregonero.DeliveryState, len(accounts))
					for i := range states {
						states[i] = pregonero.DeliveryQueued
						if rng.IntN(5) == 0 {
							states[i] = allStates[rng.IntN(len(allStates))]
						}
					}
					p := postWith(now.Add(time.Duration(rng.IntN(180)-30)*time.Minute), accounts, states...)
					ps = append(ps, p)
					postList = append(postList, p.ID)
					for _, d := range p.Deliveries {
						deliveryList = append(deliveryList, d.ID)
					}
				}
				h.create(ps...)
			case op < 50:
				h.claim(now, now.Add(time.Duration(rng.IntN(60))*time.Minute), 1+rng.IntN(8))
			case op < 80:
				if len(deliveryList) == 0 {
					continue
				}
				id := deliveryList[rng.IntN(len(deliveryList))]
				h.update(id, func(d *pregonero.Delivery) {
					d.State = allStates[rng.IntN(len(allStates))]
					d.Claimed = d.State == pregonero.DeliverySending || rng.IntN(6) == 0
					d.HoldReason = ""
					if d.State == pregonero.DeliveryHeld {
						d.HoldReason = pregonero.HoldOverdue
					}
					if rng.IntN(2) == 0 {
						d.NextAttemptAt = now.Add(time.Duration(rng.IntN(120)-20) * time.Minute)
					}
					if rng.IntN(4) == 0 {
						d.AccountID = accountName(rng.IntN(5), 5)
					}
				})
			case op < 92:
				if len(postList) == 0 {
					continue
				}
				_, err := h.s.CancelPost(h.ctx, postList[rng.IntN(len(postList))])
				if err != nil && pregonero.ErrorCode(err) != pregonero.ECONFLICT {
					t.Fatalf("CancelPost() = %v", err)
				}
			default:
				if _, err := h.s.Recover(h.ctx, now); err != nil {
					t.Fatalf("Recover() = %v", err)
				}
			}
			if step%100 == 99 {
				checkIndexes(t, h, postList)
				if t.Failed() {
					t.Fatalf("indexes diverged by step %d", step)
				}
			}
		}
		h.reopen()
		checkIndexes(t, h, postList)

		// Claiming everything takes exactly the due set, and recovering
		// then releases every claimed delivery.
		wantClaimed := 0
		var wantDue []string
		for _, id := range postList {
			for _, d := range h.post(id).Deliveries {
				if d.State.Due() && !d.Claimed {
					wantDue = append(wantDue, d.ID)
				}
				if d.Claimed || d.State.Due() {
					wantClaimed++
				}
			}
		}
		got := h.claim(farFuture, farFuture, 1<<30)
		gotIDs := ids(got)
		slices.Sort(gotIDs)
		slices.Sort(wantDue)
		if !equalStrings(gotIDs, wantDue) {
			t.Errorf("ClaimDue(everything) = %v\nwant %v", gotIDs, wantDue)
		}
		if n, err := h.s.Recover(h.ctx, farFuture); err != nil || n != wantClaimed {
			t.Errorf("Recover() = %d, %v; want %d", n, err, wantClaimed)
		}
		checkIndexes(t, h, postList)
	})
}

func testConcurrency(t *testing.T, open OpenFunc) {
	t.Run("concurrent writers lose nothing", func(t *testing.T) {
		h := newHarness(t, open)
		const (
			writers = 32
			each    = 8
		)
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
			made = make([][]*pregonero.Post, writers)
		)
		fail := func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
		stop := make(chan struct{})
		var readers sync.WaitGroup
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := h.s.DeliveryCounts(h.ctx); err != nil {
					fail(err)
				}
				if _, err := h.s.Posts(h.ctx, pregonero.PostFilter{Limit: 20}); err != nil {
					fail(err)
				}
			}
		}()
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					p := NewPost(base.Add(time.Duration(w*each+i)*time.Minute), accountName(w, 7), accountName(w+1, 7))
					if err := h.s.CreatePosts(h.ctx, p); err != nil {
						fail(err)
						return
					}
					made[w] = append(made[w], p)
					_, err := h.s.UpdateDelivery(h.ctx, p.Deliveries[0].ID, func(d *pregonero.Delivery) error {
						d.State = pregonero.DeliveryPublished
						d.RemoteID = fmt.Sprintf("remote-%d-%d", w, i)
						return nil
					})
					if err != nil {
						fail(err)
						return
					}
					if _, err := h.s.Post(h.ctx, p.ID); err != nil {
						fail(err)
					}
				}
			}()
		}
		wg.Wait()
		close(stop)
		readers.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		var all []string
		for w, ps := range made {
			if len(ps) != each {
				t.Fatalf("writer %d made %d posts, want %d", w, len(ps), each)
			}
			for i, p := range ps {
				all = append(all, p.ID)
				got := h.post(p.ID)
				if got.Deliveries[0].State != pregonero.DeliveryPublished || got.Deliveries[0].RemoteID != fmt.Sprintf("remote-%d-%d", w, i) ||
					got.Deliveries[1].State != pregonero.DeliveryQueued {
					t.Errorf("post %s deliveries = %+v, %+v", p.ID, got.Deliveries[0], got.Deliveries[1])
				}
			}
		}
		want := map[pregonero.DeliveryState]int{pregonero.DeliveryPublished: writers * each, pregonero.DeliveryQueued: writers * each}
		if got := h.counts(); !mapsEqual(got, want) {
			t.Errorf("DeliveryCounts() = %v, want %v", got, want)
		}
		checkIndexes(t, h, all)
	})
}
