package instagram_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/graph"
	"pregonero/adapters/graph/fake"
	"pregonero/adapters/instagram"
)

// media returns a blob with the given type, size and dimensions and no
// bytes, for offline validation.
func media(mime string, size int64, w, h int) pregonero.MediaBlob {
	return pregonero.MediaBlob{Media: &pregonero.Media{ID: "m_test", MIME: mime, Size: size, Width: w, Height: h, CreatedAt: time.Now()},
		URL: "https://pregonero.example/media/m_test?exp=1&sig=x"}
}

func jpegOf(w, h int) pregonero.MediaBlob { return media("image/jpeg", 200_000, w, h) }

func video(mime string, ms int64) pregonero.MediaBlob {
	m := media(mime, 5_000_000, 1080, 1920)
	m.DurationMS = ms
	return m
}

var igAccount = &pregonero.Account{ID: "ig-gobernacion", Network: pregonero.NetworkInstagram}

func repeat(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, " ")
}

func TestValidateRefuses(t *testing.T) {
	tests := []struct {
		name    string
		content pregonero.Content
		field   string
		code    string
		limit   string // fmt.Sprint of the limit; "" skips the check
		actual  string // fmt.Sprint of the actual value; "" skips the check
		mention string // the message must contain it
	}{
		{"PNG image", pregonero.Content{Text: "hi", Media: []pregonero.MediaBlob{media("image/png", 1000, 1080, 1080)}},
			"media[0]", pregonero.FieldUnsupported, "image/jpeg", "image/png", "JPEG"},
		{"GIF in a carousel", pregonero.Content{Text: "hi", Media: []pregonero.MediaBlob{jpegOf(1080, 1080), media("image/gif", 1000, 100, 100)}},
			"media[1]", pregonero.FieldUnsupported, "", "", "JPEG"},
		{"WebP image", pregonero.Content{Text: "hi", Media: []pregonero.MediaBlob{media("image/webp", 1000, 1080, 1080)}},
			"media[0]", pregonero.FieldUnsupported, "", "", "JPEG"},
		{"image of 8 MiB and a byte", pregonero.Content{Text: "hi", Media: []pregonero.MediaBlob{media("image/jpeg", 8<<20+1, 1080, 1080)}},
			"media[0]", pregonero.FieldTooLarge, fmt.Sprint(8 << 20), fmt.Sprint(8<<20 + 1), "8 MiB"},
		{"image of 3:1", pregonero.Content{Text: "hi", Media: []pregonero.MediaBlob{jpegOf(1500, 500)}},
			"media[0]", pregonero.FieldInvalid, "4:5-1.91:1", "3.00:1", "1.91:1"},
		{"image taller than 4:5", pregonero.Content{Text: "hi", Media: []pregonero.MediaBlob{jpegOf(1080, 1400)}},
			"media[0]", pregonero.FieldInvalid, "4:5-1.91:1", "", "4:5"},
		{"image of unknown dimensions", pregonero.Content{Text: "hi", Media: []pregonero.MediaBlob{jpegOf(0, 0)}},
			"media[0]", pregonero.FieldInvalid, "", "", "unknown dimensions"},
		{"caption of 2,201 characters", pregonero.Content{Text: strings.Repeat("á", 2201), Media: []pregonero.MediaBlob{jpegOf(1080, 1080)}},
			"text", pregonero.FieldTooLong, "2200", "2201", "2200"},
		{"caption over the limit with its link", pregonero.Content{Text: strings.Repeat("a", 2190), Link: "https://antioquia.gov.co/x",
			Media: []pregonero.MediaBlob{jpegOf(1080, 1080)}}, "text", pregonero.FieldTooLong, "2200", "2218", "link"},
		{"31 hashtags", pregonero.Content{Text: repeat(31, func(i int) string { return fmt.Sprintf("#tag%d", i) }), Media: []pregonero.MediaBlob{jpegOf(1080, 1080)}},
			"text", pregonero.FieldTooMany, "30", "31", "hashtags"},
		{"21 mentions", pregonero.Content{Text: repeat(21, func(i int) string { return fmt.Sprintf("@user.%d", i) }), Media: []pregonero.MediaBlob{jpegOf(1080, 1080)}},
			"text", pregonero.FieldTooMany, "20", "21", "mentions"},
		{"no media", pregonero.Content{Text: "only words"}, "media", pregonero.FieldRequired, "", "", "image or video"},
		{"11 carousel items", pregonero.Content{Text: "hi", Media: func() []pregonero.MediaBlob {
			m := make([]pregonero.MediaBlob, 11)
			for i := range m {
				m[i] = jpegOf(1080, 1080)
			}
			return m
		}()}, "media", pregonero.FieldTooMany, "10", "11", "10"},
		{"story with text", pregonero.Content{Format: pregonero.FormatStory, Text: "caption", Media: []pregonero.MediaBlob{jpegOf(1080, 1920)}},
			"text", pregonero.FieldUnsupported, "", "", "story has no caption"},
		{"story with a link", pregonero.Content{Format: pregonero.FormatStory, Link: "https://antioquia.gov.co", Media: []pregonero.MediaBlob{jpegOf(1080, 1920)}},
			"text", pregonero.FieldUnsupported, "", "", "story has no caption"},
		{"story of two files", pregonero.Content{Format: pregonero.FormatStory, Media: []pregonero.MediaBlob{jpegOf(1080, 1920), jpegOf(1080, 1920)}},
			"media", pregonero.FieldTooMany, "1", "2", "story"},
		{"story video of 61 s", pregonero.Content{Format: pregonero.FormatStory, Media: []pregonero.MediaBlob{video("video/mp4", 61_000)}},
			"media[0].duration", pregonero.FieldTooLong, "", "61.0 s", "60 s"},
		{"reel with an image", pregonero.Content{Format: pregonero.FormatReel, Text: "hi", Media: []pregonero.MediaBlob{jpegOf(1080, 1080)}},
			"media[0]", pregonero.FieldUnsupported, "", "image/jpeg", "video"},
		{"reel of two videos", pregonero.Content{Format: pregonero.FormatReel, Text: "hi", Media: []pregonero.MediaBlob{video("video/mp4", 10_000), video("video/mp4", 10_000)}},
			"media", pregonero.FieldTooMany, "1", "2", "reel"},
		{"reel of 2 s", pregonero.Content{Format: pregonero.FormatReel, Text: "hi", Media: []pregonero.MediaBlob{video("video/mp4", 2_000)}},
			"media[0].duration", pregonero.FieldInvalid, "3 s-15 min", "2.0 s", "3 s to 15 min"},
		{"reel of 16 min", pregonero.Content{Format: pregonero.FormatReel, Text: "hi", Media: []pregonero.MediaBlob{video("video/quicktime", 16*60_000)}},
			"media[0].duration", pregonero.FieldInvalid, "", "", "15 min"},
		{"single feed video of 2 s", pregonero.Content{Text: "hi", Media: []pregonero.MediaBlob{video("video/mp4", 2_000)}},
			"media[0].duration", pregonero.FieldInvalid, "", "", "reels"},
		{"reel in WebM", pregonero.Content{Format: pregonero.FormatReel, Text: "hi", Media: []pregonero.MediaBlob{video("video/webm", 10_000)}},
			"media[0]", pregonero.FieldUnsupported, "", "video/webm", "MP4 or MOV"},
		{"unknown format", pregonero.Content{Format: "live", Text: "hi", Media: []pregonero.MediaBlob{jpegOf(1080, 1080)}},
			"format", pregonero.FieldUnsupported, "", "live", "live"},
		{"media without a file", pregonero.Content{Text: "hi", Media: []pregonero.MediaBlob{{}}},
			"media[0]", pregonero.FieldRequired, "", "", "no file"},
		{"media without a public URL (no public_url)", pregonero.Content{Text: "hi", Media: []pregonero.MediaBlob{{Media: jpegOf(1080, 1080).Media}}},
			"media", pregonero.FieldUnsupported, "public_url", "", "set public_url to an HTTPS address"},
	}
	a := instagram.New(instagram.Config{Logger: discard})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := a.Validate(tt.content, igAccount)
			var got *pregonero.FieldError
			for i := range errs {
				if errs[i].Field == tt.field && errs[i].Code == tt.code {
					got = &errs[i]
				}
			}
			if got == nil {
				t.Fatalf("got errors %+v, want one on %q with code %q", errs, tt.field, tt.code)
			}
			if got.Target != igAccount.ID {
				t.Errorf("got target %q, want %q", got.Target, igAccount.ID)
			}
			if tt.limit != "" && fmt.Sprint(got.Limit) != tt.limit {
				t.Errorf("got limit %v, want %s", got.Limit, tt.limit)
			}
			if tt.actual != "" && fmt.Sprint(got.Actual) != tt.actual {
				t.Errorf("got actual %v, want %s", got.Actual, tt.actual)
			}
			if !strings.Contains(got.Message, tt.mention) {
				t.Errorf("got message %q, want it to mention %q", got.Message, tt.mention)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	ten := make([]pregonero.MediaBlob, 10)
	for i := range ten {
		ten[i] = jpegOf(1080, 1080)
	}
	ten[3] = video("video/mp4", 30_000)
	tests := map[string]pregonero.Content{
		"single JPEG at 4:5":             {Text: "hola", Media: []pregonero.MediaBlob{jpegOf(1080, 1350)}},
		"single JPEG at 1.91:1":          {Text: "hola", Media: []pregonero.MediaBlob{jpegOf(1910, 1000)}},
		"JPEG of exactly 8 MiB":          {Text: "hola", Media: []pregonero.MediaBlob{media("image/jpeg", 8<<20, 1080, 1080)}},
		"caption of 2,200 characters":    {Text: strings.Repeat("ñ", 2200), Media: []pregonero.MediaBlob{jpegOf(1080, 1080)}},
		"30 hashtags and 20 mentions":    {Text: repeat(30, func(i int) string { return fmt.Sprintf("#t%d", i) }) + " " + repeat(20, func(i int) string { return fmt.Sprintf("@u_%d", i) }), Media: []pregonero.MediaBlob{jpegOf(1080, 1080)}},
		"e-mail addresses and anchors":   {Text: repeat(25, func(i int) string { return fmt.Sprintf("a%d@antioquia.gov.co x#%d", i, i) }), Media: []pregonero.MediaBlob{jpegOf(1080, 1080)}},
		"no caption":                     {Media: []pregonero.MediaBlob{jpegOf(1080, 1080)}},
		"carousel of ten with a video":   {Text: "hola", Media: ten},
		"single feed video":              {Text: "hola", Format: pregonero.FormatFeed, Media: []pregonero.MediaBlob{video("video/quicktime", 90_000)}},
		"reel of 15 min":                 {Text: "hola", Format: pregonero.FormatReel, Media: []pregonero.MediaBlob{video("video/mp4", 15*60_000)}},
		"reel of unknown duration":       {Text: "hola", Format: pregonero.FormatReel, Media: []pregonero.MediaBlob{video("video/mp4", 0)}},
		"story image at 9:16":            {Format: pregonero.FormatStory, Media: []pregonero.MediaBlob{jpegOf(1080, 1920)}},
		"story video of 60 s":            {Format: pregonero.FormatStory, Media: []pregonero.MediaBlob{video("video/mp4", 60_000)}},
		"link already in the text":       {Text: strings.Repeat("a", 2170) + " https://antioquia.gov.co", Link: "https://antioquia.gov.co", Media: []pregonero.MediaBlob{jpegOf(1080, 1080)}},
		"JPEG MIME with a parameter":     {Text: "hola", Media: []pregonero.MediaBlob{media("image/jpeg; q=1", 1000, 1080, 1080)}},
		"format spelled in capitals too": {Text: "hola", Format: "Reel", Media: []pregonero.MediaBlob{video("video/mp4", 10_000)}},
	}
	a := instagram.New(instagram.Config{Logger: discard})
	for name, c := range tests {
		t.Run(name, func(t *testing.T) {
			if errs := a.Validate(c, igAccount); len(errs) != 0 {
				t.Errorf("got errors %+v, want none", errs)
			}
		})
	}
}

func TestComposeCaption(t *testing.T) {
	tests := []struct {
		name string
		c    pregonero.Content
		want string
	}{
		{"text only", pregonero.Content{Text: "  Hola  "}, "Hola"},
		{"link appended", pregonero.Content{Text: "Hola", Link: "https://antioquia.gov.co"}, "Hola\n\nhttps://antioquia.gov.co"},
		{"link already there", pregonero.Content{Text: "Mira https://antioquia.gov.co hoy", Link: "https://antioquia.gov.co"}, "Mira https://antioquia.gov.co hoy"},
		{"link alone", pregonero.Content{Link: " https://antioquia.gov.co "}, "https://antioquia.gov.co"},
		{"nothing", pregonero.Content{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := instagram.ComposeCaption(tt.c); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCountTags(t *testing.T) {
	tests := []struct {
		caption            string
		hashtags, mentions int
	}{
		{"#uno #dos", 2, 0},
		{"#Medellín #añoNuevo #2026", 3, 0},
		{"@gobantioquia y @alcaldia.med", 0, 2},
		{"escribe a prensa@antioquia.gov.co", 0, 0},
		{"canal#3 y C# no son etiquetas", 0, 0},
		{"# suelto y @ suelto", 0, 0},
		{"(#entre) [@parentesis]", 1, 1},
		{"##doble", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.caption, func(t *testing.T) {
			h, m := instagram.CountTags(tt.caption)
			if h != tt.hashtags || m != tt.mentions {
				t.Errorf("got %d hashtags and %d mentions, want %d and %d", h, m, tt.hashtags, tt.mentions)
			}
		})
	}
}

// TestCountTagsAgreesWithFake checks that the Graph fake refuses a caption
// for too many hashtags or mentions exactly when CountTags finds too many,
// so that the fake cannot hide a counting mistake of Validate.
func TestCountTagsAgreesWithFake(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("tags")
	image := e.media.jpeg(t, 100, 80, "").URL
	for _, word := range []string{
		"#tag", "@user", "(#entre)", "[@parentesis]", "##doble", "#a#b", "@@x", "@.punto", "@_x",
		"prensa@antioquia.gov.co", "canal#3", "C#", "x_#y", "é#x", "#", "@", "#,", "@ñandú",
		"#ñandú", "#١٢", "#²", "¡#hola", "—@user",
	} {
		t.Run(word, func(t *testing.T) {
			caption := strings.TrimSpace(strings.Repeat(word+" ", instagram.MaxHashtags+1))
			h, m := instagram.CountTags(caption)
			adapterRefuses := h > instagram.MaxHashtags || m > instagram.MaxMentions
			q := url.Values{"image_url": {image}, "caption": {caption}, "access_token": {a.Credentials[graph.CredAccessToken]},
				"appsecret_proof": {fake.AppsecretProof(fake.DefaultAppSecret, a.Credentials[graph.CredAccessToken])}}
			res, err := (&http.Client{Timeout: 5 * time.Second}).PostForm(e.base+"/"+a.RemoteID+"/media", q)
			if err != nil {
				t.Fatalf("create container: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			fakeRefuses := res.StatusCode != http.StatusOK
			if fakeRefuses && !strings.Contains(string(body), "2207010") {
				t.Fatalf("got status %d %s from the fake, want a container or a caption error (2207010)", res.StatusCode, body)
			}
			if adapterRefuses != fakeRefuses {
				t.Errorf("got CountTags %d hashtags and %d mentions (refused: %t) but the fake refused: %t (%s)", h, m, adapterRefuses, fakeRefuses, body)
			}
		})
	}
}
