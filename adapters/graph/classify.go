package graph

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	fb "github.com/huandu/facebook/v2"

	"pregonero"
)

// Op says what a failed request was, which decides how a lost answer is
// classified.
type Op int

// Request kinds.
const (
	// OpRead is a read: failures never leave anything published.
	OpRead Op = iota
	// OpPrepare is a write that publishes nothing (unpublished photo, IG
	// container): a lost answer is retryable.
	OpPrepare
	// OpCreate is a write that publishes (feed post, published photo,
	// video, media_publish): a lost answer, a 5xx, a transient error after
	// the request was written leave the outcome unknown.
	OpCreate
)

// Throttling fallbacks of Classify.
const (
	// DefaultRegain is the wait after a throttling error whose usage
	// headers give no estimated_time_to_regain_access.
	DefaultRegain = 15 * time.Minute
	// MinRegain is the shortest wait after a throttling error.
	MinRegain = time.Minute
	// DefaultPublishLimitWait is the wait after Instagram's 24-hour
	// publishing limit (9/2207042) when the caller knows no better.
	DefaultPublishLimitWait = time.Hour
)

// Graph error codes and subcodes Classify tells apart, which the adapters
// also act on themselves.
const (
	// CodeUnknown is an unknown error, possibly temporary.
	CodeUnknown = 1
	// CodeService is a temporary service error.
	CodeService = 2
	// CodeCapability says the app lacks the capability for the call.
	CodeCapability = 3
	// CodeAppRateLimit is the app's request limit.
	CodeAppRateLimit = 4
	// CodePublishLimit is Instagram's publishing limit, with
	// SubcodePublishLimit.
	CodePublishLimit = 9
	// CodePermission is a missing permission (200–299 as well).
	CodePermission = 10
	// CodeUserRateLimit is the user's request limit.
	CodeUserRateLimit = 17
	// CodePageRateLimit is the page's request limit.
	CodePageRateLimit = 32
	// CodeInvalidParam is an invalid parameter.
	CodeInvalidParam = 100
	// CodeSession is a session that is no longer valid.
	CodeSession = 102
	// CodeToken is an invalid or expired access token.
	CodeToken = 190
	// CodeAppLimit is the app's call limit.
	CodeAppLimit = 341
	// CodePolicyBlock is a temporary block for a policy reason.
	CodePolicyBlock = 368
	// CodeDuplicate is a duplicate post.
	CodeDuplicate = 506
	// CodeCallsPerHour is the calls-per-hour limit.
	CodeCallsPerHour = 613
	// CodeNotReady is Instagram media that is not ready to be published.
	CodeNotReady = 9007
	// SubcodeSpamRestricted is an account restricted as suspected spam
	// (with CodeAppRateLimit).
	SubcodeSpamRestricted = 2207051
	// SubcodePublishLimit is Instagram's 24-hour publishing limit.
	SubcodePublishLimit = 2207042
	// SubcodeServerError is a temporary Instagram server error.
	SubcodeServerError = 2207001
	// SubcodeDownloadTimeout is Meta timing out fetching the media.
	SubcodeDownloadTimeout = 2207003
	// SubcodeNotReady is an Instagram container not ready to be
	// published.
	SubcodeNotReady = 2207027
	// SubcodeContainerExpired is an Instagram container that expired
	// unpublished.
	SubcodeContainerExpired = 2207020
	// SubcodeCreateFailed is an Instagram container that could not be
	// created.
	SubcodeCreateFailed = 2207032
	// SubcodeUploadUnknown is an Instagram media upload that failed for
	// an unknown reason.
	SubcodeUploadUnknown = 2207053
)

// Error is a Graph error object as the network sent it.
type Error struct {
	Code, Subcode                                  int
	Type, Message, UserTitle, UserMessage, TraceID string
	Transient                                      bool
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("graph error %d/%d: %s", e.Code, e.Subcode, e.Message)
}

