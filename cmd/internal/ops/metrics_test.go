package ops

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/invitebot/invitebot/bot"
)

// seriesKey is a series' label values, in a comparable form.
func seriesKey(m *dto.Metric) string {
	var kv []string
	for _, lp := range m.GetLabel() {
		kv = append(kv, lp.GetName()+"="+lp.GetValue())
	}
	slices.Sort(kv)
	return strings.Join(kv, ",")
}

// key is seriesKey of the series with these label names and values.
func key(labels ...string) string {
	var kv []string
	for i := 0; i+1 < len(labels); i += 2 {
		kv = append(kv, labels[i]+"="+labels[i+1])
	}
	slices.Sort(kv)
	return strings.Join(kv, ",")
}

// TestEverySeriesExistsAtStart gathers the metrics right after NewMetrics
// and finds every series of every known label value there, at 0, and no
// other: an alert on increase() then fires on the first event.
func TestEverySeriesExistsAtStart(t *testing.T) {
	routes := Routes{
		Kinds:    []string{"message", "callback_query", "my_chat_member", "chat_member", "chat_join_request"},
		Commands: []string{"start", "createlink", "unknown"},
	}
	m := NewMetrics(Build{Version: "v1"}, routes)

	kinds := append(slices.Clone(routes.Kinds), "unknown")
	methods := APIMethods()
	var outcomes []string
	for _, o := range bot.Outcomes() {
		outcomes = append(outcomes, string(o))
	}
	var operations []string
	for m := range reflect.TypeFor[Store]().Methods() {
		operations = append(operations, m.Name)
	}
	if len(operations) < 20 || !slices.Contains(operations, "AddLink") || !slices.Contains(operations, "FinishUpdate") {
		t.Fatalf("store operations %v: not every interface of Store", operations)
	}
	want := map[string][]string{}
	each := func(name, label string, values []string) {
		for _, v := range values {
			want[name] = append(want[name], key(label, v))
		}
	}
	each("invitebot_updates_received_total", "kind", kinds)
	each("invitebot_updates_undecodable_total", "kind", kinds)
	for _, k := range kinds {
		want["invitebot_update_handling_seconds"] = append(want["invitebot_update_handling_seconds"], key("kind", k, "command", ""))
		for _, o := range []string{"ok", "error", "panic"} {
			want["invitebot_updates_handled_total"] = append(want["invitebot_updates_handled_total"], key("kind", k, "command", "", "outcome", o))
		}
	}
	for _, c := range routes.Commands {
		want["invitebot_update_handling_seconds"] = append(want["invitebot_update_handling_seconds"], key("kind", "message", "command", c))
		for _, o := range []string{"ok", "error", "panic"} {
			want["invitebot_updates_handled_total"] = append(want["invitebot_updates_handled_total"], key("kind", "message", "command", c, "outcome", o))
		}
	}
	for _, method := range methods {
		for _, o := range outcomes {
			want["invitebot_api_calls_total"] = append(want["invitebot_api_calls_total"], key("method", method, "outcome", o))
			if o != "ok" {
				want["invitebot_api_retries_total"] = append(want["invitebot_api_retries_total"], key("method", method, "outcome", o))
			}
		}
	}
	each("invitebot_api_call_seconds", "method", methods)
	each("invitebot_api_too_many_requests_total", "method", methods)
	each("invitebot_api_retry_after_seconds_total", "method", methods)
	each("invitebot_api_unsure_repeats_total", "method", methods)
	each("invitebot_polls_total", "outcome", []string{"ok", "error", "conflict"})
	each("invitebot_invite_links_total", "action", []string{"created", "exported", "edited", "revoked"})
	each("invitebot_join_requests_answered_total", "answer", []string{"approved", "declined"})
	each("invitebot_join_requests_total", "outcome", []string{"approved", "declined", "queued", "verified", "failed", "timed_out", "unreachable"})
	want["invitebot_guard_answer_seconds"] = []string{""}
	each("invitebot_store_operation_seconds", "operation", operations)
	each("invitebot_store_errors_total", "operation", operations)
	want["invitebot_pacing_wait_seconds"] = []string{""}
	want["invitebot_last_successful_poll_timestamp_seconds"] = []string{""}
	want["invitebot_leader"] = []string{""}

	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range fams {
		name := f.GetName()
		if !strings.HasPrefix(name, "invitebot_") || name == "invitebot_build_info" {
			continue
		}
		seen[name] = true
		var got []string
		for _, s := range f.GetMetric() {
			got = append(got, seriesKey(s))
			v := s.GetCounter().GetValue() + s.GetGauge().GetValue() + float64(s.GetHistogram().GetSampleCount())
			if v != 0 {
				t.Errorf("%s{%s} = %v at start, want 0", name, seriesKey(s), v)
			}
		}
		slices.Sort(got)
		exp := slices.Clone(want[name])
		slices.Sort(exp)
		exp = slices.Compact(exp)
		if !slices.Equal(got, exp) {
			missing, extra := diff(exp, got), diff(got, exp)
			t.Errorf("%s at start: %d series, want %d; missing %v; extra %v", name, len(got), len(exp), missing, extra)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("%s: no series at start", name)
		}
	}
}

