// Package text is what invitebot says: every message a person reads, kept
// in catalogs (locales/LANG.yaml, embedded), rendered in the reader's
// language with the plural rules of that language (go-i18n and
// golang.org/x/text), and the errors that carry such a message for a
// person rather than a failure.
//
// Messages are HTML in Telegram's parse mode. Values put into them are
// escaped here, and in a right-to-left language wrapped in Unicode
// isolates, so that no user text can break a message or its direction.
package text

import (
	"embed"
	"fmt"
	"html"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

//go:embed locales/*.yaml
var locales embed.FS

// DefaultLanguage is the catalog every other is checked against.
const DefaultLanguage = "en"

// TimeLayout shows times, in every language: absolute, UTC, ISO order.
const TimeLayout = "2006-01-02 15:04 UTC"

// Catalog holds the messages of every language invitebot speaks.
type Catalog struct {
	bundle   *i18n.Bundle
	plural   map[string]bool // the messages with plural forms, by ID
	tags     []language.Tag  // the default first
	matcher  language.Matcher
	printers map[language.Tag]*Printer
}

// New loads the embedded catalogs, with fallback the language def (a code
// such as "en" or "pt-BR"). An unknown def is an error.
func New(def string) (*Catalog, error) {
	return load(locales, "locales", def)
}

func load(fsys fs.FS, dir, def string) (*Catalog, error) {
	defTag, err := language.Parse(def)
	if err != nil {
		return nil, fmt.Errorf("language %q: %w", def, err)
	}
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	files, err := fs.Glob(fsys, dir+"/*.yaml")
	if err != nil {
		return nil, err
	}
	var tags []language.Tag
	plural := make(map[string]bool)
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		mf, err := bundle.ParseMessageFileBytes(data, path.Base(f))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		tags = append(tags, mf.Tag)
		for _, m := range mf.Messages {
			if m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != "" {
				plural[m.ID] = true
			}
		}
	}
	i := slices.IndexFunc(tags, func(t language.Tag) bool { return t == defTag })
	if i < 0 {
		return nil, fmt.Errorf("language %q is not one invitebot speaks (%s)", def, strings.Join(codes(tags), ", "))
	}
	tags[0], tags[i] = tags[i], tags[0]
	c := &Catalog{bundle: bundle, plural: plural, tags: tags, matcher: language.NewMatcher(tags), printers: make(map[language.Tag]*Printer)}
	for _, t := range tags {
		c.printers[t] = &Printer{tag: t, loc: i18n.NewLocalizer(bundle, t.String()), rtl: rtl(t), plural: plural}
	}
	// A message missing in a language (added in English, not translated
	// yet) is said in the default language, and one missing there in
	// English, the catalog every other is checked against: never as its
	// ID if any catalog has it.
	defP, en := c.printers[defTag], c.printers[language.English]
	for _, p := range c.printers {
		switch p {
		case en:
		case defP:
			p.fallback = en
		default:
			p.fallback = defP
		}
	}
	return c, nil
}

func codes(tags []language.Tag) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.String()
	}
	slices.Sort(out)
	return out
}

// rtl tells the languages written right to left.
func rtl(t language.Tag) bool {
	base, _ := t.Base()
	switch base.String() {
	case "ar", "fa", "he", "ur":
		return true
	}
	return false
}

// Default is the printer of the default language.
func (c *Catalog) Default() *Printer { return c.printers[c.tags[0]] }

// Codes are the languages' codes, sorted.
func (c *Catalog) Codes() []string { return codes(c.tags) }

// Name is the language's own name for itself ("Русский" for "ru").
func (c *Catalog) Name(code string) string {
	return c.For(code).P("language.name")
}

// Speaks tells whether code names a language of the catalogs exactly.
func (c *Catalog) Speaks(code string) (string, bool) {
	t, err := language.Parse(code)
	if err != nil {
		return "", false
	}
	for _, s := range c.tags {
		if strings.EqualFold(s.String(), t.String()) {
			return s.String(), true
		}
	}
	return "", false
}

