package sqlite_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/sqlite"
	"github.com/invitebot/invitebot/store/storetest"
)

// TestStore runs the store's contract suite, each test on a new database
// file.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return testDB{newDB(t)} })
}

// testDB is a database with the SQL that the contract suite runs besides
// the store's methods.
type testDB struct{ *sqlite.DB }

func (db testDB) ExecSQL(ctx context.Context, query string) error {
	_, err := db.SQL().ExecContext(ctx, query)
	return err
}

func (db testDB) QueryInt(ctx context.Context, query string) (int64, error) {
	var n int64
	err := db.SQL().QueryRowContext(ctx, query).Scan(&n)
	return n, err
}

// t0 is the tests' "now"; whole seconds, as the store keeps them.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// newLink is a plain link of chatID, made by user 7 at t0.
func newLink(chatID int64, url string) store.NewLink {
	return store.NewLink{ChatID: chatID, URL: url, CreatedBy: 7, CreatedAt: t0}
}

// primaryLink is newLink as the chat's primary link.
func primaryLink(chatID int64, url string) store.NewLink {
	l := newLink(chatID, url)
	l.Primary = true
	return l
}

// add stores l and fails the test on error.
func add(t *testing.T, db *sqlite.DB, l store.NewLink) (store.Link, []store.Link) {
	t.Helper()
	added, replaced, err := db.AddLink(t.Context(), l)
	if err != nil {
		t.Fatalf("AddLink(%s): %v", l.URL, err)
	}
	return added, replaced
}

// list returns all of the chat's links and fails the test on error.
func list(t *testing.T, db *sqlite.DB, chatID int64) []store.Link {
	t.Helper()
	links, err := db.ListLinks(t.Context(), chatID)
	if err != nil {
		t.Fatalf("ListLinks(%d): %v", chatID, err)
	}
	return links
}

func TestDataSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "invitebot.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	l := primaryLink(-100123, "https://t.me/+a")
	l.Name, l.ExpiresAt, l.MemberLimit, l.JoinRequest = "Ärger", t0.Add(time.Hour), 5, true
	add(t, db, l)
	add(t, db, primaryLink(-100123, "https://t.me/+b")) // revokes #1
	add(t, db, newLink(-100123, "https://t.me/+c"))
	if _, err := db.EditLink(t.Context(), -100123, 3, store.LinkChange{Name: new("c"), EditedBy: 8, EditedAt: t0}); err != nil {
		t.Fatal(err)
	}
	before := list(t, db, -100123)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openDB(t, path)
	if after := list(t, db, -100123); !slices.Equal(after, before) {
		t.Errorf("after reopening:\n%+v\nbefore:\n%+v", after, before)
	}
	added, _ := add(t, db, newLink(-100123, "https://t.me/+d"))
	if added.Number != 4 {
		t.Errorf("link added after reopening is #%d, want #4", added.Number)
	}
}

// TestUpdatesJournalSurvivesReopen: the journal is in the file: what was
// accepted and not finished comes back after a restart, with the mark.
func TestUpdatesJournalSurvivesReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "invitebot.db")
	db := openDB(t, path)
	err := db.AcceptUpdates(ctx, 14, []store.PendingUpdate{{ID: 11, Raw: []byte(`{"update_id":11}`)}, {ID: 13, Raw: []byte(`{"update_id":13}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FinishUpdate(ctx, 11); err != nil {
		t.Fatal(err)
	}
	if err := db.AcceptUpdates(ctx, 15, []store.PendingUpdate{{ID: 13, Raw: []byte(`{"again":true}`)}, {ID: 15, Raw: []byte(`{"update_id":15}`)}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openDB(t, path) // survives a restart
	last, pending, err := db.PendingUpdates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last != 15 || len(pending) != 2 || pending[0].ID != 13 || pending[1].ID != 15 || string(pending[0].Raw) != `{"update_id":13}` {
		t.Errorf("after restart: last %d, pending %+v", last, pending)
	}
}
