package middleware_test

import (
	"context"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/middleware"
	"github.com/invitebot/invitebot/store"
)

const (
	owner   int64 = 5000000009
	channel int64 = -1009876543210
	demoted int64 = -1005555555555 // the bot was an admin; now a member
)

// chatStore is a ChatStore in memory.
type chatStore struct {
	chats  []store.Chat
	chosen map[int64]int64
}

func (s *chatStore) Chat(_ context.Context, id int64) (store.Chat, error) {
	for _, c := range s.chats {
		if c.ID == id {
			return c, nil
		}
	}
	return store.Chat{}, store.ErrNotFound
}

func (s *chatStore) ChatByUsername(_ context.Context, name string) (store.Chat, error) {
	for _, c := range s.chats {
		if c.Username != "" && strings.EqualFold(c.Username, name) {
			return c, nil
		}
	}
	return store.Chat{}, store.ErrNotFound
}

func (s *chatStore) AdministeredChats(context.Context) ([]store.Chat, error) {
	var out []store.Chat
	for _, c := range s.chats {
		if c.Administered() {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *chatStore) ChosenChat(_ context.Context, user int64) (int64, error) {
	if id, ok := s.chosen[user]; ok {
		return id, nil
	}
	return 0, store.ErrNotFound
}

func setupPrivate(t *testing.T) (*bottest.Server, *bot.Client, *middleware.Private) {
	t.Helper()
	srv, c := setup(t)
	srv.AddUser(bottest.User{ID: owner, FirstName: "Owner"})
	srv.AddChat(bottest.Chat{ID: channel, Type: "channel", Title: "Chan", UserName: "chan"})
	srv.SetMember(channel, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	srv.SetMember(channel, admin, bottest.Member{Status: "administrator", CanInviteUsers: true})
	st := &chatStore{
		chats: []store.Chat{
			{ID: group, Type: "supergroup", Title: "G", BotStatus: "administrator", BotCanInvite: true},
			{ID: channel, Type: "channel", Title: "Chan", Username: "chan", BotStatus: "administrator", BotCanInvite: true},
			{ID: demoted, Type: "supergroup", Title: "Old", Username: "old", BotStatus: "member"},
		},
		chosen: map[int64]int64{admin: group, noRight: group},
	}
	return srv, c, middleware.NewPrivate(middleware.NewAdmins(c, 0, nil), st, []int64{owner})
}

func TestSplitChat(t *testing.T) {
	for _, tc := range []struct {
		args       string
		rule       middleware.PrefixRule
		chat, rest string
		ok         bool
	}{
		{"@chan Partners limit=10", middleware.ChatFirst, "@chan", "Partners limit=10", true},
		{"-1001234567890", middleware.ChatFirst, "-1001234567890", "", true},
		{"  -42   all ", middleware.ChatFirst, "-42", "all", true},
		{"all", middleware.ChatFirst, "", "all", false},
		{"", middleware.ChatFirst, "", "", false},
		{"@ x", middleware.ChatFirst, "", "@ x", false},
		{"5000000001", middleware.ChatFirst, "", "5000000001", false}, // a user's ID
		{"-12x", middleware.ChatFirst, "", "-12x", false},
		{"#3 limit=5", middleware.ChatFirst, "", "#3 limit=5", false},
		{"@bob", middleware.ChatBeforeArg, "", "@bob", false},
		{"@chan @bob", middleware.ChatBeforeArg, "@chan", "@bob", true},
		{"-1001234567890 all", middleware.ChatBeforeArg, "-1001234567890", "all", true},
	} {
		chat, rest, ok := middleware.SplitChat(tc.args, tc.rule)
		if chat != tc.chat || rest != tc.rest || ok != tc.ok {
			t.Errorf("SplitChat(%q, %v) = %q, %q, %v; want %q, %q, %v", tc.args, tc.rule, chat, rest, ok, tc.chat, tc.rest, tc.ok)
		}
	}
}

func TestTarget(t *testing.T) {
	_, _, p := setupPrivate(t)
	ctx := context.Background()
	user := func(id int64) tgbotapi.User { return tgbotapi.User{ID: id, FirstName: "U"} }
	for _, tc := range []struct {
		name    string
		user    int64
		ref     string
		chat    int64
		refusal string
	}{
		{"owner, by username", owner, "@CHAN", channel, ""},
		{"owner, by ID", owner, "-1001234567890", group, ""},
		{"channel admin", admin, "@chan", channel, ""},
		{"group creator", creator, "-1001234567890", group, ""},
		{"admin without the right", noRight, "-1001234567890", 0, "without the “Invite users via link” right"},
		{"member", member, "-1001234567890", 0, "I can't act on that chat for you"},
		{"not in the channel", creator, "@chan", 0, "I can't act on that chat for you"},
		{"owner, chat the bot no longer administers", owner, "@old", 0, "I can't act on that chat for you"},
		{"owner, unknown chat", owner, "@nosuchchat", 0, "I can't act on that chat for you"},
		{"unknown ID", member, "-100999", 0, "I can't act on that chat for you"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acc, refusal, err := p.Target(ctx, user(tc.user), tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			if tc.refusal == "" && (refusal != "" || acc.Chat.ID != tc.chat || acc.User.ID != tc.user) {
				t.Errorf("Target = %+v, %q; want chat %d", acc, refusal, tc.chat)
			}
			if tc.refusal != "" && !strings.Contains(refusal, tc.refusal) {
				t.Errorf("refusal %q, want %q", refusal, tc.refusal)
			}
		})
	}
	// A stranger learns nothing: the same refusal for a real and a made-up chat.
	_, real, _ := p.Target(ctx, user(member), "-1001234567890")
	_, fake, _ := p.Target(ctx, user(member), "-1001111111111")
	_, fakeName, _ := p.Target(ctx, user(member), "@nosuchchat")
	if real != fake || real != fakeName {
		t.Errorf("refusals differ: %q, %q, %q", real, fake, fakeName)
	}
}

func TestManageable(t *testing.T) {
	srv, _, p := setupPrivate(t)
	ctx := context.Background()
	ids := func(chats []store.Chat) []int64 {
		var out []int64
		for _, c := range chats {
			out = append(out, c.ID)
		}
		return out
	}
	chats, more, err := p.Manageable(ctx, owner)
	if err != nil || more || len(chats) != 2 {
		t.Errorf("owner's chats = %v, %v, %v; want the two the bot administers", ids(chats), more, err)
	}
	if n := len(srv.CallsTo("getChatMember")); n != 0 {
		t.Errorf("the owner's /chats made %d getChatMember calls", n)
	}
	chats, _, _ = p.Manageable(ctx, admin)
	if got := ids(chats); len(got) != 2 {
		t.Errorf("admin's chats = %v, want both", got)
	}
	chats, _, _ = p.Manageable(ctx, creator)
	if got := ids(chats); len(got) != 1 || got[0] != group {
		t.Errorf("creator's chats = %v, want the group only", got)
	}
	if chats, _, _ := p.Manageable(ctx, member); len(chats) != 0 {
		t.Errorf("member's chats = %v, want none", ids(chats))
	}
}

func TestPrivateRequire(t *testing.T) {
	srv, _, p := setupPrivate(t)
	srv.AddUser(bottest.User{ID: 5000000011, FirstName: "New"})
	type seen struct {
		acc  middleware.Access
		args string
	}
	var got *seen
	h := p.Require(middleware.ChatFirst)(func(ctx context.Context, _ *tgbotapi.Update) error {
		acc, _ := middleware.AccessFrom(ctx)
		cmd, _ := bot.CommandFrom(ctx)
		got = &seen{acc, cmd.Args}
		return nil
	})
	private := func(from int64, args string) error {
		got = nil
		srv.StartPrivateChat(from) // the update is handed straight to h: the fake must know the user wrote to the bot
		u := &tgbotapi.Update{Message: &tgbotapi.Message{MessageID: 1, Chat: &tgbotapi.Chat{ID: from, Type: "private"}, From: &tgbotapi.User{ID: from, FirstName: "U"}}}
		return h(bot.WithCommand(context.Background(), bot.Command{Name: "createlink", Args: args}), u)
	}

	if err := private(owner, "@chan Partners limit=10"); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.acc.Chat.ID != channel || got.acc.Chat.Title != "Chan" || got.acc.User.ID != owner || got.args != "Partners limit=10" {
		t.Errorf("owner with a CHAT prefix: %+v", got)
	}
	if err := private(admin, "Partners"); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.acc.Chat.ID != group || got.args != "Partners" {
		t.Errorf("admin with a chosen chat: %+v", got)
	}
	for _, tc := range []struct {
		from int64
		args string
		want string
	}{
		{5000000011, "Partners", "Say which chat"},
		{member, "@chan x", "I can't act on that chat for you"},
		{noRight, "x", "without the “Invite users via link” right"},
	} {
		n := len(srv.Messages(tc.from))
		if err := private(tc.from, tc.args); err != nil {
			t.Fatal(err)
		}
		if got != nil {
			t.Errorf("%d %q reached the handler", tc.from, tc.args)
		}
		msgs := srv.Messages(tc.from)
		if len(msgs) != n+1 || !strings.Contains(msgs[n].PlainText, tc.want) {
			t.Errorf("%d %q: replies %+v, want %q", tc.from, tc.args, msgs[n:], tc.want)
		}
	}
	// No sender: nothing happens.
	u := &tgbotapi.Update{Message: &tgbotapi.Message{MessageID: 1, Chat: &tgbotapi.Chat{ID: owner, Type: "private"}}}
	if err := h(context.Background(), u); err != nil || got != nil {
		t.Errorf("an update without a sender: %v, %+v", err, got)
	}
}

func TestRequireButton(t *testing.T) {
	srv, _, p := setupPrivate(t)
	var ran []middleware.Access
	h := p.RequireButton(func(data string) (int64, bool) {
		id, ok := map[string]int64{"g": group, "c": channel}[data]
		return id, ok
	})(func(ctx context.Context, u *tgbotapi.Update) error {
		acc, _ := middleware.AccessFrom(ctx)
		ran = append(ran, acc)
		return nil
	})
	// press runs h for a press by from under a message in where, and
	// returns whether the handler ran and the alert shown, if any. The fake
	// server refuses answers to queries it did not send, but records them.
	press := func(from int64, where tgbotapi.Chat, data string) (bool, string) {
		t.Helper()
		n, answers := len(ran), len(srv.CallsTo("answerCallbackQuery"))
		u := &tgbotapi.Update{CallbackQuery: &tgbotapi.CallbackQuery{ID: "q", From: &tgbotapi.User{ID: from, FirstName: "U"},
			Message: &tgbotapi.Message{MessageID: 1, Chat: &where}, Data: data}}
		_ = h(context.Background(), u)
		alert := ""
		if calls := srv.CallsTo("answerCallbackQuery"); len(calls) > answers {
			if calls[len(calls)-1].Params["show_alert"] != "true" {
				t.Errorf("a refusal is not an alert: %v", calls[len(calls)-1].Params)
			}
			alert = calls[len(calls)-1].Params["text"]
		}
		return len(ran) > n, alert
	}
	inGroup := tgbotapi.Chat{ID: group, Type: "supergroup"}
	privateOf := func(id int64) tgbotapi.Chat { return tgbotapi.Chat{ID: id, Type: "private"} }
	for _, tc := range []struct {
		name  string
		from  int64
		where tgbotapi.Chat
		data  string
		alert string // "" means the handler runs
	}{
		{"admin in the group", admin, inGroup, "g", ""},
		{"member in the group", member, inGroup, "g", "Only the chat's creator and admins"},
		{"admin without the right in the group", noRight, inGroup, "g", "without the “Invite users via link” right"},
		{"owner in the group, not an admin there", owner, inGroup, "g", "Only the chat's creator and admins"},
		{"data for another chat under a group message", admin, inGroup, "c", "no longer works"},
		{"owner in private", owner, privateOf(owner), "c", ""},
		{"channel admin in private", admin, privateOf(admin), "c", ""},
		{"member in private", member, privateOf(member), "g", "You can't manage that chat through me."},
		{"unknown data", admin, inGroup, "zzz", "no longer works"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			didRun, alert := press(tc.from, tc.where, tc.data)
			if tc.alert == "" && (!didRun || alert != "") {
				t.Errorf("ran %v, alert %q; want the handler to run", didRun, alert)
			}
			if tc.alert != "" && (didRun || !strings.Contains(alert, tc.alert)) {
				t.Errorf("ran %v, alert %q; want the alert %q", didRun, alert, tc.alert)
			}
		})
	}
	if len(ran) != 3 || ran[0].Chat.ID != group || ran[1].Chat.ID != channel || ran[1].User.ID != owner {
		t.Errorf("accesses = %+v", ran)
	}
}
