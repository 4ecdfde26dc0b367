package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/sqlite"
)

func TestStartupSequence(t *testing.T) {
	srv := newWorld(t)
	start(t, srv, "")

	var methods []string
	for _, c := range srv.Calls() {
		if c.Method != "getUpdates" || len(methods) == 0 || methods[len(methods)-1] != "getUpdates" {
			methods = append(methods, c.Method)
		}
	}
	want := slices.Concat([]string{"getMe", "deleteWebhook"}, menuCalls(t), []string{"setMyDefaultAdministratorRights", "setMyDefaultAdministratorRights", "getUpdates"})
	if strings.Join(methods, " ") != strings.Join(want, " ") {
		t.Errorf("calls = %v, want %v", methods, want)
	}
	if p := srv.CallsTo("deleteWebhook")[0].Params; p["drop_pending_updates"] == "true" {
		t.Errorf("deleteWebhook drops pending updates")
	}
	admin := srv.Commands("all_chat_administrators")
	private := srv.Commands("all_private_chats")
	if len(admin) == 0 || len(private) == 0 {
		t.Fatalf("command menus: admin %v, private %v", admin, private)
	}
	names := func(cmds []string) string { return strings.Join(cmds, " ") }
	var adminNames []string
	for _, c := range admin {
		adminNames = append(adminNames, c.Command)
	}
	mustContain(t, names(adminNames), "createlink", "editlink", "revokelink", "refreshlink", "links")
	if !srv.DefaultAdminRights(false)["can_invite_users"] {
		t.Errorf("setMyDefaultAdministratorRights does not suggest can_invite_users")
	}

	poll := srv.CallsTo("getUpdates")[0].Params
	var allowed []string
	if err := json.Unmarshal([]byte(poll["allowed_updates"]), &allowed); err != nil {
		t.Fatalf("allowed_updates %q: %v", poll["allowed_updates"], err)
	}
	if names(allowed) != "message callback_query my_chat_member chat_member chat_join_request" {
		t.Errorf("allowed_updates = %v", allowed)
	}
	if poll["timeout"] != "5" {
		t.Errorf("getUpdates timeout = %q, want the configured 5", poll["timeout"])
	}
}

func TestHelp(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	for _, tc := range []struct {
		chat, from int64
		text       string
	}{{bob, bob, "/start"}, {bob, bob, "/help"}, {groupID, alice, "/help"}, {groupID, dave, "/HELP@invite_test_bot"}} {
		r := h.ask(tc.chat, tc.from, tc.text)
		mustContain(t, r.PlainText, "Invite users via link", "/createlink", "/editlink", "/revokelink", "/refreshlink", "/links", "@invite_test_bot")
	}
	// A member (or an admin without the right) gets one line in the group,
	// and a button to the private chat.
	for _, who := range []int64{bob, carol} {
		r := h.ask(groupID, who, "/help")
		oneLine(t, r)
		if strings.Contains(r.PlainText, "/createlink") {
			t.Errorf("a member got the whole help in the group: %q", r.PlainText)
		}
		if len(r.Buttons) != 1 || r.Buttons[0][0].URL != "https://t.me/invite_test_bot?start=help" {
			t.Errorf("the button to the private chat = %+v", r.Buttons)
		}
	}
}

