package web

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"pregonero"
	"pregonero/posting"
	"pregonero/web/i18n"
)

// The calendar feed: GET /calendar/{token}.ics serves a user's publishing
// plan as iCalendar (RFC 5545) for their calendar application, which
// cannot sign in: the secret token in the address is the credential, so
// the route is public and answers 404 alike for a token never made,
// revoked, or whose user is disabled. The API makes and revokes the
// token (POST and DELETE /api/v1/calendar/token).

// CalendarToken is the answer of POST /api/v1/calendar/token: the new
// token and the address of the feed, shown this once; and of GET, which
// only says since when the user has one (Token and URL empty).
type CalendarToken struct {
	Token     string    `json:"token,omitempty"`
	URL       string    `json:"url,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// calendarEventLength is how long an event lasts in the calendar: a post
// is an instant, but a zero-length event is easy to miss.
const calendarEventLength = "PT15M"

// calendarRefresh is how often a calendar application should fetch the
// feed again: plans change during the day.
const calendarRefresh = "PT1H"

// baseURL is the server's address: public_url when it is configured (a
// proxy in front may end TLS, so the request alone would say http), else
// the address the client reached, the one a calendar application or a
// browser already uses.
func (s *Server) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return strings.TrimRight(s.publicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// calendarURL is the address of the feed of a token.
func (s *Server) calendarURL(r *http.Request, token string) string {
	return s.baseURL(r) + "/calendar/" + token + ".ics"
}

// calendarLogPath is what the request log shows of a feed's address:
// the token is a credential, and a log is read by more people than the
// feed is meant for.
const calendarLogPath = "/calendar/…"

func (s *Server) handleCalendarFeed(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	// The route matched already; what still reads the path is the logs,
	// the request's line written after this handler returns and the
	// line of an error.
	r.URL.Path, r.URL.RawPath = calendarLogPath, ""
	if !ok {
		s.writeError(w, r, pregonero.Errorf(pregonero.ENOTFOUND, "There is no calendar feed at this address; it may have been revoked."))
		return
	}
	cf, err := s.posts.CalendarFeedOf(r.Context(), token)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	lang := cf.User.Language
	if !i18n.Supported(lang) {
		lang = i18n.Languages[0]
	}
	var p *i18n.Printer
	if s.ui != nil {
		p = s.ui.catalog.Printer(lang)
	}
	body := icsCalendar(cf, s.baseURL(r), p, s.now())
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	// The address is a secret: no referrer carries it away.
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// icsCalendar writes the feed: one VEVENT per post, its UID the post's
// id so that calendars update an event when the post moves.
func icsCalendar(cf *posting.CalendarFeed, base string, p *i18n.Printer, now time.Time) []byte {
	var b icsWriter
	b.line("BEGIN:VCALENDAR")
	b.line("VERSION:2.0")
	b.line("PRODID:-//Pregonero//Calendario de publicaciones//ES")
	b.line("CALSCALE:GREGORIAN")
	b.line("METHOD:PUBLISH")
	b.prop("X-WR-CALNAME", "Pregonero — "+cf.User.Username)
	// How often calendars should read the feed again (RFC 7986, and the
	// older name Outlook and Google read).
	b.line("REFRESH-INTERVAL;VALUE=DURATION:" + calendarRefresh)
	b.line("X-PUBLISHED-TTL:" + calendarRefresh)
	for _, post := range cf.Posts {
		b.line("BEGIN:VEVENT")
		b.line("UID:" + post.ID + "@pregonero")
		// With METHOD, DTSTAMP is when this feed was written (RFC 5545
		// §3.8.7.2); when the post last changed is LAST-MODIFIED.
		b.line("DTSTAMP:" + icsTime(now))
		if !post.UpdatedAt.IsZero() {
			b.line("LAST-MODIFIED:" + icsTime(post.UpdatedAt))
		}
		b.line("DTSTART:" + icsTime(post.ScheduledAt))
		b.line("DURATION:" + calendarEventLength)
		b.prop("SUMMARY", icsSummary(post, cf.Accounts))
		b.prop("DESCRIPTION", icsDescription(post, cf.Accounts, p))
		b.line("URL:" + base + "/posts/" + post.ID)
		if post.Status == pregonero.PostFailed {
			b.line("STATUS:TENTATIVE")
		} else {
			b.line("STATUS:CONFIRMED")
		}
		b.line("END:VEVENT")
	}
	b.line("END:VCALENDAR")
	return b.Bytes()
}

// icsTime is a UTC date-time, RFC 5545 form #2.
func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// icsSummary is the networks of the post and the first words of its
// text: "[X, Facebook] Jornada de vacunación en…".
func icsSummary(post *pregonero.Post, accounts map[string]*pregonero.Account) string {
	var nets []string
	for _, id := range post.Targets {
		name := id
		if a := accounts[id]; a != nil {
			name = a.Network.Title()
		}
		if !slices.Contains(nets, name) {
			nets = append(nets, name)
		}
	}
	return "[" + strings.Join(nets, ", ") + "] " + shortText(post.Text, 60)
}

// icsDescription is the post's text and, for each account, the state of
// its delivery and the live link of a published one.
func icsDescription(post *pregonero.Post, accounts map[string]*pregonero.Account, p *i18n.Printer) string {
	var sb strings.Builder
	sb.WriteString(post.Text)
	if post.Link != "" {
		sb.WriteString("\n" + post.Link)
	}
	sb.WriteString("\n")
	for _, d := range post.Deliveries {
		name := d.AccountID
		if a := accounts[d.AccountID]; a != nil && a.Name != "" {
			name = a.Name + " (" + a.Network.Title() + ")"
		}
		state := string(d.State)
		if p != nil {
			state = keyOr(p, "calfeed.state."+string(d.State), "calfeed.state.unknown")
		}
		sb.WriteString("\n" + name + ": " + state)
		if d.URL != "" {
			sb.WriteString(" " + d.URL)
		}
	}
	return sb.String()
}

// icsWriter writes content lines: CRLF-terminated, folded at 75 octets
// (a continuation line starts with a space), never inside a UTF-8
// character.
type icsWriter struct{ bytes.Buffer }

// line writes a content line as given (a value needing no escaping).
func (b *icsWriter) line(s string) {
	const max = 75
	first := true
	for len(s) > 0 {
		limit := max
		if !first {
			limit = max - 1 // the leading space counts
			b.WriteByte(' ')
		}
		n := len(s)
		if n > limit {
			n = limit
			for n > 0 && !utf8.RuneStart(s[n]) {
				n--
			}
		}
		b.WriteString(s[:n])
		b.WriteString("\r\n")
		s = s[n:]
		first = false
	}
}

// prop writes a property whose value is TEXT, escaped.
func (b *icsWriter) prop(name, value string) { b.line(name + ":" + icsEscape(value)) }

// icsEscape escapes a TEXT value (RFC 5545 §3.3.11): backslash,
// semicolon, comma and newline; a CR is dropped.
func icsEscape(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			sb.WriteString(`\\`)
		case ';':
			sb.WriteString(`\;`)
		case ',':
			sb.WriteString(`\,`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}
