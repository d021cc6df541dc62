package events

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// producers are the subgraphs that publish events, each with its own file.
var producers = []string{"customer", "product", "vendor", "shopping", "deliveryman", "feedback", "cloudmanager"}

// TestCatalogue reads the producer files so that a constant added to any of
// them is checked: a valid type, owned by the file's subgraph, documented,
// used once.
func TestCatalogue(t *testing.T) {
	seen := map[string]string{}
	for _, producer := range producers {
		file := producer + ".go"
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		count := 0
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Errorf("%s: %s is not a string literal", file, name)
						continue
					}
					typ, _ := strconv.Unquote(lit.Value)
					count++
					if !typePattern.MatchString(typ) {
						t.Errorf("%s: %s = %q is not a valid type", file, name, typ)
					}
					if !strings.HasPrefix(typ, producer+".") {
						t.Errorf("%s: %s = %q belongs to another producer", file, name, typ)
					}
					if vs.Doc == nil || !strings.HasPrefix(vs.Doc.Text(), name.Name+":") {
						t.Errorf("%s: %s has no doc comment saying what it means", file, name)
					}
					if other, dup := seen[typ]; dup {
						t.Errorf("%s: %s = %q duplicates %s", file, name, typ, other)
					}
					seen[typ] = name.Name
				}
			}
		}
		if count == 0 {
			t.Errorf("%s declares no event types", file)
		}
	}
}
