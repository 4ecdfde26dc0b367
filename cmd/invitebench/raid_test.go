package main

import (
	"io"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestMostWithin(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	at := func(ms ...int) []time.Time {
		out := make([]time.Time, len(ms))
		for i, m := range ms {
			out[i] = t0.Add(time.Duration(m) * time.Millisecond)
		}
		return out
	}
	for _, tc := range []struct {
		at   []time.Time
		want int
	}{
		{nil, 0},
		{at(0), 1},
		{at(0, 999), 2},
		{at(0, 1000), 1},                 // a second apart: not within one second
		{at(0, 100, 200, 1100, 1150), 3}, // 200, 1100, 1150
		{at(0, 500, 999, 1000, 1001, 1998), 4},
		{at(0, 1, 2, 3, 999, 1000), 5},
	} {
		if got := mostWithin(tc.at, time.Second); got != tc.want {
			t.Errorf("mostWithin(%v) = %d, want %d", tc.at, got, tc.want)
		}
	}
}

// TestRaidScenario: the raid, scaled down to 40 requests, run against the
// real program: every requester gets one check, paced, with no 429, and
// the /createlink in other chats are answered in time; the figures are
// those of the fake's record.
func TestRaidScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs invitebot")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "invitebot")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/invitebot/invitebot/cmd/invitebot").CombinedOutput(); err != nil {
		t.Fatalf("building invitebot: %v\n%s", err, out)
	}
	e := &benchEnv{bot: bin, tmp: dir, log: io.Discard}
	const n = 40
	o, err := e.raidRun(n, burstLatency)
	if err != nil {
		t.Fatal(err)
	}
	if o.requests != n || o.checks != n {
		t.Errorf("%d requests, %d checks", o.requests, o.checks)
	}
	if len(o.replies) != raidCommands || len(o.at) != raidCommands {
		t.Fatalf("%d replies timed, at %v", len(o.replies), o.at)
	}
	for i, r := range o.replies {
		if r <= 0 || r >= raidReplyTarget {
			t.Errorf("/createlink %d answered after %v", i+1, r)
		}
		// The commands go while the raid's checks do.
		if o.at[i] == 0 || o.at[i] > n || (i > 0 && o.at[i] < o.at[i-1]) {
			t.Errorf("/createlink %d sent with %d checks out (%v)", i+1, o.at[i], o.at)
		}
	}
	// One check at a time, each waiting 40 ms for the fake: at least n × 40 ms.
	if o.checked < n*burstLatency || o.checked > time.Minute {
		t.Errorf("the checks took %v", o.checked)
	}
	if o.mostPerSecond < 1 || o.mostPerSecond > 30 {
		t.Errorf("%d checks within a second", o.mostPerSecond)
	}
	if o.rateLimited != 0 {
		t.Errorf("%d sends refused by the limits", o.rateLimited)
	}
	if o.rss <= 0 {
		t.Errorf("peak memory %v", o.rss)
	}

	// The table's lines, of this run and of one without latency: every
	// target met.
	rs := o.results("raid", burstLatency)
	fast, err := e.raidRun(n, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fast.checks != n || fast.rateLimited != 0 || fast.mostPerSecond > 30 {
		t.Errorf("without latency: %d checks, %d refused, %d in a second", fast.checks, fast.rateLimited, fast.mostPerSecond)
	}
	rs = append(rs, fast.results("raid 0s", 0)...)
	for _, r := range rs {
		if r.met != nil && !*r.met {
			t.Errorf("%s: %s = %s, target %s missed", r.scenario, r.name, r.value, r.target)
		}
	}
	if len(rs) != 14 || rs[0].value != "40, 40" || rs[7].value != "40, 40" {
		t.Errorf("results = %+v", rs)
	}
}
