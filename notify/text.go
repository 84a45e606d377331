package notify

import (
	"fmt"
	"strings"
	"time"

	"pregonero"
)

// The notifications are for the office that publishes: their texts are
// Spanish.

// eventNames names the kinds of events in Spanish.
var eventNames = map[pregonero.EventKind]string{
	pregonero.EventDeliveryFailed: "Una publicación falló",
	pregonero.EventDeliveryHeld:   "Una publicación espera a una persona",
	pregonero.EventNeedsReauth:    "Una cuenta necesita autorización de nuevo",
	pregonero.EventPaused:         "Publicación en pausa",
	pregonero.EventResumed:        "Publicación reanudada",
	pregonero.EventFeedFailing:    "Un canal de noticias falla desde hace un día",
}

// holdReasons says in Spanish why a delivery waits for a person.
var holdReasons = map[string]string{
	pregonero.HoldAccountPaused: "la cuenta está en pausa",
	pregonero.HoldNeedsReauth:   "la cuenta necesita autorización de nuevo",
	pregonero.HoldBlocked:       "la red social bloqueó la cuenta (límite de uso o política)",
	pregonero.HoldOverdue:       "se venció su hora durante una pausa; una persona decide si sale",
	pregonero.HoldUnverifiable:  "puede haberse publicado y no se pudo comprobar; revísela y luego cancélela o libérela",
}

// about is what an event concerns, looked up for its text and payload.
type about struct {
	account *pregonero.Account
	post    *pregonero.Post
	postURL string
	feed    *pregonero.Feed
}

func (a *about) feedName(e *pregonero.Event) string {
	if a.feed != nil {
		return fmt.Sprintf("%q (%s)", a.feed.Name, a.feed.URL)
	}
	return e.Feed
}

func (a *about) accountName(e *pregonero.Event) string {
	if a.account != nil {
		return fmt.Sprintf("%s (%s, %s)", a.account.Name, a.account.Network.Title(), a.account.ID)
	}
	return e.Account
}

// eventMail is the e-mail of an event.
func eventMail(e *pregonero.Event, a *about, loc *time.Location) *Message {
	subj, body := eventText(e, a, loc)
	return &Message{Subject: "[Pregonero] " + subj, Text: body + footer}
}

// groupMaxDetailed caps the events told in full in a grouped e-mail; the
// rest get one line each.
const groupMaxDetailed = 20

