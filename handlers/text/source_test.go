package text

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template/parse"
	"unicode"

	"github.com/invitebot/invitebot/store"
)

// The checks of the Go code that speaks through the catalogs, read with
// go/ast: every message it names is in the English catalog, and no text
// of its own reaches a person.

// The packages whose messages people read, from this directory.
var speakingPackages = []string{"..", "../verifypage", "../../middleware", "../../cmd/internal/app"}

// source is a package's Go files (its tests left out), parsed.
type source struct {
	dir   string
	fset  *token.FileSet
	files []*ast.File
	// imports are the project's packages it imports, parsed when their
	// types are asked for, by the name it calls them (nil: another
	// module's)
	imports map[string]*source
}

func parseDir(t *testing.T, dir string) *source {
	t.Helper()
	src, err := parsePackage(dir)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func parsePackage(dir string) (*source, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	src := &source{dir: dir, fset: token.NewFileSet()}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(src.fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		src.files = append(src.files, f)
	}
	if len(src.files) == 0 {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	return src, nil
}

// modRoot is the project's directory, from this one.
const modRoot = "../.."

// modulePath is the project's module path, from its go.mod.
var modulePath = sync.OnceValue(func() string {
	data, err := os.ReadFile(filepath.Join(modRoot, "go.mod"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "module "); ok {
			return strings.TrimSpace(p)
		}
	}
	return ""
})

// importedSource is the source of the project's package s calls name, nil
// for another module's.
func (s *source) importedSource(name string) *source {
	if src, ok := s.imports[name]; ok {
		return src
	}
	var src *source
	for _, f := range s.files {
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if (im.Name != nil && im.Name.Name == name) || (im.Name == nil && lastElem(p) == name) {
				if rest, ok := strings.CutPrefix(p, modulePath()+"/"); ok && modulePath() != "" {
					src, _ = parsePackage(filepath.Join(modRoot, filepath.FromSlash(rest)))
				}
			}
		}
	}
	if s.imports == nil {
		s.imports = map[string]*source{}
	}
	s.imports[name] = src
	return src
}

// typeSource is the package that declares type t, with t's name there:
// s for a type of its own, the project's package for one of its (nil for
// another module's).
func (s *source) typeSource(t string) (*source, string) {
	if pkg, name, ok := strings.Cut(t, "."); ok {
		return s.importedSource(pkg), name
	}
	return s, t
}

// builtinTypes are the types that need no package.
var builtinTypes = map[string]bool{
	"bool": true, "string": true, "error": true, "any": true, "byte": true, "rune": true,
	"int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"float32": true, "float64": true, "complex64": true, "complex128": true,
}

// qualify is the type t of package pkg as the importer names it.
func qualify(t, pkg string) string {
	prefix := ""
	for {
		if r, ok := strings.CutPrefix(t, "[]"); ok {
			prefix, t = prefix+"[]", r
			continue
		}
		if r, ok := strings.CutPrefix(t, "map[]"); ok {
			prefix, t = prefix+"map[]", r
			continue
		}
		break
	}
	if t == "" || strings.Contains(t, ".") || builtinTypes[t] {
		return prefix + t
	}
	return prefix + pkg + "." + t
}

// structOf is the struct declaration of type t, with how to name the
// types it mentions as s does.
func (s *source) structOf(t string) (*ast.StructType, func(ast.Expr) string) {
	src, local := s.typeSource(t)
	if src == nil {
		return nil, nil
	}
	ts := src.typeSpec(local)
	if ts == nil {
		return nil, nil
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return nil, nil
	}
	name := typeName
	if src != s {
		pkg, _, _ := strings.Cut(t, ".")
		name = func(e ast.Expr) string { return qualify(typeName(e), pkg) }
	}
	return st, name
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
	// is the value of (a, b := f()), or -1; rangeKey or rangeValue for
	// the key or the element of what a range statement ranges over
	results []int
	// typ is the type the name is declared with (a parameter, a
	// receiver, var x T), if it is
	typ   ast.Expr
	found bool
}

// What a name that a range statement declares stands for, in
// binding.results.
const (
	rangeKey   = -2
	rangeValue = -3
)

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

// paramType is the type of parameter index of ft.
func paramType(ft *ast.FuncType, index int) ast.Expr {
	i := 0
	for _, f := range ft.Params.List {
		for range max(1, len(f.Names)) {
			if i == index {
				return f.Type
			}
			i++
		}
	}
	return nil
}

// resultTypes are the types of ft's results, one for each.
func resultTypes(ft *ast.FuncType) []ast.Expr {
	var out []ast.Expr
	if ft.Results == nil {
		return nil
	}
	for _, f := range ft.Results.List {
		for range max(1, len(f.Names)) {
			out = append(out, f.Type)
		}
	}
	return out
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
			return binding{param: &paramOf{lit: lits[i], index: k, variadic: variadic(lits[i].Type, k)}, typ: paramType(lits[i].Type, k), found: true}
		}
	}
	if k := paramIndex(decl.Type, id.Name); k >= 0 {
		return binding{param: &paramOf{decl: decl, index: k, variadic: variadic(decl.Type, k)}, typ: paramType(decl.Type, k), found: true}
	}
	if decl.Recv != nil && paramIndex(&ast.FuncType{Params: decl.Recv}, id.Name) >= 0 {
		return binding{typ: decl.Recv.List[0].Type, found: true}
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
					if n.Type != nil {
						b.typ = n.Type
					}
					if i < len(n.Values) {
						b.values, b.results = append(b.values, n.Values[i]), append(b.results, -1)
					}
				}
			}
		case *ast.RangeStmt:
			for k, e := range []ast.Expr{n.Key, n.Value} {
				if ri, ok := e.(*ast.Ident); ok && ri.Name == id.Name {
					b.found = true
					b.values, b.results = append(b.values, n.X), append(b.results, []int{rangeKey, rangeValue}[k])
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

// --- The types of expressions, as far as the syntax tells them: enough
// to tell a field or a method of one type from another of the same name.
// A type is named as the code names it ("view", "store.Action"), a slice
// of T as "[]T", a map to T as "map[]T", a pointer as what it points to;
// "" is a type the syntax does not tell.

// typeName is the name of the type expression e.
func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			return x.Name + "." + e.Sel.Name
		}
	case *ast.StarExpr:
		return typeName(e.X)
	case *ast.ParenExpr:
		return typeName(e.X)
	case *ast.ArrayType:
		if t := typeName(e.Elt); t != "" {
			return "[]" + t
		}
	case *ast.Ellipsis:
		if t := typeName(e.Elt); t != "" {
			return "[]" + t
		}
	case *ast.MapType:
		if t := typeName(e.Value); t != "" {
			return "map[]" + t
		}
	}
	return ""
}