func TestCreateLink(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")

	before := time.Now()
	r := h.ask(groupID, alice, "/createlink Summer <Sale> & Co expire=7d limit=50")
	after := time.Now()
	mustContain(t, r.PlainText, "#1", "https://t.me/+", "Summer <Sale> & Co", "limit: 50", "approval: no", "active")
	calls := srv.CallsTo("createChatInviteLink")
	if len(calls) != 1 {
		t.Fatalf("%d createChatInviteLink calls, want 1", len(calls))
	}
	p := calls[0].Params
	if p["name"] != "Summer <Sale> & Co" || p["member_limit"] != "50" || p["chat_id"] != strconv.FormatInt(groupID, 10) {
		t.Errorf("params = %v", p)
	}
	exp, _ := strconv.ParseInt(p["expire_date"], 10, 64)
	if exp < before.Add(7*24*time.Hour).Unix() || exp > after.Add(7*24*time.Hour).Unix() {
		t.Errorf("expire_date %d is not 7 days from now", exp)
	}
	links := srv.InviteLinks(groupID)
	if len(links) != 1 || !strings.Contains(r.PlainText, links[0].InviteLink) {
		t.Fatalf("Telegram's links %v; reply %q", links, r.PlainText)
	}
	mustContain(t, r.PlainText, time.Unix(exp, 0).UTC().Format("2006-01-02 15:04 UTC"))

	r = h.ask(groupID, dave, "/createlink request")
	mustContain(t, r.PlainText, "#2", "approval: yes", "limit: none", "expires: never")
	if p := srv.CallsTo("createChatInviteLink")[1].Params; p["creates_join_request"] != "true" || p["name"] != "" {
		t.Errorf("params = %v", p)
	}
	r = h.ask(groupID, alice, "/createlink")
	mustContain(t, r.PlainText, "#3", "name: —")
}

func TestCreateLinkMistakes(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	for _, tc := range []struct{ text, want string }{
		{"/createlink colour=red", "colour=red"},
		{"/createlink limit=0", "limit"},
		{"/createlink limit=100000", "99999"},
		{"/createlink expire=2020-01-01", "past"},
		{"/createlink expire=soon", "expire"},
		{"/createlink limit=5 request", "request"},
		{"/createlink " + strings.Repeat("x", 33), "32"},
		{"/createlink limit=5 limit=6", "limit"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			r := h.ask(groupID, alice, tc.text)
			oneLine(t, r)
			mustContain(t, r.PlainText, tc.want)
		})
	}
	if n := h.changes(); n != 0 {
		t.Errorf("%d calls changed links after mistakes only", n)
	}
}

func TestEditLink(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	h.ask(groupID, alice, "/createlink Partners expire=7d limit=10")

	r := h.ask(groupID, alice, "/editlink #1 limit=none request")
	mustContain(t, r.PlainText, "#1", "“Partners”", "limit: none", "approval: yes")
	p := srv.CallsTo("editChatInviteLink")[0].Params
	// editChatInviteLink resets what it is not given: the name and expiry
	// must be sent again.
	if p["name"] != "Partners" || p["expire_date"] == "" || p["member_limit"] != "" || p["creates_join_request"] != "true" {
		t.Errorf("edit params = %v", p)
	}
	link := srv.InviteLinks(groupID)[0]
	if link.Name != "Partners" || link.ExpireDate == 0 || link.MemberLimit != 0 || !link.CreatesJoinRequest {
		t.Errorf("Telegram's link after the edit = %+v", link)
	}

	r = h.ask(groupID, alice, "/editlink Partners name=Big partners expire=never norequest limit=5")
	mustContain(t, r.PlainText, "“Big partners”", "expires: never", "limit: 5", "approval: no")
	link = srv.InviteLinks(groupID)[0]
	if link.Name != "Big partners" || link.ExpireDate != 0 || link.MemberLimit != 5 || link.CreatesJoinRequest {
		t.Errorf("Telegram's link after the second edit = %+v", link)
	}
	r = h.ask(groupID, alice, "/editlink "+link.InviteLink+" name=")
	mustContain(t, r.PlainText, "name: —", "limit: 5")
}

