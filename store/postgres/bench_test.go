package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/postgres"
	"github.com/invitebot/invitebot/store/postgres/pgtest"
)

// benchDB opens a new database on the test server holding n links in
// chat -1: the benchmarks of store/sqlite, on PostgreSQL.
func benchDB(b *testing.B, n int) *postgres.DB {
	b.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := time.Now()
	for i := range n {
		l := store.NewLink{ChatID: -1, URL: fmt.Sprintf("https://t.me/+b%d", i), Name: fmt.Sprintf("Campaign %d", i), CreatedBy: 1, CreatedAt: now}
		if _, _, err := db.AddLink(ctx, l); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

func BenchmarkAddLink(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b, 0)
	now := time.Now()
	i := 0
	for b.Loop() {
		i++
		if _, _, err := db.AddLink(ctx, store.NewLink{ChatID: int64(-i % 100), URL: fmt.Sprintf("https://t.me/+a%d", i), Name: "x", CreatedBy: 1, CreatedAt: now}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLinkByNumber(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b, 1000)
	for b.Loop() {
		if _, err := db.Link(ctx, -1, 500); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListLinks2000(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b, 2000)
	for b.Loop() {
		links, err := db.ListLinks(ctx, -1)
		if err != nil || len(links) != 2000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkJournal(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b, 0)
	raw := []byte(`{"update_id":1,"message":{"message_id":1,"text":"/createlink x"}}`)
	id := int64(0)
	for b.Loop() {
		id++
		if err := db.AcceptUpdates(ctx, id, []store.PendingUpdate{{ID: id, Raw: raw}}); err != nil {
			b.Fatal(err)
		}
		if err := db.FinishUpdate(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}
