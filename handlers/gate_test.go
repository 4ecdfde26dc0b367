package handlers

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// The gate's tests: its commands (/joinmode, /rules), what it does with a
// join request in each mode, its worker (verify.go) and the verification
// page's side of it (gatepage.go).

const (
	tGuardQuery = "jq-1"                            // a guard bot's join request query
	tPageURL    = "https://bot.example.com/verify/" // where the verification page is reached
)

// fakeGateObs is GateObserver: what it was told, in order.
type fakeGateObs struct {
	mu       sync.Mutex
	outcomes []string
	guard    []time.Duration
}

func (o *fakeGateObs) JoinRequest(outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.outcomes = append(o.outcomes, outcome)
}

func (o *fakeGateObs) GuardAnswer(took time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.guard = append(o.guard, took)
}

// told is the outcomes counted and the guard answers timed so far.
func (o *fakeGateObs) told() ([]string, []time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.outcomes), slices.Clone(o.guard)
}

// gateEnv is an env with the gate wired as cmd/internal/app wires it: its
// Requests tell of changes (the notifier's wake-up, counted here), and
// its observer records what it is told.
type gateEnv struct {
	*env
	g       *Gate
	obs     *fakeGateObs
	changes atomic.Int64
}

// newGateEnv is a gateEnv whose verification page is at pageURL ("" for
// none). The group is known by its title, and Ada hears of its requests.
func newGateEnv(pageURL string) *gateEnv {
	e := &gateEnv{env: newEnv(), obs: &fakeGateObs{}}
	e.st.chats[tGroup] = store.Chat{ID: tGroup, Type: "supergroup", Title: "Fans & Friends", BotStatus: "administrator", BotCanInvite: true}
	e.subscribe(tGroup, tAdmin)
	r := e.requests()
	r.OnChange(func() { e.changes.Add(1) })
	e.g = NewGate(e.deps, e.st, e.tg, r, pageURL, e.obs)
	return e
}

// setChat stores s as the group's settings.
func (e *env) setChat(s store.ChatSettings) {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	s.ChatID = tGroup
	e.st.settings[tGroup] = s
}

// woken tells whether the worker was woken (and takes the wake-up).
func (e *gateEnv) woken() bool {
	select {
	case <-e.g.wake:
		return true
	default:
		return false
	}
}

// joinRequest is Bob's request to join the group through link ("" for
// none), made at tNow, as the loop hands it over: with his private chat
// (user_chat_id), his language German, received just now.
func joinRequest(link string) *bot.Update {
	return &bot.Update{ID: 3, Kind: "chat_join_request", Chat: groupChat(), Received: time.Now(),
		From:        &bot.User{ID: tBob, FirstName: "Bob", LastName: "Builder", Username: "bob", LanguageCode: "de"},
		JoinRequest: &bot.JoinRequest{UserChatID: tBob, Date: tNow, Bio: "hello", InviteLink: link}}
}

// guarded is u as a guard bot gets it: with a query to answer.
func guarded(u *bot.Update) *bot.Update {
	u.JoinRequest.QueryID = tGuardQuery
	return u
}