// TestSettingsMistakes: a mistake in a settings command gets one line that
// says what was wrong and how to do it right, and changes nothing.
func TestSettingsMistakes(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	for _, tc := range []struct{ text, want string }{
		{"/language zz", "“zz”"},
		{"/language en de", "/language es"},
		{"/replies somewhere", "/replies private"},
		{"/notify maybe", "/notify on"},
		{"/autorotate 59m", "1h to 30d"},
		{"/log 101", "1 to 100"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			r := h.ask(groupID, alice, tc.text)
			oneLine(t, r)
			mustContain(t, r.PlainText, tc.want)
		})
	}
	// The unknown code's reply names every code the bot speaks.
	mustContain(t, h.ask(groupID, alice, "/language zz").PlainText, "ar, de, en, es, fa, id, pt-BR, ru, tr, uk")
	mustContain(t, h.ask(groupID, alice, "/language").PlainText, "The language of my messages in this chat is English (en).")
	mustContain(t, h.ask(groupID, alice, "/replies").PlainText, "go to the group itself") // the harness's /replies chat
}

func TestEditAndRevokeMistakes(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	h.ask(groupID, alice, "/createlink Twin")
	h.ask(groupID, alice, "/createlink twin")
	h.ask(groupID, alice, "/createlink Solo limit=3")
	h.ask(groupID, alice, "/refreshlink")
	base := h.changes()
	for _, tc := range []struct{ text, want string }{
		{"/editlink", "/editlink #"},
		{"/editlink #9 limit=5", "#9"},
		{"/editlink #1", "change"},
		{"/editlink twin limit=5", "#1 “Twin” https://t.me/+"},
		{"/revokelink TWIN", "#2 “twin” https://t.me/+"},
		{"/editlink https://t.me/+NotMine12345678 limit=5", "only the links it made"},
		{"/editlink #3 request", "limit=none"},
		{"/editlink #4 limit=5", "primary"},
		{"/editlink #1 expire=2001-01-01", "past"},
		{"/revokelink", "/revokelink"},
		{"/revokelink #4", "/refreshlink"},
		{"/revokelink nosuchname", "nosuchname"},
		{"/links everything", "/links all"},
		{"/refreshlink now", "no arguments"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			r := h.ask(groupID, alice, tc.text)
			oneLine(t, r)
			mustContain(t, r.PlainText, tc.want)
		})
	}
	// An ambiguous name lists each link it may mean, with its URL.
	links := srv.InviteLinks(groupID)
	r := h.ask(groupID, alice, "/revokelink twin")
	mustContain(t, r.PlainText, "#1 “Twin” "+links[0].InviteLink, "#2 “twin” "+links[1].InviteLink, "/revokelink #1")
	if strings.Contains(r.PlainText, "Solo") {
		t.Errorf("the ambiguous answer lists a link of another name: %q", r.PlainText)
	}
	if n := h.changes(); n != base {
		t.Errorf("%d calls changed links after mistakes only", n-base)
	}
}

func TestRevokeAndList(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	h.ask(groupID, alice, "/createlink One")
	h.ask(groupID, alice, "/createlink Two")

	r := h.ask(groupID, alice, "/revokelink one")
	mustContain(t, r.PlainText, "#1", "revoked")
	if link := srv.InviteLinks(groupID)[0]; !link.IsRevoked {
		t.Errorf("Telegram's link #1 is not revoked: %+v", link)
	}
	r = h.ask(groupID, alice, "/revokelink #1")
	mustContain(t, r.PlainText, "revoked already")

	r = h.ask(groupID, alice, "/links")
	mustContain(t, r.PlainText, "Active links in Invite Test Group", "#2", "“Two”")
	if strings.Contains(r.PlainText, "#1") {
		t.Errorf("/links shows the revoked #1: %q", r.PlainText)
	}
	r = h.ask(groupID, alice, "/links all")
	mustContain(t, r.PlainText, "All links", "#1", "revoked", "#2", "active")
}

func TestRevokedElsewhere(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	h.ask(groupID, alice, "/createlink Gone")
	srv.FailNext("revokeChatInviteLink", bottest.ErrorReply(400, "Bad Request: INVITE_HASH_EXPIRED"))
	r := h.ask(groupID, alice, "/revokelink #1")
	mustContain(t, r.PlainText, "no longer exists", "marked it revoked")
	r = h.ask(groupID, alice, "/links all")
	mustContain(t, r.PlainText, "revoked")
}

