package fake

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/adapters/fakenet"
	"pregonero/adapters/x/xtext"
)

// tweet is a post as the fake stores it.
type tweet struct {
	id        string
	num       uint64
	user      string
	text      string // as sent
	display   string // as X shows it on reads
	urls      []urlEntity
	createdAt time.Time
	media     []*media
}

// createRequest holds the fields of CreatePostsRequest that the fake acts
// on; the body is first checked whole against createPostsSchema.
type createRequest struct {
	Text  *string `json:"text"`
	Media *struct {
		MediaIDs []string `json:"media_ids"`
	} `json:"media"`
}

var numericID = regexp.MustCompile(`^[0-9]{1,19}$`)

// maxJSONBody bounds JSON request bodies; X's are a few kilobytes.
const maxJSONBody = 1 << 20

// decodeJSON decodes a JSON body strictly: unknown fields and trailing data
// are errors, as with additionalProperties:false.
func decodeJSON(r *http.Request, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return fmt.Errorf("content type must be application/json, not %q", r.Header.Get("Content-Type"))
	}
	b, err := readBody(r, maxJSONBody)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// decodeChecked reads a JSON body, checks it against s and decodes it
// into v; false means the error answer was written.
func decodeChecked(w http.ResponseWriter, r *http.Request, s *schema, v any) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeInvalid(w, "", nil, "Requests with bodies must have content-type of application/json.")
		return false
	}
	b, err := readBody(r, maxJSONBody)
	if err != nil {
		writeInvalid(w, "", nil, "Invalid request body: "+err.Error())
		return false
	}
	doc, err := decodeValue(b)
	if err != nil {
		writeInvalid(w, "", nil, "Invalid request body: "+err.Error())
		return false
	}
	if errs := s.validate("$", doc); len(errs) > 0 {
		writeSchemaErrors(w, errs)
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		writeInvalid(w, "", nil, "Invalid request body: "+err.Error())
		return false
	}
	return true
}

func (f *Fake) handleCreate(w http.ResponseWriter, r *http.Request, user string) {
	var req createRequest
	if !decodeChecked(w, r, createPostsSchema, &req) {
		return
	}
	text := ""
	if req.Text != nil {
		text = *req.Text
	}
	var ids []string
	if req.Media != nil {
		ids = req.Media.MediaIDs
	}
	if text == "" && len(ids) == 0 {
		writeInvalid(w, "", nil, "$.text: text or media is required")
		return
	}
	if text != "" {
		if res := xtext.Parse(text); res.WeightedLength > xtext.MaxWeightedLength {
			writeProblem(w, http.StatusBadRequest, detailTooLong)
			return
		}
	}
	now := f.now()
	f.mu.Lock()
	// The daily limits are checked and spent under f.mu so that two
	// concurrent posts cannot both take the last one.
	u24 := f.windows.Peek(user+" tweets/24h", f.limits.UserPosts24h, 24*time.Hour, now)
	app24 := f.windows.Peek("app tweets/24h", f.limits.AppPosts24h, 24*time.Hour, now)
	if u24.Remaining == 0 || app24.Remaining == 0 {
		f.mu.Unlock()
		setDailyHeaders(w, u24, app24)
		writeTooMany(w)
		return
	}
	attached, msg := f.attachableLocked(user, ids, now)
	if msg != "" {
		f.mu.Unlock()
		writeInvalid(w, "media.media_ids", ids, msg)
		return
	}
	if text != "" {
		for _, t := range f.byUser[user] {
			if t.text == text {
				f.mu.Unlock()
				writeProblemJSON(w, http.StatusForbidden, duplicateProblem{detailDuplicate, "about:blank", "Forbidden", http.StatusForbidden})
				return
			}
		}
	}
	id := f.nextID(now)
	num, _ := strconv.ParseUint(id, 10, 64)
	t := &tweet{id: id, num: num, user: user, text: text, createdAt: now, media: attached}
	t.display, t.urls = renderText(id, user, text, attached)
	post := fakenet.Post{Network: Network, Account: user, RemoteID: id, Text: text, CreatedAt: now}
	for _, m := range attached {
		post.Media = append(post.Media, fakenet.PostMedia{ID: m.id, Type: m.mediaType, AltText: m.altText, Size: m.total})
	}
	if err := f.ledger.Add(post); err != nil {
		f.mu.Unlock()
		f.log.Error("record post", pregonero.LogErr, err)
		writeProblem(w, http.StatusInternalServerError, "")
		return
	}
	f.tweets[id] = t
	f.byUser[user] = append(f.byUser[user], t)
	u24, _ = f.windows.Take(user+" tweets/24h", f.limits.UserPosts24h, 24*time.Hour, now)
	app24, _ = f.windows.Take("app tweets/24h", f.limits.AppPosts24h, 24*time.Hour, now)
	f.mu.Unlock()

	setDailyHeaders(w, u24, app24)
	f.log.Debug("post created", pregonero.LogUser, user, pregonero.LogRemoteID, id)
	writeJSON(w, http.StatusCreated, struct {
		Data tweetJSON `json:"data"`
	}{tweetJSON{ID: id, Text: t.display, EditHistoryTweetIDs: []string{id}}})
}

