package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestTimesWindow(t *testing.T) {
	w := Window{N: 3, Per: 10 * time.Second}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ts times
	for i := range 3 {
		now := t0.Add(time.Duration(i) * time.Second)
		if o := ts.opens(w, 0); o.After(now) {
			t.Fatalf("event %d waits until %v within the limit", i, o)
		}
		ts.add(now, w.N)
	}
	// The 4th may go when the 1st leaves the window.
	if o := ts.opens(w, 0); !o.Equal(t0.Add(10 * time.Second)) {
		t.Errorf("4th event opens at %v, want 10s", o.Sub(t0))
	}
	ts.add(t0.Add(10*time.Second), w.N)
	if len(ts) != 3 || !ts[0].Equal(t0.Add(time.Second)) {
		t.Errorf("window keeps %v", ts)
	}
	// Turns handed out and not yet taken count as events still in it.
	if o := ts.opens(w, 1); !o.Equal(t0.Add(12 * time.Second)) {
		t.Errorf("with one held, opens at %v, want 12s", o.Sub(t0))
	}
	if o := ts.opens(w, 3); !o.Equal(never) {
		t.Errorf("full of held events, opens at %v", o)
	}
	if o := ts.opens(Window{}, 5); !o.IsZero() {
		t.Errorf("no limit opens at %v", o)
	}
}

func TestIsGroupChat(t *testing.T) {
	for id, want := range map[string]bool{"-1001234567890": true, "-42": true, "@channel": true, "5000000001": false, "": false} {
		if isGroupChat(id) != want {
			t.Errorf("isGroupChat(%q) = %v", id, !want)
		}
	}
}

// sendTimes paces n messages into chat and returns when each was let
// through, as the pacer recorded it (a time read after the wait returns
// could be late by however long the goroutine waited to run).
func sendTimes(t *testing.T, p *pacer, chat string, n int) []time.Time {
	t.Helper()
	var out []time.Time
	for range n {
		w := p.enqueue(chat)
		if _, err := p.waitTurn(context.Background(), w); err != nil {
			t.Fatal(err)
		}
		p.sent(w)
		out = append(out, w.at)
	}
	return out
}

// maxInWindow is the most events of ts within any span of per.
func maxInWindow(ts []time.Time, per time.Duration) int {
	most := 0
	for i := range ts {
		n := 0
		for j := i; j < len(ts) && ts[j].Sub(ts[i]) < per; j++ {
			n++
		}
		most = max(most, n)
	}
	return most
}

func TestPacerKeepsEveryWindow(t *testing.T) {
	limits := PaceLimits{
		Global: Window{N: 10, Per: 100 * time.Millisecond},
		Chat:   Window{N: 2, Per: 60 * time.Millisecond},
		Group:  Window{N: 3, Per: 150 * time.Millisecond},
	}
	p := newPacer(limits, nil)
	ts := sendTimes(t, p, "-100", 7)
	if n := maxInWindow(ts, limits.Chat.Per); n > limits.Chat.N {
		t.Errorf("%d messages within the chat window, limit %d", n, limits.Chat.N)
	}
	if n := maxInWindow(ts, limits.Group.Per); n > limits.Group.N {
		t.Errorf("%d messages within the group window, limit %d", n, limits.Group.N)
	}
	// 7 messages, 3 per 150ms: at least two full windows.
	if d := ts[6].Sub(ts[0]); d < 2*limits.Group.Per {
		t.Errorf("7 messages took %v; the group limit allows no less than %v", d, 2*limits.Group.Per)
	}
	// A private chat is not held to the group window.
	priv := sendTimes(t, p, "5000000001", 2)
	if d := priv[1].Sub(priv[0]); d > limits.Chat.Per {
		t.Errorf("two private messages %v apart", d)
	}
}

func TestPacerChatsDoNotWaitForEachOther(t *testing.T) {
	p := newPacer(PaceLimits{Chat: Window{N: 1, Per: time.Hour}}, nil)
	if err := p.send(context.Background(), "-1"); err != nil {
		t.Fatal(err)
	}
	// Chat -1 is now closed for an hour; a waiter there must not hold -2.
	ctx, cancel := context.WithCancel(context.Background())
	blocked := make(chan error, 1)
	go func() { blocked <- p.send(ctx, "-1") }()
	start := time.Now()
	if err := p.send(context.Background(), "-2"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("another chat waited %v", d)
	}
	cancel()
	if err := <-blocked; err == nil {
		t.Error("a wait cancelled by its context returned no error")
	}
}

