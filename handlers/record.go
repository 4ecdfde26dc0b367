package handlers

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// The record (PRODUCT.md §7): the store records every change as it makes
// it (store.Record); here /log shows it, /logchat chooses a chat that
// every new entry is posted to, and the LogPoster posts them.

// RecordStore is what the record's commands and its poster need of the store.
type RecordStore interface {
	Actions(ctx context.Context, chatID int64, n int) ([]store.Action, error)
	SetLogChat(ctx context.Context, chatID, logChatID, by int64, at time.Time) error
	LogChat(ctx context.Context, chatID int64) (int64, error)
	PendingLogPosts(ctx context.Context) ([]store.LogPost, error)
	LogPosted(ctx context.Context, actionID int64) error
	Chat(ctx context.Context, id int64) (store.Chat, error)
	Link(ctx context.Context, chatID, number int64) (store.Link, error)
}

// Acting is the middleware around a handler that names who acts for the
// record (store.Cause: the actor the checks found, and the name /log
// shows), and tells Changed, if set, once the handler is done: what it
// recorded may be due for a log chat.
func (d *Deps) Acting(next bot.HandlerFunc) bot.HandlerFunc {
	return func(ctx context.Context, u *bot.Update) error {
		if u.Actor != nil {
			ctx = store.WithCause(ctx, store.Cause{By: u.Actor.ID, Name: u.Actor.Name()})
		}
		err := next(ctx, u)
		if d.Changed != nil {
			d.Changed()
		}
		return err
	}
}

// Record handles /log and /logchat.
type Record struct {
	*Deps
	store  RecordStore
	access ChatAccess
}

// NewRecord makes the record's handlers; access checks a log chat as any
// chat acted on from a private chat.
func NewRecord(d *Deps, st RecordStore, access ChatAccess) *Record {
	return &Record{Deps: d, store: st, access: access}
}

// The bounds of /log N.
const (
	defaultLogEntries = 20
	maxLogEntries     = 100
)

// Log (/log [N]) shows the chat's last N recorded actions, newest first.
func (h *Record) Log(ctx context.Context, u *bot.Update) error {
	chat, _, err := target(u)
	if err != nil {
		return err
	}
	n := defaultLogEntries
	if a := strings.TrimSpace(args(u)); a != "" {
		v, ok := parseDigits(a)
		if !ok || v < 1 || v > maxLogEntries {
			return text.Err(text.Invalid, "log.usage", "Max", maxLogEntries)
		}
		n = int(v)
	}
	actions, err := h.store.Actions(ctx, chat.ID, n)
	if err != nil {
		return fmt.Errorf("actions: %w", err)
	}
	if len(actions) == 0 {
		return text.Err(text.NotFound, "log.none", "Chat", chatName(u))
	}
	p := h.printer(ctx, u)
	entries := make([]string, len(actions))
	for i, a := range actions {
		entries[i] = describeAction(p, a)
	}
	pages := paginatePages(p, p.S("log.title", "Count", len(actions), "Chat", chat.Title), entries, 0)
	return h.sendPages(ctx, u.Chat.ID, u.Message.ID, pages, nil)
}

// describeAction is one entry of the record in HTML: when, who, what.
func describeAction(p *text.Printer, a store.Action) string {
	return p.S("log.entry", "At", a.At, "Who", actionWho(a), "What", actionWhat(a))
}

// actionWho names who or what acted.
func actionWho(a store.Action) text.Msg {
	switch {
	case checkEnd(a.Kind) && a.Via != "":
		// The end of a check is the join mode's doing; what it did names
		// the requester.
		return text.M("log.via_mode", "Mode", a.Via)
	case a.By != 0 && a.ByName != "" && a.Via == store.ViaTelegram:
		return text.M("log.who_in_telegram", "Name", a.ByName)
	case a.By != 0 && a.ByName != "":
		return text.M("log.who", "Name", a.ByName)
	case a.By != 0:
		return text.M("log.who_id", "ID", a.By)
	case a.Via == store.ViaSchedule:
		return text.M("log.via_schedule")
	case a.Via != "":
		return text.M("log.via_mode", "Mode", a.Via)
	}
	return text.M("log.who_unknown")
}

// checkEnd tells the actions that end a requester's check.
func checkEnd(k store.ActionKind) bool {
	return k == store.ActionVerifyPassed || k == store.ActionVerifyFailed || k == store.ActionVerifyTimedOut
}

// actionWhat says what an action did.
func actionWhat(a store.Action) text.Msg {
	var details any = a.Details
	if checkEnd(a.Kind) && a.Details == "" {
		// Recorded before the record named requesters: their ID.
		details = text.M("log.who_id", "ID", a.Subject)
	}
	kv := []any{"Details", details}
	if a.Link != 0 {
		// Rendered, 0 would be "0", which {{if .N}} takes for a link.
		kv = append(kv, "N", a.Link)
	}
	switch a.Kind {
	case store.ActionLinkCreated, store.ActionLinkEdited, store.ActionLinkRevoked, store.ActionLinkRotated,
		store.ActionRequestApproved, store.ActionRequestDeclined, store.ActionSettingChanged,
		store.ActionVerifyPassed, store.ActionVerifyFailed, store.ActionVerifyTimedOut:
		return text.M("log.kind."+string(a.Kind), kv...)
	}
	return text.M("log.kind.other", "Kind", string(a.Kind), "Details", a.Details)
}

