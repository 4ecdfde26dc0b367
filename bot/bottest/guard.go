package bottest

import (
	"net/url"
	"strconv"
	"time"
)

// Guard bots (Bot API 10.1): a chat may assign a bot to process its join
// requests. Each request then carries a query_id, which the bot must
// answer within 10 seconds: with answerChatJoinRequestQuery (approve,
// decline, or queue to leave it to the administrators), or with
// sendChatJoinRequestWebApp, which shows the user a Mini App and leaves
// the answer for later.

// guardTime is how long a guard bot has to answer a join request query.
const guardTime = 10 * time.Second

// queryInvalid is the fake's answer to a query that is unknown, answered
// already or too late. Telegram does not document what it answers then.
const queryInvalid = "QUERY_ID_INVALID"

// JoinRequestQuery is a join request query the bot received as a chat's
// guard bot, and what it did with it.
type JoinRequestQuery struct {
	ID         string    // the update's query_id, the methods' chat_join_request_query_id
	ChatID     int64     // the chat asked to join
	UserID     int64     // who asked
	At         time.Time // when the request came, on the server's clock
	WebAppURL  string    // the Mini App shown with sendChatJoinRequestWebApp, if any
	WebAppAt   time.Time // when
	Result     string    // "approve", "decline" or "queue" from answerChatJoinRequestQuery; "" while unanswered
	AnsweredAt time.Time // when
}

// SetGuardBot makes the bot the guard bot of a group, supergroup or
// channel (on), or no longer (off). Join requests pushed to the chat then
// carry query_id, and getChat names the bot in guard_bot. The bot must
// support join request queries (WithBot with SupportsJoinRequestQueries)
// and be able to manage the chat's join requests (an administrator with
// can_invite_users, or the creator), as a chat can't assign another.
func (s *Server) SetGuardBot(chatID int64, on bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	switch {
	case cs == nil || cs.chat.Type == "private":
		s.t.Fatalf("bottest: SetGuardBot: %d is not a known group or channel", chatID)
		return
	case on && !s.bot.SupportsJoinRequestQueries:
		s.t.Fatalf("bottest: SetGuardBot: the bot does not support join request queries; give WithBot a bot with SupportsJoinRequestQueries")
		return
	case on && !s.canInvite(cs):
		s.t.Fatalf("bottest: SetGuardBot: the bot can't manage join requests in chat %d; make it an administrator with CanInviteUsers first", chatID)
		return
	}
	cs.guarded = on
	s.changedLocked()
}

// JoinRequestQueries returns the join request queries sent to the bot as a
// guard bot, in order, with what it did with each.
func (s *Server) JoinRequestQueries() []JoinRequestQuery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]JoinRequestQuery, len(s.joinQueries))
	for i, q := range s.joinQueries {
		out[i] = *q
	}
	return out
}

func (s *Server) newJoinQueryLocked(chatID, userID int64) *JoinRequestQuery {
	id := strconv.FormatUint(7300000000000000000+uint64(len(s.joinQueries)+1)*104729, 10)
	q := &JoinRequestQuery{ID: id, ChatID: chatID, UserID: userID, At: s.now()}
	s.joinQueries = append(s.joinQueries, q)
	return q
}

// openQueryLocked finds a query the bot may still act on: known, not
// answered, and within 10 seconds of the request unless the bot showed a
// Mini App, after which the answer may wait for the user.
func (s *Server) openQueryLocked(id string) (*JoinRequestQuery, *apiError) {
	for _, q := range s.joinQueries {
		if q.ID != id {
			continue
		}
		late := s.now().After(q.At.Add(guardTime))
		if q.Result != "" || (late && q.WebAppURL == "") {
			return nil, badRequest(queryInvalid)
		}
		return q, nil
	}
	return nil, badRequest(queryInvalid)
}

func (s *Server) answerChatJoinRequestQuery(q *request) (any, *apiError) {
	result := q.str("result")
	if result != "approve" && result != "decline" && result != "queue" {
		return nil, badRequest("result must be one of approve, decline or queue")
	}
	jq, err := s.openQueryLocked(q.str("chat_join_request_query_id"))
	if err != nil {
		return nil, err
	}
	if result != "queue" {
		cs := s.chats[jq.ChatID]
		if err := s.answerRequestLocked(cs, jq.UserID, result == "approve"); err != nil {
			return nil, err
		}
	}
	jq.Result, jq.AnsweredAt = result, s.now()
	return true, nil
}

func (s *Server) sendChatJoinRequestWebApp(q *request) (any, *apiError) {
	jq, err := s.openQueryLocked(q.str("chat_join_request_query_id"))
	if err != nil {
		return nil, err
	}
	if jq.WebAppURL != "" {
		return nil, badRequest(queryInvalid) // one Mini App a request
	}
	u, perr := url.Parse(q.str("web_app_url"))
	if perr != nil || u.Scheme != "https" || u.Host == "" {
		return nil, badRequest("WEBAPP_URL_INVALID")
	}
	jq.WebAppURL, jq.WebAppAt = q.str("web_app_url"), s.now()
	return true, nil
}
