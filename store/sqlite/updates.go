package sqlite

import (
	"context"
	"time"

	"github.com/invitebot/invitebot/store"
)

var _ store.Updates = (*DB)(nil)

// PendingUpdates returns the highest update ID accounted for and the
// updates received but not yet finished, in ID order.
func (db *DB) PendingUpdates(ctx context.Context) (int64, []store.PendingUpdate, error) {
	const op = "pending updates"
	var last int64
	err := db.db.QueryRowContext(ctx, `SELECT COALESCE((SELECT value FROM state WHERE key = 'last_update_id'), 0)`).Scan(&last)
	if err != nil {
		return 0, nil, storeError(op, err)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT update_id, raw FROM updates ORDER BY update_id`)
	if err != nil {
		return 0, nil, storeError(op, err)
	}
	defer rows.Close()
	var pending []store.PendingUpdate
	for rows.Next() {
		var u store.PendingUpdate
		if err := rows.Scan(&u.ID, &u.Raw); err != nil {
			return 0, nil, storeError(op, err)
		}
		pending = append(pending, u)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, storeError(op, err)
	}
	return last, pending, nil
}

// AcceptUpdates records that every update up to last was received and keeps
// those of keep above the previously recorded last, in one transaction.
func (db *DB) AcceptUpdates(ctx context.Context, last int64, keep []store.PendingUpdate) error {
	const op = "accept updates"
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return storeError(op, err)
	}
	defer tx.Rollback()
	var prev int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT value FROM state WHERE key = 'last_update_id'), 0)`).Scan(&prev); err != nil {
		return storeError(op, err)
	}
	now := time.Now().Unix()
	for _, u := range keep {
		if u.ID <= prev || u.ID > last {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO updates (update_id, raw, received_at) VALUES (?, ?, ?)`, u.ID, u.Raw, now); err != nil {
			return storeError(op, err)
		}
	}
	if last > prev {
		if _, err := tx.ExecContext(ctx, `INSERT INTO state (key, value) VALUES ('last_update_id', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, last); err != nil {
			return storeError(op, err)
		}
	}
	return storeError(op, tx.Commit())
}

// FinishUpdate strikes off a handled update.
func (db *DB) FinishUpdate(ctx context.Context, id int64) error {
	_, err := db.db.ExecContext(ctx, `DELETE FROM updates WHERE update_id = ?`, id)
	if err != nil {
		return storeError("finish update", err)
	}
	return nil
}

// PendingUpdatesAfter returns up to limit pending updates above after.
func (db *DB) PendingUpdatesAfter(ctx context.Context, after int64, limit int) ([]store.PendingUpdate, error) {
	const op = "pending updates after"
	rows, err := db.db.QueryContext(ctx, `SELECT update_id, raw FROM updates WHERE update_id > ? ORDER BY update_id LIMIT ?`, after, limit)
	if err != nil {
		return nil, storeError(op, err)
	}
	defer rows.Close()
	var pending []store.PendingUpdate
	for rows.Next() {
		var u store.PendingUpdate
		if err := rows.Scan(&u.ID, &u.Raw); err != nil {
			return nil, storeError(op, err)
		}
		pending = append(pending, u)
	}
	return pending, storeError(op, rows.Err())
}
