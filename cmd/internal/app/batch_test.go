package app

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
)

// TestBatch: count=N makes N links named NAME 1 … NAME N, listed and
// attached as a CSV file; its mistakes are one line and make nothing; a
// batch that stops short says how many were made and lists them.
func TestBatch(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")

	id := h.send(groupID, alice, "/createlink Partners count=5 limit=3")
	srv.WaitFor(t, "the batch's CSV", func() bool { return len(docs(srv, groupID)) == 1 })
	r := h.repliesTo(groupID, id)[0]
	mustContain(t, r.PlainText, "5 new links in Invite Test Group:", "“Partners 1”", "“Partners 5”", "limit: 3")
	links := srv.InviteLinks(groupID)
	if len(links) != 5 {
		t.Fatalf("%d links at Telegram", len(links))
	}
	for i, l := range links {
		if l.Name != "Partners "+strconv.Itoa(i+1) || l.MemberLimit != 3 {
			t.Errorf("link %d at Telegram: %+v", i, l)
		}
		mustContain(t, r.PlainText, l.InviteLink)
	}
	rows := readCSV(t, docs(srv, groupID)[0].Document.Data)
	if len(rows) != 6 || rows[0][0] != "number" || rows[5][2] != "Partners 5" || rows[1][1] != links[0].InviteLink {
		t.Errorf("the batch's CSV: %q", rows)
	}
	mustContain(t, docs(srv, groupID)[0].PlainText, "The 5 new links as CSV")

	for ask, want := range map[string]string{
		"/createlink P count=1":                                "count must be a whole number from 2 to 50",
		"/createlink P count=51":                               "count must be a whole number from 2 to 50",
		"/createlink P count=ten":                              "count must be a whole number from 2 to 50",
		"/createlink P count=2 count=3":                        "count is given twice",
		"/createlink " + strings.Repeat("n", 30) + " count=50": "With count=50 the name can have at most 29 characters",
	} {
		r := h.ask(groupID, alice, ask)
		oneLine(t, r)
		mustContain(t, r.PlainText, want)
	}
	if n := len(srv.InviteLinks(groupID)); n != 5 {
		t.Errorf("mistakes made links: %d", n)
	}

	// Telegram refuses the third link: two were made, and the answer says so.
	var mu sync.Mutex
	creates := 0
	srv.Intercept(func(c bottest.Call) (bottest.Reply, bool) {
		if c.Method != "createChatInviteLink" {
			return bottest.Reply{}, false
		}
		mu.Lock()
		defer mu.Unlock()
		if creates++; creates == 3 {
			return bottest.ErrorReply(400, "Bad Request: not enough rights to manage chat invite link"), true
		}
		return bottest.Reply{}, false
	})
	id = h.send(groupID, alice, "/createlink Promo count=4")
	srv.WaitFor(t, "the second CSV", func() bool { return len(docs(srv, groupID)) == 2 })
	r = h.repliesTo(groupID, id)[0]
	mustContain(t, r.PlainText, "Only 2 of the 4 links were made in Invite Test Group; then: I need the “Invite users via link” admin right",
		"“Promo 1”", "“Promo 2”")
	if strings.Contains(r.PlainText, "Promo 3") {
		t.Errorf("the answer lists a link that was not made: %q", r.PlainText)
	}
	if rows := readCSV(t, docs(srv, groupID)[1].Document.Data); len(rows) != 3 {
		t.Errorf("the CSV of a partial batch: %q", rows)
	}
}

