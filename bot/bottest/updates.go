package bottest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/invitebot/invitebot/bot/bottest/internal/spec"
)

// queued is an update waiting in the queue.
type queued struct {
	id   int64
	kind string // "message", "callback_query", ...
	raw  []byte // the Update JSON, as pushed
}

// defaultExcluded are the update types Telegram leaves out until the bot
// asks for them in allowed_updates.
var defaultExcluded = map[string]bool{"chat_member": true, "message_reaction": true, "message_reaction_count": true}

const conflictText = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"

// longPollMax is the longest long poll the real server allows, in seconds.
const longPollMax = 50

func (s *Server) allowedLocked(kind string) bool {
	if s.allowed == nil {
		return !defaultExcluded[kind]
	}
	return s.allowed[kind]
}

// PushUpdate queues any Update JSON for getUpdates. Its update_id is
// replaced by the next id (or added if absent); every other byte is kept.
// It returns the update_id.
func (s *Server) PushUpdate(raw []byte) int64 {
	s.t.Helper()
	kind, span, err := inspectUpdate(raw)
	if err != nil {
		s.t.Fatalf("bottest: PushUpdate: %v in %s", err, spec.Clip(string(raw)))
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastUpdateID++
	id := strconv.AppendInt(nil, s.lastUpdateID, 10)
	var b []byte
	if span[0] < 0 {
		b = append(b, raw[:span[1]]...)
		b = append(b, `"update_id":`...)
		b = append(b, id...)
		b = append(b, ',')
		b = append(b, raw[span[1]:]...)
	} else {
		b = append(b, raw[:span[0]]...)
		b = append(b, id...)
		b = append(b, raw[span[1]:]...)
	}
	s.queue = append(s.queue, queued{id: s.lastUpdateID, kind: kind, raw: b})
	s.changedLocked()
	return s.lastUpdateID
}

// inspectUpdate finds an update's kind and the byte span of its update_id
// value, or, when it has none, span{-1, offset just after the '{'}.
func inspectUpdate(raw []byte) (kind string, span [2]int, err error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", span, errors.New("not a JSON object")
	}
	span = [2]int{-1, int(dec.InputOffset())}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", span, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "", span, err
		}
		end := int(dec.InputOffset())
		switch {
		case key == "update_id":
			span = [2]int{end - len(v), end}
		case kind != "":
			return "", span, fmt.Errorf("an update has one kind, found %q and %q", kind, key)
		default:
			kind = key
		}
	}
	if _, err := dec.Token(); err != nil {
		return "", span, err
	}
	if _, err := dec.Token(); err == nil {
		return "", span, errors.New("unexpected data after the update")
	}
	if kind == "" {
		return "", span, errors.New("the update has no content")
	}
	return kind, span, nil
}

// pushLocked queues an update the server built.
func (s *Server) pushLocked(kind string, payload object) int64 {
	s.lastUpdateID++
	raw := mustEncode(object{{"update_id", s.lastUpdateID}, {kind, payload}})
	s.queue = append(s.queue, queued{id: s.lastUpdateID, kind: kind, raw: raw})
	s.changedLocked()
	return s.lastUpdateID
}

// Confirmed returns the highest update_id the bot confirmed by calling
// getUpdates with a higher offset (0 if none).
func (s *Server) Confirmed() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.confirmed
}

// Pending returns the number of updates queued and not yet confirmed
// (including updates of types the bot has not allowed, until a getUpdates
// drops them).
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Polling reports whether a getUpdates long poll is waiting for updates.
func (s *Server) Polling() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polling > 0
}

