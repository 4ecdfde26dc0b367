package postgres_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invitebot/invitebot/store/postgres"
	"github.com/invitebot/invitebot/store/postgres/pgtest"
)

// fastLeader are timings for tests: a standby looks every 200ms, a quiet
// leader checks every 300ms.
var fastLeader = postgres.LeaderOptions{Retry: 200 * time.Millisecond, Check: 300 * time.Millisecond, CheckTimeout: time.Second, Settle: 50 * time.Millisecond}

// acquire calls Acquire in the background and returns a channel that gets
// the lease.
func acquire(t *testing.T, ctx context.Context, l *postgres.Leadership) <-chan *postgres.Lease {
	t.Helper()
	got := make(chan *postgres.Lease, 1)
	go func() {
		lease, err := l.Acquire(ctx, nil)
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("Acquire: %v", err)
			}
			close(got)
			return
		}
		got <- lease
	}()
	return got
}

// within waits for a lease from got for at most d.
func within(t *testing.T, got <-chan *postgres.Lease, d time.Duration, what string) *postgres.Lease {
	t.Helper()
	select {
	case lease, ok := <-got:
		if !ok {
			t.Fatalf("%s: Acquire failed", what)
		}
		t.Cleanup(lease.Release)
		return lease
	case <-time.After(d):
		t.Fatalf("%s: no lease within %v", what, d)
		return nil
	}
}

// lockHolders are the backends that hold the leadership lock of key in
// db's database. Advisory locks belong to a database: the same key held in
// another one (another test's, on the same server) is another lock.
func lockHolders(t *testing.T, db *postgres.DB, key int64) []uint32 {
	t.Helper()
	rows, err := db.Pool().Query(t.Context(), `SELECT pid FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid`, key)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var pids []uint32
	for rows.Next() {
		var pid uint32
		if err := rows.Scan(&pid); err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// TestLeadershipOneAtATime: of two instances of one bot, one leads and the
// other waits; when the leader releases, the other leads at once. Another
// bot on the same database is not kept waiting.
func TestLeadershipOneAtATime(t *testing.T) {
	u := pgtest.NewDatabase(t)
	a, b, c := openDB(t, u), openDB(t, u), openDB(t, u)
	ctx := t.Context()
	first := within(t, acquire(t, ctx, a.Leadership(42, fastLeader)), 5*time.Second, "the first instance")
	if got := lockHolders(t, a, first.Key()); len(got) != 1 || got[0] != first.PID() {
		t.Errorf("the lock is held by backends %v, want the lease's %d", got, first.PID())
	}

	second := acquire(t, ctx, b.Leadership(42, fastLeader))
	// Another bot leads beside them.
	within(t, acquire(t, ctx, c.Leadership(43, fastLeader)), 5*time.Second, "another bot")
	// The second waits: several of its attempts (Retry 200ms) pass.
	select {
	case <-second:
		t.Fatal("a second instance of the same bot became leader while the first held the lock")
	case <-time.After(time.Second):
	}
	if first.Err() != nil {
		t.Fatalf("the leader lost its lease: %v", first.Err())
	}
	released := time.Now()
	first.Release()
	within(t, second, 5*time.Second, "the second instance after the release")
	took := time.Since(released)
	// It was waiting on the lock itself: it gets it as the first lets go,
	// plus its Settle.
	if took > time.Second {
		t.Errorf("the second instance led %v after the release, want under 1s", took)
	}
	t.Logf("handover after a release: %v", took.Round(time.Millisecond))
	select {
	case <-first.Lost():
		t.Error("a released lease reports a loss")
	default:
	}
}

// TestLeadershipConnectionKilled: the server ends the leader's connection
// (pg_terminate_backend): the leader learns it at once, and the standby
// leads within the bound.
func TestLeadershipConnectionKilled(t *testing.T) {
	u := pgtest.NewDatabase(t)
	a, b := openDB(t, u), openDB(t, u)
	ctx := t.Context()
	first := within(t, acquire(t, ctx, a.Leadership(42, fastLeader)), 5*time.Second, "the first instance")
	second := acquire(t, ctx, b.Leadership(42, fastLeader))

	var ok bool
	if err := a.Pool().QueryRow(ctx, `SELECT pg_terminate_backend($1)`, first.PID()).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend: %v, %v", ok, err)
	}
	killed := time.Now()
	select {
	case <-first.Lost():
		t.Logf("the leader noticed after %v: %v", time.Since(killed).Round(time.Millisecond), first.Err())
	case <-time.After(2 * time.Second):
		t.Fatal("the leader did not notice within 2s that its connection was ended")
	}
	if !errors.Is(first.Err(), postgres.ErrLeadershipLost) {
		t.Errorf("Err() = %v, want ErrLeadershipLost", first.Err())
	}
	lease := within(t, second, 5*time.Second, "the standby after the kill")
	t.Logf("the standby led %v after the kill", time.Since(killed).Round(time.Millisecond))
	if got := lockHolders(t, b, lease.Key()); len(got) != 1 || got[0] != lease.PID() {
		t.Errorf("the lock is held by backends %v, want the new lease's %d", got, lease.PID())
	}
}

// TestLeadershipSilentConnection: the network between the leader and the
// server goes silent (a proxy stops passing bytes, as a cut cable or a
// vanished route would): nothing tells the leader its connection ended,
// and its check finds it out within Check + CheckTimeout.
func TestLeadershipSilentConnection(t *testing.T) {
	u := pgtest.NewDatabase(t)
	p := newFreezer(t, u)
	a := openDB(t, p.url)
	ctx := t.Context()
	opts := fastLeader
	opts.CheckTimeout = 300 * time.Millisecond
	lease := within(t, acquire(t, ctx, a.Leadership(42, opts)), 5*time.Second, "the leader")
	p.freeze()
	frozen := time.Now()
	select {
	case <-lease.Lost():
		took := time.Since(frozen)
		t.Logf("the leader noticed the silence after %v: %v", took.Round(time.Millisecond), lease.Err())
		if bound := opts.Check + opts.CheckTimeout + 500*time.Millisecond; took > bound {
			t.Errorf("noticed after %v, want within %v", took, bound)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the leader did not notice within 5s that its connection went silent")
	}
}

// freezer is a TCP proxy to the test server that can stop passing bytes.
type freezer struct {
	url    string
	mu     sync.Mutex
	frozen bool
	conns  []net.Conn
}

func newFreezer(t *testing.T, dbURL string) *freezer {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	u.Host = ln.Addr().String()
	f := &freezer{url: u.String()}
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.conns {
			c.Close()
		}
	})
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			f.mu.Lock()
			f.conns = append(f.conns, in, out)
			f.mu.Unlock()
			go f.pipe(in, out)
			go f.pipe(out, in)
		}
	}()
	return f
}

