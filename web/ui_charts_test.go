package web

import (
	"encoding/xml"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// svgNode is an element of a chart's SVG, read back with encoding/xml.
type svgNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []svgNode  `xml:",any"`
}

func (n *svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// find returns the elements under n (n included) that match.
func (n *svgNode) find(match func(*svgNode) bool) []*svgNode {
	var out []*svgNode
	if match(n) {
		out = append(out, n)
	}
	for i := range n.Nodes {
		out = append(out, n.Nodes[i].find(match)...)
	}
	return out
}

// parseChart checks that a chart's HTML is well-formed XML and returns
// its root.
func parseChart(t *testing.T, html string) *svgNode {
	t.Helper()
	var root svgNode
	d := xml.NewDecoder(strings.NewReader(html))
	if err := d.Decode(&root); err != nil {
		t.Fatalf("the chart is not well-formed: %v\n%s", err, html)
	}
	if _, err := d.Token(); err != io.EOF {
		t.Fatalf("content after the chart: %v", err)
	}
	return &root
}

func named(local string) func(*svgNode) bool {
	return func(n *svgNode) bool { return n.XMLName.Local == local }
}

func TestLineChart(t *testing.T) {
	c := &lineChart{ID: "c1", Title: "Interacciones <diarias>", Desc: "Me gusta & comentarios", Num: func(n int64) string { return groupDigits(n, ".") },
		Series: []chartSeries{
			{Name: "Me gusta", Points: []chartPoint{{X: 0, Y: 10, Label: "1 nov"}, {X: 1, Y: 1500, Label: "2 nov"}, {X: 2, Y: 2500, Label: "3 nov"}}},
			{Name: "Comentarios", Points: []chartPoint{{X: 1, Y: 3, Label: "2 nov"}, {X: 2, Y: 7, Label: "3 nov"}}},
			{Name: "Uno solo", Points: []chartPoint{{X: 2, Y: 1, Label: "3 nov"}}},
		},
		Ticks: []chartTick{{0, "1 nov"}, {2, "3 nov"}}}
	if got := c.Points(); got != 6 {
		t.Errorf("Points: got %d, want 6", got)
	}
	root := parseChart(t, string(c.SVG()))
	svgs := root.find(named("svg"))
	if len(svgs) != 4 { // the chart and a swatch per series in the legend
		t.Fatalf("got %d svg elements, want 4", len(svgs))
	}
	svg := svgs[0]
	t.Run("is a figure captioned by its title, an image named by it and described", func(t *testing.T) {
		if root.XMLName.Local != "figure" {
			t.Errorf("the chart is a %s, want a figure", root.XMLName.Local)
		}
		if svg.attr("role") != "img" || svg.attr("aria-labelledby") != "c1-t" || svg.attr("aria-describedby") != "c1-d" {
			t.Errorf("got attributes %v", svg.Attrs)
		}
		titles := root.find(func(n *svgNode) bool { return n.XMLName.Local == "figcaption" && n.attr("id") == "c1-t" })
		descs := svg.find(func(n *svgNode) bool { return n.XMLName.Local == "desc" && n.attr("id") == "c1-d" })
		if len(titles) != 1 || titles[0].Text != "Interacciones <diarias>" || len(descs) != 1 || descs[0].Text != "Me gusta & comentarios" {
			t.Errorf("got title %v and desc %v", titles, descs)
		}
		for _, sw := range svgs[1:] {
			if sw.attr("aria-hidden") != "true" {
				t.Errorf("a legend swatch is not hidden from assistive technology: %v", sw.Attrs)
			}
		}
	})
	t.Run("each series has a marker per point and a line through them", func(t *testing.T) {
		groups := svg.find(func(n *svgNode) bool { return n.attr("class") == "series" })
		if len(groups) != 3 {
			t.Fatalf("got %d series", len(groups))
		}
		for i, g := range groups {
			want := c.Series[i]
			if g.attr("data-series") != want.Name {
				t.Errorf("series %d is %q, want %q", i, g.attr("data-series"), want.Name)
			}
			pts := g.find(func(n *svgNode) bool { return n.attr("class") == "pt" })
			if len(pts) != len(want.Points) {
				t.Errorf("%s: got %d markers, want %d", want.Name, len(pts), len(want.Points))
			}
			lines := g.find(named("polyline"))
			switch {
			case len(want.Points) < 2 && len(lines) != 0:
				t.Errorf("%s: a line through one point", want.Name)
			case len(want.Points) >= 2 && (len(lines) != 1 || len(strings.Fields(lines[0].attr("points"))) != len(want.Points)):
				t.Errorf("%s: got lines %v, want one through %d points", want.Name, lines, len(want.Points))
			}
		}
		tip := groups[0].find(named("title"))
		if len(tip) != 3 || tip[1].Text != "Me gusta · 2 nov: 1.500" {
			t.Errorf("got tooltips %v, want the value in words", tip)
		}
	})
	t.Run("the axis numbers are the page's", func(t *testing.T) {
		var texts []string
		for _, n := range svg.find(named("text")) {
			texts = append(texts, n.Text)
		}
		for _, want := range []string{"0", "1.000", "3.000", "1 nov", "3 nov"} {
			if !slices.Contains(texts, want) {
				t.Errorf("the axis lacks %q: %v", want, texts)
			}
		}
	})
	t.Run("the legend names every series", func(t *testing.T) {
		items := root.find(named("li"))
		if len(items) != 3 || !strings.Contains(items[1].Text, "Comentarios") {
			t.Errorf("got legend %v", items)
		}
	})
	t.Run("the higher value is higher on the page", func(t *testing.T) {
		pts := svg.find(func(n *svgNode) bool { return n.attr("class") == "pt" })
		y := func(n *svgNode) float64 {
			f := strings.FieldsFunc(n.attr("d"), func(r rune) bool { return r == ' ' || r == 'M' || r == 'a' })
			v, _ := strconv.ParseFloat(f[1], 64)
			return v
		}
		if y(pts[2]) >= y(pts[0]) {
			t.Errorf("2.500 is drawn at y %v, 10 at %v", y(pts[2]), y(pts[0]))
		}
	})
}

// texts are the texts of n's text elements.
func texts(n *svgNode) []string {
	var out []string
	for _, t := range n.find(named("text")) {
		out = append(out, t.Text)
	}
	return out
}

func TestLineChartTicks(t *testing.T) {
	num := func(n int64) string { return groupDigits(n, ".") }
	pts := []chartPoint{{X: 0, Y: 1}, {X: 20, Y: 2}, {X: 40, Y: 3}}
	axis := func(t *testing.T, ticks []chartTick) []string {
		t.Helper()
		c := &lineChart{ID: "t", Title: "T", Num: num, Series: []chartSeries{{Name: "A", Points: pts}}, Ticks: ticks}
		root := parseChart(t, string(c.SVG()))
		var out []string
		for _, n := range root.find(named("text")) {
			if n.attr("y") == strconv.Itoa(chartHeight-8) {
				out = append(out, n.Text)
			}
		}
		return out
	}
	t.Run("a label is written once", func(t *testing.T) {
		got := axis(t, []chartTick{{0, "6 dic 09:43"}, {40, "6 dic 09:43"}})
		if !slices.Equal(got, []string{"6 dic 09:43"}) {
			t.Errorf("got ticks %q, want the repeated label once", got)
		}
	})
	t.Run("distinct labels are all written, in order", func(t *testing.T) {
		got := axis(t, []chartTick{{0, "1 nov"}, {20, "2 nov"}, {40, "3 nov"}})
		if !slices.Equal(got, []string{"1 nov", "2 nov", "3 nov"}) {
			t.Errorf("got ticks %q", got)
		}
	})
	t.Run("a label that would overlap another is left out, the ends kept", func(t *testing.T) {
		got := axis(t, []chartTick{{0, "6 dic 09:43:10"}, {20, "6 dic 09:43:20"}, {40, "6 dic 09:43:30"}})
		if !slices.Equal(got, []string{"6 dic 09:43:10", "6 dic 09:43:30"}) {
			t.Errorf("got ticks %q, want the first and the last", got)
		}
	})
	t.Run("the labels stay inside the picture", func(t *testing.T) {
		c := &lineChart{ID: "t", Title: "T", Num: num, Series: []chartSeries{{Name: "A", Points: pts}},
			Ticks: []chartTick{{0, "6 dic 09:43:10"}, {40, "6 dic 09:43:30"}}}
		root := parseChart(t, string(c.SVG()))
		for _, n := range root.find(named("text")) {
			x, _ := strconv.ParseFloat(n.attr("x"), 64)
			w := float64(len([]rune(n.Text))) * chartGlyph
			lo, hi := x-w/2, x+w/2
			switch n.attr("text-anchor") {
			case "start":
				lo, hi = x, x+w
			case "end":
				lo, hi = x-w, x
			}
			if lo < 0 || hi > chartWidth {
				t.Errorf("%q runs from %v to %v, outside 0 to %d", n.Text, lo, hi, chartWidth)
			}
		}
	})
}

func TestLineChartAxisFitsItsNumbers(t *testing.T) {
	for _, most := range []int64{3, 9000, 12_000_000} {
		c := &lineChart{ID: "n", Title: "N", Num: func(n int64) string { return groupDigits(n, ".") },
			Series: []chartSeries{{Name: "A", Points: []chartPoint{{X: 0, Y: 0}, {X: 1, Y: most}}}}}
		root := parseChart(t, string(c.SVG()))
		for _, n := range root.find(func(n *svgNode) bool { return n.XMLName.Local == "text" && n.attr("text-anchor") == "end" }) {
			x, _ := strconv.ParseFloat(n.attr("x"), 64)
			if lo := x - float64(len([]rune(n.Text)))*chartGlyph; lo < 0 {
				t.Errorf("most %d: %q starts at %v, outside the picture", most, n.Text, lo)
			}
		}
	}
}

func TestLineChartWithoutLegend(t *testing.T) {
	c := &lineChart{ID: "seg", Title: "Seguidores de @gobantioquia, en Instagram", Num: func(n int64) string { return strconv.FormatInt(n, 10) },
		Series: []chartSeries{{Name: "Seguidores", Points: []chartPoint{{X: 0, Y: 340}}}}, NoLegend: true}
	root := parseChart(t, string(c.SVG()))
	if len(root.find(named("ul"))) != 0 {
		t.Error("a chart without legend has one")
	}
	caps := root.find(named("figcaption"))
	if len(caps) != 1 || caps[0].Text != c.Title {
		t.Errorf("got captions %v, want the title", caps)
	}
}

func TestLineChartWithoutData(t *testing.T) {
	c := &lineChart{ID: "vacio", Title: "Nada", Desc: "Sin datos", Num: func(n int64) string { return strconv.FormatInt(n, 10) }, Compact: true}
	root := parseChart(t, string(c.SVG()))
	if len(root.find(func(n *svgNode) bool { return n.attr("class") == "pt" })) != 0 || len(root.find(named("li"))) != 0 {
		t.Error("an empty chart has points or a legend")
	}
}

func TestBarChart(t *testing.T) {
	c := &barChart{ID: "redes", Title: "Interacciones por red", Desc: "X 1.200, Facebook sin datos", Absent: "—",
		Num:  func(n int64) string { return groupDigits(n, ".") },
		Bars: []chartBar{{Label: "X", Value: 1200, Has: true}, {Label: "Facebook"}, {Label: "Instagram", Value: 300, Has: true}}}
	root := parseChart(t, string(c.SVG()))
	bars := root.find(func(n *svgNode) bool { return n.attr("class") == "bar" })
	if len(bars) != 3 {
		t.Fatalf("got %d bars, want 3", len(bars))
	}
	width := func(g *svgNode) float64 {
		r := g.find(named("rect"))
		if len(r) == 0 {
			return -1
		}
		w, _ := strconv.ParseFloat(r[0].attr("width"), 64)
		return w
	}
	if caps := root.find(named("figcaption")); len(caps) != 1 || caps[0].Text != c.Title || caps[0].attr("id") != "redes-t" {
		t.Errorf("got captions %v, want the title, naming the image", caps)
	}
	if w := width(bars[0]); w != chartWidth-barValueRoom {
		t.Errorf("the longest bar is %v wide, want the full %d", w, chartWidth-barValueRoom)
	}
	if w := width(bars[2]); w != (chartWidth-barValueRoom)/4 {
		t.Errorf("a quarter of the longest is %v wide, want %d", w, (chartWidth-barValueRoom)/4)
	}
	if width(bars[1]) != -1 || !slices.Contains(texts(bars[1]), "—") {
		t.Errorf("an absent value: got a bar or no dash: %v", texts(bars[1]))
	}
	if got := texts(bars[0]); !slices.Contains(got, "X") || !slices.Contains(got, "1.200") {
		t.Errorf("a bar's texts: got %v, want its label and number", got)
	}
}

func TestYScale(t *testing.T) {
	for _, tt := range []struct{ most, step, top int64 }{
		{0, 1, 1}, {1, 1, 1}, {4, 1, 4}, {7, 2, 8}, {10, 5, 10}, {99, 50, 100}, {1234, 500, 1500}, {40000, 10000, 40000},
	} {
		if step, top := yScale(tt.most); step != tt.step || top != tt.top {
			t.Errorf("yScale(%d): got %d, %d; want %d, %d", tt.most, step, top, tt.step, tt.top)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		sep  string
		want string
	}{
		{0, ".", "0"}, {999, ".", "999"}, {1234, ".", "1.234"}, {1234567, ",", "1,234,567"}, {-12345, ".", "-12.345"}, {100000, ".", "100.000"},
	} {
		if got := groupDigits(tt.n, tt.sep); got != tt.want {
			t.Errorf("groupDigits(%d, %q): got %q, want %q", tt.n, tt.sep, got, tt.want)
		}
	}
}
