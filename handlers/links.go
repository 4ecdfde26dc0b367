package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	// files, if set, attaches a batch's CSV (UseFiles); subs makes
	// subscription links (UseSubscriptions).
	files Files
	subs  Subscriptions
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
	dst, ok, err := h.linksDest(ctx, u)
	if !ok {
		return err
	}
	if done, err := h.answeredBefore(ctx, u, dst, "refresh.done"); done {
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
	p := dst.p
	var b strings.Builder
	b.WriteString(p.S("refresh.done", "Link", text.HTML(describeLink(p, added, now))))
	for _, old := range replaced {
		b.WriteString("\n")
		b.WriteString(p.S("refresh.previous", "N", old.Number))
	}
	b.WriteString("\n")
	b.WriteString(p.S("refresh.others"))
	return h.deliver(ctx, u, dst, b.String(), nil, nil)
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
	dst, ok, err := h.linksDest(ctx, u)
	if !ok {
		return err
	}
	switch {
	case a.Count > 0:
		return h.createBatch(ctx, u, dst, a)
	case a.Price > 0:
		return h.createSubscription(ctx, u, dst, a)
	}
	if done, err := h.answeredBefore(ctx, u, dst, "create.done"); done {
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
		JoinMode: a.JoinMode,
	})
	if err != nil {
		// A link nobody knows of must not stay valid: take it back.
		if _, rerr := h.TG.RevokeLink(ctx, chat.ID, link.URL); rerr != nil {
			return fmt.Errorf("store new link: %w (and revoking it failed: %v)", err, rerr)
		}
		return fmt.Errorf("store new link (revoked it again): %w", err)
	}
	return h.deliver(ctx, u, dst, dst.p.S("create.done", "Link", text.HTML(describeLink(dst.p, added, now))), nil, nil)
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
func (h *Links) answeredBefore(ctx context.Context, u *bot.Update, dst dest, heading string) (done bool, err error) {
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
	return true, h.deliver(ctx, u, dst, dst.p.S(heading, "Link", text.HTML(describeLink(dst.p, link, h.now()))), nil, nil)
}

// EditLink (/editlink REF [name=NAME] [expire=WHEN|never] [limit=N|none]
// [request|norequest] [join=MODE|none]) changes a link the bot created.
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
	if link.Price > 0 {
		return h.editSubscription(ctx, u, link, a)
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
	dst, ok, err := h.linksDest(ctx, u)
	if !ok {
		return err
	}
	edited, err := h.TG.EditLink(ctx, chat.ID, link.URL, next)
	if err != nil {
		return h.afterChange(ctx, u, link, err)
	}
	now := h.now()
	mode := link.JoinMode
	if a.JoinMode != nil {
		mode = *a.JoinMode
	}
	if !edited.JoinRequest {
		mode = "" // norequest: no requests to handle
	}
	changed, err := h.store.EditLink(ctx, chat.ID, link.Number, store.LinkChange{
		Name: &edited.Name, ExpiresAt: &edited.ExpiresAt, MemberLimit: &edited.MemberLimit,
		JoinRequest: &edited.JoinRequest, JoinMode: &mode, EditedBy: actor.ID, EditedAt: now,
	})
	if err != nil {
		return fmt.Errorf("store edit of #%d: %w", link.Number, err)
	}
	return h.deliver(ctx, u, dst, dst.p.S("edit.done", "Link", text.HTML(describeLink(dst.p, changed, now))), nil, nil)
}

