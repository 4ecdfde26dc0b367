package app

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/handlers/text"
)

// The languages of PRODUCT.md §8 through the real program: a person's
// Telegram language in private and for buttons, a group's /language, the
// default INVITEBOT_LANGUAGE, the command menus of every language, and the
// direction of right-to-left messages.

const (
	fsi = "\u2068"
	pdi = "\u2069"
)

// catalogs are the program's catalogs, with English the default: what a
// reply must read, rendered the way the bot renders it.
func catalogs(t *testing.T) *text.Catalog {
	t.Helper()
	c, err := text.New(text.DefaultLanguage)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// menuCalls are the setMyCommands calls of the start-up: both scopes for
// everyone else (the default language) and for each other language.
func menuCalls(t *testing.T) []string {
	t.Helper()
	return slices.Repeat([]string{"setMyCommands"}, 2*(1+len(menuLanguages(catalogs(t)))))
}

// speaks sets the Telegram language of a person of the test world.
func speaks(srv *bottest.Server, u bottest.User, code string) {
	u.LanguageCode = code
	srv.AddUser(u)
}

var (
	aliceUser = bottest.User{ID: alice, FirstName: "Alice", UserName: "alice_admin"}
	daveUser  = bottest.User{ID: dave, FirstName: "Dave", UserName: "dave_owner"}
)

// plainIs fails t unless a reply reads want.
func plainIs(t *testing.T, what string, got bottest.SentMessage, want string) {
	t.Helper()
	if strings.TrimSpace(got.PlainText) != strings.TrimSpace(want) {
		t.Errorf("%s reads\n%q\nwant\n%q", what, got.PlainText, want)
	}
}

// confirmSeconds is how long a "Yes, revoke" button works.
const confirmSeconds = 60

// linesOf are the first and the last line of a message rendered without
// its values, for a message whose values come between them.
func linesOf(p *text.Printer, id string, kv ...any) []string {
	lines := strings.Split(p.P(id, kv...), "\n")
	return []string{lines[0], lines[len(lines)-1]}
}

// revokeConfirmed presses Revoke on page's button (row, col) as from, in
// chat, then the confirmation's "Yes, revoke #n", and checks that each
// step speaks as it should: the answers to the presses in the presser's
// language (reader), the confirmation and the page shown anew in the
// language of the chat they are in (shown). It returns the page as it is
// then.
func revokeConfirmed(t *testing.T, h *harness, from, chat int64, page bottest.SentMessage, row, col, n int, reader, shown *text.Printer, name string) bottest.SentMessage {
	t.Helper()
	if a := h.press(from, chat, page, row, col); a.Text != reader.P("revoke.confirm_below", "Seconds", confirmSeconds) {
		t.Errorf("the Revoke press is answered %q, want %q", a.Text, reader.P("revoke.confirm_below", "Seconds", confirmSeconds))
	}
	confirm := h.lastMessage(chat)
	mustContain(t, confirm.PlainText, linesOf(shown, "revoke.confirm", "Link", text.HTML(""), "Name", name, "Seconds", confirmSeconds)...)
	if len(confirm.Buttons) != 1 || confirm.Buttons[0][0].Text != shown.P("revoke.yes", "N", n) {
		t.Fatalf("the confirmation's buttons: %+v, want %q", confirm.Buttons, shown.P("revoke.yes", "N", n))
	}
	if a := h.press(from, chat, confirm, 0, 0); a.Text != reader.P("revoke.confirmed_short", "Count", 1) {
		t.Errorf("the confirmation is answered %q, want %q", a.Text, reader.P("revoke.confirmed_short", "Count", 1))
	}
	mustContain(t, messageNow(t, h.srv, chat, confirm.MessageID).PlainText, shown.P("revoke.confirmed", "Count", 1, "Name", name))
	now := messageNow(t, h.srv, chat, page.MessageID)
	mustContain(t, now.PlainText, shown.P("link.state.revoked"))
	for _, r := range now.Buttons {
		for _, b := range r {
			if b.Text == shown.P("links.revoke_button", "N", n) {
				t.Errorf("the page shown anew keeps the button of #%d", n)
			}
		}
	}
	return now
}

// messageNow is message id of chat as it is now (after edits).
func messageNow(t *testing.T, srv *bottest.Server, chat int64, id int) bottest.SentMessage {
	t.Helper()
	for _, m := range srv.Messages(chat) {
		if m.MessageID == id {
			return m
		}
	}
	t.Fatalf("no message %d in %d", id, chat)
	return bottest.SentMessage{}
}

// TestMenusInEveryLanguage: the command menus are registered for every
// language of the catalogs, both scopes, with the descriptions of that
// language and the commands themselves in English; the default's menus
// are everyone else's.
func TestMenusInEveryLanguage(t *testing.T) {
	srv := newWorld(t)
	start(t, srv, "")
	c := catalogs(t)
	for _, code := range c.Codes() {
		lang, _, _ := strings.Cut(code, "-") // Telegram's menus take two letters
		if code == text.DefaultLanguage {
			lang = ""
		}
		p := c.For(code)
		for _, m := range []struct {
			scope, name string
			commands    []string
		}{
			{"all_chat_administrators", "admin", adminMenu},
			{"all_private_chats", "private", privateMenu},
		} {
			got := srv.CommandsFor(bottest.BotCommandScope{Type: m.scope}, lang)
			if len(got) != len(m.commands) {
				t.Errorf("%s %s: %d commands, want %d", code, m.scope, len(got), len(m.commands))
				continue
			}
			for i, cmd := range got {
				want := p.P("menu." + m.name + "." + m.commands[i])
				if cmd.Command != m.commands[i] || cmd.Description != want {
					t.Errorf("%s %s: /%s %q, want /%s %q", code, m.scope, cmd.Command, cmd.Description, m.commands[i], want)
				}
				if code != text.DefaultLanguage && cmd.Description == c.Default().P("menu."+m.name+"."+m.commands[i]) {
					t.Errorf("%s %s: /%s is described in English", code, m.scope, cmd.Command)
				}
			}
		}
	}
	if got := srv.CommandsFor(bottest.BotCommandScope{Type: "all_private_chats"}, "en"); got != nil {
		t.Errorf("a menu for en besides the default: %v", got)
	}
}

// TestRussianAdminInPrivate: an admin whose Telegram speaks Russian gets
// every answer of a private chat in Russian: help, mistakes, refusals,
// links, join requests, and the answers to button presses and the
// buttons they change.
func TestRussianAdminInPrivate(t *testing.T) {
	srv := newConsoleWorld(t)
	speaks(srv, aliceUser, "ru")
	h := start(t, srv, "")
	db := openStore(t, h)
	promote(t, h, db, groupID)
	ru := catalogs(t).For("ru")
	group := "Invite Test Group"

	plainIs(t, "/help", h.ask(alice, alice, "/help"), ru.P("help", "Bot", srv.Bot().UserName))
	plainIs(t, "/links before /use", h.ask(alice, alice, "/links"), ru.P("access.pick"))
	plainIs(t, "/use", h.ask(alice, alice, "/use "+id(groupID)), ru.P("use.chosen", "Title", group, "Type", text.M("chat.type.supergroup")))
	plainIs(t, "a mistake", h.ask(alice, alice, "/createlink Partners limit=0"), ru.P("args.limit", "Max", 99999))
	plainIs(t, "an unknown command", h.ask(alice, alice, "/frobnicate"), ru.P("unknown_command", "Command", "frobnicate"))

	r := h.ask(alice, alice, "/createlink Partners limit=5")
	mustContain(t, r.PlainText, ru.P("create.done", "Link", text.HTML("")), ru.P("link.name")+" “Partners”", ru.P("link.limit")+" 5", ru.P("link.state.active"))
	h.ask(alice, alice, "/createlink Door request")

	r = h.ask(alice, alice, "/links")
	mustContain(t, r.PlainText, ru.P("links.title_active", "Chat", group), ru.P("link.approval")+" "+ru.P("link.yes"))
	if len(r.Buttons) == 0 || r.Buttons[0][0].Text != ru.P("links.revoke_button", "N", 1) {
		t.Fatalf("/links buttons: %+v", r.Buttons)
	}
	page := revokeConfirmed(t, h, alice, alice, r, 0, 0, 1, ru, ru, "@alice_admin")
	if len(page.Buttons) == 0 || page.Buttons[0][0].Text != ru.P("links.revoke_button", "N", 2) {
		t.Errorf("the page's buttons after the revocation: %+v", page.Buttons)
	}

	var door string
	for _, l := range srv.InviteLinks(groupID) {
		if l.Name == "Door" {
			door = l.InviteLink
		}
	}
	srv.PushJoinRequest(groupID, frank, door)
	eventually(t, "frank's join request kept", func() bool {
		p, err := db.PendingJoinRequests(context.Background(), groupID)
		return err == nil && len(p) == 1
	})
	r = h.ask(alice, alice, "/requests")
	mustContain(t, r.PlainText, ru.P("requests.title", "Chat", group), ru.P("requests.via_named", "N", 2, "Name", "Door"))
	if len(r.Buttons) == 0 || r.Buttons[0][0].Text != ru.P("requests.approve_button", "Name", "@frank_f") || r.Buttons[0][1].Text != ru.P("requests.decline_button", "Name", "@frank_f") {
		t.Fatalf("/requests buttons: %+v", r.Buttons)
	}
	a := h.press(alice, alice, r, 0, 0)
	if want := ru.P("requests.press_approved", "Name", "@frank_f"); a.Text != want {
		t.Errorf("the Approve press is answered %q, want %q", a.Text, want)
	}
	plainIs(t, "/requests once answered", h.ask(alice, alice, "/requests"), ru.P("requests.none", "Chat", group))

	// No English left in what alice read.
	for _, m := range srv.Messages(alice) {
		for _, english := range []string{"link", "request", "chat", "you"} {
			if strings.Contains(strings.ToLower(stripSyntax(m.PlainText)), " "+english) {
				t.Errorf("an English word %q in %q", english, m.PlainText)
			}
		}
	}
}

// stripSyntax drops what stays English in every language: commands and
// their options, links, and the names of the test world.
func stripSyntax(s string) string {
	var out []string
	for _, w := range strings.Fields(s) {
		switch strings.Trim(w, ".,;:()") {
		case "request", "norequest", "all", "none", "never", "Partners", "Door", "Invite", "Test", "Group":
			continue
		}
		if strings.ContainsAny(w, "/=@#:[]|") || strings.ToUpper(w) == w {
			continue
		}
		out = append(out, w)
	}
	return " " + strings.Join(out, " ")
}

// TestPortugueseGroup: a group whose admin set /language pt-BR gets
// everything the bot says in it in Portuguese: the confirmation, help,
// mistakes, refusals, links and their buttons, empty lists; a button press
// is answered in the presser's own language.
func TestPortugueseGroup(t *testing.T) {
	srv := newWorld(t)
	speaks(srv, daveUser, "pt-BR")
	h := start(t, srv, "")
	c := catalogs(t)
	pt := c.For("pt-BR")
	this := text.M("chat.this")

	plainIs(t, "/language pt-BR", h.ask(groupID, alice, "/language pt-BR"), pt.P("language.set", "Chat", this, "Code", "pt-BR", "Name", "Português (Brasil)"))
	r := h.ask(groupID, alice, "/language")
	mustContain(t, r.PlainText, pt.P("language.show", "Chat", this, "Code", "pt-BR", "Name", "Português (Brasil)", "Codes", text.HTML("")),
		"ru Русский", "ar العربية", "fa فارسی", "pt-BR Português (Brasil)")
	plainIs(t, "/help", h.ask(groupID, alice, "/help"), pt.P("help", "Bot", srv.Bot().UserName))
	plainIs(t, "no links yet", h.ask(groupID, alice, "/links all"), pt.P("links.none_all", "Chat", this))
	plainIs(t, "no requests", h.ask(groupID, alice, "/requests"), pt.P("requests.none", "Chat", this))
	plainIs(t, "a mistake", h.ask(groupID, alice, "/createlink Partners limit=0"), pt.P("args.limit", "Max", 99999))
	plainIs(t, "a member's refusal", h.ask(groupID, bob, "/createlink Mine"), pt.P("access.not_admin"))
	plainIs(t, "an admin without the right", h.ask(groupID, carol, "/links"), pt.P("access.no_right"))

	r = h.ask(groupID, alice, "/createlink Partners expire=2030-01-01 limit=50")
	mustContain(t, r.PlainText, pt.P("create.done", "Link", text.HTML("")), pt.P("link.name")+" “Partners”",
		pt.P("link.expires")+" 2030-01-01 00:00 UTC", pt.P("link.limit")+" 50", pt.P("link.state.active"))
	h.ask(groupID, alice, "/createlink Door")
	r = h.ask(groupID, alice, "/links")
	mustContain(t, r.PlainText, pt.P("links.title_active", "Chat", "Invite Test Group"), pt.P("link.joins")+" 0")
	if len(r.Buttons) == 0 || len(r.Buttons[0]) != 2 || r.Buttons[0][0].Text != pt.P("links.revoke_button", "N", 1) {
		t.Fatalf("/links buttons: %+v", r.Buttons)
	}

	// Dave's Telegram speaks Portuguese; Alice's says nothing: English.
	// What the group reads (the confirmation, the page shown anew) is
	// Portuguese either way.
	page := revokeConfirmed(t, h, dave, groupID, r, 0, 0, 1, pt, pt, "@dave_owner")
	if len(page.Buttons) != 1 || page.Buttons[0][0].Text != pt.P("links.revoke_button", "N", 2) {
		t.Fatalf("the page's buttons after the revocation: %+v", page.Buttons)
	}
	revokeConfirmed(t, h, alice, groupID, page, 0, 0, 2, c.Default(), pt, "@alice_admin")
	r = h.ask(groupID, alice, "/links all")
	mustContain(t, r.PlainText, pt.P("links.title_all", "Chat", "Invite Test Group"), pt.P("link.state.revoked"))
	if strings.Contains(r.PlainText, "revoked") || strings.Contains(r.PlainText, "name:") {
		t.Errorf("English in the group's /links all: %q", r.PlainText)
	}

	// The default of PRODUCT.md §3, /replies private: an answer that shows
	// links goes to the asker's private chat, in the asker's language; the
	// group reads the line about it, or how to open the private chat, in
	// its own.
	plainIs(t, "/replies private", h.ask(groupID, alice, "/replies private"), pt.P("replies.set_private", "Chat", this))
	plainIs(t, "/replies", h.ask(groupID, alice, "/replies"), pt.P("replies.is_private", "Chat", this))
	// Both links are revoked: /links says so in the group, where a list
	// with none would go; /links all shows links, and asks alice first.
	plainIs(t, "/links with none active", h.ask(groupID, alice, "/links"), pt.P("links.none", "Chat", this))
	r = h.ask(groupID, alice, "/links all")
	plainIs(t, "/links all before alice opened a private chat", r, pt.P("private.open", "Name", "@alice_admin"))
	if len(r.Buttons) != 1 || r.Buttons[0][0].Text != pt.P("private.open_button") || r.Buttons[0][0].URL == "" {
		t.Errorf("the button to the private chat: %+v", r.Buttons)
	}
	srv.StartPrivateChat(dave)
	plainIs(t, "the group's line for dave", h.ask(groupID, dave, "/createlink Lobby"), pt.P("private.sent", "Name", "@dave_owner"))
	mustContain(t, h.privateAnswer(dave, "“Lobby”").PlainText, strings.TrimSpace(pt.P("create.done", "Link", text.HTML(""))), pt.P("link.name")+" “Lobby”")
	srv.StartPrivateChat(alice)
	plainIs(t, "the group's line for alice", h.ask(groupID, alice, "/links"), pt.P("private.sent", "Name", "@alice_admin"))
	page = h.privateAnswer(alice, c.Default().P("links.title_active", "Chat", "Invite Test Group"))
	if len(page.Buttons) != 1 || page.Buttons[0][0].Text != c.Default().P("links.revoke_button", "N", 3) {
		t.Errorf("alice's page in private: buttons %+v, want one in English", page.Buttons)
	}
}

// TestArabicAdminInPrivate: an admin whose Telegram speaks Arabic gets
// private answers in Arabic, with the chat's title, a link's name and its
// URL each in its own isolate, and command syntax kept left to right.
func TestArabicAdminInPrivate(t *testing.T) {
	srv := newConsoleWorld(t)
	speaks(srv, aliceUser, "ar")
	h := start(t, srv, "")
	db := openStore(t, h)
	promote(t, h, db, groupID)
	ar := catalogs(t).For("ar")

	r := h.ask(alice, alice, "/use "+id(groupID))
	plainIs(t, "/use", r, ar.P("use.chosen", "Title", "Invite Test Group", "Type", text.M("chat.type.supergroup")))
	mustContain(t, r.Text, "<b>"+fsi+"Invite Test Group"+pdi+"</b>")
	plainIs(t, "a mistake", h.ask(alice, alice, "/createlink Partners limit=0"), ar.P("args.limit", "Max", 99999))
	plainIs(t, "help", h.ask(alice, alice, "/help"), ar.P("help", "Bot", srv.Bot().UserName))
	mustContain(t, h.ask(alice, alice, "/help").Text, "\u2066@"+fsi+srv.Bot().UserName+pdi+pdi)

	r = h.ask(alice, alice, "/createlink Partners")
	url := srv.InviteLinks(groupID)[0].InviteLink
	mustContain(t, r.Text, fsi+url+pdi, "“"+fsi+"Partners"+pdi+"”", ar.S("link.state.active"))
	for i, line := range strings.Split(r.Text, "\n") {
		if strings.Count(line, fsi) != strings.Count(line, pdi) {
			t.Errorf("line %d of the answer has unbalanced isolates: %q", i+1, line)
		}
	}
	r = h.ask(alice, alice, "/links")
	mustContain(t, r.Text, fsi+url+pdi)
	if a := h.press(alice, alice, r, 0, 0); a.Text != ar.P("revoke.confirm_below", "Seconds", confirmSeconds) {
		t.Errorf("the Revoke press is answered %q, want %q", a.Text, ar.P("revoke.confirm_below", "Seconds", confirmSeconds))
	}
	confirm := h.lastMessage(alice)
	mustContain(t, confirm.Text, fsi+url+pdi, "\u2068@alice_admin\u2069")
	for i, line := range strings.Split(confirm.Text, "\n") {
		if strings.Count(line, fsi) != strings.Count(line, pdi) {
			t.Errorf("line %d of the confirmation has unbalanced isolates: %q", i+1, line)
		}
	}
	if a := h.press(alice, alice, confirm, 0, 0); a.Text != ar.P("revoke.confirmed_short", "Count", 1) {
		t.Errorf("the confirmation is answered %q, want %q", a.Text, ar.P("revoke.confirmed_short", "Count", 1))
	}
	plainIs(t, "a name the bot does not have", h.ask(alice, alice, "/revokelink Nothing"), ar.P("link.no_name", "Name", "Nothing", "Chat", "Invite Test Group"))
}

// TestDefaultLanguage: INVITEBOT_LANGUAGE=de makes German the language of
// groups without /language and of people whose Telegram language the bot
// does not speak, and of the menus for everyone else; English is then one
// language among the others.
func TestDefaultLanguage(t *testing.T) {
	srv := newConsoleWorld(t)
	speaks(srv, bottest.User{ID: carol, FirstName: "Carol", UserName: "carol"}, "ru")
	speaks(srv, bottest.User{ID: frank, FirstName: "Frank", UserName: "frank_f"}, "fr")
	speaks(srv, bottest.User{ID: gina, FirstName: "Gina", UserName: "gina_g"}, "en")
	h := start(t, srv, "", "INVITEBOT_LANGUAGE", "de")
	c := catalogs(t)
	de, ru, en := c.For("de"), c.For("ru"), c.For("en")
	bot := srv.Bot().UserName

	plainIs(t, "/help in the group", h.ask(groupID, alice, "/help"), de.P("help", "Bot", bot))
	plainIs(t, "/help of no language", h.ask(bob, bob, "/help"), de.P("help", "Bot", bot))
	plainIs(t, "/help in French", h.ask(frank, frank, "/help"), de.P("help", "Bot", bot))
	plainIs(t, "/help in Russian", h.ask(carol, carol, "/help"), ru.P("help", "Bot", bot))
	plainIs(t, "/help in English", h.ask(gina, gina, "/help"), en.P("help", "Bot", bot))
	plainIs(t, "/language", h.ask(groupID, alice, "/language en"), en.P("language.set", "Chat", text.M("chat.this"), "Code", "en", "Name", "English"))
	plainIs(t, "/help in the English group", h.ask(groupID, alice, "/help"), en.P("help", "Bot", bot))

	for _, scope := range []string{"all_chat_administrators", "all_private_chats"} {
		name := map[string]string{"all_chat_administrators": "admin", "all_private_chats": "private"}[scope]
		def := srv.CommandsFor(bottest.BotCommandScope{Type: scope}, "")
		english := srv.CommandsFor(bottest.BotCommandScope{Type: scope}, "en")
		if len(def) == 0 || def[0].Description != de.P("menu."+name+"."+def[0].Command) {
			t.Errorf("%s: the default menu is %v, want it in German", scope, def)
		}
		if len(english) == 0 || english[0].Description != en.P("menu."+name+"."+english[0].Command) {
			t.Errorf("%s: the en menu is %v, want it in English", scope, english)
		}
		if srv.CommandsFor(bottest.BotCommandScope{Type: scope}, "de") != nil {
			t.Errorf("%s: a de menu besides the default", scope)
		}
	}
}

// TestUnknownDefaultLanguage: an INVITEBOT_LANGUAGE invitebot does not
// speak ends the program at once with exit status 2 and one line that
// names the variable and the codes it takes.
func TestUnknownDefaultLanguage(t *testing.T) {
	for _, v := range []string{"fr", "xx", "pt", "en_US!", "русский"} {
		var stderr bytes.Buffer
		getenv := env("TELEGRAM_BOT_TOKEN", goodToken, "INVITEBOT_LANGUAGE", v, "INVITEBOT_DB", t.TempDir()+"/x.db")
		code := Main(context.Background(), nil, getenv, &bytes.Buffer{}, &stderr)
		out := stderr.String()
		if code != 2 || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "invitebot: INVITEBOT_LANGUAGE: ") {
			t.Errorf("INVITEBOT_LANGUAGE=%q: exit %d, stderr %q; want 2 and one line naming the variable", v, code, out)
		}
		mustContain(t, out, "ar, de, en, es, fa, id, pt-BR, ru, tr, uk")
		if strings.Contains(out, "SECRET") {
			t.Errorf("the token shows: %q", out)
		}
	}
	for _, v := range []string{"ru", "pt-BR", "pt-br", " de "} {
		if _, err := loadConfig(env("TELEGRAM_BOT_TOKEN", goodToken, "INVITEBOT_LANGUAGE", v)); err != nil {
			t.Errorf("INVITEBOT_LANGUAGE=%q: %v", v, err)
		}
	}
}

