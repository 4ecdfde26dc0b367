package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	var (
		stored store.Verification
		added  bool
	)
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, v.ChatID)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO verifications (chat_id, user_id, requested_at, user_chat_id, language, answer, token, via, deadline)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (chat_id, user_id, requested_at) DO NOTHING`,
			chatID, v.UserID, v.RequestedAt.Unix(), v.UserChatID, v.Language, v.Answer, v.Token, string(v.Via), v.Deadline.Unix())
		if err != nil {
			return err
		}
		added = tag.RowsAffected() > 0
		stored, err = sqlrow.Verification(tx.QueryRow(ctx, `SELECT `+sqlrow.VerifyColumns+` FROM verifications
			WHERE chat_id = $1 AND user_id = $2 AND requested_at = $3`, chatID, v.UserID, v.RequestedAt.Unix()))
		return err
	})
	if err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	return stored, added, nil
}

// sqlrow.Verification returns the verification of the user's current request.
func (db *DB) Verification(ctx context.Context, chatID, userID int64) (store.Verification, error) {
	const op = "verification"
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return store.Verification{}, storeError(op, err)
	}
	v, err := sqlrow.Verification(db.pool.QueryRow(ctx, `SELECT `+sqlrow.Prefixed("v.", sqlrow.VerifyColumns)+`
		FROM verifications v JOIN join_requests r
			ON r.chat_id = v.chat_id AND r.user_id = v.user_id AND r.requested_at = v.requested_at
		WHERE v.chat_id = $1 AND v.user_id = $2`, chatID, userID))
	return v, storeError(op, err)
}

// VerificationByToken returns the verification with that page token.
func (db *DB) VerificationByToken(ctx context.Context, token string) (store.Verification, error) {
	const op = "verification by token"
	if token == "" {
		return store.Verification{}, storeError(op, pgx.ErrNoRows)
	}
	v, err := sqlrow.Verification(db.pool.QueryRow(ctx, `SELECT `+sqlrow.VerifyColumns+` FROM verifications WHERE token = $1`, token))
	return v, storeError(op, err)
}

// UnsentVerifications returns pending checks by message not yet sent.
func (db *DB) UnsentVerifications(ctx context.Context, limit int) ([]store.Verification, error) {
	return db.verifications(ctx, "unsent verifications", `state = 'pending' AND via = 'message' AND message_id = 0
		ORDER BY requested_at, chat_id, user_id LIMIT $1`, limit)
}

// DueVerifications returns pending verifications whose deadline has come.
func (db *DB) DueVerifications(ctx context.Context, now time.Time, limit int) ([]store.Verification, error) {
	return db.verifications(ctx, "due verifications", `state = 'pending' AND deadline <= $1
		ORDER BY deadline, chat_id, user_id LIMIT $2`, now.Unix(), limit)
}

// UnsettledVerifications returns up to limit verifications that ended
// passed, failed or timed out while their request is still pending: the
// answer to Telegram that should follow was cut off (a crash, Telegram
// unreachable).
func (db *DB) UnsettledVerifications(ctx context.Context, limit int) ([]store.Verification, error) {
	const op = "unsettled verifications"
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.Prefixed("v.", sqlrow.VerifyColumns)+`
		FROM verifications v JOIN join_requests r
			ON r.chat_id = v.chat_id AND r.user_id = v.user_id AND r.requested_at = v.requested_at
		WHERE v.state IN ('passed', 'failed', 'timed_out') AND r.state = 'pending'
		ORDER BY v.ended_at, v.chat_id, v.user_id LIMIT $1`, limit)
	if err != nil {
		return nil, storeError(op, err)
	}
	vs, err := collect(rows, sqlrow.Verification)
	return vs, storeError(op, err)
}

// NextVerificationDeadline returns the earliest deadline of a pending
// verification, zero if none.
func (db *DB) NextVerificationDeadline(ctx context.Context) (time.Time, error) {
	var next *int64
	err := db.pool.QueryRow(ctx, `SELECT MIN(deadline) FROM verifications WHERE state = 'pending'`).Scan(&next)
	if err != nil || next == nil {
		return time.Time{}, storeError("next verification deadline", err)
	}
	return sqlrow.FromUnix(*next), nil
}

// VerificationSent records the message of a check.
func (db *DB) VerificationSent(ctx context.Context, v store.Verification, messageID int) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, v.ChatID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE verifications SET message_id = $1
			WHERE chat_id = $2 AND user_id = $3 AND requested_at = $4`, messageID, chatID, v.UserID, v.RequestedAt.Unix())
		return err
	})
	return storeError("verification sent", err)
}

