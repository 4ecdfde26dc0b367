package bot_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
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

// pngOf is a w×h PNG image.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestTypedFileCalls: documents and photos go as multipart bodies that
// the fake checks against the spec, and come back as sent.
func TestTypedFileCalls(t *testing.T) {
	srv := world(t)
	c := newClient(t, srv, bot.ClientConfig{})
	ctx := context.Background()
	csv := []byte("number,name\r\n1,Partners\r\n")
	id, err := c.SendDocument(ctx, bot.Outgoing{ChatID: chatA, Text: "<b>Links</b> &amp; joins"}, bot.File{Name: "links.csv", Data: csv})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.Messages(chatA)[0]
	if m.MessageID != id || m.Document == nil || m.Document.Name != "links.csv" || m.Document.MIMEType != "text/csv" ||
		!bytes.Equal(m.Document.Data, csv) || m.PlainText != "Links & joins" {
		t.Errorf("the document as Telegram has it: %+v", m)
	}
	pic := pngOf(t, 1280, 720)
	id, err = c.SendPhoto(ctx, bot.Outgoing{ChatID: chatA, Text: "chart", ReplyTo: id}, bot.File{Name: "chart.png", Data: pic})
	if err != nil {
		t.Fatal(err)
	}
	m = srv.Messages(chatA)[1]
	if m.MessageID != id || m.Photo == nil || m.Photo.Width != 1280 || m.Photo.Height != 720 || !bytes.Equal(m.Photo.Data, pic) || m.ReplyTo == 0 {
		t.Errorf("the photo as Telegram has it: %+v", m)
	}
	// A caption-less document has no parse mode either.
	if _, err := c.SendDocument(ctx, bot.Outgoing{ChatID: chatA}, bot.File{Name: "x.csv", Data: csv}); err != nil {
		t.Fatal(err)
	}
	// Refusals are the sentinels; a photo Telegram can't read is refused.
	srv.FailNext("sendDocument", bottest.ErrorReply(400, "Bad Request: need administrator rights in the channel chat"))
	if _, err := c.SendDocument(ctx, bot.Outgoing{ChatID: chatA}, bot.File{Name: "x.csv", Data: csv}); !errors.Is(err, bot.ErrNoRights) {
		t.Errorf("a refused document: %v", err)
	}
	if _, err := c.SendPhoto(ctx, bot.Outgoing{ChatID: chatA}, bot.File{Name: "x.png", Data: []byte("not an image")}); !errors.Is(err, bot.ErrRefused) {
		t.Errorf("a photo that is no image: %v", err)
	}
}

// TestFilesRetriedAndPaced: an upload meets a 429 as any message does
// (waited out, then sent again, whole), and is paced with the messages.
func TestFilesRetriedAndPaced(t *testing.T) {
	srv := world(t)
	per := 300 * time.Millisecond
	c := newClient(t, srv, bot.ClientConfig{Pace: bot.PaceLimits{Global: bot.Window{N: 100, Per: time.Second}, Chat: bot.Window{N: 1, Per: per}}})
	ctx := context.Background()
	srv.FailNext("sendDocument", bottest.RetryAfterReply(1))
	csv := []byte("a,b\r\n")
	if _, err := c.SendDocument(ctx, bot.Outgoing{ChatID: chatA}, bot.File{Name: "a.csv", Data: csv}); err != nil {
		t.Fatalf("a document after a 429: %v", err)
	}
	if calls := srv.CallsTo("sendDocument"); len(calls) != 2 || calls[1].At.Sub(calls[0].At) < time.Second {
		t.Errorf("sendDocument calls after a 429: %+v", calls)
	}
	if d := srv.Messages(chatA)[0].Document; d == nil || !bytes.Equal(d.Data, csv) {
		t.Errorf("the document sent again: %+v", d)
	}
	if _, err := c.SendPhoto(ctx, bot.Outgoing{ChatID: chatA}, bot.File{Name: "p.png", Data: pngOf(t, 10, 10)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, bot.Outgoing{ChatID: chatA, Text: "after"}); err != nil {
		t.Fatal(err)
	}
	var at []time.Time
	for _, call := range srv.Calls() {
		if call.Status == 200 && (call.Method == "sendDocument" || call.Method == "sendPhoto" || call.Method == "sendMessage") {
			at = append(at, call.At)
		}
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < per-20*time.Millisecond {
			t.Errorf("sends %d and %d into one chat %v apart, paced at one per %v", i-1, i, gap, per)
		}
	}
}

// TestSubscriptionLinkCalls: channels only; a subscription link can be
// renamed; getChat tells the bot's primary link.
func TestSubscriptionLinkCalls(t *testing.T) {
	srv := world(t)
	const channel = -1009999
	srv.AddChat(bottest.Chat{ID: channel, Type: "channel", Title: "C"})
	srv.SetMember(channel, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	c := newClient(t, srv, bot.ClientConfig{})
	ctx := context.Background()
	l, err := c.CreateSubscriptionLink(ctx, channel, "VIP", 250)
	if err != nil {
		t.Fatal(err)
	}
	if l.URL == "" || l.Name != "VIP" || l.SubscriptionPrice != 250 || l.SubscriptionPeriod != 30*24*time.Hour {
		t.Errorf("CreateSubscriptionLink = %+v", l)
	}
	e, err := c.EditSubscriptionLink(ctx, channel, l.URL, "Gold")
	if err != nil || e.Name != "Gold" || e.SubscriptionPrice != 250 {
		t.Errorf("EditSubscriptionLink = %+v, %v", e, err)
	}
	if _, err := c.CreateSubscriptionLink(ctx, chatA, "VIP", 250); !errors.Is(err, bot.ErrRefused) {
		t.Errorf("a subscription link in a group: %v", err)
	}
	url, err := c.ExportLink(ctx, channel)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.PrimaryLink(ctx, channel); err != nil || got != url {
		t.Errorf("PrimaryLink = %q, %v; want %q", got, err, url)
	}
}
