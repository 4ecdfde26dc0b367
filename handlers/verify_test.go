package handlers

import (
	"context"
	"errors"
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

// itemNames are what a check's message calls the thing on each button,
// as a person reads them: a test's own list, so that the text and the
// buttons are checked against each other, not against checkItems.
var itemNames = map[string]string{
	"🍎": "the apple", "🍌": "the banana", "🍇": "the grapes", "🍒": "the cherries",
	"🍋": "the lemon", "🍐": "the pear", "🍓": "the strawberry", "🍉": "the watermelon",
}

// bobsCheck is the check of Bob's request to the group, made a minute
// ago: sent as message 55 in his private chat, button 2 right, 9 minutes
// left.
func bobsCheck() store.Verification {
	return store.Verification{ChatID: tGroup, UserID: tBob, RequestedAt: tNow.Add(-time.Minute), UserChatID: tBob, Language: "en",
		Answer: 2, Deadline: tNow.Add(9 * time.Minute), Via: store.ViaMessage, MessageID: 55, State: store.VerifyPending}
}

// addCheck stores v and its pending request in verify mode (through the
// guard query queryID, "" for none), as OnJoinRequest and the worker
// leave them; it returns v.
func (e *env) addCheck(v store.Verification, queryID string) store.Verification {
	e.seedRequest(store.JoinRequest{ChatID: v.ChatID, UserID: v.UserID, FirstName: "Bob", RequestedAt: v.RequestedAt,
		UserChatID: v.UserChatID, QueryID: queryID, Mode: store.JoinVerify})
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	e.st.verifs = append(e.st.verifs, v)
	return v
}

// checkOf is v's verification as the store has it now, failing t if none.
func checkOf(t *testing.T, e *env, v store.Verification) store.Verification {
	t.Helper()
	got, ok := e.st.verification(v.ChatID, v.UserID, v.RequestedAt)
	if !ok {
		t.Fatalf("no verification of %d in %d", v.UserID, v.ChatID)
	}
	return got
}

// work runs the worker once, failing t on an error; it returns the next
// deadline.
func work(t *testing.T, e *gateEnv) time.Time {
	t.Helper()
	next, err := e.g.work(context.Background())
	if err != nil {
		t.Fatalf("work: %v", err)
	}
	return next
}

func TestSendCheck(t *testing.T) {
	for answer := range 4 {
		t.Run(fmt.Sprint("the right button ", answer), func(t *testing.T) {
			e := newGateEnv("")
			e.st.chats[tGroup] = store.Chat{ID: tGroup, Type: "supergroup", Title: "Fans & <Friends>"}
			e.setChat(store.ChatSettings{JoinMode: store.JoinVerify, Rules: "No <spam> & no ads"})
			v := bobsCheck()
			v.Answer, v.MessageID = answer, 0
			e.addCheck(v, "")
			if next := work(t, e); !next.IsZero() {
				t.Errorf("next deadline %v before the loop caught up, want none", next)
			}
			wantCalls(t, e.tg, line("Send", tBob, "reply=0 buttons=4"))
			m := e.tg.messages()[0]
			if m.ChatID != tBob || len(m.Buttons) != 1 || len(m.Buttons[0]) != 4 {
				t.Fatalf("sent to %d with buttons %+v; want Bob's private chat, one row of four", m.ChatID, m.Buttons)
			}
			var names []string
			for i, b := range m.Buttons[0] {
				if want := fmt.Sprintf("vf:%d:%d", tGroup, i); b.Data != want || b.URL != "" {
					t.Errorf("button %d: %+v, want data %q", i, b, want)
				}
				name, ok := itemNames[b.Text]
				if !ok || slices.Contains(names, name) {
					t.Errorf("button %d shows %q: not one of the four things", i, b.Text)
				}
				names = append(names, name)
			}
			// The text names the thing on the right button, and no other.
			s := plain(m.Text)
			wantContains(t, s, "You asked to join Fans & <Friends>. To show you are a person, press the button with "+
				names[answer]+". You have 9m.", "Rules\nNo <spam> & no ads")
			for i, name := range names {
				if i != answer && strings.Contains(s, name) {
					t.Errorf("the text names %s, of button %d too: %q", name, i, s)
				}
			}
			// What users wrote is escaped.
			wantContains(t, m.Text, "Fans &amp; &lt;Friends&gt;", "No &lt;spam&gt; &amp; no ads")
			if got := checkOf(t, e.env, v); got.MessageID != 101 || got.State != store.VerifyPending {
				t.Errorf("the check is recorded as %+v, want sent as message 101, pending", got)
			}
			// The same check shows the same buttons when sent again (after
			// a restart, say).
			e.st.verifs[0].MessageID = 0
			work(t, e)
			if again := e.tg.messages(); len(again) != 2 || len(again[1].Buttons) != 1 || !slices.Equal(again[1].Buttons[0], m.Buttons[0]) {
				t.Errorf("sent again with other buttons: %+v", again)
			}
		})
	}
	for _, tc := range []struct {
		name     string
		setup    func(e *gateEnv)
		deadline time.Duration // from now
		says     []string
		lacks    []string
	}{
		{"without rules", nil, 9 * time.Minute, []string{"You have 9m."}, []string{"Rules"}},
		{"the time left, to the minute", nil, 90*time.Minute - 20*time.Second, []string{"You have 1h30m."}, nil},
		{"under a minute left: a minute", nil, 20 * time.Second, []string{"You have 1m."}, nil},
		{"a chat without a title: its ID", func(e *gateEnv) { delete(e.st.chats, tGroup) }, 9 * time.Minute,
			[]string{"You asked to join -1001234567890."}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateEnv("")
			if tc.setup != nil {
				tc.setup(e)
			}
			v := bobsCheck()
			v.MessageID, v.Deadline = 0, tNow.Add(tc.deadline)
			e.addCheck(v, "")
			work(t, e)
			wantCalls(t, e.tg, line("Send", tBob, "reply=0 buttons=4"))
			s := plain(e.tg.messages()[0].Text)
			wantContains(t, s, tc.says...)
			wantLacks(t, s, tc.lacks...)
		})
	}
}