func TestJoinMode(t *testing.T) {
	set := func(mode store.JoinMode, wait time.Duration) *store.ChatSettings {
		return &store.ChatSettings{ChatID: tGroup, JoinMode: mode, VerifyWait: wait, UpdatedBy: tAdmin, UpdatedAt: tNow}
	}
	for _, tc := range []struct {
		name   string
		before store.ChatSettings // the group's settings; zero: it set nothing
		u      *bot.Update
		says   []string            // what the reply says
		after  *store.ChatSettings // what is stored then; nil: nothing saved
		err    string              // a mistake's message, and then
		words  []string            // what it says
	}{
		{"manual by default", store.ChatSettings{}, groupCommand("joinmode", ""),
			[]string{"Join requests to this chat wait for an admin", "/joinmode auto, verify or closed changes it."}, nil, "", nil},
		{"shows manual", store.ChatSettings{JoinMode: store.JoinManual}, groupCommand("joinmode", ""),
			[]string{"Join requests to this chat wait for an admin"}, nil, "", nil},
		{"shows auto", store.ChatSettings{JoinMode: store.JoinAuto}, groupCommand("joinmode", ""),
			[]string{"I approve every join request to this chat at once.", "/joinmode manual, verify or closed changes it."}, nil, "", nil},
		{"shows verify with its wait", store.ChatSettings{JoinMode: store.JoinVerify, VerifyWait: 90 * time.Minute}, groupCommand("joinmode", ""),
			[]string{"I check each person who asks to join this chat in a private message", "they have 1h30m to answer"}, nil, "", nil},
		{"shows verify with the default wait", store.ChatSettings{JoinMode: store.JoinVerify}, groupCommand("joinmode", ""),
			[]string{"they have 10m to answer"}, nil, "", nil},
		{"shows closed", store.ChatSettings{JoinMode: store.JoinClosed}, groupCommand("joinmode", ""),
			[]string{"I decline every join request to this chat at once.", "/joinmode manual, auto or verify changes it."}, nil, "", nil},
		{"shows the group by its title from a private chat", store.ChatSettings{JoinMode: store.JoinAuto}, privateCommand("joinmode", ""),
			[]string{"I approve every join request to Fans & Friends at once."}, nil, "", nil},

		{"sets manual", store.ChatSettings{JoinMode: store.JoinAuto}, groupCommand("joinmode", "manual"),
			[]string{"From now on join requests to this chat wait for an admin"}, set(store.JoinManual, 0), "", nil},
		{"sets auto", store.ChatSettings{}, groupCommand("joinmode", "auto"),
			[]string{"From now on I approve every join request to this chat at once."}, set(store.JoinAuto, 0), "", nil},
		{"sets closed", store.ChatSettings{}, groupCommand("joinmode", "closed"),
			[]string{"From now on I decline every join request to this chat at once."}, set(store.JoinClosed, 0), "", nil},
		{"sets verify with the default wait", store.ChatSettings{}, groupCommand("joinmode", "verify"),
			[]string{"From now on I check each person who asks to join this chat", "none within 10m declines them"}, set(store.JoinVerify, 0), "", nil},
		{"sets verify, capitals", store.ChatSettings{}, groupCommand("joinmode", "VERIFY 2H"),
			[]string{"none within 2h declines them"}, set(store.JoinVerify, 2*time.Hour), "", nil},
		{"a new mode drops the old wait", store.ChatSettings{JoinMode: store.JoinVerify, VerifyWait: time.Hour}, groupCommand("joinmode", "verify"),
			[]string{"none within 10m declines them"}, set(store.JoinVerify, 0), "", nil},
		{"keeps the other settings", store.ChatSettings{Language: "en", Replies: store.RepliesChat, Rules: "Be kind", JoinMode: store.JoinVerify,
			VerifyWait: time.Hour, UpdatedBy: tBob, UpdatedAt: tNow.Add(-time.Hour)}, groupCommand("joinmode", "closed"),
			[]string{"From now on I decline"}, &store.ChatSettings{ChatID: tGroup, Language: "en", Replies: store.RepliesChat, Rules: "Be kind",
				JoinMode: store.JoinClosed, UpdatedBy: tAdmin, UpdatedAt: tNow}, "", nil},

		// WAIT: from 1m to 24h, in minutes and hours.
		{"WAIT 1m", store.ChatSettings{}, groupCommand("joinmode", "verify 1m"), []string{"none within 1m declines"}, set(store.JoinVerify, time.Minute), "", nil},
		{"WAIT 24h", store.ChatSettings{}, groupCommand("joinmode", "verify 24h"), []string{"none within 24h declines"}, set(store.JoinVerify, 24*time.Hour), "", nil},
		{"WAIT 1h30m", store.ChatSettings{}, groupCommand("joinmode", "verify 1h30m"), []string{"none within 1h30m declines"}, set(store.JoinVerify, 90*time.Minute), "", nil},
		{"WAIT 0m", store.ChatSettings{}, groupCommand("joinmode", "verify 0m"), nil, nil, "joinmode.wait", []string{"from 1m to 24h", "not “0m”"}},
		{"WAIT 25h", store.ChatSettings{}, groupCommand("joinmode", "verify 25h"), nil, nil, "joinmode.wait", []string{"not “25h”"}},
		{"WAIT 1441m", store.ChatSettings{}, groupCommand("joinmode", "verify 1441m"), nil, nil, "joinmode.wait", []string{"not “1441m”"}},
		{"WAIT in seconds", store.ChatSettings{}, groupCommand("joinmode", "verify 90s"), nil, nil, "joinmode.wait", []string{"not “90s”"}},
		{"WAIT of junk", store.ChatSettings{}, groupCommand("joinmode", "verify soon"), nil, nil, "joinmode.wait", []string{"not “soon”"}},
		{"WAIT without a unit", store.ChatSettings{}, groupCommand("joinmode", "verify 10"), nil, nil, "joinmode.wait", []string{"not “10”"}},

		{"an unknown mode", store.ChatSettings{}, groupCommand("joinmode", "sometimes"), nil, nil, "joinmode.usage", []string{"/joinmode manual"}},
		{"WAIT after another mode", store.ChatSettings{}, groupCommand("joinmode", "auto 10m"), nil, nil, "joinmode.usage", nil},
		{"words after WAIT", store.ChatSettings{}, groupCommand("joinmode", "verify 10m please"), nil, nil, "joinmode.usage", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateEnv("")
			if tc.before != (store.ChatSettings{}) {
				e.setChat(tc.before)
			}
			before, _ := e.st.chatSettings(tGroup)
			err := e.g.JoinMode(context.Background(), tc.u)
			if tc.err != "" {
				wantTextErr(t, err, text.Invalid, tc.err, tc.words...)
				wantCalls(t, e.tg)
			} else {
				if err != nil {
					t.Fatal(err)
				}
				wantContains(t, reply(t, e.tg, tc.u.Chat.ID), tc.says...)
			}
			after, _ := e.st.chatSettings(tGroup)
			switch {
			case tc.after == nil && (after != before || slices.Contains(e.st.writes(), "SaveChatSettings")):
				t.Errorf("settings saved: %+v", after)
			case tc.after != nil && after != *tc.after:
				t.Errorf("settings\n\t%+v\nwant\n\t%+v", after, *tc.after)
			}
		})
	}
	t.Run("the store failing is a failure", func(t *testing.T) {
		for _, method := range []string{"ChatSettings", "SaveChatSettings"} {
			e := newGateEnv("")
			e.st.failNext(method, errDisk)
			err := e.g.JoinMode(context.Background(), groupCommand("joinmode", "auto"))
			wantFailure(t, err)
			if !errors.Is(err, errDisk) {
				t.Errorf("%s failing: err = %v", method, err)
			}
			wantCalls(t, e.tg)
		}
	})
}

