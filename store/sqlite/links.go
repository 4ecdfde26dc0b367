package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/internal/sqlrow"
)

var _ store.Links = (*DB)(nil)

// querier is what *sql.DB and *sql.Tx have in common: the helpers serve
// plain reads and transactions alike.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// AddLink stores a new link with the chat's next number and, if it is
// primary, revokes the chat's earlier primary links in the same transaction.
func (db *DB) AddLink(ctx context.Context, l store.NewLink) (store.Link, []store.Link, error) {
	const op = "add link"
	if l.URL == "" {
		return store.Link{}, nil, fmt.Errorf("%s: empty URL", op)
	}
	if l.CreatedAt.Unix() <= 0 {
		return store.Link{}, nil, fmt.Errorf("%s: no creation time", op)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Link{}, nil, storeError(op, err)
	}
	defer tx.Rollback()
	added, replaced, err := addLink(ctx, tx, l)
	if err != nil {
		return store.Link{}, nil, storeError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return store.Link{}, nil, storeError(op, err)
	}
	return added, replaced, nil
}

// addLink is AddLink in tx: it stores l, revokes the chat's earlier
// primary links if l is primary, and records the action.
func addLink(ctx context.Context, tx *sql.Tx, l store.NewLink) (store.Link, []store.Link, error) {
	var err error
	if l.ChatID, err = currentChat(ctx, tx, l.ChatID); err != nil {
		return store.Link{}, nil, err
	}
	var replaced []store.Link
	if l.Primary {
		if replaced, err = revokePrimaryLinks(ctx, tx, l.ChatID, l.CreatedBy, l.CreatedAt); err != nil {
			return store.Link{}, nil, err
		}
	}
	added, err := insertLink(ctx, tx, l)
	if err != nil {
		return store.Link{}, nil, err
	}
	a := store.Action{ChatID: l.ChatID, At: l.CreatedAt, By: l.CreatedBy, Kind: store.ActionLinkCreated, Link: added.Number, Details: store.LinkDetails(added)}
	if l.Primary {
		a.Kind, a.Details = store.ActionLinkRotated, ""
		for i, r := range replaced {
			if i > 0 {
				a.Details += " "
			}
			a.Details += "#" + strconv.FormatInt(r.Number, 10)
		}
	}
	if err := recordAction(ctx, tx, a); err != nil {
		return store.Link{}, nil, err
	}
	return added, replaced, nil
}

// sqlrow.Link returns the chat's link #number.
func (db *DB) Link(ctx context.Context, chatID, number int64) (store.Link, error) {
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return store.Link{}, storeError(fmt.Sprintf("link #%d", number), err)
	}
	l, err := findLink(ctx, db.db, "chat_id = ? AND number = ?", chatID, number)
	if err != nil {
		return store.Link{}, storeError(fmt.Sprintf("link #%d", number), err)
	}
	return l, nil
}

// LinkByURL returns the chat's link with that URL.
func (db *DB) LinkByURL(ctx context.Context, chatID int64, url string) (store.Link, error) {
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return store.Link{}, storeError("link by URL", err)
	}
	l, err := findLink(ctx, db.db, "chat_id = ? AND url = ?", chatID, url)
	if err != nil {
		return store.Link{}, storeError("link by URL", err)
	}
	return l, nil
}

// LinksByName returns the chat's links named name, ignoring case, ordered
// by number.
func (db *DB) LinksByName(ctx context.Context, chatID int64, name string) ([]store.Link, error) {
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return nil, storeError("links by name", err)
	}
	links, err := findLinks(ctx, db.db, "chat_id = ? AND name_key = ? ORDER BY number", chatID, sqlrow.NameKey(name))
	if err != nil {
		return nil, storeError("links by name", err)
	}
	return links, nil
}

// LinkByRequest returns the link that the command named request asked for.
func (db *DB) LinkByRequest(ctx context.Context, request string) (store.Link, error) {
	if request == "" {
		return store.Link{}, storeError("link by request", sql.ErrNoRows)
	}
	l, err := findLink(ctx, db.db, "request = ?", request)
	if err != nil {
		return store.Link{}, storeError("link by request", err)
	}
	return l, nil
}

// ListLinks returns all of the chat's links, ordered by number.
func (db *DB) ListLinks(ctx context.Context, chatID int64) ([]store.Link, error) {
	chatID, err := currentChat(ctx, db.db, chatID)
	if err != nil {
		return nil, storeError("list links", err)
	}
	links, err := findLinks(ctx, db.db, "chat_id = ? ORDER BY number", chatID)
	if err != nil {
		return nil, storeError("list links", err)
	}
	return links, nil
}

