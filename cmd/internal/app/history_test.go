package app

import (
	"bytes"
	"encoding/csv"
	"image/png"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/invitebot/invitebot/bot/bottest"
)

func init() {
	privateMode["TestLinkDetails"] = true
}

// TestLinkDetails: /link REF shows a link in full, in the asking admin's
// private chat: fields, state (full once the joins reach the limit), who
// made it, its edits and revocation, and who joined, newest first.
func TestLinkDetails(t *testing.T) {
	srv := newConsoleWorld(t)
	srv.StartPrivateChat(alice)
	srv.StartPrivateChat(dave)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	defer noLinksInGroup(t, srv, groupID)
	db := openStore(t, h)
	promote(t, h, db, groupID)

	h.ask(groupID, alice, "/createlink Partners limit=2")
	h.privateAnswer(alice, "New link")
	url := srv.InviteLinks(groupID)[0].InviteLink
	chat := tgChat(groupID)
	srv.PushUpdate(joinUpdate(chat, bottest.User{ID: frank, FirstName: "Frank", UserName: "frank_f"}, bottest.User{ID: frank, FirstName: "Frank"}, url, false, 1900000000))
	srv.PushUpdate(joinUpdate(chat, bottest.User{ID: hank, FirstName: "Hank"}, bottest.User{ID: hank, FirstName: "Hank"}, url, false, 1900000600))
	h.ask(groupID, dave, "/editlink Partners name=Big partners")
	h.privateAnswer(dave, "Edited")

	note := h.ask(groupID, alice, "/link #1")
	oneLine(t, note)
	mustContain(t, note.PlainText, "@alice_admin", "private chat")
	r := h.privateAnswer(alice, "Link #1 in Invite Test Group")
	mustContain(t, r.PlainText, url, "“Big partners”", "limit: 2", "joins: 2", "· full",
		"by @alice_admin.", "by @dave_owner: name=“Big partners”.", "2 joins counted, newest first:")
	hankAt := strings.Index(r.PlainText, "Hank · ID 5000000008 · 2030-03-17 17:56 UTC")
	frankAt := strings.Index(r.PlainText, "Frank @frank_f · ID 5000000006 · 2030-03-17 17:46 UTC")
	if hankAt < 0 || frankAt < 0 || hankAt > frankAt {
		t.Errorf("joins not shown newest first (hank %d, frank %d): %q", hankAt, frankAt, r.PlainText)
	}

	// A join request approved by a command shows who approved it.
	h.ask(groupID, alice, "/createlink Gate request")
	h.privateAnswer(alice, "“Gate”")
	gate := srv.InviteLinks(groupID)[1].InviteLink
	srv.PushJoinRequest(groupID, gina, gate)
	h.ask(groupID, alice, "/approve @gina_g")
	h.ask(groupID, alice, "/revokelink Gate")
	h.privateAnswer(alice, "Revoked")
	h.ask(groupID, alice, "/link "+gate)
	r = h.privateAnswer(alice, "Link #2")
	mustContain(t, r.PlainText, "revoked", "Revoked ", "by @alice_admin.", "Gina @gina_g · ID 5000000007", "approved by @alice_admin")

	// Mistakes: one line, in the group.
	for ask, want := range map[string]string{
		"/link":         "Say which link: /link #N",
		"/link #9":      "There is no link #9",
		"/link Nothing": "no link named “Nothing”",
		"/link #x":      "is not a link number",
	} {
		r := h.ask(groupID, alice, ask)
		oneLine(t, r)
		mustContain(t, r.PlainText, want)
	}
	mustContain(t, h.ask(groupID, bob, "/link #1").PlainText, "Only the chat's creator and admins")
}