// AsError extracts the Graph error from err (huandu's *fb.Error), if any.
func AsError(err error) (*Error, bool) {
	var fe *fb.Error
	if err == nil || !errors.As(err, &fe) {
		return nil, false
	}
	return &Error{
		Code: fe.Code, Subcode: fe.ErrorSubcode,
		Type: fe.Type, Message: fe.Message,
		UserTitle: fe.UserTitle, UserMessage: fe.UserMessage,
		TraceID: fe.TraceID, Transient: fe.IsTransient,
	}, true
}

// Usage is what the usage headers of a response said (values are % of
// quota).
type Usage struct {
	AppCallCount, AppCPU, AppTime    int // X-App-Usage
	PageCallCount, PageCPU, PageTime int // X-Page-Usage
	// BUCMax is the highest call_count/total_cputime/total_time over the
	// X-Business-Use-Case-Usage entries.
	BUCMax int
	// RegainAfter is the largest estimated_time_to_regain_access (minutes)
	// over the X-Business-Use-Case-Usage entries.
	RegainAfter time.Duration
}

// Max returns the highest percentage of any quota the headers reported.
func (u Usage) Max() int {
	return max(u.AppCallCount, u.AppCPU, u.AppTime, u.PageCallCount, u.PageCPU, u.PageTime, u.BUCMax)
}

// ThrottleWait returns how long calls wait once throttled: RegainAfter,
// DefaultRegain when the headers gave no estimate, and never less than
// MinRegain, so that a throttled account is not called again at once.
func (u Usage) ThrottleWait() time.Duration {
	wait := u.RegainAfter
	if wait <= 0 {
		wait = DefaultRegain
	}
	return max(wait, MinRegain)
}

// UsageOf reads the usage headers huandu kept with a result; a nil result
// or one without headers gives the zero Usage.
func UsageOf(res fb.Result) Usage {
	if res == nil {
		return Usage{}
	}
	ui := res.UsageInfo()
	if ui == nil {
		return Usage{}
	}
	u := Usage{
		AppCallCount: ui.App.CallCount, AppCPU: ui.App.TotalCPUTime, AppTime: ui.App.TotalTime,
		PageCallCount: ui.Page.CallCount, PageCPU: ui.Page.TotalCPUTime, PageTime: ui.Page.TotalTime,
	}
	for _, entries := range ui.BusinessUseCase {
		for _, e := range entries {
			if e == nil {
				continue
			}
			u.BUCMax = max(u.BUCMax, e.CallCount, e.TotalCPUTime, e.TotalTime)
			u.RegainAfter = max(u.RegainAfter, time.Duration(e.EstimatedTimeToRegainAccess)*time.Minute)
		}
	}
	return u
}

// permissionRE finds a permission name in a Graph message such as "(#200)
// Requires pages_manage_posts permission".
var permissionRE = regexp.MustCompile(`\b(pages_[a-z_]+|instagram_[a-z_]+|publish_video|read_insights|business_management|ads_[a-z_]+)\b`)

// Classify turns a failure of one request into a *pregonero.PublishError
// following the error codes and subcodes Meta documents for the Graph API
// and for Instagram content publishing (see the Code and Subcode
// constants). network is
// "Facebook" or "Instagram" for messages; Code values are stable machine
// codes prefixed "facebook_" or "instagram_". res may be nil. now is the
// adapter's clock for NotBefore. A nil err gives nil; a *PublishError
// already in err's chain is returned as is.
//
// The PublishError's Err wraps err in an error whose message has the
// values of access_token and appsecret_proof parameters scrubbed (see
// Scrub), since a Go URL error shows the whole URL; errors.As still finds
// the *fb.Error or *url.Error in the chain.
func Classify(network string, op Op, err error, res fb.Result, now time.Time) *pregonero.PublishError {
	if err == nil {
		return nil
	}
	var pe *pregonero.PublishError
	if errors.As(err, &pe) {
		return pe
	}
	c := classifier{network: network, prefix: strings.ToLower(network) + "_", op: op, err: scrubbed(err), usage: UsageOf(res), now: now}
	if ge, ok := AsError(err); ok {
		return c.graph(ge)
	}
	return c.transport()
}

type classifier struct {
	network, prefix string
	op              Op
	err             error
	usage           Usage
	now             time.Time
}

