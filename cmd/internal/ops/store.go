package ops

import (
	"errors"

	"github.com/invitebot/invitebot/store"
)

// Store is the store that invitebot uses: every interface of package store.
// InstrumentStore and its wrapper, one method for each of Store's, are
// generated from it into store_gen.go: after a change here or in a store
// interface, run go generate (the build fails until then).
type Store interface {
	store.Links
	store.Chats
	store.JoinRequests
	store.Updates
	store.Settings
	store.Notifications
	store.Messages
	store.Verifications
}

//go:generate go run ./storegen

// failed tells a failure from the store's expected answers.
func failed(err error) bool {
	return err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict)
}