// pipe copies from src to dst until either closes; frozen, it reads on and
// drops what it reads.
func (f *freezer) pipe(src, dst net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			f.mu.Lock()
			frozen := f.frozen
			f.mu.Unlock()
			if !frozen {
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

func (f *freezer) freeze() {
	f.mu.Lock()
	f.frozen = true
	f.mu.Unlock()
}

// TestLeadershipAcquireCancelled: a standby stopped while it waits returns
// ctx's error and leaves no lock behind.
func TestLeadershipAcquireCancelled(t *testing.T) {
	u := pgtest.NewDatabase(t)
	a, b := openDB(t, u), openDB(t, u)
	first := within(t, acquire(t, t.Context(), a.Leadership(42, fastLeader)), 5*time.Second, "the leader")
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	if _, err := b.Leadership(42, fastLeader).Acquire(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire while another leads = %v, want the context's deadline", err)
	}
	first.Release()
	// The cancelled statement ends in the server, and with it its wait:
	// nobody takes the lock after the leader lets go (Release unlocks
	// before it returns).
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if got := lockHolders(t, a, first.Key()); len(got) != 0 {
			t.Fatalf("after the release, the lock is held by %v (the leader's backend was %d)", got, first.PID())
		}
		time.Sleep(20 * time.Millisecond) // observing over a second, not synchronising
	}
}

// TestLeadershipSettle: an instance that finds the lock free leads at once
// (nobody led a moment ago: a lone instance starts fast); one that waited
// for another's lock waits Settle more after taking it.
func TestLeadershipSettle(t *testing.T) {
	u := pgtest.NewDatabase(t)
	a, b := openDB(t, u), openDB(t, u)
	opts := fastLeader
	opts.Settle = 2 * time.Second
	start := time.Now()
	first := within(t, acquire(t, t.Context(), a.Leadership(42, opts)), 5*time.Second, "the first instance")
	if took := time.Since(start); took >= opts.Settle {
		t.Errorf("the lock was free, and Acquire took %v, want no Settle (%v)", took, opts.Settle)
	}
	second := acquire(t, t.Context(), b.Leadership(42, opts))
	// The second waits on the lock (several of its attempts pass).
	select {
	case <-second:
		t.Fatal("the second led while the first held the lock")
	case <-time.After(500 * time.Millisecond):
	}
	released := time.Now()
	first.Release()
	within(t, second, 5*time.Second, "the second instance")
	if took := time.Since(released); took < opts.Settle {
		t.Errorf("the second led %v after the release, want at least its Settle of %v", took, opts.Settle)
	}
}

// TestLeadershipServerUnreachable: a standby that cannot reach the server
// keeps trying, says why (without the URL's password) and leads once the
// server answers again.
func TestLeadershipServerUnreachable(t *testing.T) {
	const password = "pw-never-shown"
	u, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), password) // the test server trusts 127.0.0.1
	g := newGate(t, u.String())
	db := openDB(t, g.url)
	g.shut()

	reasons := make(chan error, 100)
	got := make(chan *postgres.Lease, 1)
	go func() {
		lease, err := db.Leadership(42, fastLeader).Acquire(t.Context(), func(err error) {
			select {
			case reasons <- err:
			default:
			}
		})
		if err != nil {
			if t.Context().Err() == nil {
				t.Errorf("Acquire: %v", err)
			}
			close(got)
			return
		}
		got <- lease
	}()
	// Two failed attempts: it keeps trying, and leads on neither.
	for i := range 2 {
		select {
		case err := <-reasons:
			if strings.Contains(err.Error(), password) {
				t.Errorf("the reason shows the password: %v", err)
			}
			t.Logf("attempt %d: %v", i+1, err)
		case <-time.After(10 * time.Second):
			t.Fatalf("no reason given within 10s for attempt %d", i+1)
		}
	}
	select {
	case <-got:
		t.Fatal("led while the server could not be reached")
	default:
	}
	g.open()
	within(t, got, 5*time.Second, "the standby once the server answers")
}

// gate is a TCP proxy to the test server that can turn every new
// connection away (shut): the server cannot be reached.
type gate struct {
	url    string
	mu     sync.Mutex
	closed bool
}

func newGate(t *testing.T, dbURL string) *gate {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	target := u.Host
	u.Host = ln.Addr().String()
	g := &gate{url: u.String()}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			g.mu.Lock()
			shut := g.closed
			g.mu.Unlock()
			if shut {
				in.Close()
				continue
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	return g
}

func (g *gate) shut() { g.mu.Lock(); g.closed = true; g.mu.Unlock() }
func (g *gate) open() { g.mu.Lock(); g.closed = false; g.mu.Unlock() }
