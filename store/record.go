package store

import (
	"context"
	"errors"
	"time"
)

// The record (PRODUCT.md §7): every action that changed something, with
// when, who and what, in one append-only list per chat.
//
// The store's write methods record their own actions, in the transaction
// that makes the change, so that no change is without its entry and no
// entry without its change, and no caller has to remember to:
//
//   - AddLink: ActionLinkCreated, or ActionLinkRotated for a primary link;
//   - EditLink: ActionLinkEdited, with what changed;
//   - RevokeLink: ActionLinkRevoked, when it revokes;
//   - AnswerJoinRequest: ActionRequestApproved or ActionRequestDeclined
//     (a request gone elsewhere is no action of anyone's);
//   - RecordJoin: ActionRequestApproved when the join shows an admin
//     approved a pending request in Telegram itself;
//   - SaveChatSettings, SetLogChat, SetAutorotate: ActionSettingChanged,
//     one per setting that changed.
//
// Who acted is the method's own argument (CreatedBy, EditedBy, by...): a
// person's user ID, or 0. The Cause in the context adds what the argument
// cannot say: the person's name as the record shows it, and, when no
// person acts, what does (Via: a join mode, the schedule). Write methods
// that record use it; nothing else reads it.
//
// A store method of another feature that changes something records its
// action the same way, in its own transaction (store/sqlite: recordAction),
// with a kind of its own among the constants below.

// ActionKind says what an action did.
type ActionKind string

// The kinds of action.
const (
	ActionLinkCreated     ActionKind = "link_created"
	ActionLinkEdited      ActionKind = "link_edited"
	ActionLinkRevoked     ActionKind = "link_revoked"
	ActionLinkRotated     ActionKind = "link_rotated" // a new primary link: /refreshlink or the schedule
	ActionRequestApproved ActionKind = "request_approved"
	ActionRequestDeclined ActionKind = "request_declined"
	ActionSettingChanged  ActionKind = "setting_changed"
	// Verifications of requesters (join mode verify), by the requester.
	ActionVerifyPassed   ActionKind = "verify_passed"
	ActionVerifyFailed   ActionKind = "verify_failed"
	ActionVerifyTimedOut ActionKind = "verify_timed_out"
)

// What acts when no person does (Cause.Via, Action.Via).
const (
	// ViaSchedule: /autorotate's schedule.
	ViaSchedule = "schedule"
	// ViaTelegram: an admin in Telegram's own apps, as an update told it.
	ViaTelegram = "telegram"
	// A chat's or a link's join mode: its name, "auto", "closed" or "verify".
)

// Action is one entry of the record.
type Action struct {
	ID     int64 // in order of recording
	ChatID int64
	At     time.Time
	// By is the person who acted, 0 if none (or not known).
	By int64
	// ByName names By as the record shows them (@username, else the
	// name), "" if not known.
	ByName string
	// Via is what acted when no person did, or how the person acted:
	// ViaSchedule, ViaTelegram, a join mode; "" for a command or button.
	Via  string
	Kind ActionKind
	// Link is the #N of the link acted on, 0 if none.
	Link int64
	// Subject is the person acted on (a requester), 0 if none.
	Subject int64
	// Details say what changed, in the commands' own words (option=value,
	// language-neutral): "“Partners” limit=50", "language=ru", "#3".
	Details string
}

// Cause is who or what acts, for the record of the change a write method
// makes: a person (By, and Name as the record shows them), and what acted
// when no person did (Via).
type Cause struct {
	By   int64
	Name string
	Via  string
}

type causeKey struct{}

// WithCause is ctx carrying c: the writes made with it are recorded as c's.
func WithCause(ctx context.Context, c Cause) context.Context {
	return context.WithValue(ctx, causeKey{}, c)
}

// CauseFrom is the Cause ctx carries; the zero Cause if none.
func CauseFrom(ctx context.Context) Cause {
	c, _ := ctx.Value(causeKey{}).(Cause)
	return c
}

// FromCause is a as the record keeps it: its ByName and Via, when empty,
// from the Cause of ctx (the name only when the Cause's person is a.By).
// An action without a time is an error.
func (a Action) FromCause(ctx context.Context) (Action, error) {
	c := CauseFrom(ctx)
	if a.ByName == "" && a.By != 0 && c.By == a.By {
		a.ByName = c.Name
	}
	if a.Via == "" {
		a.Via = c.Via
	}
	if a.At.Unix() <= 0 {
		return a, errors.New("no time")
	}
	return a, nil
}

// JoinOf is the join of requester r, approved by by at at, for
// link_joins; the Cause of ctx names who approved.
func JoinOf(ctx context.Context, r JoinRequest, by int64, at time.Time) LinkJoin {
	j := LinkJoin{UserID: r.UserID, FirstName: r.FirstName, LastName: r.LastName, Username: r.Username, At: at, ApprovedBy: by}
	c := CauseFrom(ctx)
	if by != 0 && c.By == by {
		j.ApprovedByName = c.Name
	}
	j.ApprovedVia = c.Via
	return j
}

// LogPost is an action to post to a log chat (/logchat): the outbox of
// the log chats, written in the transaction that records the action.
type LogPost struct {
	Action    Action
	LogChatID int64
}

// Record is the record of actions and where it is posted.
type Record interface {
	// Actions returns the chat's last n actions, newest first.
	Actions(ctx context.Context, chatID int64, n int) ([]Action, error)
	// SetLogChat makes every action of chatID recorded from now on be
	// posted to logChatID too; 0 stops it. It records the change.
	SetLogChat(ctx context.Context, chatID, logChatID, by int64, at time.Time) error
	// LogChat is chatID's log chat, 0 if none.
	LogChat(ctx context.Context, chatID int64) (int64, error)
	// PendingLogPosts are the actions to post to log chats, oldest first.
	PendingLogPosts(ctx context.Context) ([]LogPost, error)
	// LogPosted strikes the post of action id off the outbox.
	LogPosted(ctx context.Context, actionID int64) error
}