func setDailyHeaders(w http.ResponseWriter, user, app fakenet.Quota) {
	h := w.Header()
	h.Set("x-user-limit-24hour-limit", strconv.Itoa(user.Limit))
	h.Set("x-user-limit-24hour-remaining", strconv.Itoa(user.Remaining))
	h.Set("x-user-limit-24hour-reset", strconv.FormatInt(user.Reset.Unix(), 10))
	h.Set("x-app-limit-24hour-limit", strconv.Itoa(app.Limit))
	h.Set("x-app-limit-24hour-remaining", strconv.Itoa(app.Remaining))
	h.Set("x-app-limit-24hour-reset", strconv.FormatInt(app.Reset.Unix(), 10))
}

// attachableLocked resolves media ids for a post by user and checks X's
// rules: each exists, is the user's, is processed and unexpired, and the
// set is up to 4 images, or 1 GIF, or 1 video. It returns a message for
// the first broken rule. Callers hold f.mu.
func (f *Fake) attachableLocked(user string, ids []string, now time.Time) ([]*media, string) {
	var out []*media
	var images, gifs, videos int
	for _, id := range ids {
		m := f.media[id]
		switch {
		case m == nil || !m.usableBy(user) || !now.Before(m.expires):
			// An expired upload is forgotten: X cannot tell it from one
			// that never existed.
			return nil, "Your media IDs are invalid."
		case !m.finalized:
			return nil, fmt.Sprintf("Media %s was not finalized.", id)
		case slices.Contains(out, m):
			return nil, fmt.Sprintf("Media %s is attached twice.", id)
		}
		switch st := m.state(now); st {
		case "", stateSucceeded:
		case stateFailed:
			return nil, fmt.Sprintf("Media %s failed processing and cannot be attached.", id)
		default:
			return nil, fmt.Sprintf("Media %s is still processing (state %s).", id, st)
		}
		switch m.kind() {
		case kindImage:
			images++
		case kindGIF:
			gifs++
		case kindVideo:
			videos++
		default:
			return nil, fmt.Sprintf("Media %s of category %s cannot be attached to a post.", id, m.category)
		}
		out = append(out, m)
	}
	if (gifs > 0 || videos > 0) && len(out) > 1 {
		return nil, "A post may carry up to 4 images, or 1 GIF, or 1 video, not a mix."
	}
	return out, ""
}

var (
	htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
)

