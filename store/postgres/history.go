package postgres

import (
	"context"
	"time"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/internal/sqlrow"
)

var _ store.History = (*DB)(nil)

// linkJoinColumns are the columns scanLinkJoin reads, of link_joins j and
// links l, in its order.
const linkJoinColumns = `j.chat_id, COALESCE(l.number, 0), j.invite_link, j.user_id, j.first_name, j.last_name, j.username,
	j.joined_at, j.approved_by, j.approved_by_name, j.approved_via`

// LinkJoins returns the joins counted for the chat's link #number, newest first.
func (db *DB) LinkJoins(ctx context.Context, chatID, number int64) ([]store.LinkJoin, error) {
	const op = "link joins"
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	return db.linkJoins(ctx, op, `FROM links l JOIN link_joins j ON j.chat_id = l.chat_id AND j.invite_link = l.url
		WHERE l.chat_id = $1 AND l.number = $2 ORDER BY j.joined_at DESC, j.id DESC`, chatID, number)
}

// ChatJoins returns the joins counted for the chat's links since since, oldest first.
func (db *DB) ChatJoins(ctx context.Context, chatID int64, since time.Time) ([]store.LinkJoin, error) {
	const op = "chat joins"
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	return db.linkJoins(ctx, op, `FROM link_joins j LEFT JOIN links l ON l.chat_id = j.chat_id AND l.url = j.invite_link
		WHERE j.chat_id = $1 AND j.joined_at >= $2 ORDER BY j.joined_at, j.id`, chatID, sqlrow.UnixTime(since))
}

func (db *DB) linkJoins(ctx context.Context, op, from string, args ...any) ([]store.LinkJoin, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+linkJoinColumns+` `+from, args...)
	if err != nil {
		return nil, storeError(op, err)
	}
	out, err := collect(rows, scanLinkJoin)
	return out, storeError(op, err)
}

// scanLinkJoin reads a row of linkJoinColumns.
func scanLinkJoin(row scanner) (store.LinkJoin, error) {
	var (
		j  store.LinkJoin
		at int64
	)
	if err := row.Scan(&j.ChatID, &j.Link, &j.URL, &j.UserID, &j.FirstName, &j.LastName, &j.Username,
		&at, &j.ApprovedBy, &j.ApprovedByName, &j.ApprovedVia); err != nil {
		return store.LinkJoin{}, err
	}
	j.At = sqlrow.FromUnix(at)
	return j, nil
}

// LinkActions returns the record's actions on the chat's link #number, oldest first.
func (db *DB) LinkActions(ctx context.Context, chatID, number int64) ([]store.Action, error) {
	const op = "link actions"
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.ActionColumns+` FROM actions WHERE chat_id = $1 AND link = $2 ORDER BY id`, chatID, number)
	if err != nil {
		return nil, storeError(op, err)
	}
	out, err := collect(rows, sqlrow.Action)
	return out, storeError(op, err)
}

// ActionCounts counts the chat's actions since since, by kind.
func (db *DB) ActionCounts(ctx context.Context, chatID int64, since time.Time) (map[store.ActionKind]int, error) {
	const op = "action counts"
	chatID, err := currentChat(ctx, db.pool, chatID)
	if err != nil {
		return nil, storeError(op, err)
	}
	rows, err := db.pool.Query(ctx, `SELECT kind, COUNT(*) FROM actions WHERE chat_id = $1 AND at >= $2 GROUP BY kind`, chatID, sqlrow.UnixTime(since))
	if err != nil {
		return nil, storeError(op, err)
	}
	type count struct {
		kind string
		n    int
	}
	counts, err := collect(rows, func(row scanner) (count, error) {
		var c count
		err := row.Scan(&c.kind, &c.n)
		return c, err
	})
	if err != nil {
		return nil, storeError(op, err)
	}
	out := make(map[store.ActionKind]int, len(counts))
	for _, c := range counts {
		out[store.ActionKind(c.kind)] = c.n
	}
	return out, nil
}
