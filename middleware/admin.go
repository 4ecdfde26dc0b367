// Package middleware holds the checks that stand in front of invitebot's
// commands: who may manage a chat's invite links, with a short-lived cache of
// Telegram's answers, and the confirmation that anonymous admins give by
// pressing a button. A check that lets an update through notes in it the
// chat acted on and who acts (bot.Update's Target and Actor); one that
// refuses returns a *text.Error, which the handlers' Answer tells the person.
package middleware

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
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

// Telegram is what the checks ask of Telegram; *bot.Client is one.
type Telegram interface {
	Member(ctx context.Context, chatID, userID int64) (bot.ChatMember, error)
	Send(ctx context.Context, m bot.Outgoing) (int, error)
	Edit(ctx context.Context, chatID int64, messageID int, html string, buttons [][]bot.Button) error
	AnswerButton(ctx context.Context, queryID, text string, alert bool) error
}

// Admins decides who may manage a chat's invite links: its creator and its
// administrators with can_invite_users, as getChatMember tells.
type Admins struct {
	tg   Telegram
	text *text.Catalog
	ttl  time.Duration
	now  func() time.Time
	// chatText is a group's language (/language); nil: the default.
	chatText func(ctx context.Context, chatID int64) *text.Printer

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
	update  bot.Update
	next    bot.HandlerFunc
	expires time.Time
}

// NewAdmins makes the checks. ttl is how long a getChatMember answer is
// trusted (DefaultMemberTTL if zero); now is the clock (time.Now if nil).
func NewAdmins(tg Telegram, catalog *text.Catalog, ttl time.Duration, now func() time.Time) *Admins {
	if ttl <= 0 {
		ttl = DefaultMemberTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Admins{
		tg:      tg,
		text:    catalog,
		ttl:     ttl,
		now:     now,
		members: make(map[memberKey]cachedMember),
		pending: make(map[string]*pendingCommand),
	}
}

// UseChatLanguage makes the messages the checks leave in a group (the
// button an anonymous admin is asked to press, and the line that replaces
// it) speak the group's language, as f tells it; without it they are in
// the default language. Call it before the bot runs.
func (a *Admins) UseChatLanguage(f func(ctx context.Context, chatID int64) *text.Printer) {
	a.chatText = f
}

// groupText is the language of chatID's messages.
func (a *Admins) groupText(ctx context.Context, chatID int64) *text.Printer {
	if a.chatText == nil {
		return a.text.Default()
	}
	return a.chatText(ctx, chatID)
}

// Verdict is what a user may do in a chat.
type Verdict int

const (
	// NotAdmin: neither the creator nor an administrator (or, from a
	// private chat, a chat the bot does not administer or that does not
	// exist: a stranger learns nothing).
	NotAdmin Verdict = iota
	// AdminWithoutRight: an administrator without can_invite_users.
	AdminWithoutRight
	// CanInvite: the creator, or an administrator with can_invite_users.
	CanInvite
)

// MayInvite tells whether userID may manage the chat's invite links: the
// creator, or an administrator with can_invite_users (Check's CanInvite).
func (a *Admins) MayInvite(ctx context.Context, chatID, userID int64) (bool, error) {
	v, err := a.Check(ctx, chatID, userID)
	return v == CanInvite, err
}

// Check tells what userID may do in chatID, from the cache or getChatMember.
func (a *Admins) Check(ctx context.Context, chatID, userID int64) (Verdict, error) {
	key := memberKey{chatID, userID}
	a.mu.Lock()
	m, ok := a.members[key]
	a.mu.Unlock()
	if !ok || !a.now().Before(m.expires) {
		cm, err := a.tg.Member(ctx, chatID, userID)
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

// refuse is what a person with verdict v is told.
func refuse(v Verdict) error {
	if v == AdminWithoutRight {
		return text.Err(text.Forbidden, "access.no_right")
	}
	return text.Err(text.Forbidden, "access.not_admin")
}

// Require lets a command in a group through only when its sender may
// manage the chat's invite links. Everyone else is refused; an anonymous
// admin gets a button for a real admin to confirm.
func (a *Admins) Require() bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, u *bot.Update) error {
			m := u.Message
			switch {
			case m == nil || u.Chat == nil:
				return nil
			case u.Chat.IsPrivate():
				return text.Err(text.Invalid, "access.group_only")
			case !u.Chat.IsGroup():
				return nil // commands posted in channels are not answered
			case m.SenderChat != nil && m.SenderChat.ID == u.Chat.ID:
				return a.askConfirmation(ctx, u, next)
			case m.SenderChat != nil:
				return text.Err(text.Forbidden, "access.sender_chat")
			case u.From == nil || u.From.IsBot:
				return nil
			}
			v, err := a.Check(ctx, u.Chat.ID, u.From.ID)
			if err != nil {
				return fmt.Errorf("check admin: %w", err)
			}
			if v != CanInvite {
				return refuse(v)
			}
			u.Target, u.Actor = u.Chat, u.From
			return next(ctx, u)
		}
	}
}

func (a *Admins) askConfirmation(ctx context.Context, u *bot.Update, next bot.HandlerFunc) error {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("confirmation token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	a.mu.Lock()
	a.sweepLocked()
	a.pending[token] = &pendingCommand{update: *u, next: next, expires: a.now().Add(confirmTTL)}
	a.mu.Unlock()
	p := a.groupText(ctx, u.Chat.ID)
	_, err := a.tg.Send(ctx, bot.Outgoing{ChatID: u.Chat.ID, Text: p.S("confirm.ask"), ReplyTo: u.Message.ID,
		Buttons: [][]bot.Button{{{Text: p.P("confirm.button"), Data: ConfirmPrefix + token}}}})
	return err
}

// Confirm handles a press of "Confirm you are an admin": when the presser
// may manage the chat's invite links, the anonymous admin's command runs on
// the presser's behalf; otherwise nothing happens but an answer to the presser.
func (a *Admins) Confirm(ctx context.Context, u *bot.Update) error {
	q := u.Callback
	if q == nil {
		return nil
	}
	token := q.Data[len(ConfirmPrefix):]
	a.mu.Lock()
	p, ok := a.pending[token]
	if ok && !a.now().Before(p.expires) {
		delete(a.pending, token)
		ok = false
	}
	a.mu.Unlock()
	if !ok || q.Message == nil || u.Chat == nil || u.From == nil || p.update.Chat.ID != u.Chat.ID {
		return text.Err(text.Conflict, "confirm.expired")
	}
	v, err := a.Check(ctx, u.Chat.ID, u.From.ID)
	if err != nil {
		return fmt.Errorf("check admin: %w", err)
	}
	if v != CanInvite {
		return refuse(v)
	}
	pr := a.text.For(u.From.LanguageCode)
	// One press runs the command once.
	a.mu.Lock()
	_, still := a.pending[token]
	delete(a.pending, token)
	a.mu.Unlock()
	if !still {
		return a.tg.AnswerButton(ctx, q.ID, pr.P("confirm.already"), false)
	}
	if err := a.tg.AnswerButton(ctx, q.ID, pr.P("confirm.done"), false); err != nil {
		return err
	}
	done := a.groupText(ctx, u.Chat.ID).S("confirm.by", "Name", u.From.Name())
	if err := a.tg.Edit(ctx, u.Chat.ID, q.Message.ID, done, nil); err != nil {
		return err
	}
	// Run the command on the confirming admin's authority; it is still the
	// anonymous admin's (its SenderChat says so), so it is answered in the
	// group.
	run := p.update
	run.Target, run.Actor = run.Chat, u.From
	return p.next(ctx, &run)
}