func TestParseWaitAndFormatWait(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration // 0: refused
		out  string        // FormatWait(want)
	}{
		{"1m", time.Minute, "1m"}, {"10m", 10 * time.Minute, "10m"}, {"60m", time.Hour, "1h"}, {"2h", 2 * time.Hour, "2h"},
		{"1h30m", 90 * time.Minute, "1h30m"}, {"90m", 90 * time.Minute, "1h30m"}, {"24h", 24 * time.Hour, "24h"},
		{"23h59m", 24*time.Hour - time.Minute, "23h59m"}, {"1H", time.Hour, "1h"},
		{"0m", 0, ""}, {"24h1m", 0, ""}, {"25h", 0, ""}, {"2d", 0, ""}, {"90s", 0, ""}, {"-5m", 0, ""},
		{"m", 0, ""}, {"10", 0, ""}, {"", 0, ""}, {"ten minutes", 0, ""}, {"99999999999999999999m", 0, ""},
	} {
		d, err := ParseWait(tc.in)
		switch {
		case tc.want == 0 && err == nil:
			t.Errorf("ParseWait(%q) = %v, want a refusal", tc.in, d)
		case tc.want == 0:
			wantTextErr(t, err, text.Invalid, "joinmode.wait")
		case err != nil || d != tc.want:
			t.Errorf("ParseWait(%q) = %v, %v; want %v", tc.in, d, err, tc.want)
		case FormatWait(d) != tc.out:
			t.Errorf("FormatWait(%v) = %q, want %q", d, FormatWait(d), tc.out)
		}
	}
}

func TestRules(t *testing.T) {
	set := func(rules string) *store.ChatSettings {
		return &store.ChatSettings{ChatID: tGroup, JoinMode: store.JoinVerify, VerifyWait: time.Hour, Rules: rules, UpdatedBy: tAdmin, UpdatedAt: tNow}
	}
	long := strings.Repeat("é", maxRulesLen) // 2000 bytes, 1000 characters
	for _, tc := range []struct {
		name  string
		rules string // the group's, before
		u     *bot.Update
		says  []string            // what the reply says
		html  string              // and how it is written, if set
		after *store.ChatSettings // what is stored then; nil: nothing saved
		err   string              // a mistake's message, and then
		words []string            // what it says
	}{
		{"none", "", groupCommand("rules", ""), []string{"This chat has no rules for the check. /rules TEXT sets them (up to 1000 characters)."}, "", nil, "", nil},
		{"shows them, escaped", "No <spam> & no ads", groupCommand("rules", ""),
			[]string{"The rules of this chat, shown with the check:\n\nNo <spam> & no ads\n\n/rules TEXT replaces them"}, "No &lt;spam&gt; &amp; no ads", nil, "", nil},
		{"shows the group's from a private chat", "Be kind", privateCommand("rules", ""), []string{"The rules of Fans & Friends", "Be kind"}, "", nil, "", nil},
		{"sets them", "", groupCommand("rules", "No spam.\nBe <kind>."),
			[]string{"The rules of this chat, shown from now on with the check:\n\nNo spam.\nBe <kind>."}, "Be &lt;kind&gt;.", set("No spam.\nBe <kind>."), "", nil},
		{"replaces them, trimmed", "Old rules", groupCommand("rules", "  New rules \n"), []string{"New rules"}, "", set("New rules"), "", nil},
		{"off removes them", "Old rules", groupCommand("rules", "off"), []string{"This chat has no rules for the check any more."}, "", set(""), "", nil},
		{"OFF too", "Old rules", groupCommand("rules", "OFF"), []string{"no rules for the check any more"}, "", set(""), "", nil},
		{"off without rules", "", groupCommand("rules", "off"), []string{"no rules for the check any more"}, "", set(""), "", nil},
		{"1000 characters, 2000 bytes", "", groupCommand("rules", long), []string{long}, "", set(long), "", nil},
		{"1001 characters", "Old rules", groupCommand("rules", strings.Repeat("a", maxRulesLen+1)), nil, "", nil,
			"rules.too_long", []string{"up to 1000 characters; these have 1001."}},
		{"1001 characters of two bytes", "", groupCommand("rules", long+"é"), nil, "", nil, "rules.too_long", []string{"these have 1001"}},
		{"not UTF-8", "Old rules", groupCommand("rules", "Be \xff nice"), nil, "", nil, "rules.invalid", []string{"The rules must be text"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateEnv("")
			e.setChat(store.ChatSettings{JoinMode: store.JoinVerify, VerifyWait: time.Hour, Rules: tc.rules, UpdatedBy: tBob})
			before, _ := e.st.chatSettings(tGroup)
			err := e.g.Rules(context.Background(), tc.u)
			if tc.err != "" {
				wantTextErr(t, err, text.Invalid, tc.err, tc.words...)
				wantCalls(t, e.tg)
			} else {
				if err != nil {
					t.Fatal(err)
				}
				wantContains(t, reply(t, e.tg, tc.u.Chat.ID), tc.says...)
				if tc.html != "" {
					wantContains(t, e.tg.messages()[0].Text, tc.html)
				}
			}
			after, _ := e.st.chatSettings(tGroup)
			switch {
			case tc.after == nil && (after != before || slices.Contains(e.st.writes(), "SaveChatSettings")):
				t.Errorf("settings saved: %+v", after)
			case tc.after != nil && after != *tc.after:
				t.Errorf("settings\n\t%+v\nwant\n\t%+v", after, *tc.after)
			}
		})
	}
	t.Run("the store failing is a failure", func(t *testing.T) {
		for _, method := range []string{"ChatSettings", "SaveChatSettings"} {
			e := newGateEnv("")
			e.st.failNext(method, errDisk)
			wantFailure(t, e.g.Rules(context.Background(), groupCommand("rules", "Be kind")))
			wantCalls(t, e.tg)
		}
	})
}

// requestOf is Bob's request as the store has it, failing t if none.
func requestOf(t *testing.T, e *env) store.JoinRequest {
	t.Helper()
	r, ok := e.st.request(tGroup, tBob)
	if !ok {
		t.Fatal("no request stored")
	}
	return r
}