// elemType is the type of the elements of the slice or map type t.
func elemType(t string) string {
	if e, ok := strings.CutPrefix(t, "[]"); ok {
		return e
	}
	e, _ := strings.CutPrefix(t, "map[]")
	if e == t {
		return ""
	}
	return e
}

// typeSpec is the declaration of the package's type named name.
func (s *source) typeSpec(name string) *ast.TypeSpec {
	for _, f := range s.files {
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, sp := range g.Specs {
					if ts := sp.(*ast.TypeSpec); ts.Name.Name == name {
						return ts
					}
				}
			}
		}
	}
	return nil
}

// fieldOwner is the type that declares field name of type t: t, or a
// type t embeds; t if it cannot tell.
func (s *source) fieldOwner(t, name string) string {
	for range 4 {
		st, typeName := s.structOf(t)
		if st == nil {
			return t
		}
		next := ""
		for _, f := range st.Fields.List {
			for _, n := range f.Names {
				if n.Name == name {
					return t
				}
			}
			if len(f.Names) == 0 && s.fieldType(typeName(f.Type), name) != "" {
				next = typeName(f.Type)
			}
		}
		if next == "" {
			return t
		}
		t = next
	}
	return t
}

// fieldType is the type of field name of the struct type t, its embedded
// fields' included, for a type of the package or of the project.
func (s *source) fieldType(t, name string) string {
	return s.fieldTypeDepth(t, name, 0)
}

func (s *source) fieldTypeDepth(t, name string, depth int) string {
	st, typeName := s.structOf(t)
	if st == nil || depth > 4 {
		return ""
	}
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.Name == name {
				return typeName(f.Type)
			}
		}
	}
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 {
			et := typeName(f.Type)
			if et[strings.LastIndex(et, ".")+1:] == name {
				return et
			}
			if ft := s.fieldTypeDepth(et, name, depth+1); ft != "" {
				return ft
			}
		}
	}
	return ""
}

