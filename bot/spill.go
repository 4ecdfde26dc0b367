package bot

import (
	"context"
	"sync"
	"time"
)

// spill keeps polling going when the updates in hand reach MaxPending: the
// updates that do not fit wait in the journal, where the loop recorded
// them anyway, and a feeder reads them back, in order, as the handlers make
// room. Meanwhile every newer update waits there too, behind them, so that
// each chat's updates stay in order; only urgent updates (a guard bot's
// join requests, which Telegram waits 10 seconds for) go to their lane at
// once. Memory holds MaxPending updates; the journal, on disk, the rest.
//
// The updates left from the last run are the first spill: the loop polls
// while the feeder hands them back, marked Replayed.
type spill struct {
	d       *dispatcher
	opts    Options
	replays int // updates up to it were received by an earlier run

	mu     sync.Mutex
	active bool // updates wait in the journal
	cursor int  // the feeder has read the journal up to it
	upTo   int  // the newest update left in the journal
	// urgent are the urgent updates handed to their lane while others
	// wait in the journal: the feeder must not hand them in again.
	urgent map[int]bool
	// caughtUp is called once nothing waits in the journal and the
	// updates handed in are done.
	caughtUp func()
	wake     chan struct{}
	cancel   context.CancelFunc
	done     chan struct{}
}

func newSpill(d *dispatcher, opts Options, replays int) *spill {
	return &spill{d: d, opts: opts, replays: replays, urgent: make(map[int]bool), wake: make(chan struct{}, 1)}
}

// submit hands in a batch of updates that the journal holds: urgent ones
// to their lane, the others to their chats' queues while there is room,
// and from the first that finds none, to the journal.
func (s *spill) submit(ctx context.Context, batch []*inbound) {
	for _, in := range batch {
		if in.u.Urgent() {
			s.mu.Lock()
			if s.active {
				s.urgent[in.id] = true
			}
			s.mu.Unlock()
			if !s.d.hurry(ctx, in, true) {
				return
			}
			continue
		}
		s.mu.Lock()
		waiting := s.active
		s.mu.Unlock()
		if !waiting && s.d.tryEnqueue(in) {
			continue
		}
		s.leave(in.id-1, in.id)
	}
}

// leave notes that the updates after from up to upTo wait in the journal,
// and starts the feeder if it is not running.
func (s *spill) leave(from, upTo int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.upTo = max(s.upTo, upTo)
	if s.active {
		select {
		case s.wake <- struct{}{}:
		default:
		}
		return
	}
	s.active, s.cursor = true, from
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan struct{})
	s.opts.Log.Debug().Int("from_update_id", from+1).Msg("updates wait in the journal until the handlers catch up")
	go s.feed(ctx, s.done)
}

// feed reads the journal from the cursor and hands in what it finds, in
// order, waiting for room, until nothing more waits.
func (s *spill) feed(ctx context.Context, done chan struct{}) {
	defer close(done)
	var reader batchReader
	failures := 0
	for ctx.Err() == nil {
		s.mu.Lock()
		cursor := s.cursor
		s.mu.Unlock()
		entries, err := s.opts.Journal.PendingAfter(ctx, int64(cursor), 100)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			wait := backoff(failures)
			s.opts.Log.Error().Err(err).Dur("retry_in", wait).Msg("could not read the waiting updates from the journal")
			if !sleep(ctx, wait) {
				return
			}
			continue
		}
		failures = 0
		// Only what was left to the feeder: an update the loop has
		// recorded but not yet submitted is the loop's to hand in (or to
		// leave here), and handing it in too would handle it twice.
		s.mu.Lock()
		upTo := s.upTo
		s.mu.Unlock()
		for i, e := range entries {
			if int(e.ID) > upTo {
				entries = entries[:i]
				break
			}
		}
		if len(entries) == 0 {
			s.mu.Lock()
			if s.cursor >= s.upTo {
				// Everything is handed in: back to handing in directly.
				s.active = false
				clear(s.urgent)
				caughtUp := s.caughtUp
				s.caughtUp = nil
				s.mu.Unlock()
				if caughtUp != nil {
					s.d.whenDone(caughtUp)
				}
				return
			}
			s.mu.Unlock()
			// Left, but not yet readable: wait for the next to be left.
			t := time.NewTimer(time.Second)
			select {
			case <-ctx.Done():
			case <-s.wake:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		for _, e := range entries {
			id := int(e.ID)
			s.mu.Lock()
			skip := s.urgent[id]
			delete(s.urgent, id)
			s.mu.Unlock()
			if !skip {
				// One that cannot be decoded stays in the journal; it was
				// reported when it came, or is now if an earlier run
				// received it.
				u, err := reader.decode(e.Raw)
				if err != nil && id <= s.replays {
					_, kind := idAndKind(e.Raw)
					undecodable(s.opts.Log, s.opts.Observer, e.ID, kind, err)
				}
				if err == nil {
					u.ID, u.Replayed, u.Received = id, id <= s.replays, time.Now()
					s.opts.Match(u) // notes the command, as for an update that comes in
					in := &inbound{id: id, u: u, raw: e.Raw}
					handed := false
					if u.Urgent() {
						handed = s.d.hurry(ctx, in, true)
					} else {
						handed = s.d.enqueue(ctx, in, true)
					}
					if !handed {
						return // stopping
					}
				}
			}
			s.mu.Lock()
			s.cursor = id
			s.mu.Unlock()
		}
	}
}

// whenDone calls f once nothing waits in the journal and every update
// handed in so far is done.
func (s *spill) whenDone(f func()) {
	s.mu.Lock()
	if s.active {
		s.caughtUp = f
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.d.whenDone(f)
}

// stop ends the feeder and waits for it: what it did not hand in stays in
// the journal for the next run.
func (s *spill) stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}