// TestWorkSendFailures: what becomes of a check that cannot be sent.
func TestWorkSendFailures(t *testing.T) {
	send := line("Send", tBob, "reply=0 buttons=4")
	for _, tc := range []struct {
		name        string
		setup       func(e *gateEnv)
		failure     bool // work returns an error
		message     int  // the check's message as recorded after
		state       store.VerifyState
		unreachable bool   // the request waits for the admins, who are told
		again       string // the next run: "sends" the check, "nothing"
	}{
		{"blocked: unreachable, the admins answer", func(e *gateEnv) { e.tg.block(tBob) }, false, 0, store.VerifyUnreachable, true, "nothing"},
		{"no such chat: unreachable", func(e *gateEnv) { e.tg.failNext("Send", errChatNotFound) }, false, 0, store.VerifyUnreachable, true, "nothing"},
		{"refused: unreachable", func(e *gateEnv) { e.tg.failNext("Send", errRefused) }, false, 0, store.VerifyUnreachable, true, "nothing"},
		{"unsure: sent, maybe; not sent again", func(e *gateEnv) { e.tg.failNext("Send", errUnsure) }, false, sentUnknown, store.VerifyPending, false, "nothing"},
		{"failing otherwise: a failure, sent next time", func(e *gateEnv) { e.tg.failNext("Send", errNetwork) }, true, 0, store.VerifyPending, false, "sends"},
		{"the chat's record failing: nothing sent", func(e *gateEnv) { e.st.failNext("Chat", errDisk) }, true, 0, store.VerifyPending, false, "sends"},
		{"the settings failing: nothing sent", func(e *gateEnv) { e.st.failNext("ChatSettings", errDisk) }, true, 0, store.VerifyPending, false, "sends"},
		{"the record failing: sent again", func(e *gateEnv) { e.st.failNext("VerificationSent", errDisk) }, true, 0, store.VerifyPending, false, "sends"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateEnv("")
			v := bobsCheck()
			v.MessageID = 0
			e.addCheck(v, "")
			tc.setup(e)
			_, err := e.g.work(context.Background())
			if tc.failure != (err != nil) {
				t.Fatalf("work: %v, want a failure: %t", err, tc.failure)
			}
			got := checkOf(t, e.env, v)
			if got.MessageID != tc.message || got.State != tc.state {
				t.Errorf("the check is %s with message %d, want %s with %d", got.State, got.MessageID, tc.state, tc.message)
			}
			r := requestOf(t, e.env)
			if r.State != store.RequestPending || r.Unreachable != tc.unreachable {
				t.Errorf("the request is %s, unreachable %t; want pending, %t", r.State, r.Unreachable, tc.unreachable)
			}
			told := len(notes(e.env, tAdmin, store.NotificationPending)) == 1
			outcomes, _ := e.obs.told()
			if told != tc.unreachable || slices.Equal(outcomes, []string{OutcomeUnreachable}) != tc.unreachable ||
				(e.changes.Load() == 1) != tc.unreachable {
				t.Errorf("the admins told: %t, outcomes %q, the notifier woken %d times; want %t", told, outcomes, e.changes.Load(), tc.unreachable)
			}
			e.tg.clear()
			work(t, e)
			switch tc.again {
			case "sends":
				wantCalls(t, e.tg, send)
			default:
				wantCalls(t, e.tg)
			}
		})
	}
	t.Run("the store failing to list them", func(t *testing.T) {
		e := newGateEnv("")
		e.addCheck(bobsCheck(), "")
		e.st.failNext("UnsentVerifications", errDisk)
		if _, err := e.g.work(context.Background()); !errors.Is(err, errDisk) {
			t.Errorf("work: %v, want the store's error", err)
		}
	})
	t.Run("oldest first; one that fails does not keep the others", func(t *testing.T) {
		e := newGateEnv("")
		for i, user := range []int64{tEve, tCarol, tDave} {
			v := bobsCheck()
			v.UserID, v.UserChatID, v.MessageID = user, user, 0
			v.RequestedAt = tNow.Add(time.Duration(i-5) * time.Minute)
			e.addCheck(v, "")
		}
		e.tg.block(tCarol)
		work(t, e)
		wantCalls(t, e.tg, line("Send", tEve, "reply=0 buttons=4"), line("Send", tCarol, "reply=0 buttons=4"),
			line("Send", tDave, "reply=0 buttons=4"))
	})
	t.Run("more than a batch", func(t *testing.T) {
		e := newGateEnv("")
		n := gateBatch*2 + 1
		for i := range n {
			v := bobsCheck()
			v.UserID, v.UserChatID, v.MessageID = requester(i), requester(i), 0
			e.addCheck(v, "")
		}
		work(t, e)
		if sent := len(e.tg.messages()); sent != n {
			t.Errorf("%d checks sent, want %d", sent, n)
		}
	})
}

