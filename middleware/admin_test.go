package middleware_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/middleware"
)

func TestCheckVerdicts(t *testing.T) {
	a := middleware.NewAdmins(newFakeTG(), catalog, 0, nil)
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
	tg := newFakeTG()
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a := middleware.NewAdmins(tg, catalog, time.Minute, clk.Now)
	calls := func() int { return tg.count("member ") }
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
	tg.set(group, admin, bot.ChatMember{Status: "member"})
	if v, _ := a.Check(ctx, group, admin); v != middleware.CanInvite {
		t.Fatalf("cached answer not used")
	}
	a.Forget(group, admin)
	if v, _ := a.Check(ctx, group, admin); v != middleware.NotAdmin {
		t.Errorf("after Forget the demoted admin is still %v", v)
	}
}

func groupMessage(from *bot.User) *bot.Update {
	return &bot.Update{Kind: "message", Chat: &bot.Chat{ID: group, Type: "supergroup", Title: "G"}, From: from,
		Message: &bot.Message{ID: 1}, Command: &bot.Command{Name: "createlink"}}
}

func TestRequire(t *testing.T) {
	for _, tc := range []struct {
		name    string
		u       *bot.Update
		refusal string // "" and ran: let through
		ran     bool
	}{
		{"creator", groupMessage(&bot.User{ID: creator}), "", true},
		{"admin with the right", groupMessage(&bot.User{ID: admin}), "", true},
		{"admin without it", groupMessage(&bot.User{ID: noRight}), "without the “Invite users via link” right", false},
		{"member", groupMessage(&bot.User{ID: member}), "Only the chat's creator and admins", false},
		{"on behalf of a channel", func() *bot.Update {
			u := groupMessage(&bot.User{ID: bot.ChannelBotID, IsBot: true})
			u.Message.SenderChat = &bot.Chat{ID: channel, Type: "channel"}
			return u
		}(), "on behalf of a channel", false},
		{"in a private chat", &bot.Update{Kind: "message", Chat: &bot.Chat{ID: admin, Type: "private"}, From: &bot.User{ID: admin}, Message: &bot.Message{ID: 1}}, "works in a group", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := middleware.NewAdmins(newFakeTG(), catalog, 0, nil)
			var seen *bot.Update
			err := a.Require()(func(_ context.Context, u *bot.Update) error { seen = u; return nil })(context.Background(), tc.u)
			if got := refusal(err); !strings.Contains(got, tc.refusal) || (tc.refusal == "" && err != nil) {
				t.Errorf("Require = %v (%q), want %q", err, got, tc.refusal)
			}
			if (seen != nil) != tc.ran {
				t.Fatalf("the command ran: %v, want %v", seen != nil, tc.ran)
			}
			if seen != nil && (seen.Target.ID != group || seen.Actor.ID != tc.u.From.ID) {
				t.Errorf("Target %+v, Actor %+v", seen.Target, seen.Actor)
			}
		})
	}
}

func TestRequireIgnoresUpdatesWithoutSender(t *testing.T) {
	tg := newFakeTG()
	a := middleware.NewAdmins(tg, catalog, 0, nil)
	ran := false
	h := a.Require()(func(context.Context, *bot.Update) error { ran = true; return nil })
	chat := &bot.Chat{ID: group, Type: "supergroup"}
	for _, u := range []*bot.Update{
		{},
		{Kind: "message", Message: &bot.Message{ID: 1}},                                                   // no chat
		{Kind: "message", Message: &bot.Message{ID: 1}, Chat: chat},                                       // no sender at all
		{Kind: "message", Message: &bot.Message{ID: 1}, Chat: &bot.Chat{ID: -100, Type: "channel"}},       // a channel
		{Kind: "message", Message: &bot.Message{ID: 1}, Chat: chat, From: &bot.User{ID: 42, IsBot: true}}, // another bot
		{Kind: "callback_query", Callback: &bot.Callback{ID: "q"}, From: &bot.User{ID: admin}},            // not a message
	} {
		if err := h(context.Background(), u); err != nil {
			t.Errorf("Require(%+v) = %v", u, err)
		}
	}
	if ran {
		t.Error("the command ran for an update without a sender")
	}
	if len(tg.calls) != 0 {
		t.Errorf("calls for updates without a sender: %v", tg.calls)
	}
}

func TestAnonymousAdminConfirmation(t *testing.T) {
	tg := newFakeTG()
	a := middleware.NewAdmins(tg, catalog, 0, nil)
	var ran []*bot.Update
	h := a.Require()(func(_ context.Context, u *bot.Update) error { ran = append(ran, u); return nil })
	anon := groupMessage(&bot.User{ID: bot.GroupAnonymousBotID, IsBot: true, FirstName: "Group"})
	anon.Message.SenderChat = anon.Chat
	if err := h(context.Background(), anon); err != nil || len(ran) != 0 {
		t.Fatalf("anonymous admin: %v, ran %d", err, len(ran))
	}
	if len(tg.sent) != 1 || len(tg.sent[0].Buttons) != 1 || !strings.Contains(tg.sent[0].Text, "anonymous admin") {
		t.Fatalf("the confirmation asked: %+v", tg.sent)
	}
	data := tg.sent[0].Buttons[0][0].Data
	press := func(from int64) error {
		return a.Confirm(context.Background(), &bot.Update{Kind: "callback_query", Chat: anon.Chat, From: &bot.User{ID: from, FirstName: "P"},
			Callback: &bot.Callback{ID: "q", Data: data, Message: &bot.Message{ID: 2}}})
	}
	if err := press(member); !strings.Contains(refusal(err), "Only the chat's creator") || len(ran) != 0 {
		t.Errorf("a member's press: %v, ran %d", err, len(ran))
	}
	if err := press(admin); err != nil || len(ran) != 1 {
		t.Fatalf("an admin's press: %v, ran %d", err, len(ran))
	}
	if u := ran[0]; u.Actor.ID != admin || u.Target.ID != group || u.Message.SenderChat == nil || u.Command.Name != "createlink" {
		t.Errorf("the command ran as %+v", u)
	}
	if err := press(creator); err == nil || len(ran) != 1 {
		t.Errorf("a second press ran the command again: %v", err)
	}
}
