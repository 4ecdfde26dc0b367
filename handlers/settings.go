package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// ChatSettingsStore is what the settings commands need of the store.
type ChatSettingsStore interface {
	ChatSettings(ctx context.Context, chatID int64) (store.ChatSettings, error)
	SaveChatSettings(ctx context.Context, s store.ChatSettings) error
}

// Settings handles the commands that set how the bot behaves in a chat.
type Settings struct {
	*Deps
	store ChatSettingsStore
}

// NewSettings makes the settings handlers.
func NewSettings(d *Deps, st ChatSettingsStore) *Settings { return &Settings{Deps: d, store: st} }

// Language (/language [CODE]) shows or sets the language of the bot's
// messages in the chat.
func (h *Settings) Language(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	s, err := h.store.ChatSettings(ctx, chat.ID)
	if err != nil {
		return fmt.Errorf("chat settings: %w", err)
	}
	arg := strings.TrimSpace(args(u))
	if arg == "" {
		current := s.Language
		if current == "" {
			current = h.Text.Default().Lang()
		}
		return h.say(ctx, u, text.M("language.show", "Chat", chatName(u), "Code", current, "Name", h.Text.Name(current), "Codes", text.HTML(h.languageList())))
	}
	code, ok := h.Text.Speaks(arg)
	if !ok {
		return text.Err(text.Invalid, "language.unknown", "Code", clip(arg), "Codes", text.HTML(h.codeList()))
	}
	s.Language, s.UpdatedBy, s.UpdatedAt = code, actor.ID, h.now()
	if err := h.store.SaveChatSettings(ctx, s); err != nil {
		return fmt.Errorf("save chat settings: %w", err)
	}
	return h.say(ctx, u, text.M("language.set", "Chat", chatName(u), "Code", code, "Name", h.Text.Name(code)))
}

// languageList is the languages the bot speaks, one a line: the code and
// the language's own name.
func (h *Settings) languageList() string {
	var b strings.Builder
	for i, code := range h.Text.Codes() {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "<code>%s</code> %s", code, h.Text.Default().Escape(h.Text.Name(code)))
	}
	return b.String()
}

// codeList is the codes of the languages the bot speaks on one line, for
// the one-line reply to a code it does not speak (/language alone lists
// them with their names).
func (h *Settings) codeList() string {
	codes := h.Text.Codes()
	for i, code := range codes {
		codes[i] = "<code>" + code + "</code>"
	}
	return strings.Join(codes, ", ")
}

// Replies (/replies [private|chat]) shows or sets where the group's answers
// that show invite links go: the asking admin's private chat (the default)
// or the group itself.
func (h *Settings) Replies(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	if !chat.IsGroup() {
		return text.Err(text.Invalid, "replies.groups_only")
	}
	s, err := h.store.ChatSettings(ctx, chat.ID)
	if err != nil {
		return fmt.Errorf("chat settings: %w", err)
	}
	mode := s.Replies
	if mode == "" {
		mode = store.RepliesPrivate
	}
	switch a := store.Replies(strings.ToLower(strings.TrimSpace(args(u)))); a {
	case "":
		return h.say(ctx, u, text.M("replies.is_"+string(mode), "Chat", chatName(u)))
	case store.RepliesPrivate, store.RepliesChat:
		s.Replies, s.UpdatedBy, s.UpdatedAt = a, actor.ID, h.now()
	default:
		return text.Err(text.Invalid, "replies.usage")
	}
	if err := h.store.SaveChatSettings(ctx, s); err != nil {
		return fmt.Errorf("save chat settings: %w", err)
	}
	return h.say(ctx, u, text.M("replies.set_"+string(s.Replies), "Chat", chatName(u)))
}
