package app

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/postgres"
	"github.com/invitebot/invitebot/store/postgres/pgtest"
	"github.com/invitebot/invitebot/store/sqlite"
	"github.com/invitebot/invitebot/store/storecopy"
	"github.com/invitebot/invitebot/store/storetest"
)

// migrateMain runs "invitebot migrate-store args..." and returns the exit
// status, stdout and stderr. The command reads no environment.
func migrateMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	getenv := func(k string) string {
		t.Errorf("migrate-store read %s from the environment", k)
		return ""
	}
	code = Main(t.Context(), append([]string{"migrate-store"}, args...), getenv, out, errOut)
	return code, out.String(), errOut.String()
}

// withPassword is the test database's URL with a password in it, which
// the server (trust) ignores and no output may show.
func withPassword(t *testing.T, u, password string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	parsed.User = url.UserPassword(parsed.User.Username(), password)
	return parsed.String()
}

const (
	mChat     int64 = -1001000000001 // a supergroup with everything
	mOther    int64 = -1001000000002 // a chat the bot left
	mGroup    int64 = -55            // a basic group, upgraded to mUpgraded
	mUpgraded int64 = -1001000000003
	mAdmin    int64 = 9
	mOwner    int64 = 7
	mToken          = "verify-token-1"
)

var mUsers = []int64{100, 101, 102, 103, 104}

