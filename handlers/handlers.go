// Package handlers holds invitebot's commands: one method per command, each
// a few domain steps over a typed port to Telegram (Telegram) and a small
// interface to the store. The access checks run before them (package
// middleware) and note the chat acted on and who acts in the update
// (bot.Update's Target and Actor).
//
// What a handler tells a person is a message of the catalogs (package
// text), rendered in the reader's language. A mistake or a refusal is a
// *text.Error that the handler returns; Answer, around every handler,
// tells it to the person. Any other error is a failure: the loop logs it,
// and Apologise says so.
package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// Telegram is what the handlers ask of Telegram, in their own terms;
// *bot.Client is one. The errors wrap bot's sentinels (bot.ErrNoRights,
// bot.ErrLinkGone, bot.ErrRequestGone, bot.ErrUnsure, ...): a handler tests
// them with errors.Is and never reads Telegram's texts.
type Telegram interface {
	ExportLink(ctx context.Context, chatID int64) (string, error)
	CreateLink(ctx context.Context, chatID int64, spec bot.LinkSpec) (bot.InviteLink, error)
	EditLink(ctx context.Context, chatID int64, url string, spec bot.LinkSpec) (bot.InviteLink, error)
	RevokeLink(ctx context.Context, chatID int64, url string) (bot.InviteLink, error)
	ApproveRequest(ctx context.Context, chatID, userID int64) error
	DeclineRequest(ctx context.Context, chatID, userID int64) error
	Send(ctx context.Context, m bot.Outgoing) (int, error)
	Edit(ctx context.Context, chatID int64, messageID int, html string, buttons [][]bot.Button) error
	EditButtons(ctx context.Context, chatID int64, messageID int, buttons [][]bot.Button) error
	AnswerButton(ctx context.Context, queryID, text string, alert bool) error
	// Typing shows "typing…" in a chat; to a person it also tells whether
	// the bot may write to them (bot.ErrBlocked if not).
	Typing(ctx context.Context, chatID int64) error
}

// SettingsStore reads what the admins of a chat set for it.
type SettingsStore interface {
	ChatSettings(ctx context.Context, chatID int64) (store.ChatSettings, error)
}

// Deps are what every handler needs.
type Deps struct {
	TG   Telegram
	Text *text.Catalog
	// Settings gives a group's language and where its answers go; nil:
	// every group has the defaults.
	Settings SettingsStore
	// Messages keeps the bot's messages with buttons and the commands that
	// wait for a private chat; nil: neither is kept.
	Messages MessageStore
	// Replay routes an update as if it had come in (a command that waited
	// for its asker to open a private chat); nil: none is run.
	Replay bot.HandlerFunc
	// Username is the bot's, without "@", for instructions.
	Username string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Changed, if set, is told after a handler that may have recorded an
	// action (Acting): the log chats' poster wakes.
	Changed func()
}

func (d *Deps) now() time.Time {
	if d.Now == nil {
		return time.Now().UTC()
	}
	return d.Now().UTC()
}

// printer is the language of what u's sender reads: in a private chat and
// for a button press, the person's own (Telegram's language_code); in a
// group, the group's (/language), else the default.
func (d *Deps) printer(ctx context.Context, u *bot.Update) *text.Printer {
	if u.From != nil && (u.Chat.IsPrivate() || u.Callback != nil) {
		return d.Text.For(u.From.LanguageCode)
	}
	if u.Chat == nil {
		return d.Text.Default()
	}
	return d.chatPrinter(ctx, u.Chat.ID)
}

// ChatPrinter is the language of a group or channel: its own (/language),
// else the default. The checks in front of the handlers speak it in groups.
func (d *Deps) ChatPrinter(ctx context.Context, chatID int64) *text.Printer {
	return d.chatPrinter(ctx, chatID)
}

