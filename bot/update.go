package bot

import (
	"strings"
	"unicode"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Well-known senders that stand for someone else.
const (
	// GroupAnonymousBotID is the "from" of messages sent by anonymous admins.
	GroupAnonymousBotID = 1087968824
	// ChannelBotID is the "from" of messages a channel sends into a group.
	ChannelBotID = 136817688
	// TelegramServiceID is the "from" of automatic forwards from a linked channel.
	TelegramServiceID = 777000
)

// Kind names the kind of an update, as in allowed_updates.
func Kind(u *tgbotapi.Update) string {
	switch {
	case u == nil:
		return "unknown"
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.ChannelPost != nil:
		return "channel_post"
	case u.EditedChannelPost != nil:
		return "edited_channel_post"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.InlineQuery != nil:
		return "inline_query"
	case u.ChosenInlineResult != nil:
		return "chosen_inline_result"
	case u.MyChatMember != nil:
		return "my_chat_member"
	case u.ChatMember != nil:
		return "chat_member"
	case u.ChatJoinRequest != nil:
		return "chat_join_request"
	case u.ShippingQuery != nil:
		return "shipping_query"
	case u.PreCheckoutQuery != nil:
		return "pre_checkout_query"
	case u.Poll != nil:
		return "poll"
	case u.PollAnswer != nil:
		return "poll_answer"
	default:
		return "unknown"
	}
}

// Chat returns the chat an update happened in, or nil when it has none (an
// inline query, a callback from an inline message, a kind this library
// version does not know). Unlike tgbotapi's FromChat it never panics.
func Chat(u *tgbotapi.Update) *tgbotapi.Chat {
	switch {
	case u == nil:
		return nil
	case u.Message != nil:
		return u.Message.Chat
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat
	case u.ChannelPost != nil:
		return u.ChannelPost.Chat
	case u.EditedChannelPost != nil:
		return u.EditedChannelPost.Chat
	case u.CallbackQuery != nil:
		if u.CallbackQuery.Message != nil {
			return u.CallbackQuery.Message.Chat
		}
		return nil
	case u.MyChatMember != nil:
		return &u.MyChatMember.Chat
	case u.ChatMember != nil:
		return &u.ChatMember.Chat
	case u.ChatJoinRequest != nil:
		return &u.ChatJoinRequest.Chat
	default:
		return nil
	}
}

// Sender returns the user who caused an update, or nil when there is none
// (channel posts, polls). Unlike tgbotapi's SentFrom it knows chat member
// updates and join requests.
func Sender(u *tgbotapi.Update) *tgbotapi.User {
	switch {
	case u == nil:
		return nil
	case u.Message != nil:
		return u.Message.From
	case u.EditedMessage != nil:
		return u.EditedMessage.From
	case u.CallbackQuery != nil:
		return u.CallbackQuery.From
	case u.InlineQuery != nil:
		return u.InlineQuery.From
	case u.ChosenInlineResult != nil:
		return u.ChosenInlineResult.From
	case u.MyChatMember != nil:
		return &u.MyChatMember.From
	case u.ChatMember != nil:
		return &u.ChatMember.From
	case u.ChatJoinRequest != nil:
		return &u.ChatJoinRequest.From
	case u.ShippingQuery != nil:
		return u.ShippingQuery.From
	case u.PreCheckoutQuery != nil:
		return u.PreCheckoutQuery.From
	case u.PollAnswer != nil:
		return &u.PollAnswer.User
	default:
		return nil
	}
}

// Command is a bot command found at the start of a message.
type Command struct {
	// Name is the command without the slash and without @botname, in lower case.
	Name string
	// Args is the text after the command, trimmed of surrounding white space.
	Args string
}

// ParseCommand finds the command at the start of m addressed to the bot
// called username. It reports false when m is no command (Telegram marks
// commands with a bot_command entity at offset 0) or when the command is
// addressed to another bot (/cmd@OtherBot). It never panics, whatever the
// entities claim.
func ParseCommand(m *tgbotapi.Message, username string) (Command, bool) {
	if m == nil || len(m.Entities) == 0 {
		return Command{}, false
	}
	if e := m.Entities[0]; e.Offset != 0 || e.Type != "bot_command" || !strings.HasPrefix(m.Text, "/") {
		return Command{}, false
	}
	// The command ends at the first white space of any kind: a newline, a
	// no-break space, an ideographic space (U+3000).
	token, rest := m.Text[1:], ""
	if i := strings.IndexFunc(token, unicode.IsSpace); i >= 0 {
		token, rest = token[:i], token[i:]
	}
	name, at, addressed := strings.Cut(token, "@")
	if addressed && !strings.EqualFold(at, username) {
		return Command{}, false
	}
	if name == "" {
		return Command{}, false
	}
	return Command{Name: strings.ToLower(name), Args: strings.TrimSpace(rest)}, true
}