// fillEverything writes every kind of record through the store's API:
// chats (one left, one upgraded), a chosen chat, links of every kind
// (edited, revoked, primary replaced, join modes, a price, a request),
// settings, subscriptions and their notifications (pending, sent,
// summarized, to edit), join requests in every state, joins counted both
// ways, button messages, a pending command, the journal, verifications
// by message and by page, ended and not, the record with a log chat and
// its outbox, a schedule and its rotations. Text is of every script.
func fillEverything(t *testing.T, db storetest.Store) {
	t.Helper()
	ctx := t.Context()
	at := time.Unix(1_780_000_000, 0).UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []store.Chat{
		{ID: mChat, Type: "supergroup", Title: "Клуб «друзей» 🎉 نادي", Username: "Friends_Club", BotStatus: "administrator", BotCanInvite: true, UpdatedAt: at},
		{ID: mOther, Type: "channel", Title: "Left", BotStatus: "left", UpdatedAt: at},
		{ID: mGroup, Type: "group", Title: "Small\tgroup\n", BotStatus: "administrator", BotCanInvite: true, UpdatedAt: at},
	} {
		must(db.SaveChat(ctx, c))
	}
	must(db.NoteChat(ctx, mOther, "channel", "Left, renamed", "left_chan"))
	must(db.ChooseChat(ctx, mOwner, mChat, at))
	must(db.SetLogChat(ctx, mChat, mOther, mOwner, at))

	add := func(chat int64, l store.NewLink) store.Link {
		t.Helper()
		l.ChatID = chat
		if l.CreatedAt.IsZero() {
			l.CreatedAt = at
		}
		added, _, err := db.AddLink(ctx, l)
		must(err)
		return added
	}
	cctx := store.WithCause(ctx, store.Cause{By: mOwner, Name: "Ówner ✓"})
	add(mChat, store.NewLink{URL: "https://t.me/+first", Name: "Partners", CreatedBy: mOwner, Primary: true})
	add(mChat, store.NewLink{URL: "https://t.me/+second", Name: "Ñandú 🐦", CreatedBy: mOwner, ExpiresAt: at.Add(48 * time.Hour), MemberLimit: 50})
	add(mChat, store.NewLink{URL: "https://t.me/+third", Name: "שלום", CreatedBy: mAdmin, JoinRequest: true, JoinMode: store.JoinVerify, Request: "req-1"})
	add(mChat, store.NewLink{URL: "https://t.me/+fourth", Name: "Stars", CreatedBy: mAdmin, Price: 250})
	add(mChat, store.NewLink{URL: "https://t.me/+fifth", Name: "Primary 2", CreatedBy: mOwner, Primary: true}) // replaces #1
	name := "Renamed 名前"
	_, err := db.EditLink(cctx, mChat, 2, store.LinkChange{Name: &name, EditedBy: mOwner, EditedAt: at.Add(time.Minute)})
	must(err)
	_, err = db.RevokeLink(cctx, mChat, 4, mAdmin, at.Add(2*time.Minute))
	must(err)
	add(mGroup, store.NewLink{URL: "https://t.me/+group1", Name: "g", CreatedBy: mOwner})
	add(mGroup, store.NewLink{URL: "https://t.me/+group2", Name: "g", CreatedBy: mOwner})
	add(mUpgraded, store.NewLink{URL: "https://t.me/+super1", Name: "s", CreatedBy: mOwner})
	must(db.MoveChat(ctx, mGroup, mUpgraded))

	must(db.SaveChatSettings(ctx, store.ChatSettings{ChatID: mChat, Language: "ar", Replies: store.RepliesPrivate,
		JoinMode: store.JoinVerify, VerifyWait: 15 * time.Minute, Rules: "Be kind.\nلا سبام", UpdatedBy: mOwner, UpdatedAt: at}))
	must(db.SetNotify(ctx, store.Subscriber{ChatID: mChat, UserID: mAdmin, Language: "de"}, true, at))
	must(db.SetNotify(ctx, store.Subscriber{ChatID: mChat, UserID: mOwner, Language: "en"}, true, at))

	for i, u := range mUsers {
		mode := store.JoinVerify // users 2, 3, 4; 0 and 1 wait for an admin
		if i < 2 {
			mode = store.JoinManual
		}
		r := store.JoinRequest{ChatID: mChat, UserID: u, FirstName: fmt.Sprintf("Ann %d", i), LastName: "O'Hara",
			Username: fmt.Sprintf("ann_%d", i), Bio: "bio\x01 ✨", InviteLink: "https://t.me/+third", UserChatID: u,
			RequestedAt: at.Add(time.Duration(i) * time.Second), QueryID: fmt.Sprintf("q%d", i), Mode: mode}
		must(db.AddJoinRequest(ctx, r))
	}
	pending, err := db.PendingNotifications(ctx)
	must(err)
	if len(pending) < 4 {
		t.Fatalf("%d notifications pending, want one per request and admin", len(pending))
	}
	must(db.NotificationSent(ctx, pending[0].ID, 4242, at.Add(time.Second)))
	must(db.NotificationSent(ctx, pending[1].ID, 4243, at.Add(time.Second)))
	must(db.NotificationsSummarized(ctx, pending[2].AdminID, mChat, []int64{pending[2].ID}, at.Add(2*time.Second)))
	must(db.WaitForSummary(ctx, mOwner, mChat, at.Add(3*time.Second)))

	_, _, err = db.AnswerJoinRequest(cctx, mChat, mUsers[0], store.RequestApproved, mAdmin, at.Add(time.Minute))
	must(err)
	_, _, err = db.AnswerJoinRequest(cctx, mChat, mUsers[1], store.RequestDeclined, mAdmin, at.Add(time.Minute))
	must(err)
	_, err = db.RecordJoin(ctx, store.Join{ChatID: mChat, UserID: mUsers[0], InviteLink: "https://t.me/+third", ViaRequest: true, At: at.Add(2 * time.Minute)})
	must(err)
	_, err = db.RecordJoin(ctx, store.Join{ChatID: mChat, UserID: 555, InviteLink: "https://t.me/+second", At: at.Add(3 * time.Minute),
		FirstName: "Zoë", Username: "zoe"})
	must(err)
	toEdit, err := db.NotificationsToEdit(ctx)
	must(err)
	if len(toEdit) > 0 {
		must(db.NotificationEdited(ctx, toEdit[0].ID))
	}

	must(db.SaveButtonMessage(ctx, store.ButtonMessage{ChatID: mChat, MessageID: 77, Kind: "links", TargetID: mChat,
		Items: []int64{1, 2, 3}, Title: "<b>Links</b> «x»", CreatedAt: at}))
	must(db.SaveButtonMessage(ctx, store.ButtonMessage{ChatID: mOwner, MessageID: 78, Kind: "confirm", TargetID: mChat,
		UserID: mOwner, ParentID: 77, ExpiresAt: at.Add(time.Hour), CreatedAt: at}))
	must(db.SavePendingCommand(ctx, store.PendingCommand{Token: "tok-ß", UserID: mOwner, ChatID: mChat, Command: "links", Args: "all", CreatedAt: at}))

	must(db.AcceptUpdates(ctx, 1000, []store.PendingUpdate{
		{ID: 998, Raw: []byte(`{"update_id":998}`)},
		{ID: 999, Raw: []byte("{\"update_id\":999,\"message\":{\"text\":\"\\u0000 bytes \xff\"}}")},
		{ID: 1000, Raw: []byte{}},
	}))
	must(db.FinishUpdate(ctx, 998))

	v, _, err := db.AddVerification(ctx, store.Verification{ChatID: mChat, UserID: mUsers[2], RequestedAt: at.Add(2 * time.Second),
		UserChatID: mUsers[2], Language: "fa", Answer: 2, Via: store.ViaMessage, Deadline: at.Add(time.Hour)})
	must(err)
	must(db.VerificationSent(ctx, v, 5151))
	_, _, err = db.AddVerification(ctx, store.Verification{ChatID: mChat, UserID: mUsers[3], RequestedAt: at.Add(3 * time.Second),
		UserChatID: mUsers[3], Language: "ru", Answer: 1, Token: mToken, Via: store.ViaPage, Deadline: at.Add(2 * time.Hour)})
	must(err)
	v4, _, err := db.AddVerification(ctx, store.Verification{ChatID: mChat, UserID: mUsers[4], RequestedAt: at.Add(4 * time.Second),
		UserChatID: mUsers[4], Answer: 3, Via: store.ViaMessage, Deadline: at.Add(time.Hour)})
	must(err)
	_, _, err = db.EndVerification(cctx, v4, store.VerifyFailed, at.Add(5*time.Minute))
	must(err)
	posts, err := db.PendingLogPosts(ctx)
	must(err)
	if len(posts) < 2 {
		t.Fatalf("%d log posts pending, want the actions since /logchat", len(posts))
	}
	must(db.LogPosted(ctx, posts[0].Action.ID))

	// Two slots: one done and told, one started.
	must(db.SetAutorotate(ctx, mChat, 24*time.Hour, at, mOwner, at))
	slot1, slot2 := at, at.Add(24*time.Hour)
	if started, err := db.StartRotation(ctx, mChat, slot1, at, "https://t.me/+fifth"); err != nil || !started {
		t.Fatalf("StartRotation: %v, %v", started, err)
	}
	_, err = db.FinishRotation(ctx, mChat, slot1, "https://t.me/+rotated", at.Add(time.Second))
	must(err)
	must(db.RotationNotified(ctx, mChat, slot1))
	if started, err := db.StartRotation(ctx, mChat, slot2, slot2.Add(time.Minute), "https://t.me/+rotated"); err != nil || !started {
		t.Fatalf("StartRotation: %v, %v", started, err)
	}
}

