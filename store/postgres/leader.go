package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Leadership decides which of the instances of one bot that share a
// database is the leader, the one that polls Telegram: the holder of a
// session advisory lock, taken on a connection of its own (not one of the
// pool's, which come and go). The lock belongs to the session, so it goes
// the moment the connection does: the leader's process ends, it closes the
// connection, or the server drops it (pg_terminate_backend, a restart, a
// connection found dead by the server's TCP keepalives, which are set
// short on it). The key is derived from the bot's ID, so bots that share a
// database do not wait for each other.
//
// The leader watches its connection: it is blocked reading it, so a
// connection that the server ends is noticed at once, and when nothing
// came for LeaderOptions.Check it asks the server a cheap query, so that
// one that went silent is noticed within Check plus CheckTimeout.
type Leadership struct {
	cfg      *pgx.ConnConfig
	key      int64
	password string
	opts     LeaderOptions
}

// LeaderOptions are the timings of a Leadership; zero values mean the
// defaults.
type LeaderOptions struct {
	// Retry is how long a standby waits on the lock in one statement
	// (lock_timeout) before it checks its connection and waits again; it
	// also bounds the wait between attempts to connect. Default 2s.
	Retry time.Duration
	// Check is how long the leader's connection may stay quiet before the
	// leader asks the server whether it is still there. Default 2s.
	Check time.Duration
	// CheckTimeout bounds that question: no answer within it, and
	// leadership is lost. Default 2s.
	CheckTimeout time.Duration
	// Settle is how long a new leader that waited for the lock (another
	// held it) waits after taking it before it acts, so that a leader
	// that lost it (its connection ended while it lived) has noticed and
	// stopped: it notices an ended connection at once, and stops polling
	// and cuts its updates off within about a second. An instance that
	// finds the lock free does not wait: nobody led a moment ago. Default
	// 1s.
	Settle time.Duration
}

func (o *LeaderOptions) defaults() {
	if o.Retry <= 0 {
		o.Retry = 2 * time.Second
	}
	if o.Check <= 0 {
		o.Check = 2 * time.Second
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = 2 * time.Second
	}
	if o.Settle <= 0 {
		o.Settle = time.Second
	}
}

// LeaderKey is the advisory lock key (pg_advisory_lock's one-bigint key
// space) of the leadership of the bot with the given ID: a 64-bit FNV-1a
// hash of "invitebot leader " and the ID, so that neither another bot's key
// nor another program's small keys meet it.
func LeaderKey(botID int64) int64 {
	h := fnv.New64a()
	h.Write([]byte("invitebot leader " + strconv.FormatInt(botID, 10)))
	return int64(h.Sum64())
}

// Server-side TCP keepalives of the lock's connection, in seconds: a
// leader whose machine vanished without closing its connection loses the
// lock after about idle + interval × count (11 s) of silence, longer than
// the leader takes to notice it (Check + CheckTimeout) and stop.
const (
	keepaliveIdle     = "5"
	keepaliveInterval = "2"
	keepaliveCount    = "3"
)

// Leadership returns the leadership of the bot with ID botID among the
// instances that use this database. Its connections are made like the
// pool's, with the same URL.
func (db *DB) Leadership(botID int64, opts LeaderOptions) *Leadership {
	opts.defaults()
	cfg := db.pool.Config().ConnConfig.Copy()
	return &Leadership{cfg: cfg, key: LeaderKey(botID), password: cfg.Password, opts: opts}
}

// setUpSession sets the lock's session up: short server-side keepalives,
// and a lock_timeout of Retry, so that a statement that waits for the lock
// gives up in time for a standby to find out that its own connection
// died. Set with SET rather than as start-up parameters, which a pooler
// (PgBouncer) refuses.
func (l *Leadership) setUpSession(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, "SET tcp_keepalives_idle = "+keepaliveIdle+
		"; SET tcp_keepalives_interval = "+keepaliveInterval+
		"; SET tcp_keepalives_count = "+keepaliveCount+
		"; SET lock_timeout = "+strconv.FormatInt(l.opts.Retry.Milliseconds(), 10))
	return err
}

// ErrLeadershipLost is the cause of a Lease's end when the lock's
// connection failed (wrapped with what failed).
var ErrLeadershipLost = errors.New("leadership lost: the lock's connection to the database failed")

