package bot

import (
	"strings"
	"time"
	"unicode"

	"github.com/valyala/fastjson"
)

// Well-known senders that stand for someone else.
const (
	// GroupAnonymousBotID is the "from" of messages sent by anonymous admins.
	GroupAnonymousBotID = 1087968824
	// ChannelBotID is the "from" of messages a channel sends into a group.
	ChannelBotID = 136817688
	// TelegramServiceID is the "from" of automatic forwards from a linked channel.
	TelegramServiceID = 777000
)

// Update is one update as invitebot's handlers see it, built once from
// Telegram's JSON when the loop takes the update in: the chat, the sender,
// what kind of update it is, and for each kind the fields invitebot uses,
// among them those tgbotapi v5.5.1 does not know (user_chat_id,
// via_join_request, query_id). The router and the middleware add what
// they find: the command, the chat acted on and who acts. An update is
// handled by one goroutine at a time, so they may.
type Update struct {
	ID   int
	Kind string // as in allowed_updates: "message", "callback_query", ...
	// Raw is the update's JSON as Telegram sent it, as the journal keeps it.
	Raw []byte
	// Replayed: handed back by the journal after a restart; the first
	// run may have done part of it.
	Replayed bool

	Chat *Chat // where it happened; nil for none (an inline message's button)
	From *User // who caused it; nil for none (a channel post)

	Message     *Message      // message, edited_message, channel_post, edited_channel_post
	Callback    *Callback     // callback_query
	JoinRequest *JoinRequest  // chat_join_request
	Member      *MemberUpdate // chat_member, my_chat_member

	// Command is the command addressed to this bot, as the router found it.
	Command *Command
	// Route names what the router matched, for the logs and the metrics:
	// a command's name, "unknown" for a command the bot does not have, ""
	// for anything else.
	Route string
	// Target is the chat the update acts on and Actor who acts, as the
	// access checks established them (middleware); nil before.
	Target *Chat
	Actor  *User
}

// Chat is a chat: a private chat, a group, a supergroup or a channel.
type Chat struct {
	ID        int64
	Type      string // "private", "group", "supergroup", "channel"
	Title     string
	Username  string // without "@"
	FirstName string // private chats
	LastName  string
}

// IsPrivate tells a private chat with a person.
func (c *Chat) IsPrivate() bool { return c != nil && c.Type == "private" }

// IsGroup tells a group or a supergroup.
func (c *Chat) IsGroup() bool { return c != nil && (c.Type == "group" || c.Type == "supergroup") }

// IsChannel tells a channel.
func (c *Chat) IsChannel() bool { return c != nil && c.Type == "channel" }

// User is a person or a bot.
type User struct {
	ID           int64
	IsBot        bool
	FirstName    string
	LastName     string
	Username     string // without "@"
	LanguageCode string // the user's app language, IETF tag ("" if unknown)
}

// Name is how messages name the user: @username, else the full name.
func (u User) Name() string {
	if u.Username != "" {
		return "@" + u.Username
	}
	return u.FullName()
}

// FullName is the first and last name.
func (u User) FullName() string {
	if u.LastName != "" {
		return u.FirstName + " " + u.LastName
	}
	return u.FirstName
}

// Message is a message, as far as invitebot reads it.
type Message struct {
	ID   int
	Date time.Time
	Text string
	// Entities are the text's entities; only their kinds and places.
	Entities []Entity
	// SenderChat is the chat a message was sent on behalf of (an
	// anonymous admin's group, a channel), nil if none.
	SenderChat *Chat
	// ReplyTo is the message this one answers, 0 for none.
	ReplyTo int
	// The service fields of a group's upgrade and of members coming and going.
	MigrateToChatID   int64
	MigrateFromChatID int64
	NewChatMembers    []User
	LeftChatMember    *User
	// Buttons are the message's inline keyboard (callback buttons and links).
	Buttons [][]Button
}

// Entity is a special part of a message's text, in UTF-16 code units.
type Entity struct {
	Type   string
	Offset int
	Length int
}

// Callback is a press of an inline keyboard button.
type Callback struct {
	ID   string
	Data string
	// Message is the message the button is under (its chat is the
	// update's Chat); nil for a button of an inline message.
	Message         *Message
	InlineMessageID string
}

// Urgent reports whether u must be handled at once, ahead of the updates in
// hand: a guard bot's join request, whose query Telegram waits for only 10
// seconds.
func (u *Update) Urgent() bool {
	return u.JoinRequest != nil && u.JoinRequest.QueryID != ""
}

// JoinRequest is a request to join a chat (the update's Chat) by a person
// (the update's From).
type JoinRequest struct {
	// UserChatID is the private chat in which the bot may write to the
	// requester for five minutes.
	UserChatID int64
	Date       time.Time
	Bio        string
	// InviteLink is the URL of the link the request came through, "" if
	// none; other admins' links come with their end replaced by "...".
	InviteLink string
	// QueryID is set when the bot is the chat's guard bot (Bot API 10.1):
	// the request must be answered within 10 seconds.
	QueryID string
}

