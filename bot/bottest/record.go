package bottest

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"
)

// DefaultWaitTimeout is how long WaitFor waits when Server.WaitTimeout is 0.
const DefaultWaitTimeout = 10 * time.Second

// Call is one request the server received.
type Call struct {
	Method string            // as the specification spells it ("getUpdates"), or as sent if unknown
	Params map[string]string // the raw parameter values
	Status int               // HTTP status answered; 0 while pending, or if no answer was given
	At     time.Time         // when the request arrived
	Ended  time.Time         // when the server was done with it (answered, or its client gone); zero while pending

	// Performed tells whether the server carried the call out: the
	// method's handler ran, so its effects (a message sent, a link
	// created) took place, even if it answered an error such as "chat not
	// found" or if a fault (Reply.After) kept the answer from the client.
	// A getUpdates counts as performed once it has produced its answer.
	// Calls answered by a fault, refused by the rate limits, or cut off by
	// Down before being handled are not performed.
	Performed bool

	// Fault is what happened to the call instead of, or after, normal
	// service: "" for nothing, the HTTP status of an injected answer
	// ("429", "502", "500"...), FaultDrop, FaultDelay, FaultHang,
	// FaultDown or FaultRateLimit. When a call meets several, the last
	// one is kept.
	Fault string
}

// Calls returns every request received so far, in order of arrival.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = c.clone()
	}
	return out
}

// CallsTo returns the requests to one method (its name is case-insensitive).
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if strings.EqualFold(c.Method, method) {
			out = append(out, c.clone())
		}
	}
	return out
}

func (c Call) clone() Call {
	c.Params = maps.Clone(c.Params)
	return c
}

// WaitFor waits until cond returns true, evaluating it now and after every
// change of the server's state (each request answered, each update pushed).
// It fails the test with what if that takes longer than WaitTimeout. cond
// runs without the server's lock held, so it may call the server's methods.
func (s *Server) WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	timeout := s.WaitTimeout
	if timeout <= 0 {
		timeout = DefaultWaitTimeout
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		ch := s.changes()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			if cond() {
				return
			}
			t.Fatalf("bottest: gave up after %v waiting for %s\n%s", timeout, what, s.describeCalls(10))
			return
		}
	}
}

// WaitMessages waits until the bot has sent at least n messages to the chat
// and returns the chat's messages.
func (s *Server) WaitMessages(t testing.TB, chatID int64, n int) []SentMessage {
	t.Helper()
	s.WaitFor(t, fmt.Sprintf("%d message(s) from the bot in chat %d", n, chatID), func() bool {
		return len(s.Messages(chatID)) >= n
	})
	return s.Messages(chatID)
}

// describeCalls summarises the last n calls for failure messages.
func (s *Server) describeCalls(n int) string {
	calls := s.Calls()
	if len(calls) == 0 {
		return "the bot made no requests"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "last requests (of %d):", len(calls))
	for _, c := range calls[max(0, len(calls)-n):] {
		fmt.Fprintf(&b, "\n  %s %s -> %d", c.At.Format("15:04:05.000"), c.Method, c.Status)
	}
	return b.String()
}
