package auditview

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The writers' actions, found in the module's source: every audit.Entry
// literal's Action, given as a string or as a local variable set from
// strings. Every one must have its sentence, so that a writer who adds an
// action fails here until the log can tell it; an Action this cannot read
// (a parameter, a call) fails too, as its actions could not be checked.
func TestEveryWrittenActionHasASentence(t *testing.T) {
	root := moduleRoot(t)
	found := map[string]string{} // action → where
	fset := token.NewFileSet()
	for _, dir := range []string{"cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			for _, decl := range f.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				for _, lit := range entryLiterals(fn, f.Name.Name == "audit") {
					pos := fset.Position(lit.Pos()).String()
					names, ok := actionsOf(fn, lit)
					if !ok {
						t.Errorf("%s: cannot tell the action of this audit entry; give Action a string, or a local variable set from strings", pos)
					}
					for _, a := range names {
						found[a] = pos
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for a, pos := range found {
		if _, ok := sentences[a]; !ok {
			t.Errorf("%s writes the action %q, which has no sentence in internal/auditview (sentences.go)", pos, a)
		}
	}
	// The writers this package was built against, found through both
	// forms: the search itself works.
	for _, a := range []string{"tenant.create", "user.disable", "user.enable", "link.create", "link.update", "link.bind", "link.status"} {
		if _, ok := found[a]; !ok {
			t.Errorf("the search did not find the writer of %s; found %v", a, slices.Sorted(maps.Keys(found)))
		}
	}
}

// entryLiterals are the audit.Entry{…} literals in fn (Entry{…} within
// package audit).
func entryLiterals(fn *ast.FuncDecl, inAudit bool) []*ast.CompositeLit {
	var out []*ast.CompositeLit
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		switch ty := lit.Type.(type) {
		case *ast.SelectorExpr:
			if x, ok := ty.X.(*ast.Ident); ok && x.Name == "audit" && ty.Sel.Name == "Entry" {
				out = append(out, lit)
			}
		case *ast.Ident:
			if inAudit && ty.Name == "Entry" {
				out = append(out, lit)
			}
		}
		return true
	})
	return out
}

// actionsOf reads the actions an entry literal may hold. An entry without
// an Action is none of a writer's.
func actionsOf(fn *ast.FuncDecl, lit *ast.CompositeLit) ([]string, bool) {
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if key, ok := kv.Key.(*ast.Ident); !ok || key.Name != "Action" {
			continue
		}
		switch v := kv.Value.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(v.Value)
			return []string{s}, err == nil
		case *ast.Ident:
			return stringsAssigned(fn, v.Name)
		}
		return nil, false
	}
	return nil, true
}

// stringsAssigned are the strings fn assigns to the variable name; false
// when it also assigns anything else.
func stringsAssigned(fn *ast.FuncDecl, name string) ([]string, bool) {
	var out []string
	ok := true
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		as, isAssign := n.(*ast.AssignStmt)
		if !isAssign || len(as.Lhs) != len(as.Rhs) {
			return true
		}
		for i, lhs := range as.Lhs {
			if id, isIdent := lhs.(*ast.Ident); !isIdent || id.Name != name {
				continue
			}
			lit, isLit := as.Rhs[i].(*ast.BasicLit)
			s, err := "", error(nil)
			if isLit {
				s, err = strconv.Unquote(lit.Value)
			}
			if !isLit || err != nil {
				ok = false
				continue
			}
			out = append(out, s)
		}
		return true
	})
	return out, ok && len(out) > 0
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
