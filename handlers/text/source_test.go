package text

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/invitebot/invitebot/store"
)

// The checks of the Go code that speaks through the catalogs, read with
// go/ast: every message it names is in the English catalog, and no text
// of its own reaches a person.

// The packages whose messages people read, from this directory.
var speakingPackages = []string{"..", "../../middleware", "../../cmd/internal/app"}

// source is a package's Go files (its tests left out), parsed.
type source struct {
	dir   string
	fset  *token.FileSet
	files []*ast.File
}

func parseDir(t *testing.T, dir string) *source {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	src := &source{dir: dir, fset: token.NewFileSet()}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(src.fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		src.files = append(src.files, f)
	}
	if len(src.files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return src
}

func (s *source) pos(n ast.Node) string {
	p := s.fset.Position(n.Pos())
	return fmt.Sprintf("%s:%d", filepath.ToSlash(filepath.Join(filepath.Base(s.dir), filepath.Base(p.Filename))), p.Line)
}

// funcAt is the function (declared or literal) innermost around pos, with
// the declaration it lies in.
func (s *source) funcAt(pos token.Pos) (decl *ast.FuncDecl, lits []*ast.FuncLit) {
	for _, f := range s.files {
		if pos < f.Pos() || pos > f.End() {
			continue
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || pos < fd.Pos() || pos > fd.End() {
				continue
			}
			ast.Inspect(fd, func(n ast.Node) bool {
				if fl, ok := n.(*ast.FuncLit); ok && pos >= fl.Pos() && pos <= fl.End() {
					lits = append(lits, fl) // outermost first
				}
				return true
			})
			return fd, lits
		}
	}
	return nil, nil
}

// binding is what a name in a function stands for.
type binding struct {
	param  *paramOf   // a parameter
	values []ast.Expr // a variable: every value assigned to it
	// results: for each of values, which of the results of the call it
	// is the value of (a, b := f()), or -1
	results []int
	found   bool
}

// paramOf is parameter index of a declared function, or of a function
// literal assigned to a variable; variadic if it takes the arguments from
// index on.
type paramOf struct {
	decl     *ast.FuncDecl
	lit      *ast.FuncLit
	index    int
	variadic bool
}

// args are the arguments a call gives p.
func (p *paramOf) args(call *ast.CallExpr) []ast.Expr {
	switch {
	case p.index >= len(call.Args):
		return nil
	case p.variadic:
		return call.Args[p.index:]
	}
	return call.Args[p.index : p.index+1]
}

// variadic tells whether parameter index of ft is its variadic last one.
func variadic(ft *ast.FuncType, index int) bool {
	n := 0
	for _, f := range ft.Params.List {
		n += max(1, len(f.Names))
	}
	last := ft.Params.List[len(ft.Params.List)-1]
	_, ok := last.Type.(*ast.Ellipsis)
	return ok && index == n-1
}

func paramIndex(ft *ast.FuncType, name string) int {
	i := 0
	for _, f := range ft.Params.List {
		if len(f.Names) == 0 {
			i++
			continue
		}
		for _, n := range f.Names {
			if n.Name == name {
				return i
			}
			i++
		}
	}
	return -1
}

// resolve tells what the name of id stands for in the function around it:
// a parameter of the innermost function that has one of that name, or
// the values assigned to a variable of that name in the function. Names
// are matched within the function: the code read here shadows none.
func (s *source) resolve(id *ast.Ident) binding {
	decl, lits := s.funcAt(id.Pos())
	if decl == nil {
		return binding{}
	}
	for i := len(lits) - 1; i >= 0; i-- {
		if k := paramIndex(lits[i].Type, id.Name); k >= 0 {
			return binding{param: &paramOf{lit: lits[i], index: k, variadic: variadic(lits[i].Type, k)}, found: true}
		}
	}
	if k := paramIndex(decl.Type, id.Name); k >= 0 {
		return binding{param: &paramOf{decl: decl, index: k, variadic: variadic(decl.Type, k)}, found: true}
	}
	if decl.Recv != nil && paramIndex(&ast.FuncType{Params: decl.Recv}, id.Name) >= 0 {
		return binding{found: true}
	}
	var b binding
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if li, ok := l.(*ast.Ident); ok && li.Name == id.Name {
					b.found = true
					switch {
					case len(n.Rhs) == len(n.Lhs):
						b.values, b.results = append(b.values, n.Rhs[i]), append(b.results, -1)
					case len(n.Rhs) == 1:
						b.values, b.results = append(b.values, n.Rhs[0]), append(b.results, i)
					}
				}
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if name.Name == id.Name {
					b.found = true
					if i < len(n.Values) {
						b.values, b.results = append(b.values, n.Values[i]), append(b.results, -1)
					}
				}
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if ri, ok := e.(*ast.Ident); ok && ri.Name == id.Name {
					b.found = true
					b.values, b.results = append(b.values, n.X), append(b.results, -1)
				}
			}
		}
		return true
	})
	return b
}

