package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/internal/sqlrow"
)

var _ store.Links = (*DB)(nil)

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
	var (
		added    store.Link
		replaced []store.Link
	)
	err := db.inTx(ctx, func(tx pgx.Tx) (err error) {
		added, replaced, err = addLink(ctx, tx, l)
		return err
	})
	if err != nil {
		return store.Link{}, nil, storeError(op, err)
	}
	return added, replaced, nil
}

// addLink is AddLink in tx: it takes the chat's next number, revokes the
// chat's earlier primary links if l is primary, stores l and records the
// action.
func addLink(ctx context.Context, tx pgx.Tx, l store.NewLink) (store.Link, []store.Link, error) {
	var err error
	if l.ChatID, err = writeChat(ctx, tx, l.ChatID); err != nil {
		return store.Link{}, nil, err
	}
	// Taking the number first locks the chat's counter row until the
	// transaction ends: another AddLink of the chat, here or in another
	// process, waits for it, then counts on from its number.
	var number int64
	if err := tx.QueryRow(ctx, `
		INSERT INTO link_numbers (chat_id, last) VALUES ($1, 1)
		ON CONFLICT (chat_id) DO UPDATE SET last = link_numbers.last + 1
		RETURNING last`, l.ChatID).Scan(&number); err != nil {
		return store.Link{}, nil, err
	}
	var replaced []store.Link
	if l.Primary {
		if replaced, err = revokePrimaryLinks(ctx, tx, l.ChatID, l.CreatedBy, l.CreatedAt); err != nil {
			return store.Link{}, nil, err
		}
	}
	added, err := sqlrow.Link(tx.QueryRow(ctx, `
		INSERT INTO links (chat_id, number, url, name, name_key, expires_at, member_limit,
			join_request, is_primary, created_by, created_at, request, join_mode, price)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		RETURNING `+sqlrow.LinkColumns,
		l.ChatID, number, l.URL, l.Name, sqlrow.NameKey(l.Name), sqlrow.UnixTime(l.ExpiresAt), l.MemberLimit,
		l.JoinRequest, l.Primary, l.CreatedBy, l.CreatedAt.Unix(), l.Request, string(l.JoinMode), l.Price,
	))
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
	op := fmt.Sprintf("link #%d", number)
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	l, err := findLink(ctx, db.pool, "chat_id = $1 AND number = $2", chatID, number)
	return l, storeError(op, err)
}

// LinkByURL returns the chat's link with that URL.
func (db *DB) LinkByURL(ctx context.Context, chatID int64, url string) (store.Link, error) {
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return store.Link{}, storeError("link by URL", err)
	}
	l, err := findLink(ctx, db.pool, "chat_id = $1 AND url = $2", chatID, url)
	return l, storeError("link by URL", err)
}

// LinksByName returns the chat's links named name, ignoring case, ordered
// by number.
func (db *DB) LinksByName(ctx context.Context, chatID int64, name string) ([]store.Link, error) {
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return nil, storeError("links by name", err)
	}
	links, err := findLinks(ctx, db.pool, "chat_id = $1 AND name_key = $2 ORDER BY number", chatID, sqlrow.NameKey(name))
	return links, storeError("links by name", err)
}

// LinkByRequest returns the link that the command named request asked for.
func (db *DB) LinkByRequest(ctx context.Context, request string) (store.Link, error) {
	if request == "" {
		return store.Link{}, storeError("link by request", pgx.ErrNoRows)
	}
	l, err := findLink(ctx, db.pool, "request = $1", request)
	return l, storeError("link by request", err)
}

// ListLinks returns all of the chat's links, ordered by number.
func (db *DB) ListLinks(ctx context.Context, chatID int64) ([]store.Link, error) {
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return nil, storeError("list links", err)
	}
	links, err := findLinks(ctx, db.pool, "chat_id = $1 ORDER BY number", chatID)
	return links, storeError("list links", err)
}

