package handlers

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// seedRequests gives the group four pending requests, oldest first: @bob
// through #2 Partners, Carol (no username) without a link, @dave through
// another admin's link, @eve through #3 (no name); and Zed's, answered.
func seedRequests(e *env) {
	e.seed(store.Link{URL: urlPrimary, Primary: true})
	e.seed(store.Link{URL: urlPartners, Name: "Partners"})
	e.seed(store.Link{URL: urlClub, JoinRequest: true})
	at := tNow.Add(-4 * time.Hour)
	e.seedRequest(store.JoinRequest{UserID: tBob, FirstName: "Bob", LastName: "Builder", Username: "bob", Bio: "I <3 fans",
		InviteLink: urlPartners, UserChatID: tBob, RequestedAt: at})
	e.seedRequest(store.JoinRequest{UserID: tCarol, FirstName: "Carol", RequestedAt: at.Add(time.Hour)})
	e.seedRequest(store.JoinRequest{UserID: tDave, FirstName: "Dave", Username: "dave", InviteLink: "https://t.me/+AbC...",
		RequestedAt: at.Add(2 * time.Hour)})
	e.seedRequest(store.JoinRequest{UserID: tEve, FirstName: "Eve", Username: "eve", InviteLink: urlClub, RequestedAt: at.Add(3 * time.Hour)})
	e.seedRequest(store.JoinRequest{UserID: 5000000009, FirstName: "Zed", Username: "zed", State: store.RequestApproved,
		AnsweredBy: tAdmin, AnsweredAt: at, RequestedAt: at.Add(-time.Hour)})
}

func TestOnChatMember(t *testing.T) {
	joined := tNow.Add(-time.Minute)
	update := func(old, new bot.ChatMember) *bot.Update {
		return &bot.Update{Kind: "chat_member", Chat: groupChat(), From: adminUser(), Member: &bot.MemberUpdate{
			Date: joined, InviteLink: urlPartners, ViaJoinRequest: true,
			Old: bot.MemberState{User: bot.User{ID: tBob}, ChatMember: old},
			New: bot.MemberState{User: bot.User{ID: tBob}, ChatMember: new},
		}}
	}
	var (
		left       = bot.ChatMember{Status: "left"}
		kicked     = bot.ChatMember{Status: "kicked"}
		member     = bot.ChatMember{Status: "member"}
		admin      = bot.ChatMember{Status: "administrator", CanInviteUsers: true}
		restricted = bot.ChatMember{Status: "restricted", IsMember: true}
		outside    = bot.ChatMember{Status: "restricted"} // restricted, not in the chat
	)
	counted := store.Join{ChatID: tGroup, UserID: tBob, InviteLink: urlPartners, ViaRequest: true, By: tAdmin, At: joined}
	for _, tc := range []struct {
		name string
		u    *bot.Update
		want *store.Join // nil: no join recorded
	}{
		{"left, now a member", update(left, member), &counted},
		{"kicked, now a member", update(kicked, member), &counted},
		{"left, now restricted but in", update(left, restricted), &counted},
		{"restricted outside, now a member", update(outside, member), &counted},
		{"left, added as an admin", update(left, admin), &counted},
		{"left, restricted outside", update(left, outside), nil},
		{"a member promoted", update(member, admin), nil},
		{"a restricted member freed", update(restricted, member), nil},
		{"a member leaves", update(member, left), nil},
		{"a member is banned", update(member, kicked), nil},
		{"no user", func() *bot.Update { u := update(left, member); u.Member.New.User.ID = 0; return u }(), nil},
		{"no membership change", func() *bot.Update { u := update(left, member); u.Member = nil; return u }(), nil},
		{"no chat", func() *bot.Update { u := update(left, member); u.Chat = nil; return u }(), nil},
		{"without a date, now", func() *bot.Update { u := update(left, member); u.Member.Date = time.Time{}; return u }(),
			&store.Join{ChatID: tGroup, UserID: tBob, InviteLink: urlPartners, ViaRequest: true, By: tAdmin, At: tNow}},
		{"without a sender, by no one", func() *bot.Update {
			u := update(left, member)
			u.From, u.Member.InviteLink, u.Member.ViaJoinRequest = nil, "", false
			return u
		}(), &store.Join{ChatID: tGroup, UserID: tBob, At: joined}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if err := e.requests().OnChatMember(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg)
			got := e.st.recordedJoins()
			switch {
			case tc.want == nil && len(got) > 0:
				t.Errorf("joins recorded: %+v", got)
			case tc.want != nil && (len(got) != 1 || got[0] != *tc.want):
				t.Errorf("joins recorded: %+v, want %+v", got, *tc.want)
			}
		})
	}
	t.Run("a join through the bot's link counts and closes the request", func(t *testing.T) {
		e := newEnv()
		e.seed(store.Link{URL: urlPartners, Name: "Partners"})
		e.seedRequest(store.JoinRequest{UserID: tBob, InviteLink: urlPartners, RequestedAt: joined.Add(-time.Hour)})
		if err := e.requests().OnChatMember(context.Background(), update(left, member)); err != nil {
			t.Fatal(err)
		}
		if l := e.st.get(t, tGroup, 1); l.Joins != 1 {
			t.Errorf("#1 has %d joins, want 1", l.Joins)
		}
		if r, _ := e.st.request(tGroup, tBob); r.State != store.RequestApproved || r.AnsweredBy != tAdmin {
			t.Errorf("the request is %s by %d", r.State, r.AnsweredBy)
		}
	})
	t.Run("a store failure is a failure", func(t *testing.T) {
		e := newEnv()
		e.st.failNext("RecordJoin", errDisk)
		wantFailure(t, e.requests().OnChatMember(context.Background(), update(left, member)))
	})
}

