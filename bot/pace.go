package bot

import (
	"container/heap"
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Window is a limit of at most N events in any span of Per.
type Window struct {
	N   int
	Per time.Duration
}

// PaceLimits are the limits the client keeps its messages under.
type PaceLimits struct {
	Global Window // all chats together
	Chat   Window // one chat of any kind
	Group  Window // one group, supergroup or channel
}

// TelegramPace keeps under Telegram's limits (Bot FAQ: about 30 messages a
// second overall, 20 a minute into one group, about one a second into one
// chat with short bursts). Telegram counts a message when it arrives, some
// time after the pacer let it go and before its answer is back: the pacer
// counts it from the moment it lets it go until its answer, and then at
// the time of the answer, so that a window holds at most its N by arrival
// too, however long a message was held up on its way (a busy machine, a
// slow link). The windows keep a margin over Telegram's on top, 200 ms on
// the global one, which a raid of checks or notifications fills for many
// seconds on end.
var TelegramPace = PaceLimits{
	Global: Window{N: 30, Per: time.Second + 200*time.Millisecond},
	Chat:   Window{N: 3, Per: 3*time.Second + 100*time.Millisecond},
	Group:  Window{N: 20, Per: time.Minute + 500*time.Millisecond},
}

// paced reports whether method sends or edits a message, which Telegram's
// limits count. sendChatJoinRequestWebApp shows a guard bot's Mini App to
// a requester and must be in time (10 seconds): it sends no message and is
// not held back.
func paced(method string) bool {
	return strings.HasPrefix(method, "send") && method != "sendChatAction" && method != "sendChatJoinRequestWebApp" ||
		strings.HasPrefix(method, "editMessage") ||
		method == "copyMessage" || method == "forwardMessage"
}

// pacer spaces messages so that every window of the limits holds at most
// its N. A message holds a place in the windows from the moment its turn
// comes until its call has ended (sent), and is then recorded at that time:
// Telegram counts it when it arrives, which is in between, so no window
// holds more than N by arrival either. Recording happens under the lock, in
// time order, so every window's times are in order and the check is exact.
//
// Waiting messages are served in the order they came, among those the
// limits let through: when the global window has room, the turn goes to the
// oldest message whose chat's windows let it through. A chat held by its own
// windows holds up no other chat, and a chat that loses no race does not
// fall behind the others in a burst.
//
// Whoever changes the pacer schedules, under its lock: a message arriving, a
// sender taking its turn or leaving, or the one timer, set for the next time
// a window opens. Each chat keeps its messages in arrival order: they share
// the chat's windows, so only the first can be next. Chats whose windows let
// their first message through wait in ready, oldest first message first;
// the others in pending, by when their windows open. A message's turn is
// handed to it by closing its own channel, so a sender wakes once, when its
// turn has come; each step costs O(log chats), whatever the number waiting.
//
// A turn handed out holds a place in the windows (held) until the sender's
// call has ended, recording the message, or the sender leaves before it
// sends: the windows count it as an event that has not yet left them, so
// they stay exact even when the sender is slow to get its worker back or
// its call is slow to arrive.
type pacer struct {
	limits PaceLimits
	now    func() time.Time
	keep   time.Duration // how long a chat's past events still matter

	mu      sync.Mutex
	global  times
	held    int // turns handed out whose messages are not yet recorded
	chats   map[string]*paceChat
	ready   readyHeap
	pending pendingHeap
	quiet   quietList // chats with nothing waiting or held, by when they fell quiet
	seq     uint64    // of the last message to arrive
	waiting int       // messages waiting for their turn
	timer   *time.Timer
	due     time.Time // when the timer fires; zero when it is not set

	wakeups atomic.Int64 // how many times a waiting sender woke
}

// never is the time a window opens when it is full of turns held: only a
// message recorded or a sender leaving opens it.
var never = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// times are the recent events of one window, oldest first.
type times []time.Time

// opens is when w lets one more event through, counting held events that
// will be recorded later: the zero time if it has room now.
func (t times) opens(w Window, held int) time.Time {
	if w.N <= 0 {
		return time.Time{}
	}
	k := w.N - held // events of t that may stay in the window
	switch {
	case k <= 0:
		return never
	case len(t) < k:
		return time.Time{}
	}
	return t[len(t)-k].Add(w.Per)
}

// add records an event, keeping the last n.
func (t *times) add(now time.Time, n int) {
	*t = append(*t, now)
	if len(*t) > n {
		*t = append((*t)[:0], (*t)[len(*t)-n:]...)
	}
}

// paceChat is one chat's windows and its messages waiting for their turn.
type paceChat struct {
	id         string
	chat       times
	group      times
	isGroup    bool
	last       time.Time // of its last event
	held       int       // turns handed out whose messages are not yet recorded
	head, tail *paceWaiter
	opens      time.Time // when its windows let head through
	index      int       // in ready or pending; -1 in neither
	inReady    bool

	quietSince           time.Time
	prevQuiet, nextQuiet *paceChat
	inQuiet              bool
}

// opensAt is when c's windows let one more message through.
func (c *paceChat) opensAt(l PaceLimits) time.Time {
	t := c.chat.opens(l.Chat, c.held)
	if c.isGroup {
		if g := c.group.opens(l.Group, c.held); g.After(t) {
			t = g
		}
	}
	return t
}

// paceWaiter is a message waiting to be sent into chat.
type paceWaiter struct {
	chat       *paceChat
	seq        uint64
	prev, next *paceWaiter   // in chat's queue
	turn       chan struct{} // closed when its turn comes
	handed     bool          // its turn has come (under the pacer's lock)
	taken      bool          // its sender took the turn: sent must follow
	at         time.Time     // when it was recorded (its call ended)
}

// newPacer returns a pacer keeping limits on the clock now (time.Now if
// nil), which must not go back.
func newPacer(limits PaceLimits, now func() time.Time) *pacer {
	if now == nil {
		now = time.Now
	}
	keep := time.Duration(0)
	for _, w := range []Window{limits.Chat, limits.Group} {
		if w.N > 0 {
			keep = max(keep, w.Per)
		}
	}
	return &pacer{limits: limits, now: now, keep: keep, chats: make(map[string]*paceChat)}
}

// isGroupChat tells a group, supergroup or channel (negative IDs and
// @usernames) from a private chat.
func isGroupChat(chatID string) bool {
	if strings.HasPrefix(chatID, "@") {
		return true
	}
	id, err := strconv.ParseInt(chatID, 10, 64)
	return err == nil && id < 0
}

// wait blocks until a message into chatID may be sent and returns its
// turn, and how long it waited; the caller sends the message, then calls
// sent with the turn, whatever became of the call. It gives up the caller's
// worker while it waits. On an error the turn is nil and nothing is held.
func (p *pacer) wait(ctx context.Context, chatID string) (*paceWaiter, time.Duration, error) {
	w := p.enqueue(chatID)
	waited, err := p.waitTurn(ctx, w)
	if err != nil {
		return nil, waited, err
	}
	return w, waited, nil
}

// enqueue puts a message into chatID behind the messages waiting.
func (p *pacer) enqueue(chatID string) *paceWaiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	c := p.chats[chatID]
	if c == nil {
		c = &paceChat{id: chatID, isGroup: isGroupChat(chatID), index: -1}
		p.chats[chatID] = c
	}
	p.quiet.remove(c)
	p.seq++
	w := &paceWaiter{chat: c, seq: p.seq, turn: make(chan struct{})}
	p.waiting++
	if c.tail == nil {
		c.head, c.tail = w, w
		p.placeLocked(c, now)
	} else {
		w.prev, c.tail.next, c.tail = c.tail, w, w
	}
	p.dispatchLocked(now)
	return w
}

