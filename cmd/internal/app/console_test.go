package app

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/store/sqlite"
)

// The world of the private-chat and join-request tests: newWorld's, plus
// a second group, a public channel, an owner and people who ask to join.
const (
	group2ID int64 = -1002222222222 // dave's; the bot is an admin with the right; alice is not in it

	olga  int64 = 5000000009 // owner (INVITEBOT_OWNERS), member of nothing
	erin  int64 = 5000000005 // admin of the channel with can_invite_users
	frank int64 = 5000000006 // wants to join; @frank_f
	gina  int64 = 5000000007 // wants to join; @gina_g
	hank  int64 = 5000000008 // wants to join; no username
	ivan  int64 = 5000000010 // wants to join; @ivan_i
	jane  int64 = 5000000011 // wants to join; @jane_j
)

const owners = "5000000009"

func newConsoleWorld(t *testing.T, opts ...bottest.Option) *bottest.Server {
	t.Helper()
	srv := newWorld(t, opts...)
	for _, u := range []bottest.User{
		{ID: olga, FirstName: "Olga", UserName: "olga_owner"},
		{ID: erin, FirstName: "Erin", UserName: "erin_editor"},
		{ID: frank, FirstName: "Frank", UserName: "frank_f"},
		{ID: gina, FirstName: "Gina", UserName: "gina_g"},
		{ID: hank, FirstName: "Hank", LastName: "<Hill>"},
		{ID: ivan, FirstName: "Ivan", UserName: "ivan_i"},
		{ID: jane, FirstName: "Jane", UserName: "jane_j"},
	} {
		srv.AddUser(u)
	}
	srv.AddChat(bottest.Chat{ID: group2ID, Type: "supergroup", Title: "Second <Group>", UserName: "second_group"})
	srv.SetMember(group2ID, dave, bottest.Member{Status: "creator"})
	srv.SetMember(group2ID, bob, bottest.Member{Status: "member"})
	srv.SetMember(group2ID, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	srv.AddChat(bottest.Chat{ID: channelID, Type: "channel", Title: "Test Channel", UserName: "test_channel"})
	srv.SetMember(channelID, erin, bottest.Member{Status: "administrator", CanInviteUsers: true})
	return srv
}

// openStore opens the running bot's database beside it, to wait for what
// the bot records without saying anything.
func openStore(t *testing.T, h *harness) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), h.env["INVITEBOT_DB"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// eventually waits until cond holds, checking it every few milliseconds
// for at most 10 s: for records the bot writes without a word, which the
// fake server does not see.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after 10s waiting for %s", what)
		}
		<-tick.C
	}
}

// setBot changes the bot's membership in chat as dave does it, and waits
// until the bot has recorded the my_chat_member update.
func setBot(t *testing.T, h *harness, db *sqlite.DB, chat int64, m bottest.Member) {
	t.Helper()
	h.srv.PushMemberChange(bottest.MemberChange{ChatID: chat, UserID: h.srv.Bot().ID, From: dave, New: m})
	eventually(t, fmt.Sprintf("the bot's status %q in %d recorded", m.Status, chat), func() bool {
		c, err := db.Chat(context.Background(), chat)
		return err == nil && c.BotStatus == m.Status && c.BotCanInvite == (m.Status == "administrator" && m.CanInviteUsers)
	})
}

// promote makes the bot an admin with can_invite_users in each chat.
func promote(t *testing.T, h *harness, db *sqlite.DB, chats ...int64) {
	t.Helper()
	for _, c := range chats {
		setBot(t, h, db, c, bottest.Member{Status: "administrator", CanInviteUsers: true})
	}
}