// TestWorkDeadlines: once the loop caught up, checks whose time is up
// decline their requests, and those that ended without their answer
// reaching Telegram are answered.
func TestWorkDeadlines(t *testing.T) {
	edit := line("Edit", tBob, 55, "buttons=0")
	decline, approve := line("DeclineRequest", tGroup, tBob), line("ApproveRequest", tGroup, tBob)
	for _, tc := range []struct {
		name     string
		caughtUp bool
		query    string // the request's guard query
		setup    func(e *gateEnv, v *store.Verification)
		after    func(e *gateEnv) // once the check is stored
		calls    []string
		state    store.VerifyState  // the check's after
		request  store.RequestState // the request's after
		shows    string             // what message 55 says after ("" unchanged)
		outcomes []string
		next     time.Time // work's answer
		failure  bool
	}{
		{name: "before the loop caught up: nothing ends", setup: func(e *gateEnv, v *store.Verification) { v.Deadline = tNow.Add(-time.Minute) },
			state: store.VerifyPending, request: store.RequestPending},
		{name: "time up: declined, the check shows it", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) { v.Deadline = tNow.Add(-time.Minute) },
			calls: []string{decline, edit}, state: store.VerifyTimedOut, request: store.RequestDeclined,
			shows: "Time is up, so your request to join Fans & Friends is declined. You may ask to join again.", outcomes: []string{OutcomeTimedOut}},
		{name: "time up this second", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) { v.Deadline = tNow },
			calls: []string{decline, edit}, state: store.VerifyTimedOut, request: store.RequestDeclined, shows: "Time is up", outcomes: []string{OutcomeTimedOut}},
		{name: "a guard's request: declined through its query", caughtUp: true, query: tGuardQuery,
			setup: func(e *gateEnv, v *store.Verification) { v.Deadline = tNow.Add(-time.Minute) },
			calls: []string{line("AnswerJoinQuery", tGuardQuery, bot.JoinDecline), edit}, state: store.VerifyTimedOut, request: store.RequestDeclined,
			shows: "Time is up", outcomes: []string{OutcomeTimedOut}},
		{name: "a guard's request, its query gone: declined plainly", caughtUp: true, query: tGuardQuery, setup: func(e *gateEnv, v *store.Verification) {
			v.Deadline = tNow.Add(-time.Minute)
			e.tg.failNext("AnswerJoinQuery", errQueryGone)
		}, calls: []string{line("AnswerJoinQuery", tGuardQuery, bot.JoinDecline), decline, edit}, state: store.VerifyTimedOut,
			request: store.RequestDeclined, shows: "Time is up", outcomes: []string{OutcomeTimedOut}},
		{name: "time up, the check never known sent: no edit", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.Deadline, v.MessageID = tNow.Add(-time.Minute), sentUnknown
		}, calls: []string{decline}, state: store.VerifyTimedOut, request: store.RequestDeclined, outcomes: []string{OutcomeTimedOut}},
		{name: "time up, the check's message gone: declined anyway", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.Deadline = tNow.Add(-time.Minute)
			e.tg.failNext("Edit", errMessageGone)
		}, calls: []string{decline, edit}, state: store.VerifyTimedOut, request: store.RequestDeclined, outcomes: []string{OutcomeTimedOut}},
		{name: "time up, the request answered elsewhere: the check says so", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.Deadline = tNow.Add(-time.Minute)
			e.tg.failNext("DeclineRequest", errRequestGone)
		}, calls: []string{decline, edit}, state: store.VerifyTimedOut, request: store.RequestGone,
			shows: "Your request to join Fans & Friends was answered already; this check no longer counts.", outcomes: []string{OutcomeTimedOut}},
		{name: "time up, declining failing: a failure, the check ended", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.Deadline = tNow.Add(-time.Minute)
			e.tg.failNext("DeclineRequest", errNetwork)
		}, calls: []string{decline}, state: store.VerifyTimedOut, request: store.RequestPending, outcomes: []string{OutcomeTimedOut}, failure: true},
		{name: "time up, a check by page: nothing to edit", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.Deadline, v.Via, v.Token, v.MessageID = tNow.Add(-time.Minute), store.ViaPage, tToken, 0
		}, calls: []string{decline}, state: store.VerifyTimedOut, request: store.RequestDeclined, outcomes: []string{OutcomeTimedOut}},
		{name: "time up for a request replaced since: the new one waits", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.Deadline, v.RequestedAt = tNow.Add(-time.Minute), tNow.Add(-time.Hour)
		}, after: func(e *gateEnv) {
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow.Add(-time.Minute), UserChatID: tBob, Mode: store.JoinVerify})
		}, calls: []string{edit}, state: store.VerifyTimedOut, request: store.RequestPending, shows: "this check no longer counts",
			outcomes: []string{OutcomeTimedOut}},
		{name: "time up for a request the store no longer has: the check says so", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.Deadline = tNow.Add(-time.Minute)
		}, after: func(e *gateEnv) { delete(e.st.requests, [2]int64{tGroup, tBob}) }, calls: []string{edit}, state: store.VerifyTimedOut,
			shows: "this check no longer counts", outcomes: []string{OutcomeTimedOut}},
		{name: "not yet: its deadline is the next", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) { v.Deadline = tNow.Add(5 * time.Minute) },
			state: store.VerifyPending, request: store.RequestPending, next: tNow.Add(5 * time.Minute)},
		{name: "the earliest pending deadline is the next", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.Deadline = tNow.Add(-time.Minute)
			for i, in := range []time.Duration{7 * time.Minute, 3 * time.Minute, 4 * time.Minute} {
				w := bobsCheck()
				w.UserID, w.UserChatID, w.Deadline, w.MessageID = requester(i), requester(i), tNow.Add(in), 60+i
				e.addCheck(w, "")
			}
		}, calls: []string{decline, edit}, state: store.VerifyTimedOut, request: store.RequestDeclined, shows: "Time is up",
			outcomes: []string{OutcomeTimedOut}, next: tNow.Add(3 * time.Minute)},

		// Ended, but the answer did not reach Telegram (a crash, Telegram
		// down): answered now.
		{name: "passed, unanswered: approved", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.State, v.EndedAt = store.VerifyPassed, tNow.Add(-time.Minute)
		}, calls: []string{approve, edit}, state: store.VerifyPassed, request: store.RequestApproved,
			shows: "Thank you: your request to join Fans & Friends is approved."},
		{name: "failed, unanswered: declined", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.State, v.EndedAt = store.VerifyFailed, tNow.Add(-time.Minute)
		}, calls: []string{decline, edit}, state: store.VerifyFailed, request: store.RequestDeclined, shows: "That was not the right button"},
		{name: "timed out, unanswered: declined", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.State, v.EndedAt = store.VerifyTimedOut, tNow.Add(-time.Minute)
		}, calls: []string{decline, edit}, state: store.VerifyTimedOut, request: store.RequestDeclined, shows: "Time is up"},
		{name: "passed, before the loop caught up: waits", setup: func(e *gateEnv, v *store.Verification) {
			v.State, v.EndedAt = store.VerifyPassed, tNow.Add(-time.Minute)
		}, state: store.VerifyPassed, request: store.RequestPending},
		{name: "unreachable: left to the admins", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.State, v.EndedAt, v.Deadline = store.VerifyUnreachable, tNow.Add(-time.Minute), tNow.Add(-time.Minute)
		}, state: store.VerifyUnreachable, request: store.RequestPending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateEnv("")
			v := bobsCheck()
			if tc.setup != nil {
				tc.setup(e, &v)
			}
			e.addCheck(v, tc.query)
			if tc.after != nil {
				tc.after(e)
			}
			e.tg.texts[55] = "the check"
			if tc.caughtUp {
				e.g.CaughtUp()
			}
			next, err := e.g.work(context.Background())
			if tc.failure != (err != nil) {
				t.Fatalf("work: %v, want a failure: %t", err, tc.failure)
			}
			wantCalls(t, e.tg, tc.calls...)
			if !next.Equal(tc.next) {
				t.Errorf("next deadline %v, want %v", next, tc.next)
			}
			if got := checkOf(t, e.env, v); got.State != tc.state {
				t.Errorf("the check is %s, want %s", got.State, tc.state)
			}
			if r, _ := e.st.request(tGroup, tBob); r.State != tc.request {
				t.Errorf("the request is %q, want %q", r.State, tc.request)
			}
			if text, buttons := e.tg.message(55); tc.shows != "" && (!strings.Contains(plain(text), tc.shows) || len(buttons) != 0) {
				t.Errorf("the check shows %q with %d button rows, want %q and none", plain(text), len(buttons), tc.shows)
			}
			if outcomes, _ := e.obs.told(); !slices.Equal(outcomes, tc.outcomes) {
				t.Errorf("outcomes %q, want %q", outcomes, tc.outcomes)
			}
		})
	}
	t.Run("more than a batch", func(t *testing.T) {
		e := newGateEnv("")
		n := gateBatch*2 + 1
		for i := range n {
			v := bobsCheck()
			v.UserID, v.UserChatID, v.Deadline = requester(i), requester(i), tNow.Add(-time.Minute)
			e.addCheck(v, "")
		}
		e.g.CaughtUp()
		work(t, e)
		if outcomes, _ := e.obs.told(); len(outcomes) != n {
			t.Errorf("%d checks timed out, want %d", len(outcomes), n)
		}
	})
	t.Run("a check whose time is up before it could go is not sent", func(t *testing.T) {
		// The bot, or Telegram, was down for longer than the wait: the
		// requester would get a check and at once its end.
		e := newGateEnv("")
		v := bobsCheck()
		v.MessageID, v.Deadline = 0, tNow.Add(-time.Minute)
		e.addCheck(v, "")
		work(t, e) // before the loop caught up: it waits
		wantCalls(t, e.tg)
		if got := checkOf(t, e.env, v); got.State != store.VerifyPending {
			t.Errorf("the check is %s before the loop caught up, want pending", got.State)
		}
		e.g.CaughtUp()
		work(t, e)
		wantCalls(t, e.tg, decline)
		if got, r := checkOf(t, e.env, v), requestOf(t, e.env); got.State != store.VerifyTimedOut || r.State != store.RequestDeclined {
			t.Errorf("the check is %s and the request %s, want timed out and declined", got.State, r.State)
		}
		if outcomes, _ := e.obs.told(); !slices.Equal(outcomes, []string{OutcomeTimedOut}) {
			t.Errorf("outcomes %q, want one timed out", outcomes)
		}
	})
	t.Run("more than a batch of them, and one in time", func(t *testing.T) {
		e := newGateEnv("")
		n := gateBatch + 1
		for i := range n + 1 {
			v := bobsCheck()
			v.UserID, v.UserChatID, v.MessageID = requester(i), requester(i), 0
			v.RequestedAt = tNow.Add(time.Duration(i-n-20) * time.Minute)
			if i < n {
				v.Deadline = tNow.Add(-time.Minute)
			}
			e.addCheck(v, "")
		}
		e.g.CaughtUp()
		work(t, e)
		if m := e.tg.messages(); len(m) != 1 || m[0].ChatID != requester(n) {
			t.Errorf("checks sent: %+v, want the one in time", m)
		}
		if outcomes, _ := e.obs.told(); len(outcomes) != n {
			t.Errorf("%d checks timed out, want %d", len(outcomes), n)
		}
	})
	t.Run("more than a batch of them before the loop caught up: they wait", func(t *testing.T) {
		e := newGateEnv("")
		for i := range gateBatch + 1 {
			v := bobsCheck()
			v.UserID, v.UserChatID, v.MessageID, v.Deadline = requester(i), requester(i), 0, tNow.Add(-time.Minute)
			e.addCheck(v, "")
		}
		done := make(chan error, 1)
		go func() {
			_, err := e.g.work(context.Background())
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("work did not return in 5 s")
		}
		wantCalls(t, e.tg)
	})
	t.Run("a failure answering is tried again", func(t *testing.T) {
		e := newGateEnv("")
		v := bobsCheck()
		v.Deadline = tNow.Add(-time.Minute)
		e.addCheck(v, "")
		e.g.CaughtUp()
		e.tg.failNext("DeclineRequest", errNetwork)
		if _, err := e.g.work(context.Background()); err == nil {
			t.Fatal("work did not fail")
		}
		work(t, e)
		if r := requestOf(t, e.env); r.State != store.RequestDeclined {
			t.Errorf("the request is %s after the second run, want declined", r.State)
		}
		if outcomes, _ := e.obs.told(); !slices.Equal(outcomes, []string{OutcomeTimedOut}) {
			t.Errorf("outcomes %q, want one timed out", outcomes)
		}
	})
	t.Run("the store failing", func(t *testing.T) {
		for _, method := range []string{"UnsettledVerifications", "DueVerifications", "EndVerification", "NextVerificationDeadline", "JoinRequest"} {
			e := newGateEnv("")
			v := bobsCheck()
			v.Deadline = tNow.Add(-time.Minute)
			e.addCheck(v, "")
			e.g.CaughtUp()
			e.st.failNext(method, errDisk)
			if _, err := e.g.work(context.Background()); !errors.Is(err, errDisk) {
				t.Errorf("%s failing: work: %v, want the store's error", method, err)
			}
		}
	})
}

