// Package adaptertest is the conformance suite every pregonero.Adapter
// passes against its network's wire-faithful fake: publishing text and
// images, offline validation, classification of the failures the fake can
// inject, reconciliation of unknown outcomes and reuse of checkpointed
// uploads.
//
// An adapter's test builds a Harness around its fake and calls Run:
//
//	func TestConformance(t *testing.T) {
//		f := fake.New(fake.Options{})
//		base := fakenettest.Serve(t, f, "")
//		adaptertest.Run(t, adaptertest.Harness{Adapter: x.New(x.Config{}), ...})
//	}
//
// Fault rules apply to the whole fake, so the suite runs its cases one
// after the other and clears the rules after each case that adds any.
package adaptertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pregonero"
	"pregonero/adapters/fakenet"
)

// Harness connects the suite to one adapter and its fake. Fields marked
// optional have defaults; a zero MaxImages or an empty UploadOp skips the
// cases that need them.
type Harness struct {
	// Adapter is the adapter under test.
	Adapter pregonero.Adapter
	// Network is the fake's network name in fault rules; optional, default
	// the adapter's Network().
	Network string
	// Account returns an account of a user (page, channel) of the fake
	// that nothing has posted to yet, so that each case sees only its own
	// posts. name is short, unique within one Run and made of [a-z0-9_].
	Account func(t *testing.T, name string) *pregonero.Account
	// Unauthorized returns an account whose credentials the fake refuses.
	Unauthorized func(t *testing.T, name string) *pregonero.Account
	// Posts returns the posts the fake accepted for the account and did
	// not delete, oldest first.
	Posts func(t *testing.T, a *pregonero.Account) []fakenet.Post
	// Fault adds a fault rule to the fake; the suite fills Network.
	Fault func(t *testing.T, r fakenet.Rule)
	// ClearFaults removes every fault rule.
	ClearFaults func(t *testing.T)
	// CreateOp is the fault operation of the create-post request.
	CreateOp string
	// UploadOp is the fault operation of media uploads; empty skips the
	// checkpoint case.
	UploadOp string
	// Content returns content the network accepts with the given text;
	// optional, default pregonero.Content{Text: text}.
	Content func(t *testing.T, text string) pregonero.Content
	// SentText returns the text the fake is expected to record for the
	// content; optional, default the content's Text.
	SentText func(c pregonero.Content) string
	// TextField is the field Validate names for an over-long text;
	// optional, default "text".
	TextField string
	// EmptyField is the field Validate names for empty content; optional,
	// default TextField.
	EmptyField string
	// MaxTextLength is the longest text of ASCII letters the network
	// accepts.
	MaxTextLength int
	// MaxImages is the most images one post may carry; 0 skips the image
	// cases.
	MaxImages int
	// Images returns n images the network accepts in one post, for the
	// image, validation and checkpoint cases; the suite replaces the
	// content's media with them. Optional, default DefaultImages: real
	// PNGs and JPEGs, alternating, without a public URL. A network that
	// takes only some formats, or downloads media from their URL, supplies
	// its own.
	Images func(t *testing.T, n int) []pregonero.MediaBlob
	// ReceiptURL checks the URL of a receipt the adapter returned, which
	// the suite has already found to be an absolute http or https address;
	// a non-nil error fails the case. Optional, default
	// URLNamesRemoteID. A network whose addresses do not carry the
	// post's id (an Instagram permalink names a shortcode) supplies a check
	// that the URL is the network's address of that post.
	ReceiptURL func(t *testing.T, r pregonero.Receipt) error
	// PermanentStatus is the status of an injected create error the
	// adapter must classify as permanent; optional, default 400.
	PermanentStatus int
	// Now is the clock of the fake; optional, default time.Now.
	Now func() time.Time
}

