package handlers

import (
	"context"
	"errors"
	"fmt"
	"html"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/invitebot/invitebot/bot"
	"github.com/rs/zerolog"
)

// General handles what every chat may ask: help, unknown commands, stale
// buttons, and the apology after a failure.
type General struct {
	api      bot.Caller
	username string
}

// NewGeneral makes the general handlers for the bot called username.
func NewGeneral(api bot.Caller, username string) *General {
	return &General{api: api, username: username}
}

// Sorry is the reply after a failure on the bot's side.
const Sorry = "Sorry, something went wrong on my side and nothing was changed that I know of. Please try again in a minute."

// helpText is /start's and /help's answer (HTML; %[1]s is the bot's username).
const helpText = `I manage invite links and join requests of groups, supergroups and channels: rotate the primary link after a leak, hand out named, expiring, member-limited or approval-only links, count who joined through each, and answer join requests.

<b>Add me to your chat</b>
1. Open the chat's settings → Administrators → Add Admin, and pick @%[1]s.
2. Leave “Invite users via link” on (I need that right), and save.
Then the chat's creator and admins with “Invite users via link” can use these commands in the group, or here in a private chat with me:

/refreshlink — make a new primary link; the previous one I made stops working
/createlink [NAME] [expire=WHEN] [limit=N] [request] — make an extra link
  e.g. <code>/createlink Partners expire=7d limit=50</code>
/editlink REF [name=NAME] [expire=WHEN|never] [limit=N|none] [request|norequest]
  e.g. <code>/editlink #3 expire=never limit=none</code>
/revokelink REF — e.g. <code>/revokelink #3</code>
/links [all] — the links I made, with the joins counted: active ones, or all
/requests — pending join requests, with Approve and Decline buttons
/approve USER|all, /decline USER|all — USER is an ID or @username from /requests

WHEN is a duration (30m, 12h, 7d, 2w, 1d12h) or a UTC date (2026-12-31 or 2026-12-31T18:00).
limit=N allows 1 to 99999 members; request makes people wait for an admin's approval (not with limit).
REF is a link's #N from /links, its URL, or its name.

<b>From a private chat with me</b> (the only way for channels)
/chats — the chats you can manage through me
/use CHAT — act on that chat from now on, e.g. <code>/use @mychannel</code>
Or start any command with CHAT: <code>/createlink @mychannel Partners limit=10</code>
CHAT is a chat's @username or its ID (-100…).`

// Help (/start, /help) says what the bot does and how to set it up.
func (g *General) Help(ctx context.Context, u *tgbotapi.Update) error {
	m := u.Message
	if m == nil || m.Chat == nil || m.Chat.IsChannel() {
		return nil
	}
	_, err := bot.Send(ctx, g.api, bot.Message{ChatID: m.Chat.ID, Text: fmt.Sprintf(helpText, html.EscapeString(g.username)), ReplyTo: m.MessageID})
	return err
}

// Unknown answers a command the bot does not have, in private chats only:
// in groups, commands meant for other bots without @name are common.
func (g *General) Unknown(ctx context.Context, u *tgbotapi.Update) error {
	m := u.Message
	if m == nil || m.Chat == nil || !m.Chat.IsPrivate() {
		return nil
	}
	cmd, _ := bot.CommandFrom(ctx)
	text := fmt.Sprintf("I don't know /%s. Send /help for what I can do.", cmd.Name)
	_, err := bot.Send(ctx, g.api, bot.Message{ChatID: m.Chat.ID, Text: html.EscapeString(text), ReplyTo: m.MessageID})
	return err
}

// StaleButton answers a press of a button the bot no longer knows.
func (g *General) StaleButton(ctx context.Context, u *tgbotapi.Update) error {
	if u.CallbackQuery == nil {
		return nil
	}
	return bot.AnswerCallback(ctx, g.api, u.CallbackQuery.ID, "This button no longer works.", false)
}

// Apologise tells the user that handling their update failed. It is the
// loop's OnError hook. It stays silent when the failure leaves open whether
// a message went out (bot.ErrUnsure): an apology could be a second answer.
func (g *General) Apologise(ctx context.Context, u *tgbotapi.Update, err error) {
	log := zerolog.Ctx(ctx)
	switch {
	case errors.Is(err, bot.ErrUnsure):
		log.Warn().Msg("not apologising: the failed call may have gone through")
	case u.CallbackQuery != nil:
		if err := bot.AnswerCallback(ctx, g.api, u.CallbackQuery.ID, Sorry, true); err != nil {
			log.Warn().Err(err).Msg("could not apologise")
		}
	case u.Message != nil && u.Message.Chat != nil && !u.Message.Chat.IsChannel():
		if _, err := bot.Send(ctx, g.api, bot.Message{ChatID: u.Message.Chat.ID, Text: html.EscapeString(Sorry), ReplyTo: u.Message.MessageID}); err != nil {
			log.Warn().Err(err).Msg("could not apologise")
		}
	}
}
