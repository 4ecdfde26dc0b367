package store

import (
	"context"
	"time"
)

// LinkJoin is one join counted for a link of the bot's: who joined, as
// they were named then, when, and who approved them.
type LinkJoin struct {
	ChatID int64
	// Link is the link's #N and URL its URL.
	Link      int64
	URL       string
	UserID    int64
	FirstName string
	LastName  string
	// Username is without "@", "" if none.
	Username string
	At       time.Time
	// ApprovedBy is the admin who approved the person's join request
	// (ApprovedByName as the record names them), 0 if none did;
	// ApprovedVia is the join mode that approved it, or ViaTelegram.
	ApprovedBy     int64
	ApprovedByName string
	ApprovedVia    string
}

// History is what the store remembers of links over time: the joins
// counted for them and the record of what was done to them.
type History interface {
	// LinkJoins returns the joins counted for the chat's link #number,
	// newest first.
	LinkJoins(ctx context.Context, chatID, number int64) ([]LinkJoin, error)
	// ChatJoins returns the joins counted for the chat's links at or after
	// since, oldest first.
	ChatJoins(ctx context.Context, chatID int64, since time.Time) ([]LinkJoin, error)
	// LinkActions returns the actions of the record on the chat's link
	// #number, oldest first.
	LinkActions(ctx context.Context, chatID, number int64) ([]Action, error)
	// ActionCounts counts the chat's actions at or after since, by kind.
	ActionCounts(ctx context.Context, chatID int64, since time.Time) (map[ActionKind]int, error)
}
