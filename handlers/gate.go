package handlers

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/fnv"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// GateStore is what gatekeeping needs of the store.
type GateStore interface {
	ChatSettingsStore
	RequestStore
	store.Verifications
	Chat(ctx context.Context, id int64) (store.Chat, error)
}

// GuardTelegram is what gatekeeping asks of Telegram beyond Telegram: the
// answers of a guard bot (Bot API 10.1).
type GuardTelegram interface {
	AnswerJoinQuery(ctx context.Context, queryID string, result bot.JoinQueryResult) error
	ShowJoinWebApp(ctx context.Context, queryID, url string) error
}

// GateObserver is told what becomes of join requests, for metrics.
type GateObserver interface {
	// JoinRequest counts an outcome (the Outcome constants).
	JoinRequest(outcome string)
	// GuardAnswer times a guard bot's answer to a join request query,
	// from the update's arrival.
	GuardAnswer(took time.Duration)
}

// What becomes of a join request, as GateObserver counts it.
const (
	OutcomeApproved    = "approved"    // approved by the bot (auto) or through it (an admin)
	OutcomeDeclined    = "declined"    // declined by the bot (closed) or through it (an admin)
	OutcomeQueued      = "queued"      // left to the admins (manual)
	OutcomeVerified    = "verified"    // passed the check, approved
	OutcomeFailed      = "failed"      // failed the check, declined
	OutcomeTimedOut    = "timed_out"   // did not answer the check in time, declined
	OutcomeUnreachable = "unreachable" // the check could not be delivered; left to the admins
)

// Outcomes are the outcomes GateObserver counts, for metrics to start at zero.
var Outcomes = []string{OutcomeApproved, OutcomeDeclined, OutcomeQueued, OutcomeVerified, OutcomeFailed, OutcomeTimedOut, OutcomeUnreachable}

// VerifyButtons is the prefix of the four buttons of a check: "vf:" CHAT
// ":" INDEX. They need no record: only the requester whose check it is can
// press them (the message is in their private chat), and the store's
// verification of (CHAT, presser) says which is right.
const VerifyButtons = "vf:"

// Limits of the gatekeeping settings (PRODUCT.md §2, §6).
const (
	minVerifyWait = time.Minute
	maxVerifyWait = 24 * time.Hour
	maxRulesLen   = 1000 // characters
)

// Gate decides what happens to join requests (/joinmode, a link's join=):
// it answers them at once (auto, closed), leaves them to the admins
// (manual), or checks the requester first (verify), by a private message
// with four buttons or, for a guard bot's request when the bot has a
// public address, by the verification page. It answers a guard bot's
// queries within Telegram's 10 seconds, and keeps every pending check in
// the store so that it survives a restart.
type Gate struct {
	*Deps
	worker
	store    GateStore
	guard    GuardTelegram
	requests *Requests
	// pageURL is where the verification page is reached, ending in
	// "/verify/"; "" when the bot has no public address.
	pageURL string
	obs     GateObserver

	caught   chan struct{} // closed once the loop caught up (CaughtUp)
	caughtUp sync.Once
	// finishing serialises the finishing of each request's check (by
	// chat and requester, striped).
	finishing [64]sync.Mutex
}

// NewGate makes the gatekeeping. pageURL is the public address of the
// verification page ("" for none); obs may be nil.
func NewGate(d *Deps, st GateStore, guard GuardTelegram, requests *Requests, pageURL string, obs GateObserver) *Gate {
	if obs == nil {
		obs = nopGateObserver{}
	}
	return &Gate{Deps: d, store: st, guard: guard, requests: requests, pageURL: pageURL, obs: obs,
		worker: newWorker(gateIdle), caught: make(chan struct{})}
}

type nopGateObserver struct{}

func (nopGateObserver) JoinRequest(string)        {}
func (nopGateObserver) GuardAnswer(time.Duration) {}

// CaughtUp tells the gate that the updates that waited for the bot at its
// start are handled: the presses among them are in, so deadlines that
// passed while the bot was down may now decline. (bot.Options.CaughtUp.)
func (g *Gate) CaughtUp() {
	g.caughtUp.Do(func() { close(g.caught) })
	g.Wake()
}

func (g *Gate) isCaughtUp() bool {
	select {
	case <-g.caught:
		return true
	default:
		return false
	}
}

