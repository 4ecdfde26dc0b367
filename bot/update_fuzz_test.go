package bot

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
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

// FuzzParseCommand checks what ParseCommand promises (the README's Commands:
// /cmd or /cmd@ThisBot, case-insensitive, arguments after white space) for
// any text, username and first entity. Run it with
//
//	go test -run '^$' -fuzz '^FuzzParseCommand$' -fuzztime 3m ./bot/
func FuzzParseCommand(f *testing.F) {
	const me = "invite_test_bot"
	for _, text := range []string{ // TestParseCommand's
		"/links", "/createlink Partners  limit=5 ", "/links@invite_test_bot all", "/LINKS@Invite_Test_Bot",
		"/links@other_bot", "/createlink\nPartners", "hi /links", "/", "/x", "",
	} {
		f.Add(text, me, true, 0)
	}
	f.Add("/links", me, false, 0)
	f.Add("/links", me, true, 3)
	f.Add("/links@", "", true, 0)
	f.Add("/links@INVITE_TEST_BOT", "Invite_Test_Bot", true, 0)
	for _, h := range fuzzHostile() {
		for _, tpl := range []string{"/createlink%Partners", "/links%@invite_test_bot%all", "/links@invite_test_bot%", "%/links", "/%links", "/links@%"} {
			f.Add(strings.ReplaceAll(tpl, "%", h), me, true, 0)
		}
	}
	f.Add("/createlink "+strings.Repeat("a ", 2500), me, true, 0)
	f.Add("/"+strings.Repeat("a", 5000)+"@"+me, me, true, 0)
	f.Add("/links@"+strings.Repeat("@", 5000), me, true, 0)
	f.Fuzz(func(t *testing.T, text, username string, isCommand bool, offset int) {
		m := &Message{Text: text}
		typ := "bold"
		if isCommand {
			typ = "bot_command"
		}
		if offset >= 0 {
			m.Entities = []Entity{{Type: typ, Offset: offset, Length: len(text)}}
		}
		cmd, ok := ParseCommand(m, username)
		if cmd2, ok2 := ParseCommand(m, username); cmd != cmd2 || ok != ok2 {
			t.Fatalf("two parses differ: %+v, %t and %+v, %t", cmd, ok, cmd2, ok2)
		}
		if !ok && cmd != (Command{}) {
			t.Fatalf("no command, but %+v", cmd)
		}
		marked := isCommand && offset == 0 && strings.HasPrefix(text, "/")
		if !marked {
			if ok {
				t.Fatalf("%+v from text that is not marked as a command at its start", cmd)
			}
			return
		}
		// The command is the first word, up to any white space; the
		// arguments are the words after it.
		words := strings.Fields(text)
		name, at, addressed := strings.Cut(words[0][1:], "@")
		want := Command{Name: strings.ToLower(name), Args: strings.TrimSpace(strings.TrimPrefix(text, words[0]))}
		switch {
		case name == "" && ok:
			t.Fatalf("%+v without a command name", cmd)
		case addressed && !strings.EqualFold(at, username) && ok:
			t.Fatalf("%+v accepted, addressed to %q, not to %q", cmd, at, username)
		case name != "" && (!addressed || strings.EqualFold(at, username)) && (!ok || cmd != want):
			t.Fatalf("got %+v, %t; want %+v", cmd, ok, want)
		}
		if ok && (strings.ContainsFunc(cmd.Name, unicode.IsSpace) || !reflect.DeepEqual(strings.Fields(cmd.Args), words[1:])) {
			t.Fatalf("%+v: not the first word and the others", cmd)
		}
	})
}
