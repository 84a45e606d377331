package web

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Charts of the report pages and the post page, drawn on the server as
// inline SVG: no script and no chart library reach the browser. Each
// chart is an image with a title and a description for assistive
// technology (role="img"); the numbers themselves are in a table next to
// it on the page. Lines and bars are told apart by text (a legend, a
// label on each bar) and by marker shapes and dashes, not by colour
// alone, and every colour has at least 4.5:1 contrast on white.

// chartColors are the series' colours, in order: each at least 4.5:1 on
// white, so that lines, markers and their labels read as text would.
var chartColors = []string{"#0b4f8a", "#b34700", "#14532d", "#8a1c1c", "#5b2a86", "#006170", "#4a4a4a", "#7a4f00", "#a0105e"}

// chartDashes are the series' line patterns, with chartColors and the
// marker shapes telling the lines apart.
var chartDashes = []string{"", "6 3", "2 3", "8 3 2 3", "", "6 3", "2 3", "8 3 2 3", ""}

// Chart geometry, in the SVG's own units; the picture scales to the
// page's width.
const (
	chartWidth       = 480
	chartHeight      = 220
	compactHeight    = 140
	chartLeft        = 56 // room for the y axis's numbers
	chartRight       = 16
	chartTop         = 12
	chartBottom      = 28 // room for the x axis's labels
	chartFont        = 12
	chartMarker      = 4
	barRow           = 38
	barThickness     = 14
	barValueRoom     = 96 // room for the number at a bar's end
	barLabelMaxRunes = 60
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
	ID          string
	Title, Desc string
	Series      []chartSeries
	// Ticks label the x axis; Num writes the y axis's numbers.
	Ticks   []chartTick
	Num     func(int64) string
	Compact bool
}

// Points counts the points of every series.
func (c *lineChart) Points() int {
	n := 0
	for _, s := range c.Series {
		n += len(s.Points)
	}
	return n
}

// SVG draws the chart and its legend.
func (c *lineChart) SVG() template.HTML {
	height := chartHeight
	if c.Compact {
		height = compactHeight
	}
	plotW, plotH := float64(chartWidth-chartLeft-chartRight), float64(height-chartTop-chartBottom)
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
	xAt := func(x float64) float64 {
		if maxX == minX {
			return chartLeft + plotW/2
		}
		return chartLeft + (x-minX)/(maxX-minX)*plotW
	}
	yAt := func(y int64) float64 { return chartTop + plotH - float64(y)/float64(top)*plotH }

	var b strings.Builder
	b.WriteString(`<div class="chart">`)
	svgOpen(&b, c.ID, c.Title, c.Desc, chartWidth, height)
	// The grid and the y axis's numbers.
	b.WriteString(`<g class="axis" aria-hidden="true">`)
	for v := int64(0); v <= top; v += step {
		y := yAt(v)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s" stroke="#d0d5da" stroke-width="1"/>`, chartLeft, chartWidth-chartRight, chartNum(y), chartNum(y))
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" font-size="%d" fill="#1b1b1b">%s</text>`, chartLeft-6, chartNum(y+4), chartFont, chartEsc(c.Num(v)))
	}
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s" stroke="#767676" stroke-width="1"/>`, chartLeft, chartWidth-chartRight, chartNum(yAt(0)), chartNum(yAt(0)))
	for i, t := range c.Ticks {
		anchor := "middle"
		switch {
		case len(c.Ticks) > 1 && i == 0:
			anchor = "start"
		case len(c.Ticks) > 1 && i == len(c.Ticks)-1:
			anchor = "end"
		}
		x := xAt(t.X)
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#767676" stroke-width="1"/>`, chartNum(x), chartNum(x), chartNum(yAt(0)), chartNum(yAt(0)+4))
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="%s" font-size="%d" fill="#1b1b1b">%s</text>`, chartNum(x), height-8, anchor, chartFont, chartEsc(t.Label))
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
	if len(c.Series) > 0 {
		b.WriteString(`<ul class="legend">`)
		for i, s := range c.Series {
			fmt.Fprintf(&b, `<li><svg width="28" height="12" viewBox="0 0 28 12" aria-hidden="true" focusable="false">`+
				`<line x1="1" x2="27" y1="6" y2="6" stroke="%s" stroke-width="2"%s/><path d="%s" fill="%s"/></svg> %s</li>`,
				chartColors[i%len(chartColors)], dashAttr(chartDashes[i%len(chartDashes)]), markerPath(i, 14, 6), chartColors[i%len(chartColors)], chartEsc(s.Name))
		}
		b.WriteString(`</ul>`)
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String())
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
	b.WriteString(`<div class="chart">`)
	svgOpen(&b, c.ID, c.Title, c.Desc, chartWidth, height)
	for i, bar := range c.Bars {
		y := i * barRow
		color := chartColors[i%len(chartColors)]
		fmt.Fprintf(&b, `<g class="bar"><text x="0" y="%d" font-size="%d" fill="#1b1b1b">%s</text>`, y+13, chartFont+1, chartEsc(shortText(bar.Label, barLabelMaxRunes)))
		value := c.Absent
		w := 0.0
		if bar.Has {
			value = c.Num(bar.Value)
			if most > 0 {
				w = math.Max(float64(bar.Value)/float64(most)*full, 2)
			}
			fmt.Fprintf(&b, `<rect x="0" y="%d" width="%s" height="%d" fill="%s"/>`, y+18, chartNum(w), barThickness, color)
		}
		fmt.Fprintf(&b, `<text x="%s" y="%d" font-size="%d" fill="#1b1b1b">%s</text></g>`, chartNum(w+6), y+18+barThickness-2, chartFont+1, chartEsc(value))
	}
	b.WriteString(`</svg></div>`)
	return template.HTML(b.String())
}

// svgOpen starts an SVG image named by its title and described by desc.
func svgOpen(b *strings.Builder, id, title, desc string, w, h int) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d" aria-labelledby="%s-t" aria-describedby="%s-d">`,
		w, h, w, h, chartEsc(id), chartEsc(id))
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, chartEsc(id), chartEsc(title), chartEsc(id), chartEsc(desc))
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