// waitTurn blocks until w's turn comes, takes it, and returns how long it
// waited; the turn keeps its place in the windows until sent(w). If ctx
// ends first, w leaves: it records nothing, and the turn, if it came, goes
// to the next.
func (p *pacer) waitTurn(ctx context.Context, w *paceWaiter) (time.Duration, error) {
	start := time.Now()
	select {
	case <-w.turn: // at once: the worker is not given up
	default:
		idle(ctx, func() {
			select {
			case <-w.turn:
			case <-ctx.Done():
			}
		})
		p.wakeups.Add(1)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	c := w.chat
	if err := ctx.Err(); err != nil {
		if w.handed {
			p.releaseLocked(c, now)
		} else {
			p.unlinkLocked(w, now)
		}
		p.dispatchLocked(now)
		return time.Since(start), err
	}
	w.taken = true
	return time.Since(start), nil
}

// sent records w's message, whose call has just ended (whether it went
// through or not: it may have reached Telegram), at now, and gives back
// the place its turn held. It does nothing for a turn not taken or
// recorded already.
func (p *pacer) sent(w *paceWaiter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !w.taken {
		return
	}
	w.taken = false
	now := p.now()
	c := w.chat
	w.at = now
	p.global.add(now, p.limits.Global.N)
	c.chat.add(now, p.limits.Chat.N)
	if c.isGroup {
		c.group.add(now, p.limits.Group.N)
	}
	c.last = now
	p.releaseLocked(c, now)
	p.dispatchLocked(now)
}

// dispatchLocked hands out, at now, every turn the limits allow, oldest
// message first, and sets the timer for when the next may come.
func (p *pacer) dispatchLocked(now time.Time) {
	for {
		for p.pending.Len() > 0 && !p.pending.chats[0].opens.After(now) {
			c := heap.Pop(&p.pending).(*paceChat)
			c.inReady = true
			heap.Push(&p.ready, c)
		}
		if p.ready.Len() == 0 || p.global.opens(p.limits.Global, p.held).After(now) {
			break
		}
		c := p.ready.chats[0]
		w := c.head
		w.handed = true
		p.held++
		c.held++ // before unlinking: a chat with a turn held stays
		p.unlinkLocked(w, now)
		close(w.turn)
	}
	p.armLocked(now)
	for c := p.quiet.first; c != nil && !c.quietSince.Add(p.keep).After(now); c = p.quiet.first {
		p.quiet.remove(c)
		delete(p.chats, c.id)
	}
}

// placeLocked puts c, which has messages waiting, in ready or pending as its
// windows say at now.
func (p *pacer) placeLocked(c *paceChat, now time.Time) {
	c.opens = c.opensAt(p.limits)
	ready := !c.opens.After(now)
	switch {
	case c.index >= 0 && c.inReady == ready && ready:
		heap.Fix(&p.ready, c.index)
	case c.index >= 0 && c.inReady == ready:
		heap.Fix(&p.pending, c.index)
	default:
		p.unplaceLocked(c)
		c.inReady = ready
		if ready {
			heap.Push(&p.ready, c)
		} else {
			heap.Push(&p.pending, c)
		}
	}
}

// unplaceLocked takes c out of ready or pending.
func (p *pacer) unplaceLocked(c *paceChat) {
	switch {
	case c.index < 0:
	case c.inReady:
		heap.Remove(&p.ready, c.index)
	default:
		heap.Remove(&p.pending, c.index)
	}
}

// unlinkLocked takes w off its chat's queue: its turn has come, or it
// leaves before.
func (p *pacer) unlinkLocked(w *paceWaiter, now time.Time) {
	c := w.chat
	wasHead := c.head == w
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		c.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		c.tail = w.prev
	}
	w.prev, w.next = nil, nil
	p.waiting--
	switch {
	case c.head == nil:
		p.unplaceLocked(c)
		p.settleLocked(c, now)
	case wasHead:
		p.placeLocked(c, now)
	}
}