// dumpStore reads everything fillEverything wrote, through the store's
// API, into values to compare. It takes the pending command: it changes
// the store.
func dumpStore(t *testing.T, db storetest.Store) map[string]any {
	t.Helper()
	ctx := t.Context()
	far := time.Unix(1_900_000_000, 0).UTC()
	d := map[string]any{}
	put := func(key string, v any, err error) {
		t.Helper()
		switch {
		case errors.Is(err, store.ErrNotFound):
			d[key] = "not found"
		case err != nil:
			t.Fatalf("%s: %v", key, err)
		default:
			d[key] = v
		}
	}
	for _, chat := range []int64{mChat, mOther, mGroup, mUpgraded} {
		k := func(s string) string { return fmt.Sprintf("%d %s", chat, s) }
		c, err := db.Chat(ctx, chat)
		put(k("chat"), c, err)
		links, err := db.ListLinks(ctx, chat)
		put(k("links"), links, err)
		for _, l := range links {
			lj, err := db.LinkJoins(ctx, chat, l.Number)
			put(k(fmt.Sprintf("link %d joins", l.Number)), lj, err)
			la, err := db.LinkActions(ctx, chat, l.Number)
			put(k(fmt.Sprintf("link %d actions", l.Number)), la, err)
			byURL, err := db.LinkByURL(ctx, chat, l.URL)
			put(k(l.URL), byURL, err)
		}
		byName, err := db.LinksByName(ctx, chat, "renamed 名前")
		put(k("by name"), byName, err)
		s, err := db.ChatSettings(ctx, chat)
		put(k("settings"), s, err)
		for _, u := range []int64{mAdmin, mOwner} {
			on, err := db.Notifying(ctx, chat, u)
			put(k(fmt.Sprintf("notifying %d", u)), on, err)
			w, err := db.NotifyWindow(ctx, u, chat, time.Unix(1, 0))
			put(k(fmt.Sprintf("window %d", u)), w, err)
		}
		lc, err := db.LogChat(ctx, chat)
		put(k("log chat"), lc, err)
		ar, err := db.Autorotate(ctx, chat)
		put(k("autorotate"), ar, err)
		acts, err := db.Actions(ctx, chat, 1000)
		put(k("actions"), acts, err)
		cj, err := db.ChatJoins(ctx, chat, time.Time{})
		put(k("chat joins"), cj, err)
		counts, err := db.ActionCounts(ctx, chat, time.Time{})
		put(k("action counts"), counts, err)
		pjr, err := db.PendingJoinRequests(ctx, chat)
		put(k("pending requests"), pjr, err)
		subs, err := db.Subscribers(ctx, chat)
		put(k("subscribers"), subs, err)
		for _, u := range append(slices.Clone(mUsers), 555) {
			r, err := db.JoinRequest(ctx, chat, u)
			put(k(fmt.Sprintf("request %d", u)), r, err)
			v, err := db.Verification(ctx, chat, u)
			put(k(fmt.Sprintf("verification %d", u)), v, err)
			n, err := db.RequestNotifications(ctx, chat, u)
			put(k(fmt.Sprintf("notifications %d", u)), n, err)
		}
	}
	admin, err := db.AdministeredChats(ctx)
	put("administered", admin, err)
	chosen, err := db.ChosenChat(ctx, mOwner)
	put("chosen", chosen, err)
	byUser, err := db.ChatByUsername(ctx, "friends_club")
	put("by username", byUser, err)
	byReq, err := db.LinkByRequest(ctx, "req-1")
	put("by request", byReq, err)
	pn, err := db.PendingNotifications(ctx)
	put("pending notifications", pn, err)
	te, err := db.NotificationsToEdit(ctx)
	put("to edit", te, err)
	for _, m := range []struct {
		chat int64
		id   int
	}{{mChat, 77}, {mOwner, 78}} {
		bm, err := db.ButtonMessage(ctx, m.chat, m.id)
		put(fmt.Sprintf("button message %d", m.id), bm, err)
	}
	// Raw as text: SQLite gives an empty one as nil, PostgreSQL not.
	last, pu, err := db.PendingUpdates(ctx)
	raws := map[int64]string{}
	for _, u := range pu {
		raws[u.ID] = string(u.Raw)
	}
	put("updates", []any{last, raws}, err)
	uv, err := db.UnsentVerifications(ctx, 100)
	put("unsent", uv, err)
	dv, err := db.DueVerifications(ctx, far, 100)
	put("due", dv, err)
	sv, err := db.UnsettledVerifications(ctx, 100)
	put("unsettled", sv, err)
	nd, err := db.NextVerificationDeadline(ctx)
	put("next deadline", nd, err)
	bt, err := db.VerificationByToken(ctx, mToken)
	put("by token", bt, err)
	lp, err := db.PendingLogPosts(ctx)
	put("log posts", lp, err)
	ds, err := db.DueSchedules(ctx, far)
	put("due schedules", ds, err)
	ns, err := db.NextSlot(ctx)
	put("next slot", ns, err)
	or, err := db.OpenRotations(ctx)
	put("open rotations", or, err)
	pc, err := db.TakePendingCommand(ctx, "tok-ß")
	put("pending command", pc, err)
	return d
}

