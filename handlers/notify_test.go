package handlers

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// tBea is another admin of the group who hears of its requests.
const tBea int64 = 5000000007

// notifyEnv is an env where Ada hears of the group's new join requests
// (/notify on), and the group is known by its title and username.
func notifyEnv() *env {
	e := newEnv()
	e.st.chats[tGroup] = store.Chat{ID: tGroup, Type: "supergroup", Title: "Fans & Friends", Username: "fans",
		BotStatus: "administrator", BotCanInvite: true}
	e.st.chats[tOther] = store.Chat{ID: tOther, Type: "supergroup", Title: "Other", BotStatus: "administrator", BotCanInvite: true}
	e.subscribe(tGroup, tAdmin)
	return e
}

func (e *env) subscribe(chat, admin int64) {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	e.st.subs[[2]int64{chat, admin}] = store.Subscriber{ChatID: chat, UserID: admin, Language: "en"}
}

// requester is the nth requester of the notification tests.
func requester(n int) int64 { return 6000000000 + int64(n) }

// ask stores join requests of requesters first … first+count-1 to chat,
// made now, as chat_join_request stores them (filling the outbox).
func (e *env) ask(t *testing.T, chat int64, first, count int) {
	t.Helper()
	for i := first; i < first+count; i++ {
		r := store.JoinRequest{ChatID: chat, UserID: requester(i), FirstName: fmt.Sprintf("User%02d", i), RequestedAt: e.clock.Now()}
		if err := e.st.AddJoinRequest(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// process runs the notifier once, failing t on an error; it returns when
// the next summary falls due.
func process(t *testing.T, n *Notifier) time.Time {
	t.Helper()
	next, err := n.process(context.Background())
	if err != nil {
		t.Fatalf("process: %v", err)
	}
	return next
}

// sentTo are the messages sent to chat so far, singles (with buttons)
// and summaries (without) apart.
func sentTo(tg *fakeTG, chat int64) (singles, summaries []bot.Outgoing) {
	for _, m := range tg.messages() {
		switch {
		case m.ChatID != chat:
		case len(m.Buttons) > 0:
			singles = append(singles, m)
		default:
			summaries = append(summaries, m)
		}
	}
	return singles, summaries
}

// notes are the notifications of the outbox to admin in state.
func notes(e *env, admin int64, state store.NotificationState) []fakeNote {
	var out []fakeNote
	for _, n := range e.st.outbox() {
		if n.AdminID == admin && n.State == state {
			out = append(out, n)
		}
	}
	return out
}

func TestNotifierSingles(t *testing.T) {
	for _, tc := range []struct {
		requests int
		singles  int
		next     time.Time // when a summary falls due
	}{
		{1, 1, time.Time{}},
		{5, 5, time.Time{}},
		{6, 5, tNow.Add(time.Minute)},
		{30, 5, tNow.Add(time.Minute)},
	} {
		t.Run(fmt.Sprint(tc.requests, " at once"), func(t *testing.T) {
			e := notifyEnv()
			e.ask(t, tGroup, 0, tc.requests)
			n := e.notifier()
			if next := process(t, n); !next.Equal(tc.next) {
				t.Errorf("next summary at %v, want %v", next, tc.next)
			}
			singles, summaries := sentTo(e.tg, tAdmin)
			if len(singles) != tc.singles || len(summaries) != 0 {
				t.Fatalf("%d notifications and %d summaries, want %d and none", len(singles), len(summaries), tc.singles)
			}
			sent := notes(e, tAdmin, store.NotificationSent)
			for i, m := range singles {
				// Oldest first, each with its request's buttons, recorded.
				wantContains(t, plain(m.Text), fmt.Sprintf("New join request in Fans & Friends:\n\nUser%02d · ID %d", i, requester(i)))
				if got, want := buttonTexts(t, m.Buttons), requestButtonTexts(fmt.Sprintf("User%02d", i), requester(i)); !slices.Equal(got, want) {
					t.Errorf("notification %d: buttons %v, want %v", i, got, want)
				}
				if m.ReplyTo != 0 {
					t.Errorf("notification %d is a reply", i)
				}
				rec, ok := e.st.record(tAdmin, 101+i)
				want := store.ButtonMessage{ChatID: tAdmin, MessageID: 101 + i, Kind: kindRequest, TargetID: tGroup,
					Items: []int64{requester(i)}, Title: "New join request in <b>Fans &amp; Friends</b>:", CreatedAt: tNow}
				if !ok || !recordsEqual(rec, want) {
					t.Errorf("notification %d: the record is %+v, want %+v", i, rec, want)
				}
				if i >= len(sent) || sent[i].RequesterID != requester(i) || sent[i].MessageID != 101+i || !sent[i].SentAt.Equal(tNow) {
					t.Errorf("notification %d is stored as %+v", i, sent)
				}
			}
			if waiting := len(notes(e, tAdmin, store.NotificationPending)); waiting != tc.requests-tc.singles {
				t.Errorf("%d wait for a summary, want %d", waiting, tc.requests-tc.singles)
			}
			// Nothing more goes out until the summary falls due.
			e.tg.clear()
			process(t, n)
			wantCalls(t, e.tg)
		})
	}
}

func TestNotifierSummaries(t *testing.T) {
	e := notifyEnv()
	n := e.notifier()
	type step struct {
		at        time.Duration // after tNow
		ask       int           // requests that come then
		singles   int           // notifications of their own sent then
		summaries []string      // summaries sent then
		next      time.Duration // when the next summary falls due, after tNow; 0: none waits
	}
	asked := 0
	for _, s := range []step{
		{0, 7, 5, nil, time.Minute},                // five of their own, the rest wait a window
		{30 * time.Second, 2, 0, nil, time.Minute}, // those that come meanwhile wait too
		{59 * time.Second, 0, 0, nil, time.Minute}, // not before the window is over
		{60 * time.Second, 0, 0, []string{"4 new join requests in Fans & Friends: /requests @fans"}, 0}, // one for all that wait
		{61 * time.Second, 6, 5, nil, 121 * time.Second},                                                // a new window: five again, the sixth waits a window
		{120 * time.Second, 0, 0, nil, 121 * time.Second},                                               // one summary a window
		{121 * time.Second, 0, 0, []string{"1 new join request in Fans & Friends: /requests @fans"}, 0},
		{200 * time.Second, 1, 1, nil, 0}, // the window is over: of its own again
	} {
		e.clock.set(tNow.Add(s.at))
		e.ask(t, tGroup, asked, s.ask)
		asked += s.ask
		e.tg.clear()
		next := process(t, n)
		singles, summaries := sentTo(e.tg, tAdmin)
		var read []string
		for _, m := range summaries {
			read = append(read, plain(m.Text))
		}
		if len(singles) != s.singles || !slices.Equal(read, s.summaries) {
			t.Errorf("at +%v: %d notifications, summaries %q; want %d, %q", s.at, len(singles), read, s.singles, s.summaries)
		}
		want := time.Time{}
		if s.next > 0 {
			want = tNow.Add(s.next)
		}
		if !next.Equal(want) {
			t.Errorf("at +%v: the next summary at %v, want %v", s.at, next, want)
		}
	}
	if n := len(notes(e, tAdmin, store.NotificationSummarized)); n != 5 {
		t.Errorf("%d notifications summarized, want 5", n)
	}
	if n := len(notes(e, tAdmin, store.NotificationPending)); n != 0 {
		t.Errorf("%d notifications still wait", n)
	}
}

// TestNotifierSummaryHoldsWhatWaitedWhenDue: a summary that falls due holds
// every notification waiting at that time. Here, while the notifier reads
// the outbox, another request comes and then the window ends: the summary
// must not go out with the list read before (which lacks that request), but
// on the next round, with all three.
func TestNotifierSummaryHoldsWhatWaitedWhenDue(t *testing.T) {
	e := notifyEnv()
	n := e.notifier()
	e.ask(t, tGroup, 0, 7) // five of their own, two wait for the summary
	if next := process(t, n); !next.Equal(tNow.Add(time.Minute)) {
		t.Fatalf("the summary falls due at %v, want a minute after %v", next, tNow)
	}
	e.tg.clear()
	e.st.afterPending = func() {
		e.st.afterPending = nil
		e.ask(t, tGroup, 7, 1)
		e.clock.set(tNow.Add(time.Minute))
	}
	process(t, n)
	if _, summaries := sentTo(e.tg, tAdmin); len(summaries) != 0 {
		t.Fatalf("a summary from the outbox read before the window ended: %q", plain(summaries[0].Text))
	}
	process(t, n)
	_, summaries := sentTo(e.tg, tAdmin)
	if len(summaries) != 1 {
		t.Fatalf("%d summaries once the window is over, want 1", len(summaries))
	}
	wantContains(t, plain(summaries[0].Text), "3 new join requests in Fans & Friends")
}

func TestNotifierWindowAcrossRuns(t *testing.T) {
	for _, tc := range []struct {
		name             string
		first, then      int           // requests at tNow, and 10 s later
		singles          int           // notifications of their own 10 s later
		next             time.Duration // when the summary falls due, after tNow
		clockBack, after time.Duration // after the summary, the clock set back to this; the next due then
	}{
		{"those of the window count", 3, 4, 2, 70 * time.Second, 0, 0},
		{"a window over counts none", 5, 0, 0, 0, 0, 0},
		{"a clock set back brings no summary closer than a window after the last", 5, 1, 0, 70 * time.Second,
			50 * time.Second, 130 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := notifyEnv()
			n := e.notifier()
			e.ask(t, tGroup, 0, tc.first)
			process(t, n)
			e.clock.advance(10 * time.Second)
			e.ask(t, tGroup, 100, tc.then)
			e.tg.clear()
			next := process(t, n)
			if singles, _ := sentTo(e.tg, tAdmin); len(singles) != tc.singles {
				t.Errorf("%d notifications of their own, want %d", len(singles), tc.singles)
			}
			if want := tNow.Add(tc.next); tc.next > 0 && !next.Equal(want) || tc.next == 0 && !next.IsZero() {
				t.Errorf("the summary falls due at %v, want +%v", next, tc.next)
			}
			if tc.clockBack == 0 {
				return
			}
			e.clock.set(next)
			process(t, n)
			if _, summaries := sentTo(e.tg, tAdmin); len(summaries) != 1 {
				t.Fatalf("%d summaries when it fell due", len(summaries))
			}
			e.clock.set(tNow.Add(tc.clockBack))
			e.ask(t, tGroup, 200, 1)
			if next := process(t, n); !next.Equal(tNow.Add(tc.after)) {
				t.Errorf("after the clock went back, the next summary at %v, want +%v", next, tc.after)
			}
		})
	}
}

func TestNotifierWindowsPerAdminAndChat(t *testing.T) {
	e := notifyEnv()
	e.subscribe(tGroup, tBea)
	e.subscribe(tOther, tAdmin)
	e.ask(t, tGroup, 0, 6)
	e.ask(t, tOther, 10, 2)
	if next := process(t, e.notifier()); !next.Equal(tNow.Add(time.Minute)) {
		t.Errorf("the next summary at %v", next)
	}
	ada, _ := sentTo(e.tg, tAdmin)
	bea, _ := sentTo(e.tg, tBea)
	if len(ada) != 7 || len(bea) != 5 {
		t.Errorf("Ada got %d notifications, Bea %d; want 5 + 2 and 5", len(ada), len(bea))
	}
	other := 0
	for _, m := range ada {
		if strings.HasPrefix(plain(m.Text), "New join request in Other:") {
			other++
		}
	}
	if other != 2 {
		t.Errorf("Ada got %d notifications about the other chat, want 2", other)
	}
}

func TestNotifierSummaryNamesTheChat(t *testing.T) {
	for _, tc := range []struct {
		name string
		chat store.Chat
		want string
	}{
		{"by its username", store.Chat{ID: tGroup, Title: "Fans & Friends", Username: "fans"}, "/requests @fans"},
		{"by its ID without one", store.Chat{ID: tGroup, Title: "Fans & Friends"}, "/requests -1001234567890"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := notifyEnv()
			e.st.chats[tGroup] = tc.chat
			e.ask(t, tGroup, 0, 6)
			n := e.notifier()
			process(t, n)
			e.clock.advance(time.Minute)
			process(t, n)
			_, summaries := sentTo(e.tg, tAdmin)
			if len(summaries) != 1 {
				t.Fatalf("%d summaries", len(summaries))
			}
			wantContains(t, plain(summaries[0].Text), "1 new join request in Fans & Friends: "+tc.want)
		})
	}
}

func TestNotifierBlocked(t *testing.T) {
	t.Run("an admin who blocked the bot does not stall the others", func(t *testing.T) {
		e := notifyEnv()
		e.subscribe(tGroup, tBea)
		e.tg.block(tAdmin)
		e.ask(t, tGroup, 0, 2)
		process(t, e.notifier())
		wantCalls(t, e.tg, line("Send", tAdmin, "reply=0 buttons=2"), line("Send", tAdmin, "reply=0 buttons=2"),
			line("Send", tBea, "reply=0 buttons=2"), line("Send", tBea, "reply=0 buttons=2"))
		for _, n := range e.st.outbox() {
			want := 0 // never delivered
			if n.AdminID == tBea {
				want = 101 + int(n.RequesterID-requester(0))
			}
			if n.State != store.NotificationSent || n.MessageID != want {
				t.Errorf("notification %+v, want sent as message %d", n.Notification, want)
			}
		}
		if _, ok := e.st.record(tAdmin, 0); ok {
			t.Errorf("a message never sent was recorded")
		}
	})
	t.Run("their summary too", func(t *testing.T) {
		e := notifyEnv()
		e.tg.block(tAdmin)
		e.ask(t, tGroup, 0, 6)
		n := e.notifier()
		process(t, n)
		e.clock.advance(time.Minute)
		process(t, n)
		if got := notes(e, tAdmin, store.NotificationSummarized); len(got) != 1 {
			t.Errorf("%d summarized, want the sixth", len(got))
		}
	})
	t.Run("another failure is one, and the notification waits", func(t *testing.T) {
		e := notifyEnv()
		e.ask(t, tGroup, 0, 1)
		e.tg.failNext("Send", errNetwork)
		n := e.notifier()
		if _, err := n.process(context.Background()); err == nil {
			t.Fatal("no error")
		}
		if got := notes(e, tAdmin, store.NotificationPending); len(got) != 1 {
			t.Fatalf("the notification is %+v, want it pending", e.st.outbox())
		}
		process(t, n)
		if got := notes(e, tAdmin, store.NotificationSent); len(got) != 1 || got[0].MessageID != 101 {
			t.Errorf("sent %+v, want the notification sent the second time", got)
		}
	})
}

func TestNotifierOutcomes(t *testing.T) {
	approve := func(e *env) {
		if _, _, err := e.st.AnswerJoinRequest(context.Background(), tGroup, requester(0), store.RequestApproved, tBea, tNow); err != nil {
			panic(err)
		}
	}
	edit := line("Edit", tAdmin, 101, "buttons=0")
	for _, tc := range []struct {
		name   string
		setup  func(e *env) // after the notification went out
		answer func(e *env)
		calls  []string
		says   string // the notification after; "": not edited
		retry  bool   // the edit is to be tried again
	}{
		{"approved: the notification shows it and loses its buttons", nil, approve, []string{edit}, "→ approved", false},
		{"declined", nil, func(e *env) {
			if _, _, err := e.st.AnswerJoinRequest(context.Background(), tGroup, requester(0), store.RequestDeclined, tBea, tNow); err != nil {
				panic(err)
			}
		}, []string{edit}, "→ declined", false},
		{"joined otherwise", nil, func(e *env) {
			if _, err := e.st.RecordJoin(context.Background(), store.Join{ChatID: tGroup, UserID: requester(0), At: tNow.Add(time.Second)}); err != nil {
				panic(err)
			}
		}, []string{edit}, "→ handled elsewhere", false},
		{"a message without a record is left alone", func(e *env) { delete(e.st.records, [2]int64{tAdmin, 101}) }, approve, nil, "", false},
		{"a message gone in Telegram", func(e *env) { e.tg.failNext("Edit", errMessageGone) }, approve, []string{edit}, "", false},
		{"an admin who blocked the bot since", func(e *env) { e.tg.failNext("Edit", errBlocked("editMessageText")) }, approve,
			[]string{edit}, "", false},
		{"an edit that fails otherwise is tried again", func(e *env) { e.tg.failNext("Edit", errNetwork) }, approve,
			[]string{edit, edit}, "→ approved", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := notifyEnv()
			e.ask(t, tGroup, 0, 1)
			n := e.notifier()
			process(t, n)
			if tc.setup != nil {
				tc.setup(e)
			}
			tc.answer(e)
			e.tg.clear()
			_, err := n.process(context.Background())
			if tc.retry {
				wantFailure(t, err)
				if got := notes(e, tAdmin, store.NotificationSent); got[0].edited {
					t.Errorf("marked edited after a failed edit")
				}
				_, err = n.process(context.Background())
			}
			if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, tc.calls...)
			if got := notes(e, tAdmin, store.NotificationSent); len(got) != 1 || !got[0].edited {
				t.Errorf("the notification is %+v, want it marked edited", got)
			}
			if tc.says != "" {
				msg, rows := e.tg.message(101)
				wantContains(t, plain(msg), "New join request in Fans & Friends:\n\nUser00 · ID 6000000000", tc.says)
				if len(rows) > 0 {
					t.Errorf("the notification keeps its buttons: %v", rows)
				}
			}
			// Once.
			e.tg.clear()
			process(t, n)
			wantCalls(t, e.tg)
		})
	}
	t.Run("a notification never delivered has nothing to edit", func(t *testing.T) {
		e := notifyEnv()
		e.tg.block(tAdmin)
		e.ask(t, tGroup, 0, 1)
		n := e.notifier()
		process(t, n)
		approve(e)
		e.tg.clear()
		process(t, n)
		wantCalls(t, e.tg)
		if got := notes(e, tAdmin, store.NotificationSent); len(got) != 1 || !got[0].edited {
			t.Errorf("the notification is %+v, want it marked edited", got)
		}
	})
	t.Run("a request answered before its notification went out is not told", func(t *testing.T) {
		e := notifyEnv()
		e.ask(t, tGroup, 0, 1)
		approve(e)
		process(t, e.notifier())
		wantCalls(t, e.tg)
	})
}

