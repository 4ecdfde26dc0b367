// Package handlers holds invitebot's commands: one method per command, with
// their dependencies injected as small interfaces. The access checks run
// before them (package middleware) and put the acting user and target chat
// in the context.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/middleware"
	"github.com/invitebot/invitebot/store"
	"github.com/rs/zerolog"
)

// Links handles the invite-link commands.
type Links struct {
	api   bot.Caller
	store store.Links
	now   func() time.Time
	// username is the bot's, for instructions.
	username string
	// repeats, if set, counts a call made again that may have been
	// carried out already (for metrics).
	repeats func(method string)
}

// CountRepeats makes h tell f of every call it makes again that may have
// been carried out before (a link asked for again after a restart).
func (h *Links) CountRepeats(f func(method string)) { h.repeats = f }

// NewLinks makes the invite-link handlers. now is the clock (time.Now if nil).
func NewLinks(api bot.Caller, st store.Links, username string, now func() time.Time) *Links {
	if now == nil {
		now = time.Now
	}
	return &Links{api: api, store: st, now: now, username: username}
}

// RefreshLink (/refreshlink) makes a new primary link with
// exportChatInviteLink, which also revokes the bot's previous one.
func (h *Links) RefreshLink(ctx context.Context, u *tgbotapi.Update) error {
	acc, err := access(ctx)
	if err != nil {
		return err
	}
	if args := commandArgs(ctx); args != "" {
		return h.replyText(ctx, u, "/refreshlink takes no arguments: send just /refreshlink. To make an extra link, use /createlink.")
	}
	if done, err := h.answeredBefore(ctx, u, "New primary link:\n"); done {
		return err
	}
	var url string
	err = h.api.Call(ctx, "exportChatInviteLink", tgbotapi.Params{"chat_id": chatIDParam(acc.Chat.ID)}, &url)
	if done, err := h.afterCall(ctx, u, acc, err, nil); done {
		return err
	}
	now := h.now().UTC()
	added, replaced, err := h.store.AddLink(ctx, store.NewLink{
		ChatID: acc.Chat.ID, URL: url, Primary: true, CreatedBy: acc.User.ID, CreatedAt: now,
		Request: requestKey(u),
	})
	if err != nil {
		return fmt.Errorf("store primary link: %w", err)
	}
	var b strings.Builder
	b.WriteString("New primary link:\n")
	b.WriteString(describeLink(added, now))
	b.WriteString("\n\n")
	for _, old := range replaced {
		fmt.Fprintf(&b, "The previous primary link I made, #%d, no longer works.\n", old.Number)
	}
	b.WriteString("Primary links made by other admins still work; revoke them in the chat's settings if they leaked.")
	return h.reply(ctx, u, b.String())
}

