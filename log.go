package pregonero

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// Log attribute keys. Every package of Pregonero logs with these keys and
// no others, so that one key means one thing in every line, whichever
// component wrote it: a search for delivery=… finds the whole story of a
// delivery. Add a key here before logging it.
//
// Each long-lived component adds its own LogComponent attribute, in its
// constructor, to the logger it is given; main hands out the base logger
// only.
const (
	// LogComponent names the component that logs: "publisher", "store",
	// "scheduler", "web", "media", an adapter's network, a fake's name.
	LogComponent = "component"

	// Failures. LogErr is the only key for an error.
	LogErr   = "err"
	LogPanic = "panic" // the value a recovered panic carried
	LogStack = "stack" // the goroutine's stack where it panicked
	// LogSuppressed counts the lines of the same kind left out since the
	// last one (see logging.RateLimit).
	LogSuppressed = "suppressed"

	// Our records, by their IDs.
	LogPost     = "post"
	LogDelivery = "delivery"
	LogAccount  = "account"
	LogMedia    = "media"
	LogAccounts = "accounts" // a number of accounts
	LogSeries   = "series"   // a recurring series
	LogFeed     = "feed"     // a news feed
	LogWebhook  = "webhook"  // a webhook of the notifications
	LogImport   = "import"   // a CSV import

	// What a network calls things, by their IDs on the network.
	LogNetwork   = "network"
	LogRemoteID  = "remote_id"  // the post's ID on the network
	LogMediaID   = "media_id"   // an uploaded file or published media
	LogPhotoID   = "photo_id"   // a Facebook photo
	LogVideoID   = "video_id"   // a Facebook or YouTube video
	LogPage      = "page"       // a Facebook page
	LogContainer = "container"  // an Instagram media container
	LogIGUserID  = "ig_user_id" // an Instagram user
	LogChannel   = "channel"    // a YouTube channel
	LogProject   = "project"    // a Google Cloud project
	LogUser      = "user"       // an X user
	LogEndpoint  = "endpoint"
	LogURL       = "url"
	LogAddr      = "addr" // a listening address

	// Outcomes and states.
	LogClass        = "class" // a pregonero.ErrorClass
	LogCode         = "code"
	LogSubcode      = "subcode"
	LogReason       = "reason"
	LogMessage      = "message"
	LogNetworkMsg   = "network_message" // what the network said, verbatim
	LogCause        = "cause"           // the error beneath a classified one
	LogState        = "state"
	LogStatus       = "status" // an HTTP status or a network's status word
	LogStatusText   = "status_text"
	LogUploadStatus = "upload_status"  // YouTube's processing status
	LogPrivacy      = "privacy_status" // YouTube's privacy status
	LogCheckpoint   = "checkpoint"     // a checkpoint key
	LogMetricName   = "metric"         // a metric's raw name, as its network names it
	LogMetricKind   = "kind"           // the kind of post a metric was asked for

	// Instants and durations.
	LogAt        = "at"
	LogUntil     = "until"
	LogPublishAt = "publish_at"
	LogExpiry    = "expiry"
	LogCreatedAt = "created_at"
	LogWait      = "wait"
	LogDuration  = "duration"

	// Amounts.
	LogCount       = "count"
	LogBytes       = "bytes"
	LogSize        = "size"
	LogLimit       = "limit"
	LogOps         = "ops"
	LogPhotos      = "photos"
	LogRemoved     = "removed"
	LogReleased    = "released"
	LogHeldOverdue = "held_overdue"

	// HTTP requests.
	LogMethod = "method"
	LogPath   = "path"
	LogParam  = "param"

	// Files, storage and the process.
	LogFile    = "file"
	LogSHA256  = "sha256"
	LogIndex   = "index"
	LogKey     = "key"
	LogType    = "type" // a MIME type
	LogDataDir = "data_dir"
	LogVersion = "version"
	LogZone    = "zone"

	// Fault injection and the state of the network fakes.
	LogOp         = "op"
	LogMode       = "mode"
	LogRule       = "rule"
	LogFailure    = "failure"
	LogRejection  = "rejection"
	LogGeneration = "generation"
)

// RecoverPanic stops a panic from ending the process where nothing else
// would: at the top of a goroutine, in a job, around a call into an
// adapter. It must be deferred directly, as recover only works there:
//
//	defer pregonero.RecoverPanic(log, "cleanup panicked", nil)
//
// It logs msg at error level with the panic value and the stack. When
// errp is not nil, *errp becomes an error naming the panic, so that only
// the one operation fails. A nil l logs to slog.Default().
func RecoverPanic(l *slog.Logger, msg string, errp *error) {
	if v := recover(); v != nil {
		ReportPanic(l, v, msg, errp)
	}
}

// ReportPanic logs a recovered panic value v as RecoverPanic does, with
// attrs added to the line. Paths that run for every delivery call it from
// their own deferred function, so that the attributes cost nothing unless
// there is a panic:
//
//	defer func() {
//		if v := recover(); v != nil {
//			pregonero.ReportPanic(log, v, "send panicked", &err, pregonero.LogDelivery, d.ID)
//		}
//	}()
func ReportPanic(l *slog.Logger, v any, msg string, errp *error, attrs ...any) {
	if l == nil {
		l = slog.Default()
	}
	l.Error(msg, append(attrs, LogPanic, fmt.Sprint(v), LogStack, string(debug.Stack()))...)
	if errp != nil {
		*errp = fmt.Errorf("%s: %v", msg, v)
	}
}

// LogStopped logs the one WARN line a delivery gets when it stops short of
// publishing and waits for a person: failed for good, or held (with the
// reason). It names the post, the delivery, the account and the cause, so
// that whoever reads the log can act without looking anything up. Other
// states log nothing here.
func LogStopped(l *slog.Logger, d *Delivery) {
	var msg string
	switch d.State {
	case DeliveryFailed:
		msg = "delivery failed"
	case DeliveryHeld:
		msg = "delivery held for a person"
	default:
		return
	}
	attrs := []any{LogPost, d.PostID, LogDelivery, d.ID, LogAccount, d.AccountID, LogNetwork, string(d.Network)}
	if d.State == DeliveryHeld {
		attrs = append(attrs, LogReason, d.HoldReason)
	}
	if e := d.LastError; e != nil {
		attrs = append(attrs, LogCode, e.Code, LogMessage, e.Message)
		if e.NetworkMessage != "" {
			attrs = append(attrs, LogNetworkMsg, e.NetworkMessage)
		}
		if e.Cause != "" {
			attrs = append(attrs, LogCause, e.Cause)
		}
	}
	if l == nil {
		l = slog.Default()
	}
	l.Warn(msg, attrs...)
}