// TestHostileInputInArabic and TestHostileInputInRussian run the
// hostile-input test in a group set to a right-to-left language and to
// one with three plural forms.
func TestHostileInputInArabic(t *testing.T)  { hostileInputEveryKind(t, "ar") }
func TestHostileInputInRussian(t *testing.T) { hostileInputEveryKind(t, "ru") }

// itemEmoji are the pictures of the things a check names, by message.
var itemEmoji = map[string]string{
	"verify.item.apple": "🍎", "verify.item.banana": "🍌", "verify.item.grapes": "🍇", "verify.item.cherries": "🍒",
	"verify.item.lemon": "🍋", "verify.item.pear": "🍐", "verify.item.strawberry": "🍓", "verify.item.watermelon": "🍉",
}

// checkButton is the thing a check in p's language names (isolated, in a
// right-to-left language), and the column of its button and of a wrong
// one.
func checkButton(t *testing.T, p *text.Printer, check bottest.SentMessage) (item string, right, wrong int) {
	t.Helper()
	emoji := ""
	for id, e := range itemEmoji {
		name := p.S(id)
		if p.RTL() {
			name = fsi + name + pdi
		}
		if strings.Contains(check.Text, name) {
			item, emoji = id, e
		}
	}
	if emoji == "" || len(check.Buttons) != 1 {
		t.Fatalf("the check in %s names no thing in it: %q", p.Lang(), check.Text)
	}
	for i, b := range check.Buttons[0] {
		if b.Text == emoji {
			return item, i, (i + 1) % len(check.Buttons[0])
		}
	}
	t.Fatalf("no button shows %s: %+v", emoji, check.Buttons[0])
	return "", 0, 0
}

