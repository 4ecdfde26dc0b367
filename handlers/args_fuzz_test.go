package handlers

// Fuzz targets for the argument parsers. They start from the table tests'
// inputs and from hostile text, and check what an accepted result promises
// (the README's NAME, WHEN, limit=N, request, REF), not only that nothing
// panics. Run one with
//
//	go test -run '^$' -fuzz '^FuzzParseCreateArgs$' -fuzztime 3m ./handlers/
//
// testdata/fuzz/FuzzX/ holds the inputs that failed once and a selection of
// what the fuzzer found interesting; plain go test replays them.

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
)

// argsHostile are pieces of hostile text: every C0 control character and
// DEL, the bidi controls, the zero-width characters, white space that is not
// a plain space, invalid UTF-8, and runs of spaces and of "=".
func argsHostile() []string {
	var h []string
	for r := rune(0); r < 0x20; r++ {
		h = append(h, string(r))
	}
	h = append(h, "\x7f")
	for _, r := range []rune{0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069} {
		h = append(h, string(r))
	}
	return append(h, "\u200b", "\u200c", "\u200d", "\ufeff",
		"\u00a0", "\u0085", "\u2028", "\u3000",
		"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		strings.Repeat(" ", 100), "=", strings.Repeat("=", 50))
}

// argsLong are inputs longer than a Telegram message may be.
func argsLong() []string {
	return []string{
		strings.Repeat("a", 5000),
		strings.Repeat("a ", 2500),
		strings.Repeat(" ", 5000),
		strings.Repeat("=", 5000),
		strings.Repeat("= ", 2500),
		"x=" + strings.Repeat("a", 5000),
		"name=" + strings.Repeat("é", 5000),
		strings.Repeat("limit=5 ", 600),
		"expire=" + strings.Repeat("9", 4090) + "w",
		strings.Repeat("1d", 2500),
		"#" + strings.Repeat("9", 5000),
		"https://t.me/+" + strings.Repeat("a", 5000) + "?",
		strings.Repeat("\x00", 4000),
		strings.Repeat("\u202e", 3000),
		"#3 " + strings.Repeat("sale ", 1000),
	}
}

// argsSeed adds inputs, each with every hostile piece put into templates,
// and the long inputs, to f.
func argsSeed(f *testing.F, inputs []string, templates ...string) {
	for _, in := range inputs {
		f.Add(in)
	}
	for _, h := range argsHostile() {
		f.Add(h)
		for _, tpl := range templates {
			f.Add(strings.ReplaceAll(tpl, "%", h))
		}
	}
	for _, in := range argsLong() {
		f.Add(in)
	}
	f.Add("=a=b= =c== limit==5 name==x = request= =request expire===7d")
}

// argsInputs returns the in of each table case.
func argsInputs[T any](cases []T) []string {
	var ins []string
	for _, c := range cases {
		ins = append(ins, reflect.ValueOf(c).FieldByName("in").String())
	}
	return ins
}

// argsArgTemplates put a hostile piece (%) between and into the words of
// /createlink and /editlink arguments.
var argsArgTemplates = []string{
	"#3%Summer%limit=5", "name=Summer%sale%request", "expire=7d%", "limit=%5", "t.me/+AbC% norequest", "join=%verify",
}

// short quotes the start of s for a failure message; the fuzzer prints the
// whole input itself.
func short(s string) string {
	if len(s) > 80 {
		return strconv.Quote(s[:80]) + "..."
	}
	return strconv.Quote(s)
}

// argsCheckError fails t unless err is nil or an Invalid *text.Error
// whose message (in English) is one line of valid UTF-8 that fits in a
// Telegram message.
func argsCheckError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ae *text.Error
	if !errors.As(err, &ae) || ae.Code != text.Invalid {
		t.Fatalf("err = %v (%T), want an Invalid *text.Error", err, err)
	}
	switch msg := english.Sprint(ae.Msg); {
	case msg == "":
		t.Fatal("empty message")
	case strings.ContainsFunc(msg, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }):
		t.Fatalf("message is not one line: %s", short(msg))
	case !utf8.ValidString(msg):
		t.Fatalf("message is not valid UTF-8: %s", short(msg))
	case bot.UTF16Len(msg) > bot.MaxMessageLength:
		t.Fatalf("message is %d UTF-16 units long, more than a Telegram message holds: %s", bot.UTF16Len(msg), short(msg))
	}
}

// argsErrText is err's message, or "" for nil, to compare two parses.
func argsErrText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// argsIsOption tells whether a word of the arguments is an option.
func argsIsOption(w string) bool {
	return strings.Contains(w, "=") || strings.EqualFold(w, "request") || strings.EqualFold(w, "norequest")
}

