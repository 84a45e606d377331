package xtext_test

import (
	"strings"
	"testing"
	"time"

	"pregonero/adapters/x/xtext"
)

func TestParse_spanish(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"accents, ñ and inverted marks count one each", "¿Qué tal? ¡Mañana será otro día!", 32},
		{"ü and ñ count one each", "Año nuevo: ñandú, pingüino y corazón.", 37},
		{"decomposed accents are normalized first", "Bogota\u0301 y Medelli\u0301n", 17},
		{"link with scheme counts 23", "Más información en https://www.minsalud.gov.co/salud/publica/Paginas/vacunacion.aspx hoy.", 19 + 23 + 5},
		{"upper-case scheme and host count 23", "HTTPS://EJEMPLO.COM.CO", 23},
		{"gov.co link without scheme with path counts 23", "Consulte antioquia.gov.co/ruta antes del viernes", 9 + 23 + 18},
		{"gob.co link without scheme stops before the final period", "Trámites en línea: example.gob.co.", 19 + 23 + 1},
		{"gob.mx link without scheme counts 23", "presidencia.gob.mx", 23},
		{"co link with query stops before the comma", "¡Oferta! tienda.co/ofertas?id=5&ref=tw, solo hoy", 9 + 23 + 10},
		{"accented domain counts 23", "Lea elpaís.com hoy", 4 + 23 + 4},
		{"e-mail address is not a link", "Escríbanos a contacto@alcaldia.gov.co", 37},
		{"unknown TLD is not a link", "No es enlace: hola.mundo", 24},
		{"two links count 23 each", "Vea ejemplo.com y https://ejemplo.org/a", 4 + 23 + 3 + 23},
		{"applause with skin tone counts 2", "Felicitaciones 👏🏽", 15 + 2},
		{"family ZWJ sequence counts 2", "Familia 👨\u200d👩\u200d👧\u200d👦", 8 + 2},
		{"flags count 2 each", "Colombia 🇨🇴 y España 🇪🇸", 9 + 2 + 10 + 2},
		{"heart with VS16 counts 2", "Te quiero ❤\ufe0f", 10 + 2},
		{"health worker with tone counts 2", "Médica 👩🏽\u200d⚕\ufe0f", 7 + 2},
		{"CJK counts 2 each", "東京で会いましょう", 18},
		{"CJK mixed with Spanish", "日本語とespañol", 8 + 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := xtext.Parse(tt.text)
			if got.WeightedLength != tt.want {
				t.Errorf("Parse(%q).WeightedLength = %d, want %d", tt.text, got.WeightedLength, tt.want)
			}
			if !got.Valid {
				t.Errorf("Parse(%q).Valid = false, want true", tt.text)
			}
			if gotWL := xtext.WeightedLength(tt.text); gotWL != tt.want {
				t.Errorf("WeightedLength(%q) = %d, want %d", tt.text, gotWL, tt.want)
			}
		})
	}
}

func TestParse_limit(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		wantLen   int
		wantValid bool
	}{
		{"280 ñ are valid", strings.Repeat("ñ", 280), 280, true},
		{"281 ñ are too long", strings.Repeat("ñ", 281), 281, false},
		{"257 characters and a link make exactly 280", strings.Repeat("á", 256) + " https://ejemplo.com/" + strings.Repeat("x", 500), 280, true},
		{"140 CJK characters are valid", strings.Repeat("語", 140), 280, true},
		{"141 CJK characters are too long", strings.Repeat("語", 141), 282, false},
		{"141 emoji are too long", strings.Repeat("🎉", 141), 282, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := xtext.Parse(tt.text)
			if got.WeightedLength != tt.wantLen || got.Valid != tt.wantValid {
				t.Errorf("Parse = {WeightedLength:%d Valid:%t}, want {WeightedLength:%d Valid:%t}", got.WeightedLength, got.Valid, tt.wantLen, tt.wantValid)
			}
		})
	}
}