// requestButtonTexts are the Approve and Decline buttons of /requests for
// user: their data names the requester and nothing else (the chat is the
// message's record's).
func requestButtonTexts(name string, user int64) []string {
	return []string{
		fmt.Sprintf("Approve %s=rq:a:%d", name, user),
		fmt.Sprintf("Decline %s=rq:d:%d", name, user),
	}
}

func TestRequestsList(t *testing.T) {
	t.Run("each pending request with its link and buttons, oldest first", func(t *testing.T) {
		e := newEnv()
		seedRequests(e)
		if err := e.requests().List(context.Background(), groupCommand("requests", "")); err != nil {
			t.Fatal(err)
		}
		wantCalls(t, e.tg, line("Send", tGroup, "reply=10 buttons=8"))
		m := e.tg.messages()[0]
		got := plain(m.Text)
		wantContains(t, got, "Pending join requests in Fans & Friends:",
			"Bob Builder @bob · ID 5000000002\nasked 2026-11-22 08:00 UTC · through #2 “Partners”\nbio: “I <3 fans”",
			"Carol · ID 5000000003\nasked 2026-11-22 09:00 UTC · without a link",
			"Dave @dave · ID 5000000004\nasked 2026-11-22 10:00 UTC · through another admin's link",
			"Eve @eve · ID 5000000005\nasked 2026-11-22 11:00 UTC · through #3")
		wantLacks(t, got, "Zed")
		if !(strings.Index(got, "Bob") < strings.Index(got, "Carol") && strings.Index(got, "Carol") < strings.Index(got, "Dave") &&
			strings.Index(got, "Dave") < strings.Index(got, "Eve")) {
			t.Errorf("not oldest first: %q", got)
		}
		var want []string
		for _, r := range []struct {
			name string
			id   int64
		}{{"@bob", tBob}, {"Carol", tCarol}, {"@dave", tDave}, {"@eve", tEve}} {
			want = append(want, requestButtonTexts(r.name, r.id)...)
		}
		if got := buttonTexts(t, m.Buttons); !slices.Equal(got, want) {
			t.Errorf("buttons %v, want %v", got, want)
		}
		for _, row := range m.Buttons {
			if len(row) != 2 {
				t.Errorf("a row of %d buttons, want a request's two", len(row))
			}
		}
		rec, ok := e.st.record(tGroup, 101)
		wantRec := store.ButtonMessage{ChatID: tGroup, MessageID: 101, Kind: kindRequests, TargetID: tGroup,
			Items: []int64{tBob, tCarol, tDave, tEve}, Title: "Pending join requests in <b>Fans &amp; Friends</b>:", CreatedAt: tNow}
		if !ok || !recordsEqual(rec, wantRec) {
			t.Errorf("the record is %+v, want %+v", rec, wantRec)
		}
	})
	t.Run("from a private chat, there, acting on the group", func(t *testing.T) {
		e := newEnv()
		seedRequests(e)
		if err := e.requests().List(context.Background(), privateCommand("requests", "")); err != nil {
			t.Fatal(err)
		}
		wantCalls(t, e.tg, line("Send", tAdmin, "reply=10 buttons=8"))
		if rec, ok := e.st.record(tAdmin, 101); !ok || rec.TargetID != tGroup || rec.Kind != kindRequests {
			t.Errorf("the record is %+v", rec)
		}
	})
	t.Run("pages of at most 20 requests", func(t *testing.T) {
		e := newEnv()
		for i := range 45 {
			e.seedRequest(store.JoinRequest{UserID: 6000000000 + int64(i), FirstName: fmt.Sprintf("User%02d", i),
				RequestedAt: tNow.Add(time.Duration(i-60) * time.Minute)})
		}
		if err := e.requests().List(context.Background(), groupCommand("requests", "")); err != nil {
			t.Fatal(err)
		}
		wantCalls(t, e.tg, line("Send", tGroup, "reply=10 buttons=40"), line("Send", tGroup, "reply=0 buttons=40"),
			line("Send", tGroup, "reply=0 buttons=10"))
		next := 0
		for i, m := range e.tg.messages() {
			wantContains(t, plain(m.Text), fmt.Sprintf("(page %d/3)", i+1))
			for _, row := range m.Buttons {
				want := requestButtonTexts(fmt.Sprintf("User%02d", next), 6000000000+int64(next))
				if got := buttonTexts(t, [][]bot.Button{row}); !slices.Equal(got, want) {
					t.Errorf("page %d: row %v, want %v", i+1, got, want)
				}
				wantContains(t, plain(m.Text), fmt.Sprintf("User%02d ·", next))
				next++
			}
		}
		if next != 45 {
			t.Errorf("%d requests with buttons, want 45", next)
		}
		for i, first := range []int{0, 20, 40} {
			rec, _ := e.st.record(tGroup, 101+i)
			if len(rec.Items) == 0 || rec.Items[0] != 6000000000+int64(first) || len(rec.Items) != min(20, 45-first) {
				t.Errorf("page %d: the record holds %v", i+1, rec.Items)
			}
		}
	})
	t.Run("none", func(t *testing.T) {
		e := newEnv()
		if err := e.requests().List(context.Background(), groupCommand("requests", "")); err != nil {
			t.Fatal(err)
		}
		wantCalls(t, e.tg, line("Send", tGroup, "reply=10 buttons=0"))
		wantContains(t, reply(t, e.tg, tGroup), "There are no pending join requests in this chat.")
	})
	t.Run("arguments are a mistake", func(t *testing.T) {
		e := newEnv()
		seedRequests(e)
		wantTextErr(t, e.requests().List(context.Background(), groupCommand("requests", "all")), text.Invalid, "requests.no_args")
		wantCalls(t, e.tg)
	})
	t.Run("a store failure when naming a link is a failure", func(t *testing.T) {
		e := newEnv()
		seedRequests(e)
		e.st.failNext("LinkByURL", errDisk)
		wantFailure(t, e.requests().List(context.Background(), groupCommand("requests", "")))
		wantCalls(t, e.tg)
	})
	t.Run("a store failure when recording the page is a failure", func(t *testing.T) {
		e := newEnv()
		seedRequests(e)
		e.st.failNext("SaveButtonMessage", errDisk)
		wantFailure(t, e.requests().List(context.Background(), groupCommand("requests", "")))
	})
}

