package app

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/cmd/internal/ops"
)

// checkMethodsKnown fails the test if the bot called a Bot API method that
// ops.APIMethods lacks: its metrics would not exist before its first call.
// newWorld runs it when each test that uses the fake Telegram ends.
func checkMethodsKnown(t *testing.T, srv *bottest.Server) {
	t.Helper()
	known := ops.APIMethods()
	reported := map[string]bool{}
	for _, c := range srv.Calls() {
		if !slices.Contains(known, c.Method) && !reported[c.Method] {
			reported[c.Method] = true
			t.Errorf("the bot called %s, which ops.APIMethods lacks: add it there, so that its series exist from start-up", c.Method)
		}
	}
}

// seriesOf lists the series of the invitebot_ metrics in fams, as
// name{label=value,...}.
func seriesOf(fams map[string]*dto.MetricFamily) []string {
	var out []string
	for name, f := range fams {
		if !strings.HasPrefix(name, "invitebot_") {
			continue
		}
		for _, m := range f.GetMetric() {
			var kv []string
			for _, lp := range m.GetLabel() {
				kv = append(kv, lp.GetName()+"="+lp.GetValue())
			}
			sort.Strings(kv)
			out = append(out, name+"{"+strings.Join(kv, ",")+"}")
		}
	}
	sort.Strings(out)
	return out
}

// TestMetricsSeriesFixedFromStart sends every command the bot has, and one
// it has not, and finds each counted under its name in a series that was
// there, at 0, before the first update: no series appears with traffic.
func TestMetricsSeriesFixedFromStart(t *testing.T) {
	srv := newConsoleWorld(t)
	h, base := startOps(t, srv)
	_, text := httpGet(t, base+"/metrics")
	before := seriesOf(parseMetrics(t, text))

	// The router counts a command it does not have as "unknown".
	commands := []string{"unknown"}
	sent := map[string]string{"unknown": "/nosuchcommand"}
	for _, c := range commandNames() {
		if c != "unknown" {
			commands = append(commands, c)
			sent[c] = "/" + c
		}
	}
	for _, c := range commands {
		h.send(alice, alice, sent[c])   // private
		h.send(groupID, alice, sent[c]) // group
	}
	var fams map[string]*dto.MetricFamily
	waitUntil(t, "every command handled twice", 20*time.Second, func() bool {
		_, text := httpGet(t, base+"/metrics")
		fams = parseMetrics(t, text)
		for _, c := range commands {
			n := 0.0
			for _, o := range []string{"ok", "error", "panic"} {
				n += max(sample(fams, "invitebot_updates_handled_total", map[string]string{"kind": "message", "command": c, "outcome": o}), 0)
			}
			if n < 2 {
				return false
			}
		}
		return true
	})
	for _, s := range seriesOf(fams) {
		if _, found := slices.BinarySearch(before, s); !found {
			t.Errorf("%s appeared with traffic: it was not there from start-up", s)
		}
	}
	for _, c := range commands {
		if v := sample(fams, "invitebot_updates_handled_total", map[string]string{"kind": "message", "command": c, "outcome": "ok"}); v != 2 {
			t.Errorf("/%s handled ok %v times, want 2 (once in private, once in the group)", c, v)
		}
	}
}

// TestUndecodableUpdateCounted: an update the library cannot read is
// counted, by kind, in the series that was there at 0 from start-up.
func TestUndecodableUpdateCounted(t *testing.T) {
	srv := newWorld(t)
	h, base := startOps(t, srv)
	_, text := httpGet(t, base+"/metrics")
	if v := sample(parseMetrics(t, text), "invitebot_updates_undecodable_total", map[string]string{"kind": "message"}); v != 0 {
		t.Fatalf("invitebot_updates_undecodable_total{kind=message} = %v at start, want 0", v)
	}
	// A message nested deeper than the parser goes.
	deep := strings.Repeat(`{"a":`, 400) + `1` + strings.Repeat(`}`, 400)
	srv.PushUpdate([]byte(`{"update_id":1,"message":{"message_id":1,"date":1700000000,"text":"/help","x":` + deep + `}}`))
	mustContain(t, h.ask(groupID, alice, "/help").PlainText, "/createlink")
	waitUntil(t, "the undecodable update counted", 10*time.Second, func() bool {
		_, text := httpGet(t, base+"/metrics")
		return sample(parseMetrics(t, text), "invitebot_updates_undecodable_total", map[string]string{"kind": "message"}) == 1
	})
}