// methodSigs are the signatures of the methods named name that a value
// of type t may call: the package's methods of t and of the types it
// embeds, or the method of the package's interface t. For a type the
// syntax does not tell, every method and interface method of that name.
// A method of another package's type is none the package declares.
func (s *source) methodSigs(t, name string) (sigs []*ast.FuncType, decls []*ast.FuncDecl) {
	s.methodSigsDepth(t, name, 0, &sigs, &decls)
	return sigs, decls
}

func (s *source) methodSigsDepth(t, name string, depth int, sigs *[]*ast.FuncType, decls *[]*ast.FuncDecl) {
	if depth > 4 || strings.Contains(t, ".") {
		return
	}
	for _, f := range s.files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && d.Name.Name == name && (t == "" || typeName(d.Recv.List[0].Type) == t) {
					*sigs, *decls = append(*sigs, d.Type), append(*decls, d)
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					ts, ok := sp.(*ast.TypeSpec)
					if !ok || t != "" && ts.Name.Name != t {
						continue
					}
					switch tt := ts.Type.(type) {
					case *ast.InterfaceType:
						for _, m := range tt.Methods.List {
							if ft, ok := m.Type.(*ast.FuncType); ok && len(m.Names) > 0 && m.Names[0].Name == name {
								*sigs = append(*sigs, ft)
							} else if !ok && t != "" {
								s.methodSigsDepth(typeName(m.Type), name, depth+1, sigs, decls) // an embedded interface
							}
						}
					case *ast.StructType:
						if t == "" {
							continue
						}
						for _, fl := range tt.Fields.List {
							if len(fl.Names) == 0 {
								s.methodSigsDepth(typeName(fl.Type), name, depth+1, sigs, decls)
							}
						}
					}
				}
			}
		}
	}
}

// typeOf is the type of e, as far as the syntax tells it.
func (s *source) typeOf(e ast.Expr) string { return s.typeOfDepth(e, 0) }

func (s *source) typeOfDepth(e ast.Expr, depth int) string {
	if depth > 8 {
		return ""
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return s.typeOfDepth(e.X, depth+1)
	case *ast.StarExpr:
		return s.typeOfDepth(e.X, depth+1)
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			return s.typeOfDepth(e.X, depth+1)
		}
	case *ast.CompositeLit:
		return typeName(e.Type)
	case *ast.IndexExpr:
		return elemType(s.typeOfDepth(e.X, depth+1))
	case *ast.CallExpr:
		return s.resultType(e, -1, depth+1)
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok && s.imported(x.Name) {
			return "" // another package's variable or constant
		}
		return s.fieldType(s.typeOfDepth(e.X, depth+1), e.Sel.Name)
	case *ast.Ident:
		b := s.resolve(e)
		switch {
		case b.typ != nil:
			return typeName(b.typ)
		case b.found:
			t := ""
			for i, v := range b.values {
				var vt string
				switch r := b.results[i]; {
				case r == rangeKey:
				case r == rangeValue:
					vt = elemType(s.typeOfDepth(v, depth+1))
				case r >= 0:
					if call, ok := v.(*ast.CallExpr); ok {
						vt = s.resultType(call, r, depth+1)
					}
				default:
					vt = s.typeOfDepth(v, depth+1)
				}
				if vt == "" || t != "" && vt != t {
					return ""
				}
				t = vt
			}
			return t
		}
		if v, _ := s.topLevel(e.Name); v != nil {
			return s.typeOfDepth(v, depth+1)
		}
	}
	return ""
}

