package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/rs/zerolog"
)

// DefaultCallTimeout bounds every Bot API call but getUpdates.
const DefaultCallTimeout = 15 * time.Second

// pollMargin is added to the long-poll timeout to make getUpdates' deadline.
const pollMargin = 10 * time.Second

// ClientConfig configures a Client.
type ClientConfig struct {
	// Token is the bot's token. It is never printed: every error the client
	// returns has it replaced by "<token>".
	Token string
	// APIURL is the Bot API server's base URL, such as https://api.telegram.org.
	APIURL string
	// HTTP is the underlying client; nil means a new http.Client.
	HTTP *http.Client
	// CallTimeout bounds each call but getUpdates; zero means DefaultCallTimeout.
	CallTimeout time.Duration
	// Pace limits the messages the client sends; zero means TelegramPace.
	Pace PaceLimits
	// OnMigrate is called when Telegram answers that a group became a
	// supergroup, before the call is retried on the new chat ID: the
	// records of chat from should move to chat to.
	OnMigrate func(ctx context.Context, from, to int64) error
	// Observer is told of every call, for metrics. Nil: nothing.
	Observer Observer
}

// Client is the one path by which invitebot talks to the Bot API. It wraps
// tgbotapi with what the library lacks: a context and a deadline on every
// call, so that shutdown is prompt and nothing waits forever, and errors
// that never contain the token.
//
// Client is safe for concurrent use.
type Client struct {
	api         *tgbotapi.BotAPI
	doer        *redactingDoer
	callTimeout time.Duration
	pacer       *pacer
	onMigrate   func(ctx context.Context, from, to int64) error
	obs         Observer
}

// NewClient makes a Client and calls getMe, which also checks the token.
// A token that Telegram rejects yields an error wrapping ErrUnauthorized.
func NewClient(ctx context.Context, cfg ClientConfig) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("bot: empty token")
	}
	base := strings.TrimRight(cfg.APIURL, "/")
	if _, err := url.ParseRequestURI(base); err != nil || !strings.HasPrefix(base, "http") {
		return nil, fmt.Errorf("bot: API URL %q is not an http(s) URL", cfg.APIURL)
	}
	hc := cfg.HTTP
	if hc == nil {
		// Updates of many chats are handled at once: keep enough idle
		// connections to the one API host to avoid a handshake per call.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		hc = &http.Client{Transport: tr}
	}
	pace := cfg.Pace
	if pace == (PaceLimits{}) {
		pace = TelegramPace
	}
	c := &Client{
		doer:        &redactingDoer{client: hc, token: cfg.Token},
		callTimeout: cfg.CallTimeout,
		pacer:       newPacer(pace, nil),
		onMigrate:   cfg.OnMigrate,
		obs:         cfg.Observer,
	}
	if c.obs == nil {
		c.obs = nopObserver{}
	}
	if c.callTimeout <= 0 {
		c.callTimeout = DefaultCallTimeout
	}
	// The constructor calls getMe at once, without a context: bind this
	// one call to ctx and the call timeout so start-up can be interrupted.
	callCtx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	endpoint := strings.ReplaceAll(base, "%", "%%") + "/bot%s/%s"
	start := time.Now()
	api, err := tgbotapi.NewBotAPIWithClient(cfg.Token, endpoint, boundDoer{ctx: callCtx, doer: c.doer})
	if err != nil {
		err = fmt.Errorf("getMe: %w", c.doer.redactErr(err))
		c.obs.APICall("getMe", outcomeOf(err), time.Since(start))
		var apiErr *tgbotapi.Error
		if errors.As(err, &apiErr) && (apiErr.Code == 401 || apiErr.Code == 404) {
			return nil, fmt.Errorf("%w: %w", ErrUnauthorized, err)
		}
		return nil, err
	}
	c.obs.APICall("getMe", OutcomeOK, time.Since(start))
	api.Client = c.doer
	c.api = api
	return c, nil
}

// Self is the bot's own user, as getMe returned it.
func (c *Client) Self() User {
	s := c.api.Self
	return User{ID: s.ID, IsBot: s.IsBot, FirstName: s.FirstName, LastName: s.LastName, Username: s.UserName, LanguageCode: s.LanguageCode}
}

