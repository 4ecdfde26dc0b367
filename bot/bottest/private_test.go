package bottest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

const cantInitiate = "Forbidden: bot can't initiate conversation with a user"

// TestBotCantWriteFirst: a private chat exists for the bot once the user
// wrote to it there; writing in a group does not count.
func TestBotCantWriteFirst(t *testing.T) {
	srv := newWorld(t)
	hi := map[string]string{"chat_id": id(alice), "text": "hi"}
	_, _, body := post(t, srv, "sendMessage", hi)
	if want := `{"ok":false,"error_code":403,"description":"` + cantInitiate + `"}`; string(body) != want {
		t.Errorf("sendMessage to a user who never started the bot = %s\nwant %s", body, want)
	}
	srv.PushMessage(group, alice, "/invite") // in the group: no private chat yet
	wantError(t, srv, "sendMessage", hi, 403, cantInitiate)
	if len(srv.Messages(alice)) != 0 {
		t.Errorf("a refused message was recorded")
	}

	srv.PushMessage(alice, alice, "hello bot")
	mustPost(t, srv, "sendMessage", hi)
	mustPost(t, srv, "sendChatAction", map[string]string{"chat_id": id(alice), "action": "typing"})
	if msgs := srv.Messages(alice); len(msgs) != 1 || msgs[0].Text != "hi" {
		t.Errorf("messages = %+v", msgs)
	}
	wantError(t, srv, "sendMessage", map[string]string{"chat_id": id(bob), "text": "hi"}, 403, cantInitiate)
}

// TestStartPrivateChat: a user who started the bot before the test can
// be written to, and nothing is pushed for it.
func TestStartPrivateChat(t *testing.T) {
	srv := newWorld(t)
	srv.StartPrivateChat(bob)
	if n := srv.Pending(); n != 0 {
		t.Errorf("%d updates pushed", n)
	}
	mustPost(t, srv, "sendMessage", map[string]string{"chat_id": id(bob), "text": "welcome back"})
	wantError(t, srv, "sendMessage", map[string]string{"chat_id": id(carol), "text": "hi"}, 403, cantInitiate)

	rec := newRecorder(t)
	other := newWorld(rec)
	other.StartPrivateChat(42)
	other.StartPrivateChat(group)
	if f := rec.Fatals(); len(f) != 2 || !strings.Contains(f[0], "StartPrivateChat: unknown user 42") {
		t.Errorf("reported %q", f)
	}
}

// TestBlockedBot: a user who blocks the bot can't be written to, and
// the bot hears of it with my_chat_member, as from Telegram; unblocking
// lets it write again.
func TestBlockedBot(t *testing.T) {
	srv := newWorld(t)
	srv.SetClock(func() time.Time { return time.Unix(1644677726, 0) })
	srv.PushMessage(alice, alice, "/start")
	mustPost(t, srv, "getUpdates", map[string]string{"offset": "2"}) // confirm it
	sent := mustPost(t, srv, "sendMessage", map[string]string{"chat_id": id(alice), "text": "hi"})
	var m struct {
		MessageID int64 `json:"message_id"`
	}
	json.Unmarshal(sent, &m)

	u := srv.PushBlock(alice)
	_, _, body := post(t, srv, "getUpdates", nil)
	bot := `{"id":6000000001,"is_bot":true,"first_name":"Invite Bot","username":"invite_test_bot"}`
	want := `{"ok":true,"result":[{"update_id":` + id(u) + `,"my_chat_member":{` +
		`"chat":{"id":5000000001,"first_name":"Alice","username":"alice_admin","type":"private"},` +
		`"from":{"id":5000000001,"is_bot":false,"first_name":"Alice","username":"alice_admin","language_code":"en"},"date":1644677726,` +
		`"old_chat_member":{"user":` + bot + `,"status":"member"},"new_chat_member":{"user":` + bot + `,"status":"kicked","until_date":0}}}]}`
	if string(body) != want {
		t.Errorf("block update = %s\nwant %s", body, want)
	}
	const blocked = "Forbidden: bot was blocked by the user"
	wantError(t, srv, "sendMessage", map[string]string{"chat_id": id(alice), "text": "hi again"}, 403, blocked)
	wantError(t, srv, "editMessageText", map[string]string{"chat_id": id(alice), "message_id": id(m.MessageID), "text": "edited"}, 403, blocked)
	if st := srv.Member(alice, srv.Bot().ID).Status; st != "kicked" {
		t.Errorf("the bot's status in the chat: %q", st)
	}

	rec := newRecorder(t)
	srv.t = rec
	srv.PushBlock(alice)
	srv.PushMessage(alice, alice, "can I write?")
	srv.PushUnblock(bob)
	srv.t = t
	if f := rec.Fatals(); len(f) != 3 || !strings.Contains(f[0], "blocked the bot already") ||
		!strings.Contains(f[1], "blocked the bot and can't write") || !strings.Contains(f[2], "user 5000000002 has not blocked the bot") {
		t.Errorf("reported %q", f)
	}

	u = srv.PushUnblock(alice)
	var ups []struct {
		UpdateID     int64 `json:"update_id"`
		MyChatMember struct {
			Old struct{ Status string } `json:"old_chat_member"`
			New struct{ Status string } `json:"new_chat_member"`
		} `json:"my_chat_member"`
	}
	json.Unmarshal(mustPost(t, srv, "getUpdates", map[string]string{"offset": id(u)}), &ups)
	if len(ups) != 1 || ups[0].MyChatMember.Old.Status != "kicked" || ups[0].MyChatMember.New.Status != "member" {
		t.Errorf("unblock updates = %+v", ups)
	}
	mustPost(t, srv, "sendMessage", map[string]string{"chat_id": id(alice), "text": "welcome back"})

	// A user who never started the bot may block it; unblocking does not
	// start the chat.
	srv.PushBlock(carol)
	wantError(t, srv, "sendMessage", map[string]string{"chat_id": id(carol), "text": "hi"}, 403, blocked)
	srv.PushUnblock(carol)
	wantError(t, srv, "sendMessage", map[string]string{"chat_id": id(carol), "text": "hi"}, 403, cantInitiate)
}

