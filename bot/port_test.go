package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
)

func TestTypedLinkCalls(t *testing.T) {
	srv := world(t)
	c := newClient(t, srv, bot.ClientConfig{})
	ctx := context.Background()
	expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	l, err := c.CreateLink(ctx, chatA, bot.LinkSpec{Name: "Partners", ExpiresAt: expires, MemberLimit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if l.URL == "" || l.Name != "Partners" || !l.ExpiresAt.Equal(expires) || l.MemberLimit != 5 || l.JoinRequest || l.Revoked {
		t.Errorf("CreateLink = %+v", l)
	}
	// An edit sends every setting: the expiry and the limit go, the name stays.
	e, err := c.EditLink(ctx, chatA, l.URL, bot.LinkSpec{Name: "Partners", JoinRequest: true})
	if err != nil {
		t.Fatal(err)
	}
	if e.URL != l.URL || e.Name != "Partners" || !e.ExpiresAt.IsZero() || e.MemberLimit != 0 || !e.JoinRequest {
		t.Errorf("EditLink = %+v", e)
	}
	got := srv.InviteLinks(chatA)
	if len(got) != 1 || got[0].ExpireDate != 0 || got[0].MemberLimit != 0 || !got[0].CreatesJoinRequest {
		t.Errorf("Telegram's link after the edit = %+v", got)
	}
	r, err := c.RevokeLink(ctx, chatA, l.URL)
	if err != nil || !r.Revoked {
		t.Errorf("RevokeLink = %+v, %v", r, err)
	}
	url, err := c.ExportLink(ctx, chatA)
	if err != nil || url == "" {
		t.Errorf("ExportLink = %q, %v", url, err)
	}
	if _, err := c.EditLink(ctx, chatA, "https://t.me/+NotThisBots1234", bot.LinkSpec{}); !errors.Is(err, bot.ErrLinkGone) && !errors.Is(err, bot.ErrRefused) {
		t.Errorf("EditLink of an unknown link = %v", err)
	}
	m, err := c.Member(ctx, chatA, srv.Bot().ID)
	if err != nil || m.Status != "administrator" || !m.CanInviteUsers {
		t.Errorf("Member(bot) = %+v, %v", m, err)
	}
}

func TestTypedMessageCalls(t *testing.T) {
	srv := world(t)
	c := newClient(t, srv, bot.ClientConfig{})
	ctx := context.Background()
	id, err := c.Send(ctx, bot.Outgoing{ChatID: chatA, Text: "<b>hi</b> &amp; bye", Buttons: [][]bot.Button{
		{{Text: "Press", Data: "x:1"}, {Text: "Open", URL: "https://t.me/invite_test_bot?start=abc"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages(chatA)
	if len(msgs) != 1 || msgs[0].PlainText != "hi & bye" || len(msgs[0].Buttons) != 1 || len(msgs[0].Buttons[0]) != 2 {
		t.Fatalf("sent %+v", msgs)
	}
	if err := c.Edit(ctx, chatA, id, "changed", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Edit(ctx, chatA, id, "changed", nil); err != nil {
		t.Errorf("an edit that changes nothing = %v, want nil", err)
	}
	if err := c.EditButtons(ctx, chatA, id, [][]bot.Button{{{Text: "Done", Data: "x:2"}}}); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(chatA)[0]; m.PlainText != "changed" || len(m.Buttons) != 1 || m.Buttons[0][0].Text != "Done" {
		t.Errorf("after the edits: %+v", m)
	}
	if err := c.Edit(ctx, chatA, 99999, "x", nil); !errors.Is(err, bot.ErrMessageGone) {
		t.Errorf("Edit of a missing message = %v, want ErrMessageGone", err)
	}
	if _, err := c.Send(ctx, bot.Outgoing{ChatID: chatA, Text: "x", Buttons: [][]bot.Button{{{Text: "both", Data: "d", URL: "https://t.me/x"}}}}); err == nil {
		t.Errorf("a button with both data and a URL was sent")
	}
}

func TestRefusalsBecomeSentinels(t *testing.T) {
	tests := []struct {
		method string
		reply  bottest.Reply
		call   func(ctx context.Context, c *bot.Client) error
		want   error
	}{
		{"createChatInviteLink", bottest.ErrorReply(400, "Bad Request: not enough rights to manage chat invite link"),
			func(ctx context.Context, c *bot.Client) error {
				_, err := c.CreateLink(ctx, chatA, bot.LinkSpec{})
				return err
			}, bot.ErrNoRights},
		{"createChatInviteLink", bottest.ErrorReply(403, "Forbidden: bot was kicked from the supergroup chat"),
			func(ctx context.Context, c *bot.Client) error {
				_, err := c.CreateLink(ctx, chatA, bot.LinkSpec{})
				return err
			}, bot.ErrNoRights},
		{"revokeChatInviteLink", bottest.ErrorReply(400, "Bad Request: INVITE_HASH_EXPIRED"),
			func(ctx context.Context, c *bot.Client) error {
				_, err := c.RevokeLink(ctx, chatA, "https://t.me/+x")
				return err
			}, bot.ErrLinkGone},
		{"approveChatJoinRequest", bottest.ErrorReply(400, "Bad Request: HIDE_REQUESTER_MISSING"),
			func(ctx context.Context, c *bot.Client) error { return c.ApproveRequest(ctx, chatA, user) }, bot.ErrRequestGone},
		{"declineChatJoinRequest", bottest.ErrorReply(400, "Bad Request: USER_ALREADY_PARTICIPANT"),
			func(ctx context.Context, c *bot.Client) error { return c.DeclineRequest(ctx, chatA, user) }, bot.ErrRequestGone},
		{"sendMessage", bottest.ErrorReply(403, "Forbidden: bot can't initiate conversation with a user"),
			func(ctx context.Context, c *bot.Client) error {
				_, err := c.Send(ctx, bot.Outgoing{ChatID: user, Text: "x"})
				return err
			}, bot.ErrBlocked},
		{"sendMessage", bottest.ErrorReply(403, "Forbidden: bot was blocked by the user"),
			func(ctx context.Context, c *bot.Client) error {
				_, err := c.Send(ctx, bot.Outgoing{ChatID: user, Text: "x"})
				return err
			}, bot.ErrBlocked},
		{"getChatMember", bottest.ErrorReply(400, "Bad Request: chat not found"),
			func(ctx context.Context, c *bot.Client) error { _, err := c.Member(ctx, chatA, user); return err }, bot.ErrChatNotFound},
		{"answerCallbackQuery", bottest.ErrorReply(400, "Bad Request: query is too old and response timeout expired or query ID is invalid"),
			func(ctx context.Context, c *bot.Client) error { return c.AnswerButton(ctx, "q", "", false) }, bot.ErrQueryGone},
		{"createChatInviteLink", bottest.ErrorReply(400, "Bad Request: EXPIRE_DATE_INVALID"),
			func(ctx context.Context, c *bot.Client) error {
				_, err := c.CreateLink(ctx, chatA, bot.LinkSpec{})
				return err
			}, bot.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+string(tt.reply.Body), func(t *testing.T) {
			srv := world(t)
			c := newClient(t, srv, bot.ClientConfig{})
			srv.FailNext(tt.method, tt.reply)
			err := tt.call(context.Background(), c)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			var apiErr *tgbotapi.Error
			if !errors.As(err, &apiErr) {
				t.Errorf("Telegram's error is not kept in the chain: %v", err)
			}
		})
	}
}

// TestGuardCalls: a guard bot's answers to join request queries reach
// Telegram, and a second or late answer is ErrQueryGone.
func TestGuardCalls(t *testing.T) {
	me := bottest.NewServer(t).Bot()
	me.SupportsJoinRequestQueries = true
	srv := bottest.NewServer(t, bottest.WithBot(me))
	srv.AddUser(bottest.User{ID: user, FirstName: "Alice"})
	srv.AddUser(bottest.User{ID: user + 1, FirstName: "Bob"})
	srv.AddChat(bottest.Chat{ID: chatA, Type: "supergroup", Title: "G"})
	srv.SetMember(chatA, me.ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	srv.SetGuardBot(chatA, true)
	c := newClient(t, srv, bot.ClientConfig{})
	ctx := context.Background()

	srv.PushJoinRequest(chatA, user, "")
	srv.PushJoinRequest(chatA, user+1, "")
	qs := srv.JoinRequestQueries()
	if len(qs) != 2 {
		t.Fatalf("queries = %+v", qs)
	}
	if err := c.AnswerJoinQuery(ctx, qs[0].ID, bot.JoinApprove); err != nil {
		t.Fatal(err)
	}
	if m := srv.Member(chatA, user); m.Status != "member" {
		t.Errorf("after approve, Alice is %q", m.Status)
	}
	if err := c.AnswerJoinQuery(ctx, qs[0].ID, bot.JoinDecline); !errors.Is(err, bot.ErrQueryGone) {
		t.Errorf("a second answer = %v, want ErrQueryGone", err)
	}
	if err := c.ShowJoinWebApp(ctx, qs[1].ID, "http://example.com/verify"); !errors.Is(err, bot.ErrRefused) {
		t.Errorf("a Mini App that is not https = %v, want ErrRefused", err)
	}
	if err := c.ShowJoinWebApp(ctx, qs[1].ID, "https://example.com/verify/x"); err != nil {
		t.Fatal(err)
	}
	if got := srv.JoinRequestQueries()[1]; got.WebAppURL != "https://example.com/verify/x" || got.Result != "" {
		t.Errorf("after the Mini App: %+v", got)
	}
	if err := c.AnswerJoinQuery(ctx, qs[1].ID, bot.JoinQueue); err != nil {
		t.Errorf("the answer after a Mini App = %v", err)
	}
}