// releaseLocked gives back a turn handed out in c, taken or not.
func (p *pacer) releaseLocked(c *paceChat, now time.Time) {
	p.held--
	c.held--
	if c.head != nil {
		p.placeLocked(c, now)
	} else {
		p.settleLocked(c, now)
	}
}

// settleLocked forgets c, which has nothing waiting, once its windows can no
// longer hold anything back: at once, or after keep. The chats kept are
// those with messages waiting or held and those that had one within keep.
func (p *pacer) settleLocked(c *paceChat, now time.Time) {
	switch {
	case c.held > 0:
	case c.last.IsZero() || !c.last.Add(p.keep).After(now):
		delete(p.chats, c.id)
	default:
		c.quietSince = now
		p.quiet.push(c)
	}
}

// armLocked sets the timer for the next time a turn may come, if only time
// can bring it.
func (p *pacer) armLocked(now time.Time) {
	var due time.Time
	switch {
	case p.ready.Len() > 0:
		due = p.global.opens(p.limits.Global, p.held)
	case p.pending.Len() > 0:
		due = p.pending.chats[0].opens
		if g := p.global.opens(p.limits.Global, p.held); g.After(due) {
			due = g
		}
	}
	if due.Equal(never) {
		due = time.Time{}
	}
	if due.Equal(p.due) {
		return
	}
	p.due = due
	switch {
	case due.IsZero():
		p.timer.Stop()
	case p.timer == nil:
		p.timer = time.AfterFunc(due.Sub(now), p.tick)
	default:
		p.timer.Reset(due.Sub(now))
	}
}

