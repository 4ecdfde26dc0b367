package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
)

// TestJoinModeSettings: a chat's join mode, wait and rules are kept; a
// mode that is none is refused.
func testJoinModeSettings(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const chat int64 = -1001
	want := store.ChatSettings{ChatID: chat, Language: "de", JoinMode: store.JoinVerify, VerifyWait: 3 * time.Minute,
		Rules: "Be kind <b>&</b> patient", UpdatedBy: 5, UpdatedAt: t0}
	must(t, db.SaveChatSettings(ctx, want))
	if got, err := db.ChatSettings(ctx, chat); err != nil || got != want {
		t.Errorf("settings = %+v, %v; want %+v", got, err, want)
	}
	if err := db.SaveChatSettings(ctx, store.ChatSettings{ChatID: chat, JoinMode: "open"}); err == nil {
		t.Errorf("a join mode that is none was stored")
	}
	if err := db.SaveChatSettings(ctx, store.ChatSettings{ChatID: chat, VerifyWait: -time.Second}); err == nil {
		t.Errorf("a negative wait was stored")
	}
}

// TestLinkJoinMode: a link's own join mode is stored with it, changed by
// an edit, and removed by a pointer to "".
func testLinkJoinMode(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	l := newLink(-1001, "https://t.me/+verified")
	l.JoinRequest, l.JoinMode = true, store.JoinVerify
	added, _ := add(t, db, l)
	if added.JoinMode != store.JoinVerify {
		t.Errorf("added link's join mode = %q", added.JoinMode)
	}
	auto := store.JoinAuto
	if e, err := db.EditLink(ctx, -1001, added.Number, store.LinkChange{JoinMode: &auto, EditedAt: t0}); err != nil || e.JoinMode != store.JoinAuto {
		t.Errorf("after join=auto: %+v, %v", e, err)
	}
	name := "renamed"
	if e, _ := db.EditLink(ctx, -1001, added.Number, store.LinkChange{Name: &name, EditedAt: t0}); e.JoinMode != store.JoinAuto {
		t.Errorf("an edit of the name changed the join mode: %q", e.JoinMode)
	}
	none := store.JoinMode("")
	if e, _ := db.EditLink(ctx, -1001, added.Number, store.LinkChange{JoinMode: &none, EditedAt: t0}); e.JoinMode != "" {
		t.Errorf("the join mode was not removed: %q", e.JoinMode)
	}
	bad := newLink(-1001, "https://t.me/+closed")
	bad.JoinMode = store.JoinClosed
	if _, _, err := db.AddLink(ctx, bad); err == nil {
		t.Errorf("a link with join=closed was stored")
	}
}

// TestRequestModeAndNotifications: a request keeps its query and mode;
// only a request that waits for the admins is notified at once.
func testRequestModeAndNotifications(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const chat, admin int64 = -1001, 9
	must(t, db.SetNotify(ctx, store.Subscriber{ChatID: chat, UserID: admin}, true, t0))
	for i, mode := range []store.JoinMode{"", store.JoinManual, store.JoinAuto, store.JoinVerify, store.JoinClosed} {
		r := request(chat, int64(100+i), "", t0)
		r.Mode, r.QueryID = mode, "q"+string(mode)
		must(t, db.AddJoinRequest(ctx, r))
		got, err := db.JoinRequest(ctx, chat, r.UserID)
		if err != nil || got.Mode != mode || got.QueryID != r.QueryID || got.Unreachable {
			t.Errorf("request in mode %q = %+v, %v", mode, got, err)
		}
	}
	pending, err := db.PendingNotifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var told []int64
	for _, n := range pending {
		told = append(told, n.RequesterID)
	}
	if len(told) != 2 || told[0] != 100 || told[1] != 101 {
		t.Errorf("notified requesters = %v, want the two that wait for the admins (100, 101)", told)
	}
}

func verification(chat, user int64, at time.Time) store.Verification {
	return store.Verification{ChatID: chat, UserID: user, RequestedAt: at, UserChatID: user, Language: "pt-BR",
		Answer: 2, Deadline: at.Add(10 * time.Minute)}
}