// resultType is the type of result number result of call (the only one
// if result is -1).
func (s *source) resultType(call *ast.CallExpr, result, depth int) string {
	pick := func(ft *ast.FuncType) string {
		rs := resultTypes(ft)
		switch {
		case result < 0 && len(rs) == 1:
			return typeName(rs[0])
		case result >= 0 && result < len(rs):
			return typeName(rs[result])
		}
		return ""
	}
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		if _, decl := s.topLevel(fn.Name); decl != nil {
			return pick(decl.Type)
		}
		if s.typeSpec(fn.Name) != nil {
			return fn.Name // a conversion
		}
	case *ast.SelectorExpr:
		if x, ok := fn.X.(*ast.Ident); ok && s.imported(x.Name) {
			// A function of another package: of the project's, its type.
			if src := s.importedSource(x.Name); src != nil {
				if _, decl := src.topLevel(fn.Sel.Name); decl != nil {
					return qualify(pick(decl.Type), x.Name)
				}
			}
			return ""
		}
		sigs, _ := s.methodSigs(s.typeOfDepth(fn.X, depth+1), fn.Sel.Name)
		t := ""
		for _, ft := range sigs {
			if n := len(resultTypes(ft)); result < 0 && n != 1 || result >= n {
				continue // another method of that name, which no call like this one can be
			}
			rt := pick(ft)
			if rt == "" || t != "" && rt != t {
				return ""
			}
			t = rt
		}
		return t
	}
	return ""
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
			// An ID built from parts: every ID the parts may make, if
			// each is a string the code gives ("page." + id + ".title",
			// id a parameter given "expired" or "handled"); else the
			// prefixes the first part may be, for this test to enumerate
			// the rest of.
			if ids, ok := s.stringValues(e, 0); ok {
				for _, v := range ids {
					uses = append(uses, idUse{ID: v, At: s.pos(e)})
				}
				return
			}
			left := e.X
			for {
				b, ok := left.(*ast.BinaryExpr)
				if !ok {
					break
				}
				left = b.X
			}
			if prefixes, ok := s.stringValues(left, 0); ok && e.Op == token.ADD {
				for _, v := range prefixes {
					uses = append(uses, idUse{Prefix: v, At: s.pos(e)})
				}
				return
			}
		case *ast.SelectorExpr:
			// A field of an entry of a table of the package's:
			// checkItems[i].id, the IDs of its entries.
			if vs := s.tableField(e); len(vs) > 0 {
				for _, v := range vs {
					follow(v, depth+1)
				}
				return
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

// stringValues are the strings e may be, if the code gives them all: a
// literal, a concatenation of such, a conversion of one, a variable
// assigned only such, a parameter given only such, a constant.
func (s *source) stringValues(e ast.Expr, depth int) ([]string, bool) {
	if depth > 8 {
		return nil, false
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		v, err := strconv.Unquote(e.Value)
		return []string{v}, err == nil && e.Kind == token.STRING
	case *ast.ParenExpr:
		return s.stringValues(e.X, depth+1)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return nil, false
		}
		xs, ok := s.stringValues(e.X, depth+1)
		if !ok {
			return nil, false
		}
		ys, ok := s.stringValues(e.Y, depth+1)
		if !ok || len(xs)*len(ys) > 100 {
			return nil, false
		}
		var out []string
		for _, x := range xs {
			for _, y := range ys {
				out = append(out, x+y)
			}
		}
		return out, true
	case *ast.CallExpr:
		if fn, ok := e.Fun.(*ast.Ident); ok && fn.Name == "string" && len(e.Args) == 1 {
			return s.stringValues(e.Args[0], depth+1)
		}
	case *ast.Ident:
		b := s.resolve(e)
		var from []ast.Expr
		switch {
		case b.param != nil && !b.param.variadic:
			for _, call := range s.callsOf(b.param) {
				from = append(from, b.param.args(call)...)
			}
		case b.found:
			for i, v := range b.values {
				if b.results[i] != -1 {
					return nil, false
				}
				from = append(from, v)
			}
		default:
			if v, _ := s.topLevel(e.Name); v != nil {
				from = []ast.Expr{v}
			}
		}
		if len(from) == 0 {
			return nil, false
		}
		var out []string
		for _, f := range from {
			vs, ok := s.stringValues(f, depth+1)
			if !ok {
				return nil, false
			}
			out = append(out, vs...)
		}
		return slices.Compact(sorted(out)), true
	}
	return nil, false
}

