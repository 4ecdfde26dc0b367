package text

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// The checks of the catalogs themselves: every language has every message
// of the English catalog and no other, with the same values, the same
// HTML, the same commands, options, numbers and lines, and the plural forms
// its language has. A new locales/CODE.yaml is checked by these tests with
// no change to them.

// message is a message of a catalog as the file has it: its text, or its
// text in each plural form ("one", "few", ...).
type message struct {
	plural bool
	forms  map[string]string // "other" alone for a message without plural forms
}

// readCatalog reads locales/NAME.yaml as a map from message ID.
func readCatalog(t *testing.T, file string) map[string]message {
	t.Helper()
	data, err := fs.ReadFile(locales, file)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	out := make(map[string]message, len(raw))
	for id, v := range raw {
		switch v := v.(type) {
		case string:
			out[id] = message{forms: map[string]string{"other": v}}
		case map[string]any:
			m := message{plural: true, forms: make(map[string]string, len(v))}
			for form, text := range v {
				s, ok := text.(string)
				if !ok {
					t.Errorf("%s: %s.%s is a %T, want text", file, id, form, text)
				}
				m.forms[form] = s
			}
			out[id] = m
		default:
			t.Errorf("%s: %s is a %T, want text or plural forms", file, id, v)
		}
	}
	return out
}

// catalogFiles are the catalogs' files, English first.
func catalogFiles(t *testing.T) []string {
	t.Helper()
	files, err := fs.Glob(locales, "locales/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(files, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case codeOf(a) == DefaultLanguage:
			return -1
		case codeOf(b) == DefaultLanguage:
			return 1
		}
		return strings.Compare(a, b)
	})
	if len(files) == 0 || codeOf(files[0]) != DefaultLanguage {
		t.Fatalf("no %s catalog among %v", DefaultLanguage, files)
	}
	return files
}

func codeOf(file string) string { return strings.TrimSuffix(path.Base(file), ".yaml") }

// cldrForms are the plural forms of each language that CLDR gives it, as
// the issue asks for them. A language not listed here is checked against
// what go-i18n's rules say (pluralForms).
var cldrForms = map[string][]string{
	"en":    {"one", "other"},
	"ru":    {"one", "few", "many", "other"},
	"uk":    {"one", "few", "many", "other"},
	"es":    {"one", "many", "other"},
	"pt-BR": {"one", "many", "other"},
	"de":    {"one", "other"},
	"tr":    {"one", "other"},
	"id":    {"other"},
	"fa":    {"one", "other"},
	"ar":    {"zero", "one", "two", "few", "many", "other"},
}

// sampleCounts are counts that reach every plural form of the languages
// above: the rules look at the last one or two digits, at millions and at
// fractions.
var sampleCounts = func() []any {
	var out []any
	for n := range 30 {
		out = append(out, n)
	}
	for _, n := range []int{100, 101, 102, 103, 105, 111, 112, 121, 1000, 1000000, 2000000} {
		out = append(out, n)
	}
	return append(out, "1.5", "0.5", "2.5")
}()

var allForms = []string{"zero", "one", "two", "few", "many", "other"}

// pluralForms tells, for a language, which plural form go-i18n picks for
// each of sampleCounts, by asking it to render a message whose forms are
// their own names.
func pluralForms(t *testing.T, code string) map[string][]any {
	t.Helper()
	tag := language.MustParse(code)
	b := i18n.NewBundle(language.English)
	if err := b.AddMessages(tag, &i18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}); err != nil {
		t.Fatal(err)
	}
	loc := i18n.NewLocalizer(b, code)
	out := make(map[string][]any)
	for _, n := range sampleCounts {
		form, err := loc.Localize(&i18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		if err != nil {
			t.Fatalf("%s: plural form of %v: %v", code, n, err)
		}
		out[form] = append(out[form], n)
	}
	return out
}

func formNames(forms map[string][]any) []string {
	var out []string
	for _, f := range allForms {
		if _, ok := forms[f]; ok {
			out = append(out, f)
		}
	}
	return out
}

func TestPluralFormsAreCLDRs(t *testing.T) {
	for _, file := range catalogFiles(t) {
		code := codeOf(file)
		want, ok := cldrForms[code]
		if !ok {
			t.Logf("%s: no CLDR forms listed in this test; go-i18n's rules say %v", code, formNames(pluralForms(t, code)))
			continue
		}
		if got := formNames(pluralForms(t, code)); !slices.Equal(got, want) {
			t.Errorf("%s: go-i18n picks the forms %v, CLDR has %v", code, got, want)
		}
	}
}

