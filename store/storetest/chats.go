package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
)

func testSaveChat(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	c := store.Chat{ID: -1001, Type: "supergroup", Title: "Group <1>", Username: "GroupOne",
		BotStatus: "administrator", BotCanInvite: true, UpdatedAt: t0}
	if err := db.SaveChat(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := db.Chat(ctx, -1001)
	if err != nil || got != c {
		t.Fatalf("Chat = %+v, %v; want %+v", got, err, c)
	}

	// A later update replaces the record; an earlier one (late) does not.
	demoted := c
	demoted.BotStatus, demoted.BotCanInvite, demoted.UpdatedAt = "member", false, t0.Add(time.Minute)
	if err := db.SaveChat(ctx, demoted); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveChat(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Chat(ctx, -1001); got != demoted {
		t.Errorf("after a late update: %+v, want %+v", got, demoted)
	}
	// The same second counts as later: two changes within a second.
	same := demoted
	same.BotStatus = "left"
	if err := db.SaveChat(ctx, same); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Chat(ctx, -1001); got.BotStatus != "left" {
		t.Errorf("an update of the same second was ignored: %+v", got)
	}

	if _, err := db.Chat(ctx, -999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Chat(unknown) = %v, want ErrNotFound", err)
	}
}

func testChatByUsername(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	for _, c := range []store.Chat{
		{ID: -1, Type: "channel", Title: "Old", Username: "news", BotStatus: "administrator", UpdatedAt: t0},
		{ID: -2, Type: "channel", Title: "New", Username: "News", BotStatus: "administrator", UpdatedAt: t0.Add(time.Hour)},
		{ID: -3, Type: "supergroup", Title: "No name", BotStatus: "administrator", UpdatedAt: t0.Add(2 * time.Hour)},
	} {
		if err := db.SaveChat(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"news", "NEWS", "@news"} {
		got, err := db.ChatByUsername(ctx, name)
		if err != nil || got.ID != -2 {
			t.Errorf("ChatByUsername(%q) = %+v, %v; want the most recent, -2", name, got, err)
		}
	}
	for _, name := range []string{"", "@", "nobody"} {
		if _, err := db.ChatByUsername(ctx, name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ChatByUsername(%q) = %v, want ErrNotFound", name, err)
		}
	}
}

func testAdministeredChats(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	for i, st := range []string{"administrator", "member", "left", "kicked", "administrator"} {
		c := store.Chat{ID: -int64(i + 1), Type: "supergroup", Title: st, BotStatus: st, UpdatedAt: t0.Add(time.Duration(i) * time.Minute)}
		if err := db.SaveChat(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	chats, err := db.AdministeredChats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(chats) != 2 || chats[0].ID != -5 || chats[1].ID != -1 {
		t.Errorf("AdministeredChats = %+v, want -5 then -1", chats)
	}
	for _, c := range chats {
		if !c.Administered() {
			t.Errorf("%+v is not Administered()", c)
		}
	}
}

func testChooseChat(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	if _, err := db.ChosenChat(ctx, 7); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ChosenChat before a choice = %v, want ErrNotFound", err)
	}
	for _, chat := range []int64{-1, -2} {
		if err := db.ChooseChat(ctx, 7, chat, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.ChooseChat(ctx, 8, -1, t0); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ChosenChat(ctx, 7); err != nil || got != -2 {
		t.Errorf("ChosenChat(7) = %d, %v; want the later choice, -2", got, err)
	}
	if got, err := db.ChosenChat(ctx, 8); err != nil || got != -1 {
		t.Errorf("ChosenChat(8) = %d, %v; want -1", got, err)
	}
}

// TestMoveChatMovesEverything upgrades a group with every kind of record
// and checks that each followed it, and that a chat's own newer records
// win.
func testMoveChatMovesEverything(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const group, super, other int64 = -100, -1001234567890, -42
	link, _ := add(t, db, newLink(group, "https://t.me/+grouplink"))
	must(t, db.SaveChat(ctx, store.Chat{ID: group, Type: "group", Title: "G", BotStatus: "administrator", BotCanInvite: true, UpdatedAt: t0}))
	must(t, db.ChooseChat(ctx, 7, group, t0))
	must(t, db.ChooseChat(ctx, 8, other, t0))
	must(t, db.AddJoinRequest(ctx, request(group, 1, link.URL, t0)))
	must(t, db.AddJoinRequest(ctx, request(group, 2, "", t0)))
	must(t, db.AddJoinRequest(ctx, request(super, 2, "", t0.Add(time.Minute)))) // seen in the supergroup already
	if _, err := db.RecordJoin(ctx, store.Join{ChatID: group, UserID: 3, InviteLink: link.URL, At: t0}); err != nil {
		t.Fatal(err)
	}

	must(t, db.MoveChat(ctx, group, super))

	if c, err := db.Chat(ctx, super); err != nil || c.Title != "G" || !c.Administered() {
		t.Errorf("Chat(new) = %+v, %v", c, err)
	}
	if c, err := db.Chat(ctx, group); err != nil || c.ID != super {
		t.Errorf("Chat(old) = %+v, %v; want the supergroup's record", c, err)
	}
	if id, _ := db.ChosenChat(ctx, 7); id != super {
		t.Errorf("user 7's chosen chat = %d, want the new ID", id)
	}
	if id, _ := db.ChosenChat(ctx, 8); id != other {
		t.Errorf("user 8's choice of another chat changed to %d", id)
	}
	pending, err := db.PendingJoinRequests(ctx, super)
	if err != nil || len(pending) != 2 {
		t.Fatalf("new chat's pending requests = %+v, %v; want 2", pending, err)
	}
	if r, _ := db.JoinRequest(ctx, super, 2); !r.RequestedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("the new chat's own request was replaced by the old chat's: %+v", r)
	}
	if n := rowsOf(t, db, "join_requests", group); n != 0 {
		t.Errorf("old chat keeps %d requests", n)
	}
	moved := get(t, db, super, 1)
	if moved.Joins != 1 || moved.URL != link.URL {
		t.Errorf("moved link = %+v", moved)
	}
	// The joins moved too: the same join seen again in the new chat is
	// not counted twice; approving the moved request counts it there.
	if counted, err := db.RecordJoin(ctx, store.Join{ChatID: super, UserID: 3, InviteLink: link.URL, At: t0}); err != nil || counted {
		t.Errorf("RecordJoin of a moved join = %v, %v; want not counted", counted, err)
	}
	if _, changed, err := db.AnswerJoinRequest(ctx, super, 1, store.RequestApproved, 9, t0.Add(time.Hour)); err != nil || !changed {
		t.Fatalf("AnswerJoinRequest on the moved request = %v, %v", changed, err)
	}
	if l := get(t, db, super, 1); l.Joins != 2 {
		t.Errorf("joins after approving the moved request = %d, want 2", l.Joins)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestMovedChatFollowsItsRecords: a command in flight while its group is
// upgraded still holds the old ID; what it writes and reads under it after
// MoveChat goes to the supergroup.
func testMovedChatFollowsItsRecords(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const group, super, other int64 = -100, -1001234567890, -200
	first, _ := add(t, db, newLink(group, "https://t.me/+before"))
	must(t, db.MoveChat(ctx, group, super))

	late, _ := add(t, db, newLink(group, "https://t.me/+after"))
	if late.ChatID != super || late.Number != first.Number+1 {
		t.Errorf("a link added under the old ID = chat %d #%d, want chat %d #%d", late.ChatID, late.Number, super, first.Number+1)
	}
	for _, id := range []int64{group, super} {
		links, err := db.ListLinks(ctx, id)
		if err != nil || len(links) != 2 {
			t.Errorf("ListLinks(%d) = %d links, %v; want both", id, len(links), err)
		}
	}
	if l, err := db.Link(ctx, group, late.Number); err != nil || l.URL != late.URL {
		t.Errorf("Link(old ID) = %+v, %v", l, err)
	}
	if l, err := db.LinkByURL(ctx, group, first.URL); err != nil || l.ChatID != super {
		t.Errorf("LinkByURL(old ID) = %+v, %v", l, err)
	}
	if _, err := db.RevokeLink(ctx, group, first.Number, 1, t0); err != nil {
		t.Errorf("RevokeLink(old ID) = %v", err)
	}
	if l, err := db.EditLink(ctx, group, late.Number, store.LinkChange{Name: ptr("renamed"), EditedBy: 1, EditedAt: t0}); err != nil || l.Name != "renamed" {
		t.Errorf("EditLink(old ID) = %+v, %v", l, err)
	}
	if links, err := db.LinksByName(ctx, group, "RENAMED"); err != nil || len(links) != 1 {
		t.Errorf("LinksByName(old ID) = %v, %v", links, err)
	}
	must(t, db.AddJoinRequest(ctx, request(group, 5, late.URL, t0)))
	if r, err := db.JoinRequest(ctx, super, 5); err != nil || r.ChatID != super {
		t.Errorf("a request added under the old ID = %+v, %v", r, err)
	}
	if _, changed, err := db.AnswerJoinRequest(ctx, group, 5, store.RequestApproved, 1, t0); err != nil || !changed {
		t.Errorf("AnswerJoinRequest(old ID) = %v, %v", changed, err)
	}
	if counted, err := db.RecordJoin(ctx, store.Join{ChatID: group, UserID: 6, InviteLink: late.URL, At: t0}); err != nil || !counted {
		t.Errorf("RecordJoin(old ID) = %v, %v", counted, err)
	}
	if l, _ := db.Link(ctx, super, late.Number); l.Joins != 2 {
		t.Errorf("the link has %d joins, want the approved request's and the join's", l.Joins)
	}
	must(t, db.ChooseChat(ctx, 9, group, t0))
	if id, _ := db.ChosenChat(ctx, 9); id != super {
		t.Errorf("choosing the old ID chose %d, want the supergroup", id)
	}
	// Another group is not affected.
	o, _ := add(t, db, newLink(other, "https://t.me/+other"))
	if o.ChatID != other {
		t.Errorf("another group's link went to %d", o.ChatID)
	}
}

func ptr[T any](v T) *T { return &v }

func testChatSettings(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const group, super int64 = -100, -1001234567890
	s, err := db.ChatSettings(ctx, group)
	if err != nil || s != (store.ChatSettings{ChatID: group}) {
		t.Fatalf("settings of a chat that set none = %+v, %v", s, err)
	}
	must(t, db.SaveChatSettings(ctx, store.ChatSettings{ChatID: group, Language: "ru", Replies: store.RepliesChat, UpdatedBy: 7, UpdatedAt: t0}))
	must(t, db.SaveChatSettings(ctx, store.ChatSettings{ChatID: super, Language: "de"}))
	if s, _ := db.ChatSettings(ctx, group); s.Language != "ru" || s.Replies != store.RepliesChat || s.UpdatedBy != 7 || !s.UpdatedAt.Equal(t0) {
		t.Errorf("settings = %+v", s)
	}
	if err := db.SaveChatSettings(ctx, store.ChatSettings{ChatID: group, Replies: "nonsense"}); err == nil {
		t.Errorf("a Replies that is none was stored")
	}
	// After an upgrade the supergroup's own settings, if it has any, win.
	must(t, db.MoveChat(ctx, group, super))
	if s, _ := db.ChatSettings(ctx, super); s.Language != "de" {
		t.Errorf("the supergroup's own settings were replaced: %+v", s)
	}
	if s, _ := db.ChatSettings(ctx, group); s.ChatID != super {
		t.Errorf("the old ID reads %+v, want the supergroup's", s)
	}
}

func testNoteChat(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	must(t, db.NoteChat(ctx, -100, "supergroup", "Seen", "seen"))
	c, err := db.Chat(ctx, -100)
	if err != nil || c.Title != "Seen" || c.Username != "seen" || c.Administered() {
		t.Errorf("a chat first noted = %+v, %v", c, err)
	}
	must(t, db.SaveChat(ctx, store.Chat{ID: -100, Type: "supergroup", Title: "Old", BotStatus: "administrator", BotCanInvite: true, UpdatedAt: t0}))
	must(t, db.NoteChat(ctx, -100, "supergroup", "Renamed", ""))
	if c, _ := db.Chat(ctx, -100); c.Title != "Renamed" || !c.Administered() || !c.UpdatedAt.Equal(t0) {
		t.Errorf("a noted chat's status changed: %+v", c)
	}
	if chats, _ := db.AdministeredChats(ctx); len(chats) != 1 {
		t.Errorf("administered chats = %+v", chats)
	}
}
