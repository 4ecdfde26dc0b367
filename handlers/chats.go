package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/middleware"
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
	Target(ctx context.Context, user tgbotapi.User, ref string) (middleware.Access, string, error)
	Manageable(ctx context.Context, userID int64) (chats []store.Chat, more bool, err error)
}

// Chats handles the chats the bot is in: it tracks them (my_chat_member),
// follows a group's upgrade to a supergroup, and serves /chats and /use in
// private chats.
type Chats struct {
	api      bot.Caller
	store    ChatStore
	access   ChatAccess
	username string
	now      func() time.Time
}

// NewChats makes the chat handlers for the bot called username. now is the
// clock (time.Now if nil).
func NewChats(api bot.Caller, st ChatStore, acc ChatAccess, username string, now func() time.Time) *Chats {
	if now == nil {
		now = time.Now
	}
	return &Chats{api: api, store: st, access: acc, username: username, now: now}
}

// OnMyChatMember records the bot's new status in a group, supergroup or
// channel: added, promoted, demoted, given or denied can_invite_users,
// removed.
func (h *Chats) OnMyChatMember(ctx context.Context, u *tgbotapi.Update) error {
	mc := u.MyChatMember
	if mc == nil {
		return nil
	}
	switch mc.Chat.Type {
	case "group", "supergroup", "channel":
	default:
		return nil // a private chat: the user blocked or unblocked the bot
	}
	m := mc.NewChatMember
	c := store.Chat{
		ID:           mc.Chat.ID,
		Type:         mc.Chat.Type,
		Title:        mc.Chat.Title,
		Username:     mc.Chat.UserName,
		BotStatus:    m.Status,
		BotCanInvite: m.Status == "creator" || (m.Status == "administrator" && m.CanInviteUsers),
		UpdatedAt:    time.Unix(int64(mc.Date), 0).UTC(),
	}
	if mc.Date == 0 {
		c.UpdatedAt = h.now().UTC()
	}
	if err := h.store.SaveChat(ctx, c); err != nil {
		return fmt.Errorf("save chat: %w", err)
	}
	zerolog.Ctx(ctx).Info().Int64("chat_id", c.ID).Str("status", c.BotStatus).Bool("can_invite_users", c.BotCanInvite).Msg("my status in a chat changed")
	return nil
}

// OnMessage handles the service messages of a group's upgrade to a
// supergroup (migrate_to_chat_id in the old group, migrate_from_chat_id in
// the new supergroup): every record of the group moves to the new ID.
// Either message does it; the second finds nothing left to move.
func (h *Chats) OnMessage(ctx context.Context, u *tgbotapi.Update) error {
	m := u.Message
	if m == nil || m.Chat == nil {
		return nil
	}
	var from, to int64
	switch {
	case m.MigrateToChatID != 0:
		from, to = m.Chat.ID, m.MigrateToChatID
	case m.MigrateFromChatID != 0:
		from, to = m.MigrateFromChatID, m.Chat.ID
	default:
		return nil
	}
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
	zerolog.Ctx(ctx).Info().Int64("from", from).Int64("to", to).Msg("group upgraded to a supergroup; its records moved")
	return nil
}

// List (/chats, private chats only) lists the chats the sender may manage
// through the bot.
func (h *Chats) List(ctx context.Context, u *tgbotapi.Update) error {
	m := u.Message
	if ok, err := h.private(ctx, u, "/chats"); !ok {
		return err
	}
	chats, more, err := h.access.Manageable(ctx, m.From.ID)
	if err != nil {
		return err
	}
	unchecked := ""
	if more {
		unchecked = fmt.Sprintf(" I checked only the %d chats most recently active; /use CHAT reaches the others.", middleware.MaxChatsChecked)
	}
	if len(chats) == 0 {
		return h.replyText(ctx, u, "There are no chats you can manage through me: the chat's creator and admins with the “Invite users via link” right can, once I am an admin there with that right."+unchecked)
	}
	chosen, err := h.store.ChosenChat(ctx, m.From.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("chosen chat: %w", err)
	}
	slices.SortStableFunc(chats, func(a, b store.Chat) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)), cmp.Compare(a.ID, b.ID))
	})
	entries := make([]string, len(chats))
	for i, c := range chats {
		entries[i] = describeChat(c, c.ID == chosen)
	}
	title := "Chats you can manage through me. Pick one with /use CHAT, or start a command with it, e.g. <code>/links @username</code>"
	if more {
		title += "." + html.EscapeString(unchecked)
	}
	for i, page := range paginate(title, entries) {
		replyTo := 0
		if i == 0 {
			replyTo = m.MessageID
		}
		if _, err := bot.Send(ctx, h.api, bot.Message{ChatID: m.Chat.ID, Text: page, ReplyTo: replyTo}); err != nil {
			return err
		}
	}
	return nil
}