var (
	placeholderRe = regexp.MustCompile(`\{\{[^}]*?\.([A-Za-z]+)[^}]*\}\}`)
	actionRe      = regexp.MustCompile(`\{\{-?\s*(if|else|end|range|with)\b[^}]*\}\}`)
	tagRe         = regexp.MustCompile(`</?[a-z]+[^>]*>`)
	commandRe     = regexp.MustCompile(`(?:^|[\s(“”"«»>:\x{200e}\x{2066}])(/[a-z]+)\b`)
	optionRe      = regexp.MustCompile(`\b(?:expire|limit|name)=[A-Za-z0-9:|-]*`)
	digitsRe      = regexp.MustCompile(`[0-9]+`)
	mentionRe     = regexp.MustCompile(`[@#](?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|\{\{\.[A-Za-z]+\}\})`)
	entityRe      = regexp.MustCompile(`&(?:amp|lt|gt|quot);`)
	templateRe    = regexp.MustCompile(`\{\{[^}]*\}\}`)
)

// shape is what of a message must be the same in every language.
type shape struct {
	placeholders []string // the values it shows, as a set
	actions      []string // {{if}}, {{end}}, ... as a multiset
	tags         []string // HTML tags, as a multiset
	commands     []string // /commands, as a set
	options      []string // expire=, limit=, name= with their example values, as a multiset
	digits       []string // the numbers in it, as a multiset
	mentions     []string // @usernames and #numbers, as a set
	lines        int
	utc          int
}

func sorted(s []string) []string { slices.Sort(s); return s }

func set(s []string) []string { return slices.Compact(sorted(s)) }

func submatches(re *regexp.Regexp, s string, group int) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[group])
	}
	return out
}

func shapeOf(s string) shape {
	var actions []string
	for _, m := range actionRe.FindAllString(s, -1) {
		actions = append(actions, strings.Join(strings.Fields(m), " "))
	}
	return shape{
		placeholders: set(submatches(placeholderRe, s, 1)),
		actions:      sorted(actions),
		tags:         sorted(tagRe.FindAllString(s, -1)),
		commands:     set(submatches(commandRe, s, 1)),
		options:      sorted(optionRe.FindAllString(s, -1)),
		digits:       sorted(digitsRe.FindAllString(templateRe.ReplaceAllString(s, ""), -1)),
		mentions:     set(mentionRe.FindAllString(s, -1)),
		lines:        strings.Count(s, "\n"),
		utc:          strings.Count(s, "UTC"),
	}
}

// compareShapes reports how got differs from want, the English; count is
// false for a plural form that may leave the number out (it stands for
// one number only, as Arabic's "two").
func compareShapes(want, got shape, countRequired bool) []string {
	var diffs []string
	check := func(what string, w, g []string) {
		if !slices.Equal(w, g) {
			diffs = append(diffs, fmt.Sprintf("%s %q, English %q", what, g, w))
		}
	}
	wantPH := want.placeholders
	if !countRequired && !slices.Contains(got.placeholders, "Count") {
		wantPH = slices.DeleteFunc(slices.Clone(wantPH), func(s string) bool { return s == "Count" })
	}
	check("values", wantPH, got.placeholders)
	check("template actions", want.actions, got.actions)
	check("HTML tags", want.tags, got.tags)
	check("commands", want.commands, got.commands)
	check("options", want.options, got.options)
	check("numbers", want.digits, got.digits)
	check("@names and #numbers", want.mentions, got.mentions)
	if want.lines != got.lines {
		diffs = append(diffs, fmt.Sprintf("%d line breaks, English %d", got.lines, want.lines))
	}
	if want.utc != got.utc {
		diffs = append(diffs, fmt.Sprintf("UTC %d times, English %d", got.utc, want.utc))
	}
	return diffs
}

// htmlMistakes tells what of s Telegram's HTML parse mode would not take:
// a < or > outside a tag, an & that starts no entity.
func htmlMistakes(s string) []string {
	s = templateRe.ReplaceAllString(s, "")
	s = tagRe.ReplaceAllString(s, "")
	var out []string
	if strings.ContainsAny(s, "<>") {
		out = append(out, "a < or > outside a tag (write &lt; and &gt;)")
	}
	if strings.Count(s, "&") != len(entityRe.FindAllString(s, -1)) {
		out = append(out, "an & that starts no entity (write &amp;)")
	}
	return out
}

