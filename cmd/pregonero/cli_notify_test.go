package main_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestCLINotifications(t *testing.T) {
	m := MustRunMain(t, "gobantioquia")
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer rcv.Close()

	code, out, errs := cli(t, m, "", "notifications", "webhook-add", "-address", rcv.URL, "-event", "delivery_failed", "-event", "publishing_paused")
	if code != 0 {
		t.Fatalf("webhook-add: exit %d: %s", code, errs)
	}
	mm := regexp.MustCompile(`^(wh_\S+)\nsecret: whsec_[0-9a-f]+\n$`).FindStringSubmatch(out)
	if mm == nil {
		t.Fatalf("webhook-add printed %q, want the id and the secret", out)
	}
	id := mm[1]
	t.Run("the webhooks are listed without their secret", func(t *testing.T) {
		code, out, _ := cli(t, m, "", "notifications", "webhooks")
		if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "delivery_failed,publishing_paused") || strings.Contains(out, "whsec_") {
			t.Errorf("exit %d, out %q", code, out)
		}
	})
	t.Run("a test reaches the receiver", func(t *testing.T) {
		code, out, errs := cli(t, m, "", "notifications", "webhook-test", id)
		if code != 0 || !strings.HasPrefix(out, "ok: status 204") {
			t.Errorf("exit %d, out %q, err %q", code, out, errs)
		}
	})
	t.Run("a bad event is the server's 422 on events, exit 1", func(t *testing.T) {
		code, _, errs := cli(t, m, "", "notifications", "webhook-add", "-address", rcv.URL, "-event", "nada")
		if code != 1 || !strings.Contains(errs, "events") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("the server's token has no settings of its own, exit 1", func(t *testing.T) {
		code, _, errs := cli(t, m, "", "notifications", "show")
		if code != 1 || !strings.Contains(errs, "belong to a person") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("usage errors exit 2", func(t *testing.T) {
		if code, _, _ := cli(t, m, "", "notifications", "webhook-delete"); code != 2 {
			t.Errorf("webhook-delete without id: exit %d", code)
		}
		if code, _, _ := cli(t, m, "", "notifications", "borrar"); code != 2 {
			t.Errorf("unknown subcommand: exit %d", code)
		}
	})
	t.Run("a deleted webhook is gone", func(t *testing.T) {
		if code, _, errs := cli(t, m, "", "notifications", "webhook-delete", id); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if code, out, _ := cli(t, m, "", "notifications", "webhooks"); code != 0 || out != "no webhooks\n" {
			t.Errorf("exit %d, out %q", code, out)
		}
	})
}
