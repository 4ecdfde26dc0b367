package app

import (
	"strings"
	"testing"

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
