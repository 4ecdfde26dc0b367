package handlers

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/verifypage"
	"github.com/invitebot/invitebot/store"
)

const tToken = "TOKEN4BOBSCHECK"

// pageEnv is a gate with the verification page, the group's rules set,
// and Bob's guard request checked by the page (tToken), five minutes
// left.
func pageEnv() (*gateEnv, store.Verification) {
	e := newGateEnv(tPageURL)
	e.setChat(store.ChatSettings{JoinMode: store.JoinVerify, Rules: "Be <kind>"})
	v := bobsCheck()
	v.Via, v.Token, v.MessageID, v.Language, v.Deadline = store.ViaPage, tToken, 0, "de", tNow.Add(5*time.Minute)
	e.addCheck(v, tGuardQuery)
	return e, v
}

func TestPageRequest(t *testing.T) {
	want := verifypage.Request{ChatTitle: "Fans & Friends", Rules: "Be <kind>", UserID: tBob, Language: "de", Deadline: tNow.Add(5 * time.Minute)}
	for _, tc := range []struct {
		name  string
		token string
		setup func(e *gateEnv, v store.Verification)
		want  verifypage.Request
		err   error // nil: want
	}{
		{"pending", tToken, nil, want, nil},
		{"a chat without a title: its ID", tToken, func(e *gateEnv, _ store.Verification) { delete(e.st.chats, tGroup) },
			verifypage.Request{ChatTitle: "-1001234567890", Rules: "Be <kind>", UserID: tBob, Language: "de", Deadline: tNow.Add(5 * time.Minute)}, nil},
		{"at its deadline: still good", tToken, func(e *gateEnv, _ store.Verification) { e.clock.advance(5 * time.Minute) }, want, nil},
		{"unknown", "OTHERTOKEN", nil, verifypage.Request{}, verifypage.ErrUnknown},
		{"no token", "", nil, verifypage.Request{}, verifypage.ErrUnknown},
		{"past its deadline", tToken, func(e *gateEnv, _ store.Verification) { e.clock.advance(5*time.Minute + time.Second) },
			verifypage.Request{}, verifypage.ErrExpired},
		{"timed out", tToken, func(e *gateEnv, v store.Verification) { e.end(v, store.VerifyTimedOut) }, verifypage.Request{}, verifypage.ErrExpired},
		{"passed", tToken, func(e *gateEnv, v store.Verification) { e.end(v, store.VerifyPassed) }, verifypage.Request{}, verifypage.ErrHandled},
		{"failed", tToken, func(e *gateEnv, v store.Verification) { e.end(v, store.VerifyFailed) }, verifypage.Request{}, verifypage.ErrHandled},
		{"handled", tToken, func(e *gateEnv, v store.Verification) { e.end(v, store.VerifyHandled) }, verifypage.Request{}, verifypage.ErrHandled},
		{"answered elsewhere", tToken, func(e *gateEnv, v store.Verification) {
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: v.RequestedAt, State: store.RequestGone})
		}, verifypage.Request{}, verifypage.ErrHandled},
		{"its request replaced by a newer one", tToken, func(e *gateEnv, v store.Verification) {
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow})
		}, verifypage.Request{}, verifypage.ErrHandled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, v := pageEnv()
			if tc.setup != nil {
				tc.setup(e, v)
			}
			e.st.mu.Lock()
			e.st.calls = nil // the setup's
			e.st.mu.Unlock()
			got, err := e.g.Page().Request(context.Background(), tc.token)
			switch {
			case tc.err != nil && !errors.Is(err, tc.err):
				t.Errorf("err = %v, want %v", err, tc.err)
			case tc.err == nil && err != nil:
				t.Fatal(err)
			case got != tc.want:
				t.Errorf("the page shows\n\t%+v\nwant\n\t%+v", got, tc.want)
			}
			wantCalls(t, e.tg)
			if w := e.st.writes(); len(w) != 0 {
				t.Errorf("the store written: %q", w)
			}
		})
	}
	t.Run("the store failing", func(t *testing.T) {
		for _, method := range []string{"VerificationByToken", "JoinRequest", "Chat", "ChatSettings"} {
			e, _ := pageEnv()
			e.st.failNext(method, errDisk)
			if _, err := e.g.Page().Request(context.Background(), tToken); !errors.Is(err, errDisk) {
				t.Errorf("%s failing: err = %v, want the store's error", method, err)
			}
		}
	})
}

