package posting

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sync"

	"pregonero"
)

// importMemo is the store as the checks of one import see it: the
// accounts and campaigns read once for the whole file, and each media
// record read once however many rows name it, so that ten thousand rows
// cost a handful of reads. Everything else goes to the store.
type importMemo struct {
	pregonero.Store
	pregonero.CampaignStore

	s             *Service
	accounts      map[string]*pregonero.Account
	campaigns     map[string]*pregonero.Campaign
	campaignNames map[string]string // campaignKey(name) → id

	mu    sync.Mutex
	blobs map[string]memoBlob
}

type memoBlob struct {
	b   pregonero.MediaBlob
	err error
}

func newImportMemo(ctx context.Context, s *Service) (*importMemo, error) {
	m := &importMemo{Store: s.store, s: s, accounts: map[string]*pregonero.Account{}, campaigns: map[string]*pregonero.Campaign{},
		campaignNames: map[string]string{}, blobs: map[string]memoBlob{}}
	accounts, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: accounts: %w", err)
	}
	for _, a := range accounts {
		m.accounts[a.ID] = a
	}
	if cs, ok := s.store.(pregonero.CampaignStore); ok {
		m.CampaignStore = cs
		all, err := cs.Campaigns(ctx)
		if err != nil {
			return nil, fmt.Errorf("import: campaigns: %w", err)
		}
		for _, c := range all {
			m.campaigns[c.ID] = c
			m.campaignNames[campaignKey(c.Name)] = c.ID
		}
	}
	return m, nil
}

// Account answers from the accounts read at the start.
func (m *importMemo) Account(_ context.Context, id string) (*pregonero.Account, error) {
	if a, ok := m.accounts[id]; ok {
		return a, nil
	}
	return nil, pregonero.Errorf(pregonero.ENOTFOUND, "account %s not found", id)
}

// Campaign answers from the campaigns read at the start.
func (m *importMemo) Campaign(_ context.Context, id string) (*pregonero.Campaign, error) {
	if c, ok := m.campaigns[id]; ok {
		return c, nil
	}
	if m.CampaignStore == nil {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store keeps no campaigns.")
	}
	return nil, pregonero.Errorf(pregonero.ENOTFOUND, "campaign %s not found", id)
}

// Blob resolves a media id once, through the service's library.
func (m *importMemo) Blob(ctx context.Context, id string) (pregonero.MediaBlob, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.blobs[id]; ok {
		return b.b, b.err
	}
	b, err := m.s.blob(ctx, id)
	if pregonero.ErrorCode(err) == pregonero.ENOTFOUND || err == nil {
		m.blobs[id] = memoBlob{b, err}
	}
	return b, err
}

// checkMediaURL says what is wrong with a media URL, "" when nothing is.
func checkMediaURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q is not an http or https URL of a file.", raw)
	}
	return ""
}

// fetchMedia downloads the media URLs of the rows still valid, each URL
// once, puts the library ids in their place, and checks those rows
// again with their files: a network's limits on media apply only now.
func (im *importer) fetchMedia(ctx context.Context, rows []*importRow, rep *ImportReport) error {
	type got struct {
		id  string
		err error
	}
	done := map[string]got{}
	changed := false
	for _, r := range rows {
		if r.bad || len(r.urls) == 0 {
			continue
		}
		var errs []ImportError
		for _, j := range slices.Sorted(maps.Keys(r.urls)) {
			u := r.urls[j]
			g, ok := done[u]
			if !ok {
				if im.fetch == nil {
					g.err = pregonero.Errorf(pregonero.EUNAVAILABLE, "This server has no media library to download %s into; upload the file and give its id.", u)
				} else {
					m, err := im.fetch(ctx, u, "")
					if err != nil && !isFetchRefusal(err) {
						return fmt.Errorf("import: download %s: %w", u, err)
					}
					g.err = err
					if m != nil {
						g.id = m.ID
					}
				}
				done[u] = g
			}
			if g.err != nil {
				errs = append(errs, ImportError{Row: r.line, Column: im.colName(ColMedia), FieldError: pregonero.FieldError{
					Field: fmt.Sprintf("media[%d]", j), Code: pregonero.FieldInvalid, Actual: u,
					Message: fmt.Sprintf("%s could not be downloaded: %s", u, pregonero.ErrorMessage(g.err))}})
				continue
			}
			r.draft.Media[j].ID = g.id
		}
		if len(errs) == 0 {
			c, fields, err := im.checkDraft(ctx, r.draft)
			if err != nil {
				return err
			}
			r.c = c
			for _, f := range fields {
				errs = append(errs, ImportError{Row: r.line, Column: im.columnOf(f, r), FieldError: f})
			}
		}
		if len(errs) > 0 {
			r.bad, changed = true, true
			rep.Valid--
			rep.Errors = append(rep.Errors, errs...)
		}
	}
	if changed {
		sortImportErrors(rep.Errors)
	}
	return nil
}

// isFetchRefusal reports whether a download failed for a reason the
// person can fix (the URL, the file), rather than the server's own
// trouble.
func isFetchRefusal(err error) bool {
	switch pregonero.ErrorCode(err) {
	case pregonero.EINVALID, pregonero.ENOTFOUND, pregonero.ETOOLARGE, pregonero.EUNAVAILABLE, pregonero.EFORBIDDEN:
		return true
	}
	return false
}
