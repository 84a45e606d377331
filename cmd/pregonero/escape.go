package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// termLine makes a string from the server safe to print as one line on a
// terminal. Post texts, pause reasons and the networks' messages are
// written by others; an escape sequence in them could recolour, retitle
// or clear the screen, or hide what comes before it. Control characters
// (C0, tab and newline included, DEL, C1) are shown as Go escapes
// (\x1b, \n, \u009b) and bytes that are not UTF-8 as \xff. A backslash is
// left as it is: the output is for reading, not for parsing back (-json
// is).
func termLine(s string) string { return termEscape(s, false) }

// termText is termLine for multi-line output: newlines and tabs are kept.
func termText(s string) string { return termEscape(s, true) }

func termEscape(s string, multiline bool) string {
	clean := true
	for i := 0; i < len(s) && clean; {
		r, size := utf8.DecodeRuneInString(s[i:])
		clean = !needsEscape(r, size, multiline)
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case !needsEscape(r, size, multiline):
			b.WriteString(s[i : i+size])
		case size == 1 && r == utf8.RuneError:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune, size int, multiline bool) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case multiline && (r == '\n' || r == '\t'):
		return false
	}
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f)
}

// termWriter writes through termText: what apiError prints (the server's
// messages, which quote the request and the networks) is multi-line
// text. Each Write is escaped on its own, so a character split across two
// writes would show as bytes; fmt writes a whole line at once.
type termWriter struct{ w io.Writer }

func (t termWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(t.w, termText(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