// LogChat (/logchat [CHAT|off]) shows or sets the chat that each new entry
// of the chat's record is posted to. The asker must be able to manage both
// chats, and the bot to post in the log chat, which a first post proves.
func (h *Record) LogChat(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	a := strings.TrimSpace(args(u))
	switch {
	case a == "":
		id, err := h.store.LogChat(ctx, chat.ID)
		if err != nil {
			return fmt.Errorf("log chat: %w", err)
		}
		if id == 0 {
			return h.say(ctx, u, text.M("logchat.is_off", "Chat", chatName(u)))
		}
		return h.say(ctx, u, text.M("logchat.is_on", "Chat", chatName(u), "Log", h.chatTitle(ctx, id)))
	case strings.EqualFold(a, "off"):
		if err := h.store.SetLogChat(ctx, chat.ID, 0, actor.ID, h.now()); err != nil {
			return fmt.Errorf("set log chat: %w", err)
		}
		return h.say(ctx, u, text.M("logchat.off", "Chat", chatName(u)))
	}
	if len(strings.Fields(a)) != 1 {
		return text.Err(text.Invalid, "logchat.usage")
	}
	if _, _, ok := bot.SplitChat(a, bot.ChatFirst); !ok {
		return text.Err(text.Invalid, "logchat.not_chat", "Chat", clip(a))
	}
	logChat, err := h.access.Resolve(ctx, actor.ID, a)
	if err != nil {
		return err
	}
	lp := h.chatPrinter(ctx, logChat.ID)
	if _, err := h.TG.Send(ctx, bot.Outgoing{ChatID: logChat.ID, Text: lp.S("logchat.hello", "Chat", chat.Title, "Name", actor.Name())}); err != nil {
		if errors.Is(err, bot.ErrNoRights) || errors.Is(err, bot.ErrChatNotFound) || errors.Is(err, bot.ErrRefused) {
			return text.Err(text.Forbidden, "logchat.cannot_post", "Log", logChat.Title)
		}
		return err
	}
	if err := h.store.SetLogChat(ctx, chat.ID, logChat.ID, actor.ID, h.now()); err != nil {
		return fmt.Errorf("set log chat: %w", err)
	}
	return h.say(ctx, u, text.M("logchat.set", "Chat", chatName(u), "Log", logChat.Title))
}

// chatTitle is a chat's title as the store knows it, else its ID.
func (h *Record) chatTitle(ctx context.Context, id int64) string {
	c, err := h.store.Chat(ctx, id)
	if err != nil || c.Title == "" {
		return strconv.FormatInt(id, 10)
	}
	return c.Title
}

// LogPoster posts each new entry of a chat's record to its log chat, from
// the store's outbox, so that an entry recorded while the bot was down,
// or cut off by a crash before it was posted, is posted when it is back.
// Posts are messages, paced like all the others.
type LogPoster struct {
	*Deps
	worker
	store RecordStore
}

// NewLogPoster makes the poster of the log chats.
func NewLogPoster(d *Deps, st RecordStore) *LogPoster {
	return &LogPoster{Deps: d, worker: newWorker(logPollEvery), store: st}
}

// logPollEvery is how often the poster looks at its outbox unwoken.
const logPollEvery = time.Minute

// Run posts what the outbox holds until ctx ends: at once when woken
// (Wake: the outbox may have changed), and every logPollEvery anyway.
func (l *LogPoster) Run(ctx context.Context) {
	l.loop(ctx, l.now, "posting to log chats", func(ctx context.Context) (time.Time, error) {
		return time.Time{}, l.process(ctx)
	})
}

// process posts the outbox, oldest first. A log chat where the bot may no
// longer post loses its posts (logged); any other failure stops the round.
func (l *LogPoster) process(ctx context.Context) error {
	posts, err := l.store.PendingLogPosts(ctx)
	if err != nil {
		return fmt.Errorf("pending log posts: %w", err)
	}
	for _, post := range posts {
		msg, err := l.post(ctx, post)
		if err != nil {
			return err
		}
		_, err = l.TG.Send(ctx, bot.Outgoing{ChatID: post.LogChatID, Text: msg})
		switch {
		case err == nil:
		case errors.Is(err, bot.ErrNoRights), errors.Is(err, bot.ErrChatNotFound), errors.Is(err, bot.ErrBlocked), errors.Is(err, bot.ErrRefused):
			zerolog.Ctx(ctx).Warn().Err(err).Int64("log_chat_id", post.LogChatID).Int64("action", post.Action.ID).
				Msg("could not post to a log chat; dropping the post")
		default:
			return err
		}
		if err := l.store.LogPosted(ctx, post.Action.ID); err != nil {
			return fmt.Errorf("log posted: %w", err)
		}
	}
	return nil
}

// post is the message of a post: the chat's title, the entry, and for a
// new primary link its URL, in the log chat's language.
func (l *LogPoster) post(ctx context.Context, post store.LogPost) (string, error) {
	a := post.Action
	p := l.chatPrinter(ctx, post.LogChatID)
	title := strconv.FormatInt(a.ChatID, 10)
	c, err := l.store.Chat(ctx, a.ChatID)
	switch {
	case err == nil && c.Title != "":
		title = c.Title
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return "", fmt.Errorf("chat: %w", err)
	}
	msg := p.S("logchat.post", "Chat", title, "Entry", text.HTML(describeAction(p, a)))
	if a.Kind == store.ActionLinkRotated && a.Link != 0 {
		link, err := l.store.Link(ctx, a.ChatID, a.Link)
		switch {
		case err == nil:
			msg += "\n" + p.Isolate(html.EscapeString(link.URL))
		case !errors.Is(err, store.ErrNotFound):
			return "", fmt.Errorf("link #%d: %w", a.Link, err)
		}
	}
	return msg, nil
}
