package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/invitebot/invitebot/store"
)

var _ store.Updates = (*DB)(nil)

// PendingUpdates returns the highest update ID accounted for and the
// updates received but not yet finished, in ID order.
func (db *DB) PendingUpdates(ctx context.Context) (int64, []store.PendingUpdate, error) {
	const op = "pending updates"
	var (
		last    int64
		pending []store.PendingUpdate
	)
	// One snapshot for both: the mark and the updates under it.
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE((SELECT value FROM state WHERE key = 'last_update_id'), 0)`).Scan(&last); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT update_id, raw FROM updates ORDER BY update_id`)
		if err != nil {
			return err
		}
		pending, err = collect(rows, scanUpdate)
		return err
	})
	if err != nil {
		return 0, nil, storeError(op, err)
	}
	return last, pending, nil
}

// AcceptUpdates records that every update up to last was received and keeps
// those of keep above the previously recorded last, in one transaction.
func (db *DB) AcceptUpdates(ctx context.Context, last int64, keep []store.PendingUpdate) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		// Locked: two batches accepted at once go one after the other.
		var prev int64
		if err := tx.QueryRow(ctx, `SELECT value FROM state WHERE key = 'last_update_id' FOR UPDATE`).Scan(&prev); err != nil {
			return err
		}
		now := time.Now().Unix()
		for _, u := range keep {
			if u.ID <= prev || u.ID > last {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO updates (update_id, raw, received_at) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, u.ID, u.Raw, now); err != nil {
				return err
			}
		}
		if last > prev {
			if _, err := tx.Exec(ctx, `UPDATE state SET value = $1 WHERE key = 'last_update_id'`, last); err != nil {
				return err
			}
		}
		return nil
	})
	return storeError("accept updates", err)
}

// FinishUpdate strikes off a handled update.
func (db *DB) FinishUpdate(ctx context.Context, id int64) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM updates WHERE update_id = $1`, id)
	return storeError("finish update", err)
}

// PendingUpdatesAfter returns up to limit pending updates above after.
func (db *DB) PendingUpdatesAfter(ctx context.Context, after int64, limit int) ([]store.PendingUpdate, error) {
	const op = "pending updates after"
	rows, err := db.pool.Query(ctx, `SELECT update_id, raw FROM updates WHERE update_id > $1 ORDER BY update_id LIMIT $2`, after, limit)
	if err != nil {
		return nil, storeError(op, err)
	}
	pending, err := collect(rows, scanUpdate)
	return pending, storeError(op, err)
}

func scanUpdate(row scanner) (store.PendingUpdate, error) {
	var u store.PendingUpdate
	err := row.Scan(&u.ID, &u.Raw)
	return u, err
}
