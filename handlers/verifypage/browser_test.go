package verifypage_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/handlers/verifypage"
	"github.com/invitebot/invitebot/handlers/verifypage/pagetest"
)

func TestMain(m *testing.M) { os.Exit(pagetest.Run(m)) }

// The browser tests play the whole way: a join request to a chat the bot
// guards, the bot's Mini App shown with sendChatJoinRequestWebApp, the
// page opened in headless Chromium at the launch URL Telegram would open
// (init data signed by bottest as Telegram signs it), the button pressed,
// and the request approved, or not, in the fake Bot API.

const (
	group     int64 = -1001234567890
	chatTitle       = "Go Gophers — a friendly group"
	// A long unbroken word, as rules hold (a URL), must not make a
	// phone scroll sideways.
	chatRules = "1. Be kind.\n2. No spam: https://example.com/a-very-long-address-without-any-place-to-break-it-0123456789abcdefghijklmnopqrstuvwxyz"
)

var guardBot = bottest.User{ID: 6000000001, FirstName: "Invite Bot", UserName: "invite_test_bot", SupportsJoinRequestQueries: true}

// guardGate is a Gate as the bot's would be: a verification for each join
// request query, behind a token of its own, passed with
// answerChatJoinRequestQuery through the Bot API.
type guardGate struct {
	api *bottest.Server

	mu     sync.Mutex
	v      map[string]*verification
	passes int
}

type verification struct {
	query    string
	user     int64
	deadline time.Time
	state    string // "pending", "passed" or "handled"
}

func (g *guardGate) Request(ctx context.Context, token string) (verifypage.Request, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	v := g.v[token]
	switch {
	case v == nil:
		return verifypage.Request{}, verifypage.ErrUnknown
	case v.state != "pending":
		return verifypage.Request{}, verifypage.ErrHandled
	case !time.Now().Before(v.deadline):
		return verifypage.Request{}, verifypage.ErrExpired
	}
	return verifypage.Request{ChatTitle: chatTitle, Rules: chatRules, UserID: v.user, Language: "en", Deadline: v.deadline}, nil
}

func (g *guardGate) Pass(ctx context.Context, token string, userID int64) error {
	g.mu.Lock()
	defer g.mu.Unlock() // held across the call: once is once
	g.passes++
	v := g.v[token]
	switch {
	case v == nil:
		return verifypage.ErrUnknown
	case v.state != "pending":
		return verifypage.ErrHandled
	case !time.Now().Before(v.deadline):
		return verifypage.ErrExpired
	case userID != v.user:
		return verifypage.ErrWrongUser
	}
	err := call(ctx, g.api, "answerChatJoinRequestQuery", url.Values{"chat_join_request_query_id": {v.query}, "result": {"approve"}})
	if errors.As(err, new(*refused)) { // the request is gone: answered elsewhere
		v.state = "handled"
		return fmt.Errorf("%w: %v", verifypage.ErrHandled, err)
	}
	if err != nil {
		return err
	}
	v.state = "passed"
	return nil
}

// refused is Telegram's 4xx answer.
type refused struct {
	code int
	desc string
}

func (r *refused) Error() string { return fmt.Sprintf("%d %s", r.code, r.desc) }

// call calls a Bot API method as the bot.
func call(ctx context.Context, api *bottest.Server, method string, params url.Values) error {
	_, err := callResult(ctx, api, method, params)
	return err
}

