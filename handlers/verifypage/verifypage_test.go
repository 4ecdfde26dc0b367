package verifypage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/handlers/verifypage"
)

const (
	botToken = "7000000001:AAPageTestBotsToken-abcdefghijklmnop"
	bob      = int64(5000000002)
	carol    = int64(5000000003)

	pending = "PendingToken-000000001"
	other   = "PendingToken-000000002"
	handled = "HandledToken-000000001"
	expired = "ExpiredToken-000000001"
	unknown = "UnknownToken-000000001"
)

var start = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// clock is a clock the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeGate keeps verifications in memory and records what the page asks.
type fakeGate struct {
	mu       sync.Mutex
	now      func() time.Time
	reqs     map[string]*fakeReq
	lookups  []string // tokens looked up with Request
	passes   []string // "token user" of each Pass
	approved []string // tokens passed
}

type fakeReq struct {
	verifypage.Request
	state      string // "pending", "handled"
	requestErr error  // Request's answer, if set
	passErrs   []error
}

func newGate(now func() time.Time) *fakeGate {
	deadline := start.Add(10 * time.Minute)
	return &fakeGate{now: now, reqs: map[string]*fakeReq{
		pending: {Request: verifypage.Request{ChatTitle: "Go Gophers", Rules: "Be kind.\nNo spam.", UserID: bob, Language: "en", Deadline: deadline}, state: "pending"},
		other:   {Request: verifypage.Request{ChatTitle: "Go Gophers", UserID: carol, Deadline: deadline}, state: "pending"},
		handled: {Request: verifypage.Request{ChatTitle: "Go Gophers", UserID: bob, Deadline: deadline}, state: "handled"},
		expired: {Request: verifypage.Request{ChatTitle: "Go Gophers", UserID: bob, Deadline: start.Add(-time.Second)}, state: "pending"},
	}}
}

func (g *fakeGate) Request(ctx context.Context, token string) (verifypage.Request, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lookups = append(g.lookups, token)
	r := g.reqs[token]
	switch {
	case r == nil:
		return verifypage.Request{}, fmt.Errorf("gate: %w", verifypage.ErrUnknown)
	case r.requestErr != nil:
		return verifypage.Request{}, r.requestErr
	case r.state != "pending":
		return verifypage.Request{}, fmt.Errorf("gate: %w", verifypage.ErrHandled)
	}
	return r.Request, nil // the page must see to the deadline itself too
}

func (g *fakeGate) Pass(ctx context.Context, token string, userID int64) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.passes = append(g.passes, fmt.Sprint(token, " ", userID))
	r := g.reqs[token]
	switch {
	case r == nil:
		return verifypage.ErrUnknown
	case r.state != "pending":
		return verifypage.ErrHandled
	case !g.now().Before(r.Deadline):
		return verifypage.ErrExpired
	case len(r.passErrs) > 0:
		err := r.passErrs[0]
		r.passErrs = r.passErrs[1:]
		return err
	case userID != r.UserID:
		return verifypage.ErrWrongUser
	}
	r.state = "handled"
	g.approved = append(g.approved, token)
	return nil
}

func (g *fakeGate) set(token string, change func(*fakeReq)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	change(g.reqs[token])
}

func (g *fakeGate) counts() (lookups, passes int, approved []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.lookups), len(g.passes), append([]string(nil), g.approved...)
}

// world is the page served on 127.0.0.1 with a fake gate and clock.
type world struct {
	t     *testing.T
	opts  verifypage.Options
	srv   *httptest.Server
	gate  *fakeGate
	clock *clock
	logs  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func catalog(t testing.TB) *text.Catalog {
	c, err := text.New("en")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newWorld(t *testing.T, change ...func(*verifypage.Options)) *world {
	w := &world{t: t, clock: &clock{now: start}, logs: &syncBuffer{}}
	w.gate = newGate(w.clock.Now)
	o := verifypage.Options{
		Gate:      w.gate,
		BotToken:  botToken,
		Catalog:   catalog(t),
		Log:       zerolog.New(w.logs).Level(zerolog.DebugLevel),
		Now:       w.clock.Now,
		PerClient: verifypage.Limit{Every: time.Millisecond, Burst: 1000},
	}
	for _, c := range change {
		c(&o)
	}
	w.opts = o
	mux := http.NewServeMux()
	mux.Handle(verifypage.Prefix, verifypage.New(o))
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	t.Cleanup(func() {
		logs := w.logs.String()
		for _, secret := range []string{botToken, "AAPageTestBotsToken", pending, "hash="} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log tells %q:\n%s", secret, logs)
			}
		}
	})
	return w
}

