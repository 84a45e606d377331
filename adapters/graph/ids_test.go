package graph_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
	"pregonero/adapters/graph"
)

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"1":                        true,
		"122100000000000001":       true,
		"1001_122100000000000002":  true,
		"":                         false,
		"me":                       false,
		"1_%zz":                    false,
		"1_2_3":                    false,
		"_1":                       false,
		"1_":                       false,
		"1/feed":                   false,
		"1?access_token=x":         false,
		"1 ":                       false,
		"１２":                       false,
		"12345678901234567890_123": true,
	} {
		if got := graph.ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestValidNodeID(t *testing.T) {
	for id, want := range map[string]bool{
		"1":                                 true,
		"17841000000000001":                 true,
		"12345678901234567890123456789012":  true,
		"123456789012345678901234567890123": false,
		"":                                  false,
		"me":                                false,
		"1001_122100000000000002":           false,
		"17_%zz":                            false,
		"1/media":                           false,
		"１２":                                false,
	} {
		if got := graph.ValidNodeID(id); got != want {
			t.Errorf("ValidNodeID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestValidPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/me":                       true,
		"/1001":                     true,
		"/1001_2002":                true,
		"/1001/feed":                true,
		"/178411001/media_publish":  true,
		"/me/accounts":              true,
		"1001/photos":               true,
		"":                          false,
		"/":                         false,
		"/1001/":                    false,
		"/1001/Feed":                false,
		"/1001/feed/extra":          false,
		"/1001/feed?access_token=x": false,
		"/17_%zz":                   false,
		"/17_%zz/media":             false,
		"/you":                      false,
		"/1001/../me":               false,
	} {
		if got := graph.ValidPath(path); got != want {
			t.Errorf("ValidPath(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestScrub(t *testing.T) {
	for in, want := range map[string]string{
		`parse "http://h/v25.0/1_%zz?access_token=EAAB123&appsecret_proof=ab12&format=json": invalid URL escape "%zz"`: `parse "http://h/v25.0/1_%zz?access_token=` + graph.Redacted + `&appsecret_proof=` + graph.Redacted + `&format=json": invalid URL escape "%zz"`,
		"Get http://h/me?APPSECRET_PROOF=ff00 failed":                                                                  "Get http://h/me?APPSECRET_PROOF=" + graph.Redacted + " failed",
		"input_token=t client_secret=s":                                                                                "input_token=" + graph.Redacted + " client_secret=" + graph.Redacted,
		"no credentials here":                                                                                          "no credentials here",
		"my_access_token=x":                                                                                            "my_access_token=x",
	} {
		if got := graph.Scrub(in); got != want {
			t.Errorf("Scrub(%q) = %q, want %q", in, got, want)
		}
	}
}

// huandu/facebook returns http.NewRequest's error for a URL it cannot
// parse, and that error shows the URL with the access token.
func TestClassifyParseErrorHidesToken(t *testing.T) {
	s := serve(t, answer{200, nil, `{"id":"1"}`})
	s = session(t, s.BaseURL, graph.Creds{AccessToken: "secret-token", AppSecret: "shh"})
	proof := graph.AppsecretProof("shh", "secret-token")
	for _, op := range []graph.Op{graph.OpRead, graph.OpPrepare, graph.OpCreate} {
		res, err := s.Get("/1_%zz", fb.Params{"fields": "id"})
		if err == nil {
			t.Fatal("Get of a malformed path succeeded")
		}
		if !strings.Contains(err.Error(), "secret-token") {
			t.Logf("huandu no longer shows the token (%v); the scrubbing stays harmless", err)
		}
		pe := graph.ClassifyIn(s, "Facebook", op, err, res, now)
		if got, want := pe.Class, pregonero.ClassPermanent; got != want {
			t.Errorf("op %d: class = %q, want %q (nothing was sent)", op, got, want)
		}
		if got, want := pe.Code, "facebook_invalid_request"; got != want {
			t.Errorf("op %d: code = %q, want %q", op, got, want)
		}
		for _, text := range []string{pe.Error(), pe.Message, pe.NetworkMessage, pe.Err.Error(), errors.Unwrap(pe).Error()} {
			if strings.Contains(text, "secret-token") || strings.Contains(text, proof) {
				t.Errorf("op %d: %q shows a credential", op, text)
			}
		}
		var ue *url.Error
		if !errors.As(pe, &ue) || ue.Op != "parse" {
			t.Errorf("op %d: errors.As found no *url.Error in %v", op, pe)
		}
	}
}

func TestClassifyScrubsGraphErrors(t *testing.T) {
	s := serve(t, answer{400, nil, graphError(100, 0, false, "Bad request https://h/x?access_token=leaked-token&appsecret_proof=beef")})
	res, err := s.Get("/1", nil)
	pe := graph.Classify("Instagram", graph.OpRead, err, res, now)
	for _, text := range []string{pe.Error(), pe.Message, pe.NetworkMessage} {
		if strings.Contains(text, "leaked-token") || strings.Contains(text, "beef") {
			t.Errorf("%q shows a credential", text)
		}
	}
	var fe *fb.Error
	if !errors.As(pe, &fe) || fe.Code != 100 {
		t.Errorf("errors.As found no *fb.Error with code 100 in %v", pe)
	}
	if !errors.Is(pe, err) {
		t.Error("the PublishError does not wrap the Graph error")
	}
	if _, ok := graph.AsError(pe); !ok {
		t.Error("AsError found no Graph error in the PublishError")
	}
}
