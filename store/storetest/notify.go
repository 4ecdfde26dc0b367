package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
)

// TestNotificationsLifecycle: a request made while admins are subscribed
// puts a notification for each in the outbox, once; sending, summaries,
// and the outcome when the request is answered.
func testNotificationsLifecycle(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const chat, alice, bob, req1, req2, req3 int64 = -1001, 11, 12, 21, 22, 23
	must(t, db.SetNotify(ctx, store.Subscriber{ChatID: chat, UserID: alice, Language: "ru"}, true, t0))
	must(t, db.SetNotify(ctx, store.Subscriber{ChatID: chat, UserID: bob}, true, t0))
	must(t, db.SetNotify(ctx, store.Subscriber{ChatID: chat, UserID: bob}, false, t0))
	if on, _ := db.Notifying(ctx, chat, alice); !on {
		t.Errorf("alice is not subscribed")
	}
	if on, _ := db.Notifying(ctx, chat, bob); on {
		t.Errorf("bob is still subscribed")
	}

	must(t, db.AddJoinRequest(ctx, request(chat, req1, "", t0)))
	must(t, db.AddJoinRequest(ctx, request(chat, req1, "", t0))) // the same update again
	must(t, db.AddJoinRequest(ctx, request(chat, req2, "", t0.Add(time.Second))))
	must(t, db.AddJoinRequest(ctx, request(chat, req3, "", t0.Add(2*time.Second))))
	pending, err := db.PendingNotifications(ctx)
	if err != nil || len(pending) != 3 {
		t.Fatalf("pending = %+v, %v; want one per request for alice", pending, err)
	}
	if n := pending[0]; n.AdminID != alice || n.RequesterID != req1 || n.Language != "ru" || n.State != store.NotificationPending {
		t.Errorf("first notification = %+v", n)
	}

	must(t, db.NotificationSent(ctx, pending[0].ID, 501, t0.Add(3*time.Second)))
	must(t, db.NotificationsSummarized(ctx, alice, chat, []int64{pending[1].ID}, t0.Add(4*time.Second)))
	w, err := db.NotifyWindow(ctx, alice, chat, t0)
	if err != nil || w.Singles != 1 || !w.LastSummary.Equal(t0.Add(4*time.Second)) || !w.BacklogSince.IsZero() {
		t.Errorf("NotifyWindow = %+v, %v", w, err)
	}
	must(t, db.WaitForSummary(ctx, alice, chat, t0.Add(5*time.Second)))
	must(t, db.WaitForSummary(ctx, alice, chat, t0.Add(6*time.Second))) // waits from the first time
	if w, _ := db.NotifyWindow(ctx, alice, chat, t0); !w.BacklogSince.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("backlog since %v, want the first time", w.BacklogSince)
	}
	must(t, db.NotificationsSummarized(ctx, alice, chat, nil, t0.Add(7*time.Second)))
	if w, _ := db.NotifyWindow(ctx, alice, chat, t0); !w.BacklogSince.IsZero() || !w.LastSummary.Equal(t0.Add(7*time.Second)) {
		t.Errorf("after a summary: %+v", w)
	}
	if rest, _ := db.PendingNotifications(ctx); len(rest) != 1 || rest[0].RequesterID != req3 {
		t.Errorf("pending after sending = %+v", rest)
	}

	// The sent one's request is approved: its message must show it. The
	// pending one's request is declined first: it is never sent.
	if _, changed, err := db.AnswerJoinRequest(ctx, chat, req1, store.RequestApproved, bob, t0.Add(5*time.Second)); err != nil || !changed {
		t.Fatal(err)
	}
	if _, _, err := db.AnswerJoinRequest(ctx, chat, req3, store.RequestDeclined, bob, t0.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if rest, _ := db.PendingNotifications(ctx); len(rest) != 0 {
		t.Errorf("a notification of an answered request is still to be sent: %+v", rest)
	}
	edit, err := db.NotificationsToEdit(ctx)
	if err != nil || len(edit) != 1 || edit[0].MessageID != 501 || edit[0].Outcome != store.RequestApproved {
		t.Fatalf("to edit = %+v, %v", edit, err)
	}
	if sent, _ := db.RequestNotifications(ctx, chat, req1); len(sent) != 1 || sent[0].MessageID != 501 {
		t.Errorf("the request's notifications = %+v", sent)
	}
	must(t, db.NotificationEdited(ctx, edit[0].ID))
	if edit, _ := db.NotificationsToEdit(ctx); len(edit) != 0 {
		t.Errorf("still to edit: %+v", edit)
	}
}

// TestNotificationOfAJoin: a join closes the pending request, and its
// notifications get the outcome.
func testNotificationOfAJoin(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const chat, alice, req int64 = -1001, 11, 21
	must(t, db.SetNotify(ctx, store.Subscriber{ChatID: chat, UserID: alice}, true, t0))
	must(t, db.AddJoinRequest(ctx, request(chat, req, "", t0)))
	pending, _ := db.PendingNotifications(ctx)
	must(t, db.NotificationSent(ctx, pending[0].ID, 7, t0))
	if _, err := db.RecordJoin(ctx, store.Join{ChatID: chat, UserID: req, ViaRequest: true, By: alice, At: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if edit, _ := db.NotificationsToEdit(ctx); len(edit) != 1 || edit[0].Outcome != store.RequestApproved {
		t.Errorf("to edit after the join = %+v", edit)
	}
}

func testButtonMessages(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const group, super int64 = -100, -1001234567890
	m := store.ButtonMessage{ChatID: 42, MessageID: 7, Kind: "links", TargetID: group, Items: []int64{3, 1, 12}, Title: "Active links in <b>G</b>:", UserID: 42,
		ParentID: 5, ExpiresAt: t0.Add(time.Minute), CreatedAt: t0}
	must(t, db.SaveButtonMessage(ctx, m))
	got, err := db.ButtonMessage(ctx, 42, 7)
	if err != nil || got.Kind != "links" || got.TargetID != group || !slices.Equal(got.Items, m.Items) || got.Title != m.Title || got.UserID != 42 || got.ParentID != 5 || !got.ExpiresAt.Equal(m.ExpiresAt) {
		t.Errorf("ButtonMessage = %+v, %v", got, err)
	}
	if _, err := db.ButtonMessage(ctx, 42, 8); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown message = %v, want ErrNotFound", err)
	}
	must(t, db.MoveChat(ctx, group, super))
	if got, _ := db.ButtonMessage(ctx, 42, 7); got.TargetID != super {
		t.Errorf("after the upgrade the buttons act on %d, want the supergroup", got.TargetID)
	}
}

func testPendingCommands(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	c := store.PendingCommand{Token: "tok-1", UserID: 5, ChatID: -100, Command: "createlink", Args: "Partners limit=5", CreatedAt: t0}
	must(t, db.SavePendingCommand(ctx, c))
	got, err := db.TakePendingCommand(ctx, "tok-1")
	if err != nil || got != c {
		t.Errorf("TakePendingCommand = %+v, %v; want %+v", got, err, c)
	}
	if _, err := db.TakePendingCommand(ctx, "tok-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a command taken twice: %v", err)
	}
}