// callsWith returns the calls to method whose param has the value.
func callsWith(srv *bottest.Server, method, param, value string) []bottest.Call {
	var out []bottest.Call
	for _, c := range srv.CallsTo(method) {
		if c.Params[param] == value {
			out = append(out, c)
		}
	}
	return out
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// joinsOf reads the joins that a /links reply shows for link #n.
func joinsOf(t *testing.T, text string, n int) int {
	t.Helper()
	m := regexp.MustCompile(fmt.Sprintf(`(?m)^#%d \S+.*\n.*joins: (\d+)`, n)).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no joins shown for #%d in %q", n, text)
	}
	v, _ := strconv.Atoi(m[1])
	return v
}

// joinUpdate is a chat_member update of user joining chat at date, through
// link if not "" (a link of the bot's; created by creator), as Telegram
// writes it; via marks a join through an approved join request.
func joinUpdate(chat bottest.Chat, user, from bottest.User, link string, via bool, date int64) []byte {
	userJSON := map[string]any{"id": user.ID, "is_bot": false, "first_name": user.FirstName}
	if user.UserName != "" {
		userJSON["username"] = user.UserName
	}
	cm := map[string]any{
		"chat":            map[string]any{"id": chat.ID, "title": chat.Title, "type": chat.Type},
		"from":            map[string]any{"id": from.ID, "is_bot": from.IsBot, "first_name": from.FirstName},
		"date":            date,
		"old_chat_member": map[string]any{"user": userJSON, "status": "left"},
		"new_chat_member": map[string]any{"user": userJSON, "status": "member"},
	}
	if link != "" {
		cm["invite_link"] = map[string]any{"invite_link": link, "creator": map[string]any{"id": 6000000001, "is_bot": true, "first_name": "Invite Bot", "username": "invite_test_bot"},
			"creates_join_request": via, "is_primary": false, "is_revoked": false}
	}
	if via {
		cm["via_join_request"] = true
	}
	out, err := json.Marshal(map[string]any{"chat_member": cm})
	if err != nil {
		panic(err)
	}
	return out
}

