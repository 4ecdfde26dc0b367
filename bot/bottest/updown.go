package bottest

import (
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
)

// Down takes the server off the network, as a crash or an outage does. It
// closes the listener, so that new connections are refused (the client
// sees "connection refused": errors.Is(err, syscall.ECONNREFUSED)); it
// resets every open connection, idle keep-alive ones included; and it
// releases every request that is waiting (a Delay, SetLatency, HangReply,
// a long poll) without an answer and with Fault FaultDown. Such a request
// is not performed, unless an After fault was delaying its answer. Down
// returns once the requests being handled are finished, except those
// running an Intercept hook (so that a hook may call Down). Down on a
// server that is down or closed does nothing.
func (s *Server) Down() {
	s.mu.Lock()
	if s.down || s.closed {
		s.mu.Unlock()
		return
	}
	s.down = true
	ln := s.ln
	s.ln = nil
	close(s.up)
	conns := slices.Collect(maps.Keys(s.conns))
	s.changedLocked()
	s.mu.Unlock()

	ln.Close()
	for _, c := range conns {
		reset(c)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waitLocked(func() bool { return s.inflight == s.hooked })
}

// Up brings the server back after Down: it listens again on the same
// address, so URL stays valid. The world, the update queue and the
// records are as Down left them. Up on a server that is up or closed does
// nothing; if the address can't be had again, the test fails.
func (s *Server) Up() {
	s.t.Helper()
	s.mu.Lock()
	down := s.down && !s.closed
	s.mu.Unlock()
	if !down {
		return
	}
	addr := strings.TrimPrefix(s.url, "http://")
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.t.Fatalf("bottest: Up: can't listen on %s again: %v", addr, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.down || s.closed { // another Up, or close, came first
		ln.Close()
		return
	}
	s.down = false
	s.up = make(chan struct{})
	s.ln = ln
	s.startServing(ln)
	s.changedLocked()
}

// startServing serves HTTP on ln until ln is closed.
func (s *Server) startServing(ln net.Listener) {
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		s.httpSrv.Serve(ln)
	}()
}

// connState keeps track of the open connections and their states, for
// Down and close.
func (s *Server) connState(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch state {
	case http.StateNew:
		if s.down || s.closed { // accepted just before the listener closed
			reset(c)
			return
		}
		s.conns[c] = state
	case http.StateActive, http.StateIdle:
		if _, ok := s.conns[c]; ok {
			s.conns[c] = state
		}
	case http.StateHijacked, http.StateClosed:
		delete(s.conns, c)
	}
	s.changedLocked()
}

// reset closes a connection with a TCP reset rather than an orderly
// close: the client's next write or read on it fails at once, so that its
// transport never takes it for an idle connection it may reuse.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}
