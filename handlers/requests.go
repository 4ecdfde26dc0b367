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

// RequestStore is what the join-request handlers need of the store.
type RequestStore interface {
	AddJoinRequest(ctx context.Context, r store.JoinRequest) error
	JoinRequest(ctx context.Context, chatID, userID int64) (store.JoinRequest, error)
	PendingJoinRequests(ctx context.Context, chatID int64) ([]store.JoinRequest, error)
	AnswerJoinRequest(ctx context.Context, chatID, userID int64, state store.RequestState, by int64, at time.Time) (store.JoinRequest, bool, error)
	RecordJoin(ctx context.Context, j store.Join) (counted bool, err error)
	LinkByURL(ctx context.Context, chatID int64, url string) (store.Link, error)
	NoteChat(ctx context.Context, id int64, typ, title, username string) error
}

// Requests handles join requests: it lists and answers them (/requests,
// /approve, /decline and their buttons), and counts joins through the
// bot's links (chat_member). The Gate keeps them as they come
// (chat_join_request).
type Requests struct {
	*Deps
	store RequestStore
	// changed, if set, is told when a request comes or is answered (the
	// notifier's outbox changed).
	changed func()
}

// OnChange makes h call f when a request comes or is answered.
func (h *Requests) OnChange(f func()) { h.changed = f }

func (h *Requests) change() {
	if h.changed != nil {
		h.changed()
	}
}

// NewRequests makes the join-request handlers.
func NewRequests(d *Deps, st RequestStore) *Requests { return &Requests{Deps: d, store: st} }

// maxRequestEntries bounds the requests on one page of /requests: each
// comes with two buttons, and Telegram allows 100 under a message.
const maxRequestEntries = 20

// OnChatMember counts a join through one of the bot's links and closes the
// user's pending request (store RecordJoin). Other membership changes
// change nothing here.
func (h *Requests) OnChatMember(ctx context.Context, u *bot.Update) error {
	cm := u.Member
	if cm == nil || u.Chat == nil || cm.New.User.ID == 0 || !isIn(cm.New.ChatMember) || isIn(cm.Old.ChatMember) {
		return nil
	}
	j := store.Join{
		ChatID: u.Chat.ID, UserID: cm.New.User.ID, InviteLink: cm.InviteLink,
		ViaRequest: cm.ViaJoinRequest, At: cm.Date,
		FirstName: cm.New.User.FirstName, LastName: cm.New.User.LastName, Username: cm.New.User.Username,
	}
	if u.From != nil {
		j.By = u.From.ID
		if j.ViaRequest {
			// An admin approved the request in Telegram: the record says who.
			ctx = store.WithCause(ctx, store.Cause{By: u.From.ID, Name: u.From.Name(), Via: store.ViaTelegram})
		}
	}
	if j.At.IsZero() {
		j.At = h.now()
	}
	counted, err := h.store.RecordJoin(ctx, j)
	if err != nil {
		return fmt.Errorf("record join: %w", err)
	}
	h.change()
	zerolog.Ctx(ctx).Debug().Bool("counted", counted).Bool("via_join_request", j.ViaRequest).Msg("join recorded")
	return nil
}