// TestExport: /export sends the links and the joins as two CSV files that
// encoding/csv reads back, a header row first, with formula-like cells
// neutralized.
func TestExport(t *testing.T) {
	srv := newConsoleWorld(t)
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, groupID)

	r := h.ask(groupID, alice, "/export")
	oneLine(t, r)
	mustContain(t, r.PlainText, "haven't made any links")
	h.ask(groupID, alice, "/createlink +Sale limit=7")
	h.ask(groupID, alice, "/createlink Партнёры, \"quoted\" request")
	url := srv.InviteLinks(groupID)[0].InviteLink
	srv.PushUpdate(joinUpdate(tgChat(groupID), bottest.User{ID: frank, FirstName: "=SUM(A1:A9)", UserName: "frank_f"},
		bottest.User{ID: frank, FirstName: "x"}, url, false, 1700000000))
	gate := srv.InviteLinks(groupID)[1].InviteLink
	srv.PushJoinRequest(groupID, gina, gate)
	h.ask(groupID, alice, "/approve @gina_g")

	id := h.send(groupID, alice, "/export")
	srv.WaitFor(t, "two documents", func() bool { return len(h.repliesTo(groupID, id)) > 0 && len(docs(srv, groupID)) == 2 })
	d := docs(srv, groupID)
	mustContain(t, d[0].PlainText, "The 2 links I made in Invite Test Group")
	mustContain(t, d[1].PlainText, "The 2 joins counted")
	if d[0].Document.MIMEType != "text/csv" || !strings.HasSuffix(d[0].Document.Name, ".csv") {
		t.Errorf("the links file: %+v", d[0].Document)
	}
	links := readCSV(t, d[0].Document.Data)
	if len(links) != 3 || links[0][0] != "number" || links[0][1] != "url" || links[0][2] != "name" {
		t.Fatalf("links.csv: %q", links)
	}
	if row := links[1]; row[1] != url || row[2] != "'+Sale" || row[6] != "7" || row[9] != "1" || row[4] != "active" {
		t.Errorf("the row of #1: %q", row)
	}
	if row := links[2]; row[2] != `Партнёры, "quoted"` || row[7] != "true" || row[11] != id64(alice) {
		t.Errorf("the row of #2: %q", row)
	}
	joins := readCSV(t, d[1].Document.Data)
	if len(joins) != 3 || joins[0][0] != "link_number" {
		t.Fatalf("joins.csv: %q", joins)
	}
	if row := joins[1]; row[0] != "1" || row[2] != "'+Sale" || row[3] != id64(frank) || row[4] != "'=SUM(A1:A9)" || row[6] != "frank_f" || row[7] != "2023-11-14T22:13:20Z" {
		t.Errorf("frank's row: %q", row)
	}
	if row := joins[2]; row[0] != "2" || row[3] != id64(gina) || row[8] != id64(alice) || row[9] != "'@alice_admin" {
		t.Errorf("gina's row: %q", row)
	}
	r = h.ask(groupID, alice, "/export all")
	oneLine(t, r)
	mustContain(t, r.PlainText, "/export takes no arguments")
}

// docs are the documents the bot sent to chat.
func docs(srv *bottest.Server, chat int64) []bottest.SentMessage {
	var out []bottest.SentMessage
	for _, m := range srv.Messages(chat) {
		if m.Document != nil {
			out = append(out, m)
		}
	}
	return out
}

// readCSV parses a CSV file as RFC 4180 with encoding/csv.
func readCSV(t *testing.T, data []byte) [][]string {
	t.Helper()
	if !utf8.Valid(data) {
		t.Errorf("the CSV is not UTF-8")
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%s", err, data)
	}
	return rows
}

func id64(n int64) string { return strconv.FormatInt(n, 10) }

