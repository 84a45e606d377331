package graph_test

import (
	"context"
	"errors"
	"testing"

	"pregonero"
	"pregonero/adapters/graph"
)

func TestLinkOn(t *testing.T) {
	for _, tt := range []struct{ base, u, want string }{
		{"", "https://www.facebook.com/1/posts/2", "https://www.facebook.com/1/posts/2"},
		{"http://127.0.0.1:8090/facebook", "https://www.facebook.com/1/posts/2", "http://127.0.0.1:8090/facebook/1/posts/2"},
		{"http://127.0.0.1:8090/facebook/", "https://www.facebook.com/photo.php?fbid=3#x", "http://127.0.0.1:8090/facebook/photo.php?fbid=3#x"},
		{"http://127.0.0.1:8090/instagram", "https://www.instagram.com/", "http://127.0.0.1:8090/instagram/"},
		{"http://127.0.0.1:8090/instagram", "https://www.instagram.com/p/Abc_-/", "http://127.0.0.1:8090/instagram/p/Abc_-/"},
		{"http://sandbox.example", "https://www.facebook.com/1_2", "http://sandbox.example/1_2"},
		{"http://sandbox.example", "/1/videos/3/", "http://sandbox.example/1/videos/3/"},
		{"not a url", "https://www.facebook.com/1_2", "https://www.facebook.com/1_2"},
	} {
		if got := graph.LinkOn(tt.base, tt.u); got != tt.want {
			t.Errorf("LinkOn(%q, %q) = %q, want %q", tt.base, tt.u, got, tt.want)
		}
	}
}

func TestCheckError(t *testing.T) {
	classify := func(t *testing.T, a answer) error {
		t.Helper()
		_, err := serve(t, a).Get("/me", nil)
		return graph.Classify("Facebook", graph.OpRead, err, nil, now)
	}
	for _, tt := range []struct {
		name   string
		answer answer
		reauth bool
	}{
		{"token expired", answer{400, nil, graphError(190, 463, false, "Error validating access token: Session has expired")}, true},
		{"session", answer{400, nil, graphError(102, 0, false, "Session key invalid or no longer valid")}, true},
		{"permission 10", answer{403, nil, graphError(10, 0, false, "(#10) Application does not have permission for this action")}, true},
		{"permission 200", answer{403, nil, graphError(200, 0, false, "(#200) Requires pages_read_engagement")}, true},
		{"proof", answer{400, nil, graphError(100, 0, false, "Invalid appsecret_proof provided in the API argument")}, true},
		{"account not visible", answer{400, nil, graphError(100, 33, false, "Unsupported get request. Object with ID '1' does not exist")}, true},
		{"throttled", answer{400, nil, graphError(4, 0, true, "(#4) Application request limit reached")}, false},
		{"page throttled", answer{400, nil, graphError(80001, 0, true, "(#80001) There have been too many calls to this Page account.")}, false},
		{"server error", answer{500, nil, graphError(2, 0, true, "An unexpected error has occurred.")}, false},
		{"policy block", answer{400, nil, graphError(368, 0, false, "(#368) The action attempted has been deemed abusive")}, false},
		{"not JSON", answer{502, nil, "<html>Bad gateway</html>"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := graph.CheckError("Facebook", classify(t, tt.answer))
			var pe *pregonero.PublishError
			switch {
			case tt.reauth && (!errors.As(err, &pe) || pe.Class != pregonero.ClassNeedsReauth || pe.NetworkMessage == ""):
				t.Errorf("CheckError = %v, want needs_reauth with the network's message", err)
			case !tt.reauth && (err == nil || errors.As(err, &pe)):
				t.Errorf("CheckError = %#v, want a plain error", err)
			}
		})
	}
	if err := graph.CheckError("Facebook", nil); err != nil {
		t.Errorf("CheckError(nil) = %v", err)
	}
	if err := graph.CheckError("Facebook", context.Canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("CheckError(canceled) = %v, want it wrapped", err)
	}
}
