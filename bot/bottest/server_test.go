package bottest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestGetMe(t *testing.T) {
	srv := NewServer(t)
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") {
		t.Errorf("URL() = %q, want a loopback address", srv.URL())
	}
	bot := newBot(t, srv)
	b := srv.Bot()
	want := tgbotapi.User{ID: b.ID, IsBot: true, FirstName: b.FirstName, UserName: b.UserName, CanJoinGroups: b.CanJoinGroups,
		CanReadAllGroupMessages: b.CanReadAllGroupMessages, SupportsInlineQueries: b.SupportsInlineQueries}
	if bot.Self != want || b.ID != 6000000001 || b.UserName != "invite_test_bot" || srv.Token() != DefaultToken {
		t.Errorf("Self = %+v, want %+v", bot.Self, want)
	}
	_, _, body := post(t, srv, "getMe", nil)
	if got, want := string(body), fixture(t, "getMe.ok.json"); got != want {
		t.Errorf("getMe = %s\nwant %s", got, want)
	}
}

func TestWrongTokenIsUnauthorized(t *testing.T) {
	srv := NewServer(t)
	_, err := tgbotapi.NewBotAPIWithClient("6000000001:wrong", srv.URL()+"/bot%s/%s", &http.Client{})
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Code != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a 401 *tgbotapi.Error", err)
	}
	resp, err := http.Post(srv.URL()+"/bot6000000001:wrong/getMe", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := readAnswer(t, srv, "getMe", resp)
	if status != http.StatusUnauthorized || string(body) != fixture(t, "error.unauthorized.json") {
		t.Errorf("wrong token: %d %s", status, body)
	}
	if calls := srv.CallsTo("getMe"); len(calls) != 2 || calls[1].Status != http.StatusUnauthorized {
		t.Errorf("calls = %+v, want two getMe answered 401", calls)
	}
}

func TestUnknownMethodIsNotFound(t *testing.T) {
	srv := NewServer(t)
	_, _, body := post(t, srv, "sendTelepathy", map[string]string{"chat_id": "1"})
	if string(body) != fixture(t, "error.method_not_found.json") {
		t.Errorf("unknown method: %s", body)
	}
	if c := srv.Calls(); len(c) != 1 || c[0].Method != "sendTelepathy" || c[0].Status != http.StatusNotFound {
		t.Errorf("calls = %+v", c)
	}
}

func TestUnimplementedMethodIsReported(t *testing.T) {
	rec := newRecorder(t)
	srv := NewServer(rec)
	wantError(t, srv, "sendDice", map[string]string{"chat_id": "1"}, 404, "Not Found: method not found")
	if errs := rec.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "sendDice") || !strings.Contains(errs[0], "does not implement") {
		t.Errorf("reported %q", errs)
	}
}

func TestMethodNamesAreCaseInsensitive(t *testing.T) {
	srv := NewServer(t)
	mustPost(t, srv, "GETME", nil)
	mustPost(t, srv, "getme", nil)
	for _, c := range srv.Calls() {
		if c.Method != "getMe" {
			t.Errorf("recorded method %q, want getMe", c.Method)
		}
	}
}