func TestNotifierRequestAnsweredWhileSending(t *testing.T) {
	e := notifyEnv()
	e.ask(t, tGroup, 0, 1)
	e.tg.onSend = func(m bot.Outgoing) {
		// Bea declines in the group while the notification goes out.
		if _, _, err := e.st.AnswerJoinRequest(context.Background(), tGroup, requester(0), store.RequestDeclined, tBea, tNow); err != nil {
			panic(err)
		}
	}
	n := e.notifier()
	process(t, n)
	e.tg.onSend = nil
	sent := notes(e, tAdmin, store.NotificationSent)
	if len(sent) != 1 || sent[0].MessageID != 101 || sent[0].Outcome != store.RequestDeclined {
		t.Fatalf("the notification is %+v, want it sent with the outcome", e.st.outbox())
	}
	e.tg.clear()
	process(t, n)
	wantCalls(t, e.tg, line("Edit", tAdmin, 101, "buttons=0"))
	msg, _ := e.tg.message(101)
	wantContains(t, plain(msg), "→ declined")
}

func TestNotifierStoreFailures(t *testing.T) {
	for _, method := range []string{"NotificationsToEdit", "PendingNotifications", "NotifyWindow", "Chat", "JoinRequest",
		"SaveButtonMessage", "NotificationSent", "WaitForSummary"} {
		t.Run(method, func(t *testing.T) {
			e := notifyEnv()
			e.ask(t, tGroup, 0, 6)
			e.st.failNext(method, errDisk)
			if _, err := e.notifier().process(context.Background()); err == nil {
				t.Errorf("a failure of %s is no error", method)
			}
		})
	}
	t.Run("NotificationsSummarized", func(t *testing.T) {
		e := notifyEnv()
		e.ask(t, tGroup, 0, 6)
		n := e.notifier()
		process(t, n)
		e.clock.advance(time.Minute)
		e.st.failNext("NotificationsSummarized", errDisk)
		if _, err := n.process(context.Background()); err == nil {
			t.Errorf("no error")
		}
	})
}

