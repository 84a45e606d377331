package posting

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"time"

	"pregonero"
)

// CSV export of posts: the columns of the import (ExportPostColumns),
// then, for every account some exported post goes to, text:<account>
// (its own text, when it has one), state:<account> (the delivery's state)
// and url:<account> (its live link). The import skips id, status,
// state:… and url:…, so an exported file imported into another server
// (with the same accounts, and the same files in its media library:
// media ids are made from the files' bytes) creates the same posts.
// Posts whose time has passed must be given a new time first, since an
// import schedules only ahead. scheduled_at is written RFC 3339 with the
// offset of the query's zone, which names one instant however the clocks
// change. Several values in a cell are separated by "|", a "|" or "\"
// in a value written "\|" or "\\" (see splitList).
//
// The file is written like the metrics export: UTF-8 with a byte order
// mark, RFC 4180 quoting, CRLF line ends, and cells as they are: a text
// that starts with "=" is text in the file, and stays that text through
// an import; a spreadsheet that evaluates it does so on its own.

// ExportPostColumns are the columns of the posts export before those of
// each account.
var ExportPostColumns = []string{ColID, ColStatus, ColText, ColLink, ColTargets, ColScheduledAt, ColMedia, ColAltText, ColCampaign, ColDraft}

// exportPage is how many posts one read of the export takes.
const exportPage = 500

// ExportPostsCSV writes the posts f selects (f.Cursor and f.Limit are
// ignored) as CSV to w, in the order of their time, and returns how many
// rows it wrote after the header. Every signed-in user may read posts.
// The posts are read twice, a page at a time: once to learn which
// accounts need columns, once to write them; a post created between the
// two is left out, so every row has the columns it needs.
func (s *Service) ExportPostsCSV(ctx context.Context, f pregonero.PostFilter, loc *time.Location, w io.Writer) (int, error) {
	if loc == nil {
		loc = s.loc
	}
	seen := map[string]bool{}
	targets, texts := map[string]bool{}, map[string]bool{}
	err := s.eachPost(ctx, f, func(p *pregonero.Post) error {
		seen[p.ID] = true
		for _, t := range p.Targets {
			targets[t] = true
		}
		for id, o := range p.Overrides {
			if o.Text != nil {
				texts[id] = true
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("export posts: %w", err)
	}
	accounts := make([]string, 0, len(targets))
	for id := range targets {
		accounts = append(accounts, id)
	}
	slices.Sort(accounts)
	header := slices.Clone(ExportPostColumns)
	for _, id := range accounts {
		if texts[id] {
			header = append(header, ColTextFor+id)
		}
		header = append(header, ColStateFor+id, ColURLFor+id)
	}
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return 0, fmt.Errorf("export posts: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return 0, fmt.Errorf("export posts: %w", err)
	}
	rows := 0
	record := make([]string, 0, len(header))
	err = s.eachPost(ctx, f, func(p *pregonero.Post) error {
		if !seen[p.ID] {
			return nil
		}
		record = spreadsheetSafeAll(appendPostRecord(record[:0], p, loc, accounts, texts))
		if err := cw.Write(record); err != nil {
			return err
		}
		rows++
		return nil
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err != nil {
		return rows, fmt.Errorf("export posts: %w", err)
	}
	return rows, nil
}

// eachPost calls fn with every post f selects, a page at a time; the
// writes of one page happen between reads, so a slow reader of the file
// never holds a read transaction open.
func (s *Service) eachPost(ctx context.Context, f pregonero.PostFilter, fn func(*pregonero.Post) error) error {
	f.Cursor, f.Limit = "", exportPage
	for {
		page, err := s.store.Posts(ctx, f)
		if err != nil {
			return err
		}
		for _, p := range page.Posts {
			if err := fn(p); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		f.Cursor = page.Next
	}
}

// appendPostRecord appends the cells of one post.
func appendPostRecord(record []string, p *pregonero.Post, loc *time.Location, accounts []string, texts map[string]bool) []string {
	at := ""
	if !p.ScheduledAt.IsZero() {
		at = p.ScheduledAt.In(loc).Format(time.RFC3339)
	}
	ids := make([]string, len(p.Media))
	alts := make([]string, len(p.Media))
	hasAlt := false
	for i, m := range p.Media {
		ids[i], alts[i] = m.ID, m.AltText
		hasAlt = hasAlt || m.AltText != ""
	}
	alt := ""
	if hasAlt {
		alt = joinList(alts)
	}
	draft := "false"
	if p.IsDraft() {
		draft = "true"
	}
	record = append(record, p.ID, string(p.DerivedStatus()), p.Text, p.Link, joinList(p.Targets), at, joinList(ids), alt, p.Campaign, draft)
	for _, id := range accounts {
		if texts[id] {
			text := ""
			if o, ok := p.Overrides[id]; ok && o.Text != nil {
				text = *o.Text
			}
			record = append(record, text)
		}
		state, link := "", ""
		for _, d := range p.Deliveries {
			if d.AccountID == id {
				state, link = string(d.State), d.URL
			}
		}
		record = append(record, state, link)
	}
	return record
}
