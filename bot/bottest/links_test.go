package bottest

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

var linkRE = regexp.MustCompile(`^https://t\.me/\+[A-Za-z0-9_-]{16}$`)

// fixtureWithLink is a recorded answer with its invite link replaced.
func fixtureWithLink(t *testing.T, name, link string) string {
	t.Helper()
	var env struct {
		Result struct {
			InviteLink string `json:"invite_link"`
		} `json:"result"`
	}
	f := fixture(t, name)
	json.Unmarshal([]byte(f), &env)
	return strings.Replace(f, env.Result.InviteLink, link, 1)
}

func createLink(t *testing.T, srv *Server, params map[string]string) tgbotapi.ChatInviteLink {
	t.Helper()
	p := map[string]string{"chat_id": id(group)}
	for k, v := range params {
		p[k] = v
	}
	var l tgbotapi.ChatInviteLink
	if err := json.Unmarshal(mustPost(t, srv, "createChatInviteLink", p), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestCreateChatInviteLinkNeedsRights(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	create := tgbotapi.CreateChatInviteLinkConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group}, Name: "x"}

	srv.SetMember(group, srv.Bot().ID, Member{Status: "administrator", CanInviteUsers: false})
	_, err := bot.Request(create)
	var apiErr *tgbotapi.Error
	var want struct{ Description string }
	json.Unmarshal([]byte(fixture(t, "error.not_enough_rights_invite_link.json")), &want)
	if !errors.As(err, &apiErr) || apiErr.Code != 400 || apiErr.Message != want.Description {
		t.Errorf("without can_invite_users: %v, want %q", err, want.Description)
	}
	srv.SetMember(group, srv.Bot().ID, Member{Status: "member"})
	if _, err := bot.Request(create); !errors.As(err, &apiErr) || apiErr.Message != want.Description {
		t.Errorf("as a member: %v", err)
	}
	srv.SetMember(group, srv.Bot().ID, Member{Status: "left"})
	if _, err := bot.Request(create); !errors.As(err, &apiErr) || apiErr.Code != 403 || apiErr.Message != "Forbidden: bot is not a member of the supergroup chat" {
		t.Errorf("not in the chat: %v", err)
	}
	srv.SetMember(group, srv.Bot().ID, Member{Status: "kicked"})
	_, _, body := post(t, srv, "createChatInviteLink", map[string]string{"chat_id": id(group)})
	if string(body) != fixture(t, "error.kicked_from_supergroup.json") {
		t.Errorf("kicked: %s", body)
	}
	_, _, body = post(t, srv, "createChatInviteLink", map[string]string{"chat_id": "-1001111111111"})
	if string(body) != fixture(t, "error.chat_not_found.json") {
		t.Errorf("unknown chat: %s", body)
	}
	wantError(t, srv, "exportChatInviteLink", map[string]string{"chat_id": id(alice)}, 400, "Bad Request: can't invite members to a private chat")

	srv.SetMember(group, srv.Bot().ID, Member{Status: "administrator", CanInviteUsers: true})
	resp, err := bot.Request(create)
	if err != nil {
		t.Fatal(err)
	}
	var l tgbotapi.ChatInviteLink
	json.Unmarshal(resp.Result, &l)
	if !linkRE.MatchString(l.InviteLink) || l.Creator != userJSONUser(srv.Bot()) || l.Name != "x" || l.IsPrimary || l.IsRevoked {
		t.Errorf("link = %+v", l)
	}
	srv.SetMember(group, srv.Bot().ID, Member{Status: "creator"})
	if _, err := bot.Request(create); err != nil {
		t.Errorf("as the creator: %v", err)
	}
}

// userJSONUser is a user as tgbotapi reads it from objects (no getMe-only
// fields).
func userJSONUser(u User) tgbotapi.User {
	return tgbotapi.User{ID: u.ID, IsBot: u.IsBot, FirstName: u.FirstName, LastName: u.LastName, UserName: u.UserName, LanguageCode: u.LanguageCode}
}

