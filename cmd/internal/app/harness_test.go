package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/sqlite"
)

// The world of the end-to-end tests, as in testdata/updates.
const (
	groupID   int64 = -1001234567890 // the bot is an admin with can_invite_users
	noRightID int64 = -1001111111111 // the bot is an admin without it
	channelID int64 = -1009876543210

	alice int64 = 5000000001 // admin with can_invite_users
	bob   int64 = 5000000002 // member
	carol int64 = 5000000003 // admin without can_invite_users
	dave  int64 = 5000000004 // creator
)

// newWorld makes a fake Telegram with the test world in it.
func newWorld(t *testing.T) *bottest.Server {
	t.Helper()
	srv := bottest.NewServer(t)
	t.Cleanup(func() { checkMethodsKnown(t, srv) })
	for _, u := range []bottest.User{
		{ID: alice, FirstName: "Alice", UserName: "alice_admin"},
		{ID: bob, FirstName: "Bob"},
		{ID: carol, FirstName: "Carol", UserName: "carol"},
		{ID: dave, FirstName: "Dave", UserName: "dave_owner"},
	} {
		srv.AddUser(u)
	}
	srv.AddChat(bottest.Chat{ID: groupID, Type: "supergroup", Title: "Invite Test Group"})
	srv.AddChat(bottest.Chat{ID: noRightID, Type: "supergroup", Title: "No <Right> Group"})
	srv.AddChat(bottest.Chat{ID: channelID, Type: "channel", Title: "Test Channel"})
	for _, chat := range []int64{groupID, noRightID} {
		srv.SetMember(chat, dave, bottest.Member{Status: "creator"})
		srv.SetMember(chat, alice, bottest.Member{Status: "administrator", CanInviteUsers: true})
		srv.SetMember(chat, bob, bottest.Member{Status: "member"})
		srv.SetMember(chat, carol, bottest.Member{Status: "administrator"})
	}
	srv.SetMember(groupID, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	srv.SetMember(noRightID, srv.Bot().ID, bottest.Member{Status: "administrator"})
	srv.SetMember(channelID, srv.Bot().ID, bottest.Member{Status: "administrator", CanInviteUsers: true})
	return srv
}

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// privateMode names the tests whose groups keep the default of PRODUCT.md
// §3: answers that show links go to the asking admin in private. The
// other tests were written for answers in the group (/replies chat) and
// keep to it.
var privateMode = map[string]bool{}

// answerInGroups sets /replies chat for chats in the database in dir
// before the bot starts.
func answerInGroups(t *testing.T, dir string, chats ...int64) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "invitebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range chats {
		if err := db.SaveChatSettings(context.Background(), store.ChatSettings{ChatID: c, Replies: store.RepliesChat}); err != nil {
			t.Fatal(err)
		}
	}
}

// harness is one run of the real program against a fake Telegram.
type harness struct {
	t      *testing.T
	srv    *bottest.Server
	env    map[string]string
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// fastPace lets tests that are not about pacing send as fast as they like.
var fastPace = bot.PaceLimits{Global: bot.Window{N: 1 << 20, Per: time.Second}}

// start runs the bot with a database in dir (a new temp dir if "") and the
// given extra environment, and waits until it polls. Messages are not paced.
func start(t *testing.T, srv *bottest.Server, dir string, kv ...string) *harness {
	t.Helper()
	return startWith(t, srv, dir, Options{Pace: fastPace}, kv...)
}

// startWith is start with the given Options.
func startWith(t *testing.T, srv *bottest.Server, dir string, in Options, kv ...string) *harness {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	if !privateMode[t.Name()] {
		answerInGroups(t, dir, groupID, noRightID)
	}
	h := &harness{
		t:   t,
		srv: srv,
		env: map[string]string{
			"TELEGRAM_BOT_TOKEN":     srv.Token(),
			"TELEGRAM_API_URL":       srv.URL(),
			"INVITEBOT_DB":           filepath.Join(dir, "invitebot.db"),
			"INVITEBOT_LOG_LEVEL":    "debug",
			"INVITEBOT_LOG_FORMAT":   "json",
			"INVITEBOT_POLL_TIMEOUT": "5s",
		},
		logs: &syncBuffer{},
		done: make(chan error, 1),
	}
	for i := 0; i+1 < len(kv); i += 2 {
		h.env[kv[i]] = kv[i+1]
	}
	polls := len(srv.CallsTo("getUpdates"))
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		h.done <- Run(ctx, func(k string) string { return h.env[k] }, &bytes.Buffer{}, h.logs, in)
	}()
	t.Cleanup(func() {
		h.stop()
		h.checkNoToken()
	})
	srv.WaitFor(t, "the bot polls", func() bool { return len(srv.CallsTo("getUpdates")) > polls })
	return h
}