func TestRefreshLink(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	r := h.ask(groupID, alice, "/refreshlink")
	mustContain(t, r.PlainText, "New primary link", "#1", "(primary)", "other admins")
	first := srv.InviteLinks(groupID)
	r = h.ask(groupID, dave, "/refreshlink")
	mustContain(t, r.PlainText, "#2", "previous primary link I made, #1, no longer works")
	var revoked, active int
	for _, l := range srv.InviteLinks(groupID) {
		if l.IsPrimary && l.IsRevoked {
			revoked++
		} else if l.IsPrimary {
			active++
		}
	}
	if len(first) != 1 || revoked != 1 || active != 1 {
		t.Errorf("Telegram's primary links: %d revoked, %d active", revoked, active)
	}
	r = h.ask(groupID, alice, "/links all")
	mustContain(t, r.PlainText, "#1", "revoked", "#2", "active")
}

func TestWhoMay(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	for _, tc := range []struct {
		name string
		from int64
		want string
	}{
		{"member", bob, "Only the chat's creator and admins"},
		{"admin without the right", carol, "without the “Invite users via link” right"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, cmd := range []string{"/createlink x", "/editlink #1 limit=2", "/revokelink #1", "/refreshlink", "/links"} {
				r := h.ask(groupID, tc.from, cmd)
				oneLine(t, r)
				mustContain(t, r.PlainText, tc.want)
			}
		})
	}
	if n := h.changes(); n != 0 {
		t.Errorf("%d link changes by people without the right", n)
	}

	t.Run("creator", func(t *testing.T) {
		mustContain(t, h.ask(groupID, dave, "/createlink Dave's").PlainText, "#1")
	})
	t.Run("message on behalf of a channel", func(t *testing.T) {
		_, id := srv.PushSenderChatMessage(groupID, tgChannel(), "/createlink sneaky")
		srv.WaitFor(t, "a refusal", func() bool { return len(h.repliesTo(groupID, id)) > 0 })
		mustContain(t, h.repliesTo(groupID, id)[0].PlainText, "on behalf of a channel")
	})
	t.Run("private chat without a chosen chat", func(t *testing.T) {
		r := h.ask(alice, alice, "/createlink x")
		oneLine(t, r)
		mustContain(t, r.PlainText, "Say which chat", "/use")
	})
	t.Run("getChatMember answers are cached", func(t *testing.T) {
		n := len(srv.CallsTo("getChatMember"))
		h.ask(groupID, dave, "/links")
		if got := len(srv.CallsTo("getChatMember")); got != n {
			t.Errorf("a second command by the same admin made %d more getChatMember calls", got-n)
		}
	})
	if n := h.changes(); n != 1 {
		t.Errorf("%d link changes, want only the creator's", n)
	}
}

func TestBotWithoutRight(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	for _, cmd := range []string{"/createlink x", "/refreshlink"} {
		r := h.ask(noRightID, alice, cmd)
		oneLine(t, r)
		mustContain(t, r.PlainText, "I need the “Invite users via link” admin right", "@invite_test_bot")
	}
	r := h.ask(noRightID, alice, "/links all")
	mustContain(t, r.PlainText, "haven't made any links")
}

