package web

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Charts of the report pages and the post page, drawn on the server as
// inline SVG: no script and no chart library reach the browser. Each
// chart is a figure with a visible caption, which names its image
// (role="img") for assistive technology, and a description; the numbers
// themselves are in a table next to it on the page. Lines and bars are told apart by text (a legend, a
// label on each bar) and by marker shapes and dashes, not by colour
// alone, and every colour has at least 4.5:1 contrast on white.

// chartColors are the series' colours, in order: each at least 4.5:1 on
// white, so that lines, markers and their labels read as text would.
var chartColors = []string{"#0b4f8a", "#b34700", "#14532d", "#8a1c1c", "#5b2a86", "#006170", "#4a4a4a", "#7a4f00", "#a0105e"}

// chartDashes are the series' line patterns, with chartColors and the
// marker shapes telling the lines apart.
var chartDashes = []string{"", "6 3", "2 3", "8 3 2 3", "", "6 3", "2 3", "8 3 2 3", ""}

// Chart geometry, in the SVG's own units; the picture scales to the
// width it is given (reports.css). The units are few so that the text
// stays readable where the picture is narrowest: a chart is at least
// about 320 px wide on a 390 px phone (in a delivery's box on the post's
// page), where 12 units are 11.3 px; and reports.css caps its width so
// that the same 12 units are about 15 px on a desktop.
const (
	chartWidth       = 340
	chartHeight      = 200
	compactHeight    = 140
	chartRight       = 12
	chartTop         = 12
	chartBottom      = 28 // room for the x axis's labels
	chartFont        = 12
	chartMarker      = 4
	barRow           = 36
	barThickness     = 14
	barValueRoom     = 72 // room for the number at a bar's end
	barLabelMaxRunes = 44
	// chartGlyph is about how wide a character of the charts' text is,
	// in units (digits and letters of a sans-serif face at chartFont),
	// to keep labels apart and the y axis's numbers inside the picture.
	chartGlyph = 7.2
)

// chartPoint is one point of a line: X is its place on the x axis (a
// day's index, a Unix time), Label its x in words for its tooltip.
type chartPoint struct {
	X     float64
	Y     int64
	Label string
}

// chartSeries is one line of a line chart.
type chartSeries struct {
	Name   string
	Points []chartPoint
}

// chartTick is a labelled place on the x axis.
type chartTick struct {
	X     float64
	Label string
}

// lineChart is a chart of series over time.
type lineChart struct {
	// ID makes the chart's element ids unique on its page.
	ID string
	// Title is the chart's caption, shown above it and naming it;
	// Desc describes it to assistive technology.
	Title, Desc string
	Series      []chartSeries
	// Ticks label the x axis (those that would repeat a label or
	// overlap another are left out); Num writes the y axis's numbers.
	Ticks   []chartTick
	Num     func(int64) string
	Compact bool
	// NoLegend leaves out the legend, for a chart of one series that its
	// title names.
	NoLegend bool
}

// Points counts the points of every series.
func (c *lineChart) Points() int {
	n := 0
	for _, s := range c.Series {
		n += len(s.Points)
	}
	return n
}

