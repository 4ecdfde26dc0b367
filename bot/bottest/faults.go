package bottest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Reply is an answer forced on a request by FailNext or Intercept.
//
// A Reply with only a Delay (no Status, no Body, no Drop) delays the
// request and then lets the server answer it normally.
type Reply struct {
	Status int           // HTTP status; 200 if 0 and Body is set
	Body   []byte        // the answer's body
	Delay  time.Duration // wait before answering; ends early if the client goes away
	Drop   bool          // close the connection without answering
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

// FailNext makes the next call to method (case-insensitive) answer r
// instead of being handled. Calls to the same method queue up. The call is
// still recorded in Calls and checked against the spec first: a call that
// fails the check is answered 400 and leaves the Reply queued.
func (s *Server) FailNext(method string, r Reply) {
	s.t.Helper()
	m := s.spec.method(method)
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
// check (after FailNext). Returning ok=false lets the call proceed; the
// first hook that returns ok=true decides the answer. Hooks run without the
// server's lock held and may call its methods.
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
		m := s.spec.method(method)
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

// pause waits d; it returns false if the client went away or the server
// closed first.
func (s *Server) pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// reply applies a forced answer. done is false when the Reply only
// delayed the call, which then proceeds normally.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, rep Reply) (status int, done bool) {
	if !s.pause(r.Context(), rep.Delay) {
		return abandon(w, r), true
	}
	if rep.Drop {
		dropConnection(w)
		return 0, true
	}
	if rep.Status == 0 && rep.Body == nil {
		return 0, false
	}
	status = rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	return writeBody(w, status, rep.Body), true
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
