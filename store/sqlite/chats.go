package sqlite

import (
	"context"
	"database/sql"
)

// MoveChat moves every record of chat from to chat to, in one transaction.
func (db *DB) MoveChat(ctx context.Context, from, to int64) error {
	const op = "move chat"
	if from == to {
		return nil
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return storeError(op, err)
	}
	defer tx.Rollback()
	for _, move := range chatMovers {
		if err := move(ctx, tx, from, to); err != nil {
			return storeError(op, err)
		}
	}
	return storeError(op, tx.Commit())
}

// chatMovers move one table's records of a chat to its new ID each. A table
// that keeps records per chat adds its mover here.
var chatMovers = []func(ctx context.Context, tx *sql.Tx, from, to int64) error{
	moveLinks,
}

// moveLinks moves the links of chat from to chat to, numbered after the
// links that chat to has already (none, as a rule).
func moveLinks(ctx context.Context, tx *sql.Tx, from, to int64) error {
	var offset int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) FROM links WHERE chat_id = ?`, to).Scan(&offset); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE links SET chat_id = ?, number = number + ? WHERE chat_id = ?`, to, offset, from)
	return err
}