// TestVerificationLifecycle: a verification is stored once per request,
// found by request and token, sent, and ended once.
func testVerificationLifecycle(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const chat int64 = -1001
	r := request(chat, 5, "", t0)
	r.Mode = store.JoinVerify
	must(t, db.AddJoinRequest(ctx, r))

	v := verification(chat, 5, t0)
	v.Token = "tok-5"
	got, added, err := db.AddVerification(ctx, v)
	if err != nil || !added {
		t.Fatalf("AddVerification = %v, %v", added, err)
	}
	want := v
	want.State, want.Via = store.VerifyPending, store.ViaMessage
	if got != want {
		t.Errorf("stored %+v, want %+v", got, want)
	}
	// The same request again (a replayed update) keeps the first.
	again := v
	again.Answer, again.Token = 1, "tok-other"
	if got, added, err := db.AddVerification(ctx, again); err != nil || added || got.Answer != 2 || got.Token != "tok-5" {
		t.Errorf("AddVerification again = %+v, %v, %v; want the first kept", got, added, err)
	}
	if got, err := db.Verification(ctx, chat, 5); err != nil || got != want {
		t.Errorf("Verification = %+v, %v", got, err)
	}
	if got, err := db.VerificationByToken(ctx, "tok-5"); err != nil || got != want {
		t.Errorf("VerificationByToken = %+v, %v", got, err)
	}
	for _, tok := range []string{"", "tok-7"} {
		if _, err := db.VerificationByToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("VerificationByToken(%q) = %v, want ErrNotFound", tok, err)
		}
	}
	if _, err := db.Verification(ctx, chat, 6); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Verification of no request = %v", err)
	}
	if _, _, err := db.AddVerification(ctx, store.Verification{ChatID: chat, UserID: 7, RequestedAt: t0, Deadline: t0, Answer: 4}); err == nil {
		t.Errorf("a verification with answer 4 was stored")
	}

	// A check by the page is not one to send, until it must go by message.
	page := verification(chat, 6, t0)
	page.Via, page.Token = store.ViaPage, "tok-6"
	if _, _, err := db.AddVerification(ctx, page); err != nil {
		t.Fatal(err)
	}
	unsent, err := db.UnsentVerifications(ctx, 10)
	if err != nil || len(unsent) != 1 || unsent[0].UserID != 5 {
		t.Fatalf("unsent = %+v, %v", unsent, err)
	}
	must(t, db.VerifyByMessage(ctx, page))
	if unsent, _ := db.UnsentVerifications(ctx, 10); len(unsent) != 2 || unsent[1].UserID != 6 || unsent[1].Token != "tok-6" {
		t.Errorf("unsent after the page failed = %+v", unsent)
	}
	if _, _, err := db.EndVerification(ctx, page, store.VerifyFailed, t0); err != nil {
		t.Fatal(err)
	}
	must(t, db.VerificationSent(ctx, v, 77))
	if unsent, _ := db.UnsentVerifications(ctx, 10); len(unsent) != 0 {
		t.Errorf("unsent after sending = %+v", unsent)
	}

	after, ended, err := db.EndVerification(ctx, v, store.VerifyPassed, t0.Add(time.Minute))
	if err != nil || !ended || after.State != store.VerifyPassed || after.MessageID != 77 || !after.EndedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("EndVerification = %+v, %v, %v", after, ended, err)
	}
	// Of two ways to end it, the first wins.
	if after, ended, err := db.EndVerification(ctx, v, store.VerifyTimedOut, t0.Add(time.Hour)); err != nil || ended || after.State != store.VerifyPassed {
		t.Errorf("a second end = %+v, %v, %v", after, ended, err)
	}
	if _, _, err := db.EndVerification(ctx, v, store.VerifyPending, t0); err == nil {
		t.Errorf("ending as pending succeeded")
	}
	if _, _, err := db.EndVerification(ctx, verification(chat, 8, t0), store.VerifyFailed, t0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ending an unknown verification = %v, want ErrNotFound", err)
	}
	// Passed while the request is pending: unsettled until answered.
	if us, err := db.UnsettledVerifications(ctx, 10); err != nil || len(us) != 1 || us[0].UserID != 5 {
		t.Errorf("unsettled = %+v, %v", us, err)
	}
	if _, _, err := db.AnswerJoinRequest(ctx, chat, 5, store.RequestApproved, 0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if us, _ := db.UnsettledVerifications(ctx, 10); len(us) != 0 {
		t.Errorf("unsettled after the answer = %+v", us)
	}
}

