package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStoreGenIsCurrent fails when store_gen.go is not what the generator
// makes of the Store interface as it is now.
func TestStoreGenIsCurrent(t *testing.T) {
	want, err := generate("..")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", output))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale (or edited by hand): run go generate ./cmd/internal/ops", output)
	}
}

// TestGenerateAwkwardSignatures generates the wrapper of an interface with
// every kind of signature and type-checks the result: it must implement
// the interface, whatever the parameters are called.
func TestGenerateAwkwardSignatures(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		source: `package x

import (
	"context"
	"io"
	"time"
)

type Rec struct{ N int }

type Store interface {
	io.Closer // embedded, from another package
	Plain(ctx context.Context, id int64) (Rec, error)
	Unnamed(context.Context, int64, string) ([]Rec, bool, error)
	Shadows(t, start time.Time, err error, time int, r0 string) error
	Blank(_ context.Context, _ int) error
	Variadic(ctx context.Context, ids ...int64) error
	NoError(ctx context.Context) int
	Nothing()
	Pointers(m map[string]*Rec, ch <-chan Rec, f func(Rec) error) (*Rec, error)
}
`,
		"metrics.go": `package x

import "time"

type Metrics struct{ ops []string; errs []error }

func (m *Metrics) storeOp(op string, start time.Time, err error) { m.ops = append(m.ops, op); m.errs = append(m.errs, err) }
`,
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gen, err := generate(dir)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	files[output] = string(gen)
	files["check.go"] = "package x\n\nvar _ Store = (*timedStore)(nil)\nvar _ = InstrumentStore\n"

	fset := token.NewFileSet()
	var parsed []*ast.File
	for name, src := range files {
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, src)
		}
		parsed = append(parsed, f)
	}
	imp, err := exportImporter(fset, dir, parsed)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: imp}
	if _, err := conf.Check("x", fset, parsed, nil); err != nil {
		t.Fatalf("the generated wrapper does not compile: %v\n%s", err, gen)
	}
	for _, want := range []string{
		`t.m.storeOp("Close", start, err)`,
		`r0, r1, err := t.s.Unnamed(p0, p1, p2)`,
		`t.s.Variadic(ctx, ids...)`,
		`t.m.storeOp("NoError", start, nil)`,
		`t.m.storeOp("Nothing", start, nil)`,
	} {
		if !strings.Contains(string(gen), want) {
			t.Errorf("the generated code has no %s:\n%s", want, gen)
		}
	}
}