// renderText is the text X returns on reads: each link wrapped as
// https://t.co/<10 chars>, one more t.co link appended for the media, and
// &, < and > escaped as HTML entities. It also returns the url entities
// (tweet.fields=entities) that map each t.co link back to the link as
// posted; the media link carries the media key, as on X.
func renderText(id, user, text string, attached []*media) (string, []urlEntity) {
	var b strings.Builder
	var ents []urlEntity
	add := func(link, expanded, display, mediaKey string) {
		start := utf8.RuneCountInString(b.String())
		b.WriteString(link)
		ents = append(ents, urlEntity{Start: start, End: start + utf8.RuneCountInString(link), URL: link,
			ExpandedURL: expanded, DisplayURL: display, MediaKey: mediaKey})
	}
	// Links are found as X finds them (twitter-text), with or without a
	// scheme; X expands a scheme-less one with http://.
	last := 0
	for n, u := range xtext.ExtractURLs(text) {
		if u.Start < last || u.End > len(text) || u.Start >= u.End {
			continue
		}
		b.WriteString(htmlEscaper.Replace(text[last:u.Start]))
		orig := text[u.Start:u.End]
		expanded, display := orig, orig
		if i := strings.Index(orig, "://"); i >= 0 {
			display = orig[i+3:]
		} else {
			expanded = "http://" + orig
		}
		add(tco(id, strconv.Itoa(n)), expanded, display, "")
		last = u.End
	}
	b.WriteString(htmlEscaper.Replace(text[last:]))
	if len(attached) > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		kind := "photo"
		if attached[0].kind() == kindVideo {
			kind = "video"
		}
		add(tco(id, "media"), "https://x.com/"+user+"/status/"+id+"/"+kind+"/1", "pic.x.com/"+tco(id, "media")[len("https://t.co/"):], attached[0].key)
	}
	return b.String(), ents
}

// urlEntity is one entry of entities.urls.
type urlEntity struct {
	Start       int    `json:"start"`
	End         int    `json:"end"`
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url"`
	DisplayURL  string `json:"display_url"`
	MediaKey    string `json:"media_key,omitempty"`
}

type entitiesJSON struct {
	URLs []urlEntity `json:"urls"`
}

// tco returns a stable t.co link for one link of one post.
func tco(id, which string) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	sum := sha256.Sum256([]byte(id + "/" + which))
	code := make([]byte, 10)
	for i := range code {
		code[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return "https://t.co/" + string(code)
}

func (f *Fake) handleDelete(w http.ResponseWriter, r *http.Request, user string) {
	id := r.PathValue("id")
	if !numericID.MatchString(id) {
		writeInvalid(w, "id", []string{id}, fmt.Sprintf("The `id` query parameter value [%s] is not valid", id))
		return
	}
	f.mu.Lock()
	t := f.tweets[id]
	switch {
	case t == nil:
		f.mu.Unlock()
		writeProblemJSON(w, http.StatusNotFound, problem{Title: "Not Found Error", Type: typeNotFound, Status: http.StatusNotFound,
			Detail: "Could not find tweet with id: [" + id + "]."})
		return
	case t.user != user:
		f.mu.Unlock()
		writeProblem(w, http.StatusForbidden, "You are not allowed to delete a Tweet you did not create.")
		return
	}
	delete(f.tweets, id)
	f.byUser[user] = slices.DeleteFunc(f.byUser[user], func(x *tweet) bool { return x == t })
	f.ledger.Delete(Network, id)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Data struct {
			Deleted bool `json:"deleted"`
		} `json:"data"`
	}{struct {
		Deleted bool `json:"deleted"`
	}{true}})
}

// Field values X accepts; the fake fills the ones it models and leaves
// the others out, as X does for data a post does not have.
var (
	tweetFields = []string{"article", "attachments", "author_id", "card_uri", "community_id", "context_annotations",
		"conversation_id", "created_at", "display_text_range", "edit_controls", "edit_history_tweet_ids", "entities",
		"geo", "id", "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics", "note_tweet",
		"organic_metrics", "possibly_sensitive", "promoted_metrics", "public_metrics", "referenced_tweets",
		"reply_settings", "scopes", "source", "text", "withheld"}
	expansionValues = []string{"article.cover_media", "article.media_entities", "attachments.media_keys",
		"attachments.media_source_tweet", "attachments.poll_ids", "author_id", "edit_history_tweet_ids",
		"entities.mentions.username", "geo.place_id", "in_reply_to_user_id", "entities.note.mentions.username",
		"referenced_tweets.id", "referenced_tweets.id.author_id"}
	mediaFields = []string{"alt_text", "duration_ms", "height", "media_key", "non_public_metrics", "organic_metrics",
		"preview_image_url", "promoted_metrics", "public_metrics", "type", "url", "variants", "width"}
	userFields = []string{"affiliation", "connection_status", "created_at", "description", "entities", "id", "location",
		"most_recent_tweet_id", "name", "pinned_tweet_id", "profile_banner_url", "profile_image_url", "protected",
		"public_metrics", "receives_your_dm", "subscription_type", "url", "username", "verified", "verified_type", "withheld"}
	placeFields = []string{"contained_within", "country", "country_code", "full_name", "geo", "id", "name", "place_type"}
	pollFields  = []string{"duration_minutes", "end_datetime", "id", "options", "voting_status"}
)

