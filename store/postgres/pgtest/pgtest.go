// Package pgtest gives tests a real PostgreSQL database of their own.
//
// INVITEBOT_TEST_POSTGRES names a server where the tests may create
// databases, as a URL (postgres://user@127.0.0.1:5432/postgres?sslmode=disable).
// Each test gets a new, empty database, created for it and dropped when it
// ends. Without the variable the tests that need one skip, saying so;
// with INVITEBOT_REQUIRE_POSTGRES=1 (as CI sets) they fail instead.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Variables of the environment that the tests read.
const (
	ServerVar  = "INVITEBOT_TEST_POSTGRES"
	RequireVar = "INVITEBOT_REQUIRE_POSTGRES"
)

// Server returns the URL of the test server. Without one it skips t, or
// fails it if a server is required.
func Server(t testing.TB) string {
	t.Helper()
	u := os.Getenv(ServerVar)
	if u == "" {
		if os.Getenv(RequireVar) == "1" {
			t.Fatalf("%s=1 but %s is not set: give the URL of a PostgreSQL server where the tests may create databases", RequireVar, ServerVar)
		}
		t.Skipf("no PostgreSQL server: set %s to the URL of one where the tests may create databases (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", ServerVar)
	}
	return u
}

// NewDatabase creates a new, empty database on the test server and returns
// its URL; the database is dropped when t ends. Without a server it skips
// t, or fails it if a server is required.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := Server(t)
	name := "t_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := exec(ctx, server, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database on the server of %s: %v", ServerVar, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE ends the connections a test left open (PostgreSQL 13+).
		if err := exec(ctx, server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL: %v", ServerVar, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Exec runs a statement in the database at url (the server's, or one of
// NewDatabase): for tests that make roles or grants.
func Exec(t testing.TB, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := exec(ctx, url, sql); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
}

func exec(ctx context.Context, server, sql string) error {
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
