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

var (
	_ store.Notifications = (*DB)(nil)
	_ store.Messages      = (*DB)(nil)
)

// SetNotify subscribes an admin to a chat's join requests, or not.
func (db *DB) SetNotify(ctx context.Context, s store.Subscriber, on bool, at time.Time) error {
	const op = "set notify"
	chatID, err := currentChat(ctx, db.db, s.ChatID)
	if err != nil {
		return storeError(op, err)
	}
	if !on {
		_, err = db.db.ExecContext(ctx, `DELETE FROM notify_subscriptions WHERE chat_id = ? AND user_id = ?`, chatID, s.UserID)
		return storeError(op, err)
	}
	_, err = db.db.ExecContext(ctx, `INSERT INTO notify_subscriptions (chat_id, user_id, language, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (chat_id, user_id) DO UPDATE SET language = excluded.language`,
		chatID, s.UserID, s.Language, sqlrow.UnixTime(at))
	return storeError(op, err)
}

// Notifying tells whether the admin is subscribed to the chat.
func (db *DB) Notifying(ctx context.Context, chatID, userID int64) (bool, error) {
	const op = "notifying"
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return false, storeError(op, err)
	}
	var on bool
	err = db.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notify_subscriptions WHERE chat_id = ? AND user_id = ?)`, chatID, userID).Scan(&on)
	return on, storeError(op, err)
}

// enqueueNotifications puts a notification of the request in the outbox
// for each subscriber of its chat; a request seen again makes none.
func enqueueNotifications(ctx context.Context, tx *sql.Tx, chatID, requesterID int64, requestedAt time.Time) error {
	_, err := tx.ExecContext(ctx, `
		INSERT OR IGNORE INTO notifications (chat_id, requester_id, requested_at, admin_id, language)
		SELECT chat_id, ?, ?, user_id, language FROM notify_subscriptions WHERE chat_id = ? AND user_id <> ?`,
		requesterID, requestedAt.Unix(), chatID, requesterID)
	return err
}

// settleNotifications gives the notifications of a request its outcome,
// and drops those not yet sent.
func settleNotifications(ctx context.Context, tx *sql.Tx, chatID, requesterID int64, outcome store.RequestState) error {
	_, err := tx.ExecContext(ctx, `
		UPDATE notifications SET outcome = ?, state = CASE WHEN state = 'pending' THEN 'dropped' ELSE state END
		WHERE chat_id = ? AND requester_id = ? AND outcome = ''`, string(outcome), chatID, requesterID)
	return err
}

func (db *DB) notifications(ctx context.Context, op, where string, args ...any) ([]store.Notification, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+sqlrow.NotificationColumns+` FROM notifications WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, storeError(op, err)
	}
	defer rows.Close()
	var out []store.Notification
	for rows.Next() {
		var (
			n               store.Notification
			requested, sent int64
			state, outcome  string
		)
		if err := rows.Scan(&n.ID, &n.ChatID, &n.RequesterID, &requested, &n.AdminID, &n.Language, &state, &n.MessageID, &sent, &outcome); err != nil {
			return nil, storeError(op, err)
		}
		n.RequestedAt, n.SentAt = sqlrow.FromUnix(requested), sqlrow.FromUnix(sent)
		n.State, n.Outcome = store.NotificationState(state), store.RequestState(outcome)
		out = append(out, n)
	}
	return out, storeError(op, rows.Err())
}

// PendingNotifications are the notifications to send, oldest first.
func (db *DB) PendingNotifications(ctx context.Context) ([]store.Notification, error) {
	return db.notifications(ctx, "pending notifications", `state = 'pending'`)
}

// NotificationsToEdit are the sent notifications whose request was answered.
func (db *DB) NotificationsToEdit(ctx context.Context) ([]store.Notification, error) {
	return db.notifications(ctx, "notifications to edit", `state = 'sent' AND outcome <> '' AND edited = 0`)
}

// RequestNotifications are the sent notifications of a request.
func (db *DB) RequestNotifications(ctx context.Context, chatID, requesterID int64) ([]store.Notification, error) {
	const op = "request notifications"
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	return db.notifications(ctx, op, `chat_id = ? AND requester_id = ? AND state = 'sent'`, chatID, requesterID)
}

// NotificationSent records that a notification went out as a message.
func (db *DB) NotificationSent(ctx context.Context, id int64, messageID int, at time.Time) error {
	// A notification whose request was answered while it was being sent
	// was dropped meanwhile: it went out all the same, and its message
	// must show the outcome.
	_, err := db.db.ExecContext(ctx, `UPDATE notifications SET state = 'sent', message_id = ?, sent_at = ? WHERE id = ? AND state IN ('pending', 'dropped')`,
		messageID, sqlrow.UnixTime(at), id)
	return storeError("notification sent", err)
}

// NotificationsSummarized records a summary of the notifications ids.
func (db *DB) NotificationsSummarized(ctx context.Context, adminID, chatID int64, ids []int64, at time.Time) error {
	const op = "notifications summarized"
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return storeError(op, err)
	}
	defer tx.Rollback()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET state = 'summarized', sent_at = ? WHERE id = ? AND state = 'pending'`,
			sqlrow.UnixTime(at), id); err != nil {
			return storeError(op, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notification_summaries (admin_id, chat_id, sent_at, backlog_since) VALUES (?, ?, ?, 0)
		ON CONFLICT (admin_id, chat_id) DO UPDATE SET sent_at = excluded.sent_at, backlog_since = 0`, adminID, chatID, sqlrow.UnixTime(at)); err != nil {
		return storeError(op, err)
	}
	return storeError(op, tx.Commit())
}