// checkPress is Bob's press, in his private chat, of button i of his
// check of the group, under message msgID.
func checkPress(i, msgID int) *bot.Update {
	return &bot.Update{ID: 4, Kind: "callback_query", Chat: &bot.Chat{ID: tBob, Type: "private", FirstName: "Bob"},
		From:     &bot.User{ID: tBob, FirstName: "Bob", LanguageCode: "en"},
		Callback: &bot.Callback{ID: tQueryID, Data: verifyButton(tGroup, i), Message: &bot.Message{ID: msgID, Date: tNow}}}
}

func TestPress(t *testing.T) {
	edit := line("Edit", tBob, 55, "buttons=0")
	approve, decline := line("ApproveRequest", tGroup, tBob), line("DeclineRequest", tGroup, tBob)
	answered := line("AnswerButton", tQueryID, "alert=false")
	late := func(e *gateEnv, v *store.Verification) { v.Deadline = tNow.Add(-time.Minute) }
	for _, tc := range []struct {
		name     string
		caughtUp bool
		query    string // the request's guard query
		setup    func(e *gateEnv, v *store.Verification)
		after    func(e *gateEnv) // once the check is stored
		u        func() *bot.Update
		calls    []string
		says     string // the answer to the press
		shows    string // what message 55 says after ("" unchecked)
		err      string // or the text.Error's message
		failure  bool   // or a failure
		state    store.VerifyState
		request  store.RequestState
		outcomes []string
	}{
		{name: "the right button: approved", caughtUp: true, u: func() *bot.Update { return checkPress(2, 55) },
			calls: []string{approve, edit, answered}, says: "Thank you: your request to join Fans & Friends is approved.",
			state: store.VerifyPassed, request: store.RequestApproved, outcomes: []string{OutcomeVerified}},
		{name: "the right button of a guard's request: approved through its query", caughtUp: true, query: tGuardQuery,
			u:     func() *bot.Update { return checkPress(2, 55) },
			calls: []string{line("AnswerJoinQuery", tGuardQuery, bot.JoinApprove), edit, answered}, says: "is approved.",
			state: store.VerifyPassed, request: store.RequestApproved, outcomes: []string{OutcomeVerified}},
		{name: "a wrong button: declined", caughtUp: true, u: func() *bot.Update { return checkPress(0, 55) },
			calls: []string{decline, edit, answered}, says: "That was not the right button, so your request to join Fans & Friends is declined.",
			state: store.VerifyFailed, request: store.RequestDeclined, outcomes: []string{OutcomeFailed}},
		{name: "too late: timed out", caughtUp: true, setup: late, u: func() *bot.Update { return checkPress(2, 55) },
			calls: []string{decline, edit, answered}, says: "Time is up, so your request to join Fans & Friends is declined.",
			state: store.VerifyTimedOut, request: store.RequestDeclined, outcomes: []string{OutcomeTimedOut}},
		{name: "late, but waiting for the bot at its start: honoured", setup: late, u: func() *bot.Update { return checkPress(2, 55) },
			calls: []string{approve, edit, answered}, says: "is approved.",
			state: store.VerifyPassed, request: store.RequestApproved, outcomes: []string{OutcomeVerified}},
		{name: "late, handed back by the journal: honoured", caughtUp: true, setup: late, u: func() *bot.Update { return replayed(checkPress(1, 55)) },
			calls: []string{decline, edit, answered}, says: "not the right button",
			state: store.VerifyFailed, request: store.RequestDeclined, outcomes: []string{OutcomeFailed}},
		{name: "a check not known sent: its message now known", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) { v.MessageID = sentUnknown },
			u: func() *bot.Update { return checkPress(2, 66) }, calls: []string{approve, line("Edit", tBob, 66, "buttons=0"), answered}, says: "is approved.",
			state: store.VerifyPassed, request: store.RequestApproved, outcomes: []string{OutcomeVerified}},

		{name: "answered otherwise before: says so, no answer to Telegram", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.State, v.EndedAt = store.VerifyHandled, tNow.Add(-time.Minute)
		}, u: func() *bot.Update { return checkPress(2, 55) }, calls: []string{edit, answered},
			says:  "Your request to join Fans & Friends was answered already; this check no longer counts.",
			state: store.VerifyHandled, request: store.RequestPending},
		{name: "passed before: says so again, no second answer", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.State, v.EndedAt = store.VerifyPassed, tNow.Add(-time.Minute)
		}, after: func(e *gateEnv) {
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow.Add(-time.Minute), UserChatID: tBob, Mode: store.JoinVerify,
				State: store.RequestApproved})
		}, u: func() *bot.Update { return checkPress(0, 55) }, calls: []string{edit, answered}, says: "is approved.",
			state: store.VerifyPassed, request: store.RequestApproved},

		{name: "the request answered elsewhere, unknown to the bot: says so", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			e.tg.failNext("ApproveRequest", errRequestGone)
		}, u: func() *bot.Update { return checkPress(2, 55) }, calls: []string{approve, edit, answered},
			says: "Your request to join Fans & Friends was answered already", shows: "was answered already",
			state: store.VerifyPassed, request: store.RequestGone, outcomes: []string{OutcomeVerified}},
		{name: "pressed again after that: says so again", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.State, v.EndedAt = store.VerifyPassed, tNow.Add(-time.Minute)
		}, after: func(e *gateEnv) {
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow.Add(-time.Minute), UserChatID: tBob, Mode: store.JoinVerify,
				State: store.RequestGone})
		}, u: func() *bot.Update { return checkPress(2, 55) }, calls: []string{edit, answered}, says: "was answered already",
			shows: "was answered already", state: store.VerifyPassed, request: store.RequestGone},
		{name: "failed before, pressed again: says so again", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.State, v.EndedAt = store.VerifyFailed, tNow.Add(-time.Minute)
		}, after: func(e *gateEnv) {
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow.Add(-time.Minute), UserChatID: tBob, Mode: store.JoinVerify,
				State: store.RequestDeclined})
		}, u: func() *bot.Update { return checkPress(2, 55) }, calls: []string{edit, answered}, says: "not the right button",
			shows: "not the right button", state: store.VerifyFailed, request: store.RequestDeclined},
		{name: "failed before, answered elsewhere, pressed again: answered already", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.State, v.EndedAt = store.VerifyFailed, tNow.Add(-time.Minute)
		}, after: func(e *gateEnv) {
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow.Add(-time.Minute), UserChatID: tBob, Mode: store.JoinVerify,
				State: store.RequestGone})
		}, u: func() *bot.Update { return checkPress(2, 55) }, calls: []string{edit, answered}, says: "was answered already",
			shows: "was answered already", state: store.VerifyFailed, request: store.RequestGone},
		{name: "Telegram failing: a failure, the check passed, the request waits for the worker", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			e.tg.failNext("ApproveRequest", errNetwork)
		}, u: func() *bot.Update { return checkPress(2, 55) }, calls: []string{approve}, failure: true,
			state: store.VerifyPassed, request: store.RequestPending, outcomes: []string{OutcomeVerified}},
		{name: "the check's message gone: answered anyway", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			e.tg.failNext("Edit", errMessageGone)
		}, u: func() *bot.Update { return checkPress(2, 55) }, calls: []string{approve, edit, answered}, says: "is approved.",
			state: store.VerifyPassed, request: store.RequestApproved, outcomes: []string{OutcomeVerified}},

		// Presses that do not count.
		{name: "someone without a check", caughtUp: true, u: func() *bot.Update {
			u := checkPress(2, 55)
			u.From.ID, u.Chat.ID = tCarol, tCarol
			return u
		}, err: "verify.not_yours", state: store.VerifyPending, request: store.RequestPending},
		{name: "another message than the check's", caughtUp: true, u: func() *bot.Update { return checkPress(2, 56) },
			err: "verify.not_yours", state: store.VerifyPending, request: store.RequestPending},
		{name: "in another chat than the check's", caughtUp: true, u: func() *bot.Update {
			u := checkPress(2, 55)
			u.Chat = groupChat()
			return u
		}, err: "verify.not_yours", state: store.VerifyPending, request: store.RequestPending},
		{name: "without a message", caughtUp: true, u: func() *bot.Update {
			u := checkPress(2, 55)
			u.Callback.Message = nil
			return u
		}, err: "verify.not_yours", state: store.VerifyPending, request: store.RequestPending},
		{name: "a check of a request replaced since", caughtUp: true, setup: func(e *gateEnv, v *store.Verification) {
			v.RequestedAt = tNow.Add(-time.Hour)
		}, after: func(e *gateEnv) {
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow.Add(-time.Minute), UserChatID: tBob, Mode: store.JoinVerify})
		}, u: func() *bot.Update { return checkPress(2, 55) }, err: "verify.not_yours", state: store.VerifyPending, request: store.RequestPending},
		{name: "the check of another chat", caughtUp: true, u: func() *bot.Update {
			u := checkPress(2, 55)
			u.Callback.Data = verifyButton(tOther, 2)
			return u
		}, err: "verify.not_yours", state: store.VerifyPending, request: store.RequestPending},
		{name: "no sender", caughtUp: true, u: func() *bot.Update { u := checkPress(2, 55); u.From = nil; return u },
			err: "button.stale", state: store.VerifyPending, request: store.RequestPending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateEnv("")
			v := bobsCheck()
			if tc.setup != nil {
				tc.setup(e, &v)
			}
			e.addCheck(v, tc.query)
			if tc.after != nil {
				tc.after(e)
			}
			e.tg.texts[55] = "the check"
			if tc.caughtUp {
				e.g.CaughtUp()
			}
			err := e.g.Press(context.Background(), tc.u())
			switch {
			case tc.err != "":
				wantTextErr(t, err, text.Invalid, tc.err)
			case tc.failure:
				wantFailure(t, err)
			case err != nil:
				t.Fatal(err)
			}
			wantCalls(t, e.tg, tc.calls...)
			if tc.says != "" {
				if a := e.tg.pressAnswers(); len(a) != 1 || !strings.Contains(a[0].text, tc.says) {
					t.Errorf("the press is answered %+v, want %q", a, tc.says)
				}
			}
			if text, _ := e.tg.message(55); tc.shows != "" && !strings.Contains(plain(text), tc.shows) {
				t.Errorf("the check shows %q, want %q", plain(text), tc.shows)
			}
			if got := checkOf(t, e.env, v); got.State != tc.state {
				t.Errorf("the check is %s, want %s", got.State, tc.state)
			}
			if r := requestOf(t, e.env); r.State != tc.request {
				t.Errorf("the request is %s, want %s", r.State, tc.request)
			}
			if outcomes, _ := e.obs.told(); !slices.Equal(outcomes, tc.outcomes) {
				t.Errorf("outcomes %q, want %q", outcomes, tc.outcomes)
			}
		})
	}
	t.Run("a second press: no second answer", func(t *testing.T) {
		e := newGateEnv("")
		e.addCheck(bobsCheck(), "")
		e.g.CaughtUp()
		for range 2 {
			if err := e.g.Press(context.Background(), checkPress(2, 55)); err != nil {
				t.Fatal(err)
			}
		}
		wantCalls(t, e.tg, approve, edit, answered, edit, answered)
		if a := e.tg.pressAnswers(); len(a) != 2 || a[1].text != a[0].text {
			t.Errorf("the presses are answered %+v, want the same twice", a)
		}
		if outcomes, _ := e.obs.told(); !slices.Equal(outcomes, []string{OutcomeVerified}) {
			t.Errorf("outcomes %q, want one verified", outcomes)
		}
	})
	t.Run("the store failing", func(t *testing.T) {
		for _, method := range []string{"Verification", "EndVerification", "JoinRequest"} {
			e := newGateEnv("")
			e.addCheck(bobsCheck(), "")
			e.st.failNext(method, errDisk)
			err := e.g.Press(context.Background(), checkPress(2, 55))
			wantFailure(t, err)
			if !errors.Is(err, errDisk) {
				t.Errorf("%s failing: err = %v", method, err)
			}
		}
	})
}

