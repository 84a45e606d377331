package fake_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/x/fake"
)

func TestCreatePost(t *testing.T) {
	e := newEnv(t, fake.Options{})

	t.Run("created with X's answer", func(t *testing.T) {
		res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "Hola Antioquia"})
		if res.status != http.StatusCreated {
			t.Fatalf("status = %d, want 201: %s", res.status, res.body)
		}
		var out struct {
			Data struct {
				ID                  string   `json:"id"`
				Text                string   `json:"text"`
				EditHistoryTweetIDs []string `json:"edit_history_tweet_ids"`
			} `json:"data"`
		}
		res.decode(t, &out)
		if !regexp.MustCompile(`^[0-9]{18,19}$`).MatchString(out.Data.ID) {
			t.Errorf("id = %q, want a snowflake", out.Data.ID)
		}
		if out.Data.Text != "Hola Antioquia" || len(out.Data.EditHistoryTweetIDs) != 1 || out.Data.EditHistoryTweetIDs[0] != out.Data.ID {
			t.Errorf("data = %+v, want the text and edit_history_tweet_ids [id]", out.Data)
		}
		p, ok := e.fake.Ledger().Get("x", out.Data.ID)
		if !ok || p.Account != "ana" || p.Text != "Hola Antioquia" || !p.CreatedAt.Equal(e.clock.Now()) {
			t.Errorf("ledger post = %+v, %v; want ana's post at the fake's time", p, ok)
		}
	})

	t.Run("ids increase", func(t *testing.T) {
		a := e.createPost(t, "ana", "first of two")
		b := e.createPost(t, "ana", "second of two")
		if len(a) > len(b) || (len(a) == len(b) && a >= b) {
			t.Errorf("ids %s then %s, want increasing", a, b)
		}
	})

	t.Run("exactly 280 weighted characters is accepted", func(t *testing.T) {
		e.createPost(t, "ana", strings.Repeat("a", 280))
	})

	t.Run("281 weighted characters is refused", func(t *testing.T) {
		res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": strings.Repeat("b", 281)})
		assertBody(t, res, http.StatusBadRequest,
			`{"title":"Bad Request","type":"about:blank","status":400,"detail":"Your Tweet text is too long. For more information on how X determines text length see https://github.com/twitter/twitter-text."}`)
	})

	t.Run("duplicate text is refused with X's exact body", func(t *testing.T) {
		e.createPost(t, "ana", "Texto repetido")
		res := e.do(t, "ana", "POST", "/2/tweets", map[string]any{"text": "Texto repetido"})
		assertBody(t, res, http.StatusForbidden,
			`{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`)
		if n := len(e.fake.Ledger().Filter("x", "ana")); n == 0 {
			t.Fatal("ledger empty")
		}
	})

	t.Run("same text by another user is accepted", func(t *testing.T) {
		e.createPost(t, "beto", "Texto repetido")
	})

	t.Run("duplicate of a deleted post is accepted", func(t *testing.T) {
		id := e.createPost(t, "ana", "borrar y repetir")
		if res := e.do(t, "ana", "DELETE", "/2/tweets/"+id, nil); res.status != http.StatusOK {
			t.Fatalf("delete: %d %s", res.status, res.body)
		}
		e.createPost(t, "ana", "borrar y repetir")
	})

	invalid := map[string]string{
		"unknown field":        `{"text":"x","colour":"red"}`,
		"malformed JSON":       `{"text":`,
		"no text or media":     `{}`,
		"five media ids":       `{"media":{"media_ids":["1","2","3","4","5"]}}`,
		"non-numeric media id": `{"media":{"media_ids":["abc"]}}`,
		"unknown media id":     `{"text":"with media","media":{"media_ids":["123456789"]}}`,
	}
	for name, body := range invalid {
		t.Run(name+" is an invalid request", func(t *testing.T) {
			res := e.do(t, "ana", "POST", "/2/tweets", body)
			if res.status != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400: %s", res.status, res.body)
			}
			var p struct {
				Type   string `json:"type"`
				Title  string `json:"title"`
				Errors []struct {
					Message string `json:"message"`
				} `json:"errors"`
			}
			res.decode(t, &p)
			if !strings.HasSuffix(p.Type, "/problems/invalid-request") || p.Title != "Invalid Request" || len(p.Errors) == 0 || p.Errors[0].Message == "" {
				t.Errorf("problem = %+v, want invalid-request with a message", p)
			}
		})
	}
}

func TestRenderedText(t *testing.T) {
	e := newEnv(t, fake.Options{})
	text := "Vea https://example.gob.co/a?b=1&c=2, ya. Tom & Jerry <3"
	id := e.createPost(t, "ana", text)

	res := e.do(t, "ana", "GET", "/2/tweets/"+id, nil)
	var out struct {
		Data struct {
			Text string `json:"text"`
		} `json:"data"`
	}
	res.decode(t, &out)
	want := regexp.MustCompile(`^Vea https://t\.co/[A-Za-z0-9]{10}, ya\. Tom &amp; Jerry &lt;3$`)
	t.Run("links wrapped and HTML escaped on reads", func(t *testing.T) {
		if !want.MatchString(out.Data.Text) {
			t.Errorf("text = %q, want %s", out.Data.Text, want)
		}
	})
	t.Run("ledger keeps the text as sent", func(t *testing.T) {
		if p, _ := e.fake.Ledger().Get("x", id); p.Text != text {
			t.Errorf("ledger text = %q, want %q", p.Text, text)
		}
	})
}

