package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
)

// recordingObserver keeps what it is told as strings.
type recordingObserver struct {
	mu     sync.Mutex
	events []string
}

func (o *recordingObserver) add(format string, a ...any) {
	o.mu.Lock()
	o.events = append(o.events, fmt.Sprintf(format, a...))
	o.mu.Unlock()
}

func (o *recordingObserver) APICall(m string, out bot.Outcome, _ time.Duration) {
	o.add("call %s %s", m, out)
}
func (o *recordingObserver) Retry(m string, out bot.Outcome)      { o.add("retry %s %s", m, out) }
func (o *recordingObserver) RetryAfter(m string, d time.Duration) { o.add("retry_after %s %v", m, d) }
func (o *recordingObserver) Paced(time.Duration)                  {}
func (o *recordingObserver) Poll(err error)                       { o.add("poll %v", err == nil) }
func (o *recordingObserver) UpdateReceived(kind string)           { o.add("received %s", kind) }
func (o *recordingObserver) UpdateHandled(kind, cmd, out string, _ time.Duration) {
	o.add("handled %s %q %s", kind, cmd, out)
}
func (o *recordingObserver) UpdateUndecodable(kind string) { o.add("undecodable %s", kind) }
func (o *recordingObserver) UnsureRepeat(m string)         { o.add("unsure_repeat %s", m) }

func (o *recordingObserver) has(e string) bool { return o.count(e) > 0 }

// count is how many times the observer was told e.
func (o *recordingObserver) count(e string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, x := range o.events {
		if x == e {
			n++
		}
	}
	return n
}

func TestObserverSeesBoundedLabels(t *testing.T) {
	srv := world(t)
	srv.SetMember(chatA, user, bottest.Member{Status: "member"})
	obs := &recordingObserver{}
	c := newClient(t, srv, bot.ClientConfig{Observer: obs})
	r := bot.NewRouter(srv.Bot().UserName)
	r.Command("hello", func(ctx context.Context, u *bot.Update) error {
		return send(ctx, c, u.Chat.ID, "hi")
	})
	r.Command("boom", func(context.Context, *bot.Update) error { return errors.New("broken") })
	r.UnknownCommand(func(ctx context.Context, u *bot.Update) error {
		return send(ctx, c, u.Chat.ID, "what?")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bot.Run(ctx, c, r.Route, bot.Options{PollTimeout: 5 * time.Second, Observer: obs, Match: r.Match})
	}()
	srv.FailNext("sendMessage", bottest.GatewayReply())
	srv.PushMessage(chatA, user, "/hello")
	srv.PushMessage(chatA, user, "/boom")
	srv.PushMessage(chatA, user, "/Some_User_Text_123")
	srv.PushMessage(chatA, user, "chatter")
	// WaitFor wakes on the fake's changes: wait for the last answer.
	srv.WaitFor(t, "both answers", func() bool { return len(srv.Messages(chatA)) == 2 })
	cancel()
	<-done // Run returns once the handlers are done: the observer has heard all
	for _, want := range []string{
		`handled message "hello" ok`, `handled message "boom" error`, `handled message "unknown" ok`,
		"received message", "poll true", "call sendMessage not_sent", "retry sendMessage not_sent", "call sendMessage ok",
	} {
		if !obs.has(want) {
			t.Errorf("observer was not told %q", want)
		}
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	sort.Strings(obs.events)
	for _, e := range obs.events {
		if strings.Contains(strings.ToLower(e), "some_user_text") || strings.Contains(e, "chatter") {
			t.Errorf("user text reached the observer: %q", e)
		}
		if strings.HasPrefix(e, "handled") && strings.Contains(e, `""`) {
			t.Errorf("chatter was handled: %q", e)
		}
	}
}
