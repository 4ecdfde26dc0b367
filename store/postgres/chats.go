package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/internal/sqlrow"
)

var _ store.Chats = (*DB)(nil)

// SaveChat records c unless the stored record of the chat is newer.
func (db *DB) SaveChat(ctx context.Context, c store.Chat) error {
	_, err := db.pool.Exec(ctx, `
		INSERT INTO chats (id, type, title, username, bot_status, bot_can_invite, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET
			type = excluded.type, title = excluded.title, username = excluded.username,
			bot_status = excluded.bot_status, bot_can_invite = excluded.bot_can_invite,
			updated_at = excluded.updated_at
		WHERE excluded.updated_at >= chats.updated_at`,
		c.ID, c.Type, c.Title, strings.TrimPrefix(c.Username, "@"), c.BotStatus, c.BotCanInvite, sqlrow.UnixTime(c.UpdatedAt))
	return storeError("save chat", err)
}

// NoteChat records a chat's type, title and username as an update tells them.
func (db *DB) NoteChat(ctx context.Context, id int64, typ, title, username string) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		id, err := writeChat(ctx, tx, id)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO chats (id, type, title, username, bot_status, updated_at) VALUES ($1, $2, $3, $4, '', 0)
			ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title, username = excluded.username`,
			id, typ, title, strings.TrimPrefix(username, "@"))
		return err
	})
	return storeError("note chat", err)
}

// sqlrow.Chat returns the chat with that ID.
func (db *DB) Chat(ctx context.Context, id int64) (store.Chat, error) {
	id, err := currentChat(ctx, db.pool, id)
	if err != nil {
		return store.Chat{}, storeError("chat", err)
	}
	c, err := sqlrow.Chat(db.pool.QueryRow(ctx, `SELECT `+sqlrow.ChatColumns+` FROM chats WHERE id = $1`, id))
	return c, storeError("chat", err)
}

// ChatByUsername returns the most recently updated chat with that username.
func (db *DB) ChatByUsername(ctx context.Context, username string) (store.Chat, error) {
	username = strings.TrimPrefix(username, "@")
	if username == "" {
		return store.Chat{}, storeError("chat by username", pgx.ErrNoRows)
	}
	c, err := sqlrow.Chat(db.pool.QueryRow(ctx, `SELECT `+sqlrow.ChatColumns+` FROM chats
		WHERE lower(username) = lower($1) AND username <> '' ORDER BY updated_at DESC, id LIMIT 1`, username))
	return c, storeError("chat by username", err)
}

// AdministeredChats returns the chats where the bot is an administrator,
// the most recently updated first.
func (db *DB) AdministeredChats(ctx context.Context) ([]store.Chat, error) {
	const op = "administered chats"
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.ChatColumns+` FROM chats
		WHERE bot_status IN ('administrator', 'creator') ORDER BY updated_at DESC, id`)
	if err != nil {
		return nil, storeError(op, err)
	}
	chats, err := collect(rows, sqlrow.Chat)
	return chats, storeError(op, err)
}

// ChooseChat records the chat userID's private-chat commands act on.
func (db *DB) ChooseChat(ctx context.Context, userID, chatID int64, at time.Time) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, chatID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO chosen_chats (user_id, chat_id, chosen_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, chosen_at = excluded.chosen_at`,
			userID, chatID, sqlrow.UnixTime(at))
		return err
	})
	return storeError("choose chat", err)
}

// ChosenChat returns the chat userID chose.
func (db *DB) ChosenChat(ctx context.Context, userID int64) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT chat_id FROM chosen_chats WHERE user_id = $1`, userID).Scan(&id)
	return id, storeError("chosen chat", err)
}

// MoveChat moves every record of chat from to chat to, in one transaction.
func (db *DB) MoveChat(ctx context.Context, from, to int64) error {
	const op = "move chat"
	if from == to {
		return nil
	}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		// The writes under from in flight end first; those that come
		// later wait, then find the move and write under to.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockMove, lockKey(from)); err != nil {
			return err
		}
		// Record the move, following any earlier one to from.
		if _, err := tx.Exec(ctx, `UPDATE chat_moves SET to_id = $1 WHERE to_id = $2`, to, from); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO chat_moves (from_id, to_id) VALUES ($1, $2)
			ON CONFLICT (from_id) DO UPDATE SET to_id = excluded.to_id`, from, to); err != nil {
			return err
		}
		for _, move := range chatMovers {
			if err := move(ctx, tx, from, to); err != nil {
				return err
			}
		}
		return nil
	})
	return storeError(op, err)
}

