package bottest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// guardWorld is newWorld with a bot that supports join request queries,
// made the group's guard bot.
func guardWorld(t *testing.T) (*Server, *fakeClock) {
	t.Helper()
	b := defaultBot
	b.SupportsJoinRequestQueries = true
	srv := newWorld(t, WithBot(b))
	clock := newFakeClock(srv)
	srv.SetGuardBot(group, true)
	return srv, clock
}

// pushQuery pushes a join request and returns its query_id as the bot
// reads it.
func pushQuery(t *testing.T, srv *Server, userID int64) string {
	t.Helper()
	u := srv.PushJoinRequest(group, userID, "")
	var ups []struct {
		Request struct {
			QueryID string `json:"query_id"`
		} `json:"chat_join_request"`
	}
	json.Unmarshal(mustPost(t, srv, "getUpdates", map[string]string{"offset": id(u)}), &ups)
	if len(ups) != 1 || ups[0].Request.QueryID == "" {
		t.Fatalf("join request updates = %+v, want one with query_id", ups)
	}
	return ups[0].Request.QueryID
}

func answerQuery(query, result string) map[string]string {
	return map[string]string{"chat_join_request_query_id": query, "result": result}
}

const queryInvalidText = "Bad Request: QUERY_ID_INVALID"

// TestGuardBotAnswers: approve and decline act as approveChatJoinRequest
// and declineChatJoinRequest would; queue leaves the request to the
// administrators; each query is answered once, and recorded.
func TestGuardBotAnswers(t *testing.T) {
	srv, clock := guardWorld(t)
	var chat struct {
		GuardBot *struct{ ID int64 } `json:"guard_bot"`
	}
	json.Unmarshal(mustPost(t, srv, "getChat", map[string]string{"chat_id": id(group)}), &chat)
	if chat.GuardBot == nil || chat.GuardBot.ID != srv.Bot().ID {
		t.Errorf("getChat guard_bot = %+v", chat.GuardBot)
	}

	bobs := pushQuery(t, srv, bob)
	clock.Advance(guardTime) // 10 seconds: still in time
	mustPost(t, srv, "answerChatJoinRequestQuery", answerQuery(bobs, "approve"))
	if srv.Member(group, bob).Status != "member" {
		t.Errorf("approved Bob is %q", srv.Member(group, bob).Status)
	}
	wantError(t, srv, "answerChatJoinRequestQuery", answerQuery(bobs, "decline"), 400, queryInvalidText)

	carols := pushQuery(t, srv, carol)
	mustPost(t, srv, "answerChatJoinRequestQuery", answerQuery(carols, "decline"))
	if srv.Member(group, carol).Status != "left" {
		t.Errorf("declined Carol is %q", srv.Member(group, carol).Status)
	}
	wantError(t, srv, "approveChatJoinRequest", map[string]string{"chat_id": id(group), "user_id": id(carol)}, 400, "Bad Request: HIDE_REQUESTER_MISSING")

	carols = pushQuery(t, srv, carol)
	mustPost(t, srv, "answerChatJoinRequestQuery", answerQuery(carols, "queue"))
	if srv.Member(group, carol).Status != "left" {
		t.Errorf("queued Carol is %q", srv.Member(group, carol).Status)
	}
	mustPost(t, srv, "approveChatJoinRequest", map[string]string{"chat_id": id(group), "user_id": id(carol)}) // an admin's

	wantError(t, srv, "answerChatJoinRequestQuery", answerQuery("123", "approve"), 400, queryInvalidText)
	wantError(t, srv, "answerChatJoinRequestQuery", answerQuery(bobs, "maybe"), 400, "Bad Request: result must be one of approve, decline or queue")

	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	got := srv.JoinRequestQueries()
	want := []JoinRequestQuery{
		{ID: bobs, ChatID: group, UserID: bob, At: start, Result: "approve", AnsweredAt: start.Add(guardTime)},
		{ID: got[1].ID, ChatID: group, UserID: carol, At: start.Add(guardTime), Result: "decline", AnsweredAt: start.Add(guardTime)},
		{ID: carols, ChatID: group, UserID: carol, At: start.Add(guardTime), Result: "queue", AnsweredAt: start.Add(guardTime)},
	}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[0].ID == got[1].ID {
		t.Errorf("JoinRequestQueries =\n%+v\nwant\n%+v", got, want)
	}
}