// calls are the calls of the function p is a parameter of, in s.
func (s *source) callsOf(p *paramOf) []*ast.CallExpr {
	var out []*ast.CallExpr
	var litVar string
	if p.lit != nil {
		// A function literal is called through the variable it is
		// assigned to.
		for _, f := range s.files {
			ast.Inspect(f, func(n ast.Node) bool {
				if as, ok := n.(*ast.AssignStmt); ok {
					for i, r := range as.Rhs {
						if r == p.lit && i < len(as.Lhs) {
							if li, ok := as.Lhs[i].(*ast.Ident); ok {
								litVar = li.Name
							}
						}
					}
				}
				return true
			})
		}
		if litVar == "" {
			return nil // passed as a callback: its parameters are data
		}
	}
	for _, f := range s.files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				if p.decl == nil {
					return true
				}
				name = fn.Sel.Name
			}
			switch {
			case p.decl != nil && name == p.decl.Name.Name:
			case p.lit != nil && name == litVar:
			default:
				return true
			}
			out = append(out, call)
			return true
		})
	}
	return out
}

// topLevel is the value of a package-level constant or variable, or the
// declaration of a function, named name.
func (s *source) topLevel(name string) (value ast.Expr, fn *ast.FuncDecl) {
	for _, f := range s.files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					if vs, ok := sp.(*ast.ValueSpec); ok {
						for i, n := range vs.Names {
							if n.Name == name && i < len(vs.Values) {
								return vs.Values[i], nil
							}
						}
					}
				}
			case *ast.FuncDecl:
				if d.Name.Name == name && d.Recv == nil {
					return nil, d
				}
			}
		}
	}
	return nil, nil
}

// methods are the methods named name declared in s.
func (s *source) methods(name string) []*ast.FuncDecl {
	var out []*ast.FuncDecl
	for _, f := range s.files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && fd.Name.Name == name {
				out = append(out, fd)
			}
		}
	}
	return out
}

// imported tells whether name is a package s imports (by its last element
// or its alias).
func (s *source) imported(name string) bool {
	for _, f := range s.files {
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if (im.Name != nil && im.Name.Name == name) || (im.Name == nil && lastElem(p) == name) {
				return true
			}
		}
	}
	return false
}

func lastElem(p string) string { return p[strings.LastIndex(p, "/")+1:] }

// returns are the expressions a function returns: all of them, or its
// result number result (if not -1).
func returns(body *ast.BlockStmt, result int) []ast.Expr {
	var out []ast.Expr
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			switch {
			case result < 0 || len(n.Results) == 1:
				out = append(out, n.Results...)
			case result < len(n.Results):
				out = append(out, n.Results[result])
			}
		}
		return true
	})
	return out
}

// --- The message IDs the code uses.

// idUse is a message ID the code names: ID, or for one built from parts,
// Prefix.
type idUse struct {
	ID, Prefix string
	At         string
}