// TestOwnerManagesChatsFromPrivate: an owner manages two groups and a
// channel from a private chat, with every core command, without typing in
// them: by a leading CHAT, and by the chat chosen with /use.
func TestOwnerManagesChatsFromPrivate(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, groupID, group2ID, channelID)

	r := h.ask(olga, olga, "/chats")
	mustContain(t, r.PlainText, "Invite Test Group", "Second <Group>", "@second_group", "Test Channel", "@test_channel", id(channelID), "(channel)")
	if strings.Contains(r.PlainText, "No <Right> Group") {
		t.Errorf("/chats lists a chat the bot is not known to administer: %q", r.PlainText)
	}

	// A leading CHAT: the channel by username.
	r = h.ask(olga, olga, "/createlink @test_channel News limit=10")
	mustContain(t, r.PlainText, "#1", "“News”", "limit: 10")
	if c := callsWith(srv, "createChatInviteLink", "chat_id", id(channelID)); len(c) != 1 || c[0].Params["name"] != "News" {
		t.Errorf("createChatInviteLink in the channel: %v", c)
	}
	r = h.ask(olga, olga, "/editlink @test_channel #1 limit=5")
	mustContain(t, r.PlainText, "Edited", "limit: 5")
	r = h.ask(olga, olga, "/refreshlink @test_channel")
	mustContain(t, r.PlainText, "New primary link", "#2")
	r = h.ask(olga, olga, "/links "+id(channelID)+" all")
	mustContain(t, r.PlainText, "All links in Test Channel", "#1", "#2", "(primary)")
	r = h.ask(olga, olga, "/revokelink @test_channel News")
	mustContain(t, r.PlainText, "Revoked", "#1")
	if l := srv.InviteLinks(channelID); len(l) != 2 || !l[0].IsRevoked || l[0].MemberLimit != 5 {
		t.Errorf("the channel's links at Telegram: %+v", l)
	}

	// /use: the second group for the commands that follow.
	r = h.ask(olga, olga, "/use @SECOND_GROUP")
	mustContain(t, r.PlainText, "From now on", "Second <Group>")
	r = h.ask(olga, olga, "/use")
	mustContain(t, r.PlainText, "act on Second <Group>")
	r = h.ask(olga, olga, "/createlink Promo expire=7d")
	mustContain(t, r.PlainText, "#1", "“Promo”")
	r = h.ask(olga, olga, "/refreshlink")
	mustContain(t, r.PlainText, "New primary link", "#2")
	r = h.ask(olga, olga, "/editlink Promo name=Promo two")
	mustContain(t, r.PlainText, "“Promo two”")
	r = h.ask(olga, olga, "/links")
	mustContain(t, r.PlainText, "Active links in Second <Group>", "#1", "#2")
	if r.ChatID != olga {
		t.Errorf("the /links pages went to chat %d, want the private chat", r.ChatID)
	}
	r = h.ask(olga, olga, "/revokelink #1")
	mustContain(t, r.PlainText, "Revoked", "#1")
	r = h.ask(olga, olga, "/revokelink #9")
	oneLine(t, r)
	mustContain(t, r.PlainText, "no link #9 of mine in Second <Group>")
	for _, m := range []string{"createChatInviteLink", "exportChatInviteLink", "editChatInviteLink", "revokeChatInviteLink"} {
		if c := callsWith(srv, m, "chat_id", id(group2ID)); len(c) != 1 {
			t.Errorf("%d %s calls for the second group, want 1", len(c), m)
		}
	}

	// The first group by ID, while the second stays chosen.
	r = h.ask(olga, olga, "/links "+id(groupID))
	mustContain(t, r.PlainText, "no active links in Invite Test Group")
	r = h.ask(olga, olga, "/createlink "+id(groupID)+" Main")
	mustContain(t, r.PlainText, "#1", "“Main”")
	if c := callsWith(srv, "createChatInviteLink", "chat_id", id(groupID)); len(c) != 1 {
		t.Errorf("createChatInviteLink in the first group: %v", c)
	}
	mustContain(t, h.ask(olga, olga, "/links").PlainText, "Second <Group>")

	// Nothing was said in the managed chats, and the owner needed no
	// getChatMember: owners may act on every chat the bot administers.
	for _, chat := range []int64{groupID, group2ID, channelID} {
		if n := len(srv.Messages(chat)); n != 0 {
			t.Errorf("the bot sent %d messages to chat %d", n, chat)
		}
	}
	if c := callsWith(srv, "getChatMember", "user_id", id(olga)); len(c) != 0 {
		t.Errorf("%d getChatMember calls about the owner", len(c))
	}
}

// TestAdminOfOneChatCannotTouchAnother: from a private chat, an admin acts
// on the chats they administer and on no other.
func TestAdminOfOneChatCannotTouchAnother(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, groupID, group2ID, channelID)

	r := h.ask(alice, alice, "/chats")
	mustContain(t, r.PlainText, "Invite Test Group")
	for _, other := range []string{"Second", "Test Channel"} {
		if strings.Contains(r.PlainText, other) {
			t.Errorf("alice's /chats shows %s: %q", other, r.PlainText)
		}
	}
	mustContain(t, h.ask(erin, erin, "/chats").PlainText, "Test Channel")

	refusal := h.ask(alice, alice, "/use @second_group").PlainText
	mustContain(t, refusal, "I can't act on that chat for you")
	for _, cmd := range []string{
		"/createlink @second_group x", "/links " + id(group2ID), "/refreshlink @test_channel",
		"/requests @second_group", "/approve @second_group all", "/revokelink @test_channel #1",
	} {
		r := h.ask(alice, alice, cmd)
		oneLine(t, r)
		if r.PlainText != refusal {
			t.Errorf("%s: %q, want the refusal %q", cmd, r.PlainText, refusal)
		}
	}
	r = h.ask(carol, carol, "/use "+id(groupID))
	oneLine(t, r)
	mustContain(t, r.PlainText, "admin of Invite Test Group, but without the “Invite users via link” right")
	if n := h.changes(); n != 0 {
		t.Fatalf("%d link changes by people without the right", n)
	}

	// Her own group works, by /use.
	mustContain(t, h.ask(alice, alice, "/use "+id(groupID)).PlainText, "From now on", "Invite Test Group")
	mustContain(t, h.ask(alice, alice, "/createlink Mine").PlainText, "#1", "“Mine”")
	mustContain(t, h.ask(erin, erin, "/createlink @test_channel Erin's").PlainText, "#1")

	// Demoted in the group: the chat_member update drops the cached answer
	// at once. (An answer in the group, handled after the update, tells
	// that the update was handled.)
	srv.PushMemberChange(bottest.MemberChange{ChatID: groupID, UserID: alice, From: dave, New: bottest.Member{Status: "member"}})
	h.ask(groupID, dave, "/help")
	r = h.ask(alice, alice, "/links")
	oneLine(t, r)
	mustContain(t, r.PlainText, "no longer act for you on the chat you chose")
	if n := h.changes(); n != 2 {
		t.Errorf("%d link changes, want alice's and erin's", n)
	}
}

