package handlers

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

func TestOnMyChatMember(t *testing.T) {
	changed := tNow.Add(-time.Minute)
	update := func(chat *bot.Chat, status string, canInvite bool) *bot.Update {
		return &bot.Update{Kind: "my_chat_member", Chat: chat, From: adminUser(), Member: &bot.MemberUpdate{
			Date: changed,
			Old:  bot.MemberState{User: bot.User{ID: 42, IsBot: true}, ChatMember: bot.ChatMember{Status: "member"}},
			New:  bot.MemberState{User: bot.User{ID: 42, IsBot: true}, ChatMember: bot.ChatMember{Status: status, CanInviteUsers: canInvite}},
		}}
	}
	channel := &bot.Chat{ID: tOther, Type: "channel", Title: "News", Username: "newschan"}
	private := &bot.Chat{ID: tAdmin, Type: "private", FirstName: "Ada"}
	for _, tc := range []struct {
		name string
		u    *bot.Update
		want *store.Chat // nil: nothing saved
	}{
		{"promoted with the right", update(groupChat(), "administrator", true),
			&store.Chat{ID: tGroup, Type: "supergroup", Title: "Fans & Friends", BotStatus: "administrator", BotCanInvite: true, UpdatedAt: changed}},
		{"promoted without the right", update(groupChat(), "administrator", false),
			&store.Chat{ID: tGroup, Type: "supergroup", Title: "Fans & Friends", BotStatus: "administrator", UpdatedAt: changed}},
		{"demoted", update(groupChat(), "member", false),
			&store.Chat{ID: tGroup, Type: "supergroup", Title: "Fans & Friends", BotStatus: "member", UpdatedAt: changed}},
		{"removed", update(groupChat(), "left", false),
			&store.Chat{ID: tGroup, Type: "supergroup", Title: "Fans & Friends", BotStatus: "left", UpdatedAt: changed}},
		{"a channel", update(channel, "administrator", true),
			&store.Chat{ID: tOther, Type: "channel", Title: "News", Username: "newschan", BotStatus: "administrator", BotCanInvite: true, UpdatedAt: changed}},
		{"a group", update(&bot.Chat{ID: -4001, Type: "group", Title: "Small"}, "administrator", true),
			&store.Chat{ID: -4001, Type: "group", Title: "Small", BotStatus: "administrator", BotCanInvite: true, UpdatedAt: changed}},
		{"without a date, now", func() *bot.Update { u := update(groupChat(), "member", false); u.Member.Date = time.Time{}; return u }(),
			&store.Chat{ID: tGroup, Type: "supergroup", Title: "Fans & Friends", BotStatus: "member", UpdatedAt: tNow}},
		{"a private chat: blocked by a person", update(private, "kicked", false), nil},
		{"no membership change", func() *bot.Update { u := update(groupChat(), "member", false); u.Member = nil; return u }(), nil},
		{"no chat", func() *bot.Update { u := update(groupChat(), "member", false); u.Chat = nil; return u }(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if err := e.chats().OnMyChatMember(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg)
			w := e.st.writes()
			if tc.want == nil {
				if len(w) > 0 {
					t.Errorf("store writes %v", w)
				}
				return
			}
			if got, _ := e.st.chat(tc.want.ID); got != *tc.want {
				t.Errorf("saved\n\t%+v\nwant\n\t%+v", got, *tc.want)
			}
		})
	}
	t.Run("a store failure is a failure", func(t *testing.T) {
		e := newEnv()
		e.st.failNext("SaveChat", errDisk)
		wantFailure(t, e.chats().OnMyChatMember(context.Background(), update(groupChat(), "member", false)))
	})
}

// The IDs of a group upgraded to a supergroup.
const (
	tOldGroup int64 = -4001234567
	tNewGroup int64 = -1004001234567
)

