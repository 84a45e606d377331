package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"pregonero"
	"pregonero/posting"
	"pregonero/web"
)

// ImportCommand sends a CSV file of posts to a running server: checked
// whole, and created only when every row passes (or, with -valid-only,
// the rows that pass).
type ImportCommand struct{ io *stdio }

// Usage prints the arguments.
func (c *ImportCommand) Usage() {
	fmt.Fprint(c.io.err, `Usage:

	pregonero import FILE.csv [-valid-only] [-dry-run] [-json]

Imports one post per row of a CSV file. The header row names the columns:
text, link, targets (account ids separated by |), scheduled_at (as post
create reads it, e.g. 2026-12-24 09:00, or queue for the next free slot),
media (library ids or URLs separated by |), alt_text (the media's, | between
them), campaign (id or name), draft (true/false, sí/no) and text:ACCOUNT
for one account's own text. A file written by "pregonero export posts" is
read as it is. The separator is "," or ";"; - reads the file from
standard input.

The whole file is checked first and every error is listed by row (the
file's line) and column. Nothing is created unless every row passes, or,
with -valid-only, the rows that pass. -dry-run checks only. The same file
imported again gets the first import's posts back. Exit status 1 when
rows have errors and nothing was imported.
`)
}

// Run sends the file. Flags may come before or after it.
func (c *ImportCommand) Run(ctx context.Context, args []string) error {
	var validOnly, dryRun bool
	l := newCmdLineOf(c.io, "pregonero import", c.Usage)
	l.BoolVar(&validOnly, "valid-only", false, "create the rows without errors and leave the others out")
	l.BoolVar(&dryRun, "dry-run", false, "check the file and create nothing")
	var files []string
	for {
		if err := l.parse(args); err != nil {
			return err
		}
		if l.NArg() == 0 {
			break
		}
		files, args = append(files, l.Arg(0)), l.Args()[1:]
	}
	if len(files) != 1 {
		return l.usageError(errors.New("give one CSV file (or - for standard input)"))
	}
	loc, err := l.zone()
	if err != nil {
		return err
	}
	name := files[0]
	var data []byte
	if name == "-" {
		data, err = io.ReadAll(c.io.in)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	opts := web.ImportOptions{Timezone: loc.String(), ValidOnly: validOnly, DryRun: dryRun}
	if name != "-" {
		opts.Filename = filepath.Base(name)
	}
	rep, err := cl.Import(ctx, data, opts)
	var refused *web.ImportRefusedError
	if errors.As(err, &refused) {
		err = nil // the report says why
	}
	if err := l.printJSONOr(rep, err, func() error { c.print(rep); return nil }); err != nil {
		return err
	}
	if rep.Refused() {
		return exitError{1}
	}
	return nil
}

// print writes the report for a person: the errors by row and column,
// then what was done.
func (c *ImportCommand) print(rep *posting.ImportReport) {
	w := termWriter{c.io.out}
	for _, e := range rep.Errors {
		fmt.Fprintf(w, "%s\n", e.Error())
	}
	switch {
	case rep.Replayed:
		fmt.Fprintf(w, "This file was imported already (%s): its %d posts are:\n", rep.CreatedAt.Format("2006-01-02 15:04"), len(rep.Posts))
	case rep.DryRun:
		fmt.Fprintf(w, "%d rows checked: %d valid, %d with errors. Nothing was imported (dry run).\n", rep.Rows, rep.Valid, rep.Rows-rep.Valid)
	case rep.Refused():
		fmt.Fprintf(w, "%d rows checked: %d valid, %d with errors. Nothing was imported: correct the rows, or use -valid-only.\n", rep.Rows, rep.Valid, rep.Rows-rep.Valid)
	default:
		fmt.Fprintf(w, "%d posts imported", len(rep.Posts))
		if rep.Skipped > 0 {
			fmt.Fprintf(w, ", %d rows left out for their errors", rep.Skipped)
		}
		fmt.Fprintln(w, ":")
	}
	for _, p := range rep.Posts {
		fmt.Fprintf(w, "  row %d\t%s\n", p.Row, p.PostID)
	}
	if len(rep.Ignored) > 0 {
		fmt.Fprintf(w, "Columns skipped: %s\n", strings.Join(rep.Ignored, ", "))
	}
}

// posts is export posts: the CSV of the posts the filters select, as the
// import reads it back.
func (c *ExportCommand) posts(ctx context.Context, args []string) error {
	var from, to, campaign, account, status, out string
	l := newCmdLineOf(c.io, "pregonero export posts", c.Usage)
	fs := l.FlagSet
	fs.StringVar(&from, "from", "", "only posts scheduled at or after this `time` (2026-12-01 00:00, RFC 3339)")
	fs.StringVar(&to, "to", "", "only posts scheduled before this `time`")
	fs.StringVar(&campaign, "campaign", "", "only the posts of this campaign (its `id`)")
	fs.StringVar(&account, "account", "", "only posts with a delivery to this `account`")
	fs.StringVar(&status, "status", "", "only posts in this `status`: draft, scheduled, publishing, published, partially_published, failed, canceled, held")
	fs.StringVar(&out, "o", "", "the CSV `file` to write (default: standard output)")
	if err := l.parseNoArgs(args, ""); err != nil {
		return err
	}
	loc, err := l.zone()
	if err != nil {
		return err
	}
	q := url.Values{"timezone": {loc.String()}}
	for name, v := range map[string]string{"from": from, "to": to, "campaign": campaign, "account": account, "status": status} {
		if v != "" {
			q.Set(name, v)
		}
	}
	cl, err := l.client()
	if err != nil {
		return err
	}
	return c.write(out, func(w io.Writer) (int64, error) { return cl.ExportPostsCSV(ctx, q, w) })
}

// mediaFetchTimeout bounds one download of a media URL: the file of an
// import, or a feed item's image.
const mediaFetchTimeout = 2 * time.Minute

// fetchMedia downloads a URL into the media library, for the posting
// service (media given as URLs).
func (m *Main) fetchMedia(ctx context.Context, rawURL, alt string) (*pregonero.Media, error) {
	if m.Media == nil {
		return nil, pregonero.Errorf(pregonero.EUNAVAILABLE, "This server has no media library to download %s into.", rawURL)
	}
	ctx, cancel := context.WithTimeout(ctx, mediaFetchTimeout)
	defer cancel()
	return m.Media.Fetch(ctx, m.outboundClient(), rawURL, alt)
}