// tableField are the values of field e.Sel of the entries of the
// package-level table e.X indexes (checkItems[i].id), by name or by the
// field's place in the entries' struct type.
func (s *source) tableField(e *ast.SelectorExpr) []ast.Expr {
	x := e.X
	for {
		ix, ok := x.(*ast.IndexExpr)
		if !ok {
			break
		}
		x = ix.X
	}
	id, ok := x.(*ast.Ident)
	if !ok {
		return nil
	}
	v, _ := s.topLevel(id.Name)
	table, ok := v.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	// The field's place in the entries' type, for entries without keys.
	place := -1
	var entry ast.Expr = elemOf(table.Type)
	if name := typeName(entry); name != "" {
		if ts := s.typeSpec(name); ts != nil {
			entry = ts.Type
		}
	}
	if st, ok := entry.(*ast.StructType); ok {
		i := 0
		for _, f := range st.Fields.List {
			for _, n := range f.Names {
				if n.Name == e.Sel.Name {
					place = i
				}
				i++
			}
		}
	}
	var out []ast.Expr
	for _, el := range table.Elts {
		lit, ok := el.(*ast.CompositeLit)
		if !ok {
			continue
		}
		for i, f := range lit.Elts {
			if kv, ok := f.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == e.Sel.Name {
					out = append(out, kv.Value)
				}
			} else if i == place {
				out = append(out, f)
			}
		}
	}
	return out
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
// catalog (and so, by TestCatalogsComplete, in every other), and every
// message of the catalog is one the code names: the strings given where
// text.M, text.Err, Printer.S and P and argErr take a message ID, through
// the variables and parameters they pass through and the tables they are
// kept in (checkItems[i].id); an ID built from parts that the code gives
// as strings is each ID they make ("page." + id + ".title"), and one
// built from a part of data (a store's kind) is enumerated here.
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
		// The kinds of actions the record says in words (any other is
		// log.kind.other).
		"log.kind.": {
			"log.kind." + string(store.ActionLinkCreated), "log.kind." + string(store.ActionLinkEdited),
			"log.kind." + string(store.ActionLinkRevoked), "log.kind." + string(store.ActionLinkRotated),
			"log.kind." + string(store.ActionRequestApproved), "log.kind." + string(store.ActionRequestDeclined),
			"log.kind." + string(store.ActionSettingChanged), "log.kind." + string(store.ActionVerifyPassed),
			"log.kind." + string(store.ActionVerifyFailed), "log.kind." + string(store.ActionVerifyTimedOut),
		},
	}
	// A chat's join modes, as /joinmode shows and sets them.
	for _, prefix := range []string{"joinmode.is_", "joinmode.set_"} {
		for _, m := range []store.JoinMode{store.JoinManual, store.JoinAuto, store.JoinVerify, store.JoinClosed} {
			built[prefix] = append(built[prefix], prefix+string(m))
		}
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
		t.Errorf("messages of en.yaml no code names: %s (drop them from every catalog, or say them)", strings.Join(sorted(unused), ", "))
	}
}

// --- No text of the code's own reaches a person.

var (
	formatVerb  = regexp.MustCompile(`%[-+# 0-9.*]*[a-zA-Z]`)
	htmlTag     = regexp.MustCompile(`</?[a-z]+[^>]*>`)
	extensionRe = regexp.MustCompile(`^\.[a-z0-9]{1,5}$`)
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
// which stays English (/createlink, #3, @name, limit=50, request, a URL),
// or a file's extension.
func words(lit string) bool {
	lit = htmlTag.ReplaceAllString(lit, "")
	lit = formatVerb.ReplaceAllString(lit, "")
	for _, w := range strings.Fields(lit) {
		switch {
		case strings.IndexFunc(w, unicode.IsLetter) < 0:
		case strings.ContainsAny(w[:1], "/#@-"), strings.Contains(w, "=") || strings.Contains(w, "://") || strings.HasSuffix(w, "/"):
		case extensionRe.MatchString(w): // a file's type (.csv), the same in every language
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
	s     *source
	seen  map[any]bool
	leaks []leak
	// fields are the values stored in a field, by the field's name and
	// the type it is a field of ("" where the syntax does not tell)
	fields map[string]map[string][]fieldValue
	names  map[string]bool // the names of the catalogs' values ("Name", "Chat")
	path   []string        // where the expression traced now comes from, the sent text first
}

// leak is a literal with words that reaches a person, at, through path.
type leak struct{ at, text, path string }

func (l leak) String() string { return fmt.Sprintf("%s: %q (sent at %s)", l.at, l.text, l.path) }

// fieldValue is a value stored in a field: result number result of e
// (all of e if -1).
type fieldValue struct {
	e      ast.Expr
	result int
}

func newTracer(s *source, names map[string]bool) *tracer {
	tr := &tracer{s: s, seen: map[any]bool{}, fields: map[string]map[string][]fieldValue{}, names: names}
	store := func(field, typ string, v fieldValue) {
		if tr.fields[field] == nil {
			tr.fields[field] = map[string][]fieldValue{}
		}
		typ = s.fieldOwner(typ, field)
		tr.fields[field][typ] = append(tr.fields[field][typ], v)
	}
	// A composite literal's fields, its elements' with the type the
	// literal's own type gives them.
	walked := map[*ast.CompositeLit]bool{}
	var composite func(lit *ast.CompositeLit, typ string)
	composite = func(lit *ast.CompositeLit, typ string) {
		walked[lit] = true
		if lit.Type != nil {
			typ = typeName(lit.Type)
		}
		for _, el := range lit.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if k, ok := kv.Key.(*ast.Ident); ok {
					store(k.Name, typ, fieldValue{kv.Value, -1})
				}
				el = kv.Value
			}
			if u, ok := el.(*ast.UnaryExpr); ok {
				el = u.X
			}
			if inner, ok := el.(*ast.CompositeLit); ok {
				composite(inner, elemType(typ))
			}
		}
	}
	for _, f := range s.files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if !walked[n] {
					composite(n, "")
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					sel, ok := l.(*ast.SelectorExpr)
					if !ok {
						continue
					}
					switch {
					case len(n.Rhs) == len(n.Lhs):
						store(sel.Sel.Name, s.typeOf(sel.X), fieldValue{n.Rhs[i], -1})
					case len(n.Rhs) == 1:
						store(sel.Sel.Name, s.typeOf(sel.X), fieldValue{n.Rhs[0], i})
					}
				}
			}
			return true
		})
	}
	return tr
}

