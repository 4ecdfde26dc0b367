// Package verifypage is the verification page of join requests: the Mini
// App that the bot shows a requester with sendChatJoinRequestWebApp when
// it is a chat's guard bot and the chat's join mode is verify. It is an
// http.Handler for the bot's HTTP server, mounted at Prefix ("/verify/"),
// which people reach through a TLS proxy at the bot's public URL.
//
// GET /verify/TOKEN shows the chat's title, its rules and one button, in
// the requester's language. TOKEN is the bot's own, made for one pending
// request (the Gate knows which). Telegram opens the page with its signed
// init data in the URL's fragment (#tgWebAppData=...), which a browser
// never sends to a server: the page's own small script
// (/verify/static/page.js) copies it into the form, and the button posts
// it. POST /verify/TOKEN approves the request, through the Gate, only
// when the init data is Telegram's (signed with the bot's token, see
// package webapp), fresh (MaxAge), and of the very user the token was
// made for, and only while the request is pending and before its
// deadline; the Gate approves it once. Every other visit approves
// nothing and gets a page that says why, with a status to match: 404 an
// unknown token, 410 an expired check, 409 a request answered already,
// 403 another user's or unverifiable init data, 400 none (opened outside
// Telegram, or without the script), 503 when Telegram did not confirm
// (the page offers the button again), 429 too many requests.
//
// Security. Every response, error pages and assets included, carries
// CSP (below), X-Content-Type-Options: nosniff, Referrer-Policy:
// no-referrer (the token is in the URL) and Cache-Control: no-store (a
// page about one person's request is nobody else's). The page loads
// nothing from elsewhere, and nothing inline: its script and style come
// from this handler, so the policy can forbid everything else:
//
//	default-src 'none'; script-src 'self'; style-src 'self';
//	form-action 'self'; base-uri 'none';
//	frame-ancestors https://web.telegram.org
//
// frame-ancestors: Telegram's apps open a Mini App in a web view of their
// own, where no page frames it; only Telegram Web (web.telegram.org, /k/
// and /a/) shows it in an iframe. No other site may frame the page, so
// none can dress the button up as something else. Telegram's
// telegram-web-app.js is not used: reading the fragment takes three
// lines, and a script from elsewhere would widen the policy.
//
// Text from the chat (title, rules) goes through html/template, which
// escapes it. Only GET, HEAD and POST are served; a form body is at most
// MaxBody bytes; a token is checked for its shape (ValidToken) before
// anything is looked up.
//
// Rate limits (golang.org/x/time/rate): every request under the prefix
// counts against its client's limit and against an overall one; over
// either, the answer is 429 with a page and Retry-After. The client is
// the connection's remote address, unless Options.ForwardedFor says that
// the proxy in front sets X-Forwarded-For and the connection comes from a
// loopback or private address (where a proxy is): then it is the header's
// last address, the one the proxy itself saw (the addresses before it
// come from the client and prove nothing). An IPv6 client is its /64, the
// block one household or phone gets.
package verifypage

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/handlers/text"
)

// Request is what the page shows about the join request a token was made for.
type Request struct {
	ChatTitle string
	Rules     string    // "" for none
	UserID    int64     // the requester: only init data of this user passes
	Language  string    // catalog code to show the page in ("" = the bot's default)
	Deadline  time.Time // when the check expires
}

// Gate finds and passes the verifications behind the page's tokens.
type Gate interface {
	// Request returns the pending verification that token was made for.
	// Errors (wrapped or not, tested with errors.Is): ErrUnknown (no such
	// token), ErrExpired (deadline passed), ErrHandled (passed, failed, or
	// the request was answered elsewhere).
	Request(ctx context.Context, token string) (Request, error)
	// Pass approves the request of token for userID, once: only while it
	// is pending and before its deadline, and only when userID is the
	// requester (else ErrWrongUser). The same errors as Request, plus any
	// error of Telegram (the page then says to try again).
	Pass(ctx context.Context, token string, userID int64) error
}

// The Gate's errors.
var (
	ErrUnknown   = errors.New("verifypage: unknown token")
	ErrExpired   = errors.New("verifypage: verification expired")
	ErrHandled   = errors.New("verifypage: request handled already")
	ErrWrongUser = errors.New("verifypage: not the requester")
)

// Prefix is the path the handler serves: mount it there.
const Prefix = "/verify/"

// The defaults of Options.
const (
	// DefaultMaxAge: init data is signed when Telegram opens the page.
	// An hour is long for reading a chat's rules, and short enough that
	// init data that leaked is soon of no use; the check's own deadline
	// may end it sooner.
	DefaultMaxAge = time.Hour
	// DefaultTimeout bounds the Gate's calls for one request: Pass waits
	// for Telegram.
	DefaultTimeout = 15 * time.Second
)

// DefaultPerClient and DefaultOverall are the rate limits when Options
// leaves them zero. One visit is four requests (the page, its script and
// style, the press); a client may make 30 at once and then one every 2
// seconds, and all clients together 200 at once and then 100 a second.
var (
	DefaultPerClient = Limit{Every: 2 * time.Second, Burst: 30}
	DefaultOverall   = Limit{Every: 10 * time.Millisecond, Burst: 200}
)

// MaxBody bounds the body of a POST: the form holds only the init data
// (under webapp.MaxLen, percent-encoded once more).
const MaxBody = 32 << 10

// Limit is a rate of requests: Burst at once, then one every Every.
type Limit struct {
	Every time.Duration
	Burst int
}

// Options configure the page. Gate, BotToken and Catalog are required.
type Options struct {
	Gate Gate
	// BotToken checks Telegram's signature of the init data. It is never
	// logged nor shown.
	BotToken string
	// Catalog has the page's texts (the page.* messages).
	Catalog *text.Catalog
	// MaxAge is how long after Telegram opened the page its init data is
	// accepted (DefaultMaxAge when 0).
	MaxAge time.Duration
	// Timeout bounds the Gate's calls for one request (DefaultTimeout
	// when 0).
	Timeout time.Duration
	// Log gets one line per outcome: approvals at info, refusals at
	// debug, the Gate's failures at warn (with the Gate's error as it
	// is). Never the bot token nor init data.
	Log zerolog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// ForwardedFor says that a proxy in front of the bot sets
	// X-Forwarded-For to the client's address; the rate limits then
	// count by it, for connections from a loopback or private address
	// (the proxy's). A connection from elsewhere could write any
	// address there, and counts as itself.
	ForwardedFor bool
	// PerClient and Overall are the rate limits (DefaultPerClient and
	// DefaultOverall when zero).
	PerClient, Overall Limit
}

// ValidToken tells whether s has the shape of a page token: 16 to 64
// characters of the URL-safe base64 alphabet (A-Z a-z 0-9 - _). The Gate's
// tokens must have it; anything else is unknown without a look-up.
func ValidToken(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