func TestDeletePost(t *testing.T) {
	e := newEnv(t, fake.Options{})
	id := e.createPost(t, "ana", "para borrar")

	t.Run("another user is forbidden", func(t *testing.T) {
		res := e.do(t, "beto", "DELETE", "/2/tweets/"+id, nil)
		if res.status != http.StatusForbidden {
			t.Fatalf("status = %d, want 403: %s", res.status, res.body)
		}
		if _, ok := e.fake.Ledger().Get("x", id); !ok {
			t.Error("post gone from the ledger after a refused delete")
		}
	})
	t.Run("author deletes it", func(t *testing.T) {
		assertBody(t, e.do(t, "ana", "DELETE", "/2/tweets/"+id, nil), http.StatusOK, `{"data":{"deleted":true}}`)
		if _, ok := e.fake.Ledger().Get("x", id); ok {
			t.Error("post still in the ledger")
		}
	})
	t.Run("deleting again is not found", func(t *testing.T) {
		res := e.do(t, "ana", "DELETE", "/2/tweets/"+id, nil)
		if res.status != http.StatusNotFound || !strings.Contains(string(res.body), "resource-not-found") {
			t.Errorf("status %d body %s, want 404 resource-not-found", res.status, res.body)
		}
	})
}

func TestLookup(t *testing.T) {
	e := newEnv(t, fake.Options{})
	id := e.createPost(t, "ana", "para leer")

	t.Run("fields are returned", func(t *testing.T) {
		e.clock.Advance(90 * time.Minute)
		res := e.do(t, "ana", "GET", "/2/tweets/"+id+"?tweet.fields=created_at,author_id,public_metrics", nil)
		var out struct {
			Data struct {
				ID            string `json:"id"`
				Text          string `json:"text"`
				AuthorID      string `json:"author_id"`
				CreatedAt     string `json:"created_at"`
				PublicMetrics *struct {
					ImpressionCount int64 `json:"impression_count"`
					LikeCount       int64 `json:"like_count"`
				} `json:"public_metrics"`
			} `json:"data"`
		}
		res.decode(t, &out)
		d := out.Data
		if d.ID != id || d.Text != "para leer" || d.AuthorID != fake.UserID("ana") {
			t.Errorf("data = %+v, want id, text and author_id", d)
		}
		if _, err := time.Parse(time.RFC3339, d.CreatedAt); err != nil {
			t.Errorf("created_at = %q: %v", d.CreatedAt, err)
		}
		if d.PublicMetrics == nil || d.PublicMetrics.ImpressionCount < 90 {
			t.Errorf("public_metrics = %+v, want impressions grown over 90 minutes", d.PublicMetrics)
		}
	})

	t.Run("missing single post is a resource-not-found error", func(t *testing.T) {
		assertBody(t, e.do(t, "ana", "GET", "/2/tweets/42", nil), http.StatusOK,
			`{"errors":[{"value":"42","detail":"Could not find tweet with id: [42].","title":"Not Found Error","resource_type":"tweet","parameter":"id","resource_id":"42","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`)
	})

	t.Run("batch returns found posts and errors for missing ones", func(t *testing.T) {
		res := e.do(t, "ana", "GET", "/2/tweets?ids="+id+",43", nil)
		var out struct {
			Data   []struct{ ID string } `json:"data"`
			Errors []struct {
				ResourceID string `json:"resource_id"`
				Type       string `json:"type"`
			} `json:"errors"`
		}
		res.decode(t, &out)
		if res.status != http.StatusOK || len(out.Data) != 1 || out.Data[0].ID != id || len(out.Errors) != 1 || out.Errors[0].ResourceID != "43" {
			t.Errorf("status %d body %s, want one post and one not-found error", res.status, res.body)
		}
	})

	t.Run("unknown tweet.fields value is an invalid request", func(t *testing.T) {
		res := e.do(t, "ana", "GET", "/2/tweets/"+id+"?tweet.fields=colour", nil)
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), `"parameters":{"tweet.fields":["colour"]}`) {
			t.Errorf("status %d body %s, want 400 naming tweet.fields", res.status, res.body)
		}
	})

	t.Run("private metrics of another user's post are refused per field", func(t *testing.T) {
		res := e.do(t, "beto", "GET", "/2/tweets/"+id+"?tweet.fields=non_public_metrics", nil)
		if res.status != http.StatusOK || strings.Contains(string(res.body), `"non_public_metrics":{`) || !strings.Contains(string(res.body), `"title":"Field Authorization Error"`) ||
			!strings.Contains(string(res.body), `"field":"non_public_metrics.impression_count","parameter":"id"`) ||
			!strings.Contains(string(res.body), `"type":"https://api.twitter.com/2/problems/not-authorized-for-field"`) {
			t.Errorf("status %d body %s, want the post without non_public_metrics and an authorization error", res.status, res.body)
		}
	})
}
