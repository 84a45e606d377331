package fake_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"pregonero/adapters/x/fake"
)

// invalidBody is X's 400 invalid-request answer.
type invalidBody struct {
	Errors []struct {
		Parameters map[string][]string `json:"parameters"`
		Message    string              `json:"message"`
	} `json:"errors"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
}

func TestCreateBodyFollowsTheSpec(t *testing.T) {
	e := newEnv(t, fake.Options{})
	refused := []struct {
		name string
		body string
		// want is one errors[] entry: its message and its parameter.
		message, param, value string
	}{
		{"UnknownField", `{"text":"a","colour":"red"}`,
			"$.colour: is not defined in the schema and the schema does not allow additional properties", "$.colour", `"red"`},
		{"UnknownFieldInMedia", `{"media":{"media_ids":["1"],"alt":"x"}}`,
			"$.media.alt: is not defined in the schema and the schema does not allow additional properties", "$.media.alt", `"x"`},
		{"UnknownFieldInPoll", `{"text":"a","poll":{"options":["a","b"],"duration_minutes":60,"multiple":true}}`,
			"$.poll.multiple: is not defined in the schema and the schema does not allow additional properties", "$.poll.multiple", "true"},
		{"UnknownFieldInReply", `{"text":"a","reply":{"in_reply_to_tweet_id":"1","to":"2"}}`,
			"$.reply.to: is not defined in the schema and the schema does not allow additional properties", "$.reply.to", `"2"`},
		{"UnknownFieldInGeo", `{"text":"a","geo":{"place_id":"df51dec6f4ee2b2c","lat":6.2}}`,
			"$.geo.lat: is not defined in the schema and the schema does not allow additional properties", "$.geo.lat", "6.2"},
		{"ReplySettingsOutsideTheEnum", `{"text":"a","reply_settings":"everyone"}`,
			"$.reply_settings: does not have a value in the enumeration [following, mentionedUsers, subscribers, verified]", "$.reply_settings", `"everyone"`},
		{"PollWithOneOption", `{"text":"a","poll":{"options":["sí"],"duration_minutes":60}}`,
			"$.poll.options: there must be a minimum of 2 items in the array", "$.poll.options", `["sí"]`},
		{"PollWithFiveOptions", `{"text":"a","poll":{"options":["a","b","c","d","e"],"duration_minutes":60}}`,
			"$.poll.options: there must be a maximum of 4 items in the array", "$.poll.options", `["a","b","c","d","e"]`},
		{"PollOptionOf26Characters", `{"text":"a","poll":{"options":["a","` + strings.Repeat("ñ", 26) + `"],"duration_minutes":60}}`,
			"$.poll.options[1]: may only be 25 characters long", "$.poll.options[1]", `"` + strings.Repeat("ñ", 26) + `"`},
		{"EmptyPollOption", `{"text":"a","poll":{"options":["a",""],"duration_minutes":60}}`,
			"$.poll.options[1]: must be at least 1 characters long", "$.poll.options[1]", `""`},
		{"PollOfFourMinutes", `{"text":"a","poll":{"options":["a","b"],"duration_minutes":4}}`,
			"$.poll.duration_minutes: must have a minimum value of 5", "$.poll.duration_minutes", "4"},
		{"PollLongerThanAWeek", `{"text":"a","poll":{"options":["a","b"],"duration_minutes":10081}}`,
			"$.poll.duration_minutes: must have a maximum value of 10080", "$.poll.duration_minutes", "10081"},
		{"PollWithoutDuration", `{"text":"a","poll":{"options":["a","b"]}}`,
			"$.poll.duration_minutes: is missing but it is required", "$.poll.duration_minutes", ""},
		{"PollReplySettingsOutsideTheEnum", `{"text":"a","poll":{"options":["a","b"],"duration_minutes":5,"reply_settings":"all"}}`,
			"$.poll.reply_settings: does not have a value in the enumeration [following, mentionedUsers, subscribers, verified]", "$.poll.reply_settings", `"all"`},
		{"FiveMediaIDs", `{"media":{"media_ids":["1","2","3","4","5"]}}`,
			"$.media.media_ids: there must be a maximum of 4 items in the array", "$.media.media_ids", `["1","2","3","4","5"]`},
		{"MediaIDsAsAString", `{"media":{"media_ids":"1666121026172858379"}}`,
			"$.media.media_ids: string found, array expected", "$.media.media_ids", `"1666121026172858379"`},
		{"MediaIDNotNumeric", `{"media":{"media_ids":["m_1"]}}`,
			"$.media.media_ids[0]: does not match the regex pattern ^[0-9]{1,19}$", "$.media.media_ids[0]", `"m_1"`},
		{"QuoteTweetIDNotNumeric", `{"text":"a","quote_tweet_id":"abc"}`,
			"$.quote_tweet_id: does not match the regex pattern ^[0-9]{1,19}$", "$.quote_tweet_id", `"abc"`},
		{"BooleanAsString", `{"text":"a","nullcast":"yes"}`,
			"$.nullcast: string found, boolean expected", "$.nullcast", `"yes"`},
		{"TextAsNumber", `{"text":5}`,
			"$.text: integer found, string expected", "$.text", "5"},
		{"ReplyWithoutTheID", `{"text":"a","reply":{"auto_populate_reply_metadata":true}}`,
			"$.reply.in_reply_to_tweet_id: is missing but it is required", "$.reply.in_reply_to_tweet_id", ""},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			res := e.do(t, "ana", "POST", "/2/tweets", tc.body)
			var got invalidBody
			res.decode(t, &got)
			if res.status != http.StatusBadRequest || got.Type != "https://api.twitter.com/2/problems/invalid-request" ||
				got.Title != "Invalid Request" || got.Detail != "One or more parameters to your request was invalid." || len(got.Errors) != 1 {
				t.Fatalf("status %d body %s, want 400 invalid-request with one error", res.status, res.body)
			}
			want := []string{}
			if tc.value != "" {
				want = []string{tc.value}
			}
			g := got.Errors[0]
			if g.Message != tc.message || len(g.Parameters) != 1 || strings.Join(g.Parameters[tc.param], "|") != strings.Join(want, "|") ||
				len(g.Parameters[tc.param]) != len(want) {
				t.Errorf("got error %+v, want message %q and parameters {%q: %q}", g, tc.message, tc.param, want)
			}
			if n := len(e.fake.Ledger().Filter("x", "ana")); n != 0 {
				t.Errorf("got %d posts in the ledger, want none", n)
			}
		})
	}

	t.Run("EveryViolationIsReported", func(t *testing.T) {
		res := e.do(t, "ana", "POST", "/2/tweets", `{"text":"a","reply_settings":"all","poll":{"options":["a"],"duration_minutes":1},"zzz":1}`)
		var got invalidBody
		res.decode(t, &got)
		var msgs []string
		for _, g := range got.Errors {
			msgs = append(msgs, g.Message)
		}
		want := []string{
			"$.poll.duration_minutes: must have a minimum value of 5",
			"$.poll.options: there must be a minimum of 2 items in the array",
			"$.reply_settings: does not have a value in the enumeration [following, mentionedUsers, subscribers, verified]",
			"$.zzz: is not defined in the schema and the schema does not allow additional properties",
		}
		if res.status != http.StatusBadRequest || strings.Join(msgs, "\n") != strings.Join(want, "\n") {
			t.Errorf("status %d messages %q, want 400 and %q", res.status, msgs, want)
		}
	})

	accepted := []struct{ name, body string }{
		// Both are in CreatePostsRequest of spec 2.167 and documented for
		// POST /2/tweets (paid_partnership since 2026-06-03).
		{"MadeWithAI", `{"text":"hecho con IA","made_with_ai":true}`},
		{"PaidPartnership", `{"text":"alianza pagada","paid_partnership":true}`},
		{"ReplySettings", `{"text":"solo seguidos","reply_settings":"following"}`},
		{"Poll", `{"text":"¿Cuál?","poll":{"options":["Uno","` + strings.Repeat("d", 25) + `"],"duration_minutes":10080,"reply_settings":"verified"}}`},
		{"PollOfFiveMinutes", `{"text":"¿Rápido?","poll":{"options":["a","b","c","d"],"duration_minutes":5}}`},
		{"Geo", `{"text":"desde Medellín","geo":{"place_id":"df51dec6f4ee2b2c"}}`},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			if res := e.do(t, "ana", "POST", "/2/tweets", tc.body); res.status != http.StatusCreated {
				t.Errorf("status %d body %s, want 201", res.status, res.body)
			}
		})
	}

	t.Run("NotJSONIsRefused", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.base+"/2/tweets", strings.NewReader("text=hola"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+fake.AccessToken("ana"))
		res := send(t, http.DefaultClient, req)
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "Requests with bodies must have content-type of application/json.") {
			t.Errorf("status %d body %s, want 400 asking for JSON", res.status, res.body)
		}
	})
}

func TestMediaEndpointsFollowTheSpec(t *testing.T) {
	e := newEnv(t, fake.Options{})
	initialize := func(t *testing.T) string {
		t.Helper()
		res := e.do(t, "ana", "POST", "/2/media/upload/initialize", map[string]any{"media_type": "image/png", "total_bytes": len(pngBytes), "media_category": "tweet_image"})
		var out struct{ Data struct{ ID string } }
		res.decode(t, &out)
		return out.Data.ID
	}
	multipartAppend := func(t *testing.T, id string, fields map[string]string) response {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		mw.Close()
		req, _ := http.NewRequest("POST", e.base+"/2/media/upload/"+id+"/append", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+fake.AccessToken("ana"))
		return send(t, http.DefaultClient, req)
	}
	b64 := func(b []byte) string {
		j, _ := json.Marshal(b)
		return strings.Trim(string(j), `"`)
	}

	t.Run("AppendRefusesMediaDataInAForm", func(t *testing.T) {
		id := initialize(t)
		res := multipartAppend(t, id, map[string]string{"segment_index": "0", "media_data": b64(pngBytes)})
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "$.media_data: is not defined in the schema") {
			t.Errorf("status %d body %s, want 400 refusing media_data", res.status, res.body)
		}
	})
	t.Run("AppendRefusesMediaDataInJSON", func(t *testing.T) {
		id := initialize(t)
		res := e.do(t, "ana", "POST", "/2/media/upload/"+id+"/append", map[string]any{"segment_index": 0, "media_data": b64(pngBytes)})
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "$.media_data: is not defined in the schema") ||
			!strings.Contains(string(res.body), "$.media: is missing but it is required") {
			t.Errorf("status %d body %s, want 400 refusing media_data and asking for media", res.status, res.body)
		}
	})
	t.Run("AppendTakesBase64MediaInJSON", func(t *testing.T) {
		id := initialize(t)
		res := e.do(t, "ana", "POST", "/2/media/upload/"+id+"/append", map[string]any{"segment_index": 0, "media": b64(pngBytes)})
		if res.status != http.StatusOK {
			t.Errorf("status %d body %s, want 200", res.status, res.body)
		}
	})
	t.Run("AppendNeedsTheSegmentIndex", func(t *testing.T) {
		id := initialize(t)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("media", "blob")
		fw.Write(pngBytes)
		mw.Close()
		req, _ := http.NewRequest("POST", e.base+"/2/media/upload/"+id+"/append", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+fake.AccessToken("ana"))
		res := send(t, http.DefaultClient, req)
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "$.segment_index: is missing but it is required") {
			t.Errorf("status %d body %s, want 400 asking for segment_index", res.status, res.body)
		}
	})
	t.Run("InitializeRefusesUnknownFields", func(t *testing.T) {
		res := e.do(t, "ana", "POST", "/2/media/upload/initialize", map[string]any{"media_type": "image/png", "total_bytes": 10, "command": "INIT"})
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "$.command: is not defined in the schema") {
			t.Errorf("status %d body %s, want 400 refusing command", res.status, res.body)
		}
	})
	t.Run("StatusWithoutCommand", func(t *testing.T) {
		id, _ := e.upload(t, "ana", "image/png", "tweet_image", pngBytes, 1<<20)
		if res := e.do(t, "ana", "GET", "/2/media/upload?media_id="+id, nil); res.status != http.StatusOK {
			t.Errorf("status %d body %s, want 200: command is optional", res.status, res.body)
		}
		if res := e.do(t, "ana", "GET", "/2/media/upload?command=FINALIZE&media_id="+id, nil); res.status != http.StatusBadRequest {
			t.Errorf("command FINALIZE: status %d body %s, want 400", res.status, res.body)
		}
		if res := e.do(t, "ana", "GET", "/2/media/upload", nil); res.status != http.StatusBadRequest {
			t.Errorf("no media_id: status %d body %s, want 400", res.status, res.body)
		}
	})
	t.Run("StatusOfUnknownMediaIsNotFound", func(t *testing.T) {
		res := e.do(t, "ana", "GET", "/2/media/upload?media_id=1234567890123456789", nil)
		if res.status != http.StatusNotFound || !strings.Contains(string(res.body), `"type":"https://api.twitter.com/2/problems/resource-not-found"`) {
			t.Errorf("status %d body %s, want 404 resource-not-found", res.status, res.body)
		}
	})
	t.Run("OneShotNeedsMediaCategory", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("media", "image.png")
		fw.Write(pngBytes)
		mw.Close()
		req, _ := http.NewRequest("POST", e.base+"/2/media/upload", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+fake.AccessToken("ana"))
		res := send(t, http.DefaultClient, req)
		if res.status != http.StatusBadRequest || !strings.Contains(string(res.body), "$.media_category: is missing but it is required") {
			t.Errorf("status %d body %s, want 400 asking for media_category", res.status, res.body)
		}
	})
}

func TestUnknownRouteIsXs404(t *testing.T) {
	e := newEnv(t, fake.Options{})
	res := e.do(t, "ana", "GET", "/2/tweets/search/everything", nil)
	assertBody(t, res, http.StatusNotFound, `{"errors":[{"message":"Sorry, that page does not exist","code":34}]}`)
}