func (h *Harness) defaults() {
	if h.Network == "" && h.Adapter != nil {
		h.Network = string(h.Adapter.Network())
	}
	if h.Content == nil {
		h.Content = func(_ *testing.T, text string) pregonero.Content { return pregonero.Content{Text: text} }
	}
	if h.SentText == nil {
		h.SentText = func(c pregonero.Content) string { return c.Text }
	}
	if h.TextField == "" {
		h.TextField = "text"
	}
	if h.EmptyField == "" {
		h.EmptyField = h.TextField
	}
	if h.PermanentStatus == 0 {
		h.PermanentStatus = 400
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.Images == nil {
		h.Images = DefaultImages
	}
	if h.ReceiptURL == nil {
		h.ReceiptURL = URLNamesRemoteID
	}
}

// Run runs the conformance suite against the harness.
func Run(t *testing.T, h Harness) {
	t.Helper()
	h.defaults()
	switch {
	case h.Adapter == nil, h.Account == nil, h.Unauthorized == nil, h.Posts == nil,
		h.Fault == nil, h.ClearFaults == nil, h.CreateOp == "", h.MaxTextLength <= 0:
		t.Fatal("adaptertest: Harness needs Adapter, Account, Unauthorized, Posts, Fault, ClearFaults, CreateOp and MaxTextLength")
	}
	s := &suite{h: h, run: nameCounter.Add(1)}
	t.Run("PublishTextGivesReceiptAndOnePost", s.publishText)
	t.Run("PublishImagesAttachesThemWithAltText", s.publishImages)
	t.Run("ValidateAcceptsContentWithinLimits", s.validateOK)
	t.Run("ValidateRejectsOverlongText", s.validateTooLong)
	t.Run("ValidateRejectsEmptyContent", s.validateEmpty)
	t.Run("ValidateRejectsTooManyImages", s.validateTooManyImages)
	t.Run("ReconcileBeforeSendFindsNothing", s.reconcileNothing)
	t.Run("DropAfterAcceptIsUnknownThenFoundByReconcile", s.dropAfterAccept)
	t.Run("ServerErrorOnCreateIsUnknownAndNothingPosted", s.serverError)
	t.Run("PermanentRefusalIsPermanent", s.permanent)
	t.Run("RefusedCredentialsNeedReauth", s.unauthorized)
	t.Run("CheckpointedMediaAreNotUploadedAgain", s.checkpointReuse)
}

// nameCounter keeps account names unique across several Runs against one
// fake in the same process.
var nameCounter atomic.Int64

type suite struct {
	h   Harness
	run int64
	n   atomic.Int64
}

func (s *suite) account(t *testing.T, base string) *pregonero.Account {
	t.Helper()
	name := fmt.Sprintf("%s_r%d_%d", base, s.run, s.n.Add(1))
	a := s.h.Account(t, name)
	if a == nil {
		t.Fatal("Harness.Account returned nil")
	}
	return a
}

// text returns a post text unique to this call, so duplicate-content
// checks of the fake never interfere.
func (s *suite) text(t *testing.T, what string) string {
	return fmt.Sprintf("Conformance %s %d-%d at %s", what, s.run, s.n.Add(1), s.h.Now().UTC().Format("15:04:05.000"))
}

func (s *suite) delivery(a *pregonero.Account) *pregonero.Delivery {
	now := s.h.Now().UTC()
	return &pregonero.Delivery{ID: pregonero.NewID("d", now), PostID: pregonero.NewID("p", now), AccountID: a.ID,
		Network: a.Network, State: pregonero.DeliverySending, ScheduledAt: now, UpdatedAt: now}
}

func (s *suite) fault(t *testing.T, r fakenet.Rule) {
	t.Helper()
	r.Network = s.h.Network
	t.Cleanup(func() { s.h.ClearFaults(t) })
	s.h.Fault(t, r)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// Checkpoints records what an adapter checkpoints, standing in for the
// durable delivery record.
type Checkpoints struct {
	mu sync.Mutex
	m  map[string]string
}

// Func is the Content.Checkpoint function that records into c.
func (c *Checkpoints) Func(_ context.Context, key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]string)
	}
	c.m[key] = value
	return nil
}

// Map returns a copy of the recorded checkpoints.
func (c *Checkpoints) Map() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

// PublishError returns the *pregonero.PublishError in err's chain and fails
// the test when there is none.
func PublishError(t *testing.T, err error) *pregonero.PublishError {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want a *pregonero.PublishError")
	}
	var pe *pregonero.PublishError
	if !errors.As(err, &pe) {
		t.Fatalf("got error %v (%T), want a *pregonero.PublishError", err, err)
	}
	return pe
}

// WantClass fails the test unless err carries a *pregonero.PublishError of
// the given class, and returns it.
func WantClass(t *testing.T, err error, want pregonero.ErrorClass) *pregonero.PublishError {
	t.Helper()
	pe := PublishError(t, err)
	if pe.Class != want {
		t.Fatalf("got class %q (code %q: %v), want %q", pe.Class, pe.Code, pe, want)
	}
	if pe.Code == "" || pe.Message == "" {
		t.Errorf("got code %q and message %q, want both set", pe.Code, pe.Message)
	}
	return pe
}

