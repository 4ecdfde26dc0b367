package bot

import (
	"context"
	"fmt"
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
		if d := ts.next(w, now); d != 0 {
			t.Fatalf("event %d waits %v within the limit", i, d)
		}
		ts.add(now, w.N)
	}
	// The 4th may go when the 1st leaves the window.
	if d := ts.next(w, t0.Add(2*time.Second)); d != 8*time.Second {
		t.Errorf("4th event waits %v, want 8s", d)
	}
	if d := ts.next(w, t0.Add(10*time.Second)); d != 0 {
		t.Errorf("4th event at 10s waits %v", d)
	}
	ts.add(t0.Add(10*time.Second), w.N)
	if len(ts) != 3 || !ts[0].Equal(t0.Add(time.Second)) {
		t.Errorf("window keeps %v", ts)
	}
}

func TestIsGroupChat(t *testing.T) {
	for id, want := range map[string]bool{"-1001234567890": true, "-42": true, "@channel": true, "5000000001": false, "": false} {
		if isGroupChat(id) != want {
			t.Errorf("isGroupChat(%q) = %v", id, !want)
		}
	}
}

// sendTimes paces n messages into chat and returns when each was let through.
func sendTimes(t *testing.T, p *pacer, chat string, n int) []time.Time {
	t.Helper()
	var out []time.Time
	for range n {
		if _, err := p.wait(context.Background(), chat); err != nil {
			t.Fatal(err)
		}
		out = append(out, time.Now())
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
	if _, err := p.wait(context.Background(), "-1"); err != nil {
		t.Fatal(err)
	}
	// Chat -1 is now closed for an hour; a waiter there must not hold -2.
	ctx, cancel := context.WithCancel(context.Background())
	blocked := make(chan error, 1)
	go func() { _, err := p.wait(ctx, "-1"); blocked <- err }()
	start := time.Now()
	if _, err := p.wait(context.Background(), "-2"); err != nil {
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
	for m, want := range map[string]bool{"sendMessage": true, "editMessageText": true, "sendChatAction": false, "answerCallbackQuery": false, "createChatInviteLink": false, "copyMessage": true} {
		if paced(m) != want {
			t.Errorf("paced(%s) = %v", m, !want)
		}
	}
}

// TestPacerServesInOrder: when the global window frees a slot, the message
// that has waited longest among those the limits let through goes first.
func TestPacerServesInOrder(t *testing.T) {
	p := newPacer(PaceLimits{Global: Window{N: 1, Per: 30 * time.Millisecond}}, nil)
	if _, err := p.wait(context.Background(), "-1"); err != nil {
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
	if _, err := p.wait(context.Background(), "-1"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	blocked := p.enqueue("-1") // an hour to wait
	res := make(chan error, 1)
	go func() { _, err := p.waitTurn(ctx, blocked); res <- err }()
	start := time.Now()
	if _, err := p.wait(context.Background(), "-2"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("a later waiter of another chat waited %v behind a blocked one", d)
	}
	cancel()
	if err := <-res; err == nil {
		t.Error("cancelled wait returned no error")
	}
	if len(p.waiters) != 0 {
		t.Errorf("%d waiters left", len(p.waiters))
	}
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
				if _, err := p.wait(ctx, chat); err != nil {
					b.Fatal(err)
				}
				w := p.enqueue(chat) // an hour to wait
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _ = p.waitTurn(ctx, w)
				}()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := p.wait(context.Background(), "42"); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cancel()
			wg.Wait()
		})
	}
}