// Call calls a Bot API method and decodes its result into result (unless
// result is nil). It is the one path of every call to Telegram:
//
//   - Messages are paced under Telegram's limits (Pace); the wait gives up
//     the caller's worker, so other chats go on.
//   - A 429 is waited out (retry_after, at most a minute) and retried.
//   - A failure that surely did not reach the Bot API (no connection, a
//     gateway's 502 or 503) is retried with capped exponential backoff and
//     jitter; so is a failure that may have reached it (a lost answer, a
//     timeout, any other 5xx). For a call that is not safe to repeat (a
//     message, a new link) that may make a duplicate, which is logged and
//     counted (Observer.UnsureRepeat): a lost answer to an admin is worse
//     than a rare duplicate. When the tries run out on such a failure, the
//     error wraps ErrUnsure.
//   - A group upgraded to a supergroup: OnMigrate, then the call again on
//     the new chat ID.
//
// getUpdates is tried once: the poll loop has its own backoff. Each try
// ends when ctx ends or its deadline passes (getUpdates: its long-poll
// timeout plus a margin; others: the call timeout). Errors are wrapped with
// the method's name; Telegram's own errors are *tgbotapi.Error.
func (c *Client) Call(ctx context.Context, method string, params tgbotapi.Params, result any) error {
	return c.send(ctx, method, params, nil, result)
}

// Upload is Call with files: the parameters and the files go as a
// multipart/form-data body (sendDocument, sendPhoto), by the same path,
// paced, retried and redacted as every call.
func (c *Client) Upload(ctx context.Context, method string, params tgbotapi.Params, files []tgbotapi.RequestFile, result any) error {
	return c.send(ctx, method, params, files, result)
}

// send is Call, with files if any.
func (c *Client) send(ctx context.Context, method string, params tgbotapi.Params, files []tgbotapi.RequestFile, result any) error {
	if method == "getUpdates" {
		return c.try(ctx, method, params, nil, result)
	}
	migrations := 0
	for attempt := 1; ; attempt++ {
		var turn *paceWaiter
		if paced(method) {
			var waited time.Duration
			var err error
			turn, waited, err = c.pacer.wait(ctx, params["chat_id"])
			c.obs.Paced(waited)
			if err != nil {
				return fmt.Errorf("%s: %w", method, err)
			}
		}
		err := c.tryPaced(ctx, turn, method, params, files, result)
		if err == nil || ctx.Err() != nil {
			return err
		}
		o := classify(err)
		var wait time.Duration
		var apiErr *tgbotapi.Error
		if o == OutcomeTooMany {
			wait = time.Second // a proxy's 429 says no more
			if errors.As(err, &apiErr) {
				wait = max(time.Duration(apiErr.RetryAfter)*time.Second, wait)
			}
		}
		switch {
		case o == OutcomeRefused:
			return err
		case o == OutcomeMigrated && migrations == 0:
			errors.As(err, &apiErr)
			from, _ := strconv.ParseInt(params["chat_id"], 10, 64)
			to := apiErr.MigrateToChatID
			zerolog.Ctx(ctx).Info().Str("method", method).Int64("from_chat_id", from).Int64("to_chat_id", to).Msg("group upgraded to a supergroup; moving to its new ID")
			if c.onMigrate != nil {
				if merr := c.onMigrate(ctx, from, to); merr != nil {
					return fmt.Errorf("%w (and moving the chat's records failed: %v)", err, merr)
				}
			}
			params = withChatID(params, to)
			migrations++
			attempt--
			continue
		case o == OutcomeMigrated:
			return err
		case attempt >= maxAttempts && o == OutcomeUnsure:
			return &unsureError{err: err}
		case attempt >= maxAttempts:
			return err
		case o == OutcomeTooMany:
			if wait > maxRetryAfter {
				return err
			}
			c.obs.RetryAfter(method, wait)
		default: // not sent, or unsure
			wait = retryDelay(attempt)
		}
		c.obs.Retry(method, o)
		log := zerolog.Ctx(ctx)
		if o == OutcomeUnsure && !idempotent(method) {
			// A lost answer to an admin is worse than a rare duplicate.
			c.obs.UnsureRepeat(method)
			log.Warn().Err(err).Str("method", method).Int("attempt", attempt).Dur("retry_in", wait).
				Msg("the answer of a call that is not safe to repeat was lost; repeating it, so a duplicate may exist")
		} else {
			log.Warn().Err(err).Str("method", method).Int("attempt", attempt).
				Str("failure", string(o)).Dur("retry_in", wait).Msg("Bot API call failed; retrying")
		}
		if !sleepIdle(ctx, wait) {
			return err
		}
	}
}

// tryPaced is try for a message whose turn the pacer gave (nil if the
// method is not paced): the turn holds its place until the call has ended.
func (c *Client) tryPaced(ctx context.Context, turn *paceWaiter, method string, params tgbotapi.Params, files []tgbotapi.RequestFile, result any) error {
	if turn != nil {
		defer c.pacer.sent(turn)
	}
	return c.try(ctx, method, params, files, result)
}

