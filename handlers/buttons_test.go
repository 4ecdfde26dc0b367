package handlers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/invitebot/invitebot/bot"
)

func TestButtonData(t *testing.T) {
	for _, tc := range []struct {
		data           string
		prefix, action string
		item           int64
	}{
		{linkButton("r", 12), LinkButtons, "r", 12},
		{linkButton("ya", 0), LinkButtons, "ya", 0},
		{requestButton("d", 9223372036854775807), RequestButtons, "d", 9223372036854775807}, // the longest
	} {
		if len(tc.data) > 64 {
			t.Errorf("%q is %d bytes, over Telegram's 64", tc.data, len(tc.data))
		}
		prefix, action, item, ok := parseButton(tc.data)
		if !ok || prefix != tc.prefix || action != tc.action || item != tc.item {
			t.Errorf("parseButton(%q) = %q %q %d %v", tc.data, prefix, action, item, ok)
		}
	}
	for _, bad := range []string{"", "rq:", "rq:a", "rq:a:x", "rq:a:1:2", "anon:abc", ":a:1", "rq::1"} {
		if _, _, _, ok := parseButton(bad); ok {
			t.Errorf("parseButton(%q) accepted", bad)
		}
	}
}

func TestPaginatePagesBoundsEntries(t *testing.T) {
	var entries []string
	for i := range 45 {
		entries = append(entries, fmt.Sprintf("entry %d", i))
	}
	pages := paginatePages(english, "Title:", entries, 20)
	if len(pages) != 3 {
		t.Fatalf("%d pages for 45 entries at 20 a page, want 3", len(pages))
	}
	next := 0
	for i, p := range pages {
		if p.first != next || p.end-p.first > 20 || p.end <= p.first {
			t.Errorf("page %d holds entries [%d, %d)", i+1, p.first, p.end)
		}
		for _, e := range entries[p.first:p.end] {
			if !strings.Contains(p.text, e+"\n") && !strings.HasSuffix(p.text, e) {
				t.Errorf("page %d lacks %q", i+1, e)
			}
		}
		if !strings.HasPrefix(p.text, fmt.Sprintf("Title: (page %d/3)\n\n", i+1)) {
			t.Errorf("page %d starts %q", i+1, p.text[:20])
		}
		next = p.end
	}
	if next != len(entries) {
		t.Errorf("pages end at entry %d of %d", next, len(entries))
	}
	if one := paginatePages(english, "T:", nil, 20); len(one) != 1 || one[0].first != 0 || one[0].end != 0 {
		t.Errorf("no entries: %+v", one)
	}
}

func TestIsIn(t *testing.T) {
	for _, tc := range []struct {
		m    bot.ChatMember
		want bool
	}{
		{bot.ChatMember{Status: "creator"}, true},
		{bot.ChatMember{Status: "administrator"}, true},
		{bot.ChatMember{Status: "member"}, true},
		{bot.ChatMember{Status: "restricted", IsMember: true}, true},
		{bot.ChatMember{Status: "restricted"}, false},
		{bot.ChatMember{Status: "left"}, false},
		{bot.ChatMember{Status: "kicked"}, false},
	} {
		if got := isIn(tc.m); got != tc.want {
			t.Errorf("isIn(%+v) = %v", tc.m, got)
		}
	}
}

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"longer than ten", 10, "longer th…"},
		{"😀😀😀😀😀😀", 7, "😀😀😀…"}, // each counts 2
		{"a😀b", 3, "a…"},
	} {
		got := cut(tc.s, tc.n)
		if got != tc.want || bot.UTF16Len(got) > tc.n {
			t.Errorf("cut(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
