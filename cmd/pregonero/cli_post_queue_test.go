package main_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"pregonero/posting"
)

// -at queue (or cola) puts a post in the queue: each target account's next
// free posting slot, on post create, post edit and post schedule.
func TestCLIPostAtQueue(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	t.Setenv("TZ", "")
	const account = "x-gobantioquia"
	if code, _, errs := cli(t, m, "", "slots", "set", account, "mon-sun@07:00"); code != 0 {
		t.Fatalf("slots set: exit %d: %s", code, errs)
	}
	// nextFree is the account's next free slot, as slots queue says it.
	nextFree := func(t *testing.T) time.Time {
		t.Helper()
		code, out, errs := cli(t, m, "", "slots", "queue", "-json", account)
		var q posting.Queue
		if code != 0 || json.Unmarshal([]byte(out), &q) != nil || q.NextFree == nil {
			t.Fatalf("slots queue -json: exit %d, stdout %q, stderr %q", code, out, errs)
		}
		return *q.NextFree
	}
	// wantQueued checks that the post is scheduled at the slot.
	wantQueued := func(t *testing.T, args []string, slot time.Time) string {
		t.Helper()
		p := createJSONOf(t, m, args...)
		if p.Status != "scheduled" || !p.ScheduledAt.Equal(slot) || len(p.Deliveries) != 1 || !p.Deliveries[0].ScheduledAt.Equal(slot) {
			t.Errorf("%v: status %s at %v (deliveries %+v), want scheduled at the next free slot %v", args, p.Status, p.ScheduledAt, p.Deliveries, slot)
		}
		return p.ID
	}

	t.Run("create -at queue takes the next free slot", func(t *testing.T) {
		slot := nextFree(t)
		wantQueued(t, []string{"post", "create", "-json", "-target", account, "-text", "Primero en la cola", "-at", "queue"}, slot)
	})
	t.Run("the next post queued takes the slot after it, cola in any case too", func(t *testing.T) {
		slot := nextFree(t)
		wantQueued(t, []string{"post", "create", "-json", "-target", account, "-text", "Segundo en la cola", "-at", " Cola "}, slot)
		if after := nextFree(t); !after.After(slot) {
			t.Errorf("next free slot %v after queuing, want after %v", after, slot)
		}
	})
	t.Run("text output says the slot's time", func(t *testing.T) {
		slot := nextFree(t)
		code, out, errs := cli(t, m, "", "post", "create", "-target", account, "-text", "Tercero en la cola", "-at", "QUEUE")
		if want := " scheduled, at " + showLine(slot.In(m.Config.Location())); code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, out, errs, want)
		}
	})
	t.Run("edit -at queue moves a post from its own time into the queue", func(t *testing.T) {
		p := createJSONOf(t, m, "post", "create", "-json", "-target", account, "-text", "Con hora propia", "-at", "+3h")
		slot := nextFree(t)
		wantQueued(t, []string{"post", "edit", p.ID, "-json", "-at", "queue"}, slot)
	})
	t.Run("schedule -at queue puts a draft in the queue", func(t *testing.T) {
		d := createJSONOf(t, m, "post", "create", "-json", "-draft", "-target", account, "-text", "Borrador a la cola")
		slot := nextFree(t)
		wantQueued(t, []string{"post", "schedule", d.ID, "-json", "-at", "queue"}, slot)
	})
	t.Run("a time that is not the queue is still read as a time", func(t *testing.T) {
		code, _, errs := cli(t, m, "", "post", "create", "-target", account, "-text", "x", "-at", "colas")
		if code != 2 || !strings.Contains(errs, "pregonero post create: -at") {
			t.Errorf("-at colas: exit %d, stderr %q; want a usage error on -at", code, errs)
		}
	})
	t.Run("help of -at names the queue", func(t *testing.T) {
		for _, sub := range []string{"create", "edit", "schedule"} {
			code, _, errs := cli(t, m, "", "post", sub, "-h")
			if code != 0 || !strings.Contains(errs, "or queue: each target account's next free posting slot") {
				t.Errorf("post %s -h: exit %d, %q", sub, code, errs)
			}
		}
	})
}
