package bot

import (
	"context"
	"strconv"
	"strings"
	"sync"
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
// chat with short bursts), with a small margin for the time a request takes
// to reach Telegram.
var TelegramPace = PaceLimits{
	Global: Window{N: 30, Per: time.Second + 50*time.Millisecond},
	Chat:   Window{N: 3, Per: 3*time.Second + 100*time.Millisecond},
	Group:  Window{N: 20, Per: time.Minute + 500*time.Millisecond},
}

// paced reports whether method sends or edits a message, which Telegram's
// limits count.
func paced(method string) bool {
	return strings.HasPrefix(method, "send") && method != "sendChatAction" ||
		strings.HasPrefix(method, "editMessage") ||
		method == "copyMessage" || method == "forwardMessage"
}

// pacer spaces messages so that every window of the limits holds at most
// its N. Events are recorded when they are let through, so every window's
// times are in order and the check is exact. Waiting messages are served in
// the order they came, among those the limits let through: a chat that
// loses no race does not fall behind the others in a burst.
type pacer struct {
	limits PaceLimits
	now    func() time.Time

	mu      sync.Mutex
	global  times
	chats   map[string]*times
	groups  map[string]*times
	waiters []*paceWaiter // in order of arrival
	changed chan struct{} // closed when a message goes or a waiter leaves
}

// times are the recent events of one window, oldest first.
type times []time.Time

// next is how long to wait until w lets one more event through at now.
func (t times) next(w Window, now time.Time) time.Duration {
	if w.N <= 0 || len(t) < w.N {
		return 0
	}
	return max(t[len(t)-w.N].Add(w.Per).Sub(now), 0)
}

// add records an event, keeping the last n.
func (t *times) add(now time.Time, n int) {
	*t = append(*t, now)
	if len(*t) > n {
		*t = append((*t)[:0], (*t)[len(*t)-n:]...)
	}
}

// paceWaiter is a message waiting to be sent into chat.
type paceWaiter struct {
	chat  *times
	group *times // nil for a private chat
}

func newPacer(limits PaceLimits, now func() time.Time) *pacer {
	if now == nil {
		now = time.Now
	}
	return &pacer{limits: limits, now: now, chats: make(map[string]*times), groups: make(map[string]*times), changed: make(chan struct{})}
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

// delayLocked is how long w must wait for every window to let it through.
func (p *pacer) delayLocked(w *paceWaiter, now time.Time) time.Duration {
	d := max(p.global.next(p.limits.Global, now), w.chat.next(p.limits.Chat, now))
	if w.group != nil {
		d = max(d, w.group.next(p.limits.Group, now))
	}
	return d
}

// wait blocks until a message into chatID may be sent, records it, and
// returns how long it waited. It gives up the caller's worker while it waits.
func (p *pacer) wait(ctx context.Context, chatID string) (time.Duration, error) {
	return p.waitTurn(ctx, p.enqueue(chatID))
}

// enqueue puts a message into chatID at the end of the waiters.
func (p *pacer) enqueue(chatID string) *paceWaiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := &paceWaiter{chat: p.window(p.chats, chatID)}
	if isGroupChat(chatID) {
		w.group = p.window(p.groups, chatID)
	}
	p.waiters = append(p.waiters, w)
	return w
}

// waitTurn blocks until w may be sent, records it, and returns how long it
// waited.
func (p *pacer) waitTurn(ctx context.Context, w *paceWaiter) (time.Duration, error) {
	start := time.Now()
	for {
		p.mu.Lock()
		now := p.now()
		d := p.delayLocked(w, now)
		ahead := false // an earlier waiter may go now: it goes first
		for _, x := range p.waiters {
			if x == w {
				break
			}
			if p.delayLocked(x, now) == 0 {
				ahead = true
				break
			}
		}
		if d == 0 && !ahead {
			p.global.add(now, p.limits.Global.N)
			w.chat.add(now, p.limits.Chat.N)
			if w.group != nil {
				w.group.add(now, p.limits.Group.N)
			}
			p.leaveLocked(w)
			p.mu.Unlock()
			return time.Since(start), nil
		}
		changed := p.changed
		p.mu.Unlock()
		ok := true
		idle(ctx, func() {
			var timeout <-chan time.Time
			if d > 0 {
				t := time.NewTimer(d)
				defer t.Stop()
				timeout = t.C
			}
			select {
			case <-timeout:
			case <-changed:
			case <-ctx.Done():
				ok = false
			}
		})
		if !ok {
			p.mu.Lock()
			p.leaveLocked(w)
			p.mu.Unlock()
			return time.Since(start), ctx.Err()
		}
	}
}

// leaveLocked takes w off the waiters and wakes the others.
func (p *pacer) leaveLocked(w *paceWaiter) {
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			break
		}
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

// window returns chatID's events in m, dropping windows long idle when m
// grows large.
func (p *pacer) window(m map[string]*times, chatID string) *times {
	t := m[chatID]
	if t == nil {
		if len(m) >= 10000 {
			cutoff := p.now().Add(-time.Hour)
			for k, v := range m {
				if len(*v) == 0 || (*v)[len(*v)-1].Before(cutoff) {
					delete(m, k)
				}
			}
		}
		t = new(times)
		m[chatID] = t
	}
	return t
}

// sleepIdle waits d or until ctx ends, without holding a worker, and
// reports whether it waited it out.
func sleepIdle(ctx context.Context, d time.Duration) bool {
	ok := false
	idle(ctx, func() { ok = sleep(ctx, d) })
	return ok
}
