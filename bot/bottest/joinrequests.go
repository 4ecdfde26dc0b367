package bottest

// joinRequest is a pending request to join a chat.
type joinRequest struct {
	link  *inviteLink       // nil if the user asked without a link
	query *JoinRequestQuery // the guard bot's query, in a chat the bot guards (guard.go)
}

// PushJoinRequest queues a chat_join_request from the user and records the
// pending request that approveChatJoinRequest and declineChatJoinRequest
// act on. link is the invite link used ("" for none); it must be a link of
// the chat that creates join requests. The request's user_chat_id lets
// the bot write to the user for 5 minutes on the server's clock, even if
// they never started it.
func (s *Server) PushJoinRequest(chatID, userID int64, link string) int64 {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	user, known := s.users[userID]
	if cs == nil || cs.chat.Type == "private" || !known {
		s.t.Fatalf("bottest: PushJoinRequest: unknown group %d or user %d", chatID, userID)
		return 0
	}
	if isMember(s.memberOf(cs, userID)) {
		s.t.Fatalf("bottest: PushJoinRequest: user %d is already in chat %d", userID, chatID)
		return 0
	}
	var l *inviteLink
	if link != "" {
		l = cs.findLink(link)
		if l == nil || l.revoked || l.expired(s.now()) || !l.joinRequest {
			s.t.Fatalf("bottest: PushJoinRequest: chat %d has no valid link %q that creates join requests (revoked and expired links let nobody in)", chatID, link)
			return 0
		}
	}
	if old := cs.requests[userID]; old != nil {
		cs.dropRequest(userID)
	}
	req := &joinRequest{link: l}
	cs.requests[userID] = req
	s.openWayInLocked(userID)
	payload := object{{"chat", chatJSON(cs.chat)}, {"from", userJSON(user)}, {"user_chat_id", userID},
		{"date", s.now().Unix()}}
	if l != nil {
		l.pending++
		payload.add("invite_link", s.linkJSON(l))
	}
	if cs.guarded {
		req.query = s.newJoinQueryLocked(cs.chat.ID, userID)
		payload.add("query_id", req.query.ID)
	}
	return s.pushLocked("chat_join_request", payload)
}

func (s *Server) approveChatJoinRequest(q *request) (any, *apiError) {
	return s.processJoinRequest(q, true)
}

func (s *Server) declineChatJoinRequest(q *request) (any, *apiError) {
	return s.processJoinRequest(q, false)
}

func (s *Server) processJoinRequest(q *request, approve bool) (any, *apiError) {
	cs, err := s.chatFor(q.str("chat_id"), writeAccess)
	if err != nil {
		return nil, err
	}
	switch {
	case cs.chat.Type == "private":
		return nil, badRequest("the chat can't have join requests")
	case !s.canInvite(cs):
		return nil, badRequest("not enough rights to manage chat join requests")
	}
	if err := s.answerRequestLocked(cs, q.int64("user_id"), approve); err != nil {
		return nil, err
	}
	return true, nil
}

// answerRequestLocked approves or declines the user's pending request to
// join the chat, as approveChatJoinRequest and declineChatJoinRequest do.
func (s *Server) answerRequestLocked(cs *chatState, userID int64, approve bool) *apiError {
	req := cs.dropRequest(userID)
	if _, known := s.users[userID]; known && isMember(s.memberOf(cs, userID)) {
		return badRequest("USER_ALREADY_PARTICIPANT")
	}
	if req == nil {
		return badRequest("HIDE_REQUESTER_MISSING")
	}
	if approve {
		cs.members[userID] = Member{Status: "member"}
	}
	return nil
}

// dropRequest forgets the user's pending request, if any, and returns it.
func (cs *chatState) dropRequest(userID int64) *joinRequest {
	req := cs.requests[userID]
	if req == nil {
		return nil
	}
	delete(cs.requests, userID)
	if req.link != nil {
		req.link.pending--
	}
	return req
}
