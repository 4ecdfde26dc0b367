package app

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/handlers/verifypage/pagetest"
	"github.com/invitebot/invitebot/store"
)

// Gatekeeping (PRODUCT.md §6) through the real program.

// checkEmoji are the pictures of a check's buttons by the English names
// the check's text gives them.
var checkEmoji = map[string]string{
	"the apple": "🍎", "the banana": "🍌", "the grapes": "🍇", "the cherries": "🍒",
	"the lemon": "🍋", "the pear": "🍐", "the strawberry": "🍓", "the watermelon": "🍉",
}

// waitCheck waits for the bot's check in the requester's private chat.
func waitCheck(t *testing.T, srv *bottest.Server, requester int64) bottest.SentMessage {
	t.Helper()
	srv.WaitFor(t, "a check sent to the requester", func() bool { return len(srv.Messages(requester)) > 0 })
	msgs := srv.Messages(requester)
	if len(msgs) != 1 {
		t.Fatalf("requester %d got %d messages, want one check", requester, len(msgs))
	}
	return msgs[0]
}

// rightButton is the column of the check's button that its text names,
// and a wrong one.
func rightButton(t *testing.T, check bottest.SentMessage) (right, wrong int) {
	t.Helper()
	if len(check.Buttons) != 1 || len(check.Buttons[0]) != 4 {
		t.Fatalf("check buttons = %+v, want one row of four", check.Buttons)
	}
	emoji := ""
	for name, e := range checkEmoji {
		if strings.Contains(check.PlainText, "button with "+name+".") {
			emoji = e
		}
	}
	if emoji == "" {
		t.Fatalf("the check names no thing: %q", check.PlainText)
	}
	right = -1
	for i, b := range check.Buttons[0] {
		if b.Text == emoji {
			right = i
		}
	}
	if right < 0 {
		t.Fatalf("no button shows %s: %+v", emoji, check.Buttons[0])
	}
	return right, (right + 1) % 4
}

// answered waits until Telegram has the user's request answered: member
// when approved, a declineChatJoinRequest call when declined.
func approvedAtTelegram(t *testing.T, srv *bottest.Server, chat, user int64) {
	t.Helper()
	srv.WaitFor(t, "the request approved", func() bool { return srv.Member(chat, user).Status == "member" })
}

func declinedAtTelegram(t *testing.T, srv *bottest.Server, user int64) {
	t.Helper()
	srv.WaitFor(t, "the request declined", func() bool {
		for _, c := range srv.Calls() {
			if c.Performed && c.Status == 200 && c.Params["user_id"] == id(user) && c.Method == "declineChatJoinRequest" {
				return true
			}
		}
		return false
	})
}

// TestJoinModes: /joinmode shows and sets the mode; auto approves and
// closed declines at once; manual leaves requests to the admins; a link's
// join= overrides the chat's mode; mistakes are told.
func TestJoinModes(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	mustContain(t, h.ask(groupID, alice, "/joinmode").PlainText, "Join requests to this chat wait for an admin")

	mustContain(t, h.ask(groupID, alice, "/joinmode auto").PlainText, "From now on I approve every join request to this chat at once.")
	srv.PushJoinRequest(groupID, frank, "")
	approvedAtTelegram(t, srv, groupID, frank)

	mustContain(t, h.ask(groupID, alice, "/joinmode CLOSED").PlainText, "From now on I decline every join request to this chat at once.")
	srv.PushJoinRequest(groupID, gina, "")
	declinedAtTelegram(t, srv, gina)

	// A link's own mode wins over the chat's.
	r := h.ask(groupID, alice, "/createlink Friends join=auto")
	mustContain(t, r.PlainText, "#1", "approval: yes (join=auto: at once)")
	links := srv.InviteLinks(groupID)
	if len(links) != 1 || !links[0].CreatesJoinRequest {
		t.Fatalf("Telegram's links = %+v, want one that creates join requests", links)
	}
	srv.PushJoinRequest(groupID, hank, links[0].InviteLink)
	approvedAtTelegram(t, srv, groupID, hank)
	mustContain(t, h.ask(groupID, alice, "/editlink #1 join=none").PlainText, "approval: yes")

	mustContain(t, h.ask(groupID, alice, "/joinmode manual").PlainText, "wait for an admin")
	srv.PushJoinRequest(groupID, ivan, "")
	mustContain(t, h.ask(groupID, alice, "/requests").PlainText, "Ivan @ivan_i")
	if n := len(callsWith(srv, "approveChatJoinRequest", "user_id", id(ivan))) + len(callsWith(srv, "declineChatJoinRequest", "user_id", id(ivan))); n != 0 {
		t.Errorf("a request in manual mode was answered (%d calls)", n)
	}

	for _, tc := range []struct{ cmd, want string }{
		{"/joinmode open", "Send /joinmode manual"},
		{"/joinmode auto 5m", "Send /joinmode manual"},
		{"/joinmode verify 30s", "WAIT is how long a person has to answer the check, from 1m to 24h"},
		{"/joinmode verify 25h", "not “25h”"},
		{"/joinmode verify 10m 5m", "Send /joinmode manual"},
	} {
		r := h.ask(groupID, alice, tc.cmd)
		oneLine(t, r)
		mustContain(t, r.PlainText, tc.want)
	}
	mustContain(t, h.ask(groupID, alice, "/joinmode verify 1h30m").PlainText, "none within 1h30m declines them")
	mustContain(t, h.ask(groupID, alice, "/joinmode").PlainText, "they have 1h30m to answer")
	mustContain(t, h.ask(groupID, bob, "/joinmode auto").PlainText, "Only the chat's creator and admins")
	mustContain(t, h.ask(groupID, alice, "/joinmode").PlainText, "they have 1h30m to answer")
}

