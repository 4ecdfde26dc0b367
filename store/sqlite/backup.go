package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotDatabase: the file is not an invitebot database (not SQLite at all,
// or a SQLite file that no invitebot ever migrated).
var ErrNotDatabase = errors.New("not an invitebot database")

// readOnlyParams open the file for reading only: SQLite then creates no
// database file and writes nothing to it. A reader of a WAL database takes
// no lock that keeps writers waiting.
const readOnlyParams = "mode=ro&_pragma=busy_timeout(5000)"

// OpenReadOnly opens the existing database at path for reading only, for
// a backup while the bot (another process) runs on it, or a copy
// elsewhere. Unlike Open it creates no file and applies no migration: a
// database that a newer invitebot migrated opens too. Its write methods
// fail. The error wraps fs.ErrNotExist when there is no file at path, and
// ErrNotDatabase when the file is not an invitebot database.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("database file: empty path")
	}
	// SQLite's "unable to open database file" does not say why; the file
	// system does.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("database file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("database file %s: not a regular file: %w", path, ErrNotDatabase)
	}
	dsn, err := fileDSN(path, readOnlyParams)
	if err != nil {
		return nil, fmt.Errorf("database file: %w", err)
	}
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Every migrated database has a user_version of 1 or more; an empty
	// or foreign SQLite file has 0, and a file that is not SQLite fails.
	var version int
	err = sqlDB.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
	var sqliteErr *sqlite.Error
	switch {
	case errors.As(err, &sqliteErr) && sqliteErr.Code()&0xff == sqlite3.SQLITE_NOTADB:
		err = fmt.Errorf("%s: %w", path, ErrNotDatabase)
	case err != nil:
		err = fmt.Errorf("open database %s: %w", path, err)
	case version == 0:
		err = fmt.Errorf("%s: no invitebot schema: %w", path, ErrNotDatabase)
	}
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	return &DB{db: sqlDB}, nil
}

// Backup writes a consistent copy of the database, as it is when the copy
// begins, to a new file at path, with SQLite's VACUUM INTO. It reads in
// one transaction: in WAL mode the bot's writes go on meanwhile, and none
// of them is half in the copy. The copy is a compact, self-contained
// database file (no -wal to go with it), which Open opens as it is.
//
// The file is created with mode 0600 before anything is written to it, so
// that it is never readable by others, whatever the umask. Backup never
// replaces a file: when path exists, the error wraps fs.ErrExist. When the
// file cannot be created (no such directory, no permission, a read-only
// file system), the error is the *fs.PathError of that open. On any error
// after that, the unfinished file is removed. When Backup returns nil the
// copy has been synced to the disk.
func (db *DB) Backup(ctx context.Context, path string) (err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("backup file: %w", err)
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup file: %w", err)
	}
	// From here on the file is ours: do not leave half a backup behind.
	defer func() {
		if err != nil {
			os.Remove(abs)
		}
	}()
	// The umask can only have taken bits away; make it exactly 0600.
	err = f.Chmod(0o600)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup file: %w", err)
	}

	// VACUUM INTO writes into a file that is empty, as this one is. The
	// path is absolute, so SQLite never reads it as a file: URI.
	if _, err := db.db.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	// SQLite does not sync the file VACUUM INTO writes: do it, and the
	// directory that holds its name, so that the backup outlives a power
	// loss once Backup returns.
	if err := syncPath(abs); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := syncPath(filepath.Dir(abs)); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// syncPath flushes the file or directory at path to the disk.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
