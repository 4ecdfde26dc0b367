package bottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/invitebot/invitebot/bot/bottest/internal/spec"
)

// recorder is a testing.TB that records failures instead of failing, for
// checking that the server reports what it should.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatals []string
}

func newRecorder(t *testing.T) *recorder { return &recorder{TB: t} }

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

func (r *recorder) Errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

func (r *recorder) Fatals() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.fatals...)
}

// The world most tests use.
const (
	group   int64 = -1001234567890
	channel int64 = -1009876543210
	alice   int64 = 5000000001
	bob     int64 = 5000000002
	carol   int64 = 5000000003
)

var (
	aliceUser = User{ID: alice, FirstName: "Alice", UserName: "alice_admin", LanguageCode: "en"}
	bobUser   = User{ID: bob, FirstName: "Bob"}
	carolUser = User{ID: carol, FirstName: "Carol"}
)

// newWorld starts a server (reporting to tb, with the options) with Alice
// as the creator of a supergroup where the bot is an administrator that
// can invite users, and Bob and Carol as known users.
func newWorld(tb testing.TB, opts ...Option) *Server {
	srv := NewServer(tb, opts...)
	srv.AddUser(aliceUser)
	srv.AddUser(bobUser)
	srv.AddUser(carolUser)
	srv.AddChat(Chat{ID: group, Type: "supergroup", Title: "Invite Test Group"})
	srv.AddChat(Chat{ID: channel, Type: "channel", Title: "Invite Test Channel", UserName: "invite_test_channel"})
	srv.SetMember(group, alice, Member{Status: "creator"})
	srv.SetMember(group, srv.Bot().ID, Member{Status: "administrator", CanInviteUsers: true})
	return srv
}

// checkingTransport checks every successful result the server returns
// against the method's return type in the specification.
type checkingTransport struct {
	t   testing.TB
	srv *Server
}

func (c checkingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return resp, err
	}
	_, method, _ := splitPath(req.URL.Path)
	checkResult(c.t, c.srv, method, body)
	return resp, nil
}

// legacyFields are fields the real server still writes although Bot API
// 10.1 no longer lists them.
var legacyFields = []string{
	`unknown field "can_manage_voice_chats" in ChatMemberAdministrator`,
	`unknown field "all_members_are_administrators" in Chat`,
	`unknown field "can_send_media_messages" in ChatMemberRestricted`,
}

// checkResult checks a successful answer's result against the spec.
func checkResult(t testing.TB, srv *Server, method string, body []byte) {
	t.Helper()
	var env struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
	}
	if json.Unmarshal(body, &env) != nil || !env.OK {
		return
	}
	m := srv.spec.Method(method)
	if m == nil {
		t.Errorf("answer to unknown method %q", method)
		return
	}
	v, err := spec.DecodeJSON(env.Result)
	if err != nil {
		t.Errorf("%s: result is not JSON: %v", method, err)
		return
	}
	for _, e := range srv.spec.CheckValue("result", v, m.Returns) {
		legacy := false
		for _, l := range legacyFields {
			legacy = legacy || strings.Contains(e, l)
		}
		if !legacy && !strings.Contains(e, "not a valid") {
			t.Errorf("%s answered something that is not a valid %s: %s\n%s", m.Name, strings.Join(m.Returns, " or "), e, body)
		}
	}
}

// newBot connects a tgbotapi client whose answers are checked against the
// spec.
func newBot(t testing.TB, srv *Server) *tgbotapi.BotAPI {
	t.Helper()
	api, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.URL()+"/bot%s/%s", &http.Client{Transport: checkingTransport{t, srv}})
	if err != nil {
		t.Fatalf("NewBotAPIWithClient: %v", err)
	}
	return api
}

// envelope is a decoded answer.
type envelope struct {
	OK          bool             `json:"ok"`
	Result      json.RawMessage  `json:"result"`
	ErrorCode   int              `json:"error_code"`
	Description string           `json:"description"`
	Parameters  map[string]int64 `json:"parameters"`
}

// post calls a method with a form body, as tgbotapi does, and returns the
// HTTP status, the decoded envelope and the raw body.
func post(t testing.TB, srv *Server, method string, params map[string]string) (int, envelope, []byte) {
	t.Helper()
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/"+method, form)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return readAnswer(t, srv, method, resp)
}

func readAnswer(t testing.TB, srv *Server, method string, resp *http.Response) (int, envelope, []byte) {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: read: %v", method, err)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("%s: answer is not JSON: %v\n%s", method, err, body)
	}
	if env.OK != (resp.StatusCode == http.StatusOK) {
		t.Errorf("%s: ok=%v with status %d", method, env.OK, resp.StatusCode)
	}
	checkResult(t, srv, method, body)
	return resp.StatusCode, env, body
}

// mustPost is post for calls that must succeed.
func mustPost(t testing.TB, srv *Server, method string, params map[string]string) json.RawMessage {
	t.Helper()
	status, env, body := post(t, srv, method, params)
	if status != http.StatusOK {
		t.Fatalf("%s(%v): %d %s", method, params, status, body)
	}
	return env.Result
}

// wantError checks an error answer.
func wantError(t testing.TB, srv *Server, method string, params map[string]string, code int, desc string) {
	t.Helper()
	status, env, body := post(t, srv, method, params)
	if status != code || env.ErrorCode != code || env.Description != desc {
		t.Errorf("%s(%v) = %d %s\nwant %d %q", method, params, status, body, code, desc)
	}
}

// fixture reads a recorded answer of the real server.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "api_responses", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func id(n int64) string { return fmt.Sprint(n) }
