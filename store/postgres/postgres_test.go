package postgres_test

import (
	"context"
	"testing"

	"github.com/invitebot/invitebot/store/postgres"
	"github.com/invitebot/invitebot/store/postgres/pgtest"
	"github.com/invitebot/invitebot/store/storetest"
)

// TestStore runs the store's contract suite, each test on a new database.
func TestStore(t *testing.T) {
	pgtest.Server(t) // skip (or fail) once, not per test
	storetest.Run(t, func(t *testing.T) storetest.Store { return testDB{newDB(t)} })
}

// testDB is a database with the SQL that the contract suite runs besides
// the store's methods.
type testDB struct{ *postgres.DB }

func (db testDB) ExecSQL(ctx context.Context, query string) error {
	_, err := db.Pool().Exec(ctx, query)
	return err
}

func (db testDB) QueryInt(ctx context.Context, query string) (int64, error) {
	var n int64
	err := db.Pool().QueryRow(ctx, query).Scan(&n)
	return n, err
}

// openDB opens the database at url and closes it when the test ends.
func openDB(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newDB opens a new database of its own on the test server.
func newDB(t testing.TB) *postgres.DB {
	t.Helper()
	return openDB(t, pgtest.NewDatabase(t))
}