func TestAnswerOne(t *testing.T) {
	sent := line("Send", tGroup, "reply=10 buttons=0")
	for _, tc := range []struct {
		name, cmd, args string
		fail            error // of the Telegram call
		user            int64
		calls           []string
		state           store.RequestState // the request's after
		by              int64
		reply           string
	}{
		{"approve by ID", "approve", "5000000002", nil, tBob,
			[]string{line("ApproveRequest", tGroup, tBob), sent}, store.RequestApproved, tAdmin,
			"Approved @bob's request: they are in Fans & Friends now."},
		{"approve by @username, ignoring case", "approve", "@BOB", nil, tBob,
			[]string{line("ApproveRequest", tGroup, tBob), sent}, store.RequestApproved, tAdmin, "Approved @bob's request"},
		{"decline by @username", "decline", "@dave", nil, tDave,
			[]string{line("DeclineRequest", tGroup, tDave), sent}, store.RequestDeclined, tAdmin,
			"Declined @dave's request to join Fans & Friends."},
		{"decline by ID, named by name", "decline", "5000000003", nil, tCarol,
			[]string{line("DeclineRequest", tGroup, tCarol), sent}, store.RequestDeclined, tAdmin, "Declined Carol's request"},
		{"handled elsewhere", "approve", "@bob", errRequestGone, tBob,
			[]string{line("ApproveRequest", tGroup, tBob), sent}, store.RequestGone, 0,
			"@bob's request was handled already, by another admin or because they joined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedRequests(e)
			if tc.fail != nil {
				e.tg.failNext("ApproveRequest", tc.fail)
			}
			h := e.requests()
			call := h.Approve
			if tc.cmd == "decline" {
				call = h.Decline
			}
			if err := call(context.Background(), groupCommand(tc.cmd, tc.args)); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, tc.calls...)
			r, _ := e.st.request(tGroup, tc.user)
			if r.State != tc.state || r.AnsweredBy != tc.by || !r.AnsweredAt.Equal(tNow) {
				t.Errorf("the request is %s by %d at %v; want %s by %d now", r.State, r.AnsweredBy, r.AnsweredAt, tc.state, tc.by)
			}
			wantContains(t, reply(t, e.tg, tGroup), tc.reply)
		})
	}
}

