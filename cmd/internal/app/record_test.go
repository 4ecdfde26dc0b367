package app

import (
	"strings"
	"testing"

	"github.com/invitebot/invitebot/bot/bottest"
)

// TestLogAfterEachKindOfAction: every kind of action the bot makes is in
// /log, newest first, with who did it: links made, edited, revoked and
// rotated; requests approved and declined by a command, approved by an
// admin in Telegram; a setting changed.
func TestLogAfterEachKindOfAction(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, groupID)

	r := h.ask(groupID, alice, "/log")
	oneLine(t, r)
	mustContain(t, r.PlainText, "Nothing is recorded for this chat yet")

	h.ask(groupID, alice, "/createlink Partners limit=5")
	h.ask(groupID, alice, "/editlink #1 limit=10")
	h.ask(groupID, alice, "/createlink Gate request")
	h.ask(groupID, alice, "/revokelink #1")
	h.ask(groupID, alice, "/refreshlink")
	gate := srv.InviteLinks(groupID)[1].InviteLink
	srv.PushJoinRequest(groupID, frank, gate)
	h.ask(groupID, alice, "/approve @frank_f")
	srv.PushJoinRequest(groupID, gina, gate)
	h.ask(groupID, dave, "/decline @gina_g")
	srv.PushJoinRequest(groupID, jane, gate)
	srv.PushUpdate(joinUpdate(tgChat(groupID), bottest.User{ID: jane, FirstName: "Jane", UserName: "jane_j"},
		bottest.User{ID: alice, FirstName: "Alice"}, gate, true, 1900000000))
	h.ask(groupID, alice, "/replies private")

	r = h.ask(groupID, alice, "/log")
	want := []string{
		"@alice_admin · set replies=private",
		"Alice (in Telegram) · approved the join request of @jane_j (through #2)",
		"@dave_owner · declined the join request of @gina_g (through #2)",
		"@alice_admin · approved the join request of @frank_f (through #2)",
		"@alice_admin · made the new primary link #3",
		"@alice_admin · revoked #1",
		"@alice_admin · made #2 “Gate” request",
		"@alice_admin · edited #1: limit=10",
		"@alice_admin · made #1 “Partners” limit=5",
	}
	mustContain(t, r.PlainText, "The last 9 recorded actions in Invite Test Group, newest first")
	at := 0
	for _, w := range want {
		i := strings.Index(r.PlainText[at:], w)
		if i < 0 {
			t.Errorf("/log lacks %q after position %d: %q", w, at, r.PlainText)
			continue
		}
		at += i + len(w)
	}
	if strings.Contains(r.PlainText, "https://t.me/") {
		t.Errorf("/log shows a link's URL in the group: %q", r.PlainText)
	}

	r = h.ask(groupID, alice, "/log 2")
	if n := strings.Count(r.PlainText, " UTC · "); n != 2 {
		t.Errorf("/log 2 shows %d entries: %q", n, r.PlainText)
	}
	for _, bad := range []string{"/log 0", "/log 101", "/log many"} {
		r := h.ask(groupID, alice, bad)
		oneLine(t, r)
		mustContain(t, r.PlainText, "/log N for the last N (1 to 100)")
	}
	r = h.ask(groupID, bob, "/log")
	mustContain(t, r.PlainText, "Only the chat's creator and admins")
	// From a private chat, with the chat first.
	r = h.ask(olga, olga, "/log "+id(groupID)+" 1")
	mustContain(t, r.PlainText, "The last recorded action in Invite Test Group", "set replies=private")
}