// fieldSet is the parsed *.fields and expansions parameters of a read.
type fieldSet struct {
	tweet, expansions, media map[string]bool
}

// parseFields validates the field parameters; false means an error answer
// was written.
func parseFields(w http.ResponseWriter, q map[string][]string) (fieldSet, bool) {
	parse := func(param string, allowed []string) (map[string]bool, bool) {
		set := map[string]bool{}
		for _, raw := range q[param] {
			for v := range strings.SplitSeq(raw, ",") {
				if !slices.Contains(allowed, v) {
					writeInvalid(w, param, []string{raw}, fmt.Sprintf("The `%s` query parameter value [%s] is not one of %s", param, v, quoteList(allowed)))
					return nil, false
				}
				set[v] = true
			}
		}
		return set, true
	}
	var fs fieldSet
	var ok bool
	if fs.tweet, ok = parse("tweet.fields", tweetFields); !ok {
		return fs, false
	}
	if fs.expansions, ok = parse("expansions", expansionValues); !ok {
		return fs, false
	}
	if fs.media, ok = parse("media.fields", mediaFields); !ok {
		return fs, false
	}
	for _, p := range []struct {
		name    string
		allowed []string
	}{{"user.fields", userFields}, {"place.fields", placeFields}, {"poll.fields", pollFields}} {
		if _, ok = parse(p.name, p.allowed); !ok {
			return fs, false
		}
	}
	return fs, true
}

type tweetJSON struct {
	ID                  string         `json:"id"`
	Text                string         `json:"text"`
	EditHistoryTweetIDs []string       `json:"edit_history_tweet_ids"`
	AuthorID            string         `json:"author_id,omitempty"`
	ConversationID      string         `json:"conversation_id,omitempty"`
	CreatedAt           string         `json:"created_at,omitempty"`
	Attachments         *attachments   `json:"attachments,omitempty"`
	PublicMetrics       *publicMetrics `json:"public_metrics,omitempty"`
	NonPublicMetrics    *privMetrics   `json:"non_public_metrics,omitempty"`
	OrganicMetrics      *organic       `json:"organic_metrics,omitempty"`
	Entities            *entitiesJSON  `json:"entities,omitempty"`
}

type attachments struct {
	MediaKeys []string `json:"media_keys"`
}

type publicMetrics struct {
	RetweetCount    int64 `json:"retweet_count"`
	ReplyCount      int64 `json:"reply_count"`
	LikeCount       int64 `json:"like_count"`
	QuoteCount      int64 `json:"quote_count"`
	BookmarkCount   int64 `json:"bookmark_count"`
	ImpressionCount int64 `json:"impression_count"`
}

type privMetrics struct {
	ImpressionCount   int64 `json:"impression_count"`
	URLLinkClicks     int64 `json:"url_link_clicks"`
	UserProfileClicks int64 `json:"user_profile_clicks"`
	Engagements       int64 `json:"engagements"`
}

type organic struct {
	ImpressionCount   int64 `json:"impression_count"`
	LikeCount         int64 `json:"like_count"`
	ReplyCount        int64 `json:"reply_count"`
	RetweetCount      int64 `json:"retweet_count"`
	URLLinkClicks     int64 `json:"url_link_clicks"`
	UserProfileClicks int64 `json:"user_profile_clicks"`
}

type mediaJSON struct {
	MediaKey      string            `json:"media_key"`
	Type          string            `json:"type"`
	AltText       string            `json:"alt_text,omitempty"`
	PublicMetrics *mediaPublicStats `json:"public_metrics,omitempty"`
}

type mediaPublicStats struct {
	ViewCount int64 `json:"view_count"`
}

type includes struct {
	Media []mediaJSON `json:"media,omitempty"`
	Users []userJSON  `json:"users,omitempty"`
}

