package pgtest_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/invitebot/invitebot/store/postgres/pgtest"
)

// TestWithoutServer: without INVITEBOT_TEST_POSTGRES a test that needs
// the server skips, saying what to set; with INVITEBOT_REQUIRE_POSTGRES=1
// it fails.
func TestWithoutServer(t *testing.T) {
	if os.Getenv("PGTEST_CHILD") == "1" {
		pgtest.NewDatabase(t)
		t.Log("got a database")
		return
	}
	for _, tc := range []struct {
		require  string
		wantFail bool
		want     string
	}{
		{"", false, "--- SKIP"},
		{"1", true, "--- FAIL"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWithoutServer$", "-test.v")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, pgtest.ServerVar+"=") && !strings.HasPrefix(kv, pgtest.RequireVar+"=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, "PGTEST_CHILD=1", pgtest.RequireVar+"="+tc.require)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tc.wantFail {
			t.Errorf("%s=%q: failed %v, want %v:\n%s", pgtest.RequireVar, tc.require, failed, tc.wantFail, out)
		}
		if !strings.Contains(string(out), tc.want) || !strings.Contains(string(out), pgtest.ServerVar) || strings.Contains(string(out), "got a database") {
			t.Errorf("%s=%q: want %q and a word about %s:\n%s", pgtest.RequireVar, tc.require, tc.want, pgtest.ServerVar, out)
		}
	}
}

// TestNewDatabase: a database of the test's own, empty, dropped when the
// test ends.
func TestNewDatabase(t *testing.T) {
	server := pgtest.Server(t)
	var name string
	t.Run("test", func(t *testing.T) {
		u := pgtest.NewDatabase(t)
		conn, err := pgx.Connect(t.Context(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		var tables int
		if err := conn.QueryRow(t.Context(), `SELECT current_database(), (SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public')`).Scan(&name, &tables); err != nil {
			t.Fatal(err)
		}
		if p, _ := url.Parse(server); "/"+name == p.Path || tables != 0 {
			t.Errorf("database %s with %d tables, want a new, empty one", name, tables)
		}
	})
	conn, err := pgx.Connect(t.Context(), server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var left bool
	if err := conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&left); err != nil || left {
		t.Errorf("database %s left after its test: %v, %v", name, left, err)
	}
}