// CreateLink (/createlink [NAME] [expire=WHEN] [limit=N] [request]) makes an
// additional link.
func (h *Links) CreateLink(ctx context.Context, u *tgbotapi.Update) error {
	acc, err := access(ctx)
	if err != nil {
		return err
	}
	args, err := ParseCreateArgs(commandArgs(ctx), h.now())
	if err != nil {
		return h.mistake(ctx, u, err)
	}
	if done, err := h.answeredBefore(ctx, u, "New link:\n"); done {
		return err
	}
	if key := requestKey(u); key != "" {
		before, err := h.store.StartLinkAttempt(ctx, key, h.now().UTC())
		if err != nil {
			return fmt.Errorf("record the attempt: %w", err)
		}
		if before {
			// Interrupted while Telegram made the link: it may exist
			// without our knowing it. Asking again may make a second, but
			// an admin left without an answer is worse.
			zerolog.Ctx(ctx).Warn().Str("method", "createChatInviteLink").
				Msg("command handled again after a restart: asking for its link again, so a duplicate may exist")
			if h.repeats != nil {
				h.repeats("createChatInviteLink")
			}
		}
	}
	params := tgbotapi.Params{"chat_id": chatIDParam(acc.Chat.ID)}
	if args.Name != "" {
		params["name"] = args.Name
	}
	if !args.ExpiresAt.IsZero() {
		params["expire_date"] = strconv.FormatInt(args.ExpiresAt.Unix(), 10)
	}
	if args.MemberLimit > 0 {
		params["member_limit"] = strconv.Itoa(args.MemberLimit)
	}
	if args.JoinRequest {
		params["creates_join_request"] = "true"
	}
	var link tgbotapi.ChatInviteLink
	err = h.api.Call(ctx, "createChatInviteLink", params, &link)
	if done, err := h.afterCall(ctx, u, acc, err, nil); done {
		return err
	}
	now := h.now().UTC()
	added, _, err := h.store.AddLink(ctx, store.NewLink{
		ChatID:      acc.Chat.ID,
		URL:         link.InviteLink,
		Name:        link.Name,
		ExpiresAt:   unixTime(link.ExpireDate),
		MemberLimit: link.MemberLimit,
		JoinRequest: link.CreatesJoinRequest,
		CreatedBy:   acc.User.ID,
		CreatedAt:   now,
		Request:     requestKey(u),
	})
	if err != nil {
		// A link nobody knows of must not stay valid: take it back.
		if rerr := h.api.Call(ctx, "revokeChatInviteLink", tgbotapi.Params{
			"chat_id": chatIDParam(acc.Chat.ID), "invite_link": link.InviteLink,
		}, nil); rerr != nil {
			return fmt.Errorf("store new link: %w (and revoking it failed: %v)", err, rerr)
		}
		return fmt.Errorf("store new link (revoked it again): %w", err)
	}
	return h.reply(ctx, u, "New link:\n"+describeLink(added, now))
}

// requestKey names the command message of u, for store.NewLink.Request.
func requestKey(u *tgbotapi.Update) string {
	if u.Message == nil || u.Message.Chat == nil {
		return ""
	}
	return strconv.FormatInt(u.Message.Chat.ID, 10) + ":" + strconv.Itoa(u.Message.MessageID)
}

// answeredBefore handles a command that is handled again (after a crash or
// a stop that cut it off, the journal hands it back): if it made its link
// already, the reply is given again with that link instead of a second
// link being made. done reports that it was so.
func (h *Links) answeredBefore(ctx context.Context, u *tgbotapi.Update, heading string) (done bool, err error) {
	link, err := h.store.LinkByRequest(ctx, requestKey(u))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return true, fmt.Errorf("look for the link of this command: %w", err)
	}
	zerolog.Ctx(ctx).Info().Int64("link", link.Number).Msg("command handled again after a restart: its link exists already")
	return true, h.reply(ctx, u, heading+describeLink(link, h.now().UTC()))
}

// EditLink (/editlink REF [name=NAME] [expire=WHEN|never] [limit=N|none]
// [request|norequest]) changes a link the bot created.
func (h *Links) EditLink(ctx context.Context, u *tgbotapi.Update) error {
	acc, err := access(ctx)
	if err != nil {
		return err
	}
	args, err := ParseEditArgs(commandArgs(ctx), h.now())
	if err != nil {
		return h.mistake(ctx, u, err)
	}
	link, mistake, err := h.target(ctx, acc.Chat.ID, chatName(acc, u), args.Ref, "edit")
	if err != nil || mistake != "" {
		return h.answer(ctx, u, mistake, err)
	}

	// editChatInviteLink replaces every setting, so send the link's full
	// new state; absent parameters would be reset.
	next := link
	if args.Name != nil {
		next.Name = *args.Name
	}
	if args.ExpiresAt != nil {
		next.ExpiresAt = *args.ExpiresAt
	}
	if args.MemberLimit != nil {
		next.MemberLimit = *args.MemberLimit
	}
	if args.JoinRequest != nil {
		next.JoinRequest = *args.JoinRequest
	}
	if next.JoinRequest && next.MemberLimit > 0 {
		return h.replyText(ctx, u, fmt.Sprintf("#%d has a member limit of %d, and a link that needs approval can't have one: add limit=none, e.g. /editlink #%d request limit=none.", link.Number, next.MemberLimit, link.Number))
	}
	params := tgbotapi.Params{
		"chat_id":              chatIDParam(acc.Chat.ID),
		"invite_link":          link.URL,
		"creates_join_request": strconv.FormatBool(next.JoinRequest),
	}
	if next.Name != "" {
		params["name"] = next.Name
	}
	if !next.ExpiresAt.IsZero() {
		params["expire_date"] = strconv.FormatInt(next.ExpiresAt.Unix(), 10)
	}
	if next.MemberLimit > 0 {
		params["member_limit"] = strconv.Itoa(next.MemberLimit)
	}
	var edited tgbotapi.ChatInviteLink
	err = h.api.Call(ctx, "editChatInviteLink", params, &edited)
	if done, err := h.afterCall(ctx, u, acc, err, &link); done {
		return err
	}
	now := h.now().UTC()
	expires := unixTime(edited.ExpireDate)
	changed, err := h.store.EditLink(ctx, acc.Chat.ID, link.Number, store.LinkChange{
		Name:        &edited.Name,
		ExpiresAt:   &expires,
		MemberLimit: &edited.MemberLimit,
		JoinRequest: &edited.CreatesJoinRequest,
		EditedBy:    acc.User.ID,
		EditedAt:    now,
	})
	if err != nil {
		return fmt.Errorf("store edit of #%d: %w", link.Number, err)
	}
	return h.reply(ctx, u, "Edited:\n"+describeLink(changed, now))
}