// argsCheckName fails t unless name is a NAME: at most 32 characters, words
// joined by single spaces, none of them an option.
func argsCheckName(t *testing.T, name string) {
	t.Helper()
	words := strings.Fields(name)
	switch {
	case utf8.RuneCountInString(name) > maxNameLen:
		t.Fatalf("name %s has %d characters", short(name), utf8.RuneCountInString(name))
	case name != strings.Join(words, " "):
		t.Fatalf("name %s is not words joined by single spaces", short(name))
	case slices.ContainsFunc(words, argsIsOption):
		t.Fatalf("name %s holds an option", short(name))
	}
}

// argsCheckExpiry fails t unless expiry, parsed at argsNow, is the zero time
// (never) or a UTC time in the future, at most 100 years ahead, to the minute.
func argsCheckExpiry(t *testing.T, expiry time.Time) {
	t.Helper()
	if expiry.IsZero() {
		return
	}
	if !expiry.After(argsNow) || expiry.Sub(argsNow) > maxAhead || expiry.Location() != time.UTC ||
		!expiry.Equal(expiry.Truncate(time.Minute)) {
		t.Fatalf("expiry %v at %v", expiry, argsNow)
	}
}

// argsWhenText writes an expiry as a WHEN, or never.
func argsWhenText(expiry time.Time) string {
	if expiry.IsZero() {
		return "never"
	}
	return expiry.Format("2006-01-02T15:04")
}

// argsRefText writes a REF the way a user would type it.
func argsRefText(r Ref) string {
	switch {
	case r.Number != 0:
		return "#" + strconv.FormatInt(r.Number, 10)
	case r.URL != "":
		return r.URL
	}
	return r.Name
}

// argsCreateText writes a /createlink's arguments back as text.
func argsCreateText(a CreateArgs) string {
	var w []string
	if a.Name != "" {
		w = append(w, a.Name)
	}
	if !a.ExpiresAt.IsZero() {
		w = append(w, "expire="+argsWhenText(a.ExpiresAt))
	}
	if a.MemberLimit != 0 {
		w = append(w, "limit="+strconv.Itoa(a.MemberLimit))
	}
	if a.JoinRequest {
		w = append(w, "request")
	}
	if a.JoinMode != "" {
		w = append(w, "join="+string(a.JoinMode))
	}
	return strings.Join(w, " ")
}

// argsEditText writes /editlink's arguments back as text.
func argsEditText(a EditArgs) string {
	w := []string{argsRefText(a.Ref)}
	if a.Name != nil {
		w = append(w, "name="+*a.Name)
	}
	if a.ExpiresAt != nil {
		w = append(w, "expire="+argsWhenText(*a.ExpiresAt))
	}
	if a.MemberLimit != nil {
		if *a.MemberLimit == 0 {
			w = append(w, "limit=none")
		} else {
			w = append(w, "limit="+strconv.Itoa(*a.MemberLimit))
		}
	}
	if a.JoinRequest != nil {
		if *a.JoinRequest {
			w = append(w, "request")
		} else {
			w = append(w, "norequest")
		}
	}
	if a.JoinMode != nil {
		if *a.JoinMode == "" {
			w = append(w, "join=none")
		} else {
			w = append(w, "join="+string(*a.JoinMode))
		}
	}
	return strings.Join(w, " ")
}

// argsInviteURL is the form of an invite link's URL in a Ref.
var argsInviteURL = regexp.MustCompile(`^https://t\.me/(\+|joinchat/)[A-Za-z0-9_-]+$`)

// argsCheckRef fails t unless r names one link: a number from 1, the
// https://t.me/ form of an invite link, or words none of which is an option
// unless options were allowed.
func argsCheckRef(t *testing.T, r Ref, optionsInName bool) {
	t.Helper()
	set := 0
	for _, ok := range []bool{r.Number != 0, r.URL != "", r.Name != ""} {
		if ok {
			set++
		}
	}
	words := strings.Fields(r.Name)
	switch {
	case set != 1:
		t.Fatalf("ref %+v does not name one link", r)
	case r.Number < 0:
		t.Fatalf("ref number %d", r.Number)
	case r.URL != "" && !argsInviteURL.MatchString(r.URL):
		t.Fatalf("ref URL %s", short(r.URL))
	case utf8.RuneCountInString(r.Name) > maxNameLen:
		t.Fatalf("ref name %s has %d characters", short(r.Name), utf8.RuneCountInString(r.Name))
	case r.Name != strings.Join(words, " "):
		t.Fatalf("ref name %s is not words joined by single spaces", short(r.Name))
	case !optionsInName && slices.ContainsFunc(words, argsIsOption):
		t.Fatalf("ref name %s holds an option", short(r.Name))
	}
}

