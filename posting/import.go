package posting

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"pregonero"
)

// Bulk import of posts from a CSV file: one row per post (see
// import_csv.go for the columns and how the file is read). The whole
// file is checked first, every row through the checks Create makes
// (each network's limits, the targets the person may post to, the time
// rules), and the report lists every error by row (the file's line
// number, the header being line 1) and column. Nothing is created unless
// every row passes, or, when asked (ImportRequest.ValidOnly), the rows
// that pass. A dry run checks only.
//
// The check reads the accounts, the campaigns and the media records once
// for the whole file and calls no network: a media URL is checked as a
// URL, and downloaded into the library (Config.Fetch) only when the
// import is made, after which its row is checked again with the file.
//
// An import is known by the SHA-256 of the file's bytes: the same file
// uploaded again gets the first import's posts back instead of new ones.
// The import's record and all its posts are written in one transaction
// (pregonero.ImportStore.CreateImport), so a crash leaves all or nothing.

// ImportRequest is a CSV file to import.
type ImportRequest struct {
	Data     []byte
	Filename string
	// Timezone is the IANA zone of the times without offset; the
	// service's zone when empty.
	Timezone string
	// ValidOnly creates the rows that pass and leaves out the others;
	// without it one bad row stops the whole file.
	ValidOnly bool
	// DryRun checks the file and creates nothing.
	DryRun bool
}

// ImportError is one error of one row and column. Row is the line of
// the file where the row starts (the header is line 1); Column is the
// header's name for the column, empty when the error is about the whole
// row or file. The embedded FieldError carries the stable code, the
// field of the post and an English message.
type ImportError struct {
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	pregonero.FieldError
}

func (e *ImportError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	}
	return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Message)
}