// RevokeLink (/revokelink REF) revokes a link the bot created;
// /revokelink all asks to confirm revoking every active one.
func (h *Links) RevokeLink(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	if strings.EqualFold(strings.TrimSpace(args(u)), "all") {
		return h.revokeAll(ctx, u)
	}
	ref, err := ParseRevokeArgs(args(u))
	if err != nil {
		return err
	}
	link, err := h.changeable(ctx, u, ref, "revoke")
	if err != nil {
		return err
	}
	dst, ok, err := h.linksDest(ctx, u)
	if !ok {
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
	return h.deliver(ctx, u, dst, dst.p.S("revoke.done", "Link", text.HTML(describeLink(dst.p, revoked, now))), nil, nil)
}

// confirmFor is how long a "Yes, revoke" button works.
const confirmFor = 60 * time.Second

// revokeAll (/revokelink all) lists the active links but the primary one
// and asks the admin who sent it to confirm revoking them all.
func (h *Links) revokeAll(ctx context.Context, u *bot.Update) error {
	chat, actor := u.Target, u.Actor
	links, err := h.store.ListLinks(ctx, chat.ID)
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	now := h.now()
	var active []store.Link
	for _, l := range links {
		if !l.Primary && l.State(now) == store.StateActive {
			active = append(active, l)
		}
	}
	if len(active) == 0 {
		return text.Err(text.NotFound, "revoke_all.none", "Chat", chatName(u))
	}
	dst, ok, err := h.linksDest(ctx, u)
	if !ok {
		return err
	}
	p := dst.p
	items := make([]int64, len(active))
	lines := make([]string, len(active))
	for i, l := range active {
		items[i] = l.Number
		lines[i] = p.S("link.ambiguous_entry", "N", l.Number, "Name", l.Name, "URL", l.URL)
	}
	html := p.S("revoke_all.confirm", "Count", len(active), "Chat", chat.Title, "Links", text.HTML(strings.Join(lines, "\n")),
		"Name", actor.Name(), "Seconds", int(confirmFor/time.Second))
	buttons := [][]bot.Button{{{Text: p.P("revoke_all.yes", "Count", len(active)), Data: linkButton("ya", 0)}}}
	return h.deliver(ctx, u, dst, html, buttons, &store.ButtonMessage{Kind: kindConfirmAll, TargetID: chat.ID, Items: items,
		UserID: actor.ID, ExpiresAt: now.Add(confirmFor)})
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
	shown := make([]store.Link, 0, len(links))
	for _, l := range links {
		if all || l.State(now) == store.StateActive {
			shown = append(shown, l)
		}
	}
	if len(shown) == 0 {
		if all {
			return text.Err(text.NotFound, "links.none_all", "Chat", chatName(u))
		}
		return text.Err(text.NotFound, "links.none", "Chat", chatName(u))
	}
	// Mistakes and refusals are told where the command was sent; the
	// list goes where answers that show links go.
	// The time logged is the store's and the formatting's: where the list
	// goes may take a call to Telegram, which is not counted.
	queried := time.Since(start)
	dst, ok, err := h.linksDest(ctx, u)
	if !ok {
		return err
	}
	start = time.Now()
	p := dst.p
	entries := make([]string, len(shown))
	for i, l := range shown {
		entries[i] = describeLink(p, l, now)
	}
	title := p.S("links.title_active", "Chat", chat.Title)
	if all {
		title = p.S("links.title_all", "Chat", chat.Title)
	}
	pages := paginatePages(p, title, entries, maxButtonEntries)
	zerolog.Ctx(ctx).Debug().Int("links", len(entries)).Int("pages", len(pages)).
		Dur("duration_ms", queried+time.Since(start)).Msg("links composed")
	for i, pg := range pages {
		if i > 0 {
			dst.replyTo = 0
		}
		rec := &store.ButtonMessage{Kind: kindLinks, TargetID: chat.ID, Title: pageTitle(pg.text)}
		for _, l := range shown[pg.first:pg.end] {
			rec.Items = append(rec.Items, l.Number)
		}
		id, err := h.TG.Send(ctx, bot.Outgoing{ChatID: dst.chatID, Text: pg.text, ReplyTo: dst.replyTo, Buttons: revokeButtons(p, shown[pg.first:pg.end], now)})
		if err != nil {
			return err
		}
		if err := h.remember(ctx, dst.chatID, id, *rec); err != nil {
			return err
		}
	}
	return h.noteMoved(ctx, u, dst)
}

// pageTitle is the heading a page of a list starts with.
func pageTitle(page string) string {
	title, _, _ := strings.Cut(page, "\n\n")
	return title
}

// revokeButtons are the Revoke buttons of the active links among links
// but the primary one, three to a row.
func revokeButtons(p *text.Printer, links []store.Link, now time.Time) [][]bot.Button {
	var rows [][]bot.Button
	var row []bot.Button
	for _, l := range links {
		if l.Primary || l.State(now) != store.StateActive {
			continue
		}
		row = append(row, bot.Button{Text: p.P("links.revoke_button", "N", l.Number), Data: linkButton("r", l.Number)})
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// The kinds of the link messages with buttons.
const (
	kindLinks      = "links"          // a page of /links
	kindConfirm    = "confirm_revoke" // "Yes, revoke" for one link
	kindConfirmAll = "confirm_all"    // "Yes, revoke" for /revokelink all
)

// showPage shows a page of /links (rec, the message msgID in chatID) as
// its links are now: their state, and Revoke buttons for the active ones.
func (h *Links) showPage(ctx context.Context, p *text.Printer, chatID int64, msgID int, rec store.ButtonMessage) error {
	now := h.now()
	links := make([]store.Link, 0, len(rec.Items))
	entries := make([]string, 0, len(rec.Items))
	for _, n := range rec.Items {
		l, err := h.store.Link(ctx, rec.TargetID, n)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("link #%d: %w", n, err)
		}
		links = append(links, l)
		entries = append(entries, describeLink(p, l, now))
	}
	err := h.TG.Edit(ctx, chatID, msgID, rec.Title+"\n\n"+strings.Join(entries, "\n\n"), revokeButtons(p, links, now))
	if errors.Is(err, bot.ErrMessageGone) {
		return nil
	}
	return err
}

// pagePrinter is the language a message with buttons is in: in a private
// chat the person's, in a group the group's.
func (d *Deps) pagePrinter(ctx context.Context, u *bot.Update) *text.Printer {
	if u.Chat.IsPrivate() && u.From != nil {
		return d.Text.For(u.From.LanguageCode)
	}
	return d.chatPrinter(ctx, u.Chat.ID)
}

// RevokeButton handles a press of a link's Revoke button under a page of
// /links: it asks the presser, and the presser alone, to confirm within
// confirmFor.
func (h *Links) RevokeButton(ctx context.Context, u *bot.Update) error {
	rec, n, err := h.pressed(ctx, u, "r", kindLinks)
	if err != nil {
		return err
	}
	link, err := h.store.Link(ctx, rec.TargetID, n)
	if err != nil {
		return fmt.Errorf("find link #%d: %w", n, err)
	}
	p := h.pagePrinter(ctx, u)
	switch {
	case link.State(h.now()) != store.StateActive:
		if err := h.showPage(ctx, p, u.Chat.ID, u.Callback.Message.ID, rec); err != nil {
			return err
		}
		return h.answerButton(ctx, u, text.M("revoke.not_active", "N", n, "State", text.M("link.state."+string(link.State(h.now())))), false)
	case link.Primary:
		return text.Err(text.Invalid, "revoke.primary", "N", n)
	}
	html := p.S("revoke.confirm", "Link", text.HTML(describeLink(p, link, h.now())), "Name", u.Actor.Name(), "Seconds", int(confirmFor/time.Second))
	id, err := h.TG.Send(ctx, bot.Outgoing{ChatID: u.Chat.ID, Text: html, ReplyTo: u.Callback.Message.ID,
		Buttons: [][]bot.Button{{{Text: p.P("revoke.yes", "N", n), Data: linkButton("y", n)}}}})
	if err != nil {
		return err
	}
	if err := h.remember(ctx, u.Chat.ID, id, store.ButtonMessage{Kind: kindConfirm, TargetID: rec.TargetID, Items: []int64{n},
		UserID: u.Actor.ID, ParentID: u.Callback.Message.ID, ExpiresAt: h.now().Add(confirmFor)}); err != nil {
		return err
	}
	return h.answerButton(ctx, u, text.M("revoke.confirm_below", "Seconds", int(confirmFor/time.Second)), false)
}

// ConfirmButton handles "Yes, revoke" (for one link, or for /revokelink
// all): the checks in front of it let only the person it was made for
// through, within its time. It revokes, shows what became of it in the
// confirmation, and the new state in the page the press came from.
func (h *Links) ConfirmButton(ctx context.Context, u *bot.Update) error {
	rec, err := h.record(ctx, u)
	if err != nil {
		return err
	}
	_, action, _, ok := parseButton(u.Callback.Data)
	switch {
	case !ok, action == "y" && rec.Kind != kindConfirm, action == "ya" && rec.Kind != kindConfirmAll, action != "y" && action != "ya":
		return text.Err(text.Invalid, "button.stale")
	}
	p := h.pagePrinter(ctx, u)
	now := h.now()
	var done []string
	var already, failed int
	for _, n := range rec.Items {
		link, err := h.store.Link(ctx, rec.TargetID, n)
		if err != nil {
			return fmt.Errorf("find link #%d: %w", n, err)
		}
		if link.State(now) != store.StateActive || link.Primary {
			already++
			continue
		}
		switch _, err := h.TG.RevokeLink(ctx, rec.TargetID, link.URL); {
		case err == nil, errors.Is(err, bot.ErrLinkGone):
		case errors.Is(err, bot.ErrNoRights), errors.Is(err, bot.ErrChatNotFound):
			return h.refusal(ctx, u, err)
		default:
			zerolog.Ctx(ctx).Warn().Err(err).Int64("link", n).Msg("revoking a link failed")
			failed++
			continue
		}
		revoked, err := h.store.RevokeLink(ctx, rec.TargetID, n, u.Actor.ID, now)
		if err != nil {
			return fmt.Errorf("store revocation of #%d: %w", n, err)
		}
		done = append(done, describeLink(p, revoked, now))
	}
	var b strings.Builder
	if len(done) == 0 {
		b.WriteString(p.S("revoke.confirmed_none"))
	} else {
		b.WriteString(p.S("revoke.confirmed", "Count", len(done), "Name", u.Actor.Name()))
	}
	for _, e := range done {
		b.WriteString("\n\n")
		b.WriteString(e)
	}
	if already > 0 {
		b.WriteString("\n\n")
		b.WriteString(p.S("revoke.already_some", "Count", already))
	}
	if failed > 0 {
		b.WriteString("\n\n")
		b.WriteString(p.S("revoke.failed_some", "Count", failed))
	}
	if err := h.TG.Edit(ctx, u.Chat.ID, u.Callback.Message.ID, b.String(), nil); err != nil && !errors.Is(err, bot.ErrMessageGone) {
		return err
	}
	if rec.ParentID != 0 && h.Messages != nil {
		parent, err := h.Messages.ButtonMessage(ctx, u.Chat.ID, rec.ParentID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return fmt.Errorf("the page: %w", err)
		case parent.Kind == kindLinks:
			if err := h.showPage(ctx, p, u.Chat.ID, rec.ParentID, parent); err != nil {
				return err
			}
		}
	}
	return h.answerButton(ctx, u, text.M("revoke.confirmed_short", "Count", len(done)), false)
}

// record is the record of the message a button was pressed under (the
// checks in front of the handler found it already).
func (d *Deps) record(ctx context.Context, u *bot.Update) (store.ButtonMessage, error) {
	if d.Messages == nil || u.Callback == nil || u.Callback.Message == nil || u.Chat == nil {
		return store.ButtonMessage{}, text.Err(text.Invalid, "button.stale")
	}
	rec, err := d.Messages.ButtonMessage(ctx, u.Chat.ID, u.Callback.Message.ID)
	if errors.Is(err, store.ErrNotFound) {
		return rec, text.Err(text.Invalid, "button.stale")
	}
	return rec, err
}

// pressed reads a press of a button action on an item of a message of
// kind: the item must be one the message shows.
func (d *Deps) pressed(ctx context.Context, u *bot.Update, action, kind string) (store.ButtonMessage, int64, error) {
	rec, err := d.record(ctx, u)
	if err != nil {
		return rec, 0, err
	}
	_, a, item, ok := parseButton(u.Callback.Data)
	if !ok || a != action || rec.Kind != kind || !slices.Contains(rec.Items, item) {
		return rec, 0, text.Err(text.Invalid, "button.stale")
	}
	return rec, item, nil
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
		p := h.printer(ctx, u)
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
