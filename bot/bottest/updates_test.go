package bottest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

var messagesOnly = []string{"message"}

func TestLongPollReturnsWhenAnUpdateArrives(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	type result struct {
		updates []tgbotapi.Update
		err     error
	}
	done := make(chan result, 1)
	go func() {
		u, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30, AllowedUpdates: messagesOnly})
		done <- result{u, err}
	}()
	srv.WaitFor(t, "the bot to long-poll", srv.Polling)
	select {
	case r := <-done:
		t.Fatalf("the poll returned before any update: %+v", r)
	default:
	}
	updateID, messageID := srv.PushMessage(alice, alice, "/start")
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.updates) != 1 || r.updates[0].UpdateID != int(updateID) || r.updates[0].Message.MessageID != messageID ||
		r.updates[0].Message.Command() != "start" {
		t.Errorf("updates = %+v", r.updates)
	}
	srv.WaitFor(t, "the poll to end", func() bool { return !srv.Polling() })
}

func TestLongPollTimeoutReturnsNothing(t *testing.T) {
	srv := NewServer(t)
	bot := newBot(t, srv)
	start := time.Now()
	u, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1, AllowedUpdates: messagesOnly})
	if err != nil || len(u) != 0 {
		t.Fatalf("GetUpdates = %v, %v; want no updates", u, err)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("returned after %v, want the 1s timeout", elapsed)
	}
}

func TestOffsetConfirmsUpdates(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	var ids []int
	for _, text := range []string{"/a", "/b", "/c"} {
		u, _ := srv.PushMessage(alice, alice, text)
		ids = append(ids, int(u))
	}
	get := func(bot *tgbotapi.BotAPI, offset int) []int {
		t.Helper()
		us, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, AllowedUpdates: messagesOnly})
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, u := range us {
			got = append(got, u.UpdateID)
		}
		return got
	}
	if got := get(bot, 0); !equalInts(got, ids) {
		t.Fatalf("first poll = %v, want %v", got, ids)
	}
	if got := get(bot, 0); !equalInts(got, ids) {
		t.Fatalf("unconfirmed updates must come back: %v", got)
	}
	if got := get(bot, ids[2]); !equalInts(got, ids[2:]) {
		t.Fatalf("offset %d: %v", ids[2], got)
	}
	if srv.Confirmed() != int64(ids[1]) || srv.Pending() != 1 {
		t.Errorf("Confirmed = %d, Pending = %d; want %d, 1", srv.Confirmed(), srv.Pending(), ids[1])
	}
	// A new session (a restarted bot) polling without an offset gets the
	// unconfirmed update again, and never the confirmed ones.
	if got := get(newBot(t, srv), 0); !equalInts(got, ids[2:]) {
		t.Errorf("new session: %v", got)
	}
	// An offset beyond the next update_id is ignored, as by the real server.
	if got := get(bot, ids[2]+5); !equalInts(got, ids[2:]) || srv.Confirmed() != int64(ids[1]) {
		t.Errorf("offset in the future: %v, Confirmed %d", got, srv.Confirmed())
	}
	if got := get(bot, ids[2]+1); len(got) != 0 || srv.Confirmed() != int64(ids[2]) || srv.Pending() != 0 {
		t.Errorf("all confirmed: %v, Confirmed %d, Pending %d", got, srv.Confirmed(), srv.Pending())
	}
	// A negative offset keeps only the last updates.
	for range 3 {
		srv.PushMessage(alice, alice, "/more")
	}
	if got := get(bot, -1); len(got) != 1 || got[0] != ids[2]+3 || srv.Confirmed() != int64(ids[2]+2) {
		t.Errorf("offset -1: %v, Confirmed %d", got, srv.Confirmed())
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLimit(t *testing.T) {
	srv := newWorld(t)
	for range 3 {
		srv.PushMessage(alice, alice, "hi")
	}
	var got []json.RawMessage
	json.Unmarshal(mustPost(t, srv, "getUpdates", map[string]string{"limit": "2"}), &got)
	if len(got) != 2 {
		t.Errorf("limit 2 gave %d updates", len(got))
	}
	json.Unmarshal(mustPost(t, srv, "getUpdates", map[string]string{"limit": "0"}), &got)
	if len(got) != 1 {
		t.Errorf("limit 0 (taken as 1) gave %d updates", len(got))
	}
}

func TestAllowedUpdates(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	kinds := func(raw json.RawMessage) []string {
		var us []map[string]json.RawMessage
		json.Unmarshal(raw, &us)
		var out []string
		for _, u := range us {
			for k := range u {
				if k != "update_id" {
					out = append(out, k)
				}
			}
		}
		return out
	}
	join := func() { srv.PushMemberChange(MemberChange{ChatID: group, UserID: bob, New: Member{Status: "member"}}) }
	leave := func() { srv.PushMemberChange(MemberChange{ChatID: group, UserID: bob, New: Member{Status: "left"}}) }

	// By default chat_member updates are not delivered (and are lost).
	join()
	srv.PushMessage(alice, alice, "/a")
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil { // allowed_updates=null changes nothing
		t.Fatal(err)
	}
	if got := kinds(mustPost(t, srv, "getUpdates", nil)); len(got) != 1 || got[0] != "message" {
		t.Fatalf("default: %v, want [message]", got)
	}
	mustPost(t, srv, "getUpdates", map[string]string{"offset": id(srv.lastID() + 1)})

	// Once asked for, they come; the setting persists across calls.
	mustPost(t, srv, "getUpdates", map[string]string{"allowed_updates": `["chat_member"]`})
	leave()
	srv.PushMessage(alice, alice, "/b")
	if got := kinds(mustPost(t, srv, "getUpdates", nil)); len(got) != 1 || got[0] != "chat_member" {
		t.Fatalf("after allowed_updates=[chat_member]: %v", got)
	}
	if got := srv.Pending(); got != 1 {
		t.Errorf("Pending = %d, want the chat_member update only", got)
	}

	// An empty list restores the default.
	mustPost(t, srv, "getUpdates", map[string]string{"allowed_updates": `[]`, "offset": id(srv.lastID() + 1)})
	join()
	srv.PushMessage(alice, alice, "/c")
	if got := kinds(mustPost(t, srv, "getUpdates", nil)); len(got) != 1 || got[0] != "message" {
		t.Errorf("after allowed_updates=[]: %v", got)
	}
}

func (s *Server) lastID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastUpdateID
}