// TestGatekeepingInEachLanguage: a group set to Portuguese is told of its
// join mode and rules in Portuguese; each requester's check, and the
// answer to their press, is in the language of their own Telegram, which
// the group's does not change: Arabic, with the chat's title, the thing to
// press and each line of the rules isolated, and Russian.
func TestGatekeepingInEachLanguage(t *testing.T) {
	srv := newConsoleWorld(t)
	speaks(srv, bottest.User{ID: frank, FirstName: "Frank", UserName: "frank_f"}, "ar")
	speaks(srv, bottest.User{ID: gina, FirstName: "Gina", UserName: "gina_g"}, "ru")
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	c := catalogs(t)
	pt, ar, ru := c.For("pt-BR"), c.For("ar"), c.For("ru")
	this := text.M("chat.this")

	h.ask(groupID, alice, "/language pt-BR")
	plainIs(t, "/joinmode verify 5m", h.ask(groupID, alice, "/joinmode verify 5m"), pt.P("joinmode.set_verify", "Chat", this, "Wait", "5m"))
	plainIs(t, "/joinmode", h.ask(groupID, alice, "/joinmode"), pt.P("joinmode.is_verify", "Chat", this, "Wait", "5m"))
	rules := "Be kind.\nNo spam."
	plainIs(t, "/rules", h.ask(groupID, alice, "/rules "+rules), pt.P("rules.set", "Chat", this, "Rules", rules))

	srv.PushJoinRequest(groupID, frank, "")
	check := waitCheck(t, srv, frank)
	item, right, _ := checkButton(t, ar, check)
	if want := ar.S("verify.check", "Chat", "Invite Test Group", "Item", text.M(item), "Wait", "5m", "Rules", rules); check.Text != want {
		t.Errorf("frank's check reads\n%q\nwant\n%q", check.Text, want)
	}
	mustContain(t, check.Text, "<b>"+fsi+"Invite Test Group"+pdi+"</b>", fsi+ar.S(item)+pdi, fsi+"5m"+pdi, fsi+"Be kind."+pdi+"\n"+fsi+"No spam."+pdi)
	if a := h.press(frank, frank, check, 0, right); a.Text != ar.P("verify.passed", "Chat", "Invite Test Group") {
		t.Errorf("frank's press is answered %q, want %q", a.Text, ar.P("verify.passed", "Chat", "Invite Test Group"))
	}
	approvedAtTelegram(t, srv, groupID, frank)

	srv.PushJoinRequest(groupID, gina, "")
	check = waitCheck(t, srv, gina)
	item, _, wrong := checkButton(t, ru, check)
	if want := ru.S("verify.check", "Chat", "Invite Test Group", "Item", text.M(item), "Wait", "5m", "Rules", rules); check.Text != want {
		t.Errorf("gina's check reads\n%q\nwant\n%q", check.Text, want)
	}
	if strings.ContainsAny(check.Text, fsi+pdi) {
		t.Errorf("isolates in the Russian check: %q", check.Text)
	}
	if a := h.press(gina, gina, check, 0, wrong); a.Text != ru.P("verify.failed", "Chat", "Invite Test Group") {
		t.Errorf("gina's press is answered %q, want %q", a.Text, ru.P("verify.failed", "Chat", "Invite Test Group"))
	}
	declinedAtTelegram(t, srv, gina)
}

