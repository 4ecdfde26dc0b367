package text

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

const (
	fsi = "\u2068" // first strong isolate
	pdi = "\u2069" // pop directional isolate
)

// isolation checks the directional isolates of s: each pop closes an
// isolate opened before it on its line, none stays open at a line's end
// (where a paragraph ends, and every isolate with it), and every
// embedding or override (U+202A..U+202E) lies inside an isolate, which
// ends it. Such a message cannot have the direction of its own text
// turned by what it shows.
func isolation(s string) error {
	depth := 0
	for i, r := range s {
		switch r {
		case '\n', '\r', '\u001c', '\u001d', '\u001e', '\u0085', '\u2029':
			if depth != 0 {
				return fmt.Errorf("%d isolates stay open at the end of a line, byte %d", depth, i)
			}
		case '\u2066', '\u2067', '\u2068':
			depth++
		case '\u2069':
			if depth == 0 {
				return fmt.Errorf("a pop directional isolate at byte %d closes nothing", i)
			}
			depth--
		case '\u202a', '\u202b', '\u202c', '\u202d', '\u202e':
			if depth == 0 {
				return fmt.Errorf("the bidi control %U at byte %d lies outside any isolate", r, i)
			}
		}
	}
	if depth != 0 {
		return fmt.Errorf("%d isolates stay open", depth)
	}
	return nil
}

// TestIsolateHoldsHostileText: user text with its own isolates, pops,
// embeddings and overrides cannot end the isolate it is put in, nor turn
// what follows it.
func TestIsolateHoldsHostileText(t *testing.T) {
	c := testCatalog(t, DefaultLanguage)
	// Any right-to-left language: the English messages, isolated.
	rtl := *c.Default()
	rtl.rtl = true
	p := &rtl
	for _, hostile := range []string{
		pdi + "\u202eevil",    // a pop first, then an override to the end
		"a" + pdi + pdi + "b", // more pops than opened
		"\u2067right to left", // an isolate left open
		"\u2066a" + pdi + pdi, // one closed, one too many
		"\u202bembedded\u202c" + pdi,
		"\u2068\u2068" + pdi,
		strings.Repeat(pdi, 20) + "\u202e",
		"first line\n\u202esecond line", // an override on a line of its own
		"\u2067open\r\nclosed" + pdi,    // an isolate a line break ends
		"\n\u2029",
	} {
		out := p.S("link.no_name", "Name", hostile, "Chat", "Group")
		if err := isolation(out); err != nil {
			t.Errorf("%q in %q: %v", hostile, out, err)
		}
		if !strings.Contains(out, fsi+"Group"+pdi) {
			t.Errorf("%q: the chat's name after it is not isolated on its own: %q", hostile, out)
		}
	}
	for in, want := range map[string]string{
		"plain":               "plain",
		pdi + "x":             "x",
		"\u2067x":             "\u2067x" + pdi,
		"\u2066a" + pdi + pdi: "\u2066a" + pdi,
		"a" + pdi + "\u2068b": "a\u2068b" + pdi,
		"\u2068" + pdi + pdi:  "\u2068" + pdi,
		"\u202e" + pdi + "é😀": "\u202eé😀",
	} {
		if got := balanceIsolates(in); got != want {
			t.Errorf("balanceIsolates(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"one":                    fsi + "one" + pdi,
		"Be kind.\nNo spam.":     fsi + "Be kind." + pdi + "\n" + fsi + "No spam." + pdi,
		"a\r\n\nb\u2029":         fsi + "a" + pdi + "\r\n\n" + fsi + "b" + pdi + "\u2029",
		"\u2067x\ny" + pdi + pdi: fsi + "\u2067x" + pdi + pdi + "\n" + fsi + "y" + pdi,
	} {
		if got := p.Isolate(in); got != want {
			t.Errorf("Isolate(%q) = %q, want %q: an isolate of its own on each line", in, got, want)
		}
	}
	if got := c.For("en").Isolate(pdi + "x"); got != pdi+"x" {
		t.Errorf("English isolates: %q", got)
	}
}

// TestFallback: a message that a language lacks is said in the default
// language, and one the default lacks in English; one no catalog has is
// its ID. A plural form a language lacks is said in the default too; a
// message of one form that shows a Count has no plural forms to lack.
func TestFallback(t *testing.T) {
	fsys := fstest.MapFS{
		"l/en.yaml": {Data: []byte("language.name: English\na: A\nb: B\nc: \"{{.Count}} in all\"\nn:\n  one: \"{{.Count}} thing\"\n  other: \"{{.Count}} things\"\n")},
		"l/de.yaml": {Data: []byte("language.name: Deutsch\na: A-de\nn:\n  one: \"{{.Count}} Ding\"\n  other: \"{{.Count}} Dinge\"\n")},
		"l/ru.yaml": {Data: []byte("language.name: Русский\nc: \"всего {{.Count}}\"\nn:\n  one: \"{{.Count}} вещь\"\n  other: \"{{.Count}} вещи\"\n")},
	}
	for _, tt := range []struct {
		def, lang, id string
		count         any
		want          string
	}{
		{"de", "ru", "a", nil, "A-de"},
		{"de", "ru", "b", nil, "B"},
		{"de", "de", "b", nil, "B"},
		{"de", "en", "a", nil, "A"},
		{"en", "ru", "a", nil, "A"},
		{"en", "ru", "missing", nil, "missing"},
		{"de", "ru", "missing", nil, "missing"},
		{"en", "ru", "n", 21, "21 вещь"},
		{"de", "ru", "n", 5, "5 Dinge"}, // ru lacks "many"
		{"en", "ru", "c", 5, "всего 5"}, // a message of one form: its Count is only shown
	} {
		c, err := load(fsys, "l", tt.def)
		if err != nil {
			t.Fatal(err)
		}
		m := M(tt.id)
		if tt.count != nil {
			m = M(tt.id, "Count", tt.count)
		}
		if got := c.For(tt.lang).Sprint(m); got != tt.want {
			t.Errorf("default %s, %s: %s = %q, want %q", tt.def, tt.lang, tt.id, got, tt.want)
		}
	}
}

func TestNewRefusesAnUnknownDefault(t *testing.T) {
	for _, def := range []string{"xx", "fr", "not a code", ""} {
		if _, err := New(def); err == nil {
			t.Errorf("New(%q) succeeded", def)
		}
	}
}
