package bottest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// try calls a method and returns the HTTP status, or the error of a call
// that got no answer.
func try(srv *Server, method string, params map[string]string) (int, error) {
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	resp, err := http.PostForm(srv.URL()+"/bot"+srv.Token()+"/"+method, form)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// idle reports whether the server has finished every request.
func idle(srv *Server) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.inflight == 0
}

// faults lists the calls' methods and faults.
func faults(srv *Server) []string {
	var out []string
	for _, c := range srv.Calls() {
		out = append(out, c.Method+":"+c.Fault)
	}
	return out
}

func TestFailRandomlyIsDeterministic(t *testing.T) {
	run := func(seed int64) []string {
		srv := newWorld(t)
		srv.FailRandomly(0.3, seed, nil, GatewayReply(), RetryAfterReply(1), Reply{Drop: true})
		for i := range 60 {
			if i%2 == 0 {
				try(srv, "getChat", map[string]string{"chat_id": id(group)})
			} else {
				try(srv, "sendMessage", map[string]string{"chat_id": id(group), "text": fmt.Sprint(i)})
			}
		}
		return faults(srv)
	}
	a, b, c := run(42), run(42), run(43)
	if !slices.Equal(a, b) {
		t.Errorf("the same seed gave different faults:\n%q\n%q", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 42 and 43 gave the same faults: %q", a)
	}
	seen := map[string]int{}
	for _, f := range a {
		_, fault, _ := strings.Cut(f, ":")
		seen[fault]++
	}
	if seen["502"] == 0 || seen["429"] == 0 || seen[FaultDrop] == 0 || seen[""] < 30 {
		t.Errorf("faults seen: %v, want each reply used and most calls fine", seen)
	}
}

func TestFailRandomlyHonoursTheShare(t *testing.T) {
	srv := newWorld(t)
	srv.FailRandomly(0.25, 7, []string{"getchat"}, ErrorReply(500, "Internal Server Error"))
	failed := 0
	for range 1000 {
		status, err := try(srv, "getChat", map[string]string{"chat_id": id(group)})
		if err != nil {
			t.Fatal(err)
		}
		if status == 500 {
			failed++
		}
	}
	if failed < 200 || failed > 300 {
		t.Errorf("%d of 1000 calls failed, want about 250", failed)
	}
	if got := srv.Injected(); got["getChat"] != failed || len(got) != 1 {
		t.Errorf("Injected() = %v, want getChat:%d", got, failed)
	}
}

func TestFailRandomlyMethods(t *testing.T) {
	srv := newWorld(t)
	srv.FailRandomly(1, 1, nil) // every call but getMe, with the default faults
	if status, err := try(srv, "getMe", nil); err != nil || status != 200 {
		t.Errorf("getMe: %d %v, want it spared", status, err)
	}
	for range 10 {
		if status, err := try(srv, "getChat", map[string]string{"chat_id": id(group)}); err == nil && status == 200 {
			t.Errorf("getChat succeeded with share 1")
		}
	}
	for _, c := range srv.CallsTo("getChat") {
		if (c.Fault != "502" && c.Fault != "500" && c.Fault != FaultDrop) || c.Performed {
			t.Errorf("call %+v, want a default fault and not performed", c)
		}
	}

	srv.FailRandomly(1, 1, []string{"sendMessage"}, ErrorReply(403, "Forbidden: bot was blocked by the user"))
	if status, _ := try(srv, "getChat", map[string]string{"chat_id": id(group)}); status != 200 {
		t.Errorf("getChat: %d, want it spared", status)
	}
	if status, _ := try(srv, "sendMessage", map[string]string{"chat_id": id(group), "text": "x"}); status != 403 {
		t.Errorf("sendMessage: %d, want 403", status)
	}

	srv.FailRandomly(0, 1, nil)
	if status, _ := try(srv, "sendMessage", map[string]string{"chat_id": id(group), "text": "y"}); status != 200 {
		t.Errorf("after FailRandomly(0): %d", status)
	}
	if got := srv.Injected(); got["getChat"] != 10 || got["sendMessage"] != 1 || got["getMe"] != 0 {
		t.Errorf("Injected() = %v", got)
	}

	rec := newRecorder(t)
	NewServer(rec).FailRandomly(0.5, 1, []string{"sendTelepathy"})
	if f := rec.Fatals(); len(f) != 1 || !strings.Contains(f[0], "sendTelepathy") {
		t.Errorf("reported %q", f)
	}
}

// TestScriptedFaultsAreCounted checks Fault, Performed and Injected for
// FailNext and Intercept.
func TestScriptedFaultsAreCounted(t *testing.T) {
	srv := newWorld(t)
	srv.FailNext("sendMessage", Reply{Delay: time.Millisecond})
	srv.FailNext("sendMessage", GatewayReply())
	srv.FailNext("sendMessage", Reply{Drop: true})
	srv.Intercept(func(c Call) (Reply, bool) {
		if c.Method == "getChat" {
			return ErrorReply(400, "Bad Request: chat not found"), true
		}
		return Reply{}, false
	})
	for i := range 4 {
		try(srv, "sendMessage", map[string]string{"chat_id": id(group), "text": fmt.Sprint(i)})
	}
	try(srv, "getChat", map[string]string{"chat_id": id(group)})
	want := []string{"sendMessage:delay", "sendMessage:502", "sendMessage:drop", "sendMessage:", "getChat:400"}
	if got := faults(srv); !slices.Equal(got, want) {
		t.Errorf("faults = %q, want %q", got, want)
	}
	var performed []bool
	for _, c := range srv.Calls() {
		performed = append(performed, c.Performed)
	}
	if want := []bool{true, false, false, true, false}; !slices.Equal(performed, want) {
		t.Errorf("performed = %v, want %v", performed, want)
	}
	if got := srv.Injected(); got["sendMessage"] != 3 || got["getChat"] != 1 {
		t.Errorf("Injected() = %v", got)
	}
}

func TestAfterFaultsPerformTheCall(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)

	// A gateway error after the link was made.
	gateway := GatewayReply()
	gateway.After = true
	srv.FailNext("createChatInviteLink", gateway)
	_, err := bot.Request(tgbotapi.CreateChatInviteLinkConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group}, Name: "lost"})
	var syntaxErr *json.SyntaxError
	if !errors.As(err, &syntaxErr) {
		t.Errorf("err = %v, want the gateway page's JSON syntax error", err)
	}
	if links := srv.InviteLinks(group); len(links) != 1 || links[0].Name != "lost" {
		t.Errorf("links = %+v, want the link created", links)
	}
	if c := lastCall(t, srv, "createChatInviteLink"); !c.Performed || c.Fault != "502" || c.Status != 502 {
		t.Errorf("call = %+v, want performed with fault 502", c)
	}

	// The same fault before the call: nothing is created.
	srv.FailNext("createChatInviteLink", GatewayReply())
	bot.Request(tgbotapi.CreateChatInviteLinkConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group}, Name: "never"})
	if links := srv.InviteLinks(group); len(links) != 1 {
		t.Errorf("links = %+v, want no second link", links)
	}
	if c := lastCall(t, srv, "createChatInviteLink"); c.Performed || c.Fault != "502" {
		t.Errorf("call = %+v, want not performed with fault 502", c)
	}

	// A dropped connection after the message was sent.
	srv.FailNext("sendMessage", Reply{After: true, Drop: true})
	if err := send(bot, group, "sent but unconfirmed"); err == nil {
		t.Error("no error from a dropped connection")
	}
	if msgs := srv.Messages(group); len(msgs) != 1 || msgs[0].Text != "sent but unconfirmed" {
		t.Errorf("messages = %+v, want the message sent", msgs)
	}
	if c := lastCall(t, srv, "sendMessage"); !c.Performed || c.Fault != FaultDrop || c.Status != 0 {
		t.Errorf("call = %+v, want performed and dropped", c)
	}

	// A 429 after the fact, answered to a call that went through.
	srv.FailNext("sendMessage", Reply{After: true, Status: 429, Body: RetryAfterReply(3).Body})
	wantRetryAfter(t, send(bot, group, "flood?"), 3)
	if n := len(srv.Messages(group)); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