// response is an answer of the page.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request and checks the headers every response must carry.
func (w *world) do(method, path string, body io.Reader, header ...string) response {
	w.t.Helper()
	req, err := http.NewRequest(method, w.srv.URL+path, body)
	if err != nil {
		w.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	checkHeaders(w.t, method+" "+path, resp.Header)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func checkHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors https://web.telegram.org",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
	for k, v := range want {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
}

func (w *world) get(path string, header ...string) response {
	w.t.Helper()
	return w.do(http.MethodGet, path, nil, header...)
}

// press posts the form of the page of token with init data.
func (w *world) press(token, initData string) response {
	w.t.Helper()
	return w.do(http.MethodPost, verifypage.Prefix+token, strings.NewReader(url.Values{"init_data": {initData}}.Encode()))
}

// initData is Telegram's init data for userID, signed age ago.
func (w *world) initData(userID int64, age time.Duration) string {
	user := bottest.WebAppUserJSON(bottest.User{ID: userID, FirstName: "Someone", LanguageCode: "en"})
	return bottest.SignInitData(botToken, url.Values{
		"query_id":  {"AAHdF6IQAAAAAN0XohDhrOrc"},
		"user":      {user},
		"auth_date": {strconv.FormatInt(w.clock.Now().Add(-age).Unix(), 10)},
	})
}

// wantPage checks a page's status and that it says what it should.
func wantPage(t *testing.T, r response, status int, says ...string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d; page:\n%s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	for _, s := range says {
		if !strings.Contains(r.body, s) {
			t.Errorf("the page does not say %q:\n%s", s, r.body)
		}
	}
}

const button = `<button type="submit">`

func TestShowsTheCheck(t *testing.T) {
	w := newWorld(t)
	r := w.get(verifypage.Prefix + pending)
	wantPage(t, r, http.StatusOK,
		`<html lang="en" dir="ltr">`,
		"<title>Join Go Gophers</title>",
		"<h1>Join Go Gophers</h1>",
		"Press the button below",
		"<h2>The chat&#39;s rules</h2>",
		`<div class="rules-text" dir="auto">Be kind.`+"\n"+`No spam.</div>`,
		"The button works until 2026-12-01 12:10 UTC.",
		`<form id="verify" method="post" action="/verify/`+pending+`">`,
		`<input type="hidden" name="init_data" value="">`,
		button+"I&#39;m a person: let me in</button>",
		`<script src="/verify/static/page.js" defer></script>`,
		`<link rel="stylesheet" href="/verify/static/page.css">`)
	if lookups, passes, _ := w.gate.counts(); lookups != 1 || passes != 0 {
		t.Errorf("showing the page: %d lookups, %d passes", lookups, passes)
	}

	head := w.do(http.MethodHead, verifypage.Prefix+pending, nil)
	if head.status != http.StatusOK || head.body != "" {
		t.Errorf("HEAD: %d %q", head.status, head.body)
	}
}

// TestEscapesTheChatsText: the chat's title and rules are text, whatever
// they hold, and the page holds no inline script or style.
func TestEscapesTheChatsText(t *testing.T) {
	w := newWorld(t)
	w.gate.set(pending, func(r *fakeReq) {
		r.ChatTitle = `<script>alert(1)</script>`
		r.Rules = `&<>"' <img src=x onerror=alert(2)>`
	})
	r := w.get(verifypage.Prefix + pending)
	wantPage(t, r, http.StatusOK,
		"<title>Join &lt;script&gt;alert(1)&lt;/script&gt;</title>",
		`<h1>Join &lt;script&gt;alert(1)&lt;/script&gt;</h1>`,
		`<div class="rules-text" dir="auto">&amp;&lt;&gt;&#34;&#39; &lt;img src=x onerror=alert(2)&gt;</div>`)
	for _, bad := range []string{"<script>alert", "<img", "style=", "<style", "onerror=alert(2)>"} {
		if strings.Contains(r.body, bad) {
			t.Errorf("the page holds %q:\n%s", bad, r.body)
		}
	}
	if n := strings.Count(r.body, "<script"); n != 1 || !strings.Contains(r.body, `<script src="/verify/static/page.js" defer></script>`) {
		t.Errorf("%d scripts, want only page.js:\n%s", n, r.body)
	}
}

func TestServesItsOwnScriptAndStyle(t *testing.T) {
	w := newWorld(t)
	for path, ct := range map[string]string{"static/page.js": "text/javascript; charset=utf-8", "static/page.css": "text/css; charset=utf-8"} {
		r := w.get(verifypage.Prefix + path)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != ct || len(r.body) < 100 {
			t.Errorf("%s: %d %q, %d bytes", path, r.status, r.header.Get("Content-Type"), len(r.body))
		}
	}
	wantPage(t, w.get(verifypage.Prefix+"static/other.js"), http.StatusNotFound, "Page not found")
	r := w.do(http.MethodPost, verifypage.Prefix+"static/page.js", strings.NewReader("x=1"))
	wantPage(t, r, http.StatusMethodNotAllowed, "Bad request")
	if r.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
}

func TestPressApprovesOnce(t *testing.T) {
	w := newWorld(t)
	w.clock.Advance(2 * time.Minute)
	data := w.initData(bob, time.Minute)
	wantPage(t, w.press(pending, data), http.StatusOK, "<title>You&#39;re in</title>", "Your request to join Go Gophers was approved.")
	_, passes, approved := w.gate.counts()
	if passes != 1 || len(approved) != 1 || approved[0] != pending {
		t.Errorf("%d passes, approved %q", passes, approved)
	}
	// Pressed again (a reload, a second tab): the request is answered.
	r := w.press(pending, data)
	wantPage(t, r, http.StatusConflict, "Already answered")
	if strings.Contains(r.body, button) {
		t.Errorf("the page still has the button")
	}
	if _, _, approved := w.gate.counts(); len(approved) != 1 {
		t.Errorf("approved %q", approved)
	}
	if !strings.Contains(w.logs.String(), `"outcome":"approved"`) {
		t.Errorf("no approval logged: %s", w.logs)
	}
}

// TestRefusals: every bad visit approves nothing and gets a page that
// says why, without the button.
func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(w *world)
		do     func(w *world) response
		status int
		says   string
		noLook bool // the gate must not even be asked
		passed bool // the page asked the gate to pass (which refused)
	}{
		{name: "GET unknown token", do: func(w *world) response { return w.get(verifypage.Prefix + unknown) }, status: 404, says: "Page not found"},
		{name: "GET handled token", do: func(w *world) response { return w.get(verifypage.Prefix + handled) }, status: 409, says: "Already answered"},
		{name: "GET expired token", do: func(w *world) response { return w.get(verifypage.Prefix + expired) }, status: 410, says: "Too late"},
		{name: "GET deadline passed since", setup: func(w *world) { w.clock.Advance(10 * time.Minute) },
			do: func(w *world) response { return w.get(verifypage.Prefix + pending) }, status: 410, says: "Too late"},
		{name: "GET token too short", do: func(w *world) response { return w.get(verifypage.Prefix + "short") }, status: 404, says: "Page not found", noLook: true},
		{name: "GET token too long", do: func(w *world) response { return w.get(verifypage.Prefix + strings.Repeat("a", 65)) }, status: 404, says: "Page not found", noLook: true},
		{name: "GET token of other characters", do: func(w *world) response { return w.get(verifypage.Prefix + "Pending%20Token-00000001") }, status: 404, says: "Page not found", noLook: true},
		{name: "GET deeper path", do: func(w *world) response { return w.get(verifypage.Prefix + pending + "/x") }, status: 404, says: "Page not found", noLook: true},
		{name: "GET the prefix", do: func(w *world) response { return w.get(verifypage.Prefix) }, status: 404, says: "Page not found", noLook: true},
		{name: "GET, the gate fails", setup: func(w *world) {
			w.gate.set(pending, func(r *fakeReq) { r.requestErr = errors.New("database is locked") })
		},
			do: func(w *world) response { return w.get(verifypage.Prefix + pending) }, status: 500, says: "Something went wrong"},

		{name: "no init data", do: func(w *world) response { return w.press(pending, "") }, status: 400, says: "Open it in Telegram"},
		{name: "no form", do: func(w *world) response { return w.do(http.MethodPost, verifypage.Prefix+pending, nil) }, status: 400, says: "Open it in Telegram"},
		{name: "another user's init data", do: func(w *world) response { return w.press(pending, w.initData(carol, 0)) }, status: 403, says: "Not your request"},
		{name: "stale init data", do: func(w *world) response {
			return w.press(pending, w.initData(bob, verifypage.DefaultMaxAge+time.Second))
		}, status: 403, says: "Page open too long"},
		{name: "init data from the future", do: func(w *world) response { return w.press(pending, w.initData(bob, -time.Hour)) }, status: 403, says: "Page open too long"},
		{name: "init data of another bot", do: func(w *world) response {
			return w.press(pending, bottest.SignInitData("7000000002:AAAnotherBot", url.Values{"user": {`{"id":5000000002}`}, "auth_date": {fmt.Sprint(start.Unix())}}))
		}, status: 403, says: "Could not check who you are"},
		{name: "tampered init data", do: func(w *world) response {
			return w.press(pending, strings.Replace(w.initData(carol, 0), "5000000003", "5000000002", 1))
		}, status: 403, says: "Could not check who you are"},
		{name: "init data not a query string", do: func(w *world) response { return w.press(pending, "%%%") }, status: 403, says: "Could not check who you are"},
		{name: "POST unknown token", do: func(w *world) response { return w.press(unknown, w.initData(bob, 0)) }, status: 404, says: "Page not found"},
		{name: "POST bad token", do: func(w *world) response { return w.press("Pending%27Token%00-0001", w.initData(bob, 0)) }, status: 404, says: "Page not found", noLook: true},
		{name: "POST handled token", do: func(w *world) response { return w.press(handled, w.initData(bob, 0)) }, status: 409, says: "Already answered"},
		{name: "POST expired token", do: func(w *world) response { return w.press(expired, w.initData(bob, 0)) }, status: 410, says: "Too late"},
		{name: "POST, deadline passed since", setup: func(w *world) { w.clock.Advance(10 * time.Minute) },
			do: func(w *world) response { return w.press(pending, w.initData(bob, 0)) }, status: 410, says: "Too late"},
		{name: "POST, the gate says expired", setup: func(w *world) { w.gate.set(pending, func(r *fakeReq) { r.passErrs = []error{verifypage.ErrExpired} }) },
			do: func(w *world) response { return w.press(pending, w.initData(bob, 0)) }, passed: true, status: 410, says: "Too late"},
		{name: "POST, the gate says another user", setup: func(w *world) {
			w.gate.set(pending, func(r *fakeReq) { r.passErrs = []error{verifypage.ErrWrongUser} })
		},
			do: func(w *world) response { return w.press(pending, w.initData(bob, 0)) }, passed: true, status: 403, says: "Not your request"},
		{name: "POST, answered meanwhile", setup: func(w *world) {
			w.gate.set(pending, func(r *fakeReq) { r.passErrs = []error{fmt.Errorf("gate: %w", verifypage.ErrHandled)} })
		}, do: func(w *world) response { return w.press(pending, w.initData(bob, 0)) }, passed: true, status: 409, says: "Already answered"},
		{name: "POST, the gate fails", setup: func(w *world) {
			w.gate.set(pending, func(r *fakeReq) { r.requestErr = errors.New("database is locked") })
		},
			do: func(w *world) response { return w.press(pending, w.initData(bob, 0)) }, status: 500, says: "Something went wrong"},
		{name: "body too large", do: func(w *world) response {
			return w.do(http.MethodPost, verifypage.Prefix+pending, strings.NewReader("init_data="+strings.Repeat("a", verifypage.MaxBody)))
		}, status: 413, says: "Bad request", noLook: true},
		{name: "PUT", do: func(w *world) response {
			return w.do(http.MethodPut, verifypage.Prefix+pending, strings.NewReader("x"))
		}, status: 405, says: "Bad request", noLook: true},
		{name: "DELETE", do: func(w *world) response { return w.do(http.MethodDelete, verifypage.Prefix+pending, nil) }, status: 405, says: "Bad request", noLook: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.setup != nil {
				tc.setup(w)
			}
			r := tc.do(w)
			wantPage(t, r, tc.status, tc.says)
			if strings.Contains(r.body, button) {
				t.Errorf("a refusal shows the button:\n%s", r.body)
			}
			lookups, passes, approved := w.gate.counts()
			if len(approved) != 0 {
				t.Errorf("approved %q", approved)
			}
			if !tc.passed && passes != 0 {
				t.Errorf("the gate was asked to pass %d times", passes)
			}
			if tc.noLook && lookups != 0 {
				t.Errorf("the gate was asked %d times", lookups)
			}
			if r.status == http.StatusMethodNotAllowed && r.header.Get("Allow") != "GET, HEAD, POST" {
				t.Errorf("Allow %q", r.header.Get("Allow"))
			}
		})
	}
}