// getUpdates serves getUpdates: it confirms, filters, and long-polls. It
// returns the body to answer, or nil when the client went away or the
// server went down.
func (s *Server) getUpdates(x *exchange, q *request) ([]byte, *apiError) {
	ctx := x.r.Context()
	limit := int64(100)
	if q.has("limit") {
		limit = min(max(q.int64("limit"), 1), 100)
	}
	timeout := min(max(q.int64("timeout"), 0), longPollMax)

	s.mu.Lock()
	defer s.mu.Unlock()
	if q.has("allowed_updates") {
		s.setAllowedLocked(q.str("allowed_updates"))
	}
	s.confirmLocked(q.int64("offset"))
	if batch := s.batchLocked(int(limit)); len(batch) > 0 || timeout == 0 || s.closed {
		return updatesBody(batch), nil
	}

	// Wait. A later getUpdates that waits too ends this one with 409.
	s.pollGen++
	gen := s.pollGen
	s.polling++
	s.changedLocked()
	defer func() {
		s.polling--
		s.changedLocked()
	}()
	timer := time.NewTimer(time.Duration(timeout) * time.Second)
	defer timer.Stop()
	for {
		ch := s.changed
		s.mu.Unlock()
		expired := false
		select {
		case <-ch:
		case <-timer.C:
			expired = true
		case <-ctx.Done():
		case <-x.up:
		}
		s.mu.Lock()
		switch {
		case s.pollGen != gen:
			return nil, &apiError{code: http.StatusConflict, desc: conflictText}
		case ctx.Err() != nil || isClosed(x.up):
			return nil, nil
		}
		if batch := s.batchLocked(int(limit)); len(batch) > 0 || expired || s.closed {
			return updatesBody(batch), nil
		}
	}
}

// setAllowedLocked applies allowed_updates as the real server does: JSON
// that is not an array of strings changes nothing; an array naming no
// known type restores the default.
func (s *Server) setAllowedLocked(raw string) {
	v, err := spec.DecodeJSON([]byte(raw))
	if err != nil {
		return
	}
	arr, ok := v.([]any)
	if !ok {
		return
	}
	update := s.spec.Types["Update"]
	set := make(map[string]bool)
	for _, e := range arr {
		name, ok := e.(string)
		if !ok {
			return
		}
		name = strings.ToLower(name)
		if update.Field(name) != nil && name != "update_id" {
			set[name] = true
		}
	}
	if len(set) == 0 {
		s.allowed = nil
		return
	}
	s.allowed = set
}

// confirmLocked applies an offset: a positive one confirms every update
// below it (unless it lies beyond the next update_id, which the real server
// ignores); a negative one forgets all but the last -offset updates.
func (s *Server) confirmLocked(offset int64) {
	switch {
	case offset < 0:
		keep := int(min(-offset, int64(len(s.queue))))
		if drop := len(s.queue) - keep; drop > 0 {
			s.confirmed = max(s.confirmed, s.queue[drop-1].id)
			s.queue = slices.Clone(s.queue[drop:])
		}
	case offset > 0 && offset <= s.lastUpdateID+1:
		s.confirmed = max(s.confirmed, offset-1)
		i := 0
		for i < len(s.queue) && s.queue[i].id < offset {
			s.queue[i] = queued{} // let the update's bytes go
			i++
		}
		// Reslice rather than copy: a long queue confirmed batch by batch
		// would otherwise be copied whole at every poll. The array is
		// reallocated, with only what is left, when the queue next grows.
		s.queue = s.queue[i:]
	}
}

// batchLocked returns up to limit queued updates, dropping those of types
// the bot has not allowed, as Telegram does.
func (s *Server) batchLocked(limit int) [][]byte {
	var out [][]byte
	for i := 0; i < len(s.queue) && len(out) < limit; {
		if !s.allowedLocked(s.queue[i].kind) {
			s.queue = slices.Delete(s.queue, i, i+1)
			continue
		}
		out = append(out, s.queue[i].raw)
		i++
	}
	return out
}

func updatesBody(batch [][]byte) []byte {
	var b bytes.Buffer
	b.WriteString(`{"ok":true,"result":[`)
	b.Write(bytes.Join(batch, []byte(",")))
	b.WriteString(`]}`)
	return b.Bytes()
}

func (s *Server) deleteWebhook(q *request) (any, *apiError) {
	if q.bool("drop_pending_updates") {
		s.queue = nil
	}
	return described{true, "Webhook is already deleted"}, nil
}

func (s *Server) getWebhookInfo(q *request) (any, *apiError) {
	o := object{{"url", ""}, {"has_custom_certificate", false}, {"pending_update_count", len(s.queue)}}
	if s.allowed != nil {
		var names []string
		for _, f := range s.spec.Types["Update"].Fields {
			if s.allowed[f.Name] {
				names = append(names, f.Name)
			}
		}
		o.add("allowed_updates", names)
	}
	return o, nil
}