// TestLogChat: /logchat posts each new action of a chat to another chat,
// paced, once, even across a restart that came before the post; the asker
// must manage both chats, and the bot post there.
func TestLogChat(t *testing.T) {
	srv := newConsoleWorld(t)
	dir := t.TempDir()
	h := start(t, srv, dir, "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, groupID, channelID)

	// alice manages the group, not the channel.
	r := h.ask(groupID, alice, "/logchat @test_channel")
	oneLine(t, r)
	mustContain(t, r.PlainText, "I can't act on that chat for you")
	r = h.ask(groupID, alice, "/logchat test_channel")
	oneLine(t, r)
	mustContain(t, r.PlainText, "is no chat")
	r = h.ask(groupID, bob, "/logchat @test_channel")
	mustContain(t, r.PlainText, "Only the chat's creator and admins")
	// The bot cannot post there: nothing is set.
	srv.FailNext("sendMessage", bottest.ErrorReply(400, "Bad Request: need administrator rights in the channel chat"))
	r = h.ask(olga, olga, "/logchat "+id(groupID)+" @test_channel")
	oneLine(t, r)
	mustContain(t, r.PlainText, "I can't post in Test Channel")
	mustContain(t, h.ask(groupID, alice, "/logchat").PlainText, "posted nowhere")

	r = h.ask(olga, olga, "/logchat "+id(groupID)+" @test_channel")
	mustContain(t, r.PlainText, "every recorded action of Invite Test Group is also posted to Test Channel")
	mustContain(t, h.lastMessage(channelID).PlainText, "From now on I post here every recorded action of Invite Test Group, as @olga_owner asked")
	mustContain(t, h.ask(groupID, alice, "/logchat").PlainText, "also posted to Test Channel")

	posted := func(part string) int {
		n := 0
		for _, m := range srv.Messages(channelID) {
			if strings.Contains(m.PlainText, part) {
				n++
			}
		}
		return n
	}
	h.ask(groupID, alice, "/createlink Partners")
	srv.WaitFor(t, "the post of the new link", func() bool { return posted("@alice_admin · made #1 “Partners”") == 1 })
	mustContain(t, h.lastMessage(channelID).PlainText, "Invite Test Group: ")
	h.ask(groupID, alice, "/refreshlink")
	srv.WaitFor(t, "the post of the new primary link", func() bool { return posted("made the new primary link #2") == 1 })
	primary := srv.InviteLinks(groupID)[1].InviteLink
	mustContain(t, h.lastMessage(channelID).PlainText, primary)

	// The post of an action cut off by a stop is posted after the restart, once.
	tr := setTrap(srv, func(c bottest.Call) bool {
		return c.Method == "sendMessage" && c.Params["chat_id"] == id(channelID)
	}, bottest.HangReply())
	h.ask(groupID, alice, "/createlink Late")
	<-tr.arrived
	h.stop()
	tr.release()
	h = start(t, srv, dir, "INVITEBOT_OWNERS", owners)
	srv.WaitFor(t, "the post after the restart", func() bool { return posted("made #3 “Late”") == 1 })
	r = h.ask(groupID, alice, "/logchat off")
	mustContain(t, r.PlainText, "no longer posted anywhere")
	srv.WaitFor(t, "the post of /logchat off", func() bool { return posted("logchat=off") == 1 })
	// The poster marks a post done once Telegram has answered it, a moment
	// after bottest has the message.
	pending := func() int {
		posts, err := db.PendingLogPosts(t.Context())
		if err != nil {
			t.Fatalf("PendingLogPosts: %v", err)
		}
		return len(posts)
	}
	srv.WaitFor(t, "the post of /logchat off marked done", func() bool { return pending() == 0 })
	h.ask(groupID, alice, "/createlink Unposted")
	// The action and its post are written in one transaction: had the
	// action been queued for the log chat, it would be waiting now or
	// posted.
	if n := pending(); n != 0 {
		t.Errorf("%d posts waiting after /logchat off", n)
	}
	for _, part := range []string{"“Partners”", "primary link #2", "“Late”", "logchat=off"} {
		if n := posted(part); n != 1 {
			t.Errorf("%q posted %d times", part, n)
		}
	}
	if n := posted("Unposted"); n != 0 {
		t.Errorf("an action after /logchat off was posted")
	}
}
