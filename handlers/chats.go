package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// ChatStore is what the chat handlers need of the store.
type ChatStore interface {
	SaveChat(ctx context.Context, c store.Chat) error
	Chat(ctx context.Context, id int64) (store.Chat, error)
	ChooseChat(ctx context.Context, userID, chatID int64, at time.Time) error
	ChosenChat(ctx context.Context, userID int64) (int64, error)
	MoveChat(ctx context.Context, from, to int64) error
}

// ChatAccess is who may act on which chat from a private chat;
// *middleware.Private is one.
type ChatAccess interface {
	Resolve(ctx context.Context, userID int64, ref string) (*bot.Chat, error)
	// Manageable lists the chats userID may manage; more: it looked at
	// MaxChecked of them, and there are more.
	Manageable(ctx context.Context, userID int64) (chats []store.Chat, more bool, err error)
	MaxChecked() int
}

// Chats handles the chats the bot is in: it tracks them (my_chat_member),
// follows a group's upgrade to a supergroup, and serves /chats and /use in
// private chats.
type Chats struct {
	*Deps
	store  ChatStore
	access ChatAccess
}

// NewChats makes the chat handlers.
func NewChats(d *Deps, st ChatStore, acc ChatAccess) *Chats {
	return &Chats{Deps: d, store: st, access: acc}
}

// OnMyChatMember records the bot's new status in a group, supergroup or
// channel: added, promoted, demoted, given or denied can_invite_users,
// removed.
func (h *Chats) OnMyChatMember(ctx context.Context, u *bot.Update) error {
	mc := u.Member
	if mc == nil || u.Chat == nil {
		return nil
	}
	switch u.Chat.Type {
	case "group", "supergroup", "channel":
	default:
		return nil // a private chat: the user blocked or unblocked the bot
	}
	m := mc.New
	c := store.Chat{
		ID: u.Chat.ID, Type: u.Chat.Type, Title: u.Chat.Title, Username: u.Chat.Username,
		BotStatus:    m.Status,
		BotCanInvite: m.Status == "creator" || (m.Status == "administrator" && m.CanInviteUsers),
		UpdatedAt:    mc.Date,
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = h.now()
	}
	if err := h.store.SaveChat(ctx, c); err != nil {
		return fmt.Errorf("save chat: %w", err)
	}
	zerolog.Ctx(ctx).Info().Str("status", c.BotStatus).Bool("can_invite_users", c.BotCanInvite).Msg("my status in a chat changed")
	return nil
}

// OnMessage handles the service messages of a group's upgrade to a
// supergroup (migrate_to_chat_id in the old group, migrate_from_chat_id in
// the new supergroup). Either message does it; the second finds nothing
// left to move.
func (h *Chats) OnMessage(ctx context.Context, u *bot.Update) error {
	m := u.Message
	if m == nil || u.Chat == nil {
		return nil
	}
	switch {
	case m.MigrateToChatID != 0:
		return h.Upgraded(ctx, u.Chat.ID, m.MigrateToChatID)
	case m.MigrateFromChatID != 0:
		return h.Upgraded(ctx, m.MigrateFromChatID, u.Chat.ID)
	}
	return nil
}

// Upgraded follows a group's upgrade to a supergroup: every record of the
// group moves to the new ID, and the chat is a supergroup now. It is the
// one place that does: the service messages of the upgrade and Telegram's
// answer that carries the new ID (bot.ClientConfig.OnMigrate) both come
// here.
func (h *Chats) Upgraded(ctx context.Context, from, to int64) error {
	if err := h.store.MoveChat(ctx, from, to); err != nil {
		return fmt.Errorf("move chat %d to %d: %w", from, to, err)
	}
	c, err := h.store.Chat(ctx, to)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return fmt.Errorf("moved chat: %w", err)
	case c.Type == "group":
		c.Type = "supergroup"
		if err := h.store.SaveChat(ctx, c); err != nil {
			return fmt.Errorf("save moved chat: %w", err)
		}
	}
	zerolog.Ctx(ctx).Info().Int64("from_chat_id", from).Int64("to_chat_id", to).Msg("group upgraded to a supergroup; its records moved")
	return nil
}