// Acquire waits until this instance holds the lock (then Settle more if
// another held it meanwhile), and returns the lease; or returns ctx's error when ctx ends first. waiting,
// if not nil, is called with the reason each time an attempt fails for
// something other than the lock being held (the server cannot be reached);
// it must not block.
func (l *Leadership) Acquire(ctx context.Context, waiting func(error)) (*Lease, error) {
	wait := 250 * time.Millisecond
	var conn *pgx.Conn
	// held: another instance held the lock during this wait; the first
	// to take it after it waits Settle.
	held := false
	defer func() {
		if conn != nil {
			closeConn(conn)
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if conn == nil || conn.IsClosed() {
			c, err := pgx.ConnectConfig(ctx, l.cfg)
			if err == nil {
				if err = l.setUpSession(ctx, c); err != nil {
					closeConn(c)
				}
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				if waiting != nil {
					waiting(redact(connectError(err), l.password))
				}
				if !sleepCtx(ctx, wait) {
					return nil, ctx.Err()
				}
				wait = min(wait*2, l.opts.Retry)
				continue
			}
			conn, wait = c, 250*time.Millisecond
		}
		// The lock may be free: then nobody led a moment ago, and there
		// is nobody to wait for. Else wait on it for lock_timeout
		// (Retry), then go round: the connection is checked by the
		// attempt itself.
		var err error
		if !held {
			var free bool
			if err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, l.key).Scan(&free); err == nil && !free {
				held = true
			}
		}
		if held && err == nil {
			_, err = conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, l.key)
		}
		if err == nil {
			lease := &Lease{conn: conn, l: l, pid: conn.PgConn().PID(), lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
			conn = nil // the lease's now
			go lease.watch()
			settle := time.Duration(0)
			if held {
				settle = l.opts.Settle
			}
			t := time.NewTimer(settle)
			select {
			case <-t.C:
				return lease, nil
			case <-lease.lost:
				t.Stop()
				if waiting != nil {
					waiting(lease.Err())
				}
				lease.Release()
				continue
			case <-ctx.Done():
				t.Stop()
				lease.Release()
				return nil, ctx.Err()
			}
		}
		if ctx.Err() != nil {
			// Stopped in the middle of the statement, which goes on in
			// the server: cancel it, so that it does not take the lock
			// for a moment when the leader lets go. Had it taken it
			// already, closing the connection (deferred) gives it back.
			cancelCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			conn.PgConn().CancelRequest(cancelCtx)
			cancel()
			return nil, ctx.Err()
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "55P03" { // lock_not_available: another leads
			continue
		}
		if waiting != nil {
			waiting(redact(fmt.Errorf("wait for the leadership lock: %w", err), l.password))
		}
		closeConn(conn)
		conn = nil
		if !sleepCtx(ctx, wait) {
			return nil, ctx.Err()
		}
		wait = min(wait*2, l.opts.Retry)
	}
}

// Lease is the leadership held: the lock's connection, watched.
type Lease struct {
	l    *Leadership
	conn *pgx.Conn
	pid  uint32

	lost chan struct{} // closed when the lock is lost
	err  error         // why, set before lost is closed
	stop chan struct{} // closed by Release
	done chan struct{} // closed when watch returns
	once sync.Once
}

// Lost is closed when the leadership is lost: the lock's connection failed
// or stopped answering. Err then says why.
func (s *Lease) Lost() <-chan struct{} { return s.lost }

// Err is why the leadership was lost (wrapping ErrLeadershipLost), nil
// while it is held.
func (s *Lease) Err() error {
	select {
	case <-s.lost:
		return s.err
	default:
		return nil
	}
}

// PID is the process ID of the server's backend that holds the lock.
func (s *Lease) PID() uint32 { return s.pid }

// Key is the advisory lock key held.
func (s *Lease) Key() int64 { return s.l.key }

// Release gives the leadership up: it unlocks the lock and closes its
// connection; when it returns, a standby may lead. It may be called more than once, and after the
// leadership was lost.
func (s *Lease) Release() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

// watch reads the connection, which tells at once of its end, and asks the
// server a question after each quiet Check, until Release or the loss.
func (s *Lease) watch() {
	defer close(s.done)
	defer closeConn(s.conn)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		quiet, cancelQuiet := context.WithTimeout(ctx, s.l.opts.Check)
		err := s.conn.PgConn().WaitForNotification(quiet)
		cancelQuiet()
		if ctx.Err() != nil {
			s.unlock()
			return // released
		}
		if err == nil {
			continue // a notification: nobody sends one; read on
		}
		if !pgconn.Timeout(err) {
			s.lose(err)
			return
		}
		check, cancelCheck := context.WithTimeout(ctx, s.l.opts.CheckTimeout)
		_, err = s.conn.Exec(check, `SELECT 1`)
		cancelCheck()
		if ctx.Err() != nil {
			if err == nil {
				s.unlock()
			}
			return
		}
		if err != nil {
			s.lose(err)
			return
		}
	}
}

// unlock gives the lock back before the connection closes, so that when
// Release returns a standby may have it already (the server ends a closed
// session a moment later).
func (s *Lease) unlock() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, s.l.key)
}

func (s *Lease) lose(err error) {
	s.err = fmt.Errorf("%w: %w", ErrLeadershipLost, redact(err, s.l.password))
	close(s.lost)
}

// closeConn closes a connection, waiting a little at most for the server.
func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c.Close(ctx)
}

// sleepCtx waits d or until ctx ends, and reports whether it waited d out.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