// TestAfterDelayOutlastsTheClient models a call that took effect while
// the client timed out.
func TestAfterDelayOutlastsTheClient(t *testing.T) {
	srv := newWorld(t)
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.URL()+"/bot%s/%s", &http.Client{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext("sendMessage", Reply{After: true, Delay: time.Hour})
	err = send(bot, group, "slow")
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Errorf("err = %v, want a timeout", err)
	}
	if msgs := srv.Messages(group); len(msgs) != 1 {
		t.Errorf("messages = %+v, want the message sent", msgs)
	}
	srv.WaitFor(t, "the server to give up the answer", func() bool { return idle(srv) })
	if c := lastCall(t, srv, "sendMessage"); !c.Performed || c.Fault != FaultDelay || c.Status != 0 {
		t.Errorf("call = %+v, want performed, delayed, unanswered", c)
	}

	// A short After delay delivers the true answer late.
	srv.FailNext("sendMessage", Reply{After: true, Delay: 10 * time.Millisecond})
	if err := send(bot, group, "late"); err != nil {
		t.Errorf("short delay: %v", err)
	}
	if c := lastCall(t, srv, "sendMessage"); !c.Performed || c.Fault != FaultDelay || c.Status != 200 {
		t.Errorf("call = %+v, want performed, delayed, answered", c)
	}
}