// end ends v as state, as the store does.
func (e *gateEnv) end(v store.Verification, state store.VerifyState) {
	if _, _, err := e.st.EndVerification(context.Background(), v, state, tNow); err != nil {
		panic(err)
	}
}

func TestPagePass(t *testing.T) {
	approve := line("AnswerJoinQuery", tGuardQuery, bot.JoinApprove)
	for _, tc := range []struct {
		name     string
		user     int64
		setup    func(e *gateEnv, v store.Verification)
		err      error // nil: passed
		failure  bool  // another error: Telegram's
		calls    []string
		state    store.VerifyState
		request  store.RequestState
		outcomes []string
	}{
		{name: "the requester: approved through the query", user: tBob, calls: []string{approve},
			state: store.VerifyPassed, request: store.RequestApproved, outcomes: []string{OutcomeVerified}},
		{name: "the query gone: approved plainly", user: tBob, setup: func(e *gateEnv, _ store.Verification) {
			e.tg.failNext("AnswerJoinQuery", errQueryGone)
		}, calls: []string{approve, line("ApproveRequest", tGroup, tBob)},
			state: store.VerifyPassed, request: store.RequestApproved, outcomes: []string{OutcomeVerified}},
		{name: "the request gone at Telegram: handled", user: tBob, setup: func(e *gateEnv, _ store.Verification) {
			e.tg.failNext("AnswerJoinQuery", errQueryGone)
			e.tg.failNext("ApproveRequest", errRequestGone)
		}, err: verifypage.ErrHandled, calls: []string{approve, line("ApproveRequest", tGroup, tBob)},
			state: store.VerifyPassed, request: store.RequestGone, outcomes: []string{OutcomeVerified}},
		{name: "Telegram failing: the check passed, the request waits", user: tBob, setup: func(e *gateEnv, _ store.Verification) {
			e.tg.failNext("AnswerJoinQuery", errNetwork)
		}, failure: true, calls: []string{approve}, state: store.VerifyPassed, request: store.RequestPending, outcomes: []string{OutcomeVerified}},

		{name: "someone else", user: tCarol, err: verifypage.ErrWrongUser, state: store.VerifyPending, request: store.RequestPending},
		{name: "someone else, the check ended", user: tCarol, setup: func(e *gateEnv, v store.Verification) { e.end(v, store.VerifyFailed) },
			err: verifypage.ErrWrongUser, state: store.VerifyFailed, request: store.RequestPending},
		{name: "past its deadline", user: tBob, setup: func(e *gateEnv, _ store.Verification) { e.clock.advance(6 * time.Minute) },
			err: verifypage.ErrExpired, state: store.VerifyPending, request: store.RequestPending},
		{name: "timed out", user: tBob, setup: func(e *gateEnv, v store.Verification) { e.end(v, store.VerifyTimedOut) },
			err: verifypage.ErrExpired, state: store.VerifyTimedOut, request: store.RequestPending},
		{name: "failed", user: tBob, setup: func(e *gateEnv, v store.Verification) { e.end(v, store.VerifyFailed) },
			err: verifypage.ErrHandled, state: store.VerifyFailed, request: store.RequestPending},
		{name: "unreachable", user: tBob, setup: func(e *gateEnv, v store.Verification) { e.end(v, store.VerifyUnreachable) },
			err: verifypage.ErrHandled, state: store.VerifyUnreachable, request: store.RequestPending},
		{name: "answered by an admin", user: tBob, setup: func(e *gateEnv, _ store.Verification) {
			if _, _, err := e.st.AnswerJoinRequest(context.Background(), tGroup, tBob, store.RequestDeclined, tAdmin, tNow); err != nil {
				t.Fatal(err)
			}
		}, err: verifypage.ErrHandled, state: store.VerifyHandled, request: store.RequestDeclined},
		{name: "its request replaced by a newer one", user: tBob, setup: func(e *gateEnv, _ store.Verification) {
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow})
		}, err: verifypage.ErrHandled, state: store.VerifyPending, request: store.RequestPending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, v := pageEnv()
			if tc.setup != nil {
				tc.setup(e, v)
			}
			err := e.g.Page().Pass(context.Background(), tToken, tc.user)
			switch {
			case tc.failure:
				if err == nil || errors.Is(err, verifypage.ErrHandled) || errors.Is(err, verifypage.ErrExpired) {
					t.Errorf("err = %v, want Telegram's failure", err)
				}
			case tc.err == nil && err != nil:
				t.Fatal(err)
			case !errors.Is(err, tc.err):
				t.Errorf("err = %v, want %v", err, tc.err)
			}
			wantCalls(t, e.tg, tc.calls...)
			if got := checkOf(t, e.env, v); got.State != tc.state {
				t.Errorf("the check is %s, want %s", got.State, tc.state)
			}
			if r, _ := e.st.request(tGroup, tBob); r.State != tc.request {
				t.Errorf("the request is %s, want %s", r.State, tc.request)
			}
			if outcomes, _ := e.obs.told(); !slices.Equal(outcomes, tc.outcomes) {
				t.Errorf("outcomes %q, want %q", outcomes, tc.outcomes)
			}
		})
	}
	t.Run("a retry after Telegram failed approves, once", func(t *testing.T) {
		e, v := pageEnv()
		e.tg.failNext("AnswerJoinQuery", errNetwork)
		if err := e.g.Page().Pass(context.Background(), tToken, tBob); err == nil {
			t.Fatal("the first press passed")
		}
		// Past the deadline by now: it passed in time.
		e.clock.advance(10 * time.Minute)
		if err := e.g.Page().Pass(context.Background(), tToken, tBob); err != nil {
			t.Fatalf("the retry: %v", err)
		}
		if err := e.g.Page().Pass(context.Background(), tToken, tBob); !errors.Is(err, verifypage.ErrHandled) {
			t.Errorf("a third press: %v, want ErrHandled", err)
		}
		wantCalls(t, e.tg, approve, approve)
		if got := checkOf(t, e.env, v); got.State != store.VerifyPassed {
			t.Errorf("the check is %s, want passed", got.State)
		}
		if r := requestOf(t, e.env); r.State != store.RequestApproved {
			t.Errorf("the request is %s, want approved", r.State)
		}
		if outcomes, _ := e.obs.told(); !slices.Equal(outcomes, []string{OutcomeVerified}) {
			t.Errorf("outcomes %q, want one verified", outcomes)
		}
	})
	t.Run("a second pass: handled, nothing asked of Telegram", func(t *testing.T) {
		e, _ := pageEnv()
		if err := e.g.Page().Pass(context.Background(), tToken, tBob); err != nil {
			t.Fatal(err)
		}
		e.tg.clear()
		if err := e.g.Page().Pass(context.Background(), tToken, tBob); !errors.Is(err, verifypage.ErrHandled) {
			t.Errorf("err = %v, want ErrHandled", err)
		}
		wantCalls(t, e.tg)
	})
	t.Run("an unknown token", func(t *testing.T) {
		e, _ := pageEnv()
		if err := e.g.Page().Pass(context.Background(), "OTHERTOKEN", tBob); !errors.Is(err, verifypage.ErrUnknown) {
			t.Errorf("err = %v, want ErrUnknown", err)
		}
	})
	t.Run("the store failing", func(t *testing.T) {
		for _, method := range []string{"VerificationByToken", "EndVerification", "JoinRequest", "AnswerJoinRequest"} {
			e, _ := pageEnv()
			e.st.failNext(method, errDisk)
			if err := e.g.Page().Pass(context.Background(), tToken, tBob); !errors.Is(err, errDisk) {
				t.Errorf("%s failing: err = %v, want the store's error", method, err)
			}
		}
	})
}
