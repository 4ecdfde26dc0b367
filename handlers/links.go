package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// LinkStore is what the link commands need of the store.
type LinkStore interface {
	AddLink(ctx context.Context, l store.NewLink) (added store.Link, replaced []store.Link, err error)
	Link(ctx context.Context, chatID, number int64) (store.Link, error)
	LinkByURL(ctx context.Context, chatID int64, url string) (store.Link, error)
	LinkByRequest(ctx context.Context, request string) (store.Link, error)
	LinksByName(ctx context.Context, chatID int64, name string) ([]store.Link, error)
	ListLinks(ctx context.Context, chatID int64) ([]store.Link, error)
	EditLink(ctx context.Context, chatID, number int64, c store.LinkChange) (store.Link, error)
	RevokeLink(ctx context.Context, chatID, number, by int64, at time.Time) (store.Link, error)
}

// Links handles the invite-link commands.
type Links struct {
	*Deps
	store LinkStore
	// repeats, if set, counts a call made again that may have been
	// carried out already (for metrics).
	repeats func(method string)
}

// NewLinks makes the invite-link handlers.
func NewLinks(d *Deps, st LinkStore) *Links { return &Links{Deps: d, store: st} }

// CountRepeats makes h tell f of every call it makes again that may have
// been carried out before (a link asked for again after a restart).
func (h *Links) CountRepeats(f func(method string)) { h.repeats = f }

// RefreshLink (/refreshlink) makes a new primary link, which also revokes
// the bot's previous one.
func (h *Links) RefreshLink(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	if args(u) != "" {
		return text.Err(text.Invalid, "refresh.no_args")
	}
	if done, err := h.answeredBefore(ctx, u, "refresh.done"); done {
		return err
	}
	url, err := h.TG.ExportLink(ctx, chat.ID)
	if err != nil {
		return h.refusal(ctx, u, err)
	}
	now := h.now()
	added, replaced, err := h.store.AddLink(ctx, store.NewLink{
		ChatID: chat.ID, URL: url, Primary: true, CreatedBy: actor.ID, CreatedAt: now, Request: requestKey(u),
	})
	if err != nil {
		return fmt.Errorf("store primary link: %w", err)
	}
	p := h.printer(u)
	var b strings.Builder
	b.WriteString(p.S("refresh.done", "Link", text.HTML(describeLink(p, added, now))))
	for _, old := range replaced {
		b.WriteString("\n")
		b.WriteString(p.S("refresh.previous", "N", old.Number))
	}
	b.WriteString("\n")
	b.WriteString(p.S("refresh.others"))
	return h.reply(ctx, u, b.String(), nil)
}

// CreateLink (/createlink [NAME] [expire=WHEN] [limit=N] [request]) makes an
// additional link.
func (h *Links) CreateLink(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	a, err := ParseCreateArgs(args(u), h.now())
	if err != nil {
		return err
	}
	if done, err := h.answeredBefore(ctx, u, "create.done"); done {
		return err
	}
	if u.Replayed {
		// Handed back by the journal: the first run may have made the
		// link without storing it. Asking again may make a second, but an
		// admin left without an answer is worse.
		zerolog.Ctx(ctx).Warn().Str("method", "createChatInviteLink").
			Msg("command handled again after a restart: asking for its link again, so a duplicate may exist")
		if h.repeats != nil {
			h.repeats("createChatInviteLink")
		}
	}
	link, err := h.TG.CreateLink(ctx, chat.ID, bot.LinkSpec{Name: a.Name, ExpiresAt: a.ExpiresAt, MemberLimit: a.MemberLimit, JoinRequest: a.JoinRequest})
	if err != nil {
		return h.refusal(ctx, u, err)
	}
	now := h.now()
	added, _, err := h.store.AddLink(ctx, store.NewLink{
		ChatID: chat.ID, URL: link.URL, Name: link.Name, ExpiresAt: link.ExpiresAt, MemberLimit: link.MemberLimit,
		JoinRequest: link.JoinRequest, CreatedBy: actor.ID, CreatedAt: now, Request: requestKey(u),
	})
	if err != nil {
		// A link nobody knows of must not stay valid: take it back.
		if _, rerr := h.TG.RevokeLink(ctx, chat.ID, link.URL); rerr != nil {
			return fmt.Errorf("store new link: %w (and revoking it failed: %v)", err, rerr)
		}
		return fmt.Errorf("store new link (revoked it again): %w", err)
	}
	p := h.printer(u)
	return h.reply(ctx, u, p.S("create.done", "Link", text.HTML(describeLink(p, added, now))), nil)
}