// JoinMode (/joinmode [manual|auto|verify [WAIT]|closed]) shows or sets
// what happens to the chat's join requests.
func (g *Gate) JoinMode(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	s, err := g.store.ChatSettings(ctx, chat.ID)
	if err != nil {
		return fmt.Errorf("chat settings: %w", err)
	}
	words := strings.Fields(args(u))
	if len(words) == 0 {
		return g.say(ctx, u, joinModeText("joinmode.is_", s, chatName(u)))
	}
	mode := store.JoinMode(strings.ToLower(words[0]))
	wait := time.Duration(0)
	switch {
	case mode != store.JoinManual && mode != store.JoinAuto && mode != store.JoinVerify && mode != store.JoinClosed:
		return text.Err(text.Invalid, "joinmode.usage")
	case len(words) > 2 || len(words) == 2 && mode != store.JoinVerify:
		return text.Err(text.Invalid, "joinmode.usage")
	case len(words) == 2:
		if wait, err = ParseWait(words[1]); err != nil {
			return err
		}
	}
	s.JoinMode, s.VerifyWait, s.UpdatedBy, s.UpdatedAt = mode, wait, actor.ID, g.now()
	if err := g.store.SaveChatSettings(ctx, s); err != nil {
		return fmt.Errorf("save chat settings: %w", err)
	}
	zerolog.Ctx(ctx).Info().Str("join_mode", string(mode)).Dur("verify_wait", wait).Msg("join mode set")
	return g.say(ctx, u, joinModeText("joinmode.set_", s, chatName(u)))
}

// joinModeText says a chat's join mode: prefix "joinmode.is_" or
// "joinmode.set_" and the mode.
func joinModeText(prefix string, s store.ChatSettings, chat any) text.Msg {
	mode := s.JoinMode
	if mode == "" {
		mode = store.JoinManual
	}
	return text.M(prefix+string(mode), "Chat", chat, "Wait", FormatWait(verifyWait(s)))
}

// verifyWait is how long the chat's checks wait.
func verifyWait(s store.ChatSettings) time.Duration {
	if s.VerifyWait <= 0 {
		return store.DefaultVerifyWait
	}
	return s.VerifyWait
}

// ParseWait parses WAIT: a duration of minutes and hours (10m, 1h30m, 2h)
// from 1m to 24h.
func ParseWait(s string) (time.Duration, error) {
	d, ok := parseDuration(s)
	if !ok || d < minVerifyWait || d > maxVerifyWait || d%time.Minute != 0 {
		return 0, argErr("joinmode.wait", "Wait", clip(s))
	}
	return d, nil
}

// FormatWait writes a wait as WAIT is typed: 10m, 2h, 1h30m.
func FormatWait(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return strconv.Itoa(m) + "m"
	case m == 0:
		return strconv.Itoa(h) + "h"
	}
	return strconv.Itoa(h) + "h" + strconv.Itoa(m) + "m"
}

// Rules (/rules [TEXT|off]) shows, sets or removes the rules a requester
// is shown in verify mode.
func (g *Gate) Rules(ctx context.Context, u *bot.Update) error {
	chat, actor, err := target(u)
	if err != nil {
		return err
	}
	s, err := g.store.ChatSettings(ctx, chat.ID)
	if err != nil {
		return fmt.Errorf("chat settings: %w", err)
	}
	rules := strings.TrimSpace(args(u))
	switch {
	case rules == "" && s.Rules == "":
		return g.say(ctx, u, text.M("rules.none", "Chat", chatName(u)))
	case rules == "":
		return g.say(ctx, u, text.M("rules.show", "Chat", chatName(u), "Rules", s.Rules))
	case strings.EqualFold(rules, "off"):
		rules = ""
	case !utf8.ValidString(rules):
		return text.Err(text.Invalid, "rules.invalid")
	case utf8.RuneCountInString(rules) > maxRulesLen:
		return text.Err(text.Invalid, "rules.too_long", "Max", maxRulesLen, "Count", utf8.RuneCountInString(rules))
	}
	s.Rules, s.UpdatedBy, s.UpdatedAt = rules, actor.ID, g.now()
	if err := g.store.SaveChatSettings(ctx, s); err != nil {
		return fmt.Errorf("save chat settings: %w", err)
	}
	if rules == "" {
		return g.say(ctx, u, text.M("rules.removed", "Chat", chatName(u)))
	}
	return g.say(ctx, u, text.M("rules.set", "Chat", chatName(u), "Rules", rules))
}