// TestBatchHandedBackAfterAKill: a batch cut off by SIGKILL is handed back
// by the journal after the restart and makes only the links still missing.
func TestBatchHandedBackAfterAKill(t *testing.T) {
	srv := newWorld(t)
	dir := t.TempDir()
	var mu sync.Mutex
	creates := 0
	tr := setTrap(srv, func(c bottest.Call) bool {
		if c.Method != "createChatInviteLink" {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		creates++
		return creates == 3
	}, bottest.HangReply())
	p := startProcess(t, srv, dir)
	_, id := srv.PushMessage(groupID, alice, "/createlink Crew count=5")
	<-tr.arrived // links 1 and 2 are made and stored; the third hangs
	p.kill(t)
	tr.release()

	startProcess(t, srv, dir)
	srv.WaitFor(t, "the batch's answer", func() bool { return len(repliesTo(srv, groupID, id)) > 0 })
	links := srv.InviteLinks(groupID)
	if len(links) != 5 {
		t.Fatalf("%d links at Telegram after the restart, want 5: %+v", len(links), links)
	}
	for i, l := range links {
		if l.Name != fmt.Sprintf("Crew %d", i+1) {
			t.Errorf("link %d is %q", i, l.Name)
		}
	}
	mustContain(t, repliesTo(srv, groupID, id)[0].PlainText, "5 new links", "“Crew 1”", "“Crew 5”")
}

func init() { privateMode["TestBatchOfFiftyUnderTheRealPacer"] = true }

// TestBatchOfFiftyUnderTheRealPacer: 50 links under Telegram's limits,
// enforced, with the real pacer and 40 ms a call: no 429, and the time
// it takes (quoted in BENCHMARKS.md).
func TestBatchOfFiftyUnderTheRealPacer(t *testing.T) {
	srv := newWorld(t)
	srv.StartPrivateChat(alice)
	srv.EnforceRateLimits(bottest.TelegramLimits)
	srv.SetLatency("", 40*time.Millisecond)
	h := startWith(t, srv, "", Options{Pace: bot.TelegramPace})
	began := time.Now()
	h.send(groupID, alice, "/createlink Partner count=50")
	srv.WaitFor(t, "the batch's CSV", func() bool { return len(docs(srv, alice)) == 1 })
	took := time.Since(began)
	if n := len(srv.InviteLinks(groupID)); n != 50 {
		t.Errorf("%d links", n)
	}
	if n := srv.TooManyRequests(); n != 0 {
		t.Errorf("%d answers 429", n)
	}
	rows := readCSV(t, docs(srv, alice)[0].Document.Data)
	if len(rows) != 51 {
		t.Errorf("the CSV has %d rows", len(rows))
	}
	t.Logf("50 links, %d messages and a document into one private chat in %v", len(srv.Messages(alice)), took.Round(time.Millisecond))
}

// TestSubscriptionLinks: price= makes a channel's subscription link
// (30 days, the price in Stars), which /links shows, /editlink may only
// rename and /revokelink revokes; in a group, and with other options, it
// is refused with one line.
func TestSubscriptionLinks(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, groupID, channelID)

	r := h.ask(olga, olga, "/createlink @test_channel VIP price=250")
	mustContain(t, r.PlainText, "New link", "“VIP”", "price: 250 Stars / 30 days")
	l := srv.InviteLinks(channelID)
	if len(l) != 1 || l[0].SubscriptionPrice != 250 || l[0].SubscriptionPeriod != 2592000 || l[0].Name != "VIP" {
		t.Fatalf("the channel's links: %+v", l)
	}
	for ask, want := range map[string]string{
		"/createlink @test_channel V price=0":            "price must be a whole number of Telegram Stars from 1 to 10000",
		"/createlink @test_channel V price=10001":        "price must be a whole number of Telegram Stars from 1 to 10000",
		"/createlink @test_channel V price=5 limit=5":    "can't have limit=",
		"/createlink @test_channel V price=5 request":    "can't have request",
		"/createlink @test_channel V price=5 expire=7d":  "can't have expire=",
		"/createlink @test_channel V price=5 count=2":    "can't have count=",
		"/editlink @test_channel #1 limit=5":             "#1 is a subscription link: Telegram lets me change only its name",
		"/editlink @test_channel #1 name=Gold norequest": "#1 is a subscription link",
		"/editlink @test_channel #1 name=Gold limit=5":   "#1 is a subscription link",
		"/editlink @test_channel #1 name=Gold expire=7d": "#1 is a subscription link",
	} {
		r := h.ask(olga, olga, ask)
		oneLine(t, r)
		mustContain(t, r.PlainText, want)
	}
	r = h.ask(groupID, alice, "/createlink VIP price=100")
	oneLine(t, r)
	mustContain(t, r.PlainText, "Subscription links (price=) are for channels only")
	if n := len(srv.InviteLinks(channelID)) + len(srv.InviteLinks(groupID)); n != 1 {
		t.Errorf("mistakes made links: %d", n)
	}

	r = h.ask(olga, olga, "/editlink @test_channel #1 name=Gold")
	mustContain(t, r.PlainText, "Edited", "“Gold”", "price: 250 Stars")
	if l := srv.InviteLinks(channelID); l[0].Name != "Gold" || len(srv.CallsTo("editChatSubscriptionInviteLink")) != 1 || len(srv.CallsTo("editChatInviteLink")) != 0 {
		t.Errorf("the rename at Telegram: %+v", l)
	}
	mustContain(t, h.ask(olga, olga, "/links @test_channel").PlainText, "#1", "“Gold”", "price: 250 Stars / 30 days")
	mustContain(t, h.ask(olga, olga, "/revokelink @test_channel Gold").PlainText, "Revoked")
	if !srv.InviteLinks(channelID)[0].IsRevoked {
		t.Errorf("the subscription link is not revoked at Telegram")
	}
	mustContain(t, h.ask(olga, olga, "/log @test_channel").PlainText, "made #1 “VIP” price=250", "edited #1: name=“Gold”", "revoked #1")
}