// syncBuffer is a log that the test reads while the notifier writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor fails t unless cond holds within 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5 s for %s", what)
		}
		<-tick.C
	}
}

func TestNotifierRun(t *testing.T) {
	e := notifyEnv()
	e.ask(t, tGroup, 0, 1) // came while the bot was down
	n := e.notifier()
	// As cmd/internal/app wires them: a request stored wakes the notifier.
	requests := e.requests()
	requests.OnChange(n.Wake)
	gate := NewGate(e.deps, e.st, e.tg, requests, "", nil)
	var log syncBuffer
	ctx, cancel := context.WithCancel(zerolog.New(&log).WithContext(context.Background()))
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Run(ctx)
	}()
	notified := func(count int) func() bool {
		return func() bool { s, _ := sentTo(e.tg, tAdmin); return len(s) == count }
	}
	waitFor(t, "the notification of a request from before the start", notified(1))
	u := &bot.Update{Kind: "chat_join_request", Chat: groupChat(), From: &bot.User{ID: tBob, FirstName: "Bob", Username: "bob"},
		JoinRequest: &bot.JoinRequest{UserChatID: tBob, Date: tNow}}
	if err := gate.OnJoinRequest(ctx, u); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the notification of a new request", notified(2))
	// A failure does not stop it: it tries again when woken.
	e.st.failNext("NotificationsToEdit", errDisk)
	n.Wake()
	waitFor(t, "the failure in the log", func() bool { return strings.Contains(log.String(), "sending notifications failed") })
	e.ask(t, tGroup, 10, 1)
	n.Wake()
	waitFor(t, "the notification after a failure", notified(3))
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
}

