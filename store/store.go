// Package store holds invitebot's records, the errors its store methods return,
// and the interfaces that a store implements. It knows nothing of Telegram:
// the SQLite implementation lives in store/sqlite.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Implementations wrap them; callers test with errors.Is.
var (
	// ErrNotFound: the record asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: the write would break a uniqueness rule (a URL stored twice).
	ErrConflict = errors.New("store: conflict")
)

// LinkState is what a link is worth now.
type LinkState string

const (
	StateActive  LinkState = "active"
	StateExpired LinkState = "expired"
	StateRevoked LinkState = "revoked"
)

// Link is an invite link that the bot created (createChatInviteLink) or
// exported as the chat's primary link (exportChatInviteLink).
type Link struct {
	ChatID int64
	// Number is the link's #N: per chat, from 1, in order of creation, never
	// reused and never changed.
	Number int64
	URL    string
	Name   string
	// ExpiresAt is zero when the link never expires. Always UTC.
	ExpiresAt time.Time
	// MemberLimit is 0 when there is no limit.
	MemberLimit int
	// JoinRequest: people who use the link must be approved by an admin.
	JoinRequest bool
	// Primary: made by exportChatInviteLink.
	Primary   bool
	CreatedBy int64
	CreatedAt time.Time
	// EditedAt is zero when the link was never edited.
	EditedBy int64
	EditedAt time.Time
	// RevokedAt is zero while the link is not revoked.
	RevokedBy int64
	RevokedAt time.Time
	// Joins counted for this link.
	Joins int64
	// Request names the command that asked for the link ("" if unknown).
	Request string
	// JoinMode is how requests through the link are handled (join=),
	// overriding the chat's; "" for the chat's.
	JoinMode JoinMode
	// Price is a subscription link's price in Telegram Stars every 30
	// days; 0 for other links.
	Price int
}

// State tells whether the link is active, expired or revoked at now.
// Revoked wins over expired.
func (l Link) State(now time.Time) LinkState {
	switch {
	case !l.RevokedAt.IsZero():
		return StateRevoked
	case !l.ExpiresAt.IsZero() && !l.ExpiresAt.After(now):
		return StateExpired
	default:
		return StateActive
	}
}

// NewLink is what AddLink needs to store a link.
type NewLink struct {
	ChatID      int64
	URL         string
	Name        string
	ExpiresAt   time.Time
	MemberLimit int
	JoinRequest bool
	Primary     bool
	CreatedBy   int64
	CreatedAt   time.Time
	// Request names the command that asked for the link, such as the
	// chat and message ID of /createlink, so that the command, handed
	// back by the update journal after a crash, finds the link instead of
	// making a second one.
	// Optional; when set, it is unique: a second AddLink with the same
	// Request is ErrConflict.
	Request string
	// JoinMode overrides the chat's join mode for requests through the
	// link (JoinManual, JoinAuto or JoinVerify); "" for none.
	JoinMode JoinMode
	// Price is a subscription link's price in Stars, 0 for other links.
	Price int
}

// LinkChange is an edit of a link. Nil fields are left as they are; a
// pointer to the zero value clears the field (no name, no expiry, no limit,
// no join requests).
type LinkChange struct {
	Name        *string
	ExpiresAt   *time.Time
	MemberLimit *int
	JoinRequest *bool
	// JoinMode: a pointer to "" removes the link's own join mode.
	JoinMode *JoinMode
	EditedBy int64
	EditedAt time.Time
}

