package ops

import (
	"context"
	"errors"
	"time"

	"github.com/invitebot/invitebot/store"
)

// Store is the store that invitebot uses: every interface of package store.
type Store interface {
	store.Links
	store.Chats
	store.JoinRequests
	store.Updates
}

// InstrumentStore returns s with each operation timed into
// invitebot_store_operation_seconds and its failures counted in
// invitebot_store_errors_total, labelled with the method's name.
func InstrumentStore(s Store, m *Metrics) Store { return &timedStore{s: s, m: m} }

type timedStore struct {
	s Store
	m *Metrics
}

// failed tells a failure from the store's expected answers.
func failed(err error) bool {
	return err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict)
}

func (t *timedStore) AddLink(ctx context.Context, l store.NewLink) (store.Link, []store.Link, error) {
	start := time.Now()
	added, replaced, err := t.s.AddLink(ctx, l)
	t.m.storeOp("AddLink", start, err)
	return added, replaced, err
}

func (t *timedStore) Link(ctx context.Context, chatID, number int64) (store.Link, error) {
	start := time.Now()
	l, err := t.s.Link(ctx, chatID, number)
	t.m.storeOp("Link", start, err)
	return l, err
}

func (t *timedStore) LinkByURL(ctx context.Context, chatID int64, url string) (store.Link, error) {
	start := time.Now()
	l, err := t.s.LinkByURL(ctx, chatID, url)
	t.m.storeOp("LinkByURL", start, err)
	return l, err
}

func (t *timedStore) LinkByRequest(ctx context.Context, request string) (store.Link, error) {
	start := time.Now()
	l, err := t.s.LinkByRequest(ctx, request)
	t.m.storeOp("LinkByRequest", start, err)
	return l, err
}

func (t *timedStore) StartLinkAttempt(ctx context.Context, request string, at time.Time) (bool, error) {
	start := time.Now()
	before, err := t.s.StartLinkAttempt(ctx, request, at)
	t.m.storeOp("StartLinkAttempt", start, err)
	return before, err
}

func (t *timedStore) LinksByName(ctx context.Context, chatID int64, name string) ([]store.Link, error) {
	start := time.Now()
	ls, err := t.s.LinksByName(ctx, chatID, name)
	t.m.storeOp("LinksByName", start, err)
	return ls, err
}

func (t *timedStore) ListLinks(ctx context.Context, chatID int64) ([]store.Link, error) {
	start := time.Now()
	ls, err := t.s.ListLinks(ctx, chatID)
	t.m.storeOp("ListLinks", start, err)
	return ls, err
}

func (t *timedStore) EditLink(ctx context.Context, chatID, number int64, c store.LinkChange) (store.Link, error) {
	start := time.Now()
	l, err := t.s.EditLink(ctx, chatID, number, c)
	t.m.storeOp("EditLink", start, err)
	return l, err
}

func (t *timedStore) RevokeLink(ctx context.Context, chatID, number, by int64, at time.Time) (store.Link, error) {
	start := time.Now()
	l, err := t.s.RevokeLink(ctx, chatID, number, by, at)
	t.m.storeOp("RevokeLink", start, err)
	return l, err
}

func (t *timedStore) MoveChat(ctx context.Context, from, to int64) error {
	start := time.Now()
	err := t.s.MoveChat(ctx, from, to)
	t.m.storeOp("MoveChat", start, err)
	return err
}

func (t *timedStore) SaveChat(ctx context.Context, c store.Chat) error {
	start := time.Now()
	err := t.s.SaveChat(ctx, c)
	t.m.storeOp("SaveChat", start, err)
	return err
}

func (t *timedStore) Chat(ctx context.Context, id int64) (store.Chat, error) {
	start := time.Now()
	c, err := t.s.Chat(ctx, id)
	t.m.storeOp("Chat", start, err)
	return c, err
}

func (t *timedStore) ChatByUsername(ctx context.Context, username string) (store.Chat, error) {
	start := time.Now()
	c, err := t.s.ChatByUsername(ctx, username)
	t.m.storeOp("ChatByUsername", start, err)
	return c, err
}

func (t *timedStore) AdministeredChats(ctx context.Context) ([]store.Chat, error) {
	start := time.Now()
	cs, err := t.s.AdministeredChats(ctx)
	t.m.storeOp("AdministeredChats", start, err)
	return cs, err
}

func (t *timedStore) ChooseChat(ctx context.Context, userID, chatID int64, at time.Time) error {
	start := time.Now()
	err := t.s.ChooseChat(ctx, userID, chatID, at)
	t.m.storeOp("ChooseChat", start, err)
	return err
}

func (t *timedStore) ChosenChat(ctx context.Context, userID int64) (int64, error) {
	start := time.Now()
	id, err := t.s.ChosenChat(ctx, userID)
	t.m.storeOp("ChosenChat", start, err)
	return id, err
}

func (t *timedStore) AddJoinRequest(ctx context.Context, r store.JoinRequest) error {
	start := time.Now()
	err := t.s.AddJoinRequest(ctx, r)
	t.m.storeOp("AddJoinRequest", start, err)
	return err
}

func (t *timedStore) JoinRequest(ctx context.Context, chatID, userID int64) (store.JoinRequest, error) {
	start := time.Now()
	r, err := t.s.JoinRequest(ctx, chatID, userID)
	t.m.storeOp("JoinRequest", start, err)
	return r, err
}

func (t *timedStore) PendingJoinRequests(ctx context.Context, chatID int64) ([]store.JoinRequest, error) {
	start := time.Now()
	rs, err := t.s.PendingJoinRequests(ctx, chatID)
	t.m.storeOp("PendingJoinRequests", start, err)
	return rs, err
}

func (t *timedStore) AnswerJoinRequest(ctx context.Context, chatID, userID int64, state store.RequestState, by int64, at time.Time) (store.JoinRequest, bool, error) {
	start := time.Now()
	r, changed, err := t.s.AnswerJoinRequest(ctx, chatID, userID, state, by, at)
	t.m.storeOp("AnswerJoinRequest", start, err)
	return r, changed, err
}

func (t *timedStore) RecordJoin(ctx context.Context, j store.Join) (bool, error) {
	start := time.Now()
	counted, err := t.s.RecordJoin(ctx, j)
	t.m.storeOp("RecordJoin", start, err)
	return counted, err
}

func (t *timedStore) PendingUpdates(ctx context.Context) (int64, []store.PendingUpdate, error) {
	start := time.Now()
	last, pending, err := t.s.PendingUpdates(ctx)
	t.m.storeOp("PendingUpdates", start, err)
	return last, pending, err
}

func (t *timedStore) AcceptUpdates(ctx context.Context, last int64, keep []store.PendingUpdate) error {
	start := time.Now()
	err := t.s.AcceptUpdates(ctx, last, keep)
	t.m.storeOp("AcceptUpdates", start, err)
	return err
}

func (t *timedStore) FinishUpdate(ctx context.Context, id int64) error {
	start := time.Now()
	err := t.s.FinishUpdate(ctx, id)
	t.m.storeOp("FinishUpdate", start, err)
	return err
}
