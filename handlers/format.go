package handlers

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/store"
)

// timeLayout shows expiry times; always UTC.
const timeLayout = "2006-01-02 15:04 UTC"

// describeLink is one link in HTML: #N and URL on the first line, then its
// name, expiry, limit, join-request mode, joins and state. (It is built
// with appends rather than fmt: /links may describe thousands of links.)
func describeLink(l store.Link, now time.Time) string {
	b := make([]byte, 0, 192+len(l.URL)+len(l.Name))
	b = append(b, "<b>#"...)
	b = strconv.AppendInt(b, l.Number, 10)
	b = append(b, "</b> "...)
	b = append(b, html.EscapeString(l.URL)...)
	if l.Primary {
		b = append(b, " (primary)"...)
	}
	b = append(b, "\nname: "...)
	if l.Name == "" {
		b = append(b, "—"...)
	} else {
		b = append(b, "“"...)
		b = append(b, html.EscapeString(l.Name)...)
		b = append(b, "”"...)
	}
	b = append(b, " · expires: "...)
	if l.ExpiresAt.IsZero() {
		b = append(b, "never"...)
	} else {
		b = l.ExpiresAt.UTC().AppendFormat(b, timeLayout)
	}
	b = append(b, " · limit: "...)
	if l.MemberLimit > 0 {
		b = strconv.AppendInt(b, int64(l.MemberLimit), 10)
	} else {
		b = append(b, "none"...)
	}
	b = append(b, " · approval: "...)
	if l.JoinRequest {
		b = append(b, "yes"...)
	} else {
		b = append(b, "no"...)
	}
	b = append(b, " · joins: "...)
	b = strconv.AppendInt(b, l.Joins, 10)
	b = append(b, " · "...)
	b = append(b, l.State(now)...)
	return string(b)
}

// paginate packs entries, separated by blank lines, into as few messages as
// fit Telegram's limit, each starting with header (which may hold %[1]d and
// %[2]d for the page and the page count when there are several pages).
// Lengths are measured on the HTML source, which is never shorter than the
// text Telegram counts.
func paginate(title string, entries []string) []string {
	pages := paginatePages(title, entries, 0)
	out := make([]string, len(pages))
	for i, p := range pages {
		out[i] = p.text
	}
	return out
}

// page is one message of a paginated list: its text, and the entries it
// holds, entries[first:end].
type page struct {
	text       string
	first, end int
}

// paginatePages is paginate that also tells which entries each page holds,
// and puts at most maxEntries entries on a page (no bound if 0), for lists
// whose entries come with buttons (Telegram allows 100 per message).
func paginatePages(title string, entries []string, maxEntries int) []page {
	header := func(page, pages int) string {
		if pages <= 1 {
			return title + "\n\n"
		}
		return fmt.Sprintf("%s (page %d/%d)\n\n", title, page, pages)
	}
	// Room left by the longest header: "(page N/N)" with the most digits.
	room := bot.MaxMessageLength - bot.UTF16Len(header(len(entries), len(entries)))
	var pages []page
	var cur strings.Builder
	curLen := 0 // UTF-16 length of cur
	start := 0  // the first entry of cur
	for i, e := range entries {
		n := bot.UTF16Len(e)
		if i > start && (curLen+2+n > room || (maxEntries > 0 && i-start >= maxEntries)) {
			pages = append(pages, page{text: cur.String(), first: start, end: i})
			cur.Reset()
			curLen, start = 0, i
		}
		if i > start {
			cur.WriteString("\n\n")
			curLen += 2
		}
		cur.WriteString(e)
		curLen += n
	}
	if start < len(entries) || len(pages) == 0 {
		pages = append(pages, page{text: cur.String(), first: start, end: len(entries)})
	}
	for i := range pages {
		pages[i].text = strings.TrimRight(header(i+1, len(pages))+pages[i].text, "\n")
	}
	return pages
}
