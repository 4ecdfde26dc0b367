// Package store holds invitebot's records, the errors its store methods return,
// and the interfaces that a store implements. It knows nothing of Telegram:
// the SQLite implementation lives in store/sqlite.
package store

import (
	"context"
	"errors"
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
}

// LinkChange is an edit of a link. Nil fields are left as they are; a
// pointer to the zero value clears the field (no name, no expiry, no limit,
// no join requests).
type LinkChange struct {
	Name        *string
	ExpiresAt   *time.Time
	MemberLimit *int
	JoinRequest *bool
	EditedBy    int64
	EditedAt    time.Time
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
	// transaction: a group upgraded to a supergroup gets a new ID. Links keep
	// their numbers; if the new chat has links already, the moved ones are
	// numbered after them. Moving a chat with no records is not an error.
	MoveChat(ctx context.Context, from, to int64) error
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
}
