package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/sqlite"
)

// answersChanges counts the calls that answer join requests.
func answerCalls(srv *bottest.Server) int {
	return len(srv.CallsTo("approveChatJoinRequest")) + len(srv.CallsTo("declineChatJoinRequest"))
}

// TestJoinRequestsMadeWhileDown: requests that Telegram kept while the bot
// was stopped are there after it starts, and are answered.
func TestJoinRequestsMadeWhileDown(t *testing.T) {
	srv := newConsoleWorld(t)
	dir := t.TempDir()
	h := start(t, srv, dir, "INVITEBOT_OWNERS", owners)
	mustContain(t, h.ask(groupID, alice, "/createlink Approval request").PlainText, "#1", "approval: yes")
	link := srv.InviteLinks(groupID)[0].InviteLink
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	srv.PushJoinRequest(groupID, frank, link)
	srv.PushJoinRequest(groupID, gina, "")
	srv.PushJoinRequest(groupID, hank, link)

	h2 := start(t, srv, dir, "INVITEBOT_OWNERS", owners)
	db := openStore(t, h2)
	eventually(t, "the requests stored", func() bool {
		reqs, _ := db.PendingJoinRequests(context.Background(), groupID)
		return len(reqs) == 3
	})
	if r, _ := db.JoinRequest(context.Background(), groupID, frank); r.UserChatID != frank {
		t.Errorf("user_chat_id from the raw update = %d, want %d", r.UserChatID, frank)
	}
	r := h2.ask(groupID, alice, "/requests")
	mustContain(t, r.PlainText, "Pending join requests in Invite Test Group", "Frank @frank_f", "ID 5000000006", "through #1 “Approval”", "Gina @gina_g", "without a link", "Hank <Hill>")
	if len(r.Buttons) != 3 {
		t.Fatalf("buttons = %+v", r.Buttons)
	}

	r = h2.ask(groupID, alice, "/approve "+id(frank))
	oneLine(t, r)
	mustContain(t, r.PlainText, "Approved @frank_f's request")
	if c := callsWith(srv, "approveChatJoinRequest", "user_id", id(frank)); len(c) != 1 || c[0].Params["chat_id"] != id(groupID) {
		t.Errorf("approveChatJoinRequest calls = %v", c)
	}
	if m := srv.Member(groupID, frank); m.Status != "member" {
		t.Errorf("frank is %q at Telegram", m.Status)
	}
	mustContain(t, h2.ask(groupID, alice, "/decline @GINA_G").PlainText, "Declined @gina_g's request")
	if m := srv.Member(groupID, gina); m.Status == "member" {
		t.Errorf("gina was let in")
	}
	// Telegram reports frank's join through the approved request: it was
	// counted at the approval, and is not counted again.
	srv.PushUpdate(joinUpdate(tgChat(groupID), bottest.User{ID: frank, FirstName: "Frank", UserName: "frank_f"}, srv.Bot(), link, true, time.Now().Unix()))
	r = h2.ask(groupID, alice, "/links")
	if n := joinsOf(t, r.PlainText, 1); n != 1 {
		t.Errorf("joins of #1 = %d, want 1: %q", n, r.PlainText)
	}
	r = h2.ask(groupID, alice, "/requests")
	mustContain(t, r.PlainText, "Hank")
	for _, gone := range []string{"Frank", "Gina"} {
		if strings.Contains(r.PlainText, gone) {
			t.Errorf("/requests still lists %s: %q", gone, r.PlainText)
		}
	}
}

