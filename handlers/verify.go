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

// How the gate's worker goes about its work.
const (
	// gateBatch is how many checks or deadlines it takes from the store
	// at a time.
	gateBatch = 50
	// gateIdle is the longest it sleeps without being woken: the next
	// deadline wakes it sooner.
	gateIdle = time.Minute
)

// sentUnknown is the message ID of a check that may or may not have
// been sent (Telegram's answer was lost): it is not sent again, and has
// no message to edit.
const sentUnknown = -1

// Run sends the checks and ends the verifications whose time is up, until
// ctx ends. It sends one check at a time, so that a raid of requests in
// one chat never holds more than one message in the pacer ahead of other
// chats' answers. Deadlines wait until the loop caught up (CaughtUp).
func (g *Gate) Run(ctx context.Context) {
	g.loop(ctx, g.now, "verifying requesters", g.work)
}

// work sends the checks waiting to go (not those whose time is up: once
// caught up, they end unsent), then, once caught up, settles the
// verifications that ended and ends those whose time is up. It returns
// the next deadline (zero if none).
func (g *Gate) work(ctx context.Context) (time.Time, error) {
	for {
		vs, err := g.store.UnsentVerifications(ctx, gateBatch)
		if err != nil {
			return time.Time{}, fmt.Errorf("unsent verifications: %w", err)
		}
		done := 0
		for _, v := range vs {
			switch {
			case v.Deadline.After(g.now()):
				if err := g.sendCheck(ctx, v); err != nil {
					return time.Time{}, err
				}
			case !g.isCaughtUp():
				// Its time was up before it could go (the bot or Telegram
				// was down): it ends once caught up, for a check sent by a
				// run that did not record it may have a press waiting.
				continue
			default:
				// Sent now, it would end at once: it ends unsent.
				if err := g.timeOut(ctx, v); err != nil {
					return time.Time{}, err
				}
			}
			done++
		}
		if len(vs) < gateBatch || done == 0 {
			break
		}
	}
	if !g.isCaughtUp() {
		return time.Time{}, nil
	}
	unsettled, err := g.store.UnsettledVerifications(ctx, gateBatch)
	if err != nil {
		return time.Time{}, fmt.Errorf("unsettled verifications: %w", err)
	}
	for _, v := range unsettled {
		if _, err := g.finish(ctx, v); err != nil {
			return time.Time{}, err
		}
	}
	for {
		due, err := g.store.DueVerifications(ctx, g.now(), gateBatch)
		if err != nil {
			return time.Time{}, fmt.Errorf("due verifications: %w", err)
		}
		for _, v := range due {
			if err := g.timeOut(ctx, v); err != nil {
				return time.Time{}, err
			}
		}
		if len(due) < gateBatch {
			break
		}
	}
	next, err := g.store.NextVerificationDeadline(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("next deadline: %w", err)
	}
	return next, nil
}

// timeOut ends v, whose time is up, and declines its request.
func (g *Gate) timeOut(ctx context.Context, v store.Verification) error {
	after, ended, err := g.store.EndVerification(ctx, v, store.VerifyTimedOut, g.now())
	if err != nil {
		return fmt.Errorf("end verification: %w", err)
	}
	if !ended {
		return nil
	}
	g.obs.JoinRequest(OutcomeTimedOut)
	_, err = g.finish(ctx, after)
	return err
}

