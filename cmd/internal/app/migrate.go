package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"

	"github.com/invitebot/invitebot/store/postgres"
	"github.com/invitebot/invitebot/store/sqlite"
	"github.com/invitebot/invitebot/store/storecopy"
)

const migrateUsage = `usage: invitebot migrate-store FROM TO

Copies the bot's store FROM into the empty store TO, each a SQLite file or
a postgres:// (postgresql://) URL: SQLite to PostgreSQL, or back. Stop
every instance of the bot first (it refuses a store a bot has open); then
point INVITEBOT_DB at TO and start the bot again.

TO gets the schema first, then every row in one transaction, which is
committed only once each table, read back, has the row count and the
checksum of the source's: a copy that fails leaves TO empty. A TO that
holds any record is refused. FROM is only read. A SQLite TO that does not
exist is created (mode 0600). No token is needed. See README.md,
"Moving to PostgreSQL".
`

// migrateAppName is the application_name of migrate-store's connections
// to PostgreSQL, which are not a bot's (postgres.AppName).
const migrateAppName = "invitebot-migrate-store"

// copySource and copyTarget are the stores migrate-store reads and writes.
type copySource interface {
	Read(ctx context.Context, fn func(storecopy.Reader) error) error
	Close() error
}

type copyTarget interface {
	Load(ctx context.Context, fn func(storecopy.Writer) error) error
	Close() error
}

// migrateStore runs "invitebot migrate-store FROM TO". What the user can
// fix (the arguments, a store that cannot be opened, a target that is not
// empty, a bot still running) is a *ConfigError; a copy that fails is not.
// No message holds a URL's user or password: stores are named by
// describeDB.
func migrateStore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("invitebot migrate-store", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, migrateUsage)
			return nil
		}
		fmt.Fprint(stderr, migrateUsage)
		return &ConfigError{"migrate-store", err.Error()}
	}
	if flags.NArg() != 2 {
		fmt.Fprint(stderr, migrateUsage)
		return &ConfigError{"migrate-store", fmt.Sprintf("give two stores, FROM and TO (got %d arguments): e.g. invitebot migrate-store /data/invitebot.db 'postgres://invitebot@db/invitebot'", flags.NArg())}
	}
	from, to := flags.Arg(0), flags.Arg(1)
	if from == to {
		return &ConfigError{"migrate-store", "FROM and TO are the same store; give a new SQLite file or an empty PostgreSQL database as TO"}
	}
	fromName, toName := describeDB(from), describeDB(to)
	// Before this process opens either file: the check would drop the
	// locks of its own connections to it.
	for _, f := range []struct{ which, path string }{{"FROM", from}, {"TO", to}} {
		if !isPostgres(f.path) {
			if err := refuseIfFileInUse(f.path, f.which); err != nil {
				return err
			}
		}
	}

	src, err := openCopySource(ctx, from, fromName)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, created, err := openCopyTarget(ctx, to, toName)
	if err != nil {
		return err
	}
	closeTarget := func() {
		dst.Close()
		if created { // ours since this run: a failed copy leaves no file
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(to + suffix)
			}
		}
	}

	var report storecopy.Report
	err = src.Read(ctx, func(r storecopy.Reader) error {
		return dst.Load(ctx, func(w storecopy.Writer) error {
			var err error
			report, err = storecopy.Copy(ctx, r, w)
			return err
		})
	})
	if err != nil {
		closeTarget()
	} else {
		err = dst.Close()
	}
	switch {
	case err == nil:
	case errors.Is(err, storecopy.ErrNotEmpty):
		return &ConfigError{"migrate-store", fmt.Sprintf("TO, %s: %v; migrate-store copies into an empty store only: give a new SQLite file or an empty PostgreSQL database as TO", toName, err)}
	case errors.Is(err, storecopy.ErrSchemaVersion):
		return &ConfigError{"migrate-store", fmt.Sprintf("%v; run this invitebot on FROM once (e.g. INVITEBOT_DB=FROM invitebot -check) to bring its schema up to date, or use the invitebot that made it", err)}
	case ctx.Err() != nil:
		return fmt.Errorf("migrate-store interrupted; nothing was written to %s", toName)
	default:
		return fmt.Errorf("migrate-store: the copy failed, nothing was written to %s: %w", toName, err)
	}
	fmt.Fprintf(stdout, "ok: copied %d rows in %d tables from %s to %s; each table read back matches (rows and checksum)\n",
		report.Rows(), len(report.Tables), fromName, toName)
	return nil
}

