package bottest

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// reports collects what a standalone server reports.
type reports struct {
	mu   sync.Mutex
	msgs []string
}

func (r *reports) add(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
}

func (r *reports) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// startStandalone starts a server outside the test's reporting and closes
// it when the test ends.
func startStandalone(t *testing.T, opts Options) *Server {
	t.Helper()
	srv, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// standaloneWorld is newWorld's world on a standalone server.
func standaloneWorld(t *testing.T, opts Options) *Server {
	t.Helper()
	srv := startStandalone(t, opts)
	srv.AddUser(aliceUser)
	srv.AddUser(bobUser)
	srv.AddChat(Chat{ID: group, Type: "supergroup", Title: "Invite Test Group"})
	srv.SetMember(group, alice, Member{Status: "creator"})
	srv.SetMember(group, srv.Bot().ID, Member{Status: "administrator", CanInviteUsers: true})
	return srv
}

// TestStartServesLikeNewServer: a bot talks to a standalone server as to
// a test's: getMe, updates, calls recorded.
func TestStartServesLikeNewServer(t *testing.T) {
	var rep reports
	srv := standaloneWorld(t, Options{Report: rep.add})
	api := newBot(t, srv)
	if api.Self.UserName != "invite_test_bot" {
		t.Errorf("getMe: %+v", api.Self)
	}
	uid, _ := srv.PushMessage(group, alice, "/links")
	if uid != 1 {
		t.Errorf("first update_id = %d, want 1", uid)
	}
	updates, err := api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 0})
	if err != nil || len(updates) != 1 || updates[0].Message.Text != "/links" {
		t.Fatalf("getUpdates = %+v, %v", updates, err)
	}
	if _, err := api.Send(tgbotapi.NewMessage(group, "hello")); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(group); len(m) != 1 || m[0].PlainText != "hello" {
		t.Errorf("messages = %+v", m)
	}
	if n := len(srv.CallsTo("sendMessage")); n != 1 {
		t.Errorf("%d sendMessage calls recorded", n)
	}
	if r := rep.all(); len(r) != 0 {
		t.Errorf("reports for correct use: %q", r)
	}
}

// TestStartReportsInsteadOfFailing: a spec violation is answered with 400
// and reported; misuse is reported and changes nothing; nothing stops.
func TestStartReportsInsteadOfFailing(t *testing.T) {
	var rep reports
	srv := standaloneWorld(t, Options{Report: rep.add})

	status, env, _ := post(t, srv, "sendMessage", map[string]string{"chat_id": id(group), "text": "hi", "colour": "red"})
	if status != http.StatusBadRequest || !strings.Contains(env.Description, "colour") {
		t.Errorf("unknown parameter: %d %q", status, env.Description)
	}
	if r := rep.all(); len(r) != 1 || !strings.Contains(r[0], "sendMessage") || !strings.Contains(r[0], "colour") {
		t.Fatalf("reports = %q", r)
	}

	srv.AddChat(Chat{ID: 42, Type: "private", Title: "x"})
	if uid, qid := srv.PushCallback(alice, group, 999, "x"); uid != 0 || qid != "" {
		t.Errorf("PushCallback for a missing message = %d, %q", uid, qid)
	}
	if uid := srv.PushJoinRequest(group, alice, ""); uid != 0 {
		t.Errorf("PushJoinRequest for a member = %d", uid)
	}
	r := rep.all()
	if len(r) != 4 || !strings.Contains(r[1], "AddChat") || !strings.Contains(r[2], "PushCallback") || !strings.Contains(r[3], "already in chat") {
		t.Errorf("reports = %q", r)
	}
	if srv.Pending() != 0 {
		t.Errorf("misuse queued %d updates", srv.Pending())
	}
	// The server still serves.
	mustPost(t, srv, "getMe", nil)

	// Without a Report, the same misuse is dropped quietly.
	quiet := startStandalone(t, Options{})
	quiet.AddChat(Chat{ID: 42, Type: "private", Title: "x"})
	mustPost(t, quiet, "getMe", nil)
}

// TestStartSeed: link codes follow the seed; 0 gives NewServer's.
func TestStartSeed(t *testing.T) {
	fromTest := createLink(t, newWorld(t), nil).InviteLink
	same := createLink(t, standaloneWorld(t, Options{}), nil).InviteLink
	if same != fromTest {
		t.Errorf("seed 0 made %s, NewServer %s", same, fromTest)
	}
	a := createLink(t, standaloneWorld(t, Options{Seed: 7}), nil).InviteLink
	b := createLink(t, standaloneWorld(t, Options{Seed: 7}), nil).InviteLink
	c := createLink(t, standaloneWorld(t, Options{Seed: 8}), nil).InviteLink
	if a != b || a == c || a == fromTest {
		t.Errorf("seed 7: %s and %s; seed 8: %s; default: %s", a, b, c, fromTest)
	}
}

// TestStartLastUpdateID: update IDs continue after LastUpdateID, and the
// bot's offset above it confirms them.
func TestStartLastUpdateID(t *testing.T) {
	srv := standaloneWorld(t, Options{LastUpdateID: 41})
	if uid, _ := srv.PushMessage(group, alice, "/links"); uid != 42 {
		t.Fatalf("update_id = %d, want 42", uid)
	}
	mustPost(t, srv, "getUpdates", map[string]string{"offset": "43", "timeout": "0"})
	if srv.Confirmed() != 42 || srv.Pending() != 0 {
		t.Errorf("confirmed %d, pending %d", srv.Confirmed(), srv.Pending())
	}
}

// TestStartClose: Close ends a long poll with an empty answer, stops
// listening, and may be called again; on a test's server it closes early.
func TestStartClose(t *testing.T) {
	srv, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int)
	go func() {
		status, env, _ := post(t, srv, "getUpdates", map[string]string{"timeout": "30"})
		if string(env.Result) != "[]" {
			t.Errorf("long poll ended with %s", env.Result)
		}
		done <- status
	}()
	srv.WaitFor(t, "the long poll", srv.Polling)
	srv.Close()
	if status := <-done; status != http.StatusOK {
		t.Errorf("long poll status %d", status)
	}
	if _, err := http.Get(srv.URL() + "/bot" + srv.Token() + "/getMe"); err == nil {
		t.Errorf("the server still answers after Close")
	}
	srv.Close()

	inTest := NewServer(t)
	inTest.Close()
	if _, err := http.Get(inTest.URL() + "/bot" + inTest.Token() + "/getMe"); err == nil {
		t.Errorf("a test's server still answers after Close")
	}
}
