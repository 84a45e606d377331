package web

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"pregonero"
	"pregonero/posting"
)

func (s *Server) handleAccounts(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	as, err := s.store.Accounts(ctx)
	if err != nil {
		return err
	}
	billed, err := s.posts.BilledReadsToday(ctx)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	// Credentials never leave the server: the Account type does not
	// serialize them, and this copy drops them besides.
	out := make([]AccountStatus, len(as))
	for i, a := range as {
		c := *a
		c.Credentials, c.CredentialsHash = nil, ""
		c.StatusSince, c.UpdatedAt = utc(c.StatusSince), utc(c.UpdatedAt)
		out[i] = AccountStatus{Account: &c}
		if b, ok := billed[a.ID]; ok {
			out[i].BilledReadsToday = &b
		}
	}
	writeJSON(w, http.StatusOK, AccountList{Accounts: out})
	return nil
}

func (s *Server) handleGetPause(w http.ResponseWriter, r *http.Request) error {
	p, err := s.store.Pause(r.Context())
	if err != nil {
		return err
	}
	p.Since = utc(p.Since)
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) handlePause(w http.ResponseWriter, r *http.Request) error {
	var req PauseRequest
	if err := decodeBody(w, r, s.maxBody, &req, false); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.posts.Pause(ctx, req.Account, req.Reason); err != nil {
		return fmt.Errorf("pause: %w", err)
	}
	res, err := s.pauseResult(ctx, req.Account)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) handleResume(w http.ResponseWriter, r *http.Request) error {
	var req ResumeRequest
	if err := decodeBody(w, r, s.maxBody, &req, true); err != nil {
		return err
	}
	rep, err := s.posts.Resume(r.Context(), req.Account)
	if err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) handleReleaseDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := s.posts.Release(r.Context(), r.PathValue("id"))
	if err != nil {
		return fmt.Errorf("release: %w", err)
	}
	utcDelivery(d)
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) handleRetryDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := s.posts.RetryNow(r.Context(), r.PathValue("id"))
	if err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	utcDelivery(d)
	writeJSON(w, http.StatusOK, d)
	return nil
}

// pauseResult reads back the pause state the request changed.
func (s *Server) pauseResult(ctx context.Context, account string) (PauseResult, error) {
	if account == "" {
		p, err := s.store.Pause(ctx)
		if err != nil {
			return PauseResult{}, err
		}
		return PauseResult{Paused: p.Paused, Reason: p.Reason, Since: utc(p.Since)}, nil
	}
	a, err := s.store.Account(ctx, account)
	if err != nil {
		return PauseResult{}, err
	}
	return PauseResult{Account: a.ID, Paused: a.Status == pregonero.AccountPaused, Reason: a.StatusReason, Since: utc(a.StatusSince)}, nil
}

// handleBackup streams a consistent snapshot of the store: with bbolt only
// the serving process may open the file, so a backup of a running server
// goes through it.
func (s *Server) handleBackup(w http.ResponseWriter, r *http.Request) error {
	name := "pregonero-" + s.now().UTC().Format("20060102T150405Z") + ".db"
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	cw := &countingWriter{w: w}
	if _, err := s.store.Backup(r.Context(), cw); err != nil {
		if cw.n == 0 {
			w.Header().Del("Content-Disposition")
			return fmt.Errorf("backup: %w", err)
		}
		// Part of the snapshot is on the wire with a 200: only a broken
		// connection tells the client it is incomplete.
		s.logger.ErrorContext(r.Context(), "backup cut short", logErr, err, logBytes, cw.n)
		panic(http.ErrAbortHandler)
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// AccountCheckRequest names the accounts POST /api/v1/accounts/check
// checks; none means every account.
type AccountCheckRequest struct {
	Accounts []string `json:"accounts,omitempty"`
}

// AccountCheckList is the answer of POST /api/v1/accounts/check.
type AccountCheckList struct {
	Accounts []posting.AccountCheck `json:"accounts"`
}

func (s *Server) handleCheckAccounts(w http.ResponseWriter, r *http.Request) error {
	var req AccountCheckRequest
	if err := decodeBody(w, r, s.maxBody, &req, true); err != nil {
		return err
	}
	res, err := s.posts.CheckAccounts(r.Context(), req.Accounts...)
	if err != nil {
		return fmt.Errorf("check accounts: %w", err)
	}
	writeJSON(w, http.StatusOK, AccountCheckList{Accounts: res})
	return nil
}
