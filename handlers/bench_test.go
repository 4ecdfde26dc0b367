package handlers

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/sqlite"
)

func BenchmarkParseCreateArgs(b *testing.B) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, err := ParseCreateArgs("Summer campaign partners expire=1d12h limit=500", now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEditArgs(b *testing.B) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, err := ParseEditArgs("#1234 name=Big partners expire=2027-01-31T18:00 limit=none request", now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComposeLinks2000 is /links in a chat of 2,000 links: the store
// query and the formatting into pages, without the API calls.
func BenchmarkComposeLinks2000(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const chat = -1001234567890
	now := time.Now().UTC()
	for i := range 2000 {
		l := store.NewLink{ChatID: chat, URL: fmt.Sprintf("https://t.me/+bench%010d", i), Name: fmt.Sprintf("Campaign %d", i), CreatedBy: 1, CreatedAt: now}
		if i%3 == 0 {
			l.MemberLimit = 100
		}
		if i%5 == 0 {
			l.ExpiresAt = now.Add(24 * time.Hour)
		}
		if _, _, err := db.AddLink(ctx, l); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		links, err := db.ListLinks(ctx, chat)
		if err != nil {
			b.Fatal(err)
		}
		entries := make([]string, 0, len(links))
		for _, l := range links {
			if l.State(now) == store.StateActive {
				entries = append(entries, describeLink(english, l, now))
			}
		}
		if pages := paginate(english, "Active links in <b>Group</b>:", entries); len(pages) < 2 {
			b.Fatal("one page for 2000 links")
		}
	}
}
