package middleware

import (
	"context"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/store"
)

// MaxChatsChecked bounds the getChatMember calls that one /chats of a user
// who is not an owner makes: the chats the bot administers are checked, the
// most recently updated first, up to this many. /use CHAT reaches the others.
const MaxChatsChecked = 50

// Replies of the private-chat checks (plain text). msgStranger is the same
// whether the chat exists or not, so that it tells a stranger nothing.
const (
	msgStranger       = "I can't act on that chat for you. /chats lists the chats you can manage through me: those where I am an admin and you are the creator or an admin with the “Invite users via link” right."
	msgStrangerChosen = "I can no longer act for you on the chat you chose with /use. /chats lists the chats you can manage through me; pick one with /use."
	msgStrangerButton = "You can't manage that chat through me."
	msgPick           = "Say which chat: send /use @username or /use -1001234567890 first, or start the command with the chat, e.g. /links @mychannel. /chats lists your chats."
	msgNoRightIn      = "You are an admin of %s, but without the “Invite users via link” right, which managing invite links needs. The chat's creator can grant it under Administrators."
	msgStaleButton    = "This button no longer works."
)

// ChatStore is what the private-chat checks need of the store.
type ChatStore interface {
	Chat(ctx context.Context, id int64) (store.Chat, error)
	ChatByUsername(ctx context.Context, username string) (store.Chat, error)
	AdministeredChats(ctx context.Context) ([]store.Chat, error)
	ChosenChat(ctx context.Context, userID int64) (int64, error)
}

// Private decides who may act on which chat from a private chat with the
// bot: the owners (INVITEBOT_OWNERS) on every chat the bot administers, and
// everyone else on the chats where getChatMember says they are the creator
// or an administrator with can_invite_users. Only chats the bot knows it
// administers (from my_chat_member updates) can be targets. In groups it
// leaves the decision to Admins.
type Private struct {
	admins *Admins
	chats  ChatStore
	owners map[int64]bool
}

// NewPrivate makes the private-chat checks on top of admins' (and their cache).
func NewPrivate(admins *Admins, chats ChatStore, owners []int64) *Private {
	p := &Private{admins: admins, chats: chats, owners: make(map[int64]bool)}
	for _, id := range owners {
		p.owners[id] = true
	}
	return p
}

// IsOwner tells whether userID is one of the owners.
func (p *Private) IsOwner(userID int64) bool { return p.owners[userID] }

// PrefixRule says when the first argument of a command is its CHAT.
type PrefixRule int

const (
	// ChatFirst: a leading @username or negative chat ID is the CHAT.
	ChatFirst PrefixRule = iota
	// ChatBeforeArg: as ChatFirst, but only when another argument follows,
	// for commands whose own argument may be a @username (/approve @user).
	ChatBeforeArg
)

// chatIDPattern is a group, supergroup or channel ID: users' IDs are
// positive, chats' negative.
var chatIDPattern = regexp.MustCompile(`^-[0-9]{1,19}$`)

// SplitChat splits a leading CHAT (@username or negative chat ID) off a
// command's arguments; it ends at any white space, a newline too. ok is false
// when args do not start with one.
func SplitChat(args string, rule PrefixRule) (chat, rest string, ok bool) {
	first := strings.TrimSpace(args)
	if i := strings.IndexFunc(first, unicode.IsSpace); i >= 0 {
		first, rest = first[:i], strings.TrimSpace(first[i:])
	}
	isChat := (strings.HasPrefix(first, "@") && len(first) > 1) || chatIDPattern.MatchString(first)
	if !isChat || (rule == ChatBeforeArg && rest == "") {
		return "", strings.TrimSpace(args), false
	}
	return first, rest, true
}

// lookup finds the chat that ref (@username or ID) names among the chats
// the bot administers.
func (p *Private) lookup(ctx context.Context, ref string) (store.Chat, bool, error) {
	var (
		c   store.Chat
		err error
	)
	if name, ok := strings.CutPrefix(ref, "@"); ok {
		c, err = p.chats.ChatByUsername(ctx, name)
	} else {
		id, perr := strconv.ParseInt(ref, 10, 64)
		if perr != nil {
			return c, false, nil
		}
		c, err = p.chats.Chat(ctx, id)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return c, false, nil
	case err != nil:
		return c, false, fmt.Errorf("find chat %s: %w", ref, err)
	}
	return c, c.Administered(), nil
}

// check tells what userID may do on chat from a private chat: owners
// everything, others what getChatMember says. Telegram refusing to answer
// (the chat is gone, the bot was removed) means nothing.
func (p *Private) check(ctx context.Context, chat store.Chat, userID int64) (Verdict, error) {
	if p.owners[userID] {
		return CanInvite, nil
	}
	v, err := p.admins.Check(ctx, chat.ID, userID)
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) && (apiErr.Code == 400 || apiErr.Code == 403) {
		return NotAdmin, nil
	}
	return v, err
}

