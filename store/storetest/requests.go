package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
)

// request is user's request to join chat through url ("" for none) at at.
func request(chat, user int64, url string, at time.Time) store.JoinRequest {
	return store.JoinRequest{ChatID: chat, UserID: user, FirstName: "User", Username: "user_name",
		Bio: "hi <there>", InviteLink: url, UserChatID: user, RequestedAt: at}
}

// joins returns the joins counted for the chat's link #number.
func joinsOf(t *testing.T, db Store, chat, number int64) int64 {
	t.Helper()
	return get(t, db, chat, number).Joins
}

func testAddJoinRequest(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	r := request(-1, 5, "https://t.me/+x", t0)
	r.LastName = "Last"
	must(t, db.AddJoinRequest(ctx, r))
	got, err := db.JoinRequest(ctx, -1, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := r
	want.State = store.RequestPending
	if got != want {
		t.Errorf("JoinRequest = %+v, want %+v", got, want)
	}
	if _, err := db.JoinRequest(ctx, -1, 6); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("JoinRequest(unknown) = %v, want ErrNotFound", err)
	}
	if err := db.AddJoinRequest(ctx, store.JoinRequest{ChatID: -1, UserID: 7}); err == nil {
		t.Errorf("AddJoinRequest without a time succeeded")
	}

	// Answered; an older request is ignored.
	if _, _, err := db.AnswerJoinRequest(ctx, -1, 5, store.RequestDeclined, 9, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	must(t, db.AddJoinRequest(ctx, request(-1, 5, "", t0.Add(-time.Hour))))
	if got, _ := db.JoinRequest(ctx, -1, 5); got.InviteLink != r.InviteLink || got.State != store.RequestDeclined {
		t.Errorf("an older request replaced the newer: %+v", got)
	}
	// A new request within the same second is a new request: pending.
	again := r
	again.Bio = "asked again"
	must(t, db.AddJoinRequest(ctx, again))
	if got, _ := db.JoinRequest(ctx, -1, 5); got.State != store.RequestPending || got.Bio != "asked again" || got.AnsweredBy != 0 {
		t.Errorf("a request of the same second = %+v, want it pending", got)
	}
	// A newer one replaces it and is pending.
	if _, _, err := db.AnswerJoinRequest(ctx, -1, 5, store.RequestDeclined, 9, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	newer := request(-1, 5, "", t0.Add(time.Hour))
	must(t, db.AddJoinRequest(ctx, newer))
	got, _ = db.JoinRequest(ctx, -1, 5)
	if got.State != store.RequestPending || got.InviteLink != "" || got.AnsweredBy != 0 || !got.AnsweredAt.IsZero() {
		t.Errorf("a newer request = %+v, want a fresh pending one", got)
	}
}

func testPendingJoinRequests(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	must(t, db.AddJoinRequest(ctx, request(-1, 3, "", t0.Add(2*time.Minute))))
	must(t, db.AddJoinRequest(ctx, request(-1, 1, "", t0)))
	must(t, db.AddJoinRequest(ctx, request(-1, 2, "", t0.Add(time.Minute))))
	must(t, db.AddJoinRequest(ctx, request(-2, 4, "", t0)))
	if _, _, err := db.AnswerJoinRequest(ctx, -1, 2, store.RequestGone, 0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	pending, err := db.PendingJoinRequests(ctx, -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || pending[0].UserID != 1 || pending[1].UserID != 3 {
		t.Errorf("PendingJoinRequests = %+v, want users 1 and 3, oldest first", pending)
	}
	if none, err := db.PendingJoinRequests(ctx, -3); err != nil || len(none) != 0 {
		t.Errorf("PendingJoinRequests(no requests) = %v, %v", none, err)
	}
}

func testAnswerJoinRequest(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	ours, _ := add(t, db, newLink(-1, "https://t.me/+ours"))
	for user, url := range map[int64]string{1: ours.URL, 2: ours.URL, 3: "https://t.me/+Other...", 4: ""} {
		must(t, db.AddJoinRequest(ctx, request(-1, user, url, t0)))
	}
	at := t0.Add(time.Minute)

	r, changed, err := db.AnswerJoinRequest(ctx, -1, 1, store.RequestApproved, 9, at)
	if err != nil || !changed {
		t.Fatalf("approve = %v, %v", changed, err)
	}
	if r.State != store.RequestApproved || r.AnsweredBy != 9 || !r.AnsweredAt.Equal(at) || !r.Counted {
		t.Errorf("approved request = %+v", r)
	}
	if n := joinsOf(t, db, -1, 1); n != 1 {
		t.Errorf("joins after approving through the bot's link = %d, want 1", n)
	}
	// Answering again changes nothing and counts nothing.
	r, changed, err = db.AnswerJoinRequest(ctx, -1, 1, store.RequestApproved, 10, at.Add(time.Minute))
	if err != nil || changed || r.AnsweredBy != 9 {
		t.Errorf("second answer = %+v, %v, %v; want unchanged", r, changed, err)
	}
	if n := joinsOf(t, db, -1, 1); n != 1 {
		t.Errorf("joins after a second approval = %d, want 1", n)
	}
	// Declined and gone are not counted; nor are approvals through other
	// admins' links or none.
	for user, state := range map[int64]store.RequestState{2: store.RequestDeclined, 3: store.RequestApproved, 4: store.RequestApproved} {
		r, changed, err := db.AnswerJoinRequest(ctx, -1, user, state, 9, at)
		if err != nil || !changed || r.State != state || r.Counted {
			t.Errorf("user %d: %s = %+v, %v, %v", user, state, r, changed, err)
		}
	}
	if n := joinsOf(t, db, -1, 1); n != 1 {
		t.Errorf("joins = %d, want 1", n)
	}
	if _, _, err := db.AnswerJoinRequest(ctx, -1, 99, store.RequestApproved, 9, at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("answering no request = %v, want ErrNotFound", err)
	}
	if _, _, err := db.AnswerJoinRequest(ctx, -1, 2, store.RequestPending, 9, at); err == nil {
		t.Errorf("answering with pending succeeded")
	}
}

func testRecordJoin(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	ours, _ := add(t, db, newLink(-1, "https://t.me/+ours"))
	add(t, db, newLink(-2, "https://t.me/+elsewhere"))
	join := func(user int64, url string, via bool, at time.Time) bool {
		t.Helper()
		counted, err := db.RecordJoin(ctx, store.Join{ChatID: -1, UserID: user, InviteLink: url, ViaRequest: via, By: 9, At: at})
		if err != nil {
			t.Fatal(err)
		}
		return counted
	}

	if !join(1, ours.URL, false, t0) {
		t.Errorf("a join through the bot's link was not counted")
	}
	if join(1, ours.URL, false, t0) {
		t.Errorf("the same join seen again was counted")
	}
	if !join(1, ours.URL, false, t0.Add(time.Hour)) {
		t.Errorf("a later join (a rejoin through the link) was not counted")
	}
	for _, url := range []string{"", "https://t.me/+Other...", "https://t.me/+elsewhere"} {
		if join(2, url, false, t0) {
			t.Errorf("a join through %q was counted", url)
		}
	}
	if n := joinsOf(t, db, -1, 1); n != 2 {
		t.Errorf("joins = %d, want 2", n)
	}
	if l := get(t, db, -2, 1); l.Joins != 0 {
		t.Errorf("another chat's link with that URL counted %d", l.Joins)
	}
}

func testRecordJoinWithRequests(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	ours, _ := add(t, db, newLink(-1, "https://t.me/+ours"))
	record := func(j store.Join) bool {
		t.Helper()
		j.ChatID = -1
		counted, err := db.RecordJoin(ctx, j)
		if err != nil {
			t.Fatal(err)
		}
		return counted
	}
	state := func(user int64) store.JoinRequest {
		t.Helper()
		r, err := db.JoinRequest(ctx, -1, user)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	t.Run("approved by the bot, then the join arrives", func(t *testing.T) {
		must(t, db.AddJoinRequest(ctx, request(-1, 1, ours.URL, t0)))
		if _, _, err := db.AnswerJoinRequest(ctx, -1, 1, store.RequestApproved, 9, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		j := store.Join{UserID: 1, InviteLink: ours.URL, ViaRequest: true, By: 9, At: t0.Add(time.Minute)}
		first, again := record(j), record(j)
		if first || again {
			t.Errorf("the join of a request the bot approved was counted again (%v, %v)", first, again)
		}
		if r := state(1); !r.Joined || r.State != store.RequestApproved {
			t.Errorf("request = %+v", r)
		}
	})
	t.Run("approved in Telegram by an admin: the join counts and closes the request", func(t *testing.T) {
		must(t, db.AddJoinRequest(ctx, request(-1, 2, ours.URL, t0)))
		j := store.Join{UserID: 2, InviteLink: ours.URL, ViaRequest: true, By: 8, At: t0.Add(time.Minute)}
		if !record(j) {
			t.Errorf("the join was not counted")
		}
		r := state(2)
		if r.State != store.RequestApproved || r.AnsweredBy != 8 || !r.Counted || !r.Joined {
			t.Errorf("request = %+v", r)
		}
		// The bot's own approval, racing the update, finds it answered.
		if _, changed, _ := db.AnswerJoinRequest(ctx, -1, 2, store.RequestApproved, 9, t0.Add(2*time.Minute)); changed {
			t.Errorf("a late approval changed the request")
		}
		if record(j) {
			t.Errorf("the same update seen again was counted")
		}
	})
	t.Run("joined otherwise: the request is gone", func(t *testing.T) {
		must(t, db.AddJoinRequest(ctx, request(-1, 3, ours.URL, t0)))
		if record(store.Join{UserID: 3, At: t0.Add(time.Minute)}) {
			t.Errorf("a join without a link was counted")
		}
		if r := state(3); r.State != store.RequestGone || r.Counted {
			t.Errorf("request = %+v", r)
		}
	})
	t.Run("a join from before the request leaves it pending", func(t *testing.T) {
		must(t, db.AddJoinRequest(ctx, request(-1, 4, "", t0)))
		record(store.Join{UserID: 4, At: t0.Add(-time.Minute)})
		if r := state(4); r.State != store.RequestPending {
			t.Errorf("request = %+v", r)
		}
	})
	if n := joinsOf(t, db, -1, 1); n != 2 {
		t.Errorf("joins = %d, want 2 (users 1 and 2)", n)
	}
}
