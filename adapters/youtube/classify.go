package youtube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/api/googleapi"

	"pregonero"
)

// apiErr is the part of a *googleapi.Error the classification reads.
type apiErr struct {
	status  int
	reason  string
	message string
	header  http.Header
	err     error
}

// asAPIError returns YouTube's error answer in err's chain.
func asAPIError(err error) (*apiErr, bool) {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return nil, false
	}
	e := &apiErr{status: ge.Code, message: ge.Message, header: ge.Header, err: err}
	for _, it := range ge.Errors {
		if e.reason == "" {
			e.reason = it.Reason
		}
		if e.message == "" {
			e.message = it.Message
		}
	}
	if e.message == "" {
		// Kept whole: it is cut only once the account's own tokens are
		// scrubbed from it (see scrubbed), since a token cut in two would
		// not be recognized.
		e.message = strings.TrimSpace(ge.Body)
	}
	if e.message == "" {
		e.message = http.StatusText(ge.Code)
	}
	return e, true
}

// isUnauthorized reports whether YouTube refused the access token.
func isUnauthorized(err error) bool {
	e, ok := asAPIError(err)
	return ok && (e.status == http.StatusUnauthorized || e.reason == "authError")
}

// retryAfter reads a Retry-After header in seconds, or returns def.
func retryAfter(h http.Header, def time.Duration, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return def
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return def
}

// invalidCodes maps YouTube's reasons for refusing a video's metadata to
// stable codes.
var invalidCodes = map[string]string{
	"invalidTitle":       "youtube_invalid_title",
	"invalidDescription": "youtube_invalid_description",
	"invalidTags":        "youtube_invalid_tags",
	"invalidPublishAt":   "youtube_invalid_publish_at",
	"invalidCategoryId":  "youtube_invalid_category",
}

// classify turns the failure of an API call into a *pregonero.PublishError.
// what says what the call did ("list the channel's uploads"); b is the
// quota bucket it spends. A server error or a lost connection is
// retryable here: callers whose call may have created something (an
// upload) decide on unknown themselves. The error's texts carry none of
// the account's credentials, whatever YouTube echoed.
func (a *Adapter) classify(ctx context.Context, s *session, what string, err error, b bucket) *pregonero.PublishError {
	return scrubbed(s.scrub, a.classifyAnswer(ctx, s, what, err, b))
}

// Lengths the texts of YouTube's answers are kept to, once scrubbed.
const (
	maxNetworkMessage = 500
	maxMessage        = 1000
)

// scrubbedErr is scrubbed for the *pregonero.PublishError err is; any
// other error is wrapped so that its message hides credentials.
func scrubbedErr(sc *scrubber, err error) error {
	if pe, ok := err.(*pregonero.PublishError); ok {
		return scrubbed(sc, pe)
	}
	return sc.Err(err)
}

// scrubbed scrubs the texts of pe with sc, then cuts them: in this order,
// so that no token survives in part.
func scrubbed(sc *scrubber, pe *pregonero.PublishError) *pregonero.PublishError {
	if pe = sc.PublishError(pe); pe != nil {
		pe.Message, pe.NetworkMessage = truncate(pe.Message, maxMessage), truncate(pe.NetworkMessage, maxNetworkMessage)
	}
	return pe
}

