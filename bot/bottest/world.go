package bottest

import (
	"strconv"
	"strings"
	"time"
)

// Service accounts that appear as senders in real updates.
var (
	// groupAnonymousBot sends the messages of anonymous group administrators.
	groupAnonymousBot = User{ID: 1087968824, IsBot: true, FirstName: "Group", UserName: "GroupAnonymousBot"}
	// channelBot sends the posts a linked channel makes in its group.
	channelBot = User{ID: 136817688, IsBot: true, FirstName: "Channel", UserName: "Channel_Bot"}
	// telegramService sends automatic forwards and service notifications.
	telegramService = User{ID: 777000, FirstName: "Telegram"}
)

// Member is a user's (or the bot's) membership in a chat.
type Member struct {
	Status         string // "creator", "administrator", "member", "restricted", "left", "kicked"
	CanInviteUsers bool   // for administrators
	IsAnonymous    bool   // for creators and administrators
}

// chatState is everything the server knows about one chat.
type chatState struct {
	chat     Chat
	members  map[int64]Member
	lastID   int // the last message_id used in the chat
	messages map[int]*message
	sent     []*message // the bot's messages, in order
	links    []*inviteLink
	requests map[int64]*joinRequest // pending join requests by user
	started  bool                   // a private chat: the user has started the bot (private.go)
	wayIn    time.Time              // a private chat: the bot may write until then, through a join request's user_chat_id
	guarded  bool                   // the bot is the chat's guard bot (guard.go)
}

func newChatState(c Chat) *chatState {
	return &chatState{
		chat:     c,
		members:  make(map[int64]Member),
		messages: make(map[int]*message),
		requests: make(map[int64]*joinRequest),
	}
}