func TestAnswerOneRefused(t *testing.T) {
	for _, tc := range []struct {
		name, cmd, args string
		fail            error
		code            text.Code
		id              string
		words           []string
		calls           []string
	}{
		{"answered already", "approve", "5000000009", nil, text.NotFound, "requests.not_pending",
			[]string{"no pending join request from 5000000009 in this chat"}, nil},
		{"an unknown ID", "approve", "42", nil, text.NotFound, "requests.not_pending", []string{"from 42"}, nil},
		{"an unknown @username", "decline", "@nobody", nil, text.NotFound, "requests.not_pending", []string{"from @nobody"}, nil},
		{"an answered request's @username", "decline", "@zed", nil, text.NotFound, "requests.not_pending", nil, nil},
		{"a name without @", "approve", "bob", nil, text.NotFound, "requests.not_pending", []string{"from bob"}, nil},
		{"nobody", "approve", "", nil, text.Invalid, "requests.answer_usage", []string{"/approve USER", "/approve all"}, nil},
		{"two people", "decline", "@bob @dave", nil, text.Invalid, "requests.answer_usage", []string{"/decline USER"}, nil},
		{"no rights", "approve", "@bob", errNoRights, text.Forbidden, "telegram.no_right", []string{"in this chat"},
			[]string{line("ApproveRequest", tGroup, tBob)}},
		{"unsure", "approve", "@bob", errUnsure, text.Unavailable, "telegram.unsure", nil,
			[]string{line("ApproveRequest", tGroup, tBob)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedRequests(e)
			if tc.fail != nil {
				e.tg.failNext("ApproveRequest", tc.fail)
			}
			h := e.requests()
			call := h.Approve
			if tc.cmd == "decline" {
				call = h.Decline
			}
			err := call(context.Background(), groupCommand(tc.cmd, tc.args))
			wantTextErr(t, err, tc.code, tc.id, tc.words...)
			wantCalls(t, e.tg, tc.calls...)
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		})
	}
	t.Run("another error is a failure", func(t *testing.T) {
		e := newEnv()
		seedRequests(e)
		e.tg.failNext("ApproveRequest", errNetwork)
		err := e.requests().Approve(context.Background(), groupCommand("approve", "@bob"))
		wantFailure(t, err)
		if r, _ := e.st.request(tGroup, tBob); r.State != store.RequestPending {
			t.Errorf("the request is %s", r.State)
		}
	})
	t.Run("a store failure after Telegram's answer is a failure", func(t *testing.T) {
		e := newEnv()
		seedRequests(e)
		e.st.failNext("AnswerJoinRequest", errDisk)
		wantFailure(t, e.requests().Approve(context.Background(), groupCommand("approve", "@bob")))
		wantCalls(t, e.tg, line("ApproveRequest", tGroup, tBob))
	})
}