// TestTelegramFailsThenTryAgain: when the approval fails at Telegram, the
// page says so and offers the button again, with the init data that
// passed; the next press approves.
func TestTelegramFailsThenTryAgain(t *testing.T) {
	w := newWorld(t)
	w.gate.set(pending, func(r *fakeReq) { r.passErrs = []error{errors.New("approve: Telegram did not answer")} })
	data := w.initData(bob, 0)
	r := w.press(pending, data)
	wantPage(t, r, http.StatusServiceUnavailable, "<title>Try again</title>", "your request is still waiting", button,
		`<input type="hidden" name="init_data" value="`+strings.ReplaceAll(data, "&", "&amp;")+`">`)
	if r.header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After")
	}
	if _, _, approved := w.gate.counts(); len(approved) != 0 {
		t.Fatalf("approved %q", approved)
	}
	wantPage(t, w.press(pending, data), http.StatusOK, "You&#39;re in")
}

// TestRateLimits: a client over its limit, and all clients over the
// overall one, get 429 until the limit allows again; the client is the
// remote address, or X-Forwarded-For's last when the proxy sets it.
func TestRateLimits(t *testing.T) {
	page := verifypage.Prefix + pending
	t.Run("per client", func(t *testing.T) {
		w := newWorld(t, func(o *verifypage.Options) { o.PerClient = verifypage.Limit{Every: time.Minute, Burst: 3} })
		for range 3 {
			wantPage(t, w.get(page), http.StatusOK)
		}
		r := w.get(page)
		wantPage(t, r, http.StatusTooManyRequests, "Too many requests")
		if r.header.Get("Retry-After") != "60" {
			t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
		}
		// Without ForwardedFor the header is the client's to write: it
		// changes nothing.
		wantPage(t, w.get(page, "X-Forwarded-For", "198.51.100.7"), http.StatusTooManyRequests)
		w.clock.Advance(time.Minute)
		wantPage(t, w.get(page), http.StatusOK)
		wantPage(t, w.get(page), http.StatusTooManyRequests)
		if lookups, _, _ := w.gate.counts(); lookups != 4 {
			t.Errorf("the gate was asked %d times, want only for the 4 requests let through", lookups)
		}
	})
	t.Run("behind a proxy", func(t *testing.T) {
		w := newWorld(t, func(o *verifypage.Options) {
			o.PerClient = verifypage.Limit{Every: time.Minute, Burst: 2}
			o.ForwardedFor = true
		})
		for _, tc := range []struct {
			xff    []string
			status int
		}{
			{[]string{"198.51.100.7"}, 200},
			{[]string{"203.0.113.9, 198.51.100.7"}, 200}, // the client wrote the first: still 198.51.100.7
			{[]string{"198.51.100.7"}, 429},
			{[]string{"198.51.100.8"}, 200},
			{[]string{"10.0.0.1", "198.51.100.8:4711"}, 200}, // two headers, a port
			{[]string{"198.51.100.8"}, 429},
			{[]string{"2001:db8:1:2::1"}, 200},
			{[]string{"[2001:db8:1:2::ffff]"}, 200}, // the same /64
			{[]string{"2001:db8:1:2:abcd::1"}, 429},
			{[]string{"2001:db8:1:3::1"}, 200},     // another /64
			{[]string{"::ffff:198.51.100.7"}, 429}, // 198.51.100.7 again
			{nil, 200},                             // no header: the proxy's address
			{[]string{"garbage"}, 200},             // unreadable: the proxy's address
			{[]string{""}, 429},
		} {
			var h []string
			for _, v := range tc.xff {
				h = append(h, "X-Forwarded-For", v)
			}
			if r := w.get(page, h...); r.status != tc.status {
				t.Errorf("X-Forwarded-For %q: %d, want %d", tc.xff, r.status, tc.status)
			}
		}
	})
	t.Run("not from a proxy", func(t *testing.T) {
		// A peer from the internet writes X-Forwarded-For itself: it is
		// counted as who it is.
		w := newWorld(t, func(o *verifypage.Options) {
			o.PerClient = verifypage.Limit{Every: time.Minute, Burst: 1}
			o.ForwardedFor = true
		})
		h := verifypage.New(w.opts)
		status := func(xff string) int {
			req := httptest.NewRequest(http.MethodGet, page, nil)
			req.RemoteAddr = "203.0.113.5:4711"
			req.Header.Set("X-Forwarded-For", xff)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec.Code
		}
		if got := status("198.51.100.1"); got != http.StatusOK {
			t.Fatalf("first request: %d", got)
		}
		if got := status("198.51.100.2"); got != http.StatusTooManyRequests {
			t.Errorf("a second request with another forged address: %d, want 429", got)
		}
	})
	t.Run("overall", func(t *testing.T) {
		w := newWorld(t, func(o *verifypage.Options) {
			o.ForwardedFor = true
			o.Overall = verifypage.Limit{Every: time.Second, Burst: 3}
		})
		for i := range 3 {
			wantPage(t, w.get(page, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i)), http.StatusOK)
		}
		r := w.get(page, "X-Forwarded-For", "198.51.100.200")
		wantPage(t, r, http.StatusTooManyRequests)
		if r.header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
		}
		w.clock.Advance(time.Second)
		wantPage(t, w.get(page, "X-Forwarded-For", "198.51.100.200"), http.StatusOK)
	})
	t.Run("refused overall, not charged", func(t *testing.T) {
		w := newWorld(t, func(o *verifypage.Options) {
			o.ForwardedFor = true
			o.PerClient = verifypage.Limit{Every: time.Hour, Burst: 1}
			o.Overall = verifypage.Limit{Every: time.Second, Burst: 1}
		})
		wantPage(t, w.get(page, "X-Forwarded-For", "198.51.100.1"), http.StatusOK)
		wantPage(t, w.get(page, "X-Forwarded-For", "198.51.100.2"), http.StatusTooManyRequests)
		w.clock.Advance(time.Second)
		// 198.51.100.2's own request is still there: the overall limit
		// refused it, and it cost the client nothing.
		wantPage(t, w.get(page, "X-Forwarded-For", "198.51.100.2"), http.StatusOK)
	})
	t.Run("assets count", func(t *testing.T) {
		w := newWorld(t, func(o *verifypage.Options) { o.PerClient = verifypage.Limit{Every: time.Minute, Burst: 2} })
		w.get(verifypage.Prefix + "static/page.css")
		w.get(verifypage.Prefix + "static/page.js")
		wantPage(t, w.get(page), http.StatusTooManyRequests)
	})
}