// stop ends the run as SIGTERM would and returns run's result.
func (h *harness) stop() error {
	h.t.Helper()
	h.cancel()
	select {
	case err, ok := <-h.done:
		if ok {
			close(h.done)
			if err != nil {
				h.t.Errorf("run returned %v", err)
			}
			return err
		}
		return nil
	case <-time.After(15 * time.Second):
		h.t.Fatal("run did not return within 15s of the stop")
		return nil
	}
}

// checkNoToken fails the test if the token shows in the logs or in anything
// the bot sent.
func (h *harness) checkNoToken() {
	token := h.srv.Token()
	secret := token[strings.Index(token, ":")+1:]
	if strings.Contains(h.logs.String(), secret) {
		h.t.Errorf("the token appears in the logs")
	}
	for _, c := range h.srv.Calls() {
		for k, v := range c.Params {
			if strings.Contains(v, secret) {
				h.t.Errorf("the token appears in parameter %s of %s", k, c.Method)
			}
		}
	}
}

// send pushes a message and returns its message ID.
func (h *harness) send(chat, from int64, text string) int {
	_, id := h.srv.PushMessage(chat, from, text)
	return id
}

// repliesTo is what the bot sent in reply to message msgID so far.
func (h *harness) repliesTo(chat int64, msgID int) []bottest.SentMessage {
	return repliesTo(h.srv, chat, msgID)
}

// ask sends text and waits for the bot's first reply to it.
func (h *harness) ask(chat, from int64, text string) bottest.SentMessage {
	h.t.Helper()
	id := h.send(chat, from, text)
	h.srv.WaitFor(h.t, "a reply to "+text, func() bool { return len(h.repliesTo(chat, id)) > 0 })
	return h.repliesTo(chat, id)[0]
}

// silent sends text and checks that the bot does not answer it: a /help
// sent after it in the same chat is handled after it, in order, so once
// that is answered the first was handled too.
func (h *harness) silent(chat, from int64, text string) {
	h.t.Helper()
	id := h.send(chat, from, text)
	h.ask(chat, alice, "/help")
	if got := h.repliesTo(chat, id); len(got) != 0 {
		h.t.Errorf("%q got a reply: %q", text, got[0].PlainText)
	}
}

// lastMessage is the bot's last message in chat.
func (h *harness) lastMessage(chat int64) bottest.SentMessage {
	h.t.Helper()
	msgs := h.srv.Messages(chat)
	if len(msgs) == 0 {
		h.t.Fatalf("no message in chat %d", chat)
	}
	return msgs[len(msgs)-1]
}

// changes counts the calls that change a chat's links.
func (h *harness) changes() int {
	n := 0
	for _, m := range []string{"createChatInviteLink", "editChatInviteLink", "revokeChatInviteLink", "exportChatInviteLink"} {
		n += len(h.srv.CallsTo(m))
	}
	return n
}

// press presses a button of a message and waits for its answer.
func (h *harness) press(from, chat int64, msg bottest.SentMessage, row, col int) bottest.CallbackAnswer {
	h.t.Helper()
	if row >= len(msg.Buttons) || col >= len(msg.Buttons[row]) {
		h.t.Fatalf("message %q has no button %d,%d", msg.PlainText, row, col)
	}
	_, qid := h.srv.PushCallback(from, chat, msg.MessageID, msg.Buttons[row][col].CallbackData)
	var answer bottest.CallbackAnswer
	h.srv.WaitFor(h.t, "an answer to the button press", func() bool {
		for _, a := range h.srv.CallbackAnswers() {
			if a.QueryID == qid {
				answer = a
				return true
			}
		}
		return false
	})
	return answer
}

func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%q does not contain %q", got, w)
		}
	}
}

func oneLine(t *testing.T, m bottest.SentMessage) {
	t.Helper()
	if strings.Contains(strings.TrimSpace(m.PlainText), "\n") {
		t.Errorf("reply is not one line: %q", m.PlainText)
	}
}
