package main

import (
	"strconv"
	"strings"

	"github.com/invitebot/invitebot/bot/bottest"
)

// The sandbox's world: a supergroup and a channel, the people in them,
// and the bot's owner. The IDs are those of the end-to-end tests.
const (
	sbGroupID   int64 = -1001234567890
	sbChannelID int64 = -1009876543210
	sbOwnerID   int64 = 5000000009
)

// sbPerson is someone the console can be.
type sbPerson struct {
	name string // as typed in the console: "as alice"
	user bottest.User
	role string // who they are, after "You are alice, "
}

var sbPeople = []sbPerson{
	{"alice", bottest.User{ID: 5000000001, FirstName: "Alice", UserName: "alice_admin"}, "an admin of the group who may invite users, who has a private chat with the bot"},
	{"bob", bottest.User{ID: 5000000002, FirstName: "Bob"}, "a member of the group"},
	{"carol", bottest.User{ID: 5000000003, FirstName: "Carol", UserName: "carol"}, "an admin of the group who may not invite users"},
	{"dave", bottest.User{ID: 5000000004, FirstName: "Dave", UserName: "dave_creator"}, "the creator of the group and of the channel"},
	{"olga", bottest.User{ID: sbOwnerID, FirstName: "Olga", UserName: "olga_owner"}, "the bot's owner (INVITEBOT_OWNERS), in no chat"},
	{"frank", bottest.User{ID: 5000000006, FirstName: "Frank", UserName: "frank_f"}, "in no chat yet"},
	{"gina", bottest.User{ID: 5000000007, FirstName: "Gina", UserName: "gina_g"}, "in no chat yet"},
	{"hank", bottest.User{ID: 5000000008, FirstName: "Hank", UserName: "hank_h"}, "in no chat yet"},
	{"ivan", bottest.User{ID: 5000000010, FirstName: "Ivan", LastName: "Petrov"}, "in no chat yet"},
	{"judy", bottest.User{ID: 5000000011, FirstName: "Judy", UserName: "judy_j"}, "in no chat yet"},
	{"kate", bottest.User{ID: 5000000012, FirstName: "Kate", UserName: "kate_k"}, "in no chat yet"},
}

// sbBot is the bot the simulated Telegram plays: Telegram's test bot,
// able to be a chat's guard bot (Bot API 10.1), so that guard on can make
// it one.
var sbBot = bottest.User{ID: 6000000001, FirstName: "Invite Bot", UserName: "invite_test_bot", CanJoinGroups: true,
	SupportsJoinRequestQueries: true}

// sbAnonymous is the console's name for an anonymous admin of the group.
const sbAnonymous = "anonymous"

// sbPersonNamed finds a person by console name; "owner" is olga.
func sbPersonNamed(name string) (sbPerson, bool) {
	name = strings.ToLower(strings.TrimPrefix(name, "@"))
	if name == "owner" {
		name = "olga"
	}
	for _, p := range sbPeople {
		if p.name == name || (p.user.UserName != "" && strings.EqualFold(p.user.UserName, name)) {
			return p, true
		}
	}
	return sbPerson{}, false
}

// sbPersonByID finds a person by user ID.
func sbPersonByID(id int64) (sbPerson, bool) {
	for _, p := range sbPeople {
		if p.user.ID == id {
			return p, true
		}
	}
	return sbPerson{}, false
}

// sbPeopleNames lists the console names, for messages.
func sbPeopleNames() string {
	names := make([]string, len(sbPeople))
	for i, p := range sbPeople {
		names[i] = p.name
	}
	return strings.Join(names, ", ")
}

// sbChat is a chat as the console names it.
type sbChat struct {
	id    int64
	title string // for what the console says
	kind  string // "group", "channel", "private"
}

var (
	sbGroup   = sbChat{sbGroupID, "Sandbox Group", "group"}
	sbChannel = sbChat{sbChannelID, "Sandbox Channel", "channel"}
)

// sbPrivate is the private chat of a person with the bot.
func sbPrivate(p sbPerson) sbChat {
	return sbChat{p.user.ID, p.name + "'s private chat with the bot", "private"}
}

// sbChatByID finds a chat of the world by ID.
func sbChatByID(id int64) (sbChat, bool) {
	switch id {
	case sbGroupID:
		return sbGroup, true
	case sbChannelID:
		return sbChannel, true
	}
	if p, ok := sbPersonByID(id); ok {
		return sbPrivate(p), true
	}
	return sbChat{}, false
}

// sbChatIDs are the chats the console watches for the bot's messages.
func sbChatIDs() []int64 {
	ids := []int64{sbGroupID, sbChannelID}
	for _, p := range sbPeople {
		ids = append(ids, p.user.ID)
	}
	return ids
}

// buildWorld fills a fake Telegram with the sandbox's world. The bot is
// not in the chats yet: addBot puts it there, as Dave would.
func buildWorld(srv *bottest.Server) {
	for _, p := range sbPeople {
		srv.AddUser(p.user)
	}
	srv.AddChat(bottest.Chat{ID: sbGroupID, Type: "supergroup", Title: sbGroup.title, UserName: "sandbox_group"})
	srv.AddChat(bottest.Chat{ID: sbChannelID, Type: "channel", Title: sbChannel.title, UserName: "sandbox_channel"})
	member := func(chat int64, name string, m bottest.Member) {
		p, _ := sbPersonNamed(name)
		srv.SetMember(chat, p.user.ID, m)
	}
	member(sbGroupID, "dave", bottest.Member{Status: "creator"})
	member(sbGroupID, "alice", bottest.Member{Status: "administrator", CanInviteUsers: true})
	member(sbGroupID, "carol", bottest.Member{Status: "administrator"})
	member(sbGroupID, "bob", bottest.Member{Status: "member"})
	member(sbChannelID, "dave", bottest.Member{Status: "creator"})
	for _, chat := range []int64{sbGroupID, sbChannelID} {
		srv.SetMember(chat, srv.Bot().ID, bottest.Member{Status: "left"})
	}
	// Alice and olga have talked to the bot before: it may write to them.
	// The others never opened a private chat with it.
	for _, name := range []string{"alice", "olga"} {
		p, _ := sbPersonNamed(name)
		srv.StartPrivateChat(p.user.ID)
	}
}

// addBot makes the bot an admin with "Invite users via link" in the group
// and the channel, by Dave, with the my_chat_member updates Telegram
// sends: the bot learns of its chats as it would in real life.
func addBot(srv *bottest.Server) {
	dave, _ := sbPersonNamed("dave")
	for _, chat := range []int64{sbGroupID, sbChannelID} {
		srv.PushMemberChange(bottest.MemberChange{ChatID: chat, UserID: srv.Bot().ID, From: dave.user.ID,
			New: bottest.Member{Status: "administrator", CanInviteUsers: true}})
	}
}

// sbOwners is INVITEBOT_OWNERS in the sandbox.
var sbOwners = strconv.FormatInt(sbOwnerID, 10)
