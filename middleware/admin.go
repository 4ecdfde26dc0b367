// Package middleware holds the checks that stand in front of invitebot's
// commands: who may manage a chat's invite links, with a short-lived cache of
// Telegram's answers, and the confirmation that anonymous admins give by
// pressing a button.
package middleware

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html"
	"strconv"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/invitebot/invitebot/bot"
)

// DefaultMemberTTL is how long a getChatMember answer is trusted. A
// chat_member update about the user drops it at once (Forget).
const DefaultMemberTTL = time.Minute

// confirmTTL is how long an anonymous admin's command waits for a confirmation.
const confirmTTL = 10 * time.Minute

// maxPending bounds the commands waiting for confirmation.
const maxPending = 1000

// ConfirmPrefix starts the callback data of the "Confirm you are an admin" button.
const ConfirmPrefix = "anon:"

// Replies of the access checks.
const (
	msgNotAdmin      = "Only the chat's creator and admins with the “Invite users via link” right can manage invite links."
	msgNoRight       = "You are an admin, but without the “Invite users via link” right, which managing invite links needs. The chat's creator can grant it under Administrators."
	msgSenderChat    = "Messages sent on behalf of a channel or another chat can't manage invite links; send the command from your own account."
	msgPrivate       = "This command works in a group where I am an admin with the “Invite users via link” right: send it there."
	msgConfirm       = "You sent this as an anonymous admin. An admin with the “Invite users via link” right, press the button to run it."
	msgConfirmButton = "Confirm you are an admin"
)

// Access is who acts on which chat, as the checks established it.
type Access struct {
	// Chat is the chat acted on.
	Chat tgbotapi.Chat
	// User is who acts: the sender, or the admin who confirmed an
	// anonymous admin's command.
	User tgbotapi.User
}

type accessKey struct{}

// WithAccess returns ctx carrying a.
func WithAccess(ctx context.Context, a Access) context.Context {
	return context.WithValue(ctx, accessKey{}, a)
}

// AccessFrom returns the Access that a check put in ctx.
func AccessFrom(ctx context.Context) (Access, bool) {
	a, ok := ctx.Value(accessKey{}).(Access)
	return a, ok
}

// Admins decides who may manage a chat's invite links: its creator and its
// administrators with can_invite_users, as getChatMember tells.
type Admins struct {
	api bot.Caller
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	members map[memberKey]cachedMember
	pending map[string]*pendingCommand
}

type memberKey struct{ chat, user int64 }

type cachedMember struct {
	status    string
	canInvite bool
	expires   time.Time
}

// pendingCommand is an anonymous admin's command waiting for an admin to
// press "Confirm".
type pendingCommand struct {
	update  *tgbotapi.Update
	command bot.Command
	next    bot.HandlerFunc
	expires time.Time
}

// NewAdmins makes the checks. ttl is how long a getChatMember answer is
// trusted (DefaultMemberTTL if zero); now is the clock (time.Now if nil).
func NewAdmins(api bot.Caller, ttl time.Duration, now func() time.Time) *Admins {
	if ttl <= 0 {
		ttl = DefaultMemberTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Admins{
		api:     api,
		ttl:     ttl,
		now:     now,
		members: make(map[memberKey]cachedMember),
		pending: make(map[string]*pendingCommand),
	}
}

// Verdict is what a user may do in a chat.
type Verdict int

const (
	// NotAdmin: neither the creator nor an administrator.
	NotAdmin Verdict = iota
	// AdminWithoutRight: an administrator without can_invite_users.
	AdminWithoutRight
	// CanInvite: the creator, or an administrator with can_invite_users.
	CanInvite
)

// Check tells what userID may do in chatID, from the cache or getChatMember.
func (a *Admins) Check(ctx context.Context, chatID, userID int64) (Verdict, error) {
	key := memberKey{chatID, userID}
	a.mu.Lock()
	m, ok := a.members[key]
	a.mu.Unlock()
	if !ok || !a.now().Before(m.expires) {
		var cm tgbotapi.ChatMember
		err := a.api.Call(ctx, "getChatMember", tgbotapi.Params{
			"chat_id": strconv.FormatInt(chatID, 10),
			"user_id": strconv.FormatInt(userID, 10),
		}, &cm)
		if err != nil {
			return NotAdmin, err
		}
		m = cachedMember{status: cm.Status, canInvite: cm.CanInviteUsers, expires: a.now().Add(a.ttl)}
		a.mu.Lock()
		a.sweepLocked()
		a.members[key] = m
		a.mu.Unlock()
	}
	switch {
	case m.status == "creator", m.status == "administrator" && m.canInvite:
		return CanInvite, nil
	case m.status == "administrator":
		return AdminWithoutRight, nil
	default:
		return NotAdmin, nil
	}
}

// Forget drops what is cached about userID in chatID.
func (a *Admins) Forget(chatID, userID int64) {
	a.mu.Lock()
	delete(a.members, memberKey{chatID, userID})
	a.mu.Unlock()
}

// sweepLocked drops expired entries once the maps grow large.
func (a *Admins) sweepLocked() {
	now := a.now()
	if len(a.members) >= 10000 {
		for k, m := range a.members {
			if !now.Before(m.expires) {
				delete(a.members, k)
			}
		}
	}
	if len(a.pending) >= maxPending {
		var oldest string
		for k, p := range a.pending {
			if !now.Before(p.expires) {
				delete(a.pending, k)
			} else if oldest == "" || p.expires.Before(a.pending[oldest].expires) {
				oldest = k
			}
		}
		if len(a.pending) >= maxPending {
			delete(a.pending, oldest)
		}
	}
}

// Require lets a command through only when its sender may manage the chat's
// invite links, with Access in the context. Everyone else gets a one-line
// refusal; an anonymous admin gets a button for a real admin to confirm.
func (a *Admins) Require() bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, u *tgbotapi.Update) error {
			m := u.Message
			if m == nil || m.Chat == nil {
				return nil
			}
			reply := func(text string, buttons [][]bot.Button) error {
				_, err := bot.Send(ctx, a.api, bot.Message{ChatID: m.Chat.ID, Text: html.EscapeString(text), ReplyTo: m.MessageID, Buttons: buttons})
				return err
			}
			switch {
			case m.Chat.IsPrivate():
				return reply(msgPrivate, nil)
			case !m.Chat.IsGroup() && !m.Chat.IsSuperGroup():
				return nil // commands posted in channels are not answered
			case m.SenderChat != nil && m.SenderChat.ID == m.Chat.ID:
				return a.askConfirmation(ctx, u, next, reply)
			case m.SenderChat != nil:
				return reply(msgSenderChat, nil)
			case m.From == nil || m.From.IsBot:
				return nil
			}
			verdict, err := a.Check(ctx, m.Chat.ID, m.From.ID)
			if err != nil {
				return fmt.Errorf("check admin: %w", err)
			}
			switch verdict {
			case CanInvite:
				return next(WithAccess(ctx, Access{Chat: *m.Chat, User: *m.From}), u)
			case AdminWithoutRight:
				return reply(msgNoRight, nil)
			default:
				return reply(msgNotAdmin, nil)
			}
		}
	}
}

