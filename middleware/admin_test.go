package middleware_test

import (
	"context"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/middleware"
)

const (
	group   int64 = -1001234567890
	creator int64 = 5000000004
	admin   int64 = 5000000001
	noRight int64 = 5000000003
	member  int64 = 5000000002
	gone    int64 = 5000000005
)

// clock is a settable time for the cache.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func setup(t *testing.T) (*bottest.Server, *bot.Client) {
	t.Helper()
	srv := bottest.NewServer(t)
	srv.AddChat(bottest.Chat{ID: group, Type: "supergroup", Title: "G"})
	for id, m := range map[int64]bottest.Member{
		creator: {Status: "creator"},
		admin:   {Status: "administrator", CanInviteUsers: true},
		noRight: {Status: "administrator"},
		member:  {Status: "member"},
	} {
		srv.AddUser(bottest.User{ID: id, FirstName: "U"})
		srv.SetMember(group, id, m)
	}
	srv.AddUser(bottest.User{ID: gone, FirstName: "Gone"})
	srv.SetMember(group, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	c, err := bot.NewClient(context.Background(), bot.ClientConfig{Token: srv.Token(), APIURL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestCheckVerdicts(t *testing.T) {
	_, c := setup(t)
	a := middleware.NewAdmins(c, 0, nil)
	for user, want := range map[int64]middleware.Verdict{
		creator: middleware.CanInvite,
		admin:   middleware.CanInvite,
		noRight: middleware.AdminWithoutRight,
		member:  middleware.NotAdmin,
		gone:    middleware.NotAdmin,
	} {
		got, err := a.Check(context.Background(), group, user)
		if err != nil || got != want {
			t.Errorf("Check(%d) = %v, %v; want %v", user, got, err, want)
		}
	}
}

func TestCheckCache(t *testing.T) {
	srv, c := setup(t)
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a := middleware.NewAdmins(c, time.Minute, clk.Now)
	calls := func() int { return len(srv.CallsTo("getChatMember")) }
	ctx := context.Background()

	a.Check(ctx, group, admin)
	a.Check(ctx, group, admin)
	if calls() != 1 {
		t.Fatalf("%d getChatMember calls for two checks within the lifetime, want 1", calls())
	}
	clk.Add(59 * time.Second)
	a.Check(ctx, group, admin)
	if calls() != 1 {
		t.Errorf("cache expired early")
	}
	clk.Add(time.Second)
	a.Check(ctx, group, admin)
	if calls() != 2 {
		t.Errorf("cache outlived its lifetime")
	}

	// Demoted: a chat_member update makes the router call Forget.
	srv.SetMember(group, admin, bottest.Member{Status: "member"})
	if v, _ := a.Check(ctx, group, admin); v != middleware.CanInvite {
		t.Fatalf("cached answer not used")
	}
	a.Forget(group, admin)
	if v, _ := a.Check(ctx, group, admin); v != middleware.NotAdmin {
		t.Errorf("after Forget the demoted admin is still %v", v)
	}
}

func TestRequireIgnoresUpdatesWithoutSender(t *testing.T) {
	srv, c := setup(t)
	a := middleware.NewAdmins(c, 0, nil)
	ran := false
	h := a.Require()(func(context.Context, *tgbotapi.Update) error { ran = true; return nil })
	chat := &tgbotapi.Chat{ID: group, Type: "supergroup"}
	for _, u := range []*tgbotapi.Update{
		{},
		{Message: &tgbotapi.Message{MessageID: 1}},                                                        // no chat
		{Message: &tgbotapi.Message{MessageID: 1, Chat: chat}},                                            // no sender at all
		{Message: &tgbotapi.Message{MessageID: 1, Chat: &tgbotapi.Chat{ID: -100, Type: "channel"}}},       // a channel
		{Message: &tgbotapi.Message{MessageID: 1, Chat: chat, From: &tgbotapi.User{ID: 42, IsBot: true}}}, // another bot
		{CallbackQuery: &tgbotapi.CallbackQuery{ID: "q", From: &tgbotapi.User{ID: admin}}},                // not a message
	} {
		if err := h(context.Background(), u); err != nil {
			t.Errorf("Require(%+v) = %v", u, err)
		}
	}
	if ran {
		t.Error("the command ran for an update without a sender")
	}
	if n := len(srv.Calls()) - 1; n != 0 { // getMe
		t.Errorf("%d calls for updates without a sender", n)
	}
}

func TestRequirePutsAccess(t *testing.T) {
	_, c := setup(t)
	a := middleware.NewAdmins(c, 0, nil)
	var got middleware.Access
	h := a.Require()(func(ctx context.Context, _ *tgbotapi.Update) error {
		got, _ = middleware.AccessFrom(ctx)
		return nil
	})
	u := &tgbotapi.Update{Message: &tgbotapi.Message{MessageID: 1, Chat: &tgbotapi.Chat{ID: group, Type: "supergroup"}, From: &tgbotapi.User{ID: creator}}}
	if err := h(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if got.Chat.ID != group || got.User.ID != creator {
		t.Errorf("Access = %+v", got)
	}
}
