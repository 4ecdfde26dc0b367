//go:build unix

package sqlite_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/invitebot/invitebot/store/sqlite"
)

// TestInUse: a database that another process has open is in use, as long
// as that process keeps it open, whether it opened it to write or to read;
// before and after, it is not.
func TestInUse(t *testing.T) {
	if path := os.Getenv("INUSE_CHILD_DB"); path != "" {
		// The child: open the database, say so, wait for stdin to close.
		open := sqlite.Open
		if os.Getenv("INUSE_CHILD_RO") == "1" {
			open = sqlite.OpenReadOnly
		}
		db, err := open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString("open\n")
		bufio.NewReader(os.Stdin).ReadString('\n')
		db.Close()
		return
	}
	path := filepath.Join(t.TempDir(), "invitebot.db")
	db, err := sqlite.Open(t.Context(), path) // made, then closed: no user left
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	inUse := func() bool {
		t.Helper()
		used, err := sqlite.InUse(path)
		if err != nil {
			t.Fatalf("InUse: %v", err)
		}
		return used
	}
	if inUse() {
		t.Fatal("InUse before any process opened the database = true")
	}
	for _, ro := range []string{"0", "1"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestInUse$")
		cmd.Env = append(os.Environ(), "INUSE_CHILD_DB="+path, "INUSE_CHILD_RO="+ro)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		if line != "open\n" {
			stdin.Close()
			cmd.Wait()
			t.Fatalf("child (read-only %s) said %q, want open", ro, line)
		}
		if !inUse() {
			t.Errorf("InUse while another process (read-only %s) has the database open = false", ro)
		}
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
		if inUse() {
			t.Errorf("InUse once the other process (read-only %s) ended = true", ro)
		}
	}
}
