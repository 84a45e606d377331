package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"pregonero"
	main "pregonero/cmd/pregonero"
)

func TestCLISlots(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	t.Setenv("TZ", "")

	t.Run("an account starts without slots", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "slots", "list", "x-gobantioquia")
		if code != 0 || out != "x-gobantioquia has no posting slots\n" {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
	})
	t.Run("set takes days and ranges and prints the slots", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "slots", "set", "-skip-holidays", "x-gobantioquia", "mon-fri@07:00", "sat,sun@10:30")
		if code != 0 || out != "mon,tue,wed,thu,fri@07:00 (not on festivos)\nsat,sun@10:30 (not on festivos)\n" {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
	})
	var id string
	t.Run("enqueue puts a draft at the next free slot and queue lists it", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "post", "create", "-draft", "-text", "Boletín de la mañana", "-target", "x-gobantioquia")
		if code != 0 {
			t.Fatalf("create -draft: exit %d: %s", code, errs)
		}
		id, _, _ = strings.Cut(out, " ")
		code, out, errs = cli(t, m, "", "slots", "enqueue", id)
		if code != 0 || !strings.HasPrefix(out, "x-gobantioquia: ") {
			t.Fatalf("enqueue: exit %d, stdout %q, stderr %q", code, out, errs)
		}
		code, out, errs = cli(t, m, "", "slots", "queue", "x-gobantioquia")
		if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "the queue") || !strings.Contains(out, "next free slot: ") || !strings.Contains(out, "Boletín de la mañana") {
			t.Errorf("queue: exit %d, stdout %q, stderr %q", code, out, errs)
		}
		code, out, _ = cli(t, m, "", "slots", "queue", "-json", "x-gobantioquia")
		var q struct {
			Items []struct {
				Delivery pregonero.Delivery `json:"delivery"`
				Movable  bool               `json:"movable"`
			} `json:"items"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &q) != nil || len(q.Items) != 1 || q.Items[0].Delivery.PostID != id || !q.Items[0].Movable {
			t.Errorf("queue -json: exit %d, %s", code, out)
		}
	})
	t.Run("clear holds the queue for a person and says so", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "slots", "clear", "x-gobantioquia")
		if code != 0 || !strings.Contains(out, "held ") || !strings.Contains(errs, "wait for a person") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
		}
		code, out, _ = cli(t, m, "", "slots", "queue", "x-gobantioquia")
		if code != 0 || !strings.Contains(out, "waiting for a person (no slot)") || !strings.Contains(out, "no free slot") {
			t.Errorf("queue after clear: exit %d, stdout %q", code, out)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		if code, _, errs := cli(t, m, "", "slots", "set", "x-gobantioquia", "lunes@07:00"); code != 2 || !strings.Contains(errs, "is not a day") {
			t.Errorf("bad day: exit %d, stderr %q", code, errs)
		}
		if code, _, errs := cli(t, m, "", "slots", "set", "x-gobantioquia", "mon@7am"); code != 1 || !strings.Contains(errs, "slots[0].time") {
			t.Errorf("bad time: exit %d, stderr %q", code, errs)
		}
		if code, _, _ := cli(t, m, "", "slots", "set", "x-gobantioquia"); code != 2 {
			t.Errorf("no slot: exit %d, want 2", code)
		}
		if code, _, errs := cli(t, m, "", "slots", "move", "x-gobantioquia", "d_nada", "1"); code != 1 || !strings.Contains(errs, "not_found") {
			t.Errorf("unknown delivery: exit %d, stderr %q", code, errs)
		}
		if code, _, _ := cli(t, m, "", "slots", "mover"); code != 2 {
			t.Errorf("unknown subcommand: exit %d", code)
		}
	})
	t.Run("every subcommand has help", func(t *testing.T) {
		for _, sub := range []string{"list", "set", "clear", "queue", "move", "enqueue"} {
			var out, errb bytes.Buffer
			if code := main.Run(context.Background(), []string{"slots", sub, "-h"}, strings.NewReader(""), &out, &errb); code != 0 || !strings.Contains(errb.String(), "Usage") {
				t.Errorf("slots %s -h: exit %d, %q", sub, code, errb.String())
			}
		}
	})
}
