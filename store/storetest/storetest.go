// Package storetest is the contract of invitebot's store: one suite of the
// behaviours the product relies on (numbering #N per chat, primary links,
// conflicts, requests and joins, the outboxes, the journal, chat moves,
// settings, verifications, the record, rotations), run against any
// implementation. store/sqlite and store/postgres run it on a fresh
// database per test:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store { return newDB(t) })
//	}
//
// The suite sets up a little data that no store method makes, and looks
// where no method looks, with SQL of its own that every implementation
// understands (the schemas keep the same tables and columns): the store it
// is given must also be a SQL.
package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/invitebot/invitebot/store"
)

// Store is every store interface that the program uses
// (cmd/internal/ops.Store lists the same; a test of cmd/internal/app keeps
// the two lists equal).
type Store interface {
	store.Links
	store.Chats
	store.JoinRequests
	store.Updates
	store.Settings
	store.Notifications
	store.Messages
	store.Verifications
	store.Record
	store.History
	store.Rotations
}

// SQL is what the suite asks of a store beyond its interfaces: to run a
// statement, and a query that gives one integer, written without
// parameters in the SQL common to SQLite and PostgreSQL. Implementations
// give it in their tests only.
type SQL interface {
	ExecSQL(ctx context.Context, query string) error
	QueryInt(ctx context.Context, query string) (int64, error)
}

// Opener opens a new, empty store for the test t, and closes it when t
// ends.
type Opener func(t *testing.T) Store

// Run runs the suite, each test a subtest of t on a store of its own made
// by open.
func Run(t *testing.T, open Opener) {
	for _, tc := range suite {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open) })
	}
}

var suite = []struct {
	name string
	run  func(t *testing.T, open Opener)
}{
	// Links.
	{"AddLinkNumbersPerChat", testAddLinkNumbersPerChat},
	{"AddLinkNeverReusesNumbers", testAddLinkNeverReusesNumbers},
	{"AddLinkConcurrent", testAddLinkConcurrent},
	{"AddLinkStoresAllFields", testAddLinkStoresAllFields},
	{"AddLinkReplacesPrimary", testAddLinkReplacesPrimary},
	{"AddLinkReplacesEveryActivePrimary", testAddLinkReplacesEveryActivePrimary},
	{"AddLinkConflict", testAddLinkConflict},
	{"AddLinkInvalid", testAddLinkInvalid},
	{"NotFound", testNotFound},
	{"LinkByURL", testLinkByURL},
	{"LinksByName", testLinksByName},
	{"ListLinks", testListLinks},
	{"EditLink", testEditLink},
	{"EditLinkSetsJoinRequest", testEditLinkSetsJoinRequest},
	{"EditLinkRenameFindsNewName", testEditLinkRenameFindsNewName},
	{"RevokeLink", testRevokeLink},
	{"LinkState", testLinkState},
	{"LinkByRequest", testLinkByRequest},
	// Chats, their moves and settings.
	{"SaveChat", testSaveChat},
	{"ChatByUsername", testChatByUsername},
	{"AdministeredChats", testAdministeredChats},
	{"ChooseChat", testChooseChat},
	{"MoveChatMovesEverything", testMoveChatMovesEverything},
	{"MovedChatFollowsItsRecords", testMovedChatFollowsItsRecords},
	{"ChatSettings", testChatSettings},
	{"NoteChat", testNoteChat},
	{"MoveChat", testMoveChat},
	// Join requests and joins.
	{"AddJoinRequest", testAddJoinRequest},
	{"PendingJoinRequests", testPendingJoinRequests},
	{"AnswerJoinRequest", testAnswerJoinRequest},
	{"RecordJoin", testRecordJoin},
	{"RecordJoinWithRequests", testRecordJoinWithRequests},
	// Notifications, button messages, pending commands.
	{"NotificationsLifecycle", testNotificationsLifecycle},
	{"NotificationOfAJoin", testNotificationOfAJoin},
	{"ButtonMessages", testButtonMessages},
	{"PendingCommands", testPendingCommands},
	// The journal of updates.
	{"UpdatesJournal", testUpdatesJournal},
	{"PendingUpdatesAfter", testPendingUpdatesAfter},
	// Gatekeeping: join modes and verifications.
	{"JoinModeSettings", testJoinModeSettings},
	{"LinkJoinMode", testLinkJoinMode},
	{"RequestModeAndNotifications", testRequestModeAndNotifications},
	{"VerificationLifecycle", testVerificationLifecycle},
	{"VerificationDeadlines", testVerificationDeadlines},
	{"UnreachableWaitsForAdmins", testUnreachableWaitsForAdmins},
	{"VerificationEndsWithItsRequest", testVerificationEndsWithItsRequest},
	{"VerificationsMoveWithTheChat", testVerificationsMoveWithTheChat},
	// The record, history and rotations.
	{"RecordOfLinks", testRecordOfLinks},
	{"RecordOfRequestsAndSettings", testRecordOfRequestsAndSettings},
	{"RecordOfVerifications", testRecordOfVerifications},
	{"LogChatOutbox", testLogChatOutbox},
	{"RecordMovesWithTheChat", testRecordMovesWithTheChat},
	{"JoinHistory", testJoinHistory},
	{"RotationSlots", testRotationSlots},
}

// backdoor is db's SQL; the test fails if db has none.
func backdoor(t *testing.T, db Store) SQL {
	t.Helper()
	s, ok := db.(SQL)
	if !ok {
		t.Fatalf("the store under test (%T) is no storetest.SQL: the suite needs ExecSQL and QueryInt", db)
	}
	return s
}

// execSQL runs a statement on db and fails the test on error.
func execSQL(t *testing.T, db Store, query string) {
	t.Helper()
	if err := backdoor(t, db).ExecSQL(t.Context(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// rowsOf counts the rows of table kept under chatID itself, whatever reads
// under that ID are redirected to.
func rowsOf(t *testing.T, db Store, table string, chatID int64) int {
	t.Helper()
	// table is a constant of the tests; chatID an integer.
	n, err := backdoor(t, db).QueryInt(t.Context(), fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE chat_id = %d`, table, chatID))
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}