// Target resolves CHAT as typed in a private chat (@username or chat ID)
// for user: the Access to act on it, or a one-line refusal (plain text)
// that is the same for a chat that does not exist and for one the user
// may not manage.
func (p *Private) Target(ctx context.Context, user tgbotapi.User, ref string) (Access, string, error) {
	chat, found, err := p.lookup(ctx, ref)
	if err != nil || !found {
		return Access{}, msgStranger, err
	}
	v, err := p.check(ctx, chat, user.ID)
	if err != nil {
		return Access{}, "", fmt.Errorf("check admin: %w", err)
	}
	switch v {
	case CanInvite:
		return Access{Chat: TelegramChat(chat), User: user}, "", nil
	case AdminWithoutRight:
		return Access{}, fmt.Sprintf(msgNoRightIn, chat.Title), nil
	default:
		return Access{}, msgStranger, nil
	}
}

// Manageable returns the chats userID may manage from a private chat: for
// owners every chat the bot administers, for others those of them where
// getChatMember (cached) says so, checking at most MaxChatsChecked chats;
// more reports that some were left unchecked.
func (p *Private) Manageable(ctx context.Context, userID int64) (chats []store.Chat, more bool, err error) {
	all, err := p.chats.AdministeredChats(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("administered chats: %w", err)
	}
	if p.owners[userID] {
		return all, false, nil
	}
	if len(all) > MaxChatsChecked {
		all, more = all[:MaxChatsChecked], true
	}
	for _, c := range all {
		v, err := p.check(ctx, c, userID)
		if err != nil {
			return nil, false, fmt.Errorf("check admin: %w", err)
		}
		if v == CanInvite {
			chats = append(chats, c)
		}
	}
	return chats, more, nil
}

// TelegramChat is a stored chat as the handlers see chats.
func TelegramChat(c store.Chat) tgbotapi.Chat {
	return tgbotapi.Chat{ID: c.ID, Type: c.Type, Title: c.Title, UserName: c.Username}
}

// Require lets an admin command through when its sender may act on the
// chat: in a group as Admins.Require decides; in a private chat on the
// target chat, which is the command's leading CHAT (see rule; it is taken
// off the arguments the handler sees) or else the one chosen with /use.
// Access.Chat is the target; replies go to the private chat. Everyone else
// gets a one-line refusal.
func (p *Private) Require(rule PrefixRule) bot.Middleware {
	inGroup := p.admins.Require()
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		group := inGroup(next)
		return func(ctx context.Context, u *tgbotapi.Update) error {
			m := u.Message
			if m == nil || m.Chat == nil || !m.Chat.IsPrivate() {
				return group(ctx, u)
			}
			if m.From == nil || m.From.IsBot {
				return nil
			}
			reply := func(text string) error {
				_, err := bot.Send(ctx, p.admins.api, bot.Message{ChatID: m.Chat.ID, Text: html.EscapeString(text), ReplyTo: m.MessageID})
				return err
			}
			cmd, _ := bot.CommandFrom(ctx)
			ref, rest, explicit := SplitChat(cmd.Args, rule)
			if !explicit {
				id, err := p.chats.ChosenChat(ctx, m.From.ID)
				if errors.Is(err, store.ErrNotFound) {
					return reply(msgPick)
				}
				if err != nil {
					return fmt.Errorf("chosen chat: %w", err)
				}
				ref = strconv.FormatInt(id, 10)
			}
			acc, refusal, err := p.Target(ctx, *m.From, ref)
			switch {
			case err != nil:
				return err
			case refusal == msgStranger && !explicit:
				return reply(msgStrangerChosen)
			case refusal != "":
				return reply(refusal)
			}
			ctx = bot.WithCommand(ctx, bot.Command{Name: cmd.Name, Args: rest})
			return next(WithAccess(ctx, acc), u)
		}
	}
}

// RequireButton lets a button press through when the presser may do what
// the button does on the chat that chatOf reads from its data: under a
// message in a group, the group's creator and admins with the right (and
// the data must name that group); under a message in a private chat, as
// Target decides. Everyone else gets an alert and nothing happens; the
// handler gets Access and must answer the press.
func (p *Private) RequireButton(chatOf func(data string) (int64, bool)) bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, u *tgbotapi.Update) error {
			q := u.CallbackQuery
			if q == nil {
				return nil
			}
			alert := func(text string) error {
				return bot.AnswerCallback(ctx, p.admins.api, q.ID, text, true)
			}
			chatID, ok := chatOf(q.Data)
			if !ok || q.Message == nil || q.Message.Chat == nil || q.From == nil {
				return alert(msgStaleButton)
			}
			where := q.Message.Chat
			var acc Access
			switch {
			case where.IsPrivate():
				a, refusal, err := p.Target(ctx, *q.From, strconv.FormatInt(chatID, 10))
				switch {
				case err != nil:
					return err
				case refusal == msgStranger:
					return alert(msgStrangerButton)
				case refusal != "":
					return alert(msgNoRight)
				}
				acc = a
			case where.ID == chatID && (where.IsGroup() || where.IsSuperGroup()):
				v, err := p.admins.Check(ctx, chatID, q.From.ID)
				if err != nil {
					return fmt.Errorf("check admin: %w", err)
				}
				switch v {
				case AdminWithoutRight:
					return alert(msgNoRight)
				case NotAdmin:
					return alert(msgNotAdmin)
				}
				acc = Access{Chat: *where, User: *q.From}
			default:
				return alert(msgStaleButton)
			}
			return next(WithAccess(ctx, acc), u)
		}
	}
}