func TestPaced(t *testing.T) {
	for m, want := range map[string]bool{"sendMessage": true, "editMessageText": true, "sendChatAction": false, "answerCallbackQuery": false, "createChatInviteLink": false, "copyMessage": true, "sendChatJoinRequestWebApp": false, "answerChatJoinRequestQuery": false} {
		if paced(m) != want {
			t.Errorf("paced(%s) = %v", m, !want)
		}
	}
}

// TestPacerServesInOrder: when the global window frees a slot, the message
// that has waited longest among those the limits let through goes first.
func TestPacerServesInOrder(t *testing.T) {
	p := newPacer(PaceLimits{Global: Window{N: 1, Per: 30 * time.Millisecond}}, nil)
	if err := p.send(context.Background(), "-1"); err != nil {
		t.Fatal(err)
	}
	// Queued in this order while the global window is full.
	chats := []string{"-2", "-3", "-4", "-1", "-5"}
	waiters := make([]*paceWaiter, len(chats))
	for i, c := range chats {
		waiters[i] = p.enqueue(c)
	}
	done := make(chan int, len(chats))
	for i, w := range waiters {
		go func() {
			if _, err := p.waitTurn(context.Background(), w); err != nil {
				t.Error(err)
			}
			p.sent(w)
			done <- i
		}()
	}
	for want := range chats {
		if got := <-done; got != want {
			t.Fatalf("message %d (%s) went %d-th", got, chats[got], want)
		}
	}
}

// TestPacerOrderSkipsBlockedChats: a waiter held by its own chat's window
// does not hold up later waiters of other chats.
func TestPacerOrderSkipsBlockedChats(t *testing.T) {
	p := newPacer(PaceLimits{Chat: Window{N: 1, Per: time.Hour}}, nil)
	if err := p.send(context.Background(), "-1"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	blocked := p.enqueue("-1") // an hour to wait
	res := make(chan error, 1)
	go func() { _, err := p.waitTurn(ctx, blocked); res <- err }()
	start := time.Now()
	if err := p.send(context.Background(), "-2"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("a later waiter of another chat waited %v behind a blocked one", d)
	}
	cancel()
	if err := <-res; err == nil {
		t.Error("cancelled wait returned no error")
	}
	if waiting, held, _ := p.counts(); waiting+held != 0 {
		t.Errorf("%d waiting and %d held left", waiting, held)
	}
}

// send waits for a turn into chat and sends the message at once (a call
// that takes no time).
func (p *pacer) send(ctx context.Context, chat string) error {
	w, _, err := p.wait(ctx, chat)
	if err == nil {
		p.sent(w)
	}
	return err
}

// counts are the messages waiting, the turns handed out whose messages are
// not yet recorded, and the chats the pacer keeps.
func (p *pacer) counts() (waiting, held, chats int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waiting, p.held, len(p.chats)
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// waitUntil polls cond until it holds, and fails the test after 10s.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; !cond(); i++ {
		switch {
		case time.Now().After(deadline):
			t.Fatalf("gave up waiting for %s", what)
		case i < 100:
			runtime.Gosched()
		default:
			time.Sleep(100 * time.Microsecond) // a poll, not a synchronisation
		}
	}
}

// moveTo sets the clock to at, lets the pacer see it, and waits until every
// turn handed out has been taken and sent, so that it is recorded at that
// time.
func moveTo(t testing.TB, p *pacer, c *fakeClock, at time.Time) {
	t.Helper()
	c.set(at)
	p.tick()
	waitUntil(t, "the turns handed out to be taken", func() bool { _, held, _ := p.counts(); return held == 0 })
}

// turn is a message waiting in its own goroutine.
type turn struct {
	w    *paceWaiter
	err  error
	done chan struct{}
}

// queue puts a message into chat and waits for its turn in a goroutine,
// then sends it at once.
func queue(ctx context.Context, p *pacer, chat string) *turn {
	tr := &turn{w: p.enqueue(chat), done: make(chan struct{})}
	go func() {
		defer close(tr.done)
		if _, tr.err = p.waitTurn(ctx, tr.w); tr.err == nil {
			p.sent(tr.w) // a call that takes no time
		}
	}()
	return tr
}