func callResult(ctx context.Context, api *bottest.Server, method string, params url.Values) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, api.URL()+"/bot"+api.Token()+"/"+method, strings.NewReader(params.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var env struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Code        int             `json:"error_code"`
		Description string          `json:"description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	if !env.OK {
		return nil, fmt.Errorf("%s: %w", method, &refused{env.Code, env.Description})
	}
	return env.Result, nil
}

// browserWorld is the fake Bot API with a guarded group, and the page
// served on 127.0.0.1 with a guardGate.
type browserWorld struct {
	t      *testing.T
	api    *bottest.Server
	gate   *guardGate
	page   *httptest.Server
	offset int64
}

func newBrowserWorld(t *testing.T) *browserWorld {
	pagetest.Chromium(t) // skip early, before building the world, if there is none
	api := bottest.NewServer(t, bottest.WithBot(guardBot))
	for _, u := range []bottest.User{
		{ID: 5000000001, FirstName: "Alice"},
		{ID: bob, FirstName: "Bob", LanguageCode: "en"},
		{ID: carol, FirstName: "Carol", LanguageCode: "en"},
	} {
		api.AddUser(u)
	}
	api.AddChat(bottest.Chat{ID: group, Type: "supergroup", Title: chatTitle})
	api.SetMember(group, 5000000001, bottest.Member{Status: "creator"})
	api.SetMember(group, guardBot.ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	api.SetGuardBot(group, true)

	w := &browserWorld{t: t, api: api, gate: &guardGate{api: api, v: make(map[string]*verification)}}
	w.page = httptest.NewServer(verifypage.New(verifypage.Options{
		Gate:     w.gate,
		BotToken: api.Token(),
		Catalog:  catalog(t),
		Log:      zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel),
	}))
	t.Cleanup(w.page.Close)
	return w
}

// request makes user ask to join the group, and does what the bot does:
// reads the query, makes a token for it, shows the Mini App. It returns
// the token and the query's ID.
func (w *browserWorld) request(user int64) (token, query string) {
	w.t.Helper()
	ctx := context.Background()
	w.api.PushJoinRequest(group, user, "")
	raw, err := callResult(ctx, w.api, "getUpdates", url.Values{"offset": {strconv.FormatInt(w.offset, 10)}})
	if err != nil {
		w.t.Fatal(err)
	}
	var ups []struct {
		ID      int64 `json:"update_id"`
		Request struct {
			QueryID string `json:"query_id"`
		} `json:"chat_join_request"`
	}
	if err := json.Unmarshal(raw, &ups); err != nil || len(ups) != 1 || ups[0].Request.QueryID == "" {
		w.t.Fatalf("getUpdates: %v %s", err, raw)
	}
	w.offset = ups[0].ID + 1
	query = ups[0].Request.QueryID

	b := make([]byte, 16)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	if err := call(ctx, w.api, "sendChatJoinRequestWebApp", url.Values{
		"chat_join_request_query_id": {query},
		"web_app_url":                {"https://invitebot.example" + verifypage.Prefix + token},
	}); err != nil {
		w.t.Fatal(err)
	}
	w.gate.mu.Lock()
	w.gate.v[token] = &verification{query: query, user: user, deadline: time.Now().Add(10 * time.Minute), state: "pending"}
	w.gate.mu.Unlock()
	return token, query
}

// pageURL is the Mini App's URL of query, on the test's server instead of
// the public one.
func (w *browserWorld) pageURL(query string) string {
	w.t.Helper()
	for _, q := range w.api.JoinRequestQueries() {
		if q.ID == query {
			u, err := url.Parse(q.WebAppURL)
			if err != nil {
				w.t.Fatal(err)
			}
			return w.page.URL + u.Path
		}
	}
	w.t.Fatalf("no query %s", query)
	return ""
}

// launch is what Telegram opens: the page with the init data it signed.
func (w *browserWorld) launch(query, initData string) string {
	return pagetest.LaunchURL(w.pageURL(query), initData)
}

// answer is the query's answer ("" while none), and the user's status.
func (w *browserWorld) answer(query string, user int64) (string, string) {
	for _, q := range w.api.JoinRequestQueries() {
		if q.ID == query {
			return q.Result, w.api.Member(group, user).Status
		}
	}
	w.t.Fatalf("no query %s", query)
	return "", ""
}

// shows checks the page the browser shows: its status, its heading,
// whether it has the button, and that the browser reported nothing wrong.
func shows(t *testing.T, b *pagetest.Browser, status int, heading string, button bool) {
	t.Helper()
	if got := b.Status(); got != status {
		t.Errorf("status %d, want %d", got, status)
	}
	if got := b.Text("h1"); got != heading {
		t.Errorf("heading %q, want %q", got, heading)
	}
	if got := b.Has("form button"); got != button {
		t.Errorf("button shown: %v, want %v", got, button)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the browser reported: %q", p)
	}
}

func notApproved(t *testing.T, w *browserWorld, query string, user int64) {
	t.Helper()
	if answer, status := w.answer(query, user); answer != "" || status == "member" {
		t.Errorf("query answered %q, the user is %q", answer, status)
	}
}

// TestBrowserApproves: the requester opens the page in Telegram, on a
// phone, and presses the button: the request is approved, once.
func TestBrowserApproves(t *testing.T) {
	w := newBrowserWorld(t)
	token, query := w.request(bob)
	initData := w.api.WebAppInitData(query)
	b := pagetest.Open(t, w.launch(query, initData), pagetest.Viewport(360, 640))
	second := pagetest.Open(t, w.launch(query, initData)) // the same page in another tab

	shows(t, b, http.StatusOK, "Join "+chatTitle, true)
	if got := b.Text(".rules-text"); got != chatRules {
		t.Errorf("rules %q", got)
	}
	if got := b.Value(`input[name="init_data"]`); got != initData {
		t.Errorf("the script put %q in the form, want the init data", got)
	}
	layout := pagetest.Eval[map[string]float64](b, `(function () {
		var r = document.querySelector("form button").getBoundingClientRect();
		return {inner: window.innerWidth, scroll: document.documentElement.scrollWidth, left: r.left, right: r.right, width: r.width, height: r.height};
	})()`)
	if layout["inner"] != 360 || layout["scroll"] > 360 || layout["left"] < 0 || layout["right"] > 360 || layout["width"] < 200 || layout["height"] < 40 {
		t.Errorf("at 360 px the page lays out as %v: it should fit, button and all", layout)
	}

	// A second press before the answer posts nothing (the script stops
	// the second submit), so that a double tap does not end on "Already
	// answered" after the first approved. Tried in a tab of its own.
	double := pagetest.Open(t, w.launch(query, initData))
	if got := pagetest.Eval[[]bool](double, `(function () {
		var f = document.getElementById("verify");
		return [f.dispatchEvent(new Event("submit", {cancelable: true})), f.dispatchEvent(new Event("submit", {cancelable: true}))];
	})()`); len(got) != 2 || !got[0] || got[1] {
		t.Errorf("two submits went through as %v, want [true false]", got)
	}

	b.Press("form button")
	shows(t, b, http.StatusOK, "You're in", false)
	if !strings.Contains(b.Text("main"), "Your request to join "+chatTitle+" was approved.") {
		t.Errorf("the page says %q", b.Text("main"))
	}
	if answer, status := w.answer(query, bob); answer != "approve" || status != "member" {
		t.Errorf("query answered %q, Bob is %q", answer, status)
	}

	// Pressed again in the other tab, and the page opened again: the
	// token served once.
	second.Press("form button")
	shows(t, second, http.StatusConflict, "Already answered", false)
	again := pagetest.Open(t, w.launch(query, initData))
	shows(t, again, http.StatusConflict, "Already answered", false)
	if n := len(w.api.CallsTo("answerChatJoinRequestQuery")); n != 1 {
		t.Errorf("answerChatJoinRequestQuery called %d times", n)
	}
	_ = token
}

// TestBrowserRefuses: every bad visit shows why, and approves nothing.
func TestBrowserRefuses(t *testing.T) {
	t.Run("outside Telegram", func(t *testing.T) {
		w := newBrowserWorld(t)
		_, query := w.request(bob)
		b := pagetest.Open(t, w.pageURL(query)) // no init data in the fragment
		shows(t, b, http.StatusOK, "Join "+chatTitle, true)
		b.Press("form button")
		shows(t, b, http.StatusBadRequest, "Open it in Telegram", false)
		notApproved(t, w, query, bob)
	})
	t.Run("another user's init data", func(t *testing.T) {
		w := newBrowserWorld(t)
		_, bobs := w.request(bob)
		_, carols := w.request(carol)
		b := pagetest.Open(t, w.launch(bobs, w.api.WebAppInitData(carols)))
		b.Press("form button")
		shows(t, b, http.StatusForbidden, "Not your request", false)
		notApproved(t, w, bobs, bob)
		notApproved(t, w, carols, carol)
		if w.gate.passes != 0 {
			t.Errorf("the gate was asked to pass %d times", w.gate.passes)
		}
	})
	t.Run("stale init data", func(t *testing.T) {
		w := newBrowserWorld(t)
		_, query := w.request(bob)
		stale := w.api.SignInitData(url.Values{
			"user":      {bottest.WebAppUserJSON(bottest.User{ID: bob, FirstName: "Bob"})},
			"auth_date": {strconv.FormatInt(time.Now().Add(-2*time.Hour).Unix(), 10)},
		})
		b := pagetest.Open(t, w.launch(query, stale))
		b.Press("form button")
		shows(t, b, http.StatusForbidden, "Page open too long", false)
		notApproved(t, w, query, bob)
	})
	t.Run("init data of another bot", func(t *testing.T) {
		w := newBrowserWorld(t)
		_, query := w.request(bob)
		forged := bottest.SignInitData("6000000002:AAOtherBotsToken", url.Values{
			"user":      {bottest.WebAppUserJSON(bottest.User{ID: bob, FirstName: "Bob"})},
			"auth_date": {strconv.FormatInt(time.Now().Unix(), 10)},
		})
		b := pagetest.Open(t, w.launch(query, forged))
		b.Press("form button")
		shows(t, b, http.StatusForbidden, "Could not check who you are", false)
		notApproved(t, w, query, bob)
	})
	t.Run("expired token", func(t *testing.T) {
		w := newBrowserWorld(t)
		token, query := w.request(bob)
		w.gate.mu.Lock()
		w.gate.v[token].deadline = time.Now().Add(-time.Second)
		w.gate.mu.Unlock()
		b := pagetest.Open(t, w.launch(query, w.api.WebAppInitData(query)))
		shows(t, b, http.StatusGone, "Too late", false)
		notApproved(t, w, query, bob)
	})
	t.Run("handled token", func(t *testing.T) {
		w := newBrowserWorld(t)
		token, query := w.request(bob)
		w.gate.mu.Lock()
		w.gate.v[token].state = "handled"
		w.gate.mu.Unlock()
		b := pagetest.Open(t, w.launch(query, w.api.WebAppInitData(query)))
		shows(t, b, http.StatusConflict, "Already answered", false)
		notApproved(t, w, query, bob)
	})
	t.Run("unknown token", func(t *testing.T) {
		w := newBrowserWorld(t)
		_, query := w.request(bob)
		b := pagetest.Open(t, pagetest.LaunchURL(w.page.URL+verifypage.Prefix+"NoSuchTokenAtAll000000", w.api.WebAppInitData(query)))
		shows(t, b, http.StatusNotFound, "Page not found", false)
		notApproved(t, w, query, bob)
	})
	t.Run("declined by an admin while open", func(t *testing.T) {
		w := newBrowserWorld(t)
		_, query := w.request(bob)
		b := pagetest.Open(t, w.launch(query, w.api.WebAppInitData(query)))
		if err := call(context.Background(), w.api, "declineChatJoinRequest", url.Values{"chat_id": {strconv.FormatInt(group, 10)}, "user_id": {strconv.FormatInt(bob, 10)}}); err != nil {
			t.Fatal(err)
		}
		b.Press("form button")
		shows(t, b, http.StatusConflict, "Already answered", false)
		if status := w.api.Member(group, bob).Status; status == "member" {
			t.Errorf("Bob is %q", status)
		}
	})
}
