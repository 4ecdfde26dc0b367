package handlers

import (
	"context"
	"html"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// linkLabels are the words of a link's description in one language,
// rendered once: /links may describe thousands of links.
type linkLabels struct {
	primary, name, none, expires, never, limit, noLimit, approval, yes, no, joins string
	price, stars                                                                  string
	states                                                                        map[store.LinkState]string
	// joinModes say "yes" for a link with its own join mode (join=).
	joinModes map[store.JoinMode]string
}

var labelCache sync.Map // language code → *linkLabels

func labelsFor(p *text.Printer) *linkLabels {
	if l, ok := labelCache.Load(p.Lang()); ok {
		return l.(*linkLabels)
	}
	s := func(id string) string { return p.Sprint(text.M(id)) }
	l := &linkLabels{
		primary: s("link.primary"), name: s("link.name"), none: s("link.name_none"),
		expires: s("link.expires"), never: s("link.never"), limit: s("link.limit"), noLimit: s("link.limit_none"),
		approval: s("link.approval"), yes: s("link.yes"), no: s("link.no"), joins: s("link.joins"),
		price: s("link.price"), stars: s("link.stars"),
		states: map[store.LinkState]string{
			store.StateActive: s("link.state.active"), store.StateExpired: s("link.state.expired"),
			store.StateRevoked: s("link.state.revoked"), stateFull: s("link.state.full"),
		},
		joinModes: map[store.JoinMode]string{
			store.JoinManual: s("link.join.manual"), store.JoinAuto: s("link.join.auto"),
			store.JoinVerify: s("link.join.verify"),
		},
	}
	labelCache.Store(p.Lang(), l)
	return l
}

// describeLink is one link in HTML, in p's language: #N and URL on the
// first line, then its name, expiry, limit, join-request mode, joins and
// state. User text (the name) and the URL are escaped and, in a
// right-to-left language, isolated. (It is built with appends rather than
// templates: /links may describe thousands of links.)
func describeLink(p *text.Printer, l store.Link, now time.Time) string {
	lb := labelsFor(p)
	b := make([]byte, 0, 192+len(l.URL)+len(l.Name))
	b = append(b, "<b>#"...)
	b = strconv.AppendInt(b, l.Number, 10)
	b = append(b, "</b> "...)
	b = append(b, p.Isolate(html.EscapeString(l.URL))...)
	if l.Primary {
		b = append(b, ' ')
		b = append(b, lb.primary...)
	}
	b = append(b, '\n')
	b = append(b, lb.name...)
	b = append(b, ' ')
	if l.Name == "" {
		b = append(b, lb.none...)
	} else {
		b = append(b, "“"...)
		b = append(b, p.Isolate(html.EscapeString(l.Name))...)
		b = append(b, "”"...)
	}
	b = append(b, " · "...)
	b = append(b, lb.expires...)
	b = append(b, ' ')
	if l.ExpiresAt.IsZero() {
		b = append(b, lb.never...)
	} else {
		b = l.ExpiresAt.UTC().AppendFormat(b, text.TimeLayout)
	}
	b = append(b, " · "...)
	b = append(b, lb.limit...)
	b = append(b, ' ')
	if l.MemberLimit > 0 {
		b = strconv.AppendInt(b, int64(l.MemberLimit), 10)
	} else {
		b = append(b, lb.noLimit...)
	}
	if l.Price > 0 {
		b = append(b, " · "...)
		b = append(b, lb.price...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(l.Price), 10)
		b = append(b, ' ')
		b = append(b, lb.stars...)
	}
	b = append(b, " · "...)
	b = append(b, lb.approval...)
	b = append(b, ' ')
	if mode, ok := lb.joinModes[l.JoinMode]; ok && l.JoinRequest {
		b = append(b, mode...)
	} else if l.JoinRequest {
		b = append(b, lb.yes...)
	} else {
		b = append(b, lb.no...)
	}
	b = append(b, " · "...)
	b = append(b, lb.joins...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, l.Joins, 10)
	b = append(b, " · "...)
	b = append(b, lb.states[shownState(l, now)]...)
	return string(b)
}

// stateFull is the state shown of an active link whose member limit the
// joins counted reach: a member who leaves frees a place, so it stays
// active for Telegram and in /links.
const stateFull store.LinkState = "full"

// shownState is the state a reply shows of l at now: its State, or full.
func shownState(l store.Link, now time.Time) store.LinkState {
	st := l.State(now)
	if st == store.StateActive && l.MemberLimit > 0 && l.Joins >= int64(l.MemberLimit) {
		return stateFull
	}
	return st
}

// paginate packs entries, separated by blank lines, into as few messages as
// fit Telegram's limit, each starting with title (and, when there are
// several, "(page N/M)" in p's language). Lengths are measured on the HTML
// source, which is never shorter than the text Telegram counts.
func paginate(p *text.Printer, title string, entries []string) []string {
	pages := paginatePages(p, title, entries, 0)
	out := make([]string, len(pages))
	for i, pg := range pages {
		out[i] = pg.text
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
func paginatePages(p *text.Printer, title string, entries []string, maxEntries int) []page {
	header := func(n, of int) string {
		if of <= 1 {
			return title + "\n\n"
		}
		return p.Sprint(text.M("list.page", "Title", text.HTML(title), "Page", n, "Pages", of)) + "\n\n"
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

// sendPages sends pages to chat, the first as a reply to replyTo, each with
// the buttons buttons gives for it.
func (d *Deps) sendPages(ctx context.Context, chat int64, replyTo int, pages []page, buttons func(page) [][]bot.Button) error {
	for i, pg := range pages {
		m := bot.Outgoing{ChatID: chat, Text: pg.text}
		if i == 0 {
			m.ReplyTo = replyTo
		}
		if buttons != nil {
			m.Buttons = buttons(pg)
		}
		if _, err := d.TG.Send(ctx, m); err != nil {
			return err
		}
	}
	return nil
}