// chatPrinter is the language of a group or channel: its own, else the
// default.
func (d *Deps) chatPrinter(ctx context.Context, chatID int64) *text.Printer {
	if d.Settings == nil {
		return d.Text.Default()
	}
	s, err := d.Settings.ChatSettings(ctx, chatID)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not read the chat's language; using the default")
		return d.Text.Default()
	}
	if s.Language == "" {
		return d.Text.Default()
	}
	return d.Text.For(s.Language)
}

// reply answers u's message (in its chat) with HTML text and buttons.
func (d *Deps) reply(ctx context.Context, u *bot.Update, html string, buttons [][]bot.Button) error {
	if u.Message == nil || u.Chat == nil {
		return nil
	}
	_, err := d.TG.Send(ctx, bot.Outgoing{ChatID: u.Chat.ID, Text: html, ReplyTo: u.Message.ID, Buttons: buttons})
	return err
}

// say answers u's message with m in the reader's language.
func (d *Deps) say(ctx context.Context, u *bot.Update, m text.Msg) error {
	return d.reply(ctx, u, d.printer(ctx, u).Sprint(m), nil)
}

// answerButton answers a button press with m (plain text, at most 200
// characters), as an alert when alert is set.
func (d *Deps) answerButton(ctx context.Context, u *bot.Update, m text.Msg, alert bool) error {
	return d.TG.AnswerButton(ctx, u.Callback.ID, cut(d.printer(ctx, u).Plain(m), 200), alert)
}

// Answer is the middleware around every handler and check: it tells the
// person of the *text.Error they return (a mistake, a refusal), where the
// command came from or as the answer to the button press, in the reader's
// language. Other errors go on to the loop as failures.
func (d *Deps) Answer(next bot.HandlerFunc) bot.HandlerFunc {
	return func(ctx context.Context, u *bot.Update) error {
		err := next(ctx, u)
		var e *text.Error
		if !errors.As(err, &e) {
			return err
		}
		zerolog.Ctx(ctx).Debug().Str("outcome", string(e.Code)).Str("message", e.Msg.ID).Msg("told the person")
		switch {
		case u.Callback != nil:
			return d.answerButton(ctx, u, e.Msg, true)
		case u.Message == nil || u.Chat == nil || u.Chat.IsChannel():
			return nil
		case e.Private:
			// It shows links: it goes where answers that show links go.
			dst, ok, err := d.linksDest(ctx, u)
			if !ok {
				return err
			}
			return d.deliver(ctx, u, dst, dst.p.Sprint(e.Msg), nil, nil)
		}
		return d.say(ctx, u, e.Msg)
	}
}

// target is the chat u acts on and who acts, as the checks noted them.
func target(u *bot.Update) (*bot.Chat, *bot.User, error) {
	if u.Target == nil || u.Actor == nil {
		return nil, nil, errors.New("handler reached without an access check")
	}
	return u.Target, u.Actor, nil
}

// args are the command's arguments.
func args(u *bot.Update) string {
	if u.Command == nil {
		return ""
	}
	return u.Command.Args
}

// chatName names the chat acted on in a message: "this chat" when the
// command came from it, else its title (or ID).
func chatName(u *bot.Update) any {
	switch {
	case u.Target == nil:
		return ""
	case u.Chat != nil && u.Chat.ID == u.Target.ID:
		return text.M("chat.this")
	case u.Target.Title != "":
		return u.Target.Title
	}
	return u.Target.ID
}

// refusal turns what Telegram refused into what the person is told; any
// other error stays a failure.
func (d *Deps) refusal(ctx context.Context, u *bot.Update, err error) error {
	switch {
	case errors.Is(err, bot.ErrNoRights), errors.Is(err, bot.ErrChatNotFound):
		return text.Err(text.Forbidden, "telegram.no_right", "Chat", chatName(u), "Bot", d.Username)
	case errors.Is(err, bot.ErrUnsure):
		return text.Err(text.Unavailable, "telegram.unsure")
	case errors.Is(err, bot.ErrRefused):
		zerolog.Ctx(ctx).Warn().Err(err).Msg("Telegram refused a call")
		return text.Err(text.Unavailable, "telegram.refused")
	}
	return err
}