func TestAnswerAll(t *testing.T) {
	approve := func(user int64) string { return line("ApproveRequest", tGroup, user) }
	sent := line("Send", tGroup, "reply=10 buttons=0")
	for _, tc := range []struct {
		name    string
		decline bool
		fails   []error // of the calls, in order
		cancel  bool    // the update's time is up before
		calls   []string
		states  map[int64]store.RequestState
		words   []string
		lacks   []string
	}{
		{"every one", false, nil, false,
			[]string{approve(tBob), approve(tCarol), approve(tDave), approve(tEve), sent},
			map[int64]store.RequestState{tBob: store.RequestApproved, tCarol: store.RequestApproved, tDave: store.RequestApproved, tEve: store.RequestApproved},
			[]string{"Approved 4 requests in Fans & Friends."}, []string{"handled already", "failed"}},
		{"declined, every one", true, nil, false,
			[]string{line("DeclineRequest", tGroup, tBob), line("DeclineRequest", tGroup, tCarol), line("DeclineRequest", tGroup, tDave),
				line("DeclineRequest", tGroup, tEve), sent},
			map[int64]store.RequestState{tBob: store.RequestDeclined, tCarol: store.RequestDeclined, tDave: store.RequestDeclined, tEve: store.RequestDeclined},
			[]string{"Declined 4 requests in Fans & Friends."}, nil},
		{"answered, gone and failed", false, []error{nil, errRequestGone, errNetwork, nil}, false,
			[]string{approve(tBob), approve(tCarol), approve(tDave), approve(tEve), sent},
			map[int64]store.RequestState{tBob: store.RequestApproved, tCarol: store.RequestGone, tDave: store.RequestPending, tEve: store.RequestApproved},
			[]string{"Approved 2 requests in Fans & Friends.", "1 was handled already", "1 failed because Telegram did not answer"}, nil},
		{"no rights stops the rest", false, []error{nil, errRequestGone, errNoRights}, false,
			[]string{approve(tBob), approve(tCarol), approve(tDave), sent},
			map[int64]store.RequestState{tBob: store.RequestApproved, tCarol: store.RequestGone, tDave: store.RequestPending, tEve: store.RequestPending},
			[]string{"Approved 1 request in Fans & Friends.", "1 was handled already", "I need the “Invite users via link” admin right in this chat"},
			[]string{"failed"}},
		{"the time is up", false, nil, true, []string{sent},
			map[int64]store.RequestState{tBob: store.RequestPending, tCarol: store.RequestPending, tDave: store.RequestPending, tEve: store.RequestPending},
			[]string{"Approved 0 requests", "4 failed"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedRequests(e)
			e.tg.failNext("ApproveRequest", tc.fails...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			h := e.requests()
			call, cmd := h.Approve, "approve"
			if tc.decline {
				call, cmd = h.Decline, "decline"
			}
			if err := call(ctx, groupCommand(cmd, "all")); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, tc.calls...)
			for user, want := range tc.states {
				if r, _ := e.st.request(tGroup, user); r.State != want {
					t.Errorf("%d's request is %s, want %s", user, r.State, want)
				}
			}
			got := reply(t, e.tg, tGroup)
			wantContains(t, got, tc.words...)
			wantLacks(t, got, tc.lacks...)
		})
	}
	t.Run("no rights at the first is the refusal", func(t *testing.T) {
		e := newEnv()
		seedRequests(e)
		e.tg.failNext("ApproveRequest", errNoRights)
		err := e.requests().Approve(context.Background(), groupCommand("approve", "ALL"))
		wantTextErr(t, err, text.Forbidden, "telegram.no_right")
		wantCalls(t, e.tg, approve(tBob))
	})
	t.Run("none pending", func(t *testing.T) {
		e := newEnv()
		err := e.requests().Decline(context.Background(), groupCommand("decline", "all"))
		wantTextErr(t, err, text.NotFound, "requests.none", "no pending join requests in this chat")
		wantCalls(t, e.tg)
	})
}

