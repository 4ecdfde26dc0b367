package app

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/invitebot/invitebot/bot/bottest"
)

// startOps runs the bot with the operations endpoints on a free port of
// 127.0.0.1, a poll timeout of 1s and a readiness margin of 1s, and
// returns the harness and the endpoints' base URL.
func startOps(t *testing.T, srv *bottest.Server, kv ...string) (*harness, string) {
	t.Helper()
	addr := make(chan string, 1)
	in := Options{Pace: fastPace, ReadyMargin: time.Second, Listening: func(a string) { addr <- a }}
	kv = append([]string{"INVITEBOT_HTTP_ADDR", "127.0.0.1:0", "INVITEBOT_POLL_TIMEOUT", "1s"}, kv...)
	h := startWith(t, srv, "", in, kv...)
	select {
	case a := <-addr:
		return h, "http://" + a
	default:
		t.Fatal("the bot polls, but does not serve the operations endpoints")
		return nil, ""
	}
}

// httpGet returns the status and body of url.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// waitUntil checks cond every 20ms until it holds, and fails the test
// after d. It is for what the fake server does not see change (the bot's
// own endpoints).
func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", d, what)
		}
		<-tick.C
	}
}

// waitReady waits until /readyz answers code with a body containing want.
func waitReady(t *testing.T, base string, code int, want string) {
	t.Helper()
	var gotCode int
	var gotBody string
	waitUntil(t, fmt.Sprintf("/readyz %d %q", code, want), 30*time.Second, func() bool {
		gotCode, gotBody = httpGet(t, base+"/readyz")
		return gotCode == code && strings.Contains(gotBody, want)
	})
}

// TestReadinessFollowsPolling: /readyz is 503 before the first poll, 200
// once polls succeed, 503 when Telegram is unreachable for longer than the
// poll timeout and the margin, 200 again when it is back, and 503 at once
// on a 409 Conflict; /healthz is 200 throughout.
func TestReadinessFollowsPolling(t *testing.T) {
	srv := newWorld(t)
	// Hold the first poll until the test has seen the bot not ready.
	release := make(chan struct{})
	var first sync.Once
	srv.Intercept(func(c bottest.Call) (bottest.Reply, bool) {
		if c.Method == "getUpdates" {
			first.Do(func() { <-release })
		}
		return bottest.Reply{}, false
	})
	h, base := startOps(t, srv)
	if code, body := httpGet(t, base+"/healthz"); code != 200 || body != "ok" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := httpGet(t, base+"/readyz"); code != 503 || body != "not ready: no successful poll yet" {
		t.Errorf("/readyz before the first poll = %d %q", code, body)
	}
	close(release)
	waitReady(t, base, 200, "ready")

	srv.Down()
	waitReady(t, base, 503, "no successful poll for")
	if code, _ := httpGet(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz while Telegram is down = %d", code)
	}
	srv.Up()
	waitReady(t, base, 200, "ready")

	srv.FailNext("getUpdates", bottest.ErrorReply(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"))
	waitReady(t, base, 503, "getUpdates conflict")
	waitReady(t, base, 200, "ready")

	_, text := httpGet(t, base+"/metrics")
	fams := parseMetrics(t, text)
	for _, outcome := range []string{"ok", "error", "conflict"} {
		if v := sample(fams, "invitebot_polls_total", map[string]string{"outcome": outcome}); v < 1 {
			t.Errorf("invitebot_polls_total{outcome=%q} = %v", outcome, v)
		}
	}

	// What an operator alerts on is in the log, as README's "Logs and
	// alerts" quotes it.
	logs := h.logs.String()
	for _, msg := range []string{
		"serving /healthz, /readyz, /metrics and the verification page",
		"getUpdates failed; retrying",
		"getUpdates conflict: another instance of this bot is polling, or a webhook is set; stop the other instance (or delete the webhook) so that only one runs",
	} {
		if !hasLogLine(t, logs, msg) {
			t.Errorf("no log line with msg %q", msg)
		}
	}
}

// hasLogLine reports whether a JSON log line has the given msg.
func hasLogLine(t *testing.T, logs, msg string) bool {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if line["msg"] == msg {
			return true
		}
	}
	return false
}

func parseMetrics(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text + "\n")) // httpGet trimmed the last newline
	if err != nil {
		t.Fatalf("/metrics is not Prometheus' text format: %v", err)
	}
	return fams
}