// For is the printer of the first of codes (Telegram's language_code, a
// chat's setting) that the catalogs speak, matched as people expect: a
// regional variant falls back to its base ("de-AT" to "de"), a base to the
// variant spoken ("pt" to "pt-BR"); none: the default.
func (c *Catalog) For(codes ...string) *Printer {
	for _, code := range codes {
		if code == "" {
			continue
		}
		t, err := language.Parse(code)
		if err != nil {
			continue
		}
		_, i, conf := c.matcher.Match(t)
		if conf >= language.High {
			return c.printers[c.tags[i]]
		}
	}
	return c.Default()
}

// Printer renders messages in one language.
type Printer struct {
	tag language.Tag
	loc *i18n.Localizer
	rtl bool
	// plural tells the messages with plural forms, which a Count chooses.
	plural map[string]bool
	// fallback renders the messages this language lacks; nil for the
	// last resort.
	fallback *Printer
}

// Lang is the printer's language code.
func (p *Printer) Lang() string { return p.tag.String() }

// RTL tells a right-to-left language.
func (p *Printer) RTL() bool { return p.rtl }

// Msg refers to a message of the catalogs, with the values it shows. A
// value named "Count" also chooses the plural form of a message that has
// plural forms (in a message of one form it is only shown).
type Msg struct {
	ID   string
	Data map[string]any
}

