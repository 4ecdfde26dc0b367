package middleware_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/store"
)

func TestResolve(t *testing.T) {
	_, p := setupPrivate()
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		user    int64
		ref     string
		chat    int64
		refusal string
	}{
		{"owner, by username", owner, "@CHAN", channel, ""},
		{"owner, by ID", owner, "-1001234567890", group, ""},
		{"channel admin", admin, "@chan", channel, ""},
		{"group creator", creator, "-1001234567890", group, ""},
		{"admin without the right", noRight, "-1001234567890", 0, "without the “Invite users via link” right"},
		{"member", member, "-1001234567890", 0, "I can't act on that chat for you"},
		{"not in the channel", creator, "@chan", 0, "I can't act on that chat for you"},
		{"owner, chat the bot no longer administers", owner, "@old", 0, "I can't act on that chat for you"},
		{"owner, unknown chat", owner, "@nosuchchat", 0, "I can't act on that chat for you"},
		{"unknown ID", member, "-100999", 0, "I can't act on that chat for you"},
		{"an untracked chat the bot administers, its admin", admin, "-1007777777777", untracked, ""},
		{"an untracked chat the bot administers, a stranger", member, "-1007777777777", 0, "I can't act on that chat for you"},
		{"an untracked chat's owner", owner, "-1007777777777", untracked, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chat, err := p.Resolve(ctx, tc.user, tc.ref)
			if tc.refusal == "" && (err != nil || chat.ID != tc.chat) {
				t.Errorf("Resolve = %+v, %v; want chat %d", chat, err, tc.chat)
			}
			if tc.refusal != "" && !strings.Contains(refusal(err), tc.refusal) {
				t.Errorf("refusal %v, want %q", err, tc.refusal)
			}
		})
	}
	// A stranger learns nothing: the same refusal for a real and a made-up chat.
	_, real := p.Resolve(ctx, member, "-1001234567890")
	_, fake := p.Resolve(ctx, member, "-1001111111111")
	_, fakeName := p.Resolve(ctx, member, "@nosuchchat")
	if refusal(real) == "" || refusal(real) != refusal(fake) || refusal(real) != refusal(fakeName) {
		t.Errorf("refusals differ: %v, %v, %v", real, fake, fakeName)
	}
}

func TestManageable(t *testing.T) {
	tg, p := setupPrivate()
	ctx := context.Background()
	ids := func(chats []store.Chat) []int64 {
		var out []int64
		for _, c := range chats {
			out = append(out, c.ID)
		}
		return out
	}
	chats, more, err := p.Manageable(ctx, owner)
	if err != nil || more || len(chats) != 2 {
		t.Errorf("owner's chats = %v, %v, %v; want the two the bot administers", ids(chats), more, err)
	}
	if n := tg.count("member "); n != 0 {
		t.Errorf("the owner's /chats made %d getChatMember calls", n)
	}
	chats, _, _ = p.Manageable(ctx, admin)
	if got := ids(chats); len(got) != 2 {
		t.Errorf("admin's chats = %v, want both", got)
	}
	chats, _, _ = p.Manageable(ctx, creator)
	if got := ids(chats); len(got) != 1 || got[0] != group {
		t.Errorf("creator's chats = %v, want the group only", got)
	}
	if chats, _, _ := p.Manageable(ctx, member); len(chats) != 0 {
		t.Errorf("member's chats = %v, want none", ids(chats))
	}
}

func TestPrivateRequire(t *testing.T) {
	_, p := setupPrivate()
	var got *bot.Update
	h := p.Require(bot.ChatFirst)(func(_ context.Context, u *bot.Update) error {
		got = u
		return nil
	})
	private := func(from int64, args string) error {
		got = nil
		u := &bot.Update{Kind: "message", Chat: &bot.Chat{ID: from, Type: "private"}, From: &bot.User{ID: from, FirstName: "U"},
			Message: &bot.Message{ID: 1}, Command: &bot.Command{Name: "createlink", Args: args}}
		return h(context.Background(), u)
	}

	if err := private(owner, "@chan Partners limit=10"); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Target.ID != channel || got.Target.Title != "Chan" || got.Actor.ID != owner || got.Command.Args != "Partners limit=10" {
		t.Errorf("owner with a CHAT prefix: %+v", got)
	}
	if err := private(admin, "Partners"); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Target.ID != group || got.Command.Args != "Partners" {
		t.Errorf("admin with a chosen chat: %+v", got)
	}
	for _, tc := range []struct {
		from int64
		args string
		want string
	}{
		{5000000011, "Partners", "Say which chat"},
		{member, "@chan x", "I can't act on that chat for you"},
		{noRight, "x", "without the “Invite users via link” right"},
	} {
		err := private(tc.from, tc.args)
		if got != nil {
			t.Errorf("%d %q reached the handler", tc.from, tc.args)
		}
		if !strings.Contains(refusal(err), tc.want) {
			t.Errorf("%d %q: %v, want %q", tc.from, tc.args, err, tc.want)
		}
	}
	// No sender: nothing happens.
	u := &bot.Update{Kind: "message", Chat: &bot.Chat{ID: owner, Type: "private"}, Message: &bot.Message{ID: 1}, Command: &bot.Command{Name: "links"}}
	if err := h(context.Background(), u); err != nil || got != nil {
		t.Errorf("an update without a sender: %v, %+v", err, got)
	}
}

