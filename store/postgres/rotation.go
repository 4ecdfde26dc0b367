package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/internal/sqlrow"
)

var _ store.Rotations = (*DB)(nil)

// SetAutorotate sets or removes the chat's schedule, and records it.
func (db *DB) SetAutorotate(ctx context.Context, chatID int64, every time.Duration, next time.Time, by int64, at time.Time) error {
	const op = "set autorotate"
	if at.Unix() <= 0 || (every > 0 && next.Unix() <= 0) {
		return fmt.Errorf("%s: no time", op)
	}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, chatID)
		if err != nil {
			return err
		}
		// Locked, row or no row: the record says what changed.
		if err := lockChatSettings(ctx, tx, chatID); err != nil {
			return err
		}
		var before int64
		if err := tx.QueryRow(ctx, `SELECT every FROM autorotate WHERE chat_id = $1`, chatID).Scan(&before); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if every <= 0 {
			_, err = tx.Exec(ctx, `DELETE FROM autorotate WHERE chat_id = $1`, chatID)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO autorotate (chat_id, every, next_at, set_by, set_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (chat_id) DO UPDATE SET every = excluded.every, next_at = excluded.next_at,
					set_by = excluded.set_by, set_at = excluded.set_at`,
				chatID, int64(every/time.Second), next.Unix(), by, at.Unix())
		}
		if err != nil {
			return err
		}
		if time.Duration(before)*time.Second != max(every, 0) {
			return recordAction(ctx, tx, store.Action{ChatID: chatID, At: at, By: by, Kind: store.ActionSettingChanged,
				Details: "autorotate=" + store.EveryText(every)})
		}
		return nil
	})
	return storeError(op, err)
}

// Autorotate returns the chat's schedule.
func (db *DB) Autorotate(ctx context.Context, chatID int64) (store.Schedule, error) {
	const op = "autorotate"
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return store.Schedule{}, storeError(op, err)
	}
	s, err := sqlrow.Schedule(db.pool.QueryRow(ctx, `SELECT `+sqlrow.ScheduleColumns+` FROM autorotate WHERE chat_id = $1`, chatID))
	return s, storeError(op, err)
}

// DueSchedules returns the schedules due at now.
func (db *DB) DueSchedules(ctx context.Context, now time.Time) ([]store.Schedule, error) {
	const op = "due schedules"
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.ScheduleColumns+` FROM autorotate WHERE next_at <= $1 ORDER BY next_at, chat_id`, now.Unix())
	if err != nil {
		return nil, storeError(op, err)
	}
	out, err := collect(rows, sqlrow.Schedule)
	return out, storeError(op, err)
}

// NextSlot is the earliest next slot of all schedules.
func (db *DB) NextSlot(ctx context.Context) (time.Time, error) {
	var next *int64
	if err := db.pool.QueryRow(ctx, `SELECT MIN(next_at) FROM autorotate`).Scan(&next); err != nil {
		return time.Time{}, storeError("next slot", err)
	}
	if next == nil {
		return time.Time{}, nil
	}
	return sqlrow.FromUnix(*next), nil
}

// StartRotation starts the rotation of a slot and moves the schedule on.
func (db *DB) StartRotation(ctx context.Context, chatID int64, slot, at time.Time, previous string) (bool, error) {
	var started bool
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		started = false
		chatID, err := writeChat(ctx, tx, chatID)
		if err != nil {
			return err
		}
		// Locked: of two starts of the slot, the second waits and finds
		// the schedule moved on.
		var every int64
		err = tx.QueryRow(ctx, `SELECT every FROM autorotate WHERE chat_id = $1 AND next_at = $2 FOR UPDATE`, chatID, slot.Unix()).Scan(&every)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO rotations (chat_id, slot, started_at, previous) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, chatID, slot.Unix(), at.Unix(), previous)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		// The first slot after at: the slots missed meanwhile are this one.
		next := slot.Unix() + every
		if now := at.Unix(); next <= now {
			next += ((now-next)/every + 1) * every
		}
		if _, err := tx.Exec(ctx, `UPDATE autorotate SET next_at = $1 WHERE chat_id = $2`, next, chatID); err != nil {
			return err
		}
		started = true
		return nil
	})
	if err != nil {
		return false, storeError("start rotation", err)
	}
	return started, nil
}

// FinishRotation stores the slot's new primary link and marks it done.
func (db *DB) FinishRotation(ctx context.Context, chatID int64, slot time.Time, url string, at time.Time) (store.Link, error) {
	const op = "finish rotation"
	var added store.Link
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, chatID)
		if err != nil {
			return err
		}
		ctx := store.WithCause(ctx, store.Cause{Via: store.ViaSchedule})
		if added, _, err = addLink(ctx, tx, store.NewLink{ChatID: chatID, URL: url, Primary: true, CreatedAt: at}); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE rotations SET done_at = $1, link = $2 WHERE chat_id = $3 AND slot = $4 AND done_at = 0`,
			at.Unix(), added.Number, chatID, slot.Unix())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("no rotation of %d at %v in progress", chatID, slot)
		}
		return nil
	})
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	return added, nil
}

// RotationNotified records that the admins were told of a slot's link.
func (db *DB) RotationNotified(ctx context.Context, chatID int64, slot time.Time) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, chatID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE rotations SET notified = true WHERE chat_id = $1 AND slot = $2`, chatID, slot.Unix())
		return err
	})
	return storeError("rotation notified", err)
}

// OpenRotations are the rotations not done, or done and not told.
func (db *DB) OpenRotations(ctx context.Context) ([]store.Rotation, error) {
	const op = "open rotations"
	rows, err := db.pool.Query(ctx, `SELECT chat_id, slot, started_at, previous, done_at, link, notified FROM rotations
		WHERE done_at = 0 OR NOT notified ORDER BY slot, chat_id`)
	if err != nil {
		return nil, storeError(op, err)
	}
	out, err := collect(rows, func(row scanner) (store.Rotation, error) {
		var (
			r                   store.Rotation
			slot, started, done int64
		)
		if err := row.Scan(&r.ChatID, &slot, &started, &r.Previous, &done, &r.Link, &r.Notified); err != nil {
			return r, err
		}
		r.Slot, r.StartedAt, r.DoneAt = sqlrow.FromUnix(slot), sqlrow.FromUnix(started), sqlrow.FromUnix(done)
		return r, nil
	})
	return out, storeError(op, err)
}

// Subscribers are the admins subscribed to the chat's news.
func (db *DB) Subscribers(ctx context.Context, chatID int64) ([]store.Subscriber, error) {
	const op = "subscribers"
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	rows, err := db.pool.Query(ctx, `SELECT chat_id, user_id, language FROM notify_subscriptions WHERE chat_id = $1 ORDER BY user_id`, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	out, err := collect(rows, func(row scanner) (store.Subscriber, error) {
		var s store.Subscriber
		err := row.Scan(&s.ChatID, &s.UserID, &s.Language)
		return s, err
	})
	return out, storeError(op, err)
}
