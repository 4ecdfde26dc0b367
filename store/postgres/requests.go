package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/internal/sqlrow"
)

var _ store.JoinRequests = (*DB)(nil)

// AddJoinRequest stores r as the user's pending request, replacing an older one.
func (db *DB) AddJoinRequest(ctx context.Context, r store.JoinRequest) error {
	const op = "add join request"
	if r.RequestedAt.Unix() <= 0 {
		return fmt.Errorf("%s: no request time", op)
	}
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, r.ChatID)
		if err != nil {
			return err
		}
		// A request of the same second replaces the stored one too: see the
		// interface's doc.
		tag, err := tx.Exec(ctx, `
			INSERT INTO join_requests (chat_id, user_id, first_name, last_name, username, bio,
				invite_link, user_chat_id, requested_at, query_id, mode)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (chat_id, user_id) DO UPDATE SET
				first_name = excluded.first_name, last_name = excluded.last_name,
				username = excluded.username, bio = excluded.bio, invite_link = excluded.invite_link,
				user_chat_id = excluded.user_chat_id, requested_at = excluded.requested_at,
				query_id = excluded.query_id, mode = excluded.mode,
				state = 'pending', answered_by = 0, answered_at = 0, counted = false, joined = false, unreachable = false
			WHERE excluded.requested_at >= join_requests.requested_at`,
			chatID, r.UserID, r.FirstName, r.LastName, strings.TrimPrefix(r.Username, "@"), r.Bio,
			r.InviteLink, r.UserChatID, r.RequestedAt.Unix(), r.QueryID, string(r.Mode))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		// A new request replaces the user's earlier one: its check, if one
		// was pending, no longer counts.
		if _, err := tx.Exec(ctx, `UPDATE verifications SET state = 'handled', ended_at = $1
			WHERE chat_id = $2 AND user_id = $3 AND requested_at < $4 AND state = 'pending'`,
			r.RequestedAt.Unix(), chatID, r.UserID, r.RequestedAt.Unix()); err != nil {
			return err
		}
		if r.Mode == "" || r.Mode == store.JoinManual {
			return enqueueNotifications(ctx, tx, chatID, r.UserID, r.RequestedAt)
		}
		return nil
	})
	return storeError(op, err)
}

// JoinRequest returns the user's request in the chat, whatever its state.
func (db *DB) JoinRequest(ctx context.Context, chatID, userID int64) (store.JoinRequest, error) {
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return store.JoinRequest{}, storeError("join request", err)
	}
	r, err := findRequest(ctx, db.pool, chatID, userID, false)
	return r, storeError("join request", err)
}

// PendingJoinRequests returns the chat's pending requests, oldest first.
func (db *DB) PendingJoinRequests(ctx context.Context, chatID int64) ([]store.JoinRequest, error) {
	const op = "pending join requests"
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.RequestColumns+` FROM join_requests
		WHERE chat_id = $1 AND state = 'pending' ORDER BY requested_at, user_id`, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	out, err := collect(rows, sqlrow.Request)
	return out, storeError(op, err)
}

// AnswerJoinRequest records the answer to the user's pending request and,
// for an approval through one of the bot's links, counts the join.
func (db *DB) AnswerJoinRequest(ctx context.Context, chatID, userID int64, state store.RequestState, by int64, at time.Time) (store.JoinRequest, bool, error) {
	const op = "answer join request"
	switch {
	case state != store.RequestApproved && state != store.RequestDeclined && state != store.RequestGone:
		return store.JoinRequest{}, false, fmt.Errorf("%s: %q is no answer", op, state)
	case at.Unix() <= 0:
		return store.JoinRequest{}, false, fmt.Errorf("%s: no answer time", op)
	}
	var (
		r       store.JoinRequest
		changed bool
	)
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, chatID)
		if err != nil {
			return err
		}
		// Locked: of two answers, the second waits and finds it answered.
		if r, err = findRequest(ctx, tx, chatID, userID, true); err != nil {
			return err
		}
		if changed = r.State == store.RequestPending; !changed {
			return nil
		}
		counted := r.Counted
		if state == store.RequestApproved && !counted {
			if counted, err = countJoin(ctx, tx, chatID, r.InviteLink, store.JoinOf(ctx, r, by, at)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `
			UPDATE join_requests SET state = $1, answered_by = $2, answered_at = $3, counted = $4
			WHERE chat_id = $5 AND user_id = $6`,
			string(state), by, at.Unix(), counted, chatID, userID); err != nil {
			return err
		}
		if err := settleNotifications(ctx, tx, chatID, userID, state); err != nil {
			return err
		}
		if err := settleVerification(ctx, tx, chatID, userID, r.RequestedAt, at); err != nil {
			return err
		}
		if state != store.RequestGone {
			if err := recordAnswer(ctx, tx, r, state, by, at); err != nil {
				return err
			}
		}
		r, err = findRequest(ctx, tx, chatID, userID, false)
		return err
	})
	if err != nil {
		return store.JoinRequest{}, false, storeError(op, err)
	}
	return r, changed, nil
}

// RecordJoin records a join: it counts it for the bot's link it came
// through, once, and closes the user's pending request.
func (db *DB) RecordJoin(ctx context.Context, j store.Join) (bool, error) {
	const op = "record join"
	if j.At.Unix() <= 0 {
		return false, fmt.Errorf("%s: no join time", op)
	}
	var counted bool
	err := db.inTx(ctx, func(tx pgx.Tx) (err error) {
		counted, err = recordJoin(ctx, tx, j)
		return err
	})
	if err != nil {
		return false, storeError(op, err)
	}
	return counted, nil
}

