package app

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDependenciesPointOneWay keeps the package layout honest: cmd wires
// everything; bot knows none of the project's other packages; store knows
// nothing of Telegram; handlers and middleware never reach the SQLite
// package, nor tgbotapi: they speak to Telegram through bot's typed calls.
func TestDependenciesPointOneWay(t *testing.T) {
	const mod = "github.com/invitebot/invitebot/"
	const tg = "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	rules := map[string]struct {
		mayImport  []string // project packages allowed
		noTelegram bool
	}{
		"bot":            {},
		"bot/bottest":    {mayImport: []string{"bot/bottest/internal/spec", "bot/bottest/internal/tghtml"}, noTelegram: true},
		"store":          {noTelegram: true},
		"store/sqlite":   {mayImport: []string{"store", "store/storecopy", "store/internal/sqlrow"}, noTelegram: true},
		"store/postgres": {mayImport: []string{"store", "store/storecopy", "store/internal/sqlrow"}, noTelegram: true},
		// the rows both read the same way
		"store/internal/sqlrow": {mayImport: []string{"store"}, noTelegram: true},
		// the copy of one store into another (migrate-store) knows neither
		"store/storecopy": {noTelegram: true},
		// the contract suite and the test databases, for the stores' tests
		"store/storetest":       {mayImport: []string{"store"}, noTelegram: true},
		"store/postgres/pgtest": {noTelegram: true},
		"middleware":            {mayImport: []string{"bot", "handlers/text", "store"}, noTelegram: true},
		// handlers knows middleware's checks only through interfaces of its own
		"handlers":       {mayImport: []string{"bot", "handlers/chart", "handlers/text", "handlers/verifypage", "store"}, noTelegram: true},
		"handlers/text":  {noTelegram: true},
		"handlers/chart": {noTelegram: true},
		// the verification page knows Telegram only by its init data
		"handlers/verifypage": {mayImport: []string{"bot/webapp", "handlers/text"}, noTelegram: true},
		"bot/webapp":          {noTelegram: true},

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

// TestNoErrorTextMatched: outside bot, no code matches what an error
// says: handlers and middleware test bot's sentinels with errors.Is, and
// never compare or search err.Error() (where Telegram's texts are).
func TestNoErrorTextMatched(t *testing.T) {
	isErrorText := func(e ast.Expr) bool {
		call, ok := e.(*ast.CallExpr)
		if !ok || len(call.Args) != 0 {
			return false
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "Error"
	}
	for _, dir := range []string{"handlers", "middleware"} {
		files, err := filepath.Glob(filepath.Join("..", "..", "..", dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr: // strings.Contains(err.Error(), ...) and the like
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && types.ExprString(sel.X) == "strings" {
						for _, a := range n.Args {
							if isErrorText(a) {
								t.Errorf("%s: %s searches an error's text", name, types.ExprString(n))
							}
						}
					}
				case *ast.BinaryExpr: // err.Error() == "..."
					if isErrorText(n.X) || isErrorText(n.Y) {
						t.Errorf("%s: %s compares an error's text", name, types.ExprString(n))
					}
				case *ast.SwitchStmt: // switch err.Error() { case "...": }
					if n.Tag != nil && isErrorText(n.Tag) {
						t.Errorf("%s: switches on an error's text", name)
					}
				}
				return true
			})
		}
	}
}
