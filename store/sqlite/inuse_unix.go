//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// shmDMS is the byte of a WAL database's -shm file on which every
// connection to the database, in any process, holds a shared lock while
// it is open (SQLite's unix VFS, UNIX_SHM_DMS: 120 + 8).
const shmDMS = 128

// InUse reports whether another process has the database at path open
// (the bot, or a backup), from the locks SQLite's connections hold on its
// -shm file: a database that no process has open has no such lock (and
// often no -shm file). A process's own connections are not seen.
//
// Call it before this process opens the database: closing the file it
// opens here drops any lock that this process holds on the -shm file,
// its own SQLite connections' too (POSIX record locks are per process).
func InUse(path string) (bool, error) {
	f, err := os.Open(path + "-shm")
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look for users of %s: %w", path, err)
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart, Start: shmDMS, Len: 1}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return false, fmt.Errorf("look for users of %s: %w", path, err)
	}
	return lk.Type != syscall.F_UNLCK, nil
}