func (c classifier) new(class pregonero.ErrorClass, code, msg string) *pregonero.PublishError {
	return &pregonero.PublishError{Class: class, Code: c.prefix + code, Message: msg, Err: c.err}
}

// graph classifies an error object the network answered with.
func (c classifier) graph(ge *Error) *pregonero.PublishError {
	pe := c.graphClass(ge)
	pe.Message = Scrub(pe.Message)
	pe.NetworkMessage = Scrub(ge.Message)
	return pe
}

func (c classifier) graphClass(ge *Error) *pregonero.PublishError {
	n := c.network
	switch {
	case ge.Code == CodeToken:
		return c.new(pregonero.ClassNeedsReauth, "token_invalid", tokenMessage(n, ge.Subcode))
	case ge.Code == CodeSession:
		return c.new(pregonero.ClassNeedsReauth, "token_invalid",
			fmt.Sprintf("%s says the session of the access token is no longer valid; generate a new token and update the account's credentials.", n))
	case ge.Code == CodeInvalidParam && strings.Contains(strings.ToLower(ge.Message), "appsecret_proof"):
		return c.new(pregonero.ClassNeedsReauth, "app_secret",
			fmt.Sprintf("%s refused the appsecret_proof: set the account's app_secret to the secret of the app that issued the token (the app requires it when \"Require App Secret\" is on).", n))
	case ge.Code == CodeAppRateLimit && ge.Subcode == SubcodeSpamRestricted:
		return c.new(pregonero.ClassAccountBlocked, "action_restricted",
			fmt.Sprintf("%s restricted this account's actions as suspected spam; posting is paused until a person reviews the account in the app.", n))
	case ge.Code == CodePolicyBlock:
		return c.new(pregonero.ClassAccountBlocked, "policy_block",
			fmt.Sprintf("%s temporarily blocked this account from posting for a policy reason; posting is paused until a person reviews the account.", n))
	case ge.Code == CodePublishLimit && ge.Subcode == SubcodePublishLimit:
		pe := c.new(pregonero.ClassRateLimited, "publish_limit",
			fmt.Sprintf("The account reached %s's limit of API-published posts in 24 hours; the post waits until the window frees.", n))
		pe.NotBefore = c.now.Add(DefaultPublishLimitWait)
		return pe
	case isThrottle(ge.Code):
		wait := c.usage.ThrottleWait()
		pe := c.new(pregonero.ClassRateLimited, "rate_limited",
			fmt.Sprintf("%s is throttling calls (code %d); publishing resumes in about %s.", n, ge.Code, wait.Round(time.Minute)))
		pe.NotBefore = c.now.Add(wait)
		return pe
	case ge.Code == CodePermission || (ge.Code >= 200 && ge.Code <= 299):
		return c.new(pregonero.ClassPermanent, "permission", permissionMessage(n, ge))
	case ge.Code == CodeDuplicate:
		return c.new(pregonero.ClassDuplicate, "duplicate",
			fmt.Sprintf("%s says the same message was already posted on this account.", n))
	case ge.Code == CodeNotReady || ge.Subcode == SubcodeNotReady:
		return c.new(pregonero.ClassRetryable, "not_ready",
			fmt.Sprintf("%s has not finished processing the media yet; it will be tried again.", n))
	case (ge.Code == -1 || ge.Code == -2) && (ge.Subcode == SubcodeContainerExpired || ge.Subcode == SubcodeCreateFailed || ge.Subcode == SubcodeUploadUnknown):
		// Nothing was published; the media must be prepared again.
		return c.new(pregonero.ClassRetryable, "media_failed",
			fmt.Sprintf("%s could not prepare the media (subcode %d); it will be prepared again.", n, ge.Subcode))
	case isTransient(ge):
		if c.op == OpCreate {
			return c.new(pregonero.ClassUnknown, "unknown_outcome",
				fmt.Sprintf("%s reported a temporary error while publishing; whether the post went out is checked before any new attempt.", n))
		}
		return c.new(pregonero.ClassRetryable, "transient",
			fmt.Sprintf("%s reported a temporary error; it will be tried again.", n))
	case ge.Code == CodeCapability:
		return c.new(pregonero.ClassPermanent, "unsupported",
			fmt.Sprintf("%s says the app lacks the capability for this call: %s", n, ge.Message))
	default:
		msg := ge.UserMessage
		if msg == "" {
			msg = ge.Message
		}
		return c.new(pregonero.ClassPermanent, "invalid", fmt.Sprintf("%s refused the request (code %d): %s", n, ge.Code, msg))
	}
}