// wait waits until tr's wait has returned, and fails the test after 10s.
func (tr *turn) wait(t testing.TB) {
	t.Helper()
	select {
	case <-tr.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("message %d never went", tr.w.seq)
	}
}

// gone reports whether tr's wait has returned.
func (tr *turn) gone() bool {
	select {
	case <-tr.done:
		return true
	default:
		return false
	}
}

// TestPacerWindowsOnTheClock: each message goes at the first instant that
// every window lets it through, and not a nanosecond before.
func TestPacerWindowsOnTheClock(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.now()
	p := newPacer(PaceLimits{
		Chat:  Window{N: 3, Per: 10 * time.Second},
		Group: Window{N: 4, Per: 30 * time.Second},
	}, clock.now)
	var turns []*turn
	for range 8 {
		turns = append(turns, queue(context.Background(), p, "-7"))
	}
	// Three go at once (the chat's 3); at 10s the chat has room for three
	// but the group for one; at 30s the group's first events leave it and
	// the chat lets three through; the 8th waits for both windows' 10s.
	want := []time.Duration{0, 0, 0, 10 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second, 40 * time.Second}
	// later is how many messages are to go after at.
	later := func(at time.Duration) int {
		n := 0
		for _, w := range want {
			if w > at {
				n++
			}
		}
		return n
	}
	for _, at := range []time.Duration{0, 10 * time.Second, 30 * time.Second, 40 * time.Second} {
		if at > 0 {
			moveTo(t, p, clock, t0.Add(at-time.Nanosecond))
			if waiting, _, _ := p.counts(); waiting != later(at-time.Nanosecond) {
				t.Fatalf("a nanosecond before %v, %d waiting, want %d", at, waiting, later(at-time.Nanosecond))
			}
		}
		moveTo(t, p, clock, t0.Add(at))
		if waiting, _, _ := p.counts(); waiting != later(at) {
			t.Fatalf("at %v, %d waiting, want %d", at, waiting, later(at))
		}
	}
	for i, tr := range turns {
		tr.wait(t)
		if tr.err != nil || !tr.w.at.Equal(t0.Add(want[i])) {
			t.Errorf("message %d went at %v (%v), want %v", i, tr.w.at.Sub(t0), tr.err, want[i])
		}
	}
}

// roomAt reports whether events leave room in w for one more at now: fewer
// than N of them in (now-Per, now].
func roomAt(events []time.Time, w Window, now time.Time) bool {
	if w.N <= 0 {
		return true
	}
	n := 0
	for _, e := range events {
		if e.After(now.Add(-w.Per)) {
			n++
		}
	}
	return n < w.N
}