// Links is the inventory of the links the bot made. Telegram offers no way to
// list a chat's links, so this is the only one.
type Links interface {
	// AddLink stores a new link and gives it the chat's next number. When
	// l.Primary is set, every earlier primary link of the chat that is not
	// revoked is marked revoked (by l.CreatedBy, at l.CreatedAt) in the same
	// transaction and returned as replaced, as it is after the change.
	// ErrConflict: a link with that URL is stored already.
	AddLink(ctx context.Context, l NewLink) (added Link, replaced []Link, err error)
	// Link returns the chat's link #number. ErrNotFound if there is none.
	Link(ctx context.Context, chatID, number int64) (Link, error)
	// LinkByURL returns the chat's link with that URL. ErrNotFound if none.
	LinkByURL(ctx context.Context, chatID int64, url string) (Link, error)
	// LinkByRequest returns the link that the command named request asked
	// for. ErrNotFound if there is none.
	LinkByRequest(ctx context.Context, request string) (Link, error)
	// LinksByName returns the chat's links whose name equals name, ignoring
	// case (Unicode-aware), ordered by number. An empty result is not an error.
	LinksByName(ctx context.Context, chatID int64, name string) ([]Link, error)
	// ListLinks returns all of the chat's links, ordered by number.
	ListLinks(ctx context.Context, chatID int64) ([]Link, error)
	// EditLink applies c to the chat's link #number and returns the link as
	// it is after the change. ErrNotFound if there is no such link.
	EditLink(ctx context.Context, chatID, number int64, c LinkChange) (Link, error)
	// RevokeLink marks the chat's link #number revoked and returns it as it
	// is after the change. Revoking a revoked link changes nothing and is not
	// an error. ErrNotFound if there is no such link.
	RevokeLink(ctx context.Context, chatID, number, by int64, at time.Time) (Link, error)
	// MoveChat moves every record of chat from to chat to, in one
	// transaction: a group upgraded to a supergroup gets a new ID. That is
	// its links, its join requests and counted joins, its Chat record and
	// the users' choice of it (ChooseChat). Links keep their numbers; if the
	// new chat has links already, the moved ones are numbered after them.
	// Where the new chat has a record of its own already (its Chat, a join
	// request of the same user), that one is kept and the old one dropped.
	// Moving a chat with no records is not an error. The move is
	// remembered: what is written or read under from afterwards (by a
	// command that was in flight during the upgrade) goes to to.
	MoveChat(ctx context.Context, from, to int64) error
}

// Chat is a group, supergroup or channel the bot is in, as the
// my_chat_member updates about the bot tell.
type Chat struct {
	ID int64
	// Type is Telegram's: "group", "supergroup" or "channel".
	Type  string
	Title string
	// Username is the public username without "@", "" if none.
	Username string
	// BotStatus is the bot's status there: "administrator", "member",
	// "left", "kicked", ... ("creator" cannot happen for a bot).
	BotStatus string
	// BotCanInvite: the bot holds can_invite_users there.
	BotCanInvite bool
	// UpdatedAt is the date of the update that told the above. Always UTC.
	UpdatedAt time.Time
}

// Administered tells whether the bot is an administrator of the chat.
func (c Chat) Administered() bool {
	return c.BotStatus == "administrator" || c.BotStatus == "creator"
}

// Chats are the chats the bot is in, and each user's choice of the chat
// their commands in a private chat act on.
type Chats interface {
	// SaveChat records c, replacing the chat's earlier record unless that
	// one is newer (a later UpdatedAt): updates may come late.
	SaveChat(ctx context.Context, c Chat) error
	// NoteChat records the type, title and username of a chat an update
	// came from, without changing what is known of the bot's status there
	// (none, for a chat first seen so).
	NoteChat(ctx context.Context, id int64, typ, title, username string) error
	// Chat returns the chat with that ID. ErrNotFound if there is none.
	Chat(ctx context.Context, id int64) (Chat, error)
	// ChatByUsername returns the chat with that username (without "@",
	// ignoring case); if records of several chats carry it, the most
	// recently updated. ErrNotFound if there is none.
	ChatByUsername(ctx context.Context, username string) (Chat, error)
	// AdministeredChats returns the chats where the bot is an
	// administrator, the most recently updated first.
	AdministeredChats(ctx context.Context) ([]Chat, error)
	// ChooseChat records chatID as the chat that userID's commands in a
	// private chat act on, replacing an earlier choice.
	ChooseChat(ctx context.Context, userID, chatID int64, at time.Time) error
	// ChosenChat returns the chat userID chose. ErrNotFound if none.
	ChosenChat(ctx context.Context, userID int64) (int64, error)
}

// RequestState is where a join request stands.
type RequestState string

const (
	// RequestPending: waiting for an admin.
	RequestPending RequestState = "pending"
	// RequestApproved: approved, through the bot or by an admin in Telegram.
	RequestApproved RequestState = "approved"
	// RequestDeclined: declined through the bot.
	RequestDeclined RequestState = "declined"
	// RequestGone: handled elsewhere: Telegram no longer has it (another
	// admin answered it, the user withdrew it) or the user joined otherwise.
	RequestGone RequestState = "gone"
)

