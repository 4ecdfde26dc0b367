package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
)

// BenchOpener opens a new, empty store for the benchmark b, and closes it
// when b ends.
type BenchOpener func(b *testing.B) Store

// Bench runs the store's benchmarks, the same on every implementation so
// that their figures can stand side by side (BENCHMARKS.md): each a
// sub-benchmark of b on a store of its own made by open.
//
//	func BenchmarkStore(b *testing.B) { storetest.Bench(b, open) }
func Bench(b *testing.B, open BenchOpener) {
	b.Run("AddLink", func(b *testing.B) {
		ctx := context.Background()
		db := benchStore(b, open, 0)
		now := time.Now()
		i := 0
		for b.Loop() {
			i++
			if _, _, err := db.AddLink(ctx, store.NewLink{ChatID: int64(-i % 100), URL: fmt.Sprintf("https://t.me/+a%d", i), Name: "x", CreatedBy: 1, CreatedAt: now}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("LinkByNumber", func(b *testing.B) {
		ctx := context.Background()
		db := benchStore(b, open, 1000)
		for b.Loop() {
			if _, err := db.Link(ctx, -1, 500); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ListLinks2000", func(b *testing.B) {
		ctx := context.Background()
		db := benchStore(b, open, 2000)
		for b.Loop() {
			links, err := db.ListLinks(ctx, -1)
			if err != nil || len(links) != 2000 {
				b.Fatalf("ListLinks: %d links, %v", len(links), err)
			}
		}
	})
	b.Run("Journal", func(b *testing.B) {
		ctx := context.Background()
		db := benchStore(b, open, 0)
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
	})
}

// benchStore opens a new store holding n links in chat -1.
func benchStore(b *testing.B, open BenchOpener, n int) Store {
	b.Helper()
	ctx := context.Background()
	db := open(b)
	now := time.Now()
	for i := range n {
		l := store.NewLink{ChatID: -1, URL: fmt.Sprintf("https://t.me/+b%d", i), Name: fmt.Sprintf("Campaign %d", i), CreatedBy: 1, CreatedAt: now}
		if _, _, err := db.AddLink(ctx, l); err != nil {
			b.Fatal(err)
		}
	}
	return db
}