// TestRequestEncodings sends parameters in a JSON body and in the query
// string, as the real server accepts them.
func TestRequestEncodings(t *testing.T) {
	srv := newWorld(t)
	body := `{"chat_id": -1001234567890, "text": "hi <b>there</b>", "parse_mode": "HTML",
		"reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}, "disable_notification": true}`
	resp, err := http.Post(srv.URL()+"/bot"+srv.Token()+"/sendMessage", "application/json; charset=utf-8", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if status, _, b := readAnswer(t, srv, "sendMessage", resp); status != http.StatusOK {
		t.Fatalf("JSON body: %d %s", status, b)
	}
	resp, err = http.Get(srv.URL() + "/bot" + srv.Token() + "/sendMessage?chat_id=-1001234567890&text=query")
	if err != nil {
		t.Fatal(err)
	}
	if status, _, b := readAnswer(t, srv, "sendMessage", resp); status != http.StatusOK {
		t.Fatalf("query string: %d %s", status, b)
	}
	msgs := srv.Messages(group)
	if len(msgs) != 2 || msgs[0].PlainText != "hi there" || msgs[0].Buttons[0][0] != (Button{Text: "Go", CallbackData: "go"}) || msgs[1].Text != "query" {
		t.Errorf("messages = %+v", msgs)
	}
	if p := srv.CallsTo("sendMessage")[0].Params; p["chat_id"] != "-1001234567890" || p["disable_notification"] != "true" ||
		p["reply_markup"] != `{"inline_keyboard":[[{"text":"Go","callback_data":"go"}]]}` {
		t.Errorf("recorded params = %q", p)
	}
}

func TestSpecViolations(t *testing.T) {
	for _, tc := range []struct {
		name, method string
		params       map[string]string
		want         []string // in the reported error
	}{
		{"unknown parameter", "sendMessage",
			map[string]string{"chat_id": id(group), "text": "hi", "reply_to_message_id": "1"},
			[]string{"sendMessage", `unknown parameter "reply_to_message_id"`, "reply_parameters"}},
		{"misspelt optional parameter", "createChatInviteLink",
			map[string]string{"chat_id": id(group), "member_limt": "1"},
			[]string{"createChatInviteLink", `unknown parameter "member_limt"`}},
		{"missing required parameter", "sendMessage",
			map[string]string{"text": "hi"},
			[]string{"sendMessage", `missing required parameter "chat_id"`}},
		{"wrong Integer", "getUpdates",
			map[string]string{"offset": "ten"},
			[]string{"getUpdates", `parameter "offset"`, "expected Integer"}},
		{"wrong Boolean", "sendMessage",
			map[string]string{"chat_id": id(group), "text": "hi", "disable_notification": "yes"},
			[]string{"sendMessage", `parameter "disable_notification"`, "Boolean"}},
		{"array expected", "getUpdates",
			map[string]string{"allowed_updates": `"message"`},
			[]string{"getUpdates", `parameter "allowed_updates"`, "expected Array of String"}},
		{"not JSON", "sendMessage",
			map[string]string{"chat_id": id(group), "text": "hi", "reply_markup": "{inline_keyboard: []}"},
			[]string{"sendMessage", `parameter "reply_markup"`, "JSON"}},
		{"nested wrong type", "sendMessage",
			map[string]string{"chat_id": id(group), "text": "hi", "reply_markup": `{"inline_keyboard":[[{"text":"a","callback_data":5}]]}`},
			[]string{"sendMessage", `parameter "reply_markup"`, "inline_keyboard[0][0].callback_data: expected String, got number 5"}},
		{"nested unknown field", "sendMessage",
			map[string]string{"chat_id": id(group), "text": "hi", "reply_parameters": `{"message_id":1,"allow_sending_without_replies":true}`},
			[]string{"sendMessage", `parameter "reply_parameters"`, `unknown field "allow_sending_without_replies" in ReplyParameters`}},
		{"nested missing field", "sendMessage",
			map[string]string{"chat_id": id(group), "text": "hi", "reply_parameters": `{"chat_id":1}`},
			[]string{"sendMessage", `missing required field "message_id" of ReplyParameters`}},
		{"link preview options", "sendMessage",
			map[string]string{"chat_id": id(group), "text": "hi", "link_preview_options": `{"is_disabled":"true"}`},
			[]string{"sendMessage", "is_disabled: expected Boolean"}},
		{"unknown scope type", "setMyCommands",
			map[string]string{"commands": `[{"command":"a","description":"b"}]`, "scope": `{"type":"all_admins"}`},
			[]string{"setMyCommands", `parameter "scope"`, `BotCommandScope string "all_admins" is not one of`}},
		{"scope variant field", "setMyCommands",
			map[string]string{"commands": `[{"command":"a","description":"b"}]`, "scope": `{"type":"chat"}`},
			[]string{"setMyCommands", `missing required field "chat_id" of BotCommandScopeChat`}},
		{"scope with a field of another variant", "setMyCommands",
			map[string]string{"commands": `[{"command":"a","description":"b"}]`, "scope": `{"type":"default","chat_id":5}`},
			[]string{"setMyCommands", `unknown field "chat_id" in BotCommandScopeDefault`}},
		{"administrator rights", "setMyDefaultAdministratorRights",
			map[string]string{"rights": `{"can_invite_users":true}`},
			[]string{"setMyDefaultAdministratorRights", `missing required fields "is_anonymous", "can_manage_chat"`, "of ChatAdministratorRights"}},
		{"command fields", "setMyCommands",
			map[string]string{"commands": `[{"command":"a","text":"b"}]`},
			[]string{"setMyCommands", `commands`, `[0].text: unknown field "text" in BotCommand`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t)
			srv := newWorld(rec)
			status, env, body := post(t, srv, tc.method, tc.params)
			if status != http.StatusBadRequest || !strings.HasPrefix(env.Description, "Bad Request: ") {
				t.Errorf("answer %d %s, want 400 Bad Request", status, body)
			}
			errs := rec.Errors()
			if len(errs) == 0 {
				t.Fatalf("nothing reported")
			}
			for _, w := range tc.want {
				if !strings.Contains(errs[0], w) {
					t.Errorf("reported %q, want it to mention %q", errs[0], w)
				}
			}
			if len(srv.Messages(group)) != 0 {
				t.Errorf("the request was carried out")
			}
		})
	}
}

