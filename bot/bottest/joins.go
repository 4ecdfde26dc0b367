package bottest

// PushMigration upgrades group oldID to a supergroup with the new ID newID,
// as Telegram does when a group gets a feature only supergroups have: the
// supergroup takes over the group's title, members, invite links and
// pending join requests, and two service messages are queued, as the real
// server sends them: migrate_to_chat_id in the old group (from the user
// fromID, who made the change) and migrate_from_chat_id in the new
// supergroup (from GroupAnonymousBot, on behalf of the supergroup). It
// returns their update_ids. The old group keeps nothing but its messages.
func (s *Server) PushMigration(oldID, newID, fromID int64) (toUpdateID, fromUpdateID int64) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.chats[oldID]
	from, known := s.users[fromID]
	switch {
	case old == nil || old.chat.Type != "group":
		s.t.Fatalf("bottest: PushMigration: %d is not a known group", oldID)
		return 0, 0
	case newID >= 0 || s.chats[newID] != nil:
		s.t.Fatalf("bottest: PushMigration: %d is not a new supergroup ID", newID)
		return 0, 0
	case !known:
		s.t.Fatalf("bottest: PushMigration: unknown user %d", fromID)
		return 0, 0
	}
	super := newChatState(old.chat)
	super.chat.ID, super.chat.Type = newID, "supergroup"
	for id, m := range old.members {
		super.members[id] = m
	}
	super.links, old.links = old.links, nil
	super.requests, old.requests = old.requests, make(map[int64]*joinRequest)
	s.chats[newID] = super

	old.lastID++
	to := object{{"message_id", old.lastID}, {"from", userJSON(from)}, {"chat", chatJSON(old.chat)},
		{"date", s.now().Unix()}, {"migrate_to_chat_id", newID}}
	toUpdateID = s.pushLocked("message", to)
	super.lastID++
	back := object{{"message_id", super.lastID}, {"from", userJSON(groupAnonymousBot)}, {"sender_chat", chatJSON(super.chat)},
		{"chat", chatJSON(super.chat)}, {"date", s.now().Unix()}, {"migrate_from_chat_id", oldID}}
	return toUpdateID, s.pushLocked("message", back)
}