// TestStats: /stats sends a PNG chart of joins per day (decoded back at
// the size asked) with a caption of the counts; a link and a period narrow
// it; no joins, a sentence; a wrong period, one line.
func TestStats(t *testing.T) {
	srv := newConsoleWorld(t)
	now := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
	h := startWith(t, srv, "", Options{Pace: fastPace, Now: func() time.Time { return now }}, "INVITEBOT_OWNERS", owners)
	db := openStore(t, h)
	promote(t, h, db, groupID)

	r := h.ask(groupID, alice, "/stats")
	mustContain(t, r.PlainText, "No joins were counted in Invite Test Group in the period 2026-06-01 to 2026-06-30 (30 days)")
	// A period in another unit is a mistake about the period, not a link's name.
	for _, p := range []string{"1h", "#1 3mo", "400d"} {
		r := h.ask(groupID, alice, "/stats "+p)
		mustContain(t, r.PlainText, "is no period I can chart: give days or weeks up to 365 days")
		if strings.Contains(r.PlainText, "\n") || strings.Contains(r.PlainText, "no link named") {
			t.Errorf("/stats %s: %q", p, r.PlainText)
		}
	}
	for i := 1; i <= 10; i++ {
		h.ask(groupID, alice, "/createlink L"+strconv.Itoa(i))
	}
	h.ask(groupID, alice, "/createlink Gate request")
	links := srv.InviteLinks(groupID)
	joiner := int64(7000000000)
	join := func(link int, daysAgo int) {
		joiner++
		u := bottest.User{ID: joiner, FirstName: "J"}
		srv.PushUpdate(joinUpdate(tgChat(groupID), u, u, links[link].InviteLink, false, now.AddDate(0, 0, -daysAgo).Unix()))
	}
	// #1: 5 joins (one of them 40 days ago, outside the period); #2: 3;
	// #3 to #10: 1 each, #9 and #10 the least recent.
	for _, d := range []int{0, 1, 1, 10, 40} {
		join(0, d)
	}
	for _, d := range []int{2, 3, 20} {
		join(1, d)
	}
	for l := 2; l < 10; l++ {
		join(l, 5)
	}
	srv.PushJoinRequest(groupID, frank, links[10].InviteLink)
	h.ask(groupID, alice, "/approve @frank_f")
	srv.PushJoinRequest(groupID, gina, links[10].InviteLink)
	h.ask(groupID, alice, "/decline @gina_g")

	photo := h.askPhoto(groupID, alice, "/stats")
	img, err := png.Decode(bytes.NewReader(photo.Photo.Data))
	if err != nil {
		t.Fatalf("the chart is no PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1280 || b.Dy() < 720 || b.Dx() != photo.Photo.Width {
		t.Errorf("the chart is %v", b)
	}
	mustContain(t, photo.PlainText, "Joins in Invite Test Group, 2026-06-01 to 2026-06-30 (30 days), UTC: 16 in all.",
		"#1 L1: 4", "#2 L2: 3", "#3 L3: 1", "#8 L8: 1", "other: 3", "Requests approved: 1, declined: 1.")
	if strings.Contains(photo.PlainText, "#9 L9") || strings.Contains(photo.PlainText, "Gate") {
		t.Errorf("links beyond the top eight shown on their own: %q", photo.PlainText)
	}
	if n := strings.Count(photo.PlainText, ": 1\n") + strings.Count(photo.PlainText, ": 4\n") + strings.Count(photo.PlainText, ": 3\n") + strings.Count(photo.PlainText, ": 2\n"); n != 9 {
		t.Errorf("the caption has %d lines of links, want 8 and other: %q", n, photo.PlainText)
	}
	photo = h.askPhoto(groupID, alice, "/stats 1w")
	mustContain(t, photo.PlainText, "2026-06-24 to 2026-06-30 (7 days), UTC: 14 in all.", "#1 L1: 3", "#2 L2: 2", "other: 3")
	photo = h.askPhoto(groupID, alice, "/stats L2 4w")
	mustContain(t, photo.PlainText, "(28 days), UTC: 3 in all.", "#2 L2: 3")
	if strings.Contains(photo.PlainText, "L1") {
		t.Errorf("/stats L2 shows other links: %q", photo.PlainText)
	}
	r = h.ask(groupID, alice, "/stats #2 1d")
	mustContain(t, r.PlainText, "No joins were counted", "2026-06-30 (1 day)")
	for _, bad := range []string{"/stats 400d", "/stats 0d", "/stats 53w"} {
		r := h.ask(groupID, alice, bad)
		oneLine(t, r)
		mustContain(t, r.PlainText, "no period I can chart")
	}
	r = h.ask(groupID, alice, "/stats #99")
	oneLine(t, r)
	mustContain(t, r.PlainText, "no link #99")
}

// askPhoto sends text and waits for the bot's photo in reply to it.
func (h *harness) askPhoto(chat, from int64, text string) bottest.SentMessage {
	h.t.Helper()
	id := h.send(chat, from, text)
	var got bottest.SentMessage
	h.srv.WaitFor(h.t, "a photo in reply to "+text, func() bool {
		for _, m := range h.repliesTo(chat, id) {
			if m.Photo != nil {
				got = m
				return true
			}
		}
		return false
	})
	return got
}