// TestCatalogsComplete: every catalog has every message of the English
// one and no other, each with the same values, template actions, HTML
// tags, commands, options, example numbers, @names and #numbers, line
// breaks and UTCs (a one-line reply stays one line), in every plural form
// its language has and no other; no digits but ASCII ones.
func TestCatalogsComplete(t *testing.T) {
	files := catalogFiles(t)
	en := readCatalog(t, files[0])
	if len(en) == 0 {
		t.Fatal("the English catalog is empty")
	}
	for _, file := range files {
		code := codeOf(file)
		t.Run(code, func(t *testing.T) {
			if _, err := language.Parse(code); err != nil {
				t.Fatalf("%s is not a language code: %v", file, err)
			}
			cat := readCatalog(t, file)
			forms := pluralForms(t, code)
			want := formNames(forms)
			var missing, extra []string
			for id := range en {
				if _, ok := cat[id]; !ok {
					missing = append(missing, id)
				}
			}
			for id := range cat {
				if _, ok := en[id]; !ok {
					extra = append(extra, id)
				}
			}
			if len(missing) > 0 {
				t.Errorf("%s lacks %d messages of en.yaml (translate them): %s", file, len(missing), strings.Join(sorted(missing), ", "))
			}
			if len(extra) > 0 {
				t.Errorf("%s has %d messages en.yaml has not: %s", file, len(extra), strings.Join(sorted(extra), ", "))
			}
			for _, id := range sorted(mapsKeys(en)) {
				m, ok := cat[id]
				if !ok {
					continue
				}
				enMsg := en[id]
				if m.plural != enMsg.plural {
					t.Errorf("%s: %s has plural forms in one catalog only (English: %v)", file, id, enMsg.plural)
					continue
				}
				reference := shapeOf(enMsg.forms["other"])
				if m.plural {
					got := sorted(mapsKeys(m.forms))
					if !slices.Equal(got, sorted(slices.Clone(want))) {
						t.Errorf("%s: %s has the plural forms %v; %s has %v", file, id, got, code, want)
					}
				}
				for form, text := range m.forms {
					where := id
					if m.plural {
						where += "." + form
					}
					if strings.TrimSpace(text) == "" {
						t.Errorf("%s: %s is empty", file, where)
						continue
					}
					// A form that stands for more than one number must
					// show the number.
					countRequired := !m.plural || len(integers(forms[form])) != 1
					for _, d := range compareShapes(reference, shapeOf(text), countRequired) {
						t.Errorf("%s: %s: %s", file, where, d)
					}
					for _, d := range htmlMistakes(text) {
						t.Errorf("%s: %s: %s", file, where, d)
					}
					for _, r := range text {
						if unicode.IsDigit(r) && r > '9' {
							t.Errorf("%s: %s: the digit %q; numbers stay in ASCII digits", file, where, r)
							break
						}
					}
				}
			}
		})
	}
}

// integers are the whole numbers among counts.
func integers(counts []any) []int {
	var out []int
	for _, c := range counts {
		if n, ok := c.(int); ok {
			out = append(out, n)
		}
	}
	return out
}

func mapsKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// languageNames are the languages' own names, as /language lists them
// (a language not listed here needs a name of its own).
var languageNames = map[string]string{
	"en": "English", "ru": "Русский", "uk": "Українська", "es": "Español", "pt-BR": "Português (Brasil)",
	"de": "Deutsch", "tr": "Türkçe", "id": "Bahasa Indonesia", "fa": "فارسی", "ar": "العربية",
}

func TestLanguageNames(t *testing.T) {
	c, err := New(DefaultLanguage)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range c.Codes() {
		got := c.Name(code)
		want, ok := languageNames[code]
		switch {
		case ok && got != want:
			t.Errorf("Name(%s) = %q, want %q", code, got, want)
		case !ok && (got == "" || (got == c.Name(DefaultLanguage) && code != DefaultLanguage)):
			t.Errorf("Name(%s) = %q: language.name is the language's own name", code, got)
		}
	}
}

const (
	lrm = '\u200e' // left-to-right mark
	lri = '\u2066' // left-to-right isolate
)