// diff is what a has and b lacks.
func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// readme is the repository's README.md.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section is the text of s from the line that starts with from up to the
// next line that starts with to.
func section(t *testing.T, s, from, to string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, "\n"+from)
	if !ok {
		t.Fatalf("README has no %q", from)
	}
	body, _, ok := strings.Cut(rest, "\n"+to)
	if !ok {
		t.Fatalf("README has no %q after %q", to, from)
	}
	return body
}

// TestReadmeDocumentsEveryMetric: the README's metrics table lists exactly
// the invitebot_ metrics that are registered, with their labels, and every
// metric its queries and alerts use exists.
func TestReadmeDocumentsEveryMetric(t *testing.T) {
	text := readme(t)
	metrics := section(t, text, "**Metrics**", "### ")
	documented := map[string][]string{} // name: labels
	backticked := regexp.MustCompile("`([^`]*)`")
	for _, line := range strings.Split(metrics, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cols := strings.Split(line, "|")
		if len(cols) < 4 {
			t.Fatalf("metrics table row %q", line)
		}
		name := "invitebot_" + strings.Trim(strings.TrimSpace(cols[1]), "`")
		var labels []string
		for _, m := range backticked.FindAllStringSubmatch(cols[2], -1) {
			labels = append(labels, m[1])
		}
		slices.Sort(labels)
		documented[name] = labels
	}
	if len(documented) < 10 {
		t.Fatalf("found %d rows in README's metrics table", len(documented))
	}

	m := NewMetrics(Build{}, testRoutes)
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, f := range fams {
		name := f.GetName()
		if !strings.HasPrefix(name, "invitebot_") {
			continue
		}
		registered[name] = true
		labels, ok := documented[name]
		if !ok {
			t.Errorf("%s is registered but not in README's metrics table", name)
			continue
		}
		var got []string
		for _, lp := range f.GetMetric()[0].GetLabel() {
			got = append(got, lp.GetName())
		}
		slices.Sort(got)
		if !slices.Equal(got, labels) {
			t.Errorf("%s has labels %v; README says %v", name, got, labels)
		}
	}
	for name := range documented {
		if !registered[name] {
			t.Errorf("README documents %s, which is not registered", name)
		}
	}

	// The queries and alerts, there and in "Logs and alerts".
	used := regexp.MustCompile(`invitebot_[a-z0-9_]+`)
	for _, part := range []string{metrics, section(t, text, "## Logs and alerts", "## ")} {
		for _, name := range used.FindAllString(part, -1) {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if base, ok := strings.CutSuffix(name, suffix); ok && registered[base] {
					name = base
				}
			}
			if !registered[name] {
				t.Errorf("README uses %s, which is not registered", name)
			}
		}
	}
}

// TestObserverCountsRepeatsAndUndecodable: the two hooks of issue 10.
func TestObserverCountsRepeatsAndUndecodable(t *testing.T) {
	m := NewMetrics(Build{}, testRoutes)
	o := Observer(m, nil)
	o.UnsureRepeat("sendMessage")
	o.UnsureRepeat("sendMessage")
	o.UnsureRepeat("createChatInviteLink")
	o.UpdateUndecodable("message")
	o.UpdateUndecodable("unknown")
	mustValue(t, m, "invitebot_api_unsure_repeats_total", l{"method": "sendMessage"}, 2)
	mustValue(t, m, "invitebot_api_unsure_repeats_total", l{"method": "createChatInviteLink"}, 1)
	mustValue(t, m, "invitebot_api_unsure_repeats_total", l{"method": "editMessageText"}, 0)
	mustValue(t, m, "invitebot_updates_undecodable_total", l{"kind": "message"}, 1)
	mustValue(t, m, "invitebot_updates_undecodable_total", l{"kind": "unknown"}, 1)
	mustValue(t, m, "invitebot_updates_undecodable_total", l{"kind": "callback_query"}, 0)
	// They are not API calls or updates received.
	mustValue(t, m, "invitebot_api_calls_total", l{"method": "sendMessage", "outcome": "ok"}, 0)
	mustValue(t, m, "invitebot_updates_received_total", l{"kind": "message"}, 0)
}