// SVG draws the chart and its legend, under its title.
func (c *lineChart) SVG() template.HTML {
	height := chartHeight
	if c.Compact {
		height = compactHeight
	}
	minX, maxX, maxY := math.Inf(1), math.Inf(-1), int64(0)
	for _, s := range c.Series {
		for _, p := range s.Points {
			minX, maxX, maxY = math.Min(minX, p.X), math.Max(maxX, p.X), max(maxY, p.Y)
		}
	}
	for _, t := range c.Ticks {
		minX, maxX = math.Min(minX, t.X), math.Max(maxX, t.X)
	}
	if math.IsInf(minX, 0) {
		minX, maxX = 0, 1
	}
	step, top := yScale(maxY)
	// The y axis's numbers take the room they need, no more.
	var yLabels []string
	widest := 1
	for v := int64(0); v <= top; v += step {
		yLabels = append(yLabels, c.Num(v))
		widest = max(widest, utf8.RuneCountInString(yLabels[len(yLabels)-1]))
	}
	left := math.Ceil(float64(widest)*chartGlyph) + 10
	plotW, plotH := chartWidth-chartRight-left, float64(height-chartTop-chartBottom)
	xAt := func(x float64) float64 {
		if maxX == minX {
			return left + plotW/2
		}
		return left + (x-minX)/(maxX-minX)*plotW
	}
	yAt := func(y int64) float64 { return chartTop + plotH - float64(y)/float64(top)*plotH }

	var b strings.Builder
	chartOpen(&b, c.ID, c.Title, c.Desc, chartWidth, height)
	// The grid and the y axis's numbers.
	b.WriteString(`<g class="axis" aria-hidden="true">`)
	for i, v := 0, int64(0); v <= top; i, v = i+1, v+step {
		y := yAt(v)
		fmt.Fprintf(&b, `<line x1="%s" x2="%d" y1="%s" y2="%s" stroke="#d0d5da" stroke-width="1"/>`, chartNum(left), chartWidth-chartRight, chartNum(y), chartNum(y))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" font-size="%d" fill="#1b1b1b">%s</text>`, chartNum(left-6), chartNum(y+4), chartFont, chartEsc(yLabels[i]))
	}
	fmt.Fprintf(&b, `<line x1="%s" x2="%d" y1="%s" y2="%s" stroke="#767676" stroke-width="1"/>`, chartNum(left), chartWidth-chartRight, chartNum(yAt(0)), chartNum(yAt(0)))
	for _, t := range placeTicks(c.Ticks, xAt, left, chartWidth-chartRight) {
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#767676" stroke-width="1"/>`, chartNum(t.x), chartNum(t.x), chartNum(yAt(0)), chartNum(yAt(0)+4))
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="%s" font-size="%d" fill="#1b1b1b">%s</text>`, chartNum(t.x), height-8, t.anchor, chartFont, chartEsc(t.Label))
	}
	b.WriteString(`</g>`)
	for i, s := range c.Series {
		color, dash := chartColors[i%len(chartColors)], chartDashes[i%len(chartDashes)]
		fmt.Fprintf(&b, `<g class="series" data-series="%s">`, chartEsc(s.Name))
		if len(s.Points) > 1 {
			pts := make([]string, len(s.Points))
			for j, p := range s.Points {
				pts[j] = chartNum(xAt(p.X)) + "," + chartNum(yAt(p.Y))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`, color, dashAttr(dash), strings.Join(pts, " "))
		}
		for _, p := range s.Points {
			fmt.Fprintf(&b, `<path class="pt" d="%s" fill="%s"><title>%s</title></path>`,
				markerPath(i, xAt(p.X), yAt(p.Y)), color, chartEsc(s.Name+" · "+p.Label+": "+c.Num(p.Y)))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	if len(c.Series) > 0 && !c.NoLegend {
		b.WriteString(`<ul class="legend">`)
		for i, s := range c.Series {
			fmt.Fprintf(&b, `<li><svg width="28" height="12" viewBox="0 0 28 12" aria-hidden="true" focusable="false">`+
				`<line x1="1" x2="27" y1="6" y2="6" stroke="%s" stroke-width="2"%s/><path d="%s" fill="%s"/></svg> %s</li>`,
				chartColors[i%len(chartColors)], dashAttr(chartDashes[i%len(chartDashes)]), markerPath(i, 14, 6), chartColors[i%len(chartColors)], chartEsc(s.Name))
		}
		b.WriteString(`</ul>`)
	}
	b.WriteString(`</figure>`)
	return template.HTML(b.String())
}

// placedTick is a tick where it is drawn: x in the SVG's units and the
// end of its label that x anchors.
type placedTick struct {
	chartTick
	x      float64
	anchor string
}

// placeTicks places the ticks on the x axis between left and right: a
// tick whose label another already has, or whose label would run into
// a kept one's, is left out. The first and the last are kept first,
// their labels inside the axis (anchored at their start and their end
// when at its ends), then those between, in order.
func placeTicks(ticks []chartTick, xAt func(float64) float64, left, right float64) []placedTick {
	var cand []placedTick
	seen := map[string]bool{}
	for _, t := range ticks {
		if seen[t.Label] {
			continue
		}
		seen[t.Label] = true
		cand = append(cand, placedTick{chartTick: t, x: xAt(t.X)})
	}
	span := func(p placedTick) (float64, float64) {
		w := float64(utf8.RuneCountInString(p.Label)) * chartGlyph
		switch p.anchor {
		case "start":
			return p.x, p.x + w
		case "end":
			return p.x - w, p.x
		}
		return p.x - w/2, p.x + w/2
	}
	for i := range cand {
		p := &cand[i]
		p.anchor = "middle"
		if lo, hi := span(*p); lo < left {
			p.anchor = "start"
		} else if hi > right {
			p.anchor = "end"
		}
	}
	order := make([]int, 0, len(cand))
	if n := len(cand); n > 0 {
		order = append(order, 0)
		if n > 1 {
			order = append(order, n-1)
		}
		for i := 1; i < n-1; i++ {
			order = append(order, i)
		}
	}
	const gap = 8
	var kept []placedTick
	for _, i := range order {
		lo, hi := span(cand[i])
		clear := true
		for _, k := range kept {
			klo, khi := span(k)
			if lo < khi+gap && klo < hi+gap {
				clear = false
				break
			}
		}
		if clear {
			kept = append(kept, cand[i])
		}
	}
	slices.SortFunc(kept, func(a, b placedTick) int { return cmp.Compare(a.x, b.x) })
	return kept
}