func TestParseVerifyButton(t *testing.T) {
	for _, tc := range []struct {
		data   string
		chat   int64
		choice int
		ok     bool
	}{
		{"vf:-1001234567890:0", tGroup, 0, true},
		{"vf:-1001234567890:3", tGroup, 3, true},
		{"vf:42:1", 42, 1, true},
		{"vf:x:1", 0, 0, false},
		{"vf:1:4", 0, 0, false},
		{"vf:1:-1", 0, 0, false},
		{"vf:1", 0, 0, false},
		{"vf:0:1", 0, 0, false},
		{"vf::1", 0, 0, false},
		{"vf:1:", 0, 0, false},
		{"vf:1:1:1", 0, 0, false},
		{"rq:a:1", 0, 0, false},
		{"", 0, 0, false},
	} {
		chat, choice, ok := parseVerifyButton(tc.data)
		if chat != tc.chat || choice != tc.choice || ok != tc.ok {
			t.Errorf("parseVerifyButton(%q) = %d, %d, %t; want %d, %d, %t", tc.data, chat, choice, ok, tc.chat, tc.choice, tc.ok)
		}
	}
	t.Run("bad data is stale, nothing done", func(t *testing.T) {
		for _, data := range []string{"vf:x:1", "vf:1:4", "vf:1"} {
			e := newGateEnv("")
			e.addCheck(bobsCheck(), "")
			u := checkPress(2, 55)
			u.Callback.Data = data
			wantTextErr(t, e.g.Press(context.Background(), u), text.Invalid, "button.stale")
			wantCalls(t, e.tg)
			if w := e.st.writes(); len(w) != 0 {
				t.Errorf("%q: the store written: %q", data, w)
			}
		}
	})
}

// TestGateRun: the worker sends checks when woken, ends them when their
// time is up (once caught up), and stops with its context.
func TestGateRun(t *testing.T) {
	e := newGateEnv("")
	e.setChat(store.ChatSettings{JoinMode: store.JoinVerify, VerifyWait: 2 * time.Minute})
	e.g.SetTick(5 * time.Millisecond)
	var log syncBuffer
	ctx, cancel := context.WithCancel(zerolog.New(&log).WithContext(context.Background()))
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.g.Run(ctx)
	}()
	if err := e.g.OnJoinRequest(ctx, joinRequest("")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the check sent", func() bool { return len(e.tg.messages()) == 1 })
	e.clock.advance(3 * time.Minute)
	e.g.CaughtUp()
	waitFor(t, "the request declined", func() bool {
		r, _ := e.st.request(tGroup, tBob)
		return r.State == store.RequestDeclined
	})
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
	if strings.Contains(log.String(), `"level":"error"`) {
		t.Errorf("errors logged: %s", log.String())
	}
}
