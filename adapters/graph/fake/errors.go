package fake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Error types Graph sends in error.type.
const (
	typeOAuth  = "OAuthException"
	typeMethod = "GraphMethodException"
	typeIG     = "IGApiException"
)

// gerr is a Graph error object. Status is the HTTP status it is sent
// with; Graph clients read the body, not the status.
type gerr struct {
	Status    int
	Code      int
	Subcode   int
	Type      string
	Message   string
	UserTitle string
	UserMsg   string
	Transient bool
	// Throttle makes the answer carry usage headers at 100 % with
	// estimated_time_to_regain_access.
	Throttle bool
}

// throttleCodes are the codes Graph sends when a caller is throttled.
var throttleCodes = map[int]bool{4: true, 17: true, 32: true, 613: true, 80001: true}

// knownErrors holds Graph's own texts for the codes (and code/subcode
// pairs) the fake sends or fault rules may ask for.
var knownErrors = map[[2]int]gerr{
	{1, 0}:        {Status: 500, Type: typeOAuth, Message: "An unknown error has occurred.", Transient: true},
	{2, 0}:        {Status: 500, Type: typeOAuth, Message: "An unexpected error has occurred. Please retry your request later.", Transient: true},
	{3, 0}:        {Status: 400, Type: typeOAuth, Message: "(#3) Application does not have the capability to make this API call."},
	{4, 0}:        {Status: 400, Type: typeOAuth, Message: "(#4) Application request limit reached", Transient: true},
	{10, 0}:       {Status: 403, Type: typeOAuth, Message: "(#10) Application does not have permission for this action"},
	{17, 0}:       {Status: 400, Type: typeOAuth, Message: "(#17) User request limit reached", Transient: true},
	{32, 0}:       {Status: 400, Type: typeOAuth, Message: "(#32) Page request limit reached", Transient: true},
	{100, 0}:      {Status: 400, Type: typeOAuth, Message: "(#100) Invalid parameter"},
	{102, 0}:      {Status: 400, Type: typeOAuth, Message: "Session key invalid or no longer valid"},
	{190, 0}:      {Status: 400, Type: typeOAuth, Message: "Invalid OAuth access token - Cannot parse access token"},
	{190, 458}:    {Status: 400, Type: typeOAuth, Message: "Error validating access token: The user has not authorized application " + DefaultAppID + "."},
	{190, 459}:    {Status: 400, Type: typeOAuth, Message: "Error validating access token: You cannot access the app till you log in to www.facebook.com and follow the instructions given."},
	{190, 460}:    {Status: 400, Type: typeOAuth, Message: "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons."},
	{190, 463}:    {Status: 400, Type: typeOAuth, Message: "Error validating access token: Session has expired."},
	{190, 464}:    {Status: 400, Type: typeOAuth, Message: "Error validating access token: Sessions for the user are not allowed because the user is not a confirmed user."},
	{190, 467}:    {Status: 400, Type: typeOAuth, Message: "Error validating access token: The session is invalid because the user logged out."},
	{200, 0}:      {Status: 403, Type: typeOAuth, Message: "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission"},
	{341, 0}:      {Status: 400, Type: typeOAuth, Message: "(#341) Application limit reached"},
	{368, 0}:      {Status: 400, Type: typeOAuth, Message: "(#368) The action attempted has been deemed abusive or is otherwise disallowed"},
	{506, 0}:      {Status: 400, Type: typeOAuth, Message: "(#506) Duplicate status message"},
	{613, 0}:      {Status: 400, Type: typeOAuth, Message: "(#613) Calls to this api have exceeded the rate limit.", Transient: true},
	{80001, 0}:    {Status: 400, Type: typeOAuth, Message: "(#80001) There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.", Transient: true},
	{1609005, 0}:  {Status: 400, Type: typeOAuth, Message: "(#1609005) Error Posting Link", UserTitle: "Error Posting Link", UserMsg: "There was a problem posting your link."},
	{324, 0}:      {Status: 400, Type: typeOAuth, Message: "(#324) Requires upload file"},
	{2635, 0}:     {Status: 400, Type: typeOAuth, Message: "(#2635) You are calling a deprecated version of the Graph API. Please update to the latest version: v25.0."},
	{-1, 2207001}: {Status: 500, Type: typeIG, Message: "An unexpected error has occurred. Please retry your request later.", UserTitle: "Server error", UserMsg: "An unexpected error occurred. Please try again later.", Transient: true},
	{-1, 2207032}: {Status: 400, Type: typeIG, Message: "Failed to create media, please try again.", UserTitle: "Failed to create media", UserMsg: "Failed to create media, please try to create the container again."},
	{-1, 2207053}: {Status: 400, Type: typeIG, Message: "An unknown upload error has occurred.", UserTitle: "Unknown upload error", UserMsg: "An unknown error occurred during upload. Please create a new container."},
	{-2, 2207003}: {Status: 400, Type: typeIG, Message: "The media could not be fetched in time.", UserTitle: "Timeout while downloading media", UserMsg: "It took too long to download the media.", Transient: true},
	{-2, 2207020}: {Status: 400, Type: typeIG, Message: "The media has expired.", UserTitle: "Media expired", UserMsg: "The media you are trying to publish has expired. Please try again with a new media."},
	{4, 2207051}:  {Status: 400, Type: typeIG, Message: "Application request limit reached", UserTitle: "Action is blocked", UserMsg: "We restrict certain activity to protect our community. Tell us if you think we made a mistake."},
	{9, 2207042}:  {Status: 400, Type: typeIG, Message: "Application request limit reached", UserTitle: "The maximum number of posts that were published has been reached.", UserMsg: "You reached maximum number of posts that is allowed to be published by Content Publishing API."},
	{9007, 2207027}: {Status: 400, Type: typeIG, Message: "Media ID is not available", UserTitle: "Media Not Ready For Publishing",
		UserMsg: "The media is not ready for publishing, please wait for a moment"},
	{9007, 2207020}: {Status: 400, Type: typeIG, Message: "Media ID is not available", UserTitle: "Media expired",
		UserMsg: "The media you are trying to publish has expired. Please try again with a new media."},
	{9004, 2207052}:  {Status: 400, Type: typeIG, Message: "Only photo or video can be accepted as media type.", UserTitle: "Media download has failed.", UserMsg: "The media could not be fetched from this URI."},
	{36000, 2207004}: {Status: 400, Type: typeIG, Message: "The image is too large.", UserTitle: "Image is too large", UserMsg: "The image is too large to download. It should be less than 8 MiB."},
	{36001, 2207005}: {Status: 400, Type: typeIG, Message: "The image format is not supported.", UserTitle: "Unsupported format", UserMsg: "The image format is not supported. Supported formats are: JPEG."},
	{36003, 2207009}: {Status: 400, Type: typeIG, Message: "The aspect ratio is not supported.", UserTitle: "Cannot publish this image", UserMsg: "The submitted image's aspect ratio cannot be published. Please submit an image with a valid aspect ratio."},
	{352, 2207026}:   {Status: 400, Type: typeIG, Message: "The video format is not supported.", UserTitle: "Unsupported video format", UserMsg: "The video format is not supported. Please check the specifications for supported formats."},
}