// idArg is where a call takes a message ID: the argument's index, by the
// called function's name (text.M, text.Err, Printer.S and P, argErr).
func idArg(s *source, call *ast.CallExpr) int {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		if x, ok := fn.X.(*ast.Ident); ok && x.Name == "text" && s.imported("text") {
			switch fn.Sel.Name {
			case "M":
				return 0
			case "Err":
				return 1
			}
			return -1
		}
		if fn.Sel.Name == "S" || fn.Sel.Name == "P" {
			return 0
		}
	case *ast.Ident:
		if fn.Name == "argErr" {
			return 0
		}
	}
	return -1
}

// messageIDs finds the message IDs the code of s names: the string given
// where a message ID is taken, followed through the variables and the
// parameters it passes through.
func messageIDs(s *source) (uses []idUse, unknown []string) {
	var follow func(e ast.Expr, depth int)
	follow = func(e ast.Expr, depth int) {
		if depth > 8 {
			unknown = append(unknown, s.pos(e)+": followed too far")
			return
		}
		switch e := e.(type) {
		case *ast.BasicLit:
			if v, err := strconv.Unquote(e.Value); err == nil && e.Kind == token.STRING {
				uses = append(uses, idUse{ID: v, At: s.pos(e)})
				return
			}
		case *ast.ParenExpr:
			follow(e.X, depth+1)
			return
		case *ast.BinaryExpr:
			left := e.X
			for {
				b, ok := left.(*ast.BinaryExpr)
				if !ok {
					break
				}
				left = b.X
			}
			if lit, ok := left.(*ast.BasicLit); ok && e.Op == token.ADD {
				if v, err := strconv.Unquote(lit.Value); err == nil {
					uses = append(uses, idUse{Prefix: v, At: s.pos(e)})
					return
				}
			}
		case *ast.Ident:
			b := s.resolve(e)
			switch {
			case b.param != nil && !b.param.variadic:
				for _, call := range s.callsOf(b.param) {
					for _, a := range b.param.args(call) {
						follow(a, depth+1)
					}
				}
				return
			case b.found && len(b.values) > 0:
				for _, v := range b.values {
					follow(v, depth+1)
				}
				return
			}
			if v, _ := s.topLevel(e.Name); v != nil {
				follow(v, depth+1)
				return
			}
		}
		unknown = append(unknown, s.pos(e))
	}
	for _, f := range s.files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if i := idArg(s, n); i >= 0 && i < len(n.Args) {
					follow(n.Args[i], 0)
				}
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Msg" {
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "ID" {
								follow(kv.Value, 0)
							}
						}
					}
				}
			}
			return true
		})
	}
	return uses, unknown
}

// stringList is the strings of a package-level []string{...} of s.
func stringList(t *testing.T, s *source, name string) []string {
	t.Helper()
	v, _ := s.topLevel(name)
	lit, ok := v.(*ast.CompositeLit)
	if !ok {
		t.Fatalf("%s is not a []string{...} in %s", name, s.dir)
	}
	var out []string
	for _, el := range lit.Elts {
		b, ok := el.(*ast.BasicLit)
		if !ok {
			t.Fatalf("%s holds %T, not a string", name, el)
		}
		v, _ := strconv.Unquote(b.Value)
		out = append(out, v)
	}
	return out
}

