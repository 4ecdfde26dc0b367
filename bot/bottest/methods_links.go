package bottest

import (
	"strings"
	"time"
	"unicode/utf8"
)

// inviteLink is an invite link of a chat.
type inviteLink struct {
	hash        string // what follows "https://t.me/+"
	url         string
	creator     int64
	name        string
	expire      int64
	limit       int
	joinRequest bool
	primary     bool
	revoked     bool
	pending     int // pending join requests
	period      int // a subscription link's subscription_period (subscriptions.go)
	price       int // its subscription_price
}

// expired reports whether the link's expire_date has passed at now.
func (l *inviteLink) expired(now time.Time) bool { return l.expire != 0 && l.expire <= now.Unix() }

const linkAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// newLinkLocked makes a link with a fresh random-looking hash.
func (s *Server) newLinkLocked(cs *chatState, l inviteLink) *inviteLink {
	for {
		var b [16]byte
		for i := range b {
			b[i] = linkAlphabet[s.rng.IntN(len(linkAlphabet))]
		}
		if h := string(b[:]); !s.linkHashes[h] {
			s.linkHashes[h] = true
			l.hash, l.url = h, "https://t.me/+"+h
			cs.links = append(cs.links, &l)
			return &l
		}
	}
}

// linkHash extracts the hash from the forms of invite links Telegram
// accepts: https://t.me/+HASH, t.me/joinchat/HASH, telegram.me/+HASH...
func linkHash(link string) string {
	l := strings.TrimSpace(link)
	for _, p := range []string{"https://", "http://"} {
		if len(l) >= len(p) && strings.EqualFold(l[:len(p)], p) {
			l = l[len(p):]
		}
	}
	host, rest, ok := strings.Cut(l, "/")
	if !ok {
		return ""
	}
	switch strings.ToLower(host) {
	case "t.me", "telegram.me", "telegram.dog", "www.t.me", "www.telegram.me":
	default:
		return ""
	}
	var h string
	if after, ok := strings.CutPrefix(rest, "+"); ok {
		h = after
	} else if after, ok := strings.CutPrefix(rest, "joinchat/"); ok {
		h = after
	}
	return strings.TrimSuffix(h, "/")
}

func (cs *chatState) findLink(link string) *inviteLink {
	h := linkHash(link)
	if h == "" {
		return nil
	}
	for _, l := range cs.links {
		if l.hash == h {
			return l
		}
	}
	return nil
}

// linkJSON renders a ChatInviteLink as the bot sees it: links of other
// administrators have the second half of their hash replaced by "...".
func (s *Server) linkJSON(l *inviteLink) object {
	link := l.url
	if l.creator != s.bot.ID {
		link = strings.TrimSuffix(l.url, l.hash) + l.hash[:len(l.hash)/2] + "..."
	}
	o := object{{"invite_link", link}}
	if l.name != "" {
		o.add("name", l.name)
	}
	o.add("creator", userJSON(s.users[l.creator]))
	if l.expire != 0 {
		o.add("expire_date", l.expire)
	}
	if l.limit != 0 {
		o.add("member_limit", l.limit)
	}
	if l.pending != 0 {
		o.add("pending_join_request_count", l.pending)
	}
	if l.period != 0 {
		o.add("subscription_period", l.period)
		o.add("subscription_price", l.price)
	}
	o.add("creates_join_request", l.joinRequest)
	o.add("is_primary", l.primary)
	o.add("is_revoked", l.revoked)
	return o
}

// InviteLinks returns the chat's invite links as the server knows them
// (full URLs, primary, revoked and expired links included), in order of
// creation.
func (s *Server) InviteLinks(chatID int64) []InviteLink {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	if cs == nil {
		return nil
	}
	out := make([]InviteLink, 0, len(cs.links))
	for _, l := range cs.links {
		out = append(out, InviteLink{
			InviteLink:              l.url,
			Creator:                 s.users[l.creator],
			CreatesJoinRequest:      l.joinRequest,
			IsPrimary:               l.primary,
			IsRevoked:               l.revoked,
			Name:                    l.name,
			ExpireDate:              l.expire,
			MemberLimit:             l.limit,
			PendingJoinRequestCount: l.pending,
			SubscriptionPeriod:      l.period,
			SubscriptionPrice:       l.price,
			Expired:                 l.expired(s.now()),
		})
	}
	return out
}

// AddInviteLink adds a link that exists before the test starts, such as
// another administrator's link (l.Creator must be a known user). Its URL
// must look like https://t.me/+HASH.
func (s *Server) AddInviteLink(chatID int64, l InviteLink) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	h := linkHash(l.InviteLink)
	_, known := s.users[l.Creator.ID]
	switch {
	case cs == nil:
		s.t.Fatalf("bottest: AddInviteLink: unknown chat %d", chatID)
		return
	case h == "" || s.linkHashes[h]:
		s.t.Fatalf("bottest: AddInviteLink: %q is not a new invite link", l.InviteLink)
		return
	case !known:
		s.t.Fatalf("bottest: AddInviteLink: unknown creator %d; call AddUser first", l.Creator.ID)
		return
	}
	s.linkHashes[h] = true
	cs.links = append(cs.links, &inviteLink{hash: h, url: l.InviteLink, creator: l.Creator.ID, name: l.Name,
		expire: l.ExpireDate, limit: l.MemberLimit, joinRequest: l.CreatesJoinRequest,
		primary: l.IsPrimary, revoked: l.IsRevoked, period: l.SubscriptionPeriod, price: l.SubscriptionPrice})
	s.changedLocked()
}

