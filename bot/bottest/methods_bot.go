package bottest

import (
	"encoding/json"
	"maps"
	"strings"
	"unicode/utf8"
)

// getMe describes the bot as the real server does, with the fields of
// the recorded answer (testdata/api_responses/getMe.ok.json) always
// there; the Bot API 10.1 field the recording predates,
// supports_join_request_queries, is written when true.
func (s *Server) getMe(*request) (any, *apiError) {
	b := s.bot
	o := object{{"id", b.ID}, {"is_bot", true}, {"first_name", b.FirstName}}
	if b.LastName != "" {
		o.add("last_name", b.LastName)
	}
	o.add("username", b.UserName)
	o.add("can_join_groups", b.CanJoinGroups)
	o.add("can_read_all_group_messages", b.CanReadAllGroupMessages)
	o.add("supports_inline_queries", b.SupportsInlineQueries)
	if b.SupportsJoinRequestQueries {
		o.add("supports_join_request_queries", true)
	}
	return o, nil
}

// commandScope identifies one list of commands.
type commandScope struct {
	typ      string
	chatID   int64
	userID   int64
	language string
}

type commandList struct {
	commands []BotCommand
	seq      int // when it was set, to find the latest of a scope type
}

// Commands returns the commands set for a scope type ("default",
// "all_private_chats", "all_group_chats", "all_chat_administrators",
// "chat", "chat_administrators", "chat_member") with no language code. For
// the per-chat types it returns the list set last. It returns nil if none
// is set.
func (s *Server) Commands(scopeType string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *commandList
	for k, l := range s.commands {
		if k.typ == scopeType && k.language == "" && (best == nil || l.seq > best.seq) {
			best = l
		}
	}
	if best == nil {
		return nil
	}
	return append([]BotCommand(nil), best.commands...)
}

// CommandsFor returns the commands set for one exact scope and language.
func (s *Server) CommandsFor(scope BotCommandScope, languageCode string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.commands[commandScope{scope.Type, scope.ChatID, scope.UserID, languageCode}]
	if l == nil {
		return nil
	}
	return append([]BotCommand(nil), l.commands...)
}

// scopeOf reads the scope and language_code parameters.
func (s *Server) scopeOf(q *request) (commandScope, *apiError) {
	key := commandScope{typ: "default", language: q.str("language_code")}
	if lc := key.language; lc != "" && (len(lc) != 2 || lc[0] < 'a' || lc[0] > 'z' || lc[1] < 'a' || lc[1] > 'z') {
		return key, badRequest("invalid language code specified")
	}
	raw := q.str("scope")
	if raw == "" || raw == "null" {
		return key, nil
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}
	if json.Unmarshal([]byte(raw), &sc) != nil {
		return key, badRequest("can't parse BotCommandScope JSON object")
	}
	key.typ = sc.Type
	switch sc.Type {
	case "chat", "chat_administrators", "chat_member":
		cs, err := s.resolveChat(strings.Trim(string(sc.ChatID), `"`))
		if err != nil {
			return key, err
		}
		if cs.chat.Type == "channel" {
			return key, badRequest("can't change commands in channel chats")
		}
		if cs.chat.Type == "private" && sc.Type != "chat" {
			return key, badRequest("can't use specified scope in private chats")
		}
		key.chatID = cs.chat.ID
		if sc.Type == "chat_member" {
			if _, ok := s.users[sc.UserID]; !ok {
				return key, badRequest("user not found")
			}
			key.userID = sc.UserID
		}
	}
	return key, nil
}

func (s *Server) setMyCommands(q *request) (any, *apiError) {
	var in []struct {
		Command     string `json:"command"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal([]byte(q.str("commands")), &in); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	cmds := make([]BotCommand, len(in))
	for i, c := range in {
		cmds[i] = BotCommand(c)
	}
	if len(cmds) > 100 {
		return nil, badRequest("BOT_COMMANDS_TOO_MUCH")
	}
	key, err := s.scopeOf(q)
	if err != nil {
		return nil, err
	}
	for i, c := range cmds {
		c.Command = strings.TrimPrefix(strings.TrimSpace(c.Command), "/")
		c.Description = strings.TrimSpace(c.Description)
		switch n := utf8.RuneCountInString(c.Command); {
		case n == 0:
			return nil, badRequest("command must be non-empty")
		case n > 32:
			return nil, badRequest("command length must not exceed 32")
		}
		for _, r := range c.Command {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				return nil, badRequest("BOT_COMMAND_INVALID")
			}
		}
		switch n := utf8.RuneCountInString(c.Description); {
		case n == 0:
			return nil, badRequest("command description must be non-empty")
		case n > 256:
			return nil, badRequest("command description length must not exceed 256")
		}
		cmds[i] = c
	}
	if len(cmds) == 0 {
		delete(s.commands, key)
		return true, nil
	}
	seq := 1
	for _, l := range s.commands {
		seq = max(seq, l.seq+1)
	}
	s.commands[key] = &commandList{commands: cmds, seq: seq}
	return true, nil
}

func (s *Server) getMyCommands(q *request) (any, *apiError) {
	key, err := s.scopeOf(q)
	if err != nil {
		return nil, err
	}
	out := []object{}
	if l := s.commands[key]; l != nil {
		for _, c := range l.commands {
			out = append(out, object{{"command", c.Command}, {"description", c.Description}})
		}
	}
	return out, nil
}

func (s *Server) deleteMyCommands(q *request) (any, *apiError) {
	key, err := s.scopeOf(q)
	if err != nil {
		return nil, err
	}
	delete(s.commands, key)
	return true, nil
}

// DefaultAdminRights returns the rights set with
// setMyDefaultAdministratorRights for groups or channels, as given (nil if
// none).
func (s *Server) DefaultAdminRights(forChannels bool) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.rights[channelIndex(forChannels)])
}

func channelIndex(forChannels bool) int {
	if forChannels {
		return 1
	}
	return 0
}

func (s *Server) setMyDefaultAdministratorRights(q *request) (any, *apiError) {
	i := channelIndex(q.bool("for_channels"))
	raw := q.str("rights")
	if raw == "" || raw == "null" {
		s.rights[i] = nil
		return true, nil
	}
	var rights map[string]bool
	if json.Unmarshal([]byte(raw), &rights) != nil {
		return nil, badRequest("can't parse ChatAdministratorRights JSON object")
	}
	s.rights[i] = rights
	return true, nil
}

func (s *Server) getMyDefaultAdministratorRights(q *request) (any, *apiError) {
	forChannels := q.bool("for_channels")
	rights := s.rights[channelIndex(forChannels)]
	o := object{}
	for _, f := range s.spec.Types["ChatAdministratorRights"].Fields {
		switch f.Name {
		case "can_post_messages", "can_edit_messages", "can_manage_direct_messages":
			if !forChannels {
				continue
			}
		case "can_pin_messages", "can_manage_topics", "can_manage_tags":
			if forChannels {
				continue
			}
		}
		o.add(f.Name, rights[f.Name])
	}
	return o, nil
}
