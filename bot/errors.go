package bot

import (
	"errors"
	"fmt"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// What Telegram's refusals mean, as the typed calls of the Client return
// them (wrapped: test with errors.Is). The error also wraps Telegram's own
// *tgbotapi.Error, whose text is for the logs and never for users.
var (
	// ErrNoRights: the bot lacks the admin right the call needs in the
	// chat (for invite links and join requests, can_invite_users), or is
	// not a member of the chat any more.
	ErrNoRights = errors.New("the bot lacks the rights for this in the chat")
	// ErrLinkGone: Telegram no longer knows the invite link (revoked or
	// expired elsewhere, for instance in the chat's settings).
	ErrLinkGone = errors.New("the invite link no longer exists")
	// ErrRequestGone: the join request is no longer pending (answered
	// elsewhere, withdrawn or expired), or the user is in the chat already.
	ErrRequestGone = errors.New("the join request is no longer pending")
	// ErrBlocked: the bot may not write to the person: they never started
	// the bot, or blocked it.
	ErrBlocked = errors.New("the bot may not write to this person")
	// ErrChatNotFound: Telegram knows no such chat (or user) for the bot.
	ErrChatNotFound = errors.New("chat not found")
	// ErrMessageGone: the message to edit no longer exists.
	ErrMessageGone = errors.New("the message no longer exists")
	// ErrQueryGone: the button press, or the join request query of a
	// guard bot, can no longer be answered (too old, or answered already).
	ErrQueryGone = errors.New("the query can no longer be answered")
	// ErrUnauthorized: Telegram does not know the bot's token.
	ErrUnauthorized = errors.New("the token was rejected")
	// ErrRefused: another refusal of Telegram's, for a reason the bot has
	// no name for; its text is in the wrapped *tgbotapi.Error.
	ErrRefused = errors.New("refused by Telegram")
)

// MigratedError is Telegram's answer that a group became a supergroup with
// a new ID, when the client did not follow it by itself (a second upgrade
// within one call).
type MigratedError struct {
	To  int64
	err error
}

func (e *MigratedError) Error() string {
	return fmt.Sprintf("the group was upgraded to supergroup %d: %v", e.To, e.err)
}

func (e *MigratedError) Unwrap() error { return e.err }

// refusalRules map the texts of Telegram's refusals (from TDLib and the
// Bot API server, see ../testdata/updates/SOURCES.md) to the sentinels.
// The texts are matched here and nowhere else.
var refusalRules = []struct {
	code  int    // 0: any
	text  string // a part of the description
	sents error
}{
	{400, "INVITE_HASH_EXPIRED", ErrLinkGone},
	{400, "HIDE_REQUESTER_MISSING", ErrRequestGone},
	{400, "USER_ALREADY_PARTICIPANT", ErrRequestGone},
	{400, "not enough rights", ErrNoRights},
	{400, "CHAT_ADMIN_REQUIRED", ErrNoRights},
	{400, "need administrator rights", ErrNoRights},
	{400, "have no rights", ErrNoRights},
	{400, "message to edit not found", ErrMessageGone},
	{400, "message can't be edited", ErrMessageGone},
	{400, "query is too old", ErrQueryGone},
	{400, "QUERY_ID_INVALID", ErrQueryGone},
	{400, "chat not found", ErrChatNotFound},
	{400, "user not found", ErrChatNotFound},
	{403, "bot was blocked by the user", ErrBlocked},
	{403, "can't initiate conversation", ErrBlocked},
	{403, "user is deactivated", ErrBlocked},
	{403, "", ErrNoRights}, // not a member of the chat, kicked from it
}

// refused turns Telegram's refusal err (a 4xx *tgbotapi.Error) into the
// sentinel that says what it means, keeping err in the chain.
func refused(err error) error {
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) {
		return err
	}
	for _, r := range refusalRules {
		if (r.code == 0 || r.code == apiErr.Code) && strings.Contains(apiErr.Message, r.text) {
			return &refusal{sentinel: r.sents, err: err}
		}
	}
	if apiErr.Code == 400 {
		return &refusal{sentinel: ErrRefused, err: err}
	}
	return err // 401, 404: something is wrong on the bot's side
}

// notModified tells Telegram's answer to an edit that changes nothing.
func notModified(err error) bool {
	var apiErr *tgbotapi.Error
	return errors.As(err, &apiErr) && apiErr.Code == 400 && strings.Contains(apiErr.Message, "message is not modified")
}

// refusal is a refusal of Telegram's with the sentinel it means.
type refusal struct {
	sentinel error
	err      error
}

func (e *refusal) Error() string   { return e.err.Error() }
func (e *refusal) Unwrap() []error { return []error{e.sentinel, e.err} }