// TestMessagesInCatalog: every message the code names is in the English
// catalog (and so, by TestCatalogsComplete, in every other): the strings
// given where text.M, text.Err, Printer.S and P and argErr take a message
// ID, through the variables and parameters they pass through, and the
// messages whose IDs are built from parts, enumerated here.
func TestMessagesInCatalog(t *testing.T) {
	en := readCatalog(t, "locales/en.yaml")
	app := parseDir(t, "../../cmd/internal/app")
	// The IDs built from parts, each with what its part may be.
	built := map[string][]string{
		// Telegram's chat types.
		"chat.type.": {"chat.type.private", "chat.type.group", "chat.type.supergroup", "chat.type.channel"},
		// A join request's states in the store.
		"requests.state.": {
			"requests.state." + string(store.RequestPending), "requests.state." + string(store.RequestApproved),
			"requests.state." + string(store.RequestDeclined), "requests.state." + string(store.RequestGone),
		},
		// A link's states.
		"link.state.": {
			"link.state." + string(store.StateActive), "link.state." + string(store.StateExpired), "link.state." + string(store.StateRevoked),
		},
		// Where a group's answers that show links go (/replies).
		"replies.is_":  {"replies.is_" + string(store.RepliesPrivate), "replies.is_" + string(store.RepliesChat)},
		"replies.set_": {"replies.set_" + string(store.RepliesPrivate), "replies.set_" + string(store.RepliesChat)},
	}
	for _, m := range stringList(t, app, "adminMenu") {
		built["menu."] = append(built["menu."], "menu.admin."+m)
	}
	for _, m := range stringList(t, app, "privateMenu") {
		built["menu."] = append(built["menu."], "menu.private."+m)
	}
	// Catalog.Name, here.
	used := map[string]string{"language.name": "text.go"}
	prefixes := map[string]bool{}
	for _, dir := range speakingPackages {
		src := parseDir(t, dir)
		if dir == "../../cmd/internal/app" {
			src = app
		}
		uses, unknown := messageIDs(src)
		for _, u := range unknown {
			t.Errorf("%s: cannot tell which message this is; give its ID as a string, or enumerate its parts in this test", u)
		}
		for _, u := range uses {
			if u.Prefix != "" {
				prefixes[u.Prefix] = true
				if _, ok := built[u.Prefix]; !ok {
					t.Errorf("%s: a message ID built from %q and more: enumerate what it may be in this test", u.At, u.Prefix)
				}
				continue
			}
			used[u.ID] = u.At
		}
	}
	for prefix, ids := range built {
		if !prefixes[prefix] {
			t.Errorf("no code builds message IDs from %q any more: drop it from this test", prefix)
		}
		for _, id := range ids {
			used[id] = "built from " + strconv.Quote(prefix)
		}
	}
	if len(used) < 50 {
		t.Fatalf("found only %d message IDs in the code: the search is broken", len(used))
	}
	for id, at := range used {
		if _, ok := en[id]; !ok {
			t.Errorf("%s: the message %q is not in locales/en.yaml", at, id)
		}
	}
	var unused []string
	for id := range en {
		if _, ok := used[id]; !ok {
			unused = append(unused, id)
		}
	}
	if len(unused) > 0 {
		t.Logf("messages of en.yaml no code names (yet): %s", strings.Join(sorted(unused), ", "))
	}
}

// --- No text of the code's own reaches a person.

var (
	formatVerb = regexp.MustCompile(`%[-+# 0-9.*]*[a-zA-Z]`)
	htmlTag    = regexp.MustCompile(`</?[a-z]+[^>]*>`)
)

// wrapMethods are *Printer's methods that make user text safe: what they
// are given is checked. (What S, P, Sprint and Plain return is the
// catalogs', with the values they are given, which are checked.)
var wrapMethods = map[string]bool{"Escape": true, "Isolate": true}

// commandWords are the options of the commands, which stay English in
// every language (PRODUCT.md §8).
var commandWords = map[string]bool{"request": true, "norequest": true, "all": true, "none": true, "never": true}

// words tells whether a string literal holds words: letters, once its
// HTML tags and format verbs are taken out, and not only command syntax,
// which stays English (/createlink, #3, @name, limit=50, request, a URL).
func words(lit string) bool {
	lit = htmlTag.ReplaceAllString(lit, "")
	lit = formatVerb.ReplaceAllString(lit, "")
	for _, w := range strings.Fields(lit) {
		switch {
		case strings.IndexFunc(w, unicode.IsLetter) < 0:
		case strings.ContainsAny(w[:1], "/#@-"), strings.Contains(w, "=") || strings.Contains(w, "://") || strings.HasSuffix(w, "/"):
		case commandWords[w]:
		default:
			return true
		}
	}
	return false
}

