package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
)

func testRotationSlots(t *testing.T, newStore Opener) {
	db := newStore(t)
	ctx := t.Context()
	const chat = -1001
	if _, err := db.Autorotate(ctx, chat); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Autorotate of a chat without one: %v", err)
	}
	add(t, db, primaryLink(chat, "https://t.me/+old"))
	slot := t0.Add(time.Hour)
	if err := db.SetAutorotate(ctx, chat, time.Hour, slot, 7, t0); err != nil {
		t.Fatal(err)
	}
	if s, err := db.Autorotate(ctx, chat); err != nil || s.Every != time.Hour || !s.Next.Equal(slot) || s.SetBy != 7 {
		t.Fatalf("Autorotate = %+v, %v", s, err)
	}
	if next, _ := db.NextSlot(ctx); !next.Equal(slot) {
		t.Errorf("NextSlot = %v", next)
	}
	if due, _ := db.DueSchedules(ctx, slot.Add(-time.Second)); len(due) != 0 {
		t.Errorf("due before the slot: %+v", due)
	}
	// The bot was down for three and a half slots: one rotation, and the
	// next slot is the first one to come.
	now := slot.Add(3*time.Hour + 30*time.Minute)
	due, _ := db.DueSchedules(ctx, now)
	if len(due) != 1 {
		t.Fatalf("due: %+v", due)
	}
	if ok, err := db.StartRotation(ctx, chat, slot, now, "https://t.me/+old"); !ok || err != nil {
		t.Fatalf("StartRotation = %v, %v", ok, err)
	}
	if ok, err := db.StartRotation(ctx, chat, slot, now, "https://t.me/+old"); ok || err != nil {
		t.Errorf("the slot started twice: %v, %v", ok, err)
	}
	if s, _ := db.Autorotate(ctx, chat); !s.Next.Equal(slot.Add(4 * time.Hour)) {
		t.Errorf("next slot after a late start: %v", s.Next)
	}
	open, _ := db.OpenRotations(ctx)
	if len(open) != 1 || !open[0].DoneAt.IsZero() || !open[0].Slot.Equal(slot) || open[0].Previous != "https://t.me/+old" {
		t.Fatalf("open rotations: %+v", open)
	}
	l, err := db.FinishRotation(ctx, chat, slot, "https://t.me/+new", now)
	if err != nil || !l.Primary || l.Number != 2 {
		t.Fatalf("FinishRotation = %+v, %v", l, err)
	}
	if _, err := db.FinishRotation(ctx, chat, slot, "https://t.me/+newer", now); err == nil {
		t.Errorf("a slot finished twice")
	}
	if old := get(t, db, chat, 1); old.RevokedAt.IsZero() {
		t.Errorf("the old primary link stays active")
	}
	open, _ = db.OpenRotations(ctx)
	if len(open) != 1 || open[0].Link != 2 || open[0].Notified {
		t.Fatalf("open after done: %+v", open)
	}
	if err := db.RotationNotified(ctx, chat, slot); err != nil {
		t.Fatal(err)
	}
	if open, _ = db.OpenRotations(ctx); len(open) != 0 {
		t.Errorf("open after told: %+v", open)
	}
	as := actions(t, db, chat)
	if len(as) != 3 || as[0].Kind != store.ActionLinkRotated || as[0].Via != store.ViaSchedule || as[0].Details != "#1" ||
		as[1].Details != "autorotate=1h" {
		t.Errorf("record: %+v", as)
	}
	if err := db.SetAutorotate(ctx, chat, 0, time.Time{}, 7, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Autorotate(ctx, chat); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the schedule after off: %v", err)
	}
	// A slot that is no longer the schedule's does not start.
	if ok, _ := db.StartRotation(ctx, chat, slot.Add(4*time.Hour), now, ""); ok {
		t.Errorf("a slot of a removed schedule started")
	}
	if as := actions(t, db, chat); as[0].Details != "autorotate=off" {
		t.Errorf("record of off: %+v", as[0])
	}
}
