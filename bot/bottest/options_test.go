package bottest

import (
	"encoding/json"
	"go/build"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// shopBot is a bot of another author's, as WithBot takes it.
var shopBot = User{ID: 7000000001, FirstName: "Shop", LastName: "Helper", UserName: "shop_helper_bot", SupportsJoinRequestQueries: true}

// TestWithBot: the server plays the bot it is given, in getMe, in its
// token, in privacy mode's reading of commands and as the creator of the
// links it makes.
func TestWithBot(t *testing.T) {
	srv := NewServer(t, WithBot(shopBot))
	if srv.Bot() != (User{ID: 7000000001, IsBot: true, FirstName: "Shop", LastName: "Helper", UserName: "shop_helper_bot", SupportsJoinRequestQueries: true}) {
		t.Errorf("Bot() = %+v", srv.Bot())
	}
	if want := "7000000001:" + strings.SplitN(DefaultToken, ":", 2)[1]; srv.Token() != want {
		t.Errorf("Token() = %q, want %q", srv.Token(), want)
	}
	_, _, body := post(t, srv, "getMe", nil)
	want := `{"ok":true,"result":{"id":7000000001,"is_bot":true,"first_name":"Shop","last_name":"Helper","username":"shop_helper_bot",` +
		`"can_join_groups":false,"can_read_all_group_messages":false,"supports_inline_queries":false,"supports_join_request_queries":true}}`
	if string(body) != want {
		t.Errorf("getMe = %s\nwant %s", body, want)
	}
	if resp, err := http.Get(srv.URL() + "/bot" + DefaultToken + "/getMe"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the default token: %v %v, want 401", resp, err)
	} else {
		resp.Body.Close()
	}

	srv.AddUser(aliceUser)
	srv.AddChat(Chat{ID: group, Type: "supergroup", Title: "Shop"})
	srv.SetMember(group, alice, Member{Status: "creator"})
	if id, _ := srv.PushMessage(group, alice, "/price@invite_test_bot"); id != 0 {
		t.Errorf("a command for another bot reached the bot in privacy mode")
	}
	if id, _ := srv.PushMessage(group, alice, "/price@shop_helper_bot"); id == 0 {
		t.Errorf("a command for the bot did not reach it")
	}
	srv.SetMember(group, shopBot.ID, Member{Status: "administrator", CanInviteUsers: true})
	api := newBot(t, srv)
	if api.Self.ID != shopBot.ID || api.Self.UserName != "shop_helper_bot" {
		t.Errorf("tgbotapi sees %+v", api.Self)
	}
	link, err := api.GetInviteLink(tgbotapi.ChatInviteLinkConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group}})
	if err != nil {
		t.Fatal(err)
	}
	if l := srv.InviteLinks(group); len(l) != 1 || l[0].InviteLink != link || l[0].Creator.ID != shopBot.ID {
		t.Errorf("links = %+v", l)
	}
}

// TestWithToken: a token alone names the bot's ID; the token is the only
// one accepted.
func TestWithToken(t *testing.T) {
	const token = "123456789:Other-secret_0"
	srv := NewServer(t, WithToken(token))
	if b := srv.Bot(); b.ID != 123456789 || b.UserName != "invite_test_bot" || srv.Token() != token {
		t.Errorf("Bot() = %+v, Token() = %q", b, srv.Token())
	}
	var me struct{ ID int64 }
	json.Unmarshal(mustPost(t, srv, "getMe", nil), &me)
	if me.ID != 123456789 {
		t.Errorf("getMe id %d", me.ID)
	}
	both := NewServer(t, WithBot(shopBot), WithToken("7000000001:x"))
	if both.Bot().UserName != "shop_helper_bot" || both.Token() != "7000000001:x" {
		t.Errorf("Bot() = %+v, Token() = %q", both.Bot(), both.Token())
	}
}

// TestBadOptionsAreRefused: options that no Telegram bot could have fail
// the test, without quoting the token.
func TestBadOptionsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		want string
	}{
		{"username without bot", []Option{WithBot(User{ID: 1, FirstName: "x", UserName: "shopkeeper"})}, `ending in "bot"`},
		{"short username", []Option{WithBot(User{ID: 1, FirstName: "x", UserName: "bot"})}, "5-32"},
		{"username with a dash", []Option{WithBot(User{ID: 1, FirstName: "x", UserName: "my-bot"})}, "5-32"},
		{"no name", []Option{WithBot(User{ID: 1, UserName: "nameless_bot"})}, "FirstName"},
		{"no ID", []Option{WithBot(User{FirstName: "x", UserName: "zero_bot"})}, "positive ID"},
		{"token without ID", []Option{WithToken("SECRETsecret")}, "a token is"},
		{"token with a bad secret", []Option{WithToken("123:SECRET/secret")}, "a token is"},
		{"token of another bot", []Option{WithBot(shopBot), WithToken("123:SECRET")}, "belongs to bot 123, not to WithBot's 7000000001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			if srv := NewServer(rec, tc.opts...); srv != nil {
				t.Errorf("a server started")
			}
			f := rec.Fatals()
			if len(f) != 1 || !strings.Contains(f[0], tc.want) || strings.Contains(f[0], "SECRET") {
				t.Errorf("reported %q, want one report with %q and no token", f, tc.want)
			}
			if _, err := Start(Options{}, tc.opts...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestStartTakesOptions: Start plays the bot it is given, as NewServer.
func TestStartTakesOptions(t *testing.T) {
	srv, err := Start(Options{}, WithBot(shopBot))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if api := newBot(t, srv); api.Self.UserName != "shop_helper_bot" || srv.Bot().ID != shopBot.ID {
		t.Errorf("standalone server plays %+v", api.Self)
	}
}

// TestNoBotAPILibrary: bottest and its parts import no Bot API library,
// so that a bot written with any library (or none) can use it.
func TestNoBotAPILibrary(t *testing.T) {
	const mod = "github.com/invitebot/invitebot/"
	seen := map[string]bool{}
	var walk func(dir string)
	walk = func(dir string) {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range pkg.Imports {
			if strings.Contains(imp, "telegram") || strings.Contains(imp, "tgbot") {
				t.Errorf("%s imports %s", pkg.ImportPath, imp)
			}
			rel, ok := strings.CutPrefix(imp, mod+"bot/bottest/")
			if !ok {
				if strings.HasPrefix(imp, mod) {
					t.Errorf("%s imports %s, outside bottest", pkg.ImportPath, imp)
				}
				continue
			}
			if !seen[rel] {
				seen[rel] = true
				walk(filepath.FromSlash(rel))
			}
		}
	}
	walk(".")
	if !seen["internal/spec"] || !seen["internal/tghtml"] {
		t.Errorf("walked %v, want bottest's parts", seen)
	}
}