// sendCheck sends v's check to the requester in private. One that cannot
// be delivered leaves the request to the admins.
func (g *Gate) sendCheck(ctx context.Context, v store.Verification) error {
	log := zerolog.Ctx(ctx).With().Int64("chat_id", v.ChatID).Int64("requester_id", v.UserID).Logger()
	title, err := g.chatTitle(ctx, v.ChatID)
	if err != nil {
		return err
	}
	s, err := g.store.ChatSettings(ctx, v.ChatID)
	if err != nil {
		return fmt.Errorf("chat settings: %w", err)
	}
	p := g.Text.For(v.Language)
	items := itemsOf(v)
	m := text.M("verify.check", "Chat", title, "Item", text.M(checkItems[items[v.Answer]].id),
		"Wait", FormatWait(max(v.Deadline.Sub(g.now()).Round(time.Minute), time.Minute)))
	if s.Rules != "" {
		m.Data["Rules"] = s.Rules
	}
	row := make([]bot.Button, len(items))
	for i, it := range items {
		row[i] = bot.Button{Text: checkItems[it].emoji, Data: verifyButton(v.ChatID, i)}
	}
	id, err := g.TG.Send(ctx, bot.Outgoing{ChatID: v.UserChatID, Text: p.Sprint(m), Buttons: [][]bot.Button{row}})
	switch {
	case err == nil:
	case errors.Is(err, bot.ErrBlocked), errors.Is(err, bot.ErrChatNotFound), errors.Is(err, bot.ErrRefused):
		// The five minutes of user_chat_id are over, or the person
		// blocked the bot: the admins answer.
		log.Info().Err(err).Msg("could not send the check")
		return g.unreachable(ctx, v)
	case errors.Is(err, bot.ErrUnsure):
		// It may have gone: sent again, it would be a second check.
		log.Warn().Err(err).Msg("the check may or may not have been sent; not sending it again")
		id = sentUnknown
	default:
		return fmt.Errorf("send check: %w", err)
	}
	// Recorded even if the bot is stopping: sent and not recorded, the
	// check would go again after the restart.
	if err := g.store.VerificationSent(context.WithoutCancel(ctx), v, id); err != nil {
		return fmt.Errorf("record check: %w", err)
	}
	log.Debug().Msg("check sent")
	return nil
}

// chatTitle is the chat's title as the store knows it, else its ID.
func (g *Gate) chatTitle(ctx context.Context, chatID int64) (string, error) {
	c, err := g.store.Chat(ctx, chatID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return "", fmt.Errorf("chat: %w", err)
	case c.Title != "":
		return c.Title, nil
	}
	return strconv.FormatInt(chatID, 10), nil
}

// finish does what a verification that ended means for its request, if
// the request still waits: passed approves, failed and timed out decline;
// and shows the outcome in the check. It returns the outcome the check
// shows: v's own, or VerifyHandled when the request was answered
// otherwise (by an admin, the requester, or Telegram's own say that it is
// gone), which the check then says. Done twice, it changes nothing.
func (g *Gate) finish(ctx context.Context, v store.Verification) (store.VerifyState, error) {
	// A press and the worker may finish the same check at once: one at a
	// time, the second finds the request answered by the first.
	mu := &g.finishing[uint64(v.ChatID*31+v.UserID)%uint64(len(g.finishing))]
	mu.Lock()
	defer mu.Unlock()
	shown := v.State
	req, err := g.store.JoinRequest(ctx, v.ChatID, v.UserID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		shown = store.VerifyHandled
	case err != nil:
		return "", fmt.Errorf("find join request: %w", err)
	case !req.RequestedAt.Equal(v.RequestedAt):
		shown = store.VerifyHandled // a newer request replaced it
	case req.State == store.RequestPending:
		switch v.State {
		case store.VerifyPassed, store.VerifyFailed, store.VerifyTimedOut:
			res, err := g.settle(ctx, nil, req, v.State == store.VerifyPassed)
			if err != nil {
				return "", fmt.Errorf("answer a verified request: %w", err)
			}
			if res == handledElsewhere {
				shown = store.VerifyHandled
			}
		}
	case !answeredBy(v.State, req.State):
		shown = store.VerifyHandled
	}
	g.showOutcome(ctx, v, shown)
	return shown, nil
}

// answeredBy tells whether a request that ended in rs was answered as
// its check that ended in vs says.
func answeredBy(vs store.VerifyState, rs store.RequestState) bool {
	switch vs {
	case store.VerifyPassed:
		return rs == store.RequestApproved
	case store.VerifyFailed, store.VerifyTimedOut:
		return rs == store.RequestDeclined
	}
	return true
}