// JoinRequest is a user's request to join a chat (chat_join_request).
// Telegram keeps one per user and chat, and so does the store.
type JoinRequest struct {
	ChatID    int64
	UserID    int64
	FirstName string
	LastName  string
	// Username is the user's username without "@", "" if none.
	Username string
	Bio      string
	// InviteLink is the URL of the link the request came through, "" if
	// none. Links of other admins come with their end replaced by "...".
	InviteLink string
	// UserChatID is the private chat in which the bot may write to the
	// user for five minutes after the request; 0 if not known.
	UserChatID  int64
	RequestedAt time.Time
	State       RequestState
	// AnsweredBy is who answered (0 if not known); AnsweredAt is zero
	// while the request is pending.
	AnsweredBy int64
	AnsweredAt time.Time
	// Counted: a join was counted for the link through this request.
	Counted bool
	// Joined: the chat_member update of the user's join through this
	// request was seen.
	Joined bool
	// QueryID is the request's guard bot query (Bot API 10.1), "" if none.
	QueryID string
	// Mode is the join mode that handles the request: the link's or the
	// chat's when it came. "" (requests stored before join modes) is
	// JoinManual.
	Mode JoinMode
	// Unreachable: in verify mode, the check could not be delivered to
	// the requester, so the request waits for an admin.
	Unreachable bool
}

// Join is a user joining a chat, as a chat_member update tells it.
type Join struct {
	ChatID int64
	UserID int64
	// InviteLink is the URL of the link used, "" if the update has none
	// (a public chat's Join button, an admin adding the user, a rejoin).
	InviteLink string
	// ViaRequest: the user joined through a join request that an admin
	// approved; By is that admin (the update's "from").
	ViaRequest bool
	By         int64
	At         time.Time
	// The user's names as the update gives them, for the join's record.
	FirstName, LastName, Username string
}

// JoinRequests keeps the join requests of the chats and counts the joins
// through the bot's links.
type JoinRequests interface {
	// AddJoinRequest stores r as the user's pending request in the chat,
	// replacing their earlier request (Telegram keeps one per user and
	// chat), answered or not, unless the stored one was made later. A new
	// request can come within the same second as the one it replaces, so
	// the same RequestedAt replaces too: the same update seen twice reopens
	// its request, which then goes as soon as anyone answers it (Telegram
	// says it is handled). State, AnsweredBy, AnsweredAt, Counted, Joined
	// and Unreachable of r are not used. A request that waits for the
	// admins (r.Mode manual or "") is put in the notifications outbox of
	// the chat's subscribers; others are not, unless MarkUnreachable says
	// so later.
	AddJoinRequest(ctx context.Context, r JoinRequest) error
	// JoinRequest returns the user's request in the chat, whatever its
	// state. ErrNotFound if there is none.
	JoinRequest(ctx context.Context, chatID, userID int64) (JoinRequest, error)
	// PendingJoinRequests returns the chat's pending requests, oldest first.
	PendingJoinRequests(ctx context.Context, chatID int64) ([]JoinRequest, error)
	// AnswerJoinRequest records that the user's pending request in the chat
	// was answered: state (approved, declined or gone) by by at at (ending
	// its pending verification, if any, as VerifyHandled), and
	// returns the request as it is after, with changed set. An approval of
	// a request made through a link the bot made counts a join for that
	// link in the same transaction. A request that is no longer pending is
	// left as it is and returned with changed false. ErrNotFound if the
	// user has no request in the chat.
	AnswerJoinRequest(ctx context.Context, chatID, userID int64, state RequestState, by int64, at time.Time) (r JoinRequest, changed bool, err error)
	// RecordJoin records j, in one transaction, and reports whether a join
	// was counted:
	//   - a join through a link of the chat that the bot made counts one
	//     join for that link, once per (chat, user, link, At): the same
	//     update seen again counts nothing. A join through any other link,
	//     or through none, is not counted.
	//   - if the join follows the user's request through that link, which
	//     AnswerJoinRequest approved and counted already, it is that
	//     request's join and not counted again.
	//   - the user's pending request in the chat made before j.At is closed:
	//     approved by j.By at j.At when j.ViaRequest, gone otherwise.
	RecordJoin(ctx context.Context, j Join) (counted bool, err error)
}

// Replies say where a group's answers that show invite links go (/replies).
type Replies string

const (
	// RepliesPrivate: to the asking admin's private chat (the default).
	RepliesPrivate Replies = "private"
	// RepliesChat: to the group itself.
	RepliesChat Replies = "chat"
)