// RevokeLink (/revokelink REF) revokes a link the bot created.
func (h *Links) RevokeLink(ctx context.Context, u *tgbotapi.Update) error {
	acc, err := access(ctx)
	if err != nil {
		return err
	}
	ref, err := ParseRevokeArgs(commandArgs(ctx))
	if err != nil {
		return h.mistake(ctx, u, err)
	}
	link, mistake, err := h.target(ctx, acc.Chat.ID, chatName(acc, u), ref, "revoke")
	if err != nil || mistake != "" {
		return h.answer(ctx, u, mistake, err)
	}
	err = h.api.Call(ctx, "revokeChatInviteLink", tgbotapi.Params{
		"chat_id": chatIDParam(acc.Chat.ID), "invite_link": link.URL,
	}, nil)
	if done, err := h.afterCall(ctx, u, acc, err, &link); done {
		return err
	}
	now := h.now().UTC()
	revoked, err := h.store.RevokeLink(ctx, acc.Chat.ID, link.Number, acc.User.ID, now)
	if err != nil {
		return fmt.Errorf("store revocation of #%d: %w", link.Number, err)
	}
	return h.reply(ctx, u, "Revoked; it no longer works:\n"+describeLink(revoked, now))
}

// List (/links [all]) lists the links the bot made in the chat: the active
// ones, or all of them. Active links other than the primary one come with a
// Revoke button. The pages go to the chat the command came from (a private
// chat when the target is another chat).
func (h *Links) List(ctx context.Context, u *tgbotapi.Update) error {
	acc, err := access(ctx)
	if err != nil {
		return err
	}
	m := u.Message
	if m == nil || m.Chat == nil {
		return nil
	}
	all := false
	switch args := commandArgs(ctx); {
	case args == "":
	case strings.EqualFold(args, "all"):
		all = true
	default:
		return h.replyText(ctx, u, "Send /links for the active links, or /links all to include revoked and expired ones.")
	}
	start := time.Now()
	links, err := h.store.ListLinks(ctx, acc.Chat.ID)
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	now := h.now().UTC()
	var (
		entries = make([]string, 0, len(links))
		shown   = make([]store.Link, 0, len(links))
	)
	for _, l := range links {
		if all || l.State(now) == store.StateActive {
			entries = append(entries, describeLink(l, now))
			shown = append(shown, l)
		}
	}
	where := chatName(acc, u)
	if len(entries) == 0 {
		msg := fmt.Sprintf("I have no active links in %s. Make one with /createlink, e.g. /createlink Partners expire=7d limit=50, or /links all to see revoked and expired ones.", where)
		if all {
			msg = fmt.Sprintf("I haven't made any links in %s yet. Make one with /createlink, e.g. /createlink Partners expire=7d limit=50.", where)
		}
		return h.replyText(ctx, u, msg)
	}
	title := "Active links"
	if all {
		title = "All links"
	}
	if acc.Chat.Title != "" {
		title += " in <b>" + html.EscapeString(acc.Chat.Title) + "</b>"
	}
	pages := paginatePages(title+":", entries, maxButtonEntries)
	zerolog.Ctx(ctx).Debug().Int("links", len(entries)).Int("pages", len(pages)).
		Dur("duration_ms", time.Since(start)).Msg("links composed")
	for i, p := range pages {
		replyTo := 0
		if i == 0 {
			replyTo = m.MessageID
		}
		var buttons [][]bot.Button
		var row []bot.Button
		for _, l := range shown[p.first:p.end] {
			if l.Primary || l.State(now) != store.StateActive {
				continue
			}
			row = append(row, bot.Button{Text: fmt.Sprintf("Revoke #%d", l.Number), Data: buttonData(LinkButtons, "r", acc.Chat.ID, l.Number)})
			if len(row) == 3 {
				buttons, row = append(buttons, row), nil
			}
		}
		if len(row) > 0 {
			buttons = append(buttons, row)
		}
		if _, err := bot.Send(ctx, h.api, bot.Message{ChatID: m.Chat.ID, Text: p.text, ReplyTo: replyTo, Buttons: buttons}); err != nil {
			return err
		}
	}
	return nil
}

