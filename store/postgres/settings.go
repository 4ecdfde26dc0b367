package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/internal/sqlrow"
)

var _ store.Settings = (*DB)(nil)

// ChatSettings returns the chat's settings, the zero ones if it set none.
func (db *DB) ChatSettings(ctx context.Context, chatID int64) (store.ChatSettings, error) {
	const op = "chat settings"
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return store.ChatSettings{}, storeError(op, err)
	}
	s, err := readSettings(ctx, db.pool, chatID)
	return s, storeError(op, err)
}

// readSettings reads the chat's settings, the zero ones if it set none.
func readSettings(ctx context.Context, q querier, chatID int64) (store.ChatSettings, error) {
	s := store.ChatSettings{ChatID: chatID}
	var replies, mode string
	var wait, at int64
	err := q.QueryRow(ctx, `SELECT language, replies, join_mode, verify_wait, rules, updated_by, updated_at
		FROM chat_settings WHERE chat_id = $1`, chatID).
		Scan(&s.Language, &replies, &mode, &wait, &s.Rules, &s.UpdatedBy, &at)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return s, nil
	case err != nil:
		return store.ChatSettings{}, err
	}
	s.Replies, s.UpdatedAt = store.Replies(replies), sqlrow.FromUnix(at)
	s.JoinMode, s.VerifyWait = store.JoinMode(mode), time.Duration(wait)*time.Second
	return s, nil
}

// SaveChatSettings records the chat's settings.
func (db *DB) SaveChatSettings(ctx context.Context, s store.ChatSettings) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, s.ChatID)
		if err != nil {
			return err
		}
		// Locked, row or no row: the record says what changed.
		if err := lockChatSettings(ctx, tx, chatID); err != nil {
			return err
		}
		before, err := readSettings(ctx, tx, chatID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO chat_settings (chat_id, language, replies, join_mode, verify_wait, rules, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language, replies = excluded.replies,
				join_mode = excluded.join_mode, verify_wait = excluded.verify_wait, rules = excluded.rules,
				updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			chatID, s.Language, string(s.Replies), string(s.JoinMode), int64(s.VerifyWait/time.Second), s.Rules,
			s.UpdatedBy, sqlrow.UnixTime(s.UpdatedAt))
		if err != nil {
			return err
		}
		if s.UpdatedAt.Unix() > 0 {
			for _, d := range store.SettingsDetails(before, s) {
				if err := recordAction(ctx, tx, store.Action{ChatID: chatID, At: s.UpdatedAt, By: s.UpdatedBy, Kind: store.ActionSettingChanged, Details: d}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return storeError("save chat settings", err)
}
