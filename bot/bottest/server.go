package bottest

import (
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot/bottest/internal/spec"
)

// Server is a fake Telegram Bot API server. Create it with NewServer; its
// exported methods are safe to call from any goroutine.
type Server struct {
	// WaitTimeout bounds WaitFor and WaitMessages (DefaultWaitTimeout when
	// 0). Set it before waiting, from the test's goroutine.
	WaitTimeout time.Duration

	t       reporter // the test, or Start's stand-in for one
	spec    *spec.Spec
	url     string // the base URL, the same across Down and Up
	httpSrv *http.Server
	serving sync.WaitGroup // the goroutines serving a listener
	token   string
	bot     User

	mu      sync.Mutex    // guards everything below
	changed chan struct{} // closed and replaced on every change of state
	done    chan struct{} // closed when the server closes
	closed  bool
	clock   func() time.Time
	rng     *rand.Rand

	// the network (updown.go)
	ln     net.Listener                // nil while down or closed
	down   bool                        // between Down and Up
	up     chan struct{}               // closed by Down; Up makes a new one
	conns  map[net.Conn]http.ConnState // open connections
	hooked int                         // requests running an Intercept hook now

	// the world
	users map[int64]User
	chats map[int64]*chatState

	// updates
	queue        []queued
	lastUpdateID int64
	confirmed    int64
	allowed      map[string]bool // nil: Telegram's default set
	pollGen      int64           // bumped by every getUpdates that starts to wait
	polling      int             // getUpdates requests waiting now

	// what the bot did
	calls       []Call
	inflight    int // requests being handled
	queries     map[string]*callbackQuery
	answers     []CallbackAnswer
	commands    map[commandScope]*commandList
	rights      [2]map[string]bool // default administrator rights: [0] groups, [1] channels
	lastQuery   uint64
	joinQueries []*JoinRequestQuery // join request queries to the bot as a guard bot (guard.go)
	sentFiles   map[string]*media   // the files the bot sent, by file_id (files.go)
	linkHashes  map[string]bool

	// faults
	failNext    map[string][]Reply
	interceptor []func(Call) (Reply, bool)
	latency     map[string]time.Duration
	random      *randomFaults // nil unless FailRandomly is on

	// rate limits (limits.go)
	limits      RateLimits
	sends       []sendRecord // the message sends within the longest window
	rateLimited int          // calls refused by the limits
}

// NewServer starts a fake Bot API server on 127.0.0.1 and closes it when
// the test ends. Spec violations found in requests are reported with
// t.Errorf. The options set the bot the server plays (WithBot) and its
// token (WithToken).
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return newServer(t, opts)
}

// newServer is NewServer for a test or for Start's stand-in for one.
func newServer(t reporter, opts []Option) *Server {
	t.Helper()
	cfg, err := newConfig(opts)
	if err != nil {
		t.Fatalf("bottest: %v", err)
		return nil
	}
	sp, err := spec.Load()
	if err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	s := &Server{
		t:          t,
		spec:       sp,
		token:      cfg.token,
		bot:        cfg.bot,
		changed:    make(chan struct{}),
		done:       make(chan struct{}),
		clock:      time.Now,
		rng:        rand.New(rand.NewPCG(6000000001, 0x1b0771e5)),
		users:      make(map[int64]User),
		chats:      make(map[int64]*chatState),
		queries:    make(map[string]*callbackQuery),
		commands:   make(map[commandScope]*commandList),
		linkHashes: make(map[string]bool),
		sentFiles:  make(map[string]*media),
		failNext:   make(map[string][]Reply),
		latency:    make(map[string]time.Duration),
		up:         make(chan struct{}),
		conns:      make(map[net.Conn]http.ConnState),
	}
	for _, u := range []User{s.bot, groupAnonymousBot, channelBot, telegramService} {
		s.users[u.ID] = u
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("bottest: listen: %v", err)
		return nil
	}
	s.url = "http://" + ln.Addr().String()
	s.httpSrv = &http.Server{Handler: s, ConnState: s.connState}
	s.ln = ln
	s.startServing(ln)
	t.Cleanup(s.close)
	return s
}

// close releases pending long polls, delayed answers and hangs, lets them
// answer, then stops the HTTP server.
func (s *Server) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	s.changedLocked()
	ln := s.ln
	s.ln = nil
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	// As httptest.Server.Close: close the connections that are doing
	// nothing, and let the others finish their answers.
	s.httpSrv.SetKeepAlivesEnabled(false)
	s.mu.Lock()
	for c, state := range s.conns {
		if state == http.StateNew || state == http.StateIdle {
			c.Close()
		}
	}
	s.waitLocked(func() bool { return s.inflight == 0 && !s.activeConnsLocked() })
	s.mu.Unlock()
	s.httpSrv.Close()
	s.serving.Wait()
	if t, ok := http.DefaultTransport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

// activeConnsLocked reports whether a connection is carrying a request.
func (s *Server) activeConnsLocked() bool {
	for _, state := range s.conns {
		if state == http.StateActive {
			return true
		}
	}
	return false
}

// waitLocked waits, with the lock held, until cond (evaluated with the
// lock held) is true.
func (s *Server) waitLocked(cond func() bool) {
	for !cond() {
		ch := s.changed
		s.mu.Unlock()
		<-ch
		s.mu.Lock()
	}
}

// URL returns the server's base URL, such as "http://127.0.0.1:41234". The
// bot calls URL()+"/bot"+Token()+"/"+method. It stays valid across Down
// and Up.
func (s *Server) URL() string { return s.url }

// Token returns the only bot token the server accepts (DefaultToken
// unless WithToken or WithBot changed it).
func (s *Server) Token() string { return s.token }

// Bot returns the bot the server plays, as getMe describes it (see
// WithBot).
func (s *Server) Bot() User { return s.bot }

// SetClock replaces the clock the server uses for message dates, for
// checking expire_date and for the windows of EnforceRateLimits (time.Now
// by default). now is called with the server's lock held: it must not call
// the server's methods.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}

func (s *Server) now() time.Time { return s.clock() }

// changedLocked wakes everything waiting for a change of state: WaitFor
// and long polls.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}
