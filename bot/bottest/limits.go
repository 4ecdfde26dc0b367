package bottest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limit allows at most Max message sends in any sliding Window. A Limit
// with Max or Window not positive allows everything.
type Limit struct {
	Max    int
	Window time.Duration
}

func (l Limit) on() bool { return l.Max > 0 && l.Window > 0 }

// RateLimits are flood limits on the bot's message sends, which the server
// enforces with EnforceRateLimits. Message sends are sendMessage,
// editMessageText, editMessageReplyMarkup and every other send*, copy* and
// forward* method the fake implements, except sendChatAction, which sends
// no message.
type RateLimits struct {
	// Global counts all message sends together.
	Global Limit
	// PerGroup counts the sends into one group, supergroup or channel (a
	// chat_id that is negative or an @username, or that names a known
	// chat of such a type).
	PerGroup Limit
	// PerChat counts the sends into one chat of any type.
	PerChat Limit
}

// TelegramLimits are the limits Telegram documents for bots: 30 messages a
// second overall, 20 a minute into one group or channel, and (this one is
// the fake's reading of "about one message per second" into one chat,
// which allows short bursts) 5 in any 3 seconds into one chat.
var TelegramLimits = RateLimits{
	Global:   Limit{Max: 30, Window: time.Second},
	PerGroup: Limit{Max: 20, Window: time.Minute},
	PerChat:  Limit{Max: 5, Window: 3 * time.Second},
}

// sendRecord is a message send counted toward the limits.
type sendRecord struct {
	at   time.Time
	chat string // the chat's id, or chat_id as sent when it names no known chat
}

// EnforceRateLimits makes the server refuse message sends over l, as
// Telegram's flood control does: such a call is not performed, does not
// count toward the windows, and is answered 429 "Too Many Requests: retry
// after N" with parameters.retry_after N, the whole seconds (at least 1)
// until every window it exceeds lets it through. Only sends performed
// without error count; time is the server's clock (SetClock), so a test
// may drive the windows. The limits are off by default; the zero
// RateLimits turns them off and forgets the sends counted so far.
// RateLimited counts the refusals.
func (s *Server) EnforceRateLimits(l RateLimits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
	if l == (RateLimits{}) {
		s.sends = nil
	}
}

// RateLimited returns the number of calls refused by the rate limits of
// EnforceRateLimits. Each was answered 429, unless an After fault
// replaced that answer.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateLimited
}

// TooManyRequests returns the number of calls answered 429 Too Many
// Requests: those refused by the rate limits (RateLimited) plus those given
// a scripted 429 such as RetryAfterReply.
func (s *Server) TooManyRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// isMessageSend tells whether a method (lower-case) counts toward the
// rate limits.
func isMessageSend(method string) bool {
	switch {
	case method == "sendchataction":
		return false
	case method == "editmessagetext", method == "editmessagereplymarkup":
		return true
	}
	return strings.HasPrefix(method, "send") || strings.HasPrefix(method, "copy") || strings.HasPrefix(method, "forward")
}

// sendTargetLocked is the chat a message send goes to, for the limits.
func (s *Server) sendTargetLocked(q *request) (chat string, group bool) {
	param := q.str("chat_id")
	if param == "" {
		return "", false // inline_message_id: only the global limit applies
	}
	if cs, err := s.resolveChat(param); err == nil {
		return strconv.FormatInt(cs.chat.ID, 10), cs.chat.Type != "private"
	}
	return param, strings.HasPrefix(param, "-") || strings.HasPrefix(param, "@")
}

// overLimitLocked returns how long a message send must wait before the
// limits let it through; 0 if it may go now (or is no message send).
func (s *Server) overLimitLocked(method string, q *request) time.Duration {
	l := s.limits
	if l == (RateLimits{}) || !isMessageSend(method) {
		return 0
	}
	now := s.now()
	s.pruneSendsLocked(now)
	chat, group := s.sendTargetLocked(q)
	wait := l.Global.wait(now, s.sends, func(sendRecord) bool { return true })
	if chat != "" {
		same := func(r sendRecord) bool { return r.chat == chat }
		if group {
			wait = max(wait, l.PerGroup.wait(now, s.sends, same))
		}
		wait = max(wait, l.PerChat.wait(now, s.sends, same))
	}
	return wait
}

// wait returns how long until a send at now fits in the limit, given the
// sends that match, oldest first; 0 if it fits now.
func (l Limit) wait(now time.Time, sends []sendRecord, match func(sendRecord) bool) time.Duration {
	if !l.on() {
		return 0
	}
	var in []time.Time // the matching sends in the window ending now
	for _, r := range sends {
		if r.at.After(now.Add(-l.Window)) && match(r) {
			in = append(in, r.at)
		}
	}
	if len(in) < l.Max {
		return 0
	}
	// The window has room once all but Max-1 of these have left it.
	slices.SortFunc(in, func(a, b time.Time) int { return a.Compare(b) })
	return in[len(in)-l.Max].Add(l.Window).Sub(now)
}

// pruneSendsLocked forgets the sends older than every window.
func (s *Server) pruneSendsLocked(now time.Time) {
	longest := max(s.limits.Global.Window, s.limits.PerGroup.Window, s.limits.PerChat.Window)
	s.sends = slices.DeleteFunc(s.sends, func(r sendRecord) bool { return !r.at.After(now.Add(-longest)) })
}

// countSendLocked counts a message send that was performed.
func (s *Server) countSendLocked(method string, q *request) {
	if s.limits == (RateLimits{}) || !isMessageSend(method) {
		return
	}
	chat, _ := s.sendTargetLocked(q)
	s.sends = append(s.sends, sendRecord{at: s.now(), chat: chat})
}

// tooManyRequests is the 429 answer of flood control.
func tooManyRequests(wait time.Duration) *apiError {
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	return &apiError{
		code:   http.StatusTooManyRequests,
		desc:   fmt.Sprintf("Too Many Requests: retry after %d", secs),
		params: object{{"retry_after", secs}},
	}
}