// field traces the values stored in field name of what x is: those of
// its type, and those whose type the syntax does not tell; all of them if
// it does not tell x's.
func (tr *tracer) field(x ast.Expr, name string) {
	byType := tr.fields[name]
	trace := func(vs []fieldValue) {
		for _, v := range vs {
			tr.traceResult(v.e, v.result)
		}
	}
	t := tr.s.typeOf(x)
	if t == "" {
		for _, typ := range sorted(mapsKeys(byType)) {
			trace(byType[typ])
		}
		return
	}
	trace(byType[tr.s.fieldOwner(t, name)])
	trace(byType[""])
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

// syntaxValues are the values of the catalogs' messages that are command
// syntax, which stays English in every language (PRODUCT.md §8), each
// with why: what the code gives them is no text.
var syntaxValues = map[string]string{
	"Command": "a command's name (\"editlink\", \"/approve\"): the catalogs show it as /{{.Command}}, or it holds its slash",
}

// values traces the values of a message call whose name, value pairs
// start at argument kv: the values, not the names; all of a spread slice.
func (tr *tracer) values(call *ast.CallExpr, kv int) {
	for i := kv + 1; i < len(call.Args); i += 2 {
		if lit, ok := call.Args[i-1].(*ast.BasicLit); ok {
			if name, err := strconv.Unquote(lit.Value); err == nil && syntaxValues[name] != "" {
				continue
			}
		}
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
			tr.leaks = append(tr.leaks, leak{at: tr.s.pos(e), text: v, path: strings.Join(slices.Compact(slices.Clone(tr.path)), " ← ")})
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
		if quantity(e) {
			return // a quantity as commands take it (strconv.Itoa(h) + "h" + strconv.Itoa(m) + "m": 1h30m), the same in every language
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
		tr.field(e.X, e.Sel.Name)
	}
}

// quantityRe is a quantity with its units as commands take it: 10m,
// 1h30m, 7d (PRODUCT.md §8: command syntax stays as typed in every language).
var quantityRe = regexp.MustCompile(`^([0-9]+[a-z]{1,2})+$`)

// quantity tells whether e is a string concatenation of numbers (as
// strconv writes them) and literals that makes a quantity like 1h30m.
func quantity(e *ast.BinaryExpr) bool {
	var b strings.Builder
	var walk func(x ast.Expr) bool
	walk = func(x ast.Expr) bool {
		switch x := x.(type) {
		case *ast.BinaryExpr:
			return x.Op == token.ADD && walk(x.X) && walk(x.Y)
		case *ast.ParenExpr:
			return walk(x.X)
		case *ast.BasicLit:
			v, err := strconv.Unquote(x.Value)
			b.WriteString(v)
			return err == nil && x.Kind == token.STRING
		case *ast.CallExpr:
			if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "strconv" && (sel.Sel.Name == "Itoa" || sel.Sel.Name == "FormatInt" || sel.Sel.Name == "FormatUint") {
					b.WriteString("1")
					return true
				}
			}
		}
		return false
	}
	return walk(e) && quantityRe.MatchString(b.String())
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
			tr.traceResult(v, max(b.results[i], -1))
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
		if x, ok := fn.X.(*ast.Ident); ok && (x.Name == "strconv" || x.Name == "time") && (strings.HasPrefix(fn.Sel.Name, "Parse") || fn.Sel.Name == "Atoi") {
			return // a number, a time or a duration read from text (the layout it is read with is no text either)
		}
		if x, ok := fn.X.(*ast.Ident); ok && tr.s.imported(x.Name) {
			// Another package's function (strings.Join, fmt.Sprintf,
			// html.EscapeString): what it is given.
			for _, a := range e.Args {
				tr.trace(a)
			}
			return
		}
		// The package's methods of that name that what fn.X is may
		// have: what they return.
		_, ms := tr.s.methodSigs(tr.s.typeOf(fn.X), fn.Sel.Name)
		for _, m := range ms {
			tr.traceReturns(m.Type, m.Body, result)
		}
		if len(ms) == 0 {
			// A method of an interface or of another package's type:
			// what it is given, which may come back.
			for _, a := range e.Args {
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
					tr.traceReturns(lit.Type, lit.Body, result)
				}
			}
			return
		}
		if _, decl := tr.s.topLevel(fn.Name); decl != nil {
			tr.traceReturns(decl.Type, decl.Body, result)
		}
	case *ast.ArrayType, *ast.ParenExpr:
		for _, a := range e.Args { // a conversion
			tr.trace(a)
		}
	}
}