func TestNewNeedsItsParts(t *testing.T) {
	for name, o := range map[string]verifypage.Options{
		"no gate":    {BotToken: botToken, Catalog: catalog(t)},
		"no token":   {Gate: newGate(time.Now), Catalog: catalog(t)},
		"no catalog": {Gate: newGate(time.Now), BotToken: botToken},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New did not refuse", name)
				}
			}()
			verifypage.New(o)
		}()
	}
}

func TestValidToken(t *testing.T) {
	for s, want := range map[string]bool{
		"abcdefghijklmnop":      true,
		strings.Repeat("A", 64): true,
		"Ab0-_Ab0-_Ab0-_Ab0-_":  true,
		"abcdefghijklmno":       false,
		strings.Repeat("A", 65): false,
		"abcdefghijklmno=":      false,
		"abcdefghijklmno/":      false,
		"abcdefghijklmno.":      false,
		"abcdefghijklmnoé":      false,
		"":                      false,
	} {
		if verifypage.ValidToken(s) != want {
			t.Errorf("ValidToken(%q) = %v", s, !want)
		}
	}
}

// TestSpeaksTheRequestersLanguage: the page is in the language of the
// requester's Telegram (Request.Language), every text of it from the
// catalogs: the check, and what a press comes to. In Arabic it reads right
// to left, with the chat's title isolated (U+2068 … U+2069) in the title
// and the heading; the rules take their own direction. A page about no
// request is in the browser's language.
func TestSpeaksTheRequestersLanguage(t *testing.T) {
	c := catalog(t)
	en := c.For("en")
	esc := template.HTMLEscapeString
	for _, tc := range []struct{ code, dir string }{{"ru", "ltr"}, {"ar", "rtl"}} {
		t.Run(tc.code, func(t *testing.T) {
			p := c.For(tc.code)
			if p.Lang() != tc.code {
				t.Fatalf("no %s catalog", tc.code)
			}
			w := newWorld(t)
			w.gate.set(pending, func(r *fakeReq) { r.Language = tc.code })
			w.gate.set(expired, func(r *fakeReq) { r.Language = tc.code })
			title := p.P("page.check.title", "Chat", "Go Gophers")
			if title == en.P("page.check.title", "Chat", "Go Gophers") {
				t.Fatalf("the %s title is the English one", tc.code)
			}
			if isolated := strings.Contains(title, "\u2068Go Gophers\u2069"); isolated != (tc.dir == "rtl") {
				t.Errorf("%s: the chat's title isolated: %v in %q", tc.code, isolated, title)
			}
			check := w.get(verifypage.Prefix + pending)
			wantPage(t, check, http.StatusOK,
				`<html lang="`+tc.code+`" dir="`+tc.dir+`">`,
				"<title>"+esc(title)+"</title>",
				"<h1>"+esc(title)+"</h1>",
				"<p>"+esc(p.P("page.check.text", "Chat", "Go Gophers"))+"</p>",
				"<h2>"+esc(p.P("page.check.rules"))+"</h2>",
				`<div class="rules-text" dir="auto">Be kind.`+"\n"+`No spam.</div>`,
				esc(p.P("page.check.deadline", "Deadline", start.Add(10*time.Minute))),
				button+esc(p.P("page.check.button"))+"</button>")
			for _, english := range []string{"Join Go Gophers", "Press the button", "The chat&#39;s rules", "I&#39;m a person"} {
				if strings.Contains(check.body, english) {
					t.Errorf("%s: the page says %q in English:\n%s", tc.code, english, check.body)
				}
			}

			wantPage(t, w.press(pending, w.initData(carol, 0)), http.StatusForbidden,
				`dir="`+tc.dir+`"`, "<title>"+esc(p.P("page.wrong_user.title"))+"</title>", esc(p.P("page.wrong_user.text")))
			wantPage(t, w.get(verifypage.Prefix+expired), http.StatusGone,
				`dir="`+tc.dir+`"`, "<title>"+esc(p.P("page.expired.title"))+"</title>", esc(p.P("page.expired.text")))
			wantPage(t, w.press(pending, w.initData(bob, 0)), http.StatusOK,
				`dir="`+tc.dir+`"`, "<title>"+esc(p.P("page.approved.title"))+"</title>", esc(p.P("page.approved.text", "Chat", "Go Gophers")))
			// About no request: the browser's language.
			wantPage(t, w.get(verifypage.Prefix+unknown, "Accept-Language", tc.code+";q=0.9, en;q=0.5"), http.StatusNotFound,
				`<html lang="`+tc.code+`" dir="`+tc.dir+`">`, "<title>"+esc(p.P("page.unknown.title"))+"</title>")
		})
	}
}
