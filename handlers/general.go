package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
)

// Checker tells whether a person may manage a chat's invite links;
// *middleware.Admins is one.
type Checker interface {
	MayInvite(ctx context.Context, chatID, userID int64) (bool, error)
}

// General handles what every chat may ask: help, unknown commands, stale
// buttons, and the apology after a failure.
type General struct {
	*Deps
	admins Checker
}

// NewGeneral makes the general handlers; admins tells who may see the
// whole help in a group.
func NewGeneral(d *Deps, admins Checker) *General { return &General{Deps: d, admins: admins} }

// Help (/start, /help) says what the bot does and how to set it up. In a
// group, someone who may not manage links gets one line and a button to
// the private chat instead of the whole help. /start with a deep link's
// payload in a private chat runs the command that waited for it.
func (g *General) Help(ctx context.Context, u *bot.Update) error {
	if u.Message == nil || u.Chat == nil || u.Chat.IsChannel() {
		return nil
	}
	if payload := args(u); u.Chat.IsPrivate() && payload != "" && payload != startHelp {
		ran, err := g.runPending(ctx, u, payload)
		if ran || err != nil {
			return err
		}
	}
	if u.Chat.IsGroup() && !anonymous(u) && g.admins != nil {
		may := false
		if u.From != nil && !u.From.IsBot {
			var err error
			if may, err = g.admins.MayInvite(ctx, u.Chat.ID, u.From.ID); err != nil {
				return fmt.Errorf("check admin: %w", err)
			}
		}
		if !may {
			p := g.printer(ctx, u)
			return g.reply(ctx, u, p.S("help.short", "Bot", g.Username),
				[][]bot.Button{{{Text: p.P("help.short_button"), URL: g.deepLink(startHelp)}}})
		}
	}
	return g.say(ctx, u, text.M("help", "Bot", g.Username))
}

// Unknown answers a command the bot does not have, in private chats only:
// in groups, commands meant for other bots without @name are common.
func (g *General) Unknown(ctx context.Context, u *bot.Update) error {
	if u.Message == nil || !u.Chat.IsPrivate() || u.Command == nil {
		return nil
	}
	return g.say(ctx, u, text.M("unknown_command", "Command", clip(u.Command.Name)))
}

// StaleButton answers a press of a button the bot no longer knows.
func (g *General) StaleButton(ctx context.Context, u *bot.Update) error {
	if u.Callback == nil {
		return nil
	}
	return g.answerButton(ctx, u, text.M("button.stale"), false)
}

// Apologise tells the person that handling their update failed. It is the
// loop's OnError hook. It stays silent when the failure leaves open
// whether a message went out (bot.ErrUnsure): an apology could be a second
// answer.
func (g *General) Apologise(ctx context.Context, u *bot.Update, err error) {
	log := zerolog.Ctx(ctx)
	var failed error
	switch {
	case errors.Is(err, bot.ErrUnsure):
		log.Warn().Msg("not apologising: the failed call may have gone through")
	case u.Callback != nil:
		failed = g.answerButton(ctx, u, text.M("sorry"), true)
	case u.Message != nil && u.Chat != nil && !u.Chat.IsChannel():
		failed = g.say(ctx, u, text.M("sorry"))
	}
	if failed != nil {
		log.Warn().Err(failed).Msg("could not apologise")
	}
}
