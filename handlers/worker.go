package handlers

import (
	"context"
	"time"

	"github.com/rs/zerolog"
)

// workerRetry is a background worker's wait after a failure (the store, or
// Telegram unreachable).
const workerRetry = 5 * time.Second

// worker is the loop of a job that runs beside the update loop from an
// outbox in the store (notifications, checks of requesters, log chat
// posts, rotations): it works, then sleeps until it is woken (Wake: the
// outbox changed), until its next work falls due, or at most idle, and
// after a failure workerRetry. Nothing is lost across a restart: the work
// is in the store.
type worker struct {
	wake chan struct{}
	idle time.Duration
}

func newWorker(idle time.Duration) worker {
	return worker{wake: make(chan struct{}, 1), idle: idle}
}

// Wake tells the worker that there is work.
func (w *worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// SetTick sets the longest the worker sleeps when nothing wakes it: with a
// clock of the tests' own (Deps.Now), what falls due as it moves is done
// within d. Call it before Run.
func (w *worker) SetTick(d time.Duration) { w.idle = d }

// loop runs work until ctx ends. work returns when its next work falls due
// (zero if it does not know); failing names what failed, for the log.
func (w *worker) loop(ctx context.Context, now func() time.Time, failing string, work func(context.Context) (time.Time, error)) {
	for {
		next, err := work(ctx)
		wait := w.idle
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			zerolog.Ctx(ctx).Error().Err(err).Msg(failing + " failed; trying again soon")
			wait = workerRetry
		case !next.IsZero():
			wait = min(max(next.Sub(now()), 0), w.idle)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.wake:
		case <-t.C:
		}
		t.Stop()
	}
}