// TestRules: /rules shows, sets and removes the rules; too long is told.
func TestRules(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	mustContain(t, h.ask(groupID, alice, "/rules").PlainText, "This chat has no rules for the check")
	mustContain(t, h.ask(groupID, alice, "/rules Be kind <b>to</b> each other & no spam").PlainText, "Be kind <b>to</b> each other & no spam")
	mustContain(t, h.ask(groupID, alice, "/rules").PlainText, "Be kind <b>to</b> each other & no spam", "/rules off removes them")
	r := h.ask(groupID, alice, "/rules "+strings.Repeat("é", 1001))
	mustContain(t, r.PlainText, "The rules can be up to 1000 characters; these have 1001.")
	mustContain(t, h.ask(groupID, alice, "/rules").PlainText, "Be kind")
	mustContain(t, h.ask(groupID, alice, "/rules off").PlainText, "no rules for the check any more")
	mustContain(t, h.ask(groupID, alice, "/rules").PlainText, "no rules")
}

// TestVerifyByMessage: in verify mode each requester gets a check in
// private with the chat's title, its rules and four buttons; the right
// press approves, a wrong one declines, none within WAIT declines; only
// the requester's own press counts; the check shows its outcome.
func TestVerifyByMessage(t *testing.T) {
	srv := newConsoleWorld(t)
	c := &clock{now: time.Now().UTC()}
	h := startWith(t, srv, "", Options{Pace: fastPace, Now: c.Now, Tick: 20 * time.Millisecond}, "INVITEBOT_OWNERS", owners)
	h.ask(groupID, alice, "/rules Be kind <b>to</b> each other & no spam")
	h.ask(groupID, alice, "/joinmode verify 5m")
	for _, u := range []int64{frank, gina, hank} {
		srv.PushJoinRequest(groupID, u, "")
	}

	check := waitCheck(t, srv, frank)
	mustContain(t, check.PlainText, "You asked to join Invite Test Group.", "You have 5m.", "Rules\nBe kind <b>to</b> each other & no spam")
	right, _ := rightButton(t, check)

	// Gina presses Frank's right button: it is not her check.
	ginas := waitCheck(t, srv, gina)
	a := h.press(gina, frank, check, 0, right)
	mustContain(t, a.Text, "This check is not yours")
	if srv.Member(groupID, gina).Status == "member" || srv.Member(groupID, frank).Status == "member" {
		t.Fatalf("someone else's press let someone in")
	}

	a = h.press(frank, frank, check, 0, right)
	mustContain(t, a.Text, "your request to join Invite Test Group is approved")
	approvedAtTelegram(t, srv, groupID, frank)
	if m := srv.Messages(frank)[0]; !m.Edited || len(m.Buttons) != 0 || !strings.Contains(m.PlainText, "is approved") {
		t.Errorf("frank's check after the press = %+v", m)
	}
	_, gWrong := rightButton(t, ginas)
	a = h.press(gina, gina, ginas, 0, gWrong)
	mustContain(t, a.Text, "not the right button", "declined")
	declinedAtTelegram(t, srv, gina)

	// Hank never answers: the time runs out.
	waitCheck(t, srv, hank)
	c.Advance(5*time.Minute + time.Second)
	declinedAtTelegram(t, srv, hank)
	srv.WaitFor(t, "hank's check shows the end", func() bool {
		m := srv.Messages(hank)[0]
		return strings.Contains(m.PlainText, "Time is up") && len(m.Buttons) == 0
	})
	mustContain(t, h.ask(groupID, alice, "/requests").PlainText, "There are no pending join requests")
}

