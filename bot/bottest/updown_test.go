package bottest

import (
	"errors"
	"net/http"
	"syscall"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestDownAndUp(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv) // keeps its connection alive between calls
	url := srv.URL()
	if err := send(bot, group, "before"); err != nil {
		t.Fatal(err)
	}
	calls := len(srv.Calls())

	srv.Down()
	srv.Down() // a no-op
	for i := range 3 {
		if err := send(bot, group, "while down"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("send %d while down: %v, want connection refused", i, err)
		}
	}
	resp, err := http.Get(url + "/bot" + srv.Token() + "/getMe")
	if err == nil {
		resp.Body.Close()
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("GET while down: %v, want connection refused", err)
	}
	if n := len(srv.Calls()); n != calls {
		t.Errorf("%d calls recorded while down", n-calls)
	}

	srv.Up()
	srv.Up() // a no-op
	if srv.URL() != url {
		t.Errorf("URL() = %q after Up, was %q", srv.URL(), url)
	}
	if err := send(bot, group, "after"); err != nil {
		t.Fatalf("after Up: %v", err)
	}
	msgs := srv.Messages(group)
	if len(msgs) != 2 || msgs[0].Text != "before" || msgs[1].Text != "after" {
		t.Errorf("messages = %+v", msgs)
	}

	// Again: Down and Up can be repeated.
	srv.Down()
	if err := send(bot, group, "down again"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("second Down: %v", err)
	}
	srv.Up()
	if err := send(bot, group, "up again"); err != nil {
		t.Errorf("second Up: %v", err)
	}
}

func TestDownReleasesLongPoll(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	errc := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 50})
		errc <- err
	}()
	srv.WaitFor(t, "the long poll", srv.Polling)
	srv.Down()
	// Down has finished with the long poll when it returns.
	if srv.Polling() {
		t.Error("still polling after Down")
	}
	if c := lastCall(t, srv, "getUpdates"); c.Status != 0 || c.Performed || c.Fault != FaultDown {
		t.Errorf("poll = %+v, want unanswered, not performed, fault %q", c, FaultDown)
	}
	select {
	case err := <-errc:
		if err == nil {
			t.Error("the long poll was answered")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Down did not release the long poll")
	}

	srv.Up()
	srv.PushMessage(group, alice, "back")
	updates, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 50})
	if err != nil || len(updates) != 1 || updates[0].Message.Text != "back" {
		t.Errorf("after Up: %+v, %v", updates, err)
	}
	if got := srv.Injected(); got["getUpdates"] != 1 {
		t.Errorf("Injected() = %v, want the cut-off poll", got)
	}
}

func TestDownReleasesWaitingCalls(t *testing.T) {
	srv := newWorld(t)
	srv.FailNext("sendMessage", HangReply())
	srv.FailNext("sendMessage", Reply{Delay: time.Hour})
	srv.SetLatency("getChat", time.Hour)
	errc := make(chan error, 3)
	for _, call := range []struct {
		method string
		params map[string]string
	}{
		{"sendMessage", map[string]string{"chat_id": id(group), "text": "hang"}},
		{"sendMessage", map[string]string{"chat_id": id(group), "text": "delay"}},
		{"getChat", map[string]string{"chat_id": id(group)}},
	} {
		go func() {
			_, err := try(srv, call.method, call.params)
			errc <- err
		}()
	}
	srv.WaitFor(t, "three waiting calls", func() bool { return len(srv.Calls()) == 3 })
	srv.Down()
	for _, c := range srv.Calls() {
		if c.Status != 0 || c.Performed || c.Fault != FaultDown {
			t.Errorf("call %+v, want unanswered, not performed, fault %q", c, FaultDown)
		}
	}
	for range 3 {
		if err := <-errc; err == nil {
			t.Error("a call was answered")
		}
	}
	if len(srv.Messages(group)) != 0 {
		t.Error("a call cut off by Down was performed")
	}
}

// TestDownFromIntercept crashes the server when a call arrives.
func TestDownFromIntercept(t *testing.T) {
	srv := newWorld(t)
	srv.Intercept(func(c Call) (Reply, bool) {
		if c.Method == "sendMessage" {
			srv.Down()
		}
		return Reply{}, false
	})
	if _, err := try(srv, "sendMessage", map[string]string{"chat_id": id(group), "text": "crash"}); err == nil {
		t.Error("the call was answered")
	}
	srv.WaitFor(t, "the call to end", func() bool { return idle(srv) })
	if c := lastCall(t, srv, "sendMessage"); c.Performed || c.Fault != FaultDown {
		t.Errorf("call = %+v, want not performed, fault %q", c, FaultDown)
	}
	if _, err := try(srv, "getMe", nil); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("after Down: %v, want connection refused", err)
	}
}
