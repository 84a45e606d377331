package x

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"pregonero"
)

// maxSegments is the number of append segments X accepts for one file
// (segment_index 0..999).
const maxSegments = 1000

// defaultMediaLifetime is assumed when X does not say how long an upload
// stays attachable; short, so that a checkpointed id is not trusted long.
const defaultMediaLifetime = time.Hour

// flexString decodes a JSON string or number: ids are strings in API v2,
// but some answers carry numbers.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// mediaData is the "data" of the upload endpoints' answers.
type mediaData struct {
	ID               flexString      `json:"id"`
	MediaKey         string          `json:"media_key"`
	ExpiresAfterSecs int64           `json:"expires_after_secs"`
	ProcessingInfo   *processingInfo `json:"processing_info"`
}

type processingInfo struct {
	State           string `json:"state"`
	CheckAfterSecs  int    `json:"check_after_secs"`
	ProgressPercent int    `json:"progress_percent"`
	Error           *struct {
		Code    int    `json:"code"`
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"error"`
}

func (p *processingInfo) pending() bool {
	return p != nil && (p.State == "pending" || p.State == "in_progress")
}

func mediaCategory(k mediaKind) string {
	switch k {
	case kindGIF:
		return "tweet_gif"
	case kindVideo:
		return "tweet_video"
	}
	return "tweet_image"
}

// uploadMedia uploads one file with the chunked endpoints (initialize,
// append, finalize), waits for X to process it, sets its alt text, and
// returns its id and until when it can be attached.
func (a *Adapter) uploadMedia(ctx context.Context, acct *pregonero.Account, m pregonero.MediaBlob) (string, time.Time, error) {
	if m.Media == nil || m.Open == nil {
		return "", time.Time{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_media_missing", Message: "A media file of the post has no content."}
	}
	kind := kindOf(m.MIME)
	initCall, err := jsonCall(kindUpload, endpointInit, http.MethodPost, "/2/media/upload/initialize", map[string]any{
		"media_type":     strings.ToLower(m.MIME),
		"total_bytes":    m.Size,
		"media_category": mediaCategory(kind),
	})
	if err != nil {
		return "", time.Time{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_invalid", Message: "The media upload could not be encoded.", Err: err}
	}
	data, err := a.mediaCall(ctx, acct, initCall)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("initialize: %w", err)
	}
	id := string(data.ID)
	expires := a.expiry(data.ExpiresAfterSecs)

	if err := a.appendSegments(ctx, acct, id, m); err != nil {
		return "", time.Time{}, err
	}

	fin := call{kind: kindUpload, endpoint: endpointFinalize, method: http.MethodPost, path: "/2/media/upload/" + url.PathEscape(id) + "/finalize"}
	data, err = a.mediaCall(ctx, acct, fin)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("finalize: %w", err)
	}
	if data.ExpiresAfterSecs > 0 {
		expires = a.expiry(data.ExpiresAfterSecs)
	}
	info := data.ProcessingInfo
	for polls := 0; info.pending(); polls++ {
		if polls >= a.mediaPolls {
			return "", time.Time{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_media_timeout",
				Message: fmt.Sprintf("X was still processing media %s after %d status checks; nothing was posted and it will be retried.", id, polls)}
		}
		wait := min(time.Duration(max(info.CheckAfterSecs, 1))*time.Second, a.maxPollWait)
		if err := a.sleep(ctx, wait); err != nil {
			return "", time.Time{}, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_canceled",
				Message: "The media upload was interrupted; nothing was posted and it will be retried.", Err: err}
		}
		status := call{kind: kindUpload, endpoint: endpointStatus, method: http.MethodGet, path: "/2/media/upload",
			query: url.Values{"command": {"STATUS"}, "media_id": {id}}}
		data, err = a.mediaCall(ctx, acct, status)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("status: %w", err)
		}
		info = data.ProcessingInfo
	}
	if info != nil && info.State == "failed" {
		netMsg := "processing failed"
		if info.Error != nil {
			netMsg = strings.TrimSpace(info.Error.Message)
			if netMsg == "" {
				netMsg = info.Error.Name
			}
		}
		return "", time.Time{}, &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_media_failed", NetworkMessage: netMsg,
			Message: fmt.Sprintf("X could not process media file %s (%s): %s; the post was not published. Replace the file.", fileName(m), m.MIME, netMsg)}
	}

	if alt := strings.TrimSpace(m.AltText); alt != "" {
		if kind == kindVideo {
			// X's metadata endpoint takes alt text for images and GIFs only.
			a.log.Info("x alt text of a video is not sent", pregonero.LogAccount, acct.ID, pregonero.LogMediaID, id)
		} else if err := a.setAltText(ctx, acct, id, alt); err != nil {
			return "", time.Time{}, err
		}
	}
	a.log.Debug("x media uploaded", pregonero.LogAccount, acct.ID, pregonero.LogMediaID, id)
	return id, expires, nil
}

func fileName(m pregonero.MediaBlob) string {
	if m.Filename != "" {
		return m.Filename
	}
	return m.ID
}

func (a *Adapter) expiry(secs int64) time.Time {
	if secs <= 0 {
		return a.now().Add(defaultMediaLifetime)
	}
	return a.now().Add(time.Duration(secs) * time.Second)
}

// appendSegments streams the file to X in segments.
func (a *Adapter) appendSegments(ctx context.Context, acct *pregonero.Account, id string, m pregonero.MediaBlob) error {
	rc, err := m.Open()
	if err != nil {
		return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_media_unreadable",
			Message: fmt.Sprintf("Media file %s could not be read from storage; nothing was posted and it will be retried.", fileName(m)),
			Err:     fmt.Errorf("open media: %w", err)}
	}
	defer rc.Close()

	chunk := int64(a.chunkSize)
	if need := (m.Size + maxSegments - 1) / maxSegments; need > chunk {
		chunk = need
	}
	buf := make([]byte, min(chunk, m.Size))
	var total int64
	for seg := 0; ; seg++ {
		n, rerr := io.ReadFull(rc, buf)
		if n > 0 {
			total += int64(n)
			if total > m.Size {
				return sizeMismatch(m, total)
			}
			if err := a.appendSegment(ctx, acct, id, seg, buf[:n]); err != nil {
				return fmt.Errorf("append segment %d: %w", seg, err)
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_media_unreadable",
				Message: fmt.Sprintf("Media file %s could not be read from storage; nothing was posted and it will be retried.", fileName(m)),
				Err:     fmt.Errorf("read media: %w", rerr)}
		}
		if total == m.Size {
			// Make sure nothing follows what the record announced.
			var one [1]byte
			if k, _ := io.ReadFull(rc, one[:]); k > 0 {
				return sizeMismatch(m, total+1)
			}
			break
		}
	}
	if total != m.Size {
		return sizeMismatch(m, total)
	}
	return nil
}

func sizeMismatch(m pregonero.MediaBlob, got int64) error {
	return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_media_corrupt",
		Message: fmt.Sprintf("Media file %s holds %d or more bytes but its record says %d; upload the file again.", fileName(m), got, m.Size)}
}

func (a *Adapter) appendSegment(ctx context.Context, acct *pregonero.Account, id string, seg int, chunk []byte) error {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.WriteField("segment_index", strconv.Itoa(seg)); err != nil {
		return fmt.Errorf("encode segment: %w", err)
	}
	part, err := w.CreateFormFile("media", "blob")
	if err != nil {
		return fmt.Errorf("encode segment: %w", err)
	}
	if _, err := part.Write(chunk); err != nil {
		return fmt.Errorf("encode segment: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("encode segment: %w", err)
	}
	c := call{kind: kindUpload, endpoint: endpointAppend, method: http.MethodPost,
		path: "/2/media/upload/" + url.PathEscape(id) + "/append", body: body.Bytes(), ctype: w.FormDataContentType()}
	_, err = a.do(ctx, acct, c)
	return err
}

func (a *Adapter) setAltText(ctx context.Context, acct *pregonero.Account, id, alt string) error {
	c, err := jsonCall(kindUpload, endpointMetadata, http.MethodPost, "/2/media/metadata", map[string]any{
		"id":       id,
		"metadata": map[string]any{"alt_text": map[string]string{"text": alt}},
	})
	if err != nil {
		return &pregonero.PublishError{Class: pregonero.ClassPermanent, Code: "x_invalid", Message: "The alt text could not be encoded.", Err: err}
	}
	if _, err := a.do(ctx, acct, c); err != nil {
		return fmt.Errorf("set alt text: %w", err)
	}
	return nil
}

// mediaCall sends an upload call and decodes the "data" of its answer;
// only the answer to initialize must carry the media id.
func (a *Adapter) mediaCall(ctx context.Context, acct *pregonero.Account, c call) (*mediaData, error) {
	resp, err := a.do(ctx, acct, c)
	if err != nil {
		return nil, err
	}
	var out struct {
		Data mediaData `json:"data"`
	}
	if c.endpoint != endpointInit && len(bytes.TrimSpace(resp.body)) == 0 {
		return &out.Data, nil
	}
	if err := json.Unmarshal(resp.body, &out); err != nil || (c.endpoint == endpointInit && out.Data.ID == "") {
		if err == nil {
			err = fmt.Errorf("no data.id in %q", resp.excerpt(200))
		}
		return nil, &pregonero.PublishError{Class: pregonero.ClassRetryable, Code: "x_malformed_response",
			Message: "X's answer to a media upload could not be read; nothing was posted and it will be retried.", HTTPStatus: resp.status,
			Err: fmt.Errorf("%s %s: decode answer: %w", c.method, c.path, err)}
	}
	if pi := out.Data.ProcessingInfo; pi != nil && pi.Error != nil {
		// X's words about a failed processing end up in messages.
		pi.Error.Name, pi.Error.Message = resp.scrub.Text(pi.Error.Name), resp.scrub.Text(pi.Error.Message)
	}
	return &out.Data, nil
}
