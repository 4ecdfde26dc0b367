package bottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/invitebot/invitebot/bot/bottest/internal/spec"
	"io"
	"maps"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultWaitTimeout is how long WaitFor waits when Server.WaitTimeout is 0.
const DefaultWaitTimeout = 10 * time.Second

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
	calls      []Call
	inflight   int // requests being handled
	queries    map[string]*callbackQuery
	answers    []CallbackAnswer
	commands   map[commandScope]*commandList
	rights     [2]map[string]bool // default administrator rights: [0] groups, [1] channels
	lastQuery  uint64
	linkHashes map[string]bool

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

// Call is one request the server received.
type Call struct {
	Method string            // as the specification spells it ("getUpdates"), or as sent if unknown
	Params map[string]string // the raw parameter values
	Status int               // HTTP status answered; 0 while pending, or if no answer was given
	At     time.Time         // when the request arrived

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

// request is one call being handled.
type request struct {
	method string
	params map[string]string
}

func (q *request) has(name string) bool   { _, ok := q.params[name]; return ok }
func (q *request) str(name string) string { return q.params[name] }

// int64 returns an Integer parameter (already checked against the spec).
func (q *request) int64(name string) int64 {
	n, _ := strconv.ParseInt(q.params[name], 10, 64)
	return n
}

func (q *request) bool(name string) bool { return q.params[name] == "true" }

// apiError is an error answer.
type apiError struct {
	code   int
	desc   string
	params object
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func forbidden(format string, args ...any) *apiError {
	return &apiError{code: http.StatusForbidden, desc: "Forbidden: " + fmt.Sprintf(format, args...)}
}

// described is a successful result that comes with a description, as
// deleteWebhook's "Webhook is already deleted".
type described struct {
	result any
	desc   string
}

type handler func(s *Server, q *request) (any, *apiError)

// handlers are the implemented methods, by lower-case name; getUpdates is
// served separately because it waits.
var handlers = map[string]handler{
	"getme":                           (*Server).getMe,
	"deletewebhook":                   (*Server).deleteWebhook,
	"getwebhookinfo":                  (*Server).getWebhookInfo,
	"setmycommands":                   (*Server).setMyCommands,
	"getmycommands":                   (*Server).getMyCommands,
	"deletemycommands":                (*Server).deleteMyCommands,
	"setmydefaultadministratorrights": (*Server).setMyDefaultAdministratorRights,
	"getmydefaultadministratorrights": (*Server).getMyDefaultAdministratorRights,
	"sendmessage":                     (*Server).sendMessage,
	"editmessagetext":                 (*Server).editMessageText,
	"editmessagereplymarkup":          (*Server).editMessageReplyMarkup,
	"deletemessage":                   (*Server).deleteMessage,
	"sendchataction":                  (*Server).sendChatAction,
	"answercallbackquery":             (*Server).answerCallbackQuery,
	"getchat":                         (*Server).getChat,
	"getchatmember":                   (*Server).getChatMember,
	"getchatadministrators":           (*Server).getChatAdministrators,
	"getchatmembercount":              (*Server).getChatMemberCount,
	"leavechat":                       (*Server).leaveChat,
	"exportchatinvitelink":            (*Server).exportChatInviteLink,
	"createchatinvitelink":            (*Server).createChatInviteLink,
	"editchatinvitelink":              (*Server).editChatInviteLink,
	"revokechatinvitelink":            (*Server).revokeChatInviteLink,
	"approvechatjoinrequest":          (*Server).approveChatJoinRequest,
	"declinechatjoinrequest":          (*Server).declineChatJoinRequest,
}

// ServeHTTP answers one Bot API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, name, pathOK := splitPath(r.URL.Path)
	m := s.spec.Method(name)
	if m != nil {
		name = m.Name
	}
	params, perr := readParams(r)

	s.mu.Lock()
	x := &exchange{s: s, w: w, r: r, idx: len(s.calls), up: s.up}
	s.calls = append(s.calls, Call{Method: name, Params: params, At: time.Now()})
	call := s.calls[x.idx].clone()
	s.inflight++
	down := s.down
	s.changedLocked()
	s.mu.Unlock()

	var status int
	if down {
		// The connection was accepted just before Down.
		status = x.abandon()
	} else {
		status = s.serve(x, call, token, pathOK, m, perr)
	}

	s.mu.Lock()
	s.calls[x.idx].Status = status
	s.inflight--
	s.changedLocked()
	s.mu.Unlock()
}

// serve handles a request: the checks, the faults before the call, the
// call, and the faults after it. It returns the status answered, 0 for
// none.
func (s *Server) serve(x *exchange, call Call, token string, pathOK bool, m *spec.Method, perr error) int {
	w := x.w
	switch {
	case !pathOK:
		return writeError(w, &apiError{code: http.StatusNotFound, desc: "Not Found"})
	case token != s.token:
		return writeError(w, &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"})
	case perr != nil:
		return writeError(w, badRequest("%v", perr))
	case m == nil:
		return writeError(w, &apiError{code: http.StatusNotFound, desc: "Not Found: method not found"})
	}
	if errs := s.spec.CheckParams(m, call.Params); len(errs) > 0 {
		for _, e := range errs {
			s.t.Errorf("bottest: %s: %s", m.Name, e)
		}
		return writeError(w, badRequest("%s", errs[0]))
	}
	lower := strings.ToLower(m.Name)
	h := handlers[lower]
	if h == nil && lower != "getupdates" {
		s.t.Errorf("bottest: %s is a Bot API method, but the fake server does not implement it; extend package bottest", m.Name)
		return writeError(w, &apiError{code: http.StatusNotFound, desc: "Not Found: method not found"})
	}

	// Draw the random fault first, so that it depends only on the order
	// in which calls arrive.
	random, rolled := s.rollRandom(lower)
	if !x.pause(s.latencyFor(lower)) {
		return x.abandon()
	}
	var after *Reply
	sources := [...]func() (Reply, bool){
		func() (Reply, bool) { return s.takeFailNext(lower) },
		func() (Reply, bool) { return s.intercept(call) },
		func() (Reply, bool) { return random, rolled },
	}
	for _, next := range sources {
		rep, ok := next()
		if !ok || rep.empty() {
			continue
		}
		if rep.After {
			after = &rep
			break
		}
		if status, done := x.reply(rep); done {
			return status
		}
	}

	if isClosed(x.up) { // Down came first, perhaps from a hook
		return x.abandon()
	}
	q := &request{method: m.Name, params: call.Params}
	var status int
	var body []byte
	if lower == "getupdates" {
		res, err := s.getUpdates(x, q)
		if err == nil && res == nil {
			return x.abandon()
		}
		x.setPerformed()
		if err != nil {
			status, body = errorBody(err)
		} else {
			status, body = http.StatusOK, res
		}
	} else {
		status, body = s.perform(x, lower, h, q)
	}
	if after != nil {
		if status, done := x.reply(*after); done {
			return status
		}
	}
	return writeBody(w, status, body)
}

// perform carries out a call, unless the rate limits refuse it, and
// returns the answer.
func (s *Server) perform(x *exchange, method string, h handler, q *request) (status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if wait := s.overLimitLocked(method, q); wait > 0 {
		s.rateLimited++
		s.calls[x.idx].Fault = FaultRateLimit
		return errorBody(tooManyRequests(wait))
	}
	res, aerr := h(s, q)
	s.calls[x.idx].Performed = true
	if aerr != nil {
		return errorBody(aerr)
	}
	s.countSendLocked(method, q)
	return http.StatusOK, resultBody(res)
}

// exchange is one request being served.
type exchange struct {
	s   *Server
	w   http.ResponseWriter
	r   *http.Request
	idx int             // the call's index in s.calls
	up  <-chan struct{} // closed by Down
}

func (x *exchange) setFault(f string) {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.calls[x.idx].Fault = f
	x.s.changedLocked()
}

func (x *exchange) setPerformed() {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.calls[x.idx].Performed = true
	x.s.changedLocked()
}

// wait waits for timer; it returns false if the client went away, the
// server went down or closed first. A nil timer waits for those only.
func (x *exchange) wait(timer <-chan time.Time) bool {
	select {
	case <-timer:
		return true
	case <-x.r.Context().Done():
	case <-x.up:
	case <-x.s.done:
	}
	return false
}

// pause waits d, as wait does.
func (x *exchange) pause(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	return x.wait(t.C)
}

// abandon answers nothing: the client went away, the server went down or
// is closing. The connection is closed so that a client still listening
// sees it drop.
func (x *exchange) abandon() int {
	select {
	case <-x.up:
		x.setFault(FaultDown)
	default:
	}
	if x.r.Context().Err() == nil {
		dropConnection(x.w)
	}
	return 0
}

// splitPath splits "/bot<token>/<method>".
func splitPath(path string) (token, method string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		return "", "", false
	}
	token, method, ok = strings.Cut(rest, "/")
	if !ok || method == "" || strings.Contains(method, "/") {
		return "", "", false
	}
	return token, method, true
}

// readParams collects the request's parameters from the query string and
// from a form, multipart or JSON body, as the real server does. Objects and
// arrays in a JSON body become their JSON text; JSON nulls are left out.
func readParams(r *http.Request) (map[string]string, error) {
	params := make(map[string]string)
	for k, vs := range r.URL.Query() {
		params[k] = vs[0]
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ctype {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return params, fmt.Errorf("can't parse multipart body: %v", err)
		}
		for k, vs := range r.MultipartForm.Value {
			params[k] = vs[0]
		}
		for k := range r.MultipartForm.File {
			params[k] = "attach://" + k
		}
		return params, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return params, fmt.Errorf("can't read the request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, nil
	}
	if ctype == "application/json" {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return params, fmt.Errorf("can't parse JSON request body: %v", err)
		}
		for k, raw := range fields {
			switch {
			case string(raw) == "null":
			case raw[0] == '"':
				var v string
				if err := json.Unmarshal(raw, &v); err != nil {
					return params, fmt.Errorf("can't parse JSON request body: %v", err)
				}
				params[k] = v
			default:
				var b bytes.Buffer
				if err := json.Compact(&b, raw); err != nil {
					return params, fmt.Errorf("can't parse JSON request body: %v", err)
				}
				params[k] = b.String()
			}
		}
		return params, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return params, fmt.Errorf("can't parse the request body: %v", err)
	}
	for k, vs := range form {
		params[k] = vs[0]
	}
	return params, nil
}

// resultBody is the envelope of a successful answer.
func resultBody(res any) []byte {
	var b bytes.Buffer
	b.WriteString(`{"ok":true,"result":`)
	if d, ok := res.(described); ok {
		b.Write(mustEncode(d.result))
		b.WriteString(`,"description":`)
		b.Write(mustEncode(d.desc))
	} else {
		b.Write(mustEncode(res))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// errorBody is the status and envelope of an error answer.
func errorBody(e *apiError) (int, []byte) {
	o := object{{"ok", false}, {"error_code", e.code}, {"description", e.desc}}
	if e.params != nil {
		o.add("parameters", e.params)
	}
	return e.code, mustEncode(o)
}

func writeError(w http.ResponseWriter, e *apiError) int {
	status, body := errorBody(e)
	return writeBody(w, status, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) int {
	ctype := "application/json"
	if !json.Valid(body) {
		ctype = "text/html"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
	return status
}