func TestAnonymousAdmin(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	_, id := srv.PushAnonymousAdminMessage(groupID, "/createlink Anon limit=7")
	srv.WaitFor(t, "the confirmation", func() bool { return len(h.repliesTo(groupID, id)) > 0 })
	confirm := h.repliesTo(groupID, id)[0]
	if len(confirm.Buttons) != 1 || confirm.Buttons[0][0].Text != "Confirm you are an admin" {
		t.Fatalf("confirmation buttons = %+v", confirm.Buttons)
	}
	if n := h.changes(); n != 0 {
		t.Fatalf("the command ran before anyone confirmed")
	}

	a := h.press(bob, groupID, confirm, 0, 0)
	if !a.ShowAlert || !strings.Contains(a.Text, "Only the chat's creator and admins") {
		t.Errorf("member's press answered %+v", a)
	}
	a = h.press(carol, groupID, confirm, 0, 0)
	if !strings.Contains(a.Text, "without the “Invite users via link” right") {
		t.Errorf("admin without the right's press answered %+v", a)
	}
	if n := h.changes(); n != 0 {
		t.Fatalf("a press by someone without the right ran the command")
	}

	// Two admins press at the same moment, before the button is gone: the
	// command runs once.
	data := confirm.Buttons[0][0].CallbackData
	_, q1 := srv.PushCallback(alice, groupID, confirm.MessageID, data)
	_, q2 := srv.PushCallback(dave, groupID, confirm.MessageID, data)
	answers := map[string]bottest.CallbackAnswer{}
	srv.WaitFor(t, "answers to both presses", func() bool {
		for _, a := range srv.CallbackAnswers() {
			answers[a.QueryID] = a
		}
		_, ok1 := answers[q1]
		_, ok2 := answers[q2]
		return ok1 && ok2
	})
	if a := answers[q1]; a.ShowAlert || a.Text != "Confirmed." {
		t.Errorf("first admin's press answered %+v", a)
	}
	if a := answers[q2]; !strings.Contains(a.Text, "expired") && !strings.Contains(a.Text, "already") {
		t.Errorf("second admin's press answered %+v", a)
	}
	srv.WaitFor(t, "the link", func() bool { return len(h.repliesTo(groupID, id)) > 1 })
	mustContain(t, h.repliesTo(groupID, id)[1].PlainText, "#1", "“Anon”", "limit: 7")
	if p := srv.CallsTo("createChatInviteLink"); len(p) != 1 || p[0].Params["member_limit"] != "7" {
		t.Errorf("createChatInviteLink calls = %v", p)
	}
	for _, m := range srv.Messages(groupID) {
		if m.MessageID == confirm.MessageID && (!m.Edited || !strings.Contains(m.PlainText, "Confirmed by @alice_admin") || len(m.Buttons) != 0) {
			t.Errorf("confirmation after the press = %+v", m)
		}
	}
	r := h.ask(groupID, alice, "/links")
	mustContain(t, r.PlainText, "#1")
	if n := h.changes(); n != 1 {
		t.Errorf("%d link changes, want 1", n)
	}
}

func TestIgnored(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	h.silent(groupID, alice, "/links@other_bot")
	h.silent(groupID, alice, "/unknowncommand")
	h.silent(groupID, alice, "just chatting about /links")
	h.silent(groupID, bob, "hello")
	// Another bot's command in a private chat is not ours either.
	r := h.ask(bob, bob, "/frobnicate")
	mustContain(t, r.PlainText, "I don't know /frobnicate", "/help")
	// Commands are case-insensitive, with or without our name.
	mustContain(t, h.ask(groupID, alice, "/LINKS@Invite_Test_Bot").PlainText, "no active links")
}

func TestFixturePayloads(t *testing.T) {
	srv := newWorld(t)
	srv.AddChat(tgChat(-1001234567890))
	h := start(t, srv, "")
	files, err := filepath.Glob("../../../testdata/updates/*.update.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srv.PushUpdate(data)
	}
	// Whatever they held, the bot is still answering.
	h.ask(groupID, alice, "/help")
	mustContain(t, h.ask(bob, bob, "/help").PlainText, "/createlink")
	if n := h.changes(); n != 0 {
		t.Errorf("fixture payloads changed links %d times", n)
	}
}