// EditLink applies the non-nil fields of c to the chat's link #number.
func (db *DB) EditLink(ctx context.Context, chatID, number int64, c store.LinkChange) (store.Link, error) {
	op := fmt.Sprintf("edit link #%d", number)
	if c.EditedAt.Unix() <= 0 {
		return store.Link{}, fmt.Errorf("%s: no edit time", op)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	defer tx.Rollback()
	if chatID, err = currentChat(ctx, tx, chatID); err != nil {
		return store.Link{}, storeError(op, err)
	}

	before, err := findLink(ctx, tx, "chat_id = ? AND number = ?", chatID, number)
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	l, err := updateLink(ctx, tx, chatID, number, c)
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	if err := recordAction(ctx, tx, store.Action{ChatID: chatID, At: c.EditedAt, By: c.EditedBy, Kind: store.ActionLinkEdited,
		Link: number, Details: store.EditDetails(before, l)}); err != nil {
		return store.Link{}, storeError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return store.Link{}, storeError(op, err)
	}
	return l, nil
}

// RevokeLink marks the chat's link #number revoked unless it is already.
func (db *DB) RevokeLink(ctx context.Context, chatID, number, by int64, at time.Time) (store.Link, error) {
	op := fmt.Sprintf("revoke link #%d", number)
	if at.Unix() <= 0 {
		return store.Link{}, fmt.Errorf("%s: no revocation time", op)
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	defer tx.Rollback()
	if chatID, err = currentChat(ctx, tx, chatID); err != nil {
		return store.Link{}, storeError(op, err)
	}

	res, err := tx.ExecContext(ctx, `
		UPDATE links SET revoked_by = ?, revoked_at = ?
		WHERE chat_id = ? AND number = ? AND revoked_at = 0`,
		by, at.Unix(), chatID, number)
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return store.Link{}, storeError(op, err)
	} else if n > 0 {
		if err := recordAction(ctx, tx, store.Action{ChatID: chatID, At: at, By: by, Kind: store.ActionLinkRevoked, Link: number}); err != nil {
			return store.Link{}, storeError(op, err)
		}
	}
	l, err := findLink(ctx, tx, "chat_id = ? AND number = ?", chatID, number)
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	if err := tx.Commit(); err != nil {
		return store.Link{}, storeError(op, err)
	}
	return l, nil
}

// insertLink stores l with the chat's next number and returns it as stored.
func insertLink(ctx context.Context, tx *sql.Tx, l store.NewLink) (store.Link, error) {
	// The transaction holds the write lock (BEGIN IMMEDIATE), so no one can
	// take the same number between this query and the insert.
	var number int64
	if err := tx.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(number), 0) + 1 FROM links WHERE chat_id = ?`, l.ChatID,
	).Scan(&number); err != nil {
		return store.Link{}, err
	}
	return sqlrow.Link(tx.QueryRowContext(ctx, `
		INSERT INTO links (chat_id, number, url, name, name_key, expires_at, member_limit,
			join_request, is_primary, created_by, created_at, request, join_mode, price)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING `+sqlrow.LinkColumns,
		l.ChatID, number, l.URL, l.Name, sqlrow.NameKey(l.Name), sqlrow.UnixTime(l.ExpiresAt), l.MemberLimit,
		l.JoinRequest, l.Primary, l.CreatedBy, l.CreatedAt.Unix(), l.Request, string(l.JoinMode), l.Price,
	))
}

// revokePrimaryLinks marks the chat's primary links that are not revoked as
// revoked by by at at, and returns them as changed, ordered by number.
func revokePrimaryLinks(ctx context.Context, tx *sql.Tx, chatID, by int64, at time.Time) ([]store.Link, error) {
	rows, err := tx.QueryContext(ctx, `
		UPDATE links SET revoked_by = ?, revoked_at = ?
		WHERE chat_id = ? AND is_primary = 1 AND revoked_at = 0
		RETURNING `+sqlrow.LinkColumns,
		by, at.Unix(), chatID)
	if err != nil {
		return nil, err
	}
	links, err := scanLinks(rows)
	if err != nil {
		return nil, err
	}
	// RETURNING gives the rows in no particular order.
	slices.SortFunc(links, func(a, b store.Link) int { return cmp.Compare(a.Number, b.Number) })
	return links, nil
}

// updateLink applies c to the chat's link #number and returns it as changed;
// sql.ErrNoRows if there is no such link.
func updateLink(ctx context.Context, tx *sql.Tx, chatID, number int64, c store.LinkChange) (store.Link, error) {
	// A NULL argument leaves its column as it is.
	var name, key, expiresAt, memberLimit, joinRequest, joinMode any
	if c.Name != nil {
		name, key = *c.Name, sqlrow.NameKey(*c.Name)
	}
	if c.ExpiresAt != nil {
		expiresAt = sqlrow.UnixTime(*c.ExpiresAt)
	}
	if c.MemberLimit != nil {
		memberLimit = *c.MemberLimit
	}
	if c.JoinRequest != nil {
		joinRequest = *c.JoinRequest
	}
	if c.JoinMode != nil {
		joinMode = string(*c.JoinMode)
	}
	return sqlrow.Link(tx.QueryRowContext(ctx, `
		UPDATE links SET
			name         = COALESCE(?, name),
			name_key     = COALESCE(?, name_key),
			expires_at   = COALESCE(?, expires_at),
			member_limit = COALESCE(?, member_limit),
			join_request = COALESCE(?, join_request),
			join_mode    = COALESCE(?, join_mode),
			edited_by    = ?,
			edited_at    = ?
		WHERE chat_id = ? AND number = ?
		RETURNING `+sqlrow.LinkColumns,
		name, key, expiresAt, memberLimit, joinRequest, joinMode, c.EditedBy, c.EditedAt.Unix(), chatID, number,
	))
}

// findLink returns the link that matches where; sql.ErrNoRows if none.
// where is a constant condition with ? placeholders for args.
func findLink(ctx context.Context, q querier, where string, args ...any) (store.Link, error) {
	return sqlrow.Link(q.QueryRowContext(ctx, `SELECT `+sqlrow.LinkColumns+` FROM links WHERE `+where, args...))
}

// findLinks returns the links that match where, which is a constant
// condition with ? placeholders for args, and may end in ORDER BY.
func findLinks(ctx context.Context, q querier, where string, args ...any) ([]store.Link, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+sqlrow.LinkColumns+` FROM links WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	return scanLinks(rows)
}

// scanLinks reads and closes rows of sqlrow.LinkColumns.
func scanLinks(rows *sql.Rows) ([]store.Link, error) {
	defer rows.Close()
	var links []store.Link
	for rows.Next() {
		l, err := sqlrow.Link(rows)
		if err != nil {
			return nil, err
		}
		links = append(links, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return links, nil
}
