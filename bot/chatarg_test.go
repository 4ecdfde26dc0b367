package bot

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
)

func TestSplitChat(t *testing.T) {
	for _, tc := range []struct {
		args       string
		rule       ChatRule
		chat, rest string
		ok         bool
	}{
		{"@chan Partners limit=10", ChatFirst, "@chan", "Partners limit=10", true},
		{"-1001234567890", ChatFirst, "-1001234567890", "", true},
		{"  -42   all ", ChatFirst, "-42", "all", true},
		{"all", ChatFirst, "", "all", false},
		{"", ChatFirst, "", "", false},
		{"@ x", ChatFirst, "", "@ x", false},
		{"5000000001", ChatFirst, "", "5000000001", false}, // a user's ID
		{"-12x", ChatFirst, "", "-12x", false},
		{"#3 limit=5", ChatFirst, "", "#3 limit=5", false},
		{"@bob", ChatBeforeArg, "", "@bob", false},
		{"@chan @bob", ChatBeforeArg, "@chan", "@bob", true},
		{"-1001234567890 all", ChatBeforeArg, "-1001234567890", "all", true},
	} {
		chat, rest, ok := SplitChat(tc.args, tc.rule)
		if chat != tc.chat || rest != tc.rest || ok != tc.ok {
			t.Errorf("SplitChat(%q, %v) = %q, %q, %v; want %q, %q, %v", tc.args, tc.rule, chat, rest, ok, tc.chat, tc.rest, tc.ok)
		}
	}
}

// fuzzChatID is a chat's ID as a CHAT: users' IDs are positive, chats' negative.
var fuzzChatID = regexp.MustCompile(`^-[0-9]{1,19}$`)

// FuzzSplitChat checks that SplitChat takes the first word of the arguments
// as the CHAT exactly when it is one (the README's CHAT), and that the CHAT
// and the rest re-join to the arguments. Run it with
//
//	go test -run '^$' -fuzz '^FuzzSplitChat$' -fuzztime 3m ./bot/
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
		rule := ChatFirst
		if beforeArg {
			rule = ChatBeforeArg
		}
		chat, rest, ok := SplitChat(args, rule)
		if c, r, o := SplitChat(args, rule); c != chat || r != rest || o != ok {
			t.Fatalf("two splits differ: %q, %q, %t and %q, %q, %t", chat, rest, ok, c, r, o)
		}
		words := strings.Fields(args)
		isChat := len(words) > 0 && (strings.HasPrefix(words[0], "@") && len(words[0]) > 1 || fuzzChatID.MatchString(words[0]))
		wantOK := isChat && (rule == ChatFirst || len(words) > 1)
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
