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
	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/middleware"
	"github.com/invitebot/invitebot/store"
)

// RequestStore is what the join-request handlers need of the store.
type RequestStore interface {
	store.JoinRequests
	LinkByURL(ctx context.Context, chatID int64, url string) (store.Link, error)
}

// Requests handles join requests: it keeps them as they come
// (chat_join_request), lists and answers them (/requests, /approve,
// /decline and their buttons), and counts joins through the bot's links
// (chat_member).
type Requests struct {
	api      bot.Caller
	store    RequestStore
	username string
	now      func() time.Time
}

// NewRequests makes the join-request handlers for the bot called username.
// now is the clock (time.Now if nil).
func NewRequests(api bot.Caller, st RequestStore, username string, now func() time.Time) *Requests {
	if now == nil {
		now = time.Now
	}
	return &Requests{api: api, store: st, username: username, now: now}
}

// maxRequestEntries bounds the requests on one page of /requests: each
// comes with two buttons, and Telegram allows 100 under a message.
const maxRequestEntries = 20

// OnJoinRequest stores a chat_join_request as a pending request.
func (h *Requests) OnJoinRequest(ctx context.Context, u *tgbotapi.Update) error {
	r := u.ChatJoinRequest
	if r == nil {
		return nil
	}
	at := time.Unix(int64(r.Date), 0).UTC()
	if r.Date == 0 {
		at = h.now().UTC()
	}
	req := store.JoinRequest{
		ChatID:      r.Chat.ID,
		UserID:      r.From.ID,
		FirstName:   r.From.FirstName,
		LastName:    r.From.LastName,
		Username:    r.From.UserName,
		Bio:         r.Bio,
		RequestedAt: at,
	}
	if r.InviteLink != nil {
		req.InviteLink = r.InviteLink.InviteLink
	}
	if x := updateExtras(ctx).ChatJoinRequest; x != nil {
		req.UserChatID = x.UserChatID
	}
	if err := h.store.AddJoinRequest(ctx, req); err != nil {
		return fmt.Errorf("store join request: %w", err)
	}
	zerolog.Ctx(ctx).Info().Int64("chat_id", req.ChatID).Int64("user_id", req.UserID).Msg("join request stored")
	return nil
}

// OnChatMember counts a join through one of the bot's links and closes the
// user's pending request (store.JoinRequests.RecordJoin). Other membership
// changes change nothing here.
func (h *Requests) OnChatMember(ctx context.Context, u *tgbotapi.Update) error {
	cm := u.ChatMember
	if cm == nil || cm.NewChatMember.User == nil || !isIn(cm.NewChatMember) || isIn(cm.OldChatMember) {
		return nil
	}
	j := store.Join{
		ChatID: cm.Chat.ID,
		UserID: cm.NewChatMember.User.ID,
		By:     cm.From.ID,
		At:     time.Unix(int64(cm.Date), 0).UTC(),
	}
	if cm.Date == 0 {
		j.At = h.now().UTC()
	}
	if cm.InviteLink != nil {
		j.InviteLink = cm.InviteLink.InviteLink
	}
	if x := updateExtras(ctx).ChatMember; x != nil {
		j.ViaRequest = x.ViaJoinRequest
	}
	counted, err := h.store.RecordJoin(ctx, j)
	if err != nil {
		return fmt.Errorf("record join: %w", err)
	}
	zerolog.Ctx(ctx).Debug().Bool("counted", counted).Bool("via_join_request", j.ViaRequest).Msg("join recorded")
	return nil
}

// isIn tells whether a chat member is in the chat.
func isIn(m tgbotapi.ChatMember) bool {
	switch m.Status {
	case "creator", "administrator", "member":
		return true
	case "restricted":
		return m.IsMember
	}
	return false
}