// TestVerifyHandledElsewhere: a check answered after an admin answered
// the request does nothing and says so.
func TestVerifyHandledElsewhere(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	h.ask(groupID, alice, "/joinmode verify")
	srv.PushJoinRequest(groupID, frank, "")
	check := waitCheck(t, srv, frank)
	mustContain(t, h.ask(groupID, alice, "/decline "+id(frank)).PlainText, "Declined @frank_f's request")
	right, _ := rightButton(t, check)
	mustContain(t, h.press(frank, frank, check, 0, right).Text, "was answered already")
	if srv.Member(groupID, frank).Status == "member" {
		t.Errorf("the check let in a declined requester")
	}
	if n := len(callsWith(srv, "approveChatJoinRequest", "user_id", id(frank))); n != 0 {
		t.Errorf("approveChatJoinRequest called %d times", n)
	}
}

// TestVerifyUnreachable: a requester the bot cannot write to waits for an
// admin, marked "not reachable" in /requests and in the notifications.
func TestVerifyUnreachable(t *testing.T) {
	srv := newConsoleWorld(t)
	srv.StartPrivateChat(alice)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	h.ask(groupID, alice, "/joinmode verify")
	h.ask(groupID, alice, "/notify on")
	srv.StartPrivateChat(frank)
	srv.PushBlock(frank) // frank blocked the bot long ago
	srv.PushJoinRequest(groupID, frank, "")
	srv.WaitFor(t, "alice told of frank's request", func() bool {
		for _, m := range srv.Messages(alice) {
			if strings.Contains(m.PlainText, "Frank @frank_f") {
				return true
			}
		}
		return false
	})
	msgs := srv.Messages(alice)
	mustContain(t, msgs[len(msgs)-1].PlainText, "not reachable")
	mustContain(t, h.ask(groupID, alice, "/requests").PlainText, "Frank @frank_f", "not reachable: I could not send the check")
	if n := answerCalls(srv); n != 0 {
		t.Errorf("%d answers to an unreachable requester's request", n)
	}
}

// TestVerifySurvivesRestart: a check answered while the bot was down is
// honoured when it is back, and a WAIT that ended meanwhile declines then.
func TestVerifySurvivesRestart(t *testing.T) {
	srv := newConsoleWorld(t)
	dir := t.TempDir()
	c := &clock{now: time.Now().UTC()}
	in := Options{Pace: fastPace, Now: c.Now, Tick: 20 * time.Millisecond}
	h := startWith(t, srv, dir, in, "INVITEBOT_OWNERS", owners)
	h.ask(groupID, alice, "/joinmode verify 2m")
	srv.PushJoinRequest(groupID, frank, "")
	srv.PushJoinRequest(groupID, gina, "")
	franks, ginas := waitCheck(t, srv, frank), waitCheck(t, srv, gina)
	db := openStore(t, h)
	eventually(t, "the checks recorded as sent", func() bool {
		unsent, err := db.UnsentVerifications(context.Background(), 10)
		return err == nil && len(unsent) == 0
	})
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	// While the bot is down Frank answers; the two minutes pass.
	right, _ := rightButton(t, franks)
	srv.PushCallback(frank, frank, franks.MessageID, franks.Buttons[0][right].CallbackData)
	c.Advance(3 * time.Minute)

	startWith(t, srv, dir, in, "INVITEBOT_OWNERS", owners)
	approvedAtTelegram(t, srv, groupID, frank)
	declinedAtTelegram(t, srv, gina)
	srv.WaitFor(t, "gina's check shows the end", func() bool { return strings.Contains(srv.Messages(gina)[0].PlainText, "Time is up") })
	t.Logf("%+v", srv.Messages(gina))
	if msgs := srv.Messages(gina); len(msgs) != 1 || msgs[0].MessageID != ginas.MessageID {
		t.Errorf("gina's messages = %+v, want her one check, ended", msgs)
	}
}

