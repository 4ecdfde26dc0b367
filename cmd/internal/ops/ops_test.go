package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/store"
	"github.com/invitebot/invitebot/store/sqlite"
)

// The store that the program wraps is a Store.
var _ Store = (*sqlite.DB)(nil)

// value is the value of the sample of metric name whose labels include
// labels (a counter's, a gauge's, or a histogram's count), and whether
// there is one.
func value(t *testing.T, m *Metrics, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			if !hasLabels(s, labels) {
				continue
			}
			switch {
			case s.Counter != nil:
				return s.Counter.GetValue(), true
			case s.Gauge != nil:
				return s.Gauge.GetValue(), true
			case s.Histogram != nil:
				return float64(s.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func hasLabels(s *dto.Metric, want map[string]string) bool {
	n := 0
	for _, l := range s.GetLabel() {
		if v, ok := want[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(want)
}

func mustValue(t *testing.T, m *Metrics, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := value(t, m, name, labels)
	if !ok {
		t.Errorf("%s%v: no such sample", name, labels)
		return
	}
	if got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

type l = map[string]string

// testRoutes are the kinds and commands the tests' metrics start with.
var testRoutes = Routes{
	Kinds:    []string{"message", "callback_query", "chat_join_request"},
	Commands: []string{"help", "createlink", "unknown"},
}

func TestObserverCounts(t *testing.T) {
	m := NewMetrics(Build{Version: "v1.2.3", Revision: "abc", Go: "go1.26"}, testRoutes)
	h := NewHealth(time.Minute, nil, nil)
	o := Observer(m, h)

	o.UpdateReceived("message")
	o.UpdateReceived("message")
	o.UpdateReceived("chat_join_request")
	o.UpdateHandled("message", "createlink", "ok", 20*time.Millisecond)
	o.UpdateHandled("message", "createlink", "error", time.Second)
	o.UpdateHandled("chat_join_request", "", "ok", time.Millisecond)

	o.APICall("createChatInviteLink", bot.OutcomeOK, 50*time.Millisecond)
	o.APICall("createChatInviteLink", bot.OutcomeRefused, 50*time.Millisecond)
	o.APICall("createChatInviteLink", bot.OutcomeUnsure, 50*time.Millisecond)
	o.APICall("exportChatInviteLink", bot.OutcomeOK, time.Millisecond)
	o.APICall("editChatInviteLink", bot.OutcomeOK, time.Millisecond)
	o.APICall("editChatInviteLink", bot.OutcomeOK, time.Millisecond)
	o.APICall("revokeChatInviteLink", bot.OutcomeOK, time.Millisecond)
	o.APICall("approveChatJoinRequest", bot.OutcomeOK, time.Millisecond)
	o.APICall("declineChatJoinRequest", bot.OutcomeRefused, time.Millisecond)
	o.APICall("sendMessage", bot.OutcomeTooMany, time.Millisecond)
	o.Retry("sendMessage", bot.OutcomeTooMany)
	o.RetryAfter("sendMessage", 3*time.Second)
	o.APICall("sendMessage", bot.OutcomeOK, time.Millisecond)
	o.Paced(0)
	o.Paced(1500 * time.Millisecond)

	o.Poll(nil)
	o.Poll(fmt.Errorf("getUpdates: %w", &tgbotapi.Error{Code: 409, Message: "Conflict: terminated by other getUpdates request"}))
	o.Poll(errors.New("getUpdates: connection refused"))

	mustValue(t, m, "invitebot_updates_received_total", l{"kind": "message"}, 2)
	mustValue(t, m, "invitebot_updates_received_total", l{"kind": "chat_join_request"}, 1)
	mustValue(t, m, "invitebot_updates_handled_total", l{"kind": "message", "command": "createlink", "outcome": "ok"}, 1)
	mustValue(t, m, "invitebot_updates_handled_total", l{"kind": "message", "command": "createlink", "outcome": "error"}, 1)
	mustValue(t, m, "invitebot_updates_handled_total", l{"kind": "chat_join_request", "command": "", "outcome": "ok"}, 1)
	mustValue(t, m, "invitebot_update_handling_seconds", l{"kind": "message", "command": "createlink"}, 2)

	mustValue(t, m, "invitebot_api_calls_total", l{"method": "createChatInviteLink", "outcome": "ok"}, 1)
	mustValue(t, m, "invitebot_api_calls_total", l{"method": "createChatInviteLink", "outcome": "refused"}, 1)
	mustValue(t, m, "invitebot_api_calls_total", l{"method": "createChatInviteLink", "outcome": "unsure"}, 1)
	mustValue(t, m, "invitebot_api_call_seconds", l{"method": "createChatInviteLink"}, 3)
	mustValue(t, m, "invitebot_invite_links_total", l{"action": "created"}, 1)
	mustValue(t, m, "invitebot_invite_links_total", l{"action": "exported"}, 1)
	mustValue(t, m, "invitebot_invite_links_total", l{"action": "edited"}, 2)
	mustValue(t, m, "invitebot_invite_links_total", l{"action": "revoked"}, 1)
	mustValue(t, m, "invitebot_join_requests_answered_total", l{"answer": "approved"}, 1)
	mustValue(t, m, "invitebot_join_requests_answered_total", l{"answer": "declined"}, 0)
	mustValue(t, m, "invitebot_api_too_many_requests_total", l{"method": "sendMessage"}, 1)
	mustValue(t, m, "invitebot_api_retries_total", l{"method": "sendMessage", "outcome": "429"}, 1)
	mustValue(t, m, "invitebot_api_retry_after_seconds_total", l{"method": "sendMessage"}, 3)
	mustValue(t, m, "invitebot_pacing_wait_seconds", nil, 2)

	mustValue(t, m, "invitebot_polls_total", l{"outcome": "ok"}, 1)
	mustValue(t, m, "invitebot_polls_total", l{"outcome": "conflict"}, 1)
	mustValue(t, m, "invitebot_polls_total", l{"outcome": "error"}, 1)
	if v, _ := value(t, m, "invitebot_last_successful_poll_timestamp_seconds", nil); v < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("last successful poll at %v", v)
	}
	mustValue(t, m, "invitebot_build_info", l{"version": "v1.2.3", "revision": "abc", "goversion": "go1.26"}, 1)
	mustValue(t, m, "invitebot_leader", nil, 0)
	m.SetLeader(true)
	mustValue(t, m, "invitebot_leader", nil, 1)
	m.SetLeader(false)
	mustValue(t, m, "invitebot_leader", nil, 0)
	if _, ok := value(t, m, "go_goroutines", nil); !ok {
		t.Error("no Go runtime metrics")
	}
	// The observer told the health of the polls: the last one failed,
	// the one before it was a conflict, and one succeeded.
	if err := h.Ready(context.Background()); err != nil {
		t.Errorf("ready after a recent success and a failure: %v", err)
	}
}

// TestMetricNamesFollowConventions runs Prometheus' linter over the metrics.
func TestMetricNamesFollowConventions(t *testing.T) {
	m := NewMetrics(Build{Version: "v0", Revision: "x", Go: "go"}, testRoutes)
	o := Observer(m, nil)
	o.UpdateReceived("message")
	o.UpdateHandled("message", "help", "ok", time.Millisecond)
	o.APICall("sendMessage", bot.OutcomeOK, time.Millisecond)
	o.Retry("sendMessage", bot.OutcomeNotSent)
	o.RetryAfter("sendMessage", time.Second)
	o.APICall("sendMessage", bot.OutcomeTooMany, time.Millisecond)
	o.Paced(0)
	m.storeOp("AddLink", time.Now(), errors.New("disk I/O error"))
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(fams).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "invitebot_") {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
}

// clock is a settable time for Health.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestHealth(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var pingErr error
	h := NewHealth(45*time.Second, func(context.Context) error { return pingErr }, c.now)
	notReady := func(want string) {
		t.Helper()
		err := h.Ready(ctx)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Ready = %v, want a reason with %q", err, want)
		}
	}
	ready := func() {
		t.Helper()
		if err := h.Ready(ctx); err != nil {
			t.Errorf("Ready = %v, want ready", err)
		}
	}
	notReady("no successful poll yet")
	h.Poll(errors.New("getUpdates: dial tcp: connection refused"))
	notReady("no successful poll yet; last error: getUpdates: dial tcp: connection refused")
	h.Poll(nil)
	ready()
	c.add(40 * time.Second)
	h.Poll(errors.New("getUpdates: 502 Bad Gateway"))
	ready() // one failed poll within the allowed silence is not an outage
	c.add(10 * time.Second)
	notReady("no successful poll for 50s (at most 45s allowed); last error: getUpdates: 502 Bad Gateway")
	h.Poll(nil)
	ready()
	h.Poll(fmt.Errorf("getUpdates: %w", &tgbotapi.Error{Code: 409, Message: "Conflict: terminated by other getUpdates request"}))
	notReady("getUpdates conflict: another instance of this bot is polling, or a webhook is set")
	h.Poll(nil)
	ready()
	pingErr = errors.New("ping database: sql: database is closed")
	notReady("database: ping database: sql: database is closed")
	pingErr = nil
	ready()

	// A standby is not ready, whatever its polls did; leading again, it
	// waits for a poll of its own term.
	h.Lead(false)
	notReady("standby: another instance polls")
	h.Poll(nil)
	notReady("standby: another instance polls")
	h.Lead(true)
	notReady("no successful poll yet")
	h.Poll(nil)
	ready()
}

func TestReadyzFollowsTheDatabase(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := NewHealth(time.Minute, db.Ping, nil)
	h.Poll(nil)
	srv := httptest.NewServer(Handler(NewMetrics(Build{}, testRoutes), h))
	defer srv.Close()
	if code, body := get(t, srv.URL+"/readyz"); code != 200 || body != "ready" {
		t.Errorf("/readyz = %d %q with an open database", code, body)
	}
	db.Close()
	if code, body := get(t, srv.URL+"/readyz"); code != 503 || !strings.Contains(body, "database") {
		t.Errorf("/readyz = %d %q with a closed database", code, body)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func TestHandler(t *testing.T) {
	m := NewMetrics(Build{Version: "v9"}, testRoutes)
	h := NewHealth(time.Minute, nil, nil)
	srv := httptest.NewServer(Handler(m, h))
	defer srv.Close()
	if code, body := get(t, srv.URL+"/healthz"); code != 200 || body != "ok" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := get(t, srv.URL+"/readyz"); code != 503 || body != "not ready: no successful poll yet" {
		t.Errorf("/readyz = %d %q before a poll", code, body)
	}
	h.Poll(nil)
	if code, body := get(t, srv.URL+"/readyz"); code != 200 || body != "ready" {
		t.Errorf("/readyz = %d %q after a poll", code, body)
	}
	code, body := get(t, srv.URL+"/metrics")
	if code != 200 || !strings.Contains(body, `invitebot_build_info{goversion="",revision="",version="v9"} 1`) || !strings.Contains(body, "go_memstats_heap_alloc_bytes") {
		t.Errorf("/metrics = %d\n%s", code, body)
	}
	if code, _ := get(t, srv.URL+"/nothing"); code != 404 {
		t.Errorf("/nothing = %d", code)
	}
	resp, err := http.Post(srv.URL+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d", resp.StatusCode)
	}
}

func TestInstrumentStore(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics(Build{}, testRoutes)
	s := InstrumentStore(db, m)
	const chat = -1001234567890
	added, _, err := s.AddLink(ctx, store.NewLink{ChatID: chat, URL: "https://t.me/+abc", CreatedBy: 1, CreatedAt: time.Now().UTC()})
	if err != nil || added.Number != 1 {
		t.Fatalf("AddLink = %+v, %v", added, err)
	}
	if _, err := s.Link(ctx, chat, 2); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Link #2 = %v", err)
	}
	if _, _, err := s.AddLink(ctx, store.NewLink{ChatID: chat, URL: "https://t.me/+abc", CreatedBy: 1, CreatedAt: time.Now().UTC()}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("AddLink again = %v", err)
	}
	if err := s.AcceptUpdates(ctx, 7, []store.PendingUpdate{{ID: 7, Raw: []byte(`{"update_id":7}`)}}); err != nil {
		t.Fatal(err)
	}
	if _, pending, err := s.PendingUpdates(ctx); err != nil || len(pending) != 1 {
		t.Fatalf("PendingUpdates = %v, %v", pending, err)
	}
	mustValue(t, m, "invitebot_store_operation_seconds", l{"operation": "AddLink"}, 2)
	mustValue(t, m, "invitebot_store_operation_seconds", l{"operation": "Link"}, 1)
	mustValue(t, m, "invitebot_store_operation_seconds", l{"operation": "AcceptUpdates"}, 1)
	mustValue(t, m, "invitebot_store_errors_total", l{"operation": "Link"}, 0)    // not found
	mustValue(t, m, "invitebot_store_errors_total", l{"operation": "AddLink"}, 0) // conflict
	db.Close()
	if _, err := s.ListLinks(ctx, chat); err == nil {
		t.Fatal("ListLinks on a closed database succeeded")
	}
	mustValue(t, m, "invitebot_store_errors_total", l{"operation": "ListLinks"}, 1)
}

func TestListenAndProbe(t *testing.T) {
	h := NewHealth(time.Minute, nil, nil)
	s, err := Listen("127.0.0.1:0", Handler(NewMetrics(Build{}, testRoutes), h), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	if _, err := Listen(s.Addr(), http.NotFoundHandler(), zerolog.Nop()); err == nil {
		t.Error("a second Listen on the same address succeeded")
	}
	ctx := context.Background()
	if err := Probe(ctx, s.Addr(), "/healthz"); err != nil {
		t.Errorf("Probe /healthz = %v", err)
	}
	if err := Probe(ctx, s.Addr(), "/readyz"); err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "no successful poll yet") {
		t.Errorf("Probe /readyz = %v before a poll", err)
	}
	h.Poll(nil)
	if err := Probe(ctx, s.Addr(), "/readyz"); err != nil {
		t.Errorf("Probe /readyz = %v after a poll", err)
	}
	_, port, _ := strings.Cut(s.Addr(), ":")
	if err := Probe(ctx, ":"+port, "/healthz"); err != nil {
		t.Errorf("Probe :%s = %v", port, err)
	}
	if err := Probe(ctx, "0.0.0.0:"+port, "/healthz"); err != nil {
		t.Errorf("Probe 0.0.0.0:%s = %v", port, err)
	}
	s.Shutdown()
	if err := Probe(ctx, s.Addr(), "/healthz"); err == nil {
		t.Error("Probe succeeded after Shutdown")
	}
}
