package app

import (
	"context"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/store"
)

// journal lets the store keep the update loop's journal: bot knows nothing
// of store, so the records are copied across here.
type journal struct{ updates store.Updates }

func (j journal) PendingUpdates(ctx context.Context) (int64, []bot.JournalEntry, error) {
	last, pending, err := j.updates.PendingUpdates(ctx)
	entries := make([]bot.JournalEntry, len(pending))
	for i, p := range pending {
		entries[i] = bot.JournalEntry{ID: p.ID, Raw: p.Raw}
	}
	return last, entries, err
}

func (j journal) AcceptUpdates(ctx context.Context, last int64, keep []bot.JournalEntry) error {
	updates := make([]store.PendingUpdate, len(keep))
	for i, e := range keep {
		updates[i] = store.PendingUpdate{ID: e.ID, Raw: e.Raw}
	}
	return j.updates.AcceptUpdates(ctx, last, updates)
}

func (j journal) FinishUpdate(ctx context.Context, id int64) error {
	return j.updates.FinishUpdate(ctx, id)
}

func (j journal) PendingAfter(ctx context.Context, after int64, limit int) ([]bot.JournalEntry, error) {
	pending, err := j.updates.PendingUpdatesAfter(ctx, after, limit)
	entries := make([]bot.JournalEntry, len(pending))
	for i, p := range pending {
		entries[i] = bot.JournalEntry{ID: p.ID, Raw: p.Raw}
	}
	return entries, err
}