// TestApproveAllAndHandledElsewhere: /approve all and /decline all answer
// every pending request, one call each; a request someone else handled
// (Telegram's HIDE_REQUESTER_MISSING, USER_ALREADY_PARTICIPANT) leaves the
// list with a clear reply.
func TestApproveAllAndHandledElsewhere(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	h.ask(groupID, alice, "/createlink Door request")
	link := srv.InviteLinks(groupID)[0].InviteLink
	for _, u := range []int64{frank, gina, hank, ivan} {
		srv.PushJoinRequest(groupID, u, link)
	}
	eventually(t, "four requests", func() bool {
		reqs, _ := db.PendingJoinRequests(context.Background(), groupID)
		return len(reqs) == 4
	})
	// Ivan got in another way; another admin answered one request already.
	srv.SetMember(groupID, ivan, bottest.Member{Status: "member"})
	srv.FailNext("approveChatJoinRequest", bottest.ErrorReply(400, "Bad Request: HIDE_REQUESTER_MISSING"))

	r := h.ask(groupID, dave, "/approve all")
	oneLine(t, r)
	mustContain(t, r.PlainText, "Approved 2 requests in Invite Test Group.", "2 were handled already")
	if n := len(srv.CallsTo("approveChatJoinRequest")); n != 4 {
		t.Errorf("%d approveChatJoinRequest calls, want one per request", n)
	}
	mustContain(t, h.ask(groupID, dave, "/requests").PlainText, "There are no pending join requests in this chat.")
	r = h.ask(groupID, dave, "/links")
	if n := joinsOf(t, r.PlainText, 1); n != 2 {
		t.Errorf("joins = %d, want the 2 approved", n)
	}
	mustContain(t, h.ask(groupID, dave, "/approve all").PlainText, "There are no pending join requests")

	// One by one: handled elsewhere.
	srv.PushJoinRequest(groupID, jane, link)
	eventually(t, "jane's request", func() bool {
		_, err := db.JoinRequest(context.Background(), groupID, jane)
		return err == nil
	})
	srv.FailNext("declineChatJoinRequest", bottest.ErrorReply(400, "Bad Request: HIDE_REQUESTER_MISSING"))
	r = h.ask(groupID, dave, "/decline @jane_j")
	oneLine(t, r)
	mustContain(t, r.PlainText, "@jane_j's request was handled already", "took it off the list")
	mustContain(t, h.ask(groupID, dave, "/requests").PlainText, "no pending join requests")
	r = h.ask(groupID, dave, "/decline @jane_j")
	mustContain(t, r.PlainText, "There is no pending join request from @jane_j")

	// Mistakes.
	calls := answerCalls(srv)
	for _, tc := range []struct{ text, want string }{
		{"/approve", "/approve all"},
		{"/approve a b", "/approve USER"},
		{"/decline 42", "no pending join request from 42"},
		{"/approve @nobody", "no pending join request from @nobody"},
		{"/requests now", "no arguments"},
	} {
		r := h.ask(groupID, dave, tc.text)
		oneLine(t, r)
		mustContain(t, r.PlainText, tc.want)
	}
	if n := answerCalls(srv); n != calls {
		t.Errorf("mistakes made %d calls", n-calls)
	}

	// Declining all; the bot without the right is told what to grant.
	srv.PushJoinRequest(groupID, jane, "")
	eventually(t, "jane's new request", func() bool {
		r, _ := db.JoinRequest(context.Background(), groupID, jane)
		return r.State == store.RequestPending
	})
	srv.SetMember(groupID, srv.Bot().ID, bottest.Member{Status: "administrator"})
	r = h.ask(groupID, dave, "/decline all")
	oneLine(t, r)
	mustContain(t, r.PlainText, "I need the “Invite users via link” admin right")
	srv.SetMember(groupID, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	mustContain(t, h.ask(groupID, dave, "/decline all").PlainText, "Declined 1 request")
}

// TestRequestButtons: Approve and Decline buttons are checked like the
// commands; presses by members who are not admins change nothing.
func TestRequestButtons(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	h.ask(groupID, alice, "/createlink Door request")
	link := srv.InviteLinks(groupID)[0].InviteLink
	srv.PushJoinRequest(groupID, frank, link)
	srv.PushJoinRequest(groupID, gina, link)
	srv.PushJoinRequest(groupID, hank, "")
	eventually(t, "three requests", func() bool {
		reqs, _ := db.PendingJoinRequests(context.Background(), groupID)
		return len(reqs) == 3
	})
	list := h.ask(groupID, alice, "/requests")
	if len(list.Buttons) != 3 || len(list.Buttons[0]) != 2 {
		t.Fatalf("buttons = %+v", list.Buttons)
	}
	for _, row := range list.Buttons {
		for _, b := range row {
			if len(b.CallbackData) > 64 {
				t.Errorf("callback data %q is over 64 bytes", b.CallbackData)
			}
		}
	}

	// Members who may not answer requests.
	for _, tc := range []struct {
		who  int64
		col  int
		want string
	}{
		{bob, 0, "Only the chat's creator and admins"},
		{bob, 1, "Only the chat's creator and admins"},
		{carol, 0, "without the “Invite users via link” right"},
	} {
		a := h.press(tc.who, groupID, list, 0, tc.col)
		if !a.ShowAlert || !strings.Contains(a.Text, tc.want) {
			t.Errorf("press by %d answered %+v", tc.who, a)
		}
	}
	if n := answerCalls(srv); n != 0 {
		t.Fatalf("presses by non-admins made %d approve/decline calls", n)
	}
	if r, _ := db.JoinRequest(context.Background(), groupID, frank); r.State != store.RequestPending {
		t.Fatalf("frank's request after non-admins pressed: %+v", r)
	}

	// An admin approves Frank.
	a := h.press(alice, groupID, list, 0, 0)
	if a.ShowAlert || a.Text != "Approved @frank_f." {
		t.Errorf("alice's press answered %+v", a)
	}
	if c := callsWith(srv, "approveChatJoinRequest", "user_id", id(frank)); len(c) != 1 {
		t.Errorf("approveChatJoinRequest calls for frank = %d", len(c))
	}
	// The list shows the new state: Frank's request answered, without
	// buttons; the others' buttons stay.
	list = message(t, srv, groupID, list.MessageID)
	mustContain(t, list.PlainText, "Frank", "→ approved")
	if len(list.Buttons) != 2 || !strings.Contains(list.Buttons[0][0].Text, "gina") {
		t.Errorf("buttons after the approval = %+v", list.Buttons)
	}
	// Dave declines Gina.
	a = h.press(dave, groupID, list, 0, 1)
	if a.Text != "Declined @gina_g." {
		t.Errorf("dave's press answered %+v", a)
	}
	list = message(t, srv, groupID, list.MessageID)
	mustContain(t, list.PlainText, "→ declined")
	if len(list.Buttons) != 1 || !strings.Contains(list.Buttons[0][0].Text, "Hank") {
		t.Errorf("buttons after the decline = %+v", list.Buttons)
	}
	// Hank's request is answered by command: his buttons, still there, act
	// on nothing and say so, and the list then shows it.
	calls := answerCalls(srv)
	mustContain(t, h.ask(groupID, alice, "/decline "+id(hank)).PlainText, "Declined Hank <Hill>'s request")
	calls++
	a = h.press(dave, groupID, list, 0, 0)
	mustContain(t, a.Text, "no longer pending: declined")
	list = message(t, srv, groupID, list.MessageID)
	if len(list.Buttons) != 0 || strings.Count(list.PlainText, "→") != 3 {
		t.Errorf("after the stale press the list is %q with buttons %+v", list.PlainText, list.Buttons)
	}
	if n := answerCalls(srv); n != calls {
		t.Errorf("presses on answered requests made %d calls", n-calls)
	}
	if len(srv.CallbackAnswers()) != 6 {
		t.Errorf("%d presses answered, want all 6", len(srv.CallbackAnswers()))
	}
	if n := joinsOf(t, h.ask(groupID, alice, "/links").PlainText, 1); n != 1 {
		t.Errorf("joins = %d, want frank's", n)
	}

	// In a private chat, the owner's buttons act on the group.
	srv.PushJoinRequest(groupID, ivan, "")
	eventually(t, "ivan's request", func() bool {
		_, err := db.JoinRequest(context.Background(), groupID, ivan)
		return err == nil
	})
	promote(t, h, db, groupID)
	r := h.ask(olga, olga, "/requests "+id(groupID))
	a = h.press(olga, olga, r, 0, 0)
	if a.Text != "Approved @ivan_i." {
		t.Errorf("the owner's press in private answered %+v", a)
	}
	if m := srv.Member(groupID, ivan); m.Status != "member" {
		t.Errorf("ivan is %q", m.Status)
	}
}

// message returns the bot's message id in chat as it is now.
func message(t *testing.T, srv *bottest.Server, chat int64, id int) bottest.SentMessage {
	t.Helper()
	for _, m := range srv.Messages(chat) {
		if m.MessageID == id {
			return m
		}
	}
	t.Fatalf("no message %d in chat %d", id, chat)
	return bottest.SentMessage{}
}

// TestRevokeButton: /links offers a Revoke button per active link other
// than the primary, checked like /revokelink.
func TestRevokeButton(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "")
	h.ask(groupID, alice, "/createlink A")
	h.ask(groupID, alice, "/createlink B")
	h.ask(groupID, alice, "/refreshlink")
	list := h.ask(groupID, alice, "/links")
	if len(list.Buttons) != 1 || len(list.Buttons[0]) != 2 || list.Buttons[0][0].Text != "Revoke #1" || list.Buttons[0][1].Text != "Revoke #2" {
		t.Fatalf("buttons = %+v", list.Buttons)
	}
	base := h.changes()
	a := h.press(bob, groupID, list, 0, 0)
	if !a.ShowAlert || !strings.Contains(a.Text, "Only the chat's creator and admins") {
		t.Errorf("bob's press answered %+v", a)
	}
	if h.changes() != base || srv.InviteLinks(groupID)[0].IsRevoked {
		t.Fatalf("a member's press revoked a link")
	}
	// Alice presses Revoke #1: she, and she alone, is asked to confirm.
	a = h.press(alice, groupID, list, 0, 0)
	if a.ShowAlert || !strings.Contains(a.Text, "Confirm with the button below") {
		t.Errorf("alice's press answered %+v", a)
	}
	if h.changes() != base {
		t.Fatalf("a press of Revoke revoked before the confirmation")
	}
	confirm := h.lastMessage(groupID)
	mustContain(t, confirm.PlainText, "Revoke this link?", "#1", srv.InviteLinks(groupID)[0].InviteLink, "Only @alice_admin can confirm, within 60 seconds")
	if len(confirm.Buttons) != 1 || confirm.Buttons[0][0].Text != "Yes, revoke #1" || confirm.ReplyTo != list.MessageID {
		t.Fatalf("the confirmation %+v", confirm)
	}
	a = h.press(dave, groupID, confirm, 0, 0)
	if !a.ShowAlert || !strings.Contains(a.Text, "for the admin who asked") || h.changes() != base {
		t.Errorf("dave's press of alice's confirmation answered %+v", a)
	}
	a = h.press(alice, groupID, confirm, 0, 0)
	if a.ShowAlert || a.Text != "Revoked." {
		t.Errorf("alice's confirmation answered %+v", a)
	}
	if !srv.InviteLinks(groupID)[0].IsRevoked {
		t.Errorf("#1 is not revoked at Telegram")
	}
	confirm = message(t, srv, groupID, confirm.MessageID)
	mustContain(t, confirm.PlainText, "Revoked by @alice_admin", "#1", "revoked")
	if len(confirm.Buttons) != 0 {
		t.Errorf("the confirmation keeps its button: %+v", confirm.Buttons)
	}
	// The list shows the new state: #1 revoked, without its button.
	list = message(t, srv, groupID, list.MessageID)
	if len(list.Buttons) != 1 || len(list.Buttons[0]) != 1 || list.Buttons[0][0].Text != "Revoke #2" {
		t.Errorf("buttons after the revocation = %+v", list.Buttons)
	}
	if !strings.Contains(list.PlainText, "#1 ") || !strings.Contains(strings.Split(list.PlainText, "#2 ")[0], "· revoked") {
		t.Errorf("the list after the revocation: %q", list.PlainText)
	}
	if n := len(srv.CallsTo("revokeChatInviteLink")); n != 1 {
		t.Errorf("%d revokeChatInviteLink calls, want 1", n)
	}
	r := h.ask(groupID, alice, "/links")
	if strings.Contains(r.PlainText, "#1 ") {
		t.Errorf("/links shows the revoked #1: %q", r.PlainText)
	}
}

