package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/sqlite"
)

// writer keeps adding primary links to chat -1, each in its own
// transaction that also revokes the previous primary link, until stopped.
type writer struct {
	mu        sync.Mutex
	committed int // links whose AddLink returned
	err       error
	stop      chan struct{}
	done      chan struct{}
}

func startWriter(t *testing.T, db *sqlite.DB) *writer {
	t.Helper()
	w := &writer{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for i := 0; ; i++ {
			select {
			case <-w.stop:
				return
			default:
			}
			_, _, err := db.AddLink(context.Background(), primaryLink(-1, fmt.Sprintf("https://t.me/+w%d", i)))
			w.mu.Lock()
			if err != nil {
				w.err = err
				w.mu.Unlock()
				return
			}
			w.committed = i + 1
			w.mu.Unlock()
		}
	}()
	t.Cleanup(w.end)
	return w
}

func (w *writer) count() (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.committed, w.err
}

// waitFor waits until the writer has committed n links.
func (w *writer) waitFor(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for ; ; <-tick.C {
		got, err := w.count()
		if err != nil {
			t.Fatalf("the writer failed: %v", err)
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the writer committed %d links in 20s, want %d", got, n)
		}
	}
}

func (w *writer) end() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

// TestBackupWhileWriting copies a database while another connection keeps
// writing to it, as the bot does, and checks the copy: private, sound,
// with every link committed before the backup began, and no transaction
// half in it.
func TestBackupWhileWriting(t *testing.T) {
	for _, tc := range []struct {
		name string
		// source gives the database to back up: a read-only one of its
		// own, as `invitebot backup` opens, or the writer's.
		source func(t *testing.T, path string, writer *sqlite.DB) *sqlite.DB
	}{
		{"read-only", func(t *testing.T, path string, _ *sqlite.DB) *sqlite.DB {
			db, err := sqlite.OpenReadOnly(t.Context(), path)
			if err != nil {
				t.Fatalf("OpenReadOnly: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
		{"the writer's", func(_ *testing.T, _ string, writer *sqlite.DB) *sqlite.DB { return writer }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "invitebot.db")
			db := openDB(t, path)
			// Other chats' links, for pages to copy.
			for i := range 300 {
				add(t, db, newLink(-2-int64(i%10), fmt.Sprintf("https://t.me/+o%d", i)))
			}

			w := startWriter(t, db)
			w.waitFor(t, 20)
			before, _ := w.count()
			target := filepath.Join(dir, "backup.db")
			if err := tc.source(t, path, db).Backup(t.Context(), target); err != nil {
				t.Fatalf("Backup: %v", err)
			}
			// The writer was not stopped by the backup.
			after, _ := w.count()
			w.waitFor(t, after+20)
			w.end()
			total, err := w.count()
			if err != nil {
				t.Fatalf("the writer failed: %v", err)
			}

			fi, err := os.Stat(target)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("backup mode = %v, want 0600", fi.Mode().Perm())
			}
			cp := openDB(t, target)
			if got := pragma(t, cp.SQL(), "integrity_check"); got != "ok" {
				t.Errorf("integrity_check of the copy = %q", got)
			}
			links := list(t, cp, -1)
			if len(links) < before || len(links) > total {
				t.Fatalf("the copy has %d links; %d were committed before the backup began, %d in all", len(links), before, total)
			}
			active := 0
			for i, l := range links {
				if want := fmt.Sprintf("https://t.me/+w%d", i); l.URL != want || l.Number != int64(i+1) {
					t.Fatalf("link %d of the copy is #%d %s, want #%d %s", i, l.Number, l.URL, i+1, want)
				}
				if l.State(t0) == store.StateActive {
					active++
				}
			}
			// Each AddLink revoked the previous primary link in the same
			// transaction: a copy with half of one would have two active
			// links, or none.
			if active != 1 || links[len(links)-1].State(t0) != store.StateActive {
				t.Errorf("the copy has %d active primary links, want 1, the last", active)
			}
		})
	}
}

func TestBackupNeverReplacesAFile(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "invitebot.db"))
	add(t, db, newLink(-1, "https://t.me/+a"))
	target := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(target, []byte("yesterday's backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := db.Backup(t.Context(), target)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("Backup over a file = %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "yesterday's backup" {
		t.Errorf("the file holds %q after the refused backup", b)
	}
	// Nor an empty one, which SQLite itself would write into.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(t.Context(), empty); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Backup over an empty file = %v, want fs.ErrExist", err)
	}
	if fi, _ := os.Stat(empty); fi.Size() != 0 {
		t.Errorf("the empty file has %d bytes after the refused backup", fi.Size())
	}
}

func TestBackupCannotCreateTheFile(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "invitebot.db"))
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{
		filepath.Join(dir, "no", "such", "dir", "backup.db"),
		filepath.Join(notDir, "backup.db"),
	} {
		err := db.Backup(t.Context(), target)
		var pathErr *fs.PathError
		if !errors.As(err, &pathErr) || pathErr.Op != "open" {
			t.Errorf("Backup(%s) = %v, want the *fs.PathError of the open", target, err)
		}
	}
	if err := db.Backup(t.Context(), filepath.Join(dir, "no", "backup.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Backup into a missing directory = %v, want fs.ErrNotExist", err)
	}
}

// TestBackupLeavesNothingOnFailure: a backup that fails after the file was
// created removes it, rather than leave something that looks like a backup.
func TestBackupLeavesNothingOnFailure(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "invitebot.db"))
	add(t, db, newLink(-1, "https://t.me/+a"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	target := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, target); err == nil {
		t.Fatal("Backup with a cancelled context succeeded")
	}
	if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after a failed backup: stat = %v, want no file", err)
	}
	// A closed database fails the same way.
	db.Close()
	if err := db.Backup(t.Context(), target); err == nil {
		t.Fatal("Backup of a closed database succeeded")
	}
	if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after a failed backup: stat = %v, want no file", err)
	}
}

func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "invitebot.db")
	rw := openDB(t, path)
	add(t, rw, newLink(-1, "https://t.me/+a"))
	version := pragma(t, rw.SQL(), "user_version")

	ro, err := sqlite.OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	defer ro.Close()
	if got := list(t, ro, -1); len(got) != 1 {
		t.Errorf("ListLinks through the read-only database = %d links, want 1", len(got))
	}
	if _, _, err := ro.AddLink(t.Context(), newLink(-1, "https://t.me/+b")); err == nil {
		t.Error("AddLink through the read-only database succeeded")
	}
	if got := pragma(t, rw.SQL(), "user_version"); got != version {
		t.Errorf("user_version = %s after OpenReadOnly, was %s", got, version)
	}

	t.Run("missing", func(t *testing.T) {
		missing := filepath.Join(dir, "missing.db")
		if _, err := sqlite.OpenReadOnly(t.Context(), missing); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("OpenReadOnly(missing) = %v, want fs.ErrNotExist", err)
		}
		if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("OpenReadOnly created %s", missing)
		}
	})
	t.Run("not a database", func(t *testing.T) {
		junk := filepath.Join(dir, "junk.db")
		if err := os.WriteFile(junk, []byte(fmt.Sprintf("%01000d", 7)), 0o600); err != nil {
			t.Fatal(err)
		}
		empty := filepath.Join(dir, "empty.db")
		if err := os.WriteFile(empty, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{junk, empty, dir} {
			if _, err := sqlite.OpenReadOnly(t.Context(), p); !errors.Is(err, sqlite.ErrNotDatabase) {
				t.Errorf("OpenReadOnly(%s) = %v, want ErrNotDatabase", filepath.Base(p), err)
			}
		}
	})
}
