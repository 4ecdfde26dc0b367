package handlers

import (
	"context"
	"fmt"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// Subscriptions makes and renames subscription links; *bot.Client does.
type Subscriptions interface {
	CreateSubscriptionLink(ctx context.Context, chatID int64, name string, price int) (bot.InviteLink, error)
	EditSubscriptionLink(ctx context.Context, chatID int64, url, name string) (bot.InviteLink, error)
}

// UseSubscriptions gives the link commands a way to make subscription links.
func (h *Links) UseSubscriptions(s Subscriptions) { h.subs = s }

// createSubscription (/createlink [NAME] price=STARS) makes a channel's
// subscription link: members pay STARS Telegram Stars every 30 days.
func (h *Links) createSubscription(ctx context.Context, u *bot.Update, dst dest, a CreateArgs) error {
	chat, actor := u.Target, u.Actor
	if !chat.IsChannel() || h.subs == nil {
		return text.Err(text.Invalid, "price.channels_only")
	}
	if done, err := h.answeredBefore(ctx, u, dst, "create.done"); done {
		return err
	}
	link, err := h.subs.CreateSubscriptionLink(ctx, chat.ID, a.Name, a.Price)
	if err != nil {
		return h.refusal(ctx, u, err)
	}
	now := h.now()
	added, _, err := h.store.AddLink(ctx, store.NewLink{
		ChatID: chat.ID, URL: link.URL, Name: link.Name, Price: link.SubscriptionPrice,
		CreatedBy: actor.ID, CreatedAt: now, Request: requestKey(u),
	})
	if err != nil {
		if _, rerr := h.TG.RevokeLink(ctx, chat.ID, link.URL); rerr != nil {
			return fmt.Errorf("store new link: %w (and revoking it failed: %v)", err, rerr)
		}
		return fmt.Errorf("store new link (revoked it again): %w", err)
	}
	return h.deliver(ctx, u, dst, dst.p.S("create.done", "Link", text.HTML(describeLink(dst.p, added, now))), nil, nil)
}

// editSubscription renames a subscription link, the only change Telegram
// allows (editChatSubscriptionInviteLink).
func (h *Links) editSubscription(ctx context.Context, u *bot.Update, link store.Link, a EditArgs) error {
	if a.ExpiresAt != nil || a.MemberLimit != nil || a.JoinRequest != nil || a.Name == nil || h.subs == nil {
		return text.Err(text.Invalid, "edit.subscription_name_only", "N", link.Number)
	}
	dst, ok, err := h.linksDest(ctx, u)
	if !ok {
		return err
	}
	edited, err := h.subs.EditSubscriptionLink(ctx, link.ChatID, link.URL, *a.Name)
	if err != nil {
		return h.afterChange(ctx, u, link, err)
	}
	now := h.now()
	changed, err := h.store.EditLink(ctx, link.ChatID, link.Number, store.LinkChange{Name: &edited.Name, EditedBy: u.Actor.ID, EditedAt: now})
	if err != nil {
		return fmt.Errorf("store edit of #%d: %w", link.Number, err)
	}
	return h.deliver(ctx, u, dst, dst.p.S("edit.done", "Link", text.HTML(describeLink(dst.p, changed, now))), nil, nil)
}