// sample is the value of the sample of name with the given labels (a
// histogram's count), -1 if there is none.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	for _, m := range f.GetMetric() {
		n := 0
		for _, lp := range m.GetLabel() {
			if v, ok := labels[lp.GetName()]; ok && v == lp.GetValue() {
				n++
			}
		}
		if n != len(labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// TestMetricsOnTraffic drives real commands through the bot and checks
// that the metrics tell what it did, and that no label is a chat or user ID.
func TestMetricsOnTraffic(t *testing.T) {
	srv := newConsoleWorld(t)
	h, base := startOps(t, srv)

	mustContain(t, h.ask(groupID, alice, "/createlink Partners request").PlainText, "#1")
	mustContain(t, h.ask(groupID, alice, "/editlink #1 name=Friends").PlainText, "Friends")
	mustContain(t, h.ask(groupID, alice, "/refreshlink").PlainText, "t.me")
	var link string
	for _, l := range srv.InviteLinks(groupID) {
		if l.CreatesJoinRequest {
			link = l.InviteLink
		}
	}
	// Updates of one chat are handled in order: the requests are stored
	// before the commands that answer them run.
	srv.PushJoinRequest(groupID, frank, link)
	srv.PushJoinRequest(groupID, gina, link)
	mustContain(t, h.ask(groupID, alice, "/approve "+id(frank)).PlainText, "Approved")
	mustContain(t, h.ask(groupID, alice, "/decline "+id(gina)).PlainText, "Declined")
	mustContain(t, h.ask(groupID, alice, "/revokelink #1").PlainText, "revoked")

	want := []struct {
		name   string
		labels map[string]string
		value  float64
	}{
		{"invitebot_updates_handled_total", map[string]string{"kind": "message", "command": "createlink", "outcome": "ok"}, 1},
		{"invitebot_updates_handled_total", map[string]string{"kind": "message", "command": "revokelink", "outcome": "ok"}, 1},
		{"invitebot_updates_handled_total", map[string]string{"kind": "chat_join_request", "command": "", "outcome": "ok"}, 2},
		{"invitebot_update_handling_seconds", map[string]string{"kind": "message", "command": "editlink"}, 1},
		{"invitebot_updates_received_total", map[string]string{"kind": "chat_join_request"}, 2},
		{"invitebot_api_calls_total", map[string]string{"method": "createChatInviteLink", "outcome": "ok"}, 1},
		{"invitebot_api_call_seconds", map[string]string{"method": "createChatInviteLink"}, 1},
		{"invitebot_invite_links_total", map[string]string{"action": "created"}, 1},
		{"invitebot_invite_links_total", map[string]string{"action": "edited"}, 1},
		{"invitebot_invite_links_total", map[string]string{"action": "exported"}, 1},
		{"invitebot_invite_links_total", map[string]string{"action": "revoked"}, 1},
		{"invitebot_join_requests_answered_total", map[string]string{"answer": "approved"}, 1},
		{"invitebot_join_requests_answered_total", map[string]string{"answer": "declined"}, 1},
		{"invitebot_store_operation_seconds", map[string]string{"operation": "AddLink"}, 2},
		{"invitebot_store_operation_seconds", map[string]string{"operation": "AddJoinRequest"}, 2},
	}
	// The last handler's end is counted just after its reply is sent.
	var fams map[string]*dto.MetricFamily
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(10 * time.Second); ; <-tick.C {
		_, text := httpGet(t, base+"/metrics")
		fams = parseMetrics(t, text)
		all := true
		for _, w := range want {
			all = all && sample(fams, w.name, w.labels) == w.value
		}
		if all || time.Now().After(deadline) {
			break
		}
	}
	for _, w := range want {
		if got := sample(fams, w.name, w.labels); got != w.value {
			t.Errorf("%s%v = %v, want %v", w.name, w.labels, got, w.value)
		}
	}
	for _, name := range []string{"invitebot_pacing_wait_seconds", "invitebot_last_successful_poll_timestamp_seconds", "invitebot_build_info", "go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s", name)
		}
	}
	if v := sample(fams, "invitebot_polls_total", map[string]string{"outcome": "ok"}); v < 1 {
		t.Errorf("polls ok = %v", v)
	}
	// A SQLite file has one instance, which leads.
	if v := sample(fams, "invitebot_leader", nil); v != 1 {
		t.Errorf("invitebot_leader = %v on the only instance, want 1", v)
	}
	for _, m := range fams["invitebot_store_errors_total"].GetMetric() {
		if v := m.GetCounter().GetValue(); v != 0 {
			t.Errorf("invitebot_store_errors_total%v = %v", m.GetLabel(), v)
		}
	}

	// Label values are bounded: no chat, user or link in them.
	ids := []int64{groupID, noRightID, channelID, group2ID, alice, bob, carol, dave, olga, erin, frank, gina, hank, ivan, jane, srv.Bot().ID}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				v := lp.GetValue()
				for _, id := range ids {
					if strings.Contains(v, strconv.FormatInt(id, 10)) || strings.Contains(v, strconv.FormatInt(-id, 10)) {
						t.Errorf("%s has label %s=%q: a chat or user ID", name, lp.GetName(), v)
					}
				}
				if strings.Contains(v, "t.me") || strings.Contains(v, "Partners") || strings.Contains(v, "Friends") {
					t.Errorf("%s has label %s=%q: text from users", name, lp.GetName(), v)
				}
			}
		}
	}
}

