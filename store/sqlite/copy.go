package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strings"

	"github.com/invitebot/invitebot/store/storecopy"
)

// SchemaVersion is the schema version of this program's migrations: a
// database that Open has migrated has it as its user_version.
func SchemaVersion() int {
	entries, _ := fs.ReadDir(migrations, "migrations")
	return len(entries)
}

// Read calls fn with a reader of the whole database as it is when the read
// begins (one read transaction: writes by others meanwhile are not seen),
// for storecopy. The database must have this program's schema version: a
// copy of an older or newer one would miss columns or carry unknown ones.
func (db *DB) Read(ctx context.Context, fn func(storecopy.Reader) error) error {
	tx, err := db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("read database: %w", err)
	}
	defer tx.Rollback()
	if err := checkVersion(ctx, tx); err != nil {
		return err
	}
	return fn(copyTx{tx})
}

// Load calls fn with a writer in one write transaction, which it commits
// if fn returns nil and rolls back otherwise, for storecopy.
func (db *DB) Load(ctx context.Context, fn func(storecopy.Writer) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("write database: %w", err)
	}
	defer tx.Rollback()
	if err := checkVersion(ctx, tx); err != nil {
		return err
	}
	if err := fn(copyTx{tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func checkVersion(ctx context.Context, tx *sql.Tx) error {
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if want := SchemaVersion(); version != want {
		return fmt.Errorf("%w: the database has schema version %d and this invitebot's is %d", storecopy.ErrSchemaVersion, version, want)
	}
	return nil
}

// copyTx is a storecopy.Reader and Writer in a transaction. The tables'
// and columns' names are storecopy's constants, never input.
type copyTx struct{ tx *sql.Tx }

func (c copyTx) Rows(ctx context.Context, t storecopy.Table, fn func([]any) error) error {
	rows, err := c.tx.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s ORDER BY %s",
		strings.Join(t.Names(), ", "), t.Name, strings.Join(t.Key, ", ")))
	if err != nil {
		return err
	}
	defer rows.Close()
	dest := make([]any, len(t.Columns))
	for i, col := range t.Columns {
		switch col.Kind {
		case storecopy.Int, storecopy.Bool:
			dest[i] = new(int64)
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
				row[i] = *dest[i].(*int64) != 0
			case storecopy.Text:
				row[i] = *dest[i].(*string)
			case storecopy.Bytes:
				// Never nil, which a driver would write as NULL.
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
	_, err := c.tx.ExecContext(ctx, "DELETE FROM "+t.Name)
	return err
}

func (c copyTx) Insert(ctx context.Context, t storecopy.Table, rows [][]any) error {
	stmt, err := c.tx.PrepareContext(ctx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (?%s)",
		t.Name, strings.Join(t.Names(), ", "), strings.Repeat(", ?", len(t.Columns)-1)))
	if err != nil {
		return err
	}
	defer stmt.Close()
	args := make([]any, len(t.Columns))
	for _, row := range rows {
		for i, v := range row {
			if b, ok := v.(bool); ok {
				v = int64(0)
				if b {
					v = int64(1)
				}
			}
			args[i] = v
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// Finish has nothing to do: SQLite gives an INTEGER PRIMARY KEY the
// highest value plus one, and a chat's next #N is its highest plus one.
func (c copyTx) Finish(context.Context) error { return nil }