// guardWorld is the console world with a bot that may be a guard bot,
// made the group's guard bot.
func guardWorld(t *testing.T) *bottest.Server {
	t.Helper()
	me := bottest.NewServer(t).Bot()
	me.SupportsJoinRequestQueries = true
	srv := newConsoleWorld(t, bottest.WithBot(me))
	srv.SetGuardBot(groupID, true)
	return srv
}

// queryOf waits for the answer to the guard query of user's request.
func queryOf(t *testing.T, srv *bottest.Server, user int64) bottest.JoinRequestQuery {
	t.Helper()
	var q bottest.JoinRequestQuery
	srv.WaitFor(t, "the guard query answered", func() bool {
		for _, x := range srv.JoinRequestQueries() {
			if x.UserID == user && (x.Result != "" || x.WebAppURL != "") {
				q = x
				return true
			}
		}
		return false
	})
	if took := answerTime(q); took > 10*time.Second {
		t.Errorf("the guard query of %d was answered after %v", user, took)
	}
	return q
}

// answerTime is how long after the request its guard query was answered
// (or the page shown).
func answerTime(q bottest.JoinRequestQuery) time.Duration {
	at := q.AnsweredAt
	if at.IsZero() || (!q.WebAppAt.IsZero() && q.WebAppAt.Before(at)) {
		at = q.WebAppAt
	}
	return at.Sub(q.At)
}

// TestGuardBot: as a chat's guard bot, the bot answers each query in
// time: auto approves, closed declines, manual queues, verify queues and
// checks by message, or, with a public address, opens the verification
// page.
func TestGuardBot(t *testing.T) {
	srv := guardWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners, "INVITEBOT_HTTP_ADDR", "127.0.0.1:0", "INVITEBOT_PUBLIC_URL", "https://bot.example.com/")
	h.ask(groupID, alice, "/joinmode auto")
	srv.PushJoinRequest(groupID, frank, "")
	if q := queryOf(t, srv, frank); q.Result != "approve" {
		t.Errorf("auto answered %q", q.Result)
	}
	approvedAtTelegram(t, srv, groupID, frank)

	h.ask(groupID, alice, "/joinmode closed")
	srv.PushJoinRequest(groupID, gina, "")
	if q := queryOf(t, srv, gina); q.Result != "decline" {
		t.Errorf("closed answered %q", q.Result)
	}

	h.ask(groupID, alice, "/joinmode manual")
	srv.PushJoinRequest(groupID, hank, "")
	if q := queryOf(t, srv, hank); q.Result != "queue" {
		t.Errorf("manual answered %q", q.Result)
	}
	mustContain(t, h.ask(groupID, alice, "/requests").PlainText, "Hank <Hill>")

	h.ask(groupID, alice, "/joinmode verify")
	srv.PushJoinRequest(groupID, ivan, "")
	q := queryOf(t, srv, ivan)
	token, ok := strings.CutPrefix(q.WebAppURL, "https://bot.example.com/verify/")
	if q.Result != "" || !ok || len(token) < 16 {
		t.Errorf("verify with a public address: %+v, want the page at https://bot.example.com/verify/TOKEN", q)
	}
	if n := len(srv.Messages(ivan)); n != 0 {
		t.Errorf("ivan got %d private messages besides the page", n)
	}
	db := openStore(t, h)
	v, err := db.Verification(context.Background(), groupID, ivan)
	if err != nil || v.Via != store.ViaPage || v.Token != token || v.State != store.VerifyPending {
		t.Errorf("ivan's verification = %+v, %v", v, err)
	}
}

// TestGuardBotVerifyWithoutPage: without a public address, verify queues
// the guard query and checks by private message.
func TestGuardBotVerifyWithoutPage(t *testing.T) {
	srv := guardWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	h.ask(groupID, alice, "/joinmode verify")
	srv.PushJoinRequest(groupID, frank, "")
	if q := queryOf(t, srv, frank); q.Result != "queue" || q.WebAppURL != "" {
		t.Errorf("verify without a page answered %+v", q)
	}
	check := waitCheck(t, srv, frank)
	right, _ := rightButton(t, check)
	h.press(frank, frank, check, 0, right)
	approvedAtTelegram(t, srv, groupID, frank)
}