func (a *Adapter) classifyAnswer(ctx context.Context, s *session, what string, err error, b bucket) *pregonero.PublishError {
	var pe *pregonero.PublishError
	if errors.As(err, &pe) {
		// A token renewal failed inside the transport.
		return pe
	}
	ge, ok := asAPIError(err)
	if !ok {
		if ctx.Err() != nil {
			return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_canceled",
				Message: fmt.Sprintf("The attempt to %s was interrupted; it will be retried.", what), Err: err}
		}
		return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "youtube_network",
			Message: fmt.Sprintf("Could not reach YouTube at %s to %s; it will be retried.", endpointOf(s.acct), what),
			Err:     fmt.Errorf("%s: %w", what, err)}
	}
	now := a.now()
	out := &pregonero.PublishError{NetworkMessage: ge.message, HTTPStatus: ge.status, Err: err}
	switch {
	case ge.reason == "quotaExceeded" || ge.reason == "dailyLimitExceeded":
		a.exhaust(ctx, s.project, b)
		return a.quotaError(s.project, b, ge)
	case ge.reason == "uploadLimitExceeded":
		// The per-channel cap is not documented to reset at midnight
		// Pacific like the project's quota: wait a full day.
		out.Class, out.Code = pregonero.ClassRateLimited, "youtube_upload_limit"
		out.NotBefore = now.Add(24 * time.Hour)
		out.Message = fmt.Sprintf("YouTube's daily upload limit of the channel of account %s is reached; the video goes out after %s (24 hours from now).",
			s.acct.ID, out.NotBefore.UTC().Format(time.RFC3339))
	case ge.reason == "rateLimitExceeded" || ge.reason == "userRateLimitExceeded" || ge.status == http.StatusTooManyRequests:
		out.Class, out.Code = pregonero.ClassRateLimited, "youtube_rate_limited"
		out.NotBefore = now.Add(retryAfter(ge.header, time.Minute, now))
		out.Message = fmt.Sprintf("YouTube asked to slow down; the attempt to %s is retried after %s.", what, out.NotBefore.UTC().Format(time.RFC3339))
	case invalidCodes[ge.reason] != "":
		out.Class, out.Code = pregonero.ClassPermanent, invalidCodes[ge.reason]
		out.Message = fmt.Sprintf("YouTube refused the video's metadata (%s): %s", ge.reason, ge.message)
	case ge.status == http.StatusUnauthorized || ge.reason == "authError":
		out.Class, out.Code = pregonero.ClassNeedsReauth, "youtube_unauthorized"
		out.Message = fmt.Sprintf("YouTube refused the credentials of account %s even after renewing the access token. %s", s.acct.ID, reauthorize)
	case ge.reason == "insufficientPermissions":
		out.Class, out.Code = pregonero.ClassNeedsReauth, "youtube_insufficient_scope"
		out.Message = scopeMessage(s.acct, what, s.src.grantedScopes())
	case ge.status == http.StatusForbidden:
		out.Class, out.Code = pregonero.ClassPermanent, "youtube_forbidden"
		out.Message = fmt.Sprintf("YouTube does not allow account %s to %s (%s): the authorized Google account may not manage the channel, or the channel cannot do this yet.", s.acct.ID, what, nonEmpty(ge.reason, "forbidden"))
	case ge.status == http.StatusNotFound:
		out.Class, out.Code = pregonero.ClassPermanent, "youtube_not_found"
		out.Message = fmt.Sprintf("YouTube found nothing to %s (%s).", what, nonEmpty(ge.reason, "notFound"))
	case ge.status >= 500:
		out.Class, out.Code = pregonero.ClassRetryable, "youtube_server_error"
		out.Message = fmt.Sprintf("YouTube failed to %s (status %d); it will be retried.", what, ge.status)
	default:
		out.Class, out.Code = pregonero.ClassPermanent, "youtube_refused"
		out.Message = fmt.Sprintf("YouTube refused to %s (status %d, %s): %s", what, ge.status, nonEmpty(ge.reason, "no reason"), ge.message)
	}
	return out
}

// scopeMessage says that YouTube refused to let an account do what for
// want of a scope, and how to fix it; granted, when known, is what the
// authorization holds.
func scopeMessage(acct *pregonero.Account, what string, granted []string) string {
	return fmt.Sprintf("YouTube refused to let account %s %s: its authorization lacks the scope %s%s. %s", acct.ID, what, Scope, grants(granted), reauthorize)
}

// grants describes the scopes an authorization holds, when known.
func grants(granted []string) string {
	if len(granted) == 0 {
		return ""
	}
	return " (it grants " + strings.Join(granted, " ") + ")"
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
