package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/invitebot/invitebot/store/storecopy"
)

// SchemaVersion is the schema version of this program's migrations: a
// database that Open has migrated has it in schema_migrations.
func SchemaVersion() int {
	entries, _ := fs.ReadDir(migrations, "migrations")
	return len(entries)
}

// ErrNotDatabase: the database holds no invitebot schema.
var ErrNotDatabase = errors.New("not an invitebot database")

// OpenReadOnly connects to the database at rawURL as Open does, but
// applies no migration and reads only: every transaction of its
// connections is read-only (default_transaction_read_only), so its write
// methods fail. The error wraps ErrNotDatabase when the database holds no
// invitebot schema; like Open's errors, it never holds the URL's password.
func OpenReadOnly(ctx context.Context, rawURL string) (*DB, error) {
	pool, password, err := connect(ctx, rawURL, func(cfg *pgxpool.Config) {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	})
	if err != nil {
		return nil, err
	}
	if _, err := schemaVersion(ctx, pool); err != nil {
		pool.Close()
		return nil, redact(err, password)
	}
	return &DB{pool: pool}, nil
}

// schemaVersion is the number of migrations the database has.
func schemaVersion(ctx context.Context, q querier) (int, error) {
	var version int
	err := q.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "42P01": // undefined_table
		return 0, fmt.Errorf("no schema_migrations table: %w", ErrNotDatabase)
	case err != nil:
		return 0, fmt.Errorf("read schema version: %w", err)
	case version == 0:
		return 0, fmt.Errorf("no migration applied: %w", ErrNotDatabase)
	}
	return version, nil
}

func checkVersion(ctx context.Context, q querier) error {
	version, err := schemaVersion(ctx, q)
	if err != nil {
		return err
	}
	if want := SchemaVersion(); version != want {
		return fmt.Errorf("%w: the database has schema version %d and this invitebot's is %d", storecopy.ErrSchemaVersion, version, want)
	}
	return nil
}

// Read calls fn with a reader of the whole database as it is when the read
// begins (one REPEATABLE READ, READ ONLY transaction: one snapshot), for
// storecopy. The database must have this program's schema version.
func (db *DB) Read(ctx context.Context, fn func(storecopy.Reader) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := checkVersion(ctx, tx); err != nil {
			return err
		}
		return fn(copyTx{tx})
	})
}

// Load calls fn with a writer in one transaction, which it commits if fn
// returns nil and rolls back otherwise, for storecopy.
func (db *DB) Load(ctx context.Context, fn func(storecopy.Writer) error) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := checkVersion(ctx, tx); err != nil {
			return err
		}
		return fn(copyTx{tx})
	})
}

// Sessions is the number of other sessions connected to this database
// whose application_name is appName: migrate-store asks it for
// "invitebot" (Open's default) to learn whether a bot runs on it.
func (db *DB) Sessions(ctx context.Context, appName string) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`, appName).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("look for other sessions: %w", err)
	}
	return n, nil
}

// copyTx is a storecopy.Reader and Writer in a transaction. The tables'
// and columns' names are storecopy's constants, never input.
type copyTx struct{ tx pgx.Tx }

func (c copyTx) Rows(ctx context.Context, t storecopy.Table, fn func([]any) error) error {
	rows, err := c.tx.Query(ctx, fmt.Sprintf("SELECT %s FROM %s ORDER BY %s",
		strings.Join(t.Names(), ", "), t.Name, strings.Join(t.Key, ", ")))
	if err != nil {
		return err
	}
	defer rows.Close()
	dest := make([]any, len(t.Columns))
	for i, col := range t.Columns {
		switch col.Kind {
		case storecopy.Int:
			dest[i] = new(int64)
		case storecopy.Bool:
			dest[i] = new(bool)
		case storecopy.Text:
			dest[i] = new(string)
		case storecopy.Bytes:
			dest[i] = new([]byte)
		}
	}
	row := make([]any, len(t.Columns))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, col := range t.Columns {
			switch col.Kind {
			case storecopy.Int:
				row[i] = *dest[i].(*int64)
			case storecopy.Bool:
				row[i] = *dest[i].(*bool)
			case storecopy.Text:
				row[i] = *dest[i].(*string)
			case storecopy.Bytes:
				// A copy, never nil (which would be written as NULL).
				row[i] = append([]byte{}, *dest[i].(*[]byte)...)
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (c copyTx) Clear(ctx context.Context, t storecopy.Table) error {
	_, err := c.tx.Exec(ctx, "DELETE FROM "+t.Name)
	return err
}

// Insert writes rows with COPY, which also takes the values of identity
// columns as given.
func (c copyTx) Insert(ctx context.Context, t storecopy.Table, rows [][]any) error {
	_, err := c.tx.CopyFrom(ctx, pgx.Identifier{t.Name}, t.Names(), pgx.CopyFromRows(rows))
	return err
}

// Finish sets each chat's last #N (link_numbers) to its highest link's, so
// that the next link of the chat gets the next number, and the identity
// columns' sequences past their highest values.
func (c copyTx) Finish(ctx context.Context) error {
	if _, err := c.tx.Exec(ctx, `INSERT INTO link_numbers (chat_id, last)
		SELECT chat_id, MAX(number) FROM links GROUP BY chat_id
		ON CONFLICT (chat_id) DO UPDATE SET last = GREATEST(link_numbers.last, EXCLUDED.last)`); err != nil {
		return fmt.Errorf("link_numbers: %w", err)
	}
	for _, t := range storecopy.Tables {
		if t.Serial == "" {
			continue
		}
		// setval(seq, 1, false): the next value is 1.
		if _, err := c.tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', '%[2]s'),
			COALESCE(MAX(%[2]s), 1), MAX(%[2]s) IS NOT NULL) FROM %[1]s`, t.Name, t.Serial)); err != nil {
			return fmt.Errorf("%s.%s's sequence: %w", t.Name, t.Serial, err)
		}
	}
	return nil
}