// describeChat is one chat of /chats in HTML.
func describeChat(c store.Chat, chosen bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<b>%s</b> (%s)\n", html.EscapeString(c.Title), c.Type)
	if c.Username != "" {
		fmt.Fprintf(&b, "@%s · ", html.EscapeString(c.Username))
	}
	fmt.Fprintf(&b, "<code>%d</code>", c.ID)
	if chosen {
		b.WriteString(" · chosen with /use")
	}
	if !c.BotCanInvite {
		b.WriteString("\nI lack the “Invite users via link” right there.")
	}
	return b.String()
}

// Use (/use CHAT, private chats only) chooses the chat that the sender's
// following commands in the private chat act on.
func (h *Chats) Use(ctx context.Context, u *tgbotapi.Update) error {
	m := u.Message
	if ok, err := h.private(ctx, u, "/use"); !ok {
		return err
	}
	args := strings.Fields(commandArgs(ctx))
	switch {
	case len(args) == 0:
		return h.current(ctx, u)
	case len(args) > 1:
		return h.replyText(ctx, u, "/use takes one chat: /use @username or /use -1001234567890. /chats lists yours.")
	}
	if _, _, ok := middleware.SplitChat(args[0], middleware.ChatFirst); !ok {
		return h.replyText(ctx, u, fmt.Sprintf("%q is no chat: write its @username or its ID, e.g. /use @mychannel or /use -1001234567890. /chats lists yours.", args[0]))
	}
	acc, refusal, err := h.access.Target(ctx, *m.From, args[0])
	if err != nil {
		return err
	}
	if refusal != "" {
		return h.replyText(ctx, u, refusal)
	}
	if err := h.store.ChooseChat(ctx, m.From.ID, acc.Chat.ID, h.now().UTC()); err != nil {
		return fmt.Errorf("choose chat: %w", err)
	}
	text := fmt.Sprintf("From now on, your commands here act on <b>%s</b> (%s), e.g. /links or /createlink NAME. Another chat: /use CHAT.",
		html.EscapeString(acc.Chat.Title), acc.Chat.Type)
	_, err = bot.Send(ctx, h.api, bot.Message{ChatID: m.Chat.ID, Text: text, ReplyTo: m.MessageID})
	return err
}

// current says which chat /use chose, if any.
func (h *Chats) current(ctx context.Context, u *tgbotapi.Update) error {
	m := u.Message
	id, err := h.store.ChosenChat(ctx, m.From.ID)
	if errors.Is(err, store.ErrNotFound) {
		return h.replyText(ctx, u, "Say which chat: /use @username or /use -1001234567890. /chats lists the chats you can manage.")
	}
	if err != nil {
		return fmt.Errorf("chosen chat: %w", err)
	}
	c, err := h.store.Chat(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("chat: %w", err)
	}
	name := c.Title
	if name == "" {
		name = fmt.Sprint(id)
	}
	text := fmt.Sprintf("Your commands here act on <b>%s</b>. Another chat: /use CHAT; /chats lists yours.", html.EscapeString(name))
	_, err = bot.Send(ctx, h.api, bot.Message{ChatID: m.Chat.ID, Text: text, ReplyTo: m.MessageID})
	return err
}

// private tells whether the command came from a person in a private chat;
// in a group it answers where the command works. Channels get nothing.
func (h *Chats) private(ctx context.Context, u *tgbotapi.Update, cmd string) (bool, error) {
	m := u.Message
	switch {
	case m == nil || m.Chat == nil || m.From == nil || m.Chat.IsChannel():
		return false, nil
	case m.Chat.IsPrivate():
		return true, nil
	}
	return false, h.replyText(ctx, u, fmt.Sprintf("%s works in a private chat with me: open @%s and send it there.", cmd, h.username))
}

// replyText answers the update's message with plain text (escaped here).
func (h *Chats) replyText(ctx context.Context, u *tgbotapi.Update, text string) error {
	m := u.Message
	if m == nil || m.Chat == nil {
		return nil
	}
	_, err := bot.Send(ctx, h.api, bot.Message{ChatID: m.Chat.ID, Text: html.EscapeString(text), ReplyTo: m.MessageID})
	return err
}