// TestJoinCounts: joins reported by chat_member updates are counted per
// link of the bot's, once each, and only for the bot's links.
func TestJoinCounts(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	h.ask(groupID, alice, "/createlink Open")
	h.ask(groupID, alice, "/createlink Gate request")
	open, gate := srv.InviteLinks(groupID)[0].InviteLink, srv.InviteLinks(groupID)[1].InviteLink
	chat := tgChat(groupID)
	user := func(id int64, name string) bottest.User { return bottest.User{ID: id, FirstName: name} }
	now := time.Now().Unix()

	frankJoins := joinUpdate(chat, user(frank, "Frank"), user(frank, "Frank"), open, false, now)
	srv.PushUpdate(frankJoins)
	srv.PushUpdate(frankJoins) // the same update again
	srv.PushUpdate(joinUpdate(chat, user(gina, "Gina"), user(gina, "Gina"), open, false, now))
	// Another admin's link, as the bot sees it (its end masked), and no link.
	srv.PushUpdate(joinUpdate(chat, user(hank, "Hank"), user(hank, "Hank"), "https://t.me/+OtherAdm...", false, now))
	srv.PushUpdate(joinUpdate(chat, user(ivan, "Ivan"), user(ivan, "Ivan"), "", false, now))
	// Jane asks through the gate; an admin approves her in Telegram's app.
	srv.PushJoinRequest(groupID, jane, gate)
	janeJoins := joinUpdate(chat, user(jane, "Jane"), user(alice, "Alice"), gate, true, now+1)
	srv.PushUpdate(janeJoins)
	srv.PushUpdate(janeJoins)

	r := h.ask(groupID, alice, "/links")
	if n := joinsOf(t, r.PlainText, 1); n != 2 {
		t.Errorf("joins of #1 = %d, want frank and gina: %q", n, r.PlainText)
	}
	if n := joinsOf(t, r.PlainText, 2); n != 1 {
		t.Errorf("joins of #2 = %d, want jane: %q", n, r.PlainText)
	}
	req, err := db.JoinRequest(context.Background(), groupID, jane)
	if err != nil || req.State != store.RequestApproved || req.AnsweredBy != alice {
		t.Errorf("jane's request after her join via the request = %+v, %v; want approved by alice", req, err)
	}
	mustContain(t, h.ask(groupID, alice, "/requests").PlainText, "no pending join requests")

	// Counts survive in the store for /links all from a private chat too.
	promote(t, h, db, groupID)
	r = h.ask(olga, olga, "/links "+id(groupID)+" all")
	if joinsOf(t, r.PlainText, 1) != 2 || joinsOf(t, r.PlainText, 2) != 1 {
		t.Errorf("/links from private: %q", r.PlainText)
	}
}

