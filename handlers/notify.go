package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// NotifyStore is what the notifications need of the store.
type NotifyStore interface {
	SetNotify(ctx context.Context, s store.Subscriber, on bool, at time.Time) error
	Notifying(ctx context.Context, chatID, userID int64) (bool, error)
	PendingNotifications(ctx context.Context) ([]store.Notification, error)
	NotificationSent(ctx context.Context, id int64, messageID int, at time.Time) error
	NotificationsSummarized(ctx context.Context, adminID, chatID int64, ids []int64, at time.Time) error
	NotifyWindow(ctx context.Context, adminID, chatID int64, since time.Time) (store.NotifyWindow, error)
	WaitForSummary(ctx context.Context, adminID, chatID int64, at time.Time) error
	NotificationsToEdit(ctx context.Context) ([]store.Notification, error)
	NotificationEdited(ctx context.Context, id int64) error
	JoinRequest(ctx context.Context, chatID, userID int64) (store.JoinRequest, error)
	Chat(ctx context.Context, id int64) (store.Chat, error)
}

// Notifications limits: at most singlesPerWindow notifications of their
// own to one admin about one chat within window; beyond, one summary a
// window replaces them.
const (
	singlesPerWindow = 5
	window           = time.Minute
)

// Notifier tells the admins who asked (/notify on) of each new join
// request in a private message with Approve and Decline buttons, and shows
// the outcome in those messages once the request is answered, anywhere.
// It works from the store's outbox, so that nothing is lost across a
// restart: a request that came while the bot was down is told when it is
// back.
type Notifier struct {
	*Deps
	worker
	store    NotifyStore
	requests *Requests
}

// NewNotifier makes the notifications, shown as requests show them.
func NewNotifier(d *Deps, st NotifyStore, requests *Requests) *Notifier {
	return &Notifier{Deps: d, worker: newWorker(window), store: st, requests: requests}
}

// Notify (/notify [on|off]) shows or sets whether the asking admin hears of
// the chat's new join requests in a private message.
func (n *Notifier) Notify(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	var on bool
	switch a := strings.ToLower(strings.TrimSpace(args(u))); a {
	case "":
		on, err := n.store.Notifying(ctx, chat.ID, actor.ID)
		if err != nil {
			return fmt.Errorf("notifying: %w", err)
		}
		if on {
			return n.say(ctx, u, text.M("notify.is_on", "Chat", chatName(u)))
		}
		return n.say(ctx, u, text.M("notify.is_off", "Chat", chatName(u)))
	case "on":
		on = true
	case "off":
	default:
		return text.Err(text.Invalid, "notify.usage")
	}
	if on && u.Chat.IsGroup() {
		// Notifications come in private: the admin must have opened the
		// private chat.
		switch err := n.TG.Typing(ctx, actor.ID); {
		case errors.Is(err, bot.ErrBlocked):
			return n.askToOpen(ctx, u)
		case err != nil:
			return err
		}
	}
	if err := n.store.SetNotify(ctx, store.Subscriber{ChatID: chat.ID, UserID: actor.ID, Language: actor.LanguageCode}, on, n.now()); err != nil {
		return fmt.Errorf("set notify: %w", err)
	}
	if on {
		return n.say(ctx, u, text.M("notify.on", "Chat", chatName(u)))
	}
	return n.say(ctx, u, text.M("notify.off", "Chat", chatName(u)))
}

// Run sends the notifications in the outbox until ctx ends: at once when
// woken (Wake), when a summary falls due, and every window anyway.
func (n *Notifier) Run(ctx context.Context) {
	n.loop(ctx, n.now, "sending notifications", n.process)
}

// process shows the outcomes of answered requests in their notifications,
// then sends what the outbox holds: notifications of their own up to the
// limit, a summary beyond it. It returns when the next summary falls due
// (zero if none waits).
func (n *Notifier) process(ctx context.Context) (time.Time, error) {
	// The time is taken before the outbox is read: a summary that falls
	// due at now then holds every notification that was waiting at now.
	now := n.now()
	edits, err := n.store.NotificationsToEdit(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("notifications to edit: %w", err)
	}
	for _, nt := range edits {
		if err := n.showOutcome(ctx, nt); err != nil {
			return time.Time{}, err
		}
	}
	pending, err := n.store.PendingNotifications(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("pending notifications: %w", err)
	}
	type key struct{ admin, chat int64 }
	var order []key
	groups := make(map[key][]store.Notification)
	for _, nt := range pending {
		k := key{nt.AdminID, nt.ChatID}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], nt)
	}
	var next time.Time
	for _, k := range order {
		due, err := n.send(ctx, now, groups[k])
		if err != nil {
			return time.Time{}, err
		}
		if !due.IsZero() && (next.IsZero() || due.Before(next)) {
			next = due
		}
	}
	return next, nil
}

