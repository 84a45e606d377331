package posting

import "strings"

// spreadsheetSafe returns a cell as a spreadsheet must show it: as text.
// A cell that begins with = + - @, a tab or a carriage return is read as
// a formula by Excel and LibreOffice (CSV injection: a news item's title
// drafted from a feed could be "=HYPERLINK(…)"), so it gets a leading
// apostrophe, which they show as nothing. A cell that already begins with
// an apostrophe gets one too, so that reading drops exactly one
// (plainCell) and an export imports back as it was.
func spreadsheetSafe(cell string) string {
	if formulaStart(cell) {
		return "'" + cell
	}
	return cell
}

// plainCell undoes spreadsheetSafe: one apostrophe before what would
// start a formula, or before another apostrophe, is dropped. A person's
// spreadsheet never writes one there (the apostrophe that makes a cell
// text in Excel is not saved in its CSV).
func plainCell(cell string) string {
	if rest, ok := strings.CutPrefix(cell, "'"); ok && formulaStart(rest) {
		return rest
	}
	return cell
}

// formulaStart reports whether a cell would need the apostrophe.
func formulaStart(cell string) bool {
	if cell == "" {
		return false
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return true
	}
	return false
}

// spreadsheetSafeAll applies spreadsheetSafe to every cell of a record.
func spreadsheetSafeAll(record []string) []string {
	for i, c := range record {
		record[i] = spreadsheetSafe(c)
	}
	return record
}