// traceReturns traces what a function of type ft with body returns: its
// result number result, or all of them if -1.
func (tr *tracer) traceReturns(ft *ast.FuncType, body *ast.BlockStmt, result int) {
	declared := len(resultTypes(ft))
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			switch {
			case len(n.Results) == declared:
				for i, r := range n.Results {
					if result < 0 || i == result {
						tr.trace(r)
					}
				}
			case len(n.Results) == 1:
				tr.traceResult(n.Results[0], result) // return f(): f's results
			}
		}
		return true
	})
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

// sinks are the expressions of s whose text people read: the Text of a
// bot.Outgoing, of a bot.Button, or any .Text assigned; the text of Edit
// and AnswerButton calls; a command's description in the menus; a
// document's name (Telegram shows it, and it is saved under it; a
// photo's, sent with SendPhoto, it shows nowhere); a *text.Error, which
// the person is told (Answer); and the fields that the package's HTML
// templates show as text (the verification page).
func sinks(t *testing.T, s *source) []ast.Expr {
	var out []ast.Expr
	shown := templateText(t, s.dir)
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
				case isType(n.Type, "text", "Error"):
					field(n, "Msg")
				}
				for name := range shown {
					field(n, name)
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Text" || shown[sel.Sel.Name]) && i < len(n.Rhs) {
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
					case sel.Sel.Name == "SendDocument" && len(n.Args) == 3:
						file := n.Args[2]
						if u, ok := file.(*ast.UnaryExpr); ok {
							file = u.X
						}
						if lit, ok := file.(*ast.CompositeLit); ok && isType(lit.Type, "bot", "File") {
							field(lit, "Name")
						} else {
							out = append(out, file)
						}
					case isType(sel, "text", "Err") && s.imported("text"):
						out = append(out, n)
					}
				}
			}
			return true
		})
	}
	return out
}