func (s *suite) checkReceipt(t *testing.T, r pregonero.Receipt) {
	t.Helper()
	if r.RemoteID == "" {
		t.Fatal("got receipt without remote id")
	}
	if u, err := url.Parse(r.URL); err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		t.Errorf("got receipt URL %q, want an absolute http or https URL", r.URL)
	} else if err := s.h.ReceiptURL(t, r); err != nil {
		t.Errorf("got receipt URL %q for %s: %v", r.URL, r.RemoteID, err)
	}
	if r.PublishedAt.IsZero() {
		t.Error("got receipt without PublishedAt")
	}
}

// URLNamesRemoteID is the default Harness.ReceiptURL: the receipt's URL
// must contain its RemoteID.
func URLNamesRemoteID(_ *testing.T, r pregonero.Receipt) error {
	if r.RemoteID == "" || !strings.Contains(r.URL, r.RemoteID) {
		return fmt.Errorf("the URL does not name the remote id %q", r.RemoteID)
	}
	return nil
}

// onePost returns the only post the fake holds for the account.
func (s *suite) onePost(t *testing.T, a *pregonero.Account) fakenet.Post {
	t.Helper()
	posts := s.h.Posts(t, a)
	if len(posts) != 1 {
		t.Fatalf("got %d posts in the fake, want 1: %+v", len(posts), posts)
	}
	return posts[0]
}

