package bottest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
)

// reporter is what the server needs from a test: testing.TB has it, and
// Start's stand-in has it outside a test.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(f func())
}

// Options configure a server started with Start.
type Options struct {
	// Report receives, one message at a time, what would fail a test:
	// requests that break the Bot API specification (answered with 400 as
	// under NewServer), misuse of the server's methods (an unknown chat,
	// a button that does not exist...), and notes such as a message that
	// privacy mode keeps from the bot. Nil discards them. It may be called
	// from any goroutine, with the server's lock held: it must not call
	// the server's methods.
	Report func(msg string)
	// Seed seeds the generator of invite link codes. 0 keeps NewServer's
	// seed: the same calls then give the same links as in a test.
	Seed uint64
	// LastUpdateID is where update IDs continue from, as Telegram's do for
	// a bot that has received updates before (0: they start at 1). A bot
	// that remembers the last update it saw ignores IDs up to it.
	LastUpdateID int64
}

// Start starts a fake Bot API server on 127.0.0.1 outside a test, for a
// program such as invitebot's sandbox; Close stops it. It takes the same
// options as NewServer (WithBot, WithToken) and behaves as its server,
// except that what NewServer reports with t.Errorf and t.Fatalf goes to
// opts.Report, and a method that a test's Fatalf would
// stop (AddChat with a bad type, PushCallback for a missing button...)
// returns without effect and with zero results: check them before
// calling, or watch Report.
func Start(opts Options, with ...Option) (*Server, error) {
	r := &standalone{report: opts.Report}
	s := newServer(r, with)
	if s == nil {
		return nil, errors.New(r.failure())
	}
	s.mu.Lock()
	if opts.Seed != 0 {
		s.rng = rand.New(rand.NewPCG(opts.Seed, 0x1b0771e5))
	}
	s.lastUpdateID = max(opts.LastUpdateID, 0)
	s.mu.Unlock()
	return s, nil
}

// Close stops a server made by Start: pending long polls are answered,
// the listener is closed. A server made by NewServer is closed by the
// test's cleanup, which Close runs early. Close may be called more than
// once.
func (s *Server) Close() {
	if r, ok := s.t.(*standalone); ok {
		r.runCleanups()
		return
	}
	s.close()
}

// standalone reports like a test without being one.
type standalone struct {
	report func(string)

	mu       sync.Mutex
	fatal    string // the first Fatalf, for Start's error
	cleanups []func()
}

func (r *standalone) Helper() {}

func (r *standalone) Errorf(format string, args ...any) { r.say(fmt.Sprintf(format, args...)) }

func (r *standalone) Logf(format string, args ...any) { r.say(fmt.Sprintf(format, args...)) }

// Fatalf reports; the caller returns right after it, as every use in the
// package does, since here it does not stop the goroutine.
func (r *standalone) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	if r.fatal == "" {
		r.fatal = msg
	}
	r.mu.Unlock()
	r.say(msg)
}

func (r *standalone) say(msg string) {
	if r.report != nil {
		r.report(msg)
	}
}

func (r *standalone) failure() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fatal == "" {
		return "bottest: the server did not start"
	}
	return r.fatal
}

func (r *standalone) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

// runCleanups runs the cleanups once each, the last registered first.
func (r *standalone) runCleanups() {
	r.mu.Lock()
	fs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}
