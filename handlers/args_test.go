package handlers

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// argsNow is the fixed time the tests parse against.
var argsNow = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

const (
	argsName32 = "Ünïcödé ñämé für dïé Fräündé 😀😀😀" // 32 runes
	argsName33 = argsName32 + "!"
)

func argsAfter(d time.Duration) time.Time { return argsNow.Add(d) }

func argsDate(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// english renders the messages in the tests.
var english = func() *text.Printer {
	c, err := text.New("en")
	if err != nil {
		panic(err)
	}
	return c.Default()
}()

// assertArgError fails t unless err, from parsing in, is an Invalid
// *text.Error whose message (in English, as plain text) is one line that
// contains want.
func assertArgError(t *testing.T, in string, err error, want string) {
	t.Helper()
	var ae *text.Error
	if !errors.As(err, &ae) {
		t.Errorf("%q: err = %v (%T), want a *text.Error", in, err, err)
		return
	}
	switch msg := english.Plain(ae.Msg); {
	case ae.Code != text.Invalid:
		t.Errorf("%q: code %s, want invalid", in, ae.Code)
	case strings.ContainsAny(msg, "\r\n"):
		t.Errorf("%q: message is not one line: %q", in, msg)
	case !strings.Contains(msg, want):
		t.Errorf("%q: message %q does not mention %q", in, msg, want)
	}
}

func TestArgsNameFixtures(t *testing.T) {
	if n, m := utf8.RuneCountInString(argsName32), utf8.RuneCountInString(argsName33); n != 32 || m != 33 {
		t.Fatalf("the names have %d and %d runes, want 32 and 33", n, m)
	}
}

// argsWhenCases are the WHENs ParseWhen accepts, with what they mean at argsNow.
var argsWhenCases = []struct {
	in   string
	want time.Time
}{
	{"30m", argsAfter(30 * time.Minute)},
	{"12h", argsAfter(12 * time.Hour)},
	{"7d", argsAfter(7 * 24 * time.Hour)},
	{"2w", argsAfter(14 * 24 * time.Hour)},
	{"1d12h", argsAfter(36 * time.Hour)},
	{"1w1d1h1m", argsAfter(8*24*time.Hour + time.Hour + time.Minute)},
	{"0h30m", argsAfter(30 * time.Minute)},
	{"1D12H", argsAfter(36 * time.Hour)},
	{"2W", argsAfter(14 * 24 * time.Hour)},
	{"90M", argsAfter(90 * time.Minute)},
	{"36525d", argsAfter(36525 * 24 * time.Hour)}, // exactly 100 years
	{"2026-12-31", argsDate(2026, 12, 31, 0, 0)},
	{"2026-12-31T18:00", argsDate(2026, 12, 31, 18, 0)},
	{"2026-12-31 18:00", argsDate(2026, 12, 31, 18, 0)}, // expire=2026-12-31 18:00, joined by splitArgs
	{"2026-12-31t18:00", argsDate(2026, 12, 31, 18, 0)},
	{"2026-06-15T12:01", argsDate(2026, 6, 15, 12, 1)},
	{"2028-02-29", argsDate(2028, 2, 29, 0, 0)},
}

func TestParseWhen(t *testing.T) {
	for _, tc := range argsWhenCases {
		got, err := ParseWhen(tc.in, argsNow)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseWhen(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// argsWhenRefused are the WHENs ParseWhen refuses, with words of the message.
var argsWhenRefused = []struct{ in, want string }{
	{"", "is neither a duration"},
	{"0m", "expire=0m is not in the future"},
	{"0h0d", "is not in the future"},
	{"12", "expire=12 is neither a duration like 30m"},
	{"h", "is neither"},
	{"7x", "is neither"},
	{"7d1", "is neither"},
	{"-1d", "is neither"},
	{"+1d", "is neither"},
	{"1.5h", "is neither"},
	{"7 d", "is neither"},
	{"never", "is neither"},
	{"tomorrow", "e.g. expire=7d"},
	{"2020-01-01", "expire=2020-01-01 is in the past; give a time in the future, e.g. expire=7d or expire=2027-12-31 (UTC)."},
	{"2026-06-15", "is in the past"},
	{"2026-06-15T12:00", "is in the past"}, // now is not in the future
	{"2026-13-01", "is neither"},
	{"2026-02-30", "is neither"},
	{"2026-12-31T24:00", "is neither"},
	{"2026-12-31T8:00", "is neither"},
	{"2026-12-31T18:00:30", "is neither"},
	{"26-12-31", "is neither"},
	{"2026/12/31", "is neither"},
	{"2026-12-31T1ɐ:0", "is neither"}, // upper case ɐ is a byte longer
	{"2026-12-31ı1:0", "is neither"},
	{"36525d1m", "is too far ahead; the most is 100 years"},
	{"99999999999999999w", "expire=99999999999999999w is too far ahead"},
	{"9223372036854775807m1m", "too far"},
	{"99999999999999999999999999m", "too far"},
	{"99999999999999999999999999x", "is neither"},
	{"2200-01-01", "too far"},
	{strings.Repeat("9", 5000) + "w", "expire=" + strings.Repeat("9", 63) + "… is too far ahead"}, // quoted in part
}

func TestParseWhenRefused(t *testing.T) {
	for _, tc := range argsWhenRefused {
		got, err := ParseWhen(tc.in, argsNow)
		if err == nil {
			t.Errorf("ParseWhen(%q) = %v, want an error", tc.in, got)
			continue
		}
		assertArgError(t, tc.in, err, tc.want)
	}
}

func TestParseWhenIsUTC(t *testing.T) {
	local := argsNow.In(time.FixedZone("UTC+3", 3*3600))
	for in, want := range map[string]time.Time{
		"1h":         argsAfter(time.Hour),
		"2026-12-31": argsDate(2026, 12, 31, 0, 0),
	} {
		got, err := ParseWhen(in, local)
		if err != nil || !reflect.DeepEqual(got, want) || got.Location() != time.UTC {
			t.Errorf("ParseWhen(%q, %v) = %v, %v; want %v", in, local, got, err, want)
		}
	}
}

// argsRefCases are the REFs ParseRef accepts.
var argsRefCases = []struct {
	in   string
	want Ref
}{
	{"#3", Ref{Number: 3}},
	{" #12 ", Ref{Number: 12}},
	{"https://t.me/+AbC_-12", Ref{URL: "https://t.me/+AbC_-12"}},
	{"t.me/+AbC", Ref{URL: "https://t.me/+AbC"}},
	{"http://t.me/+AbC", Ref{URL: "https://t.me/+AbC"}},
	{"HTTPS://T.ME/+AbC", Ref{URL: "https://t.me/+AbC"}},
	{"https://t.me/joinchat/AbC", Ref{URL: "https://t.me/joinchat/AbC"}},
	{"t.me/JoinChat/AbC", Ref{URL: "https://t.me/joinchat/AbC"}},
	{"Partners", Ref{Name: "Partners"}},
	{"  Summer \t  sale ", Ref{Name: "Summer sale"}},
	{"Sommer\u00a0Fräünde", Ref{Name: "Sommer Fräünde"}},
	{"Summer #3", Ref{Name: "Summer #3"}},
	{argsName32, Ref{Name: argsName32}},
}

func TestParseRef(t *testing.T) {
	for _, tc := range argsRefCases {
		got, err := ParseRef(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// argsRefRefused are the REFs ParseRef refuses, with words of the message.
var argsRefRefused = []struct{ in, want string }{
	{"", "Say which link: #N (the number /links shows)"},
	{" \t ", "Say which link"},
	{"#0", `“#0” is not a link number`},
	{"#-1", `“#-1” is not a link number`},
	{"#+1", "is not a link number"},
	{"#abc", `“#abc” is not a link number; write # and the number /links shows, e.g. #3.`},
	{"#", "is not a link number"},
	{"#99999999999999999999", "is not a link number"},
	{"#3 #4", `Give one link: #3 is followed by “#4”`},
	{"https://t.me/durov", `“https://t.me/durov” is not an invite link`},
	{"https://t.me/+", "is not an invite link"},
	{"https://t.me/joinchat/", "is not an invite link"},
	{"t.me/+ab/cd", "is not an invite link"},
	{"https://t.me/+abc?x", "is not an invite link"},
	{"https://example.com/+abc", "is not an invite link"},
	{"https://t.me/+abc extra", "Give one link"},
	{argsName33, `No link is named “` + argsName33 + `”: a link name has at most 32 characters. Say which link by its number, e.g. #3.`},
	{strings.Repeat("ab ", 30), "a link name has at most 32 characters"},
	{"#3 " + strings.Repeat("x", 5000), `Give one link: #3 is followed by “` + strings.Repeat("x", 63) + `…”, e.g. #3.`},
}

func TestParseRefRefused(t *testing.T) {
	for _, tc := range argsRefRefused {
		got, err := ParseRef(tc.in)
		if err == nil {
			t.Errorf("ParseRef(%q) = %+v, want an error", tc.in, got)
			continue
		}
		assertArgError(t, tc.in, err, tc.want)
	}
}

func TestParseRevokeArgs(t *testing.T) {
	if got, err := ParseRevokeArgs("t.me/+AbC"); err != nil || got != (Ref{URL: "https://t.me/+AbC"}) {
		t.Errorf("ParseRevokeArgs(t.me/+AbC) = %+v, %v", got, err)
	}
	if got, err := ParseRevokeArgs("Summer  sale"); err != nil || got != (Ref{Name: "Summer sale"}) {
		t.Errorf("ParseRevokeArgs(Summer sale) = %+v, %v", got, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"", "Say which link to revoke: /revokelink #N (the number /links shows), its URL or its name, e.g. /revokelink #3."},
		{"#0", "e.g. /revokelink #3."},
		{"#3 #4", "Give one link"},
	} {
		_, err := ParseRevokeArgs(tc.in)
		assertArgError(t, tc.in, err, tc.want)
	}
}

func TestRefString(t *testing.T) {
	for ref, want := range map[Ref]string{
		{Number: 3}:                "#3",
		{URL: "https://t.me/+AbC"}: "https://t.me/+AbC",
		{Name: "Summer sale"}:      `“Summer sale”`,
		{}:                         "",
	} {
		if got := ref.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", ref, got, want)
		}
	}
}

// argsCreateCases are /createlink's arguments that ParseCreateArgs accepts.
var argsCreateCases = []struct {
	in   string
	want CreateArgs
}{
	{"", CreateArgs{}},
	{"Partners", CreateArgs{Name: "Partners"}},
	{"Summer sale expire=7d limit=50", CreateArgs{Name: "Summer sale", ExpiresAt: argsAfter(7 * 24 * time.Hour), MemberLimit: 50}},
	{"expire=1d12h Summer sale", CreateArgs{Name: "Summer sale", ExpiresAt: argsAfter(36 * time.Hour)}},
	{"Summer expire=7d sale request", CreateArgs{Name: "Summer sale", ExpiresAt: argsAfter(7 * 24 * time.Hour), JoinRequest: true}},
	{"EXPIRE=2W LIMIT=5", CreateArgs{ExpiresAt: argsAfter(14 * 24 * time.Hour), MemberLimit: 5}},
	{"Partners Request", CreateArgs{Name: "Partners", JoinRequest: true}},
	{"Partners REQUEST expire=12H", CreateArgs{Name: "Partners", ExpiresAt: argsAfter(12 * time.Hour), JoinRequest: true}},
	{"expire=never", CreateArgs{}},
	{"Partners expire=NEVER limit=1", CreateArgs{Name: "Partners", MemberLimit: 1}},
	{"expire=2026-12-31T18:00", CreateArgs{ExpiresAt: argsDate(2026, 12, 31, 18, 0)}},
	// A date and time written with a space, as people write them: the time
	// belongs to the expiry, not to the name.
	{"Launch expire=2026-12-31 18:00", CreateArgs{Name: "Launch", ExpiresAt: argsDate(2026, 12, 31, 18, 0)}},
	{"expire=2026-12-31 18:00 Launch", CreateArgs{Name: "Launch", ExpiresAt: argsDate(2026, 12, 31, 18, 0)}},
	{"expire=2026-12-31 Launch 18:00", CreateArgs{Name: "Launch 18:00", ExpiresAt: argsDate(2026, 12, 31, 0, 0)}},
	{"expire=7d 18:00", CreateArgs{Name: "18:00", ExpiresAt: argsAfter(7 * 24 * time.Hour)}},
	{"expire=2026-12-31", CreateArgs{ExpiresAt: argsDate(2026, 12, 31, 0, 0)}},
	{"limit=99999", CreateArgs{MemberLimit: 99999}},
	{"limit=007", CreateArgs{MemberLimit: 7}},
	{"name=Summer sale limit=5", CreateArgs{Name: "Summer sale", MemberLimit: 5}},
	{"limit=5 Name=Summer  sale", CreateArgs{Name: "Summer sale", MemberLimit: 5}},
	{"name= Summer sale", CreateArgs{Name: "Summer sale"}},
	{"name=", CreateArgs{}},
	{argsName32, CreateArgs{Name: argsName32}},
	{"name=" + argsName32, CreateArgs{Name: argsName32}},
	{"  Partners\t\n limit=5\u3000", CreateArgs{Name: "Partners", MemberLimit: 5}},
	{"Partners\u00a0limit=5", CreateArgs{Name: "Partners", MemberLimit: 5}},
	{"Ärzte #1", CreateArgs{Name: "Ärzte #1"}},
	{"Partners join=verify", CreateArgs{Name: "Partners", JoinRequest: true, JoinMode: store.JoinVerify}},
	{"Partners JOIN=Auto request", CreateArgs{Name: "Partners", JoinRequest: true, JoinMode: store.JoinAuto}},
	{"join=manual expire=7d", CreateArgs{JoinRequest: true, JoinMode: store.JoinManual, ExpiresAt: argsAfter(7 * 24 * time.Hour)}},
}

func TestParseCreateArgs(t *testing.T) {
	for _, tc := range argsCreateCases {
		got, err := ParseCreateArgs(tc.in, argsNow)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseCreateArgs(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// argsCreateRefused are /createlink's arguments that ParseCreateArgs refuses, with words of the message.
var argsCreateRefused = []struct{ in, want string }{
	{"limit=0", "limit must be a whole number from 1 to 99999, e.g. limit=50."},
	{"limit=100000", "limit must be a whole number from 1 to 99999"},
	{"limit=-1", "limit must be"},
	{"limit=+5", "limit must be"},
	{"limit=abc", "limit must be"},
	{"limit=1.5", "limit must be"},
	{"limit=99999999999999999999", "limit must be"},
	{"limit=none", "limit must be"},
	{"limit=", "limit= needs a value, e.g. /createlink Partners limit=50."},
	{"expire=", "expire= needs a value"},
	{"Partners expire=2020-01-01", "expire=2020-01-01 is in the past"},
	{"expire=0m", "expire=0m is not in the future"},
	{"expire=99999999999999999w", "too far ahead"},
	{"expire=soon", "expire=soon is neither"},
	{"expire=7d expire=2d", "expire is given twice; give it once, e.g. /createlink Partners expire=7d."},
	{"limit=5 LIMIT=6", "limit is given twice"},
	{"request Request", "request is given twice"},
	{"name=a name=b", "name is given twice; give it once, e.g. /createlink name=Summer sale."},
	{"colour=red", `Unknown option “colour=red”. Options are expire=WHEN, limit=N, request, join=manual|auto|verify, count=N and price=STARS, e.g. /createlink Partners expire=7d limit=50.`},
	{"Partners join=closed", "join= takes manual, auto or verify, not “closed”, e.g. /createlink Partners join=verify."},
	{"Partners join=none", "join= takes manual, auto or verify, not “none”"},
	{"Partners join=", "join= needs a value, e.g. /createlink Partners join=verify."},
	{"Partners join=verify limit=5", "can't be combined"},
	{"join=auto join=verify", "join is given twice"},
	{"Partners =5", `Unknown option “=5”`},
	{"request=yes", `Unknown option “request=yes”`},
	{"norequest", `Unknown option “norequest”`},
	{"Partners limit=5 request", "limit and request (or join=) can't be combined: Telegram doesn't allow a member limit on links that need approval."},
	{"request limit=99999", "can't be combined"},
	{"Partners name=Summer", `The name is given both as plain words (“Partners”) and with name=`},
	{"name=Summer limit=5 sale", `plain words (“sale”)`},
	{argsName33, "The name is 33 characters long; a link name can have at most 32."},
	{"name=" + argsName33, "The name is 33 characters long"},
	{strings.Repeat("x", 40), "The name is 40 characters long; a link name can have at most 32."},
	{"colour=red\nlimit=0", `Unknown option “colour=red”`},
	{"name=limit=5", `name=limit=5 would name the link “limit=5”, which looks like an option: a name can't contain = or be request or norequest, e.g. /createlink name=Summer sale limit=5.`},
	{"name=Request", `name=Request would name the link “Request”, which looks like an option`},
	{"name==", `would name the link “=”, which looks like an option`},
	{"Partners x=" + strings.Repeat("a", 5000), `Unknown option “x=` + strings.Repeat("a", 61) + `…”. Options are`}, // quoted in part
}

func TestParseCreateArgsRefused(t *testing.T) {
	for _, tc := range argsCreateRefused {
		got, err := ParseCreateArgs(tc.in, argsNow)
		if err == nil {
			t.Errorf("ParseCreateArgs(%q) = %+v, want an error", tc.in, got)
			continue
		}
		assertArgError(t, tc.in, err, tc.want)
	}
}

// argsRef3 is link #3, the REF of most /editlink cases.
var argsRef3 = Ref{Number: 3}

// argsEditCases are /editlink's arguments that ParseEditArgs accepts.
var argsEditCases = []struct {
	in   string
	want EditArgs
}{
	{"#3 limit=100", EditArgs{Ref: argsRef3, MemberLimit: new(100)}},
	{"#3 name=Summer sale limit=5", EditArgs{Ref: argsRef3, Name: new("Summer sale"), MemberLimit: new(5)}},
	{"#3 limit=5 name=Summer   sale", EditArgs{Ref: argsRef3, Name: new("Summer sale"), MemberLimit: new(5)}},
	{"#3 name= Summer sale", EditArgs{Ref: argsRef3, Name: new("Summer sale")}},
	{"#3 NAME=" + argsName32, EditArgs{Ref: argsRef3, Name: new(argsName32)}},
	{"#3 name=", EditArgs{Ref: argsRef3, Name: new("")}},
	{"#3 expire=never", EditArgs{Ref: argsRef3, ExpiresAt: new(time.Time{})}},
	{"#3 Expire=Never", EditArgs{Ref: argsRef3, ExpiresAt: new(time.Time{})}},
	{"#3 expire=1d12h", EditArgs{Ref: argsRef3, ExpiresAt: new(argsAfter(36 * time.Hour))}},
	{"#3 expire=2026-12-31T18:00", EditArgs{Ref: argsRef3, ExpiresAt: new(argsDate(2026, 12, 31, 18, 0))}},
	{"#3 expire=2026-12-31 18:00 limit=5", EditArgs{Ref: argsRef3, ExpiresAt: new(argsDate(2026, 12, 31, 18, 0)), MemberLimit: new(5)}},
	{"#3 limit=none", EditArgs{Ref: argsRef3, MemberLimit: new(0)}},
	{"#3 LIMIT=NONE", EditArgs{Ref: argsRef3, MemberLimit: new(0)}},
	{"#3 norequest", EditArgs{Ref: argsRef3, JoinRequest: new(false)}},
	{"#3 request", EditArgs{Ref: argsRef3, JoinRequest: new(true)}},
	{"#3 request limit=none", EditArgs{Ref: argsRef3, JoinRequest: new(true), MemberLimit: new(0)}},
	{"#3 NoRequest limit=5", EditArgs{Ref: argsRef3, JoinRequest: new(false), MemberLimit: new(5)}},
	{"#3 name= expire=never limit=none norequest", EditArgs{Ref: argsRef3, Name: new(""), ExpiresAt: new(time.Time{}), MemberLimit: new(0), JoinRequest: new(false)}},
	{"Summer sale expire=7d", EditArgs{Ref: Ref{Name: "Summer sale"}, ExpiresAt: new(argsAfter(7 * 24 * time.Hour))}},
	{"https://t.me/+AbC expire=2026-12-31", EditArgs{Ref: Ref{URL: "https://t.me/+AbC"}, ExpiresAt: new(argsDate(2026, 12, 31, 0, 0))}},
	{"t.me/joinchat/AbC request", EditArgs{Ref: Ref{URL: "https://t.me/joinchat/AbC"}, JoinRequest: new(true)}},
	{"#3 join=verify", EditArgs{Ref: argsRef3, JoinRequest: new(true), JoinMode: new(store.JoinVerify)}},
	{"#3 join=auto request limit=none", EditArgs{Ref: argsRef3, JoinRequest: new(true), JoinMode: new(store.JoinAuto), MemberLimit: new(0)}},
	{"#3 join=none", EditArgs{Ref: argsRef3, JoinMode: new(store.JoinMode(""))}},
	{"#3 join=none norequest", EditArgs{Ref: argsRef3, JoinMode: new(store.JoinMode("")), JoinRequest: new(false)}},
}

func TestParseEditArgs(t *testing.T) {
	for _, tc := range argsEditCases {
		got, err := ParseEditArgs(tc.in, argsNow)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseEditArgs(%q) = %s, %v; want %s", tc.in, formatEditArgs(got), err, formatEditArgs(tc.want))
		}
	}
}

// formatEditArgs prints EditArgs with its pointers followed.
func formatEditArgs(a EditArgs) string {
	s := a.Ref.String()
	if a.Name != nil {
		s += fmt.Sprintf(" name=%q", *a.Name)
	}
	if a.ExpiresAt != nil {
		s += " expire=" + a.ExpiresAt.String()
	}
	if a.MemberLimit != nil {
		s += fmt.Sprintf(" limit=%d", *a.MemberLimit)
	}
	if a.JoinRequest != nil {
		s += fmt.Sprintf(" request=%t", *a.JoinRequest)
	}
	if a.JoinMode != nil {
		s += fmt.Sprintf(" join=%q", *a.JoinMode)
	}
	return s
}

// argsEditRefused are /editlink's arguments that ParseEditArgs refuses, with words of the message.
var argsEditRefused = []struct{ in, want string }{
	{"", "Say which link to edit: /editlink #N (the number /links shows), its URL or its name, e.g. /editlink #3 limit=100."},
	{"limit=5", "Say which link to edit"},
	{"#3", "Say what to change about #3"},
	{"Summer sale", `Say what to change about “Summer sale”`},
	{"#0 limit=5", `“#0” is not a link number`},
	{"#-1 limit=5", `“#-1” is not a link number`},
	{"#abc limit=5", `“#abc” is not a link number`},
	{"https://t.me/durov limit=5", "is not an invite link"},
	{"#3 Summer sale limit=5", `“Summer sale” after #3 is not an option; to rename the link write name=Summer sale`},
	{"#3 limit=5 sale", `“sale” after limit=5 is not an option; a new name goes after name=`},
	{"#3 request Summer", `“Summer” after request is not an option`},
	{"#3 request limit=5", "limit and request (or join=) can't be combined"},
	{"#3 join=verify limit=5", "can't be combined"},
	{"#3 join=auto norequest", "join= needs requests to join, which norequest turns off"},
	{"#3 join=closed", "join= takes manual, auto, verify or none (the chat's way), not “closed”"},
	{"#3 join=verify Summer", `“Summer” after join=verify is not an option`},
	{"#3 limit=5 REQUEST", "can't be combined"},
	{"#3 request norequest", "request and norequest contradict each other"},
	{"#3 limit=5 limit=6", "limit is given twice; give it once, e.g. /editlink #3 limit=50."},
	{"#3 norequest norequest", "norequest is given twice"},
	{"#3 name=a name=b", "name is given twice"},
	{"#3 colour=red", `Unknown option “colour=red”. Options are name=NAME, expire=WHEN|never, limit=N|none, request, norequest and join=manual|auto|verify|none`},
	{"#3 limit=", "limit= needs a value, e.g. /editlink #3 limit=50."},
	{"#3 expire=", "expire= needs a value"},
	{"#3 limit=0", "limit must be a whole number from 1 to 99999, or none for no limit"},
	{"#3 limit=100000", "limit must be"},
	{"#3 expire=yesterday", "expire=yesterday is neither"},
	{"#3 expire=2020-01-01", "expire=2020-01-01 is in the past"},
	{"#3 expire=0h", "is not in the future"},
	{"#3 name=" + argsName33, "The name is 33 characters long"},
	{"#3 name=" + strings.Repeat("ab ", 20), "The name is 59 characters long"},
	{"#3 name=a=b", `name=a=b would name the link “a=b”, which looks like an option: a name can't contain = or be request or norequest, e.g. /editlink #3 name=Summer sale limit=5.`},
	{"#3 NAME=norequest", `NAME=norequest would name the link “norequest”, which looks like an option`},
	{argsName33 + " limit=5", "a link name has at most 32 characters. Say which link by its number, e.g. /editlink #3 limit=100."},
}

func TestParseEditArgsRefused(t *testing.T) {
	for _, tc := range argsEditRefused {
		got, err := ParseEditArgs(tc.in, argsNow)
		if err == nil {
			t.Errorf("ParseEditArgs(%q) = %s, want an error", tc.in, formatEditArgs(got))
			continue
		}
		assertArgError(t, tc.in, err, tc.want)
	}
}