// requestKey names the command message of u, for store.NewLink.Request.
func requestKey(u *bot.Update) string {
	if u.Message == nil || u.Chat == nil {
		return ""
	}
	return strconv.FormatInt(u.Chat.ID, 10) + ":" + strconv.Itoa(u.Message.ID)
}

// answeredBefore handles a command that is handled again (after a crash or
// a stop that cut it off, the journal hands it back): if it made its link
// already, the reply is given again with that link instead of a second
// link being made. done reports that it was so.
func (h *Links) answeredBefore(ctx context.Context, u *bot.Update, heading string) (done bool, err error) {
	if !u.Replayed {
		return false, nil
	}
	link, err := h.store.LinkByRequest(ctx, requestKey(u))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return true, fmt.Errorf("look for the link of this command: %w", err)
	}
	zerolog.Ctx(ctx).Info().Int64("link", link.Number).Msg("command handled again after a restart: its link exists already")
	p := h.printer(u)
	return true, h.reply(ctx, u, p.S(heading, "Link", text.HTML(describeLink(p, link, h.now()))), nil)
}

// EditLink (/editlink REF [name=NAME] [expire=WHEN|never] [limit=N|none]
// [request|norequest]) changes a link the bot created.
func (h *Links) EditLink(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	a, err := ParseEditArgs(args(u), h.now())
	if err != nil {
		return err
	}
	link, err := h.changeable(ctx, u, a.Ref, "edit")
	if err != nil {
		return err
	}
	// editChatInviteLink replaces every setting: the link's whole new
	// state is sent.
	next := bot.LinkSpec{Name: link.Name, ExpiresAt: link.ExpiresAt, MemberLimit: link.MemberLimit, JoinRequest: link.JoinRequest}
	if a.Name != nil {
		next.Name = *a.Name
	}
	if a.ExpiresAt != nil {
		next.ExpiresAt = *a.ExpiresAt
	}
	if a.MemberLimit != nil {
		next.MemberLimit = *a.MemberLimit
	}
	if a.JoinRequest != nil {
		next.JoinRequest = *a.JoinRequest
	}
	if next.JoinRequest && next.MemberLimit > 0 {
		if a.JoinRequest == nil {
			// A limit asked for on a link that needs approval: the way
			// out is to turn approval off, not to drop the limit.
			return text.Err(text.Invalid, "edit.request_limit", "N", link.Number, "Limit", next.MemberLimit)
		}
		return text.Err(text.Invalid, "edit.limit_request", "N", link.Number, "Limit", next.MemberLimit)
	}
	edited, err := h.TG.EditLink(ctx, chat.ID, link.URL, next)
	if err != nil {
		return h.afterChange(ctx, u, link, err)
	}
	now := h.now()
	changed, err := h.store.EditLink(ctx, chat.ID, link.Number, store.LinkChange{
		Name: &edited.Name, ExpiresAt: &edited.ExpiresAt, MemberLimit: &edited.MemberLimit,
		JoinRequest: &edited.JoinRequest, EditedBy: actor.ID, EditedAt: now,
	})
	if err != nil {
		return fmt.Errorf("store edit of #%d: %w", link.Number, err)
	}
	p := h.printer(u)
	return h.reply(ctx, u, p.S("edit.done", "Link", text.HTML(describeLink(p, changed, now))), nil)
}

