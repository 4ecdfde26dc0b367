package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/handlers/verifypage"
	"github.com/invitebot/invitebot/store"
)

// Page is the gate as the verification page sees it: the verifications
// by page behind its tokens.
func (g *Gate) Page() verifypage.Gate { return pageGate{g} }

type pageGate struct{ g *Gate }

// Request returns what the page shows for token.
func (p pageGate) Request(ctx context.Context, token string) (verifypage.Request, error) {
	v, err := p.verification(ctx, token)
	if err != nil {
		return verifypage.Request{}, err
	}
	if err := p.usable(ctx, v); err != nil {
		return verifypage.Request{}, err
	}
	title, err := p.g.chatTitle(ctx, v.ChatID)
	if err != nil {
		return verifypage.Request{}, err
	}
	s, err := p.g.store.ChatSettings(ctx, v.ChatID)
	if err != nil {
		return verifypage.Request{}, fmt.Errorf("chat settings: %w", err)
	}
	return verifypage.Request{ChatTitle: title, Rules: s.Rules, UserID: v.UserID, Language: v.Language, Deadline: v.Deadline}, nil
}

// Pass approves the request of token, once, for its requester only.
func (p pageGate) Pass(ctx context.Context, token string, userID int64) error {
	g := p.g
	v, err := p.verification(ctx, token)
	if err != nil {
		return err
	}
	if v.UserID != userID {
		return verifypage.ErrWrongUser
	}
	if v.State == store.VerifyPending {
		if err := p.usable(ctx, v); err != nil {
			return err
		}
		after, ended, err := g.store.EndVerification(ctx, v, store.VerifyPassed, g.now())
		if err != nil {
			return fmt.Errorf("end verification: %w", err)
		}
		if ended {
			g.obs.JoinRequest(OutcomeVerified)
			zerolog.Ctx(ctx).Info().Int64("chat_id", v.ChatID).Int64("requester_id", v.UserID).Msg("passed on the verification page")
		}
		v = after
	}
	if v.State != store.VerifyPassed {
		return stateError(v.State)
	}
	// Passed (now, or by an earlier press whose approval Telegram did
	// not confirm): approve the request if it still waits.
	req, err := g.store.JoinRequest(ctx, v.ChatID, v.UserID)
	if err != nil {
		return fmt.Errorf("find join request: %w", err)
	}
	if req.State != store.RequestPending || !req.RequestedAt.Equal(v.RequestedAt) {
		return verifypage.ErrHandled // answered: by this check before (a second press), or otherwise
	}
	res, err := g.settle(ctx, nil, req, true)
	if err != nil {
		return err // the page offers the button again; the worker retries too
	}
	if res == handledElsewhere {
		return verifypage.ErrHandled
	}
	return nil
}

// verification finds token's verification by page.
func (p pageGate) verification(ctx context.Context, token string) (store.Verification, error) {
	v, err := p.g.store.VerificationByToken(ctx, token)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return v, verifypage.ErrUnknown
	case err != nil:
		return v, fmt.Errorf("verification by token: %w", err)
	}
	return v, nil
}

// usable tells why a pending check can't be passed, if it can't: its
// time is up, or its request was answered otherwise.
func (p pageGate) usable(ctx context.Context, v store.Verification) error {
	if v.State != store.VerifyPending {
		return stateError(v.State)
	}
	if p.g.now().After(v.Deadline) {
		return verifypage.ErrExpired
	}
	req, err := p.g.store.JoinRequest(ctx, v.ChatID, v.UserID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return verifypage.ErrHandled
	case err != nil:
		return fmt.Errorf("find join request: %w", err)
	case req.State != store.RequestPending || !req.RequestedAt.Equal(v.RequestedAt):
		return verifypage.ErrHandled
	}
	return nil
}

// stateError is the page's error for a verification that ended.
func stateError(s store.VerifyState) error {
	if s == store.VerifyTimedOut {
		return verifypage.ErrExpired
	}
	return verifypage.ErrHandled
}
