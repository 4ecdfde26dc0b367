package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
)

// actions returns the chat's record, newest first, and fails the test on error.
func actions(t *testing.T, db Store, chat int64) []store.Action {
	t.Helper()
	as, err := db.Actions(t.Context(), chat, 100)
	if err != nil {
		t.Fatalf("Actions: %v", err)
	}
	return as
}

// want checks an action's kind, who, link, subject and details.
func wantAction(t *testing.T, a store.Action, kind store.ActionKind, by int64, link int64, details string) {
	t.Helper()
	if a.Kind != kind || a.By != by || a.Link != link || a.Details != details {
		t.Errorf("action = %+v, want kind %s by %d link #%d details %q", a, kind, by, link, details)
	}
}

func testRecordOfLinks(t *testing.T, open Opener) {
	db := open(t)
	ctx := store.WithCause(t.Context(), store.Cause{By: 7, Name: "@alice"})
	const chat = -1001
	l := newLink(chat, "https://t.me/+a")
	l.Name, l.MemberLimit, l.ExpiresAt = "Partners", 50, t0.Add(48*time.Hour)
	if _, _, err := db.AddLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	name, limit := "Big", 0
	if _, err := db.EditLink(ctx, chat, 1, store.LinkChange{Name: &name, MemberLimit: &limit, JoinRequest: new(true), EditedBy: 7, EditedAt: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RevokeLink(ctx, chat, 1, 8, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Revoking again changes nothing, and records nothing.
	if _, err := db.RevokeLink(ctx, chat, 1, 8, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// A primary link that replaces another is a rotation.
	add(t, db, primaryLink(chat, "https://t.me/+p1"))
	rot := primaryLink(chat, "https://t.me/+p2")
	if _, _, err := db.AddLink(store.WithCause(t.Context(), store.Cause{Via: store.ViaSchedule}), rot); err != nil {
		t.Fatal(err)
	}
	// A write that fails records nothing.
	if _, _, err := db.AddLink(ctx, newLink(chat, "https://t.me/+a")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("AddLink of a stored URL: %v", err)
	}

	as := actions(t, db, chat)
	if len(as) != 5 {
		t.Fatalf("%d actions, want 5: %+v", len(as), as)
	}
	wantAction(t, as[4], store.ActionLinkCreated, 7, 1, "“Partners” expire=2025-03-03 12:00 UTC limit=50")
	if as[4].ByName != "@alice" || as[4].Via != "" || !as[4].At.Equal(t0) || as[4].ChatID != chat {
		t.Errorf("creation = %+v, want @alice at t0 in %d", as[4], chat)
	}
	wantAction(t, as[3], store.ActionLinkEdited, 7, 1, "name=“Big” limit=none request")
	wantAction(t, as[2], store.ActionLinkRevoked, 8, 1, "")
	if as[2].ByName != "" {
		t.Errorf("revocation by 8 named %q: the cause is 7's", as[2].ByName)
	}
	wantAction(t, as[1], store.ActionLinkRotated, 7, 2, "")
	wantAction(t, as[0], store.ActionLinkRotated, 7, 3, "#2")
	if as[0].Via != store.ViaSchedule {
		t.Errorf("rotation via %q, want the schedule", as[0].Via)
	}
	for i := 1; i < len(as); i++ {
		if as[i].ID >= as[i-1].ID {
			t.Errorf("actions not newest first: %+v", as)
		}
	}
	if got, _ := db.Actions(t.Context(), chat, 2); len(got) != 2 || got[0].ID != as[0].ID {
		t.Errorf("Actions(2) = %+v", got)
	}
	if got := actions(t, db, -2002); len(got) != 0 {
		t.Errorf("another chat has %d actions", len(got))
	}
}

func testRecordOfRequestsAndSettings(t *testing.T, open Opener) {
	db := open(t)
	ctx := t.Context()
	const chat = -1001
	add(t, db, newLink(chat, "https://t.me/+r"))
	for _, u := range []int64{101, 102, 103, 104} {
		if err := db.AddJoinRequest(ctx, request(chat, u, "https://t.me/+r", t0)); err != nil {
			t.Fatal(err)
		}
	}
	auto := store.WithCause(ctx, store.Cause{Via: "auto"})
	if _, _, err := db.AnswerJoinRequest(auto, chat, 101, store.RequestApproved, 0, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AnswerJoinRequest(ctx, chat, 102, store.RequestDeclined, 7, t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	// Gone elsewhere: nobody's action.
	if _, _, err := db.AnswerJoinRequest(ctx, chat, 103, store.RequestGone, 0, t0.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	// An admin approved in Telegram: the join tells.
	inTelegram := store.WithCause(ctx, store.Cause{By: 9, Name: "@dave", Via: store.ViaTelegram})
	if _, err := db.RecordJoin(inTelegram, store.Join{ChatID: chat, UserID: 104, InviteLink: "https://t.me/+r", ViaRequest: true, By: 9, At: t0.Add(4 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	// Answering an answered request changes nothing and records nothing.
	if _, _, err := db.AnswerJoinRequest(ctx, chat, 101, store.RequestDeclined, 7, t0.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	s := store.ChatSettings{ChatID: chat, Language: "ru", Replies: store.RepliesChat, UpdatedBy: 7, UpdatedAt: t0.Add(6 * time.Second)}
	if err := db.SaveChatSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	s.Language, s.UpdatedAt = "ru", t0.Add(7*time.Second) // unchanged: nothing to record
	if err := db.SaveChatSettings(ctx, s); err != nil {
		t.Fatal(err)
	}

	as := actions(t, db, chat)
	if len(as) != 6 {
		t.Fatalf("%d actions, want 6: %+v", len(as), as)
	}
	wantAction(t, as[5], store.ActionLinkCreated, 7, 1, "")
	wantAction(t, as[4], store.ActionRequestApproved, 0, 1, "@user_name")
	if as[4].Via != "auto" || as[4].Subject != 101 {
		t.Errorf("approval by the mode = %+v", as[4])
	}
	wantAction(t, as[3], store.ActionRequestDeclined, 7, 1, "@user_name")
	wantAction(t, as[2], store.ActionRequestApproved, 9, 1, "@user_name")
	if as[2].ByName != "@dave" || as[2].Via != store.ViaTelegram || as[2].Subject != 104 {
		t.Errorf("approval in Telegram = %+v", as[2])
	}
	wantAction(t, as[1], store.ActionSettingChanged, 7, 0, "language=ru")
	wantAction(t, as[0], store.ActionSettingChanged, 7, 0, "replies=chat")
}

// testRecordOfVerifications: the end of a check is recorded naming its
// requester, as /log shows them (@username, else the name): passed and
// failed as the requester's own action, timed out as the join mode's; an
// end that is no answer (unreachable) and a second end record nothing.
func testRecordOfVerifications(t *testing.T, open Opener) {
	db := open(t)
	ctx := t.Context()
	const chat = -1001
	people := []store.JoinRequest{
		{ChatID: chat, UserID: 201, FirstName: "Hank", LastName: "Hill", Username: "hank_h", UserChatID: 201, RequestedAt: t0},
		{ChatID: chat, UserID: 202, FirstName: "Ivan", LastName: "Petrov", UserChatID: 202, RequestedAt: t0},
		{ChatID: chat, UserID: 203, FirstName: "Judy", UserChatID: 203, RequestedAt: t0},
		{ChatID: chat, UserID: 204, FirstName: "Kate", Username: "kate_k", UserChatID: 204, RequestedAt: t0},
	}
	for _, r := range people {
		r.Mode = store.JoinVerify
		must(t, db.AddJoinRequest(ctx, r))
		if _, _, err := db.AddVerification(ctx, verification(chat, r.UserID, t0)); err != nil {
			t.Fatal(err)
		}
	}
	end := func(user int64, state store.VerifyState, at time.Duration) {
		t.Helper()
		if _, _, err := db.EndVerification(ctx, verification(chat, user, t0), state, t0.Add(at)); err != nil {
			t.Fatal(err)
		}
	}
	end(201, store.VerifyPassed, time.Second)
	end(202, store.VerifyFailed, 2*time.Second)
	end(203, store.VerifyTimedOut, 3*time.Second)
	end(204, store.VerifyUnreachable, 4*time.Second)
	end(201, store.VerifyFailed, 5*time.Second) // ended already: nothing

	as := actions(t, db, chat)
	if len(as) != 3 {
		t.Fatalf("%d actions, want 3: %+v", len(as), as)
	}
	for i, w := range []struct {
		kind    store.ActionKind
		by      int64
		byName  string
		subject int64
		details string
	}{
		{store.ActionVerifyTimedOut, 0, "", 203, "Judy"},
		{store.ActionVerifyFailed, 202, "Ivan Petrov", 202, "Ivan Petrov"},
		{store.ActionVerifyPassed, 201, "@hank_h", 201, "@hank_h"},
	} {
		a := as[i]
		if a.Kind != w.kind || a.By != w.by || a.ByName != w.byName || a.Subject != w.subject || a.Details != w.details || a.Via != string(store.JoinVerify) {
			t.Errorf("action %d = %+v, want %s by %d %q of %d, details %q, via verify", i, a, w.kind, w.by, w.byName, w.subject, w.details)
		}
	}
}

func testLogChatOutbox(t *testing.T, open Opener) {
	db := open(t)
	ctx := t.Context()
	const chat, logChat = -1001, -1009
	add(t, db, newLink(chat, "https://t.me/+before"))
	if err := db.SetLogChat(ctx, chat, logChat, 7, t0); err != nil {
		t.Fatal(err)
	}
	if got, err := db.LogChat(ctx, chat); err != nil || got != logChat {
		t.Fatalf("LogChat = %d, %v", got, err)
	}
	add(t, db, newLink(chat, "https://t.me/+after"))
	posts, err := db.PendingLogPosts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The setting itself and the link made after it; not the one before.
	if len(posts) != 2 || posts[0].Action.Details != "logchat=-1009" || posts[1].Action.Link != 2 || posts[1].LogChatID != logChat {
		t.Fatalf("posts = %+v", posts)
	}
	if err := db.LogPosted(ctx, posts[0].Action.ID); err != nil {
		t.Fatal(err)
	}
	if posts, _ = db.PendingLogPosts(ctx); len(posts) != 1 || posts[0].Action.Link != 2 {
		t.Fatalf("after one posted: %+v", posts)
	}
	// The same log chat again: nothing changes, nothing is recorded.
	if err := db.SetLogChat(ctx, chat, logChat, 7, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.SetLogChat(ctx, chat, 0, 7, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.LogChat(ctx, chat); got != 0 {
		t.Errorf("LogChat after off = %d", got)
	}
	add(t, db, newLink(chat, "https://t.me/+off"))
	// The log chat hears of the end, and of nothing after it.
	if posts, _ = db.PendingLogPosts(ctx); len(posts) != 2 || posts[1].Action.Details != "logchat=off" {
		t.Errorf("after off: %+v", posts)
	}
	as := actions(t, db, chat)
	if len(as) != 5 || as[1].Details != "logchat=off" {
		t.Errorf("record: %+v", as)
	}
}

func testRecordMovesWithTheChat(t *testing.T, open Opener) {
	db := open(t)
	ctx := context.Background()
	const group, super, other = -5001, -1005001, -1007
	add(t, db, newLink(group, "https://t.me/+g"))
	if err := db.SetLogChat(ctx, group, group, 7, t0); err != nil { // the group is its own log chat
		t.Fatal(err)
	}
	if err := db.SetLogChat(ctx, other, group, 7, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.MoveChat(ctx, group, super); err != nil {
		t.Fatal(err)
	}
	if got := actions(t, db, super); len(got) != 2 {
		t.Errorf("the supergroup's record: %+v", got)
	}
	for _, c := range []int64{super, other} {
		if got, _ := db.LogChat(ctx, c); got != super {
			t.Errorf("log chat of %d = %d, want the supergroup", c, got)
		}
	}
	posts, _ := db.PendingLogPosts(ctx)
	for _, p := range posts {
		if p.LogChatID != super {
			t.Errorf("post %+v not moved", p)
		}
	}
	// A command in flight under the old ID still reads the new records.
	if got := actions(t, db, group); len(got) != 2 {
		t.Errorf("the record under the old ID: %+v", got)
	}
}