// TestJoinRequestFixture: the recorded join request (with a bio, through
// another admin's link) is listed, and answering it when Telegram no
// longer has it takes it off the list.
func TestJoinRequestFixture(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "")
	data, err := os.ReadFile(filepath.Join("../../../testdata/updates", "chat_join_request_bot_link.update.json"))
	if err != nil {
		t.Fatal(err)
	}
	srv.PushUpdate(data)
	r := h.ask(groupID, alice, "/requests")
	mustContain(t, r.PlainText, "Bob", "ID 5000000002", "bio: “hello”", "through another admin's link")
	r = h.ask(groupID, alice, "/approve 5000000002") // bob is in the group already
	oneLine(t, r)
	mustContain(t, r.PlainText, "handled already")
	mustContain(t, h.ask(groupID, alice, "/requests").PlainText, "no pending join requests")
}

// TestGroupUpgradeMovesRecords: when a group becomes a supergroup, its
// links, requests, counts and tracking follow it to the new ID.
func TestGroupUpgradeMovesRecords(t *testing.T) {
	const basicID, upgradedID int64 = -4000000001, -1004000000001
	srv := newConsoleWorld(t)
	srv.AddChat(bottest.Chat{ID: basicID, Type: "group", Title: "Basic Group"})
	srv.SetMember(basicID, dave, bottest.Member{Status: "creator"})
	srv.SetMember(basicID, alice, bottest.Member{Status: "administrator", CanInviteUsers: true})
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, basicID)
	mustContain(t, h.ask(basicID, dave, "/replies chat").PlainText, "go to the group itself")

	mustContain(t, h.ask(basicID, alice, "/createlink Upgrade request").PlainText, "#1")
	link := srv.InviteLinks(basicID)[0].InviteLink
	srv.PushJoinRequest(basicID, frank, link)
	srv.PushJoinRequest(basicID, gina, link)
	mustContain(t, h.ask(basicID, alice, "/approve @frank_f").PlainText, "Approved")
	mustContain(t, h.ask(basicID, alice, "/requests").PlainText, "Gina")

	srv.PushMigration(basicID, upgradedID, dave)
	r := h.ask(upgradedID, alice, "/links")
	mustContain(t, r.PlainText, "Active links in Basic Group", "#1", "“Upgrade”")
	if n := joinsOf(t, r.PlainText, 1); n != 1 {
		t.Errorf("joins after the upgrade = %d, want 1", n)
	}
	mustContain(t, h.ask(upgradedID, alice, "/requests").PlainText, "Gina @gina_g", "through #1 “Upgrade”")
	mustContain(t, h.ask(upgradedID, alice, "/approve all").PlainText, "Approved 1 request")
	if c := callsWith(srv, "approveChatJoinRequest", "user_id", id(gina)); len(c) != 1 || c[0].Params["chat_id"] != id(upgradedID) {
		t.Errorf("approveChatJoinRequest for gina = %v", c)
	}
	mustContain(t, h.ask(upgradedID, alice, "/createlink Next").PlainText, "#2")
	r = h.ask(upgradedID, alice, "/links")
	if n := joinsOf(t, r.PlainText, 1); n != 2 {
		t.Errorf("joins = %d, want 2", n)
	}

	r = h.ask(olga, olga, "/chats")
	mustContain(t, r.PlainText, "Basic Group (supergroup)", id(upgradedID))
	if strings.Contains(r.PlainText, id(basicID)) {
		t.Errorf("/chats still lists the old group: %q", r.PlainText)
	}
	// What is asked under the old ID is answered from the supergroup's records.
	if old, _ := db.ListLinks(context.Background(), basicID); len(old) != 2 || old[0].ChatID != upgradedID {
		t.Errorf("the old group's ID reads %d links (%+v), want the supergroup's 2", len(old), old)
	}
}