// TestGuardBotTooLate: an answer more than 10 seconds after the request
// is refused, and the request waits for the administrators.
func TestGuardBotTooLate(t *testing.T) {
	srv, clock := guardWorld(t)
	q := pushQuery(t, srv, bob)
	clock.Advance(guardTime + time.Millisecond)
	wantError(t, srv, "answerChatJoinRequestQuery", answerQuery(q, "approve"), 400, queryInvalidText)
	wantError(t, srv, "sendChatJoinRequestWebApp", map[string]string{"chat_join_request_query_id": q, "web_app_url": "https://example.com/verify"}, 400, queryInvalidText)
	if srv.Member(group, bob).Status != "left" || srv.JoinRequestQueries()[0].Result != "" {
		t.Errorf("a late answer took effect")
	}
	mustPost(t, srv, "declineChatJoinRequest", map[string]string{"chat_id": id(group), "user_id": id(bob)})
}

// TestGuardBotWebApp: a Mini App shown within 10 seconds lets the answer
// wait for the user; one Mini App a request, over HTTPS.
func TestGuardBotWebApp(t *testing.T) {
	srv, clock := guardWorld(t)
	q := pushQuery(t, srv, bob)
	show := func(url string) map[string]string {
		return map[string]string{"chat_join_request_query_id": q, "web_app_url": url}
	}
	wantError(t, srv, "sendChatJoinRequestWebApp", show("http://example.com/verify"), 400, "Bad Request: WEBAPP_URL_INVALID")
	clock.Advance(5 * time.Second)
	mustPost(t, srv, "sendChatJoinRequestWebApp", show("https://example.com/verify?r=1"))
	wantError(t, srv, "sendChatJoinRequestWebApp", show("https://example.com/verify?r=2"), 400, queryInvalidText)
	clock.Advance(time.Minute)
	mustPost(t, srv, "answerChatJoinRequestQuery", answerQuery(q, "approve"))
	got := srv.JoinRequestQueries()[0]
	if got.WebAppURL != "https://example.com/verify?r=1" || got.WebAppAt.Sub(got.At) != 5*time.Second ||
		got.Result != "approve" || got.AnsweredAt.Sub(got.At) != 65*time.Second || srv.Member(group, bob).Status != "member" {
		t.Errorf("query = %+v", got)
	}
}

// TestGuardBotSetting: only a chat the bot guards gets queries, and only a
// bot that supports them, with the rights to act, can guard one.
func TestGuardBotSetting(t *testing.T) {
	srv, _ := guardWorld(t)
	srv.SetGuardBot(group, false)
	srv.PushJoinRequest(group, bob, "")
	var ups []map[string]map[string]any
	json.Unmarshal(mustPost(t, srv, "getUpdates", nil), &ups)
	if _, ok := ups[0]["chat_join_request"]["query_id"]; ok || len(ups) != 1 {
		t.Errorf("a request to an unguarded chat: %v", ups)
	}
	var chat map[string]any
	json.Unmarshal(mustPost(t, srv, "getChat", map[string]string{"chat_id": id(group)}), &chat)
	if _, ok := chat["guard_bot"]; ok {
		t.Errorf("getChat names a guard bot after SetGuardBot off")
	}

	rec := newRecorder(t)
	plain := newWorld(rec)
	plain.SetGuardBot(group, true) // the default bot does not support queries
	b := defaultBot
	b.SupportsJoinRequestQueries = true
	other := newWorld(rec, WithBot(b))
	other.SetMember(group, b.ID, Member{Status: "administrator"})
	other.SetGuardBot(group, true) // no can_invite_users
	other.SetGuardBot(alice, true)
	if f := rec.Fatals(); len(f) != 3 || !strings.Contains(f[0], "SupportsJoinRequestQueries") ||
		!strings.Contains(f[1], "CanInviteUsers") || !strings.Contains(f[2], "not a known group") {
		t.Errorf("reported %q", f)
	}
}