// seedRequestPage gives the requests (seedRequests) and a page of
// /requests in chat that shows @bob's and Carol's, as List records it.
func seedRequestPage(e *env, chat int64) {
	seedRequests(e)
	e.remember(store.ButtonMessage{ChatID: chat, Kind: kindRequests, Items: []int64{tBob, tCarol},
		Title: "Pending join requests in <b>Fans &amp; Friends</b>:"})
}

func TestRequestsPress(t *testing.T) {
	answered := line("AnswerButton", tQueryID, "alert=false")
	shown := line("Edit", tGroup, tListID, "buttons=2") // Carol's two are left
	for _, tc := range []struct {
		name   string
		data   string
		setup  func(e *env)
		calls  []string
		answer string
		state  store.RequestState // @bob's after
		page   []string           // in the page as shown after; nil: not shown
		warned bool               // the log warns that the page could not be shown
	}{
		{"approve", "rq:a:5000000002", nil, []string{line("ApproveRequest", tGroup, tBob), shown, answered},
			"Approved @bob.", store.RequestApproved,
			[]string{"Pending join requests in Fans & Friends:\n\nBob Builder @bob", "→ approved", "Carol · ID"}, false},
		{"decline", "rq:d:5000000002", nil, []string{line("DeclineRequest", tGroup, tBob), shown, answered},
			"Declined @bob.", store.RequestDeclined, []string{"→ declined"}, false},
		{"answered already: nothing asked, the page shows it", "rq:d:5000000002", func(e *env) {
			e.seedRequest(store.JoinRequest{UserID: tBob, Username: "bob", State: store.RequestApproved, AnsweredBy: tAdmin, AnsweredAt: tRevoked})
		}, []string{shown, answered}, "This request is no longer pending: approved.", store.RequestApproved, []string{"→ approved"}, false},
		{"handled elsewhere", "rq:a:5000000002", func(e *env) { e.tg.failNext("ApproveRequest", errRequestGone) },
			[]string{line("ApproveRequest", tGroup, tBob), shown, answered},
			"@bob's request was handled already", store.RequestGone, []string{"→ handled elsewhere"}, false},
		{"a page that cannot be shown still answers, with a warning", "rq:a:5000000002", func(e *env) { e.tg.failNext("Edit", errNetwork) },
			[]string{line("ApproveRequest", tGroup, tBob), shown, answered}, "Approved @bob.", store.RequestApproved, nil, true},
		{"a page that is gone still answers, without a warning", "rq:a:5000000002", func(e *env) { e.tg.failNext("Edit", errMessageGone) },
			[]string{line("ApproveRequest", tGroup, tBob), shown, answered}, "Approved @bob.", store.RequestApproved, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedRequestPage(e, tGroup)
			if tc.setup != nil {
				tc.setup(e)
			}
			var log bytes.Buffer
			ctx := zerolog.New(&log).WithContext(context.Background())
			if err := e.requests().Press(ctx, press(tc.data, nil)); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, tc.calls...)
			wantAnswer(t, e.tg, tc.answer, false)
			if r, _ := e.st.request(tGroup, tBob); r.State != tc.state {
				t.Errorf("the request is %s, want %s", r.State, tc.state)
			}
			if warned := strings.Contains(log.String(), "could not show the new state"); warned != tc.warned {
				t.Errorf("warned = %v, want %v; the log:\n%s", warned, tc.warned, log.String())
			}
			if tc.page == nil {
				return
			}
			page, rows := e.tg.message(tListID)
			wantContains(t, plain(page), tc.page...)
			if got, want := buttonTexts(t, rows), requestButtonTexts("Carol", tCarol); !slices.Equal(got, want) {
				t.Errorf("the page's buttons %v, want Carol's alone %v", got, want)
			}
			if strings.Count(plain(page), "→") != 1 {
				t.Errorf("the page does not show one request answered: %q", plain(page))
			}
		})
	}
}