// RevokeLink (/revokelink REF) revokes a link the bot created.
func (h *Links) RevokeLink(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	ref, err := ParseRevokeArgs(args(u))
	if err != nil {
		return err
	}
	link, err := h.changeable(ctx, u, ref, "revoke")
	if err != nil {
		return err
	}
	if _, err := h.TG.RevokeLink(ctx, chat.ID, link.URL); err != nil {
		return h.afterChange(ctx, u, link, err)
	}
	now := h.now()
	revoked, err := h.store.RevokeLink(ctx, chat.ID, link.Number, actor.ID, now)
	if err != nil {
		return fmt.Errorf("store revocation of #%d: %w", link.Number, err)
	}
	p := h.printer(u)
	return h.reply(ctx, u, p.S("revoke.done", "Link", text.HTML(describeLink(p, revoked, now))), nil)
}

// afterChange deals with Telegram's refusal of a change to link: a link
// Telegram no longer knows is marked revoked and the person told so.
func (h *Links) afterChange(ctx context.Context, u *bot.Update, link store.Link, err error) error {
	if !errors.Is(err, bot.ErrLinkGone) {
		return h.refusal(ctx, u, err)
	}
	if _, err := h.store.RevokeLink(ctx, link.ChatID, link.Number, u.Actor.ID, h.now()); err != nil {
		return fmt.Errorf("mark #%d revoked: %w", link.Number, err)
	}
	return text.Err(text.Conflict, "link.gone", "N", link.Number)
}

// maxButtonEntries bounds the entries of a list page that come with
// buttons: Telegram allows 100 buttons under a message.
const maxButtonEntries = 30

// List (/links [all]) lists the links the bot made in the chat: the active
// ones, or all of them. Active links other than the primary one come with a
// Revoke button. The pages go to the chat the command came from (a private
// chat when the target is another chat).
func (h *Links) List(ctx context.Context, u *bot.Update) error {
	chat, _, err := target(u)
	if err != nil {
		return err
	}
	all := false
	switch a := args(u); {
	case a == "":
	case strings.EqualFold(a, "all"):
		all = true
	default:
		return text.Err(text.Invalid, "links.usage")
	}
	start := time.Now()
	links, err := h.store.ListLinks(ctx, chat.ID)
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	now := h.now()
	p := h.printer(u)
	var (
		entries = make([]string, 0, len(links))
		shown   = make([]store.Link, 0, len(links))
	)
	for _, l := range links {
		if all || l.State(now) == store.StateActive {
			entries = append(entries, describeLink(p, l, now))
			shown = append(shown, l)
		}
	}
	if len(entries) == 0 {
		if all {
			return h.say(ctx, u, text.M("links.none_all", "Chat", chatName(u)))
		}
		return h.say(ctx, u, text.M("links.none", "Chat", chatName(u)))
	}
	title := p.S("links.title_active", "Chat", chat.Title)
	if all {
		title = p.S("links.title_all", "Chat", chat.Title)
	}
	pages := paginatePages(p, title, entries, maxButtonEntries)
	zerolog.Ctx(ctx).Debug().Int("links", len(entries)).Int("pages", len(pages)).
		Dur("duration_ms", time.Since(start)).Msg("links composed")
	return h.sendPages(ctx, u.Chat.ID, u.Message.ID, pages, func(pg page) [][]bot.Button {
		var rows [][]bot.Button
		var row []bot.Button
		for _, l := range shown[pg.first:pg.end] {
			if l.Primary || l.State(now) != store.StateActive {
				continue
			}
			row = append(row, bot.Button{Text: p.P("links.revoke_button", "N", l.Number), Data: buttonData(LinkButtons, "r", chat.ID, l.Number)})
			if len(row) == 3 {
				rows, row = append(rows, row), nil
			}
		}
		if len(row) > 0 {
			rows = append(rows, row)
		}
		return rows
	})
}