// List (/requests) lists the chat's pending join requests, each with
// Approve and Decline buttons.
func (h *Requests) List(ctx context.Context, u *tgbotapi.Update) error {
	acc, err := access(ctx)
	if err != nil {
		return err
	}
	m := u.Message
	if m == nil || m.Chat == nil {
		return nil
	}
	if commandArgs(ctx) != "" {
		return h.replyText(ctx, u, "/requests takes no arguments: send just /requests. To answer one, use /approve USER or /decline USER.")
	}
	reqs, err := h.store.PendingJoinRequests(ctx, acc.Chat.ID)
	if err != nil {
		return fmt.Errorf("pending join requests: %w", err)
	}
	if len(reqs) == 0 {
		return h.replyText(ctx, u, fmt.Sprintf("There are no pending join requests in %s.", chatName(acc, u)))
	}
	entries := make([]string, len(reqs))
	for i, r := range reqs {
		if entries[i], err = h.describe(ctx, r); err != nil {
			return err
		}
	}
	title := "Pending join requests"
	if acc.Chat.Title != "" {
		title += " in <b>" + html.EscapeString(acc.Chat.Title) + "</b>"
	}
	for i, p := range paginatePages(title+":", entries, maxRequestEntries) {
		replyTo := 0
		if i == 0 {
			replyTo = m.MessageID
		}
		var buttons [][]bot.Button
		for _, r := range reqs[p.first:p.end] {
			name := cut(requesterName(r), 24)
			buttons = append(buttons, []bot.Button{
				{Text: "Approve " + name, Data: buttonData(RequestButtons, "a", r.ChatID, r.UserID)},
				{Text: "Decline " + name, Data: buttonData(RequestButtons, "d", r.ChatID, r.UserID)},
			})
		}
		if _, err := bot.Send(ctx, h.api, bot.Message{ChatID: m.Chat.ID, Text: p.text, ReplyTo: replyTo, Buttons: buttons}); err != nil {
			return err
		}
	}
	return nil
}

// describe is one request in HTML: who, through which link, when, and the bio.
func (h *Requests) describe(ctx context.Context, r store.JoinRequest) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "<b>%s</b>", html.EscapeString(fullName(r)))
	if r.Username != "" {
		fmt.Fprintf(&b, " @%s", html.EscapeString(r.Username))
	}
	fmt.Fprintf(&b, " · ID <code>%d</code>\n", r.UserID)
	via, err := h.linkText(ctx, r)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "asked %s · %s", r.RequestedAt.UTC().Format(timeLayout), via)
	if r.Bio != "" {
		fmt.Fprintf(&b, "\nbio: “%s”", html.EscapeString(r.Bio))
	}
	return b.String(), nil
}

// linkText says which link a request came through (HTML).
func (h *Requests) linkText(ctx context.Context, r store.JoinRequest) (string, error) {
	if r.InviteLink == "" {
		return "without a link", nil
	}
	l, err := h.store.LinkByURL(ctx, r.ChatID, r.InviteLink)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "through another admin's link", nil
	case err != nil:
		return "", fmt.Errorf("find link: %w", err)
	}
	if l.Name != "" {
		return fmt.Sprintf("through #%d “%s”", l.Number, html.EscapeString(l.Name)), nil
	}
	return fmt.Sprintf("through #%d", l.Number), nil
}

// Approve (/approve USER|all) approves pending join requests.
func (h *Requests) Approve(ctx context.Context, u *tgbotapi.Update) error {
	return h.answerCommand(ctx, u, true)
}

// Decline (/decline USER|all) declines pending join requests.
func (h *Requests) Decline(ctx context.Context, u *tgbotapi.Update) error {
	return h.answerCommand(ctx, u, false)
}

func (h *Requests) answerCommand(ctx context.Context, u *tgbotapi.Update, approve bool) error {
	acc, err := access(ctx)
	if err != nil {
		return err
	}
	cmd := "/decline"
	if approve {
		cmd = "/approve"
	}
	args := strings.Fields(commandArgs(ctx))
	if len(args) != 1 {
		return h.replyText(ctx, u, fmt.Sprintf("Say whose request: %s USER, with the user's ID or @username from /requests, or %s all, e.g. %s all.", cmd, cmd, cmd))
	}
	if strings.EqualFold(args[0], "all") {
		return h.answerAll(ctx, u, acc, approve)
	}
	r, found, err := h.findPending(ctx, acc.Chat.ID, args[0])
	if err != nil {
		return err
	}
	if !found {
		return h.replyText(ctx, u, fmt.Sprintf("There is no pending join request from %s in %s. /requests lists them.", args[0], chatName(acc, u)))
	}
	res, text, err := h.answerOne(ctx, acc, r, approve)
	if err != nil {
		return err
	}
	name := requesterName(r)
	switch res {
	case answered:
		if approve {
			text = fmt.Sprintf("Approved %s's request: they are in %s now.", name, acc.Chat.Title)
		} else {
			text = fmt.Sprintf("Declined %s's request to join %s.", name, acc.Chat.Title)
		}
	case handledElsewhere:
		text = fmt.Sprintf("%s's request was handled already, by another admin or because they joined, so I took it off the list.", name)
	}
	return h.replyText(ctx, u, text)
}