// known returns Graph's error for a code and subcode, with a generic
// text when the fake has none for it.
func known(code, subcode int) *gerr {
	e, ok := knownErrors[[2]int{code, subcode}]
	if !ok {
		e, ok = knownErrors[[2]int{code, 0}]
	}
	if !ok {
		e = gerr{Status: http.StatusBadRequest, Type: typeOAuth, Message: fmt.Sprintf("(#%d) An error occurred", code)}
		if subcode != 0 {
			e.Type = typeIG
		}
	}
	e.Code, e.Subcode = code, subcode
	if subcode != 0 && e.Type == typeOAuth && subcode >= 2207000 && subcode < 2208000 {
		e.Type = typeIG
	}
	e.Throttle = throttleCodes[code] && subcode != 2207051
	return &e
}

// invalidParam is code 100 with a message of the fake's choosing, the
// way Graph reports a missing or malformed parameter.
func invalidParam(format string, args ...any) *gerr {
	return &gerr{Status: http.StatusBadRequest, Code: 100, Type: typeOAuth, Message: "(#100) " + fmt.Sprintf(format, args...)}
}

// unsupported is Graph's answer for an id that does not exist or that the
// caller cannot see.
func unsupported(method, id string) *gerr {
	return &gerr{Status: http.StatusBadRequest, Code: 100, Subcode: 33, Type: typeMethod,
		Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", method, id)}
}

// unknownPath is Graph's answer for an edge it does not know.
func unknownPath(path string) *gerr {
	return &gerr{Status: http.StatusBadRequest, Code: 2500, Type: typeOAuth, Message: "Unknown path components: " + path}
}

// videoHostOnly is the refusal of a call other than a video upload on
// the video host (the fake's wording: Meta documents no answer for it).
func videoHostOnly(method, path string) *gerr {
	return &gerr{Status: http.StatusBadRequest, Code: 100, Type: typeMethod,
		Message: fmt.Sprintf("Unsupported %s request to %s: this host serves only video uploads (POST /{page-id}/videos); send other calls to graph.facebook.com.", strings.ToLower(method), path)}
}

// faultError is the error a fault rule of mode error answers: the rule's
// code and subcode, or one fitting its HTTP status.
func faultError(status, code, subcode int) *gerr {
	if code == 0 {
		switch {
		case status >= 500:
			code = 2
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			code = 190
		case status == http.StatusTooManyRequests:
			code = 4
		default:
			code = 100
		}
	}
	e := known(code, subcode)
	e.Status = status
	return e
}

type errorBody struct {
	Message   string `json:"message"`
	Type      string `json:"type"`
	Code      int    `json:"code"`
	Subcode   int    `json:"error_subcode,omitempty"`
	UserTitle string `json:"error_user_title,omitempty"`
	UserMsg   string `json:"error_user_msg,omitempty"`
	Transient bool   `json:"is_transient"`
	TraceID   string `json:"fbtrace_id"`
}

// nextTrace returns a fbtrace_id: opaque, distinct per answer and stable
// across runs.
func (f *Fake) nextTrace() string {
	f.mu.Lock()
	f.trace++
	n := f.trace
	f.mu.Unlock()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	b := []byte("A")
	x := n*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	for range 10 {
		b = append(b, alphabet[x%64])
		x /= 64
	}
	return string(b)
}

// writeJSON writes v with Graph's content type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b) // a failed write means the client hung up
}

// writeError answers a Graph error object.
func (f *Fake) writeError(w http.ResponseWriter, e *gerr) {
	if e.Code == 190 || e.Code == 102 {
		w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "invalid_token" "`+strings.ReplaceAll(e.Message, `"`, "'")+`"`)
	}
	writeJSON(w, e.Status, struct {
		Error errorBody `json:"error"`
	}{errorBody{e.Message, e.Type, e.Code, e.Subcode, e.UserTitle, e.UserMsg, e.Transient, f.nextTrace()}})
}
