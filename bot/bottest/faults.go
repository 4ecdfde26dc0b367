package bottest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Faults recorded in Call.Fault, besides the HTTP status of an injected
// answer ("429", "502"...).
const (
	FaultDelay     = "delay"      // a Reply that only delayed the call (or its answer, with After)
	FaultDrop      = "drop"       // a Reply that dropped the connection
	FaultHang      = "hang"       // HangReply: no answer until the client gave up
	FaultDown      = "down"       // cut off by Down
	FaultRateLimit = "rate limit" // refused by EnforceRateLimits with 429
)

// Reply is a fault forced on a request by FailNext, Intercept or
// FailRandomly.
//
// By default the Reply replaces the call: the server waits Delay, then
// answers Status and Body, drops the connection (Drop) or never answers
// (Hang), and the call is not performed. A Reply with only a Delay (no
// Status, no Body, no Drop, no Hang) delays the request and then lets the
// server answer it normally. The zero Reply changes nothing.
//
// With After, the server first performs the call as usual (the message is
// sent, the link is created: Call.Performed) and the fault then replaces
// the answer: the request reached Telegram but its answer was lost. With
// only a Delay, After delays the true answer: a client whose deadline is
// shorter gives up on a call that took effect.
type Reply struct {
	Status int           // HTTP status; 200 if 0 and Body is set
	Body   []byte        // the answer's body
	Delay  time.Duration // wait before answering; ends early if the client goes away, or on Down or close
	Drop   bool          // close the connection without answering
	Hang   bool          // never answer: wait until the client goes away, or Down or close
	After  bool          // perform the call first, then apply the fault to its answer
}

// HangReply never answers: the call waits until the client gives up (its
// deadline, a cancelled context), the server goes Down or closes, and the
// connection is then closed. It is not performed unless After is set.
func HangReply() Reply { return Reply{Hang: true} }

// empty reports whether the Reply changes nothing.
func (r Reply) empty() bool {
	return r.Status == 0 && r.Body == nil && r.Delay <= 0 && !r.Drop && !r.Hang
}

// fault names the Reply for Call.Fault.
func (r Reply) fault() string {
	switch {
	case r.Hang:
		return FaultHang
	case r.Drop:
		return FaultDrop
	case r.Status != 0:
		return strconv.Itoa(r.Status)
	case r.Body != nil:
		return strconv.Itoa(http.StatusOK)
	case r.Delay > 0:
		return FaultDelay
	}
	return ""
}

// ErrorReply is a Telegram error envelope.
func ErrorReply(code int, description string) Reply {
	return Reply{Status: code, Body: mustEncode(object{{"ok", false}, {"error_code", code}, {"description", description}})}
}

// RetryAfterReply is the 429 answer to flooding: "Too Many Requests: retry
// after N" with parameters.retry_after.
func RetryAfterReply(seconds int) Reply {
	return Reply{Status: http.StatusTooManyRequests, Body: mustEncode(object{{"ok", false}, {"error_code", 429},
		{"description", fmt.Sprintf("Too Many Requests: retry after %d", seconds)},
		{"parameters", object{{"retry_after", seconds}}}})}
}

// MigrateReply is the answer for a group that was upgraded to a
// supergroup: 400 with parameters.migrate_to_chat_id.
func MigrateReply(newChatID int64) Reply {
	return Reply{Status: http.StatusBadRequest, Body: mustEncode(object{{"ok", false}, {"error_code", 400},
		{"description", "Bad Request: group chat was upgraded to a supergroup chat"},
		{"parameters", object{{"migrate_to_chat_id", newChatID}}}})}
}

// gatewayPage is what nginx in front of the Bot API answers when the
// server behind it is down.
const gatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"

// GatewayReply is a 502 with nginx's HTML page: not JSON at all.
func GatewayReply() Reply {
	return Reply{Status: http.StatusBadGateway, Body: []byte(gatewayPage)}
}

// FailNext makes the next call to method (case-insensitive) meet r:
// answered r instead of being handled, or, with r.After, handled and then
// answered r. Calls to the same method queue up. The call is still
// recorded in Calls and checked against the spec first: a call that fails
// the check is answered 400 and leaves the Reply queued.
func (s *Server) FailNext(method string, r Reply) {
	s.t.Helper()
	m := s.spec.Method(method)
	if m == nil {
		s.t.Fatalf("bottest: FailNext: %q is not a Bot API method", method)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(m.Name)
	s.failNext[key] = append(s.failNext[key], r)
}

// Intercept adds a hook consulted for every call that passed the spec
// check (after FailNext, unless FailNext's Reply decided the answer).
// Returning ok=false lets the call proceed; the first hook that returns
// ok=true decides the Reply. Hooks run without the server's lock held and
// may call its methods (Down included).
func (s *Server) Intercept(f func(c Call) (Reply, bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interceptor = append(s.interceptor, f)
}

// SetLatency adds a delay to every call of method ("" for every method);
// the two add up. Zero removes it.
func (s *Server) SetLatency(method string, d time.Duration) {
	s.t.Helper()
	key := ""
	if method != "" {
		m := s.spec.Method(method)
		if m == nil {
			s.t.Fatalf("bottest: SetLatency: %q is not a Bot API method", method)
			return
		}
		key = strings.ToLower(m.Name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.latency, key)
	} else {
		s.latency[key] = d
	}
}

func (s *Server) latencyFor(method string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency[""] + s.latency[method]
}

func (s *Server) takeFailNext(method string) (Reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.failNext[method]
	if len(q) == 0 {
		return Reply{}, false
	}
	s.failNext[method] = q[1:]
	return q[0], true
}

func (s *Server) interceptors() []func(Call) (Reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]func(Call) (Reply, bool)(nil), s.interceptor...)
}

