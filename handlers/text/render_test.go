package text

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// ifValue is the value an {{if .X}} tests.
var ifValue = regexp.MustCompile(`^\{\{if \.([A-Za-z]+)\}\}$`)

// realistic are values like those the handlers give, by the name a
// message shows them under.
var realistic = map[string]any{
	"Approved":  5,
	"At":        time.Date(2026, 11, 22, 5, 24, 0, 0, time.UTC),
	"Bio":       "Hi <there> & all",
	"Bot":       "invite_test_bot",
	"By":        "@alice_admin",
	"Chat":      "Invite Test Group",
	"Chosen":    true,
	"Code":      "es",
	"Codes":     HTML("<code>en</code> English\n<code>es</code> Español"),
	"Command":   "/approve",
	"Date":      "2026-12-31",
	"Deadline":  time.Date(2026, 11, 22, 5, 34, 0, 0, time.UTC),
	"Declined":  2,
	"Details":   "expire=7d limit=50",
	"Entry":     HTML("2026-11-22 05:24 UTC · @alice_admin · made #3 limit=50"),
	"Every":     "1d",
	"Example":   "/createlink Partners limit=50",
	"Failed":    1,
	"From":      "2026-11-01",
	"ID":        int64(5000000006),
	"Item":      M("verify.item.apple"),
	"Joins":     7,
	"Kind":      "link_exported",
	"Limit":     50,
	"Link":      HTML("<b>#3</b> https://t.me/+AbCdEf0123456789\nname: “Partners” · expires: never"),
	"Links":     HTML("#3 “Partners” https://t.me/+AbCdEf0123456789, #5 “Partners” https://t.me/+ZyXwVu9876543210"),
	"Log":       "Invite Log",
	"Made":      2,
	"Max":       32,
	"Min":       2,
	"Mode":      "verify",
	"N":         3,
	"Name":      "Summer sale",
	"Next":      time.Date(2026, 11, 23, 5, 24, 0, 0, time.UTC),
	"NoRight":   true,
	"Option":    "expire=",
	"Page":      2,
	"Pages":     3,
	"Passed":    4,
	"PerLink":   HTML("#2 “Partners”: 7\n#3 “Summer sale”: 3"),
	"Period":    M("stats.period_days", "Count", 30, "From", "2026-11-01", "To", "2026-11-30"),
	"Ref":       "#3",
	"Rules":     "Be kind.\nNo spam.",
	"Seconds":   60,
	"State":     M("requests.state.approved"),
	"Title":     "Invite Test Group",
	"To":        "2026-11-30",
	"Type":      M("chat.type.supergroup"),
	"URL":       "https://t.me/+AbCdEf0123456789",
	"Unchecked": HTML(" I checked only the 50 chats most recently active."),
	"Username":  "frank_f",
	"Value":     "sometimes",
	"Via":       M("requests.via_named", "N", 2, "Name", "Door"),
	"Wait":      "10m",
	"What":      M("log.kind.link_created", "N", 3, "Details", "limit=50"),
	"When":      "2020-01-01",
	"Who":       "@frank_f",
	"Why":       M("batch.why_failed"),
	"Words":     "next week",
}

