// Command invitebench measures invitebot against the targets of its
// performance work, next to yardsticks run on the same load in the same run.
// The bot under test is the real invitebot program, built from this
// checkout and run as a child process against bot/bottest's fake Telegram on
// 127.0.0.1, so that its memory is measured alone. See BENCHMARKS.md.
//
//	go run ./cmd/invitebench                 every scenario (about eight minutes)
//	go run ./cmd/invitebench -only burst     one scenario: ingest, burst, scale, growth, raid
//	go run ./cmd/invitebench -postgres URL   burst and scale on PostgreSQL too (a database each on the server at URL)
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

func main() {
	role := flag.String("role", "", "internal: run as a yardstick child (bare or sequential)")
	only := flag.String("only", "", "run only these scenarios, comma-separated: ingest, burst, scale, growth, raid")
	updates := flag.Int("updates", 100000, "updates in the ingest stream")
	growth := flag.String("growth", "10,100,1000", "chat counts for the growth scenario")
	botPath := flag.String("bot", "", "an invitebot binary to measure (default: build ./cmd/invitebot)")
	raiders := flag.Int("raid", 1000, "join requests in the raid scenario")
	flag.Parse()
	if *role != "" {
		os.Exit(child(*role))
	}
	os.Exit(bench(*only, *updates, *growth, *botPath, *raiders, os.Stdout))
}

// result is one figure, with its target if it has one.
type result struct {
	scenario, name, value, target string
	met                           *bool // nil: no target
}

func measured(scenario, name, value string) result {
	return result{scenario: scenario, name: name, value: value}
}

func target(scenario, name, value, want string, ok bool) result {
	return result{scenario: scenario, name: name, value: value, target: want, met: &ok}
}

func bench(only string, updates int, growth, botPath string, raiders int, out io.Writer) int {
	want := func(s string) bool { return only == "" || strings.Contains(","+only+",", ","+s+",") }
	tmp, err := os.MkdirTemp("", "invitebench")
	if err != nil {
		fmt.Fprintln(os.Stderr, "invitebench:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if botPath == "" {
		botPath = filepath.Join(tmp, "invitebot")
		fmt.Fprintln(out, "building ./cmd/invitebot ...")
		build := exec.Command("go", "build", "-trimpath", "-o", botPath, "./cmd/invitebot")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "invitebench: building invitebot:", err)
			return 1
		}
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "invitebench:", err)
		return 1
	}
	env := &benchEnv{bot: botPath, self: self, tmp: tmp, log: out}
	fmt.Fprintf(out, "machine: %s/%s, %d CPUs, %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())

	var results []result
	type scenario struct {
		name string
		run  func() ([]result, error)
	}
	for _, s := range []scenario{
		{"ingest", func() ([]result, error) { return env.ingest(updates) }},
		{"burst", func() ([]result, error) { return env.burst() }},
		{"scale", func() ([]result, error) { return env.scale() }},
		{"growth", func() ([]result, error) { return env.growth(growth) }},
		{"raid", func() ([]result, error) { return env.raid(raiders) }},
	} {
		if !want(s.name) {
			continue
		}
		fmt.Fprintf(out, "== %s\n", s.name)
		start := time.Now()
		rs, err := s.run()
		if err != nil {
			fmt.Fprintf(os.Stderr, "invitebench: %s: %v\n", s.name, err)
			return 1
		}
		fmt.Fprintf(out, "   (%s)\n", time.Since(start).Round(time.Second))
		results = append(results, rs...)
	}

	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tfigure\tmeasured\ttarget\t")
	failed := 0
	for _, r := range results {
		verdict := ""
		if r.met != nil {
			verdict = "met"
			if !*r.met {
				verdict = "MISSED"
				failed++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t\n", r.scenario, r.name, r.value, r.target, verdict)
	}
	tw.Flush()
	if failed > 0 {
		fmt.Fprintf(out, "\n%d target(s) missed\n", failed)
		return 1
	}
	fmt.Fprintln(out, "\nevery target met")
	return 0
}
