package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/internal/sqlrow"
)

var _ store.Record = (*DB)(nil)

// recordAction appends a to the record of its chat, in tx, the
// transaction of the change it records, and puts it in the outbox of the
// chat's log chat, if any. a.ByName and a.Via, when empty, come from the
// Cause of ctx (the name only when the Cause's person is a.By).
func recordAction(ctx context.Context, tx pgx.Tx, a store.Action) error {
	a, err := a.FromCause(ctx)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	var id int64
	if err := tx.QueryRow(ctx, `
		INSERT INTO actions (chat_id, at, by_id, by_name, via, kind, link, subject, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		a.ChatID, a.At.Unix(), a.By, a.ByName, a.Via, string(a.Kind), a.Link, a.Subject, a.Details).Scan(&id); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO action_posts (action_id, log_chat_id)
		SELECT $1, log_chat_id FROM log_chats WHERE chat_id = $2`, id, a.ChatID); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// Actions returns the chat's last n actions, newest first.
func (db *DB) Actions(ctx context.Context, chatID int64, n int) ([]store.Action, error) {
	const op = "actions"
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.ActionColumns+` FROM actions WHERE chat_id = $1 ORDER BY id DESC LIMIT $2`, chatID, n)
	if err != nil {
		return nil, storeError(op, err)
	}
	out, err := collect(rows, sqlrow.Action)
	return out, storeError(op, err)
}

// SetLogChat sets or clears the chat's log chat, and records it.
func (db *DB) SetLogChat(ctx context.Context, chatID, logChatID, by int64, at time.Time) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, chatID)
		if err != nil {
			return err
		}
		logChatID, err := writeChat(ctx, tx, logChatID)
		if err != nil {
			return err
		}
		// Locked, row or no row: the record says what changed.
		if err := lockChatSettings(ctx, tx, chatID); err != nil {
			return err
		}
		var before int64
		if err := tx.QueryRow(ctx, `SELECT log_chat_id FROM log_chats WHERE chat_id = $1`, chatID).Scan(&before); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
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
				return err
			}
			_, err = tx.Exec(ctx, `DELETE FROM log_chats WHERE chat_id = $1`, chatID)
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO log_chats (chat_id, log_chat_id, set_by, set_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (chat_id) DO UPDATE SET log_chat_id = excluded.log_chat_id, set_by = excluded.set_by, set_at = excluded.set_at`,
			chatID, logChatID, by, sqlrow.UnixTime(at)); err != nil {
			return err
		}
		return record()
	})
	return storeError("set log chat", err)
}

// LogChat is the chat's log chat, 0 if none.
func (db *DB) LogChat(ctx context.Context, chatID int64) (int64, error) {
	const op = "log chat"
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return 0, storeError(op, err)
	}
	var id int64
	err = db.pool.QueryRow(ctx, `SELECT log_chat_id FROM log_chats WHERE chat_id = $1`, chatID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, storeError(op, err)
}

// PendingLogPosts are the actions to post to log chats, oldest first.
func (db *DB) PendingLogPosts(ctx context.Context) ([]store.LogPost, error) {
	const op = "pending log posts"
	rows, err := db.pool.Query(ctx, `SELECT p.log_chat_id, a.id, a.chat_id, a.at, a.by_id, a.by_name, a.via, a.kind, a.link, a.subject, a.details
		FROM action_posts p JOIN actions a ON a.id = p.action_id ORDER BY p.action_id`)
	if err != nil {
		return nil, storeError(op, err)
	}
	out, err := collect(rows, func(row scanner) (store.LogPost, error) {
		var (
			p    store.LogPost
			at   int64
			kind string
			a    = &p.Action
		)
		if err := row.Scan(&p.LogChatID, &a.ID, &a.ChatID, &at, &a.By, &a.ByName, &a.Via, &kind, &a.Link, &a.Subject, &a.Details); err != nil {
			return p, err
		}
		a.At, a.Kind = sqlrow.FromUnix(at), store.ActionKind(kind)
		return p, nil
	})
	return out, storeError(op, err)
}

// LogPosted strikes a post off the outbox.
func (db *DB) LogPosted(ctx context.Context, actionID int64) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM action_posts WHERE action_id = $1`, actionID)
	return storeError("log posted", err)
}
