package gen

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
)

// Decls are the top-level declarations of a hand-written Go package, read
// so that a generator can implement a function the package declares
// without a body, with the signature and types the Go code gives it, the
// way avo's Implement does (without loading the package and its
// dependencies).
type Decls struct {
	fset  *token.FileSet
	files []*ast.File
}

// ReadDecls parses the Go files of the package in dir, tests excluded,
// whatever their build constraints.
func ReadDecls(dir string) *Decls {
	d := &Decls{fset: token.NewFileSet()}
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(paths) == 0 {
		fatalf("no Go files in %s", dir)
	}
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			fatalf("%v", err)
		}
		f, err := parser.ParseFile(d.fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			fatalf("%v", err)
		}
		d.files = append(d.files, f)
	}
	return d
}

// Type returns the source of the declaration of type name.
func (d *Decls) Type(name string) string {
	for _, f := range d.files {
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, spec := range g.Specs {
				if s := spec.(*ast.TypeSpec); s.Name.Name == name {
					return "type " + d.source(s)
				}
			}
		}
	}
	fatalf("no type %s", name)
	return ""
}

// FuncType returns the type, as a function type literal, of the function
// name that the package declares without a body.
func (d *Decls) FuncType(name string) string {
	for _, f := range d.files {
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Body == nil && fn.Name.Name == name {
				return d.source(fn.Type)
			}
		}
	}
	fatalf("no declaration of %s without a body", name)
	return ""
}

func (d *Decls) source(node ast.Node) string {
	var b bytes.Buffer
	if err := format.Node(&b, d.fset, node); err != nil {
		fatalf("%v", err)
	}
	return b.String()
}