// TestAnonymousAdminInGroupLanguage: the button an anonymous admin is asked
// to press, and the line that replaces it, are messages of the group, so
// they are in the group's /language (PRODUCT.md §8), not the default; the
// answer to the press is in the presser's own.
func TestAnonymousAdminInGroupLanguage(t *testing.T) {
	srv := newWorld(t)
	speaks(srv, daveUser, "de")
	h := start(t, srv, "")
	ru := catalogs(t).For("ru")
	h.ask(groupID, alice, "/language ru")
	_, id := srv.PushAnonymousAdminMessage(groupID, "/replies")
	srv.WaitFor(t, "the confirmation", func() bool { return len(h.repliesTo(groupID, id)) > 0 })
	confirm := h.repliesTo(groupID, id)[0]
	plainIs(t, "the confirmation", confirm, ru.P("confirm.ask"))
	if len(confirm.Buttons) != 1 || confirm.Buttons[0][0].Text != ru.P("confirm.button") {
		t.Fatalf("confirmation buttons = %+v, want %q", confirm.Buttons, ru.P("confirm.button"))
	}
	if a := h.press(dave, groupID, confirm, 0, 0); a.Text != catalogs(t).For("de").P("confirm.done") {
		t.Errorf("dave's press answered %q, want it in his German", a.Text)
	}
	srv.WaitFor(t, "the command's answer", func() bool { return len(h.repliesTo(groupID, id)) > 1 })
	for _, m := range srv.Messages(groupID) {
		if m.MessageID == confirm.MessageID && (!m.Edited || m.PlainText != ru.P("confirm.by", "Name", "@dave_owner")) {
			t.Errorf("the confirmation after the press reads %q, want %q", m.PlainText, ru.P("confirm.by", "Name", "@dave_owner"))
		}
	}
}