// TestPacerMatchesTheRule: messages arriving from many goroutines into
// chats of both kinds, over time, go exactly when the rule says: at each
// instant, the oldest waiting message whose windows (global, its chat's,
// its group's) have room goes, until none has. The rule is computed here
// by brute force, from the order the pacer gave the arrivals.
func TestPacerMatchesTheRule(t *testing.T) {
	limits := PaceLimits{
		Global: Window{N: 5, Per: 100 * time.Millisecond},
		Chat:   Window{N: 2, Per: 30 * time.Millisecond},
		Group:  Window{N: 3, Per: 70 * time.Millisecond},
	}
	chats := []string{"-1", "-2", "-3", "@four", "5", "6", "7", "8"}
	clock := newFakeClock()
	t0 := clock.now()
	p := newPacer(limits, clock.now)
	const batches, perBatch = 8, 30
	const tick = 10 * time.Millisecond // the windows are whole ticks: nothing can happen between two
	type arrival struct {
		tr   *turn
		chat string
		step int
	}
	var arrivals []arrival
	step := 0
	for len(arrivals) < batches*perBatch || !allGone(arrivals, func(a arrival) *turn { return a.tr }) {
		now := t0.Add(time.Duration(step) * tick)
		clock.set(now)
		if step%25 == 0 && len(arrivals) < batches*perBatch {
			// A batch arrives at now from goroutines of its own, in an
			// order the race decides.
			got := make(chan arrival, perBatch)
			for i := range perBatch {
				chat := chats[(i*5+step/25)%len(chats)]
				go func() { got <- arrival{tr: queue(context.Background(), p, chat), chat: chat, step: step} }()
			}
			for range perBatch {
				arrivals = append(arrivals, <-got)
			}
		}
		moveTo(t, p, clock, now)
		step++
		if step > 100000 {
			t.Fatal("the messages never all went")
		}
	}
	for _, a := range arrivals {
		a.tr.wait(t)
		if a.tr.err != nil {
			t.Fatal(a.tr.err)
		}
	}

	// The rule, by brute force.
	slices.SortFunc(arrivals, func(a, b arrival) int { return cmp.Compare(a.tr.w.seq, b.tr.w.seq) })
	want := make([]time.Time, len(arrivals))
	var global []time.Time
	inChat := map[string][]time.Time{}
	left := len(arrivals)
	for s := 0; left > 0; s++ {
		now := t0.Add(time.Duration(s) * tick)
		for i, a := range arrivals {
			if a.step > s || !want[i].IsZero() {
				continue
			}
			if roomAt(global, limits.Global, now) && roomAt(inChat[a.chat], limits.Chat, now) &&
				(!isGroupChat(a.chat) || roomAt(inChat[a.chat], limits.Group, now)) {
				want[i] = now
				global = append(global, now)
				inChat[a.chat] = append(inChat[a.chat], now)
				left--
			}
		}
	}
	byChat := map[string][]time.Time{}
	var all []time.Time
	for i, a := range arrivals {
		if !a.tr.w.at.Equal(want[i]) {
			t.Errorf("message %d into %s went at %v, the rule says %v", a.tr.w.seq, a.chat, a.tr.w.at.Sub(t0), want[i].Sub(t0))
		}
		byChat[a.chat] = append(byChat[a.chat], a.tr.w.at)
		all = append(all, a.tr.w.at)
	}
	// And, whatever the rule, no window ever holds more than its N.
	slices.SortFunc(all, time.Time.Compare)
	if n := maxInWindow(all, limits.Global.Per); n > limits.Global.N {
		t.Errorf("%d messages within the global window, limit %d", n, limits.Global.N)
	}
	for chat, ts := range byChat {
		slices.SortFunc(ts, time.Time.Compare)
		if n := maxInWindow(ts, limits.Chat.Per); n > limits.Chat.N {
			t.Errorf("%d messages within %s's window, limit %d", n, chat, limits.Chat.N)
		}
		if n := maxInWindow(ts, limits.Group.Per); isGroupChat(chat) && n > limits.Group.N {
			t.Errorf("%d messages within %s's group window, limit %d", n, chat, limits.Group.N)
		}
	}
	if waiting, held, _ := p.counts(); waiting+held != 0 {
		t.Errorf("%d waiting and %d held left", waiting, held)
	}
}

// allGone reports whether every turn of xs has returned.
func allGone[T any](xs []T, tr func(T) *turn) bool {
	for _, x := range xs {
		if !tr(x).gone() {
			return false
		}
	}
	return true
}

// TestPacerServesOldestReadyFirst: when the global window opens, the oldest
// message of those the limits let through goes, even if another chat's
// window opened earlier.
func TestPacerServesOldestReadyFirst(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.now()
	p := newPacer(PaceLimits{Global: Window{N: 2, Per: 10 * time.Second}, Chat: Window{N: 1, Per: 5 * time.Second}}, clock.now)
	ctx := context.Background()
	if err := p.send(ctx, "2"); err != nil { // chat 2 opens at 5s
		t.Fatal(err)
	}
	moveTo(t, p, clock, t0.Add(time.Second))
	if err := p.send(ctx, "1"); err != nil { // chat 1 opens at 6s
		t.Fatal(err)
	}
	// The global window is full until 10s.
	first := queue(ctx, p, "1")
	second := queue(ctx, p, "2")
	for s := 2; s <= 11; s++ {
		moveTo(t, p, clock, t0.Add(time.Duration(s)*time.Second))
	}
	first.wait(t)
	second.wait(t)
	if got := first.w.at.Sub(t0); got != 10*time.Second {
		t.Errorf("the older message went at %v, want 10s", got)
	}
	if got := second.w.at.Sub(t0); got != 11*time.Second {
		t.Errorf("the younger message went at %v, want 11s", got)
	}
}

