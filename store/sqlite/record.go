package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/internal/sqlrow"
)

var _ store.Record = (*DB)(nil)

// recordAction appends a to the record of its chat, in tx, the
// transaction of the change it records, and puts it in the outbox of the
// chat's log chat, if any. a.ByName and a.Via, when empty, come from the
// Cause of ctx (the name only when the Cause's person is a.By).
func recordAction(ctx context.Context, tx *sql.Tx, a store.Action) error {
	a, err := a.FromCause(ctx)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `
		INSERT INTO actions (chat_id, at, by_id, by_name, via, kind, link, subject, details)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.ChatID, a.At.Unix(), a.By, a.ByName, a.Via, string(a.Kind), a.Link, a.Subject, a.Details).Scan(&id); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO action_posts (action_id, log_chat_id)
		SELECT ?, log_chat_id FROM log_chats WHERE chat_id = ?`, id, a.ChatID); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// Actions returns the chat's last n actions, newest first.
func (db *DB) Actions(ctx context.Context, chatID int64, n int) ([]store.Action, error) {
	const op = "actions"
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+sqlrow.ActionColumns+` FROM actions WHERE chat_id = ? ORDER BY id DESC LIMIT ?`, chatID, n)
	if err != nil {
		return nil, storeError(op, err)
	}
	defer rows.Close()
	var out []store.Action
	for rows.Next() {
		a, err := sqlrow.Action(rows)
		if err != nil {
			return nil, storeError(op, err)
		}
		out = append(out, a)
	}
	return out, storeError(op, rows.Err())
}

// SetLogChat sets or clears the chat's log chat, and records it.
func (db *DB) SetLogChat(ctx context.Context, chatID, logChatID, by int64, at time.Time) error {
	const op = "set log chat"
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return storeError(op, err)
	}
	defer tx.Rollback()
	if chatID, err = currentChat(ctx, tx, chatID); err != nil {
		return storeError(op, err)
	}
	if logChatID, err = currentChat(ctx, tx, logChatID); err != nil {
		return storeError(op, err)
	}
	var before int64
	if err := tx.QueryRowContext(ctx, `SELECT log_chat_id FROM log_chats WHERE chat_id = ?`, chatID).Scan(&before); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return storeError(op, err)
	}
	if before == logChatID {
		return nil
	}
	value := "off"
	if logChatID != 0 {
		value = strconv.FormatInt(logChatID, 10)
	}
	record := func() error {
		return recordAction(ctx, tx, store.Action{ChatID: chatID, At: at, By: by, Kind: store.ActionSettingChanged, Details: "logchat=" + value})
	}
	if logChatID == 0 {
		// Recorded first: the log chat hears that it hears no more.
		if err := record(); err != nil {
			return storeError(op, err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM log_chats WHERE chat_id = ?`, chatID)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO log_chats (chat_id, log_chat_id, set_by, set_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (chat_id) DO UPDATE SET log_chat_id = excluded.log_chat_id, set_by = excluded.set_by, set_at = excluded.set_at`,
			chatID, logChatID, by, sqlrow.UnixTime(at))
	}
	if err != nil {
		return storeError(op, err)
	}
	if logChatID != 0 {
		if err := record(); err != nil {
			return storeError(op, err)
		}
	}
	return storeError(op, tx.Commit())
}

// LogChat is the chat's log chat, 0 if none.
func (db *DB) LogChat(ctx context.Context, chatID int64) (int64, error) {
	const op = "log chat"
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return 0, storeError(op, err)
	}
	var id int64
	err = db.db.QueryRowContext(ctx, `SELECT log_chat_id FROM log_chats WHERE chat_id = ?`, chatID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, storeError(op, err)
}

// PendingLogPosts are the actions to post to log chats, oldest first.
func (db *DB) PendingLogPosts(ctx context.Context) ([]store.LogPost, error) {
	const op = "pending log posts"
	rows, err := db.db.QueryContext(ctx, `SELECT p.log_chat_id, a.id, a.chat_id, a.at, a.by_id, a.by_name, a.via, a.kind, a.link, a.subject, a.details
		FROM action_posts p JOIN actions a ON a.id = p.action_id ORDER BY p.action_id`)
	if err != nil {
		return nil, storeError(op, err)
	}
	defer rows.Close()
	var out []store.LogPost
	for rows.Next() {
		var (
			p       store.LogPost
			at      int64
			kind    string
			a       = &p.Action
			scanned = []any{&p.LogChatID, &a.ID, &a.ChatID, &at, &a.By, &a.ByName, &a.Via, &kind, &a.Link, &a.Subject, &a.Details}
		)
		if err := rows.Scan(scanned...); err != nil {
			return nil, storeError(op, err)
		}
		a.At, a.Kind = sqlrow.FromUnix(at), store.ActionKind(kind)
		out = append(out, p)
	}
	return out, storeError(op, rows.Err())
}

// LogPosted strikes a post off the outbox.
func (db *DB) LogPosted(ctx context.Context, actionID int64) error {
	_, err := db.db.ExecContext(ctx, `DELETE FROM action_posts WHERE action_id = ?`, actionID)
	return storeError("log posted", err)
}