// syntaxStarts are where command syntax starts in s: a /command, an
// @name or a #N, a value shown as one (/{{.Command}}, @{{.Bot}}), or a
// <code> that holds one; not what follows a letter, a digit, a slash or
// a value (a URL, a closing tag, {{.Page}}/{{.Pages}}), nor what lies
// inside <code> (a copy of it must be the command alone).
func syntaxStarts(s string) []int {
	var out []int
	inCode := false
	for j := 0; j < len(s); j++ {
		switch {
		case strings.HasPrefix(s[j:], "<code>"):
			if len(s) > j+7 && strings.ContainsRune("/@#", rune(s[j+6])) {
				out = append(out, j)
			}
			inCode = true
			j += len("<code>") - 1
			continue
		case strings.HasPrefix(s[j:], "</code>"):
			inCode = false
			continue
		case inCode || !strings.ContainsRune("/@#", rune(s[j])) || j+1 == len(s):
			continue
		}
		next := s[j+1]
		if !(next >= 'a' && next <= 'z' || next >= 'A' && next <= 'Z' || next == '{') {
			continue
		}
		if s[j] == '#' && next == '{' {
			continue // #{{.N}}: a number
		}
		if j > 0 && strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./:+<}", rune(s[j-1])) {
			continue
		}
		out = append(out, j)
	}
	return out
}

// afterRightToLeft tells whether what comes at s[j] follows right-to-left
// text on its line: the nearest letter or digit before it, past spaces,
// punctuation, values and tags, is not a Latin one.
func afterRightToLeft(s string, j int) bool {
	for k := j; k > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:k])
		switch {
		case r == '\n':
			return true
		case r == lrm || r == lri || r == '\u2069':
			return false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return r > unicode.MaxASCII
		case r == '}':
			if open := strings.LastIndex(s[:k], "{{"); open >= 0 {
				k = open
				continue
			}
		case r == '>':
			if open := strings.LastIndex(s[:k], "<"); open >= 0 {
				k = open
				continue
			}
		}
		k -= n
	}
	return true
}

// insideLRI tells whether s[j] lies within a left-to-right isolate.
func insideLRI(s string, j int) bool {
	depth := 0
	for _, r := range s[:j] {
		switch r {
		case lri:
			depth++
		case '\u2069':
			depth = max(0, depth-1)
		}
	}
	return depth > 0
}

// TestRightToLeftSyntaxKeepsDirection: in a right-to-left catalog, command
// syntax that follows right-to-left text keeps its own direction: a
// /command, an @name or a #N in a sentence comes after a left-to-right mark
// (U+200E), and a value shown as one (/{{.Command}}, @{{.Bot}}) lies in a
// left-to-right isolate (U+2066 … U+2069) with its sigil; otherwise the
// slash or the @ would stand on the wrong side of the word. Inside <code>
// nothing is added: a copy of it must be the command alone.
func TestRightToLeftSyntaxKeepsDirection(t *testing.T) {
	c := testCatalog(t, DefaultLanguage)
	checked := 0
	for _, file := range catalogFiles(t) {
		code := codeOf(file)
		if !c.For(code).RTL() {
			continue
		}
		for id, m := range readCatalog(t, file) {
			for form, s := range m.forms {
				for _, j := range syntaxStarts(s) {
					checked++
					value := strings.HasPrefix(s[j+1:], "{{")
					switch {
					case value && !insideLRI(s, j):
						t.Errorf("%s: %s.%s: %q shows a value as syntax: put it, with its sigil, in U+2066 … U+2069", file, id, form, s[j:min(len(s), j+14)])
					case !value && afterRightToLeft(s, j) && !strings.HasSuffix(s[:j], string(lrm)) && !insideLRI(s, j):
						t.Errorf("%s: %s.%s: %q follows right-to-left text: put U+200E before it", file, id, form, s[j:min(len(s), j+14)])
					}
				}
				if strings.Contains(s, "<code>"+string(lrm)) || regexp.MustCompile(`<code>[^<]*\x{200e}`).MatchString(s) {
					t.Errorf("%s: %s.%s: a mark inside <code> would be copied with the command", file, id, form)
				}
			}
		}
	}
	if checked == 0 {
		t.Log("no right-to-left catalog")
	}
}

// TestFileNameWords: the words that start the names of the files the bot
// sends (export.file_*) are one word in every language, with nothing a
// file system or a download refuses or hides: no space, no path or
// wildcard character, no dot, no invisible character (a direction mark
// would be saved with the name).
func TestFileNameWords(t *testing.T) {
	checked := 0
	for _, file := range catalogFiles(t) {
		for id, m := range readCatalog(t, file) {
			if !strings.HasPrefix(id, "export.file_") {
				continue
			}
			checked++
			s := m.forms["other"]
			if m.plural || s == "" || strings.ContainsAny(s, `/\:*?"<>|.`) || strings.IndexFunc(s, func(r rune) bool {
				return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) && r != '\u200c' // ZWNJ joins Persian words
			}) >= 0 {
				t.Errorf("%s: %s is %q: one word that a file's name can hold", file, id, s)
			}
		}
	}
	if checked == 0 {
		t.Error("no export.file_* message: the test is broken")
	}
}