func TestSecondPollerConflicts(t *testing.T) {
	srv := newWorld(t)
	poll := func(timeout string) chan string {
		out := make(chan string, 1)
		go func() {
			resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/getUpdates", url.Values{"timeout": {timeout}})
			if err != nil {
				out <- err.Error()
				return
			}
			defer resp.Body.Close()
			var b strings.Builder
			var env json.RawMessage
			json.NewDecoder(resp.Body).Decode(&env)
			b.Write(env)
			out <- b.String()
		}()
		return out
	}
	first := poll("30")
	srv.WaitFor(t, "the first poll", srv.Polling)
	second := poll("30")
	if got := <-first; got != fixture(t, "error.getUpdates_conflict.json") {
		t.Errorf("first poll ended with %s", got)
	}
	srv.WaitFor(t, "the second poll", srv.Polling)
	srv.PushMessage(alice, alice, "/x")
	if got := <-second; !strings.Contains(got, `"text":"/x"`) {
		t.Errorf("second poll got %s", got)
	}
	var statuses []int
	for _, c := range srv.CallsTo("getUpdates") {
		statuses = append(statuses, c.Status)
	}
	if !equalInts(statuses, []int{409, 200}) {
		t.Errorf("statuses %v", statuses)
	}
}

// TestCallTimes: a call records when it arrived and when the server was
// done with it, so that a test sees two polls overlap though nobody got a
// 409 (a short poll during another's long poll).
func TestCallTimes(t *testing.T) {
	srv := newWorld(t)
	poll := func(timeout string) chan int {
		out := make(chan int, 1)
		go func() {
			resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/getUpdates", url.Values{"timeout": {timeout}})
			if err != nil {
				out <- 0
				return
			}
			resp.Body.Close()
			out <- resp.StatusCode
		}()
		return out
	}
	long := poll("30")
	srv.WaitFor(t, "the long poll", srv.Polling)
	if c := srv.CallsTo("getUpdates")[0]; !c.Ended.IsZero() {
		t.Errorf("a call still waiting has Ended %v", c.Ended)
	}
	if got := <-poll("0"); got != 200 {
		t.Errorf("short poll during a long one: %d, want 200 (it does not wait)", got)
	}
	srv.PushMessage(alice, alice, "/x")
	if got := <-long; got != 200 {
		t.Errorf("long poll: %d", got)
	}
	srv.WaitFor(t, "both calls ended", func() bool {
		calls := srv.CallsTo("getUpdates")
		return len(calls) == 2 && !calls[0].Ended.IsZero() && !calls[1].Ended.IsZero()
	})
	calls := srv.CallsTo("getUpdates")
	longCall, short := calls[0], calls[1]
	if !(longCall.At.Before(short.At) && short.At.Before(longCall.Ended) && !short.Ended.Before(short.At)) {
		t.Errorf("the long poll %v–%v and the short one %v–%v do not show the overlap",
			longCall.At, longCall.Ended, short.At, short.Ended)
	}
}

