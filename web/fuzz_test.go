package web_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"pregonero"
	"pregonero/web"
)

func FuzzDecodePost(f *testing.F) {
	for _, seed := range []string{
		`{"text":"Hola","targets":["x-gob"],"scheduled_at":"2026-11-28T09:00","timezone":"America/Bogota"}`,
		`{"text":"a","media":["m_1"],"overrides":{"x-gob":{"text":"b","tags":["t"]}}}`,
		`{"text":1}`, `{"targets":"x"}`, `{"colour":"red"}`, `{}{}`, `{"text":"a"} x`, `[`, ``, `null`,
		`{"overrides":{"a":{"txt":1}}}`, `{"text":"\ud800"}`, `{"media":[1e400]}`,
		// What the decoder alone would change without a word.
		`{"targets":["nonexist"],"targets":["x-gob"]}`, `{"overrides":{"a":{"text":"b"},"a":{}}}`,
		`{"Text":"a","TARGETS":["x-gob"]}`, "{\"overrides\":{\"a\":{\"made_for_\u212aids\":true}}}",
		"{\"text\":\"Vacunaci\xf3n\"}", "{\"te\xffxt\":1}", `{"text":"\udc00\ud800"}`, `{"text":"\ud83c\udf89"}`,
		`{"text":"\\ud800"}`, `{"text":"a\u001b[31m\r\n"}`, `{"scheduled_at":"2027-03-14T02:30","timezone":"America/New_York"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := web.DecodePostRequest(bytes.NewReader(data))
		if err == nil {
			// What decodes must survive the request hash round trip.
			if _, err := web.DecodePostRequest(bytes.NewReader(mustJSON(t, req))); err != nil {
				t.Fatalf("re-encoded request does not decode: %v", err)
			}
			return
		}
		var e *pregonero.Error
		if !errors.As(err, &e) {
			t.Fatalf("got %T %v, want *pregonero.Error", err, err)
		}
		if e.Code != pregonero.EINVALID || e.Message == "" || len(e.Fields) == 0 {
			t.Fatalf("got %+v, want invalid naming a field", e)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