func TestHangReleasedByCancellation(t *testing.T) {
	srv := newWorld(t)
	srv.FailNext("sendMessage", HangReply())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/bot"+srv.Token()+"/sendMessage?chat_id=-1001234567890&text=x", nil)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	srv.WaitFor(t, "the call to hang", func() bool {
		c := srv.CallsTo("sendMessage")
		return len(c) == 1 && c[0].Fault == FaultHang
	})
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v", err)
	}
	srv.WaitFor(t, "the server to release the call", func() bool { return idle(srv) })
	if c := srv.CallsTo("sendMessage")[0]; c.Performed || c.Status != 0 || c.Fault != FaultHang {
		t.Errorf("call = %+v", c)
	}
	if len(srv.Messages(group)) != 0 {
		t.Error("a hanging call was performed")
	}
}

func TestHangReleasedByClientTimeout(t *testing.T) {
	srv := newWorld(t)
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token(), srv.URL()+"/bot%s/%s", &http.Client{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext("sendMessage", Reply{Hang: true, After: true})
	err = send(bot, group, "performed, never answered")
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Errorf("err = %v, want a timeout", err)
	}
	srv.WaitFor(t, "the server to release the call", func() bool { return idle(srv) })
	if c := lastCall(t, srv, "sendMessage"); !c.Performed || c.Fault != FaultHang {
		t.Errorf("call = %+v, want performed and hung", c)
	}
	if len(srv.Messages(group)) != 1 {
		t.Error("the After hang did not perform the call")
	}
}

func TestHangReleasedByClose(t *testing.T) {
	errc := make(chan error, 1)
	t.Run("server", func(t *testing.T) {
		srv := NewServer(t)
		srv.FailNext("getMe", HangReply())
		go func() {
			_, err := try(srv, "getMe", nil)
			errc <- err
		}()
		srv.WaitFor(t, "the call to hang", func() bool {
			c := srv.CallsTo("getMe")
			return len(c) == 1 && c[0].Fault == FaultHang
		})
	})
	select {
	case err := <-errc:
		if err == nil {
			t.Error("the hanging call was answered")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("closing the server did not release the hanging call")
	}
}
