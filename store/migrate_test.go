package store_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"pregonero"
	"pregonero/store/storetest"
)

// toSchema turns a closed data file back into what an older schema
// wrote: post records of version 1 (media as an array of ids, alt text
// only in the media records) before schema 4, no media reference index
// before schema 2.
func toSchema(t *testing.T, path string, version uint64) {
	t.Helper()
	b, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Update(func(tx *bbolt.Tx) error {
		if version < 4 {
			posts := tx.Bucket([]byte("posts"))
			old := map[string][]byte{}
			err := posts.ForEach(func(k, v []byte) error {
				var rec map[string]json.RawMessage
				if err := json.Unmarshal(v, &rec); err != nil {
					return err
				}
				var media []struct {
					ID string `json:"id"`
				}
				if raw, ok := rec["media"]; ok {
					if err := json.Unmarshal(raw, &media); err != nil {
						return err
					}
					var ids []string
					for _, m := range media {
						ids = append(ids, m.ID)
					}
					rec["media"], _ = json.Marshal(ids)
				}
				delete(rec, "canceled_at")
				rec["v"] = json.RawMessage("1")
				nv, err := json.Marshal(rec)
				old[string(k)] = nv
				return err
			})
			if err != nil {
				return err
			}
			for k, v := range old {
				if err := posts.Put([]byte(k), v); err != nil {
					return err
				}
			}
		}
		if version < 2 {
			if err := tx.DeleteBucket([]byte("media_refs")); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, version))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPostAltTextMigration(t *testing.T) {
	t.Run("posts of schema 3 get the alt text their files had", func(t *testing.T) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "pregonero.db")
		db := MustOpen(t, path)
		for id, alt := range map[string]string{"m_bridge": "Puente colgante sobre el río San Juan", "m_plain": ""} {
			m := &pregonero.Media{ID: id, SHA256: id, MIME: "image/jpeg", Size: 1, AltText: alt, CreatedAt: t0}
			if err := db.PutMedia(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		withMedia := storetest.NewPost(t0, "x-a")
		withMedia.Media = pregonero.MediaOf("m_plain", "m_bridge")
		without := storetest.NewPost(t0, "x-a")
		draft := storetest.NewPost(t0)
		draft.Media = pregonero.MediaOf("m_bridge")
		if err := db.CreatePosts(ctx, withMedia, without, draft); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		toSchema(t, path, 3)

		db = MustOpen(t, path)
		for _, tc := range []struct {
			post *pregonero.Post
			want []pregonero.PostMedia
		}{
			{withMedia, []pregonero.PostMedia{{ID: "m_plain"}, {ID: "m_bridge", AltText: "Puente colgante sobre el río San Juan"}}},
			{without, nil},
			{draft, []pregonero.PostMedia{{ID: "m_bridge", AltText: "Puente colgante sobre el río San Juan"}}},
		} {
			got, err := db.Post(ctx, tc.post.ID)
			if err != nil {
				t.Fatalf("Post(%s) after migration = %v", tc.post.ID, err)
			}
			if len(got.Media) != len(tc.want) {
				t.Errorf("post %s media = %+v, want %+v", got.ID, got.Media, tc.want)
				continue
			}
			for i := range tc.want {
				if got.Media[i] != tc.want[i] {
					t.Errorf("post %s media[%d] = %+v, want %+v", got.ID, i, got.Media[i], tc.want[i])
				}
			}
			if got.Text != tc.post.Text || len(got.Deliveries) != len(tc.post.Deliveries) {
				t.Errorf("post %s = text %q with %d deliveries, want %q with %d", got.ID, got.Text, len(got.Deliveries), tc.post.Text, len(tc.post.Deliveries))
			}
		}

		// The file's alt text changes afterwards; the posts keep theirs.
		m, err := db.Media(ctx, "m_bridge")
		if err != nil {
			t.Fatal(err)
		}
		m.AltText = "Otra descripción"
		if err := db.PutMedia(ctx, m); err != nil {
			t.Fatal(err)
		}
		got, err := db.Post(ctx, withMedia.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Media[1].AltText != "Puente colgante sobre el río San Juan" {
			t.Errorf("alt text after the file changed = %q, want the post's own", got.Media[1].AltText)
		}
	})
}
