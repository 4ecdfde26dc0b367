package bottest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func subscribe(price string) map[string]string {
	return map[string]string{"chat_id": id(channel), "name": "Members", "subscription_period": "2592000", "subscription_price": price}
}

// TestSubscriptionLinks: channels only, 30 days, 1 to 10000 Stars; only
// the name can change, and revoking works as for any link.
func TestSubscriptionLinks(t *testing.T) {
	srv := newWorld(t)
	srv.SetMember(channel, srv.Bot().ID, Member{Status: "administrator", CanInviteUsers: true})
	_, _, body := post(t, srv, "createChatSubscriptionInviteLink", subscribe("10000"))
	links := srv.InviteLinks(channel)
	if len(links) != 1 {
		t.Fatalf("links = %+v", links)
	}
	l := links[0]
	want := `{"ok":true,"result":{"invite_link":"` + l.InviteLink + `","name":"Members","creator":{"id":6000000001,"is_bot":true,"first_name":"Invite Bot","username":"invite_test_bot"},` +
		`"subscription_period":2592000,"subscription_price":10000,"creates_join_request":false,"is_primary":false,"is_revoked":false}}`
	if string(body) != want || !linkRE.MatchString(l.InviteLink) || l.SubscriptionPeriod != 2592000 || l.SubscriptionPrice != 10000 || l.Name != "Members" {
		t.Errorf("createChatSubscriptionInviteLink = %s\nwant %s\nlink %+v", body, want, l)
	}

	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{"chat_id": id(group), "subscription_period": "2592000", "subscription_price": "5"}, subscriptionChannelsOnly},
		{map[string]string{"chat_id": id(channel), "subscription_period": "604800", "subscription_price": "5"}, subscriptionPeriodOnly},
		{subscribe("0"), subscriptionPriceRange},
		{subscribe("10001"), subscriptionPriceRange},
		{map[string]string{"chat_id": id(channel), "name": strings.Repeat("n", 33), "subscription_period": "2592000", "subscription_price": "1"}, "invite link name is too long"},
	} {
		wantError(t, srv, "createChatSubscriptionInviteLink", tc.params, 400, "Bad Request: "+tc.want)
	}
	mustPost(t, srv, "createChatSubscriptionInviteLink", subscribe("1"))

	edit := map[string]string{"chat_id": id(channel), "invite_link": l.InviteLink, "name": "Patrons"}
	var edited struct {
		Name   string `json:"name"`
		Period int    `json:"subscription_period"`
	}
	json.Unmarshal(mustPost(t, srv, "editChatSubscriptionInviteLink", edit), &edited)
	if edited.Name != "Patrons" || edited.Period != 2592000 || srv.InviteLinks(channel)[0].Name != "Patrons" {
		t.Errorf("edited = %+v", edited)
	}
	wantError(t, srv, "editChatInviteLink", map[string]string{"chat_id": id(channel), "invite_link": l.InviteLink, "member_limit": "5"},
		400, "Bad Request: "+subscriptionEditOnly)
	var plain struct {
		InviteLink string `json:"invite_link"`
	}
	json.Unmarshal(mustPost(t, srv, "createChatInviteLink", map[string]string{"chat_id": id(channel)}), &plain)
	wantError(t, srv, "editChatSubscriptionInviteLink", map[string]string{"chat_id": id(channel), "invite_link": plain.InviteLink, "name": "x"},
		400, "Bad Request: "+subscriptionLinksOnly)

	var revoked struct {
		IsRevoked bool `json:"is_revoked"`
		Price     int  `json:"subscription_price"`
	}
	json.Unmarshal(mustPost(t, srv, "revokeChatInviteLink", map[string]string{"chat_id": id(channel), "invite_link": l.InviteLink}), &revoked)
	if !revoked.IsRevoked || revoked.Price != 10000 || !srv.InviteLinks(channel)[0].IsRevoked {
		t.Errorf("revoked = %+v", revoked)
	}
	wantError(t, srv, "editChatSubscriptionInviteLink", edit, 400, "Bad Request: INVITE_REVOKED_MISSING")

	srv.SetMember(channel, srv.Bot().ID, Member{Status: "administrator"})
	wantError(t, srv, "createChatSubscriptionInviteLink", subscribe("5"), 400, "Bad Request: not enough rights to manage chat invite link")
}

// TestLinkExpiry: on the server's clock, a link with an expire_date
// expires; the fake says so, and lets nobody in through it.
func TestLinkExpiry(t *testing.T) {
	srv := newWorld(t)
	clock := newFakeClock(srv)
	expire := clock.Now().Add(time.Hour).Unix()
	var l struct {
		InviteLink string `json:"invite_link"`
	}
	json.Unmarshal(mustPost(t, srv, "createChatInviteLink", map[string]string{"chat_id": id(group), "expire_date": id(expire), "creates_join_request": "true"}), &l)
	json.Unmarshal(mustPost(t, srv, "createChatInviteLink", map[string]string{"chat_id": id(group), "expire_date": id(expire)}), &l)
	srv.PushJoinRequest(group, bob, srv.InviteLinks(group)[0].InviteLink)
	if srv.InviteLinks(group)[0].Expired {
		t.Errorf("a link reported expired an hour early")
	}
	clock.Advance(time.Hour - time.Second)
	srv.PushMemberChange(MemberChange{ChatID: group, UserID: carol, New: Member{Status: "member"}, InviteLink: l.InviteLink})
	clock.Advance(time.Second)
	for i, got := range srv.InviteLinks(group) {
		if !got.Expired || got.ExpireDate != expire {
			t.Errorf("link %d after an hour: %+v", i, got)
		}
	}

	rec := newRecorder(t)
	srv.t = rec
	srv.PushMemberChange(MemberChange{ChatID: group, UserID: carol, New: Member{Status: "left"}}) // leaving needs no link
	srv.PushMemberChange(MemberChange{ChatID: group, UserID: carol, New: Member{Status: "member"}, InviteLink: l.InviteLink})
	srv.PushJoinRequest(group, bob, srv.InviteLinks(group)[0].InviteLink)
	srv.t = t
	if f := rec.Fatals(); len(f) != 2 || !strings.Contains(f[0], "revoked or expired") || !strings.Contains(f[1], "no valid link") {
		t.Errorf("reported %q", f)
	}
	if srv.Member(group, carol).Status != "left" {
		t.Errorf("Carol joined through an expired link")
	}
	// Extending the link brings it back.
	mustPost(t, srv, "editChatInviteLink", map[string]string{"chat_id": id(group), "invite_link": l.InviteLink, "expire_date": id(expire + 3600)})
	if srv.InviteLinks(group)[1].Expired {
		t.Errorf("an extended link is still expired")
	}
	// A revoked link lets nobody in either.
	mustPost(t, srv, "revokeChatInviteLink", map[string]string{"chat_id": id(group), "invite_link": l.InviteLink})
	srv.t = rec
	srv.PushMemberChange(MemberChange{ChatID: group, UserID: carol, New: Member{Status: "member"}, InviteLink: l.InviteLink})
	srv.t = t
	if f := rec.Fatals(); len(f) != 3 {
		t.Errorf("a join through a revoked link: reported %q", f)
	}
}