// argsSpaced is in with its words joined by single spaces: the parsers must
// not care how much white space separates words, nor of which kind.
func argsSpaced(in string) string { return strings.Join(strings.Fields(in), " ") }

func FuzzParseCreateArgs(f *testing.F) {
	argsSeed(f, append(argsInputs(argsCreateCases), argsInputs(argsCreateRefused)...), argsArgTemplates...)
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseCreateArgs(in, argsNow)
		argsCheckError(t, err)
		if b, err2 := ParseCreateArgs(in, argsNow); !reflect.DeepEqual(a, b) || argsErrText(err) != argsErrText(err2) {
			t.Fatalf("two parses differ: %+v, %v and %+v, %v", a, err, b, err2)
		}
		if b, err2 := ParseCreateArgs(argsSpaced(in), argsNow); !reflect.DeepEqual(a, b) || argsErrText(err) != argsErrText(err2) {
			t.Fatalf("with single spaces: %+v, %v; as typed: %+v, %v", b, err2, a, err)
		}
		if err != nil {
			return
		}
		argsCheckName(t, a.Name)
		argsCheckExpiry(t, a.ExpiresAt)
		switch {
		case a.MemberLimit < 0 || a.MemberLimit > maxMemberLimit:
			t.Fatalf("limit %d", a.MemberLimit)
		case a.MemberLimit > 0 && a.JoinRequest:
			t.Fatalf("limit %d with request", a.MemberLimit)
		case a.JoinMode != "" && !a.JoinRequest:
			t.Fatalf("join=%s without request", a.JoinMode)
		}
		text := argsCreateText(a)
		if b, err := ParseCreateArgs(text, argsNow); err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("%+v written as %s parses as %+v, %v", a, short(text), b, err)
		}
	})
}

func FuzzParseEditArgs(f *testing.F) {
	argsSeed(f, append(argsInputs(argsEditCases), argsInputs(argsEditRefused)...), argsArgTemplates...)
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseEditArgs(in, argsNow)
		argsCheckError(t, err)
		if b, err2 := ParseEditArgs(in, argsNow); !reflect.DeepEqual(a, b) || argsErrText(err) != argsErrText(err2) {
			t.Fatalf("two parses differ: %s, %v and %s, %v", formatEditArgs(a), err, formatEditArgs(b), err2)
		}
		if b, err2 := ParseEditArgs(argsSpaced(in), argsNow); !reflect.DeepEqual(a, b) || argsErrText(err) != argsErrText(err2) {
			t.Fatalf("with single spaces: %s, %v; as typed: %s, %v", formatEditArgs(b), err2, formatEditArgs(a), err)
		}
		if err != nil {
			return
		}
		argsCheckRef(t, a.Ref, false)
		if a.Name == nil && a.ExpiresAt == nil && a.MemberLimit == nil && a.JoinRequest == nil && a.JoinMode == nil {
			t.Fatal("accepted without a change")
		}
		if a.JoinMode != nil && *a.JoinMode != "" && (a.JoinRequest == nil || !*a.JoinRequest) {
			t.Fatalf("join=%s without request", *a.JoinMode)
		}
		if a.Name != nil {
			argsCheckName(t, *a.Name)
		}
		if a.ExpiresAt != nil {
			argsCheckExpiry(t, *a.ExpiresAt)
		}
		if a.MemberLimit != nil && (*a.MemberLimit < 0 || *a.MemberLimit > maxMemberLimit) {
			t.Fatalf("limit %d", *a.MemberLimit)
		}
		if a.MemberLimit != nil && *a.MemberLimit > 0 && a.JoinRequest != nil && *a.JoinRequest {
			t.Fatalf("limit %d with request", *a.MemberLimit)
		}
		text := argsEditText(a)
		if b, err := ParseEditArgs(text, argsNow); err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("%s written as %s parses as %s, %v", formatEditArgs(a), short(text), formatEditArgs(b), err)
		}
	})
}