// M is the message id with its values, given as name, value pairs.
func M(id string, kv ...any) Msg {
	m := Msg{ID: id}
	if len(kv) > 0 {
		m.Data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m.Data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return m
}

// HTML is a piece of a message that is HTML already (escaped where it
// holds user text): it is put in as it is.
type HTML string

// Sprint renders m as HTML.
func (p *Printer) Sprint(m Msg) string {
	s, err := p.localize(m)
	if err != nil {
		// A message missing in this catalog, or a plural form: the tests
		// see to it that none is. Say it in the fallback language, or say
		// at least what it was.
		if p.fallback != nil {
			return p.fallback.Sprint(m)
		}
		return html.EscapeString(m.ID)
	}
	return s
}

// localize renders m in p's language alone: an error if p's catalog lacks
// the message or the plural form its Count asks for.
func (p *Printer) localize(m Msg) (string, error) {
	data := make(map[string]any, len(m.Data))
	var phrases []string // the values that are the catalogs' own words alone
	for k, v := range m.Data {
		data[k] = p.value(v)
		if x, ok := v.(Msg); ok && len(x.Data) == 0 {
			phrases = append(phrases, data[k].(string))
		}
	}
	cfg := &i18n.LocalizeConfig{MessageID: m.ID, TemplateData: data}
	if n, ok := m.Data["Count"]; ok && p.plural[m.ID] {
		cfg.PluralCount = n
	}
	s, tag, err := p.loc.LocalizeWithTag(cfg)
	if err == nil && tag != p.tag {
		err = fmt.Errorf("message %q: said in %s, not in %s", m.ID, tag, p.tag)
	}
	if err == nil {
		s = p.capitalize(s, phrases)
	}
	return s, err
}

// capitalize gives a message that begins with one of the catalogs' own
// phrases (chat.this: "this chat", "bu sohbet") a capital first letter,
// as a sentence has; user text (a chat's title) is left as it is.
func (p *Printer) capitalize(s string, phrases []string) string {
	i := 0
	for i < len(s) {
		if s[i] == '<' { // a tag: <b>
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				return s
			}
			i += j + 1
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.Is(unicode.Cf, r) { // the marks and isolates of RTL text
			break
		}
		i += n
	}
	for _, v := range phrases {
		if v == "" || !strings.HasPrefix(s[i:], v) {
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLower(r) {
			return s
		}
		return s[:i] + cases.Upper(p.tag).String(string(r)) + s[i+n:]
	}
	return s
}

// S renders the message id with its values, as HTML.
func (p *Printer) S(id string, kv ...any) string { return p.Sprint(M(id, kv...)) }

var tags = regexp.MustCompile(`<[^>]*>`)

// Plain renders m as plain text (for button labels and the answers to
// button presses, which Telegram shows without parse mode).
func (p *Printer) Plain(m Msg) string {
	return html.UnescapeString(tags.ReplaceAllString(p.Sprint(m), ""))
}

// P renders the message id with its values as plain text.
func (p *Printer) P(id string, kv ...any) string { return p.Plain(M(id, kv...)) }

// Isolate wraps user text in Unicode isolates in a right-to-left
// language, so that it keeps its own direction: first strong isolate
// (U+2068) and pop directional isolate (U+2069). The isolates that s
// itself opens are closed inside, and a pop of s's that closes none of
// its own is dropped, so that s cannot end the isolate early and turn
// the direction of what follows it (the embeddings and overrides s opens
// end with the isolate anyway). A line break ends a paragraph, and every
// isolate open in it: each line of s has an isolate of its own.
func (p *Printer) Isolate(s string) string {
	if !p.rtl || s == "" {
		return s
	}
	var b strings.Builder
	for s != "" {
		line, rest := s, ""
		if i := strings.IndexFunc(s, paragraphSeparator); i >= 0 {
			_, n := utf8.DecodeRuneInString(s[i:])
			line, rest = s[:i], s[i:i+n]
			s = s[i+n:]
		} else {
			s = ""
		}
		if line != "" {
			b.WriteString("\u2068" + balanceIsolates(line) + "\u2069")
		}
		b.WriteString(rest)
	}
	return b.String()
}

// paragraphSeparator tells the characters that end a paragraph in the
// Unicode bidirectional algorithm (class B), and with it every isolate.
func paragraphSeparator(r rune) bool {
	switch r {
	case '\n', '\r', '\u001c', '\u001d', '\u001e', '\u0085', '\u2029':
		return true
	}
	return false
}

// balanceIsolates drops the pop directional isolates (U+2069) of s that
// close no isolate opened in s, and closes the isolates (U+2066 LRI,
// U+2067 RLI, U+2068 FSI) that s leaves open.
func balanceIsolates(s string) string {
	if !strings.ContainsAny(s, "\u2066\u2067\u2068\u2069") {
		return s
	}
	var b strings.Builder
	open := 0
	for _, r := range s {
		switch r {
		case '\u2066', '\u2067', '\u2068':
			open++
		case '\u2069':
			if open == 0 {
				continue
			}
			open--
		}
		b.WriteRune(r)
	}
	b.WriteString(strings.Repeat("\u2069", open))
	return b.String()
}

// Escape is user text made safe for a message: escaped, and isolated in
// a right-to-left language.
func (p *Printer) Escape(s string) HTML { return HTML(p.Isolate(html.EscapeString(s))) }

// value is v as it goes into a message.
func (p *Printer) value(v any) string {
	switch x := v.(type) {
	case HTML:
		return string(x)
	case string:
		return string(p.Escape(x))
	case Msg:
		return p.Sprint(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case time.Time:
		return x.UTC().Format(TimeLayout)
	case nil:
		return ""
	default:
		return string(p.Escape(fmt.Sprint(x)))
	}
}

// Code says what kind of outcome an Error is.
type Code string

// The codes of Error.
const (
	Invalid     Code = "invalid"     // the input is wrong: say how to do it right
	NotFound    Code = "not_found"   // what the input names does not exist
	Forbidden   Code = "forbidden"   // the person may not do this
	Conflict    Code = "conflict"    // it cannot be done in the state things are in
	Unavailable Code = "unavailable" // Telegram did not do it, or did not say
)

// Error is an outcome to tell the person, not a failure: a mistake in a
// command, a refusal. Handlers and checks return it; it is answered where
// the command came from (or as the answer to a button press), in the
// reader's language.
type Error struct {
	Code Code
	Msg  Msg
	// Private: the message shows invite links, so in a group it goes to
	// the asker's private chat like any answer that shows one.
	Private bool
}

// Err is an Error of code with the message id and its values.
func Err(code Code, id string, kv ...any) *Error { return &Error{Code: code, Msg: M(id, kv...)} }

func (e *Error) Error() string {
	keys := make([]string, 0, len(e.Msg.Data))
	for k := range e.Msg.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(string(e.Code))
	b.WriteString(": ")
	b.WriteString(e.Msg.ID)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, e.Msg.Data[k])
	}
	return b.String()
}
