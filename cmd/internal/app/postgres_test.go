package app

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/invitebot/invitebot/cmd/internal/ops"
	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/postgres"
	"github.com/invitebot/invitebot/store/postgres/pgtest"
	"github.com/invitebot/invitebot/store/storetest"
)

// The contract suite of the stores (store/storetest) runs on every
// interface the program uses, and on nothing more.
var (
	_ storetest.Store = ops.Store(nil)
	_ ops.Store       = storetest.Store(nil)
)

// freePort is a port on 127.0.0.1 where nothing listens.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

// TestPostgresConfigErrors: a PostgreSQL INVITEBOT_DB that cannot be
// opened ends the program, and -check, with exit status 2 and one line
// naming INVITEBOT_DB, before Telegram is asked anything; the URL's
// password never shows.
func TestPostgresConfigErrors(t *testing.T) {
	const password = "s3cret-pw"
	srv := newWorld(t)
	tests := []struct {
		name string
		url  func(t *testing.T) string
		want string
	}{
		{"unreachable server", func(t *testing.T) string {
			return "postgres://invitebot:" + password + "@127.0.0.1:" + freePort(t) + "/invitebot?sslmode=disable"
		}, "cannot connect"},
		{"bad URL", func(t *testing.T) string {
			return "postgresql://invitebot:" + password + "@127.0.0.1:notaport/invitebot"
		}, "not a PostgreSQL URL"},
		{"missing permission", func(t *testing.T) string {
			server := pgtest.Server(t)
			role := fmt.Sprintf("r_%d", time.Now().UnixNano())
			pgtest.Exec(t, server, "CREATE ROLE "+role+" LOGIN PASSWORD '"+password+"'")
			t.Cleanup(func() { pgtest.Exec(t, server, "DROP ROLE IF EXISTS "+role) }) // after the database's drop
			db := pgtest.NewDatabase(t)
			pgtest.Exec(t, db, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
			u, err := url.Parse(db)
			if err != nil {
				t.Fatal(err)
			}
			u.User = url.UserPassword(role, password)
			return u.String()
		}, "permission denied"},
	}
	for _, tt := range tests {
		for _, args := range [][]string{nil, {"-check"}} {
			t.Run(tt.name+" "+strings.Join(args, ""), func(t *testing.T) {
				envm := map[string]string{
					"TELEGRAM_BOT_TOKEN": srv.Token(), "TELEGRAM_API_URL": srv.URL(),
					"INVITEBOT_DB": tt.url(t),
				}
				calls := len(srv.CallsTo("getMe"))
				stdout, stderr := &syncBuffer{}, &syncBuffer{}
				code := Main(context.Background(), args, func(k string) string { return envm[k] }, stdout, stderr)
				out := stdout.String() + stderr.String()
				if code != 2 || strings.Count(out, "\n") != 1 || !strings.HasPrefix(stderr.String(), "invitebot: INVITEBOT_DB: cannot open the PostgreSQL database") || !strings.Contains(out, tt.want) {
					t.Errorf("exit %d, output %q; want 2 and one line about INVITEBOT_DB saying %q", code, out, tt.want)
				}
				if strings.Contains(out, password) {
					t.Errorf("the password shows: %q", out)
				}
				if n := len(srv.CallsTo("getMe")) - calls; n != 0 {
					t.Errorf("getMe called %d times: the database is checked first", n)
				}
			})
		}
	}
}

// TestBackupOnPostgres: invitebot backup copies SQLite databases; given a
// PostgreSQL URL it says to use pg_dump, and not the URL.
func TestBackupOnPostgres(t *testing.T) {
	envm := map[string]string{"INVITEBOT_DB": "postgresql://invitebot:s3cret-pw@127.0.0.1/invitebot"}
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	file := filepath.Join(t.TempDir(), "copy.db")
	code := Main(context.Background(), []string{"backup", file}, func(k string) string { return envm[k] }, stdout, stderr)
	if code != 2 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "pg_dump") || strings.Contains(stderr.String(), "s3cret-pw") {
		t.Errorf("exit %d, stderr %q; want 2 and one line that says pg_dump", code, stderr.String())
	}
}

// TestOnPostgres runs the program on PostgreSQL: a link made, listed, a
// join request through it approved and its join counted, all in the
// database, and there again after a restart.
func TestOnPostgres(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	ctx := context.Background()
	pg, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	// Answers in the group, as start sets for the SQLite tests.
	if err := pg.SaveChatSettings(ctx, store.ChatSettings{ChatID: groupID, Replies: store.RepliesChat}); err != nil {
		t.Fatal(err)
	}

	srv := newConsoleWorld(t)
	dir := t.TempDir()
	h := start(t, srv, dir, "INVITEBOT_DB", dbURL, "INVITEBOT_OWNERS", owners)
	mustContain(t, h.ask(groupID, alice, "/createlink Approval request").PlainText, "#1", "approval: yes")
	link := srv.InviteLinks(groupID)[0].InviteLink
	if l, err := pg.Link(ctx, groupID, 1); err != nil || l.URL != link || l.CreatedBy != alice {
		t.Fatalf("link #1 in PostgreSQL = %+v, %v; want %s by alice", l, err, link)
	}
	mustContain(t, h.ask(groupID, alice, "/links").PlainText, "#1", "Approval")

	srv.PushJoinRequest(groupID, frank, link)
	eventually(t, "the request stored in PostgreSQL", func() bool {
		reqs, _ := pg.PendingJoinRequests(ctx, groupID)
		return len(reqs) == 1 && reqs[0].UserID == frank && reqs[0].InviteLink == link
	})
	mustContain(t, h.ask(groupID, alice, "/approve "+id(frank)).PlainText, "Approved @frank_f's request")
	if r, err := pg.JoinRequest(ctx, groupID, frank); err != nil || r.State != store.RequestApproved || r.AnsweredBy != alice {
		t.Errorf("frank's request in PostgreSQL = %+v, %v", r, err)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	// Restarted on the same database: the link and its join are there,
	// numbering goes on, and no SQLite file was made.
	h = start(t, srv, dir, "INVITEBOT_DB", dbURL, "INVITEBOT_OWNERS", owners)
	if n := joinsOf(t, h.ask(groupID, alice, "/links").PlainText, 1); n != 1 {
		t.Errorf("joins of #1 after the restart = %d, want 1", n)
	}
	mustContain(t, h.ask(groupID, alice, "/createlink Second").PlainText, "#2")
	if l, err := pg.Link(ctx, groupID, 2); err != nil || l.Name != "Second" {
		t.Errorf("link #2 in PostgreSQL = %+v, %v", l, err)
	}
	last, _, err := pg.PendingUpdates(ctx)
	if err != nil || last == 0 {
		t.Errorf("the journal in PostgreSQL: last update %d, %v", last, err)
	}

	// -check names the database without the URL's user and password.
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	envm := map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token(), "TELEGRAM_API_URL": srv.URL(), "INVITEBOT_DB": dbURL}
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	code := Main(ctx, []string{"-check"}, func(k string) string { return envm[k] }, stdout, stderr)
	want := "database PostgreSQL database " + strings.TrimPrefix(u.Path, "/") + " on " + u.Host + " open"
	if code != 0 || !strings.Contains(stdout.String(), want) {
		t.Errorf("-check on PostgreSQL: exit %d, %q %q; want 0 and %q", code, stdout.String(), stderr.String(), want)
	}
	if password, ok := u.User.Password(); ok && strings.Contains(stdout.String(), password) || strings.Contains(stdout.String(), "@"+u.Host) {
		t.Errorf("-check shows the URL's user or password: %q", stdout.String())
	}
}
