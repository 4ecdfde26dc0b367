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

var _ store.Verifications = (*DB)(nil)

// AddVerification stores v as pending unless its request has one already.
func (db *DB) AddVerification(ctx context.Context, v store.Verification) (store.Verification, bool, error) {
	const op = "add verification"
	if err := v.Complete(); err != nil {
		return store.Verification{}, false, fmt.Errorf("%s: %w", op, err)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	defer tx.Rollback()
	if v.ChatID, err = currentChat(ctx, tx, v.ChatID); err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO verifications (chat_id, user_id, requested_at, user_chat_id, language, answer, token, via, deadline)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (chat_id, user_id, requested_at) DO NOTHING`,
		v.ChatID, v.UserID, v.RequestedAt.Unix(), v.UserChatID, v.Language, v.Answer, v.Token, string(v.Via), v.Deadline.Unix())
	if err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	stored, err := sqlrow.Verification(tx.QueryRowContext(ctx, `SELECT `+sqlrow.VerifyColumns+` FROM verifications
		WHERE chat_id = ? AND user_id = ? AND requested_at = ?`, v.ChatID, v.UserID, v.RequestedAt.Unix()))
	if err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	return stored, n > 0, storeError(op, tx.Commit())
}

// sqlrow.Verification returns the verification of the user's current request.
func (db *DB) Verification(ctx context.Context, chatID, userID int64) (store.Verification, error) {
	const op = "verification"
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return store.Verification{}, storeError(op, err)
	}
	v, err := sqlrow.Verification(db.db.QueryRowContext(ctx, `SELECT `+sqlrow.Prefixed("v.", sqlrow.VerifyColumns)+`
		FROM verifications v JOIN join_requests r
			ON r.chat_id = v.chat_id AND r.user_id = v.user_id AND r.requested_at = v.requested_at
		WHERE v.chat_id = ? AND v.user_id = ?`, chatID, userID))
	return v, storeError(op, err)
}

// VerificationByToken returns the verification with that page token.
func (db *DB) VerificationByToken(ctx context.Context, token string) (store.Verification, error) {
	const op = "verification by token"
	if token == "" {
		return store.Verification{}, storeError(op, sql.ErrNoRows)
	}
	v, err := sqlrow.Verification(db.db.QueryRowContext(ctx, `SELECT `+sqlrow.VerifyColumns+` FROM verifications WHERE token = ?`, token))
	return v, storeError(op, err)
}

// UnsentVerifications returns pending checks by message not yet sent.
func (db *DB) UnsentVerifications(ctx context.Context, limit int) ([]store.Verification, error) {
	return db.verifications(ctx, "unsent verifications", `state = 'pending' AND via = 'message' AND message_id = 0
		ORDER BY requested_at, chat_id, user_id LIMIT ?`, limit)
}

// DueVerifications returns pending verifications whose deadline has come.
func (db *DB) DueVerifications(ctx context.Context, now time.Time, limit int) ([]store.Verification, error) {
	return db.verifications(ctx, "due verifications", `state = 'pending' AND deadline <= ?
		ORDER BY deadline, chat_id, user_id LIMIT ?`, now.Unix(), limit)
}

// UnsettledVerifications returns up to limit verifications that ended
// passed, failed or timed out while their request is still pending: the
// answer to Telegram that should follow was cut off (a crash, Telegram
// unreachable).
func (db *DB) UnsettledVerifications(ctx context.Context, limit int) ([]store.Verification, error) {
	const op = "unsettled verifications"
	rows, err := db.db.QueryContext(ctx, `SELECT `+sqlrow.Prefixed("v.", sqlrow.VerifyColumns)+`
		FROM verifications v JOIN join_requests r
			ON r.chat_id = v.chat_id AND r.user_id = v.user_id AND r.requested_at = v.requested_at
		WHERE v.state IN ('passed', 'failed', 'timed_out') AND r.state = 'pending'
		ORDER BY v.ended_at, v.chat_id, v.user_id LIMIT ?`, limit)
	if err != nil {
		return nil, storeError(op, err)
	}
	vs, err := scanVerifications(rows)
	return vs, storeError(op, err)
}

// NextVerificationDeadline returns the earliest deadline of a pending
// verification, zero if none.
func (db *DB) NextVerificationDeadline(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	err := db.db.QueryRowContext(ctx, `SELECT MIN(deadline) FROM verifications WHERE state = 'pending'`).Scan(&next)
	if err != nil || !next.Valid {
		return time.Time{}, storeError("next verification deadline", err)
	}
	return sqlrow.FromUnix(next.Int64), nil
}

// VerificationSent records the message of a check.
func (db *DB) VerificationSent(ctx context.Context, v store.Verification, messageID int) error {
	const op = "verification sent"
	chatID, err := currentChat(ctx, db.db, v.ChatID)
	if err != nil {
		return storeError(op, err)
	}
	_, err = db.db.ExecContext(ctx, `UPDATE verifications SET message_id = ?
		WHERE chat_id = ? AND user_id = ? AND requested_at = ?`, messageID, chatID, v.UserID, v.RequestedAt.Unix())
	return storeError(op, err)
}

// VerifyByMessage turns v's check into one by message, not yet sent.
func (db *DB) VerifyByMessage(ctx context.Context, v store.Verification) error {
	const op = "verify by message"
	chatID, err := currentChat(ctx, db.db, v.ChatID)
	if err != nil {
		return storeError(op, err)
	}
	_, err = db.db.ExecContext(ctx, `UPDATE verifications SET via = 'message', message_id = 0
		WHERE chat_id = ? AND user_id = ? AND requested_at = ?`, chatID, v.UserID, v.RequestedAt.Unix())
	return storeError(op, err)
}

// EndVerification moves a pending verification to state.
func (db *DB) EndVerification(ctx context.Context, v store.Verification, state store.VerifyState, at time.Time) (store.Verification, bool, error) {
	const op = "end verification"
	switch {
	case state == store.VerifyPending || state == "":
		return store.Verification{}, false, fmt.Errorf("%s: %q is no end", op, state)
	case at.Unix() <= 0:
		return store.Verification{}, false, fmt.Errorf("%s: no end time", op)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	defer tx.Rollback()
	if v.ChatID, err = currentChat(ctx, tx, v.ChatID); err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE verifications SET state = ?, ended_at = ?
		WHERE chat_id = ? AND user_id = ? AND requested_at = ? AND state = 'pending'`,
		string(state), at.Unix(), v.ChatID, v.UserID, v.RequestedAt.Unix())
	if err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	if kind, ok := verifyActions[state]; ok && n > 0 {
		// The requester's answer, or its absence, is an action of the
		// record, naming the requester as the record names them.
		a := store.Action{ChatID: v.ChatID, At: at, By: v.UserID, Via: string(store.JoinVerify), Kind: kind, Subject: v.UserID}
		switch r, err := findRequest(ctx, tx, v.ChatID, v.UserID); {
		case err == nil:
			a.Details = store.RequesterName(r)
		case !errors.Is(err, sql.ErrNoRows):
			return store.Verification{}, false, storeError(op, err)
		}
		a.ByName = a.Details
		if state == store.VerifyTimedOut {
			a.By, a.ByName = 0, ""
		}
		if err := recordAction(ctx, tx, a); err != nil {
			return store.Verification{}, false, storeError(op, err)
		}
	}
	if n > 0 && state == store.VerifyUnreachable {
		// The request now waits for an admin: mark it, and tell the
		// subscribers as of a new request.
		res, err := tx.ExecContext(ctx, `UPDATE join_requests SET unreachable = 1
			WHERE chat_id = ? AND user_id = ? AND requested_at = ? AND state = 'pending'`,
			v.ChatID, v.UserID, v.RequestedAt.Unix())
		if err != nil {
			return store.Verification{}, false, storeError(op, err)
		}
		if marked, err := res.RowsAffected(); err != nil {
			return store.Verification{}, false, storeError(op, err)
		} else if marked > 0 {
			if err := enqueueNotifications(ctx, tx, v.ChatID, v.UserID, v.RequestedAt); err != nil {
				return store.Verification{}, false, storeError(op, err)
			}
		}
	}
	after, err := sqlrow.Verification(tx.QueryRowContext(ctx, `SELECT `+sqlrow.VerifyColumns+` FROM verifications
		WHERE chat_id = ? AND user_id = ? AND requested_at = ?`, v.ChatID, v.UserID, v.RequestedAt.Unix()))
	if err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	return after, n > 0, storeError(op, tx.Commit())
}

