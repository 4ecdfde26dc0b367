package middleware_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/middleware"
	"github.com/invitebot/invitebot/store"
)

const (
	group   int64 = -1001234567890
	channel int64 = -1009876543210
	demoted int64 = -1005555555555 // the bot was an admin; now a member
	creator int64 = 5000000004
	admin   int64 = 5000000001
	noRight int64 = 5000000003
	member  int64 = 5000000002
	gone    int64 = 5000000005
	owner   int64 = 5000000009
	botID   int64 = 6000000001
	// untracked is a group the bot administers that the store has no
	// record of (the bot was made an admin before it kept records).
	untracked int64 = -1007777777777
)

// fakeTG is the checks' Telegram in memory: the members of the chats, and
// what the checks sent.
type fakeTG struct {
	mu      sync.Mutex
	members map[[2]int64]bot.ChatMember
	calls   []string // "member CHAT USER", "send CHAT TEXT", "edit ...", "answer ..."
	sent    []bot.Outgoing
}

func newFakeTG() *fakeTG {
	f := &fakeTG{members: map[[2]int64]bot.ChatMember{}}
	for id, m := range map[int64]bot.ChatMember{
		creator: {Status: "creator"},
		admin:   {Status: "administrator", CanInviteUsers: true},
		noRight: {Status: "administrator"},
		member:  {Status: "member"},
	} {
		f.members[[2]int64{group, id}] = m
	}
	f.members[[2]int64{channel, admin}] = bot.ChatMember{Status: "administrator", CanInviteUsers: true}
	f.members[[2]int64{group, botID}] = bot.ChatMember{Status: "administrator", CanInviteUsers: true}
	f.members[[2]int64{channel, botID}] = bot.ChatMember{Status: "administrator", CanInviteUsers: true}
	f.members[[2]int64{untracked, botID}] = bot.ChatMember{Status: "administrator", CanInviteUsers: true}
	f.members[[2]int64{untracked, admin}] = bot.ChatMember{Status: "administrator", CanInviteUsers: true}
	return f
}

func (f *fakeTG) set(chat, user int64, m bot.ChatMember) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.members[[2]int64{chat, user}] = m
}

func (f *fakeTG) record(format string, a ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, a...))
}

func (f *fakeTG) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

func (f *fakeTG) Member(_ context.Context, chat, user int64) (bot.ChatMember, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("member %d %d", chat, user)
	if chat != group && chat != channel && chat != untracked {
		return bot.ChatMember{}, bot.ErrChatNotFound
	}
	m, ok := f.members[[2]int64{chat, user}]
	if !ok {
		return bot.ChatMember{Status: "left"}, nil
	}
	return m, nil
}

func (f *fakeTG) Send(_ context.Context, m bot.Outgoing) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("send %d %s", m.ChatID, m.Text)
	f.sent = append(f.sent, m)
	return len(f.sent), nil
}

func (f *fakeTG) Edit(_ context.Context, chat int64, id int, html string, _ [][]bot.Button) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("edit %d %d %s", chat, id, html)
	return nil
}

func (f *fakeTG) AnswerButton(_ context.Context, id, txt string, alert bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("answer %s %v %s", id, alert, txt)
	return nil
}

// chatStore is a ChatStore in memory.
type chatStore struct {
	chats  []store.Chat
	chosen map[int64]int64
}

func (s *chatStore) Chat(_ context.Context, id int64) (store.Chat, error) {
	for _, c := range s.chats {
		if c.ID == id {
			return c, nil
		}
	}
	return store.Chat{}, store.ErrNotFound
}

func (s *chatStore) ChatByUsername(_ context.Context, name string) (store.Chat, error) {
	for _, c := range s.chats {
		if c.Username != "" && strings.EqualFold(c.Username, name) {
			return c, nil
		}
	}
	return store.Chat{}, store.ErrNotFound
}

func (s *chatStore) AdministeredChats(context.Context) ([]store.Chat, error) {
	var out []store.Chat
	for _, c := range s.chats {
		if c.Administered() {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *chatStore) ChosenChat(_ context.Context, user int64) (int64, error) {
	if id, ok := s.chosen[user]; ok {
		return id, nil
	}
	return 0, store.ErrNotFound
}

var catalog = func() *text.Catalog {
	c, err := text.New("en")
	if err != nil {
		panic(err)
	}
	return c
}()

// refusal is the English text of err, a *text.Error, or "" for none.
func refusal(err error) string {
	e, ok := err.(*text.Error)
	if !ok {
		return ""
	}
	return catalog.Default().Plain(e.Msg)
}

// clock is a settable time for the cache.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func setupPrivate() (*fakeTG, *middleware.Private) {
	tg := newFakeTG()
	st := &chatStore{
		chats: []store.Chat{
			{ID: group, Type: "supergroup", Title: "G", BotStatus: "administrator", BotCanInvite: true},
			{ID: channel, Type: "channel", Title: "Chan", Username: "chan", BotStatus: "administrator", BotCanInvite: true},
			{ID: demoted, Type: "supergroup", Title: "Old", Username: "old", BotStatus: "member"},
		},
		chosen: map[int64]int64{admin: group, noRight: group},
	}
	return tg, middleware.NewPrivate(middleware.NewAdmins(tg, catalog, 0, nil), st, []int64{owner}, botID)
}
