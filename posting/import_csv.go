package posting

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"pregonero"
)

// Reading the CSV file of an import: UTF-8 with or without a byte order
// mark, RFC 4180 quoting, lines ending in CRLF or LF, and the separator
// "," or ";" as the header line uses it (Excel set to Spanish, as in
// Colombia, writes ";").

// Import columns. A column text:<account id> gives one account its own
// text. The columns the export adds for reading (ImportIgnored and
// state:, url: per account) are skipped on import, so that an exported
// file can be imported as it is.
const (
	ColText        = "text"
	ColLink        = "link"
	ColTargets     = "targets"
	ColScheduledAt = "scheduled_at"
	ColMedia       = "media"
	ColAltText     = "alt_text"
	ColCampaign    = "campaign"
	ColDraft       = "draft"
	// ColTextFor prefixes the column of one account's own text.
	ColTextFor = "text:"
	// ColStateFor and ColURLFor prefix the export's columns of each
	// delivery's state and live link.
	ColStateFor = "state:"
	ColURLFor   = "url:"
	ColID       = "id"
	ColStatus   = "status"
)

// ImportColumns are the columns an import reads, besides text:<account>.
var ImportColumns = []string{ColText, ColLink, ColTargets, ColScheduledAt, ColMedia, ColAltText, ColCampaign, ColDraft}

// ImportIgnored are the columns an import skips, besides state:<account>
// and url:<account>: what the export writes about posts that exist.
var ImportIgnored = []string{ColID, ColStatus}

// csvFile is a CSV file read for an import.
type csvFile struct {
	sep    rune
	header []string
	rows   []csvRow
	// problems are rows that could not be read at all.
	problems []ImportError
}

// csvRow is one record with the line it starts on.
type csvRow struct {
	line  int
	cells []string
}

// utf8BOMBytes starts a file saved with a byte order mark.
var utf8BOMBytes = []byte(utf8BOM)

// readCSV reads the whole file. A file that is not UTF-8 is refused as a
// whole, since every cell after the first bad byte is suspect; a record
// the CSV rules cannot read is a problem of its row, and reading goes on
// with the next.
func readCSV(data []byte) (*csvFile, error) {
	data = bytes.TrimPrefix(data, utf8BOMBytes)
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte{'\n'})
		return nil, &ImportError{Row: line, FieldError: pregonero.FieldError{Field: "file", Code: pregonero.FieldInvalid,
			Message: fmt.Sprintf("The file is not UTF-8 (line %d has a byte that is not); save it as \"CSV UTF-8\" and upload it again.", line)}}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ImportError{Row: 1, FieldError: pregonero.FieldError{Field: "file", Code: pregonero.FieldRequired,
			Message: "The file is empty; its first line must name the columns (text, targets, scheduled_at, …)."}}
	}
	f := &csvFile{sep: detectSeparator(data)}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = f.sep
	r.FieldsPerRecord = -1
	first := true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if first {
				return nil, &ImportError{Row: pe.StartLine, FieldError: pregonero.FieldError{Field: "file", Code: pregonero.FieldInvalid,
					Message: fmt.Sprintf("The header line cannot be read as CSV: %v.", pe.Err)}}
			}
			f.problems = append(f.problems, ImportError{Row: pe.StartLine, FieldError: pregonero.FieldError{Field: "row", Code: pregonero.FieldInvalid,
				Message: fmt.Sprintf("This row cannot be read as CSV (line %d, character %d): %v; a cell with quotes must be enclosed in quotes and its quotes doubled (\"\").", pe.Line, pe.Column, pe.Err)}})
			continue
		} else if err != nil {
			return nil, fmt.Errorf("read csv: %w", err)
		}
		line, _ := r.FieldPos(0)
		if first {
			f.header, first = rec, false
			continue
		}
		for i, c := range rec {
			rec[i] = plainCell(c)
		}
		f.rows = append(f.rows, csvRow{line: line, cells: rec})
	}
	if first {
		return nil, &ImportError{Row: 1, FieldError: pregonero.FieldError{Field: "file", Code: pregonero.FieldRequired,
			Message: "The file has no header line naming the columns."}}
	}
	return f, nil
}

// firstInvalidUTF8 is the offset of the first byte that does not start a
// valid UTF-8 character.
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// detectSeparator reads the header line: ";" when it has more semicolons
// than commas outside quotes, "," otherwise.
func detectSeparator(data []byte) rune {
	commas, semis, quoted := 0, 0, false
	for _, b := range data {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == '\n':
			if semis > commas {
				return ';'
			}
			return ','
		case b == ',':
			commas++
		case b == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// splitList splits a cell holding several values separated by "|": media,
// alt texts, targets. A "|" inside a value is written "\|" and a
// backslash before "|" or another backslash "\\"; any other backslash is
// itself. Values are trimmed; an empty cell is no value at all.
func splitList(cell string) []string {
	if strings.TrimSpace(cell) == "" {
		return nil
	}
	if !strings.Contains(cell, `\`) {
		parts := strings.Split(cell, "|")
		for i, p := range parts {
			parts[i] = strings.TrimSpace(p)
		}
		return parts
	}
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(cell); i++ {
		switch {
		case cell[i] == '\\' && i+1 < len(cell) && (cell[i+1] == '|' || cell[i+1] == '\\'):
			cur.WriteByte(cell[i+1])
			i++
		case cell[i] == '|':
			parts = append(parts, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(cell[i])
		}
	}
	return append(parts, strings.TrimSpace(cur.String()))
}

// joinList writes values as splitList reads them.
func joinList(values []string) string {
	esc := strings.NewReplacer(`\`, `\\`, "|", `\|`)
	out := make([]string, len(values))
	for i, v := range values {
		if strings.ContainsAny(v, `\|`) {
			v = esc.Replace(v)
		}
		out[i] = v
	}
	return strings.Join(out, "|")
}