// isIn tells whether a chat member is in the chat.
func isIn(m bot.ChatMember) bool {
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
func (h *Requests) List(ctx context.Context, u *bot.Update) error {
	chat, _, err := target(u)
	if err != nil {
		return err
	}
	if args(u) != "" {
		return text.Err(text.Invalid, "requests.no_args")
	}
	reqs, err := h.store.PendingJoinRequests(ctx, chat.ID)
	if err != nil {
		return fmt.Errorf("pending join requests: %w", err)
	}
	if len(reqs) == 0 {
		return h.say(ctx, u, text.M("requests.none", "Chat", chatName(u)))
	}
	p := h.printer(ctx, u)
	entries := make([]string, len(reqs))
	for i, r := range reqs {
		if entries[i], err = h.describe(ctx, p, r); err != nil {
			return err
		}
	}
	pages := paginatePages(p, p.S("requests.title", "Chat", chat.Title), entries, maxRequestEntries)
	for i, pg := range pages {
		replyTo := 0
		if i == 0 {
			replyTo = u.Message.ID
		}
		rec := store.ButtonMessage{Kind: kindRequests, TargetID: chat.ID, Title: pageTitle(pg.text)}
		for _, r := range reqs[pg.first:pg.end] {
			rec.Items = append(rec.Items, r.UserID)
		}
		id, err := h.TG.Send(ctx, bot.Outgoing{ChatID: u.Chat.ID, Text: pg.text, ReplyTo: replyTo, Buttons: requestButtons(p, reqs[pg.first:pg.end])})
		if err != nil {
			return err
		}
		if err := h.remember(ctx, u.Chat.ID, id, rec); err != nil {
			return err
		}
	}
	return nil
}

// The kinds of the request messages with buttons.
const (
	kindRequests = "requests" // a page of /requests
	kindRequest  = "request"  // a notification of one request
)

// requestButtons are Approve and Decline for each pending request of reqs.
func requestButtons(p *text.Printer, reqs []store.JoinRequest) [][]bot.Button {
	var rows [][]bot.Button
	for _, r := range reqs {
		if r.State != store.RequestPending {
			continue
		}
		name := cut(requesterName(r), 24)
		rows = append(rows, []bot.Button{
			{Text: p.P("requests.approve_button", "Name", name), Data: requestButton("a", r.UserID)},
			{Text: p.P("requests.decline_button", "Name", name), Data: requestButton("d", r.UserID)},
		})
	}
	return rows
}

// describe is one request in HTML: who, through which link, when, and the bio.
func (h *Requests) describe(ctx context.Context, p *text.Printer, r store.JoinRequest) (string, error) {
	via, err := h.linkText(ctx, r)
	if err != nil {
		return "", err
	}
	m := text.M("requests.entry", "Name", fullName(r), "ID", r.UserID, "At", r.RequestedAt, "Via", via)
	if r.Username != "" {
		m.Data["Username"] = r.Username
	}
	if r.Bio != "" {
		m.Data["Bio"] = r.Bio
	}
	if r.Unreachable && r.State == store.RequestPending {
		return p.Sprint(m) + "\n" + p.S("requests.unreachable"), nil
	}
	return p.Sprint(m), nil
}

// linkText says which link a request came through.
func (h *Requests) linkText(ctx context.Context, r store.JoinRequest) (text.Msg, error) {
	if r.InviteLink == "" {
		return text.M("requests.via_none"), nil
	}
	l, err := h.store.LinkByURL(ctx, r.ChatID, r.InviteLink)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return text.M("requests.via_other"), nil
	case err != nil:
		return text.Msg{}, fmt.Errorf("find link: %w", err)
	}
	if l.Name != "" {
		return text.M("requests.via_named", "N", l.Number, "Name", l.Name), nil
	}
	return text.M("requests.via", "N", l.Number), nil
}

// Approve (/approve USER|all) approves pending join requests.
func (h *Requests) Approve(ctx context.Context, u *bot.Update) error {
	return h.answerCommand(ctx, u, true)
}

// Decline (/decline USER|all) declines pending join requests.
func (h *Requests) Decline(ctx context.Context, u *bot.Update) error {
	return h.answerCommand(ctx, u, false)
}

func (h *Requests) answerCommand(ctx context.Context, u *bot.Update, approve bool) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	cmd := "/decline"
	if approve {
		cmd = "/approve"
	}
	words := strings.Fields(args(u))
	if len(words) != 1 {
		return text.Err(text.Invalid, "requests.answer_usage", "Command", cmd)
	}
	if strings.EqualFold(words[0], "all") {
		return h.answerAll(ctx, u, approve)
	}
	r, found, err := h.findPending(ctx, chat.ID, words[0])
	if err != nil {
		return err
	}
	if !found {
		return text.Err(text.NotFound, "requests.not_pending", "Who", clip(words[0]), "Chat", chatName(u))
	}
	res, err := h.answerOne(ctx, chat.ID, actor.ID, r, approve)
	if err != nil {
		return h.refusal(ctx, u, err)
	}
	name := requesterName(r)
	switch {
	case res == handledElsewhere:
		return h.say(ctx, u, text.M("requests.handled_elsewhere", "Name", name))
	case approve:
		return h.say(ctx, u, text.M("requests.approved", "Name", name, "Chat", chat.Title))
	default:
		return h.say(ctx, u, text.M("requests.declined", "Name", name, "Chat", chat.Title))
	}
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
func (h *Requests) answerAll(ctx context.Context, u *bot.Update, approve bool) error {
	chat, actor := u.Target, u.Actor
	reqs, err := h.store.PendingJoinRequests(ctx, chat.ID)
	if err != nil {
		return fmt.Errorf("pending join requests: %w", err)
	}
	if len(reqs) == 0 {
		return text.Err(text.NotFound, "requests.none", "Chat", chatName(u))
	}
	var done, elsewhere, failed int
	var refused error
	for _, r := range reqs {
		if ctx.Err() != nil {
			failed += len(reqs) - done - elsewhere - failed
			break
		}
		res, err := h.answerOne(ctx, chat.ID, actor.ID, r, approve)
		switch {
		case errors.Is(err, bot.ErrNoRights), errors.Is(err, bot.ErrChatNotFound):
			refused = err // the rest would be refused too
		case err != nil:
			zerolog.Ctx(ctx).Warn().Err(err).Int64("answered_user_id", r.UserID).Msg("answering a join request failed")
			failed++
		case res == answered:
			done++
		default:
			elsewhere++
		}
		if refused != nil {
			break
		}
	}
	if refused != nil && done+elsewhere+failed == 0 {
		return h.refusal(ctx, u, refused)
	}
	p := h.printer(ctx, u)
	id := "requests.declined_all"
	if approve {
		id = "requests.approved_all"
	}
	parts := []string{p.S(id, "Count", done, "Chat", chat.Title)}
	if elsewhere > 0 {
		parts = append(parts, p.S("requests.elsewhere_all", "Count", elsewhere))
	}
	if failed > 0 {
		parts = append(parts, p.S("requests.failed_all", "Count", failed))
	}
	if refused != nil {
		parts = append(parts, p.Sprint(h.refusal(ctx, u, refused).(*text.Error).Msg))
	}
	return h.reply(ctx, u, strings.Join(parts, " "), nil)
}

