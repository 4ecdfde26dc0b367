package bot

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Retry bounds.
const (
	// maxAttempts bounds the tries of one call that keeps failing
	// transiently or with 429.
	maxAttempts = 6
	// maxRetryAfter is the longest 429 wait the client accepts; a longer one
	// is returned to the caller.
	maxRetryAfter = 60 * time.Second
	minRetryDelay = 200 * time.Millisecond
	maxRetryDelay = 5 * time.Second
)

// ErrUnsure means a call kept failing in a way that leaves open whether
// Telegram carried it out (a timeout, a connection lost after the request
// was sent, a 500 or 504) until its tries ran out. Callers should say so
// honestly.
var ErrUnsure = errors.New("request not confirmed by Telegram; it may or may not have been carried out")

// HTTPError is a failed answer of the Bot API server that is not
// Telegram's error envelope: a proxy's error page, another server's JSON.
type HTTPError struct {
	StatusCode int
	// Body is the start of the answer's body, on one line, without the token.
	Body string
}

func (e *HTTPError) Error() string {
	s := "HTTP " + strconv.Itoa(e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		s += " " + strings.ToLower(t)
	}
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// classify tells what a failed try's err means for retrying it:
// OutcomeRefused (Telegram refused; retrying changes nothing),
// OutcomeNotSent (surely did not reach the Bot API: safe to retry),
// OutcomeUnsure (may have been carried out), OutcomeTooMany (retry after
// retry_after) or OutcomeMigrated (retry on the supergroup's new ID).
func classify(err error) Outcome {
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.Code == 429:
			return OutcomeTooMany
		case apiErr.MigrateToChatID != 0:
			return OutcomeMigrated
		case apiErr.Code == 502 || apiErr.Code == 503:
			return OutcomeNotSent
		case apiErr.Code >= 500:
			return OutcomeUnsure
		default:
			return OutcomeRefused
		}
	}
	var httpErr *HTTPError
	if errors.As(err, &httpErr) {
		switch code := httpErr.StatusCode; {
		case code == 502 || code == 503:
			return OutcomeNotSent
		case code == 429:
			return OutcomeTooMany
		case code >= 500:
			return OutcomeUnsure
		default:
			return OutcomeRefused
		}
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return OutcomeNotSent
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return OutcomeNotSent
	case errors.Is(err, syscall.ECONNREFUSED):
		return OutcomeNotSent
	}
	// Timeouts, resets, EOF, garbage instead of JSON: sent, answer lost.
	return OutcomeUnsure
}

// idempotent reports whether doing method twice does no harm: everything
// but sending a message and creating a link. (exportChatInviteLink twice
// leaves the second link, the first revoked; edits, revocations and
// answers come out the same.)
func idempotent(method string) bool {
	switch {
	case method == "createChatInviteLink", method == "createChatSubscriptionInviteLink":
		return false
	case paced(method) && !strings.HasPrefix(method, "editMessage"):
		return false
	}
	return true
}

// retryDelay is the wait before try n+1 after n transient failures:
// doubling from minRetryDelay up to maxRetryDelay, less up to a third at
// random (jitter, so that many callers do not come back at once).
func retryDelay(n int) time.Duration {
	d := minRetryDelay << min(n-1, 10)
	d = min(d, maxRetryDelay)
	return d - jitter(d/3)
}

// jitter is a random duration in [0, d].
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// unsureError wraps err as ErrUnsure, keeping err's own chain.
type unsureError struct{ err error }

func (e *unsureError) Error() string        { return e.err.Error() + " (" + ErrUnsure.Error() + ")" }
func (e *unsureError) Unwrap() []error      { return []error{ErrUnsure, e.err} }
func (e *unsureError) Is(target error) bool { return target == ErrUnsure }

// drained reads and closes a body that is not needed.
func drained(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// withChatID returns a copy of params for chat to.
func withChatID(params tgbotapi.Params, to int64) tgbotapi.Params {
	out := make(tgbotapi.Params, len(params))
	for k, v := range params {
		out[k] = v
	}
	out["chat_id"] = strconv.FormatInt(to, 10)
	return out
}
