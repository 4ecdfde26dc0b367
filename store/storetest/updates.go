package storetest

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/invitebot/invitebot/store"
)

func testUpdatesJournal(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)

	last, pending, err := db.PendingUpdates(ctx)
	if err != nil || last != 0 || len(pending) != 0 {
		t.Fatalf("new journal: %d, %v, %v", last, pending, err)
	}
	// Updates 10-14 received; 11 and 13 are to be handled.
	err = db.AcceptUpdates(ctx, 14, []store.PendingUpdate{{ID: 11, Raw: []byte(`{"update_id":11}`)}, {ID: 13, Raw: []byte(`{"update_id":13}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FinishUpdate(ctx, 11); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishUpdate(ctx, 99); err != nil {
		t.Errorf("finishing an update that is not pending: %v", err)
	}
	// Telegram sends 13 and 14 again (their confirmation was lost), then 15.
	err = db.AcceptUpdates(ctx, 15, []store.PendingUpdate{{ID: 13, Raw: []byte(`{"again":true}`)}, {ID: 15, Raw: []byte(`{"update_id":15}`)}})
	if err != nil {
		t.Fatal(err)
	}
	// An older batch can't move the mark back.
	if err := db.AcceptUpdates(ctx, 12, []store.PendingUpdate{{ID: 12, Raw: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	last, pending, err = db.PendingUpdates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last != 15 || len(pending) != 2 || pending[0].ID != 13 || pending[1].ID != 15 || string(pending[0].Raw) != `{"update_id":13}` {
		t.Errorf("journal: last %d, pending %+v", last, pending)
	}
}

func testMoveChat(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	const group, super, other = -100, -1001234567890, -42
	for _, url := range []string{"https://t.me/+a", "https://t.me/+b"} {
		add(t, db, newLink(group, url))
	}
	add(t, db, newLink(other, "https://t.me/+other"))
	add(t, db, newLink(super, "https://t.me/+early")) // made in the supergroup before the move was seen
	if err := db.MoveChat(ctx, group, super); err != nil {
		t.Fatal(err)
	}
	if n := rowsOf(t, db, "links", group); n != 0 {
		t.Errorf("old chat still has %d links", n)
	}
	links, err := db.ListLinks(ctx, super)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{1: "https://t.me/+early", 2: "https://t.me/+a", 3: "https://t.me/+b"}
	if len(links) != 3 {
		t.Fatalf("new chat has %d links, want 3", len(links))
	}
	for _, l := range links {
		if want[l.Number] != l.URL || l.ChatID != super {
			t.Errorf("link %+v", l)
		}
	}
	if links, _ := db.ListLinks(ctx, other); len(links) != 1 || links[0].Number != 1 {
		t.Errorf("another chat's links changed: %+v", links)
	}
	if err := db.MoveChat(ctx, -7, -8); err != nil {
		t.Errorf("moving a chat without records: %v", err)
	}
	// Numbering goes on after the moved links.
	l, _ := add(t, db, newLink(super, "https://t.me/+next"))
	if l.Number != 4 {
		t.Errorf("next link #%d, want #4", l.Number)
	}
}

// TestPendingUpdatesAfter: the pending updates above an ID, in ID order,
// a page at a time, without those finished.
func testPendingUpdatesAfter(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	var keep []store.PendingUpdate
	for id := int64(1); id <= 7; id++ {
		keep = append(keep, store.PendingUpdate{ID: id, Raw: []byte(`{"update_id":` + strconv.FormatInt(id, 10) + `}`)})
	}
	must(t, db.AcceptUpdates(ctx, 7, keep))
	must(t, db.FinishUpdate(ctx, 4))
	ids := func(after int64, limit int) []int64 {
		t.Helper()
		got, err := db.PendingUpdatesAfter(ctx, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, u := range got {
			out = append(out, u.ID)
			if string(u.Raw) != `{"update_id":`+strconv.FormatInt(u.ID, 10)+`}` {
				t.Errorf("update %d came back as %s", u.ID, u.Raw)
			}
		}
		return out
	}
	if got := ids(2, 3); !slices.Equal(got, []int64{3, 5, 6}) {
		t.Errorf("after 2, 3 of them = %v, want [3 5 6]", got)
	}
	if got := ids(6, 10); !slices.Equal(got, []int64{7}) {
		t.Errorf("after 6 = %v, want [7]", got)
	}
	if got := ids(7, 10); len(got) != 0 {
		t.Errorf("after the last = %v", got)
	}
}
