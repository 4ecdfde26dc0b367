package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeSandboxSession: the session in the README's quick start is
// what the sandbox prints for its lines (but for the date of the join
// request).
func TestReadmeSandboxSession(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const first = "    invitebot sandbox: the real bot"
	start := strings.Index(string(readme), first)
	if start < 0 {
		t.Fatalf("README.md shows no sandbox session starting with %q", first)
	}
	var shown, script []string
	prompt := regexp.MustCompile(`^[a-z]+@[a-z]+> (.*)$`)
	for _, l := range strings.Split(string(readme[start:]), "\n") {
		if l != "" && !strings.HasPrefix(l, "    ") {
			break // the end of the indented block
		}
		l = strings.TrimPrefix(l, "    ")
		shown = append(shown, l)
		if m := prompt.FindStringSubmatch(l); m != nil {
			script = append(script, m[1])
		}
	}
	want := strings.TrimRight(strings.Join(shown, "\n"), "\n")
	got := strings.TrimRight(runScript(t, strings.Join(script, "\n")+"\n"), "\n")
	want, got = stable(want), stable(got)
	if got != want {
		t.Errorf("the README's sandbox session is not what the sandbox prints now; paste the new one:\n%s\n\n%s", got, lineDiff(want, got))
	}
}