// TestPacerNoHeadOfLineBlocking: a message held by its chat's window holds
// up no message of another chat queued behind it, while the global window
// hands out its turns one by one.
func TestPacerNoHeadOfLineBlocking(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.now()
	p := newPacer(PaceLimits{Global: Window{N: 1, Per: time.Second}, Chat: Window{N: 1, Per: time.Hour}}, clock.now)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := p.send(ctx, "-1"); err != nil {
		t.Fatal(err)
	}
	blocked := queue(ctx, p, "-1") // an hour to wait
	var others []*turn
	for _, chat := range []string{"-2", "3", "-4", "5"} {
		others = append(others, queue(ctx, p, chat))
	}
	for i, tr := range others {
		moveTo(t, p, clock, t0.Add(time.Duration(i+1)*time.Second))
		tr.wait(t)
		if got := tr.w.at.Sub(t0); tr.err != nil || got != time.Duration(i+1)*time.Second {
			t.Errorf("message %d went at %v (%v), want %ds", i, got, tr.err, i+1)
		}
	}
	if waiting, _, _ := p.counts(); waiting != 1 {
		t.Error("the message of the closed chat went")
	}
	moveTo(t, p, clock, t0.Add(time.Hour))
	blocked.wait(t)
	if blocked.err != nil || !blocked.w.at.Equal(t0.Add(time.Hour)) {
		t.Errorf("the blocked message went at %v (%v), want 1h", blocked.w.at.Sub(t0), blocked.err)
	}
}

// TestPacerCancelInTheMiddle: a waiter whose context ends leaves at once,
// from the middle of the order or of its chat's queue, and the others go
// on as if it had never come.
func TestPacerCancelInTheMiddle(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.now()
	p := newPacer(PaceLimits{Global: Window{N: 1, Per: time.Second}}, clock.now)
	ctx := context.Background()
	if err := p.send(ctx, "-9"); err != nil { // the global window is full until 1s
		t.Fatal(err)
	}
	ctxB1, cancelB1 := context.WithCancel(ctx)
	ctxA2, cancelA2 := context.WithCancel(ctx)
	a1 := queue(ctx, p, "-1")
	b1 := queue(ctxB1, p, "-2") // first of its chat
	a2 := queue(ctxA2, p, "-1") // behind a1 in its chat
	b2 := queue(ctx, p, "-2")
	cancelB1()
	cancelA2()
	for _, tr := range []*turn{b1, a2} {
		tr.wait(t) // the clock has not moved: they left on their own
		if !errors.Is(tr.err, context.Canceled) {
			t.Errorf("a cancelled wait returned %v", tr.err)
		}
	}
	moveTo(t, p, clock, t0.Add(time.Second))
	moveTo(t, p, clock, t0.Add(2*time.Second))
	a1.wait(t)
	b2.wait(t)
	if !a1.w.at.Equal(t0.Add(time.Second)) || !b2.w.at.Equal(t0.Add(2*time.Second)) {
		t.Errorf("after two left, the others went at %v and %v, want 1s and 2s", a1.w.at.Sub(t0), b2.w.at.Sub(t0))
	}
	if waiting, held, chats := p.counts(); waiting+held != 0 || chats != 0 {
		t.Errorf("%d waiting, %d held, %d chats kept", waiting, held, chats)
	}
}

// TestPacerHeldTurn: a turn handed out counts in the windows until its
// message is sent, and is recorded then, not when it was handed out; a
// waiter that leaves with its turn in hand gives it to the next at once.
func TestPacerHeldTurn(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.now()
	p := newPacer(PaceLimits{Global: Window{N: 1, Per: time.Second}}, clock.now)
	ctx := context.Background()
	slow := p.enqueue("1") // handed its turn at once; its sender comes back late
	next := queue(ctx, p, "2")
	clock.set(t0.Add(5 * time.Second))
	p.tick()
	if waiting, held, _ := p.counts(); waiting != 1 || held != 1 {
		t.Fatalf("with a turn held, %d waiting and %d held, want 1 and 1", waiting, held)
	}
	if _, err := p.waitTurn(ctx, slow); err != nil {
		t.Fatal(err)
	}
	p.sent(slow)
	if !slow.at.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("the slow sender's message recorded at %v, want 5s", slow.at.Sub(t0))
	}
	moveTo(t, p, clock, t0.Add(6*time.Second-time.Nanosecond))
	if waiting, _, _ := p.counts(); waiting != 1 {
		t.Fatal("the next message went less than a second after the slow one")
	}
	moveTo(t, p, clock, t0.Add(6*time.Second))
	next.wait(t)
	if next.err != nil || !next.w.at.Equal(t0.Add(6*time.Second)) {
		t.Errorf("the next message went at %v (%v), want 6s", next.w.at.Sub(t0), next.err)
	}

	clock.set(t0.Add(7 * time.Second))
	leaver := p.enqueue("3") // handed its turn at once
	after := queue(ctx, p, "4")
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.waitTurn(gone, leaver); !errors.Is(err, context.Canceled) {
		t.Errorf("leaving with the turn in hand returned %v", err)
	}
	after.wait(t) // the clock has not moved
	if after.err != nil || !after.w.at.Equal(t0.Add(7*time.Second)) {
		t.Errorf("the message after the one that left went at %v (%v), want 7s", after.w.at.Sub(t0), after.err)
	}
}

