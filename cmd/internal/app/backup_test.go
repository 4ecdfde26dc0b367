package app

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/invitebot/invitebot/store/sqlite"
)

// backupMain runs "invitebot backup args..." through realMain with env as
// the environment, and returns the exit status, stdout, stderr and the
// variables it read.
func backupMain(ctx context.Context, env map[string]string, args ...string) (code int, stdout, stderr string, read []string) {
	var mu sync.Mutex
	getenv := func(k string) string {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(read, k) {
			read = append(read, k)
		}
		return env[k]
	}
	out, errOut := &syncBuffer{}, &syncBuffer{}
	code = Main(ctx, append([]string{"backup"}, args...), getenv, out, errOut)
	return code, out.String(), errOut.String(), read
}

// TestBackupWhileTheBotRuns backs up the database of a running bot and
// finds its links in the copy; the bot goes on working.
func TestBackupWhileTheBotRuns(t *testing.T) {
	srv := newWorld(t)
	dir := t.TempDir()
	h := start(t, srv, dir)
	mustContain(t, h.ask(groupID, alice, "/createlink Partners").PlainText, "#1")
	mustContain(t, h.ask(groupID, alice, "/createlink Friends").PlainText, "#2")

	target := filepath.Join(t.TempDir(), "backup-2026-12-06.db")
	code, stdout, stderr, read := backupMain(t.Context(), map[string]string{"INVITEBOT_DB": h.env["INVITEBOT_DB"]}, target)
	if code != 0 || stderr != "" || strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(stdout, "ok: "+target+" written") {
		t.Fatalf("backup: exit %d, stdout %q, stderr %q; want 0 and one line on stdout", code, stdout, stderr)
	}
	if !slices.Equal(read, []string{"INVITEBOT_DB"}) {
		t.Errorf("backup read %v from the environment, want INVITEBOT_DB only (no token)", read)
	}
	mustContain(t, h.ask(groupID, alice, "/createlink Family").PlainText, "#3")

	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %v, want 0600", fi.Mode().Perm())
	}
	cp, err := sqlite.Open(t.Context(), target)
	if err != nil {
		t.Fatalf("the copy does not open: %v", err)
	}
	defer cp.Close()
	links, err := cp.ListLinks(t.Context(), groupID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range links {
		names = append(names, l.Name)
	}
	if !slices.Equal(names, []string{"Partners", "Friends"}) {
		t.Errorf("the copy holds links %q, want Partners and Friends", names)
	}
}

// TestBackupDefaultDatabase: without INVITEBOT_DB, invitebot.db in the
// current directory is copied, as the bot would use it.
func TestBackupDefaultDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	db, err := sqlite.Open(t.Context(), "invitebot.db")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, stdout, stderr, _ := backupMain(t.Context(), nil, "copy.db")
	if code != 0 || !strings.Contains(stdout, "a consistent copy of invitebot.db") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "copy.db")); err != nil {
		t.Error(err)
	}
}

// TestBackupFailures: each failure is one line on stderr that says what to
// do, exit status 2 when the user can fix it, and leaves no file behind.
func TestBackupFailures(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "invitebot.db")
	db, err := sqlite.Open(t.Context(), good)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	junk := filepath.Join(dir, "notes.txt")
	exists := filepath.Join(dir, "exists.db")
	aFile := filepath.Join(dir, "a-file")
	for _, p := range []string{junk, exists, aFile} {
		if err := os.WriteFile(p, []byte("do not touch this file, it is not a database; a backup must leave it as it is"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name     string
		ctx      context.Context
		db       string
		args     []string
		wantCode int
		want     []string // in the one line on stderr
		noFile   string   // a path that must not exist after
	}{
		{"no FILE", nil, good, nil, 2, []string{"invitebot: backup: give one FILE", "invitebot backup FILE"}, ""},
		{"two FILEs", nil, good, []string{"a.db", "b.db"}, 2, []string{"invitebot: backup: give one FILE"}, ""},
		{"unknown flag", nil, good, []string{"-force", "x.db"}, 2, []string{"invitebot: backup: flag provided but not defined: -force", "usage: invitebot backup FILE"}, ""},
		{"no such database", nil, filepath.Join(dir, "missing.db"), []string{filepath.Join(dir, "b1.db")}, 2,
			[]string{"invitebot: INVITEBOT_DB: no database at " + filepath.Join(dir, "missing.db"), "set INVITEBOT_DB to the bot's database file"}, filepath.Join(dir, "missing.db")},
		{"not a database", nil, junk, []string{filepath.Join(dir, "b2.db")}, 2,
			[]string{"invitebot: INVITEBOT_DB: " + junk + " is not an invitebot database"}, filepath.Join(dir, "b2.db")},
		{"target exists", nil, good, []string{exists}, 2,
			[]string{"invitebot: backup: " + exists + " exists already", "give a new name"}, ""},
		{"no such directory", nil, good, []string{filepath.Join(dir, "nodir", "b.db")}, 2,
			[]string{"invitebot: backup: cannot create " + filepath.Join(dir, "nodir", "b.db") + " (no such file or directory)", "a directory that exists and that this user may write to"}, filepath.Join(dir, "nodir")},
		{"directory is a file", nil, good, []string{filepath.Join(aFile, "b.db")}, 2,
			[]string{"invitebot: backup: cannot create " + filepath.Join(aFile, "b.db") + " (not a directory)"}, ""},
		{"PostgreSQL", nil, "postgres://invitebot:s3cret-pw@db.example.com/invitebot", []string{filepath.Join(dir, "b3.db")}, 2,
			[]string{"invitebot: INVITEBOT_DB: is a PostgreSQL URL", "pg_dump"}, filepath.Join(dir, "b3.db")},
		{"interrupted", cancelled, good, []string{filepath.Join(dir, "b4.db")}, 1,
			[]string{"invitebot: backup interrupted; " + filepath.Join(dir, "b4.db") + " was not written"}, filepath.Join(dir, "b4.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = t.Context()
			}
			code, stdout, stderr, _ := backupMain(ctx, map[string]string{"INVITEBOT_DB": tt.db}, tt.args...)
			if code != tt.wantCode || stdout != "" || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and one line on stderr", code, stdout, stderr, tt.wantCode)
			}
			mustContain(t, stderr, tt.want...)
			if strings.Contains(stderr, "s3cret") {
				t.Errorf("stderr shows the database password: %q", stderr)
			}
			if tt.noFile != "" {
				if _, err := os.Stat(tt.noFile); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s exists after the failed backup (%v)", tt.noFile, err)
				}
			}
		})
	}
	for _, p := range []string{junk, exists, aFile} {
		if b, _ := os.ReadFile(p); !strings.HasPrefix(string(b), "do not touch this file") {
			t.Errorf("%s was changed: %q", p, b)
		}
	}
}

func TestBackupHelp(t *testing.T) {
	code, stdout, stderr, _ := backupMain(t.Context(), nil, "-h")
	if code != 0 || stdout != "" || !strings.HasPrefix(stderr, "usage: invitebot backup FILE\n") {
		t.Errorf("-h: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