// AddUser adds a person the bot can meet, together with their private chat
// with the bot (whose id is the user's id).
func (s *Server) AddUser(u User) {
	s.t.Helper()
	if u.ID <= 0 || u.FirstName == "" || u.ID == s.bot.ID {
		s.t.Fatalf("bottest: AddUser: a user needs a positive ID (not the bot's) and a FirstName, got %+v", u)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
	c := Chat{ID: u.ID, Type: "private", FirstName: u.FirstName, LastName: u.LastName, UserName: u.UserName}
	if cs, ok := s.chats[u.ID]; ok {
		cs.chat = c
	} else {
		s.chats[u.ID] = newChatState(c)
	}
	s.changedLocked()
}

// AddChat adds a group, supergroup or channel (with a title and an
// optional username). The bot starts out as a plain member (an
// administrator in a channel, the only way a bot can be in one); use
// SetMember to change that.
func (s *Server) AddChat(c Chat) {
	s.t.Helper()
	switch {
	case c.Type != "group" && c.Type != "supergroup" && c.Type != "channel":
		s.t.Fatalf("bottest: AddChat: chat type must be group, supergroup or channel, got %q (private chats come with AddUser)", c.Type)
		return
	case c.ID >= 0:
		s.t.Fatalf("bottest: AddChat: %s ids are negative, got %d", c.Type, c.ID)
		return
	case c.Title == "":
		s.t.Fatalf("bottest: AddChat: chat %d needs a title", c.ID)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cs, ok := s.chats[c.ID]; ok {
		cs.chat = c
	} else {
		cs := newChatState(c)
		if c.Type == "channel" {
			cs.members[s.bot.ID] = Member{Status: "administrator"}
		} else {
			cs.members[s.bot.ID] = Member{Status: "member"}
		}
		s.chats[c.ID] = cs
	}
	s.changedLocked()
}

// SetMember sets a user's membership in a chat. Use Bot().ID to set the
// bot's own status; in a private chat, the bot "kicked" means the user
// blocked the bot.
func (s *Server) SetMember(chatID, userID int64, m Member) {
	s.t.Helper()
	if !validStatus(m.Status) {
		s.t.Fatalf("bottest: SetMember: unknown status %q", m.Status)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.chats[chatID]
	if !ok {
		s.t.Fatalf("bottest: SetMember: unknown chat %d; call AddChat or AddUser first", chatID)
		return
	}
	if _, ok := s.users[userID]; !ok {
		s.t.Fatalf("bottest: SetMember: unknown user %d; call AddUser first", userID)
		return
	}
	cs.members[userID] = m
	s.changedLocked()
}

// Member returns a user's membership in a chat as the server sees it.
func (s *Server) Member(chatID, userID int64) Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.chats[chatID]
	if !ok {
		return Member{Status: "left"}
	}
	return s.memberOf(cs, userID)
}

func validStatus(st string) bool {
	switch st {
	case "creator", "administrator", "member", "restricted", "left", "kicked":
		return true
	}
	return false
}

func (s *Server) memberOf(cs *chatState, userID int64) Member {
	if m, ok := cs.members[userID]; ok {
		return m
	}
	switch {
	case cs.chat.Type == "private" && (userID == cs.chat.ID || userID == s.bot.ID):
		return Member{Status: "member"}
	case userID == groupAnonymousBot.ID && (cs.chat.Type == "group" || cs.chat.Type == "supergroup"):
		return Member{Status: "member"}
	}
	return Member{Status: "left"}
}

func isAdmin(m Member) bool { return m.Status == "creator" || m.Status == "administrator" }

func isMember(m Member) bool {
	switch m.Status {
	case "creator", "administrator", "member", "restricted":
		return true
	}
	return false
}

// resolveChat finds the chat a chat_id parameter names: an id or an
// @username.
func (s *Server) resolveChat(param string) (*chatState, *apiError) {
	if param == "" {
		return nil, badRequest("chat_id is empty")
	}
	if name, ok := strings.CutPrefix(param, "@"); ok {
		for _, cs := range s.chats {
			if cs.chat.UserName != "" && strings.EqualFold(cs.chat.UserName, name) {
				return cs, nil
			}
		}
		return nil, badRequest("chat not found")
	}
	id, err := strconv.ParseInt(param, 10, 64)
	if err != nil {
		return nil, badRequest("chat not found")
	}
	cs, ok := s.chats[id]
	if !ok {
		return nil, badRequest("chat not found")
	}
	return cs, nil
}

// access is what a request needs to do in a chat, as the real server
// distinguishes it.
type access int

const (
	readAccess access = iota
	readMembersAccess
	editAccess
	writeAccess
	sendAccess // a new message: in a private chat, only once the user started the bot
)

// checkAccess answers the errors the real server gives when the bot is not
// (or no longer) in the chat.
func (s *Server) checkAccess(cs *chatState, need access) *apiError {
	bot := s.memberOf(cs, s.bot.ID)
	switch t := cs.chat.Type; t {
	case "private":
		if bot.Status == "kicked" && need >= editAccess {
			return forbidden("bot was blocked by the user")
		}
		if need == sendAccess && !cs.started && !s.now().Before(cs.wayIn) {
			return forbidden("bot can't initiate conversation with a user")
		}
	case "group":
		if need == readMembersAccess {
			need = writeAccess
		}
		if need >= editAccess {
			switch {
			case bot.Status == "kicked":
				return forbidden("bot was kicked from the group chat")
			case !isMember(bot):
				return forbidden("bot is not a member of the group chat")
			}
		}
	default: // supergroup, channel
		if bot.Status == "kicked" {
			return forbidden("bot was kicked from the %s chat", t)
		}
		public := cs.chat.UserName != ""
		if !isMember(bot) && (!public || need >= editAccess) {
			return forbidden("bot is not a member of the %s chat", t)
		}
	}
	return nil
}

// chatFor resolves a chat_id and checks that the bot has the access needed.
func (s *Server) chatFor(param string, need access) (*chatState, *apiError) {
	cs, err := s.resolveChat(param)
	if err != nil {
		return nil, err
	}
	if err := s.checkAccess(cs, need); err != nil {
		return nil, err
	}
	return cs, nil
}

// canInvite reports whether the bot may manage the chat's invite links and
// join requests: it must be the creator, or an administrator with
// can_invite_users.
func (s *Server) canInvite(cs *chatState) bool {
	m := s.memberOf(cs, s.bot.ID)
	return m.Status == "creator" || (m.Status == "administrator" && m.CanInviteUsers)
}

// userJSON renders a user as the real server does outside getMe.
func userJSON(u User) object {
	o := object{{"id", u.ID}, {"is_bot", u.IsBot}, {"first_name", u.FirstName}}
	if u.LastName != "" {
		o.add("last_name", u.LastName)
	}
	if u.UserName != "" {
		o.add("username", u.UserName)
	}
	if u.LanguageCode != "" {
		o.add("language_code", u.LanguageCode)
	}
	return o
}

// chatJSON renders the short Chat object found in messages and updates.
func chatJSON(c Chat) object {
	o := object{{"id", c.ID}}
	switch c.Type {
	case "private":
		o.add("first_name", c.FirstName)
		if c.LastName != "" {
			o.add("last_name", c.LastName)
		}
		if c.UserName != "" {
			o.add("username", c.UserName)
		}
		o.add("type", c.Type)
	case "group":
		o.add("title", c.Title)
		o.add("type", c.Type)
		o.add("all_members_are_administrators", false) // still written by the real server
	default:
		o.add("title", c.Title)
		if c.UserName != "" {
			o.add("username", c.UserName)
		}
		o.add("type", c.Type)
	}
	return o
}

// memberJSON renders a ChatMember the way getChatMember answers.
func (s *Server) memberJSON(cs *chatState, u User) object {
	m := s.memberOf(cs, u.ID)
	o := object{{"user", userJSON(u)}, {"status", m.Status}}
	chatType := cs.chat.Type
	switch m.Status {
	case "creator":
		o.add("is_anonymous", m.IsAnonymous)
	case "administrator":
		o.add("can_be_edited", false)
		o.add("can_manage_chat", true)
		o.add("can_change_info", true)
		if chatType == "channel" {
			o.add("can_post_messages", true)
			o.add("can_edit_messages", true)
		}
		o.add("can_delete_messages", true)
		o.add("can_invite_users", m.CanInviteUsers)
		o.add("can_restrict_members", true)
		if chatType != "channel" {
			o.add("can_pin_messages", true)
		}
		if chatType == "supergroup" {
			o.add("can_manage_topics", false)
		}
		o.add("can_promote_members", false)
		o.add("can_manage_video_chats", true)
		o.add("can_post_stories", false)
		o.add("can_edit_stories", false)
		o.add("can_delete_stories", false)
		if chatType == "channel" {
			o.add("can_manage_direct_messages", false)
		} else {
			o.add("can_manage_tags", false)
		}
		o.add("is_anonymous", m.IsAnonymous)
		o.add("can_manage_voice_chats", true) // the old name, which tgbotapi v5.5.1 reads
	case "restricted":
		if chatType == "supergroup" {
			o.add("until_date", 0)
			for _, p := range []string{"can_send_messages", "can_send_media_messages", "can_send_audios",
				"can_send_documents", "can_send_photos", "can_send_videos", "can_send_video_notes",
				"can_send_voice_notes", "can_send_polls", "can_send_other_messages", "can_add_web_page_previews",
				"can_react_to_messages", "can_edit_tag", "can_change_info", "can_invite_users", "can_pin_messages",
				"can_manage_topics"} {
				o.add(p, false)
			}
			o.add("is_member", true)
		}
	case "kicked":
		o.add("until_date", 0)
	}
	return o
}