// maxButtonEntries bounds the entries of a list page that come with
// buttons: Telegram allows 100 buttons under a message.
const maxButtonEntries = 30

// RevokeButton handles a press of a link's Revoke button (LinkButtons "r"):
// it revokes the link as /revokelink does, answers the press, and marks the
// button done.
func (h *Links) RevokeButton(ctx context.Context, u *tgbotapi.Update) error {
	acc, err := access(ctx)
	if err != nil {
		return err
	}
	q := u.CallbackQuery
	answer := func(text string, alert bool) error {
		return bot.AnswerCallback(ctx, h.api, q.ID, cut(text, 200), alert)
	}
	_, action, chatID, number, ok := parseButton(q.Data)
	if !ok || action != "r" || chatID != acc.Chat.ID {
		return answer("This button no longer works.", false)
	}
	link, err := h.store.Link(ctx, chatID, number)
	if errors.Is(err, store.ErrNotFound) {
		return answer("This button no longer works.", false)
	}
	if err != nil {
		return fmt.Errorf("find link #%d: %w", number, err)
	}
	// done marks the button done and answers the press with text.
	done := func(text string) error {
		data := q.Data
		if err := editButtons(ctx, h.api, q, func(row []bot.Button) []bot.Button {
			for i, b := range row {
				if b.Data == data {
					row[i].Text = fmt.Sprintf("#%d revoked ✓", number)
				}
			}
			return row
		}); err != nil {
			// The link is revoked: say so even if the button stays.
			zerolog.Ctx(ctx).Warn().Err(err).Msg("could not update the buttons")
		}
		return answer(text, false)
	}
	if mistake := changeable(link, "revoke", h.now()); mistake != "" {
		if link.State(h.now()) == store.StateRevoked {
			return done(fmt.Sprintf("#%d is revoked already.", number))
		}
		return answer(mistake, true)
	}
	err = h.api.Call(ctx, "revokeChatInviteLink", tgbotapi.Params{
		"chat_id": chatIDParam(acc.Chat.ID), "invite_link": link.URL,
	}, nil)
	switch {
	case err == nil:
	case gone(err):
		if _, err := h.store.RevokeLink(ctx, chatID, number, acc.User.ID, h.now().UTC()); err != nil {
			return fmt.Errorf("mark #%d revoked: %w", number, err)
		}
		return done(fmt.Sprintf("Telegram says #%d no longer exists (revoked elsewhere), so I marked it revoked.", number))
	default:
		if refusal, ok := h.refusal(err, chatName(acc, u)); ok {
			return answer(refusal, true)
		}
		return fmt.Errorf("revokeChatInviteLink: %w", err)
	}
	if _, err := h.store.RevokeLink(ctx, chatID, number, acc.User.ID, h.now().UTC()); err != nil {
		return fmt.Errorf("store revocation of #%d: %w", number, err)
	}
	return done(fmt.Sprintf("Revoked #%d; it no longer works.", number))
}

