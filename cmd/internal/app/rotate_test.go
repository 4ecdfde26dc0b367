package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/sqlite"
)

// performed counts the calls to method that the fake carried out.
func performed(srv *bottest.Server, method string) int {
	n := 0
	for _, c := range srv.CallsTo(method) {
		if c.Performed {
			n++
		}
	}
	return n
}

// TestAutorotate: the schedule rotates the primary link when a slot falls
// due, tells the admins with /notify on and the log chat, and is in
// /log; slots missed while the bot was stopped are one rotation after the
// restart; off stops it; EVERY out of range is one line.
func TestAutorotate(t *testing.T) {
	srv := newConsoleWorld(t)
	srv.StartPrivateChat(alice)
	c := &clock{now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	h := startWith(t, srv, dir, Options{Pace: fastPace, Now: c.Now}, "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, groupID, channelID)

	mustContain(t, h.ask(groupID, alice, "/autorotate").PlainText, "is not rotated on a schedule")
	for _, bad := range []string{"/autorotate 30m", "/autorotate 31d", "/autorotate soon", "/autorotate 1d 2h"} {
		r := h.ask(groupID, alice, bad)
		oneLine(t, r)
		mustContain(t, r.PlainText, "EVERY from 1h to 30d")
	}
	mustContain(t, h.ask(groupID, bob, "/autorotate 1d").PlainText, "Only the chat's creator and admins")
	h.ask(groupID, alice, "/notify on")
	h.ask(olga, olga, "/logchat "+id(groupID)+" @test_channel")

	r := h.ask(groupID, alice, "/autorotate 1d")
	mustContain(t, r.PlainText, "rotated every 1d, the first time at 2026-06-02 12:00 UTC")
	mustContain(t, h.ask(groupID, alice, "/autorotate").PlainText, "rotated every 1d; the next time at 2026-06-02 12:00 UTC")
	if n := performed(srv, "exportChatInviteLink"); n != 0 {
		t.Fatalf("rotated before the slot: %d", n)
	}

	c.Advance(24*time.Hour + time.Minute)
	h.ask(groupID, alice, "/help") // any update wakes the rotator
	srv.WaitFor(t, "the rotation told to alice", func() bool {
		return len(srv.Messages(alice)) > 0 && strings.Contains(h.lastMessage(alice).PlainText, "rotated on schedule")
	})
	links := srv.InviteLinks(groupID)
	if len(links) != 1 || !links[0].IsPrimary {
		t.Fatalf("links after the first slot: %+v", links)
	}
	mustContain(t, h.lastMessage(alice).PlainText, "New primary link of Invite Test Group", links[0].InviteLink)
	srv.WaitFor(t, "the rotation in the log chat", func() bool {
		return strings.Contains(h.lastMessage(channelID).PlainText, links[0].InviteLink)
	})
	mustContain(t, h.lastMessage(channelID).PlainText, "the schedule (/autorotate) · made the new primary link #1")
	mustContain(t, h.ask(groupID, alice, "/autorotate").PlainText, "the next time at 2026-06-03 12:00 UTC")

	// Stopped for three days: one rotation after the restart, then the
	// next slot in the future.
	h.stop()
	c.Advance(3 * 24 * time.Hour)
	h = startWith(t, srv, dir, Options{Pace: fastPace, Now: c.Now}, "INVITEBOT_OWNERS", owners)
	srv.WaitFor(t, "the missed rotation", func() bool { return performed(srv, "exportChatInviteLink") == 2 })
	h.ask(groupID, alice, "/help")
	mustContain(t, h.ask(groupID, alice, "/autorotate").PlainText, "the next time at 2026-06-06 12:00 UTC")
	if n := performed(srv, "exportChatInviteLink"); n != 2 {
		t.Errorf("%d rotations after missing three slots, want one more", n)
	}
	links = srv.InviteLinks(groupID)
	if len(links) != 2 || !links[0].IsRevoked || links[1].IsRevoked {
		t.Errorf("links after the second rotation: %+v", links)
	}
	mustContain(t, h.ask(groupID, alice, "/log 3").PlainText, "the schedule (/autorotate) · made the new primary link #2, replacing #1")

	mustContain(t, h.ask(groupID, alice, "/autorotate off").PlainText, "no longer rotated")
	c.Advance(5 * 24 * time.Hour)
	h.ask(groupID, alice, "/help")
	mustContain(t, h.ask(groupID, alice, "/autorotate").PlainText, "is not rotated")
	if n := performed(srv, "exportChatInviteLink"); n != 2 {
		t.Errorf("rotated after off: %d", n)
	}
}

// TestAutorotateKilledBetweenTelegramAndStore: the program is killed after
// Telegram made a slot's new primary link and before its answer came
// (so before the store could keep it). After the restart the slot is
// completed from getChat's invite_link, not rotated again: one new link
// for the slot, and the store knows it.
func TestAutorotateKilledBetweenTelegramAndStore(t *testing.T) {
	srv := newWorld(t)
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "invitebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	slot := now.Add(-time.Minute)
	if err := db.SetAutorotate(context.Background(), groupID, time.Hour, slot, alice, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	lost := bottest.HangReply()
	lost.After = true // Telegram makes the link; its answer never comes
	tr := setTrap(srv, func(c bottest.Call) bool { return c.Method == "exportChatInviteLink" }, lost)

	p := startProcess(t, srv, dir)
	<-tr.arrived
	p.kill(t)
	tr.release()
	made := srv.InviteLinks(groupID)
	if len(made) != 1 || !made[0].IsPrimary {
		t.Fatalf("Telegram's links at the kill: %+v", made)
	}

	startProcess(t, srv, dir)
	db, err = sqlite.Open(context.Background(), filepath.Join(dir, "invitebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eventually(t, "the slot completed", func() bool {
		open, err := db.OpenRotations(context.Background())
		return err == nil && len(open) == 0
	})
	if n := performed(srv, "exportChatInviteLink"); n != 1 {
		t.Errorf("exportChatInviteLink carried out %d times for one slot", n)
	}
	if len(srv.CallsTo("getChat")) == 0 {
		t.Errorf("the restart did not ask Telegram for the primary link")
	}
	links, err := db.ListLinks(context.Background(), groupID)
	if err != nil || len(links) != 1 || links[0].URL != made[0].InviteLink || !links[0].Primary {
		t.Errorf("the store's links: %+v, %v; Telegram made %s", links, err, made[0].InviteLink)
	}
	s, err := db.Autorotate(context.Background(), groupID)
	if err != nil || !s.Next.After(now) {
		t.Errorf("the schedule after the slot: %+v, %v", s, err)
	}
	acts, _ := db.Actions(context.Background(), groupID, 1)
	if len(acts) != 1 || acts[0].Kind != store.ActionLinkRotated || acts[0].Via != store.ViaSchedule {
		t.Errorf("the record: %+v", acts)
	}
}
