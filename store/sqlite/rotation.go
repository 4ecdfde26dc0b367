package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return storeError(op, err)
	}
	defer tx.Rollback()
	if chatID, err = currentChat(ctx, tx, chatID); err != nil {
		return storeError(op, err)
	}
	var before int64
	if err := tx.QueryRowContext(ctx, `SELECT every FROM autorotate WHERE chat_id = ?`, chatID).Scan(&before); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return storeError(op, err)
	}
	if every <= 0 {
		_, err = tx.ExecContext(ctx, `DELETE FROM autorotate WHERE chat_id = ?`, chatID)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO autorotate (chat_id, every, next_at, set_by, set_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (chat_id) DO UPDATE SET every = excluded.every, next_at = excluded.next_at,
				set_by = excluded.set_by, set_at = excluded.set_at`,
			chatID, int64(every/time.Second), next.Unix(), by, at.Unix())
	}
	if err != nil {
		return storeError(op, err)
	}
	if time.Duration(before)*time.Second != max(every, 0) {
		if err := recordAction(ctx, tx, store.Action{ChatID: chatID, At: at, By: by, Kind: store.ActionSettingChanged,
			Details: "autorotate=" + store.EveryText(every)}); err != nil {
			return storeError(op, err)
		}
	}
	return storeError(op, tx.Commit())
}

// Autorotate returns the chat's schedule.
func (db *DB) Autorotate(ctx context.Context, chatID int64) (store.Schedule, error) {
	const op = "autorotate"
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return store.Schedule{}, storeError(op, err)
	}
	s, err := sqlrow.Schedule(db.db.QueryRowContext(ctx, `SELECT `+sqlrow.ScheduleColumns+` FROM autorotate WHERE chat_id = ?`, chatID))
	return s, storeError(op, err)
}

// DueSchedules returns the schedules due at now.
func (db *DB) DueSchedules(ctx context.Context, now time.Time) ([]store.Schedule, error) {
	const op = "due schedules"
	rows, err := db.db.QueryContext(ctx, `SELECT `+sqlrow.ScheduleColumns+` FROM autorotate WHERE next_at <= ? ORDER BY next_at, chat_id`, now.Unix())
	if err != nil {
		return nil, storeError(op, err)
	}
	defer rows.Close()
	var out []store.Schedule
	for rows.Next() {
		s, err := sqlrow.Schedule(rows)
		if err != nil {
			return nil, storeError(op, err)
		}
		out = append(out, s)
	}
	return out, storeError(op, rows.Err())
}

// NextSlot is the earliest next slot of all schedules.
func (db *DB) NextSlot(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	if err := db.db.QueryRowContext(ctx, `SELECT MIN(next_at) FROM autorotate`).Scan(&next); err != nil {
		return time.Time{}, storeError("next slot", err)
	}
	if !next.Valid {
		return time.Time{}, nil
	}
	return sqlrow.FromUnix(next.Int64), nil
}

// StartRotation starts the rotation of a slot and moves the schedule on.
func (db *DB) StartRotation(ctx context.Context, chatID int64, slot, at time.Time, previous string) (bool, error) {
	const op = "start rotation"
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, storeError(op, err)
	}
	defer tx.Rollback()
	if chatID, err = currentChat(ctx, tx, chatID); err != nil {
		return false, storeError(op, err)
	}
	var every int64
	err = tx.QueryRowContext(ctx, `SELECT every FROM autorotate WHERE chat_id = ? AND next_at = ?`, chatID, slot.Unix()).Scan(&every)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, storeError(op, err)
	}
	res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO rotations (chat_id, slot, started_at, previous) VALUES (?, ?, ?, ?)`,
		chatID, slot.Unix(), at.Unix(), previous)
	if err != nil {
		return false, storeError(op, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, storeError(op, err)
	}
	// The first slot after at: the slots missed meanwhile are this one.
	next := slot.Unix() + every
	if now := at.Unix(); next <= now {
		next += ((now-next)/every + 1) * every
	}
	if _, err := tx.ExecContext(ctx, `UPDATE autorotate SET next_at = ? WHERE chat_id = ?`, next, chatID); err != nil {
		return false, storeError(op, err)
	}
	return true, storeError(op, tx.Commit())
}

// FinishRotation stores the slot's new primary link and marks it done.
func (db *DB) FinishRotation(ctx context.Context, chatID int64, slot time.Time, url string, at time.Time) (store.Link, error) {
	const op = "finish rotation"
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	defer tx.Rollback()
	if chatID, err = currentChat(ctx, tx, chatID); err != nil {
		return store.Link{}, storeError(op, err)
	}
	ctx = store.WithCause(ctx, store.Cause{Via: store.ViaSchedule})
	added, _, err := addLink(ctx, tx, store.NewLink{ChatID: chatID, URL: url, Primary: true, CreatedAt: at})
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE rotations SET done_at = ?, link = ? WHERE chat_id = ? AND slot = ? AND done_at = 0`,
		at.Unix(), added.Number, chatID, slot.Unix())
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return store.Link{}, storeError(op, err)
	} else if n == 0 {
		return store.Link{}, fmt.Errorf("%s: no rotation of %d at %v in progress", op, chatID, slot)
	}
	return added, storeError(op, tx.Commit())
}

// RotationNotified records that the admins were told of a slot's link.
func (db *DB) RotationNotified(ctx context.Context, chatID int64, slot time.Time) error {
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return storeError("rotation notified", err)
	}
	_, err = db.db.ExecContext(ctx, `UPDATE rotations SET notified = 1 WHERE chat_id = ? AND slot = ?`, chatID, slot.Unix())
	return storeError("rotation notified", err)
}

// OpenRotations are the rotations not done, or done and not told.
func (db *DB) OpenRotations(ctx context.Context) ([]store.Rotation, error) {
	const op = "open rotations"
	rows, err := db.db.QueryContext(ctx, `SELECT chat_id, slot, started_at, previous, done_at, link, notified FROM rotations
		WHERE done_at = 0 OR notified = 0 ORDER BY slot, chat_id`)
	if err != nil {
		return nil, storeError(op, err)
	}
	defer rows.Close()
	var out []store.Rotation
	for rows.Next() {
		var (
			r                   store.Rotation
			slot, started, done int64
		)
		if err := rows.Scan(&r.ChatID, &slot, &started, &r.Previous, &done, &r.Link, &r.Notified); err != nil {
			return nil, storeError(op, err)
		}
		r.Slot, r.StartedAt, r.DoneAt = sqlrow.FromUnix(slot), sqlrow.FromUnix(started), sqlrow.FromUnix(done)
		out = append(out, r)
	}
	return out, storeError(op, rows.Err())
}

// Subscribers are the admins subscribed to the chat's news.
func (db *DB) Subscribers(ctx context.Context, chatID int64) ([]store.Subscriber, error) {
	const op = "subscribers"
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT chat_id, user_id, language FROM notify_subscriptions WHERE chat_id = ? ORDER BY user_id`, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	defer rows.Close()
	var out []store.Subscriber
	for rows.Next() {
		var s store.Subscriber
		if err := rows.Scan(&s.ChatID, &s.UserID, &s.Language); err != nil {
			return nil, storeError(op, err)
		}
		out = append(out, s)
	}
	return out, storeError(op, rows.Err())
}