// PushMessage queues a text message from a user, as Telegram writes it:
// from the user, in the chat (the user's private chat when chatID ==
// fromID), dated now, with a bot_command entity when the text starts with a
// command. It returns the update_id and the message_id.
//
// In a group the bot is in privacy mode unless it is an administrator: a
// message that is not a command for it, a reply to it or a mention of it is
// stored but not delivered, and the returned update_id is 0. A sender who
// was "left" becomes a member; the bot must be in the chat.
func (s *Server) PushMessage(chatID, fromID int64, text string) (updateID int64, messageID int) {
	s.t.Helper()
	return s.pushText(chatID, fromID, nil, false, 0, text)
}

// PushReply is PushMessage for a message that replies to message replyTo of
// the same chat.
func (s *Server) PushReply(chatID, fromID int64, replyTo int, text string) (updateID int64, messageID int) {
	s.t.Helper()
	return s.pushText(chatID, fromID, nil, false, replyTo, text)
}

// PushAnonymousAdminMessage queues a message an anonymous administrator
// sends: from GroupAnonymousBot (1087968824), with sender_chat the group.
func (s *Server) PushAnonymousAdminMessage(chatID int64, text string) (updateID int64, messageID int) {
	s.t.Helper()
	return s.pushText(chatID, groupAnonymousBot.ID, nil, true, 0, text)
}

// PushSenderChatMessage queues a message sent on behalf of a chat, as a
// linked channel posts in its discussion group: from Channel_Bot
// (136817688), with sender_chat the channel.
func (s *Server) PushSenderChatMessage(chatID int64, senderChat Chat, text string) (updateID int64, messageID int) {
	s.t.Helper()
	return s.pushText(chatID, channelBot.ID, &senderChat, false, 0, text)
}

// PushChannelPost queues a channel_post: no from, sender_chat the channel.
func (s *Server) PushChannelPost(chatID int64, text string) (updateID int64, messageID int) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	if cs == nil || cs.chat.Type != "channel" {
		s.t.Fatalf("bottest: PushChannelPost: %d is not a known channel", chatID)
		return 0, 0
	}
	if !isMember(s.memberOf(cs, s.bot.ID)) {
		s.t.Fatalf("bottest: PushChannelPost: the bot is not in channel %d", chatID)
		return 0, 0
	}
	sender := cs.chat
	m := s.addIncomingLocked(cs, nil, &sender, nil, text)
	return s.pushLocked("channel_post", s.messageJSON(m, true)), m.id
}

// pushText queues a text message; anonymous makes the chat itself the
// sender_chat.
func (s *Server) pushText(chatID, fromID int64, senderChat *Chat, anonymous bool, replyTo int, text string) (int64, int) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	from, known := s.users[fromID]
	switch {
	case cs == nil:
		s.t.Fatalf("bottest: push message: unknown chat %d", chatID)
		return 0, 0
	case !known:
		s.t.Fatalf("bottest: push message: unknown user %d; call AddUser first", fromID)
		return 0, 0
	case cs.chat.Type == "channel":
		s.t.Fatalf("bottest: push message: chat %d is a channel; use PushChannelPost", chatID)
		return 0, 0
	case cs.chat.Type == "private" && chatID != fromID:
		s.t.Fatalf("bottest: push message: private chat %d belongs to user %d, not %d", chatID, chatID, fromID)
		return 0, 0
	case cs.chat.Type != "private" && !isMember(s.memberOf(cs, s.bot.ID)):
		s.t.Fatalf("bottest: push message: the bot is not in chat %d (status %q), so it would get nothing", chatID, s.memberOf(cs, s.bot.ID).Status)
		return 0, 0
	}
	if anonymous {
		if cs.chat.Type != "group" && cs.chat.Type != "supergroup" {
			s.t.Fatalf("bottest: PushAnonymousAdminMessage: %d is not a group", chatID)
			return 0, 0
		}
		sender := cs.chat
		senderChat = &sender
	}
	if cs.chat.Type != "private" && senderChat == nil {
		switch s.memberOf(cs, fromID).Status {
		case "kicked":
			s.t.Fatalf("bottest: push message: user %d is banned from chat %d", fromID, chatID)
			return 0, 0
		case "left":
			cs.members[fromID] = Member{Status: "member"}
		}
	}
	if cs.chat.Type == "private" {
		if s.memberOf(cs, s.bot.ID).Status == "kicked" {
			s.t.Fatalf("bottest: push message: user %d blocked the bot and can't write to it; PushUnblock first", fromID)
			return 0, 0
		}
		cs.started = true // writing to the bot starts it
	}
	var reply *message
	if replyTo != 0 {
		reply = cs.messages[replyTo]
		if reply == nil || reply.deleted {
			s.t.Fatalf("bottest: push message: no message %d in chat %d to reply to", replyTo, chatID)
			return 0, 0
		}
	}
	m := s.addIncomingLocked(cs, &from, senderChat, reply, text)
	if !s.botSeesLocked(cs, text, reply) {
		s.t.Logf("bottest: message %d in chat %d is not delivered: the bot is in privacy mode (not an administrator) and the message is no command for it, reply to it or mention of it", m.id, chatID)
		s.changedLocked()
		return 0, m.id
	}
	return s.pushLocked("message", s.messageJSON(m, true)), m.id
}

