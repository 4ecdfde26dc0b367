package ops

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ReadyMargin is how much longer than the long-poll timeout the bot stays
// ready after its last successful getUpdates: a poll that found nothing
// returns after the timeout, plus the trip to Telegram and back.
const ReadyMargin = 15 * time.Second

// Health tells whether the bot is ready: it leads (a standby, which waits
// for another instance to stop polling, is not ready), it polled Telegram
// successfully within the allowed silence, its last poll was not refused
// with a 409 Conflict, and the database answers. Poll is fed by the
// Observer, Lead by the program's leadership.
type Health struct {
	silence time.Duration
	ping    func(context.Context) error
	now     func() time.Time

	mu       sync.Mutex
	lastOK   time.Time
	lastErr  error
	conflict bool
	standby  bool
}

// NewHealth makes a Health that is ready while the last successful poll is
// at most silence ago (the poll timeout plus ReadyMargin) and ping (the
// database's) succeeds. now is the clock; nil means time.Now.
func NewHealth(silence time.Duration, ping func(context.Context) error, now func() time.Time) *Health {
	if now == nil {
		now = time.Now
	}
	return &Health{silence: silence, ping: ping, now: now}
}

// Lead records whether this instance leads. A new Health leads (one
// instance alone always does). Taking the lead starts afresh: readiness
// waits for this term's first successful poll.
func (h *Health) Lead(leading bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if leading && h.standby {
		h.lastOK, h.lastErr, h.conflict = time.Time{}, nil, false
	}
	h.standby = !leading
}

// Poll records the end of a getUpdates: err nil on success.
func (h *Health) Poll(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		h.lastOK, h.lastErr, h.conflict = h.now(), nil, false
		return
	}
	var apiErr *tgbotapi.Error
	h.lastErr = err
	h.conflict = errors.As(err, &apiErr) && apiErr.Code == http.StatusConflict
}

// Ready returns nil when the bot is ready, else the reason it is not, in
// one line.
func (h *Health) Ready(ctx context.Context) error {
	if err := h.polling(); err != nil {
		return err
	}
	if h.ping != nil {
		if err := h.ping(ctx); err != nil {
			return fmt.Errorf("database: %w", err)
		}
	}
	return nil
}

func (h *Health) polling() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	lastErr := ""
	if h.lastErr != nil {
		lastErr = "; last error: " + h.lastErr.Error()
	}
	switch {
	case h.standby:
		return errors.New("standby: another instance polls")
	case h.conflict:
		return errors.New("getUpdates conflict: another instance of this bot is polling, or a webhook is set" + lastErr)
	case h.lastOK.IsZero():
		return errors.New("no successful poll yet" + lastErr)
	}
	if ago := h.now().Sub(h.lastOK); ago > h.silence {
		return fmt.Errorf("no successful poll for %s (at most %s allowed)%s", ago.Round(time.Second), h.silence, lastErr)
	}
	return nil
}