// mayHaveMoved tells whether id can be a basic group's, the only kind of
// chat that is ever upgraded: supergroups and channels have IDs from
// -1000000000000 down, users positive ones.
func mayHaveMoved(id int64) bool { return id < 0 && id > -1_000_000_000_000 }

// currentChat returns the ID that the records of chat id are kept under:
// the supergroup's, if id is a group that was upgraded (MoveChat), else id.
func currentChat(ctx context.Context, q querier, id int64) (int64, error) {
	if !mayHaveMoved(id) {
		return id, nil
	}
	var to int64
	err := q.QueryRow(ctx, `SELECT to_id FROM chat_moves WHERE from_id = $1`, id).Scan(&to)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return id, nil
	case err != nil:
		return 0, err
	}
	return to, nil
}

// chatMovers move one table's records of a chat to its new ID each. A table
// that keeps records per chat adds its mover here.
var chatMovers = []func(ctx context.Context, tx pgx.Tx, from, to int64) error{
	moveLinks,
	moveChatRecord,
	moveColumn("chosen_chats", "chat_id"),
	moveRows("join_requests", "user_id"),
	moveRows("joins", "user_id", "invite_link", "joined_at"),
	moveRows("chat_settings"),
	moveRows("notify_subscriptions", "user_id"),
	moveRows("notifications", "requester_id", "requested_at", "admin_id"),
	moveColumn("pending_commands", "chat_id"),
	moveColumn("button_messages", "target_id"),
	moveRows("verifications", "user_id", "requested_at"),
	moveColumn("actions", "chat_id"),
	moveRows("log_chats"),
	moveColumn("log_chats", "log_chat_id"),
	moveColumn("action_posts", "log_chat_id"),
	moveColumn("link_joins", "chat_id"),
	moveRows("autorotate"),
	moveRows("rotations", "slot"),
}

// moveColumn points a column that names a chat, and is part of no unique
// key, at the new chat. table and column are constants.
func moveColumn(table, column string) func(ctx context.Context, tx pgx.Tx, from, to int64) error {
	return func(ctx context.Context, tx pgx.Tx, from, to int64) error {
		_, err := tx.Exec(ctx, `UPDATE `+table+` SET `+column+` = $1 WHERE `+column+` = $2`, to, from)
		return err
	}
}

// moveLinks moves the links of chat from to chat to, numbered after the
// links that chat to has already (none, as a rule), and moves the count of
// numbers on.
func moveLinks(ctx context.Context, tx pgx.Tx, from, to int64) error {
	// Lock both counters, in the order of their IDs, as AddLink would.
	var offset, moved int64
	for _, id := range []int64{min(from, to), max(from, to)} {
		var last int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO link_numbers (chat_id, last) VALUES ($1, 0)
			ON CONFLICT (chat_id) DO UPDATE SET last = link_numbers.last
			RETURNING last`, id).Scan(&last); err != nil {
			return err
		}
		if id == to {
			offset = last
		} else {
			moved = last
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE links SET chat_id = $1, number = number + $2 WHERE chat_id = $3`, to, offset, from); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE link_numbers SET last = $1 WHERE chat_id = $2`, offset+moved, to); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM link_numbers WHERE chat_id = $1`, from)
	return err
}

// moveChatRecord gives the chat's record the new ID, unless the new chat
// has a record already, which is newer and kept.
func moveChatRecord(ctx context.Context, tx pgx.Tx, from, to int64) error {
	if _, err := tx.Exec(ctx, `UPDATE chats SET id = $1 WHERE id = $2
		AND NOT EXISTS (SELECT 1 FROM chats WHERE id = $1)`, to, from); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM chats WHERE id = $1`, from)
	return err
}

// moveRows moves the rows of a table whose unique key is chat_id and the
// columns key; a row that would collide with a row of the new chat is
// dropped, the new chat's kept. table and key are constants.
func moveRows(table string, key ...string) func(ctx context.Context, tx pgx.Tx, from, to int64) error {
	same := ""
	for _, k := range key {
		same += ` AND n.` + k + ` = o.` + k
	}
	return func(ctx context.Context, tx pgx.Tx, from, to int64) error {
		if _, err := tx.Exec(ctx, `UPDATE `+table+` o SET chat_id = $1 WHERE o.chat_id = $2
			AND NOT EXISTS (SELECT 1 FROM `+table+` n WHERE n.chat_id = $1`+same+`)`, to, from); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE chat_id = $1`, from)
		return err
	}
}