func TestParse_blankAndInvalid(t *testing.T) {
	blank := xtext.Result{WeightedLength: 0, Valid: false, Permillage: 0, ValidRangeEnd: -1}
	tests := []struct {
		name string
		text string
		want xtext.Result
	}{
		{"empty text is invalid", "", blank},
		{"ASCII whitespace only is invalid", " \t\n\r ", blank},
		{"control characters only are invalid", "\x00\x1f", blank},
		{"no-break space is not trimmed upstream", "\u00a0", xtext.Result{WeightedLength: 1, Valid: true, Permillage: 3, ValidRangeEnd: 0}},
		{"byte order mark makes the text invalid", "hola\ufeff", xtext.Result{WeightedLength: 6, Valid: false, Permillage: 21, ValidRangeEnd: 3}},
		{"each invalid UTF-8 byte counts as U+FFFD", "a\xff\xfeb", xtext.Result{WeightedLength: 6, Valid: true, Permillage: 21, ValidRangeEnd: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := xtext.Parse(tt.text); got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.text, got, tt.want)
			}
		})
	}
}

func TestParse_emoji(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"profession with tone and VS16 is one emoji", "👩🏽\u200d⚕\ufe0f", 2},
		{"gendered runner is one emoji", "🏃\u200d♀\ufe0f", 2},
		{"gendered runner with tone is one emoji", "🏃🏾\u200d♂\ufe0f", 2},
		{"gendered runner without VS16 is three parts", "🏃\u200d♀", 2 + 1 + 2},
		{"bouncing ball person with tone is one emoji", "⛹🏽\u200d♀\ufe0f", 2},
		{"rainbow flag is one emoji", "🏳\ufe0f\u200d🌈", 2},
		{"pirate flag is one emoji", "🏴\u200d☠\ufe0f", 2},
		{"people holding hands with different tones are one emoji", "👩🏻\u200d🤝\u200d👨🏿", 2},
		{"people holding hands without tones are one emoji", "🧑\u200d🤝\u200d🧑", 2},
		{"men holding hands with the same tone are not a listed sequence", "👨🏻\u200d🤝\u200d👨🏻", 2 + 1 + 2 + 1 + 2},
		{"England flag is one emoji", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 2},
		{"regional indicators that name no region are two emoji", "🇦🇦", 4},
		{"keycap with VS16 is one emoji", "#\ufe0f\u20e3", 2},
		{"keycap without VS16 is one emoji", "1\u20e3", 2},
		{"copyright with VS16 is one emoji", "©\ufe0f", 2},
		{"copyright alone is Latin-1 text", "©", 1},
		{"thumbs up with tone is one emoji", "👍🏿", 2},
		{"index pointing up with tone is one emoji", "☝🏼", 2},
		{"heart with VS15 is text and a selector", "❤\ufe0e", 2 + 2},
		{"eye in speech bubble is one emoji", "👁\u200d🗨", 2},
		{"service dog is one emoji", "🐕\u200d🦺", 2},
		{"stray VS16 counts as an emoji", "a\ufe0f", 1 + 2},
		{"Unicode 13.1 heart on fire is counted by parts", "❤\ufe0f\u200d🔥", 2 + 1 + 2},
		{"Unicode 14 emoji counts as an astral code point", "🫠", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := xtext.WeightedLength(tt.text); got != tt.want {
				t.Errorf("WeightedLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestExtractURLs_offsets(t *testing.T) {
	text := "Más info: ¡https://ejemplo.com.co/página! y antioquia.gov.co/ruta."
	got := xtext.ExtractURLs(text)
	want := []string{"https://ejemplo.com.co/página", "antioquia.gov.co/ruta"}
	if len(got) != len(want) {
		t.Fatalf("ExtractURLs(%q) = %v, want %q", text, got, want)
	}
	for i, u := range got {
		if u.URL != want[i] || text[u.Start:u.End] != want[i] {
			t.Errorf("link %d = %q (text[%d:%d] = %q), want %q", i, u.URL, u.Start, u.End, text[u.Start:u.End], want[i])
		}
	}
	if got := xtext.ExtractURLs("sin enlaces aquí"); got != nil {
		t.Errorf("ExtractURLs without links = %v, want nil", got)
	}
}

// TestExtractURLs_pathParentheses pins how a path ends around parentheses.
// Upstream pastes its path-ending class and its balanced-parentheses group
// together without grouping them, so a group only extends a path when it
// directly follows the last path-ending character (or the slash).
func TestExtractURLs_pathParentheses(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{"group after a letter is kept", "http://a.co/x(ab) b", "http://a.co/x(ab)"},
		{"group after a quote is dropped", "http://a.co/x'(ab) b", "http://a.co/x"},
		{"group after a comma is dropped", "http://a.co/x,(a)", "http://a.co/x"},
		{"consecutive groups after the slash are kept", "http://a.co/(a)(b)' c", "http://a.co/(a)(b)"},
		{"letters after groups are kept", "http://a.co/x(a)(b)y' c", "http://a.co/x(a)(b)y"},
		{"nested group is kept", "http://a.co/x(a(b)c)(d)", "http://a.co/x(a(b)c)(d)"},
		{"unclosed group is dropped", "http://a.co/(a", "http://a.co/"},
		{"empty group is dropped", "http://a.co/x()", "http://a.co/x"},
		{"Wikipedia article without scheme keeps its group", "Ver es.wikipedia.org/wiki/Bogot%C3%A1_(Colombia).", "es.wikipedia.org/wiki/Bogot%C3%A1_(Colombia)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := xtext.ExtractURLs(tt.text)
			if len(got) != 1 || got[0].URL != tt.want {
				t.Errorf("ExtractURLs(%q) = %v, want one link %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestParse_adversarialInputIsLinear feeds inputs on which a backtracking
// implementation of the upstream patterns takes quadratic time; each must
// take a few milliseconds, so a generous bound still catches a regression.
func TestParse_adversarialInputIsLinear(t *testing.T) {
	inputs := map[string]string{
		"hyphenated run":    strings.Repeat("a-", 100_000),
		"dotted labels":     strings.Repeat("a.", 100_000),
		"underscored run":   strings.Repeat("a_", 100_000),
		"dots after scheme": "http://" + strings.Repeat("a.", 100_000),
		"path of periods":   "ejemplo.com/" + strings.Repeat(".", 200_000),
		"nested parens":     "ejemplo.com/" + strings.Repeat("(a", 100_000),
	}
	for name, text := range inputs {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			xtext.Parse(text)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Parse of %d bytes took %v, want linear time", len(text), d)
			}
		})
	}
}

var benchResult xtext.Result

func BenchmarkParse(b *testing.B) {
	post := "¡Atención, Medellín! 🚇 El metro amplía su horario este fin de semana por la Feria de las Flores 🌸. " +
		"Consulta los cambios de rutas, estaciones con ascensor y puntos de recarga en " +
		"https://www.metrodemedellin.gov.co/horarios antes de salir. ¿Dudas? Escríbenos por mensaje directo 👩🏽\u200d💼🙌 #FeriaDeLasFlores"
	if r := xtext.Parse(post); !r.Valid || r.WeightedLength < 230 {
		b.Fatalf("benchmark post: Parse = %+v, want a valid post close to the limit", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		benchResult = xtext.Parse(post)
	}
}

// TestInvalidCharacters follows twitter-text's invalid-characters rule
// (Regex.INVALID_CHARACTERS, conformance "Handle invalid characters"):
// U+FFFE, U+FEFF and U+FFFF make any text invalid, and are counted all the
// same.
func TestInvalidCharacters(t *testing.T) {
	tests := []struct {
		name, text string
		char       rune
		at         int
		length     int
	}{
		{"ByteOrderMarkFirst", "\uFEFFHola", 0xFEFF, 0, 6},
		{"ZeroWidthNoBreakInside", "Ho\uFEFFla", 0xFEFF, 2, 6},
		{"FFFE", "Hola\uFFFE", 0xFFFE, 4, 6},
		{"FFFF", "¡Hola!\uFFFF", 0xFFFF, 7, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := xtext.Parse(tt.text)
			if res.Valid || res.WeightedLength != tt.length {
				t.Errorf("Parse = %+v, want invalid with weighted length %d", res, tt.length)
			}
			r, at, ok := xtext.InvalidChar(tt.text)
			if !ok || r != tt.char || at != tt.at {
				t.Errorf("InvalidChar = %U, %d, %v; want %U at %d", r, at, ok, tt.char, tt.at)
			}
		})
	}
	if _, _, ok := xtext.InvalidChar("Hola \u202A\u2066 mundo \uFFFD"); ok {
		t.Error("InvalidChar found one in a text with only directional marks and U+FFFD")
	}
}