func TestRequestsPressNotification(t *testing.T) {
	e := newEnv()
	seedRequests(e)
	title := "New join request in <b>Fans &amp; Friends</b>:"
	e.remember(store.ButtonMessage{ChatID: tAdmin, MessageID: 40, Kind: kindRequest, Items: []int64{tEve}, Title: title})
	if err := e.requests().Press(context.Background(), privatePress("rq:a:5000000005", 40)); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, e.tg, line("ApproveRequest", tGroup, tEve), line("Edit", tAdmin, 40, "buttons=0"), line("AnswerButton", tQueryID, "alert=false"))
	text, _ := e.tg.message(40)
	wantContains(t, plain(text), "New join request in Fans & Friends:\n\nEve @eve · ID 5000000005", "through #3", "→ approved")
	if r, _ := e.st.request(tGroup, tEve); r.State != store.RequestApproved || r.AnsweredBy != tAdmin {
		t.Errorf("the request is %s by %d", r.State, r.AnsweredBy)
	}
}

func TestRequestsPressRefused(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		setup      func(e *env)
		code       text.Code
		id         string
		calls      []string
	}{
		{"data that is no button's", "rq:a", nil, text.Invalid, "button.stale", nil},
		{"another action", "rq:r:5000000002", nil, text.Invalid, "button.stale", nil},
		{"a requester the message does not show", "rq:a:5000000004", nil, text.Invalid, "button.stale", nil},
		{"a message of links", "rq:a:5000000002", func(e *env) {
			e.remember(store.ButtonMessage{Kind: kindLinks, Items: []int64{tBob}})
		}, text.Invalid, "button.stale", nil},
		{"a message without a record", "rq:a:5000000002", func(e *env) {
			delete(e.st.records, [2]int64{tGroup, tListID})
		}, text.Invalid, "button.stale", nil},
		{"no such request", "rq:a:42", func(e *env) {
			e.remember(store.ButtonMessage{Kind: kindRequests, Items: []int64{tBob, 42}})
		}, text.Conflict, "requests.press_gone", nil},
		{"no rights", "rq:a:5000000002", func(e *env) { e.tg.failNext("ApproveRequest", errNoRights) },
			text.Forbidden, "telegram.no_right", []string{line("ApproveRequest", tGroup, tBob)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedRequestPage(e, tGroup)
			if tc.setup != nil {
				tc.setup(e)
			}
			err := e.requests().Press(context.Background(), press(tc.data, nil))
			wantTextErr(t, err, tc.code, tc.id)
			wantCalls(t, e.tg, tc.calls...)
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		})
	}
	t.Run("a store failure is a failure", func(t *testing.T) {
		e := newEnv()
		seedRequestPage(e, tGroup)
		e.st.failNext("JoinRequest", errDisk)
		wantFailure(t, e.requests().Press(context.Background(), press("rq:a:5000000002", nil)))
		wantCalls(t, e.tg)
	})
}