// templateText are the names of the values that the HTML templates in
// dir/assets show as text: {{.Name}} outside a tag, and what {{range}} or
// {{with}} of .Name shows as {{.}}; not the values of attributes (lang=,
// dir=, action=), which are codes and addresses.
func templateText(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "assets", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		trees, err := parse.Parse(f, string(data), "{{", "}}")
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		inTag := false
		// name is the value a pipeline shows: a field of dot or of $.
		name := func(p *parse.PipeNode) string {
			if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
				return ""
			}
			switch a := p.Cmds[0].Args[0].(type) {
			case *parse.FieldNode:
				return a.Ident[len(a.Ident)-1]
			case *parse.VariableNode:
				return a.Ident[len(a.Ident)-1]
			}
			return ""
		}
		var walk func(n parse.Node, dot string)
		walk = func(n parse.Node, dot string) {
			switch n := n.(type) {
			case *parse.ListNode:
				if n == nil {
					return
				}
				for _, c := range n.Nodes {
					walk(c, dot)
				}
			case *parse.TextNode:
				text := string(n.Text)
				if i, j := strings.LastIndex(text, "<"), strings.LastIndex(text, ">"); i >= 0 || j >= 0 {
					inTag = i > j
				}
			case *parse.ActionNode:
				if inTag {
					return
				}
				if nm := name(n.Pipe); nm != "" {
					shown[nm] = true
				} else if len(n.Pipe.Cmds) == 1 && len(n.Pipe.Cmds[0].Args) == 1 && n.Pipe.Cmds[0].Args[0].Type() == parse.NodeDot && dot != "" {
					shown[dot] = true
				}
			case *parse.RangeNode:
				walk(n.List, name(n.Pipe))
				walk(n.ElseList, dot)
			case *parse.WithNode:
				walk(n.List, name(n.Pipe))
				walk(n.ElseList, dot)
			case *parse.IfNode:
				walk(n.List, dot)
				walk(n.ElseList, dot)
			}
		}
		for _, tree := range trees {
			walk(tree.Root, "")
		}
	}
	return shown
}

// knownEnglish are the literals with words that reach people today, each
// for a reason: the example link names in the examples handlers/args.go
// builds for its mistakes ("/createlink Partners limit=50", "name=Summer
// sale"), which stay English in every language until the examples move
// to the catalogs.
var knownEnglish = regexp.MustCompile(`^\.\./args\.go:\d+: "(/createlink Partners |name=Summer sale|name=Summer sale limit=5)" `)

// TestNoTextOutsideCatalogs: what the bot sends people (messages, edits,
// buttons, answers to button presses, menus, refusals, documents' names,
// the verification page) comes from the catalogs through a Printer: no
// string literal with words reaches it, directly or through the
// variables, parameters, fields, functions and builders it is made with.
// A field is followed to the values stored in that field of the type it
// is read from, and a method to the methods of that type, wherever the
// syntax tells the type (TestTracer shows what the tracer tells apart).
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
		found := sinks(t, src)
		for _, e := range found {
			tr.trace(e)
		}
		if dir != "../../cmd/internal/app" && len(found) < 3 {
			t.Errorf("%s: only %d places send text: the search is broken", dir, len(found))
		}
		var leaks []string
		for _, l := range tr.leaks {
			leaks = append(leaks, l.String())
		}
		slices.Sort(leaks)
		for _, l := range slices.Compact(leaks) {
			if lit := knownEnglish.FindString(l); lit != "" {
				t.Logf("known: %s", l)
				continue
			}
			t.Errorf("%s reaches people without a catalog: put it in locales/en.yaml and say it through a Printer", l)
		}
	}
}

// TestTracer: the tracer of TestNoTextOutsideCatalogs on code made for it
// (testdata/tracer), whose literals say whether they reach a person: it
// finds every one that does, through a variable, a parameter, a helper's
// result, a field of a type of the package, formatting, a refusal
// (*text.Error), a document's name and a template's text, and none of
// those that do not: the texts of errors, a command's name, quantities as
// commands take them, a time layout, a field or a method of another type
// than the one shown, a photo's name, a file's extension, a template's
// attribute.
func TestTracer(t *testing.T) {
	src := parseDir(t, "testdata/tracer")
	names := map[string]bool{}
	for _, m := range readCatalog(t, "locales/en.yaml") {
		for _, s := range m.forms {
			for _, n := range shapeOf(s).placeholders {
				names[n] = true
			}
		}
	}
	tr := newTracer(src, names)
	for _, e := range sinks(t, src) {
		tr.trace(e)
	}
	found := map[string]bool{}
	for _, l := range tr.leaks {
		found[l.text] = true
		if !strings.HasPrefix(l.text, "leak:") {
			t.Errorf("%s is reported, and reaches no person", l)
		}
	}
	want := 0
	for _, f := range src.files {
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if v, _ := strconv.Unquote(lit.Value); strings.HasPrefix(v, "leak:") {
					want++
					if !found[v] {
						t.Errorf("%s: %q reaches a person, and is not reported", src.pos(lit), v)
					}
				}
			}
			return true
		})
	}
	if want < 8 {
		t.Fatalf("only %d literals in testdata/tracer say they leak", want)
	}
}
