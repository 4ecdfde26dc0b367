package bottest

// The world's types. They are bottest's own, so that a test needs no
// particular Bot API library to build a world; their fields are named as
// in go-telegram-bot-api (tgbotapi) where it has them, and as in the Bot
// API (10.1) otherwise.

// User is a person or a bot: someone the bot under test can meet
// (AddUser), or the bot itself (WithBot, Bot).
type User struct {
	ID           int64
	IsBot        bool
	FirstName    string
	LastName     string
	UserName     string // without the @
	LanguageCode string // the IETF tag of the user's app language ("en"), in the updates they cause

	// What getMe tells about the bot itself; ignored for everyone else.
	CanJoinGroups              bool
	CanReadAllGroupMessages    bool
	SupportsInlineQueries      bool
	SupportsJoinRequestQueries bool // Bot API 10.1: the bot may be made a chat's guard bot
}

// Chat is a group, supergroup or channel (AddChat), or the private chat
// between the bot and a user (which comes with AddUser).
type Chat struct {
	ID        int64  // negative for groups, supergroups and channels; the user's ID for a private chat
	Type      string // "private", "group", "supergroup" or "channel"
	Title     string // groups, supergroups and channels
	UserName  string // a public chat's username, without the @
	FirstName string // private chats
	LastName  string // private chats
}

// InviteLink is an invite link of a chat: made by the bot, or by another
// administrator before the test (AddInviteLink).
type InviteLink struct {
	InviteLink              string // the whole URL, https://t.me/+HASH
	Creator                 User
	CreatesJoinRequest      bool
	IsPrimary               bool
	IsRevoked               bool
	Name                    string
	ExpireDate              int64 // Unix time; 0 for none
	MemberLimit             int   // 0 for none
	PendingJoinRequestCount int
	SubscriptionPeriod      int // seconds: subscription links only
	SubscriptionPrice       int // Telegram Stars a period: subscription links only

	// Expired tells, in what the server reports, that ExpireDate has
	// passed on the server's clock: nobody can join through the link.
	// The Bot API has no such field; AddInviteLink ignores it.
	Expired bool
}

// BotCommand is a command of the bot's menu.
type BotCommand struct {
	Command     string // without the /
	Description string
}

// BotCommandScope names one of the bot's command menus: Type is
// "default", "all_private_chats", "all_group_chats",
// "all_chat_administrators", "chat", "chat_administrators" or
// "chat_member"; ChatID and UserID are set for the types that name them.
type BotCommandScope struct {
	Type   string
	ChatID int64
	UserID int64
}
