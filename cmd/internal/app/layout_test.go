package app

import (
	"go/build"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDependenciesPointOneWay keeps the package layout honest: cmd wires
// everything; bot knows none of the project's other packages; store knows
// nothing of Telegram; handlers and middleware never reach the SQLite package.
func TestDependenciesPointOneWay(t *testing.T) {
	const mod = "github.com/invitebot/invitebot/"
	const tg = "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	rules := map[string]struct {
		mayImport  []string // project packages allowed
		noTelegram bool
	}{
		"bot":           {},
		"bot/bottest":   {mayImport: []string{"bot/bottest/internal/spec", "bot/bottest/internal/tghtml"}, noTelegram: true},
		"store":         {noTelegram: true},
		"store/sqlite":  {mayImport: []string{"store"}, noTelegram: true},
		"middleware":    {mayImport: []string{"bot", "handlers/text", "store"}},
		"handlers":      {mayImport: []string{"bot", "handlers/text", "middleware", "store"}},
		"handlers/text": {noTelegram: true},

		// the fake Bot API's parts
		"bot/bottest/internal/spec":   {noTelegram: true},
		"bot/bottest/internal/tghtml": {noTelegram: true},
	}
	for dir, rule := range rules {
		pkg, err := build.ImportDir(filepath.Join("..", "..", "..", dir), 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range pkg.Imports {
			if rule.noTelegram && imp == tg {
				t.Errorf("%s imports tgbotapi", dir)
			}
			rel, ok := strings.CutPrefix(imp, mod)
			if !ok {
				continue
			}
			allowed := false
			for _, a := range rule.mayImport {
				allowed = allowed || rel == a
			}
			if !allowed {
				t.Errorf("%s imports %s", dir, rel)
			}
		}
	}
}

// TestProductionBinaryLinksNoTestCode: the program people deploy carries
// neither the fake Bot API nor package testing (the sandbox, which needs
// both, is a command of its own).
func TestProductionBinaryLinksNoTestCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/invitebot/invitebot/cmd/invitebot").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps gave only %d packages: %q", len(deps), out)
	}
	for _, d := range deps {
		if d == "testing" || strings.HasPrefix(d, "github.com/invitebot/invitebot/bot/bottest") {
			t.Errorf("cmd/invitebot links %s", d)
		}
	}
}