// TestStrangerLearnsNothing: someone who may manage no chat gets the same
// refusal for chats that exist and chats that do not.
func TestStrangerLearnsNothing(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, groupID, group2ID, channelID)

	var replies []string
	for _, cmd := range []string{
		"/use @second_group", "/use @no_such_chat", "/use " + id(groupID), "/use -1009999999999", "/use " + id(noRightID),
		"/links @test_channel", "/links @no_such_channel", "/createlink " + id(group2ID) + " x", "/createlink -1007777777777 x",
	} {
		r := h.ask(bob, bob, cmd)
		oneLine(t, r)
		replies = append(replies, r.PlainText)
	}
	for i, r := range replies {
		if r != replies[0] {
			t.Errorf("reply %d differs: %q vs %q", i, r, replies[0])
		}
	}
	r := h.ask(bob, bob, "/chats")
	mustContain(t, r.PlainText, "There are no chats you can manage through me")
	for _, title := range []string{"Invite Test Group", "Second", "Channel", "-100"} {
		if strings.Contains(r.PlainText, title) {
			t.Errorf("a stranger's /chats mentions %q: %q", title, r.PlainText)
		}
	}
	r = h.ask(bob, bob, "/requests")
	mustContain(t, r.PlainText, "Say which chat")
	if n := h.changes(); n != 0 {
		t.Errorf("%d link changes by a stranger", n)
	}
	// /chats and /use belong in a private chat.
	for _, cmd := range []string{"/chats", "/use @second_group"} {
		r := h.ask(groupID, alice, cmd)
		oneLine(t, r)
		mustContain(t, r.PlainText, "works in a private chat with me", "@invite_test_bot")
	}
}

// TestChatsFollowMyChatMember: the chats the bot administers are tracked
// from my_chat_member: added, lost the right, demoted, removed.
func TestChatsFollowMyChatMember(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)

	mustContain(t, h.ask(olga, olga, "/chats").PlainText, "There are no chats")
	promote(t, h, db, group2ID, channelID)
	r := h.ask(olga, olga, "/chats")
	mustContain(t, r.PlainText, "Second <Group>", "Test Channel")
	if strings.Contains(r.PlainText, "I lack") {
		t.Errorf("/chats says a right is missing: %q", r.PlainText)
	}

	setBot(t, h, db, group2ID, bottest.Member{Status: "administrator"})
	r = h.ask(olga, olga, "/chats")
	mustContain(t, r.PlainText, "Second <Group>", "I lack the “Invite users via link” right there")
	r = h.ask(olga, olga, "/createlink @second_group x")
	mustContain(t, r.PlainText, "I need the “Invite users via link” admin right in Second <Group>")

	setBot(t, h, db, group2ID, bottest.Member{Status: "member"})
	setBot(t, h, db, channelID, bottest.Member{Status: "left"})
	r = h.ask(olga, olga, "/chats")
	mustContain(t, r.PlainText, "There are no chats")
	mustContain(t, h.ask(olga, olga, "/use @second_group").PlainText, "I can't act on that chat for you")
	mustContain(t, h.ask(olga, olga, "/links @test_channel").PlainText, "I can't act on that chat for you")

	promote(t, h, db, channelID)
	mustContain(t, h.ask(olga, olga, "/chats").PlainText, "Test Channel")
	mustContain(t, h.ask(olga, olga, "/use @test_channel").PlainText, "From now on", "Test Channel")
}

