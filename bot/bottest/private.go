package bottest

import (
	"strings"
	"time"
)

// Private chats, as Telegram has them: a bot can't write first. The
// private chat with a user exists for the bot once the user has started
// it: written to it (PushMessage into their private chat), or opened it
// through a link (PushDeepLink); StartPrivateChat says it happened before
// the test. Until then every send to the user is refused with 403
// "Forbidden: bot can't initiate conversation with a user", unless a join
// request gave the bot a way in: its user_chat_id, good for 5 minutes.
//
// A user may block the bot (PushBlock) and unblock it (PushUnblock); while
// blocked, sends and edits are refused with 403 "Forbidden: bot was
// blocked by the user", and the user can't write to the bot.

// StartPrivateChat marks the user as having started the bot before the
// test, as people may have done long before the bot kept any record of
// it: the bot may write to them. Nothing is pushed.
func (s *Server) StartPrivateChat(userID int64) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.privateChatLocked("StartPrivateChat", userID)
	if cs == nil {
		return
	}
	cs.started = true
	s.changedLocked()
}

// privateChatLocked returns a known user's private chat, or fails the
// test naming the helper.
func (s *Server) privateChatLocked(helper string, userID int64) *chatState {
	s.t.Helper()
	cs := s.chats[userID]
	if _, known := s.users[userID]; !known || cs == nil || cs.chat.Type != "private" {
		s.t.Fatalf("bottest: %s: unknown user %d; call AddUser first", helper, userID)
		return nil
	}
	return cs
}

// wayInTime is how long a join request's user_chat_id lets the bot write
// to a user who never started it.
const wayInTime = 5 * time.Minute

// openWayInLocked lets the bot write to the user for wayInTime, as a join
// request's user_chat_id does. Telegram adds "until the join request is
// processed"; the fake keeps the window open after an answer.
func (s *Server) openWayInLocked(userID int64) {
	if cs := s.chats[userID]; cs != nil && cs.chat.Type == "private" {
		cs.wayIn = s.now().Add(wayInTime)
	}
}

// PushBlock makes the user block the bot, and queues the my_chat_member
// update Telegram sends for it: in the user's private chat, from the user,
// the bot's status going from "member" to "kicked". It returns the
// update_id. Until PushUnblock, the bot's sends and edits in that chat
// are refused with 403 "Forbidden: bot was blocked by the user". A user
// who has already blocked the bot fails the test.
func (s *Server) PushBlock(userID int64) int64 {
	s.t.Helper()
	return s.setBlocked("PushBlock", userID, true)
}

// PushUnblock makes the user unblock the bot, with the my_chat_member
// update from "kicked" back to "member". Whether the bot may write to the
// user again depends, as before the block, on whether they had started it.
// A user who has not blocked the bot fails the test.
func (s *Server) PushUnblock(userID int64) int64 {
	s.t.Helper()
	return s.setBlocked("PushUnblock", userID, false)
}

func (s *Server) setBlocked(helper string, userID int64, block bool) int64 {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.privateChatLocked(helper, userID)
	if cs == nil {
		return 0
	}
	switch blocked := s.memberOf(cs, s.bot.ID).Status == "kicked"; {
	case block && blocked:
		s.t.Fatalf("bottest: %s: user %d has blocked the bot already", helper, userID)
		return 0
	case !block && !blocked:
		s.t.Fatalf("bottest: %s: user %d has not blocked the bot", helper, userID)
		return 0
	}
	status := "member"
	if block {
		status = "kicked"
	}
	return s.pushMemberChangeLocked(cs, s.bot, s.users[userID], Member{Status: status}, nil, false)
}

// PushDeepLink does what tapping https://t.me/<bot>?start=PAYLOAD (and
// Start) does: the user's private chat with the bot starts, if it had not,
// and receives "/start PAYLOAD" from the user, with its bot_command entity
// ("/start" alone for an empty payload). A user who had blocked the bot
// unblocks it first (Telegram's Restart button), which queues the
// my_chat_member update of PushUnblock before the message. The payload is
// up to 64 characters of A-Z, a-z, 0-9, _ and -; Telegram sends no other,
// so another fails the test. It returns the message's update_id and
// message_id.
func (s *Server) PushDeepLink(userID int64, payload string) (updateID int64, messageID int) {
	s.t.Helper()
	if len(payload) > 64 || strings.Trim(payload, deepLinkChars) != "" {
		s.t.Fatalf("bottest: PushDeepLink: %q is no start parameter Telegram would send (up to 64 of A-Z a-z 0-9 _ -)", payload)
		return 0, 0
	}
	known, blocked := s.blockedBy(userID)
	if !known {
		return 0, 0
	}
	if blocked {
		s.PushUnblock(userID)
	}
	text := "/start"
	if payload != "" {
		text += " " + payload
	}
	return s.pushText(userID, userID, nil, false, 0, text)
}

const deepLinkChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// blockedBy reports whether the user, if known, has blocked the bot.
func (s *Server) blockedBy(userID int64) (known, blocked bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.privateChatLocked("PushDeepLink", userID)
	return cs != nil, cs != nil && s.memberOf(cs, s.bot.ID).Status == "kicked"
}
