package bottest

import "unicode/utf8"

// Subscription links: invite links of a channel that members pay for in
// Telegram Stars every 30 days. Telegram documents no error texts for
// them; those below are the fake's.
const (
	subscriptionPeriod   = 2592000 // 30 days, the only period there is
	maxSubscriptionPrice = 10000   // Telegram Stars

	subscriptionChannelsOnly = "subscription links can only be created in channels"
	subscriptionPeriodOnly   = "subscription_period must be 2592000"
	subscriptionPriceRange   = "subscription_price must be between 1 and 10000"
	subscriptionEditOnly     = "a subscription link can only be edited with editChatSubscriptionInviteLink"
	subscriptionLinksOnly    = "the link is not a subscription link"
)

func (s *Server) createChatSubscriptionInviteLink(q *request) (any, *apiError) {
	cs, err := s.linkChat(q)
	if err != nil {
		return nil, err
	}
	name := q.str("name")
	switch price := q.int64("subscription_price"); {
	case cs.chat.Type != "channel":
		return nil, badRequest(subscriptionChannelsOnly)
	case q.int64("subscription_period") != subscriptionPeriod:
		return nil, badRequest(subscriptionPeriodOnly)
	case price < 1 || price > maxSubscriptionPrice:
		return nil, badRequest(subscriptionPriceRange)
	case utf8.RuneCountInString(name) > 32:
		return nil, badRequest("invite link name is too long")
	}
	l := s.newLinkLocked(cs, inviteLink{creator: s.bot.ID, name: name, period: subscriptionPeriod, price: int(q.int64("subscription_price"))})
	return s.linkJSON(l), nil
}

// editChatSubscriptionInviteLink changes a subscription link's name, the
// only thing that can change; without a name, the link has none.
func (s *Server) editChatSubscriptionInviteLink(q *request) (any, *apiError) {
	cs, err := s.linkChat(q)
	if err != nil {
		return nil, err
	}
	name := q.str("name")
	if utf8.RuneCountInString(name) > 32 {
		return nil, badRequest("invite link name is too long")
	}
	l, err := s.botLink(cs, q)
	if err != nil {
		return nil, err
	}
	if l.period == 0 {
		return nil, badRequest(subscriptionLinksOnly)
	}
	l.name = name
	return s.linkJSON(l), nil
}
