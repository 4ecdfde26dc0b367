package bot

import (
	"context"
	"sync"
	"time"
)

type idleKey struct{}

// idler is what a handler gives up while it only waits (for pacing, a
// 429's retry_after, a retry's backoff): its worker, so that other chats'
// updates go on, and the clock of its deadline, so that a long queue for
// Telegram's limits does not count as a stuck handler.
type idler struct {
	sem      chan struct{}
	watchdog *watchdog
}

// withIdler returns ctx knowing what its handler holds.
func withIdler(ctx context.Context, sem chan struct{}, w *watchdog) context.Context {
	return context.WithValue(ctx, idleKey{}, idler{sem: sem, watchdog: w})
}

// idle runs wait, which only waits, without holding the caller's worker and
// with its deadline's clock stopped.
func idle(ctx context.Context, wait func()) {
	in, _ := ctx.Value(idleKey{}).(idler)
	if in.watchdog != nil {
		in.watchdog.pause()
		defer in.watchdog.resume()
	}
	if in.sem != nil {
		<-in.sem
		defer func() { in.sem <- struct{}{} }()
	}
	wait()
}

// watchdog calls fire once its handler has worked for budget, not counting
// the time it spent paused.
type watchdog struct {
	mu      sync.Mutex
	left    time.Duration
	started time.Time
	timer   *time.Timer
	paused  int
	done    bool
	fire    func()
}

func newWatchdog(budget time.Duration, fire func()) *watchdog {
	w := &watchdog{left: budget, started: time.Now(), fire: fire}
	w.timer = time.AfterFunc(budget, w.expire)
	return w
}

func (w *watchdog) expire() {
	w.mu.Lock()
	if w.done || w.paused > 0 {
		w.mu.Unlock()
		return
	}
	w.done = true
	w.mu.Unlock()
	w.fire()
}

func (w *watchdog) pause() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.paused == 0 && !w.done {
		w.timer.Stop()
		w.left -= time.Since(w.started)
	}
	w.paused++
}

func (w *watchdog) resume() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.paused--
	if w.paused == 0 && !w.done {
		w.started = time.Now()
		w.timer = time.AfterFunc(max(w.left, 0), w.expire)
	}
}

// stop disarms the watchdog for good.
func (w *watchdog) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
	w.timer.Stop()
}
