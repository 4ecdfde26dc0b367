package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// RotateStore is what /autorotate and its rotator need of the store.
type RotateStore interface {
	SetAutorotate(ctx context.Context, chatID int64, every time.Duration, next time.Time, by int64, at time.Time) error
	Autorotate(ctx context.Context, chatID int64) (store.Schedule, error)
	DueSchedules(ctx context.Context, now time.Time) ([]store.Schedule, error)
	NextSlot(ctx context.Context) (time.Time, error)
	StartRotation(ctx context.Context, chatID int64, slot, at time.Time, previous string) (bool, error)
	FinishRotation(ctx context.Context, chatID int64, slot time.Time, url string, at time.Time) (store.Link, error)
	RotationNotified(ctx context.Context, chatID int64, slot time.Time) error
	OpenRotations(ctx context.Context) ([]store.Rotation, error)
	Subscribers(ctx context.Context, chatID int64) ([]store.Subscriber, error)
	LinkByURL(ctx context.Context, chatID int64, url string) (store.Link, error)
	Link(ctx context.Context, chatID, number int64) (store.Link, error)
	Chat(ctx context.Context, id int64) (store.Chat, error)
}

// RotateTelegram is what the rotator asks of Telegram; *bot.Client does.
type RotateTelegram interface {
	ExportLink(ctx context.Context, chatID int64) (string, error)
	PrimaryLink(ctx context.Context, chatID int64) (string, error)
	Send(ctx context.Context, m bot.Outgoing) (int, error)
}

// The bounds of /autorotate EVERY.
const (
	minEvery = time.Hour
	maxEvery = 30 * 24 * time.Hour
)

// Rotator rotates the chats' primary links on their schedules
// (/autorotate), from the store: a slot is started in the store before
// Telegram is asked, and finished in the transaction that stores the new
// link, so that one slot never rotates twice, even across a crash; a slot
// that fell due while the bot was down runs once when it is back. Timers
// only wake it: what is due is in the store.
type Rotator struct {
	*Deps
	worker
	store RotateStore
	tg    RotateTelegram
}

// NewRotator makes /autorotate and the rotator.
func NewRotator(d *Deps, st RotateStore, tg RotateTelegram) *Rotator {
	return &Rotator{Deps: d, worker: newWorker(rotateCheckEvery), store: st, tg: tg}
}

// rotateCheckEvery bounds the rotator's sleep: a clock that jumps is
// caught up with within it.
const rotateCheckEvery = time.Minute

// Run rotates what falls due until ctx ends (Wake: look at the schedules
// again).
func (r *Rotator) Run(ctx context.Context) {
	r.loop(ctx, r.now, "rotating primary links", func(ctx context.Context) (time.Time, error) {
		if err := r.process(ctx); err != nil {
			return time.Time{}, err
		}
		next, err := r.store.NextSlot(ctx)
		if err != nil {
			return time.Time{}, nil // the next round looks again
		}
		return next, nil
	})
}

// process completes the rotations a crash cut off, then rotates what is due.
func (r *Rotator) process(ctx context.Context) error {
	open, err := r.store.OpenRotations(ctx)
	if err != nil {
		return fmt.Errorf("open rotations: %w", err)
	}
	for _, rot := range open {
		if rot.DoneAt.IsZero() {
			if err := r.complete(ctx, rot); err != nil {
				return err
			}
		}
		if err := r.tell(ctx, rot.ChatID, rot.Slot); err != nil {
			return err
		}
	}
	due, err := r.store.DueSchedules(ctx, r.now())
	if err != nil {
		return fmt.Errorf("due schedules: %w", err)
	}
	for _, s := range due {
		// What Telegram has before: after a crash, a primary link other
		// than this one is the one the rotation made.
		previous, err := r.tg.PrimaryLink(ctx, s.ChatID)
		if err != nil {
			if err := r.failed(ctx, s.ChatID, s.Next, err); err != nil {
				return err
			}
			continue
		}
		ok, err := r.store.StartRotation(ctx, s.ChatID, s.Next, r.now(), previous)
		if err != nil {
			return fmt.Errorf("start rotation: %w", err)
		}
		if !ok {
			continue
		}
		if err := r.rotate(ctx, s.ChatID, s.Next); err != nil {
			return err
		}
		if err := r.tell(ctx, s.ChatID, s.Next); err != nil {
			return err
		}
	}
	return nil
}

// complete finishes a rotation that was started and cut off: if Telegram's
// primary link is no longer the one it had when the rotation started, the
// cut-off call made it, and it is the slot's; otherwise the call did not
// happen, and is made now. (Only the bot's own calls change its primary
// link.)
func (r *Rotator) complete(ctx context.Context, rot store.Rotation) error {
	url, err := r.tg.PrimaryLink(ctx, rot.ChatID)
	if err != nil {
		return r.failed(ctx, rot.ChatID, rot.Slot, err)
	}
	if url == "" || url == rot.Previous {
		return r.rotate(ctx, rot.ChatID, rot.Slot)
	}
	if _, err := r.store.LinkByURL(ctx, rot.ChatID, url); err == nil {
		// Stored already: not the slot's (a /refreshlink since, say).
		return r.rotate(ctx, rot.ChatID, rot.Slot)
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("link by URL: %w", err)
	}
	zerolog.Ctx(ctx).Info().Int64("chat_id", rot.ChatID).Msg("a rotation cut off by a stop had made its link: keeping it")
	if _, err := r.store.FinishRotation(ctx, rot.ChatID, rot.Slot, url, r.now()); err != nil {
		return fmt.Errorf("finish rotation: %w", err)
	}
	if r.Changed != nil {
		r.Changed()
	}
	return nil
}