func TestRequestsTellOfChanges(t *testing.T) {
	for _, tc := range []struct {
		name    string
		run     func(e *env, h *Requests) error
		changed int
	}{
		{"a request stored by the gate", func(e *env, h *Requests) error {
			return NewGate(e.deps, e.st, e.tg, h, "", nil).OnJoinRequest(context.Background(), &bot.Update{Kind: "chat_join_request", Chat: groupChat(),
				From: &bot.User{ID: tBob}, JoinRequest: &bot.JoinRequest{Date: tNow}})
		}, 1},
		{"a request answered", func(e *env, h *Requests) error {
			return h.Approve(context.Background(), groupCommand("approve", "@bob"))
		}, 1},
		{"every request answered", func(e *env, h *Requests) error {
			return h.Decline(context.Background(), groupCommand("decline", "all"))
		}, 4},
		{"a button pressed", func(e *env, h *Requests) error {
			e.remember(store.ButtonMessage{Kind: kindRequests, Items: []int64{tBob}})
			return h.Press(context.Background(), press("rq:a:5000000002", nil))
		}, 1},
		{"a join", func(e *env, h *Requests) error {
			return h.OnChatMember(context.Background(), &bot.Update{Kind: "chat_member", Chat: groupChat(), Member: &bot.MemberUpdate{
				Date: tNow, New: bot.MemberState{User: bot.User{ID: tBob}, ChatMember: bot.ChatMember{Status: "member"}},
				Old: bot.MemberState{User: bot.User{ID: tBob}, ChatMember: bot.ChatMember{Status: "left"}}}})
		}, 1},
		{"a refusal changes nothing", func(e *env, h *Requests) error {
			e.tg.failNext("ApproveRequest", errNoRights)
			_ = h.Approve(context.Background(), groupCommand("approve", "@bob"))
			return nil
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedRequests(e)
			h := e.requests()
			changed := 0
			h.OnChange(func() { changed++ })
			if err := tc.run(e, h); err != nil {
				t.Fatal(err)
			}
			if changed != tc.changed {
				t.Errorf("told of %d changes, want %d", changed, tc.changed)
			}
		})
	}
}

