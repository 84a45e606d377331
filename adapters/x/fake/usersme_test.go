package fake_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/x/fake"
)

func TestUsersMePublicMetrics(t *testing.T) {
	e := newEnv(t, fake.Options{})
	t.Run("public_metrics as the spec has them, followers growing with time", func(t *testing.T) {
		res := e.do(t, "carla", "GET", "/2/users/me?user.fields=public_metrics", nil)
		if res.status != http.StatusOK {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		var got struct {
			Data struct {
				ID            string           `json:"id"`
				PublicMetrics map[string]int64 `json:"public_metrics"`
			} `json:"data"`
		}
		if err := json.Unmarshal(res.body, &got); err != nil {
			t.Fatal(err)
		}
		pm := got.Data.PublicMetrics
		for _, k := range []string{"followers_count", "following_count", "post_count", "listed_count"} {
			if _, ok := pm[k]; !ok {
				t.Errorf("public_metrics lacks %s (required by UserPublicMetrics): %v", k, pm)
			}
		}
		if pm["followers_count"] != fake.FollowersAt("carla", e.clock.Now()) || pm["post_count"] != 0 {
			t.Errorf("public_metrics = %v; want %d followers, no posts", pm, fake.FollowersAt("carla", e.clock.Now()))
		}
	})
	t.Run("without the field there are no metrics", func(t *testing.T) {
		res := e.do(t, "carla", "GET", "/2/users/me", nil)
		if strings.Contains(string(res.body), "public_metrics") {
			t.Errorf("body = %s; want no public_metrics unless asked", res.body)
		}
	})
	t.Run("an unknown user field is refused", func(t *testing.T) {
		res := e.do(t, "carla", "GET", "/2/users/me?user.fields=follower_count", nil)
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "invalid-request") {
			t.Errorf("status %d: %s; want 400 invalid-request", res.status, res.body)
		}
	})
	t.Run("follower counts grow deterministically", func(t *testing.T) {
		at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		a, b := fake.FollowersAt("carla", at), fake.FollowersAt("carla", at.Add(24*time.Hour))
		if a != fake.FollowersAt("carla", at) || b <= a || b-a > 20 {
			t.Errorf("followers %d then %d a day later; want growth of 1 to 20 a day", a, b)
		}
	})
}