// MemberUpdate is a change of someone's membership in a chat (the update's
// Chat), made by the update's From.
type MemberUpdate struct {
	Date time.Time
	Old  MemberState
	New  MemberState
	// InviteLink is the URL of the link used to join, "" if none.
	InviteLink string
	// ViaJoinRequest: joined after a join request an admin approved,
	// ViaChatFolderInviteLink: through a chat folder's link.
	ViaJoinRequest          bool
	ViaChatFolderInviteLink bool
}

// MemberState is one person's standing in a chat.
type MemberState struct {
	User User
	ChatMember
}

// updateKinds are the kinds of update, each with the field it is in.
var updateKinds = []string{
	"message", "edited_message", "channel_post", "edited_channel_post",
	"business_message", "edited_business_message",
	"callback_query", "my_chat_member", "chat_member", "chat_join_request",
	"inline_query", "chosen_inline_result", "shipping_query", "pre_checkout_query",
	"purchased_paid_media", "poll", "poll_answer", "message_reaction", "message_reaction_count",
	"chat_boost", "removed_chat_boost", "business_connection", "deleted_business_messages",
}

// peek reads what routing needs of the parsed update v: its ID and kind,
// and for messages the text of a command and the service fields. fill
// reads the rest, from the same parse, for the updates that are wanted.
func peek(v *fastjson.Value, raw []byte) *Update {
	u := &Update{ID: v.GetInt("update_id"), Kind: "unknown", Raw: raw}
	for _, k := range updateKinds {
		if v.Exists(k) {
			u.Kind = k
			break
		}
	}
	switch u.Kind {
	case "message", "edited_message", "channel_post", "edited_channel_post":
		m := v.Get(u.Kind)
		u.Message = &Message{
			MigrateToChatID:   m.GetInt64("migrate_to_chat_id"),
			MigrateFromChatID: m.GetInt64("migrate_from_chat_id"),
		}
		if n := len(m.GetArray("new_chat_members")); n > 0 {
			u.Message.NewChatMembers = make([]User, n)
		}
		if m.Exists("left_chat_member") {
			u.Message.LeftChatMember = &User{}
		}
		// Only a command needs its text to be routed; chatter is not read.
		if es := m.GetArray("entities"); len(es) > 0 && string(es[0].GetStringBytes("type")) == "bot_command" && es[0].GetInt("offset") == 0 {
			u.Message.Text = string(m.GetStringBytes("text"))
			u.Message.Entities = entities(es)
		}
	case "callback_query":
		u.Callback = &Callback{Data: string(v.GetStringBytes("callback_query", "data"))}
	}
	return u
}

// fill completes u, which peek made of v.
func fill(u *Update, v *fastjson.Value) {
	switch u.Kind {
	case "message", "edited_message", "channel_post", "edited_channel_post":
		m := v.Get(u.Kind)
		if m.Type() != fastjson.TypeObject {
			return // what peek made of it stays
		}
		u.Chat = chat(m.Get("chat"))
		u.From = user(m.Get("from"))
		u.Message = message(m)
	case "callback_query":
		q := v.Get("callback_query")
		u.From = user(q.Get("from"))
		u.Callback = &Callback{
			ID:              string(q.GetStringBytes("id")),
			Data:            string(q.GetStringBytes("data")),
			InlineMessageID: string(q.GetStringBytes("inline_message_id")),
		}
		// An inaccessible message (too old) has date 0 and no text; it
		// still says where the button was.
		if m := q.Get("message"); m != nil && m.Type() == fastjson.TypeObject {
			u.Chat = chat(m.Get("chat"))
			u.Callback.Message = message(m)
		}
	case "chat_join_request":
		r := v.Get("chat_join_request")
		u.Chat = chat(r.Get("chat"))
		u.From = user(r.Get("from"))
		u.JoinRequest = &JoinRequest{
			UserChatID: r.GetInt64("user_chat_id"),
			Date:       unix(r.GetInt64("date")),
			Bio:        string(r.GetStringBytes("bio")),
			InviteLink: string(r.GetStringBytes("invite_link", "invite_link")),
			QueryID:    string(r.GetStringBytes("query_id")),
		}
	case "chat_member", "my_chat_member":
		c := v.Get(u.Kind)
		u.Chat = chat(c.Get("chat"))
		u.From = user(c.Get("from"))
		u.Member = &MemberUpdate{
			Date:                    unix(c.GetInt64("date")),
			Old:                     memberState(c.Get("old_chat_member")),
			New:                     memberState(c.Get("new_chat_member")),
			InviteLink:              string(c.GetStringBytes("invite_link", "invite_link")),
			ViaJoinRequest:          c.GetBool("via_join_request"),
			ViaChatFolderInviteLink: c.GetBool("via_chat_folder_invite_link"),
		}
	default:
		// Kinds invitebot does not ask for: the sender, where there is one.
		if x := v.Get(u.Kind); x != nil {
			u.From = user(x.Get("from"))
			if u.From == nil {
				u.From = user(x.Get("user"))
			}
			u.Chat = chat(x.Get("chat"))
		}
	}
}

