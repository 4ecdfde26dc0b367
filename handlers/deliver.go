package handlers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// Where answers go (PRODUCT.md §3): an invite link is worth only as much as
// the people who see it. In a group, an answer that shows a link's URL goes
// to the admin who asked, in their private chat with the bot; the group
// gets one line without a URL. If the bot cannot write to that admin, the
// group gets one line with a button that opens the private chat, and the
// command is not carried out: pressing Start there runs it.

// MessageStore keeps the bot's messages with buttons, and the commands
// that wait for their asker to open a private chat.
type MessageStore interface {
	SaveButtonMessage(ctx context.Context, m store.ButtonMessage) error
	ButtonMessage(ctx context.Context, chatID int64, messageID int) (store.ButtonMessage, error)
	SavePendingCommand(ctx context.Context, c store.PendingCommand) error
	TakePendingCommand(ctx context.Context, token string) (store.PendingCommand, error)
}

// dest is where an answer goes.
type dest struct {
	chatID  int64
	replyTo int           // the command's message, when the answer goes where it came from
	p       *text.Printer // the reader's language
	moved   bool          // the group's answer goes to the asker's private chat
}

// here is the chat u came from, as a destination.
func (d *Deps) here(ctx context.Context, u *bot.Update) dest {
	dst := dest{chatID: u.Chat.ID, p: d.printer(ctx, u)}
	if u.Message != nil {
		dst.replyTo = u.Message.ID
	}
	return dst
}

// anonymous tells a command an anonymous admin sent (for the group).
func anonymous(u *bot.Update) bool {
	return u.Message != nil && u.Message.SenderChat != nil && u.Chat != nil && u.Message.SenderChat.ID == u.Chat.ID
}

// linksDest is where u's answer that shows invite links goes. ok false:
// the bot cannot write to the asker; the group has been told how to open
// the private chat, and the command must not be carried out.
func (d *Deps) linksDest(ctx context.Context, u *bot.Update) (dst dest, ok bool, err error) {
	here := d.here(ctx, u)
	if !u.Chat.IsGroup() || anonymous(u) || u.Actor == nil {
		return here, true, nil
	}
	if d.Settings != nil {
		s, err := d.Settings.ChatSettings(ctx, u.Chat.ID)
		if err != nil {
			return dest{}, false, fmt.Errorf("chat settings: %w", err)
		}
		if s.Replies == store.RepliesChat {
			return here, true, nil
		}
	}
	// Whether the bot may write to a person is learned by trying: people
	// may have started the bot long before it kept any record of it.
	switch err := d.TG.Typing(ctx, u.Actor.ID); {
	case err == nil:
		return dest{chatID: u.Actor.ID, p: d.Text.For(u.Actor.LanguageCode), moved: true}, true, nil
	case errors.Is(err, bot.ErrBlocked):
		return dest{}, false, d.askToOpen(ctx, u)
	default:
		return dest{}, false, err
	}
}

// askToOpen tells the group that the asker must open a private chat with
// the bot first, with a button that opens it and runs the command there.
func (d *Deps) askToOpen(ctx context.Context, u *bot.Update) error {
	token, err := newToken()
	if err != nil {
		return err
	}
	c := store.PendingCommand{Token: token, UserID: u.Actor.ID, ChatID: u.Target.ID, CreatedAt: d.now()}
	if u.Command != nil {
		c.Command, c.Args = u.Command.Name, u.Command.Args
	}
	if d.Messages == nil || c.Command == "" {
		token = startHelp
	} else if err := d.Messages.SavePendingCommand(ctx, c); err != nil {
		return fmt.Errorf("save pending command: %w", err)
	}
	p := d.printer(ctx, u)
	return d.reply(ctx, u, p.S("private.open", "Name", u.Actor.Name()),
		[][]bot.Button{{{Text: p.P("private.open_button"), URL: d.deepLink(token)}}})
}

// startHelp is the start parameter that asks for the help.
const startHelp = "help"

// deepLink opens the private chat with the bot and sends /start payload.
func (d *Deps) deepLink(payload string) string {
	return "https://t.me/" + d.Username + "?start=" + payload
}

// newToken is a random deep link payload (of the characters Telegram
// allows in one).
func newToken() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// deliver sends an answer that shows links to dst, with buttons (recorded
// as rec says, if rec is given), and tells the group where it went.
func (d *Deps) deliver(ctx context.Context, u *bot.Update, dst dest, html string, buttons [][]bot.Button, rec *store.ButtonMessage) error {
	id, err := d.TG.Send(ctx, bot.Outgoing{ChatID: dst.chatID, Text: html, ReplyTo: dst.replyTo, Buttons: buttons})
	if err != nil {
		return err
	}
	if rec != nil {
		if err := d.remember(ctx, dst.chatID, id, *rec); err != nil {
			return err
		}
	}
	return d.noteMoved(ctx, u, dst)
}

// noteMoved tells the group that its answer went to the asker's private chat.
func (d *Deps) noteMoved(ctx context.Context, u *bot.Update, dst dest) error {
	if !dst.moved {
		return nil
	}
	return d.say(ctx, u, text.M("private.sent", "Name", u.Actor.Name()))
}

// remember records a message with buttons and what it shows.
func (d *Deps) remember(ctx context.Context, chatID int64, messageID int, rec store.ButtonMessage) error {
	if d.Messages == nil {
		return nil
	}
	rec.ChatID, rec.MessageID, rec.CreatedAt = chatID, messageID, d.now()
	if err := d.Messages.SaveButtonMessage(ctx, rec); err != nil {
		return fmt.Errorf("record the buttons: %w", err)
	}
	return nil
}

// runPending runs the command a deep link's token names, as if its asker
// had sent it here with the chat first. It reports false when the token
// names none of theirs.
func (d *Deps) runPending(ctx context.Context, u *bot.Update, token string) (bool, error) {
	if d.Messages == nil || d.Replay == nil || u.From == nil {
		return false, nil
	}
	c, err := d.Messages.TakePendingCommand(ctx, token)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("pending command: %w", err)
	case c.UserID != u.From.ID:
		return false, nil
	}
	run := *u
	run.Command = &bot.Command{Name: c.Command, Args: strings.TrimSpace(strconv.FormatInt(c.ChatID, 10) + " " + c.Args)}
	run.Route, run.Target, run.Actor = "", nil, nil
	return true, d.Replay(ctx, &run)
}