// outcome is what became of an answer to a join request.
type outcome int

const (
	// answered: Telegram took the answer, and the store has it.
	answered outcome = iota
	// handledElsewhere: Telegram no longer has the request (another admin
	// answered it, or the user joined or withdrew it); the store has it gone.
	handledElsewhere
)

// answerOne approves or declines r with one call, and records the result.
func (h *Requests) answerOne(ctx context.Context, chatID, by int64, r store.JoinRequest, approve bool) (outcome, error) {
	call, state := h.TG.DeclineRequest, store.RequestDeclined
	if approve {
		call, state = h.TG.ApproveRequest, store.RequestApproved
	}
	res := answered
	switch err := call(ctx, chatID, r.UserID); {
	case err == nil:
	case errors.Is(err, bot.ErrRequestGone):
		res, state, by = handledElsewhere, store.RequestGone, 0
	default:
		return 0, err
	}
	if _, _, err := h.store.AnswerJoinRequest(ctx, r.ChatID, r.UserID, state, by, h.now()); err != nil {
		return 0, fmt.Errorf("store answer to a join request: %w", err)
	}
	h.change()
	zerolog.Ctx(ctx).Info().Int64("answered_user_id", r.UserID).Str("state", string(state)).Msg("join request answered")
	return res, nil
}

// Press handles the Approve and Decline buttons of /requests and of the
// notifications: it answers the request as the command would, answers the
// press, and shows the new state in the message.
func (h *Requests) Press(ctx context.Context, u *bot.Update) error {
	rec, err := h.record(ctx, u)
	if err != nil {
		return err
	}
	_, action, userID, ok := parseButton(u.Callback.Data)
	if !ok || (action != "a" && action != "d") || (rec.Kind != kindRequests && rec.Kind != kindRequest) || !slices.Contains(rec.Items, userID) {
		return text.Err(text.Invalid, "button.stale")
	}
	r, err := h.store.JoinRequest(ctx, rec.TargetID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return text.Err(text.Conflict, "requests.press_gone")
	}
	if err != nil {
		return fmt.Errorf("find join request: %w", err)
	}
	name := cut(requesterName(r), 32)
	var answer text.Msg
	switch {
	case r.State != store.RequestPending:
		answer = text.M("requests.press_answered", "State", stateText(r.State))
	default:
		res, err := h.answerOne(ctx, rec.TargetID, u.Actor.ID, r, action == "a")
		if err != nil {
			return h.refusal(ctx, u, err)
		}
		switch {
		case res == handledElsewhere:
			answer = text.M("requests.handled_elsewhere", "Name", name)
		case action == "a":
			answer = text.M("requests.press_approved", "Name", name)
		default:
			answer = text.M("requests.press_declined", "Name", name)
		}
	}
	if err := h.show(ctx, h.pagePrinter(ctx, u), u.Chat.ID, u.Callback.Message.ID, rec); err != nil {
		// The request is answered: say so even if the message stays.
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not show the new state")
	}
	return h.answerButton(ctx, u, answer, false)
}

// show shows a message of requests (a page of /requests, or a
// notification) as its requests are now: answered ones with what became of
// them, pending ones with their buttons.
func (h *Requests) show(ctx context.Context, p *text.Printer, chatID int64, msgID int, rec store.ButtonMessage) error {
	var reqs []store.JoinRequest
	var entries []string
	for _, id := range rec.Items {
		r, err := h.store.JoinRequest(ctx, rec.TargetID, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("find join request: %w", err)
		}
		e, err := h.describe(ctx, p, r)
		if err != nil {
			return err
		}
		if r.State != store.RequestPending {
			e += "\n" + p.S("requests.entry_answered", "State", stateText(r.State))
		}
		reqs = append(reqs, r)
		entries = append(entries, e)
	}
	err := h.TG.Edit(ctx, chatID, msgID, rec.Title+"\n\n"+strings.Join(entries, "\n\n"), requestButtons(p, reqs))
	if errors.Is(err, bot.ErrMessageGone) {
		return nil
	}
	return err
}

// stateText says what became of a request.
func stateText(s store.RequestState) text.Msg {
	return text.M("requests.state." + string(s))
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