// OnJoinRequest keeps a chat_join_request and does what the chat's join
// mode, or the link's, says. A guard bot's request is answered first
// thing after it is stored.
func (g *Gate) OnJoinRequest(ctx context.Context, u *bot.Update) error {
	jr := u.JoinRequest
	if jr == nil || u.Chat == nil || u.From == nil {
		return nil
	}
	at := jr.Date
	if at.IsZero() {
		at = g.now()
	}
	settings, err := g.store.ChatSettings(ctx, u.Chat.ID)
	if err != nil {
		return fmt.Errorf("chat settings: %w", err)
	}
	mode, err := g.modeOf(ctx, u.Chat.ID, jr.InviteLink, settings)
	if err != nil {
		return err
	}
	stored := false
	if u.Replayed {
		// Handed back by the journal: if the first run answered the
		// request, it is done; if it stored it, it goes on from there, in
		// the mode it was stored in. Stored again, the request would lose
		// what the first run learned ("not reachable").
		prev, err := g.store.JoinRequest(ctx, u.Chat.ID, u.From.ID)
		if err == nil && prev.RequestedAt.Equal(at) {
			if prev.State != store.RequestPending {
				return nil
			}
			stored = true
			if prev.Mode != "" {
				mode = prev.Mode
			}
		}
	}
	req := store.JoinRequest{
		ChatID: u.Chat.ID, UserID: u.From.ID,
		FirstName: u.From.FirstName, LastName: u.From.LastName, Username: u.From.Username,
		Bio: jr.Bio, InviteLink: jr.InviteLink, UserChatID: jr.UserChatID, RequestedAt: at,
		QueryID: jr.QueryID, Mode: mode,
	}
	if !stored {
		// The chat's title, for the notifications and the checks, even if
		// the bot was made an admin before it kept records.
		if err := g.store.NoteChat(ctx, u.Chat.ID, u.Chat.Type, u.Chat.Title, u.Chat.Username); err != nil {
			return fmt.Errorf("note chat: %w", err)
		}
		if err := g.store.AddJoinRequest(ctx, req); err != nil {
			return fmt.Errorf("store join request: %w", err)
		}
		zerolog.Ctx(ctx).Info().Str("join_mode", string(mode)).Bool("guard", jr.QueryID != "").Msg("join request stored")
	}
	switch mode {
	case store.JoinAuto, store.JoinClosed:
		approve := mode == store.JoinAuto
		res, err := g.settle(ctx, u, req, approve)
		if err != nil {
			return err
		}
		if res == answered { // not one answered elsewhere first
			g.obs.JoinRequest(map[bool]string{true: OutcomeApproved, false: OutcomeDeclined}[approve])
		}
	case store.JoinVerify:
		return g.startCheck(ctx, u, req, settings)
	default:
		g.queue(ctx, u, req)
		g.obs.JoinRequest(OutcomeQueued)
		g.requests.change() // the notifications outbox
	}
	return nil
}

// modeOf is the join mode of a request through url: the link's own, else
// the chat's.
func (g *Gate) modeOf(ctx context.Context, chatID int64, url string, s store.ChatSettings) (store.JoinMode, error) {
	if url != "" {
		l, err := g.store.LinkByURL(ctx, chatID, url)
		switch {
		case err == nil && l.JoinMode != "":
			return l.JoinMode, nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return "", fmt.Errorf("find link: %w", err)
		}
	}
	if s.JoinMode == "" {
		return store.JoinManual, nil
	}
	return s.JoinMode, nil
}

// queue leaves a guard bot's request to the admins (a request that is not
// a guard bot's waits for them anyway). A query that can no longer be
// answered went to the admins by itself.
func (g *Gate) queue(ctx context.Context, u *bot.Update, req store.JoinRequest) {
	if req.QueryID == "" {
		return
	}
	err := g.guard.AnswerJoinQuery(ctx, req.QueryID, bot.JoinQueue)
	g.timeGuard(u)
	if err != nil && !errors.Is(err, bot.ErrQueryGone) {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not answer the guard query with queue; Telegram queues it after 10 seconds")
	}
}

// timeGuard tells the observer how long a guard bot's answer took, from
// the update's arrival.
func (g *Gate) timeGuard(u *bot.Update) {
	if u != nil && !u.Received.IsZero() {
		g.obs.GuardAnswer(time.Since(u.Received))
	}
}