// try makes one attempt at a call.
func (c *Client) try(ctx context.Context, method string, params tgbotapi.Params, files []tgbotapi.RequestFile, result any) error {
	timeout := c.callTimeout
	if method == "getUpdates" {
		timeout = pollMargin
		if s, ok := params["timeout"]; ok {
			var secs int
			if _, err := fmt.Sscan(s, &secs); err == nil && secs > 0 {
				timeout += time.Duration(secs) * time.Second
			}
		}
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	api := *c.api // a shallow copy: the per-call HTTP client carries ctx
	api.Client = boundDoer{ctx: callCtx, doer: c.doer}
	start := time.Now()
	var resp *tgbotapi.APIResponse
	var err error
	if files != nil {
		resp, err = api.UploadFiles(method, params, files)
		// tgbotapi v5.5.1's UploadFiles leaves the error's code out.
		var apiErr *tgbotapi.Error
		if errors.As(err, &apiErr) && apiErr.Code == 0 && resp != nil {
			apiErr.Code = resp.ErrorCode
		}
	} else {
		resp, err = api.MakeRequest(method, params)
	}
	if err != nil {
		var apiErr *tgbotapi.Error
		if errors.As(err, &apiErr) {
			err = fmt.Errorf("%s: %d %w", method, apiErr.Code, c.doer.redactErr(err))
		} else {
			err = fmt.Errorf("%s: %w", method, c.doer.redactErr(err))
		}
		outcome := outcomeOf(err)
		if ctx.Err() != nil {
			outcome = OutcomeCanceled
		}
		c.obs.APICall(method, outcome, time.Since(start))
		return err
	}
	c.obs.APICall(method, OutcomeOK, time.Since(start))
	switch r := result.(type) {
	case nil:
		return nil
	case *json.RawMessage:
		*r = resp.Result // already checked JSON: no need to scan and copy it again
		return nil
	}
	if err := json.Unmarshal(resp.Result, result); err != nil {
		return fmt.Errorf("%s: decode result: %w", method, err)
	}
	return nil
}

// boundDoer gives every request it sends one context.
type boundDoer struct {
	ctx  context.Context
	doer tgbotapi.HTTPClient
}

func (b boundDoer) Do(req *http.Request) (*http.Response, error) {
	return b.doer.Do(req.WithContext(b.ctx))
}

// redactingDoer sends requests and removes the token from the errors of
// net/http, which quote the whole URL: Post "https://.../bot123:SECRET/getMe".
type redactingDoer struct {
	client *http.Client
	token  string
}

func (d *redactingDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, d.redactErr(err)
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	// A failure that is not Telegram's error envelope (a proxy's HTML page,
	// another server's JSON) would reach tgbotapi as a JSON syntax error or
	// as an error without a text: keep its status and a piece of its body.
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	drained(resp.Body)
	if err != nil {
		return nil, d.redactErr(err)
	}
	if isTelegramError(body) {
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	return nil, &HTTPError{StatusCode: resp.StatusCode, Body: excerpt(body, d.token)}
}

// maxErrorBody bounds what is read of a failed answer.
const maxErrorBody = 64 << 10

// isTelegramError tells Telegram's error envelope: {"ok":false,
// "error_code":N, "description":"..."}.
func isTelegramError(body []byte) bool {
	var e struct {
		OK          *bool  `json:"ok"`
		ErrorCode   int    `json:"error_code"`
		Description string `json:"description"`
	}
	return json.Unmarshal(body, &e) == nil && e.OK != nil && !*e.OK && e.ErrorCode != 0
}

// maxExcerpt bounds the piece of a failed answer's body kept for the logs.
const maxExcerpt = 120

// excerpt is the start of body for a log line: at most maxExcerpt bytes of
// valid UTF-8 on one line, without the token.
func excerpt(body []byte, token string) string {
	s := strings.ToValidUTF8(string(body), "\ufffd")
	s = Redact(s, token)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxExcerpt {
		return s
	}
	cut := maxExcerpt
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// redactErr returns err with every occurrence of the token replaced. A
// *url.Error keeps its Err, so errors.Is and errors.As still see the cause
// (context.Canceled, a *net.OpError...).
func (d *redactingDoer) redactErr(err error) error {
	if err == nil || !strings.Contains(err.Error(), d.token) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) && !strings.Contains(ue.Err.Error(), d.token) {
		redacted := *ue
		redacted.URL = Redact(ue.URL, d.token)
		if ue == err {
			return &redacted
		}
		// The url.Error is wrapped: keep the outer text, redacted.
		return &redactedError{msg: Redact(err.Error(), d.token), cause: &redacted}
	}
	return &redactedError{msg: Redact(err.Error(), d.token)}
}

// redactedError stands for an error whose text held the token.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// Redact replaces every occurrence of token in s with "<token>".
func Redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "<token>")
}
