package bot

import (
	"context"
	"testing"
	"time"
)

func TestWatchdogCountsOnlyWork(t *testing.T) {
	fired := make(chan struct{})
	w := newWatchdog(100*time.Millisecond, func() { close(fired) })
	defer w.stop()
	ctx := withIdler(context.Background(), nil, w)
	// Waiting idle for three times the budget does not fire it.
	idle(ctx, func() { sleep(context.Background(), 300*time.Millisecond) })
	select {
	case <-fired:
		t.Fatal("the watchdog fired during an idle wait")
	default:
	}
	// Working past the budget does.
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Fatal("the watchdog never fired")
	}
}

func TestWatchdogStop(t *testing.T) {
	fired := make(chan struct{}, 1)
	w := newWatchdog(10*time.Millisecond, func() { fired <- struct{}{} })
	w.stop()
	w.pause()
	w.resume()
	select {
	case <-fired:
		t.Fatal("a stopped watchdog fired")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestIdleGivesUpTheWorker(t *testing.T) {
	sem := make(chan struct{}, 1)
	sem <- struct{}{} // the handler holds the only slot
	ctx := withIdler(context.Background(), sem, nil)
	idle(ctx, func() {
		select {
		case sem <- struct{}{}: // another handler takes the slot
			<-sem
		default:
			t.Error("the slot was not given up during the wait")
		}
	})
	if len(sem) != 1 {
		t.Errorf("the slot was not taken back: %d held", len(sem))
	}
}