// buttonStore holds the records of the bot's messages with buttons.
type buttonStore map[[2]int64]store.ButtonMessage

func (b buttonStore) ButtonMessage(_ context.Context, chatID int64, messageID int) (store.ButtonMessage, error) {
	m, ok := b[[2]int64{chatID, int64(messageID)}]
	if !ok {
		return m, store.ErrNotFound
	}
	return m, nil
}

func TestRequireButton(t *testing.T) {
	_, p := setupPrivate()
	now := time.Now()
	// Message 1 of each chat acts on the group, message 2 on the channel,
	// message 3 is a confirmation for admin alone, message 4 one that
	// expired.
	buttons := buttonStore{}
	for _, chat := range []int64{group, owner, admin, member} {
		buttons[[2]int64{chat, 1}] = store.ButtonMessage{Kind: "links", TargetID: group}
		buttons[[2]int64{chat, 2}] = store.ButtonMessage{Kind: "links", TargetID: channel}
		buttons[[2]int64{chat, 3}] = store.ButtonMessage{Kind: "confirm", TargetID: group, UserID: admin, ExpiresAt: now.Add(time.Minute)}
		buttons[[2]int64{chat, 4}] = store.ButtonMessage{Kind: "confirm", TargetID: group, UserID: admin, ExpiresAt: now.Add(-time.Second)}
	}
	var ran []*bot.Update
	h := p.RequireButton(buttons)(func(_ context.Context, u *bot.Update) error {
		ran = append(ran, u)
		return nil
	})
	inGroup := bot.Chat{ID: group, Type: "supergroup"}
	privateOf := func(id int64) bot.Chat { return bot.Chat{ID: id, Type: "private"} }
	for _, tc := range []struct {
		name  string
		from  int64
		where bot.Chat
		msg   int
		alert string // "" means the handler runs
	}{
		{"admin in the group", admin, inGroup, 1, ""},
		{"member in the group", member, inGroup, 1, "Only the chat's creator and admins"},
		{"admin without the right in the group", noRight, inGroup, 1, "without the “Invite users via link” right"},
		{"owner in the group, not an admin there", owner, inGroup, 1, "Only the chat's creator and admins"},
		{"a group message that acts on another chat", admin, inGroup, 2, "no longer works"},
		{"owner in private", owner, privateOf(owner), 2, ""},
		{"channel admin in private", admin, privateOf(admin), 2, ""},
		{"member in private", member, privateOf(member), 1, "You can't manage that chat through me."},
		{"a message the bot has no record of", admin, inGroup, 9, "no longer works"},
		{"a confirmation pressed by its admin", admin, inGroup, 3, ""},
		{"a confirmation pressed by another admin", creator, inGroup, 3, "for the admin who asked"},
		{"a confirmation pressed too late", admin, inGroup, 4, "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(ran)
			where := tc.where
			err := h(context.Background(), &bot.Update{Kind: "callback_query", Chat: &where, From: &bot.User{ID: tc.from, FirstName: "U"},
				Callback: &bot.Callback{ID: "q", Data: "lk:r:1", Message: &bot.Message{ID: tc.msg}}})
			didRun := len(ran) > n
			if tc.alert == "" && (!didRun || err != nil) {
				t.Errorf("ran %v, %v; want the handler to run", didRun, err)
			}
			if tc.alert != "" && (didRun || !strings.Contains(refusal(err), tc.alert)) {
				t.Errorf("ran %v, %v; want the refusal %q", didRun, err, tc.alert)
			}
		})
	}
	if len(ran) != 4 || ran[0].Target.ID != group || ran[1].Target.ID != channel || ran[1].Actor.ID != owner {
		t.Errorf("ran %d: %+v", len(ran), ran)
	}
}