func TestCreateChatInviteLinkMatchesTelegram(t *testing.T) {
	srv := newWorld(t)
	srv.SetClock(func() time.Time { return time.Unix(1760000000, 0) })
	_, _, body := post(t, srv, "createChatInviteLink", map[string]string{"chat_id": id(group), "name": "one-shot",
		"expire_date": "1760086400", "member_limit": "1"})
	link := srv.InviteLinks(group)[0].InviteLink
	if got, want := string(body), fixtureWithLink(t, "createChatInviteLink.ok.json", link); got != want {
		t.Errorf("createChatInviteLink = %s\nwant %s", got, want)
	}
	_, _, body = post(t, srv, "createChatInviteLink", map[string]string{"chat_id": id(group), "name": "approval",
		"creates_join_request": "true"})
	link = srv.InviteLinks(group)[1].InviteLink
	if got, want := string(body), fixtureWithLink(t, "createChatInviteLink.join_request.ok.json", link); got != want {
		t.Errorf("createChatInviteLink = %s\nwant %s", got, want)
	}
}

func TestInviteLinkValidation(t *testing.T) {
	srv := newWorld(t)
	srv.SetClock(func() time.Time { return time.Unix(1760000000, 0) })
	for _, tc := range []struct {
		params map[string]string
		desc   string
	}{
		{map[string]string{"member_limit": "5", "creates_join_request": "true"}, "Bad Request: member limit can't be specified for links requiring administrator approval"},
		{map[string]string{"member_limit": "100000"}, "Bad Request: USAGE_LIMIT_INVALID"},
		{map[string]string{"member_limit": "-1"}, "Bad Request: USAGE_LIMIT_INVALID"},
		{map[string]string{"expire_date": "1759999999"}, "Bad Request: EXPIRE_DATE_INVALID"},
		{map[string]string{"expire_date": "1760000000"}, "Bad Request: EXPIRE_DATE_INVALID"},
		{map[string]string{"name": strings.Repeat("é", 33)}, "Bad Request: invite link name is too long"},
	} {
		tc.params["chat_id"] = id(group)
		wantError(t, srv, "createChatInviteLink", tc.params, 400, tc.desc)
	}
	createLink(t, srv, map[string]string{"name": strings.Repeat("é", 32), "member_limit": "99999", "expire_date": "1760000001"})
	if n := len(srv.InviteLinks(group)); n != 1 {
		t.Errorf("%d links, want 1", n)
	}
}

func TestExportChatInviteLinkReplacesTheBotsPrimaryLink(t *testing.T) {
	srv := newWorld(t)
	srv.SetMember(group, carol, Member{Status: "administrator", CanInviteUsers: true})
	carols := InviteLink{InviteLink: "https://t.me/+CarolPrimary12345", Creator: carolUser, IsPrimary: true}
	srv.AddInviteLink(group, carols)
	bot := newBot(t, srv)
	first, err := bot.GetInviteLink(tgbotapi.ChatInviteLinkConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := bot.GetInviteLink(tgbotapi.ChatInviteLinkConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group}})
	if err != nil {
		t.Fatal(err)
	}
	if !linkRE.MatchString(first) || !linkRE.MatchString(second) || first == second {
		t.Fatalf("links %q, %q", first, second)
	}
	state := map[string]InviteLink{}
	for _, l := range srv.InviteLinks(group) {
		state[l.InviteLink] = l
	}
	if l := state[first]; !l.IsPrimary || !l.IsRevoked || l.Creator.ID != srv.Bot().ID {
		t.Errorf("first primary link: %+v", l)
	}
	if l := state[second]; !l.IsPrimary || l.IsRevoked {
		t.Errorf("second primary link: %+v", l)
	}
	if l := state[carols.InviteLink]; l.IsRevoked {
		t.Errorf("another administrator's primary link was revoked: %+v", l)
	}
	_, _, body := post(t, srv, "exportChatInviteLink", map[string]string{"chat_id": id(group)})
	if !regexp.MustCompile(`^\{"ok":true,"result":"https://t\.me/\+[A-Za-z0-9_-]{16}"\}$`).Match(body) {
		t.Errorf("exportChatInviteLink = %s, want the shape of %s", body, fixture(t, "exportChatInviteLink.ok.json"))
	}
	var chat struct {
		InviteLink string `json:"invite_link"`
	}
	json.Unmarshal(mustPost(t, srv, "getChat", map[string]string{"chat_id": id(group)}), &chat)
	if chat.InviteLink != srv.InviteLinks(group)[3].InviteLink {
		t.Errorf("getChat invite_link = %q", chat.InviteLink)
	}
}

