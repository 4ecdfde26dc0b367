package app

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
)

// The tests of PRODUCT.md §3 "Where answers go" and "Buttons", and §6
// /notify: their groups keep the default, answers that show links in
// private.
func init() {
	for _, name := range []string{
		"TestAnswersThatShowLinksGoToPrivate", "TestAdminWithoutPrivateChat", "TestRepliesChatMode",
		"TestAnonymousAdminAnsweredInGroup", "TestNotifications", "TestNotificationBurst",
		"TestNotificationAfterRestart", "TestStaleAndForgedPresses", "TestConfirmationExpires",
		"TestRevokeAllConfirmed", "TestMemberHelpInPrivateMode",
	} {
		privateMode[name] = true
	}
}

// noLinksInGroup fails t if any message of the bot's in the group shows an
// invite link's URL.
func noLinksInGroup(t *testing.T, srv *bottest.Server, chat int64) {
	t.Helper()
	for _, m := range srv.Messages(chat) {
		if strings.Contains(m.Text, "t.me/+") || strings.Contains(m.Text, "t.me/joinchat") {
			t.Errorf("an invite link in the group: %q", m.PlainText)
		}
	}
}

// privateAnswer waits for the bot's answer in user's private chat that
// contains want, and returns it.
func (h *harness) privateAnswer(user int64, want string) bottest.SentMessage {
	h.t.Helper()
	var got bottest.SentMessage
	h.srv.WaitFor(h.t, "an answer in private with "+want, func() bool {
		for _, m := range h.srv.Messages(user) {
			if strings.Contains(m.PlainText, want) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

func TestAnswersThatShowLinksGoToPrivate(t *testing.T) {
	srv := newWorld(t)
	srv.StartPrivateChat(alice)
	h := start(t, srv, "")
	defer noLinksInGroup(t, srv, groupID)

	note := h.ask(groupID, alice, "/createlink Partners limit=50")
	oneLine(t, note)
	mustContain(t, note.PlainText, "@alice_admin", "private chat")
	answer := h.privateAnswer(alice, "New link")
	links := srv.InviteLinks(groupID)
	if len(links) != 1 {
		t.Fatalf("%d links", len(links))
	}
	mustContain(t, answer.PlainText, links[0].InviteLink, "“Partners”", "limit: 50")

	h.ask(groupID, alice, "/refreshlink")
	h.privateAnswer(alice, "New primary link")
	h.ask(groupID, alice, "/editlink #1 limit=10")
	h.privateAnswer(alice, "Edited")
	h.ask(groupID, alice, "/links")
	page := h.privateAnswer(alice, "Active links in Invite Test Group")
	if len(page.Buttons) != 1 || page.Buttons[0][0].Text != "Revoke #1" {
		t.Errorf("the page's buttons = %+v", page.Buttons)
	}
	// The Revoke button works in the private chat, for the group.
	a := h.press(alice, alice, page, 0, 0)
	mustContain(t, a.Text, "Confirm")
	confirm := h.lastMessage(alice)
	if a := h.press(alice, alice, confirm, 0, 0); a.Text != "Revoked." {
		t.Errorf("the confirmation answered %+v", a)
	}
	if !srv.InviteLinks(groupID)[0].IsRevoked {
		t.Errorf("#1 is not revoked")
	}
	// A mistake is answered where it was made; one that shows links (an
	// ambiguous name) goes to private too.
	r := h.ask(groupID, alice, "/createlink limit=0")
	mustContain(t, r.PlainText, "limit must be")
	h.ask(groupID, alice, "/createlink Twin")
	h.ask(groupID, alice, "/createlink twin")
	h.ask(groupID, alice, "/revokelink twin")
	h.privateAnswer(alice, "Several links are named")
}

func TestAdminWithoutPrivateChat(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "") // dave never started the bot
	defer noLinksInGroup(t, srv, groupID)
	r := h.ask(groupID, dave, "/createlink Partners limit=50")
	oneLine(t, r)
	mustContain(t, r.PlainText, "@dave_owner", "private chat")
	if len(r.Buttons) != 1 || r.Buttons[0][0].URL == "" {
		t.Fatalf("no button to the private chat: %+v", r.Buttons)
	}
	if n := len(srv.CallsTo("createChatInviteLink")); n != 0 {
		t.Errorf("the link was made although nobody could see it (%d calls)", n)
	}
	u, err := url.Parse(r.Buttons[0][0].URL)
	if err != nil || u.Host != "t.me" || u.Path != "/invite_test_bot" {
		t.Fatalf("the button opens %q", r.Buttons[0][0].URL)
	}
	// Start in the private chat runs the command that waited.
	srv.PushDeepLink(dave, u.Query().Get("start"))
	answer := h.privateAnswer(dave, "New link")
	links := srv.InviteLinks(groupID)
	if len(links) != 1 || links[0].Name != "Partners" || links[0].MemberLimit != 50 {
		t.Fatalf("links after Start: %+v", links)
	}
	mustContain(t, answer.PlainText, links[0].InviteLink)
	// The same link again runs nothing: the command ran once.
	srv.PushDeepLink(dave, u.Query().Get("start"))
	h.privateAnswer(dave, "I manage invite links")
	if n := len(srv.CallsTo("createChatInviteLink")); n != 1 {
		t.Errorf("%d createChatInviteLink calls, want 1", n)
	}
	// A user who blocked the bot is told the same way.
	srv.PushBlock(dave)
	r = h.ask(groupID, dave, "/links")
	mustContain(t, r.PlainText, "private chat")
	if len(r.Buttons) != 1 {
		t.Errorf("no button for a user who blocked the bot: %+v", r)
	}
}

func TestRepliesChatMode(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	r := h.ask(groupID, carol, "/replies chat")
	mustContain(t, r.PlainText, "without the “Invite users via link” right")
	mustContain(t, h.ask(groupID, dave, "/replies").PlainText, "go to the asking admin")
	mustContain(t, h.ask(groupID, dave, "/replies chat").PlainText, "go to the group itself")
	r = h.ask(groupID, dave, "/createlink Open")
	mustContain(t, r.PlainText, "New link", srv.InviteLinks(groupID)[0].InviteLink)
	mustContain(t, h.ask(groupID, dave, "/replies private").PlainText, "private chat")
	r = h.ask(groupID, dave, "/createlink Closed")
	mustContain(t, r.PlainText, "private chat")
	if strings.Contains(r.Text, "t.me/+") {
		t.Errorf("a link in the group in private mode: %q", r.PlainText)
	}
	mustContain(t, h.ask(groupID, dave, "/replies loud").PlainText, "/replies private", "/replies chat")
}

func TestAnonymousAdminAnsweredInGroup(t *testing.T) {
	srv := newWorld(t)
	srv.StartPrivateChat(alice)
	h := start(t, srv, "")
	_, msg := srv.PushAnonymousAdminMessage(groupID, "/createlink Anon")
	srv.WaitFor(t, "the confirmation", func() bool { return len(h.repliesTo(groupID, msg)) > 0 })
	ask := h.repliesTo(groupID, msg)[0]
	h.press(alice, groupID, ask, 0, 0)
	srv.WaitFor(t, "the link's answer", func() bool { return len(h.repliesTo(groupID, msg)) > 1 })
	answer := h.repliesTo(groupID, msg)[1]
	mustContain(t, answer.PlainText, "New link", srv.InviteLinks(groupID)[0].InviteLink)
	for _, m := range srv.Messages(alice) {
		t.Errorf("the confirming admin got %q in private", m.PlainText)
	}
}

func TestMemberHelpInPrivateMode(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	r := h.ask(groupID, bob, "/start")
	oneLine(t, r)
	srv.PushDeepLink(bob, "help")
	h.privateAnswer(bob, "I manage invite links")
}

func TestNotifications(t *testing.T) {
	srv := newConsoleWorld(t)
	srv.StartPrivateChat(alice)
	h := start(t, srv, "")
	defer noLinksInGroup(t, srv, groupID)
	mustContain(t, h.ask(groupID, alice, "/notify").PlainText, "/notify on")
	mustContain(t, h.ask(groupID, alice, "/notify on").PlainText, "From now on I'll tell you")
	mustContain(t, h.ask(groupID, dave, "/notify on").PlainText, "private chat") // dave never started the bot
	mustContain(t, h.ask(groupID, bob, "/notify on").PlainText, "Only the chat's creator and admins")

	srv.PushJoinRequest(groupID, frank, "")
	n := h.privateAnswer(alice, "New join request in Invite Test Group")
	mustContain(t, n.PlainText, "Frank", "@frank_f")
	if len(n.Buttons) != 1 || len(n.Buttons[0]) != 2 {
		t.Fatalf("the notification's buttons = %+v", n.Buttons)
	}
	// Approved elsewhere (by dave's command in the group): the
	// notification shows it and loses its buttons.
	mustContain(t, h.ask(groupID, dave, "/approve @frank_f").PlainText, "Approved")
	srv.WaitFor(t, "the notification shows the outcome", func() bool {
		m := message(t, srv, alice, n.MessageID)
		return strings.Contains(m.PlainText, "→ approved") && len(m.Buttons) == 0
	})

	// A second request, answered with the notification's own button.
	srv.PushJoinRequest(groupID, gina, "")
	n = h.privateAnswer(alice, "Gina")
	if a := h.press(alice, alice, n, 0, 1); a.Text != "Declined @gina_g." {
		t.Errorf("the notification's Decline answered %+v", a)
	}
	m := message(t, srv, alice, n.MessageID)
	mustContain(t, m.PlainText, "→ declined")
	if len(m.Buttons) != 0 {
		t.Errorf("buttons after the decline = %+v", m.Buttons)
	}
	mustContain(t, h.ask(groupID, alice, "/notify off").PlainText, "won't tell you")
	before := len(srv.Messages(alice))
	srv.PushJoinRequest(groupID, hank, "")
	h.ask(groupID, alice, "/help") // after the request, in order
	if n := len(srv.Messages(alice)); n != before {
		t.Errorf("a notification after /notify off")
	}
}

func TestNotificationBurst(t *testing.T) {
	srv := newConsoleWorld(t)
	srv.StartPrivateChat(alice)
	c := &clock{now: time.Now().UTC()}
	h := startWith(t, srv, "", Options{Pace: fastPace, Now: c.Now, Tick: 20 * time.Millisecond})
	h.ask(groupID, alice, "/notify on")
	var ids []int64
	for i := range 30 {
		id := int64(6100000000 + i)
		srv.AddUser(bottest.User{ID: id, FirstName: fmt.Sprintf("Req%d", i)})
		ids = append(ids, id)
		srv.PushJoinRequest(groupID, id, "")
	}
	summaries := func() []bottest.SentMessage {
		var out []bottest.SentMessage
		for _, m := range srv.Messages(alice) {
			if strings.Contains(m.PlainText, "new join requests in") {
				out = append(out, m)
			}
		}
		return out
	}
	singles := func() int {
		n := 0
		for _, m := range srv.Messages(alice) {
			if strings.HasPrefix(m.PlainText, "New join request in") {
				n++
			}
		}
		return n
	}
	srv.WaitFor(t, "5 notifications", func() bool { return singles() == 5 })
	h.ask(groupID, alice, "/help") // after every request, in order
	if n := len(summaries()); n != 0 || singles() != 5 {
		t.Fatalf("%d summaries and %d notifications within the first minute, want 5 and none yet", n, singles())
	}
	// The minute over, one summary holds the 25 others and what came since.
	// (The notifier works beside the loop: wait until it has put the rest
	// aside for the summary before the clock moves.)
	db := openStore(t, h)
	waitBacklog := func() {
		eventually(t, "the notifications waiting for a summary", func() bool {
			w, err := db.NotifyWindow(t.Context(), alice, groupID, time.Time{})
			return err == nil && !w.BacklogSince.IsZero()
		})
	}
	waitBacklog()
	srv.AddUser(bottest.User{ID: 6200000000, FirstName: "Late"})
	srv.PushJoinRequest(groupID, 6200000000, "")
	h.ask(groupID, alice, "/help") // after it, in order: it waits with the others
	if n := len(summaries()); n != 0 {
		t.Fatalf("a summary before the minute was over")
	}
	c.Advance(61 * time.Second)
	srv.WaitFor(t, "the summary", func() bool { return len(summaries()) == 1 })
	mustContain(t, summaries()[0].PlainText, "26 new join requests in Invite Test Group", "/requests "+id(groupID))
	// A few after it go out on their own; a burst again waits for the
	// next summary, a minute after the last.
	push := func(first int64, n int) {
		for i := range n {
			id := first + int64(i)
			srv.AddUser(bottest.User{ID: id, FirstName: fmt.Sprintf("N%d", id)})
			srv.PushJoinRequest(groupID, id, "")
		}
		h.ask(groupID, alice, "/help") // after them, in order
	}
	push(6300000000, 3)
	srv.WaitFor(t, "3 more notifications", func() bool { return singles() == 8 })
	push(6400000000, 10)
	srv.WaitFor(t, "2 more notifications", func() bool { return singles() == 10 })
	if n := len(summaries()); n != 1 {
		t.Errorf("%d summaries within a minute of the last", n)
	}
	waitBacklog()
	push(6500000000, 1) // it waits with the others
	c.Advance(61 * time.Second)
	srv.WaitFor(t, "the second summary", func() bool { return len(summaries()) == 2 })
	mustContain(t, summaries()[1].PlainText, "9 new join requests")
	if singles() != 10 {
		t.Errorf("%d notifications on their own, want 10", singles())
	}
	_ = ids
}

func TestNotificationAfterRestart(t *testing.T) {
	srv := newConsoleWorld(t)
	srv.StartPrivateChat(alice)
	dir := t.TempDir()
	h := start(t, srv, dir)
	h.ask(groupID, alice, "/notify on")
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	srv.PushJoinRequest(groupID, frank, "") // while the bot is down
	start(t, srv, dir)
	n := (&harness{t: t, srv: srv}).privateAnswer(alice, "Frank")
	if len(n.Buttons) != 1 {
		t.Errorf("the notification after the restart: %+v", n)
	}
}

func TestStaleAndForgedPresses(t *testing.T) {
	srv := newWorld(t)
	srv.StartPrivateChat(alice)
	h := start(t, srv, "")
	h.ask(groupID, alice, "/createlink A")
	h.ask(groupID, alice, "/links")
	page := h.privateAnswer(alice, "Active links")
	// Revoked meanwhile by command: the page's Revoke acts on nothing.
	h.ask(groupID, alice, "/revokelink #1")
	h.privateAnswer(alice, "Revoked; it no longer works")
	calls := len(srv.CallsTo("revokeChatInviteLink"))
	a := h.press(alice, alice, page, 0, 0)
	mustContain(t, a.Text, "revoked already")
	if n := len(srv.CallsTo("revokeChatInviteLink")); n != calls {
		t.Errorf("a stale Revoke revoked (%d calls)", n-calls)
	}
	if m := message(t, srv, alice, page.MessageID); len(m.Buttons) != 0 || !strings.Contains(m.PlainText, "revoked") {
		t.Errorf("the page after the stale press: %q %+v", m.PlainText, m.Buttons)
	}
	// A press of a button's data on a message that does not show it: a
	// forged callback (Telegram would not send it; a client might).
	h.ask(groupID, alice, "/createlink B")
	h.ask(groupID, alice, "/links")
	page = h.privateAnswer(alice, "“B”")
	help := h.ask(alice, alice, "/help")
	srv.PushUpdate(fmt.Appendf(nil, `{"callback_query":{"id":"forged","from":{"id":%d,"is_bot":false,"first_name":"Alice"},"message":{"message_id":%d,"date":1,"chat":{"id":%d,"type":"private","first_name":"Alice"},"text":"x"},"chat_instance":"1","data":"lk:r:2"}}`,
		alice, help.MessageID, alice))
	// And the page's data pressed in another chat (the group, where no
	// message of the bot's shows it).
	srv.PushUpdate(fmt.Appendf(nil, `{"callback_query":{"id":"forged2","from":{"id":%d,"is_bot":false,"first_name":"Alice"},"message":{"message_id":%d,"date":1,"chat":{"id":%d,"type":"supergroup","title":"G"},"text":"x"},"chat_instance":"1","data":"lk:r:2"}}`,
		alice, page.MessageID, groupID))
	h.ask(alice, alice, "/help")
	h.ask(groupID, alice, "/help")
	for _, m := range srv.Messages(alice) {
		if strings.Contains(m.PlainText, "Revoke this link?") && strings.Contains(m.PlainText, "“B”") {
			t.Errorf("a forged press asked to revoke B")
		}
	}
	if srv.InviteLinks(groupID)[1].IsRevoked {
		t.Errorf("a forged press revoked B")
	}
}

func TestConfirmationExpires(t *testing.T) {
	srv := newWorld(t)
	srv.StartPrivateChat(alice)
	c := &clock{now: time.Now().UTC()}
	h := startWith(t, srv, "", Options{Pace: fastPace, Now: c.Now})
	h.ask(groupID, alice, "/createlink A")
	h.ask(groupID, alice, "/links")
	page := h.privateAnswer(alice, "Active links")
	h.press(alice, alice, page, 0, 0)
	confirm := h.lastMessage(alice)
	c.Advance(61 * time.Second)
	a := h.press(alice, alice, confirm, 0, 0)
	if !a.ShowAlert || !strings.Contains(a.Text, "expired") {
		t.Errorf("a late confirmation answered %+v", a)
	}
	if srv.InviteLinks(groupID)[0].IsRevoked {
		t.Errorf("a late confirmation revoked the link")
	}
}

func TestRevokeAllConfirmed(t *testing.T) {
	srv := newWorld(t)
	srv.StartPrivateChat(alice)
	h := start(t, srv, "")
	defer noLinksInGroup(t, srv, groupID)
	for _, n := range []string{"A", "B", "C"} {
		h.ask(groupID, alice, "/createlink "+n)
	}
	h.ask(groupID, alice, "/refreshlink")
	h.ask(groupID, alice, "/revokelink all")
	ask := h.privateAnswer(alice, "Revoke these 3 links")
	if len(ask.Buttons) != 1 || ask.Buttons[0][0].Text != "Yes, revoke all 3" {
		t.Fatalf("the confirmation: %+v", ask)
	}
	if h.changes() != 4 {
		t.Fatalf("revoked before the confirmation")
	}
	if a := h.press(alice, alice, ask, 0, 0); a.Text != "Revoked 3 links." {
		t.Errorf("the confirmation answered %+v", a)
	}
	for _, l := range srv.InviteLinks(groupID) {
		if l.IsRevoked == l.IsPrimary {
			t.Errorf("after /revokelink all: %+v", l)
		}
	}
	mustContain(t, message(t, srv, alice, ask.MessageID).PlainText, "Revoked by @alice_admin; these 3 links no longer work")
}