// EditLink applies the non-nil fields of c to the chat's link #number.
func (db *DB) EditLink(ctx context.Context, chatID, number int64, c store.LinkChange) (store.Link, error) {
	op := fmt.Sprintf("edit link #%d", number)
	if c.EditedAt.Unix() <= 0 {
		return store.Link{}, fmt.Errorf("%s: no edit time", op)
	}
	var l store.Link
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, chatID)
		if err != nil {
			return err
		}
		// Locked: the record says what this edit changed.
		before, err := findLink(ctx, tx, "chat_id = $1 AND number = $2 FOR UPDATE", chatID, number)
		if err != nil {
			return err
		}
		if l, err = updateLink(ctx, tx, chatID, number, c); err != nil {
			return err
		}
		return recordAction(ctx, tx, store.Action{ChatID: chatID, At: c.EditedAt, By: c.EditedBy, Kind: store.ActionLinkEdited,
			Link: number, Details: store.EditDetails(before, l)})
	})
	if err != nil {
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
	var l store.Link
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		chatID, err := writeChat(ctx, tx, chatID)
		if err != nil {
			return err
		}
		// A revocation racing this one waits for the row, then finds it
		// revoked and changes nothing.
		tag, err := tx.Exec(ctx, `
			UPDATE links SET revoked_by = $1, revoked_at = $2
			WHERE chat_id = $3 AND number = $4 AND revoked_at = 0`,
			by, at.Unix(), chatID, number)
		if err != nil {
			return err
		}
		if tag.RowsAffected() > 0 {
			if err := recordAction(ctx, tx, store.Action{ChatID: chatID, At: at, By: by, Kind: store.ActionLinkRevoked, Link: number}); err != nil {
				return err
			}
		}
		l, err = findLink(ctx, tx, "chat_id = $1 AND number = $2", chatID, number)
		return err
	})
	if err != nil {
		return store.Link{}, storeError(op, err)
	}
	return l, nil
}

// revokePrimaryLinks marks the chat's primary links that are not revoked as
// revoked by by at at, and returns them as changed, ordered by number.
func revokePrimaryLinks(ctx context.Context, tx pgx.Tx, chatID, by int64, at time.Time) ([]store.Link, error) {
	rows, err := tx.Query(ctx, `
		UPDATE links SET revoked_by = $1, revoked_at = $2
		WHERE chat_id = $3 AND is_primary AND revoked_at = 0
		RETURNING `+sqlrow.LinkColumns,
		by, at.Unix(), chatID)
	if err != nil {
		return nil, err
	}
	links, err := collect(rows, sqlrow.Link)
	if err != nil {
		return nil, err
	}
	// RETURNING gives the rows in no particular order.
	slices.SortFunc(links, func(a, b store.Link) int { return cmp.Compare(a.Number, b.Number) })
	return links, nil
}

// updateLink applies c to the chat's link #number and returns it as changed;
// pgx.ErrNoRows if there is no such link.
func updateLink(ctx context.Context, tx pgx.Tx, chatID, number int64, c store.LinkChange) (store.Link, error) {
	// A NULL argument leaves its column as it is.
	var (
		name, key, joinMode *string
		expiresAt           *int64
		memberLimit         *int
		joinRequest         *bool
	)
	if c.Name != nil {
		k := sqlrow.NameKey(*c.Name)
		name, key = c.Name, &k
	}
	if c.ExpiresAt != nil {
		e := sqlrow.UnixTime(*c.ExpiresAt)
		expiresAt = &e
	}
	memberLimit, joinRequest = c.MemberLimit, c.JoinRequest
	if c.JoinMode != nil {
		m := string(*c.JoinMode)
		joinMode = &m
	}
	return sqlrow.Link(tx.QueryRow(ctx, `
		UPDATE links SET
			name         = COALESCE($1, name),
			name_key     = COALESCE($2, name_key),
			expires_at   = COALESCE($3, expires_at),
			member_limit = COALESCE($4, member_limit),
			join_request = COALESCE($5, join_request),
			join_mode    = COALESCE($6, join_mode),
			edited_by    = $7,
			edited_at    = $8
		WHERE chat_id = $9 AND number = $10
		RETURNING `+sqlrow.LinkColumns,
		name, key, expiresAt, memberLimit, joinRequest, joinMode, c.EditedBy, c.EditedAt.Unix(), chatID, number,
	))
}

// findLink returns the link that matches where; pgx.ErrNoRows if none.
// where is a constant condition with $n placeholders for args.
func findLink(ctx context.Context, q querier, where string, args ...any) (store.Link, error) {
	return sqlrow.Link(q.QueryRow(ctx, `SELECT `+sqlrow.LinkColumns+` FROM links WHERE `+where, args...))
}

// findLinks returns the links that match where, which is a constant
// condition with $n placeholders for args, and may end in ORDER BY.
func findLinks(ctx context.Context, q querier, where string, args ...any) ([]store.Link, error) {
	rows, err := q.Query(ctx, `SELECT `+sqlrow.LinkColumns+` FROM links WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, sqlrow.Link)
}
