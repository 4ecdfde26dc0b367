// Package postgres implements invitebot's store on PostgreSQL (13 or
// newer), with github.com/jackc/pgx/v5 and its pool.
//
// It keeps the records of store/sqlite, in the same tables and columns,
// with the same guarantees: every store method is one transaction, so a
// write that fails leaves nothing half done; a chat's #N are given by a
// counter row per chat updated in AddLink's transaction, so that two
// writers, in one process or two, never give two links the same number;
// unique constraints are those of SQLite, and a write that breaks one is
// store.ErrConflict. Transactions run at READ COMMITTED; a method that
// reads a row to decide what to write locks it first (SELECT ... FOR
// UPDATE, or an advisory lock for what may not exist yet).
//
// The schema is kept in the embedded migrations/NNN_*.sql files, which
// Open applies in order in one transaction holding an advisory lock, so
// that instances started at once do not race; the table schema_migrations
// records which the database has.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/internal/sqlrow"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open invitebot database on a PostgreSQL server. It is safe for
// concurrent use.
type DB struct {
	pool *pgxpool.Pool
}

// AppName is the application_name of Open's connections when the URL
// sets none: pg_stat_activity shows them as the bot's, and migrate-store
// looks for them to refuse a database that a bot is using.
const AppName = "invitebot"

// connectTimeout bounds each connection attempt when the URL sets no
// connect_timeout: a server that does not answer is an error, not a hang.
const connectTimeout = 10 * time.Second

// migrateLock is the key of the advisory lock held while migrating
// (pg_advisory_xact_lock's one-bigint key space; "invitebt").
const migrateLock int64 = 0x696e766974656274

// Open connects to the database at rawURL (postgres:// or postgresql://,
// with libpq's parameters), checks that it answers, and applies the
// embedded migrations that the database does not have yet. Its errors say
// what failed (a URL that is not one, a server that cannot be reached, a
// password or a permission refused) and never hold the URL's password.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	pool, password, err := connect(ctx, rawURL, func(cfg *pgxpool.Config) {
		if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
			cfg.ConnConfig.RuntimeParams["application_name"] = AppName
		}
	})
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, redact(permissionError(err), password)
	}
	return &DB{pool: pool}, nil
}

// connect parses rawURL, lets tune adjust the pool's configuration, and
// returns the pool once the server answers, with the URL's password (to
// keep out of later errors). Its errors say what failed and never hold the
// password.
func connect(ctx context.Context, rawURL string, tune func(*pgxpool.Config)) (*pgxpool.Pool, string, error) {
	password := urlPassword(rawURL)
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, "", redact(fmt.Errorf("not a PostgreSQL URL: %w", err), password)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	if cfg.ConnConfig.Password != "" {
		password = cfg.ConnConfig.Password
	}
	tune(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, "", redact(fmt.Errorf("open database: %w", err), password)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, "", redact(connectError(err), password)
	}
	return pool, password, nil
}

// urlPassword is the password of a postgres:// URL, "" if none or if it is
// no URL.
func urlPassword(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// redactedError is an error whose text had a password taken out. It
// unwraps to the original, for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact makes sure that err's text does not hold password (pgx's own
// errors leave it out already; this is in case one does not).
func redact(err error, password string) error {
	if err == nil || password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	msg := strings.ReplaceAll(err.Error(), password, "xxxxx")
	msg = strings.ReplaceAll(msg, url.QueryEscape(password), "xxxxx")
	return &redactedError{msg: msg, err: err}
}

// connectError says why the first connection failed.
func connectError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "28P01" || pgErr.Code == "28000":
			return fmt.Errorf("the server refused the user or password (%s): %w", pgErr.Code, err)
		case pgErr.Code == "3D000":
			return fmt.Errorf("no such database (%s): %w", pgErr.Code, err)
		case pgErr.Code == "42501":
			return fmt.Errorf("permission denied (%s): %w", pgErr.Code, err)
		}
	}
	return fmt.Errorf("cannot connect: %w", err)
}

