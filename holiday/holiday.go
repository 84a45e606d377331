// Package holiday knows Colombia's public holidays (días festivos): the
// fixed ones, the ones Ley 51 de 1983 ("Ley Emiliani") moves to the next
// Monday, and those that follow Easter, for any year of the Gregorian
// calendar.
package holiday

import (
	"sort"
	"sync"
	"time"
)

// Holiday is one festivo: the civil date it is observed on (midnight UTC
// of that day) and its Spanish name.
type Holiday struct {
	Date time.Time
	Name string
}

// rule is a festivo of the law: a fixed date or a day relative to Easter
// Sunday, moved to the next Monday or not.
type rule struct {
	name   string
	month  time.Month // 0 for a day relative to Easter
	day    int        // day of month, or days after Easter Sunday
	monday bool       // moved to the following Monday (Ley 51 de 1983, art. 2)
}

// rules lists the festivos of Ley 51 de 1983, art. 1 and 2.
var rules = []rule{
	{"Año Nuevo", time.January, 1, false},
	{"Día de los Reyes Magos", time.January, 6, true},
	{"Día de San José", time.March, 19, true},
	{"Jueves Santo", 0, -3, false},
	{"Viernes Santo", 0, -2, false},
	{"Día del Trabajo", time.May, 1, false},
	{"Ascensión del Señor", 0, 39, true},
	{"Corpus Christi", 0, 60, true},
	{"Sagrado Corazón de Jesús", 0, 68, true},
	{"San Pedro y San Pablo", time.June, 29, true},
	{"Día de la Independencia", time.July, 20, false},
	{"Batalla de Boyacá", time.August, 7, false},
	{"Asunción de la Virgen", time.August, 15, true},
	{"Día de la Raza", time.October, 12, true},
	{"Todos los Santos", time.November, 1, true},
	{"Independencia de Cartagena", time.November, 11, true},
	{"Inmaculada Concepción", time.December, 8, false},
	{"Navidad", time.December, 25, false},
}

// Easter returns Easter Sunday of a Gregorian year (the anonymous
// Gregorian computus, "Meeus/Jones/Butcher"), at midnight UTC.
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// nextMonday is the date itself when it is a Monday, else the Monday after.
func nextMonday(t time.Time) time.Time {
	return t.AddDate(0, 0, (8-int(t.Weekday()))%7)
}

// Colombia returns the festivos of a year in date order. Two festivos
// moved to the same Monday (San Pedro y San Pablo and Sagrado Corazón in
// 2025) are two entries of one date. A fixed festivo that falls on a
// Sunday is listed on that Sunday: the law does not move it.
func Colombia(year int) []Holiday {
	easter := Easter(year)
	out := make([]Holiday, 0, len(rules))
	for _, r := range rules {
		var t time.Time
		if r.month == 0 {
			t = easter.AddDate(0, 0, r.day)
		} else {
			t = time.Date(year, r.month, r.day, 0, 0, 0, 0, time.UTC)
		}
		if r.monday {
			t = nextMonday(t)
		}
		out = append(out, Holiday{Date: t, Name: r.name})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// Calendar answers whether a date is a festivo, computing each year once:
// the queue asks for every day of the years it looks through. The zero
// value is ready to use and safe for concurrent use.
type Calendar struct {
	mu    sync.Mutex
	years map[int]map[int]string // year → day of year → names
}

// Name returns the festivo names of a civil date ("San Pedro y San Pablo,
// Sagrado Corazón de Jesús" when two share it), and whether it is one.
func (c *Calendar) Name(year int, month time.Month, day int) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	days, ok := c.years[year]
	if !ok {
		days = map[int]string{}
		for _, h := range Colombia(year) {
			n := h.Date.YearDay()
			if days[n] != "" {
				days[n] += ", "
			}
			days[n] += h.Name
		}
		if c.years == nil {
			c.years = map[int]map[int]string{}
		}
		c.years[year] = days
	}
	name, ok := days[time.Date(year, month, day, 0, 0, 0, 0, time.UTC).YearDay()]
	return name, ok
}

// Is reports whether a civil date is a festivo.
func (c *Calendar) Is(year int, month time.Month, day int) bool {
	_, ok := c.Name(year, month, day)
	return ok
}
