package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/rs/zerolog"
	"github.com/valyala/fastjson"
)

// Journal makes the loop crash-safe: updates are recorded before Telegram
// is told they arrived, and struck off once handled.
type Journal interface {
	// PendingUpdates returns the highest update ID accounted for (0 if none)
	// and the updates received but not yet finished, in ID order.
	PendingUpdates(ctx context.Context) (last int64, pending []JournalEntry, err error)
	// AcceptUpdates records that every update up to last was received and
	// keeps those of keep that are still to be handled.
	AcceptUpdates(ctx context.Context, last int64, keep []JournalEntry) error
	// FinishUpdate strikes off a handled update.
	FinishUpdate(ctx context.Context, id int64) error
	// PendingAfter returns up to limit of the updates received but not
	// yet finished whose ID is above after, in ID order.
	PendingAfter(ctx context.Context, after int64, limit int) ([]JournalEntry, error)
}

// JournalEntry is an update in the journal, as the JSON it came in.
type JournalEntry struct {
	ID  int64
	Raw []byte
}

// Options configures Run. Zero values mean the defaults.
type Options struct {
	// PollTimeout is getUpdates' long-poll timeout, whole seconds (default 30s).
	PollTimeout time.Duration
	// AllowedUpdates is sent with every getUpdates (always: a nil list would
	// be sent as null and leave Telegram's previous choice in force).
	AllowedUpdates []string
	// Workers bounds the handlers running at once (default 16). A handler
	// waiting for pacing or for a retry does not hold a worker.
	Workers int
	// MaxPending bounds the updates in hand, in memory (default 1000).
	// Beyond it, with a Journal, the updates wait in the journal and are
	// read back as the handlers catch up, so that polling goes on and an
	// urgent update (a guard bot's join request) is handled at once
	// however many wait; without one, polling pauses.
	MaxPending int
	// HandlerTimeout is the deadline of one update's handling (default
	// 60s), counting the time its handler works and not the time it waits
	// for pacing or a retry.
	HandlerTimeout time.Duration
	// DrainTimeout is how long a stop waits for the updates in hand (default 10s).
	DrainTimeout time.Duration
	// Log is the root logger; each update gets a child with its fields.
	Log zerolog.Logger
	// OnError is called after a handler failed or panicked, once the error is
	// logged: it may tell the user that something went wrong.
	OnError func(ctx context.Context, u *Update, err error)
	// Journal, if set, records updates so that after a crash no handled
	// update is handled again and no received one is lost.
	Journal Journal
	// Match tells which updates have something to do; the others are
	// confirmed without being handled or journaled. Nil: every update.
	// It is given the update as far as the loop reads it before routing:
	// its ID and kind, and for messages the text and entities of a command
	// and the service fields (migrate_to_chat_id, migrate_from_chat_id,
	// new_chat_members, left_chat_member); the rest is read only for the
	// updates it matches. Router.Match reads no more.
	Match func(u *Update) bool
	// Observer is told what the loop does, for metrics. Nil: nothing.
	Observer Observer
	// CaughtUp, if set, is called once, on a goroutine of its own, when
	// the updates that waited for the bot at its start are handled: those
	// of the journal and those Telegram kept while it was down (every poll
	// until one brings less than a full batch). Work that must not run
	// before them, such as a deadline that a button press in the backlog
	// would have met, waits for it.
	CaughtUp func()
}

// pollLimit is the most updates one getUpdates returns (Telegram's default
// limit).
const pollLimit = 100