// ImportReport is what an import did, or would do.
type ImportReport struct {
	// ID is the hex SHA-256 of the file: the import's id.
	ID       string `json:"id"`
	Filename string `json:"filename,omitempty"`
	// Separator is the separator the file was read with: "," or ";".
	Separator string `json:"separator,omitempty"`
	// Rows counts the data rows (blank lines left out); Valid those
	// without errors.
	Rows  int `json:"rows"`
	Valid int `json:"valid"`
	// Errors lists every error, by row and then column.
	Errors    []ImportError `json:"errors"`
	DryRun    bool          `json:"dry_run"`
	ValidOnly bool          `json:"valid_only"`
	// Created says this request created the posts; Replayed that the
	// same file was imported before, and Posts are that import's.
	Created  bool `json:"created"`
	Replayed bool `json:"replayed"`
	// Posts are the posts created, with their rows.
	Posts []pregonero.ImportedPost `json:"posts"`
	// Skipped counts the rows left out for their errors.
	Skipped int `json:"skipped"`
	// Ignored names the columns of the file that an import skips (those
	// of an export: id, status, state:…, url:…).
	Ignored []string `json:"ignored_columns"`
	// Author and CreatedAt are the import's, once made.
	Author    string    `json:"author,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Refused reports whether the import was asked for and nothing was
// created because rows have errors.
func (r *ImportReport) Refused() bool {
	return !r.DryRun && !r.Created && !r.Replayed
}

// importStore returns the store's imports, or the error that says the
// store keeps none.
func (s *Service) importStore() (pregonero.ImportStore, error) {
	is, ok := s.store.(pregonero.ImportStore)
	if !ok {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server's store keeps no imports.")
	}
	return is, nil
}

// ImportRecord returns the record of an import by id (the SHA-256 of its
// file). Every signed-in user may read it.
func (s *Service) ImportRecord(ctx context.Context, id string) (*pregonero.Import, error) {
	is, err := s.importStore()
	if err != nil {
		return nil, err
	}
	return is.Import(ctx, id)
}

// Import checks a CSV file of posts and, unless it is a dry run, creates
// them (see the top of this file). The report says what was found and
// done; an error means the file could not be dealt with at all (a viewer
// acting, a store failure). A user acting in ctx must be allowed to post
// to the targets of every row created, and is the author of its posts.
func (s *Service) Import(ctx context.Context, req ImportRequest) (*ImportReport, error) {
	if err := mayImport(ctx); err != nil {
		return nil, err
	}
	if err := checkImportFilename(req.Filename); err != nil {
		return nil, err
	}
	is, err := s.importStore()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(req.Data)
	rep := &ImportReport{ID: hex.EncodeToString(sum[:]), Filename: req.Filename, DryRun: req.DryRun, ValidOnly: req.ValidOnly,
		Errors: []ImportError{}, Posts: []pregonero.ImportedPost{}, Ignored: []string{}}
	switch prev, err := is.Import(ctx, rep.ID); pregonero.ErrorCode(err) {
	case "":
		return replayed(rep, prev), nil
	case pregonero.ENOTFOUND:
	default:
		return nil, fmt.Errorf("import: %w", err)
	}
	loc, fe := s.Zone(req.Timezone)
	if fe != nil {
		return nil, pregonero.Invalid([]pregonero.FieldError{*fe})
	}
	im, err := s.newImporter(ctx, loc)
	if err != nil {
		return nil, err
	}
	rows, err := im.check(ctx, req.Data, rep)
	if err != nil {
		return nil, err
	}
	if req.DryRun {
		// Where the queue would put the rows, to say which cannot go.
		if err := im.placeQueued(ctx, rows, rep, im.now); err != nil {
			return nil, err
		}
		return rep, nil
	}
	if len(rep.Errors) > 0 && !req.ValidOnly {
		return rep, nil
	}
	if err := im.fetchMedia(ctx, rows, rep); err != nil {
		return nil, err
	}
	now := s.now()
	if queued(rows) {
		// No other post takes a slot between the placing and the write.
		s.queue.mu.Lock()
		defer s.queue.mu.Unlock()
		if err := im.placeQueued(ctx, rows, rep, now); err != nil {
			return nil, err
		}
	}
	if len(rep.Errors) > 0 && !req.ValidOnly {
		return rep, nil
	}
	imp := &pregonero.Import{ID: rep.ID, Filename: req.Filename, Rows: rep.Rows, CreatedAt: now.UTC()}
	if u := pregonero.UserFromContext(ctx); u != nil {
		imp.Author = u.Username
	}
	var posts []*pregonero.Post
	var placed []*pregonero.Delivery // the queue chose their instants
	for _, r := range rows {
		if r.bad {
			imp.Skipped++
			continue
		}
		p := s.newPost(r.c, pregonero.NewID("p", now), now, r.draft.Draft)
		if r.c.queue {
			placed = append(placed, p.Deliveries...)
		}
		posts = append(posts, p)
		imp.Posts = append(imp.Posts, pregonero.ImportedPost{Row: r.line, PostID: p.ID})
	}
	rep.Skipped = imp.Skipped
	if len(posts) == 0 {
		return rep, nil
	}
	if err := s.markPlaced(ctx, placed, true); err != nil {
		return nil, err
	}
	err = is.CreateImport(ctx, imp, posts)
	if err != nil && len(placed) > 0 {
		// Marks of deliveries never written are harmless; forgetting them
		// keeps the record from growing with refused imports.
		if uerr := s.markPlaced(context.WithoutCancel(ctx), placed, false); uerr != nil {
			s.logger.WarnContext(ctx, "forget the queue's marks of an import not made", pregonero.LogImport, rep.ID, pregonero.LogErr, uerr)
		}
	}
	switch pregonero.ErrorCode(err) {
	case "":
	case pregonero.ECONFLICT:
		// The same file, imported by another request meanwhile: its
		// posts are the answer. A conflict on a post id is not that.
		if prev, perr := is.Import(ctx, rep.ID); perr == nil {
			return replayed(rep, prev), nil
		}
		return nil, fmt.Errorf("import: %w", err)
	default:
		return nil, fmt.Errorf("import: %w", err)
	}
	rep.Created, rep.Posts, rep.Author, rep.CreatedAt = true, imp.Posts, imp.Author, imp.CreatedAt
	s.logger.InfoContext(ctx, "posts imported", pregonero.LogImport, rep.ID, pregonero.LogFile, rep.Filename, pregonero.LogCount, len(posts))
	return rep, nil
}

// replayed is the report of a file imported before: that import's posts.
func replayed(rep *ImportReport, prev *pregonero.Import) *ImportReport {
	rep.Replayed, rep.Posts, rep.Rows, rep.Skipped = true, prev.Posts, prev.Rows, prev.Skipped
	rep.Valid = len(prev.Posts)
	rep.Author, rep.CreatedAt = prev.Author, prev.CreatedAt
	if rep.Filename == "" {
		rep.Filename = prev.Filename
	}
	return rep
}

// mayImport refuses a user who may not create posts at all; the targets
// of each row are checked with the row.
func mayImport(ctx context.Context) error {
	u := pregonero.UserFromContext(ctx)
	if u == nil {
		return nil
	}
	if u.Disabled || (u.Role != pregonero.RoleAdmin && u.Role != pregonero.RoleEditor) {
		return pregonero.Errorf(pregonero.EFORBIDDEN, "%s may read posts but not import them (role %s).", u.Username, u.Role)
	}
	return nil
}

// importer checks the rows of one file with a copy of the service whose
// store answers accounts, campaigns and media from what it read once.
type importer struct {
	s     *Service
	view  *Service // s, reading through the memo
	memo  *importMemo
	loc   *time.Location
	now   time.Time
	cols  []column
	fetch func(ctx context.Context, url, alt string) (*pregonero.Media, error)
}

// column is what one column of the file holds.
type column struct {
	name string // as the header writes it
	kind string // one of ImportColumns, ColTextFor, or "" for an ignored one
	// account is the account of a text:<account> column.
	account string
}

// importRow is one row checked.
type importRow struct {
	line  int
	draft *Draft
	c     *checked
	// urls are the media entries given as URLs, by their index in the
	// row's media; ids stand in their place until they are downloaded.
	urls map[int]string
	// overrides marks the accounts whose text comes from their own column.
	overrides map[string]bool
	bad       bool
}

func (s *Service) newImporter(ctx context.Context, loc *time.Location) (*importer, error) {
	memo, err := newImportMemo(ctx, s)
	if err != nil {
		return nil, err
	}
	view := *s
	view.store = memo
	view.media = memo
	return &importer{s: s, view: &view, memo: memo, loc: loc, now: s.now(), fetch: s.fetch}, nil
}

// check reads the file and checks every row, filling the report, and
// returns the rows.
func (im *importer) check(ctx context.Context, data []byte, rep *ImportReport) ([]*importRow, error) {
	f, err := readCSV(data)
	if err != nil {
		var ie *ImportError
		if errors.As(err, &ie) {
			rep.Errors = append(rep.Errors, *ie)
			return nil, nil
		}
		return nil, err
	}
	rep.Separator = string(f.sep)
	if errs := im.readHeader(f.header, rep); len(errs) > 0 {
		rep.Errors = append(rep.Errors, errs...)
		return nil, nil
	}
	rows := make([]*importRow, 0, len(f.rows))
	for _, cr := range f.rows {
		if blank(cr.cells) {
			continue
		}
		r, errs, err := im.checkRow(ctx, cr)
		if err != nil {
			return nil, err
		}
		if len(errs) > 0 {
			r.bad = true
			rep.Errors = append(rep.Errors, errs...)
		}
		rows = append(rows, r)
	}
	for _, p := range f.problems {
		rep.Errors = append(rep.Errors, p)
		rep.Rows++
	}
	rep.Rows += len(rows)
	for _, r := range rows {
		if !r.bad {
			rep.Valid++
		}
	}
	sortImportErrors(rep.Errors)
	return rows, nil
}

// sortImportErrors orders errors by row; within a row they keep the
// order the checks found them in.
func sortImportErrors(errs []ImportError) {
	slices.SortStableFunc(errs, func(a, b ImportError) int { return a.Row - b.Row })
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readHeader reads the column names: the known ones, text:<account> for
// an account that exists, and the export's columns, which are skipped.
func (im *importer) readHeader(header []string, rep *ImportReport) []ImportError {
	var errs []ImportError
	bad := func(name, code, msg string) {
		errs = append(errs, ImportError{Row: 1, Column: name, FieldError: pregonero.FieldError{Field: "header", Code: code, Actual: name, Message: msg}})
	}
	seen := map[string]bool{}
	im.cols = make([]column, len(header))
	for i, h := range header {
		name := strings.TrimSpace(h)
		lower := strings.ToLower(name)
		col := column{name: name}
		switch {
		case name == "":
			bad(name, pregonero.FieldRequired, fmt.Sprintf("Column %d has no name; name it or remove it.", i+1))
			continue
		case slices.Contains(ImportColumns, lower):
			col.kind = lower
		case slices.Contains(ImportIgnored, lower):
			rep.Ignored = append(rep.Ignored, name)
		case strings.HasPrefix(lower, ColStateFor) || strings.HasPrefix(lower, ColURLFor):
			rep.Ignored = append(rep.Ignored, name)
		case strings.HasPrefix(lower, ColTextFor):
			col.kind, col.account = ColTextFor, strings.TrimSpace(name[len(ColTextFor):])
			if col.account == "" {
				bad(name, pregonero.FieldInvalid, "The column text: must name an account: text:<account id>.")
				continue
			}
			if _, ok := im.memo.accounts[col.account]; !ok {
				bad(name, pregonero.FieldUnknown, fmt.Sprintf("The column %s is the text of account %s, and there is no such account.", name, col.account))
				continue
			}
			lower = ColTextFor + col.account
		default:
			bad(name, pregonero.FieldUnknown, fmt.Sprintf("Unknown column %q; the columns are %s and text:<account id>.", name, strings.Join(ImportColumns, ", ")))
			continue
		}
		if col.kind != "" && seen[lower] {
			bad(name, pregonero.FieldDuplicate, fmt.Sprintf("The column %s appears twice.", name))
			continue
		}
		seen[lower] = true
		im.cols[i] = col
	}
	if len(errs) == 0 && !seen[ColTargets] {
		bad(ColTargets, pregonero.FieldRequired, "The file has no targets column: each row needs the account ids to publish to, separated by |.")
	}
	return errs
}

// checkRow turns a row into a draft and checks it as Create would.
func (im *importer) checkRow(ctx context.Context, cr csvRow) (*importRow, []ImportError, error) {
	r := &importRow{line: cr.line, draft: &Draft{}, overrides: map[string]bool{}}
	var errs []ImportError
	add := func(col, field, code, msg string, actual any) {
		errs = append(errs, ImportError{Row: cr.line, Column: col, FieldError: pregonero.FieldError{Field: field, Code: code, Actual: actual, Message: msg}})
	}
	cells := cr.cells
	if len(cells) > len(im.cols) {
		if !blank(cells[len(im.cols):]) {
			add("", "row", pregonero.FieldTooMany, fmt.Sprintf("This row has %d cells and the header names %d columns; a cell with the separator in it must be enclosed in quotes.", len(cells), len(im.cols)), len(cells))
		}
		cells = cells[:len(im.cols)]
	} else if len(cells) < len(im.cols) {
		add("", "row", pregonero.FieldRequired, fmt.Sprintf("This row has %d cells and the header names %d columns.", len(cells), len(im.cols)), len(cells))
	}
	d := r.draft
	var alts []string
	altCol := ""
	for i, cell := range cells {
		col := im.cols[i]
		switch col.kind {
		case ColText:
			d.Text = cell
		case ColLink:
			d.Link = strings.TrimSpace(cell)
		case ColTargets:
			d.Targets = splitList(cell)
		case ColScheduledAt:
			im.readTime(d, col.name, strings.TrimSpace(cell), add)
		case ColMedia:
			for j, v := range splitList(cell) {
				if isURL(v) {
					if r.urls == nil {
						r.urls = map[int]string{}
					}
					r.urls[j] = v
				}
				d.Media = append(d.Media, pregonero.PostMedia{ID: v})
			}
		case ColAltText:
			alts, altCol = splitList(cell), col.name
		case ColCampaign:
			d.Campaign = im.campaign(col.name, strings.TrimSpace(cell), add)
		case ColDraft:
			v, ok := readBool(cell)
			if !ok {
				add(col.name, "draft", pregonero.FieldInvalid, fmt.Sprintf("draft %q is not yes or no; write true or false (also sí/no, 1/0), or leave it empty for no.", cell), cell)
			}
			d.Draft = v
		case ColTextFor:
			if strings.TrimSpace(cell) == "" {
				continue
			}
			if d.Overrides == nil {
				d.Overrides = map[string]pregonero.Override{}
			}
			text := cell
			d.Overrides[col.account] = pregonero.Override{Text: &text}
			r.overrides[col.account] = true
		}
	}
	if len(alts) > len(d.Media) {
		add(altCol, "alt_text", pregonero.FieldTooMany, fmt.Sprintf("There are %d alt texts for %d media; give them in the order of the media, separated by |.", len(alts), len(d.Media)), len(alts))
	}
	for j, alt := range alts {
		if j < len(d.Media) {
			d.Media[j].AltText = alt
		}
	}
	for _, j := range slices.Sorted(maps.Keys(r.urls)) {
		u := r.urls[j]
		if f := checkMediaURL(u); f != "" {
			add(im.colName(ColMedia), fmt.Sprintf("media[%d]", j), pregonero.FieldInvalid, f, u)
		}
	}
	// A URL is downloaded when the import is made: until then its row is
	// checked without it.
	checkDraft := d
	if len(r.urls) > 0 {
		dd := *d
		dd.Media = slices.Clone(d.Media)
		dd.Media = slices.DeleteFunc(dd.Media, func(m pregonero.PostMedia) bool { return isURL(m.ID) })
		checkDraft = &dd
	}
	c, fields, err := im.checkDraft(ctx, checkDraft)
	if err != nil {
		return nil, nil, err
	}
	if len(r.urls) > 0 {
		// The downloaded files will give the row its media.
		fields = slices.DeleteFunc(fields, func(f pregonero.FieldError) bool {
			return f.Code == pregonero.FieldRequired && (f.Field == "text" || strings.HasPrefix(f.Field, "media"))
		})
		// The check saw the media without the URLs: its positions are
		// turned back into the row's.
		var pos []int
		for j, m := range d.Media {
			if !isURL(m.ID) {
				pos = append(pos, j)
			}
		}
		for i, f := range fields {
			fields[i].Field = renumberMedia(f.Field, pos)
		}
	}
	for _, f := range fields {
		errs = append(errs, ImportError{Row: cr.line, Column: im.columnOf(f, r), FieldError: f})
	}
	r.c = c
	return r, errs, nil
}

// checkDraft runs the checks of Create on a draft, through the memo, and
// returns the checked post and every field error.
func (im *importer) checkDraft(ctx context.Context, d *Draft) (*checked, []pregonero.FieldError, error) {
	v := im.view
	var denied []pregonero.FieldError
	if err := v.mayPost(ctx, d.Targets...); err != nil {
		if pregonero.ErrorCode(err) != pregonero.EFORBIDDEN {
			return nil, nil, err
		}
		denied = append(denied, pregonero.FieldError{Field: "targets", Code: pregonero.EFORBIDDEN, Message: pregonero.ErrorMessage(err)})
	}
	// The rows that go to the queue are placed together, once the whole
	// file is checked (placeQueued).
	c, errs, err := v.checkNew(ctx, authored(ctx, d), im.now, nil)
	if err != nil {
		return nil, nil, err
	}
	return c, append(denied, errs...), nil
}

// colName is the header's name of a column kind.
func (im *importer) colName(kind string) string {
	for _, c := range im.cols {
		if c.kind == kind {
			return c.name
		}
	}
	return kind
}

// columnOf names the column a field error of a row's post belongs to.
func (im *importer) columnOf(f pregonero.FieldError, r *importRow) string {
	field := f.Field
	switch {
	case field == "text" && f.Target != "" && r.overrides[f.Target]:
		return im.textColumn(f.Target)
	case field == "overrides.text" || (field == "overrides" && r.overrides[f.Target]):
		return im.textColumn(f.Target)
	case field == "text":
		if !slices.ContainsFunc(im.cols, func(c column) bool { return c.kind == ColText }) {
			return ""
		}
		return im.colName(ColText)
	case strings.HasPrefix(field, "media[") && strings.HasSuffix(field, "].alt_text"):
		return im.colName(ColAltText)
	case field == "media" || strings.HasPrefix(field, "media"):
		return im.colName(ColMedia)
	case field == "targets", field == "link", field == "scheduled_at", field == "campaign":
		return im.colName(field)
	case field == "timezone":
		return im.colName(ColScheduledAt)
	}
	return ""
}

// textColumn is the name of the text:<account> column.
func (im *importer) textColumn(account string) string {
	for _, c := range im.cols {
		if c.kind == ColTextFor && c.account == account {
			return c.name
		}
	}
	return ColTextFor + account
}

// readTime reads a scheduled_at cell: any time the command line takes
// (ParseHuman), or QueueTime for the next free slot.
func (im *importer) readTime(d *Draft, col, v string, add func(col, field, code, msg string, actual any)) {
	switch {
	case v == "":
		return
	case IsQueue(v):
		d.ScheduledAt = QueueTime
		return
	}
	t, err := ParseHuman(v, im.now, im.loc)
	if err != nil {
		var te *TimeError
		actual := any(v)
		if errors.As(err, &te) {
			actual = te.Suggestions()
		}
		add(col, "scheduled_at", pregonero.FieldInvalid, "scheduled_at: "+err.Error()+".", actual)
		return
	}
	d.ScheduledAt = t.Format(time.RFC3339Nano)
}

// campaign resolves a campaign cell, an id or a name in any case, to the
// campaign's id.
func (im *importer) campaign(col, v string, add func(col, field, code, msg string, actual any)) string {
	if v == "" {
		return ""
	}
	if _, ok := im.memo.campaigns[v]; ok {
		return v
	}
	if id, ok := im.memo.campaignNames[campaignKey(v)]; ok {
		return id
	}
	add(col, "campaign", pregonero.FieldUnknown, fmt.Sprintf("There is no campaign %q, by id or by name; create it first or correct the name.", v), v)
	return ""
}

// campaignKey is how a campaign name is compared: composed and lowered,
// as the store keeps names unique.
func campaignKey(name string) string { return strings.ToLower(norm.NFC.String(name)) }

// readBool reads a draft cell.
func readBool(v string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "false", "no", "0", "n":
		return false, true
	case "true", "sí", "si", "yes", "1", "x", "s", "y":
		return true, true
	}
	return false, false
}

// isURL reports whether a media entry is a URL to download rather than a
// library id.
func isURL(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// renumberMedia turns the position in a field "media[k]…" into pos[k].
func renumberMedia(field string, pos []int) string {
	rest, ok := strings.CutPrefix(field, "media[")
	if !ok {
		return field
	}
	n, tail, ok := strings.Cut(rest, "]")
	k, err := strconv.Atoi(n)
	if !ok || err != nil || k < 0 || k >= len(pos) {
		return field
	}
	return fmt.Sprintf("media[%d]%s", pos[k], tail)
}

// MaxImportFilename caps the name an import is recorded under, in bytes:
// the most a file's name has on common file systems.
const MaxImportFilename = 255

// checkImportFilename refuses a file name the import's record and report
// could not show as one short line.
func checkImportFilename(name string) error {
	var fe pregonero.FieldError
	switch {
	case len(name) > MaxImportFilename:
		fe = pregonero.FieldError{Code: pregonero.FieldTooLong, Actual: len(name), Limit: MaxImportFilename,
			Message: fmt.Sprintf("The file name has %d bytes; at most %d.", len(name), MaxImportFilename)}
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		fe = pregonero.FieldError{Code: pregonero.FieldInvalid,
			Message: "The file name must be one line of UTF-8 text, without control characters."}
	default:
		return nil
	}
	fe.Field = "filename"
	return pregonero.Invalid([]pregonero.FieldError{fe})
}