// botSeesLocked applies privacy mode: in groups, a bot that is not an
// administrator only gets commands (for it), replies to its messages and
// mentions of it.
func (s *Server) botSeesLocked(cs *chatState, text string, reply *message) bool {
	if cs.chat.Type != "group" && cs.chat.Type != "supergroup" {
		return true
	}
	switch bot := s.memberOf(cs, s.bot.ID); {
	case bot.Status == "administrator" || bot.Status == "creator":
		return true
	case reply != nil && reply.byBot:
		return true
	}
	if n := commandLength(text); n > 0 {
		_, to, addressed := strings.Cut(text[:n], "@")
		return !addressed || strings.EqualFold(to, s.bot.UserName)
	}
	return strings.Contains(strings.ToLower(text), "@"+strings.ToLower(s.bot.UserName))
}

// commandLength returns the byte length of the /command[@bot] at the start
// of text, or 0. It follows Telegram's pattern: 1-64 of [A-Za-z0-9_], an
// optional @ and 3-32 of them, not followed by a word character, '/', '<'
// or '>'.
func commandLength(text string) int {
	if !strings.HasPrefix(text, "/") {
		return 0
	}
	word := func(i int) int {
		j := i
		for j < len(text) && (isAlnum(text[j]) || text[j] == '_') {
			j++
		}
		return j - i
	}
	n := word(1)
	if n < 1 || n > 64 {
		return 0
	}
	end := 1 + n
	if end < len(text) && text[end] == '@' {
		m := word(end + 1)
		if m < 3 || m > 32 {
			return 0
		}
		end += 1 + m
	}
	if end < len(text) {
		r, _ := utf8.DecodeRuneInString(text[end:])
		if r == '_' || r == '/' || r == '<' || r == '>' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return 0
		}
	}
	return end
}

// callbackQuery is a callback query the bot may answer.
type callbackQuery struct {
	answered bool
}

// PushCallback queues a callback_query for a button the user pressed under
// one of the bot's messages: message is that message as the server stores
// it (with its reply_markup), and data must be one of its buttons'
// callback_data. It returns the update_id and the query id, which
// answerCallbackQuery must answer.
func (s *Server) PushCallback(fromID, chatID int64, messageID int, data string) (updateID int64, queryID string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	from, known := s.users[fromID]
	cs := s.chats[chatID]
	if !known || cs == nil {
		s.t.Fatalf("bottest: PushCallback: unknown user %d or chat %d", fromID, chatID)
		return 0, ""
	}
	m := cs.messages[messageID]
	if m == nil || m.deleted || !m.byBot {
		s.t.Fatalf("bottest: PushCallback: chat %d has no message %d from the bot", chatID, messageID)
		return 0, ""
	}
	if !m.hasCallbackData(data) {
		s.t.Fatalf("bottest: PushCallback: message %d in chat %d has no button with callback_data %q (Telegram only sends data of existing buttons)", messageID, chatID, data)
		return 0, ""
	}
	queryID = s.newQueryIDLocked()
	payload := object{{"id", queryID}, {"from", userJSON(from)}, {"message", s.messageJSON(m, true)},
		{"chat_instance", chatInstance(chatID)}, {"data", data}}
	return s.pushLocked("callback_query", payload), queryID
}