// List (/chats, private chats only) lists the chats the sender may manage
// through the bot.
func (h *Chats) List(ctx context.Context, u *bot.Update) error {
	if ok, err := h.private(u, "/chats"); !ok {
		return err
	}
	chats, more, err := h.access.Manageable(ctx, u.From.ID)
	if err != nil {
		return err
	}
	p := h.printer(ctx, u)
	var unchecked text.HTML
	if more {
		unchecked = text.HTML(p.S("chats.unchecked", "Max", h.access.MaxChecked()))
	}
	if len(chats) == 0 {
		return h.say(ctx, u, text.M("chats.none", "Unchecked", unchecked))
	}
	chosen, err := h.store.ChosenChat(ctx, u.From.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("chosen chat: %w", err)
	}
	slices.SortStableFunc(chats, func(a, b store.Chat) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)), cmp.Compare(a.ID, b.ID))
	})
	entries := make([]string, len(chats))
	for i, c := range chats {
		entries[i] = describeChat(p, c, c.ID == chosen)
	}
	pages := paginatePages(p, p.S("chats.title", "Unchecked", unchecked), entries, 0)
	return h.sendPages(ctx, u.Chat.ID, u.Message.ID, pages, nil)
}

// describeChat is one chat of /chats in HTML.
func describeChat(p *text.Printer, c store.Chat, chosen bool) string {
	m := text.M("chats.entry", "Title", c.Title, "Type", text.M("chat.type."+c.Type), "ID", c.ID)
	if c.Username != "" {
		m.Data["Username"] = c.Username
	}
	if chosen {
		m.Data["Chosen"] = true
	}
	if !c.BotCanInvite {
		m.Data["NoRight"] = true
	}
	return p.Sprint(m)
}

// Use (/use CHAT, private chats only) chooses the chat that the sender's
// following commands in the private chat act on.
func (h *Chats) Use(ctx context.Context, u *bot.Update) error {
	if ok, err := h.private(u, "/use"); !ok {
		return err
	}
	words := strings.Fields(args(u))
	switch {
	case len(words) == 0:
		return h.current(ctx, u)
	case len(words) > 1:
		return text.Err(text.Invalid, "use.one_chat")
	}
	if _, _, ok := bot.SplitChat(words[0], bot.ChatFirst); !ok {
		return text.Err(text.Invalid, "use.not_chat", "Chat", clip(words[0]))
	}
	chat, err := h.access.Resolve(ctx, u.From.ID, words[0])
	if err != nil {
		return err
	}
	if err := h.store.ChooseChat(ctx, u.From.ID, chat.ID, h.now()); err != nil {
		return fmt.Errorf("choose chat: %w", err)
	}
	return h.say(ctx, u, text.M("use.chosen", "Title", chat.Title, "Type", text.M("chat.type."+chat.Type)))
}

// current says which chat /use chose, if any.
func (h *Chats) current(ctx context.Context, u *bot.Update) error {
	id, err := h.store.ChosenChat(ctx, u.From.ID)
	if errors.Is(err, store.ErrNotFound) {
		return text.Err(text.Invalid, "use.none")
	}
	if err != nil {
		return fmt.Errorf("chosen chat: %w", err)
	}
	c, err := h.store.Chat(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("chat: %w", err)
	}
	var name any = c.Title
	if c.Title == "" {
		name = id
	}
	return h.say(ctx, u, text.M("use.current", "Title", name))
}

// private tells whether u came from a person in a private chat; in a
// group, the error says where the command works. Channels get nothing.
func (h *Chats) private(u *bot.Update, cmd string) (bool, error) {
	switch {
	case u.Message == nil || u.Chat == nil || u.From == nil || u.Chat.IsChannel():
		return false, nil
	case u.Chat.IsPrivate():
		return true, nil
	}
	return false, text.Err(text.Invalid, "private.only", "Command", cmd, "Bot", h.Username)
}