func (o *Options) defaults() {
	if o.PollTimeout <= 0 {
		o.PollTimeout = 30 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 1000
	}
	if o.HandlerTimeout <= 0 {
		o.HandlerTimeout = 60 * time.Second
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = 10 * time.Second
	}
	if o.Match == nil {
		o.Match = func(*Update) bool { return true }
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
}

// Backoff bounds for failed polls.
const (
	minPollBackoff = 500 * time.Millisecond
	maxPollBackoff = 30 * time.Second
)

// ErrAbandon, as the cause of the end of Run's context
// (context.WithCancelCause), makes Run stop without finishing anything:
// for an instance that lost the right to poll (another takes over). It
// stops polling at once, cuts off the handlers in hand and waits up to
// abandonGrace for them to return, and confirms nothing to Telegram. It
// needs a Journal: the updates not finished stay there, for the instance
// that polls next.
var ErrAbandon = errors.New("bot: abandon the updates in hand")

// abandonGrace is how long an abandoning Run waits for the handlers it
// cut off.
const abandonGrace = time.Second

// Run long-polls getUpdates and hands every update to h until ctx ends.
// Errors never stop polling.
//
// Each poll confirms the updates fetched before it (Telegram's confirmation
// is a prefix, so polling on past a slow update means confirming it). With
// a Journal, a batch is recorded before that confirmation and each update
// is struck off once handled, so a crash loses nothing and repeats nothing
// that was finished: Run first replays what the journal holds. Without
// one, updates in hand at a crash are lost.
//
// When ctx ends, Run stops polling at once, gives the updates in hand
// DrainTimeout to finish, confirms what is safe to confirm, and returns nil;
// unless its cause is ErrAbandon.
func Run(ctx context.Context, c *Client, h HandlerFunc, opts Options) error {
	opts.defaults()
	log := opts.Log
	routeLibraryLog(log, c.api.Token)

	allowed, err := json.Marshal(opts.AllowedUpdates)
	if err != nil {
		return fmt.Errorf("allowed updates: %w", err)
	}
	if opts.AllowedUpdates == nil {
		allowed = []byte("[]")
	}

	// Handlers get a context of their own: a stop lets them finish, and
	// only cuts them off when the drain time is over.
	handlerBase, cutOff := context.WithCancel(context.WithoutCancel(ctx))
	defer cutOff()
	d := newDispatcher(opts.Workers, opts.MaxPending, nil)
	d.handle = func(in *inbound, sem chan struct{}) bool {
		handleOne(handlerBase, in.u, h, opts, sem)
		if handlerBase.Err() != nil {
			return false // cut off by the stop: it stays in the journal
		}
		if opts.Journal != nil {
			if err := opts.Journal.FinishUpdate(handlerBase, int64(in.id)); err != nil {
				log.Error().Err(err).Int("update_id", in.id).Msg("could not strike a handled update off the journal; it will be handled again after a restart")
			}
		}
		return true
	}
	var reader batchReader

	last := 0 // the highest update ID accounted for
	// With a journal, what does not fit in hand waits there (spill); the
	// updates left from the last run are the first to wait.
	var sp *spill
	if opts.Journal != nil {
		prev, pending, err := opts.Journal.PendingUpdates(ctx)
		if err != nil {
			return fmt.Errorf("read the update journal: %w", err)
		}
		last = int(prev)
		sp = newSpill(d, opts, last)
		if len(pending) > 0 {
			log.Info().Int("updates", len(pending)).Msg("handling the updates left from the last run")
			newest := int64(0)
			for _, p := range pending {
				newest = max(newest, p.ID)
			}
			sp.leave(0, int(newest))
		}
	}

	caughtUp := opts.CaughtUp // nil once called
	confirmed := 0            // every update up to it is confirmed to Telegram
	failures := 0
	early := 0 // empty polls in a row that came back long before their timeout
	for ctx.Err() == nil {
		params := tgbotapi.Params{
			"timeout":         strconv.Itoa(int(opts.PollTimeout / time.Second)),
			"allowed_updates": string(allowed),
		}
		if last > 0 {
			params["offset"] = strconv.Itoa(last + 1)
		}
		var result json.RawMessage
		polled := time.Now()
		err := c.Call(ctx, "getUpdates", params, &result)
		if ctx.Err() != nil {
			break
		}
		opts.Observer.Poll(err)
		if err != nil {
			failures++
			wait := pollWait(err, failures)
			logPollError(log, err, wait, failures)
			if !sleep(ctx, wait) {
				break
			}
			continue
		}
		confirmed = last

		batch, newLast, n, err := takeBatch(&reader, log, result, last, opts.Match, opts.Observer)
		if err != nil {
			// Not JSON at all: take it as a failed poll.
			failures++
			wait := backoff(failures)
			logPollError(log, err, wait, failures)
			if !sleep(ctx, wait) {
				break
			}
			continue
		}
		// A batch with nothing to handle needs no record: its updates, if
		// Telegram sends them again, are dropped again.
		if opts.Journal != nil && len(batch) > 0 {
			keep := make([]JournalEntry, len(batch))
			for i, in := range batch {
				keep[i] = JournalEntry{ID: int64(in.id), Raw: in.raw}
			}
			if err := opts.Journal.AcceptUpdates(ctx, int64(newLast), keep); err != nil {
				// Not recorded: do not confirm; Telegram sends them again.
				failures++
				wait := backoff(failures)
				log.Error().Err(err).Dur("retry_in", wait).Msg("could not record updates in the journal; fetching them again")
				if !sleep(ctx, wait) {
					break
				}
				continue
			}
		}
		failures = 0
		if newLast == last && time.Since(polled) < opts.PollTimeout/2 {
			// Nothing, at once: a misbehaving server (or proxy) must not
			// make this a busy loop.
			early++
			wait := earlyPollWait(early)
			if early == 1 {
				log.Warn().Dur("retry_in", wait).Msg("getUpdates returned nothing long before its timeout; waiting before polling again")
			}
			if !sleep(ctx, wait) {
				break
			}
		} else {
			early = 0
		}
		last = newLast
		handle := batch[:0:0]
		for _, in := range batch {
			if in.u != nil { // undecodable: it stays in the journal
				handle = append(handle, in)
			}
		}
		if sp != nil {
			sp.submit(ctx, handle)
		} else {
			d.submit(ctx, handle)
		}
		if caughtUp != nil && n < pollLimit {
			if sp != nil {
				sp.whenDone(caughtUp)
			} else {
				d.whenDone(caughtUp)
			}
			caughtUp = nil
		}
	}
	if sp != nil {
		sp.stop() // what it did not hand in stays in the journal
	}

	if errors.Is(context.Cause(ctx), ErrAbandon) {
		// Another instance takes over: cut the updates in hand off at
		// once and confirm nothing; the journal keeps every update not
		// finished, for the next poller to handle.
		log.Warn().Msg("abandoning the updates in hand: they stay in the journal for the instance that polls next")
		cutOff()
		grace, cancelGrace := context.WithTimeout(context.Background(), abandonGrace)
		defer cancelGrace()
		if !d.wait(grace) {
			log.Error().Dur("grace", abandonGrace).Msg("updates still running after being cut off; the next poller may handle them again")
		}
		return nil
	}

	// Stop: no new updates; let those in hand finish, then confirm.
	log.Info().Msg("stopping: finishing the updates in hand")
	drainCtx, cancel := context.WithTimeout(context.Background(), opts.DrainTimeout)
	defer cancel()
	if !d.wait(drainCtx) {
		log.Warn().Dur("drain_timeout", opts.DrainTimeout).Msg("updates still running at the drain deadline; cancelling them")
		cutOff()
		// Handlers watch their context; give them a moment to return.
		grace, cancelGrace := context.WithTimeout(context.Background(), time.Second)
		d.wait(grace)
		cancelGrace()
	}
	// With a journal everything received is safe to confirm: what was not
	// finished is replayed from the journal. Without one, only what was
	// handled.
	upTo := last
	if opts.Journal == nil {
		upTo = max(d.watermark(), confirmed)
	}
	if upTo > confirmed {
		confirmCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := c.Call(confirmCtx, "getUpdates", tgbotapi.Params{
			"offset":          strconv.Itoa(upTo + 1),
			"limit":           "1",
			"timeout":         "0",
			"allowed_updates": string(allowed),
		}, nil)
		if err != nil {
			log.Error().Err(err).Int("offset", upTo+1).Msg("could not confirm the updates; Telegram will send them again, and the journal skips those already handled")
		}
	}
	return nil
}

// takeBatch reads a batch of updates and returns, of those newer than last,
// the ones the bot wants, read in full, with the highest update ID seen and
// the number of updates in the batch.
// An update that cannot be decoded is returned with no u: it is journaled,
// not handled, and never dropped silently.
func takeBatch(r *batchReader, log zerolog.Logger, result []byte, last int, match func(*Update) bool, obs Observer) ([]*inbound, int, int, error) {
	var batch []*inbound
	n := 0
	received := time.Now()
	err := r.read(result, func(v *fastjson.Value, raw []byte, err error) {
		n++
		if err != nil {
			id, kind := idAndKind(raw)
			if id <= last && id != 0 {
				return
			}
			last = max(last, id)
			obs.UpdateReceived(kind)
			undecodable(log, obs, int64(id), kind, err)
			batch = append(batch, &inbound{id: id, raw: raw})
			return
		}
		u := peek(v, raw)
		if u.ID <= last {
			return // sent again: its confirmation was lost
		}
		last = u.ID
		obs.UpdateReceived(u.Kind)
		if !match(u) {
			return
		}
		fill(u, v)
		u.Received = received
		batch = append(batch, &inbound{id: u.ID, u: u, raw: raw})
	})
	return batch, last, n, err
}

// undecodable reports an update that cannot be decoded. It is kept in the
// journal (when there is one), so that it is not lost: a later version of
// the program may read it.
func undecodable(log zerolog.Logger, obs Observer, id int64, kind string, err error) {
	obs.UpdateUndecodable(kind)
	log.Error().Err(err).Int64("update_id", id).Str("update", kind).
		Msg("cannot decode an update; it is kept in the journal and not handled")
}

// handleOne runs h on an update with a deadline, a logger carrying the
// update's fields, the worker it holds (released while it waits), and
// recovery from any panic.
func handleOne(base context.Context, u *Update, h HandlerFunc, opts Options, workers chan struct{}) {
	// The deadline counts the time the handler works, not the time it
	// waits idle for pacing or a retry (see idle).
	ctx, cancel := context.WithCancelCause(base)
	defer cancel(nil)
	deadline := newWatchdog(opts.HandlerTimeout, func() { cancel(errHandlerTimeout) })
	defer deadline.stop()
	lc := opts.Log.With().Int("update_id", u.ID).Str("update", u.Kind)
	if u.Chat != nil {
		lc = lc.Int64("chat_id", u.Chat.ID)
	}
	if u.From != nil {
		lc = lc.Int64("user_id", u.From.ID)
	}
	if u.Route != "" {
		lc = lc.Str("command", u.Route)
	}
	log := lc.Logger()
	ctx = log.WithContext(ctx)
	ctx = withIdler(ctx, workers, deadline)

	start := time.Now()
	err := safeCall(ctx, u, h)
	if err != nil && context.Cause(ctx) == errHandlerTimeout {
		err = fmt.Errorf("%w: %w", errHandlerTimeout, err)
	}
	took := time.Since(start)
	outcome := "ok"
	var panicked *PanicError
	switch {
	case errors.As(err, &panicked):
		outcome = "panic"
	case err != nil:
		outcome = "error"
	}
	opts.Observer.UpdateHandled(u.Kind, u.Route, outcome, took)
	if err == nil {
		log.Debug().Dur("duration_ms", took).Msg("update handled")
		return
	}
	failed := log.Error().Err(err).Dur("duration_ms", took)
	if panicked != nil {
		failed = failed.Str("stack", string(panicked.Stack))
	}
	failed.Msg("update failed")
	if opts.OnError != nil {
		func() {
			defer func() {
				if p := recover(); p != nil {
					log.Error().Interface("panic", p).Msg("error handler panicked")
				}
			}()
			opts.OnError(ctx, u, err)
		}()
	}
}

// errHandlerTimeout ends a handler that worked past its deadline.
var errHandlerTimeout = errors.New("the update's handling took longer than its deadline")

// PanicError is a panic in a handler, turned into an error.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

func safeCall(ctx context.Context, u *Update, h HandlerFunc) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return h(ctx, u)
}