// tracer follows what an expression is made of, within a package, to the
// string literals in it.
type tracer struct {
	s      *source
	seen   map[any]bool
	leaks  []string
	fields map[string][]ast.Expr // values stored in a field, by its name
	names  map[string]bool       // the names of the catalogs' values ("Name", "Chat")
	path   []string              // where the expression traced now comes from, the sent text first
}

func newTracer(s *source, names map[string]bool) *tracer {
	tr := &tracer{s: s, seen: map[any]bool{}, fields: map[string][]ast.Expr{}, names: names}
	for _, f := range s.files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok {
					tr.fields[k.Name] = append(tr.fields[k.Name], n.Value)
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && i < len(n.Rhs) {
						tr.fields[sel.Sel.Name] = append(tr.fields[sel.Sel.Name], n.Rhs[i])
					}
				}
			}
			return true
		})
	}
	return tr
}

// writes are the calls that write into the strings.Builder (or the
// io.Writer) named name in the function around at.
func (tr *tracer) writes(name string, at token.Pos) []ast.Expr {
	decl, _ := tr.s.funcAt(at)
	if decl == nil {
		return nil
	}
	var out []ast.Expr
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == name && strings.HasPrefix(sel.Sel.Name, "Write") {
			out = append(out, call.Args...)
		}
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == "fmt" && strings.HasPrefix(sel.Sel.Name, "Fprint") && len(call.Args) > 0 {
			w := call.Args[0]
			if u, ok := w.(*ast.UnaryExpr); ok {
				w = u.X
			}
			if wi, ok := w.(*ast.Ident); ok && wi.Name == name {
				out = append(out, call.Args[1:]...)
			}
		}
		return true
	})
	return out
}

// values traces the values of a message call whose name, value pairs
// start at argument kv: the values, not the names; all of a spread slice.
func (tr *tracer) values(call *ast.CallExpr, kv int) {
	for i := kv + 1; i < len(call.Args); i += 2 {
		tr.trace(call.Args[i])
	}
	if call.Ellipsis.IsValid() && len(call.Args) > kv {
		tr.trace(call.Args[len(call.Args)-1])
	}
}

// trace looks for string literals with words in what e is made of.
func (tr *tracer) trace(e ast.Expr) { tr.traceResult(e, -1) }

// traceResult is trace of result number result of e, a call with
// several, or of all of e if result is -1.
func (tr *tracer) traceResult(e ast.Expr, result int) {
	type key struct {
		n ast.Node
		r int
	}
	if e == nil || tr.seen[key{e, result}] {
		return
	}
	tr.seen[key{e, result}] = true
	tr.path = append(tr.path, tr.s.pos(e))
	defer func() { tr.path = tr.path[:len(tr.path)-1] }()
	if call, ok := e.(*ast.CallExpr); ok {
		tr.call(call, result)
		return
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		if v, err := strconv.Unquote(e.Value); err == nil && e.Kind == token.STRING && words(v) && !tr.names[v] {
			tr.leaks = append(tr.leaks, fmt.Sprintf("%s: %q (sent at %s)", tr.s.pos(e), v, strings.Join(slices.Compact(slices.Clone(tr.path)), " ← ")))
		}
	case *ast.ParenExpr:
		tr.trace(e.X)
	case *ast.StarExpr:
		tr.trace(e.X)
	case *ast.UnaryExpr:
		tr.trace(e.X)
	case *ast.BinaryExpr:
		if builtOnURL(e) {
			return // a URL ("https://t.me/" + name + "?start=" + payload): no words for people, in any language
		}
		tr.trace(e.X)
		tr.trace(e.Y)
	case *ast.IndexExpr:
		tr.trace(e.X)
	case *ast.SliceExpr:
		tr.trace(e.X)
	case *ast.TypeAssertExpr:
		tr.trace(e.X)
	case *ast.CompositeLit:
		for _, el := range e.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				el = kv.Value
			}
			tr.trace(el)
		}
	case *ast.Ident:
		tr.ident(e)
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok && tr.s.imported(x.Name) {
			return // another package's name: the catalogs' own (text.TimeLayout), or not text
		}
		for _, v := range tr.fields[e.Sel.Name] {
			tr.trace(v)
		}
	}
}

