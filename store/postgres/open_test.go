package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/postgres"
	"github.com/invitebot/invitebot/store/postgres/pgtest"
)

// t0 is the tests' "now"; whole seconds, as the store keeps them.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newLink(chatID int64, u string) store.NewLink {
	return store.NewLink{ChatID: chatID, URL: u, CreatedBy: 7, CreatedAt: t0}
}

// withUser is the database URL u as user:password.
func withUser(t *testing.T, u, user, password string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p.User = url.UserPassword(user, password)
	return p.String()
}

// TestOpenErrors: what Open says when it cannot open the store, and that
// it never says the password.
func TestOpenErrors(t *testing.T) {
	const password = "s3cret-pw"
	server := pgtest.Server(t)
	// A role that may connect but not create tables (PostgreSQL 15 and
	// later give PUBLIC no CREATE on the public schema; REVOKE says it
	// for the older ones).
	role := fmt.Sprintf("r_%d", time.Now().UnixNano())
	pgtest.Exec(t, server, "CREATE ROLE "+role+" LOGIN PASSWORD '"+password+"'")
	t.Cleanup(func() { pgtest.Exec(t, server, "DROP ROLE IF EXISTS "+role) }) // after the database's drop
	target := pgtest.NewDatabase(t)
	pgtest.Exec(t, target, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
	unprivileged := withUser(t, target, role, password)

	unreachable := withUser(t, "postgres://127.0.0.1:1/invitebot?sslmode=disable&connect_timeout=5", "invitebot", password)
	noDB := withUser(t, server, "invitebot", password)
	noDB = strings.Replace(noDB, mustPath(t, server), "/no_such_db_here", 1)
	tests := []struct {
		name string
		url  string
		want string
	}{
		{"bad URL", "postgres://invitebot:" + password + "@127.0.0.1:notaport/invitebot", "not a PostgreSQL URL"},
		{"bad parameter", "postgres://invitebot:" + password + "@127.0.0.1/invitebot?sslmode=sometimes", "not a PostgreSQL URL"},
		{"unreachable server", unreachable, "cannot connect"},
		{"no such database", noDB, "no such database"},
		{"missing permission", unprivileged, "permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := postgres.Open(t.Context(), tt.url)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s) succeeded, want an error", tt.name)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open = %v, want an error saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("Open's error shows the password: %v", err)
			}
			t.Logf("Open: %v", err)
		})
	}
}

func mustPath(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Path
}

// TestOpenMigratesOnce: a second Open finds the schema done and the data
// there, and numbering goes on.
func TestOpenMigratesOnce(t *testing.T) {
	u := pgtest.NewDatabase(t)
	db := openDB(t, u)
	ctx := t.Context()
	if _, _, err := db.AddLink(ctx, newLink(-100123, "https://t.me/+a")); err != nil {
		t.Fatal(err)
	}
	if err := db.AcceptUpdates(ctx, 15, []store.PendingUpdate{{ID: 13, Raw: []byte(`{"update_id":13}`)}}); err != nil {
		t.Fatal(err)
	}
	var version int
	if err := db.Pool().QueryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil || version == 0 {
		t.Fatalf("schema version after Open = %d, %v", version, err)
	}
	db.Close()

	db = openDB(t, u)
	var again, rows int
	if err := db.Pool().QueryRow(ctx, `SELECT MAX(version), COUNT(*) FROM schema_migrations`).Scan(&again, &rows); err != nil {
		t.Fatal(err)
	}
	if again != version || rows != version {
		t.Errorf("after reopening: version %d in %d rows, want %d in %d", again, rows, version, version)
	}
	if l, err := db.Link(ctx, -100123, 1); err != nil || l.URL != "https://t.me/+a" {
		t.Errorf("Link after reopening = %+v, %v", l, err)
	}
	if added, _, err := db.AddLink(ctx, newLink(-100123, "https://t.me/+b")); err != nil || added.Number != 2 {
		t.Errorf("link added after reopening = #%d, %v; want #2", added.Number, err)
	}
	last, pending, err := db.PendingUpdates(ctx)
	if err != nil || last != 15 || len(pending) != 1 || pending[0].ID != 13 || string(pending[0].Raw) != `{"update_id":13}` {
		t.Errorf("journal after reopening: %d, %+v, %v", last, pending, err)
	}
}