// TestPushDeepLink: a deep link starts the private chat with
// "/start PAYLOAD", unblocking the bot first if need be.
func TestPushDeepLink(t *testing.T) {
	srv := newWorld(t)
	payload := "verify_-1001234567890-" + strings.Repeat("x", 42) // 64 characters
	u, msgID := srv.PushDeepLink(bob, payload)
	us, err := newBot(t, srv).GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: messagesOnly})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].UpdateID != int(u) || us[0].Message.MessageID != msgID {
		t.Fatalf("updates = %+v", us)
	}
	m := us[0].Message
	if m.Chat.ID != bob || m.Chat.Type != "private" || m.From.ID != bob || m.Text != "/start "+payload ||
		m.Command() != "start" || m.CommandArguments() != payload || len(m.Entities) != 1 || m.Entities[0].Length != 6 {
		t.Errorf("message = %+v", m)
	}
	mustPost(t, srv, "sendMessage", map[string]string{"chat_id": id(bob), "text": "hello"})

	// Without a payload, as t.me/<bot> and Start; after a block, Restart.
	srv.PushBlock(carol)
	srv.PushDeepLink(carol, "")
	var got []struct {
		MyChatMember *struct {
			New struct{ Status string } `json:"new_chat_member"`
		} `json:"my_chat_member"`
		Message *struct{ Text string } `json:"message"`
	}
	json.Unmarshal(mustPost(t, srv, "getUpdates", map[string]string{"offset": id(u + 1), "allowed_updates": `["message","my_chat_member"]`}), &got)
	if len(got) != 3 || got[1].MyChatMember == nil || got[1].MyChatMember.New.Status != "member" || got[2].Message == nil || got[2].Message.Text != "/start" {
		t.Errorf("updates after Carol's block and restart = %+v", got)
	}
	mustPost(t, srv, "sendMessage", map[string]string{"chat_id": id(carol), "text": "hello"})

	rec := newRecorder(t)
	other := newWorld(rec)
	for _, bad := range []string{strings.Repeat("a", 65), "has space", "a+b", "ünï"} {
		other.PushDeepLink(alice, bad)
	}
	other.PushDeepLink(42, "x")
	if f := rec.Fatals(); len(f) != 5 || !strings.Contains(f[0], "no start parameter Telegram would send") || !strings.Contains(f[4], "unknown user 42") {
		t.Errorf("reported %q", f)
	}
	if other.Pending() != 0 {
		t.Errorf("refused deep links pushed updates")
	}
}

// TestJoinRequestOpensAWayIn: a join request's user_chat_id lets the bot
// write to a user who never started it, for 5 minutes on the server's
// clock; a new request opens the window again.
func TestJoinRequestOpensAWayIn(t *testing.T) {
	srv := newWorld(t)
	clock := newFakeClock(srv)
	hi := map[string]string{"chat_id": id(carol), "text": "Are you a person?"}
	wantError(t, srv, "sendMessage", hi, 403, cantInitiate)

	srv.PushJoinRequest(group, carol, "")
	var ups []struct {
		Request struct {
			UserChatID int64 `json:"user_chat_id"`
			From       struct{ ID int64 }
		} `json:"chat_join_request"`
	}
	json.Unmarshal(mustPost(t, srv, "getUpdates", nil), &ups)
	if len(ups) != 1 || ups[0].Request.UserChatID != carol || ups[0].Request.From.ID != carol {
		t.Fatalf("join request updates = %+v", ups)
	}
	mustPost(t, srv, "sendMessage", hi)
	clock.Advance(5*time.Minute - time.Second)
	mustPost(t, srv, "sendChatAction", map[string]string{"chat_id": id(carol), "action": "typing"})
	mustPost(t, srv, "sendMessage", hi)
	clock.Advance(time.Second)
	wantError(t, srv, "sendMessage", hi, 403, cantInitiate)
	wantError(t, srv, "sendChatAction", map[string]string{"chat_id": id(carol), "action": "typing"}, 403, cantInitiate)
	// The messages sent meanwhile can still be edited.
	mustPost(t, srv, "editMessageText", map[string]string{"chat_id": id(carol), "message_id": "1", "text": "Too late."})

	mustPost(t, srv, "declineChatJoinRequest", map[string]string{"chat_id": id(group), "user_id": id(carol)})
	srv.PushJoinRequest(group, carol, "")
	mustPost(t, srv, "sendMessage", hi)
	if n := len(srv.Messages(carol)); n != 3 {
		t.Errorf("%d messages to Carol, want 3", n)
	}
	// The window is Carol's alone.
	wantError(t, srv, "sendMessage", map[string]string{"chat_id": id(bob), "text": "hi"}, 403, cantInitiate)
}
