package bottest

// Private chats, as Telegram has them: a bot can't write first. The
// private chat with a user exists for the bot once the user has started
// it: written to it (PushMessage into their private chat), or opened it
// through a link (PushDeepLink); StartPrivateChat says it happened before
// the test. Until then every send to the user is refused with 403
// "Forbidden: bot can't initiate conversation with a user".

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