// findPending finds the pending request that who names: a user ID or @username.
func (h *Requests) findPending(ctx context.Context, chatID int64, who string) (store.JoinRequest, bool, error) {
	if id, err := strconv.ParseInt(who, 10, 64); err == nil {
		r, err := h.store.JoinRequest(ctx, chatID, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return r, false, nil
		case err != nil:
			return r, false, fmt.Errorf("find join request: %w", err)
		}
		return r, r.State == store.RequestPending, nil
	}
	name, ok := strings.CutPrefix(who, "@")
	if !ok || name == "" {
		return store.JoinRequest{}, false, nil
	}
	reqs, err := h.store.PendingJoinRequests(ctx, chatID)
	if err != nil {
		return store.JoinRequest{}, false, fmt.Errorf("pending join requests: %w", err)
	}
	for _, r := range reqs {
		if strings.EqualFold(r.Username, name) {
			return r, true, nil
		}
	}
	return store.JoinRequest{}, false, nil
}

// answerAll answers every pending request of the chat, one call each.
func (h *Requests) answerAll(ctx context.Context, u *tgbotapi.Update, acc middleware.Access, approve bool) error {
	reqs, err := h.store.PendingJoinRequests(ctx, acc.Chat.ID)
	if err != nil {
		return fmt.Errorf("pending join requests: %w", err)
	}
	if len(reqs) == 0 {
		return h.replyText(ctx, u, fmt.Sprintf("There are no pending join requests in %s.", chatName(acc, u)))
	}
	var done, elsewhere, failed int
	refused := ""
	for _, r := range reqs {
		if ctx.Err() != nil {
			failed += len(reqs) - done - elsewhere - failed
			break
		}
		res, text, err := h.answerOne(ctx, acc, r, approve)
		switch {
		case err != nil:
			zerolog.Ctx(ctx).Warn().Err(err).Int64("user_id", r.UserID).Msg("answering a join request failed")
			failed++
		case res == answered:
			done++
		case res == handledElsewhere:
			elsewhere++
		default:
			refused = text
		}
		if refused != "" {
			break
		}
	}
	if refused != "" && done+elsewhere+failed == 0 {
		return h.replyText(ctx, u, refused)
	}
	verb := "Declined"
	if approve {
		verb = "Approved"
	}
	parts := []string{fmt.Sprintf("%s %s in %s.", verb, plural(done, "request", "requests"), acc.Chat.Title)}
	if elsewhere > 0 {
		parts = append(parts, fmt.Sprintf("%s handled already (by another admin, or the user joined) and left the list.", plural(elsewhere, "was", "were")))
	}
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%s failed because Telegram did not answer; send the command again to retry.", plural(failed, "", "")))
	}
	if refused != "" {
		parts = append(parts, "Then Telegram refused: "+refused)
	}
	return h.replyText(ctx, u, strings.Join(parts, " "))
}

// plural writes n with the singular or plural word: "1 request", "2 requests".
// With empty words it is just n.
func plural(n int, one, many string) string {
	w := many
	if n == 1 {
		w = one
	}
	return strings.TrimSpace(fmt.Sprintf("%d %s", n, w))
}

// outcome is what became of an answer to a join request.
type outcome int

const (
	// answered: Telegram took the answer, and the store has it.
	answered outcome = iota
	// handledElsewhere: Telegram no longer has the request (another admin
	// answered it, or the user joined or withdrew it); the store has it gone.
	handledElsewhere
	// refusedByTelegram: Telegram refused (no right); nothing changed.
	refusedByTelegram
)

// answerOne approves or declines r with one call, and records the result.
// For refusedByTelegram, text is the one-line reply.
func (h *Requests) answerOne(ctx context.Context, acc middleware.Access, r store.JoinRequest, approve bool) (outcome, string, error) {
	method, state := "declineChatJoinRequest", store.RequestDeclined
	if approve {
		method, state = "approveChatJoinRequest", store.RequestApproved
	}
	err := h.api.Call(ctx, method, tgbotapi.Params{
		"chat_id": chatIDParam(acc.Chat.ID),
		"user_id": strconv.FormatInt(r.UserID, 10),
	}, nil)
	res, by := answered, acc.User.ID
	switch {
	case err == nil:
	case requestGone(err):
		res, state, by = handledElsewhere, store.RequestGone, 0
	default:
		if text, ok := refusal(err, h.username, acc.Chat.Title); ok {
			return refusedByTelegram, text, nil
		}
		return 0, "", fmt.Errorf("%s: %w", method, err)
	}
	if _, _, err := h.store.AnswerJoinRequest(ctx, r.ChatID, r.UserID, state, by, h.now().UTC()); err != nil {
		return 0, "", fmt.Errorf("store answer to a join request: %w", err)
	}
	zerolog.Ctx(ctx).Info().Int64("chat_id", r.ChatID).Int64("user_id", r.UserID).Str("state", string(state)).Msg("join request answered")
	return res, "", nil
}