// TestTgbotapiRequestsPassSpecCheck sends what tgbotapi v5.5.1 sends by
// default (nil slices as null, for instance): none of it may be reported.
func TestTgbotapiRequestsPassSpecCheck(t *testing.T) {
	srv := newWorld(t) // a report fails this test
	bot := newBot(t, srv)
	msg := tgbotapi.NewMessage(group, "<b>hello</b>")
	msg.ParseMode = tgbotapi.ModeHTML
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("one", "1"), tgbotapi.NewInlineKeyboardButtonURL("site", "https://example.com")))
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	if sent.Text != "hello" || len(sent.Entities) != 1 || sent.Entities[0].Type != "bold" || sent.From.ID != srv.Bot().ID {
		t.Errorf("sent = %+v", sent)
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil {
		t.Error(err)
	}
	if p := srv.CallsTo("getUpdates")[0].Params; p["allowed_updates"] != "null" {
		t.Errorf("tgbotapi sent %q", p)
	}
	if _, err := bot.Request(tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeAllGroupChats(),
		tgbotapi.BotCommand{Command: "invite", Description: "Make an invite link"})); err != nil {
		t.Error(err)
	}
	if _, err := bot.Request(tgbotapi.NewEditMessageText(group, sent.MessageID, "edited")); err != nil {
		t.Error(err)
	}
	if _, err := bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: group, UserID: alice}}); err != nil {
		t.Error(err)
	}
	if _, err := bot.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group}}); err != nil {
		t.Error(err)
	}
}

func TestFailNextRetryAfter(t *testing.T) {
	srv := NewServer(t)
	bot := newBot(t, srv)
	srv.FailNext("getUpdates", RetryAfterReply(5))
	_, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"message"}})
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Code != 429 || apiErr.RetryAfter != 5 || apiErr.Message != "Too Many Requests: retry after 5" {
		t.Fatalf("err = %#v, want 429 retry after 5", err)
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"message"}}); err != nil {
		t.Errorf("second call: %v (FailNext is one-shot)", err)
	}
	calls := srv.CallsTo("getUpdates")
	if len(calls) != 2 || calls[0].Status != 429 || calls[1].Status != 200 {
		t.Errorf("calls = %+v", calls)
	}
	if got := string(RetryAfterReply(5).Body); got != fixture(t, "error.too_many_requests.json") {
		t.Errorf("RetryAfterReply = %s", got)
	}
}