func TestOnJoinRequest(t *testing.T) {
	answer := func(m string) string { return line(m, tGroup, tBob) }
	query := func(result bot.JoinQueryResult) string { return line("AnswerJoinQuery", tGuardQuery, result) }
	chat := func(mode store.JoinMode, wait time.Duration) func(e *gateEnv) {
		return func(e *gateEnv) { e.setChat(store.ChatSettings{JoinMode: mode, VerifyWait: wait}) }
	}
	link := func(chatMode, linkMode store.JoinMode) func(e *gateEnv) {
		return func(e *gateEnv) {
			e.setChat(store.ChatSettings{JoinMode: chatMode})
			e.seed(store.Link{URL: urlClub, JoinRequest: true, JoinMode: linkMode})
		}
	}
	fail := func(setup func(e *gateEnv), method string, err error) func(e *gateEnv) {
		return func(e *gateEnv) {
			if setup != nil {
				setup(e)
			}
			e.tg.failNext(method, err)
		}
	}
	plain := func() *bot.Update { return joinRequest("") }
	through := func(url string) func() *bot.Update { return func() *bot.Update { return joinRequest(url) } }
	guard := func() *bot.Update { return guarded(joinRequest("")) }
	for _, tc := range []struct {
		name  string
		page  string // the gate's page URL
		setup func(e *gateEnv)
		u     func() *bot.Update
		calls []string // TOKEN stands for the verification's token

		failure  bool               // a failure is returned
		state    store.RequestState // the request's state after
		mode     store.JoinMode     // the request's mode as stored
		outcomes []string           // told the observer
		timed    int                // guard answers timed

		// verify: the check made, if any (via ""  none)
		via         store.VerifyVia
		verify      store.VerifyState
		wait        time.Duration // its deadline from now
		woken       bool          // the worker was woken to send it
		unreachable bool          // the request marked so, and the admins told
		changed     bool          // the notifier woken: requests to tell of, or answered
	}{
		// The mode: the chat's, else a link's join=.
		{name: "manual by default: left to the admins", u: plain,
			state: store.RequestPending, mode: store.JoinManual, outcomes: []string{OutcomeQueued}, changed: true},
		{name: "auto: approved", setup: chat(store.JoinAuto, 0), u: plain, calls: []string{answer("ApproveRequest")},
			state: store.RequestApproved, mode: store.JoinAuto, outcomes: []string{OutcomeApproved}, changed: true},
		{name: "closed: declined", setup: chat(store.JoinClosed, 0), u: plain, calls: []string{answer("DeclineRequest")},
			state: store.RequestDeclined, mode: store.JoinClosed, outcomes: []string{OutcomeDeclined}, changed: true},
		{name: "a link's join=auto overrides the chat's closed", setup: link(store.JoinClosed, store.JoinAuto), u: through(urlClub),
			calls: []string{answer("ApproveRequest")}, state: store.RequestApproved, mode: store.JoinAuto, outcomes: []string{OutcomeApproved}, changed: true},
		{name: "a link's join=manual overrides the chat's auto", setup: link(store.JoinAuto, store.JoinManual), u: through(urlClub),
			state: store.RequestPending, mode: store.JoinManual, outcomes: []string{OutcomeQueued}, changed: true},
		{name: "a link without join= follows the chat", setup: link(store.JoinClosed, ""), u: through(urlClub),
			calls: []string{answer("DeclineRequest")}, state: store.RequestDeclined, mode: store.JoinClosed, outcomes: []string{OutcomeDeclined}, changed: true},
		{name: "an unknown link follows the chat", setup: link(store.JoinAuto, store.JoinManual), u: through("https://t.me/+AbC..."),
			calls: []string{answer("ApproveRequest")}, state: store.RequestApproved, mode: store.JoinAuto, outcomes: []string{OutcomeApproved}, changed: true},

		// A guard bot's request: answered through its query.
		{name: "auto, a guard's: approved through the query", setup: chat(store.JoinAuto, 0), u: guard, calls: []string{query(bot.JoinApprove)},
			state: store.RequestApproved, mode: store.JoinAuto, outcomes: []string{OutcomeApproved}, changed: true, timed: 1},
		{name: "closed, a guard's: declined through the query", setup: chat(store.JoinClosed, 0), u: guard, calls: []string{query(bot.JoinDecline)},
			state: store.RequestDeclined, mode: store.JoinClosed, outcomes: []string{OutcomeDeclined}, changed: true, timed: 1},
		{name: "auto, the query gone: the plain approval", setup: fail(chat(store.JoinAuto, 0), "AnswerJoinQuery", errQueryGone), u: guard,
			calls: []string{query(bot.JoinApprove), answer("ApproveRequest")}, state: store.RequestApproved, mode: store.JoinAuto,
			outcomes: []string{OutcomeApproved}, changed: true, timed: 1},
		{name: "closed, the query gone: the plain decline", setup: fail(chat(store.JoinClosed, 0), "AnswerJoinQuery", errQueryGone), u: guard,
			calls: []string{query(bot.JoinDecline), answer("DeclineRequest")}, state: store.RequestDeclined, mode: store.JoinClosed,
			outcomes: []string{OutcomeDeclined}, changed: true, timed: 1},
		{name: "auto, the query failing otherwise: a failure, the request waits", setup: fail(chat(store.JoinAuto, 0), "AnswerJoinQuery", errNetwork),
			u: guard, calls: []string{query(bot.JoinApprove)}, failure: true, state: store.RequestPending, mode: store.JoinAuto, timed: 1},
		{name: "manual, a guard's: queued, nothing else", u: guard, calls: []string{query(bot.JoinQueue)},
			state: store.RequestPending, mode: store.JoinManual, outcomes: []string{OutcomeQueued}, changed: true, timed: 1},
		{name: "manual, the query gone: queued anyway", setup: fail(nil, "AnswerJoinQuery", errQueryGone), u: guard, calls: []string{query(bot.JoinQueue)},
			state: store.RequestPending, mode: store.JoinManual, outcomes: []string{OutcomeQueued}, changed: true, timed: 1},
		{name: "manual, the query failing: Telegram queues it itself", setup: fail(nil, "AnswerJoinQuery", errNetwork), u: guard,
			calls: []string{query(bot.JoinQueue)}, state: store.RequestPending, mode: store.JoinManual, outcomes: []string{OutcomeQueued}, changed: true, timed: 1},

		// Telegram's answers to the plain calls.
		{name: "auto, the request gone: recorded gone, not counted approved", setup: fail(chat(store.JoinAuto, 0), "ApproveRequest", errRequestGone),
			u: plain, calls: []string{answer("ApproveRequest")}, state: store.RequestGone, mode: store.JoinAuto, changed: true},
		{name: "closed, a guard's, the request gone: recorded gone, not counted declined", setup: func(e *gateEnv) {
			e.setChat(store.ChatSettings{JoinMode: store.JoinClosed})
			e.tg.failNext("AnswerJoinQuery", errQueryGone)
			e.tg.failNext("DeclineRequest", errRequestGone)
		}, u: guard, calls: []string{query(bot.JoinDecline), answer("DeclineRequest")}, state: store.RequestGone, mode: store.JoinClosed,
			timed: 1, changed: true},
		{name: "closed, Telegram failing: a failure, the request waits", setup: fail(chat(store.JoinClosed, 0), "DeclineRequest", errNetwork), u: plain,
			calls: []string{answer("DeclineRequest")}, failure: true, state: store.RequestPending, mode: store.JoinClosed},

		// verify: one check, by message unless a guard's request can have the page.
		{name: "verify: a check by message, for the worker to send", setup: chat(store.JoinVerify, 0), u: plain,
			state: store.RequestPending, mode: store.JoinVerify, via: store.ViaMessage, verify: store.VerifyPending, wait: 10 * time.Minute, woken: true},
		{name: "verify with a WAIT", setup: chat(store.JoinVerify, 30*time.Minute), u: plain,
			state: store.RequestPending, mode: store.JoinVerify, via: store.ViaMessage, verify: store.VerifyPending, wait: 30 * time.Minute, woken: true},
		{name: "a link's join=verify overrides manual", setup: link(store.JoinManual, store.JoinVerify), u: through(urlClub),
			state: store.RequestPending, mode: store.JoinVerify, via: store.ViaMessage, verify: store.VerifyPending, wait: 10 * time.Minute, woken: true},
		{name: "verify with a page but no guard query: by message", page: tPageURL, setup: chat(store.JoinVerify, 0), u: plain,
			state: store.RequestPending, mode: store.JoinVerify, via: store.ViaMessage, verify: store.VerifyPending, wait: 10 * time.Minute, woken: true},
		{name: "verify, a guard's without a page: queued, by message", setup: chat(store.JoinVerify, 0), u: guard, calls: []string{query(bot.JoinQueue)},
			state: store.RequestPending, mode: store.JoinVerify, timed: 1,
			via: store.ViaMessage, verify: store.VerifyPending, wait: 10 * time.Minute, woken: true},
		{name: "verify, a guard's with a page: the page with its token", page: tPageURL, setup: chat(store.JoinVerify, 5*time.Minute), u: guard,
			calls: []string{line("ShowJoinWebApp", tGuardQuery, tPageURL+"TOKEN")}, state: store.RequestPending, mode: store.JoinVerify, timed: 1,
			via: store.ViaPage, verify: store.VerifyPending, wait: 5 * time.Minute},
		{name: "verify, the page failing: queued, by message", page: tPageURL, setup: fail(chat(store.JoinVerify, 0), "ShowJoinWebApp", errRefused), u: guard,
			calls: []string{line("ShowJoinWebApp", tGuardQuery, tPageURL+"TOKEN"), query(bot.JoinQueue)}, state: store.RequestPending, mode: store.JoinVerify,
			timed: 2, via: store.ViaMessage, verify: store.VerifyPending, wait: 10 * time.Minute, woken: true},
		{name: "verify without user_chat_id: unreachable at once", setup: chat(store.JoinVerify, 0), u: func() *bot.Update {
			u := joinRequest("")
			u.JoinRequest.UserChatID = 0
			return u
		}, state: store.RequestPending, mode: store.JoinVerify, outcomes: []string{OutcomeUnreachable}, changed: true,
			via: store.ViaMessage, verify: store.VerifyUnreachable, wait: 10 * time.Minute, unreachable: true},
		{name: "verify, a guard's without user_chat_id: queued, unreachable", setup: chat(store.JoinVerify, 0), u: func() *bot.Update {
			u := guarded(joinRequest(""))
			u.JoinRequest.UserChatID = 0
			return u
		}, calls: []string{query(bot.JoinQueue)}, state: store.RequestPending, mode: store.JoinVerify, outcomes: []string{OutcomeUnreachable}, changed: true, timed: 1,
			via: store.ViaMessage, verify: store.VerifyUnreachable, wait: 10 * time.Minute, unreachable: true},

		// The store failing.
		{name: "the settings failing", setup: func(e *gateEnv) { e.st.failNext("ChatSettings", errDisk) }, u: plain, failure: true},
		{name: "the link failing", setup: func(e *gateEnv) { e.st.failNext("LinkByURL", errDisk) }, u: through(urlClub), failure: true},
		{name: "noting the chat failing", setup: func(e *gateEnv) { e.st.failNext("NoteChat", errDisk) }, u: plain, failure: true},
		{name: "storing the request failing", setup: func(e *gateEnv) { e.st.failNext("AddJoinRequest", errDisk) }, u: plain, failure: true},
		{name: "storing the check failing", setup: func(e *gateEnv) {
			e.setChat(store.ChatSettings{JoinMode: store.JoinVerify})
			e.st.failNext("AddVerification", errDisk)
		}, u: plain, failure: true, state: store.RequestPending, mode: store.JoinVerify},
		{name: "making the check one by message failing", page: tPageURL, setup: func(e *gateEnv) {
			e.setChat(store.ChatSettings{JoinMode: store.JoinVerify})
			e.tg.failNext("ShowJoinWebApp", errRefused)
			e.st.failNext("VerifyByMessage", errDisk)
		}, u: guard, calls: []string{line("ShowJoinWebApp", tGuardQuery, tPageURL+"TOKEN")}, failure: true, timed: 1,
			state: store.RequestPending, mode: store.JoinVerify, via: store.ViaPage, verify: store.VerifyPending, wait: 10 * time.Minute},

		// The journal hands an update back after a restart.
		{name: "replayed, answered by the first run: nothing", setup: func(e *gateEnv) {
			e.setChat(store.ChatSettings{JoinMode: store.JoinAuto})
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow, Mode: store.JoinAuto, State: store.RequestApproved, AnsweredAt: tNow})
		}, u: func() *bot.Update { return replayed(joinRequest("")) }, state: store.RequestApproved, mode: store.JoinAuto},
		{name: "replayed, not answered yet: answered", setup: func(e *gateEnv) {
			e.setChat(store.ChatSettings{JoinMode: store.JoinAuto})
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow, Mode: store.JoinAuto})
		}, u: func() *bot.Update { return replayed(joinRequest("")) }, calls: []string{answer("ApproveRequest")},
			state: store.RequestApproved, mode: store.JoinAuto, outcomes: []string{OutcomeApproved}, changed: true},
		{name: "replayed, an earlier request answered: the new one answered", setup: func(e *gateEnv) {
			e.setChat(store.ChatSettings{JoinMode: store.JoinAuto})
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow.Add(-time.Hour), Mode: store.JoinAuto, State: store.RequestDeclined})
		}, u: func() *bot.Update { return replayed(joinRequest("")) }, calls: []string{answer("ApproveRequest")},
			state: store.RequestApproved, mode: store.JoinAuto, outcomes: []string{OutcomeApproved}, changed: true},
		{name: "replayed, the requester found unreachable by the first run: still marked", setup: func(e *gateEnv) {
			e.setChat(store.ChatSettings{JoinMode: store.JoinVerify})
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow, Mode: store.JoinVerify})
			v := store.Verification{ChatID: tGroup, UserID: tBob, RequestedAt: tNow, Language: "de", Answer: 1,
				Deadline: tNow.Add(10 * time.Minute), Via: store.ViaMessage, State: store.VerifyPending}
			e.st.verifs = append(e.st.verifs, v)
			e.end(v, store.VerifyUnreachable)
		}, u: func() *bot.Update {
			u := replayed(joinRequest(""))
			u.JoinRequest.UserChatID = 0
			return u
		}, state: store.RequestPending, mode: store.JoinVerify, via: store.ViaMessage, verify: store.VerifyUnreachable,
			wait: 10 * time.Minute, unreachable: true},
		{name: "replayed, stored by the first run: goes on in the mode it was stored in", setup: func(e *gateEnv) {
			e.setChat(store.ChatSettings{JoinMode: store.JoinAuto})
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow, Mode: store.JoinManual})
			e.st.enqueue(requestOf(t, e.env))
		}, u: func() *bot.Update { return replayed(joinRequest("")) }, state: store.RequestPending, mode: store.JoinManual,
			outcomes: []string{OutcomeQueued}, changed: true},
		{name: "replayed, the check made by the first run: not made again", setup: func(e *gateEnv) {
			e.setChat(store.ChatSettings{JoinMode: store.JoinVerify})
			e.seedRequest(store.JoinRequest{UserID: tBob, RequestedAt: tNow, UserChatID: tBob, Mode: store.JoinVerify})
			e.st.verifs = append(e.st.verifs, store.Verification{ChatID: tGroup, UserID: tBob, RequestedAt: tNow, UserChatID: tBob,
				Language: "de", Answer: 2, Deadline: tNow.Add(10 * time.Minute), Via: store.ViaMessage, MessageID: 77, State: store.VerifyPending})
		}, u: func() *bot.Update { return replayed(joinRequest("")) }, state: store.RequestPending, mode: store.JoinVerify,
			via: store.ViaMessage, verify: store.VerifyPending, wait: 10 * time.Minute, woken: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateEnv(tc.page)
			if tc.setup != nil {
				tc.setup(e)
			}
			u := tc.u()
			u.Received = time.Now().Add(-2 * time.Second)
			err := e.g.OnJoinRequest(context.Background(), u)
			if tc.failure {
				wantFailure(t, err)
			} else if err != nil {
				t.Fatal(err)
			}

			vs := e.st.allVerifications()
			token := ""
			if len(vs) > 0 {
				token = vs[0].Token
			}
			calls := slices.Clone(tc.calls)
			for i := range calls {
				calls[i] = strings.ReplaceAll(calls[i], "TOKEN", token)
			}
			wantCalls(t, e.tg, calls...)

			r, stored := e.st.request(tGroup, tBob)
			switch {
			case tc.state == "" && stored:
				t.Errorf("stored %+v", r)
			case tc.state != "" && !stored:
				t.Errorf("nothing stored, want a request %s", tc.state)
			case tc.state != "" && (r.State != tc.state || r.Mode != tc.mode || r.Unreachable != tc.unreachable):
				t.Errorf("stored %s (mode %q, unreachable %t); want %s (mode %q, unreachable %t)",
					r.State, r.Mode, r.Unreachable, tc.state, tc.mode, tc.unreachable)
			}

			outcomes, timed := e.obs.told()
			if !slices.Equal(outcomes, tc.outcomes) {
				t.Errorf("outcomes %q, want %q", outcomes, tc.outcomes)
			}
			if len(timed) != tc.timed {
				t.Errorf("%d guard answers timed, want %d", len(timed), tc.timed)
			}
			for _, d := range timed {
				if d < 2*time.Second || d > time.Minute {
					t.Errorf("a guard answer timed %v, want from the update's arrival 2 s ago", d)
				}
			}

			switch {
			case tc.via == "" && len(vs) > 0:
				t.Errorf("checks made: %+v", vs)
			case tc.via != "" && len(vs) != 1:
				t.Fatalf("%d checks made, want one: %+v", len(vs), vs)
			case tc.via != "":
				v := vs[0]
				want := store.Verification{ChatID: tGroup, UserID: tBob, RequestedAt: tNow, UserChatID: u.JoinRequest.UserChatID,
					Language: "de", Answer: v.Answer, Deadline: tNow.Add(tc.wait), Via: tc.via, Token: v.Token,
					MessageID: v.MessageID, State: tc.verify, EndedAt: v.EndedAt}
				if v != want {
					t.Errorf("the check is\n\t%+v\nwant\n\t%+v", v, want)
				}
				if v.Answer < 0 || v.Answer > 3 {
					t.Errorf("the right button is %d", v.Answer)
				}
				if page := tc.page != "" && u.JoinRequest.QueryID != ""; page != (v.Token != "") {
					t.Errorf("the check's token is %q; want one only for a guard's request with the page", v.Token)
				}
			}
			if woken := e.woken(); woken != tc.woken {
				t.Errorf("the worker woken: %t, want %t", woken, tc.woken)
			}

			// The admins hear of the requests that wait for them: those
			// of manual mode and the unreachable ones, and no others.
			tell := tc.state == store.RequestPending && (tc.mode == store.JoinManual || tc.unreachable)
			if told := len(e.st.outbox()) > 0; told != tell {
				t.Errorf("the admins told: %t, want %t (%+v)", told, tell, e.st.outbox())
			}
			if changed := e.changes.Load() > 0; changed != tc.changed {
				t.Errorf("the notifier woken: %t, want %t", changed, tc.changed)
			}
		})
	}
}

