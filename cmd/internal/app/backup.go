package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/invitebot/invitebot/store/sqlite"
)

const backupUsage = `usage: invitebot backup FILE

Writes a consistent copy of the bot's SQLite database (INVITEBOT_DB,
default invitebot.db) to FILE, a new file with mode 0600, while the bot
runs or not: the bot goes on meanwhile. FILE must not exist. Only
INVITEBOT_DB is read: no token is needed. The copy is a plain SQLite
file; to restore it, stop the bot, delete the database's -wal and -shm
files and put the copy in its place (README.md, Backups).
`

// backup runs "invitebot backup FILE". Failures the user can fix (no
// such database, FILE exists, a directory that cannot be written) are a
// *ConfigError; anything else (an I/O error, an interruption) is not.
func backup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("invitebot backup", flag.ContinueOnError)
	flags.SetOutput(io.Discard) // one line from exitCode, not flag's usage
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, backupUsage)
			return nil
		}
		return &ConfigError{"backup", err.Error() + "; usage: invitebot backup FILE"}
	}
	if flags.NArg() != 1 {
		return &ConfigError{"backup", "give one FILE to write the copy to: invitebot backup FILE (e.g. invitebot backup /data/backup-2026-12-06.db)"}
	}
	file := flags.Arg(0)
	src := getenv("INVITEBOT_DB")
	if src == "" {
		src = defaultDB
	}
	// Never echo the URL: it may hold a password.
	if isPostgres(src) {
		return &ConfigError{"INVITEBOT_DB", `is a PostgreSQL URL; invitebot backup copies a SQLite database: back PostgreSQL up with pg_dump (e.g. pg_dump --format=custom --file=FILE "$INVITEBOT_DB")`}
	}

	interrupted := fmt.Errorf("backup interrupted; %s was not written", file)
	db, err := sqlite.OpenReadOnly(ctx, src)
	switch {
	case err != nil && ctx.Err() != nil:
		return interrupted
	case errors.Is(err, fs.ErrNotExist):
		return &ConfigError{"INVITEBOT_DB", fmt.Sprintf("no database at %s; set INVITEBOT_DB to the bot's database file, as the bot has it (a relative path starts in the current directory)", src)}
	case errors.Is(err, sqlite.ErrNotDatabase):
		return &ConfigError{"INVITEBOT_DB", fmt.Sprintf("%s is not an invitebot database (%v); set INVITEBOT_DB to the bot's database file", src, err)}
	case err != nil:
		return &ConfigError{"INVITEBOT_DB", fmt.Sprintf("cannot read %s (%v); run the backup where the bot runs, as the bot's user or root", src, err)}
	}
	defer db.Close()

	err = db.Backup(ctx, file)
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, fs.ErrExist):
		return &ConfigError{"backup", fmt.Sprintf("%s exists already; a backup never replaces a file: give a new name", file)}
	case errors.As(err, &pathErr) && pathErr.Op == "open":
		return &ConfigError{"backup", fmt.Sprintf("cannot create %s (%v); give a file in a directory that exists and that this user may write to (in the container: under /data)", file, pathErr.Err)}
	case err != nil && ctx.Err() != nil:
		return interrupted
	case err != nil:
		return fmt.Errorf("backup of %s failed, %s was not written: %w", src, file, err)
	}
	size := int64(0)
	if fi, err := os.Stat(file); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(stdout, "ok: %s written (%d bytes), a consistent copy of %s\n", file, size, src)
	return nil
}
