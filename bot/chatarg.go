package bot

import (
	"regexp"
	"strings"
	"unicode"
)

// ChatRule says when a command's leading argument is a CHAT (a chat named
// from a private chat with the bot) rather than the command's own.
type ChatRule int

const (
	// ChatFirst: a leading @username or negative chat ID is the CHAT.
	ChatFirst ChatRule = iota
	// ChatBeforeArg: as ChatFirst, but only when another argument follows,
	// for commands whose own argument may be a @username (/approve @user).
	ChatBeforeArg
)

// chatIDPattern is a group, supergroup or channel ID: users' IDs are
// positive, chats' negative.
var chatIDPattern = regexp.MustCompile(`^-[0-9]{1,19}$`)

// SplitChat splits a leading CHAT (@username or negative chat ID) off a
// command's arguments; it ends at any white space, a newline too. ok is false
// when args do not start with one.
func SplitChat(args string, rule ChatRule) (chat, rest string, ok bool) {
	first := strings.TrimSpace(args)
	if i := strings.IndexFunc(first, unicode.IsSpace); i >= 0 {
		first, rest = first[:i], strings.TrimSpace(first[i:])
	}
	isChat := (strings.HasPrefix(first, "@") && len(first) > 1) || chatIDPattern.MatchString(first)
	if !isChat || (rule == ChatBeforeArg && rest == "") {
		return "", strings.TrimSpace(args), false
	}
	return first, rest, true
}