// target finds the link that ref names in the chat for verb ("edit",
// "revoke"). A ref that names no link the bot made, or several, or a link
// that cannot be changed, yields a one-line mistake instead.
func (h *Links) target(ctx context.Context, chatID int64, where string, ref Ref, verb string) (store.Link, string, error) {
	link, mistake, err := h.resolve(ctx, chatID, where, ref, verb+"link")
	if err == nil && mistake == "" {
		mistake = changeable(link, verb, h.now())
	}
	return link, mistake, err
}

// resolve finds the link that ref names in the chat (where names it in
// replies). A ref that names no link the bot made, or several, yields a
// one-line mistake instead.
func (h *Links) resolve(ctx context.Context, chatID int64, where string, ref Ref, command string) (store.Link, string, error) {
	var (
		link store.Link
		err  error
	)
	switch {
	case ref.Number > 0:
		link, err = h.store.Link(ctx, chatID, ref.Number)
		if errors.Is(err, store.ErrNotFound) {
			return link, fmt.Sprintf("There is no link #%d of mine in %s. /links shows the numbers.", ref.Number, where), nil
		}
	case ref.URL != "":
		link, err = h.store.LinkByURL(ctx, chatID, ref.URL)
		if errors.Is(err, store.ErrNotFound) {
			return link, fmt.Sprintf("I didn't make that link in %s, and Telegram lets a bot change only the links it made. /links lists mine.", where), nil
		}
	default:
		var links []store.Link
		links, err = h.store.LinksByName(ctx, chatID, ref.Name)
		if err != nil {
			break
		}
		switch len(links) {
		case 0:
			return link, fmt.Sprintf("I have no link named %q in %s. /links lists mine.", ref.Name, where), nil
		case 1:
			return links[0], "", nil
		default:
			each := make([]string, len(links))
			for i, l := range links {
				each[i] = fmt.Sprintf("#%d “%s” %s", l.Number, l.Name, l.URL)
			}
			return link, fmt.Sprintf("Several links are named %q: %s. Say which by number, e.g. /%s #%d.",
				ref.Name, strings.Join(each, ", "), command, links[0].Number), nil
		}
	}
	if err != nil {
		return link, "", fmt.Errorf("find link %s: %w", ref, err)
	}
	return link, "", nil
}

// changeable says why link cannot be edited or revoked (verb), or "".
func changeable(l store.Link, verb string, now time.Time) string {
	switch {
	case l.State(now) == store.StateRevoked:
		return fmt.Sprintf("#%d is revoked already; a revoked link can't be changed. /createlink makes a new one.", l.Number)
	case l.Primary:
		return fmt.Sprintf("#%d is the chat's primary link, which can't be %s; /refreshlink replaces it with a new one.", l.Number, pastParticiple(verb))
	}
	return ""
}

func pastParticiple(verb string) string {
	if strings.HasSuffix(verb, "e") {
		return verb + "d"
	}
	return verb + "ed"
}

// markGone records that Telegram no longer knows link (revoked elsewhere,
// for instance in the chat's settings), and says so.
func (h *Links) markGone(ctx context.Context, u *tgbotapi.Update, l store.Link, by int64) error {
	if _, err := h.store.RevokeLink(ctx, l.ChatID, l.Number, by, h.now().UTC()); err != nil {
		return fmt.Errorf("mark #%d revoked: %w", l.Number, err)
	}
	return h.replyText(ctx, u, fmt.Sprintf("Telegram says #%d no longer exists (it was revoked elsewhere, perhaps in the chat's settings), so I marked it revoked.", l.Number))
}