// testCatalog is the catalogs as the program loads them.
func testCatalog(t *testing.T, def string) *Catalog {
	t.Helper()
	c, err := New(def)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// printers are the printers of every language, English first.
func printers(t *testing.T, c *Catalog) []*Printer {
	t.Helper()
	var out []*Printer
	for _, tag := range c.tags {
		out = append(out, c.printers[tag])
	}
	slices.SortStableFunc(out, func(a, b *Printer) int {
		switch {
		case a.Lang() == DefaultLanguage:
			return -1
		case b.Lang() == DefaultLanguage:
			return 1
		}
		return 0
	})
	return out
}

// TestEveryMessageRendersEverywhere renders every message of the English
// catalog in every language, from that language's own catalog, with
// realistic values, once with the optional ones and once without, and for
// a message with plural forms with counts that reach each form the
// language has: no error, no value left out, not the ID.
func TestEveryMessageRendersEverywhere(t *testing.T) {
	c := testCatalog(t, DefaultLanguage)
	en := readCatalog(t, "locales/en.yaml")
	ids := sorted(mapsKeys(en))
	for _, p := range printers(t, c) {
		t.Run(p.Lang(), func(t *testing.T) {
			reached, bare := map[string]bool{}, 0
			for _, id := range ids {
				sh := shapeOf(en[id].forms["other"])
				var optional []string // the values of {{if .X}}
				for _, a := range sh.actions {
					if m := ifValue.FindStringSubmatch(a); m != nil {
						optional = append(optional, m[1])
					}
				}
				counts := []any{nil}
				switch {
				case en[id].plural:
					counts = sampleCounts
				case slices.Contains(sh.placeholders, "Count"):
					counts = []any{10} // a count shown in a message of one form
				}
				for _, withOptional := range []bool{true, false} {
					if !withOptional && len(optional) == 0 {
						continue
					}
					for _, n := range counts {
						m := Msg{ID: id, Data: map[string]any{}}
						for _, name := range sh.placeholders {
							if name == "Count" {
								continue
							}
							v, ok := realistic[name]
							if !ok {
								t.Fatalf("%s shows {{.%s}}: give it a realistic value in this test", id, name)
							}
							if !withOptional && slices.Contains(optional, name) {
								continue
							}
							m.Data[name] = v
						}
						if n != nil {
							m.Data["Count"] = n
						}
						out, err := p.localize(m)
						switch {
						case err != nil:
							t.Errorf("%s (Count %v): %v", id, n, err)
						case out == "" || out == html.EscapeString(id):
							t.Errorf("%s (Count %v) renders as %q", id, n, out)
						case strings.Contains(out, "<no value>") || strings.Contains(out, "{{"):
							t.Errorf("%s (Count %v) leaves a value out: %q", id, n, out)
						}
						if got := p.Sprint(m); got != out {
							t.Errorf("%s: Sprint = %q, the catalog's %q", id, got, out)
						}
						if en[id].plural {
							reached[id] = true
						}
						if !withOptional {
							bare++
						}
					}
				}
			}
			if len(reached) == 0 || bare == 0 {
				t.Errorf("%d messages with plural forms rendered, %d without their optional values: the test is broken", len(reached), bare)
			}
		})
	}
}

// TestNotLeftInEnglish: a translated message of two words or more that
// reads exactly as the English one was left untranslated (one word may be
// the same in two languages: "no" in Spanish).
func TestNotLeftInEnglish(t *testing.T) {
	files := catalogFiles(t)
	en := readCatalog(t, files[0])
	for _, file := range files[1:] {
		cat := readCatalog(t, file)
		var left []string
		for id, m := range cat {
			for form, s := range m.forms {
				prose := tagRe.ReplaceAllString(templateRe.ReplaceAllString(s, ""), "") // HTML tags are no words
				words := strings.FieldsFunc(prose, func(r rune) bool { return !unicode.IsLetter(r) })
				if e, ok := en[id].forms[form]; ok && e == s && len(words) >= 2 {
					left = append(left, id)
				}
			}
		}
		if len(left) > 0 {
			t.Errorf("%s: %d messages are word for word the English ones: %s", file, len(left), strings.Join(sorted(left), ", "))
		}
	}
}

// TestMenusFitTelegram: a command's description in setMyCommands has 1 to
// 256 characters, and shows no HTML (menus are plain text).
func TestMenusFitTelegram(t *testing.T) {
	c := testCatalog(t, DefaultLanguage)
	en := readCatalog(t, "locales/en.yaml")
	for _, p := range printers(t, c) {
		for id := range en {
			if !strings.HasPrefix(id, "menu.") {
				continue
			}
			s := p.P(id)
			if n := len(utf16.Encode([]rune(s))); n < 1 || n > 256 {
				t.Errorf("%s: %s is %d characters long", p.Lang(), id, n)
			}
			if s != p.S(id) {
				t.Errorf("%s: %s has HTML in a menu: %q", p.Lang(), id, p.S(id))
			}
		}
	}
}

func TestTimesStayISOUTC(t *testing.T) {
	c := testCatalog(t, DefaultLanguage)
	at := time.Date(2026, 12, 31, 18, 0, 0, 0, time.FixedZone("X", 3*3600))
	for _, p := range printers(t, c) {
		out := p.S("requests.entry", "Name", "Frank", "ID", 5000000006, "At", at, "Via", M("requests.via_none"))
		if !strings.Contains(out, "2026-12-31 15:00 UTC") {
			t.Errorf("%s: %q does not show the time as 2026-12-31 15:00 UTC", p.Lang(), out)
		}
	}
}

// TestSentenceStartsWithCapitalForThisChat: a message that names the chat
// it is sent in says "this chat" (chat.this) there; one that begins with
// it must still begin a sentence with a capital letter.
func TestSentenceStartsWithCapitalForThisChat(t *testing.T) {
	c := testCatalog(t, DefaultLanguage)
	en := readCatalog(t, "locales/en.yaml")
	tags := regexp.MustCompile(`<[^>]*>`)
	for _, p := range printers(t, c) {
		for _, id := range sorted(mapsKeys(en)) {
			sh := shapeOf(en[id].forms["other"])
			if !slices.Contains(sh.placeholders, "Chat") {
				continue
			}
			m := Msg{ID: id, Data: map[string]any{}}
			for _, name := range sh.placeholders {
				m.Data[name] = realistic[name]
			}
			m.Data["Chat"] = M("chat.this")
			if slices.Contains(sh.placeholders, "Count") {
				m.Data["Count"] = 10
			}
			out := html.UnescapeString(tags.ReplaceAllString(p.Sprint(m), ""))
			out = strings.TrimLeftFunc(out, func(r rune) bool { return unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) })
			this := p.P("chat.this")
			if first, _ := utf8.DecodeRuneInString(out); strings.HasPrefix(out, this) && unicode.IsLower(first) {
				t.Errorf("%s: %s begins with %q: %q", p.Lang(), id, this, out)
			}
		}
	}
	// A chat's own title is the chat's, as it is written.
	if got := c.For("tr").P("rules.none", "Chat", "my group"); !strings.HasPrefix(got, "my group içinde") {
		t.Errorf("tr rules.none of the chat “my group” reads %q", got)
	}
	if got, want := c.For("tr").P("rules.removed", "Chat", M("chat.this")), "Bu sohbet içinde"; !strings.HasPrefix(got, want) {
		t.Errorf("tr rules.removed of this chat reads %q, want it to begin %q", got, want)
	}
}