func TestCallbackWithoutMessage(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	// Buttons under inline-mode messages come without a message (and so
	// without a chat): answered, never a panic.
	_, q1 := srv.PushCallbackNoMessage(bob, "AAAA", "anon:whatever")
	_, q2 := srv.PushCallbackNoMessage(bob, "AAAA", "zzz")
	srv.WaitFor(t, "both presses answered", func() bool { return len(srv.CallbackAnswers()) >= 2 })
	for _, a := range srv.CallbackAnswers() {
		if a.QueryID != q1 && a.QueryID != q2 {
			t.Errorf("unexpected answer %+v", a)
		}
	}
	mustContain(t, h.ask(bob, bob, "/help").PlainText, "/createlink")
}

func TestFailureGetsApology(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	// Not a refusal, not a passing fault: something is wrong on our side.
	srv.FailNext("createChatInviteLink", bottest.ErrorReply(401, "Unauthorized"))
	r := h.ask(groupID, alice, "/createlink x")
	mustContain(t, r.PlainText, "Sorry, something went wrong")
	r = h.ask(groupID, alice, "/links all")
	mustContain(t, r.PlainText, "haven't made any links")
	if !strings.Contains(h.logs.String(), `"level":"error"`) || !strings.Contains(h.logs.String(), "createChatInviteLink") {
		t.Errorf("the failure is not logged as an error naming the method")
	}
}

// TestLostAnswersAreRepeated: when Telegram's answer to a new link or to a
// reply is lost, the call is made again (a lost answer to an admin is worse
// than a rare duplicate), and the log and the metrics say a duplicate may
// exist.
func TestLostAnswersAreRepeated(t *testing.T) {
	srv := newWorld(t)
	h, base := startOps(t, srv)
	// The link is made, but the answer is lost: the repeat makes a second.
	srv.FailNext("createChatInviteLink", bottest.Reply{Drop: true, After: true})
	r := h.ask(groupID, alice, "/createlink Lost")
	links := srv.InviteLinks(groupID)
	if len(links) != 2 {
		t.Fatalf("%d links, want 2: the first made before its answer was lost, and the repeat", len(links))
	}
	mustContain(t, r.PlainText, "New link", links[1].InviteLink, "“Lost”")

	// The reply's connection drops before it reached Telegram: repeated,
	// one reply.
	srv.FailNext("sendMessage", bottest.Reply{Drop: true})
	id := h.send(groupID, alice, "/createlink Once")
	srv.WaitFor(t, "the reply", func() bool { return len(h.repliesTo(groupID, id)) > 0 })
	// The reply went out, its answer was lost: repeated, two replies.
	srv.FailNext("sendMessage", bottest.Reply{Drop: true, After: true})
	id = h.send(groupID, alice, "/createlink Twice")
	srv.WaitFor(t, "the reply and its duplicate", func() bool { return len(h.repliesTo(groupID, id)) == 2 })
	h.ask(groupID, alice, "/help") // in order: the duplicate's call is done
	if got := h.repliesTo(groupID, id); len(got) != 2 || got[0].PlainText != got[1].PlainText {
		t.Errorf("replies %v, want the reply twice", got)
	}
	if n := strings.Count(h.logs.String(), "so a duplicate may exist"); n != 3 {
		t.Errorf("%d warnings of a possible duplicate, want 3 (one per lost answer)", n)
	}
	_, text := httpGet(t, base+"/metrics")
	fams := parseMetrics(t, text)
	for method, want := range map[string]float64{"createChatInviteLink": 1, "sendMessage": 2} {
		if got := sample(fams, "invitebot_api_unsure_repeats_total", map[string]string{"method": method}); got != want {
			t.Errorf("invitebot_api_unsure_repeats_total{method=%q} = %v, want %v", method, got, want)
		}
	}
}

// TestUnsureToTheEndSaysSo: a link call whose answers keep getting lost
// gets an honest reply once the tries run out.
func TestUnsureToTheEndSaysSo(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	srv.Intercept(func(c bottest.Call) (bottest.Reply, bool) {
		return bottest.ErrorReply(500, "Internal Server Error"), c.Method == "createChatInviteLink"
	})
	r := h.ask(groupID, alice, "/createlink Never")
	mustContain(t, r.PlainText, "did not confirm", "Check /links")
	oneLine(t, r)
}