// VerifyByMessage turns v's check into one by message, not yet sent.
func (db *DB) VerifyByMessage(ctx context.Context, v store.Verification) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, v.ChatID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE verifications SET via = 'message', message_id = 0
			WHERE chat_id = $1 AND user_id = $2 AND requested_at = $3`, chatID, v.UserID, v.RequestedAt.Unix())
		return err
	})
	return storeError("verify by message", err)
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
	var (
		after store.Verification
		ended bool
	)
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, v.ChatID)
		if err != nil {
			return err
		}
		// Of two ends racing, the second waits for the row, then finds it
		// no longer pending.
		tag, err := tx.Exec(ctx, `UPDATE verifications SET state = $1, ended_at = $2
			WHERE chat_id = $3 AND user_id = $4 AND requested_at = $5 AND state = 'pending'`,
			string(state), at.Unix(), chatID, v.UserID, v.RequestedAt.Unix())
		if err != nil {
			return err
		}
		ended = tag.RowsAffected() > 0
		if kind, ok := verifyActions[state]; ok && ended {
			// The requester's answer, or its absence, is an action of the
			// record, naming the requester as the record names them.
			a := store.Action{ChatID: chatID, At: at, By: v.UserID, Via: string(store.JoinVerify), Kind: kind, Subject: v.UserID}
			switch r, err := findRequest(ctx, tx, chatID, v.UserID, false); {
			case err == nil:
				a.Details = store.RequesterName(r)
			case !errors.Is(err, pgx.ErrNoRows):
				return err
			}
			a.ByName = a.Details
			if state == store.VerifyTimedOut {
				a.By, a.ByName = 0, ""
			}
			if err := recordAction(ctx, tx, a); err != nil {
				return err
			}
		}
		if ended && state == store.VerifyUnreachable {
			// The request now waits for an admin: mark it, and tell the
			// subscribers as of a new request.
			tag, err := tx.Exec(ctx, `UPDATE join_requests SET unreachable = true
				WHERE chat_id = $1 AND user_id = $2 AND requested_at = $3 AND state = 'pending'`,
				chatID, v.UserID, v.RequestedAt.Unix())
			if err != nil {
				return err
			}
			if tag.RowsAffected() > 0 {
				if err := enqueueNotifications(ctx, tx, chatID, v.UserID, v.RequestedAt); err != nil {
					return err
				}
			}
		}
		after, err = sqlrow.Verification(tx.QueryRow(ctx, `SELECT `+sqlrow.VerifyColumns+` FROM verifications
			WHERE chat_id = $1 AND user_id = $2 AND requested_at = $3`, chatID, v.UserID, v.RequestedAt.Unix()))
		return err
	})
	if err != nil {
		return store.Verification{}, false, storeError(op, err)
	}
	return after, ended, nil
}

// verifyActions are the actions of the record that end a verification.
var verifyActions = map[store.VerifyState]store.ActionKind{
	store.VerifyPassed:   store.ActionVerifyPassed,
	store.VerifyFailed:   store.ActionVerifyFailed,
	store.VerifyTimedOut: store.ActionVerifyTimedOut,
}

// settleVerification ends the pending verification of the user's request
// made at requestedAt as handled: the request was answered otherwise.
func settleVerification(ctx context.Context, tx pgx.Tx, chatID, userID int64, requestedAt, at time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE verifications SET state = 'handled', ended_at = $1
		WHERE chat_id = $2 AND user_id = $3 AND requested_at = $4 AND state = 'pending'`,
		at.Unix(), chatID, userID, requestedAt.Unix())
	return err
}

// verifications returns the verifications that match where, a constant
// condition with $n placeholders for args that may end in ORDER BY and LIMIT.
func (db *DB) verifications(ctx context.Context, op, where string, args ...any) ([]store.Verification, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.VerifyColumns+` FROM verifications WHERE `+where, args...)
	if err != nil {
		return nil, storeError(op, err)
	}
	vs, err := collect(rows, sqlrow.Verification)
	return vs, storeError(op, err)
}