// FuzzParseRef covers ParseRef and ParseRevokeArgs, which must agree.
func FuzzParseRef(f *testing.F) {
	argsSeed(f, append(argsInputs(argsRefCases), argsInputs(argsRefRefused)...),
		"#3%", "#%3%#4", "https://t.me/+%AbC", "t.me/joinchat/AbC%", "%Summer%sale%")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseRef(in)
		argsCheckError(t, err)
		rv, errv := ParseRevokeArgs(in)
		argsCheckError(t, errv)
		if r != rv || (err == nil) != (errv == nil) {
			t.Fatalf("ParseRef: %+v, %v; ParseRevokeArgs: %+v, %v", r, err, rv, errv)
		}
		if b, err2 := ParseRef(in); r != b || argsErrText(err) != argsErrText(err2) {
			t.Fatalf("two parses differ: %+v, %v and %+v, %v", r, err, b, err2)
		}
		if b, err2 := ParseRef(argsSpaced(in)); r != b || argsErrText(err) != argsErrText(err2) {
			t.Fatalf("with single spaces: %+v, %v; as typed: %+v, %v", b, err2, r, err)
		}
		if err != nil {
			return
		}
		// A /revokelink REF is the whole argument string: options are words of a name there.
		argsCheckRef(t, r, true)
		if r.Name != "" && r.Name != argsSpaced(in) {
			t.Fatalf("name %s of %s", short(r.Name), short(in))
		}
		text := argsRefText(r)
		if b, err := ParseRef(text); err != nil || b != r {
			t.Fatalf("%+v written as %s parses as %+v, %v", r, short(text), b, err)
		}
	})
}

// The range of the times FuzzParseWhen parses at: the years 1 to 9999.
const (
	argsFirstUnix = -62135596800
	argsLastUnix  = 253402300799
)

var (
	argsDuration = regexp.MustCompile(`^([0-9]+[mhdwMHDW])+$`)
	argsDateForm = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2})?$`) // a space: expire=2026-12-31 18:00
)

func FuzzParseWhen(f *testing.F) {
	for _, in := range append(argsInputs(argsWhenCases), argsInputs(argsWhenRefused)...) {
		f.Add(in, argsNow.Unix())
		f.Add(in, int64(argsLastUnix))
		f.Add(in, int64(argsFirstUnix))
	}
	for _, h := range append(argsHostile(), argsLong()...) {
		for _, tpl := range []string{"%", "%7d", "1d%12h", "2026-12-31%", "2026-12-31T18%00"} {
			f.Add(strings.ReplaceAll(tpl, "%", h), argsNow.Unix())
		}
	}
	f.Add("1"+strings.Repeat("0", 5000)+"m", argsNow.Unix())
	f.Add("9223372036854775807m9223372036854775807m", argsNow.Unix())
	f.Add("9999-12-31T23:59", int64(argsLastUnix-3600))
	f.Add("0001-01-01T00:01", int64(argsFirstUnix))
	f.Fuzz(func(t *testing.T, in string, sec int64) {
		const span = argsLastUnix - argsFirstUnix + 1
		sec = argsFirstUnix + ((sec-argsFirstUnix)%span+span)%span
		now := time.Unix(sec, 0).In(time.FixedZone("UTC+3", 3*3600))
		got, err := ParseWhen(in, now)
		argsCheckError(t, err)
		if b, err2 := ParseWhen(in, now); !got.Equal(b) || argsErrText(err) != argsErrText(err2) {
			t.Fatalf("two parses differ: %v, %v and %v, %v", got, err, b, err2)
		}
		// The same WHEN at argsNow: a duration means the same span of time
		// whenever it is given, a date the same instant.
		at, errAt := ParseWhen(in, argsNow)
		switch {
		case argsDuration.MatchString(in) && (err == nil) != (errAt == nil):
			t.Fatalf("duration %s: %v at %v but %v at %v", short(in), err, now, errAt, argsNow)
		case argsDuration.MatchString(in) && err == nil && got.Sub(now) != at.Sub(argsNow):
			t.Fatalf("duration %s: %v from %v but %v from %v", short(in), got.Sub(now), now, at.Sub(argsNow), argsNow)
		case argsDateForm.MatchString(in) && err == nil && errAt == nil && !got.Equal(at):
			t.Fatalf("date %s: %v at %v but %v at %v", in, got, now, at, argsNow)
		}
		if err != nil {
			return
		}
		switch {
		case got.Location() != time.UTC:
			t.Fatalf("%v is not in UTC", got)
		case !got.After(now):
			t.Fatalf("%s at %v gives %v, not after now", short(in), now, got)
		case got.Sub(now) > maxAhead:
			t.Fatalf("%s at %v gives %v, more than 100 years ahead", short(in), now, got)
		case !argsDuration.MatchString(in) && !argsDateForm.MatchString(in):
			t.Fatalf("%s is neither a duration nor a date, and gives %v", short(in), got)
		case argsDuration.MatchString(in) && got.Sub(now)%time.Minute != 0:
			t.Fatalf("duration %s is %v, not whole minutes", in, got.Sub(now))
		case argsDateForm.MatchString(in) && got.Format("2006-01-02T15:04") != strings.Replace(strings.ToUpper(in), " ", "T", 1)+"T00:00"[:16-len(in)]:
			t.Fatalf("date %s gives %v", in, got)
		}
	})
}