// groupMail is the one e-mail of several events: how many of each kind
// in the subject, each event told in the body, in the order they
// happened.
func groupMail(es []*pregonero.Event, as []*about, loc *time.Location) *Message {
	counts := map[pregonero.EventKind]int{}
	for _, e := range es {
		counts[e.Kind]++
	}
	var kinds []string
	for _, k := range pregonero.EventKinds {
		if c := counts[k]; c > 0 {
			kinds = append(kinds, fmt.Sprintf("%s (%d)", EventName(k), c))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Ocurrieron %d cosas que usted pidió saber:\n", len(es))
	for i, e := range es {
		subj, body := eventText(e, as[i], loc)
		if i < groupMaxDetailed {
			fmt.Fprintf(&b, "\n%d. %s\n%s", i+1, subj, body)
		} else {
			fmt.Fprintf(&b, "\n%d. %s  %s", i+1, e.At.In(loc).Format("15:04"), subj)
		}
	}
	if len(es) > groupMaxDetailed {
		b.WriteString("\n")
	}
	return &Message{Subject: fmt.Sprintf("[Pregonero] %d avisos: %s", len(es), strings.Join(kinds, ", ")), Text: b.String() + footer}
}

// eventText is the subject (without the prefix) and the body (without
// the footer) of an event's e-mail.
func eventText(e *pregonero.Event, a *about, loc *time.Location) (subj, body string) {
	var b strings.Builder
	when := e.At.In(loc).Format("02/01/2006 15:04")
	switch e.Kind {
	case pregonero.EventDeliveryFailed:
		subj = "Falló una publicación en " + a.accountName(e)
		fmt.Fprintf(&b, "Una publicación no salió en %s.\n\n", a.accountName(e))
		if e.Message != "" || e.Reason != "" {
			fmt.Fprintf(&b, "Error: %s", e.Message)
			if e.Reason != "" {
				fmt.Fprintf(&b, " (código %s)", e.Reason)
			}
			b.WriteString("\n")
		}
	case pregonero.EventDeliveryHeld:
		subj = "Una publicación espera a una persona en " + a.accountName(e)
		reason := holdReasons[e.Reason]
		if reason == "" {
			reason = e.Reason
		}
		fmt.Fprintf(&b, "Una publicación para %s no saldrá sola: %s.\n", a.accountName(e), reason)
		if e.Message != "" {
			fmt.Fprintf(&b, "Detalle: %s\n", e.Message)
		}
	case pregonero.EventNeedsReauth:
		subj = "La cuenta " + a.accountName(e) + " necesita autorización de nuevo"
		fmt.Fprintf(&b, "La red social rechazó las credenciales de %s. Sus publicaciones esperan hasta que alguien la conecte otra vez en Cuentas.\n", a.accountName(e))
		if e.Message != "" {
			fmt.Fprintf(&b, "Detalle: %s\n", e.Message)
		}
	case pregonero.EventPaused, pregonero.EventResumed:
		verb := "se pausó"
		if e.Kind == pregonero.EventResumed {
			verb = "se reanudó"
		}
		if e.Account == "" {
			subj = strings.ToUpper(verb[:1]) + verb[1:] + " toda la publicación"
			fmt.Fprintf(&b, "La publicación de todas las cuentas %s.\n", verb)
		} else {
			subj = strings.ToUpper(verb[:1]) + verb[1:] + " la cuenta " + a.accountName(e)
			fmt.Fprintf(&b, "La publicación en %s %s.\n", a.accountName(e), verb)
		}
		if e.Message != "" {
			fmt.Fprintf(&b, "Motivo: %s\n", e.Message)
		}
	case pregonero.EventFeedFailing:
		subj = "Un canal de noticias falla desde hace un día: " + a.feedName(e)
		fmt.Fprintf(&b, "El canal de noticias %s no se ha podido leer en las últimas 24 horas.\n", a.feedName(e))
		if e.Message != "" {
			fmt.Fprintf(&b, "Último error: %s\n", e.Message)
		}
	default:
		subj = string(e.Kind)
		b.WriteString(e.Message + "\n")
	}
	if e.Unit != "" {
		fmt.Fprintf(&b, "Dependencia: %s\n", e.Unit)
	}
	fmt.Fprintf(&b, "Cuándo: %s\n", when)
	if a.post != nil {
		fmt.Fprintf(&b, "\nTexto de la publicación:\n%s\n", excerpt(a.post.Text, 280))
	}
	if a.postURL != "" {
		fmt.Fprintf(&b, "\nVer la publicación: %s\n", a.postURL)
	}
	return subj, b.String()
}

const footer = "\n--\nPregonero. Cambie qué avisos recibe en Notificaciones.\n"

func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// spanishDate writes a day as "lunes 7 de diciembre de 2026".
func spanishDate(t time.Time) string {
	days := [...]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}
	months := [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}
	return fmt.Sprintf("%s %d de %s de %d", days[t.Weekday()], t.Day(), months[t.Month()-1], t.Year())
}

// summaryLine is one post of the daily summary.
type summaryLine struct {
	at       time.Time
	accounts []string
	text     string
	url      string
}

// summaryMail is the daily summary of one person.
func summaryMail(day time.Time, today []summaryLine, failed []summaryLine, loc *time.Location) *Message {
	var b strings.Builder
	fmt.Fprintf(&b, "Resumen del %s.\n\n", spanishDate(day))
	summarySection(&b, "Sale hoy", "Nada programado.", today, loc)
	b.WriteString("\n")
	summarySection(&b, "Falló ayer", "Nada falló.", failed, loc)
	b.WriteString(footer)
	return &Message{Subject: fmt.Sprintf("[Pregonero] Resumen del día: %d hoy, %d fallidas ayer", len(today), len(failed)), Text: b.String()}
}

// summarySection writes one list of the summary under its title, or
// none when it is empty.
func summarySection(b *strings.Builder, title, none string, lines []summaryLine, loc *time.Location) {
	fmt.Fprintf(b, "%s (%d):\n", title, len(lines))
	if len(lines) == 0 {
		b.WriteString("  " + none + "\n")
	}
	for _, l := range lines {
		fmt.Fprintf(b, "  %s  %s  %s\n", l.at.In(loc).Format("15:04"), strings.Join(l.accounts, ", "), excerpt(oneLine(l.text), 80))
		if l.url != "" {
			fmt.Fprintf(b, "         %s\n", l.url)
		}
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// EventName is the Spanish name of an event kind.
func EventName(k pregonero.EventKind) string {
	if s, ok := eventNames[k]; ok {
		return s
	}
	return string(k)
}
