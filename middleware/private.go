package middleware

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// MaxChatsChecked bounds the getChatMember calls that one /chats of a user
// who is not an owner makes: the chats the bot administers are checked, the
// most recently updated first, up to this many. /use CHAT reaches the others.
const MaxChatsChecked = 50

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
	botID  int64
}

// NewPrivate makes the private-chat checks on top of admins' (and their cache).
//
// botID is the bot's own user ID: a chat given by its ID that the store
// does not know the bot administers is asked of Telegram (the bot's own
// membership there), since the bot may have been made an admin before it
// kept records.
func NewPrivate(admins *Admins, chats ChatStore, owners []int64, botID int64) *Private {
	p := &Private{admins: admins, chats: chats, owners: make(map[int64]bool), botID: botID}
	for _, id := range owners {
		p.owners[id] = true
	}
	return p
}

// MaxChecked is MaxChatsChecked, for /chats to say how far it looked.
func (p *Private) MaxChecked() int { return MaxChatsChecked }

// IsOwner tells whether userID is one of the owners.
func (p *Private) IsOwner(userID int64) bool { return p.owners[userID] }

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
	if errors.Is(err, bot.ErrChatNotFound) || errors.Is(err, bot.ErrNoRights) || errors.Is(err, bot.ErrRefused) {
		return NotAdmin, nil
	}
	return v, err
}

// Target resolves CHAT as typed in a private chat (@username or chat ID)
// for userID: the chat, and what the user may do there. A chat the bot
// does not administer, or that does not exist, is NotAdmin, the same as a
// chat the user may not manage, so that a stranger learns nothing.
func (p *Private) Target(ctx context.Context, userID int64, ref string) (store.Chat, Verdict, error) {
	chat, found, err := p.lookup(ctx, ref)
	if err != nil {
		return chat, NotAdmin, err
	}
	if !found {
		// Not known to be administered: asked of Telegram, for a chat given
		// by its ID. Nothing here tells a stranger whether the chat exists:
		// every way it fails is NotAdmin.
		id, perr := strconv.ParseInt(ref, 10, 64)
		if perr != nil || id >= 0 || p.botID == 0 {
			return chat, NotAdmin, nil
		}
		bv, err := p.admins.Check(ctx, id, p.botID)
		switch {
		case errors.Is(err, bot.ErrChatNotFound) || errors.Is(err, bot.ErrNoRights) || errors.Is(err, bot.ErrRefused):
			return chat, NotAdmin, nil
		case err != nil:
			return chat, NotAdmin, fmt.Errorf("check the bot: %w", err)
		case bv != CanInvite:
			return chat, NotAdmin, nil
		}
		if chat.ID == 0 {
			chat = store.Chat{ID: id}
		}
	}
	v, err := p.check(ctx, chat, userID)
	if err != nil {
		return chat, NotAdmin, fmt.Errorf("check admin: %w", err)
	}
	return chat, v, nil
}

// Resolve is Target for acting: the chat to act on, or a *text.Error that
// refuses, the same for a chat that does not exist as for one the user may
// not manage.
func (p *Private) Resolve(ctx context.Context, userID int64, ref string) (*bot.Chat, error) {
	chat, v, err := p.Target(ctx, userID, ref)
	switch {
	case err != nil:
		return nil, err
	case v == AdminWithoutRight:
		return nil, text.Err(text.Forbidden, "access.no_right_in", "Chat", chat.Title)
	case v != CanInvite:
		return nil, text.Err(text.Forbidden, "access.stranger")
	}
	return BotChat(chat), nil
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

// BotChat is a stored chat as the handlers see chats.
func BotChat(c store.Chat) *bot.Chat {
	return &bot.Chat{ID: c.ID, Type: c.Type, Title: c.Title, Username: c.Username}
}

// Require lets an admin command through when its sender may act on the
// chat: in a group as Admins.Require decides; in a private chat on the
// target chat, which is the command's leading CHAT (see rule; it is taken
// off the arguments the handler sees) or else the one chosen with /use.
// The update's Target is the chat acted on; replies go to the private
// chat. Everyone else is refused.
func (p *Private) Require(rule bot.ChatRule) bot.Middleware {
	inGroup := p.admins.Require()
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		group := inGroup(next)
		return func(ctx context.Context, u *bot.Update) error {
			if u.Message == nil || !u.Chat.IsPrivate() {
				return group(ctx, u)
			}
			if u.From == nil || u.From.IsBot || u.Command == nil {
				return nil
			}
			ref, rest, explicit := bot.SplitChat(u.Command.Args, rule)
			if !explicit {
				id, err := p.chats.ChosenChat(ctx, u.From.ID)
				if errors.Is(err, store.ErrNotFound) {
					return text.Err(text.Invalid, "access.pick")
				}
				if err != nil {
					return fmt.Errorf("chosen chat: %w", err)
				}
				ref = strconv.FormatInt(id, 10)
			}
			chat, v, err := p.Target(ctx, u.From.ID, ref)
			switch {
			case err != nil:
				return err
			case v == NotAdmin && !explicit:
				return text.Err(text.Forbidden, "access.stranger_chosen")
			case v == AdminWithoutRight:
				return text.Err(text.Forbidden, "access.no_right_in", "Chat", chat.Title)
			case v != CanInvite:
				return text.Err(text.Forbidden, "access.stranger")
			}
			u.Command.Args = rest
			u.Target, u.Actor = BotChat(chat), u.From
			return next(ctx, u)
		}
	}
}

