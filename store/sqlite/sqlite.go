// Package sqlite implements invitebot's store on a SQLite database file,
// using the pure-Go driver modernc.org/sqlite.
//
// The database runs in WAL mode; every write transaction takes the write
// lock when it begins (BEGIN IMMEDIATE) and waits for a busy lock for up to
// five seconds. The schema is kept in the embedded migrations/NNN_*.sql
// files, which Open applies in order, and PRAGMA user_version records how
// many of them the database has.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/invitebot/invitebot/store"
)

// dsnParams configures every connection of the pool. busy_timeout is in
// milliseconds; the driver runs it before the other pragmas.
// synchronous(NORMAL) is the usual choice with WAL: a commit survives the
// process being killed, and only a power loss can take the last ones back.
const dsnParams = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open invitebot database. It is safe for concurrent use.
type DB struct {
	db *sql.DB
}

// Open opens (creating it with mode 0600 if missing) the database file at
// path, sets WAL mode, busy_timeout and foreign keys, and applies the
// embedded migrations that the database does not have yet, each in its own
// transaction. The error says what failed when the file cannot be created,
// opened or written, for example in a directory that does not exist or is
// not writable.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("database file: empty path")
	}
	// Create the file before SQLite does, so that it is private from the
	// start (SQLite would create it 0644 under the usual umask). Opening it
	// read-write also checks early that it can be written.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("database file: %w", err)
	}
	dsn, err := fileDSN(path, dsnParams)
	if err != nil {
		return nil, fmt.Errorf("database file: %w", err)
	}
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// sql.Open connects lazily: open the first connection now, which also
	// switches the file to WAL mode, so that its errors are reported here.
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := migrate(ctx, sqlDB); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// SQLite gives new -wal and -shm files the mode of the database file
	// but keeps the mode of ones that are there: tighten them in case the
	// database file or someone before us was less careful.
	for _, name := range []string{path + "-wal", path + "-shm"} {
		if err := os.Chmod(name, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			sqlDB.Close()
			return nil, fmt.Errorf("database file: %w", err)
		}
	}
	return &DB{db: sqlDB}, nil
}

// fileDSN is the data source name of the database file at path with the
// given parameters: a file: URI with the path made absolute and escaped,
// so that a '?' or '#' in the path cannot be mistaken for the start of the
// parameters.
func fileDSN(path, params string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	uriPath := filepath.ToSlash(abs)
	if !strings.HasPrefix(uriPath, "/") {
		uriPath = "/" + uriPath // C:/x on Windows
	}
	return (&url.URL{Scheme: "file", Path: uriPath, RawQuery: params}).String(), nil
}

// Close closes the database.
func (db *DB) Close() error {
	return db.db.Close()
}

// Ping checks that the database can still be reached.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// migrate applies the embedded migrations that the database does not have
// yet. Migration n (1-based, in file-name order) must be named n_*.sql, with
// as many leading zeros as wanted; the database has the first user_version
// of them.
func migrate(ctx context.Context, db *sql.DB) error {
	entries, err := fs.ReadDir(migrations, "migrations") // sorted by name
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
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
		if err := migrateOne(ctx, db, i+1, "migrations/"+e.Name()); err != nil {
			return fmt.Errorf("migrate: %s: %w", e.Name(), err)
		}
	}
	return nil
}

// migrateOne applies the migration in file name as schema version version,
// unless the database has it already.
func migrateOne(ctx context.Context, db *sql.DB, version int, name string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	// Read the version again inside the write transaction: another process
	// may have migrated the database since.
	var current int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return err
	}
	if current >= version {
		return nil
	}
	body, err := fs.ReadFile(migrations, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	// PRAGMA takes no parameters; version is an int.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		return err
	}
	return tx.Commit()
}

// storeError wraps err, the error of operation op, for the caller (nil
// stays nil): a missing row becomes store.ErrNotFound and a broken UNIQUE constraint
// store.ErrConflict.
func storeError(op string, err error) error {
	var sqliteErr *sqlite.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	case errors.As(err, &sqliteErr) && sqliteErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return fmt.Errorf("%s: %w", op, store.ErrConflict)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}