func TestCancelledPollIsReleased(t *testing.T) {
	srv := NewServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/bot"+srv.Token()+"/getUpdates?timeout=50", nil)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	srv.WaitFor(t, "the long poll", srv.Polling)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v", err)
	}
	srv.WaitFor(t, "the server to release the poll", func() bool { return !srv.Polling() })
	if c := srv.CallsTo("getUpdates"); len(c) != 1 || c[0].Status != 0 {
		t.Errorf("calls = %+v", c)
	}
}

func TestPushUpdateKeepsBytes(t *testing.T) {
	srv := NewServer(t)
	raw := `{ "update_id" : 900000001,
	  "message": {"message_id": 7, "chat": {"id": 1, "type": "private", "first_name": "A"}, "date": 1, "text": "a \u00e9"} }`
	if got := srv.PushUpdate([]byte(raw)); got != 1 {
		t.Errorf("first update_id = %d", got)
	}
	noID := `{"message":{"message_id":8,"chat":{"id":1,"type":"private","first_name":"A"},"date":1,"text":"b"}}`
	if got := srv.PushUpdate([]byte(noID)); got != 2 {
		t.Errorf("second update_id = %d", got)
	}
	_, _, body := post(t, srv, "getUpdates", nil)
	want := `{"ok":true,"result":[` + strings.Replace(raw, "900000001", "1", 1) + `,` +
		`{"update_id":2,` + noID[1:] + `]}`
	if string(body) != want {
		t.Errorf("getUpdates = %s\nwant %s", body, want)
	}

	rec := newRecorder(t)
	bad := NewServer(rec)
	bad.PushUpdate([]byte(`{"update_id":1}`))
	bad.PushUpdate([]byte(`not json`))
	bad.PushUpdate([]byte(`{"message":{},"callback_query":{}}`))
	if f := rec.Fatals(); len(f) != 3 {
		t.Errorf("bad updates reported %q", f)
	}
}

// TestPushedUpdatesMatchTelegram compares the updates the push helpers
// build with the real payloads in testdata/updates (ids and dates aside).
func TestPushedUpdatesMatchTelegram(t *testing.T) {
	srv := newWorld(t)
	srv.SetMember(group, srv.Bot().ID, Member{Status: "member"}) // privacy mode: commands only
	srv.PushMessage(group, alice, "/invite@invite_test_bot 24h")
	srv.PushAnonymousAdminMessage(group, "/revoke@invite_test_bot")

	var got []map[string]any
	json.Unmarshal(mustPost(t, srv, "getUpdates", nil), &got)
	if len(got) != 2 {
		t.Fatalf("got %d updates", len(got))
	}
	for i, name := range []string{"group_command_at_botname.update.json", "anon_admin_command.update.json"} {
		b, err := readUpdateFixture(name)
		if err != nil {
			t.Fatal(err)
		}
		var want map[string]any
		json.Unmarshal(b, &want)
		normalise(want)
		normalise(got[i])
		if g, w := mustEncode(got[i]), mustEncode(want); string(g) != string(w) {
			t.Errorf("%s:\n got %s\nwant %s", name, g, w)
		}
	}
}

func readUpdateFixture(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("..", "..", "testdata", "updates", name))
}

// normalise blanks what differs between runs: ids and dates.
func normalise(u map[string]any) {
	u["update_id"] = 0
	for _, v := range u {
		if m, ok := v.(map[string]any); ok {
			for _, k := range []string{"message_id", "date"} {
				if _, ok := m[k]; ok {
					m[k] = 0
				}
			}
		}
	}
}

func TestPrivacyMode(t *testing.T) {
	srv := newWorld(t)
	srv.SetMember(group, srv.Bot().ID, Member{Status: "member"})
	bot := newBot(t, srv)
	sent, err := bot.Send(tgbotapi.NewMessage(group, "I am the bot"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text    string
		replyTo int
		seen    bool
	}{
		{"hello", 0, false},
		{"/invite", 0, true},
		{"/invite@invite_test_bot", 0, true},
		{"/invite@other_bot", 0, false},
		{"hey @invite_test_bot", 0, true},
		{"thanks", sent.MessageID, true},
	} {
		var u int64
		if tc.replyTo != 0 {
			u, _ = srv.PushReply(group, bob, tc.replyTo, tc.text)
		} else {
			u, _ = srv.PushMessage(group, bob, tc.text)
		}
		if (u != 0) != tc.seen {
			t.Errorf("%q: update %d, delivered should be %v", tc.text, u, tc.seen)
		}
	}
	if srv.Member(group, bob).Status != "member" {
		t.Errorf("Bob, who wrote in the group, is %q", srv.Member(group, bob).Status)
	}
	srv.SetMember(group, srv.Bot().ID, Member{Status: "administrator"})
	if u, _ := srv.PushMessage(group, bob, "hello"); u == 0 {
		t.Error("an administrator bot must see every message")
	}
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: messagesOnly})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 5 || us[3].Message.ReplyToMessage == nil || us[3].Message.ReplyToMessage.MessageID != sent.MessageID {
		t.Fatalf("%d updates, want 5 with the reply fourth", len(us))
	}
}