// seedUpgrade gives the old group a record, two links and Ada's choice.
func seedUpgrade(e *env) {
	e.st.chats[tOldGroup] = store.Chat{ID: tOldGroup, Type: "group", Title: "Small", BotStatus: "administrator", BotCanInvite: true, UpdatedAt: tRevoked}
	e.st.chosen[tAdmin] = tOldGroup
	e.seed(store.Link{ChatID: tOldGroup, URL: urlPrimary, Primary: true})
	e.seed(store.Link{ChatID: tOldGroup, URL: urlPartners, Name: "Partners"})
}

func TestUpgrade(t *testing.T) {
	service := func(chat int64, typ string, to, from int64) *bot.Update {
		return &bot.Update{Kind: "message", Chat: &bot.Chat{ID: chat, Type: typ, Title: "Small"}, From: adminUser(),
			Message: &bot.Message{ID: 1, Date: tNow, MigrateToChatID: to, MigrateFromChatID: from}}
	}
	moved := func(t *testing.T, e *env) {
		t.Helper()
		if w := e.st.writes(); len(w) == 0 || w[0] != "MoveChat" {
			t.Fatalf("store writes %v, want MoveChat first", w)
		}
		if l := e.st.get(t, tNewGroup, 2); l.URL != urlPartners {
			t.Errorf("#2 of the supergroup is %+v", l)
		}
		c, ok := e.st.chat(tNewGroup)
		if !ok || c.Type != "supergroup" || c.Title != "Small" {
			t.Errorf("the supergroup's record is %+v, %v", c, ok)
		}
		if _, ok := e.st.chat(tOldGroup); ok {
			t.Errorf("the group's record stayed")
		}
		if id, _ := e.st.choice(tAdmin); id != tNewGroup {
			t.Errorf("Ada's choice is %d", id)
		}
		wantCalls(t, e.tg)
	}
	t.Run("migrate_to_chat_id in the group", func(t *testing.T) {
		e := newEnv()
		seedUpgrade(e)
		if err := e.chats().OnMessage(context.Background(), service(tOldGroup, "group", tNewGroup, 0)); err != nil {
			t.Fatal(err)
		}
		moved(t, e)
	})
	t.Run("migrate_from_chat_id in the supergroup", func(t *testing.T) {
		e := newEnv()
		seedUpgrade(e)
		if err := e.chats().OnMessage(context.Background(), service(tNewGroup, "supergroup", 0, tOldGroup)); err != nil {
			t.Fatal(err)
		}
		moved(t, e)
	})
	t.Run("Telegram's answer that carries the new ID", func(t *testing.T) {
		e := newEnv()
		seedUpgrade(e)
		if err := e.chats().Upgraded(context.Background(), tOldGroup, tNewGroup); err != nil {
			t.Fatal(err)
		}
		moved(t, e)
	})
	t.Run("a supergroup's own record stays", func(t *testing.T) {
		e := newEnv()
		seedUpgrade(e)
		own := store.Chat{ID: tNewGroup, Type: "supergroup", Title: "Small", BotStatus: "administrator", UpdatedAt: tNow}
		e.st.chats[tNewGroup] = own
		if err := e.chats().Upgraded(context.Background(), tOldGroup, tNewGroup); err != nil {
			t.Fatal(err)
		}
		if w := e.st.writes(); len(w) != 1 {
			t.Errorf("store writes %v, want MoveChat alone", w)
		}
		if c, _ := e.st.chat(tNewGroup); c != own {
			t.Errorf("the record is %+v", c)
		}
	})
	t.Run("a chat without a record", func(t *testing.T) {
		e := newEnv()
		if err := e.chats().Upgraded(context.Background(), tOldGroup, tNewGroup); err != nil {
			t.Fatal(err)
		}
		if w := e.st.writes(); len(w) != 1 || w[0] != "MoveChat" {
			t.Errorf("store writes %v", w)
		}
	})
	t.Run("other messages move nothing", func(t *testing.T) {
		e := newEnv()
		seedUpgrade(e)
		u := service(tOldGroup, "group", 0, 0)
		u.Message.NewChatMembers = []bot.User{{ID: tBob}}
		if err := e.chats().OnMessage(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		if w := e.st.writes(); len(w) > 0 {
			t.Errorf("store writes %v", w)
		}
	})
	for _, method := range []string{"MoveChat", "Chat", "SaveChat"} {
		t.Run("a failure of "+method, func(t *testing.T) {
			e := newEnv()
			seedUpgrade(e)
			e.st.failNext(method, errDisk)
			err := e.chats().OnMessage(context.Background(), service(tOldGroup, "group", tNewGroup, 0))
			wantFailure(t, err)
			if !errors.Is(err, errDisk) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

// privateMessage is /name args in Ada's private chat, as it reaches the
// handlers of /chats and /use (no access check in front).
func privateMessage(name, args string) *bot.Update {
	return unchecked(privateCommand(name, args))
}

func TestChatsList(t *testing.T) {
	chats := []store.Chat{
		{ID: tGroup, Type: "supergroup", Title: "Zeta fans", BotStatus: "administrator", BotCanInvite: true},
		{ID: -1001, Type: "supergroup", Title: "alpha", BotStatus: "administrator"},
		{ID: tOther, Type: "channel", Title: "Beta & co", Username: "betachan", BotStatus: "administrator", BotCanInvite: true},
	}
	for _, tc := range []struct {
		name   string
		setup  func(e *env)
		words  []string
		lacks  []string
		orders []string // these words appear in this order
	}{
		{"sorted by title, the chosen one marked", func(e *env) {
			e.acc.manageable = chats
			e.st.chosen[tAdmin] = tGroup
		}, []string{
			"Chats you can manage through me.",
			"alpha (supergroup)\n-1001\nI lack the “Invite users via link” right there.",
			"Beta & co (channel)\n@betachan · -1009876543210",
			"Zeta fans (supergroup)\n-1001234567890 · chosen with /use",
		}, []string{"I checked only"}, []string{"alpha", "Beta & co", "Zeta fans"}},
		{"more than were checked", func(e *env) {
			e.acc.manageable, e.acc.more = chats[:1], true
		}, []string{"Zeta fans", "I checked only the 50 chats most recently active"}, []string{"chosen with /use"}, nil},
		{"none", nil, []string{"There are no chats you can manage through me"}, []string{"I checked only"}, nil},
		{"none of those checked", func(e *env) { e.acc.more = true }, []string{"There are no chats you can manage through me",
			"I checked only the 50 chats"}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if tc.setup != nil {
				tc.setup(e)
			}
			if err := e.chats().List(context.Background(), privateMessage("chats", "")); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, line("Send", tAdmin, "reply=10 buttons=0"))
			got := reply(t, e.tg, tAdmin)
			wantContains(t, got, tc.words...)
			wantLacks(t, got, tc.lacks...)
			last := -1
			for _, w := range tc.orders {
				i := strings.Index(got, w)
				if i < last {
					t.Errorf("%q is out of order in %q", w, got)
				}
				last = i
			}
		})
	}
	t.Run("in a group it says where it works", func(t *testing.T) {
		e := newEnv()
		e.acc.manageable = chats
		err := e.chats().List(context.Background(), unchecked(groupCommand("chats", "")))
		wantTextErr(t, err, text.Invalid, "private.only", "/chats works in a private chat with me", "@"+tBotName)
		wantCalls(t, e.tg)
	})
	t.Run("in a channel nothing", func(t *testing.T) {
		e := newEnv()
		e.acc.manageable = chats
		u := unchecked(groupCommand("chats", ""))
		u.Chat, u.From = &bot.Chat{ID: tOther, Type: "channel"}, nil
		if err := e.chats().List(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		wantCalls(t, e.tg)
	})
	t.Run("a failure of the access check passes on", func(t *testing.T) {
		e := newEnv()
		e.acc.err = errNetwork
		err := e.chats().List(context.Background(), privateMessage("chats", ""))
		if !errors.Is(err, errNetwork) {
			t.Errorf("err = %v", err)
		}
		wantCalls(t, e.tg)
	})
}

func TestUse(t *testing.T) {
	group := groupChat()
	stranger := text.Err(text.Forbidden, "access.stranger")
	for _, tc := range []struct {
		name, args string
		setup      func(e *env)
		resolved   []string // what the access check was asked
		chosen     int64    // Ada's choice after, 0 for none
		reply      string   // "" for none
		code       text.Code
		id         string
	}{
		{"by @username", "@fans", nil, []string{"@fans"}, tGroup,
			"From now on, your commands here act on Fans & Friends (supergroup)", "", ""},
		{"by ID", "-1001234567890", nil, []string{"-1001234567890"}, tGroup, "act on Fans & Friends", "", ""},
		{"another choice replaces the first", "@fans", func(e *env) { e.st.chosen[tAdmin] = tOther }, []string{"@fans"}, tGroup,
			"act on Fans & Friends", "", ""},
		{"the current choice", "", func(e *env) {
			e.st.chosen[tAdmin] = tGroup
			e.st.chats[tGroup] = store.Chat{ID: tGroup, Type: "supergroup", Title: "Fans & Friends"}
		}, nil, tGroup, "Your commands here act on Fans & Friends.", "", ""},
		{"the current choice without a record, by ID", "", func(e *env) { e.st.chosen[tAdmin] = tOther }, nil, tOther,
			"Your commands here act on -1009876543210.", "", ""},
		{"no choice yet", "", nil, nil, 0, "", text.Invalid, "use.none"},
		{"two chats", "@fans @news", nil, nil, 0, "", text.Invalid, "use.one_chat"},
		{"no chat", "fans", nil, nil, 0, "", text.Invalid, "use.not_chat"},
		{"a positive ID is a person's, no chat", "5000000002", nil, nil, 0, "", text.Invalid, "use.not_chat"},
		{"a chat the sender may not manage", "@other", nil, []string{"@other"}, 0, "", text.Forbidden, "access.stranger"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			e.acc.chats = map[string]*bot.Chat{"@fans": group, "-1001234567890": group}
			e.acc.refusal = stranger
			before, _ := e.st.choice(tAdmin)
			if tc.setup != nil {
				tc.setup(e)
				before, _ = e.st.choice(tAdmin)
			}
			err := e.chats().Use(context.Background(), privateMessage("use", tc.args))
			if tc.id != "" {
				te := wantTextErr(t, err, tc.code, tc.id)
				if tc.id == "access.stranger" && te != stranger {
					t.Errorf("the access check's refusal was not passed on as it is")
				}
				wantCalls(t, e.tg)
				if got, _ := e.st.choice(tAdmin); got != before {
					t.Errorf("the choice changed to %d", got)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				wantContains(t, reply(t, e.tg, tAdmin), tc.reply)
			}
			if got, _ := e.st.choice(tAdmin); got != tc.chosen {
				t.Errorf("Ada's choice is %d, want %d", got, tc.chosen)
			}
			if !slices.Equal(e.acc.resolved, tc.resolved) {
				t.Errorf("asked the access check about %q, want %q", e.acc.resolved, tc.resolved)
			}
		})
	}
	t.Run("in a group it says where it works", func(t *testing.T) {
		e := newEnv()
		err := e.chats().Use(context.Background(), unchecked(groupCommand("use", "@fans")))
		wantTextErr(t, err, text.Invalid, "private.only", "/use works in a private chat")
		wantCalls(t, e.tg)
		if len(e.acc.resolved) > 0 {
			t.Errorf("asked the access check")
		}
	})
	t.Run("a store failure is a failure", func(t *testing.T) {
		e := newEnv()
		e.acc.chats = map[string]*bot.Chat{"@fans": group}
		e.st.failNext("ChooseChat", errDisk)
		wantFailure(t, e.chats().Use(context.Background(), privateMessage("use", "@fans")))
		wantCalls(t, e.tg)
	})
}
