package bottest

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/invitebot/invitebot/bot/bottest/internal/spec"
)

type handler func(s *Server, q *request) (any, *apiError)

// handlers are the implemented methods, by lower-case name; getUpdates is
// served separately because it waits.
var handlers = map[string]handler{
	"getme":                            (*Server).getMe,
	"deletewebhook":                    (*Server).deleteWebhook,
	"getwebhookinfo":                   (*Server).getWebhookInfo,
	"setmycommands":                    (*Server).setMyCommands,
	"getmycommands":                    (*Server).getMyCommands,
	"deletemycommands":                 (*Server).deleteMyCommands,
	"setmydefaultadministratorrights":  (*Server).setMyDefaultAdministratorRights,
	"getmydefaultadministratorrights":  (*Server).getMyDefaultAdministratorRights,
	"sendmessage":                      (*Server).sendMessage,
	"senddocument":                     (*Server).sendDocument,
	"sendphoto":                        (*Server).sendPhoto,
	"editmessagetext":                  (*Server).editMessageText,
	"editmessagereplymarkup":           (*Server).editMessageReplyMarkup,
	"deletemessage":                    (*Server).deleteMessage,
	"sendchataction":                   (*Server).sendChatAction,
	"answercallbackquery":              (*Server).answerCallbackQuery,
	"getchat":                          (*Server).getChat,
	"getchatmember":                    (*Server).getChatMember,
	"getchatadministrators":            (*Server).getChatAdministrators,
	"getchatmembercount":               (*Server).getChatMemberCount,
	"leavechat":                        (*Server).leaveChat,
	"exportchatinvitelink":             (*Server).exportChatInviteLink,
	"createchatinvitelink":             (*Server).createChatInviteLink,
	"editchatinvitelink":               (*Server).editChatInviteLink,
	"revokechatinvitelink":             (*Server).revokeChatInviteLink,
	"createchatsubscriptioninvitelink": (*Server).createChatSubscriptionInviteLink,
	"editchatsubscriptioninvitelink":   (*Server).editChatSubscriptionInviteLink,
	"approvechatjoinrequest":           (*Server).approveChatJoinRequest,
	"declinechatjoinrequest":           (*Server).declineChatJoinRequest,
	"answerchatjoinrequestquery":       (*Server).answerChatJoinRequestQuery,
	"sendchatjoinrequestwebapp":        (*Server).sendChatJoinRequestWebApp,
}

// ServeHTTP answers one Bot API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, name, pathOK := splitPath(r.URL.Path)
	m := s.spec.Method(name)
	if m != nil {
		name = m.Name
	}
	params, files, perr := readParams(r)

	s.mu.Lock()
	x := &exchange{s: s, w: w, r: r, idx: len(s.calls), up: s.up, files: files}
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
	s.calls[x.idx].Ended = time.Now()
	s.inflight--
	s.changedLocked()
	s.mu.Unlock()
}

// serve handles a request: the checks, the faults before the call, the
// call, and the faults after it. It returns the status answered, 0 for
// none.
func (s *Server) serve(x *exchange, call Call, token string, pathOK bool, m *spec.Method, perr error) int {
	if errors.Is(perr, errEntityTooLarge) { // nginx, before the Bot API
		return writeBody(x.w, http.StatusRequestEntityTooLarge, []byte(tooLargePage))
	}
	h, refusal := s.admit(call, x.files, token, pathOK, m, perr)
	if refusal != nil {
		return writeError(x.w, refusal)
	}
	lower := strings.ToLower(m.Name)
	after, status, done := s.faultsBefore(x, lower, call)
	if done {
		return status
	}
	if isClosed(x.up) { // Down came first, perhaps from a hook
		return x.abandon()
	}
	q := &request{method: m.Name, params: call.Params, files: x.files}
	var body []byte
	if lower == "getupdates" {
		var ok bool
		if status, body, ok = s.poll(x, q); !ok {
			return x.abandon()
		}
	} else {
		status, body = s.perform(x, lower, h, q)
	}
	if after != nil {
		if status, done := x.reply(*after); done {
			return status
		}
	}
	return writeBody(x.w, status, body)
}

// admit checks what the real server checks before a method runs (the
// path, the token, the body, the method's name) and what the fake checks
// besides: the parameters against the specification (files only where it
// takes an InputFile), reported to the test, and that the fake implements
// the method. It returns the method's
// handler (nil for getUpdates), or the error to answer.
func (s *Server) admit(call Call, files map[string]upload, token string, pathOK bool, m *spec.Method, perr error) (handler, *apiError) {
	switch {
	case !pathOK:
		return nil, &apiError{code: http.StatusNotFound, desc: "Not Found"}
	case token != s.token:
		return nil, &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"}
	case perr != nil:
		return nil, badRequest("%v", perr)
	case m == nil:
		return nil, &apiError{code: http.StatusNotFound, desc: "Not Found: method not found"}
	}
	errs := s.spec.CheckParams(m, call.Params)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if f := m.Field(name); f != nil && !slices.Contains(f.Types, "InputFile") {
			errs = append(errs, fmt.Sprintf("parameter %q: a file was sent, but %s takes %s", name, m.Name, strings.Join(f.Types, " or ")))
		}
	}
	if len(errs) > 0 {
		for _, e := range errs {
			s.t.Errorf("bottest: %s: %s", m.Name, e)
		}
		return nil, badRequest("%s", errs[0])
	}
	lower := strings.ToLower(m.Name)
	h := handlers[lower]
	if h == nil && lower != "getupdates" {
		s.t.Errorf("bottest: %s is a Bot API method, but the fake server does not implement it; extend package bottest", m.Name)
		return nil, &apiError{code: http.StatusNotFound, desc: "Not Found: method not found"}
	}
	return h, nil
}

// faultsBefore applies the latency and the faults a call meets before it
// is performed: FailNext's, then Intercept's, then FailRandomly's; the
// first that decides the answer wins. done tells that the call was
// answered (status) or abandoned; after is a fault for the call's answer.
func (s *Server) faultsBefore(x *exchange, method string, call Call) (after *Reply, status int, done bool) {
	// Draw the random fault first, so that it depends only on the order
	// in which calls arrive.
	random, rolled := s.rollRandom(method)
	if !x.pause(s.latencyFor(method)) {
		return nil, x.abandon(), true
	}
	sources := [...]func() (Reply, bool){
		func() (Reply, bool) { return s.takeFailNext(method) },
		func() (Reply, bool) { return s.intercept(call) },
		func() (Reply, bool) { return random, rolled },
	}
	for _, next := range sources {
		rep, ok := next()
		if !ok || rep.empty() {
			continue
		}
		if rep.After {
			return &rep, 0, false
		}
		if status, done := x.reply(rep); done {
			return nil, status, true
		}
	}
	return nil, 0, false
}

// poll serves getUpdates; ok is false when it has no answer to give (the
// client went away, the server went down).
func (s *Server) poll(x *exchange, q *request) (status int, body []byte, ok bool) {
	res, err := s.getUpdates(x, q)
	if err == nil && res == nil {
		return 0, nil, false
	}
	x.setPerformed()
	if err != nil {
		status, body = errorBody(err)
		return status, body, true
	}
	return http.StatusOK, res, true
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
	files map[string]upload // the request's files
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	idx   int             // the call's index in s.calls
	up    <-chan struct{} // closed by Down
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
