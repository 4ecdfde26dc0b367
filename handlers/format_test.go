package handlers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/store"
)

func TestDescribeLinkEscapesAndShowsEverything(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	l := store.Link{
		Number: 7, URL: "https://t.me/+abc", Name: `<b>&"x"`,
		ExpiresAt: time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC), MemberLimit: 50, Joins: 3,
	}
	got := describeLink(english, l, now)
	for _, want := range []string{"<b>#7</b> https://t.me/+abc", "&lt;b&gt;&amp;", "expires: 2026-12-31 18:00 UTC", "limit: 50", "approval: no", "joins: 3", "active"} {
		if !strings.Contains(got, want) {
			t.Errorf("describeLink = %q; missing %q", got, want)
		}
	}
	if strings.Contains(got, "<b>&") {
		t.Errorf("user text not escaped: %q", got)
	}
	l.RevokedAt = now
	l.JoinRequest, l.MemberLimit, l.ExpiresAt, l.Name = true, 0, time.Time{}, ""
	got = describeLink(english, l, now)
	for _, want := range []string{"name: —", "expires: never", "limit: none", "approval: yes", "revoked"} {
		if !strings.Contains(got, want) {
			t.Errorf("describeLink = %q; missing %q", got, want)
		}
	}
}

func TestPaginate(t *testing.T) {
	t.Run("one page has no page numbers", func(t *testing.T) {
		pages := paginate(english, "Links:", []string{"a", "b"})
		if len(pages) != 1 || pages[0] != "Links:\n\na\n\nb" {
			t.Errorf("paginate = %q", pages)
		}
	})
	t.Run("long lists split under the limit, nothing lost", func(t *testing.T) {
		var entries []string
		for i := range 500 {
			// Emoji outside the BMP count twice in UTF-16.
			entries = append(entries, fmt.Sprintf("<b>#%d</b> https://t.me/+x%d\nname: %s", i+1, i, strings.Repeat("😀", 32)))
		}
		pages := paginate(english, "All links in <b>Group</b>:", entries)
		if len(pages) < 10 {
			t.Fatalf("%d pages for 500 long entries; want many", len(pages))
		}
		var joined []string
		for i, p := range pages {
			if n := bot.UTF16Len(p); n > bot.MaxMessageLength {
				t.Errorf("page %d is %d UTF-16 units long", i+1, n)
			}
			header := fmt.Sprintf("All links in <b>Group</b>: (page %d/%d)\n\n", i+1, len(pages))
			if !strings.HasPrefix(p, header) {
				t.Errorf("page %d starts %q, want %q", i+1, p[:40], header)
			}
			joined = append(joined, strings.Split(strings.TrimPrefix(p, header), "\n\n")...)
		}
		if len(joined) != len(entries) {
			t.Fatalf("%d entries across pages, want %d", len(joined), len(entries))
		}
		for i := range entries {
			if joined[i] != entries[i] {
				t.Fatalf("entry %d = %q, want %q", i, joined[i], entries[i])
			}
		}
	})
}