// TestChannelRequestsFromPrivate: a channel's join requests are listed and
// answered from a private chat, by command and by button.
func TestChannelRequestsFromPrivate(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, channelID)
	mustContain(t, h.ask(erin, erin, "/createlink @test_channel Subscribers request").PlainText, "#1", "approval: yes")
	link := srv.InviteLinks(channelID)[0].InviteLink
	srv.PushJoinRequest(channelID, frank, link)
	srv.PushJoinRequest(channelID, gina, "")
	srv.PushJoinRequest(channelID, hank, link)
	eventually(t, "three pending requests", func() bool {
		reqs, _ := db.PendingJoinRequests(context.Background(), channelID)
		return len(reqs) == 3
	})

	r := h.ask(erin, erin, "/requests @test_channel")
	mustContain(t, r.PlainText, "Pending join requests in Test Channel", "Frank @frank_f", "through #1 “Subscribers”", "Gina @gina_g", "without a link", "Hank <Hill>")
	if len(r.Buttons) != 3 || r.Buttons[0][0].Text != "Approve @frank_f" || r.Buttons[0][1].Text != "Decline @frank_f" {
		t.Fatalf("buttons = %+v", r.Buttons)
	}
	a := h.press(erin, erin, r, 2, 0) // Approve Hank
	if a.ShowAlert || !strings.Contains(a.Text, "Approved Hank <Hill>") {
		t.Errorf("answer %+v", a)
	}
	if c := callsWith(srv, "approveChatJoinRequest", "user_id", id(hank)); len(c) != 1 || c[0].Params["chat_id"] != id(channelID) {
		t.Errorf("approveChatJoinRequest calls for hank: %v", c)
	}
	r = h.ask(erin, erin, "/decline @test_channel @gina_g")
	mustContain(t, r.PlainText, "Declined @gina_g's request to join Test Channel")
	r = h.ask(olga, olga, "/approve "+id(channelID)+" all")
	mustContain(t, r.PlainText, "Approved 1 request in Test Channel")
	for _, u := range []int64{frank, hank} {
		if m := srv.Member(channelID, u); m.Status != "member" {
			t.Errorf("user %d in the channel: %+v", u, m)
		}
	}
	mustContain(t, h.ask(olga, olga, "/links @test_channel").PlainText, "joins: 2")
	mustContain(t, h.ask(olga, olga, "/requests @test_channel").PlainText, "no pending join requests in Test Channel")
}

// TestMenusAndHelpShowTheConsole: the command menus and /help name the
// new commands where they work.
func TestMenusAndHelpShowTheConsole(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "")
	names := func(scope string) string {
		var out []string
		for _, c := range srv.Commands(scope) {
			out = append(out, "/"+c.Command+" ")
		}
		return strings.Join(out, "")
	}
	mustContain(t, names("all_chat_administrators"), "/requests ", "/approve ", "/decline ", "/links ")
	private := names("all_private_chats")
	mustContain(t, private, "/chats ", "/use ", "/links ", "/createlink ", "/editlink ", "/revokelink ", "/refreshlink ", "/requests ", "/approve ", "/decline ", "/help ")
	if strings.Contains(names("all_chat_administrators"), "/chats ") {
		t.Errorf("the group menu offers /chats, which works in private chats only")
	}
	mustContain(t, h.ask(bob, bob, "/help").PlainText, "/requests", "/approve USER|all", "/decline", "/chats", "/use CHAT", "/createlink @mychannel")
}
