package youtube

import (
	"context"
	"errors"
	"fmt"
	"strings"

	yt "google.golang.org/api/youtube/v3"

	"pregonero"
)

var _ pregonero.Checker = (*Adapter)(nil)

// CheckCredentials implements pregonero.Checker. It renews the access
// token from the refresh token, whatever the one held (so that a refresh
// token Google no longer honours shows now, not at the next post), then
// asks for the channel the token authorizes (channels.list part=id
// mine=true, one unit of the day's quota, counted like any other call).
//
// The credentials are refused, and the answer is a *pregonero.PublishError
// of class needs_reauth with Google's words in NetworkMessage, when: a
// required credential is missing; the token endpoint refuses the refresh
// token (invalid_grant) or the client; YouTube refuses the token (401) or
// finds it lacks a scope (403 insufficientPermissions); the grant, as the
// token endpoint names it, lacks a scope every call of the adapter
// accepts (youtube.force-ssl: videos.delete takes neither youtube.upload
// nor youtube.readonly); the Google account has no channel; or the channel
// is not the account's configured remote id. When Google could not be
// asked (unreachable, a server error, a rate limit, the day's quota spent)
// the error says nothing about the credentials and is not a
// *pregonero.PublishError.
func (a *Adapter) CheckCredentials(ctx context.Context, acct *pregonero.Account) error {
	s, err := a.open(ctx, acct)
	if err != nil {
		return checkError(acct, err)
	}
	granted, err := s.src.renewNow()
	if err != nil {
		return checkError(acct, err)
	}
	var ids []string
	err = s.call(ctx, "look up its channel", a.quota.ListCost, func(svc *yt.Service) error {
		resp, err := svc.Channels.List([]string{"id"}).Mine(true).Context(ctx).Do()
		if err != nil {
			return err
		}
		for _, it := range resp.Items {
			if it != nil && it.Id != "" {
				ids = append(ids, it.Id)
			}
		}
		return nil
	})
	if err != nil {
		return checkError(acct, err)
	}
	if len(ids) == 0 {
		return &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "youtube_no_channel",
			Message:        fmt.Sprintf("The Google account authorized for %s has no YouTube channel; create the channel, or authorize the account that owns it. %s", acct.ID, reauthorize),
			NetworkMessage: "channels.list mine=true returned no channel"}
	}
	if err := checkChannel(acct, channelInfo{id: ids[0]}); err != nil {
		pe := pregonero.AsPublishError(err)
		pe.Class, pe.NetworkMessage = pregonero.ClassNeedsReauth, "channels.list mine=true returned channel "+ids[0]
		return pe
	}
	if len(granted) > 0 && !sufficient(granted) {
		return &pregonero.PublishError{Class: pregonero.ClassNeedsReauth, Code: "youtube_insufficient_scope",
			Message: fmt.Sprintf("The authorization of account %s lacks the scope %s%s: YouTube would refuse to delete a video uploaded ahead when its post is canceled, and the video would go public at its time. %s",
				acct.ID, Scope, grants(granted), reauthorize),
			NetworkMessage: "scope: " + strings.Join(granted, " ")}
	}
	return nil
}

// checkError is what CheckCredentials answers for a failure: a refusal of
// the credentials as it is, needs_reauth; a forbidden answer to the
// channel look-up, needs_reauth as well (the authorized account may not
// read the channel); anything else, which says nothing about the
// credentials, as an error that is not a *pregonero.PublishError.
func checkError(acct *pregonero.Account, err error) error {
	pe := pregonero.AsPublishError(err)
	switch {
	case pe.Class == pregonero.ClassNeedsReauth:
		return pe
	case pe.Code == "youtube_forbidden":
		out := *pe
		out.Class = pregonero.ClassNeedsReauth
		out.Message = fmt.Sprintf("YouTube does not let the credentials of account %s read its channel (%s). %s", acct.ID, nonEmpty(pe.NetworkMessage, "forbidden"), reauthorize)
		return &out
	}
	msg := fmt.Sprintf("could not check the YouTube credentials of account %s (%s)", acct.ID, pe.Code)
	var inner *pregonero.PublishError
	if pe.Err == nil || errors.As(pe.Err, &inner) {
		return errors.New(msg + ": " + pe.Message)
	}
	return fmt.Errorf("%s: %w", msg, pe.Err)
}