// TestJoinRequestStored: a request is kept with its fields in every mode
// (here manual, which does nothing else), and its chat noted.
func TestJoinRequestStored(t *testing.T) {
	asked := tNow.Add(-time.Minute)
	full := func() *bot.Update {
		return &bot.Update{Kind: "chat_join_request", Chat: groupChat(),
			From:        &bot.User{ID: tBob, FirstName: "Bob", LastName: "Builder", Username: "bob"},
			JoinRequest: &bot.JoinRequest{UserChatID: tBob, Date: asked, Bio: "hello", InviteLink: urlClub, QueryID: tGuardQuery}}
	}
	for _, tc := range []struct {
		name   string
		u      func() *bot.Update
		stored *store.JoinRequest // nil: nothing stored
	}{
		{"stored as pending, with the private chat, the link and the query", full, &store.JoinRequest{ChatID: tGroup, UserID: tBob,
			FirstName: "Bob", LastName: "Builder", Username: "bob", Bio: "hello", InviteLink: urlClub, UserChatID: tBob,
			RequestedAt: asked, State: store.RequestPending, QueryID: tGuardQuery, Mode: store.JoinManual}},
		{"without a date, now", func() *bot.Update {
			u := full()
			u.JoinRequest.Date, u.JoinRequest.InviteLink, u.JoinRequest.QueryID = time.Time{}, "", ""
			return u
		}, &store.JoinRequest{ChatID: tGroup, UserID: tBob, FirstName: "Bob", LastName: "Builder", Username: "bob", Bio: "hello",
			UserChatID: tBob, RequestedAt: tNow, State: store.RequestPending, Mode: store.JoinManual}},
		{"no request", func() *bot.Update { u := full(); u.JoinRequest = nil; return u }, nil},
		{"no requester", func() *bot.Update { u := full(); u.From = nil; return u }, nil},
		{"no chat", func() *bot.Update { u := full(); u.Chat = nil; return u }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newGateEnv("")
			delete(e.st.chats, tGroup)
			if err := e.g.OnJoinRequest(context.Background(), tc.u()); err != nil {
				t.Fatal(err)
			}
			r, ok := e.st.request(tGroup, tBob)
			switch {
			case tc.stored == nil && (ok || len(e.st.writes()) > 0):
				t.Errorf("stored %+v", r)
			case tc.stored != nil && r != *tc.stored:
				t.Errorf("stored\n\t%+v\nwant\n\t%+v", r, *tc.stored)
			}
			if tc.stored == nil {
				wantCalls(t, e.tg)
				return
			}
			// The chat's title, for the notifications and the checks.
			if c, _ := e.st.chat(tGroup); c.Title != "Fans & Friends" || c.Type != "supergroup" {
				t.Errorf("the chat is noted as %+v", c)
			}
		})
	}
	t.Run("noting the chat keeps what is known of the bot there", func(t *testing.T) {
		e := newGateEnv("")
		e.st.chats[tGroup] = store.Chat{ID: tGroup, Type: "supergroup", Title: "Old title", BotStatus: "administrator", BotCanInvite: true}
		if err := e.g.OnJoinRequest(context.Background(), full()); err != nil {
			t.Fatal(err)
		}
		want := store.Chat{ID: tGroup, Type: "supergroup", Title: "Fans & Friends", BotStatus: "administrator", BotCanInvite: true}
		if c, _ := e.st.chat(tGroup); c != want {
			t.Errorf("the chat is %+v, want %+v", c, want)
		}
	})
	t.Run("a store failure noting the chat is a failure, nothing stored", func(t *testing.T) {
		e := newGateEnv("")
		e.st.failNext("NoteChat", errDisk)
		err := e.g.OnJoinRequest(context.Background(), full())
		wantFailure(t, err)
		if !errors.Is(err, errDisk) {
			t.Errorf("err = %v", err)
		}
		if _, ok := e.st.request(tGroup, tBob); ok {
			t.Errorf("the request was stored")
		}
		if e.changes.Load() != 0 {
			t.Errorf("the notifier was woken")
		}
	})
	t.Run("a store failure storing it is a failure", func(t *testing.T) {
		e := newGateEnv("")
		e.st.failNext("AddJoinRequest", errDisk)
		err := e.g.OnJoinRequest(context.Background(), full())
		wantFailure(t, err)
		if !errors.Is(err, errDisk) {
			t.Errorf("err = %v", err)
		}
		wantCalls(t, e.tg) // not queued: Telegram queues it after 10 s
		if e.changes.Load() != 0 {
			t.Errorf("the notifier was woken")
		}
	})
}