// send sends one admin's pending notifications about one chat, oldest
// first, as they stand at now; it returns when a summary of the rest falls
// due (zero: none left).
// Up to singlesPerWindow a window go out on their own; beyond, they wait
// for a summary, one a window, the first a window after the wait began,
// which then holds every notification waiting.
func (n *Notifier) send(ctx context.Context, now time.Time, list []store.Notification) (time.Time, error) {
	admin, chatID := list[0].AdminID, list[0].ChatID
	w, err := n.store.NotifyWindow(ctx, admin, chatID, now.Add(-window))
	if err != nil {
		return time.Time{}, fmt.Errorf("notifications sent: %w", err)
	}
	chat, err := n.store.Chat(ctx, chatID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return time.Time{}, fmt.Errorf("chat: %w", err)
	}
	chat.ID = chatID
	p := n.Text.For(list[0].Language)
	if w.BacklogSince.IsZero() {
		for singles := w.Singles; len(list) > 0 && singles < singlesPerWindow; singles++ {
			if err := n.sendOne(ctx, p, chat, list[0]); err != nil {
				return time.Time{}, err
			}
			list = list[1:]
		}
		if len(list) == 0 {
			return time.Time{}, nil
		}
		if err := n.store.WaitForSummary(ctx, admin, chatID, now); err != nil {
			return time.Time{}, fmt.Errorf("wait for summary: %w", err)
		}
		w.BacklogSince = now
	}
	due := w.BacklogSince
	if w.LastSummary.After(due) {
		due = w.LastSummary
	}
	if due = due.Add(window); now.Before(due) {
		return due, nil
	}
	ids := make([]int64, len(list))
	for i, nt := range list {
		ids[i] = nt.ID
	}
	html := p.S("notify.summary", "Count", len(list), "Chat", chat.Title, "Ref", chatRef(chat))
	if _, err := n.TG.Send(ctx, bot.Outgoing{ChatID: admin, Text: html}); err != nil && !errors.Is(err, bot.ErrBlocked) {
		return time.Time{}, err
	}
	if err := n.store.NotificationsSummarized(ctx, admin, chatID, ids, n.now()); err != nil {
		return time.Time{}, fmt.Errorf("notifications summarized: %w", err)
	}
	return time.Time{}, nil
}

// sendOne sends one notification of its own, with the request's buttons.
func (n *Notifier) sendOne(ctx context.Context, p *text.Printer, chat store.Chat, nt store.Notification) error {
	r, err := n.store.JoinRequest(ctx, nt.ChatID, nt.RequesterID)
	if err != nil {
		return fmt.Errorf("join request: %w", err)
	}
	entry, err := n.requests.describe(ctx, p, r)
	if err != nil {
		return err
	}
	title := p.S("notify.title", "Chat", chat.Title)
	id, err := n.TG.Send(ctx, bot.Outgoing{ChatID: nt.AdminID, Text: title + "\n\n" + entry, Buttons: requestButtons(p, []store.JoinRequest{r})})
	switch {
	case errors.Is(err, bot.ErrBlocked):
		// The admin blocked the bot: this one can never be delivered.
		zerolog.Ctx(ctx).Info().Int64("admin_id", nt.AdminID).Msg("a notification could not be delivered: the admin blocked the bot")
		id = 0
	case err != nil:
		return err
	default:
		if err := n.remember(ctx, nt.AdminID, id, store.ButtonMessage{Kind: kindRequest, TargetID: nt.ChatID, Items: []int64{nt.RequesterID}, Title: title}); err != nil {
			return err
		}
	}
	if err := n.store.NotificationSent(ctx, nt.ID, id, n.now()); err != nil {
		return fmt.Errorf("notification sent: %w", err)
	}
	return nil
}

// showOutcome shows in a sent notification what became of its request.
func (n *Notifier) showOutcome(ctx context.Context, nt store.Notification) error {
	if nt.MessageID != 0 && n.Messages != nil {
		rec, err := n.Messages.ButtonMessage(ctx, nt.AdminID, nt.MessageID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return fmt.Errorf("notification message: %w", err)
		default:
			err := n.requests.show(ctx, n.Text.For(nt.Language), nt.AdminID, nt.MessageID, rec)
			if err != nil && !errors.Is(err, bot.ErrBlocked) {
				return err
			}
		}
	}
	if err := n.store.NotificationEdited(ctx, nt.ID); err != nil {
		return fmt.Errorf("notification edited: %w", err)
	}
	return nil
}

// chatRef is how a command names the chat: @username, else its ID.
func chatRef(c store.Chat) string {
	if c.Username != "" {
		return "@" + c.Username
	}
	return strconv.FormatInt(c.ID, 10)
}
