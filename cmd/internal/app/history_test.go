package app

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
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
