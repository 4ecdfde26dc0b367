package bottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// DefaultToken is the only token a new Server accepts.
const DefaultToken = "6000000001:AAF-test-SECRET-token-0123456789abcd"

// DefaultWaitTimeout is how long WaitFor waits when Server.WaitTimeout is 0.
const DefaultWaitTimeout = 10 * time.Second

// Server is a fake Telegram Bot API server. Create it with NewServer; its
// exported methods are safe to call from any goroutine.
type Server struct {
	// WaitTimeout bounds WaitFor and WaitMessages (DefaultWaitTimeout when
	// 0). Set it before waiting, from the test's goroutine.
	WaitTimeout time.Duration

	t     reporter // the test, or Start's stand-in for one
	spec  *apiSpec
	hs    *httptest.Server
	token string
	bot   tgbotapi.User

	mu      sync.Mutex    // guards everything below
	changed chan struct{} // closed and replaced on every change of state
	done    chan struct{} // closed when the server closes
	closed  bool
	clock   func() time.Time
	rng     *rand.Rand

	// the world
	users map[int64]tgbotapi.User
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
}

// NewServer starts a fake Bot API server on 127.0.0.1 and closes it when
// the test ends. Spec violations found in requests are reported with
// t.Errorf.
func NewServer(t testing.TB) *Server {
	t.Helper()
	return newServer(t)
}

// newServer is NewServer for a test or for Start's stand-in for one.
func newServer(t reporter) *Server {
	t.Helper()
	spec, err := loadSpec()
	if err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	s := &Server{
		t:     t,
		spec:  spec,
		token: DefaultToken,
		bot: tgbotapi.User{
			ID:            6000000001,
			IsBot:         true,
			FirstName:     "Invite Bot",
			UserName:      "invite_test_bot",
			CanJoinGroups: true,
		},
		changed:    make(chan struct{}),
		done:       make(chan struct{}),
		clock:      time.Now,
		rng:        rand.New(rand.NewPCG(6000000001, 0x1b0771e5)),
		users:      make(map[int64]tgbotapi.User),
		chats:      make(map[int64]*chatState),
		queries:    make(map[string]*callbackQuery),
		commands:   make(map[commandScope]*commandList),
		linkHashes: make(map[string]bool),
		failNext:   make(map[string][]Reply),
		latency:    make(map[string]time.Duration),
	}
	for _, u := range []tgbotapi.User{s.bot, groupAnonymousBot, channelBot, telegramService} {
		s.users[u.ID] = u
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("bottest: listen: %v", err)
		return nil
	}
	s.hs = &httptest.Server{Listener: ln, Config: &http.Server{Handler: s}}
	s.hs.Start()
	t.Cleanup(s.close)
	return s
}

// close releases pending long polls and delayed answers, then stops the
// HTTP server.
func (s *Server) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	s.changedLocked()
	s.mu.Unlock()
	s.hs.Close()
}

// URL returns the server's base URL, such as "http://127.0.0.1:41234". The
// bot calls URL()+"/bot"+Token()+"/"+method.
func (s *Server) URL() string { return s.hs.URL }

// Token returns the only bot token the server accepts.
func (s *Server) Token() string { return s.token }

// Bot returns the bot's own user, as getMe describes it.
func (s *Server) Bot() tgbotapi.User { return s.bot }

// SetClock replaces the clock the server uses for message dates and for
// checking expire_date (time.Now by default).
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
	Status int               // HTTP status answered; 0 while pending, or if the connection was dropped
	At     time.Time         // when the request arrived
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
	m := s.spec.method(name)
	if m != nil {
		name = m.Name
	}
	params, perr := readParams(r)

	s.mu.Lock()
	idx := len(s.calls)
	s.calls = append(s.calls, Call{Method: name, Params: params, At: time.Now()})
	call := s.calls[idx].clone()
	s.inflight++
	s.changedLocked()
	s.mu.Unlock()

	status := s.serve(w, r, call, token, pathOK, m, perr)

	s.mu.Lock()
	s.calls[idx].Status = status
	s.inflight--
	s.changedLocked()
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, call Call, token string, pathOK bool, m *apiMethod, perr error) int {
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
	if errs := s.spec.checkParams(m, call.Params); len(errs) > 0 {
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

	if !s.pause(r.Context(), s.latencyFor(lower)) {
		return abandon(w, r)
	}
	if rep, ok := s.takeFailNext(lower); ok {
		if status, done := s.reply(w, r, rep); done {
			return status
		}
	}
	for _, f := range s.interceptors() {
		if rep, ok := f(call.clone()); ok {
			if status, done := s.reply(w, r, rep); done {
				return status
			}
			break
		}
	}

	q := &request{method: m.Name, params: call.Params}
	if lower == "getupdates" {
		res, err := s.getUpdates(r, q)
		if err != nil {
			return writeError(w, err)
		}
		if res == nil {
			return abandon(w, r)
		}
		return writeBody(w, http.StatusOK, res)
	}
	s.mu.Lock()
	res, aerr := h(s, q)
	s.mu.Unlock()
	if aerr != nil {
		return writeError(w, aerr)
	}
	return writeResult(w, res)
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

func writeResult(w http.ResponseWriter, res any) int {
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
	return writeBody(w, http.StatusOK, b.Bytes())
}

func writeError(w http.ResponseWriter, e *apiError) int {
	o := object{{"ok", false}, {"error_code", e.code}, {"description", e.desc}}
	if e.params != nil {
		o.add("parameters", e.params)
	}
	return writeBody(w, e.code, mustEncode(o))
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

// abandon answers nothing: the client went away, or the server is closing.
// The connection is closed so that a client still listening sees it drop.
func abandon(w http.ResponseWriter, r *http.Request) int {
	if r.Context().Err() == nil {
		dropConnection(w)
	}
	return 0
}