// ChatSettings are what the admins of a chat set for it. A zero field is
// the default.
type ChatSettings struct {
	ChatID int64
	// Language is the chat's language (/language), a code of the
	// catalogs such as "ru" or "pt-BR"; "" for the bot's default.
	Language string
	// Replies is where answers that show links go; "" is RepliesPrivate.
	Replies Replies
	// JoinMode is what happens to the chat's join requests (/joinmode);
	// "" is JoinManual. VerifyWait is how long a verification waits (0:
	// DefaultVerifyWait). Rules are shown to requesters in verify mode
	// (/rules; "" for none).
	JoinMode   JoinMode
	VerifyWait time.Duration
	Rules      string
	UpdatedBy  int64
	UpdatedAt  time.Time
}

// JoinMode is what happens to join requests (PRODUCT.md §6).
type JoinMode string

const (
	// JoinManual: requests wait for an admin (the default).
	JoinManual JoinMode = "manual"
	// JoinAuto: every request is approved at once.
	JoinAuto JoinMode = "auto"
	// JoinVerify: the requester is checked in private first.
	JoinVerify JoinMode = "verify"
	// JoinClosed: every request is declined at once (a chat's mode only).
	JoinClosed JoinMode = "closed"
)

// DefaultVerifyWait is how long a verification waits when the chat set no
// WAIT.
const DefaultVerifyWait = 10 * time.Minute

// Settings keeps each chat's settings.
type Settings interface {
	// ChatSettings returns the chat's settings; a chat that set nothing
	// has the zero settings (with ChatID), which is not an error.
	ChatSettings(ctx context.Context, chatID int64) (ChatSettings, error)
	// SaveChatSettings records s as the chat's settings, replacing the
	// earlier ones.
	SaveChatSettings(ctx context.Context, s ChatSettings) error
}

// Subscriber is an admin who asked for a private message per new join
// request of a chat (/notify on).
type Subscriber struct {
	ChatID int64
	UserID int64
	// Language is the language the admin reads, "" for the default.
	Language string
}

// NotificationState is where a notification stands.
type NotificationState string

const (
	NotificationPending    NotificationState = "pending"    // to be sent
	NotificationSent       NotificationState = "sent"       // sent as a message of its own
	NotificationSummarized NotificationState = "summarized" // counted in a summary instead
	NotificationDropped    NotificationState = "dropped"    // its request was answered first
)

// Notification is a private message to an admin about a join request.
type Notification struct {
	ID          int64
	ChatID      int64 // the chat of the request
	RequesterID int64
	RequestedAt time.Time
	AdminID     int64
	Language    string
	State       NotificationState
	MessageID   int // the message, once sent
	SentAt      time.Time
	// Outcome is the state the request ended in (approved, declined,
	// gone), "" while it is pending.
	Outcome RequestState
}

// Notifications keep who wants to hear of new join requests, and the
// outbox of those notifications. AddJoinRequest puts a pending
// notification for each subscriber of the chat in the outbox, in its own
// transaction; AnswerJoinRequest and RecordJoin, when they close a
// request, set its notifications' Outcome (and drop those not yet sent).
type Notifications interface {
	// SetNotify subscribes userID to chatID's join requests (on) or not.
	SetNotify(ctx context.Context, s Subscriber, on bool, at time.Time) error
	// Notifying tells whether userID is subscribed to chatID.
	Notifying(ctx context.Context, chatID, userID int64) (bool, error)
	// PendingNotifications are the notifications to send, oldest first.
	PendingNotifications(ctx context.Context) ([]Notification, error)
	// NotificationSent records that notification id went out as messageID.
	NotificationSent(ctx context.Context, id int64, messageID int, at time.Time) error
	// NotificationsSummarized records that the notifications ids went out
	// in one summary to adminID about chatID at at; none waits for a
	// summary any more.
	NotificationsSummarized(ctx context.Context, adminID, chatID int64, ids []int64, at time.Time) error
	// NotifyWindow tells how notifications to adminID about chatID stand:
	// how many went out as messages of their own since since, when the
	// last summary went out, and since when notifications wait for the
	// next one.
	NotifyWindow(ctx context.Context, adminID, chatID int64, since time.Time) (NotifyWindow, error)
	// WaitForSummary records that from at, notifications to adminID about
	// chatID wait for a summary (unless they did already).
	WaitForSummary(ctx context.Context, adminID, chatID int64, at time.Time) error
	// NotificationsToEdit are the sent notifications whose request has an
	// outcome their message does not show yet.
	NotificationsToEdit(ctx context.Context) ([]Notification, error)
	// NotificationEdited records that notification id's message shows its outcome.
	NotificationEdited(ctx context.Context, id int64) error
	// RequestNotifications are the sent notifications of a request (to
	// edit them all when it is answered).
	RequestNotifications(ctx context.Context, chatID, requesterID int64) ([]Notification, error)
}