// TestPacerWakesOnlyWhoseTurnCame: a sender waits inside idle, giving up
// its worker, and wakes once, when its turn has come, however many wait.
func TestPacerWakesOnlyWhoseTurnCame(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.now()
	p := newPacer(PaceLimits{Global: Window{N: 1, Per: time.Second}}, clock.now)
	if err := p.send(context.Background(), "-1"); err != nil { // the global window is full until 1s
		t.Fatal(err)
	}
	const n = 50
	workers := make(chan struct{}, n) // each sender holds a worker
	for range n {
		workers <- struct{}{}
	}
	ctx := withIdler(context.Background(), workers, nil)
	var turns []*turn
	for i := range n {
		turns = append(turns, queue(ctx, p, strconv.Itoa(-2-i)))
	}
	waitUntil(t, "every sender to give up its worker", func() bool { return len(workers) == 0 })
	for i, tr := range turns {
		moveTo(t, p, clock, t0.Add(time.Duration(i+1)*time.Second))
		tr.wait(t)
		if tr.err != nil {
			t.Fatal(tr.err)
		}
		if got := p.wakeups.Load(); got != int64(i+1) {
			t.Fatalf("%d turns came, %d wake-ups", i+1, got)
		}
	}
	if len(workers) != n {
		t.Errorf("%d of %d workers taken back", len(workers), n)
	}
}