// afterCall deals with the error of a call that changes a link. Telegram's
// refusals become replies, and a link Telegram no longer knows (link, if
// given) is marked revoked. done reports that the update is dealt with,
// with err the failure to return if any; otherwise the call succeeded.
func (h *Links) afterCall(ctx context.Context, u *tgbotapi.Update, acc middleware.Access, callErr error, link *store.Link) (done bool, err error) {
	switch {
	case callErr == nil:
		return false, nil
	case link != nil && gone(callErr):
		return true, h.markGone(ctx, u, *link, acc.User.ID)
	}
	if refusal, ok := h.refusal(callErr, chatName(acc, u)); ok {
		return true, h.replyText(ctx, u, refusal)
	}
	if errors.Is(callErr, bot.ErrUnsure) {
		zerolog.Ctx(ctx).Warn().Err(callErr).Msg("Telegram did not confirm a change to a link")
		return true, h.replyText(ctx, u, "Telegram did not confirm that request after several tries, so I can't tell whether it went through. Check /links, and the chat's invite links in its settings, before trying again.")
	}
	return true, callErr
}

// gone reports Telegram's answer for a link that is revoked or unknown.
func gone(err error) bool {
	var e *tgbotapi.Error
	return errors.As(err, &e) && e.Code == 400 && strings.Contains(e.Message, "INVITE_HASH_EXPIRED")
}

// refusal turns Telegram's refusals into a one-line reply about the chat
// acted on (where: "this chat" or its title). Other errors (network, 5xx,
// 429) are not refusals: they are the caller's to return.
func (h *Links) refusal(err error, where string) (string, bool) {
	return refusal(err, h.username, where)
}

// refusal turns Telegram's refusals into a one-line reply for the bot
// called username about the chat where. Other errors (network, 5xx, 429)
// are not refusals.
func refusal(err error, username, where string) (string, bool) {
	var e *tgbotapi.Error
	if err == nil || !errors.As(err, &e) {
		return "", false
	}
	msg := e.Message
	switch {
	case strings.Contains(msg, "not enough rights"), strings.Contains(msg, "CHAT_ADMIN_REQUIRED"),
		strings.Contains(msg, "need administrator rights"), strings.Contains(msg, "have no rights"),
		e.Code == 403:
		return fmt.Sprintf("I need the “Invite users via link” admin right in %s: open the chat's settings → Administrators → @%s, turn on “Invite users via link”, and try again.", where, username), true
	case e.Code == 400:
		return "Telegram refused that: " + strings.TrimPrefix(msg, "Bad Request: ") + ".", true
	}
	return "", false
}

// chatName names the chat acted on in plain-text replies: "this chat" when
// the command came from it, else its title (or ID).
func chatName(acc middleware.Access, u *tgbotapi.Update) string {
	if c := bot.Chat(u); c != nil && c.ID == acc.Chat.ID {
		return "this chat"
	}
	if acc.Chat.Title != "" {
		return acc.Chat.Title
	}
	return strconv.FormatInt(acc.Chat.ID, 10)
}

// reply answers the update's message with HTML text.
func (h *Links) reply(ctx context.Context, u *tgbotapi.Update, text string) error {
	m := u.Message
	if m == nil || m.Chat == nil {
		return nil
	}
	_, err := bot.Send(ctx, h.api, bot.Message{ChatID: m.Chat.ID, Text: text, ReplyTo: m.MessageID})
	return err
}

// replyText answers with plain text (escaped here).
func (h *Links) replyText(ctx context.Context, u *tgbotapi.Update, text string) error {
	return h.reply(ctx, u, html.EscapeString(text))
}

func access(ctx context.Context) (middleware.Access, error) {
	acc, ok := middleware.AccessFrom(ctx)
	if !ok {
		return acc, errors.New("handler reached without an access check")
	}
	return acc, nil
}

func commandArgs(ctx context.Context) string {
	cmd, _ := bot.CommandFrom(ctx)
	return cmd.Args
}

// mistake answers a user's mistake in the arguments (an *ArgError) with its
// one-line message; any other error is returned.
func (h *Links) mistake(ctx context.Context, u *tgbotapi.Update, err error) error {
	var ae *ArgError
	if errors.As(err, &ae) {
		return h.replyText(ctx, u, ae.Msg)
	}
	return err
}

// answer replies with mistake, unless err, which it returns.
func (h *Links) answer(ctx context.Context, u *tgbotapi.Update, mistake string, err error) error {
	if err != nil {
		return err
	}
	return h.replyText(ctx, u, mistake)
}

func chatIDParam(id int64) string { return strconv.FormatInt(id, 10) }

func unixTime(sec int) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(int64(sec), 0).UTC()
}
