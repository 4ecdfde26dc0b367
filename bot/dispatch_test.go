package bot

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"
)

func chatUpdate(id int, chat int64) *inbound {
	return &inbound{id: id, u: &Update{ID: id, Kind: "message", Chat: &Chat{ID: chat}, Message: &Message{}}}
}

func TestDispatcherOrderPerChatAndConcurrencyAcross(t *testing.T) {
	blockA := make(chan struct{})
	var mu sync.Mutex
	seen := map[int64][]int{}
	bDone := make(chan struct{})
	d := newDispatcher(4, 100, func(in *inbound, _ chan struct{}) bool {
		u := in.u
		chat := u.Chat.ID
		if chat == 1 && u.ID == 1 {
			<-blockA // chat 1 is stuck on its first update
		}
		mu.Lock()
		seen[chat] = append(seen[chat], u.ID)
		n := len(seen[2])
		mu.Unlock()
		if chat == 2 && n == 3 {
			close(bDone)
		}
		return true
	})
	ctx := context.Background()
	for i, chat := range []int64{1, 2, 1, 2, 1, 2} {
		d.submit(ctx, []*inbound{chatUpdate(i+1, chat)})
	}
	select {
	case <-bDone: // chat 2 finished while chat 1 waits
	case <-time.After(5 * time.Second):
		t.Fatal("chat 2 was held up by chat 1")
	}
	if w := d.watermark(); w != 0 {
		t.Errorf("watermark = %d while update 1 runs; want 0", w)
	}
	close(blockA)
	if !d.wait(ctx) {
		t.Fatal("wait: not all handled")
	}
	if got := seen[1]; len(got) != 3 || got[0] != 1 || got[1] != 3 || got[2] != 5 {
		t.Errorf("chat 1 order = %v, want [1 3 5]", got)
	}
	if got := seen[2]; len(got) != 3 || got[0] != 2 || got[1] != 4 || got[2] != 6 {
		t.Errorf("chat 2 order = %v, want [2 4 6]", got)
	}
	if w := d.watermark(); w != 6 {
		t.Errorf("watermark = %d after all, want 6", w)
	}
}

func TestDispatcherBoundsWorkers(t *testing.T) {
	const workers = 3
	var mu sync.Mutex
	running, peak := 0, 0
	release := make(chan struct{})
	started := make(chan struct{}, 20)
	d := newDispatcher(workers, 100, func(*inbound, chan struct{}) bool {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		started <- struct{}{}
		<-release
		mu.Lock()
		running--
		mu.Unlock()
		return true
	})
	for i := 1; i <= 10; i++ {
		d.submit(context.Background(), []*inbound{chatUpdate(i, int64(i))})
	}
	for range workers {
		<-started
	}
	select {
	case <-started:
		t.Fatalf("a handler started beyond the %d workers", workers)
	default:
	}
	close(release)
	d.wait(context.Background())
	if peak != workers {
		t.Errorf("peak concurrency = %d, want %d", peak, workers)
	}
}

func TestDispatcherBackpressure(t *testing.T) {
	release := make(chan struct{})
	d := newDispatcher(1, 2, func(*inbound, chan struct{}) bool { <-release; return true })
	ctx := context.Background()
	if !d.submit(ctx, []*inbound{chatUpdate(1, 1)}) || !d.submit(ctx, []*inbound{chatUpdate(2, 1)}) {
		t.Fatal("submit within the bound refused")
	}
	full, cancel := context.WithCancel(ctx)
	cancel()
	if d.submit(full, []*inbound{chatUpdate(3, 1)}) {
		t.Error("submit beyond MaxPending did not wait")
	}
	close(release)
	d.wait(ctx)
}

func TestBackoffCapped(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n <= 40; n++ {
		d := backoff(n)
		if d <= 0 || d > maxPollBackoff {
			t.Fatalf("backoff(%d) = %v, out of (0, %v]", n, d, maxPollBackoff)
		}
		if n <= 3 && d < prev/2 {
			t.Errorf("backoff(%d) = %v does not grow from %v", n, d, prev)
		}
		prev = d
	}
	if backoff(40) < maxPollBackoff*3/4 {
		t.Errorf("backoff(40) = %v, want close to the cap", backoff(40))
	}
}

func TestDispatcherMarkStopsAtCutOffUpdate(t *testing.T) {
	d := newDispatcher(2, 10, func(in *inbound, _ chan struct{}) bool { return in.u.ID != 2 })
	for i := 1; i <= 4; i++ {
		d.submit(context.Background(), []*inbound{chatUpdate(i, int64(i))})
	}
	d.wait(context.Background())
	if w := d.watermark(); w != 1 {
		t.Errorf("watermark = %d with update 2 cut off, want 1", w)
	}
}

func guardRequest(id int, chat int64) *inbound {
	return &inbound{id: id, u: &Update{ID: id, Kind: "chat_join_request", Chat: &Chat{ID: chat},
		JoinRequest: &JoinRequest{QueryID: "q" + strconv.Itoa(id)}}}
}

// TestDispatcherUrgentLane: a guard bot's join request runs at once, though
// every worker is busy, every slot taken, its own chat's queue stuck, and
// it came after other updates of its batch; the watermark still waits for
// the updates before it.
func TestDispatcherUrgentLane(t *testing.T) {
	release := make(chan struct{})
	urgentRan := make(chan int, 2)
	d := newDispatcher(1, 2, func(in *inbound, sem chan struct{}) bool {
		if in.u.Urgent() {
			urgentRan <- in.id
			return true
		}
		<-release
		return true
	})
	ctx := context.Background()
	if !d.submit(ctx, []*inbound{chatUpdate(1, 7), chatUpdate(2, 7)}) {
		t.Fatal("submit within the bound refused")
	}
	submitted := make(chan bool)
	go func() {
		// Update 3 finds no slot; update 4, of the same chat, must not
		// wait for it.
		submitted <- d.submit(ctx, []*inbound{chatUpdate(3, 7), guardRequest(4, 7)})
	}()
	select {
	case id := <-urgentRan:
		if id != 4 {
			t.Fatalf("urgent ran %d", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the guard bot's request waited behind the others")
	}
	if w := d.watermark(); w != 0 {
		t.Errorf("watermark = %d with updates 1-3 in hand, want 0", w)
	}
	close(release)
	if !<-submitted {
		t.Error("submit of the batch failed")
	}
	d.wait(ctx)
	if w := d.watermark(); w != 4 {
		t.Errorf("watermark = %d after all, want 4", w)
	}
}