// NotifyWindow tells how an admin's notifications about a chat stand.
func (db *DB) NotifyWindow(ctx context.Context, adminID, chatID int64, since time.Time) (store.NotifyWindow, error) {
	const op = "notify window"
	var w store.NotifyWindow
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications
		WHERE admin_id = ? AND chat_id = ? AND state = 'sent' AND sent_at >= ?`,
		adminID, chatID, since.Unix()).Scan(&w.Singles); err != nil {
		return w, storeError(op, err)
	}
	var last, backlog int64
	err := db.db.QueryRowContext(ctx, `SELECT sent_at, backlog_since FROM notification_summaries WHERE admin_id = ? AND chat_id = ?`,
		adminID, chatID).Scan(&last, &backlog)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return w, storeError(op, err)
	}
	w.LastSummary, w.BacklogSince = sqlrow.FromUnix(last), sqlrow.FromUnix(backlog)
	return w, nil
}

// WaitForSummary records that notifications wait for a summary from at.
func (db *DB) WaitForSummary(ctx context.Context, adminID, chatID int64, at time.Time) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO notification_summaries (admin_id, chat_id, backlog_since) VALUES (?, ?, ?)
		ON CONFLICT (admin_id, chat_id) DO UPDATE SET backlog_since = excluded.backlog_since
		WHERE notification_summaries.backlog_since = 0`, adminID, chatID, sqlrow.UnixTime(at))
	return storeError("wait for summary", err)
}

// NotificationEdited records that a notification's message shows its outcome.
func (db *DB) NotificationEdited(ctx context.Context, id int64) error {
	_, err := db.db.ExecContext(ctx, `UPDATE notifications SET edited = 1 WHERE id = ?`, id)
	return storeError("notification edited", err)
}

// SaveButtonMessage records a message with buttons.
func (db *DB) SaveButtonMessage(ctx context.Context, m store.ButtonMessage) error {
	_, err := db.db.ExecContext(ctx, `
		INSERT INTO button_messages (chat_id, message_id, kind, target_id, items, title, user_id, parent_id, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (chat_id, message_id) DO UPDATE SET kind = excluded.kind, target_id = excluded.target_id,
			items = excluded.items, title = excluded.title, user_id = excluded.user_id, parent_id = excluded.parent_id,
			expires_at = excluded.expires_at, created_at = excluded.created_at`,
		m.ChatID, m.MessageID, m.Kind, m.TargetID, sqlrow.ItemsText(m.Items), m.Title, m.UserID, m.ParentID, sqlrow.UnixTime(m.ExpiresAt), sqlrow.UnixTime(m.CreatedAt))
	return storeError("save button message", err)
}

// ButtonMessage returns the record of a message with buttons.
func (db *DB) ButtonMessage(ctx context.Context, chatID int64, messageID int) (store.ButtonMessage, error) {
	const op = "button message"
	m := store.ButtonMessage{ChatID: chatID, MessageID: messageID}
	var items string
	var expires, created int64
	err := db.db.QueryRowContext(ctx, `SELECT kind, target_id, items, title, user_id, parent_id, expires_at, created_at
		FROM button_messages WHERE chat_id = ? AND message_id = ?`, chatID, messageID).
		Scan(&m.Kind, &m.TargetID, &items, &m.Title, &m.UserID, &m.ParentID, &expires, &created)
	if err != nil {
		return store.ButtonMessage{}, storeError(op, err)
	}
	// The target may have been upgraded since.
	if m.TargetID, err = currentChat(ctx, db.db, m.TargetID); err != nil {
		return store.ButtonMessage{}, storeError(op, err)
	}
	if m.Items, err = sqlrow.ParseItems(items); err != nil {
		return store.ButtonMessage{}, fmt.Errorf("%s: %w", op, err)
	}
	m.ExpiresAt, m.CreatedAt = sqlrow.FromUnix(expires), sqlrow.FromUnix(created)
	return m, nil
}

// SavePendingCommand records a command that waits for a private chat.
func (db *DB) SavePendingCommand(ctx context.Context, c store.PendingCommand) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO pending_commands (token, user_id, chat_id, command, args, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.Token, c.UserID, c.ChatID, c.Command, c.Args, sqlrow.UnixTime(c.CreatedAt))
	return storeError("save pending command", err)
}

// TakePendingCommand returns the command named token and forgets it.
func (db *DB) TakePendingCommand(ctx context.Context, token string) (store.PendingCommand, error) {
	const op = "take pending command"
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.PendingCommand{}, storeError(op, err)
	}
	defer tx.Rollback()
	c := store.PendingCommand{Token: token}
	var at int64
	if err := tx.QueryRowContext(ctx, `SELECT user_id, chat_id, command, args, created_at FROM pending_commands WHERE token = ?`, token).
		Scan(&c.UserID, &c.ChatID, &c.Command, &c.Args, &at); err != nil {
		return store.PendingCommand{}, storeError(op, err)
	}
	if c.ChatID, err = currentChat(ctx, tx, c.ChatID); err != nil {
		return store.PendingCommand{}, storeError(op, err)
	}
	c.CreatedAt = sqlrow.FromUnix(at)
	if _, err := tx.ExecContext(ctx, `DELETE FROM pending_commands WHERE token = ?`, token); err != nil {
		return store.PendingCommand{}, storeError(op, err)
	}
	return c, storeError(op, tx.Commit())
}