// openCopySource opens FROM to read: a SQLite file read-only, a
// PostgreSQL database with read-only transactions; neither is migrated.
func openCopySource(ctx context.Context, from, name string) (copySource, error) {
	if isPostgres(from) {
		db, err := postgres.OpenReadOnly(ctx, withAppName(from))
		switch {
		case errors.Is(err, postgres.ErrNotDatabase):
			return nil, &ConfigError{"migrate-store", fmt.Sprintf("FROM, %s, is not an invitebot database (%v)", name, err)}
		case err != nil:
			return nil, &ConfigError{"migrate-store", fmt.Sprintf("cannot open FROM, %s (%v); check the URL, that the server is up and that the user may connect", name, err)}
		}
		if err := refuseIfBotConnected(ctx, db, "FROM", name); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	db, err := sqlite.OpenReadOnly(ctx, from)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &ConfigError{"migrate-store", fmt.Sprintf("FROM: no database at %s", from)}
	case errors.Is(err, sqlite.ErrNotDatabase):
		return nil, &ConfigError{"migrate-store", fmt.Sprintf("FROM, %s, is not an invitebot database (%v)", from, err)}
	case err != nil:
		return nil, &ConfigError{"migrate-store", fmt.Sprintf("cannot read FROM, %s (%v)", from, err)}
	}
	return db, nil
}

// openCopyTarget opens TO to write, with this program's schema (Open
// migrates it). created says that a SQLite TO did not exist before.
func openCopyTarget(ctx context.Context, to, name string) (copyTarget, bool, error) {
	if isPostgres(to) {
		db, err := postgres.Open(ctx, withAppName(to))
		if err != nil {
			return nil, false, &ConfigError{"migrate-store", fmt.Sprintf("cannot open TO, %s (%v); check the URL, that the server is up, and that the user may connect and create tables in the database", name, err)}
		}
		if err := refuseIfBotConnected(ctx, db, "TO", name); err != nil {
			db.Close()
			return nil, false, err
		}
		return db, false, nil
	}
	_, statErr := os.Stat(to)
	created := errors.Is(statErr, fs.ErrNotExist)
	db, err := sqlite.Open(ctx, to)
	if err != nil {
		if created {
			os.Remove(to)
		}
		return nil, false, &ConfigError{"migrate-store", fmt.Sprintf("cannot open TO, %s (%v); give a file in a directory that exists and that this user may write to", to, err)}
	}
	return db, created, nil
}

// refuseIfBotConnected fails if a bot (a session of postgres.AppName) is
// connected to the database: it would write on during the copy.
func refuseIfBotConnected(ctx context.Context, db *postgres.DB, which, name string) error {
	n, err := db.Sessions(ctx, postgres.AppName)
	if err != nil {
		return &ConfigError{"migrate-store", fmt.Sprintf("%s, %s: %v", which, name, err)}
	}
	if n > 0 {
		return &ConfigError{"migrate-store", fmt.Sprintf("%s, %s, is in use by a running invitebot (%d connections): stop every instance of the bot first", which, name, n)}
	}
	return nil
}

// refuseIfFileInUse fails if another process has the SQLite file open.
// Call it before this process opens the file (sqlite.InUse).
func refuseIfFileInUse(path, which string) error {
	used, err := sqlite.InUse(path)
	if err != nil {
		return &ConfigError{"migrate-store", fmt.Sprintf("%s: %v", which, err)}
	}
	if used {
		return &ConfigError{"migrate-store", fmt.Sprintf("%s, %s, is open in another process (a running bot?): stop the bot first", which, path)}
	}
	return nil
}

// withAppName is the postgres:// URL u with migrate-store's
// application_name, in place of any it sets: the check for running bots
// must not count migrate-store's own connections.
func withAppName(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u // Open says what is wrong with it
	}
	q := parsed.Query()
	q.Set("application_name", migrateAppName)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}
