package sqlite_test

import (
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/invitebot/invitebot/store/sqlite"
)

// openDB opens the database at path and closes it when the test ends.
func openDB(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// newDB opens a new database in a temporary directory.
func newDB(t testing.TB) *sqlite.DB {
	t.Helper()
	return openDB(t, filepath.Join(t.TempDir(), "invitebot.db"))
}

// pragma returns the value of PRAGMA name on one of db's connections.
func pragma(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := db.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestOpenSetsPragmas(t *testing.T) {
	db := newDB(t)
	for name, want := range map[string]string{
		"journal_mode": "wal",
		"busy_timeout": "5000",
		"foreign_keys": "1",
	} {
		if got := pragma(t, db.SQL(), name); got != want {
			t.Errorf("PRAGMA %s = %q, want %q", name, got, want)
		}
	}
}

func TestOpenLeavesFileInWALMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "invitebot.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// WAL mode is kept in the file: a connection that does not ask for it
	// sees it too.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if got := pragma(t, raw, "journal_mode"); got != "wal" {
		t.Errorf("journal_mode = %q, want wal", got)
	}
}

func TestOpenFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix file modes on Windows")
	}
	tests := []struct {
		name string
		// looseSidecars: -wal and -shm files with mode 0644 are there
		// before Open. They are not empty: SQLite itself sets the mode of
		// an empty one.
		looseSidecars bool
	}{
		{name: "new database"},
		{name: "loose -wal and -shm", looseSidecars: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "invitebot.db")
			if tt.looseSidecars {
				for _, name := range []string{path + "-wal", path + "-shm"} {
					if err := os.WriteFile(name, make([]byte, 64), 0o644); err != nil {
						t.Fatal(err)
					}
					if err := os.Chmod(name, 0o644); err != nil { // despite the umask
						t.Fatal(err)
					}
				}
			}
			db := openDB(t, path)
			// A write, so that the -wal and -shm files are in use.
			if _, _, err := db.AddLink(t.Context(), newLink(1, "https://t.me/+a")); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{path, path + "-wal", path + "-shm"} {
				fi, err := os.Stat(name)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != 0o600 {
					t.Errorf("%s has mode %#o, want 0600", filepath.Base(name), got)
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		// path returns the path to open, given an empty directory.
		path       func(t *testing.T, dir string) string
		wantIs     error // if not nil, errors.Is(err, wantIs) must hold
		needsPerms bool  // the test relies on file permissions
	}{
		{
			name:   "missing directory",
			path:   func(t *testing.T, dir string) string { return filepath.Join(dir, "missing", "invitebot.db") },
			wantIs: fs.ErrNotExist,
		},
		{
			name: "path is a directory",
			path: func(t *testing.T, dir string) string { return dir },
		},
		{
			name: "empty path",
			path: func(t *testing.T, dir string) string { return "" },
		},
		{
			name:       "read-only directory",
			path:       func(t *testing.T, dir string) string { readOnly(t, dir); return filepath.Join(dir, "invitebot.db") },
			wantIs:     fs.ErrPermission,
			needsPerms: true,
		},
		{
			name: "existing database in read-only directory",
			path: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "invitebot.db")
				db, err := sqlite.Open(t.Context(), path)
				if err != nil {
					t.Fatal(err)
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				readOnly(t, dir) // no room for the -wal file
				return path
			},
			needsPerms: true,
		},
		{
			name: "read-only file",
			path: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "invitebot.db")
				if err := os.WriteFile(path, nil, 0o400); err != nil {
					t.Fatal(err)
				}
				return path
			},
			wantIs:     fs.ErrPermission,
			needsPerms: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needsPerms && (os.Geteuid() == 0 || runtime.GOOS == "windows") {
				t.Skip("file permissions are not enforced for root or on Windows")
			}
			path := tt.path(t, t.TempDir())
			db, err := sqlite.Open(t.Context(), path)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded, want an error", path)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Open(%q) = %v, want an error that is %v", path, err, tt.wantIs)
			}
			t.Logf("Open(%q): %v", path, err)
		})
	}
}

// readOnly makes dir read-only until the test ends.
func readOnly(t *testing.T, dir string) {
	t.Helper()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
}

func TestOpenPathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a b?c#d%20e.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, _, err := db.AddLink(t.Context(), newLink(1, "https://t.me/+a")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The data went to path, not to a file named after part of it.
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != filepath.Base(path) {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %q, want only %q", names, filepath.Base(path))
	}
	db = openDB(t, path)
	if _, err := db.Link(t.Context(), 1, 1); err != nil {
		t.Errorf("Link after reopening: %v", err)
	}
}

func TestOpenMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "invitebot.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	version := pragma(t, db.SQL(), "user_version")
	if version == "0" {
		t.Fatalf("user_version = 0 after Open, want the number of migrations")
	}
	if _, _, err := db.AddLink(t.Context(), newLink(1, "https://t.me/+a")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Applying 001_links.sql twice would fail (CREATE TABLE links) or lose
	// the link.
	db = openDB(t, path)
	if got := pragma(t, db.SQL(), "user_version"); got != version {
		t.Errorf("user_version = %s after reopening, want %s", got, version)
	}
	if _, err := db.Link(t.Context(), 1, 1); err != nil {
		t.Errorf("Link after reopening: %v", err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "invitebot.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := db.SQL().ExecContext(t.Context(), "PRAGMA user_version = 1000"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(t.Context(), path)
	if err == nil {
		db.Close()
		t.Fatal("Open succeeded on a database with a newer schema, want an error")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open = %v, want an error about a newer schema", err)
	}
}

func TestPing(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "invitebot.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := db.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.Ping(t.Context()); err == nil {
		t.Error("Ping after Close succeeded, want an error")
	}
}