func TestNotify(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(e *env)
		u     *bot.Update
		calls []string
		says  string // the reply
		on    bool   // Ada hears of the group's requests after
	}{
		{"off by default", nil, groupCommand("notify", ""), []string{groupLine},
			"You don't hear of new join requests in this chat from me. /notify on starts it.", false},
		{"shows on", func(e *env) { e.subscribe(tGroup, tAdmin) }, groupCommand("notify", ""), []string{groupLine},
			"You hear of each new join request in this chat in a private message from me.", true},
		{"on in the group: the private chat is tried first", nil, groupCommand("notify", "on"), []string{probe, groupLine},
			"From now on I'll tell you of each new join request in this chat in a private message, with Approve and Decline buttons.", true},
		{"ON from a private chat, without a probe", nil, privateCommand("notify", "ON"), []string{line("Send", tAdmin, "reply=10 buttons=0")},
			"each new join request in Fans & Friends", true},
		{"off, without a probe", func(e *env) { e.subscribe(tGroup, tAdmin) }, groupCommand("notify", "off"), []string{groupLine},
			"I won't tell you of new join requests in this chat any more.", false},
		{"off when off", nil, groupCommand("notify", "off"), []string{groupLine}, "I won't tell you", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if tc.setup != nil {
				tc.setup(e)
			}
			if err := e.notifier().Notify(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, tc.calls...)
			wantContains(t, reply(t, e.tg, tc.u.Chat.ID), tc.says)
			sub, on := e.st.subscriber(tGroup, tAdmin)
			if on != tc.on {
				t.Errorf("Ada hears of requests = %v, want %v", on, tc.on)
			}
			if on && sub != (store.Subscriber{ChatID: tGroup, UserID: tAdmin, Language: "en"}) {
				t.Errorf("subscribed as %+v", sub)
			}
		})
	}
	t.Run("on, by an admin the bot may not write to: a button, and not on", func(t *testing.T) {
		e := newEnv()
		e.tg.block(tAdmin)
		if err := e.notifier().Notify(context.Background(), groupCommand("notify", "on")); err != nil {
			t.Fatal(err)
		}
		wantCalls(t, e.tg, probe, line("Send", tGroup, "reply=10 buttons=1"))
		token := wantOpenButton(t, e.tg.messages()[0])
		want := store.PendingCommand{Token: token, UserID: tAdmin, ChatID: tGroup, Command: "notify", Args: "on", CreatedAt: tNow}
		if c := e.st.pendingCommands(); len(c) != 1 || c[0] != want {
			t.Errorf("commands waiting %+v, want %+v", c, want)
		}
		if _, on := e.st.subscriber(tGroup, tAdmin); on {
			t.Errorf("on, with nowhere to tell")
		}
	})
	t.Run("a mistake", func(t *testing.T) {
		e := newEnv()
		wantTextErr(t, e.notifier().Notify(context.Background(), groupCommand("notify", "always")), text.Invalid, "notify.usage",
			"/notify on", "/notify off")
		wantCalls(t, e.tg)
		if w := e.st.writes(); len(w) > 0 {
			t.Errorf("store writes %v", w)
		}
	})
	for _, tc := range []struct {
		name  string
		setup func(e *env)
		args  string
	}{
		{"a probe that fails", func(e *env) { e.tg.failNext("Typing", errNetwork) }, "on"},
		{"reading the setting", func(e *env) { e.st.failNext("Notifying", errDisk) }, ""},
		{"storing it", func(e *env) { e.st.failNext("SetNotify", errDisk) }, "on"},
		{"no access check", nil, "on"},
	} {
		t.Run("a failure: "+tc.name, func(t *testing.T) {
			e := newEnv()
			u := groupCommand("notify", tc.args)
			if tc.setup != nil {
				tc.setup(e)
			} else {
				u = unchecked(u)
			}
			wantFailure(t, e.notifier().Notify(context.Background(), u))
			if len(e.tg.messages()) > 0 {
				t.Errorf("sent %+v", e.tg.messages())
			}
			if _, on := e.st.subscriber(tGroup, tAdmin); on {
				t.Errorf("on after a failure")
			}
		})
	}
}