// recordJoin is RecordJoin in tx.
func recordJoin(ctx context.Context, tx pgx.Tx, j store.Join) (bool, error) {
	var err error
	if j.ChatID, err = writeChat(ctx, tx, j.ChatID); err != nil {
		return false, err
	}
	req, err := findRequest(ctx, tx, j.ChatID, j.UserID, true)
	hasReq := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, err
	}

	counted := false
	if j.InviteLink != "" {
		var ours bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM links WHERE chat_id = $1 AND url = $2)`,
			j.ChatID, j.InviteLink).Scan(&ours)
		if err != nil {
			return false, err
		}
		if ours {
			// The same join seen twice, even at once, is one row: the
			// second waits for the first and inserts nothing.
			tag, err := tx.Exec(ctx, `INSERT INTO joins (chat_id, user_id, invite_link, joined_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, j.ChatID, j.UserID, j.InviteLink, j.At.Unix())
			if err != nil {
				return false, err
			}
			if tag.RowsAffected() == 0 {
				return false, nil // seen before
			}
			switch {
			case hasReq && req.State == store.RequestApproved && req.Counted && !req.Joined && req.InviteLink == j.InviteLink:
				// The join of a request that the bot approved and counted.
				if _, err := tx.Exec(ctx, `UPDATE join_requests SET joined = true WHERE chat_id = $1 AND user_id = $2`,
					j.ChatID, j.UserID); err != nil {
					return false, err
				}
			default:
				lj := store.LinkJoin{UserID: j.UserID, FirstName: j.FirstName, LastName: j.LastName, Username: j.Username, At: j.At}
				if hasReq && req.State == store.RequestPending && j.ViaRequest {
					lj = store.JoinOf(ctx, req, j.By, j.At)
				}
				if counted, err = countJoin(ctx, tx, j.ChatID, j.InviteLink, lj); err != nil {
					return false, err
				}
			}
		}
	}

	if hasReq && req.State == store.RequestPending && !j.At.Before(req.RequestedAt) {
		state, by := store.RequestGone, int64(0)
		if j.ViaRequest {
			state, by = store.RequestApproved, j.By
		}
		if _, err := tx.Exec(ctx, `
			UPDATE join_requests SET state = $1, answered_by = $2, answered_at = $3, joined = true,
				counted = counted OR $4
			WHERE chat_id = $5 AND user_id = $6`,
			string(state), by, j.At.Unix(), counted && req.InviteLink == j.InviteLink, j.ChatID, j.UserID); err != nil {
			return false, err
		}
		if err := settleNotifications(ctx, tx, j.ChatID, j.UserID, state); err != nil {
			return false, err
		}
		if err := settleVerification(ctx, tx, j.ChatID, j.UserID, req.RequestedAt, j.At); err != nil {
			return false, err
		}
		if state == store.RequestApproved {
			if err := recordAnswer(ctx, tx, req, state, by, j.At); err != nil {
				return false, err
			}
		}
	}
	return counted, nil
}

// countJoin adds a join, j, to the chat's link with that URL, and
// reports whether there is such a link.
func countJoin(ctx context.Context, tx pgx.Tx, chatID int64, url string, j store.LinkJoin) (bool, error) {
	if url == "" {
		return false, nil
	}
	tag, err := tx.Exec(ctx, `UPDATE links SET joins = joins + 1 WHERE chat_id = $1 AND url = $2`, chatID, url)
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO link_joins (chat_id, invite_link, user_id, first_name, last_name, username,
		joined_at, approved_by, approved_by_name, approved_via) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		chatID, url, j.UserID, j.FirstName, j.LastName, strings.TrimPrefix(j.Username, "@"), sqlrow.UnixTime(j.At),
		j.ApprovedBy, j.ApprovedByName, j.ApprovedVia)
	return err == nil, err
}

// findRequest returns the user's request in the chat, locked until the
// transaction ends if lock; pgx.ErrNoRows if none.
func findRequest(ctx context.Context, q querier, chatID, userID int64, lock bool) (store.JoinRequest, error) {
	query := `SELECT ` + sqlrow.RequestColumns + ` FROM join_requests WHERE chat_id = $1 AND user_id = $2`
	if lock {
		query += ` FOR UPDATE`
	}
	return sqlrow.Request(q.QueryRow(ctx, query, chatID, userID))
}

// recordAnswer records the answer to r, a pending request.
func recordAnswer(ctx context.Context, tx pgx.Tx, r store.JoinRequest, state store.RequestState, by int64, at time.Time) error {
	kind := store.ActionRequestDeclined
	if state == store.RequestApproved {
		kind = store.ActionRequestApproved
	}
	a := store.Action{ChatID: r.ChatID, At: at, By: by, Kind: kind, Subject: r.UserID, Details: store.RequesterName(r)}
	if r.InviteLink != "" {
		if err := tx.QueryRow(ctx, `SELECT number FROM links WHERE chat_id = $1 AND url = $2`, r.ChatID, r.InviteLink).Scan(&a.Link); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}
	return recordAction(ctx, tx, a)
}