// TestLogFieldNames: the JSON log uses the field names README promises.
func TestLogFieldNames(t *testing.T) {
	srv := newWorld(t)
	h := start(t, srv, "")
	h.ask(groupID, alice, "/createlink Partners")
	waitUntil(t, "the update's log line", 10*time.Second, func() bool { return hasLogLine(t, h.logs.String(), "update handled") })
	sc := bufio.NewScanner(strings.NewReader(h.logs.String()))
	sc.Buffer(nil, 1<<20)
	seenUpdate := false
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		for _, f := range []string{"level", "time", "msg"} {
			if _, ok := line[f]; !ok {
				t.Errorf("log line without %q: %s", f, sc.Text())
			}
		}
		if _, ok := line["message"]; ok {
			t.Errorf("log line with \"message\": %s", sc.Text())
		}
		if line["msg"] == "update handled" && line["command"] == "createlink" {
			seenUpdate = true
			for _, f := range []string{"update_id", "chat_id", "user_id", "duration_ms"} {
				if _, ok := line[f]; !ok {
					t.Errorf("update line without %q: %s", f, sc.Text())
				}
			}
			if line["chat_id"] != float64(groupID) || line["user_id"] != float64(alice) {
				t.Errorf("update line: %s", sc.Text())
			}
		}
	}
	if !seenUpdate {
		t.Errorf("no \"update handled\" line for /createlink in\n%s", h.logs.String())
	}
}

// TestHTTPAddrTaken: a port that is taken is bad configuration.
func TestHTTPAddrTaken(t *testing.T) {
	srv := newWorld(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	envm := map[string]string{
		"TELEGRAM_BOT_TOKEN": srv.Token(), "TELEGRAM_API_URL": srv.URL(),
		"INVITEBOT_DB": filepath.Join(t.TempDir(), "x.db"), "INVITEBOT_HTTP_ADDR": ln.Addr().String(),
	}
	stderr := &syncBuffer{}
	code := Main(context.Background(), nil, func(k string) string { return envm[k] }, &syncBuffer{}, stderr)
	if code != 2 || !strings.Contains(stderr.String(), "INVITEBOT_HTTP_ADDR") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	if n := len(srv.CallsTo("getMe")); n != 0 {
		t.Errorf("getMe called %d times: the address is checked before Telegram is", n)
	}
}

// TestCheck: -check exits 0 with one line on stdout when the bot could
// start, and 2 with the reason on stderr when it could not, after one try.
func TestCheck(t *testing.T) {
	srv := newWorld(t)
	tests := []struct {
		name     string
		kv       []string
		fault    *bottest.Reply
		wantCode int
		want     string
	}{
		{"good", nil, nil, 0, "ok: configuration valid"},
		{"no token", []string{"TELEGRAM_BOT_TOKEN", ""}, nil, 2, "TELEGRAM_BOT_TOKEN: not set"},
		{"rejected token", []string{"TELEGRAM_BOT_TOKEN", "6000000001:AAwrong-SECRET-token"}, nil, 2, "TELEGRAM_BOT_TOKEN: Telegram rejected the token"},
		{"unwritable database", []string{"INVITEBOT_DB", "/nonexistent/dir/invitebot.db"}, nil, 2, "INVITEBOT_DB: cannot open /nonexistent/dir/invitebot.db"},
		{"unreachable", nil, &bottest.Reply{Drop: true}, 2, "TELEGRAM_API_URL: cannot reach the Bot API at " + srv.URL()},
		{"bad http addr", []string{"INVITEBOT_HTTP_ADDR", "8080"}, nil, 2, "INVITEBOT_HTTP_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			envm := map[string]string{
				"TELEGRAM_BOT_TOKEN": srv.Token(), "TELEGRAM_API_URL": srv.URL(),
				"INVITEBOT_DB": filepath.Join(t.TempDir(), "x.db"),
			}
			for i := 0; i+1 < len(tt.kv); i += 2 {
				envm[tt.kv[i]] = tt.kv[i+1]
			}
			if tt.fault != nil {
				srv.FailNext("getMe", *tt.fault)
			}
			calls := len(srv.CallsTo("getMe"))
			stdout, stderr := &syncBuffer{}, &syncBuffer{}
			code := Main(context.Background(), []string{"-check"}, func(k string) string { return envm[k] }, stdout, stderr)
			out := stdout.String() + stderr.String()
			if code != tt.wantCode || !strings.Contains(out, tt.want) || strings.Count(out, "\n") != 1 {
				t.Errorf("exit %d, output %q; want %d and one line with %q", code, out, tt.wantCode, tt.want)
			}
			if tt.wantCode == 0 && !strings.Contains(stdout.String(), "@"+srv.Bot().UserName) {
				t.Errorf("stdout %q does not name the bot", stdout.String())
			}
			if strings.Contains(out, "SECRET") || strings.Contains(out, srv.Token()) {
				t.Errorf("the token shows: %q", out)
			}
			if tt.fault != nil {
				if n := len(srv.CallsTo("getMe")) - calls; n != 1 {
					t.Errorf("getMe tried %d times, want 1", n)
				}
			}
		})
	}
}