// TestVerificationDeadlines: due verifications come earliest first, only
// while pending.
func testVerificationDeadlines(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const chat int64 = -1001
	if next, err := db.NextVerificationDeadline(ctx); err != nil || !next.IsZero() {
		t.Errorf("next deadline with none = %v, %v", next, err)
	}
	for i, wait := range []time.Duration{3 * time.Minute, time.Minute, 2 * time.Minute} {
		v := verification(chat, int64(i+1), t0)
		v.Deadline = t0.Add(wait)
		if _, _, err := db.AddVerification(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	if next, _ := db.NextVerificationDeadline(ctx); !next.Equal(t0.Add(time.Minute)) {
		t.Errorf("next deadline = %v", next)
	}
	due, err := db.DueVerifications(ctx, t0.Add(2*time.Minute), 10)
	if err != nil || len(due) != 2 || due[0].UserID != 2 || due[1].UserID != 3 {
		t.Fatalf("due at +2m = %+v, %v", due, err)
	}
	if due, _ := db.DueVerifications(ctx, t0.Add(2*time.Minute), 1); len(due) != 1 {
		t.Errorf("limit 1 gave %d", len(due))
	}
	if _, _, err := db.EndVerification(ctx, due[0], store.VerifyTimedOut, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if due, _ := db.DueVerifications(ctx, t0.Add(2*time.Minute), 10); len(due) != 1 || due[0].UserID != 3 {
		t.Errorf("due after ending one = %+v", due)
	}
	if next, _ := db.NextVerificationDeadline(ctx); !next.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("next deadline after ending the first = %v", next)
	}
}

// TestUnreachableWaitsForAdmins: a check that cannot be delivered marks
// the request and notifies the subscribers, once.
func testUnreachableWaitsForAdmins(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const chat, admin int64 = -1001, 9
	must(t, db.SetNotify(ctx, store.Subscriber{ChatID: chat, UserID: admin}, true, t0))
	r := request(chat, 5, "", t0)
	r.Mode = store.JoinVerify
	must(t, db.AddJoinRequest(ctx, r))
	v := verification(chat, 5, t0)
	if _, _, err := db.AddVerification(ctx, v); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.PendingNotifications(ctx); len(n) != 0 {
		t.Fatalf("notified before the check failed: %+v", n)
	}
	if _, ended, err := db.EndVerification(ctx, v, store.VerifyUnreachable, t0.Add(time.Second)); err != nil || !ended {
		t.Fatalf("EndVerification = %v, %v", ended, err)
	}
	if got, _ := db.JoinRequest(ctx, chat, 5); !got.Unreachable || got.State != store.RequestPending {
		t.Errorf("request after an undeliverable check = %+v", got)
	}
	if n, _ := db.PendingNotifications(ctx); len(n) != 1 || n[0].RequesterID != 5 || n[0].AdminID != admin {
		t.Errorf("notifications = %+v, want one for the admin", n)
	}
	db.EndVerification(ctx, v, store.VerifyUnreachable, t0.Add(2*time.Second))
	if n, _ := db.PendingNotifications(ctx); len(n) != 1 {
		t.Errorf("notifications after a second end = %d, want 1", len(n))
	}
}

// TestVerificationEndsWithItsRequest: an admin's answer, or a join,
// ends the pending verification as handled.
func testVerificationEndsWithItsRequest(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const chat int64 = -1001
	for _, user := range []int64{5, 6} {
		r := request(chat, user, "", t0)
		r.Mode = store.JoinVerify
		must(t, db.AddJoinRequest(ctx, r))
		if _, _, err := db.AddVerification(ctx, verification(chat, user, t0)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.AnswerJoinRequest(ctx, chat, 5, store.RequestDeclined, 9, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordJoin(ctx, store.Join{ChatID: chat, UserID: 6, ViaRequest: true, By: 9, At: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	for _, user := range []int64{5, 6} {
		if v, err := db.Verification(ctx, chat, user); err != nil || v.State != store.VerifyHandled || !v.EndedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("verification of %d = %+v, %v; want handled", user, v, err)
		}
	}
	// A new request of the same user is a new verification, and ends the
	// pending check of the request it replaces.
	pending := request(chat, 7, "", t0)
	pending.Mode = store.JoinVerify
	must(t, db.AddJoinRequest(ctx, pending))
	if _, _, err := db.AddVerification(ctx, verification(chat, 7, t0)); err != nil {
		t.Fatal(err)
	}
	again := request(chat, 7, "", t0.Add(time.Hour))
	again.Mode = store.JoinVerify
	must(t, db.AddJoinRequest(ctx, again))
	if due, _ := db.DueVerifications(ctx, t0.Add(24*time.Hour), 10); len(due) != 0 {
		t.Errorf("the replaced request's check is still pending: %+v", due)
	}
	if unsent, _ := db.UnsentVerifications(ctx, 10); len(unsent) != 0 {
		t.Errorf("the replaced request's check is still to be sent: %+v", unsent)
	}
	r := request(chat, 5, "", t0.Add(time.Hour))
	r.Mode = store.JoinVerify
	must(t, db.AddJoinRequest(ctx, r))
	if _, err := db.Verification(ctx, chat, 5); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the new request has the old verification: %v", err)
	}
	if _, added, _ := db.AddVerification(ctx, verification(chat, 5, t0.Add(time.Hour))); !added {
		t.Errorf("no verification added for the new request")
	}
}

// TestVerificationsMoveWithTheChat: a group's upgrade takes its pending
// verifications along.
func testVerificationsMoveWithTheChat(t *testing.T, open Opener) {
	ctx := t.Context()
	db := open(t)
	const group, super int64 = -100, -1001234567890
	r := request(group, 5, "", t0)
	r.Mode = store.JoinVerify
	must(t, db.AddJoinRequest(ctx, r))
	v := verification(group, 5, t0)
	if _, _, err := db.AddVerification(ctx, v); err != nil {
		t.Fatal(err)
	}
	must(t, db.MoveChat(ctx, group, super))
	if got, err := db.Verification(ctx, super, 5); err != nil || got.ChatID != super {
		t.Errorf("Verification in the supergroup = %+v, %v", got, err)
	}
	// The old ID still reaches it, as the check's button names it.
	if after, ended, err := db.EndVerification(ctx, v, store.VerifyPassed, t0.Add(time.Minute)); err != nil || !ended || after.ChatID != super {
		t.Errorf("EndVerification by the old ID = %+v, %v, %v", after, ended, err)
	}
}