// compareDumps reports every key where got differs from want.
func compareDumps(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if !reflect.DeepEqual(got[k], want[k]) {
			t.Errorf("%s, %s:\n got %+v\nwant %+v", what, k, got[k], want[k])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
	}
}

// tableSums is every table's count and checksum in db.
func tableSums(t *testing.T, db interface {
	Read(context.Context, func(storecopy.Reader) error) error
}) []storecopy.TableReport {
	t.Helper()
	var out []storecopy.TableReport
	err := db.Read(t.Context(), func(r storecopy.Reader) error {
		for _, tbl := range storecopy.Tables {
			rep, err := storecopy.Checksum(t.Context(), r, tbl)
			if err != nil {
				return err
			}
			out = append(out, rep)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrateStoreRoundTrip: a SQLite store with every kind of record,
// migrated to PostgreSQL and from there to a new SQLite file, reads the
// same through the store's API in all three, with the same rows and
// checksums in every table; the next link of each chat gets the next #N
// in both copies; a target that holds anything is refused and left as it
// is. No output shows the URL's password.
func TestMigrateStoreRoundTrip(t *testing.T) {
	const password = "pw-never-shown"
	dir := t.TempDir()
	first := filepath.Join(dir, "first.db")
	pgURL := withPassword(t, pgtest.NewDatabase(t), password)
	second := filepath.Join(dir, "second.db")

	db, err := sqlite.Open(t.Context(), first)
	if err != nil {
		t.Fatal(err)
	}
	fillEverything(t, db)
	db.Close()

	for _, step := range [][2]string{{first, pgURL}, {pgURL, second}} {
		code, stdout, stderr := migrateMain(t, step[0], step[1])
		if code != 0 || stderr != "" || strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(stdout, "ok: copied ") {
			t.Fatalf("migrate-store %s %s: exit %d, stdout %q, stderr %q; want 0 and one line", describeDB(step[0]), describeDB(step[1]), code, stdout, stderr)
		}
		mustContain(t, stdout, fmt.Sprintf("in %d tables", len(storecopy.Tables)), describeDB(step[0]), describeDB(step[1]))
		if strings.Contains(stdout, password) || strings.Contains(stdout, "invitebot@") {
			t.Errorf("the summary shows the URL's user or password: %q", stdout)
		}
	}
	if fi, err := os.Stat(second); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the new SQLite file: %v, %v; want mode 0600", fi, err)
	}

	// The test's own connections are not the bot's (application_name).
	pg, err := postgres.Open(t.Context(), pgURL+"&application_name=migrate-test")
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()

	// A target that holds anything is refused, and not changed. (Before
	// this process opens the SQLite files: the check that no other
	// process has them open would drop its locks.)
	for _, target := range []string{pgURL, second} {
		before := tableSums(t, pg)
		code, stdout, stderr := migrateMain(t, first, target)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("migrate-store into the full %s: exit %d, stdout %q, stderr %q; want 2 and one line", describeDB(target), code, stdout, stderr)
		}
		mustContain(t, stderr, "not empty", "table links has rows")
		if strings.Contains(stderr, password) {
			t.Errorf("stderr shows the password: %q", stderr)
		}
		if after := tableSums(t, pg); !slices.Equal(after, before) {
			t.Errorf("a refused migration changed %s", describeDB(target))
		}
	}

	src, err := sqlite.Open(t.Context(), first)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	back, err := sqlite.Open(t.Context(), second)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()

	// Rows and checksums, table by table (the source has a last_update_id
	// of its own, so not even state differs).
	want := tableSums(t, src)
	for _, tc := range []struct {
		name string
		got  []storecopy.TableReport
	}{{"PostgreSQL", tableSums(t, pg)}, {"SQLite again", tableSums(t, back)}} {
		if !slices.Equal(tc.got, want) {
			t.Errorf("%s: tables\n%v\nwant\n%v", tc.name, tc.got, want)
		}
	}
	for _, r := range want {
		if r.Rows == 0 {
			t.Errorf("table %s is empty in the source: the test misses a kind of record", r.Table)
		}
	}

	// The same records through the API.
	wantDump := dumpStore(t, src)
	compareDumps(t, "PostgreSQL", dumpStore(t, pg), wantDump)
	compareDumps(t, "SQLite again", dumpStore(t, back), wantDump)

	// The next link of each chat gets the next #N, and the next record
	// the next ID, in both copies.
	nextNumber := map[int64]int64{}
	for _, chat := range []int64{mChat, mUpgraded} {
		links, err := src.ListLinks(t.Context(), chat)
		if err != nil || len(links) < 3 {
			t.Fatalf("chat %d has links %v (%v), want 3 or more", chat, links, err)
		}
		for _, l := range links {
			nextNumber[chat] = max(nextNumber[chat], l.Number+1)
		}
	}
	for _, tc := range []struct {
		name string
		db   storetest.Store
	}{{"PostgreSQL", pg}, {"SQLite again", back}} {
		for chat, next := range nextNumber {
			l, _, err := tc.db.AddLink(t.Context(), store.NewLink{ChatID: chat, URL: fmt.Sprintf("https://t.me/+after%d", -chat),
				CreatedBy: mOwner, CreatedAt: time.Unix(1_790_000_000, 0)})
			if err != nil {
				t.Fatalf("%s: AddLink after the migration: %v", tc.name, err)
			}
			if l.Number != next {
				t.Errorf("%s: the next link of chat %d is #%d, want #%d", tc.name, chat, l.Number, next)
			}
		}
		acts, err := tc.db.Actions(t.Context(), mChat, 1)
		if err != nil || len(acts) != 1 || acts[0].Kind != store.ActionLinkCreated || !acts[0].At.Equal(time.Unix(1_790_000_000, 0)) {
			t.Errorf("%s: the newest action is %+v (%v), want the link just made", tc.name, acts, err)
		}
		if err := tc.db.AcceptUpdates(t.Context(), 1001, []store.PendingUpdate{{ID: 1001, Raw: []byte("{}")}}); err != nil {
			t.Errorf("%s: AcceptUpdates after the migration: %v", tc.name, err)
		}
		// The other numbered tables: a counted join (link_joins), and a
		// request that the subscribed admins are told of (notifications).
		after := time.Unix(1_790_000_100, 0).UTC()
		if counted, err := tc.db.RecordJoin(t.Context(), store.Join{ChatID: mChat, UserID: 777, InviteLink: "https://t.me/+second", At: after}); err != nil || !counted {
			t.Errorf("%s: RecordJoin after the migration: %v, %v", tc.name, counted, err)
		}
		if err := tc.db.AddJoinRequest(t.Context(), store.JoinRequest{ChatID: mChat, UserID: 778, RequestedAt: after, Mode: store.JoinManual}); err != nil {
			t.Errorf("%s: AddJoinRequest after the migration: %v", tc.name, err)
		}
		pending, err := tc.db.PendingNotifications(t.Context())
		var ids []int64
		for _, n := range pending {
			if n.RequesterID == 778 {
				ids = append(ids, n.ID)
			}
		}
		if err != nil || len(ids) != 2 {
			t.Errorf("%s: notifications of the new request %v (%v), want one per subscribed admin", tc.name, ids, err)
		}
	}
}

// TestMigrateStoreFailureWritesNothing: a row that PostgreSQL cannot hold
// (a NUL in a text, which SQLite keeps) fails the copy, after other rows
// went in, with one line that says nothing was written; the database is
// left empty, and a copy of the same store without that row then goes
// through. A SQLite target made by a failed run is removed.
func TestMigrateStoreFailureWritesNothing(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	db, err := sqlite.Open(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"fine", "nul\x00inside"} {
		if _, _, err := db.AddLink(t.Context(), store.NewLink{ChatID: mChat, URL: fmt.Sprintf("https://t.me/+%d", i), Name: name,
			CreatedBy: mOwner, CreatedAt: time.Unix(1_780_000_000, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	pgURL := pgtest.NewDatabase(t)
	code, stdout, stderr := migrateMain(t, src, pgURL)
	if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("migrate-store with a broken row: exit %d, stdout %q, stderr %q; want 1 and one line", code, stdout, stderr)
	}
	mustContain(t, stderr, "nothing was written", "copy links")
	pg, err := postgres.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tableSums(t, pg) {
		if want := int64(map[bool]int{true: 1}[r.Table == "state"]); r.Rows != want {
			t.Errorf("after the failed copy, table %s holds %d rows, want %d", r.Table, r.Rows, want)
		}
	}
	pg.Close()

	// A store without that row goes through.
	clean := filepath.Join(dir, "clean.db")
	db, err = sqlite.Open(t.Context(), clean)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AddLink(t.Context(), store.NewLink{ChatID: mChat, URL: "https://t.me/+0", Name: "fine",
		CreatedBy: mOwner, CreatedAt: time.Unix(1_780_000_000, 0)}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, stdout, stderr := migrateMain(t, clean, pgURL); code != 0 {
		t.Fatalf("migrate-store of a store without the row: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// A source of an older schema fails before anything is copied; the
	// SQLite file made for the copy is not left behind.
	old := filepath.Join(dir, "old.db")
	db, err = sqlite.Open(t.Context(), old)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", sqlite.SchemaVersion()-1)); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	target := filepath.Join(dir, "new.db")
	code, stdout, stderr = migrateMain(t, old, target)
	if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("migrate-store from an old schema: exit %d, stdout %q, stderr %q; want 2 and one line", code, stdout, stderr)
	}
	mustContain(t, stderr, "schema version", "invitebot -check")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if _, err := os.Stat(target + suffix); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is left behind by a failed run (%v)", target+suffix, err)
		}
	}
}

// TestMigrateStoreRefusesARunningBot: a store that a bot has open is
// refused: a PostgreSQL database with a session of the bot's, as FROM or
// TO, and a SQLite file that another process has open.
func TestMigrateStoreRefusesARunningBot(t *testing.T) {
	if path := os.Getenv("MIGRATE_CHILD_DB"); path != "" {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString("open\n")
		bufio.NewReader(os.Stdin).ReadString('\n')
		db.Close()
		return
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "bot.db")
	db, err := sqlite.Open(t.Context(), file)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	emptyPG := pgtest.NewDatabase(t)
	busyPG := pgtest.NewDatabase(t)
	bot, err := postgres.Open(t.Context(), busyPG) // as the bot opens it
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Close()
	if err := bot.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{busyPG, filepath.Join(dir, "x.db")}, {file, busyPG}} {
		code, stdout, stderr := migrateMain(t, args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("migrate-store %s %s: exit %d, stdout %q, stderr %q; want 2 and one line", describeDB(args[0]), describeDB(args[1]), code, stdout, stderr)
		}
		mustContain(t, stderr, "in use by a running invitebot", "stop every instance")
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestMigrateStoreRefusesARunningBot$")
	cmd.Env = append(os.Environ(), "MIGRATE_CHILD_DB="+file)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "open\n" {
		t.Fatalf("the other process said %q, want open", line)
	}
	code, stdout, stderr := migrateMain(t, file, emptyPG)
	if code != 2 || stdout != "" {
		t.Errorf("migrate-store from a file in use: exit %d, stdout %q, stderr %q; want 2", code, stdout, stderr)
	}
	mustContain(t, stderr, "open in another process", "stop the bot first")
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the other process: %v", err)
	}
	if code, stdout, stderr := migrateMain(t, file, emptyPG); code != 0 {
		t.Errorf("migrate-store once the other process ended: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestMigrateStoreArguments: wrong arguments get the usage and exit 2;
// -h the usage and exit 0; stores that cannot be opened one line and exit
// 2, never with the password.
func TestMigrateStoreArguments(t *testing.T) {
	const password = "s3cret-pw"
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.db")
	db, err := sqlite.Open(t.Context(), existing)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	notDB := filepath.Join(dir, "text.db")
	if err := os.WriteFile(notDB, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	unreachable := "postgres://invitebot:" + password + "@127.0.0.1:" + freePort(t) + "/invitebot?sslmode=disable"
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"none", nil, true, "give two stores, FROM and TO (got 0 arguments)"},
		{"one", []string{existing}, true, "(got 1 arguments)"},
		{"three", []string{existing, "a.db", "b.db"}, true, "(got 3 arguments)"},
		{"unknown flag", []string{"-force", existing, "a.db"}, true, "flag provided but not defined: -force"},
		{"same", []string{existing, existing}, false, "FROM and TO are the same store"},
		{"no source", []string{filepath.Join(dir, "missing.db"), filepath.Join(dir, "a.db")}, false, "FROM: no database at"},
		{"not a database", []string{notDB, filepath.Join(dir, "a.db")}, false, "is not an invitebot database"},
		{"unreachable source", []string{unreachable, filepath.Join(dir, "a.db")}, false, "cannot open FROM, PostgreSQL database invitebot on 127.0.0.1"},
		{"unreachable target", []string{existing, unreachable}, false, "cannot open TO, PostgreSQL database invitebot on 127.0.0.1"},
		{"target in no directory", []string{existing, filepath.Join(dir, "no", "such", "dir.db")}, false, "cannot open TO"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := migrateMain(t, tc.args...)
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			last := lines[len(lines)-1]
			if code != 2 || stdout != "" || !strings.HasPrefix(last, "invitebot: migrate-store: ") || !strings.Contains(last, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and a last line with %q", code, stdout, stderr, tc.want)
			}
			if got := strings.HasPrefix(stderr, "usage: invitebot migrate-store FROM TO\n"); got != tc.usage {
				t.Errorf("usage shown: %v, want %v:\n%s", got, tc.usage, stderr)
			}
			if !tc.usage && len(lines) != 1 {
				t.Errorf("%d lines on stderr, want one:\n%s", len(lines), stderr)
			}
			if strings.Contains(stderr, password) {
				t.Errorf("stderr shows the password: %q", stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "a.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed run left the target a.db behind (%v)", err)
	}
	code, stdout, stderr := migrateMain(t, "-h")
	if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "usage: invitebot migrate-store FROM TO\n") {
		t.Errorf("-h: exit %d, stdout %q, stderr %q; want 0 and the usage", code, stdout, stderr)
	}
}
