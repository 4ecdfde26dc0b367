package middleware_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/invitebot/invitebot/middleware"
)

// fuzzHostile are pieces of hostile text: every C0 control character and
// DEL, the bidi controls, the zero-width characters, white space that is not
// a plain space, invalid UTF-8, and runs of spaces and of "=".
func fuzzHostile() []string {
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

// fuzzChatID is a chat's ID as a CHAT: users' IDs are positive, chats' negative.
var fuzzChatID = regexp.MustCompile(`^-[0-9]{1,19}$`)

// FuzzSplitChat checks that SplitChat takes the first word of the arguments
// as the CHAT exactly when it is one (the README's CHAT), and that the CHAT
// and the rest re-join to the arguments. Run it with
//
//	go test -run '^$' -fuzz '^FuzzSplitChat$' -fuzztime 3m ./middleware/
func FuzzSplitChat(f *testing.F) {
	for _, args := range []string{ // TestSplitChat's
		"@chan Partners limit=10", "-1001234567890", "  -42   all ", "all", "", "@ x", "5000000001", "-12x",
		"#3 limit=5", "@bob", "@chan @bob", "-1001234567890 all",
	} {
		f.Add(args, false)
		f.Add(args, true)
	}
	for _, h := range fuzzHostile() {
		for _, tpl := range []string{"@chan%Partners", "-1001234567890%all", "%@chan x", "@%", "-%1 x", "@bob%"} {
			f.Add(strings.ReplaceAll(tpl, "%", h), false)
			f.Add(strings.ReplaceAll(tpl, "%", h), true)
		}
	}
	f.Add("-"+strings.Repeat("9", 19)+" x", false)
	f.Add("-"+strings.Repeat("9", 20)+" x", false)
	f.Add("@"+strings.Repeat("a", 5000)+" "+strings.Repeat("b ", 2500), true)
	f.Fuzz(func(t *testing.T, args string, beforeArg bool) {
		rule := middleware.ChatFirst
		if beforeArg {
			rule = middleware.ChatBeforeArg
		}
		chat, rest, ok := middleware.SplitChat(args, rule)
		if c, r, o := middleware.SplitChat(args, rule); c != chat || r != rest || o != ok {
			t.Fatalf("two splits differ: %q, %q, %t and %q, %q, %t", chat, rest, ok, c, r, o)
		}
		words := strings.Fields(args)
		isChat := len(words) > 0 && (strings.HasPrefix(words[0], "@") && len(words[0]) > 1 || fuzzChatID.MatchString(words[0]))
		wantOK := isChat && (rule == middleware.ChatFirst || len(words) > 1)
		trimmed := strings.TrimSpace(args)
		switch {
		case ok != wantOK:
			t.Fatalf("ok = %t, want %t (chat %q, rest %q)", ok, wantOK, chat, rest)
		case !ok && (chat != "" || rest != trimmed):
			t.Fatalf("no CHAT, but chat %q and rest %q", chat, rest)
		case !ok:
			return
		case chat != words[0]:
			t.Fatalf("chat %q, want the first word %q", chat, words[0])
		case rest != strings.TrimSpace(rest):
			t.Fatalf("rest %q is not trimmed", rest)
		case !strings.HasPrefix(trimmed, chat) || !strings.HasSuffix(trimmed, rest) || len(chat)+len(rest) > len(trimmed):
			t.Fatalf("chat %q and rest %q are not the ends of %q", chat, rest, trimmed)
		}
		// Between them only white space, and some when there is a rest.
		between := trimmed[len(chat) : len(trimmed)-len(rest)]
		if strings.ContainsFunc(between, func(r rune) bool { return !unicode.IsSpace(r) }) || (rest != "") != (between != "") {
			t.Fatalf("chat %q and rest %q are joined by %q in %q", chat, rest, between, trimmed)
		}
	})
}