// rotate makes the slot's new primary link and stores it.
func (r *Rotator) rotate(ctx context.Context, chatID int64, slot time.Time) error {
	url, err := r.tg.ExportLink(ctx, chatID)
	if err != nil {
		return r.failed(ctx, chatID, slot, err)
	}
	if _, err := r.store.FinishRotation(ctx, chatID, slot, url, r.now()); err != nil {
		return fmt.Errorf("finish rotation: %w", err)
	}
	zerolog.Ctx(ctx).Info().Int64("chat_id", chatID).Time("slot", slot).Msg("primary link rotated on schedule")
	if r.Changed != nil {
		r.Changed() // the record has news for the log chat
	}
	return nil
}

// failed deals with Telegram's refusal of a rotation: a chat where the
// bot may no longer rotate keeps the slot open, to be tried again (the
// failure is logged); anything else is an error of the round.
func (r *Rotator) failed(ctx context.Context, chatID int64, slot time.Time, err error) error {
	if errors.Is(err, bot.ErrNoRights) || errors.Is(err, bot.ErrChatNotFound) || errors.Is(err, bot.ErrRefused) {
		zerolog.Ctx(ctx).Warn().Err(err).Int64("chat_id", chatID).Time("slot", slot).
			Msg("Telegram refused a scheduled rotation; the slot stays open and is tried again")
		return nil
	}
	return fmt.Errorf("rotate %d: %w", chatID, err)
}

// tell sends a done rotation's new link to the admins of the chat who
// asked (/notify on), once. (The log chat, if any, gets it from the
// record.)
func (r *Rotator) tell(ctx context.Context, chatID int64, slot time.Time) error {
	open, err := r.store.OpenRotations(ctx)
	if err != nil {
		return fmt.Errorf("open rotations: %w", err)
	}
	var rot *store.Rotation
	for i := range open {
		if open[i].ChatID == chatID && open[i].Slot.Equal(slot) && !open[i].DoneAt.IsZero() {
			rot = &open[i]
		}
	}
	if rot == nil {
		return nil
	}
	link, err := r.store.Link(ctx, chatID, rot.Link)
	if err != nil {
		return fmt.Errorf("link #%d: %w", rot.Link, err)
	}
	title := ""
	if c, err := r.store.Chat(ctx, chatID); err == nil {
		title = c.Title
	}
	subs, err := r.store.Subscribers(ctx, chatID)
	if err != nil {
		return fmt.Errorf("subscribers: %w", err)
	}
	for _, s := range subs {
		p := r.Text.For(s.Language)
		_, err := r.tg.Send(ctx, bot.Outgoing{ChatID: s.UserID, Text: p.S("autorotate.rotated", "Chat", title,
			"Link", text.HTML(describeLink(p, link, r.now())))})
		if err != nil && !errors.Is(err, bot.ErrBlocked) {
			return err
		}
	}
	if err := r.store.RotationNotified(ctx, chatID, slot); err != nil {
		return fmt.Errorf("rotation notified: %w", err)
	}
	return nil
}

// Autorotate (/autorotate [EVERY|off]) shows or sets the schedule on which
// the chat's primary link is rotated: every EVERY (1h to 30d), the first
// time EVERY from now.
func (r *Rotator) Autorotate(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	a := strings.ToLower(strings.TrimSpace(args(u)))
	switch {
	case a == "":
		s, err := r.store.Autorotate(ctx, chat.ID)
		if errors.Is(err, store.ErrNotFound) {
			return r.say(ctx, u, text.M("autorotate.is_off", "Chat", chatName(u)))
		}
		if err != nil {
			return fmt.Errorf("autorotate: %w", err)
		}
		return r.say(ctx, u, text.M("autorotate.is_on", "Chat", chatName(u), "Every", store.EveryText(s.Every), "Next", s.Next))
	case a == "off":
		if err := r.store.SetAutorotate(ctx, chat.ID, 0, time.Time{}, actor.ID, r.now()); err != nil {
			return fmt.Errorf("set autorotate: %w", err)
		}
		return r.say(ctx, u, text.M("autorotate.off", "Chat", chatName(u)))
	}
	every, ok := parseDuration(a)
	if !ok || every < minEvery || every > maxEvery || strings.ContainsRune(a, ' ') {
		return text.Err(text.Invalid, "autorotate.usage")
	}
	next := r.now().Add(every).Truncate(time.Second)
	if err := r.store.SetAutorotate(ctx, chat.ID, every, next, actor.ID, r.now()); err != nil {
		return fmt.Errorf("set autorotate: %w", err)
	}
	r.Wake()
	return r.say(ctx, u, text.M("autorotate.set", "Chat", chatName(u), "Every", store.EveryText(every), "Next", next))
}