// NotifyWindow is how notifications to one admin about one chat stand.
type NotifyWindow struct {
	// Singles went out as messages of their own in the window.
	Singles int
	// LastSummary is when the last summary went out; zero if none.
	LastSummary time.Time
	// BacklogSince is since when notifications wait for a summary; zero
	// if none waits.
	BacklogSince time.Time
}

// ButtonMessage is a message of the bot's with buttons, and what it shows:
// a press acts on what its message shows and on nothing else.
type ButtonMessage struct {
	ChatID    int64 // where the message is
	MessageID int
	// Kind says what the message is ("links", "requests", "request",
	// "confirm_revoke", ...).
	Kind string
	// TargetID is the chat the buttons act on.
	TargetID int64
	// Items are what the message shows: links' numbers, requesters' IDs.
	Items []int64
	// Title is the heading its text starts with (HTML), to show the new
	// state under it after a press.
	Title string
	// UserID is the only person whose press counts; 0: anyone who may act
	// on the target.
	UserID int64
	// ParentID is, for a confirmation, the message whose press it confirms.
	ParentID  int
	ExpiresAt time.Time // zero: never
	CreatedAt time.Time
}

// PendingCommand is a command that waits for its asker to open a private
// chat with the bot, named by the token of a deep link.
type PendingCommand struct {
	Token     string
	UserID    int64
	ChatID    int64
	Command   string
	Args      string
	CreatedAt time.Time
}

// Messages keep the bot's messages with buttons and the commands that
// wait for a private chat.
type Messages interface {
	// SaveButtonMessage records m, replacing an earlier record of the same message.
	SaveButtonMessage(ctx context.Context, m ButtonMessage) error
	// ButtonMessage returns the record of a message. ErrNotFound if none.
	ButtonMessage(ctx context.Context, chatID int64, messageID int) (ButtonMessage, error)
	// SavePendingCommand records c.
	SavePendingCommand(ctx context.Context, c PendingCommand) error
	// TakePendingCommand returns the command named token and forgets it,
	// in one transaction. ErrNotFound if there is none.
	TakePendingCommand(ctx context.Context, token string) (PendingCommand, error)
}

// PendingUpdate is an update received from Telegram and not yet fully
// handled, kept as the raw JSON it came in.
type PendingUpdate struct {
	ID  int64
	Raw []byte
}

// Updates is the journal that makes the update loop crash-safe: what was
// received is recorded before Telegram is told so, and what is handled is
// struck off, so that after a crash nothing handled is handled again and
// nothing received is lost.
type Updates interface {
	// PendingUpdates returns the highest update ID accounted for (0 if none)
	// and the updates received but not yet finished, in ID order.
	PendingUpdates(ctx context.Context) (last int64, pending []PendingUpdate, err error)
	// AcceptUpdates records, in one transaction, that every update up to
	// last was received, and keeps those of them that are still to be
	// handled. Updates at or below the recorded last are ignored.
	AcceptUpdates(ctx context.Context, last int64, keep []PendingUpdate) error
	// FinishUpdate strikes off a handled update. Finishing an update that is
	// not pending is not an error.
	FinishUpdate(ctx context.Context, id int64) error
	// PendingUpdatesAfter returns up to limit of the pending updates whose
	// ID is above after, in ID order: the loop reads back the updates it
	// left in the journal while its hands were full.
	PendingUpdatesAfter(ctx context.Context, after int64, limit int) ([]PendingUpdate, error)
}

// VerifyState is where a verification stands.
type VerifyState string