// Bounds of the wait after empty polls that came back long before their
// timeout.
const (
	minEarlyPollWait = 250 * time.Millisecond
	maxEarlyPollWait = 5 * time.Second
)

// earlyPollWait is the wait after n such polls in a row: doubling from
// minEarlyPollWait up to maxEarlyPollWait.
func earlyPollWait(n int) time.Duration {
	return min(minEarlyPollWait<<min(n-1, 10), maxEarlyPollWait)
}

// pollWait is how long to wait after a failed poll: what a 429 asks for,
// else the backoff for n failures in a row.
func pollWait(err error, n int) time.Duration {
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) && apiErr.Code == 429 && apiErr.RetryAfter > 0 {
		return min(time.Duration(apiErr.RetryAfter)*time.Second, maxRetryAfter)
	}
	return backoff(n)
}

// logPollError logs a failed poll with the number of failures in a row,
// so that an operator can alert on a run of them.
func logPollError(log zerolog.Logger, err error, wait time.Duration, failures int) {
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) && apiErr.Code == 409 {
		log.Error().Err(err).Int("failures", failures).Dur("retry_in", wait).Msg("getUpdates conflict: another instance of this bot is polling, or a webhook is set; stop the other instance (or delete the webhook) so that only one runs")
		return
	}
	log.Warn().Err(err).Int("failures", failures).Dur("retry_in", wait).Msg("getUpdates failed; retrying")
}

// backoff is the wait after n failures in a row: doubling from
// minPollBackoff up to maxPollBackoff, with jitter of up to a quarter.
func backoff(n int) time.Duration {
	d := minPollBackoff
	for i := 1; i < n && d < maxPollBackoff; i++ {
		d *= 2
	}
	d = min(d, maxPollBackoff)
	return d - time.Duration(rand.Int64N(int64(d/4)+1))
}

// sleep waits d or until ctx ends, and reports whether it waited it out.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
