package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/internal/sqlrow"
)

var _ store.Chats = (*DB)(nil)

// SaveChat records c unless the stored record of the chat is newer.
func (db *DB) SaveChat(ctx context.Context, c store.Chat) error {
	_, err := db.db.ExecContext(ctx, `
		INSERT INTO chats (id, type, title, username, bot_status, bot_can_invite, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
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
	id, err := currentChat(ctx, db.db, id)
	if err != nil {
		return storeError("note chat", err)
	}
	_, err = db.db.ExecContext(ctx, `
		INSERT INTO chats (id, type, title, username, bot_status, updated_at) VALUES (?, ?, ?, ?, '', 0)
		ON CONFLICT (id) DO UPDATE SET type = excluded.type, title = excluded.title, username = excluded.username`,
		id, typ, title, strings.TrimPrefix(username, "@"))
	return storeError("note chat", err)
}

// sqlrow.Chat returns the chat with that ID.
func (db *DB) Chat(ctx context.Context, id int64) (store.Chat, error) {
	id, err := currentChat(ctx, db.db, id)
	if err != nil {
		return store.Chat{}, storeError("chat", err)
	}
	c, err := sqlrow.Chat(db.db.QueryRowContext(ctx, `SELECT `+sqlrow.ChatColumns+` FROM chats WHERE id = ?`, id))
	return c, storeError("chat", err)
}

// ChatByUsername returns the most recently updated chat with that username.
func (db *DB) ChatByUsername(ctx context.Context, username string) (store.Chat, error) {
	username = strings.TrimPrefix(username, "@")
	if username == "" {
		return store.Chat{}, storeError("chat by username", sql.ErrNoRows)
	}
	c, err := sqlrow.Chat(db.db.QueryRowContext(ctx, `SELECT `+sqlrow.ChatColumns+` FROM chats
		WHERE username = ? ORDER BY updated_at DESC, id LIMIT 1`, username))
	return c, storeError("chat by username", err)
}

// AdministeredChats returns the chats where the bot is an administrator,
// the most recently updated first.
func (db *DB) AdministeredChats(ctx context.Context) ([]store.Chat, error) {
	const op = "administered chats"
	rows, err := db.db.QueryContext(ctx, `SELECT `+sqlrow.ChatColumns+` FROM chats
		WHERE bot_status IN ('administrator', 'creator') ORDER BY updated_at DESC, id`)
	if err != nil {
		return nil, storeError(op, err)
	}
	defer rows.Close()
	var chats []store.Chat
	for rows.Next() {
		c, err := sqlrow.Chat(rows)
		if err != nil {
			return nil, storeError(op, err)
		}
		chats = append(chats, c)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(op, err)
	}
	return chats, nil
}

// ChooseChat records the chat userID's private-chat commands act on.
func (db *DB) ChooseChat(ctx context.Context, userID, chatID int64, at time.Time) error {
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return storeError("choose chat", err)
	}
	_, err = db.db.ExecContext(ctx, `
		INSERT INTO chosen_chats (user_id, chat_id, chosen_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id, chosen_at = excluded.chosen_at`,
		userID, chatID, sqlrow.UnixTime(at))
	return storeError("choose chat", err)
}

// ChosenChat returns the chat userID chose.
func (db *DB) ChosenChat(ctx context.Context, userID int64) (int64, error) {
	var id int64
	err := db.db.QueryRowContext(ctx, `SELECT chat_id FROM chosen_chats WHERE user_id = ?`, userID).Scan(&id)
	return id, storeError("chosen chat", err)
}

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
	// Record the move, following any earlier one to from.
	if _, err := tx.ExecContext(ctx, `UPDATE chat_moves SET to_id = ? WHERE to_id = ?`, to, from); err != nil {
		return storeError(op, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO chat_moves (from_id, to_id) VALUES (?, ?)
		ON CONFLICT (from_id) DO UPDATE SET to_id = excluded.to_id`, from, to); err != nil {
		return storeError(op, err)
	}
	for _, move := range chatMovers {
		if err := move(ctx, tx, from, to); err != nil {
			return storeError(op, err)
		}
	}
	return storeError(op, tx.Commit())
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
	err := q.QueryRowContext(ctx, `SELECT to_id FROM chat_moves WHERE from_id = ?`, id).Scan(&to)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return id, nil
	case err != nil:
		return 0, err
	}
	return to, nil
}

// chatMovers move one table's records of a chat to its new ID each. A table
// that keeps records per chat adds its mover here.
var chatMovers = []func(ctx context.Context, tx *sql.Tx, from, to int64) error{
	moveLinks,
	moveChatRecord,
	moveRows("chosen_chats"),
	moveRows("join_requests"),
	moveRows("joins"),
	moveRows("chat_settings"),
	moveRows("notify_subscriptions"),
	moveRows("notifications"),
	moveRows("pending_commands"),
	moveTargets("button_messages"),
	moveRows("verifications"),
	moveRows("actions"),
	moveRows("log_chats"),
	moveColumn("log_chats", "log_chat_id"),
	moveColumn("action_posts", "log_chat_id"),
	moveRows("link_joins"),
	moveRows("autorotate"),
	moveRows("rotations"),
}

// moveColumn points a column that names a chat at the new chat. table and
// column are constants.
func moveColumn(table, column string) func(ctx context.Context, tx *sql.Tx, from, to int64) error {
	return func(ctx context.Context, tx *sql.Tx, from, to int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+column+` = ? WHERE `+column+` = ?`, to, from)
		return err
	}
}

// moveTargets points the rows of a table with a target_id column at the
// new chat. table is a constant.
func moveTargets(table string) func(ctx context.Context, tx *sql.Tx, from, to int64) error {
	return func(ctx context.Context, tx *sql.Tx, from, to int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET target_id = ? WHERE target_id = ?`, to, from)
		return err
	}
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

// moveChatRecord gives the chat's record the new ID, unless the new chat
// has a record already, which is newer and kept.
func moveChatRecord(ctx context.Context, tx *sql.Tx, from, to int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE OR IGNORE chats SET id = ? WHERE id = ?`, to, from); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM chats WHERE id = ?`, from)
	return err
}

// moveRows moves the rows of a table with a chat_id column; a row that
// would collide with a row of the new chat is dropped, the new chat's kept.
// table is a constant.
func moveRows(table string) func(ctx context.Context, tx *sql.Tx, from, to int64) error {
	return func(ctx context.Context, tx *sql.Tx, from, to int64) error {
		if _, err := tx.ExecContext(ctx, `UPDATE OR IGNORE `+table+` SET chat_id = ? WHERE chat_id = ?`, to, from); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE chat_id = ?`, from)
		return err
	}
}