// showOutcome replaces v's check, if it was sent, with what became of it
// (shown).
func (g *Gate) showOutcome(ctx context.Context, v store.Verification, shown store.VerifyState) {
	if v.MessageID <= 0 {
		return
	}
	title, err := g.chatTitle(ctx, v.ChatID)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not show the check's outcome")
		return
	}
	p := g.Text.For(v.Language)
	err = g.TG.Edit(ctx, v.UserChatID, v.MessageID, p.Sprint(outcomeText(shown, title)), nil)
	if err != nil && !errors.Is(err, bot.ErrMessageGone) && !errors.Is(err, bot.ErrBlocked) {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not show the check's outcome")
	}
}

// outcomeText says what became of a check, to the requester.
func outcomeText(s store.VerifyState, chat string) text.Msg {
	switch s {
	case store.VerifyPassed:
		return text.M("verify.passed", "Chat", chat)
	case store.VerifyFailed:
		return text.M("verify.failed", "Chat", chat)
	case store.VerifyTimedOut:
		return text.M("verify.timed_out", "Chat", chat)
	}
	return text.M("verify.handled", "Chat", chat)
}

// Press handles a press of one of a check's four buttons: the requester's
// own press of their pending check passes or fails it.
func (g *Gate) Press(ctx context.Context, u *bot.Update) error {
	q := u.Callback
	chatID, choice, ok := parseVerifyButton(q.Data)
	if !ok || u.From == nil {
		return text.Err(text.Invalid, "button.stale")
	}
	v, err := g.store.Verification(ctx, chatID, u.From.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return text.Err(text.Invalid, "verify.not_yours")
	case err != nil:
		return fmt.Errorf("find verification: %w", err)
	}
	// Only the check's own message, in the requester's own chat.
	if q.Message == nil || u.Chat == nil || u.Chat.ID != v.UserChatID || (v.MessageID > 0 && q.Message.ID != v.MessageID) {
		return text.Err(text.Invalid, "verify.not_yours")
	}
	if v.State == store.VerifyPending {
		state := store.VerifyFailed
		if choice == v.Answer {
			state = store.VerifyPassed
		}
		// Past the deadline a press is too late, unless it waited for
		// the bot while it was down (before the loop caught up).
		if g.now().After(v.Deadline) && g.isCaughtUp() && !u.Replayed {
			state = store.VerifyTimedOut
		}
		after, ended, err := g.store.EndVerification(ctx, v, state, g.now())
		if err != nil {
			return fmt.Errorf("end verification: %w", err)
		}
		if ended {
			g.obs.JoinRequest(map[store.VerifyState]string{store.VerifyPassed: OutcomeVerified,
				store.VerifyFailed: OutcomeFailed, store.VerifyTimedOut: OutcomeTimedOut}[state])
			zerolog.Ctx(ctx).Info().Str("verification", string(state)).Msg("check answered")
		}
		v = after
		if v.MessageID == sentUnknown || v.MessageID == 0 {
			v.MessageID = q.Message.ID // now known
		}
	}
	shown, err := g.finish(ctx, v)
	if err != nil {
		return err
	}
	title, err := g.chatTitle(ctx, v.ChatID)
	if err != nil {
		return err
	}
	return g.answerButton(ctx, u, outcomeText(shown, title), false)
}

// parseVerifyButton reads "vf:CHAT:INDEX".
func parseVerifyButton(data string) (chatID int64, choice int, ok bool) {
	rest, ok := strings.CutPrefix(data, VerifyButtons)
	if !ok {
		return 0, 0, false
	}
	c, i, ok := strings.Cut(rest, ":")
	if !ok {
		return 0, 0, false
	}
	chatID, err := strconv.ParseInt(c, 10, 64)
	if err != nil || chatID == 0 {
		return 0, 0, false
	}
	choice, err = strconv.Atoi(i)
	if err != nil || choice < 0 || choice > 3 {
		return 0, 0, false
	}
	return chatID, choice, true
}
