//go:build unix

package sqlite_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestBackupModeIgnoresUmask: the copy is 0600 whatever the umask; one that
// takes the owner's write bit away would otherwise leave it 0400.
func TestBackupModeIgnoresUmask(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, filepath.Join(dir, "invitebot.db"))
	add(t, db, newLink(-1, "https://t.me/+a"))
	old := syscall.Umask(0o277)
	defer syscall.Umask(old)
	target := filepath.Join(dir, "backup.db")
	if err := db.Backup(t.Context(), target); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %v under umask 0277, want 0600", fi.Mode().Perm())
	}
}