// permissionError says that a migration failed for want of a right, which
// the operator can grant.
func permissionError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42501" {
		return fmt.Errorf("%w; the user needs to own the database, or the right to create tables in its schema", err)
	}
	return err
}

// Close closes the pool, waiting for the connections in use.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping checks that the database can still be reached.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// migrate applies the embedded migrations that the database does not have
// yet, all in one transaction that holds an advisory lock: an instance
// that starts while another migrates waits for it, then finds the schema
// done. Migration n (1-based, in file-name order) must be named n_*.sql.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	entries, err := fs.ReadDir(migrations, "migrations") // sorted by name
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		applied_at bigint  NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var version int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if version > len(entries) {
		return fmt.Errorf("migrate: the database has schema version %d, newer than this program's %d", version, len(entries))
	}
	for i, e := range entries {
		prefix, _, _ := strings.Cut(e.Name(), "_")
		if n, err := strconv.Atoi(prefix); err != nil || n != i+1 {
			return fmt.Errorf("migrate: migrations/%s: want a name starting with %03d_", e.Name(), i+1)
		}
		if i+1 <= version {
			continue
		}
		body, err := fs.ReadFile(migrations, "migrations/"+e.Name())
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		// Without arguments, pgx sends the file as one simple query: all
		// its statements.
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return fmt.Errorf("migrate: %s: %w", e.Name(), err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			i+1, time.Now().Unix()); err != nil {
			return fmt.Errorf("migrate: %s: %w", e.Name(), err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// inTx runs fn in a transaction, committed if fn returns nil and rolled
// back otherwise. A transaction that PostgreSQL ends for a deadlock or a
// serialization failure is run again, a few times.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, db.pool, fn)
		var pgErr *pgconn.PgError
		if attempt < 5 && errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001") && ctx.Err() == nil {
			continue
		}
		return err
	}
}

// storeError wraps err, the error of operation op, for the caller (nil
// stays nil): a missing row becomes store.ErrNotFound and a broken unique
// constraint (unique_violation) store.ErrConflict.
func storeError(op string, err error) error {
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		return fmt.Errorf("%s: %w", op, store.ErrConflict)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// querier is what the pool and a transaction have in common: the helpers
// serve plain reads and transactions alike.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Advisory lock namespaces (pg_advisory_xact_lock's two-integer key space,
// apart from the migration's one-bigint key).
const (
	// lockMove: a basic group's ID, taken shared by the writes made under
	// it and exclusive by MoveChat, so that a write in flight during an
	// upgrade lands wholly before the move or wholly after it.
	lockMove int32 = 1
	// lockSettings: a chat's settings-like rows (chat_settings, log_chats,
	// autorotate), which their writes read first to record what changed.
	lockSettings int32 = 2
)

// lockKey folds a chat ID into the second key of an advisory lock. Two
// chats that share a key only wait for each other.
func lockKey(id int64) int32 {
	return int32(uint32(id) ^ uint32(uint64(id)>>32))
}

// writeChat returns the ID that the records of chat id are kept under (see
// currentChat), for a write in tx: for a basic group, it holds the group's
// move lock shared until tx ends, so that MoveChat cannot move the group's
// records between this read and the write.
func writeChat(ctx context.Context, tx pgx.Tx, id int64) (int64, error) {
	if mayHaveMoved(id) {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, $2)`, lockMove, lockKey(id)); err != nil {
			return 0, err
		}
	}
	return currentChat(ctx, tx, id)
}

// lockChatSettings holds the chat's settings lock until tx ends.
func lockChatSettings(ctx context.Context, tx pgx.Tx, chatID int64) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockSettings, lockKey(chatID))
	return err
}

// scanner is a row to scan.
type scanner = sqlrow.Scanner

// collect reads and closes rows, one value of each by scan.
func collect[T any](rows pgx.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