func TestLinksPaginated(t *testing.T) {
	srv := newWorld(t)
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "invitebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	const n = 120
	for i := range n {
		_, _, err := db.AddLink(context.Background(), store.NewLink{
			ChatID: groupID, URL: fmt.Sprintf("https://t.me/+seeded%010d", i), Name: fmt.Sprintf("Campaign <%d> & friends", i),
			MemberLimit: i + 1, CreatedBy: alice, CreatedAt: now,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	h := start(t, srv, dir)
	id := h.send(groupID, alice, "/links")
	var pages []bottest.SentMessage
	srv.WaitFor(t, "every page", func() bool {
		all := srv.Messages(groupID)
		pages = pages[:0]
		for _, m := range all {
			if strings.HasPrefix(m.PlainText, "Active links") {
				pages = append(pages, m)
			}
		}
		return len(pages) > 1 && strings.Contains(pages[len(pages)-1].PlainText, fmt.Sprintf("#%d ", n))
	})
	if pages[0].ReplyTo != id {
		t.Errorf("the first page does not answer the command")
	}
	seen := 0
	for i, p := range pages {
		mustContain(t, p.PlainText, fmt.Sprintf("(page %d/%d)", i+1, len(pages)))
		seen += strings.Count(p.PlainText, "https://t.me/+seeded")
	}
	if seen != n {
		t.Errorf("%d links across %d pages, want %d", seen, len(pages), n)
	}
}

func TestRestartKeepsLinksAndSkipsHandledUpdates(t *testing.T) {
	srv := newWorld(t)
	dir := t.TempDir()
	h := start(t, srv, dir)
	first := h.send(groupID, alice, "/createlink Keep")
	srv.WaitFor(t, "the link", func() bool { return len(h.repliesTo(groupID, first)) > 0 })
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if srv.Pending() != 0 {
		t.Errorf("%d updates left unconfirmed after a clean stop", srv.Pending())
	}

	h2 := start(t, srv, dir)
	r := h2.ask(groupID, alice, "/links")
	mustContain(t, r.PlainText, "#1", "“Keep”")
	mustContain(t, h2.ask(groupID, alice, "/createlink Next").PlainText, "#2")
	if got := h2.repliesTo(groupID, first); len(got) != 1 {
		t.Errorf("the command before the restart was answered %d times", len(got))
	}
}

func TestStartupErrors(t *testing.T) {
	srv := newWorld(t)
	tests := []struct {
		name    string
		kv      []string
		wantVar string
	}{
		{"no token", []string{"TELEGRAM_BOT_TOKEN", ""}, "TELEGRAM_BOT_TOKEN"},
		{"malformed owner", []string{"INVITEBOT_OWNERS", "12,x"}, "INVITEBOT_OWNERS"},
		{"unwritable database", []string{"INVITEBOT_DB", "/nonexistent/dir/invitebot.db"}, "INVITEBOT_DB"},
		{"token rejected", []string{"TELEGRAM_BOT_TOKEN", "6000000001:AAwrong-SECRET-token"}, "TELEGRAM_BOT_TOKEN"},
		// pgx reports a failed connection on several lines (one per address and
		// TLS mode tried); stderr still gets one line, and not the password.
		{"unreachable postgres", []string{"INVITEBOT_DB", "postgres://invitebot:SECRET@127.0.0.1:1/invitebot"}, "INVITEBOT_DB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			envm := map[string]string{
				"TELEGRAM_BOT_TOKEN": srv.Token(),
				"TELEGRAM_API_URL":   srv.URL(),
				"INVITEBOT_DB":       filepath.Join(t.TempDir(), "x.db"),
			}
			for i := 0; i+1 < len(tt.kv); i += 2 {
				envm[tt.kv[i]] = tt.kv[i+1]
			}
			logs := &syncBuffer{}
			err := Run(context.Background(), func(k string) string { return envm[k] }, &syncBuffer{}, logs, Options{Pace: bot.TelegramPace})
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Var != tt.wantVar {
				t.Fatalf("run = %v, want a configuration error naming %s", err, tt.wantVar)
			}
			stderr := &syncBuffer{}
			if code := ExitCode(err, stderr); code != 2 {
				t.Errorf("exit status %d", code)
			}
			if strings.Count(stderr.String(), "\n") != 1 || strings.Contains(stderr.String(), "SECRET") || strings.Contains(logs.String(), "SECRET") {
				t.Errorf("stderr = %q; logs = %q", stderr.String(), logs.String())
			}
		})
	}
}

func TestUnreachableAPIStopsCleanly(t *testing.T) {
	srv := newWorld(t)
	srv.FailNext("getMe", bottest.Reply{Drop: true})
	srv.FailNext("getMe", bottest.Reply{Drop: true})
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	envm := map[string]string{
		"TELEGRAM_BOT_TOKEN": srv.Token(), "TELEGRAM_API_URL": srv.URL(),
		"INVITEBOT_DB": filepath.Join(t.TempDir(), "x.db"), "INVITEBOT_LOG_FORMAT": "json",
	}
	go func() {
		done <- Run(ctx, func(k string) string { return envm[k] }, &syncBuffer{}, logs, Options{Pace: bot.TelegramPace})
	}()
	srv.WaitFor(t, "a retry of getMe", func() bool { return len(srv.CallsTo("getMe")) >= 2 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v, want nil after a stop", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	secret := srv.Token()[strings.Index(srv.Token(), ":")+1:]
	if !strings.Contains(logs.String(), "cannot reach the Bot API") || strings.Contains(logs.String(), secret) {
		t.Errorf("logs = %s", logs.String())
	}
}

// TestFixtureShapesAsCommands sends our commands in the exact shapes of the
// real payloads: /cmd@BotName in a supergroup, and an anonymous admin's
// command with and without an author signature.
func TestFixtureShapesAsCommands(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	asCommand := func(file, text string) []byte {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("../../../testdata/updates", file))
		if err != nil {
			t.Fatal(err)
		}
		var u map[string]any
		if err := json.Unmarshal(data, &u); err != nil {
			t.Fatal(err)
		}
		msg := u["message"].(map[string]any)
		msg["text"] = text
		cmdLen := len(strings.Fields(text)[0])
		msg["entities"] = []map[string]any{{"offset": 0, "length": cmdLen, "type": "bot_command"}}
		out, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	waitReply := func(text string) bottest.SentMessage {
		t.Helper()
		var found bottest.SentMessage
		srv.WaitFor(t, "a reply containing "+text, func() bool {
			for _, m := range srv.Messages(groupID) {
				if strings.Contains(m.PlainText, text) {
					found = m
					return true
				}
			}
			return false
		})
		return found
	}

	srv.PushUpdate(asCommand("group_command_at_botname.update.json", "/createlink@invite_test_bot Fixture expire=24h"))
	waitReply("“Fixture”")

	srv.PushUpdate(asCommand("anon_admin_command.update.json", "/links@invite_test_bot"))
	confirm := waitReply("anonymous admin")
	h.press(alice, groupID, confirm, 0, 0)
	waitReply("Active links in Invite Test Group")

	n := len(srv.Messages(groupID))
	srv.PushUpdate(asCommand("anon_admin_command_with_signature.update.json", "/revokelink@invite_test_bot #1"))
	srv.WaitFor(t, "a second confirmation", func() bool { return len(srv.Messages(groupID)) > n })
	if h.changes() != 1 {
		t.Errorf("the anonymous admin's revoke ran before a confirmation")
	}
}
