package storetest

import (
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
)

func testJoinHistory(t *testing.T, open Opener) {
	db := open(t)
	ctx := t.Context()
	const chat = -1001
	add(t, db, newLink(chat, "https://t.me/+open"))
	add(t, db, newLink(chat, "https://t.me/+gate"))
	// Frank joins through #1; the same update again counts nothing.
	frank := store.Join{ChatID: chat, UserID: 101, InviteLink: "https://t.me/+open", At: t0.Add(time.Hour), FirstName: "Frank", Username: "frank_f"}
	for range 2 {
		if _, err := db.RecordJoin(ctx, frank); err != nil {
			t.Fatal(err)
		}
	}
	// Gina asks through #2 and alice approves her with a command.
	if err := db.AddJoinRequest(ctx, store.JoinRequest{ChatID: chat, UserID: 102, FirstName: "Gina", LastName: "G", RequestedAt: t0, InviteLink: "https://t.me/+gate"}); err != nil {
		t.Fatal(err)
	}
	byAlice := store.WithCause(ctx, store.Cause{By: 7, Name: "@alice"})
	if _, _, err := db.AnswerJoinRequest(byAlice, chat, 102, store.RequestApproved, 7, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Her join that follows is that approval's: not counted again.
	if _, err := db.RecordJoin(ctx, store.Join{ChatID: chat, UserID: 102, InviteLink: "https://t.me/+gate", ViaRequest: true, By: 7, At: t0.Add(2*time.Hour + time.Second)}); err != nil {
		t.Fatal(err)
	}
	// Hank asks through #2 and the auto mode lets him in.
	if err := db.AddJoinRequest(ctx, store.JoinRequest{ChatID: chat, UserID: 103, FirstName: "Hank", RequestedAt: t0, InviteLink: "https://t.me/+gate"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AnswerJoinRequest(store.WithCause(ctx, store.Cause{Via: "auto"}), chat, 103, store.RequestApproved, 0, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}

	js, err := db.LinkJoins(ctx, chat, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) != 2 || js[0].UserID != 103 || js[1].UserID != 102 {
		t.Fatalf("joins of #2, newest first: %+v", js)
	}
	if j := js[1]; j.FirstName != "Gina" || j.LastName != "G" || j.ApprovedBy != 7 || j.ApprovedByName != "@alice" || !j.At.Equal(t0.Add(2*time.Hour)) || j.Link != 2 {
		t.Errorf("gina's join: %+v", j)
	}
	if j := js[0]; j.ApprovedBy != 0 || j.ApprovedVia != "auto" {
		t.Errorf("hank's join: %+v", j)
	}
	if got := get(t, db, chat, 2).Joins; got != int64(len(js)) {
		t.Errorf("#2 counts %d joins, its history %d", got, len(js))
	}
	js, _ = db.LinkJoins(ctx, chat, 1)
	if len(js) != 1 || js[0].Username != "frank_f" || js[0].URL != "https://t.me/+open" {
		t.Errorf("joins of #1: %+v", js)
	}
	all, err := db.ChatJoins(ctx, chat, t0.Add(90*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].UserID != 102 || all[1].UserID != 103 {
		t.Errorf("chat joins since 90m, oldest first: %+v", all)
	}
	acts, err := db.LinkActions(ctx, chat, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 3 || acts[0].Kind != store.ActionLinkCreated || acts[1].Subject != 102 || acts[2].Subject != 103 {
		t.Errorf("actions on #2: %+v", acts)
	}
	counts, err := db.ActionCounts(ctx, chat, t0.Add(150*time.Minute))
	if err != nil || len(counts) != 1 || counts[store.ActionRequestApproved] != 1 {
		t.Errorf("actions since 150m by kind: %v, %v", counts, err)
	}
}