func isThrottle(code int) bool {
	switch code {
	case CodeAppRateLimit, CodeUserRateLimit, CodePageRateLimit, CodeCallsPerHour, CodeAppLimit:
		return true
	}
	// 80000–80099 are the Business Use Case throttles (80001 Pages,
	// 80002 Instagram, …).
	return code >= 80000 && code <= 80099
}

func isTransient(ge *Error) bool {
	switch {
	case ge.Transient:
		return true
	case ge.Code == CodeUnknown || ge.Code == CodeService:
		return true
	case ge.Subcode == SubcodeServerError || ge.Subcode == SubcodeDownloadTimeout:
		return true
	case (ge.Code == -1 || ge.Code == -2) && ge.Subcode == 0:
		// A server error without any detail.
		return true
	}
	return false
}

func tokenMessage(network string, subcode int) string {
	var why string
	switch subcode {
	case 458:
		why = "the app is no longer installed for the user who issued it"
	case 459:
		why = "the user must log in to " + network + " to pass a security checkpoint"
	case 460:
		why = "the user changed their password"
	case 463:
		why = "it expired"
	case 464:
		why = "the user is not confirmed"
	case 467:
		why = "it is invalid (revoked or logged out)"
	default:
		why = "it is invalid or expired"
	}
	return fmt.Sprintf("%s refused the access token: %s. Generate a new token and update the account's credentials.", network, why)
}

func permissionMessage(network string, ge *Error) string {
	perm := permissionRE.FindString(ge.Message)
	if perm == "" {
		if network == "Instagram" {
			perm = "instagram_content_publish (or instagram_business_content_publish with Instagram Login)"
		} else {
			perm = "pages_manage_posts and pages_read_engagement (publish_video for videos)"
		}
	}
	return fmt.Sprintf("%s refused the call for lack of permission (code %d): grant %s to the app and the token, and make sure the user still has a task on the page that allows creating content.", network, ge.Code, perm)
}

// transport classifies a failure without an error object: no answer, or
// an answer that is not Graph JSON.
func (c classifier) transport() *pregonero.PublishError {
	n := c.network
	var parse *url.Error
	if errors.As(c.err, &parse) && parse.Op == "parse" {
		// The request could not be built: an id or the endpoint in the
		// URL is malformed, and sending again builds the same URL.
		return c.new(pregonero.ClassPermanent, "invalid_request",
			fmt.Sprintf("%s was not called: the request address could not be built from the account's endpoint and the ids used (nothing was sent).", n))
	}
	if dialError(c.err) {
		return c.new(pregonero.ClassRetryable, "transient",
			fmt.Sprintf("%s could not be reached (nothing was sent); it will be tried again.", n))
	}
	var ue *fb.UnmarshalError
	what := "no answer arrived"
	switch {
	case errors.As(c.err, &ue):
		what = "the answer was not valid Graph JSON"
	case errors.Is(c.err, context.DeadlineExceeded):
		what = "the request timed out"
	case errors.Is(c.err, context.Canceled):
		what = "the request was canceled"
	}
	if c.op == OpCreate {
		return c.new(pregonero.ClassUnknown, "unknown_outcome",
			fmt.Sprintf("While publishing to %s %s; whether the post went out is checked before any new attempt.", n, what))
	}
	return c.new(pregonero.ClassRetryable, "transient", fmt.Sprintf("Calling %s, %s; it will be tried again.", n, what))
}

// dialError reports whether err happened while connecting (refused
// connection, DNS failure), before any byte of the request was written.
func dialError(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
