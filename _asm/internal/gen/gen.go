// Package gen holds what the assembly generators of shardnet share: a
// File, which is an avo build context that knows the Go package its
// functions belong to, and writes the assembly, the Go declarations and
// any further generated Go source of that package; and Vector, the
// description of a vector register file that each kernel family is emitted
// for.
//
// The generators live together in this one module, _asm, with one main
// package per Go package that has assembly (kernel, adam for package
// trainer, cpupeak), rather than one module beside each package: they share
// this package and one go.mod/go.sum pinning avo, and keeping avo out of
// the main module keeps it out of shardnet's dependencies. Each Go package
// runs its generator from a //go:generate line (go run -C with the path of
// this module), so go generate ./... in the main module regenerates
// everything.
package gen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"go/types"
	"os"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/pass"
	"github.com/mmcloughlin/avo/printer"
	"github.com/mmcloughlin/avo/reg"
)

// File is the assembly file of one Go package under construction: an avo
// build context (its instruction methods emit into the current function)
// together with the package's types that the functions' signatures use.
type File struct {
	*build.Context
	generator string         // who wrote the file, for the "Code generated" line
	pkg       *types.Package // the Go package the functions belong to
}

// NewFile starts the assembly of the Go package with import path pkgPath,
// whose package clause and whatever type declarations the signatures
// mention are the Go source src (type-checked here, so that avo can lay out
// arguments and struct fields exactly as the gc compiler does on amd64).
// generator names the program, for the "Code generated" comments.
func NewFile(generator, pkgPath, src string) *File {
	pkg, err := TypeCheck(pkgPath, src)
	if err != nil {
		fatalf("%s: %v", generator, err)
	}
	f := &File{Context: build.NewContext(), generator: generator, pkg: pkg}
	f.ConstraintExpr("amd64")
	return f
}

// TypeCheck parses and type-checks the Go source src, one file of the
// package with import path pkgPath, which may import nothing.
func TypeCheck(pkgPath, src string) (*types.Package, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "decls.go", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	conf := types.Config{Sizes: gotypes.Sizes}
	return conf.Check(pkgPath, fset, []*ast.File{file}, nil)
}

// Func starts the assembly function name, NOSPLIT, with the Go signature
// sig (a function type, which may use the package's types) and the doc
// comment doc, one line per string, for its Go declaration. The functions
// trust their Go callers, which pass them pointers into Go memory only for
// the duration of the call, so the declarations are //go:noescape.
func (f *File) Func(name, sig string, doc ...string) {
	f.Function(name)
	f.Attributes(attr.NOSPLIT)
	s, err := gotypes.ParseSignatureInPackage(f.pkg, sig)
	if err != nil {
		fatalf("%s: signature of %s: %v", f.generator, name, err)
	}
	f.Signature(s)
	if len(doc) > 0 {
		f.Doc(doc...)
	}
	f.Pragma("noescape")
}

// Arg returns the address of the argument name of the current function
// (name+offset(FP)).
func (f *File) Arg(name string) operand.Mem {
	return resolve(f.Param(name), name)
}

// Fields returns the addresses of the fields of the struct that the
// pointer argument name of the current function points to, once that
// pointer is in register base: Fields("a", R13)("h") is a.h, as an offset
// from R13 laid out as the gc compiler lays out the struct on amd64. The
// address of an array field is that of its first element.
func (f *File) Fields(name string, base reg.Register) func(field string) operand.Mem {
	s := f.Param(name).Dereference(base)
	return func(field string) operand.Mem {
		c := s.Field(field)
		if _, err := c.Resolve(); err != nil {
			c = c.Index(0)
		}
		return resolve(c, name+"."+field)
	}
}

// Data declares the read-only data symbol name<> holding the 4-byte words
// ws in order (or the 2-byte words, with size 2), and returns its address.
func (f *File) Data(name string, size int, ws ...uint32) operand.Mem {
	m := f.StaticGlobal(name)
	f.DataAttributes(attr.RODATA | attr.NOPTR)
	for i, w := range ws {
		var c operand.Constant
		switch size {
		case 2:
			c = operand.U16(w)
		case 4:
			c = operand.U32(w)
		default:
			fatalf("%s: data %s: words of %d bytes", f.generator, name, size)
		}
		f.AddDatum(i*size, c)
	}
	return m
}

// Write compiles the file (avo's passes) and writes the assembly to asmPath
// and the Go declarations of its functions to stubsPath, either of which
// may be empty.
func (f *File) Write(asmPath, stubsPath string) {
	cfg := printer.Config{Name: f.generator, Pkg: f.pkg.Name()}
	passes := []pass.Interface{pass.Compile}
	for _, out := range []struct {
		path    string
		printer printer.Builder
	}{{asmPath, printer.NewGoAsm}, {stubsPath, printer.NewStubs}} {
		if out.path != "" {
			passes = append(passes, &pass.Output{Writer: &fileWriter{path: out.path}, Printer: out.printer(cfg)})
		}
	}
	if build.Main(&build.Config{ErrOut: os.Stderr, Passes: passes}, f.Context) != 0 {
		fatalf("%s: avo failed", f.generator)
	}
}

// WriteGo writes the Go source src of the file's package to path, after
// the "Code generated" line and a build constraint (none if constraint is
// empty), formatted by gofmt.
func (f *File) WriteGo(path, constraint, src string) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by %s. DO NOT EDIT.\n\n", f.generator)
	if constraint != "" {
		fmt.Fprintf(&b, "//go:build %s\n\n", constraint)
	}
	fmt.Fprintf(&b, "package %s\n\n%s", f.pkg.Name(), src)
	out, err := format.Source(b.Bytes())
	if err != nil {
		fatalf("%s: %s: %v\n%s", f.generator, path, err, b.Bytes())
	}
	if err := os.WriteFile(path, out, 0o666); err != nil {
		fatalf("%s: %v", f.generator, err)
	}
}

// fileWriter creates its file on the first write, so that a failed
// generation leaves the previous file alone.
type fileWriter struct {
	path string
	buf  bytes.Buffer
}

func (w *fileWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }

func (w *fileWriter) Close() error { return os.WriteFile(w.path, w.buf.Bytes(), 0o666) }

func resolve(c gotypes.Component, what string) operand.Mem {
	b, err := c.Resolve()
	if err != nil {
		fatalf("%s: %v", what, err)
	}
	return b.Addr
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// Layout returns the fields of the package's struct type name and their
// offsets, as the gc compiler lays them out on amd64.
func (f *File) Layout(name string) (fields []string, offsets []int64) {
	obj := f.pkg.Scope().Lookup(name)
	if obj == nil {
		fatalf("%s: no type %s", f.generator, name)
	}
	s, ok := obj.Type().Underlying().(*types.Struct)
	if !ok {
		fatalf("%s: %s is not a struct", f.generator, name)
	}
	vars := make([]*types.Var, s.NumFields())
	for i := range vars {
		vars[i] = s.Field(i)
		fields = append(fields, vars[i].Name())
	}
	return fields, gotypes.Sizes.Offsetsof(vars)
}