func TestEditChatInviteLinkResetsWhatItIsNotGiven(t *testing.T) {
	srv := newWorld(t)
	srv.SetClock(func() time.Time { return time.Unix(1760000000, 0) })
	l := createLink(t, srv, map[string]string{"name": "one-shot", "expire_date": "1760086400", "member_limit": "1"})

	bot := newBot(t, srv)
	resp, err := bot.Request(tgbotapi.EditChatInviteLinkConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: group},
		InviteLink: l.InviteLink, Name: "renamed", MemberLimit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := `{"ok":true,"result":`+string(resp.Result)+`}`, fixtureWithLink(t, "editChatInviteLink.ok.json", l.InviteLink); got != want {
		t.Errorf("editChatInviteLink = %s\nwant %s", got, want)
	}
	if got := srv.InviteLinks(group)[0]; got.ExpireDate != 0 || got.MemberLimit != 5 || got.Name != "renamed" {
		t.Errorf("after the edit: %+v (the expiry must be reset)", got)
	}
	mustPost(t, srv, "editChatInviteLink", map[string]string{"chat_id": id(group), "invite_link": l.InviteLink, "creates_join_request": "true"})
	if got := srv.InviteLinks(group)[0]; got.Name != "" || got.MemberLimit != 0 || !got.CreatesJoinRequest {
		t.Errorf("after the second edit: %+v", got)
	}
	// Other spellings of the link name the same link.
	mustPost(t, srv, "editChatInviteLink", map[string]string{"chat_id": id(group), "invite_link": strings.Replace(l.InviteLink, "https://t.me/+", "t.me/joinchat/", 1)})
}

func TestEditAndRevokeOnlyTheBotsLinks(t *testing.T) {
	srv := newWorld(t)
	srv.SetMember(group, carol, Member{Status: "administrator", CanInviteUsers: true})
	carols := "https://t.me/+CarolsLink123456"
	srv.AddInviteLink(group, InviteLink{InviteLink: carols, Creator: carolUser})
	unknown := "https://t.me/+NoSuchLink000000"
	for _, method := range []string{"editChatInviteLink", "revokeChatInviteLink"} {
		wantError(t, srv, method, map[string]string{"chat_id": id(group), "invite_link": unknown}, 400, "Bad Request: INVITE_HASH_EXPIRED")
		wantError(t, srv, method, map[string]string{"chat_id": id(group), "invite_link": carols}, 400, "Bad Request: CHAT_ADMIN_REQUIRED")
	}

	l := createLink(t, srv, map[string]string{"name": "renamed"})
	_, _, body := post(t, srv, "revokeChatInviteLink", map[string]string{"chat_id": id(group), "invite_link": l.InviteLink})
	if got, want := string(body), fixtureWithLink(t, "revokeChatInviteLink.ok.json", l.InviteLink); got != want {
		t.Errorf("revokeChatInviteLink = %s\nwant %s", got, want)
	}
	wantError(t, srv, "editChatInviteLink", map[string]string{"chat_id": id(group), "invite_link": l.InviteLink}, 400, "Bad Request: INVITE_REVOKED_MISSING")

	primary := mustPost(t, srv, "exportChatInviteLink", map[string]string{"chat_id": id(group)})
	var url string
	json.Unmarshal(primary, &url)
	wantError(t, srv, "editChatInviteLink", map[string]string{"chat_id": id(group), "invite_link": url, "name": "x"}, 400, "Bad Request: CHAT_INVITE_PERMANENT")
	var revoked tgbotapi.ChatInviteLink
	json.Unmarshal(mustPost(t, srv, "revokeChatInviteLink", map[string]string{"chat_id": id(group), "invite_link": url}), &revoked)
	links := srv.InviteLinks(group)
	last := links[len(links)-1]
	if !revoked.IsRevoked || !revoked.IsPrimary || !last.IsPrimary || last.IsRevoked || last.InviteLink == url {
		t.Errorf("revoking the primary link must make a new one: revoked %+v, links %+v", revoked, links)
	}
}