// settle approves or declines req as the bot: through its guard query
// while Telegram takes it, else with approve/declineChatJoinRequest; and
// records the answer. u is the update of the request when answering it
// as it comes (nil otherwise), for the guard's timing.
func (g *Gate) settle(ctx context.Context, u *bot.Update, req store.JoinRequest, approve bool) (outcome, error) {
	state, res := store.RequestDeclined, answered
	if approve {
		state = store.RequestApproved
	}
	// The record: the request's join mode answered, no person.
	ctx = store.WithCause(ctx, store.Cause{Via: string(req.Mode)})
	asked := false
	if req.QueryID != "" {
		result := bot.JoinDecline
		if approve {
			result = bot.JoinApprove
		}
		err := g.guard.AnswerJoinQuery(ctx, req.QueryID, result)
		g.timeGuard(u)
		switch {
		case err == nil:
			asked = true
		case errors.Is(err, bot.ErrQueryGone):
			// Too late or answered already: the request went to the
			// admins' queue, where the plain answer reaches it.
		default:
			return 0, err
		}
	}
	if !asked {
		call := g.TG.DeclineRequest
		if approve {
			call = g.TG.ApproveRequest
		}
		switch err := call(ctx, req.ChatID, req.UserID); {
		case err == nil:
		case errors.Is(err, bot.ErrRequestGone):
			res, state = handledElsewhere, store.RequestGone
		default:
			return 0, err
		}
	}
	if _, _, err := g.store.AnswerJoinRequest(ctx, req.ChatID, req.UserID, state, 0, g.now()); err != nil {
		return 0, fmt.Errorf("store answer to a join request: %w", err)
	}
	g.requests.change()
	zerolog.Ctx(ctx).Info().Int64("answered_user_id", req.UserID).Str("state", string(state)).Msg("join request answered by the bot")
	return res, nil
}

// startCheck begins the verification of req: by the page, for a guard
// bot's request when the bot has a public address; else by a private
// message, which the worker sends (Run).
func (g *Gate) startCheck(ctx context.Context, u *bot.Update, req store.JoinRequest, s store.ChatSettings) error {
	v := store.Verification{
		ChatID: req.ChatID, UserID: req.UserID, RequestedAt: req.RequestedAt, UserChatID: req.UserChatID,
		Language: u.From.LanguageCode, Answer: mrand.IntN(4),
		Deadline: g.now().Add(verifyWait(s)), Via: store.ViaMessage,
	}
	if req.QueryID != "" && g.pageURL != "" {
		v.Via, v.Token = store.ViaPage, rand.Text()
	}
	v, _, err := g.store.AddVerification(ctx, v)
	if err != nil {
		return fmt.Errorf("store verification: %w", err)
	}
	if v.State != store.VerifyPending {
		return nil // handled in an earlier run
	}
	if v.Via == store.ViaPage {
		err := g.guard.ShowJoinWebApp(ctx, req.QueryID, g.pageURL+v.Token)
		g.timeGuard(u)
		if err == nil {
			return nil
		}
		// No page: the check goes by message, and the request waits
		// for it in the admins' queue.
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not show the verification page; checking by private message")
		if err := g.store.VerifyByMessage(ctx, v); err != nil {
			return fmt.Errorf("check by message: %w", err)
		}
	}
	g.queue(ctx, u, req)
	if req.UserChatID == 0 {
		// No way to write to the requester: the admins answer.
		return g.unreachable(ctx, v)
	}
	g.Wake()
	return nil
}

// unreachable ends v as undeliverable: the request waits for the admins,
// who hear of it.
func (g *Gate) unreachable(ctx context.Context, v store.Verification) error {
	_, ended, err := g.store.EndVerification(ctx, v, store.VerifyUnreachable, g.now())
	if err != nil {
		return fmt.Errorf("end verification: %w", err)
	}
	if ended {
		g.obs.JoinRequest(OutcomeUnreachable)
		g.requests.change()
		zerolog.Ctx(ctx).Info().Int64("requester_id", v.UserID).Msg("the check could not be delivered; the request waits for the admins")
	}
	return nil
}

// checkItems are the things a check names, one of them right: a button
// shows the picture, the message names the thing in words, so a person
// matches them and a script that reads the buttons does not.
var checkItems = []struct{ id, emoji string }{
	{"verify.item.apple", "🍎"}, {"verify.item.banana", "🍌"}, {"verify.item.grapes", "🍇"},
	{"verify.item.cherries", "🍒"}, {"verify.item.lemon", "🍋"}, {"verify.item.pear", "🍐"},
	{"verify.item.strawberry", "🍓"}, {"verify.item.watermelon", "🍉"},
}

// itemsOf are the four things of v's buttons, in their order: chosen from
// checkItems by v's request, so the same check shows the same buttons.
func itemsOf(v store.Verification) []int {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d:%d:%d", v.ChatID, v.UserID, v.RequestedAt.Unix())
	r := mrand.New(mrand.NewPCG(h.Sum64(), 0x1badc0de))
	return r.Perm(len(checkItems))[:4]
}

func verifyButton(chatID int64, i int) string {
	return VerifyButtons + strconv.FormatInt(chatID, 10) + ":" + strconv.Itoa(i)
}
