package bot_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
)

// fastPace does not hold the tests up.
var fastPace = bot.PaceLimits{Global: bot.Window{N: 1 << 20, Per: time.Second}}

func newClient(t *testing.T, srv *bottest.Server, cfg bot.ClientConfig) *bot.Client {
	t.Helper()
	cfg.Token, cfg.APIURL = srv.Token(), srv.URL()
	if cfg.Pace == (bot.PaceLimits{}) {
		cfg.Pace = fastPace
	}
	c, err := bot.NewClient(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func world(t *testing.T) *bottest.Server {
	t.Helper()
	srv := bottest.NewServer(t)
	srv.AddUser(bottest.User{ID: user, FirstName: "Alice"})
	for _, id := range []int64{chatA, chatB} {
		srv.AddChat(bottest.Chat{ID: id, Type: "supergroup", Title: "G"})
		srv.SetMember(id, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	}
	return srv
}

func send(ctx context.Context, c *bot.Client, chat int64, text string) error {
	_, err := c.Send(ctx, bot.Outgoing{ChatID: chat, Text: text})
	return err
}

func TestCallRetries(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		fault     bottest.Reply
		wantErr   error // nil: the call succeeds in the end
		wantCalls int
		wantSent  int
	}{
		{"429 waited out", "sendMessage", bottest.RetryAfterReply(1), nil, 2, 1},
		{"gateway page", "sendMessage", bottest.GatewayReply(), nil, 2, 1},
		{"json 502", "sendMessage", bottest.ErrorReply(502, "Bad Gateway"), nil, 2, 1},
		// A lost answer is repeated even for a message: a duplicate where
		// the first went through, rather than an admin left without a reply.
		{"dropped before, not safe to repeat", "sendMessage", bottest.Reply{Drop: true}, nil, 2, 1},
		{"dropped after, not safe to repeat", "sendMessage", bottest.Reply{Drop: true, After: true}, nil, 2, 2},
		{"500, not safe to repeat", "sendMessage", bottest.ErrorReply(500, "Internal Server Error"), nil, 2, 1},
		{"500 of another server's JSON", "sendMessage", bottest.Reply{Status: 500, Body: []byte(`{"message":"upstream failed"}`)}, nil, 2, 1},
		{"refusal not retried", "sendMessage", bottest.ErrorReply(400, "Bad Request: chat not found"), &tgbotapi.Error{}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := world(t)
			c := newClient(t, srv, bot.ClientConfig{})
			srv.FailNext(tt.method, tt.fault)
			err := send(context.Background(), c, chatA, "hello")
			switch want := tt.wantErr.(type) {
			case nil:
				if err != nil {
					t.Fatalf("Call = %v, want success after a retry", err)
				}
			case *tgbotapi.Error:
				if !errors.As(err, &want) {
					t.Fatalf("Call = %v, want Telegram's error", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("Call = %v, want %v", err, want)
				}
			}
			if n := len(srv.CallsTo(tt.method)); n != tt.wantCalls {
				t.Errorf("%d calls, want %d", n, tt.wantCalls)
			}
			if n := len(srv.Messages(chatA)); n != tt.wantSent {
				t.Errorf("%d messages arrived, want %d", n, tt.wantSent)
			}
		})
	}
}

func TestCallRetriesIdempotentAfterLostAnswer(t *testing.T) {
	srv := world(t)
	c := newClient(t, srv, bot.ClientConfig{})
	id, err := c.Send(context.Background(), bot.Outgoing{ChatID: chatA, Text: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext("editMessageText", bottest.Reply{Drop: true, After: true})
	if err := c.Edit(context.Background(), chatA, id, "v2", nil); err != nil {
		t.Fatalf("edit after a lost answer = %v; an edit is safe to repeat", err)
	}
	if n := len(srv.CallsTo("editMessageText")); n != 2 {
		t.Errorf("%d edit calls, want 2", n)
	}
}

func TestCallRepeatsUnsureAndSaysSo(t *testing.T) {
	srv := world(t)
	obs := &recordingObserver{}
	c := newClient(t, srv, bot.ClientConfig{Observer: obs})
	logs := &syncBuf{}
	ctx := zerolog.New(logs).WithContext(context.Background())
	srv.FailNext("createChatInviteLink", bottest.Reply{Drop: true, After: true})
	var link tgbotapi.ChatInviteLink
	if err := c.Call(ctx, "createChatInviteLink", tgbotapi.Params{"chat_id": strconv.FormatInt(chatA, 10)}, &link); err != nil {
		t.Fatalf("createChatInviteLink after a lost answer = %v, want it repeated", err)
	}
	if link.InviteLink == "" {
		t.Errorf("no link decoded from the repeated call")
	}
	if n := len(srv.InviteLinks(chatA)); n != 2 {
		t.Errorf("%d links; the drop struck after the first was made, so the repeat makes a second", n)
	}
	if n := obs.count("unsure_repeat createChatInviteLink"); n != 1 {
		t.Errorf("unsure repeats observed %d times, want 1", n)
	}
	if !strings.Contains(logs.String(), "a duplicate may exist") || !strings.Contains(logs.String(), `"level":"warn"`) {
		t.Errorf("the repeat is not logged at warn with its risk:\n%s", logs.String())
	}
	// A call safe to repeat is repeated without that warning.
	srv.FailNext("getChatMember", bottest.Reply{Drop: true, After: true})
	var m tgbotapi.ChatMember
	if err := c.Call(ctx, "getChatMember", tgbotapi.Params{"chat_id": strconv.FormatInt(chatA, 10), "user_id": strconv.FormatInt(user, 10)}, &m); err != nil {
		t.Fatal(err)
	}
	if obs.count("unsure_repeat getChatMember") != 0 {
		t.Errorf("a safe repeat was counted as a possible duplicate")
	}
}

func TestCallUnsureToTheEnd(t *testing.T) {
	srv := world(t)
	c := newClient(t, srv, bot.ClientConfig{})
	srv.Intercept(func(c bottest.Call) (bottest.Reply, bool) {
		return bottest.Reply{Drop: true}, c.Method == "sendMessage"
	})
	err := send(context.Background(), c, chatA, "never confirmed")
	if !errors.Is(err, bot.ErrUnsure) {
		t.Fatalf("Call = %v, want ErrUnsure once the tries ran out", err)
	}
	if n := len(srv.CallsTo("sendMessage")); n < 3 {
		t.Errorf("%d tries, want the call repeated", n)
	}
}

func TestCallErrorsNameStatusAndBody(t *testing.T) {
	tests := []struct {
		name    string
		fault   bottest.Reply
		want    []string
		retried bool // else refused at once
	}{
		{"another server's JSON", bottest.Reply{Status: 500, Body: []byte("{\"message\": \"upstream\n  connect error\"}")},
			[]string{"getChatMember: HTTP 500 internal server error", `{\"message\": \"upstream connect error\"}`}, true},
		{"an HTML page", bottest.Reply{Status: 504, Body: []byte("<html><body>Gateway   Timeout</body></html>")},
			[]string{"HTTP 504 gateway timeout: <html><body>Gateway Timeout</body></html>"}, true},
		{"a proxy's 404", bottest.Reply{Status: 404, Body: []byte("no such route")},
			[]string{"HTTP 404 not found: no such route"}, false},
		{"Telegram's refusal", bottest.ErrorReply(400, "Bad Request: chat not found"),
			[]string{"getChatMember: 400 Bad Request: chat not found"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := world(t)
			c := newClient(t, srv, bot.ClientConfig{})
			logs := &syncBuf{}
			ctx := zerolog.New(logs).WithContext(context.Background())
			srv.FailNext("getChatMember", tt.fault)
			err := c.Call(ctx, "getChatMember", tgbotapi.Params{"chat_id": strconv.FormatInt(chatA, 10), "user_id": strconv.FormatInt(user, 10)}, nil)
			seen := logs.String() // the retry's log line carries the failure
			calls := 1
			if tt.retried {
				calls = 2
				if err != nil {
					t.Fatalf("Call = %v, want it retried and done", err)
				}
			} else {
				if err == nil {
					t.Fatal("no error")
				}
				seen = err.Error()
			}
			for _, w := range tt.want {
				if !strings.Contains(seen, w) {
					t.Errorf("%s lacks %s", seen, w)
				}
			}
			if strings.Contains(seen, srv.Token()) {
				t.Errorf("the token in %s", seen)
			}
			if n := len(srv.CallsTo("getChatMember")); n != calls {
				t.Errorf("%d tries, want %d", n, calls)
			}
		})
	}
}

func TestCall429Observed(t *testing.T) {
	srv := world(t)
	obs := &recordingObserver{}
	c := newClient(t, srv, bot.ClientConfig{Observer: obs})
	srv.FailNext("sendMessage", bottest.RetryAfterReply(1))
	start := time.Now()
	if err := send(context.Background(), c, chatA, "hi"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, before retry_after", d)
	}
	for _, want := range []string{"call sendMessage 429", "retry_after sendMessage 1s", "retry sendMessage 429", "call sendMessage ok"} {
		if n := obs.count(want); n != 1 {
			t.Errorf("observer told %q %d times, want once", want, n)
		}
	}
}

func TestCallRetryAfterTooLong(t *testing.T) {
	srv := world(t)
	c := newClient(t, srv, bot.ClientConfig{})
	srv.FailNext("sendMessage", bottest.RetryAfterReply(3600))
	start := time.Now()
	err := send(context.Background(), c, chatA, "hi")
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Code != 429 {
		t.Fatalf("Call = %v, want the 429", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("waited for an hour-long retry_after")
	}
}

// signalWriter closes retrying at the first log line written to it.
type signalWriter struct {
	once     sync.Once
	retrying chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.retrying) })
	return len(p), nil
}

func TestCallWhileServerDown(t *testing.T) {
	srv := world(t)
	obs := &recordingObserver{}
	c := newClient(t, srv, bot.ClientConfig{Observer: obs})
	srv.Down()
	w := &signalWriter{retrying: make(chan struct{})}
	ctx := zerolog.New(w).WithContext(context.Background())
	done := make(chan error, 1)
	go func() { done <- send(ctx, c, chatA, "through the outage") }()
	<-w.retrying // the client logs its first retry
	srv.Up()
	if err := <-done; err != nil {
		t.Fatalf("send across an outage = %v", err)
	}
	if n := len(srv.Messages(chatA)); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	if obs.count("retry sendMessage not_sent") == 0 {
		t.Errorf("no retry observed")
	}
}

func TestCallFollowsGroupUpgrade(t *testing.T) {
	srv := world(t)
	const newID int64 = -1009999999999
	srv.AddChat(bottest.Chat{ID: newID, Type: "supergroup", Title: "G"})
	srv.SetMember(newID, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	var mu sync.Mutex
	var moved [][2]int64
	c := newClient(t, srv, bot.ClientConfig{OnMigrate: func(_ context.Context, from, to int64) error {
		mu.Lock()
		moved = append(moved, [2]int64{from, to})
		mu.Unlock()
		return nil
	}})
	srv.FailNext("sendMessage", bottest.MigrateReply(newID))
	if err := send(context.Background(), c, chatA, "after the upgrade"); err != nil {
		t.Fatal(err)
	}
	if len(moved) != 1 || moved[0] != [2]int64{chatA, newID} {
		t.Errorf("OnMigrate calls = %v", moved)
	}
	if n := len(srv.Messages(newID)); n != 1 {
		t.Errorf("%d messages in the supergroup, want 1", n)
	}
}

func TestPacingWaitFreesTheWorker(t *testing.T) {
	srv := world(t)
	// One message per chat per hour: chat A's second message waits.
	c := newClient(t, srv, bot.ClientConfig{Pace: bot.PaceLimits{Chat: bot.Window{N: 1, Per: time.Hour}}})
	h := func(ctx context.Context, u *bot.Update) error {
		if u.Message == nil {
			return nil
		}
		return send(ctx, c, u.Chat.ID, "re: "+u.Message.Text)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bot.Run(ctx, c, h, bot.Options{PollTimeout: 5 * time.Second, Workers: 1, DrainTimeout: 50 * time.Millisecond})
	}()
	srv.SetMember(chatA, user, bottest.Member{Status: "member"})
	srv.SetMember(chatB, user, bottest.Member{Status: "member"})
	srv.PushMessage(chatA, user, "/one")
	srv.PushMessage(chatA, user, "/two") // waits an hour for pacing
	srv.PushMessage(chatB, user, "/three")
	srv.WaitFor(t, "chat B answered while chat A waits", func() bool { return len(srv.Messages(chatB)) == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages(chatA)); n != 1 {
		t.Errorf("chat A got %d messages, want 1 before the stop", n)
	}
}

// TestPacingDoesNotCountAgainstTheDeadline: a reply that queues for pacing
// longer than the handler's deadline is still sent.
func TestPacingDoesNotCountAgainstTheDeadline(t *testing.T) {
	srv := world(t)
	srv.SetMember(chatA, user, bottest.Member{Status: "member"})
	c := newClient(t, srv, bot.ClientConfig{Pace: bot.PaceLimits{Chat: bot.Window{N: 1, Per: 600 * time.Millisecond}}})
	var failed []error
	var mu sync.Mutex
	h := func(ctx context.Context, u *bot.Update) error {
		if u.Message == nil {
			return nil
		}
		if err := send(ctx, c, chatA, "first"); err != nil {
			return err
		}
		return send(ctx, c, chatA, "second, after a 600ms wait for pacing")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bot.Run(ctx, c, h, bot.Options{
			PollTimeout: 5 * time.Second, HandlerTimeout: 200 * time.Millisecond,
			OnError: func(_ context.Context, _ *bot.Update, err error) {
				mu.Lock()
				failed = append(failed, err)
				mu.Unlock()
			},
		})
	}()
	srv.PushMessage(chatA, user, "/go")
	srv.WaitFor(t, "both messages", func() bool { return len(srv.Messages(chatA)) == 2 })
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(failed) != 0 {
		t.Errorf("the handler failed: %v", failed)
	}
}

// TestHandlerDeadline: a handler that works past its deadline is cut off,
// and the failure says so.
func TestHandlerDeadline(t *testing.T) {
	srv := world(t)
	srv.SetMember(chatA, user, bottest.Member{Status: "member"})
	c := newClient(t, srv, bot.ClientConfig{})
	errs := make(chan error, 1)
	h := func(ctx context.Context, u *bot.Update) error {
		<-ctx.Done() // stuck until cut off
		return ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bot.Run(ctx, c, h, bot.Options{
			PollTimeout: 5 * time.Second, HandlerTimeout: 100 * time.Millisecond,
			OnError: func(_ context.Context, _ *bot.Update, err error) { errs <- err },
		})
	}()
	srv.PushMessage(chatA, user, "/stuck")
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "longer than its deadline") {
			t.Errorf("error = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stuck handler was never cut off")
	}
	cancel()
	<-done
}