// TestOpenConcurrently: instances that start at once on a new database
// migrate it once, and all open it.
func TestOpenConcurrently(t *testing.T) {
	u := pgtest.NewDatabase(t)
	const n = 4
	var (
		wg   sync.WaitGroup
		errs [n]error
	)
	for i := range n {
		wg.Go(func() {
			db, err := postgres.Open(context.Background(), u)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
	}
	db := openDB(t, u)
	var rows, version int
	if err := db.Pool().QueryRow(t.Context(), `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if rows != version {
		t.Errorf("schema_migrations holds %d rows for version %d: a migration ran twice", rows, version)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	u := pgtest.NewDatabase(t)
	db := openDB(t, u)
	if _, err := db.Pool().Exec(t.Context(), `INSERT INTO schema_migrations (version, applied_at) VALUES (1000, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err := postgres.Open(t.Context(), u)
	if err == nil {
		db.Close()
		t.Fatal("Open succeeded on a database with a newer schema, want an error")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open = %v, want an error about a newer schema", err)
	}
}

// TestNumbersFromTwoInstances: two instances (each its own pool of
// connections, as two processes have) adding links to the same chats at
// once never give two links the same #N, and leave no gap.
func TestNumbersFromTwoInstances(t *testing.T) {
	u := pgtest.NewDatabase(t)
	a, b := openDB(t, u), openDB(t, u)
	const perWriter, writers = 15, 4
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		got  = map[int64][]int64{}
		errs []error
	)
	for w := range writers {
		db := a
		if w%2 == 1 {
			db = b
		}
		wg.Go(func() {
			for i := range perWriter {
				chat := int64(-1001 - i%2)
				l, _, err := db.AddLink(context.Background(), newLink(chat, fmt.Sprintf("https://t.me/+w%d-%d", w, i)))
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					got[chat] = append(got[chat], l.Number)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("AddLink: %v", err)
	}
	for chat, numbers := range got {
		slices.Sort(numbers)
		for i, n := range numbers {
			if n != int64(i+1) {
				t.Fatalf("chat %d got numbers %v, want 1 to %d, each once", chat, numbers, len(numbers))
			}
		}
		links, err := a.ListLinks(t.Context(), chat)
		if err != nil || len(links) != len(numbers) {
			t.Errorf("ListLinks(%d) = %d links, %v; want %d", chat, len(links), err, len(numbers))
		}
	}
}

func TestPing(t *testing.T) {
	db, err := postgres.Open(t.Context(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	db.Close()
	if err := db.Ping(t.Context()); err == nil {
		t.Error("Ping after Close succeeded, want an error")
	}
}

// TestAnswersFromTwoInstances: two instances answering the same request
// at once: one answer changes it and counts its join, the other finds it
// answered.
func TestAnswersFromTwoInstances(t *testing.T) {
	u := pgtest.NewDatabase(t)
	a, b := openDB(t, u), openDB(t, u)
	ctx := t.Context()
	l, _, err := a.AddLink(ctx, newLink(-1001, "https://t.me/+r"))
	if err != nil {
		t.Fatal(err)
	}
	const requests = 20
	for user := int64(1); user <= requests; user++ {
		if err := a.AddJoinRequest(ctx, store.JoinRequest{ChatID: -1001, UserID: user, InviteLink: l.URL, RequestedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	for user := int64(1); user <= requests; user++ {
		var (
			wg      sync.WaitGroup
			changed [2]bool
			errs    [2]error
		)
		for i, db := range []*postgres.DB{a, b} {
			wg.Go(func() {
				_, changed[i], errs[i] = db.AnswerJoinRequest(context.Background(), -1001, user, store.RequestApproved, 9, t0.Add(time.Minute))
			})
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || changed[0] == changed[1] {
			t.Fatalf("request %d answered at once: changed %v, errors %v; want one change", user, changed, errs)
		}
	}
	if got, err := a.Link(ctx, -1001, l.Number); err != nil || got.Joins != requests {
		t.Errorf("joins counted = %d, %v; want %d, one per request", got.Joins, err, requests)
	}
}
