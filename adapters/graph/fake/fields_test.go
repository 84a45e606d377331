package fake_test

import (
	"strings"
	"testing"

	fb "github.com/huandu/facebook/v2"

	"pregonero/adapters/graph/fake"
)

func TestNonexistingFieldsAreRefused(t *testing.T) {
	e := newEnv(t, fake.Options{})
	s := e.session(fake.PageToken(page))
	post, err := s.Post("/"+page+"/feed", fb.Params{"message": "Campos"})
	if err != nil {
		t.Fatal(err)
	}
	postID := str(t, post, "id")
	for _, tt := range []struct{ path, fields, node string }{
		{"/me", "id,name,fan_count_typo", "Page"},
		{"/" + page, "id,permalink", "Page"},
		{"/" + postID, "id,permalink", "PagePost"},
		{"/" + page + "/published_posts", "id,permalink", "PagePost"},
		{"/" + page + "/videos", "id,post", "Video"},
		{"/" + page + "/photos", "id,story_id", "Photo"},
		{"/" + igUser, "id,permalink_url", "IGUser"},
		{"/" + igUser + "/media", "id,permalink_url", "IGMedia"},
		{"/" + igUser + "/content_publishing_limit", "quota_usage,quota_total", "ContentPublishingLimit"},
	} {
		t.Run(tt.path+"?fields="+tt.fields, func(t *testing.T) {
			_, err := s.Get(tt.path, fb.Params{"fields": tt.fields})
			fe := wantCode(t, err, 100, 0)
			if !strings.Contains(fe.Message, "nonexisting field") || !strings.Contains(fe.Message, "("+tt.node+")") {
				t.Errorf("message %q, want the nonexisting field on node type %s", fe.Message, tt.node)
			}
		})
	}
	// The fields the adapters ask for exist.
	for _, tt := range []struct{ path, fields string }{
		{"/me", "id,name"},
		{"/" + page, "instagram_business_account"},
		{"/" + postID, "id,permalink_url,created_time"},
		{"/" + page + "/published_posts", "id,message,created_time,permalink_url,attachments{media_type,target{id},subattachments{target{id}}}"},
		{"/" + page + "/videos", "id,title,description,created_time,post_id,published,permalink_url"},
		{"/" + page + "/photos", "id,created_time,page_story_id"},
		{"/" + igUser, "id,username"},
		{"/" + igUser + "/media", "id,caption,timestamp,permalink,media_type"},
		{"/" + igUser + "/content_publishing_limit", "quota_usage,config"},
	} {
		if _, err := s.Get(tt.path, fb.Params{"fields": tt.fields}); err != nil {
			t.Errorf("GET %s?fields=%s: %v", tt.path, tt.fields, err)
		}
	}
}
