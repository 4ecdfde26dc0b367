package text

import (
	"strings"
	"testing"
)

// TestFor: a person's language_code is matched as people expect; an
// unknown one, or none, is the default.
func TestFor(t *testing.T) {
	c := testCatalog(t, "de")
	for code, want := range map[string]string{
		"ru": "ru", "ru-RU": "ru", "uk": "uk", "pt": "pt-BR", "pt-br": "pt-BR", "pt-PT": "pt-BR", "es-419": "es", "es-MX": "es",
		"de-AT": "de", "tr": "tr", "id": "id", "in": "id", "fa-IR": "fa", "ar-EG": "ar", "en-GB": "en", "en": "en",
		"fr": "de", "zh-hans": "de", "": "de", "??": "de",
	} {
		if got := c.For(code).Lang(); got != want {
			t.Errorf("For(%q) = %s, want %s", code, got, want)
		}
	}
	if got := c.For("", "xx", "ru").Lang(); got != "ru" {
		t.Errorf("For(\"\", xx, ru) = %s, want ru: the first code spoken", got)
	}
}

// TestRightToLeftIsolatesUserText: in Persian and Arabic, user text in a
// message (a link's name, a chat's title) keeps its own direction in
// isolates, escaped inside them; HTML given as such and numbers are put
// in as they are. Left-to-right languages show user text as it is.
func TestRightToLeftIsolatesUserText(t *testing.T) {
	c := testCatalog(t, DefaultLanguage)
	for _, p := range printers(t, c) {
		out := p.S("link.no_name", "Name", "Summer <sale>", "Chat", "Invite Test Group")
		name, chat := "Summer &lt;sale&gt;", "Invite Test Group"
		if p.RTL() {
			name, chat = fsi+name+pdi, fsi+chat+pdi
		}
		if !strings.Contains(out, name) || !strings.Contains(out, chat) {
			t.Errorf("%s: %q does not show %q and %q", p.Lang(), out, name, chat)
		}
		if got := strings.Contains(out, fsi); got != p.RTL() {
			t.Errorf("%s: isolates in %q: %v, want %v", p.Lang(), out, got, p.RTL())
		}
		if err := isolation(out); err != nil {
			t.Errorf("%s: %q: %v", p.Lang(), out, err)
		}
		// HTML and numbers are not user text.
		html := p.S("refresh.done", "Link", HTML("<b>#3</b> x"))
		if !strings.Contains(html, "<b>#3</b> x") {
			t.Errorf("%s: the HTML value is changed: %q", p.Lang(), html)
		}
		if n := p.S("revoke.primary", "N", 7); strings.Contains(n, fsi+"7") {
			t.Errorf("%s: a number is isolated: %q", p.Lang(), n)
		}
	}
	for _, code := range []string{"fa", "ar"} {
		p := c.For(code)
		if !p.RTL() {
			t.Errorf("%s is not right to left", code)
		}
		// A name that would end its isolate and override what follows.
		out := p.S("link.no_name", "Name", pdi+"\u202eevil", "Chat", "Group")
		if err := isolation(out); err != nil {
			t.Errorf("%s: %q: %v", code, out, err)
		}
	}
}