// engagement is synthetic and grows with the post's age: a per-post rate
// of impressions per minute from which the other counts derive, so
// metrics collection sees numbers that rise between two snapshots.
func engagement(t *tweet, now time.Time) (impressions int64) {
	minutes := int64(now.Sub(t.createdAt) / time.Minute)
	if minutes <= 0 {
		return 0
	}
	sum := sha256.Sum256([]byte(t.id))
	rate := 1 + int64(binary.BigEndian.Uint16(sum[:2])%10)
	return minutes * rate
}

// privateMetricsWindow is how long X serves non-public and organic
// metrics after a post is created.
const privateMetricsWindow = 30 * 24 * time.Hour

// privateSubfields are the counts of the metrics only the author sees.
var privateSubfields = map[string][]string{
	"non_public_metrics": {"impression_count", "url_link_clicks", "user_profile_clicks", "engagements"},
	"organic_metrics":    {"impression_count", "like_count", "reply_count", "retweet_count", "url_link_clicks", "user_profile_clicks"},
}

// render builds the read form of a post for the requesting user, with
// field-level errors for metrics the user may not see; param is the
// request parameter that named the post (id, ids), which those errors cite.
func (f *Fake) render(t *tweet, fs fieldSet, viewer, param string, now time.Time) (tweetJSON, []apiError) {
	out := tweetJSON{ID: t.id, Text: t.display, EditHistoryTweetIDs: []string{t.id}}
	if fs.tweet["author_id"] {
		out.AuthorID = UserID(t.user)
	}
	if fs.tweet["conversation_id"] {
		out.ConversationID = t.id
	}
	if fs.tweet["created_at"] {
		out.CreatedAt = t.createdAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if fs.tweet["entities"] && len(t.urls) > 0 {
		out.Entities = &entitiesJSON{URLs: t.urls}
	}
	if (fs.tweet["attachments"] || fs.expansions["attachments.media_keys"]) && len(t.media) > 0 {
		a := &attachments{}
		for _, m := range t.media {
			a.MediaKeys = append(a.MediaKeys, m.key)
		}
		out.Attachments = a
	}
	imp := engagement(t, now)
	if fs.tweet["public_metrics"] {
		out.PublicMetrics = &publicMetrics{RetweetCount: imp / 100, ReplyCount: imp / 150, LikeCount: imp / 20,
			QuoteCount: imp / 400, BookmarkCount: imp / 250, ImpressionCount: imp}
	}
	var errs []apiError
	private := viewer == t.user && now.Sub(t.createdAt) < privateMetricsWindow
	for _, field := range []string{"non_public_metrics", "organic_metrics"} {
		if !fs.tweet[field] {
			continue
		}
		if !private {
			// X names each withheld sub-field and the parameter that
			// named the post.
			for _, sub := range privateSubfields[field] {
				name := field + "." + sub
				errs = append(errs, apiError{Value: t.id,
					Detail: fmt.Sprintf("Sorry, you are not authorized to access '%s' on the Tweet with %s : [%s].", name, param, t.id),
					Title:  "Field Authorization Error", ResourceType: "tweet", Field: name, Parameter: param,
					ResourceID: t.id, Section: "data", Type: typeNotAuthorizedForField})
			}
			continue
		}
		if field == "non_public_metrics" {
			out.NonPublicMetrics = &privMetrics{ImpressionCount: imp, URLLinkClicks: imp / 50, UserProfileClicks: imp / 80, Engagements: imp / 10}
		} else {
			out.OrganicMetrics = &organic{ImpressionCount: imp, LikeCount: imp / 20, ReplyCount: imp / 150, RetweetCount: imp / 100,
				URLLinkClicks: imp / 50, UserProfileClicks: imp / 80}
		}
	}
	return out, errs
}

// includesFor builds the includes object for the expansions asked for.
func (f *Fake) includesFor(ts []*tweet, fs fieldSet, now time.Time) *includes {
	inc := &includes{}
	seenUser := map[string]bool{}
	for _, t := range ts {
		if fs.expansions["attachments.media_keys"] {
			for _, m := range t.media {
				mj := mediaJSON{MediaKey: m.key, Type: m.xType()}
				if fs.media["alt_text"] {
					mj.AltText = m.altText
				}
				if fs.media["public_metrics"] && m.kind() == kindVideo {
					mj.PublicMetrics = &mediaPublicStats{ViewCount: engagement(t, now) / 3}
				}
				inc.Media = append(inc.Media, mj)
			}
		}
		if fs.expansions["author_id"] && !seenUser[t.user] {
			seenUser[t.user] = true
			inc.Users = append(inc.Users, userJSON{ID: UserID(t.user), Name: t.user, Username: t.user})
		}
	}
	if len(inc.Media) == 0 && len(inc.Users) == 0 {
		return nil
	}
	return inc
}

var readParams = []string{"tweet.fields", "expansions", "media.fields", "user.fields", "place.fields", "poll.fields"}

func (f *Fake) handleLookupOne(w http.ResponseWriter, r *http.Request, user string) {
	q := r.URL.Query()
	if !checkParams(w, q, readParams...) {
		return
	}
	fs, ok := parseFields(w, q)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !numericID.MatchString(id) {
		writeInvalid(w, "id", []string{id}, fmt.Sprintf("The `id` query parameter value [%s] is not valid", id))
		return
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tweets[id]
	if t == nil {
		// X answers a missing post with 200 and a resource-not-found
		// entry instead of data.
		writeJSON(w, http.StatusOK, struct {
			Errors []apiError `json:"errors"`
		}{[]apiError{notFoundError("tweet", "id", id)}})
		return
	}
	data, errs := f.render(t, fs, user, "id", now)
	writeJSON(w, http.StatusOK, struct {
		Data     tweetJSON  `json:"data"`
		Includes *includes  `json:"includes,omitempty"`
		Errors   []apiError `json:"errors,omitempty"`
	}{data, f.includesFor([]*tweet{t}, fs, now), errs})
}

func (f *Fake) handleLookupMany(w http.ResponseWriter, r *http.Request, user string) {
	q := r.URL.Query()
	if !checkParams(w, q, append([]string{"ids"}, readParams...)...) {
		return
	}
	fs, ok := parseFields(w, q)
	if !ok {
		return
	}
	raw := q.Get("ids")
	if raw == "" {
		writeInvalid(w, "ids", []string{}, "The `ids` query parameter can not be empty")
		return
	}
	ids := strings.Split(raw, ",")
	if len(ids) > 100 {
		writeInvalid(w, "ids", []string{raw}, fmt.Sprintf("The number of values in the `ids` query parameter list [%d] is not between 1 and 100", len(ids)))
		return
	}
	for _, id := range ids {
		if !numericID.MatchString(id) {
			writeInvalid(w, "ids", []string{raw}, fmt.Sprintf("The `ids` query parameter value [%s] is not valid", id))
			return
		}
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	var data []tweetJSON
	var found []*tweet
	var errs []apiError
	for _, id := range ids {
		t := f.tweets[id]
		if t == nil {
			errs = append(errs, notFoundError("tweet", "ids", id))
			continue
		}
		d, e := f.render(t, fs, user, "ids", now)
		data = append(data, d)
		found = append(found, t)
		errs = append(errs, e...)
	}
	writeJSON(w, http.StatusOK, struct {
		Data     []tweetJSON `json:"data,omitempty"`
		Includes *includes   `json:"includes,omitempty"`
		Errors   []apiError  `json:"errors,omitempty"`
	}{data, f.includesFor(found, fs, now), errs})
}

// timeFloor is the earliest start_time X accepts.
var timeFloor = time.Date(2010, 11, 6, 0, 0, 0, 0, time.UTC)

func (f *Fake) handleTimeline(w http.ResponseWriter, r *http.Request, user string) {
	q := r.URL.Query()
	if !checkParams(w, q, append([]string{"start_time", "end_time", "since_id", "until_id", "max_results",
		"pagination_token", "exclude"}, readParams...)...) {
		return
	}
	fs, ok := parseFields(w, q)
	if !ok {
		return
	}
	uid := r.PathValue("id")
	if !numericID.MatchString(uid) {
		writeInvalid(w, "id", []string{uid}, fmt.Sprintf("The `id` query parameter value [%s] is not valid", uid))
		return
	}
	maxResults := 10
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 100 {
			writeInvalid(w, "max_results", []string{v}, fmt.Sprintf("The `max_results` query parameter value [%s] is not between 5 and 100", v))
			return
		}
		maxResults = n
	}
	var start, end time.Time
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"start_time", &start}, {"end_time", &end}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil || t.Before(timeFloor) {
			writeInvalid(w, p.name, []string{v}, fmt.Sprintf("Invalid '%s':'%s'. '%s' must be a valid RFC 3339 timestamp not before 2010-11-06T00:00:00Z.", p.name, v, p.name))
			return
		}
		*p.dst = t.UTC().Truncate(time.Second)
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		writeInvalid(w, "end_time", []string{q.Get("end_time")}, "Invalid 'end_time': 'end_time' must be on or after 'start_time'.")
		return
	}
	var since, until uint64
	for _, p := range []struct {
		name string
		dst  *uint64
	}{{"since_id", &since}, {"until_id", &until}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || !numericID.MatchString(v) {
			writeInvalid(w, p.name, []string{v}, fmt.Sprintf("The `%s` query parameter value [%s] is not valid", p.name, v))
			return
		}
		*p.dst = n
	}
	if v := q.Get("exclude"); v != "" {
		for e := range strings.SplitSeq(v, ",") {
			if e != "replies" && e != "retweets" {
				writeInvalid(w, "exclude", []string{v}, fmt.Sprintf("The `exclude` query parameter value [%s] is not one of [replies,retweets]", e))
				return
			}
		}
	}
	var cursor uint64
	if tok := q.Get("pagination_token"); tok != "" {
		n, ok := decodePageToken(tok)
		if !ok {
			writeInvalid(w, "pagination_token", []string{tok}, fmt.Sprintf("The `pagination_token` query parameter value [%s] is not valid", tok))
			return
		}
		cursor = n
	}
	owner, known := f.userName(uid)
	if !known {
		writeJSON(w, http.StatusOK, struct {
			Errors []apiError `json:"errors"`
		}{[]apiError{notFoundError("user", "id", uid)}})
		return
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	posts := f.byUser[owner]
	var page []*tweet
	more := false
	// Newest first; a page resumes below the last id of the previous one.
scan:
	for i := len(posts) - 1; i >= 0; i-- {
		t := posts[i]
		sec := t.createdAt.UTC().Truncate(time.Second)
		switch {
		case cursor != 0 && t.num >= cursor,
			until != 0 && t.num >= until,
			since != 0 && t.num <= since,
			!end.IsZero() && sec.After(end),
			!start.IsZero() && sec.Before(start):
			continue
		case len(page) == maxResults:
			more = true
			break scan
		}
		page = append(page, t)
	}
	type meta struct {
		ResultCount int    `json:"result_count"`
		NewestID    string `json:"newest_id,omitempty"`
		OldestID    string `json:"oldest_id,omitempty"`
		NextToken   string `json:"next_token,omitempty"`
	}
	m := meta{ResultCount: len(page)}
	var data []tweetJSON
	var errs []apiError
	for _, t := range page {
		d, e := f.render(t, fs, user, "id", now)
		data = append(data, d)
		errs = append(errs, e...)
	}
	if len(page) > 0 {
		m.NewestID, m.OldestID = page[0].id, page[len(page)-1].id
		if more {
			m.NextToken = encodePageToken(page[len(page)-1].num)
		}
	}
	writeJSON(w, http.StatusOK, struct {
		Data     []tweetJSON `json:"data,omitempty"`
		Includes *includes   `json:"includes,omitempty"`
		Errors   []apiError  `json:"errors,omitempty"`
		Meta     meta        `json:"meta"`
	}{data, f.includesFor(page, fs, now), errs, m})
}

// Pagination tokens are opaque to clients; the fake's carry the id below
// which the next page starts.
func encodePageToken(n uint64) string { return "7140dib" + strconv.FormatUint(n, 36) }

func decodePageToken(s string) (uint64, bool) {
	rest, ok := strings.CutPrefix(s, "7140dib")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(rest, 36, 64)
	return n, err == nil && n > 0
}
