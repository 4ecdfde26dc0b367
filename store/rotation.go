package store

import (
	"context"
	"time"
)

// Schedule is a chat's schedule of primary link rotations (/autorotate).
type Schedule struct {
	ChatID int64
	Every  time.Duration
	// Next is the next slot: when the next rotation falls due.
	Next  time.Time
	SetBy int64
	SetAt time.Time
}

// Rotation is the rotation of one slot of a schedule. It is started
// before Telegram is asked for the new link, and done in the transaction
// that stores it, so that a slot never rotates twice: a rotation started
// and not done was cut off, and is completed from what Telegram says the
// chat's primary link is, not by rotating again.
type Rotation struct {
	ChatID    int64
	Slot      time.Time
	StartedAt time.Time
	// Previous is the chat's primary link as Telegram told it just before
	// the rotation started ("" if none): a primary link other than it, after
	// a crash, is the one the rotation made.
	Previous string
	// Link is the new primary link's #N once done (DoneAt not zero).
	DoneAt time.Time
	Link   int64
	// Notified: the admins who asked (/notify on) were told.
	Notified bool
}

// Rotations keep the schedules and their rotations.
type Rotations interface {
	// SetAutorotate sets the chat's schedule to rotate every every, the
	// first time at next; every 0 removes it. It records the change.
	SetAutorotate(ctx context.Context, chatID int64, every time.Duration, next time.Time, by int64, at time.Time) error
	// Autorotate returns the chat's schedule. ErrNotFound if it has none.
	Autorotate(ctx context.Context, chatID int64) (Schedule, error)
	// DueSchedules returns the schedules whose next slot is at or before now.
	DueSchedules(ctx context.Context, now time.Time) ([]Schedule, error)
	// NextSlot is the earliest next slot of all schedules; zero if none.
	NextSlot(ctx context.Context) (time.Time, error)
	// StartRotation starts the rotation of the chat's slot, at at, with
	// previous the chat's primary link Telegram tells before it, and moves the schedule's next slot to its first slot after at: slots
	// missed while the bot was down are one rotation, not several. It
	// reports false, changing nothing, when the slot was started before or
	// is no longer the schedule's next.
	StartRotation(ctx context.Context, chatID int64, slot, at time.Time, previous string) (bool, error)
	// FinishRotation stores url as the chat's new primary link (AddLink's
	// way, recorded as the schedule's) and marks the slot's rotation done
	// with it, in one transaction.
	FinishRotation(ctx context.Context, chatID int64, slot time.Time, url string, at time.Time) (Link, error)
	// RotationNotified records that the admins were told of the slot's link.
	RotationNotified(ctx context.Context, chatID int64, slot time.Time) error
	// OpenRotations are the rotations started and not done, or done and
	// not yet told, oldest first.
	OpenRotations(ctx context.Context) ([]Rotation, error)
	// Subscribers are the admins who asked to hear of the chat (/notify on).
	Subscribers(ctx context.Context, chatID int64) ([]Subscriber, error)
}