func TestJoinRequests(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	l := createLink(t, srv, map[string]string{"name": "approval", "creates_join_request": "true"})
	srv.PushJoinRequest(group, bob, l.InviteLink)
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"chat_join_request"}})
	if err != nil {
		t.Fatal(err)
	}
	jr := us[0].ChatJoinRequest
	if jr == nil || jr.From.ID != bob || jr.InviteLink == nil || jr.InviteLink.InviteLink != l.InviteLink || jr.InviteLink.PendingJoinRequestCount != 1 {
		t.Fatalf("chat_join_request = %+v", jr)
	}
	if got := srv.InviteLinks(group)[0].PendingJoinRequestCount; got != 1 {
		t.Errorf("pending = %d", got)
	}

	approve := map[string]string{"chat_id": id(group), "user_id": id(bob)}
	srv.SetMember(group, srv.Bot().ID, Member{Status: "administrator"})
	wantError(t, srv, "approveChatJoinRequest", approve, 400, "Bad Request: not enough rights to manage chat join requests")
	srv.SetMember(group, srv.Bot().ID, Member{Status: "administrator", CanInviteUsers: true})
	if _, _, body := post(t, srv, "approveChatJoinRequest", approve); string(body) != fixture(t, "approveChatJoinRequest.ok.json") {
		t.Errorf("approve: %s", body)
	}
	if m := srv.Member(group, bob); m.Status != "member" {
		t.Errorf("Bob is %q after approval", m.Status)
	}
	if got := srv.InviteLinks(group)[0].PendingJoinRequestCount; got != 0 {
		t.Errorf("pending after approval = %d", got)
	}
	wantError(t, srv, "approveChatJoinRequest", approve, 400, "Bad Request: USER_ALREADY_PARTICIPANT")
	decline := map[string]string{"chat_id": id(group), "user_id": id(carol)}
	wantError(t, srv, "declineChatJoinRequest", decline, 400, "Bad Request: HIDE_REQUESTER_MISSING")
	srv.PushJoinRequest(group, carol, "")
	mustPost(t, srv, "declineChatJoinRequest", decline)
	if m := srv.Member(group, carol); m.Status != "left" {
		t.Errorf("Carol is %q after being declined", m.Status)
	}
	wantError(t, srv, "declineChatJoinRequest", decline, 400, "Bad Request: HIDE_REQUESTER_MISSING")

	rec := newRecorder(t)
	strict := newWorld(rec)
	plain := createLink(t, strict, nil)
	strict.PushJoinRequest(group, bob, plain.InviteLink) // the link does not create join requests
	if len(rec.Fatals()) != 1 {
		t.Errorf("join request through a plain link reported %q", rec.Fatals())
	}
}

func TestGetChatMemberMatchesTelegram(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	get := func(userID int64) string {
		_, _, body := post(t, srv, "getChatMember", map[string]string{"chat_id": id(group), "user_id": id(userID)})
		return string(body)
	}
	if got := get(alice); got != fixture(t, "getChatMember.creator.ok.json") {
		t.Errorf("creator: %s", got)
	}
	if got := get(bob); got != fixture(t, "getChatMember.left.ok.json") {
		t.Errorf("left: %s", got)
	}
	if got := get(1087968824); got != fixture(t, "getChatMember.anonymous_bot.ok.json") {
		t.Errorf("anonymous bot: %s", got)
	}
	srv.SetMember(group, bob, Member{Status: "member"})
	if got := get(bob); got != fixture(t, "getChatMember.member.ok.json") {
		t.Errorf("member: %s", got)
	}
	srv.SetMember(group, alice, Member{Status: "administrator", CanInviteUsers: true})
	if got := get(alice); got != fixture(t, "getChatMember.administrator.ok.json") {
		t.Errorf("administrator: %s", got)
	}
	cm, err := bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: group, UserID: srv.Bot().ID}})
	if err != nil || cm.Status != "administrator" || !cm.CanInviteUsers || !cm.CanManageVoiceChats {
		t.Errorf("the bot: %+v, %v", cm, err)
	}
	wantError(t, srv, "getChatMember", map[string]string{"chat_id": id(group), "user_id": "42"}, 400, "Bad Request: user not found")
	wantError(t, srv, "getChatMember", map[string]string{"chat_id": "-100123", "user_id": id(bob)}, 400, "Bad Request: chat not found")
	srv.SetMember(group, carol, Member{Status: "restricted"})
	srv.SetMember(group, carol, Member{Status: "kicked"})
	if got := get(carol); !strings.Contains(got, `"status":"kicked","until_date":0`) {
		t.Errorf("kicked: %s", got)
	}

	var admins []tgbotapi.ChatMember
	json.Unmarshal(mustPost(t, srv, "getChatAdministrators", map[string]string{"chat_id": id(group)}), &admins)
	if len(admins) != 2 || admins[0].User.ID != alice || admins[1].User.ID != srv.Bot().ID {
		t.Errorf("administrators = %+v", admins)
	}
}