const (
	// VerifyPending: the check is out (or about to be), not yet answered.
	VerifyPending VerifyState = "pending"
	// VerifyPassed: the requester answered right; the request is approved.
	VerifyPassed VerifyState = "passed"
	// VerifyFailed: the requester answered wrong; the request is declined.
	VerifyFailed VerifyState = "failed"
	// VerifyTimedOut: no answer within the wait; the request is declined.
	VerifyTimedOut VerifyState = "timed_out"
	// VerifyUnreachable: the check could not be delivered; the request
	// waits for an admin.
	VerifyUnreachable VerifyState = "unreachable"
	// VerifyHandled: the request was answered otherwise (by an admin, or
	// withdrawn) before the check ended.
	VerifyHandled VerifyState = "handled"
)

// VerifyVia is how a requester is checked.
type VerifyVia string

const (
	// ViaMessage: a private message with four buttons.
	ViaMessage VerifyVia = "message"
	// ViaPage: the verification page, opened as a guard bot's Mini App.
	ViaPage VerifyVia = "page"
)

// Verification is the check of one join request in verify mode. It is
// keyed by the request: chat, user and the time of the request.
type Verification struct {
	ChatID      int64
	UserID      int64
	RequestedAt time.Time
	// UserChatID is the private chat the check goes to (the request's
	// user_chat_id).
	UserChatID int64
	// Language is the requester's (Telegram's language_code), "" if none.
	Language string
	// Answer is the right button, 0 to 3.
	Answer int
	// Token is the verification page's token, "" for none.
	Token string
	Via   VerifyVia
	// MessageID is the check's message, 0 while it is not sent.
	MessageID int
	// Deadline is when an unanswered check declines the request.
	Deadline time.Time
	State    VerifyState
	// EndedAt is zero while the verification is pending.
	EndedAt time.Time
}

// Complete checks that v can be stored as a new check, and sets what it
// leaves to its default: Via is ViaMessage when empty.
func (v *Verification) Complete() error {
	switch {
	case v.RequestedAt.Unix() <= 0:
		return errors.New("no request time")
	case v.Deadline.Unix() <= 0:
		return errors.New("no deadline")
	case v.Answer < 0 || v.Answer > 3:
		return fmt.Errorf("answer %d is not a button", v.Answer)
	}
	if v.Via == "" {
		v.Via = ViaMessage
	}
	return nil
}

// Verifications keeps the checks of requesters (verify mode), so that a
// pending check survives a restart.
type Verifications interface {
	// AddVerification stores v as pending, unless its request has a
	// verification already, and returns the stored one with added set
	// when it is v. State, MessageID and EndedAt of v are not used.
	AddVerification(ctx context.Context, v Verification) (stored Verification, added bool, err error)
	// Verification returns the verification of the user's current request
	// in the chat. ErrNotFound if there is none.
	Verification(ctx context.Context, chatID, userID int64) (Verification, error)
	// VerificationByToken returns the verification with that page token.
	// ErrNotFound if there is none.
	VerificationByToken(ctx context.Context, token string) (Verification, error)
	// UnsentVerifications returns up to limit pending checks by message
	// not yet sent, oldest request first.
	UnsentVerifications(ctx context.Context, limit int) ([]Verification, error)
	// VerificationSent records the message of a check.
	VerificationSent(ctx context.Context, v Verification, messageID int) error
	// VerifyByMessage makes v's check one by message (ViaMessage) that
	// is not yet sent: the page could not be shown. Its token stays good.
	VerifyByMessage(ctx context.Context, v Verification) error
	// DueVerifications returns up to limit pending verifications whose
	// deadline is at or before now, earliest first.
	DueVerifications(ctx context.Context, now time.Time, limit int) ([]Verification, error)
	// UnsettledVerifications returns up to limit verifications that ended
	// passed, failed or timed out while their request is still pending
	// (the answer to Telegram that follows was cut off: a crash, Telegram
	// unreachable), earliest ended first.
	UnsettledVerifications(ctx context.Context, limit int) ([]Verification, error)
	// NextVerificationDeadline returns the earliest deadline of a pending
	// verification; zero if there is none.
	NextVerificationDeadline(ctx context.Context) (time.Time, error)
	// EndVerification moves v's verification from pending to state at at,
	// and returns it as it is after, with ended set. One that is no longer
	// pending is left as it is (ended false): of two ways to end it, one
	// wins. VerifyUnreachable also marks the request unreachable and puts
	// it in the notifications outbox, in the same transaction.
	// ErrNotFound if there is no such verification.
	EndVerification(ctx context.Context, v Verification, state VerifyState, at time.Time) (after Verification, ended bool, err error)
}