// chartBar is one bar: an absent value (Has false) gets no bar and the
// text Absent.
type chartBar struct {
	Label string
	Value int64
	Has   bool
}

// barChart is a chart of horizontal bars, each labelled above it and
// with its number at its end.
type barChart struct {
	ID          string
	Title, Desc string
	Bars        []chartBar
	Num         func(int64) string
	// Absent is written for a bar without a value ("—").
	Absent string
}

// SVG draws the chart.
func (c *barChart) SVG() template.HTML {
	height := max(len(c.Bars), 1)*barRow + 4
	most := int64(0)
	for _, bar := range c.Bars {
		if bar.Has {
			most = max(most, bar.Value)
		}
	}
	full := float64(chartWidth - barValueRoom)
	var b strings.Builder
	chartOpen(&b, c.ID, c.Title, c.Desc, chartWidth, height)
	for i, bar := range c.Bars {
		y := i * barRow
		color := chartColors[i%len(chartColors)]
		fmt.Fprintf(&b, `<g class="bar"><text x="0" y="%d" font-size="%d" fill="#1b1b1b">%s</text>`, y+13, chartFont, chartEsc(shortText(bar.Label, barLabelMaxRunes)))
		value := c.Absent
		w := 0.0
		if bar.Has {
			value = c.Num(bar.Value)
			if most > 0 {
				w = math.Max(float64(bar.Value)/float64(most)*full, 2)
			}
			fmt.Fprintf(&b, `<rect x="0" y="%d" width="%s" height="%d" fill="%s"/>`, y+18, chartNum(w), barThickness, color)
		}
		fmt.Fprintf(&b, `<text x="%s" y="%d" font-size="%d" fill="#1b1b1b">%s</text></g>`, chartNum(w+6), y+18+barThickness-2, chartFont, chartEsc(value))
	}
	b.WriteString(`</svg></figure>`)
	return template.HTML(b.String())
}

// chartOpen starts a chart: a figure captioned by its title, and in it
// an SVG image named by that caption and described by desc.
func chartOpen(b *strings.Builder, id, title, desc string, w, h int) {
	fmt.Fprintf(b, `<figure class="chart"><figcaption class="chart-title" id="%s-t">%s</figcaption>`, chartEsc(id), chartEsc(title))
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d" aria-labelledby="%s-t" aria-describedby="%s-d">`,
		w, h, w, h, chartEsc(id), chartEsc(id))
	fmt.Fprintf(b, `<desc id="%s-d">%s</desc>`, chartEsc(id), chartEsc(desc))
}

// yScale picks the y axis's step, a round number (1, 2 or 5 times a power
// of ten) giving about four intervals, and its top, the first multiple
// of the step at or above most.
func yScale(most int64) (step, top int64) {
	step = 1
	if most > 4 {
		raw := float64(most) / 4
		p := math.Pow(10, math.Floor(math.Log10(raw)))
		switch f := raw / p; {
		case f <= 1:
			step = int64(p)
		case f <= 2:
			step = int64(2 * p)
		case f <= 5:
			step = int64(5 * p)
		default:
			step = int64(10 * p)
		}
	}
	top = (most + step - 1) / step * step
	if top == 0 {
		top = step
	}
	return step, top
}

// markerPath is the marker of series i at (x, y): a circle, a square, a
// triangle or a diamond, so that lines differ by shape too.
func markerPath(i int, x, y float64) string {
	r := float64(chartMarker)
	switch i % 4 {
	case 1:
		return fmt.Sprintf("M%s %sh%sv%sh-%sz", chartNum(x-r), chartNum(y-r), chartNum(2*r), chartNum(2*r), chartNum(2*r))
	case 2:
		return fmt.Sprintf("M%s %sL%s %sL%s %sz", chartNum(x), chartNum(y-r-1), chartNum(x+r+1), chartNum(y+r), chartNum(x-r-1), chartNum(y+r))
	case 3:
		return fmt.Sprintf("M%s %sL%s %sL%s %sL%s %sz", chartNum(x), chartNum(y-r-1), chartNum(x+r+1), chartNum(y), chartNum(x), chartNum(y+r+1), chartNum(x-r-1), chartNum(y))
	}
	return fmt.Sprintf("M%s %sa%s %s 0 1 0 %s 0a%s %s 0 1 0 -%s 0", chartNum(x-r), chartNum(y), chartNum(r), chartNum(r), chartNum(2*r), chartNum(r), chartNum(r), chartNum(2*r))
}

func dashAttr(d string) string {
	if d == "" {
		return ""
	}
	return ` stroke-dasharray="` + d + `"`
}

// num writes a coordinate with at most one decimal.
func chartNum(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

func chartEsc(s string) string { return template.HTMLEscapeString(s) }

// groupDigits writes n with sep between groups of three digits:
// 1234567 with "." is 1.234.567.
func groupDigits(n int64, sep string) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}