// intercept consults the hooks. Down does not wait for a request while
// its hooks run, so that a hook may call Down.
func (s *Server) intercept(c Call) (Reply, bool) {
	hooks := s.interceptors()
	if len(hooks) == 0 {
		return Reply{}, false
	}
	s.mu.Lock()
	s.hooked++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.hooked--
		s.changedLocked()
		s.mu.Unlock()
	}()
	for _, f := range hooks {
		if rep, ok := f(c.clone()); ok {
			return rep, true
		}
	}
	return Reply{}, false
}

// randomFaults is the state of FailRandomly.
type randomFaults struct {
	share   float64
	rng     *rand.Rand
	methods map[string]bool // by lower-case name; nil: all but getMe
	replies []Reply
}

// defaultRandomReplies are FailRandomly's faults when it is given none:
// the transient failures a bot must retry.
func defaultRandomReplies() []Reply {
	return []Reply{GatewayReply(), ErrorReply(http.StatusInternalServerError, "Internal Server Error"), {Drop: true}}
}

// FailRandomly makes each call to one of methods (case-insensitive; every
// method but getMe if methods is nil) fail with probability share, with
// one of replies (any Reply, After ones included; if none are given, a 502
// GatewayReply, a 500 "Internal Server Error" or a dropped connection).
// The draws come from a math/rand/v2 PRNG seeded with seed, one or two per
// matching call in the order the calls arrive (after the spec check,
// before latency, FailNext and Intercept), so that a given sequence of
// calls meets the same faults every time. FailNext and Intercept take
// precedence over a random fault. Each call of FailRandomly starts afresh;
// a share of 0 turns it off.
func (s *Server) FailRandomly(share float64, seed int64, methods []string, replies ...Reply) {
	s.t.Helper()
	var rf *randomFaults
	if share > 0 {
		rf = &randomFaults{
			share:   min(share, 1),
			rng:     rand.New(rand.NewPCG(uint64(seed), 0x6661756c7473)),
			replies: slices.Clone(replies),
		}
		if len(rf.replies) == 0 {
			rf.replies = defaultRandomReplies()
		}
		if methods != nil {
			rf.methods = make(map[string]bool)
			for _, name := range methods {
				m := s.spec.Method(name)
				if m == nil {
					s.t.Fatalf("bottest: FailRandomly: %q is not a Bot API method", name)
					return
				}
				rf.methods[strings.ToLower(m.Name)] = true
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.random = rf
}

// rollRandom draws the random fault for a call to method (lower-case).
func (s *Server) rollRandom(method string) (Reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rf := s.random
	switch {
	case rf == nil:
		return Reply{}, false
	case rf.methods == nil && method == "getme":
		return Reply{}, false
	case rf.methods != nil && !rf.methods[method]:
		return Reply{}, false
	case rf.rng.Float64() >= rf.share:
		return Reply{}, false
	}
	return rf.replies[rf.rng.IntN(len(rf.replies))], true
}

// Injected returns the number of calls that met a fault, by method as the
// specification spells it: a Reply from FailNext, Intercept or
// FailRandomly (before or after the call, a mere Delay included), or Down.
// Refusals by the rate limits are counted by RateLimited instead.
func (s *Server) Injected() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int)
	for _, c := range s.calls {
		if c.Fault != "" && c.Fault != FaultRateLimit {
			out[c.Method]++
		}
	}
	return out
}

// reply applies a fault. done is false when the Reply only delayed the
// call (or, with After, its answer), which then proceeds normally.
func (x *exchange) reply(rep Reply) (status int, done bool) {
	x.setFault(rep.fault())
	if !x.pause(rep.Delay) {
		return x.abandon(), true
	}
	switch {
	case rep.Hang:
		x.wait(nil)
		return x.abandon(), true
	case rep.Drop:
		dropConnection(x.w)
		return 0, true
	case rep.Status == 0 && rep.Body == nil:
		return 0, false
	}
	status = rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	return writeBody(x.w, status, rep.Body), true
}

// dropConnection closes the request's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("bottest: the response writer can't drop the connection")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// isClosed reports whether ch is closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
