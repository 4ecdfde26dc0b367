package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
)

// TestChaos sends 30 /createlink commands over 10 supergroups while a fifth
// of all calls fail, under Telegram's real pacing and rate limits. Every
// command must end with exactly one link and one reply.
//
// Faults that tell the bot the request was not carried out (a gateway's 502
// or 503, a 429) hit every method. Faults that leave it open (a connection
// dropped before or after the request was carried out, a 500) hit only the
// methods that are safe to repeat: for sendMessage and createChatInviteLink
// such a fault is answered honestly instead (TestUnsureCreationIsNotRepeated).
func TestChaos(t *testing.T) {
	const (
		chats          = 10
		perChat        = 3
		share          = 0.2
		seed    uint64 = 20261122
	)
	srv := newWorld(t)
	srv.EnforceRateLimits(bottest.TelegramLimits)
	var groups []int64
	for i := range chats {
		id := int64(-1002000000000 - i)
		groups = append(groups, id)
		srv.AddChat(bottest.Chat{ID: id, Type: "supergroup", Title: fmt.Sprintf("Chaos %d", i)})
		srv.SetMember(id, alice, bottest.Member{Status: "administrator", CanInviteUsers: true})
		srv.SetMember(id, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	}

	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, seed))
	injected := map[string]int{}
	safeFaults := []bottest.Reply{bottest.GatewayReply(), bottest.ErrorReply(503, "Service Unavailable"), bottest.RetryAfterReply(1)}
	openFaults := append(safeFaults, bottest.Reply{Drop: true}, bottest.Reply{Drop: true, After: true}, bottest.ErrorReply(500, "Internal Server Error"))
	srv.Intercept(func(c bottest.Call) (bottest.Reply, bool) {
		if c.Method == "getMe" {
			return bottest.Reply{}, false
		}
		mu.Lock()
		defer mu.Unlock()
		if rng.Float64() >= share {
			return bottest.Reply{}, false
		}
		faults := openFaults
		if c.Method == "sendMessage" || c.Method == "createChatInviteLink" {
			faults = safeFaults
		}
		injected[c.Method]++
		return faults[rng.IntN(len(faults))], true
	})

	h := startWith(t, srv, "", internals{pace: bot.TelegramPace})
	type command struct {
		chat int64
		msg  int
		name string
	}
	var commands []command
	for i := range perChat {
		for _, chat := range groups {
			name := fmt.Sprintf("c%d-%d", -chat%100, i)
			commands = append(commands, command{chat, h.send(chat, alice, "/createlink "+name), name})
		}
	}
	srv.WaitFor(t, "a reply to every command", func() bool {
		for _, c := range commands {
			if len(h.repliesTo(c.chat, c.msg)) == 0 {
				return false
			}
		}
		return true
	})
	// Let the last replies' retries settle: ask once more in every chat.
	for _, chat := range groups {
		h.ask(chat, alice, "/help")
	}

	duplicates := 0
	for _, c := range commands {
		replies := h.repliesTo(c.chat, c.msg)
		if len(replies) != 1 {
			t.Errorf("%s: %d replies", c.name, len(replies))
			duplicates += max(len(replies)-1, 0)
			continue
		}
		if !strings.Contains(replies[0].PlainText, "New link") || !strings.Contains(replies[0].PlainText, c.name) {
			t.Errorf("%s: reply %q", c.name, replies[0].PlainText)
		}
		made := 0
		for _, l := range srv.InviteLinks(c.chat) {
			if l.Name == c.name {
				made++
			}
		}
		if made != 1 {
			t.Errorf("%s: %d links made", c.name, made)
			duplicates += max(made-1, 0)
		}
	}
	mu.Lock()
	total := 0
	for _, n := range injected {
		total += n
	}
	mu.Unlock()
	calls := len(srv.Calls())
	t.Logf("chaos: %d commands over %d chats; %d calls, %d faults injected (%v); retries: %d; 429s from Telegram's limits: %d; duplicates: %d",
		len(commands), chats, calls, total, injected, retries(srv), srv.RateLimited(), duplicates)
	if n := srv.RateLimited(); n != 0 {
		t.Errorf("the bot's pacing met Telegram's limits %d times", n)
	}
	if total < len(commands)/2 {
		t.Errorf("only %d faults injected; the test proves little", total)
	}
}

// retries counts the calls made again: every call after the first with the
// same method and parameters.
func retries(srv *bottest.Server) int {
	seen := map[string]bool{}
	n := 0
	for _, c := range srv.Calls() {
		if c.Method == "getUpdates" {
			continue
		}
		key := c.Method + fmt.Sprint(c.Params)
		if seen[key] {
			n++
		}
		seen[key] = true
	}
	return n
}