func (a *Admins) askConfirmation(ctx context.Context, u *tgbotapi.Update, next bot.HandlerFunc, reply func(string, [][]bot.Button) error) error {
	cmd, _ := bot.CommandFrom(ctx)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("confirmation token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	a.mu.Lock()
	a.sweepLocked()
	a.pending[token] = &pendingCommand{update: u, command: cmd, next: next, expires: a.now().Add(confirmTTL)}
	a.mu.Unlock()
	return reply(msgConfirm, [][]bot.Button{{{Text: msgConfirmButton, Data: ConfirmPrefix + token}}})
}

// Confirm handles a press of "Confirm you are an admin": when the presser
// may manage the chat's invite links, the anonymous admin's command runs on
// the presser's behalf; otherwise nothing happens but an answer to the presser.
func (a *Admins) Confirm(ctx context.Context, u *tgbotapi.Update) error {
	q := u.CallbackQuery
	if q == nil {
		return nil
	}
	answer := func(text string, alert bool) error {
		return bot.AnswerCallback(ctx, a.api, q.ID, text, alert)
	}
	token := q.Data[len(ConfirmPrefix):]
	a.mu.Lock()
	p, ok := a.pending[token]
	if ok && !a.now().Before(p.expires) {
		delete(a.pending, token)
		ok = false
	}
	a.mu.Unlock()
	if !ok || q.Message == nil || q.Message.Chat == nil || q.From == nil || p.update.Message.Chat.ID != q.Message.Chat.ID {
		return answer("This confirmation has expired. Send the command again.", true)
	}
	chat := q.Message.Chat
	verdict, err := a.Check(ctx, chat.ID, q.From.ID)
	if err != nil {
		return fmt.Errorf("check admin: %w", err)
	}
	switch verdict {
	case AdminWithoutRight:
		return answer(msgNoRight, true)
	case NotAdmin:
		return answer(msgNotAdmin, true)
	}
	// One press runs the command once.
	a.mu.Lock()
	_, still := a.pending[token]
	delete(a.pending, token)
	a.mu.Unlock()
	if !still {
		return answer("Someone confirmed this already.", false)
	}
	if err := answer("Confirmed.", false); err != nil {
		return err
	}
	done := fmt.Sprintf("Confirmed by %s.", html.EscapeString(displayName(q.From)))
	if err := bot.EditText(ctx, a.api, chat.ID, q.Message.MessageID, done, nil); err != nil {
		return err
	}
	// Run the command as if the confirming admin had sent it.
	msg := *p.update.Message
	msg.From = q.From
	msg.SenderChat = nil
	run := *p.update
	run.Message = &msg
	ctx = bot.WithCommand(ctx, p.command)
	return p.next(WithAccess(ctx, Access{Chat: *chat, User: *q.From}), &run)
}

func displayName(u *tgbotapi.User) string {
	if u.UserName != "" {
		return "@" + u.UserName
	}
	if u.LastName != "" {
		return u.FirstName + " " + u.LastName
	}
	return u.FirstName
}