// requestGone reports Telegram's answers for a request that someone else
// handled: it no longer exists, or the user is in the chat already.
func requestGone(err error) bool {
	var e *tgbotapi.Error
	return errors.As(err, &e) && e.Code == 400 &&
		(strings.Contains(e.Message, "HIDE_REQUESTER_MISSING") || strings.Contains(e.Message, "USER_ALREADY_PARTICIPANT"))
}

// Press handles the Approve and Decline buttons of /requests: it answers
// the request as the command would, answers the press, and replaces the
// request's buttons with what happened.
func (h *Requests) Press(ctx context.Context, u *tgbotapi.Update) error {
	acc, err := access(ctx)
	if err != nil {
		return err
	}
	q := u.CallbackQuery
	answer := func(text string, alert bool) error {
		return bot.AnswerCallback(ctx, h.api, q.ID, cut(text, 200), alert)
	}
	_, action, chatID, userID, ok := parseButton(q.Data)
	if !ok || (action != "a" && action != "d") || chatID != acc.Chat.ID {
		return answer("This button no longer works.", false)
	}
	// settle leaves the request's row with one button that says label,
	// and answers the press with text (once the message shows it).
	settle := func(text, label string) error {
		data := q.Data
		if err := editButtons(ctx, h.api, q, func(row []bot.Button) []bot.Button {
			if !hasData(row, data) {
				return row
			}
			return []bot.Button{{Text: cut(label, 48), Data: row[0].Data}}
		}); err != nil {
			// The request is answered: say so even if the buttons stay.
			zerolog.Ctx(ctx).Warn().Err(err).Msg("could not update the buttons")
		}
		return answer(text, false)
	}
	r, err := h.store.JoinRequest(ctx, chatID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return answer("This request is no longer pending.", false)
	}
	if err != nil {
		return fmt.Errorf("find join request: %w", err)
	}
	name := cut(requesterName(r), 32)
	if r.State != store.RequestPending {
		return settle(fmt.Sprintf("This request is no longer pending: %s.", stateText(r.State)), name+": "+stateText(r.State))
	}
	res, text, err := h.answerOne(ctx, acc, r, action == "a")
	if err != nil {
		return err
	}
	by := cut(displayName(acc.User), 24)
	switch {
	case res == refusedByTelegram:
		return answer(text, true)
	case res == handledElsewhere:
		return settle(fmt.Sprintf("%s's request was handled already, by another admin or because they joined; it left the list.", name), name+": handled elsewhere")
	case action == "a":
		return settle(fmt.Sprintf("Approved %s.", name), fmt.Sprintf("✓ %s approved by %s", name, by))
	default:
		return settle(fmt.Sprintf("Declined %s.", name), fmt.Sprintf("✗ %s declined by %s", name, by))
	}
}

// stateText says what became of a request.
func stateText(s store.RequestState) string {
	switch s {
	case store.RequestApproved:
		return "approved"
	case store.RequestDeclined:
		return "declined"
	case store.RequestGone:
		return "handled elsewhere"
	}
	return string(s)
}

// requesterName is how replies name a requester: @username, else the name.
func requesterName(r store.JoinRequest) string {
	if r.Username != "" {
		return "@" + r.Username
	}
	return fullName(r)
}

func fullName(r store.JoinRequest) string {
	if r.LastName != "" {
		return r.FirstName + " " + r.LastName
	}
	if r.FirstName == "" {
		return strconv.FormatInt(r.UserID, 10)
	}
	return r.FirstName
}

// displayName is how replies name a user.
func displayName(u tgbotapi.User) string {
	if u.UserName != "" {
		return "@" + u.UserName
	}
	if u.LastName != "" {
		return u.FirstName + " " + u.LastName
	}
	return u.FirstName
}

// replyText answers the update's message with plain text (escaped here).
func (h *Requests) replyText(ctx context.Context, u *tgbotapi.Update, text string) error {
	m := u.Message
	if m == nil || m.Chat == nil {
		return nil
	}
	_, err := bot.Send(ctx, h.api, bot.Message{ChatID: m.Chat.ID, Text: html.EscapeString(text), ReplyTo: m.MessageID})
	return err
}