// RevokeButton handles a press of a link's Revoke button (LinkButtons "r"):
// it revokes the link as /revokelink does, answers the press, and marks the
// button done.
func (h *Links) RevokeButton(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	_, action, chatID, number, ok := parseButton(u.Callback.Data)
	if !ok || action != "r" || chatID != chat.ID {
		return text.Err(text.Invalid, "button.stale")
	}
	link, err := h.store.Link(ctx, chatID, number)
	if errors.Is(err, store.ErrNotFound) {
		return text.Err(text.Invalid, "button.stale")
	}
	if err != nil {
		return fmt.Errorf("find link #%d: %w", number, err)
	}
	p := h.printer(u)
	// done marks the button done and answers the press with m.
	done := func(m text.Msg) error {
		if err := h.editButtons(ctx, u, func(row []bot.Button) []bot.Button {
			for i, b := range row {
				if b.Data == u.Callback.Data {
					row[i].Text = p.P("links.revoked_button", "N", number)
				}
			}
			return row
		}); err != nil {
			// The link is revoked: say so even if the button stays.
			zerolog.Ctx(ctx).Warn().Err(err).Msg("could not update the buttons")
		}
		return h.answerButton(ctx, u, m, false)
	}
	switch {
	case link.State(h.now()) == store.StateRevoked:
		return done(text.M("revoke.already", "N", number))
	case link.Primary:
		return text.Err(text.Invalid, "revoke.primary", "N", number)
	}
	if _, err := h.TG.RevokeLink(ctx, chat.ID, link.URL); err != nil {
		if !errors.Is(err, bot.ErrLinkGone) {
			return h.refusal(ctx, u, err)
		}
		if _, err := h.store.RevokeLink(ctx, chatID, number, actor.ID, h.now()); err != nil {
			return fmt.Errorf("mark #%d revoked: %w", number, err)
		}
		return done(text.M("link.gone", "N", number))
	}
	if _, err := h.store.RevokeLink(ctx, chatID, number, actor.ID, h.now()); err != nil {
		return fmt.Errorf("store revocation of #%d: %w", number, err)
	}
	return done(text.M("revoke.button_done", "N", number))
}

// changeable finds the link that ref names in the chat u acts on, for verb
// ("edit", "revoke"): one that names no link the bot made, or several, or
// a link that cannot be changed, is a mistake to tell.
func (h *Links) changeable(ctx context.Context, u *bot.Update, ref Ref, verb string) (store.Link, error) {
	link, err := h.resolve(ctx, u, ref, verb+"link")
	if err != nil {
		return link, err
	}
	switch {
	case link.State(h.now()) == store.StateRevoked:
		return link, text.Err(text.Conflict, "link.revoked_already", "N", link.Number)
	case link.Primary && verb == "edit":
		return link, text.Err(text.Invalid, "edit.primary", "N", link.Number)
	case link.Primary:
		return link, text.Err(text.Invalid, "revoke.primary", "N", link.Number)
	}
	return link, nil
}

// resolve finds the link that ref names in the chat u acts on; command
// names the command in the answer to an ambiguous name.
func (h *Links) resolve(ctx context.Context, u *bot.Update, ref Ref, command string) (store.Link, error) {
	chatID := u.Target.ID
	var (
		link store.Link
		err  error
	)
	switch {
	case ref.Number > 0:
		link, err = h.store.Link(ctx, chatID, ref.Number)
		if errors.Is(err, store.ErrNotFound) {
			return link, text.Err(text.NotFound, "link.no_number", "N", ref.Number, "Chat", chatName(u))
		}
	case ref.URL != "":
		link, err = h.store.LinkByURL(ctx, chatID, ref.URL)
		if errors.Is(err, store.ErrNotFound) {
			return link, text.Err(text.NotFound, "link.not_mine", "Chat", chatName(u))
		}
	default:
		var links []store.Link
		links, err = h.store.LinksByName(ctx, chatID, ref.Name)
		if err != nil {
			break
		}
		switch len(links) {
		case 0:
			return link, text.Err(text.NotFound, "link.no_name", "Name", ref.Name, "Chat", chatName(u))
		case 1:
			return links[0], nil
		}
		p := h.printer(u)
		each := make([]string, len(links))
		for i, l := range links {
			each[i] = p.S("link.ambiguous_entry", "N", l.Number, "Name", l.Name, "URL", l.URL)
		}
		e := text.Err(text.Conflict, "link.ambiguous", "Name", ref.Name, "Links", text.HTML(strings.Join(each, ", ")),
			"Command", command, "N", links[0].Number)
		e.Private = true // it shows the links' URLs
		return link, e
	}
	if err != nil {
		return link, fmt.Errorf("find link %s: %w", ref, err)
	}
	return link, nil
}