// TestHealthcheckFlag: -healthcheck asks the running bot's /readyz.
func TestHealthcheckFlag(t *testing.T) {
	srv := newWorld(t)
	_, base := startOps(t, srv)
	waitReady(t, base, 200, "ready")
	addr := strings.TrimPrefix(base, "http://")
	probe := func(env map[string]string) (int, string) {
		stdout, stderr := &syncBuffer{}, &syncBuffer{}
		code := Main(context.Background(), []string{"-healthcheck"}, func(k string) string { return env[k] }, stdout, stderr)
		return code, stdout.String() + stderr.String()
	}
	if code, out := probe(map[string]string{"INVITEBOT_HTTP_ADDR": addr}); code != 0 || out != "ready\n" {
		t.Errorf("ready bot: exit %d, %q", code, out)
	}
	_, port, _ := net.SplitHostPort(addr)
	if code, out := probe(map[string]string{"INVITEBOT_HTTP_ADDR": ":" + port}); code != 0 {
		t.Errorf("INVITEBOT_HTTP_ADDR=:%s: exit %d, %q", port, code, out)
	}
	if code, out := probe(nil); code != 1 || !strings.Contains(out, "INVITEBOT_HTTP_ADDR is not set") {
		t.Errorf("no address: exit %d, %q", code, out)
	}
	srv.Down()
	waitReady(t, base, 503, "no successful poll")
	if code, out := probe(map[string]string{"INVITEBOT_HTTP_ADDR": addr}); code != 1 || !strings.Contains(out, "503") {
		t.Errorf("bot not polling: exit %d, %q", code, out)
	}
	srv.Up()
}

// TestVersionFlag: -version prints the version and the build information.
func TestVersionFlag(t *testing.T) {
	stdout := &bytes.Buffer{}
	if code := Main(context.Background(), []string{"-version"}, func(string) string { return "" }, stdout, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	out := stdout.String()
	mustContain(t, out, "invitebot ", runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH, "revision")
	if !strings.HasPrefix(out, "invitebot ") {
		t.Errorf("first line: %q", out)
	}
}

// TestVersionFromGitCheckout builds the binary as deploy/Dockerfile does,
// with go build in this git checkout, and checks that it is static and
// that -version names the commit.
func TestVersionFromGitCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "invitebot")
	// As the Dockerfile does, with the version set at link time.
	build := exec.Command("go", "build", "-buildvcs=true", "-ldflags", "-X github.com/invitebot/invitebot/cmd/internal/app.version=v9.8.7-test", "-o", bin, "../../invitebot")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// CGO_ENABLED=0 makes a static binary, as the Dockerfile's: no
	// dynamic loader to ask for.
	if f, err := elf.Open(bin); err == nil {
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("the CGO_ENABLED=0 build is dynamically linked")
			}
		}
		f.Close()
	}
	out, err := exec.Command(bin, "-version").Output()
	if err != nil {
		t.Fatalf("invitebot -version: %v", err)
	}
	mustContain(t, string(out), "invitebot v9.8.7-test", "revision  "+strings.TrimSpace(string(head)), "committed 20", runtime.Version())
}