// tick hands out the turns that time has brought.
func (p *pacer) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.due = time.Time{} // the timer has fired
	p.dispatchLocked(p.now())
}

// chatHeap is a heap of chats that keeps each chat's index.
type chatHeap struct{ chats []*paceChat }

func (h *chatHeap) Len() int { return len(h.chats) }

func (h *chatHeap) Swap(i, j int) {
	h.chats[i], h.chats[j] = h.chats[j], h.chats[i]
	h.chats[i].index = i
	h.chats[j].index = j
}

func (h *chatHeap) Push(x any) {
	c := x.(*paceChat)
	c.index = len(h.chats)
	h.chats = append(h.chats, c)
}

func (h *chatHeap) Pop() any {
	n := len(h.chats) - 1
	c := h.chats[n]
	h.chats[n] = nil
	h.chats = h.chats[:n]
	c.index = -1
	return c
}

// readyHeap orders chats by the arrival of their first waiting message.
type readyHeap struct{ chatHeap }

func (h *readyHeap) Less(i, j int) bool { return h.chats[i].head.seq < h.chats[j].head.seq }

// pendingHeap orders chats by when their windows open.
type pendingHeap struct{ chatHeap }

func (h *pendingHeap) Less(i, j int) bool {
	a, b := h.chats[i], h.chats[j]
	return a.opens.Before(b.opens) || a.opens.Equal(b.opens) && a.head.seq < b.head.seq
}

// quietList is a list of chats in the order they fell quiet.
type quietList struct{ first, last *paceChat }

func (l *quietList) push(c *paceChat) {
	c.prevQuiet, c.nextQuiet, c.inQuiet = l.last, nil, true
	if l.last != nil {
		l.last.nextQuiet = c
	} else {
		l.first = c
	}
	l.last = c
}

func (l *quietList) remove(c *paceChat) {
	if !c.inQuiet {
		return
	}
	if c.prevQuiet != nil {
		c.prevQuiet.nextQuiet = c.nextQuiet
	} else {
		l.first = c.nextQuiet
	}
	if c.nextQuiet != nil {
		c.nextQuiet.prevQuiet = c.prevQuiet
	} else {
		l.last = c.prevQuiet
	}
	c.prevQuiet, c.nextQuiet, c.inQuiet = nil, nil, false
}

// sleepIdle waits d or until ctx ends, without holding a worker, and
// reports whether it waited it out.
func sleepIdle(ctx context.Context, d time.Duration) bool {
	ok := false
	idle(ctx, func() { ok = sleep(ctx, d) })
	return ok
}