// verifyActions are the actions of the record that end a verification.
var verifyActions = map[store.VerifyState]store.ActionKind{
	store.VerifyPassed:   store.ActionVerifyPassed,
	store.VerifyFailed:   store.ActionVerifyFailed,
	store.VerifyTimedOut: store.ActionVerifyTimedOut,
}

// settleVerification ends the pending verification of the user's request
// made at requestedAt as handled: the request was answered otherwise.
func settleVerification(ctx context.Context, tx *sql.Tx, chatID, userID int64, requestedAt, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE verifications SET state = 'handled', ended_at = ?
		WHERE chat_id = ? AND user_id = ? AND requested_at = ? AND state = 'pending'`,
		at.Unix(), chatID, userID, requestedAt.Unix())
	return err
}

// verifications returns the verifications that match where, a constant
// condition with ? placeholders for args that may end in ORDER BY and LIMIT.
func (db *DB) verifications(ctx context.Context, op, where string, args ...any) ([]store.Verification, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+sqlrow.VerifyColumns+` FROM verifications WHERE `+where, args...)
	if err != nil {
		return nil, storeError(op, err)
	}
	vs, err := scanVerifications(rows)
	return vs, storeError(op, err)
}

// scanVerifications reads and closes rows of sqlrow.VerifyColumns.
func scanVerifications(rows *sql.Rows) ([]store.Verification, error) {
	defer rows.Close()
	var out []store.Verification
	for rows.Next() {
		v, err := sqlrow.Verification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