// TestGuardBotPageFails: when Telegram refuses the page, the check goes by
// private message and the query is queued.
func TestGuardBotPageFails(t *testing.T) {
	srv := guardWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners, "INVITEBOT_HTTP_ADDR", "127.0.0.1:0", "INVITEBOT_PUBLIC_URL", "https://bot.example.com")
	h.ask(groupID, alice, "/joinmode verify")
	srv.FailNext("sendChatJoinRequestWebApp", bottest.ErrorReply(400, "Bad Request: WEBAPP_URL_INVALID"))
	srv.PushJoinRequest(groupID, frank, "")
	if q := queryOf(t, srv, frank); q.Result != "queue" {
		t.Errorf("after the page failed: %+v, want queue", q)
	}
	check := waitCheck(t, srv, frank)
	right, _ := rightButton(t, check)
	h.press(frank, frank, check, 0, right)
	approvedAtTelegram(t, srv, groupID, frank)
}

// TestVerifyPageInBrowser: the verification page, served by the program
// itself, in a real headless Chromium: the requester presses the button
// and is approved through the guard query; another person's init data,
// init data without Telegram's signature and a second visit approve
// nothing and say why; the page's text from the chat is escaped.
func TestVerifyPageInBrowser(t *testing.T) {
	pagetest.Chromium(t)
	srv := guardWorld(t)
	addr := make(chan string, 1)
	h := startWith(t, srv, "", Options{Pace: fastPace, Listening: func(a string) { addr <- a }},
		"INVITEBOT_OWNERS", owners, "INVITEBOT_HTTP_ADDR", "127.0.0.1:0", "INVITEBOT_PUBLIC_URL", "https://bot.example.com")
	local := "http://" + <-addr
	h.ask(groupID, alice, "/rules Be kind & <b>patient</b>")
	h.ask(groupID, alice, "/joinmode verify")
	srv.PushJoinRequest(groupID, frank, "")
	srv.PushJoinRequest(groupID, gina, "")
	fq, gq := queryOf(t, srv, frank), queryOf(t, srv, gina)
	pageOf := func(q bottest.JoinRequestQuery) string {
		path, ok := strings.CutPrefix(q.WebAppURL, "https://bot.example.com")
		if !ok {
			t.Fatalf("the page's URL %q is not under the public address", q.WebAppURL)
		}
		return local + path
	}

	// Gina's own init data on Frank's page: not hers to pass.
	b := pagetest.Open(t, pagetest.LaunchURL(pageOf(fq), srv.WebAppInitData(gq.ID)))
	b.Press("form button")
	if got := b.Text("h1"); got != "Not your request" {
		t.Errorf("another person's press: %q", got)
	}
	// Init data signed with another token: not Telegram's.
	forged := bottest.SignInitData("123456:NotThisBotsToken", url.Values{
		"user": {bottest.WebAppUserJSON(bottest.User{ID: frank, FirstName: "Frank"})}, "auth_date": {strconv.FormatInt(time.Now().Unix(), 10)}})
	b = pagetest.Open(t, pagetest.LaunchURL(pageOf(fq), forged))
	b.Press("form button")
	if got := b.Text("h1"); got != "Could not check who you are" {
		t.Errorf("forged init data: %q", got)
	}
	if srv.Member(groupID, frank).Status == "member" || srv.Member(groupID, gina).Status == "member" {
		t.Fatal("a bad visit let someone in")
	}

	b = pagetest.Open(t, pagetest.LaunchURL(pageOf(fq), srv.WebAppInitData(fq.ID)), pagetest.Viewport(360, 640))
	if got := b.Text("h1"); got != "Join Invite Test Group" {
		t.Errorf("heading %q", got)
	}
	if got := b.Text(".rules-text"); got != "Be kind & <b>patient</b>" {
		t.Errorf("rules shown as %q", got)
	}
	b.Press("form button")
	if got := b.Text("h1"); got != "You're in" {
		t.Errorf("after the press: %q", got)
	}
	approvedAtTelegram(t, srv, groupID, frank)
	for _, q := range srv.JoinRequestQueries() {
		if q.ID == fq.ID && q.Result != "approve" {
			t.Errorf("frank's query answered %q", q.Result)
		}
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the browser reported: %q", p)
	}
	again := pagetest.Open(t, pagetest.LaunchURL(pageOf(fq), srv.WebAppInitData(fq.ID)))
	if got := again.Text("h1"); got != "Already answered" {
		t.Errorf("the page opened again: %q", got)
	}
	db := openStore(t, h)
	if v, err := db.Verification(context.Background(), groupID, frank); err != nil || v.State != store.VerifyPassed {
		t.Errorf("frank's verification = %+v, %v", v, err)
	}
	if n := len(srv.CallsTo("answerChatJoinRequestQuery")); n != 1 {
		t.Errorf("answerChatJoinRequestQuery called %d times, want once", n)
	}
}
