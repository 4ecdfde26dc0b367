package bot

import (
	"context"
	"sync"
)

// dispatcher runs updates on a bounded pool of workers: updates of one chat
// one after another, in the order they came; updates of different chats at
// the same time. It tracks which updates are done, so that the loop confirms
// to Telegram only what was handled.
//
// Urgent updates (Update.Urgent: a guard bot's join request, which must be
// answered within 10 seconds) take a lane of their own: they wait neither
// behind their chat's queue nor for a worker of the others, and a full
// house of other updates does not hold them back.
type dispatcher struct {
	// handle runs one update, holding a place of the pool sem, and reports
	// whether it was fully handled (false: it was cut off by the stop).
	handle func(in *inbound, sem chan struct{}) bool
	// workers bounds the handlers running at once; slots bounds the
	// updates in hand (queued or running), so that polling pauses when the
	// handlers fall behind instead of piling up updates in memory. The
	// urgent lane has a pool and slots of its own.
	workers, urgent    chan struct{}
	slots, urgentSlots chan struct{}
	wg                 sync.WaitGroup

	mu     sync.Mutex
	queues map[int64][]*inbound // a key is present while its runner lives
	order  []int                // update IDs in the order received, not yet all done
	done   map[int]bool
	mark   int // every update up to and including mark is done
	// barriers are called once every update submitted before them is done.
	barriers []barrier
}

// barrier is a function to call once the updates up to id are done.
type barrier struct {
	id int
	f  func()
}

// inbound is an update with the JSON it came in.
type inbound struct {
	id  int     // the update's ID
	u   *Update // nil for an update that could not be decoded
	raw []byte
}

func newDispatcher(workers, maxPending int, handle func(*inbound, chan struct{}) bool) *dispatcher {
	return &dispatcher{
		handle:      handle,
		workers:     make(chan struct{}, workers),
		urgent:      make(chan struct{}, workers),
		slots:       make(chan struct{}, maxPending),
		urgentSlots: make(chan struct{}, maxPending),
		queues:      make(map[int64][]*inbound),
		done:        make(map[int]bool),
	}
}

// queueKey puts the updates of one chat in one queue. Updates without a
// chat are ordered per sender; the rest share queue 0.
func queueKey(u *Update) int64 {
	switch {
	case u.Chat != nil:
		return u.Chat.ID
	case u.From != nil:
		return u.From.ID
	}
	return 0
}

// submit hands in a batch of updates, in the order they came: the urgent
// ones first to their lane, then the others each to its chat's queue. It
// waits while too many updates are in hand, and reports false, leaving
// the rest, when ctx ends first. Updates left out count as not done.
func (d *dispatcher) submit(ctx context.Context, batch []*inbound) bool {
	d.note(batch...)
	for _, in := range batch {
		if in.u.Urgent() && !d.hurry(ctx, in, false) {
			return false
		}
	}
	for _, in := range batch {
		if !in.u.Urgent() && !d.enqueue(ctx, in, false) {
			return false
		}
	}
	return true
}

// note adds updates to the order received (see finish).
func (d *dispatcher) note(ins ...*inbound) {
	d.mu.Lock()
	for _, in := range ins {
		d.order = append(d.order, in.id)
	}
	d.mu.Unlock()
}

// hurry runs an urgent update at once, on a goroutine of its own; note
// says whether to note it in the order received first.
func (d *dispatcher) hurry(ctx context.Context, in *inbound, note bool) bool {
	select {
	case d.urgentSlots <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	if note {
		d.note(in)
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.urgent <- struct{}{}
		complete := d.handle(in, d.urgent)
		<-d.urgent
		d.finish(in.id, complete)
		<-d.urgentSlots
	}()
	return true
}

// enqueue hands in to its chat's queue once a slot is free; note as for
// hurry.
func (d *dispatcher) enqueue(ctx context.Context, in *inbound, note bool) bool {
	select {
	case d.slots <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	d.queue(in, note)
	return true
}

// tryEnqueue hands in to its chat's queue if a slot is free now, and
// reports whether one was.
func (d *dispatcher) tryEnqueue(in *inbound) bool {
	select {
	case d.slots <- struct{}{}:
	default:
		return false
	}
	d.queue(in, true)
	return true
}

// queue puts in, which holds a slot, in its chat's queue.
func (d *dispatcher) queue(in *inbound, note bool) {
	key := queueKey(in.u)
	d.mu.Lock()
	if note {
		d.order = append(d.order, in.id)
	}
	q, running := d.queues[key]
	d.queues[key] = append(q, in)
	d.mu.Unlock()
	if !running {
		d.wg.Add(1)
		go d.run(key)
	}
}

// run handles the queue of one chat until it is empty.
func (d *dispatcher) run(key int64) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.queues[key]
		if len(q) == 0 {
			delete(d.queues, key)
			d.mu.Unlock()
			return
		}
		in := q[0]
		q[0] = nil
		d.queues[key] = q[1:]
		d.mu.Unlock()

		d.workers <- struct{}{}
		complete := d.handle(in, d.workers)
		<-d.workers
		d.finish(in.id, complete)
		<-d.slots
	}
}

// finish marks an update done and moves the mark past every update done.
// An update that was not complete holds the mark before it for good.
func (d *dispatcher) finish(id int, complete bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.done[id] = complete // false stops the mark before id
	for len(d.order) > 0 && d.done[d.order[0]] {
		d.mark = d.order[0]
		delete(d.done, d.order[0])
		d.order = d.order[1:]
	}
	for len(d.barriers) > 0 && (len(d.order) == 0 || d.order[0] > d.barriers[0].id) {
		go d.barriers[0].f()
		d.barriers = d.barriers[1:]
	}
}

// whenDone calls f, on a goroutine of its own, once every update
// submitted so far is done: at once if none is in hand.
func (d *dispatcher) whenDone(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.order) == 0 {
		go f()
		return
	}
	d.barriers = append(d.barriers, barrier{id: d.order[len(d.order)-1], f: f})
}

// watermark is the highest update ID such that it and every update received
// before it are done; 0 when none is.
func (d *dispatcher) watermark() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mark
}

// wait blocks until every submitted update is handled or ctx ends, and
// reports whether all were handled.
func (d *dispatcher) wait(ctx context.Context) bool {
	all := make(chan struct{})
	go func() { d.wg.Wait(); close(all) }()
	select {
	case <-all:
		return true
	case <-ctx.Done():
		return false
	}
}