// TestUpgradeLearnedFromAnAPIError: the bot learns of a group's upgrade
// only from Telegram's answer (400 with migrate_to_chat_id) to a command
// sent from a private chat, before any service message. The chat's records
// move, the call is made again on the supergroup, and the new link is
// filed under the supergroup.
func TestUpgradeLearnedFromAnAPIError(t *testing.T) {
	const basicID, upgradedID int64 = -4000000002, -1004000000002
	srv := newConsoleWorld(t)
	srv.AddChat(bottest.Chat{ID: basicID, Type: "group", Title: "Basic Group"})
	srv.AddChat(bottest.Chat{ID: upgradedID, Type: "supergroup", Title: "Basic Group"})
	for _, c := range []int64{basicID, upgradedID} {
		srv.SetMember(c, dave, bottest.Member{Status: "creator"})
		srv.SetMember(c, alice, bottest.Member{Status: "administrator", CanInviteUsers: true})
	}
	srv.SetMember(upgradedID, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, basicID)
	mustContain(t, h.ask(alice, alice, "/createlink "+id(basicID)+" Before").PlainText, "#1")

	srv.FailNext("createChatInviteLink", bottest.MigrateReply(upgradedID))
	r := h.ask(alice, alice, "/createlink "+id(basicID)+" After")
	mustContain(t, r.PlainText, "New link", "#2", "“After”")
	made := srv.InviteLinks(upgradedID)
	if len(made) != 1 || made[0].Name != "After" {
		t.Fatalf("links made in the supergroup = %+v, want the one retried there", made)
	}
	mustContain(t, r.PlainText, made[0].InviteLink)
	l, err := db.LinkByURL(context.Background(), upgradedID, made[0].InviteLink)
	if err != nil || l.ChatID != upgradedID {
		t.Errorf("the new link is stored as %+v, %v; want it under the supergroup", l, err)
	}
	r = h.ask(alice, alice, "/links "+id(upgradedID))
	mustContain(t, r.PlainText, "#1", "“Before”", "#2", "“After”")
	if n := rowsUnder(t, db, basicID); n != 0 {
		t.Errorf("%d links are still filed under the old group", n)
	}
}

// rowsUnder counts the links filed under chatID itself in the store.
func rowsUnder(t *testing.T, db *sqlite.DB, chatID int64) int {
	t.Helper()
	links, err := db.ListLinks(context.Background(), chatID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range links {
		if l.ChatID == chatID {
			n++
		}
	}
	return n
}