// ButtonStore is what RequireButton needs of the store: the record of a
// message of the bot's with buttons.
type ButtonStore interface {
	ButtonMessage(ctx context.Context, chatID int64, messageID int) (store.ButtonMessage, error)
}

// RequireButton lets a button press through when the presser may do what
// the button does on the chat its message's record names (data carries no
// authority): under a message in a group, the group's creator and admins
// with the right; under a message in a private chat, as Target decides. A
// button made for one person (a confirmation) counts only when that person
// presses it, and only until it expires. Everyone else is refused with an
// alert and nothing happens; the handler gets Target and Actor, and must
// answer the press.
func (p *Private) RequireButton(buttons ButtonStore) bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, u *bot.Update) error {
			q := u.Callback
			if q == nil {
				return nil
			}
			if q.Message == nil || u.Chat == nil || u.From == nil {
				return text.Err(text.Invalid, "button.stale")
			}
			rec, err := p.buttonMessage(ctx, buttons, u)
			switch {
			case errors.Is(err, store.ErrNotFound):
				return text.Err(text.Invalid, "button.stale")
			case err != nil:
				return fmt.Errorf("button message: %w", err)
			case rec.UserID != 0 && rec.UserID != u.From.ID:
				return text.Err(text.Forbidden, "button.not_yours")
			case !rec.ExpiresAt.IsZero() && !p.admins.now().Before(rec.ExpiresAt):
				return text.Err(text.Conflict, "button.expired")
			}
			switch where := u.Chat; {
			case where.IsPrivate():
				chat, v, err := p.Target(ctx, u.From.ID, strconv.FormatInt(rec.TargetID, 10))
				switch {
				case err != nil:
					return err
				case v == AdminWithoutRight:
					return text.Err(text.Forbidden, "access.no_right")
				case v != CanInvite:
					return text.Err(text.Forbidden, "access.stranger_button")
				}
				u.Target = BotChat(chat)
			case where.ID == rec.TargetID && where.IsGroup():
				v, err := p.admins.Check(ctx, rec.TargetID, u.From.ID)
				if err != nil {
					return fmt.Errorf("check admin: %w", err)
				}
				if v != CanInvite {
					return refuse(v)
				}
				u.Target = where
			default:
				return text.Err(text.Invalid, "button.stale")
			}
			u.Actor = u.From
			return next(ctx, u)
		}
	}
}

// buttonMessage is the record of the message a button was pressed under.
// A message sent a moment ago may be recorded a moment after it reached
// its reader (the bot learns its ID from Telegram's answer): a press of
// one that young waits a little for its record.
func (p *Private) buttonMessage(ctx context.Context, buttons ButtonStore, u *bot.Update) (store.ButtonMessage, error) {
	q := u.Callback
	for try := 0; ; try++ {
		rec, err := buttons.ButtonMessage(ctx, u.Chat.ID, q.Message.ID)
		young := !q.Message.Date.IsZero() && p.admins.now().Sub(q.Message.Date) < recordGrace
		if !errors.Is(err, store.ErrNotFound) || !young || try == 10 {
			return rec, err
		}
		t := time.NewTimer(recordGrace / 20)
		select {
		case <-ctx.Done():
			t.Stop()
			return rec, ctx.Err()
		case <-t.C:
		}
	}
}

// recordGrace is how young a message is whose record may still be coming.
const recordGrace = 5 * time.Second