// TestPacerForgetsQuietChats: the chats kept are those with messages
// waiting and those whose windows may still hold one back; forgetting the
// others changes nothing.
func TestPacerForgetsQuietChats(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.now()
	p := newPacer(PaceLimits{Chat: Window{N: 1, Per: 10 * time.Second}, Group: Window{N: 20, Per: time.Minute}}, clock.now)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 1000 {
		if err := p.send(ctx, strconv.Itoa(1000+i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.send(ctx, "-1"); err != nil {
		t.Fatal(err)
	}
	waiter := queue(ctx, p, "-1") // 10s to wait
	if _, _, chats := p.counts(); chats != 1001 {
		t.Errorf("%d chats kept, want 1001", chats)
	}
	// Past the longest window, the private chats can hold nothing back.
	moveTo(t, p, clock, t0.Add(10*time.Second))
	waiter.wait(t)
	moveTo(t, p, clock, t0.Add(time.Minute))
	if err := p.send(ctx, "2000"); err != nil {
		t.Fatal(err)
	}
	// Left: chat 2000, and group -1, whose window of a minute still holds
	// its message of 10s.
	if _, _, chats := p.counts(); chats != 2 {
		t.Errorf("%d chats kept, want 2", chats)
	}
	// A chat forgotten starts afresh; a chat kept is still held back.
	second := queue(ctx, p, "1000")
	second.wait(t)
	if !second.w.at.Equal(t0.Add(time.Minute)) {
		t.Errorf("a forgotten chat's message went at %v, want 1m", second.w.at.Sub(t0))
	}
	third := queue(ctx, p, "2000")
	if waiting, _, _ := p.counts(); waiting != 1 {
		t.Error("a kept chat's window was forgotten")
	}
	moveTo(t, p, clock, t0.Add(time.Minute+10*time.Second))
	third.wait(t)
}

// BenchmarkPacer measures one message going while n others wait: the
// waiters are held by their groups' windows, as in a raid of join requests,
// and the message goes into a chat that the limits let through. Its cost
// must not grow with the waiters.
func BenchmarkPacer(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("waiters=%d", n), func(b *testing.B) {
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			p := newPacer(PaceLimits{Group: Window{N: 1, Per: time.Hour}}, func() time.Time { return t0 })
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for i := range n {
				chat := strconv.Itoa(-1000 - i)
				if err := p.send(ctx, chat); err != nil {
					b.Fatal(err)
				}
				w := p.enqueue(chat) // an hour to wait
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := p.waitTurn(ctx, w); err == nil {
						p.sent(w)
					}
				}()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := p.send(context.Background(), "42"); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cancel()
			wg.Wait()
		})
	}
}

// BenchmarkPacerTurns measures one turn handed among n waiters, each in a
// chat of its own: on the (fake) clock's every second the global window lets
// one message through, the oldest, whose sender wakes, takes it, and queues
// its next message behind the others. Its cost must not grow with the
// waiters.
func BenchmarkPacerTurns(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("waiters=%d", n), func(b *testing.B) {
			clock := newFakeClock()
			t0 := clock.now()
			p := newPacer(PaceLimits{Global: Window{N: 1, Per: time.Second}, Chat: Window{N: 1, Per: time.Second}}, clock.now)
			ctx, cancel := context.WithCancel(context.Background())
			if err := p.send(ctx, "1"); err != nil { // the global window is full until 1s
				b.Fatal(err)
			}
			took := make(chan struct{})
			var queued, stopped sync.WaitGroup
			for i := range n {
				queued.Add(1)
				stopped.Add(1)
				go func() {
					defer stopped.Done()
					chat := strconv.Itoa(-1 - i)
					w := p.enqueue(chat)
					queued.Done()
					for {
						if _, err := p.waitTurn(ctx, w); err != nil {
							return
						}
						p.sent(w)
						w = p.enqueue(chat)
						select {
						case took <- struct{}{}:
						case <-ctx.Done():
							return
						}
					}
				}()
			}
			queued.Wait()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				clock.set(t0.Add(time.Duration(i+1) * time.Second))
				p.tick()
				<-took
			}
			b.StopTimer()
			cancel()
			stopped.Wait()
		})
	}
}

// TestPacerCountsACallUntilItEnds: Telegram counts a message when it
// arrives, somewhere between the turn and the answer. A message holds its
// place in the windows while its call is under way, however long, and is
// recorded when the call ends: the next message a window later cannot
// arrive within a window of it, even when it was slow on its way.
func TestPacerCountsACallUntilItEnds(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.now()
	p := newPacer(PaceLimits{Global: Window{N: 1, Per: time.Second}, Chat: Window{N: 2, Per: time.Minute}}, clock.now)
	ctx := context.Background()
	slow, _, err := p.wait(ctx, "1") // its call takes 3s
	if err != nil {
		t.Fatal(err)
	}
	next := queue(ctx, p, "2")
	sameChat := queue(ctx, p, "1")
	clock.set(t0.Add(3 * time.Second))
	p.tick()
	if waiting, held, _ := p.counts(); waiting != 2 || held != 1 {
		t.Fatalf("with a call under way for 3s, %d waiting and %d held, want 2 and 1", waiting, held)
	}
	p.sent(slow) // the answer comes at 3s
	if !slow.at.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("the slow call's message recorded at %v, want 3s", slow.at.Sub(t0))
	}
	p.sent(slow) // once only
	moveTo(t, p, clock, t0.Add(4*time.Second-time.Nanosecond))
	if waiting, _, _ := p.counts(); waiting != 2 {
		t.Fatal("a message went less than a window after the slow call ended")
	}
	moveTo(t, p, clock, t0.Add(4*time.Second))
	next.wait(t)
	if next.err != nil || !next.w.at.Equal(t0.Add(4*time.Second)) {
		t.Errorf("the next message went at %v (%v), want 4s", next.w.at.Sub(t0), next.err)
	}
	moveTo(t, p, clock, t0.Add(5*time.Second))
	sameChat.wait(t)
	if sameChat.err != nil || !sameChat.w.at.Equal(t0.Add(5*time.Second)) {
		t.Errorf("the slow chat's next message went at %v (%v), want 5s", sameChat.w.at.Sub(t0), sameChat.err)
	}
	if waiting, held, _ := p.counts(); waiting+held != 0 {
		t.Errorf("%d waiting and %d held left", waiting, held)
	}
}