// linkChat resolves chat_id for the link methods: the bot must be in the
// chat and allowed to manage its links.
func (s *Server) linkChat(q *request) (*chatState, *apiError) {
	cs, err := s.chatFor(q.str("chat_id"), writeAccess)
	if err != nil {
		return nil, err
	}
	switch {
	case cs.chat.Type == "private":
		return nil, badRequest("can't invite members to a private chat")
	case !s.canInvite(cs):
		return nil, badRequest("not enough rights to manage chat invite link")
	}
	return cs, nil
}

// linkSettings reads name, expire_date, member_limit and
// creates_join_request. Absent parameters give the zero value: that is how
// editChatInviteLink resets them.
func (s *Server) linkSettings(q *request) (inviteLink, *apiError) {
	l := inviteLink{
		name:        q.str("name"),
		expire:      q.int64("expire_date"),
		joinRequest: q.bool("creates_join_request"),
	}
	// The real server truncates longer names to 32 characters silently;
	// the fake refuses them so that the truncation can't go unnoticed.
	if utf8.RuneCountInString(l.name) > 32 {
		return l, badRequest("invite link name is too long")
	}
	if l.expire < 0 || (l.expire > 0 && l.expire <= s.now().Unix()) {
		return l, badRequest("EXPIRE_DATE_INVALID")
	}
	limit := q.int64("member_limit")
	if limit < 0 || limit > 99999 {
		return l, badRequest("USAGE_LIMIT_INVALID")
	}
	l.limit = int(limit)
	if l.joinRequest && l.limit > 0 {
		return l, badRequest("member limit can't be specified for links requiring administrator approval")
	}
	return l, nil
}

func (s *Server) exportChatInviteLink(q *request) (any, *apiError) {
	cs, err := s.linkChat(q)
	if err != nil {
		return nil, err
	}
	return s.replacePrimaryLocked(cs).url, nil
}

// replacePrimaryLocked revokes the bot's primary link, if any, and makes a
// new one. Other administrators' primary links stay valid.
func (s *Server) replacePrimaryLocked(cs *chatState) *inviteLink {
	for _, l := range cs.links {
		if l.primary && !l.revoked && l.creator == s.bot.ID {
			l.revoked = true
		}
	}
	return s.newLinkLocked(cs, inviteLink{creator: s.bot.ID, primary: true})
}

func (s *Server) createChatInviteLink(q *request) (any, *apiError) {
	cs, err := s.linkChat(q)
	if err != nil {
		return nil, err
	}
	settings, err := s.linkSettings(q)
	if err != nil {
		return nil, err
	}
	settings.creator = s.bot.ID
	return s.linkJSON(s.newLinkLocked(cs, settings)), nil
}

// botLink finds a link of the chat that the bot created.
func (s *Server) botLink(cs *chatState, q *request) (*inviteLink, *apiError) {
	l := cs.findLink(q.str("invite_link"))
	switch {
	case l == nil:
		return nil, badRequest("INVITE_HASH_EXPIRED")
	case l.creator != s.bot.ID:
		return nil, badRequest("CHAT_ADMIN_REQUIRED")
	case l.revoked:
		return nil, badRequest("INVITE_REVOKED_MISSING")
	}
	return l, nil
}

// editChatInviteLink replaces the link's settings, as the real method
// does: parameters left out are reset (no name, no expiry, no limit, no
// join requests).
func (s *Server) editChatInviteLink(q *request) (any, *apiError) {
	cs, err := s.linkChat(q)
	if err != nil {
		return nil, err
	}
	settings, err := s.linkSettings(q)
	if err != nil {
		return nil, err
	}
	l, err := s.botLink(cs, q)
	if err != nil {
		return nil, err
	}
	if l.primary {
		return nil, badRequest("CHAT_INVITE_PERMANENT")
	}
	if l.period != 0 {
		return nil, badRequest(subscriptionEditOnly)
	}
	l.name, l.expire, l.limit, l.joinRequest = settings.name, settings.expire, settings.limit, settings.joinRequest
	return s.linkJSON(l), nil
}

func (s *Server) revokeChatInviteLink(q *request) (any, *apiError) {
	cs, err := s.linkChat(q)
	if err != nil {
		return nil, err
	}
	l, err := s.botLink(cs, q)
	if err != nil {
		return nil, err
	}
	if l.primary {
		s.replacePrimaryLocked(cs) // revokes l
	}
	l.revoked = true
	return s.linkJSON(l), nil
}
