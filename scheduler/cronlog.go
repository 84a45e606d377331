package scheduler

import (
	"log/slog"
	"runtime/debug"

	"pregonero"
)

// cronLogger is the cron.Logger of the scheduler's cron, over slog. Its
// Error is what cron.Recover calls with a job's panic; the line carries
// the stack so the panic can be found after the process went on.
type cronLogger struct{ l *slog.Logger }

// Info drops cron's progress lines (start, wake, run, stop): chatter, under
// keys of cron's own.
func (cronLogger) Info(string, ...any) {}

// Error logs cron's one error: a job that panicked (cron.Recover). Its own
// stack attribute is cut at 64 KiB; this one is whole. The deferred call
// that recovered is still on the panicking stack, so the stack names the
// job's frames.
func (c cronLogger) Error(err error, msg string, _ ...any) {
	if msg == "panic" {
		c.l.Error("cron job panicked", pregonero.LogPanic, err.Error(), pregonero.LogStack, string(debug.Stack()))
		return
	}
	c.l.Error("cron: "+msg, pregonero.LogErr, err)
}