func TestFailNextQueuesPerMethod(t *testing.T) {
	srv := newWorld(t)
	srv.FailNext("sendMessage", ErrorReply(403, "Forbidden: bot was blocked by the user"))
	srv.FailNext("SENDMESSAGE", MigrateReply(-1001999999999))
	bot := newBot(t, srv)
	_, err := bot.Send(tgbotapi.NewMessage(group, "a"))
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Code != 403 || apiErr.Message != "Forbidden: bot was blocked by the user" {
		t.Errorf("first: %v", err)
	}
	_, err = bot.Send(tgbotapi.NewMessage(group, "b"))
	if !errors.As(err, &apiErr) || apiErr.MigrateToChatID != -1001999999999 {
		t.Errorf("second: %#v", err)
	}
	if got := string(MigrateReply(-1001234567890).Body); got != fixture(t, "error.group_upgraded.json") {
		t.Errorf("MigrateReply = %s", got)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(group, "c")); err != nil {
		t.Errorf("third: %v", err)
	}
	if msgs := srv.Messages(group); len(msgs) != 1 || msgs[0].Text != "c" {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestGatewayReply(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	srv.FailNext("sendMessage", GatewayReply())
	_, err := bot.Send(tgbotapi.NewMessage(group, "hi"))
	var apiErr *tgbotapi.Error
	var syntaxErr *json.SyntaxError
	if err == nil || errors.As(err, &apiErr) || !errors.As(err, &syntaxErr) {
		t.Errorf("err = %#v, want a JSON syntax error", err)
	}
	if c := srv.CallsTo("sendMessage"); len(c) != 1 || c[0].Status != http.StatusBadGateway {
		t.Errorf("calls = %+v", c)
	}
	resp, err := http.Post(srv.URL()+"/bot"+srv.Token()+"/getMe", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.FailNext("getMe", GatewayReply())
	resp, err = http.Post(srv.URL()+"/bot"+srv.Token()+"/getMe", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 502 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("gateway answer: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestDropClosesTheConnection(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	srv.FailNext("sendMessage", Reply{Drop: true})
	if _, err := bot.Send(tgbotapi.NewMessage(group, "hi")); err == nil {
		t.Fatal("no error from a dropped connection")
	}
	if c := srv.CallsTo("sendMessage"); len(c) != 1 || c[0].Status != 0 {
		t.Errorf("calls = %+v, want one with status 0", c)
	}
	if len(srv.Messages(group)) != 0 {
		t.Error("a dropped call was carried out")
	}
}

func TestDelayThenNormalAnswer(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	const delay = 150 * time.Millisecond
	srv.FailNext("sendMessage", Reply{Delay: delay})
	start := time.Now()
	if _, err := bot.Send(tgbotapi.NewMessage(group, "hi")); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < delay {
		t.Errorf("answered after %v, want at least %v", elapsed, delay)
	}
	if len(srv.Messages(group)) != 1 {
		t.Error("the delayed call was not carried out")
	}
}

func TestDelayEndsWhenTheClientGoesAway(t *testing.T) {
	srv := newWorld(t)
	srv.FailNext("sendMessage", Reply{Delay: time.Hour, Body: []byte(`{"ok":true,"result":true}`)})
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/bot"+srv.Token()+"/sendMessage?chat_id=1&text=x", nil)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := http.DefaultClient.Do(req)
		errc <- err
	}()
	srv.WaitFor(t, "the call to arrive", func() bool { return len(srv.CallsTo("sendMessage")) == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v", err)
	}
	srv.WaitFor(t, "the server to give up the delayed call", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return srv.inflight == 0
	})
}

func TestLatency(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	srv.SetLatency("sendMessage", 100*time.Millisecond)
	srv.SetLatency("", 50*time.Millisecond)
	start := time.Now()
	if _, err := bot.Send(tgbotapi.NewMessage(group, "hi")); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 150*time.Millisecond {
		t.Errorf("sendMessage took %v, want at least 150ms", elapsed)
	}
	srv.SetLatency("sendMessage", 0)
	srv.SetLatency("", 0)
	if got := srv.latencyFor("sendmessage"); got != 0 {
		t.Errorf("latency after removal = %v", got)
	}
}

func TestIntercept(t *testing.T) {
	srv := newWorld(t)
	srv.AddChat(Chat{ID: -1005555555555, Type: "supergroup", Title: "Other"})
	bot := newBot(t, srv)
	var mu sync.Mutex
	var seen []string
	srv.Intercept(func(c Call) (Reply, bool) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, c.Method)
		if c.Method == "sendMessage" && c.Params["chat_id"] == id(group) {
			return ErrorReply(403, "Forbidden: bot was kicked from the supergroup chat"), true
		}
		return Reply{}, false
	})
	_, err := bot.Send(tgbotapi.NewMessage(group, "a"))
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Message != "Forbidden: bot was kicked from the supergroup chat" {
		t.Errorf("intercepted: %v", err)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(-1005555555555, "b")); err != nil {
		t.Errorf("not intercepted: %v", err)
	}
	mu.Lock()
	if len(seen) != 2 {
		t.Errorf("hook saw %q", seen)
	}
	mu.Unlock()
	if got := string(ErrorReply(403, "Forbidden: bot was kicked from the supergroup chat").Body); got != fixture(t, "error.kicked_from_supergroup.json") {
		t.Errorf("ErrorReply = %s", got)
	}
}

func TestWaitForFailsAfterTimeout(t *testing.T) {
	srv := NewServer(t)
	srv.WaitTimeout = 50 * time.Millisecond
	rec := newRecorder(t)
	start := time.Now()
	srv.WaitFor(rec, "the impossible", func() bool { return false })
	if f := rec.Fatals(); len(f) != 1 || !strings.Contains(f[0], "the impossible") || !strings.Contains(f[0], "50ms") {
		t.Errorf("reported %q", f)
	}
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Errorf("gave up after %v", elapsed)
	}
	srv.WaitMessages(rec, group, 1)
	if f := rec.Fatals(); len(f) != 2 || !strings.Contains(f[1], "1 message(s) from the bot in chat -1001234567890") {
		t.Errorf("reported %q", f)
	}
}

func TestWaitForSeesChanges(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	go func() {
		for i := range 3 {
			if _, err := bot.Send(tgbotapi.NewMessage(group, strings.Repeat("x", i+1))); err != nil {
				t.Error(err)
			}
		}
	}()
	msgs := srv.WaitMessages(t, group, 3)
	if len(msgs) != 3 || msgs[2].Text != "xxx" {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestCloseReleasesLongPolls(t *testing.T) {
	done := make(chan envelope, 1)
	t.Run("server", func(t *testing.T) {
		srv := NewServer(t)
		go func() {
			resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/getUpdates", map[string][]string{"timeout": {"50"}})
			if err != nil {
				done <- envelope{Description: err.Error()}
				return
			}
			defer resp.Body.Close()
			var env envelope
			json.NewDecoder(resp.Body).Decode(&env)
			done <- env
		}()
		srv.WaitFor(t, "the long poll", srv.Polling)
	})
	select {
	case env := <-done:
		if !env.OK || string(env.Result) != "[]" {
			t.Errorf("poll released with %+v", env)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("closing the server did not release the long poll")
	}
}