func chat(v *fastjson.Value) *Chat {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	return &Chat{
		ID:        v.GetInt64("id"),
		Type:      string(v.GetStringBytes("type")),
		Title:     string(v.GetStringBytes("title")),
		Username:  string(v.GetStringBytes("username")),
		FirstName: string(v.GetStringBytes("first_name")),
		LastName:  string(v.GetStringBytes("last_name")),
	}
}

func user(v *fastjson.Value) *User {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	return &User{
		ID:           v.GetInt64("id"),
		IsBot:        v.GetBool("is_bot"),
		FirstName:    string(v.GetStringBytes("first_name")),
		LastName:     string(v.GetStringBytes("last_name")),
		Username:     string(v.GetStringBytes("username")),
		LanguageCode: string(v.GetStringBytes("language_code")),
	}
}

func message(m *fastjson.Value) *Message {
	out := &Message{
		ID:                m.GetInt("message_id"),
		Date:              unix(m.GetInt64("date")),
		Text:              string(m.GetStringBytes("text")),
		Entities:          entities(m.GetArray("entities")),
		SenderChat:        chat(m.Get("sender_chat")),
		ReplyTo:           m.GetInt("reply_to_message", "message_id"),
		MigrateToChatID:   m.GetInt64("migrate_to_chat_id"),
		MigrateFromChatID: m.GetInt64("migrate_from_chat_id"),
		LeftChatMember:    user(m.Get("left_chat_member")),
	}
	if out.Text == "" {
		out.Text = string(m.GetStringBytes("caption"))
		out.Entities = entities(m.GetArray("caption_entities"))
	}
	for _, n := range m.GetArray("new_chat_members") {
		if u := user(n); u != nil {
			out.NewChatMembers = append(out.NewChatMembers, *u)
		}
	}
	for _, row := range m.GetArray("reply_markup", "inline_keyboard") {
		var r []Button
		for _, b := range row.GetArray() {
			r = append(r, Button{
				Text: string(b.GetStringBytes("text")),
				Data: string(b.GetStringBytes("callback_data")),
				URL:  string(b.GetStringBytes("url")),
			})
		}
		out.Buttons = append(out.Buttons, r)
	}
	return out
}

func entities(es []*fastjson.Value) []Entity {
	if len(es) == 0 {
		return nil
	}
	out := make([]Entity, len(es))
	for i, e := range es {
		out[i] = Entity{Type: string(e.GetStringBytes("type")), Offset: e.GetInt("offset"), Length: e.GetInt("length")}
	}
	return out
}

func memberState(v *fastjson.Value) MemberState {
	var s MemberState
	if v == nil {
		return s
	}
	if u := user(v.Get("user")); u != nil {
		s.User = *u
	}
	s.Status = string(v.GetStringBytes("status"))
	s.CanInviteUsers = v.GetBool("can_invite_users")
	s.IsMember = v.GetBool("is_member")
	return s
}

func unix(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// Command is a bot command found at the start of a message.
type Command struct {
	// Name is the command without the slash and without @botname, in lower case.
	Name string
	// Args is the text after the command, trimmed of surrounding white space.
	Args string
}

// ParseCommand finds the command at the start of m addressed to the bot
// called username. It reports false when m is no command (Telegram marks
// commands with a bot_command entity at offset 0) or when the command is
// addressed to another bot (/cmd@OtherBot). It never panics, whatever the
// entities claim.
func ParseCommand(m *Message, username string) (Command, bool) {
	if m == nil || len(m.Entities) == 0 {
		return Command{}, false
	}
	if e := m.Entities[0]; e.Offset != 0 || e.Type != "bot_command" || !strings.HasPrefix(m.Text, "/") {
		return Command{}, false
	}
	// The command ends at the first white space of any kind: a newline, a
	// no-break space, an ideographic space (U+3000).
	token, rest := m.Text[1:], ""
	if i := strings.IndexFunc(token, unicode.IsSpace); i >= 0 {
		token, rest = token[:i], token[i:]
	}
	name, at, addressed := strings.Cut(token, "@")
	if addressed && !strings.EqualFold(at, username) {
		return Command{}, false
	}
	if name == "" {
		return Command{}, false
	}
	return Command{Name: strings.ToLower(name), Args: strings.TrimSpace(rest)}, true
}
