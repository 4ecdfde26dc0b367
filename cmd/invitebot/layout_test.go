package main

import (
	"go/build"
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
		"bot":          {},
		"bot/bottest":  {mayImport: []string{"bot/bottest/internal/spec", "bot/bottest/internal/tghtml"}, noTelegram: true},
		"store":        {noTelegram: true},
		"store/sqlite": {mayImport: []string{"store"}, noTelegram: true},
		"middleware":   {mayImport: []string{"bot", "store"}},
		"handlers":     {mayImport: []string{"bot", "middleware", "store"}},

		// the fake Bot API's parts
		"bot/bottest/internal/spec":   {noTelegram: true},
		"bot/bottest/internal/tghtml": {noTelegram: true},
	}
	for dir, rule := range rules {
		pkg, err := build.ImportDir(filepath.Join("..", "..", dir), 0)
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