func TestSenderChatMessages(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	channelChat := Chat{ID: channel, Type: "channel", Title: "Invite Test Channel", UserName: "invite_test_channel"}
	srv.PushSenderChatMessage(group, channelChat, "/invite")
	srv.PushAnonymousAdminMessage(group, "/revoke")
	srv.PushChannelPost(channel, "/newlink@invite_test_bot")
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"message", "channel_post"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 3 {
		t.Fatalf("got %d updates", len(us))
	}
	if m := us[0].Message; m.From.ID != 136817688 || m.SenderChat.ID != channel {
		t.Errorf("linked channel message: from %+v, sender_chat %+v", m.From, m.SenderChat)
	}
	if m := us[1].Message; m.From.ID != 1087968824 || m.SenderChat.ID != group {
		t.Errorf("anonymous admin message: from %+v, sender_chat %+v", m.From, m.SenderChat)
	}
	if p := us[2].ChannelPost; p == nil || p.From != nil || p.SenderChat.ID != channel || p.CommandWithAt() != "newlink@invite_test_bot" {
		t.Errorf("channel post: %+v", p)
	}
}

func TestCommandEntity(t *testing.T) {
	for text, want := range map[string]int{
		"/start":                       6,
		"/invite@invite_test_bot 24h":  23,
		"/a-b":                         2,
		"/start@ab":                    0, // a bot username has at least 3 characters
		"/startü":                      0,
		"hello /start":                 0,
		"/":                            0,
		"/" + strings.Repeat("a", 65):  0,
		"/x\nsecond line":              2,
		"/invite@Invite_Test_Bot, now": 23,
	} {
		if got := commandLength(text); got != want {
			t.Errorf("commandLength(%q) = %d, want %d", text, got, want)
		}
	}
}

func TestMemberChangeUpdates(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	link := InviteLink{InviteLink: "https://t.me/+QrStUvWxYz012345", Creator: carolUser, CreatesJoinRequest: true}
	srv.SetMember(group, carol, Member{Status: "administrator", CanInviteUsers: true})
	srv.AddInviteLink(group, link)
	srv.PushMemberChange(MemberChange{ChatID: group, UserID: bob, From: alice, New: Member{Status: "member"},
		InviteLink: link.InviteLink, ViaJoinRequest: true})
	srv.PushMemberChange(MemberChange{ChatID: group, UserID: srv.Bot().ID, From: alice,
		New: Member{Status: "administrator"}})
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"chat_member", "my_chat_member"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 || us[0].ChatMember == nil || us[1].MyChatMember == nil {
		t.Fatalf("updates = %+v", us)
	}
	cm := us[0].ChatMember
	if cm.OldChatMember.Status != "left" || cm.NewChatMember.Status != "member" || cm.From.ID != alice ||
		cm.InviteLink == nil || cm.InviteLink.InviteLink != "https://t.me/+QrStUvWx..." {
		t.Errorf("chat_member = %+v, link %+v", cm, cm.InviteLink)
	}
	mcm := us[1].MyChatMember
	if !mcm.OldChatMember.CanInviteUsers || mcm.NewChatMember.CanInviteUsers || mcm.NewChatMember.User.ID != srv.Bot().ID {
		t.Errorf("my_chat_member = %+v", mcm)
	}
	if m := srv.Member(group, srv.Bot().ID); m.CanInviteUsers {
		t.Errorf("the bot kept can_invite_users: %+v", m)
	}
}

func TestWebhookMethods(t *testing.T) {
	srv := newWorld(t)
	srv.PushMessage(alice, alice, "/a")
	var info struct {
		URL     string `json:"url"`
		Pending int    `json:"pending_update_count"`
	}
	json.Unmarshal(mustPost(t, srv, "getWebhookInfo", nil), &info)
	if info.URL != "" || info.Pending != 1 {
		t.Errorf("getWebhookInfo = %+v", info)
	}
	_, env, _ := post(t, srv, "deleteWebhook", map[string]string{"drop_pending_updates": "false"})
	if env.Description != "Webhook is already deleted" || srv.Pending() != 1 {
		t.Errorf("deleteWebhook: %+v, pending %d", env, srv.Pending())
	}
	mustPost(t, srv, "deleteWebhook", map[string]string{"drop_pending_updates": "true"})
	if srv.Pending() != 0 {
		t.Errorf("drop_pending_updates left %d updates", srv.Pending())
	}
}