func TestGetChat(t *testing.T) {
	srv := newWorld(t)
	var chat map[string]any
	json.Unmarshal(mustPost(t, srv, "getChat", map[string]string{"chat_id": "@invite_test_channel"}), &chat)
	if chat["id"] != float64(channel) || chat["type"] != "channel" || chat["max_reaction_count"] != float64(11) || chat["accent_color_id"] != float64(0) {
		t.Errorf("getChat = %v", chat)
	}
	srv.AddChat(Chat{ID: -1004444444444, Type: "supergroup", Title: "Private"})
	srv.SetMember(-1004444444444, srv.Bot().ID, Member{Status: "left"})
	wantError(t, srv, "getChat", map[string]string{"chat_id": "-1004444444444"}, 403, "Forbidden: bot is not a member of the supergroup chat")
}

func TestCommandsAndRights(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	cmds := []tgbotapi.BotCommand{{Command: "invite", Description: "Make an invite link"}, {Command: "revoke", Description: "Revoke a link"}}
	if _, err := bot.Request(tgbotapi.NewSetMyCommandsWithScope(tgbotapi.NewBotCommandScopeAllChatAdministrators(), cmds...)); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands("all_chat_administrators"); len(got) != 2 || got[1] != BotCommand(cmds[1]) {
		t.Errorf("Commands = %+v", got)
	}
	if got := srv.Commands("default"); got != nil {
		t.Errorf("default commands = %+v", got)
	}
	got, err := bot.GetMyCommandsWithConfig(tgbotapi.NewGetMyCommandsWithScope(tgbotapi.NewBotCommandScopeAllChatAdministrators()))
	if err != nil || len(got) != 2 {
		t.Errorf("getMyCommands = %+v, %v", got, err)
	}
	for cmd, desc := range map[string]string{
		"Invite":                "Bad Request: BOT_COMMAND_INVALID",
		"new-link":              "Bad Request: BOT_COMMAND_INVALID",
		"":                      "Bad Request: command must be non-empty",
		strings.Repeat("a", 33): "Bad Request: command length must not exceed 32",
	} {
		c, _ := json.Marshal([]tgbotapi.BotCommand{{Command: cmd, Description: "d"}})
		wantError(t, srv, "setMyCommands", map[string]string{"commands": string(c)}, 400, desc)
	}
	wantError(t, srv, "setMyCommands", map[string]string{"commands": `[{"command":"a","description":" "}]`}, 400, "Bad Request: command description must be non-empty")
	wantError(t, srv, "setMyCommands", map[string]string{"commands": `[{"command":"a","description":"d"}]`,
		"scope": `{"type":"chat","chat_id":-1000000000001}`}, 400, "Bad Request: chat not found")

	rights := map[string]bool{"is_anonymous": false, "can_manage_chat": false, "can_delete_messages": false,
		"can_manage_video_chats": false, "can_restrict_members": false, "can_promote_members": false,
		"can_change_info": false, "can_invite_users": true, "can_post_stories": false, "can_edit_stories": false,
		"can_delete_stories": false}
	b, _ := json.Marshal(rights)
	if _, err := bot.MakeRequest("setMyDefaultAdministratorRights", tgbotapi.Params{"rights": string(b)}); err != nil {
		t.Fatal(err)
	}
	if got := srv.DefaultAdminRights(false); !got["can_invite_users"] || len(got) != len(rights) {
		t.Errorf("DefaultAdminRights(false) = %v", got)
	}
	if got := srv.DefaultAdminRights(true); got != nil {
		t.Errorf("DefaultAdminRights(true) = %v", got)
	}
	var back map[string]bool
	json.Unmarshal(mustPost(t, srv, "getMyDefaultAdministratorRights", nil), &back)
	if !back["can_invite_users"] || back["can_manage_chat"] {
		t.Errorf("getMyDefaultAdministratorRights = %v", back)
	}
}