func (s *suite) publishText(t *testing.T) {
	a := s.account(t, "text")
	c := s.h.Content(t, s.text(t, "text"))
	r, err := s.h.Adapter.Publish(ctx(t), s.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	s.checkReceipt(t, r)
	p := s.onePost(t, a)
	if p.RemoteID != r.RemoteID {
		t.Errorf("got post %s in the fake, want receipt's %s", p.RemoteID, r.RemoteID)
	}
	if got, want := p.Text, s.h.SentText(c); got != want {
		t.Errorf("got text %q in the fake, want %q", got, want)
	}
}

// images returns n images from the harness, failing the test unless
// there are n of them, each with a file.
func (s *suite) images(t *testing.T, n int) []pregonero.MediaBlob {
	t.Helper()
	blobs := s.h.Images(t, n)
	if len(blobs) != n {
		t.Fatalf("Harness.Images returned %d images, want %d", len(blobs), n)
	}
	for i, b := range blobs {
		if b.Media == nil || b.Open == nil {
			t.Fatalf("Harness.Images: image %d has no file", i)
		}
	}
	return blobs
}

// DefaultImages is the default Harness.Images: n real images of growing
// size (64×48 and up), PNG and JPEG alternating, each with alt text and
// no public URL.
func DefaultImages(t *testing.T, n int) []pregonero.MediaBlob {
	t.Helper()
	blobs := make([]pregonero.MediaBlob, n)
	for i := range blobs {
		mime := "image/png"
		if i%2 == 1 {
			mime = "image/jpeg"
		}
		blobs[i] = ImageBlob(t, mime, 64+8*i, 48+4*i, fmt.Sprintf("Figure %d: a test pattern", i+1))
	}
	return blobs
}

func (s *suite) publishImages(t *testing.T) {
	if s.h.MaxImages == 0 {
		t.Skip("the network takes no images")
	}
	a := s.account(t, "images")
	c := s.h.Content(t, s.text(t, "images"))
	c.Media = s.images(t, min(2, s.h.MaxImages))
	var cp Checkpoints
	c.Checkpoint = cp.Func
	r, err := s.h.Adapter.Publish(ctx(t), s.delivery(a), c, a)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	s.checkReceipt(t, r)
	p := s.onePost(t, a)
	if p.RemoteID != r.RemoteID {
		t.Errorf("got post %s in the fake, want receipt's %s", p.RemoteID, r.RemoteID)
	}
	if len(p.Media) != len(c.Media) {
		t.Fatalf("got %d media on the post, want %d: %+v", len(p.Media), len(c.Media), p.Media)
	}
	for i, m := range p.Media {
		if got, want := m.Type, c.Media[i].MIME; got != want {
			t.Errorf("media[%d]: got type %q, want %q", i, got, want)
		}
		if got, want := m.AltText, c.Media[i].AltText; got != want {
			t.Errorf("media[%d]: got alt text %q, want %q", i, got, want)
		}
		if got, want := m.Size, c.Media[i].Size; got != want {
			t.Errorf("media[%d]: got size %d, want %d", i, got, want)
		}
	}
}

// fieldError returns the error about field, failing the test when there is
// none.
func fieldError(t *testing.T, errs []pregonero.FieldError, field string) pregonero.FieldError {
	t.Helper()
	for _, e := range errs {
		if e.Field == field {
			return e
		}
	}
	t.Fatalf("got errors %+v, want one about %q", errs, field)
	return pregonero.FieldError{}
}

func (s *suite) validateOK(t *testing.T) {
	a := s.account(t, "valid")
	c := s.h.Content(t, strings.Repeat("a", s.h.MaxTextLength))
	if s.h.MaxImages > 0 {
		c.Media = s.images(t, s.h.MaxImages)
	}
	if errs := s.h.Adapter.Validate(c, a); len(errs) != 0 {
		t.Errorf("got errors %+v for content at the limits, want none", errs)
	}
}

func (s *suite) validateTooLong(t *testing.T) {
	a := s.account(t, "long")
	c := s.h.Content(t, strings.Repeat("a", s.h.MaxTextLength+1))
	e := fieldError(t, s.h.Adapter.Validate(c, a), s.h.TextField)
	if e.Code != pregonero.FieldTooLong {
		t.Errorf("got code %q, want %q", e.Code, pregonero.FieldTooLong)
	}
	if got, want := fmt.Sprint(e.Limit), fmt.Sprint(s.h.MaxTextLength); got != want {
		t.Errorf("got limit %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(e.Actual), fmt.Sprint(s.h.MaxTextLength+1); got != want {
		t.Errorf("got actual %s, want %s", got, want)
	}
	if e.Target != a.ID || e.Message == "" {
		t.Errorf("got target %q and message %q, want target %q and a message", e.Target, e.Message, a.ID)
	}
}

func (s *suite) validateEmpty(t *testing.T) {
	a := s.account(t, "empty")
	e := fieldError(t, s.h.Adapter.Validate(pregonero.Content{}, a), s.h.EmptyField)
	if e.Code != pregonero.FieldRequired {
		t.Errorf("got code %q, want %q", e.Code, pregonero.FieldRequired)
	}
}

func (s *suite) validateTooManyImages(t *testing.T) {
	if s.h.MaxImages == 0 {
		t.Skip("the network takes no images")
	}
	a := s.account(t, "many")
	c := s.h.Content(t, s.text(t, "many"))
	c.Media = s.images(t, s.h.MaxImages+1)
	e := fieldError(t, s.h.Adapter.Validate(c, a), "media")
	if e.Code != pregonero.FieldTooMany {
		t.Errorf("got code %q, want %q", e.Code, pregonero.FieldTooMany)
	}
	if got, want := fmt.Sprint(e.Limit), fmt.Sprint(s.h.MaxImages); got != want {
		t.Errorf("got limit %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(e.Actual), fmt.Sprint(s.h.MaxImages+1); got != want {
		t.Errorf("got actual %s, want %s", got, want)
	}
}

func (s *suite) reconcileNothing(t *testing.T) {
	a := s.account(t, "nothing")
	c := s.h.Content(t, s.text(t, "nothing"))
	_, found, err := s.h.Adapter.Reconcile(ctx(t), s.delivery(a), c, a, s.h.Now().Add(-time.Minute))
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	if found {
		t.Error("got found before any send, want not found")
	}
}

func (s *suite) dropAfterAccept(t *testing.T) {
	a := s.account(t, "drop")
	c := s.h.Content(t, s.text(t, "drop"))
	d := s.delivery(a)
	since := s.h.Now()
	s.fault(t, fakenet.Rule{Op: s.h.CreateOp, Mode: fakenet.ModeDropAfterAccept, Count: 1})
	_, err := s.h.Adapter.Publish(ctx(t), d, c, a)
	WantClass(t, err, pregonero.ClassUnknown)

	p := s.onePost(t, a)
	r, found, err := s.h.Adapter.Reconcile(ctx(t), d, c, a, since)
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	if !found {
		t.Fatal("got not found, want the post the fake accepted")
	}
	if r.RemoteID != p.RemoteID {
		t.Errorf("got remote id %s, want %s", r.RemoteID, p.RemoteID)
	}
	s.checkReceipt(t, r)
}

func (s *suite) serverError(t *testing.T) {
	a := s.account(t, "err503")
	c := s.h.Content(t, s.text(t, "err503"))
	d := s.delivery(a)
	since := s.h.Now()
	s.fault(t, fakenet.Rule{Op: s.h.CreateOp, Mode: fakenet.ModeError, Status: 503, Count: 1})
	_, err := s.h.Adapter.Publish(ctx(t), d, c, a)
	pe := WantClass(t, err, pregonero.ClassUnknown)
	if pe.HTTPStatus != 503 {
		t.Errorf("got HTTP status %d, want 503", pe.HTTPStatus)
	}
	if posts := s.h.Posts(t, a); len(posts) != 0 {
		t.Fatalf("got %d posts in the fake, want none", len(posts))
	}
	_, found, err := s.h.Adapter.Reconcile(ctx(t), d, c, a, since)
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	if found {
		t.Error("got found after a refused create, want not found")
	}
}

func (s *suite) permanent(t *testing.T) {
	a := s.account(t, "perm")
	c := s.h.Content(t, s.text(t, "perm"))
	s.fault(t, fakenet.Rule{Op: s.h.CreateOp, Mode: fakenet.ModeError, Status: s.h.PermanentStatus, Count: 1})
	_, err := s.h.Adapter.Publish(ctx(t), s.delivery(a), c, a)
	pe := WantClass(t, err, pregonero.ClassPermanent)
	if pe.HTTPStatus != s.h.PermanentStatus {
		t.Errorf("got HTTP status %d, want %d", pe.HTTPStatus, s.h.PermanentStatus)
	}
	if pe.NetworkMessage == "" {
		t.Error("got no network message, want the network's words")
	}
}

func (s *suite) unauthorized(t *testing.T) {
	a := s.h.Unauthorized(t, fmt.Sprintf("unauth_r%d_%d", s.run, s.n.Add(1)))
	c := s.h.Content(t, s.text(t, "unauth"))
	_, err := s.h.Adapter.Publish(ctx(t), s.delivery(a), c, a)
	WantClass(t, err, pregonero.ClassNeedsReauth)
	_, _, err = s.h.Adapter.Reconcile(ctx(t), s.delivery(a), c, a, s.h.Now().Add(-time.Minute))
	WantClass(t, err, pregonero.ClassNeedsReauth)
}

func (s *suite) checkpointReuse(t *testing.T) {
	if s.h.UploadOp == "" || s.h.MaxImages == 0 {
		t.Skip("the network uploads no media separately")
	}
	a := s.account(t, "ckpt")
	c := s.h.Content(t, s.text(t, "ckpt"))
	c.Media = s.images(t, 1)
	var cp Checkpoints
	c.Checkpoint = cp.Func

	s.fault(t, fakenet.Rule{Op: s.h.CreateOp, Mode: fakenet.ModeError, Status: 503, Count: 1})
	if _, err := s.h.Adapter.Publish(ctx(t), s.delivery(a), c, a); err == nil {
		t.Fatal("first Publish: got no error, want the injected failure")
	}
	saved := cp.Map()
	if len(saved) == 0 {
		t.Fatal("got no checkpoints after the upload, want the uploaded media recorded")
	}
	if posts := s.h.Posts(t, a); len(posts) != 0 {
		t.Fatalf("got %d posts after the failed create, want none", len(posts))
	}

	// Any upload now fails: the second attempt must use what it saved.
	s.fault(t, fakenet.Rule{Op: s.h.UploadOp, Mode: fakenet.ModeError, Status: 503})
	d := s.delivery(a)
	d.Checkpoint = saved
	r, err := s.h.Adapter.Publish(ctx(t), d, c, a)
	if err != nil {
		t.Fatalf("second Publish: %v", err)
	}
	p := s.onePost(t, a)
	if p.RemoteID != r.RemoteID {
		t.Errorf("got post %s in the fake, want receipt's %s", p.RemoteID, r.RemoteID)
	}
	if len(p.Media) != 1 {
		t.Fatalf("got %d media on the post, want 1", len(p.Media))
	}
}

// ImageBlob returns a media blob holding a real w×h image encoded as mime
// ("image/png" or "image/jpeg") with the given alt text.
func ImageBlob(tb testing.TB, mime string, w, h int, alt string) pregonero.MediaBlob {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x * 255 / max(w-1, 1)), G: uint8(y * 255 / max(h-1, 1)), B: uint8((x + y) % 256), A: 255})
		}
	}
	var buf bytes.Buffer
	var ext string
	switch mime {
	case "image/png":
		ext = "png"
		if err := png.Encode(&buf, img); err != nil {
			tb.Fatalf("encode png: %v", err)
		}
	case "image/jpeg":
		ext = "jpg"
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			tb.Fatalf("encode jpeg: %v", err)
		}
	default:
		tb.Fatalf("ImageBlob: unsupported type %q", mime)
	}
	return Blob(fmt.Sprintf("image.%s", ext), mime, buf.Bytes(), w, h, alt)
}

// Blob returns a media blob holding data.
func Blob(filename, mime string, data []byte, w, h int, alt string) pregonero.MediaBlob {
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	m := &pregonero.Media{ID: "m_" + digest[:16], SHA256: digest, MIME: mime, Size: int64(len(data)),
		Width: w, Height: h, AltText: alt, Filename: filename, CreatedAt: time.Now().UTC()}
	return pregonero.MediaBlob{Media: m, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}
