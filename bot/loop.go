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
)

// Options configures Run. Zero values mean the defaults.
type Options struct {
	// PollTimeout is getUpdates' long-poll timeout, whole seconds (default 30s).
	PollTimeout time.Duration
	// AllowedUpdates is sent with every getUpdates (always: a nil list would
	// be sent as null and leave Telegram's previous choice in force).
	AllowedUpdates []string
	// Workers bounds the handlers running at once (default 16).
	Workers int
	// MaxPending bounds the updates in hand; polling pauses beyond it (default 1000).
	MaxPending int
	// HandlerTimeout is the deadline of one update's handling (default 60s).
	HandlerTimeout time.Duration
	// DrainTimeout is how long a stop waits for the updates in hand (default 10s).
	DrainTimeout time.Duration
	// Log is the root logger; each update gets a child with its fields.
	Log zerolog.Logger
	// OnError is called after a handler failed or panicked, once the error is
	// logged: it may tell the user that something went wrong.
	OnError func(ctx context.Context, u *tgbotapi.Update)
}

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
}

// Backoff bounds for failed polls.
const (
	minPollBackoff = 500 * time.Millisecond
	maxPollBackoff = 30 * time.Second
)

// Run long-polls getUpdates and hands every update to h until ctx ends.
// Errors never stop polling. Each poll confirms the updates fetched before
// it (Telegram's confirmation is a prefix, so polling on past a slow update
// means confirming it). When ctx ends, Run stops polling at once, gives the
// updates in hand DrainTimeout to finish, confirms those that were handled,
// and returns nil.
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
	d := newDispatcher(opts.Workers, opts.MaxPending, func(u *tgbotapi.Update) bool {
		handleOne(handlerBase, u, h, opts)
		return handlerBase.Err() == nil // false: cut off by the stop
	})

	offset := 0 // the next update wanted; 0 until the first update comes
	confirmed := 0
	failures := 0
	for ctx.Err() == nil {
		params := tgbotapi.Params{
			"timeout":         strconv.Itoa(int(opts.PollTimeout / time.Second)),
			"allowed_updates": string(allowed),
		}
		if offset > 0 {
			params["offset"] = strconv.Itoa(offset)
		}
		var updates []json.RawMessage
		if err := c.Call(ctx, "getUpdates", params, &updates); err != nil {
			if ctx.Err() != nil {
				break
			}
			failures++
			wait := backoff(failures)
			logPollError(log, err, wait)
			if !sleep(ctx, wait) {
				break
			}
			continue
		}
		failures = 0
		confirmed = offset - 1
		for _, raw := range updates {
			u, err := decodeUpdate(raw)
			if err != nil {
				log.Error().Err(err).Int("update_id", u.UpdateID).Msg("cannot decode update; skipped")
			}
			if u.UpdateID < offset {
				continue // already taken
			}
			offset = u.UpdateID + 1
			if err != nil {
				continue
			}
			if !d.submit(ctx, u) {
				break
			}
		}
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
	if mark := d.watermark(); mark > confirmed {
		confirmCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := c.Call(confirmCtx, "getUpdates", tgbotapi.Params{
			"offset":          strconv.Itoa(mark + 1),
			"limit":           "1",
			"timeout":         "0",
			"allowed_updates": string(allowed),
		}, nil)
		if err != nil {
			log.Error().Err(err).Int("offset", mark+1).Msg("could not confirm handled updates; they will come again after a restart")
		}
	}
	return nil
}

// decodeUpdate decodes one update. On failure it still returns what it could
// read, at least the update ID.
func decodeUpdate(raw json.RawMessage) (*tgbotapi.Update, error) {
	u := new(tgbotapi.Update)
	if err := json.Unmarshal(raw, u); err != nil {
		var id struct {
			UpdateID int `json:"update_id"`
		}
		_ = json.Unmarshal(raw, &id)
		return &tgbotapi.Update{UpdateID: id.UpdateID}, fmt.Errorf("decode update: %w", err)
	}
	return u, nil
}

// handleOne runs h on u with a deadline, a logger carrying the update's
// fields, and recovery from any panic.
func handleOne(base context.Context, u *tgbotapi.Update, h HandlerFunc, opts Options) {
	ctx, cancel := context.WithTimeout(base, opts.HandlerTimeout)
	defer cancel()
	lc := opts.Log.With().Int("update_id", u.UpdateID).Str("update", Kind(u))
	if chat := Chat(u); chat != nil {
		lc = lc.Int64("chat_id", chat.ID)
	}
	if s := Sender(u); s != nil {
		lc = lc.Int64("user_id", s.ID)
	}
	log := lc.Logger()
	ctx = log.WithContext(ctx)

	start := time.Now()
	err := safeCall(ctx, u, h)
	if err == nil {
		log.Debug().Dur("duration", time.Since(start)).Msg("update handled")
		return
	}
	if cmd, ok := CommandFrom(ctx); ok {
		log = log.With().Str("command", cmd.Name).Logger()
	}
	log.Error().Err(err).Dur("duration", time.Since(start)).Msg("update failed")
	if opts.OnError != nil {
		func() {
			defer func() {
				if p := recover(); p != nil {
					log.Error().Interface("panic", p).Msg("error handler panicked")
				}
			}()
			opts.OnError(ctx, u)
		}()
	}
}

// PanicError is a panic in a handler, turned into an error.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

func safeCall(ctx context.Context, u *tgbotapi.Update, h HandlerFunc) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
			zerolog.Ctx(ctx).Error().Str("stack", string(err.(*PanicError).Stack)).Msg("handler panicked")
		}
	}()
	return h(ctx, u)
}

func logPollError(log zerolog.Logger, err error, wait time.Duration) {
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) && apiErr.Code == 409 {
		log.Error().Err(err).Dur("retry_in", wait).Msg("getUpdates conflict: another instance of this bot is polling, or a webhook is set; stop the other instance (or delete the webhook) so that only one runs")
		return
	}
	log.Warn().Err(err).Dur("retry_in", wait).Msg("getUpdates failed; retrying")
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