// TestCheckAnswers: the right button of a check is drawn at random.
func TestCheckAnswers(t *testing.T) {
	e := newGateEnv("")
	e.setChat(store.ChatSettings{JoinMode: store.JoinVerify})
	seen := map[int]int{}
	for i := range 100 {
		u := joinRequest("")
		u.From.ID = requester(i)
		if err := e.g.OnJoinRequest(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range e.st.allVerifications() {
		seen[v.Answer]++
	}
	if len(seen) != 4 {
		t.Errorf("the right buttons of 100 checks: %v; want each of the four", seen)
	}
}

func TestItemsOf(t *testing.T) {
	v := store.Verification{ChatID: tGroup, UserID: tBob, RequestedAt: tNow, Answer: 2}
	first := itemsOf(v)
	if len(first) != 4 {
		t.Fatalf("%d items, want 4", len(first))
	}
	for i, it := range first {
		if it < 0 || it >= len(checkItems) || slices.Index(first, it) != i {
			t.Errorf("items %v: not four distinct items of %d", first, len(checkItems))
		}
	}
	// The same request, the same buttons, whatever else changed (a
	// restart, the check's message sent, its state).
	again := v
	again.MessageID, again.State, again.Answer, again.Deadline = 77, store.VerifyPassed, 0, tNow.Add(time.Hour)
	if got := itemsOf(again); !slices.Equal(got, first) {
		t.Errorf("items of the same request %v, then %v", first, got)
	}
	// Other requests, other buttons: over many, each item shows up.
	differ, shown := 0, map[int]bool{}
	for i := range 50 {
		w := v
		switch i % 3 {
		case 0:
			w.UserID = requester(i)
		case 1:
			w.ChatID = tOther - int64(i)
		default:
			w.RequestedAt = tNow.Add(time.Duration(i) * time.Second)
		}
		items := itemsOf(w)
		if !slices.Equal(items, first) {
			differ++
		}
		for _, it := range items {
			shown[it] = true
		}
	}
	if differ < 40 || len(shown) != len(checkItems) {
		t.Errorf("of 50 other requests, %d have other buttons and %d items show up; want most, and all %d", differ, len(shown), len(checkItems))
	}
}

// TestLinkJoinModeReachesTheGate: a link's join=, set by /createlink and
// /editlink, is what the gate goes by for requests through that link.
func TestLinkJoinModeReachesTheGate(t *testing.T) {
	e := newGateEnv("")
	e.chatMode()
	ctx := context.Background()
	if err := e.links().CreateLink(ctx, groupCommand("createlink", "Partners join=verify")); err != nil {
		t.Fatal(err)
	}
	l := e.st.get(t, tGroup, 1)
	if l.JoinMode != store.JoinVerify || !l.JoinRequest {
		t.Fatalf("the link is stored as %+v, want join=verify with requests", l)
	}
	if err := e.g.OnJoinRequest(ctx, joinRequest(l.URL)); err != nil {
		t.Fatal(err)
	}
	if r := requestOf(t, e.env); r.Mode != store.JoinVerify || len(e.st.allVerifications()) != 1 {
		t.Errorf("a request through it is in mode %q with %d checks, want verify and one", r.Mode, len(e.st.allVerifications()))
	}

	if err := e.links().EditLink(ctx, groupCommand("editlink", "#1 join=none")); err != nil {
		t.Fatal(err)
	}
	if l := e.st.get(t, tGroup, 1); l.JoinMode != "" {
		t.Fatalf("after join=none the link's mode is %q", l.JoinMode)
	}
	u := joinRequest(l.URL)
	u.From.ID = tCarol
	if err := e.g.OnJoinRequest(ctx, u); err != nil {
		t.Fatal(err)
	}
	if r, _ := e.st.request(tGroup, tCarol); r.Mode != store.JoinManual {
		t.Errorf("a request through it after join=none is in mode %q, want the chat's (manual)", r.Mode)
	}
}