// builtOnURL tells whether e is a string concatenation that starts with
// the literal of a URL's scheme and host ("https://t.me/" + ...).
func builtOnURL(e *ast.BinaryExpr) bool {
	if e.Op != token.ADD {
		return false
	}
	var x ast.Expr = e
	for {
		b, ok := x.(*ast.BinaryExpr)
		if !ok || b.Op != token.ADD {
			break
		}
		x = b.X
	}
	lit, ok := x.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return false
	}
	v, err := strconv.Unquote(lit.Value)
	return err == nil && regexp.MustCompile(`^[a-z]+://[^\s]+/`).MatchString(v)
}

func (tr *tracer) ident(e *ast.Ident) {
	b := tr.s.resolve(e)
	switch {
	case b.param != nil:
		for _, call := range tr.s.callsOf(b.param) {
			for _, a := range b.param.args(call) {
				tr.trace(a)
			}
		}
	case b.found:
		for i, v := range b.values {
			tr.traceResult(v, b.results[i])
		}
	default:
		if v, _ := tr.s.topLevel(e.Name); v != nil {
			tr.trace(v)
		}
	}
}

func (tr *tracer) call(e *ast.CallExpr, result int) {
	switch fn := e.Fun.(type) {
	case *ast.SelectorExpr:
		switch {
		case fn.Sel.Name == "S" || fn.Sel.Name == "P":
			tr.values(e, 1) // the catalogs', with the values shown in it
			return
		case fn.Sel.Name == "Sprint" || fn.Sel.Name == "Plain":
			for _, a := range e.Args {
				tr.trace(a)
			}
			return
		case wrapMethods[fn.Sel.Name]:
			for _, a := range e.Args {
				tr.trace(a)
			}
			return
		case fn.Sel.Name == "String" && len(e.Args) == 0:
			if x, ok := fn.X.(*ast.Ident); ok {
				for _, w := range tr.writes(x.Name, e.Pos()) {
					tr.trace(w)
				}
				return
			}
		}
		if x, ok := fn.X.(*ast.Ident); ok && x.Name == "text" && tr.s.imported(x.Name) {
			// A message of the catalogs: the values it shows.
			switch fn.Sel.Name {
			case "M":
				tr.values(e, 1)
			case "Err":
				tr.values(e, 2)
			default:
				for _, a := range e.Args { // text.HTML(...)
					tr.trace(a)
				}
			}
			return
		}
		if x, ok := fn.X.(*ast.Ident); ok && x.Name == "strconv" && (strings.HasPrefix(fn.Sel.Name, "Parse") || fn.Sel.Name == "Atoi") {
			return // a number read from text
		}
		if x, ok := fn.X.(*ast.Ident); ok && tr.s.imported(x.Name) {
			// Another package's function (strings.Join, fmt.Sprintf,
			// html.EscapeString): what it is given.
			for _, a := range e.Args {
				tr.trace(a)
			}
			return
		}
		ms := tr.s.methods(fn.Sel.Name)
		for _, m := range ms {
			for _, r := range returns(m.Body, result) {
				tr.trace(r)
			}
		}
		if len(ms) == 0 {
			for _, a := range e.Args { // a method of another package's type
				tr.trace(a)
			}
		}
	case *ast.Ident:
		switch fn.Name {
		case "len", "cap":
			return
		case "append":
			for _, a := range e.Args[1:] {
				tr.trace(a)
			}
			return
		case "string", "cut", "clip", "oneLine":
			for _, a := range e.Args {
				tr.trace(a)
			}
			if fn.Name == "string" {
				return
			}
		}
		if b := tr.s.resolve(fn); b.found {
			for _, v := range b.values {
				if lit, ok := v.(*ast.FuncLit); ok {
					for _, r := range returns(lit.Body, result) {
						tr.trace(r)
					}
				}
			}
			return
		}
		if _, decl := tr.s.topLevel(fn.Name); decl != nil {
			for _, r := range returns(decl.Body, result) {
				tr.trace(r)
			}
		}
	case *ast.ArrayType, *ast.ParenExpr:
		for _, a := range e.Args { // a conversion
			tr.trace(a)
		}
	}
}

