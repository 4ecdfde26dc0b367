package app

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
)

// Gatekeeping under load, with Telegram's limits enforced and the bot's
// real pace (PRODUCT.md §5, §6).

// raidWait is how long a test waits for a raid's 1,000 checks: at
// Telegram's 30 messages a second they take 34 seconds.
const raidWait = 2 * time.Minute

// raiders adds n people who will ask to join, and returns their IDs.
func raiders(srv *bottest.Server, n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = 7000000000 + int64(i)
		srv.AddUser(bottest.User{ID: ids[i], FirstName: "Raider " + strconv.Itoa(i)})
	}
	return ids
}

// checksSent counts the requesters among ids who got a check, and fails
// t if any got more than one.
func checksSent(t *testing.T, srv *bottest.Server, ids []int64) int {
	t.Helper()
	n := 0
	for _, u := range ids {
		switch m := len(srv.Messages(u)); {
		case m == 1:
			n++
		case m > 1:
			t.Fatalf("requester %d got %d checks", u, m)
		}
	}
	return n
}

// sendTimes are the times of the sendMessage calls Telegram carried out
// into the chats of ids.
func sendTimes(srv *bottest.Server, ids []int64) []time.Time {
	want := make(map[string]bool, len(ids))
	for _, u := range ids {
		want[id(u)] = true
	}
	var at []time.Time
	for _, c := range srv.CallsTo("sendMessage") {
		if c.Performed && want[c.Params["chat_id"]] {
			at = append(at, c.At)
		}
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	return at
}

// maxInWindow is the most times within any span of w.
func maxInWindow(at []time.Time, w time.Duration) int {
	most, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// TestVerifyRaid200: 200 requests arrive at once in verify mode: each
// requester gets one check, none is lost, and the checks go out paced,
// without a 429.
func TestVerifyRaid200(t *testing.T) {
	srv := newConsoleWorld(t)
	srv.EnforceRateLimits(bottest.TelegramLimits)
	// The pace alone takes 8 s for 200 messages (25 a second); a machine
	// busy with other work adds to that.
	srv.WaitTimeout = raidWait
	ids := raiders(srv, 200)
	h := startWith(t, srv, "", Options{Pace: bot.TelegramPace}, "INVITEBOT_OWNERS", owners)
	h.ask(groupID, alice, "/joinmode verify")
	start := time.Now()
	for _, u := range ids {
		srv.PushJoinRequest(groupID, u, "")
	}
	srv.WaitFor(t, "a check for every requester", func() bool { return checksSent(t, srv, ids) == len(ids) })
	took := time.Since(start)
	sends := sendTimes(srv, ids)
	if len(sends) != len(ids) {
		t.Errorf("%d checks sent to %d requesters", len(sends), len(ids))
	}
	if most := maxInWindow(sends, time.Second); most > 30 {
		t.Errorf("%d checks within one second, over Telegram's 30", most)
	}
	if k, n := srv.RateLimited(), srv.TooManyRequests(); k != 0 || n != 0 {
		t.Errorf("%d sends over Telegram's limits (%d 429s)", k, n)
	}
	t.Logf("200 checks out in %v", took.Round(time.Millisecond))
}

// TestRaidDoesNotSlowOtherChats: 1,000 requests arrive in one chat in
// verify mode while the admin of another chat sends /createlink: that
// reply comes within 2 seconds of the command, and the raid's checks all
// go out, paced, without a 429.
func TestRaidDoesNotSlowOtherChats(t *testing.T) {
	srv := newConsoleWorld(t)
	srv.EnforceRateLimits(bottest.TelegramLimits)
	srv.WaitTimeout = raidWait
	srv.StartPrivateChat(dave)
	ids := raiders(srv, 1000)
	h := startWith(t, srv, "", Options{Pace: bot.TelegramPace}, "INVITEBOT_OWNERS", owners)
	h.ask(groupID, alice, "/joinmode verify")
	for _, u := range ids {
		srv.PushJoinRequest(groupID, u, "")
	}
	// The raid is under way: checks are going out.
	srv.WaitFor(t, "the raid's first checks", func() bool { return checksSent(t, srv, ids) >= 30 })
	sent := time.Now()
	r := h.ask(dave, dave, "/createlink "+id(group2ID)+" Partners")
	took := time.Since(sent)
	mustContain(t, r.PlainText, "#1", "“Partners”")
	if took > 2*time.Second {
		t.Errorf("/createlink in another chat answered after %v, during the raid", took)
	}
	srv.WaitFor(t, "a check for every requester", func() bool { return checksSent(t, srv, ids) == len(ids) })
	if most := maxInWindow(sendTimes(srv, ids), time.Second); most > 30 {
		t.Errorf("%d checks within one second, over Telegram's 30", most)
	}
	if k, n := srv.RateLimited(), srv.TooManyRequests(); k != 0 || n != 0 {
		t.Errorf("%d sends over Telegram's limits (%d 429s)", k, n)
	}
	t.Logf("/createlink in another chat answered in %v during a raid of 1000", took.Round(time.Millisecond))
}

// TestGuardQueriesUnderLoad: with 1,000 updates in hand (commands in
// another group whose answers wait for that group's 20 messages a minute,
// and more behind them in the journal), a guard bot's queries behind them
// are all answered within Telegram's 10 seconds; the worst case is logged.
func TestGuardQueriesUnderLoad(t *testing.T) {
	srv := guardWorld(t)
	srv.EnforceRateLimits(bottest.TelegramLimits)
	guarded := raiders2(srv, 20)
	h := startWith(t, srv, "", Options{Pace: bot.TelegramPace}, "INVITEBOT_OWNERS", owners)
	h.ask(groupID, alice, "/joinmode auto") // groupID: the guarded chat
	const backlog = 1200
	for range backlog {
		srv.PushMessage(group2ID, bob, "/help")
	}
	// The guard requests come behind them: Telegram hands them to the bot
	// after the 1,200 updates before them.
	for _, u := range guarded {
		srv.PushJoinRequest(groupID, u, "")
	}
	var worst time.Duration
	for _, u := range guarded {
		q := queryOf(t, srv, u)
		if q.Result != "approve" {
			t.Errorf("guard query of %d answered %q", u, q.Result)
		}
		worst = max(worst, answerTime(q))
	}
	answered := 0
	for _, m := range srv.Messages(group2ID) {
		if m.ReplyTo != 0 {
			answered++
		}
	}
	t.Logf("worst guard answer behind %d updates (%d answered, the rest in hand): %v", backlog, answered, worst.Round(time.Millisecond))
	if answered > backlog-1000 {
		t.Errorf("%d of the %d commands answered already: fewer than 1,000 were in hand", answered, backlog)
	}
	if worst >= 10*time.Second {
		t.Errorf("a guard query waited %v", worst)
	}
	if k, n := srv.RateLimited(), srv.TooManyRequests(); k != 0 || n != 0 {
		t.Errorf("%d sends over Telegram's limits (%d 429s)", k, n)
	}
}

// raiders2 adds n more people, apart from raiders'.
func raiders2(srv *bottest.Server, n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = 7100000000 + int64(i)
		srv.AddUser(bottest.User{ID: ids[i], FirstName: "Guarded " + strconv.Itoa(i)})
	}
	return ids
}
