package bottest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// newFakeClock sets the server's clock to a fake one.
func newFakeClock(srv *Server) *fakeClock {
	c := &fakeClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	srv.SetClock(c.Now)
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// send sends a message with tgbotapi.
func send(bot *tgbotapi.BotAPI, chatID int64, text string) error {
	_, err := bot.Send(tgbotapi.NewMessage(chatID, text))
	return err
}

// wantRetryAfter checks that err is a 429 asking to retry after secs.
func wantRetryAfter(t *testing.T, err error, secs int) {
	t.Helper()
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Code != http.StatusTooManyRequests || apiErr.RetryAfter != secs ||
		apiErr.Message != fmt.Sprintf("Too Many Requests: retry after %d", secs) {
		t.Fatalf("err = %#v, want 429 retry after %d", err, secs)
	}
}

// lastCall returns the last call to method.
func lastCall(t *testing.T, srv *Server, method string) Call {
	t.Helper()
	calls := srv.CallsTo(method)
	if len(calls) == 0 {
		t.Fatalf("no call to %s", method)
	}
	return calls[len(calls)-1]
}

func TestRateLimitGlobal(t *testing.T) {
	srv := newWorld(t)
	clock := newFakeClock(srv)
	var chats []int64 // 16 private chats, so that no chat gets over 5 in 3s
	for i := range int64(16) {
		srv.AddUser(User{ID: 7000000001 + i, FirstName: fmt.Sprint("User ", i)})
		srv.StartPrivateChat(7000000001 + i)
		chats = append(chats, 7000000001+i)
	}
	srv.EnforceRateLimits(TelegramLimits)
	bot := newBot(t, srv)
	sent := func() int {
		n := 0
		for _, c := range chats {
			n += len(srv.Messages(c))
		}
		return n
	}

	for i := range 30 {
		if err := send(bot, chats[i%16], fmt.Sprint("message ", i)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	wantRetryAfter(t, send(bot, chats[6], "one too many"), 1)
	if c := lastCall(t, srv, "sendMessage"); c.Status != 429 || c.Performed || c.Fault != FaultRateLimit {
		t.Errorf("refused call = %+v, want status 429, not performed, fault %q", c, FaultRateLimit)
	}
	if n := sent(); n != 30 {
		t.Errorf("%d messages stored, want 30: the refused one was performed", n)
	}

	clock.Advance(999 * time.Millisecond)
	wantRetryAfter(t, send(bot, chats[7], "still too early"), 1)
	clock.Advance(time.Millisecond) // the first 30 leave the window
	for i := range 30 {
		if err := send(bot, chats[i%16], fmt.Sprint("second second ", i)); err != nil {
			t.Fatalf("send %d in the next second: %v", i, err)
		}
	}
	wantRetryAfter(t, send(bot, chats[0], "one too many again"), 1)
	if n := sent(); n != 60 {
		t.Errorf("%d messages stored, want 60", n)
	}
	if got := srv.RateLimited(); got != 3 {
		t.Errorf("RateLimited() = %d, want 3", got)
	}
	if got := srv.TooManyRequests(); got != 3 {
		t.Errorf("TooManyRequests() = %d, want 3", got)
	}
	if got := srv.Injected(); len(got) != 0 {
		t.Errorf("Injected() = %v, want nothing: rate limits are not injected faults", got)
	}
}

func TestRateLimitPerGroup(t *testing.T) {
	srv := newWorld(t)
	srv.StartPrivateChat(alice) // Alice and Bob started the bot: it may write to them
	srv.StartPrivateChat(bob)
	const other = -1005555555555
	srv.AddChat(Chat{ID: other, Type: "supergroup", Title: "Other"})
	clock := newFakeClock(srv)
	srv.EnforceRateLimits(TelegramLimits)
	bot := newBot(t, srv)

	// 20 posts into the channel, one a second, by id and by @username:
	// both are the same chat.
	for i := range 20 {
		var err error
		if i%2 == 0 {
			err = send(bot, channel, fmt.Sprint("post ", i))
		} else {
			_, err = bot.Send(tgbotapi.NewMessageToChannel("@invite_test_channel", fmt.Sprint("post ", i)))
		}
		if err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		clock.Advance(time.Second)
	}
	// 20 seconds after the first post, it leaves the window in 40.
	wantRetryAfter(t, send(bot, channel, "21st"), 40)
	_, err := bot.Send(tgbotapi.NewMessageToChannel("@invite_test_channel", "21st by name"))
	wantRetryAfter(t, err, 40)
	if err := send(bot, other, "another group is fine"); err != nil {
		t.Errorf("another group: %v", err)
	}
	if err := send(bot, alice, "a private chat is fine"); err != nil {
		t.Errorf("a private chat: %v", err)
	}

	clock.Advance(39 * time.Second)
	wantRetryAfter(t, send(bot, channel, "a second too early"), 1)
	clock.Advance(time.Second)
	if err := send(bot, channel, "a minute after the first"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	wantRetryAfter(t, send(bot, channel, "the second post is still in the window"), 1)
	if msgs := srv.Messages(channel); len(msgs) != 21 || msgs[20].Text != "a minute after the first" {
		t.Errorf("channel has %d messages, want 21", len(msgs))
	}
	if got := srv.RateLimited(); got != 4 {
		t.Errorf("RateLimited() = %d, want 4", got)
	}
}

func TestRateLimitPerChat(t *testing.T) {
	srv := newWorld(t)
	srv.StartPrivateChat(alice) // Alice and Bob started the bot: it may write to them
	srv.StartPrivateChat(bob)
	clock := newFakeClock(srv)
	srv.EnforceRateLimits(TelegramLimits)
	bot := newBot(t, srv)

	for i := range 5 {
		if err := send(bot, alice, fmt.Sprint("burst ", i)); err != nil {
			t.Fatalf("burst %d: %v", i, err)
		}
	}
	wantRetryAfter(t, send(bot, alice, "sixth"), 3)
	// Edits are message sends too.
	_, err := bot.Send(tgbotapi.NewEditMessageText(alice, 1, "edited"))
	wantRetryAfter(t, err, 3)
	if err := send(bot, bob, "another chat is fine"); err != nil {
		t.Errorf("another chat: %v", err)
	}

	// Refused calls don't count: five of them now would fill the window
	// that opens at 3s.
	clock.Advance(2 * time.Second)
	for range 5 {
		wantRetryAfter(t, send(bot, alice, "too early"), 1)
	}
	clock.Advance(time.Second)
	for i := range 5 {
		if err := send(bot, alice, fmt.Sprint("second burst ", i)); err != nil {
			t.Fatalf("second burst %d: %v (refused calls were counted)", i, err)
		}
	}
	msgs := srv.Messages(alice)
	if len(msgs) != 10 || msgs[0].Text != "burst 0" || msgs[0].Edited {
		t.Errorf("messages = %+v, want 10 and the refused edit not done", msgs)
	}
}

// TestRateLimitsWithTheRealClock checks the default clock, switching the
// limits on and off, and the counters of 429s.
func TestRateLimitsWithTheRealClock(t *testing.T) {
	srv := newWorld(t)
	srv.StartPrivateChat(alice) // Alice and Bob started the bot: it may write to them
	srv.StartPrivateChat(bob)
	bot := newBot(t, srv)
	for i := range 10 {
		if err := send(bot, alice, fmt.Sprint("unlimited ", i)); err != nil {
			t.Fatalf("without limits: %v", err)
		}
	}
	srv.EnforceRateLimits(RateLimits{PerChat: Limit{Max: 2, Window: time.Hour}})
	for i := range 2 {
		if err := send(bot, alice, fmt.Sprint("limited ", i)); err != nil {
			t.Fatalf("within the limit: %v", err)
		}
	}
	err := send(bot, alice, "over")
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Code != 429 || apiErr.RetryAfter < 3599 || apiErr.RetryAfter > 3600 {
		t.Fatalf("err = %#v, want 429 retry after about 3600", err)
	}
	srv.FailNext("sendMessage", RetryAfterReply(7))
	wantRetryAfter(t, send(bot, bob, "scripted"), 7)
	if got := srv.TooManyRequests(); got != 2 {
		t.Errorf("TooManyRequests() = %d, want 2 (one limit, one scripted)", got)
	}
	if got := srv.RateLimited(); got != 1 {
		t.Errorf("RateLimited() = %d, want 1", got)
	}
	if got := srv.Injected(); got["sendMessage"] != 1 || len(got) != 1 {
		t.Errorf("Injected() = %v, want the scripted 429 only", got)
	}
	srv.EnforceRateLimits(RateLimits{})
	if err := send(bot, alice, "free again"); err != nil {
		t.Errorf("limits off: %v", err)
	}
}

func TestIsMessageSend(t *testing.T) {
	for method, want := range map[string]bool{
		"sendMessage": true, "editMessageText": true, "editMessageReplyMarkup": true,
		"copyMessage": true, "forwardMessages": true, "sendPhoto": true,
		"sendChatAction": false, "deleteMessage": false, "getChat": false, "createChatInviteLink": false,
	} {
		if got := isMessageSend(strings.ToLower(method)); got != want {
			t.Errorf("isMessageSend(%s) = %v, want %v", method, got, want)
		}
	}
}