// PushCallbackNoMessage queues a callback_query from a button under an
// inline-mode message: it has inline_message_id and no message.
func (s *Server) PushCallbackNoMessage(fromID int64, inlineMessageID, data string) (updateID int64, queryID string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	from, known := s.users[fromID]
	if !known {
		s.t.Fatalf("bottest: PushCallbackNoMessage: unknown user %d", fromID)
		return 0, ""
	}
	queryID = s.newQueryIDLocked()
	payload := object{{"id", queryID}, {"from", userJSON(from)}, {"inline_message_id", inlineMessageID},
		{"chat_instance", chatInstance(fromID ^ 0x5bd1e995)}, {"data", data}}
	return s.pushLocked("callback_query", payload), queryID
}

func (s *Server) newQueryIDLocked() string {
	s.lastQuery++
	id := strconv.FormatUint(2588000000000000000+s.lastQuery*7919, 10)
	s.queries[id] = &callbackQuery{}
	return id
}

// chatInstance is a stable, opaque chat_instance for a chat.
func chatInstance(chatID int64) string {
	return strconv.FormatInt(int64(uint64(chatID)*0x9e3779b97f4a7c15), 10)
}

// MemberChange describes a change of a user's membership for
// PushMemberChange.
type MemberChange struct {
	ChatID         int64
	UserID         int64  // the user whose status changes; Bot().ID for my_chat_member
	From           int64  // who made the change; 0 means the user themself
	New            Member // the new membership
	InviteLink     string // the invite link used to join, if any (known to the server, neither revoked nor expired)
	ViaJoinRequest bool   // the user joined through an approved join request
}

// PushMemberChange applies a membership change and queues the update
// Telegram sends for it: my_chat_member when the user is the bot,
// chat_member otherwise (delivered only if the bot allowed it).
func (s *Server) PushMemberChange(c MemberChange) int64 {
	s.t.Helper()
	if !validStatus(c.New.Status) {
		s.t.Fatalf("bottest: PushMemberChange: unknown status %q", c.New.Status)
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[c.ChatID]
	if c.From == 0 {
		c.From = c.UserID
	}
	user, knownUser := s.users[c.UserID]
	from, knownFrom := s.users[c.From]
	if cs == nil || !knownUser || !knownFrom {
		s.t.Fatalf("bottest: PushMemberChange: unknown chat %d, user %d or sender %d", c.ChatID, c.UserID, c.From)
		return 0
	}
	var link *inviteLink
	if c.InviteLink != "" {
		if link = cs.findLink(c.InviteLink); link == nil {
			s.t.Fatalf("bottest: PushMemberChange: chat %d has no invite link %q", c.ChatID, c.InviteLink)
			return 0
		}
		if joins := isMember(c.New) && !isMember(s.memberOf(cs, c.UserID)); joins && (link.revoked || link.expired(s.now())) {
			s.t.Fatalf("bottest: PushMemberChange: %q is revoked or expired: Telegram would not let user %d in through it", c.InviteLink, c.UserID)
			return 0
		}
	}
	return s.pushMemberChangeLocked(cs, user, from, c.New, link, c.ViaJoinRequest)
}

// pushMemberChangeLocked sets user's membership in the chat to m and
// queues the update that tells it, made by from.
func (s *Server) pushMemberChangeLocked(cs *chatState, user, from User, m Member, link *inviteLink, viaRequest bool) int64 {
	old := s.memberJSON(cs, user)
	cs.members[user.ID] = m
	payload := object{{"chat", chatJSON(cs.chat)}, {"from", userJSON(from)}, {"date", s.now().Unix()},
		{"old_chat_member", old}, {"new_chat_member", s.memberJSON(cs, user)}}
	if link != nil {
		payload.add("invite_link", s.linkJSON(link))
	}
	if viaRequest {
		payload.add("via_join_request", true)
	}
	kind := "chat_member"
	if user.ID == s.bot.ID {
		kind = "my_chat_member"
	}
	return s.pushLocked(kind, payload)
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
