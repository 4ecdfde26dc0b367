package bottest

import (
	"sort"
)

func (s *Server) getChat(q *request) (any, *apiError) {
	cs, err := s.chatFor(q.str("chat_id"), readAccess)
	if err != nil {
		return nil, err
	}
	c := cs.chat
	o := object{{"id", c.ID}}
	if c.Type == "private" {
		o.add("first_name", c.FirstName)
		if c.LastName != "" {
			o.add("last_name", c.LastName)
		}
	} else {
		o.add("title", c.Title)
	}
	if c.UserName != "" {
		o.add("username", c.UserName)
	}
	o.add("type", c.Type)
	if c.UserName != "" {
		o.add("active_usernames", []string{c.UserName})
	}
	if c.Type != "private" {
		for _, l := range cs.links {
			if l.primary && !l.revoked && l.creator == s.bot.ID {
				o.add("invite_link", l.url)
			}
		}
	}
	if c.Type == "group" {
		o.add("all_members_are_administrators", false)
	}
	o.add("accepted_gift_types", object{{"unlimited_gifts", false}, {"limited_gifts", false},
		{"unique_gifts", false}, {"premium_subscription", false}, {"gifts_from_channels", false}})
	o.add("accent_color_id", 0)
	o.add("max_reaction_count", 11)
	if cs.guarded && isAdmin(s.memberOf(cs, s.bot.ID)) {
		o.add("guard_bot", userJSON(s.bot)) // shown to administrators only
	}
	return o, nil
}

func (s *Server) getChatMember(q *request) (any, *apiError) {
	userID := q.int64("user_id")
	need := readMembersAccess
	if userID == s.bot.ID {
		need = readAccess
	}
	cs, err := s.chatFor(q.str("chat_id"), need)
	if err != nil {
		return nil, err
	}
	u, ok := s.users[userID]
	if !ok {
		return nil, badRequest("user not found")
	}
	return s.memberJSON(cs, u), nil
}

func (s *Server) getChatAdministrators(q *request) (any, *apiError) {
	cs, err := s.chatFor(q.str("chat_id"), readMembersAccess)
	if err != nil {
		return nil, err
	}
	if cs.chat.Type == "private" {
		return nil, badRequest("there are no administrators in the private chat")
	}
	var ids []int64
	for id, m := range cs.members {
		u := s.users[id]
		if m.Status != "creator" && m.Status != "administrator" {
			continue
		}
		if u.IsBot && id != s.bot.ID && !q.bool("return_bots") {
			continue
		}
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		ci, cj := cs.members[ids[i]].Status == "creator", cs.members[ids[j]].Status == "creator"
		if ci != cj {
			return ci
		}
		return ids[i] < ids[j]
	})
	out := []object{}
	for _, id := range ids {
		out = append(out, s.memberJSON(cs, s.users[id]))
	}
	return out, nil
}

func (s *Server) getChatMemberCount(q *request) (any, *apiError) {
	cs, err := s.chatFor(q.str("chat_id"), readAccess)
	if err != nil {
		return nil, err
	}
	if cs.chat.Type == "private" {
		return 2, nil
	}
	n := 0
	for id := range cs.members {
		if isMember(s.memberOf(cs, id)) {
			n++
		}
	}
	return n, nil
}

func (s *Server) leaveChat(q *request) (any, *apiError) {
	cs, err := s.chatFor(q.str("chat_id"), writeAccess)
	if err != nil {
		return nil, err
	}
	if cs.chat.Type == "private" {
		return nil, badRequest("chat member status can't be changed in private chats")
	}
	cs.members[s.bot.ID] = Member{Status: "left"}
	return true, nil
}