// isType tells whether e names the type pkg.name.
func isType(e ast.Expr, pkg, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == pkg && sel.Sel.Name == name
}

// elemOf is the type of the elements of a slice type, through slices of slices.
func elemOf(e ast.Expr) ast.Expr {
	for {
		at, ok := e.(*ast.ArrayType)
		if !ok {
			return e
		}
		e = at.Elt
	}
}

// sinks are the expressions of s whose text Telegram shows to people: the
// Text of a bot.Outgoing, of a bot.Button, or any .Text assigned; the
// text of Edit and AnswerButton calls; a command's description in the
// menus.
func sinks(s *source) []ast.Expr {
	var out []ast.Expr
	field := func(lit *ast.CompositeLit, name string) {
		for _, el := range lit.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == name {
					out = append(out, kv.Value)
				}
			}
		}
	}
	var buttons func(lit *ast.CompositeLit)
	buttons = func(lit *ast.CompositeLit) {
		for _, el := range lit.Elts {
			if inner, ok := el.(*ast.CompositeLit); ok && inner.Type == nil {
				if len(inner.Elts) > 0 {
					if _, isKV := inner.Elts[0].(*ast.KeyValueExpr); isKV {
						field(inner, "Text")
						continue
					}
				}
				buttons(inner)
			}
		}
	}
	for _, f := range s.files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				switch {
				case isType(n.Type, "bot", "Outgoing"), isType(n.Type, "bot", "Button"):
					field(n, "Text")
				case isType(n.Type, "bot", "BotCommand"):
					field(n, "Description")
				case isType(elemOf(n.Type), "bot", "Button"):
					buttons(n)
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "Text" && i < len(n.Rhs) {
						out = append(out, n.Rhs[i])
					}
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
					switch {
					case sel.Sel.Name == "Edit" && len(n.Args) == 5:
						out = append(out, n.Args[3])
					case sel.Sel.Name == "AnswerButton" && len(n.Args) == 4:
						out = append(out, n.Args[2])
					}
				}
			}
			return true
		})
	}
	return out
}

// knownEnglish are the literals with words that reach people today, each
// for a reason: the example link names in the examples handlers/args.go
// builds for its mistakes ("/createlink Partners limit=50", "name=Summer
// sale"), which stay English in every language until the examples move
// to the catalogs.
var knownEnglish = regexp.MustCompile(`^\.\./args\.go:\d+: "(/createlink Partners |name=Summer sale|name=Summer sale limit=5)" `)

// TestNoTextOutsideCatalogs: what the bot sends people (messages, edits,
// buttons, answers to button presses, menus) comes from the catalogs
// through a Printer: no string literal with words reaches it, directly or
// through the variables, parameters, fields, functions and builders it
// is made with.
func TestNoTextOutsideCatalogs(t *testing.T) {
	names := map[string]bool{}
	for _, m := range readCatalog(t, "locales/en.yaml") {
		for _, s := range m.forms {
			for _, n := range shapeOf(s).placeholders {
				names[n] = true
			}
		}
	}
	for _, dir := range speakingPackages {
		src := parseDir(t, dir)
		tr := newTracer(src, names)
		found := sinks(src)
		for _, e := range found {
			tr.trace(e)
		}
		if dir != "../../cmd/internal/app" && len(found) < 3 {
			t.Errorf("%s: only %d places send text: the search is broken", dir, len(found))
		}
		slices.Sort(tr.leaks)
		for _, l := range slices.Compact(tr.leaks) {
			if lit := knownEnglish.FindString(l); lit != "" {
				t.Logf("known: %s", l)
				continue
			}
			t.Errorf("%s reaches people without a catalog: put it in locales/en.yaml and say it through a Printer", l)
		}
	}
}
