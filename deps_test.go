// Package shardnet_test holds the module's architecture rules, in the manner
// of the standard library's go/build/deps_test.go: the dependency rules of
// docs/ARCHITECTURE.md written as a table, checked by every go test ./...
package shardnet_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// module is the module path that the table's package names are relative to.
const module = "github.com/shardnet/shardnet"

// depRule is one rule of docs/ARCHITECTURE.md: no package in from may
// depend, directly or through any other package, on a package in forbid
// (the module's packages, named relative to the module), nor import a
// package in forbidOutside (the standard library's and other modules'
// packages, named in full; only direct imports, since the standard library
// itself imports sync, os and the like). A name ending in "/..." stands for the package and every
// package below it.
type depRule struct {
	rule          string // the rule as ARCHITECTURE.md states it, for the failure
	from          []string
	forbid        []string
	forbidOutside []string
}

// library is the packages a Go user may import: they import nothing
// internal, or a user could not build them.
var library = []string{"shard", "netcore", "netcore/kernel", "trainer"}

// depRules is the table. Changing a rule changes the architecture: change
// docs/ARCHITECTURE.md with it.
var depRules = []depRule{
	{
		rule:   "the library packages (shard, netcore, netcore/kernel, trainer) import nothing internal",
		from:   library,
		forbid: []string{"internal/..."},
	},
	{
		rule:   "shard knows nothing of networks",
		from:   []string{"shard"},
		forbid: []string{"netcore/...", "trainer"},
	},
	{
		rule:          "netcore knows nothing of goroutines or the float32 kernels",
		from:          []string{"netcore"},
		forbid:        []string{"netcore/kernel"},
		forbidOutside: []string{"sync", "sync/atomic", "golang.org/x/sync/..."},
	},
	{
		rule:   "netcore/kernel knows nothing of netcore's types, data sets or coordination",
		from:   []string{"netcore/kernel"},
		forbid: []string{"netcore", "shard", "trainer"},
	},
	{
		rule:   "trainer imports neither internal/config nor gonum.org/v1/plot, and knows nothing of configuration files, flags, plots, files or MPI",
		from:   []string{"trainer"},
		forbid: []string{"internal/..."},
		forbidOutside: []string{"gonum.org/v1/plot/...", "go.yaml.in/yaml/v3",
			"flag", "os", "os/exec", "os/signal", "path/filepath"},
	},
	{
		rule:   "internal/config knows nothing but the configuration",
		from:   []string{"internal/config"},
		forbid: []string{"shard", "netcore/...", "trainer", "internal/..."},
	},
	{
		rule:   "internal/output imports neither trainer nor internal/cli: it writes plain data",
		from:   []string{"internal/output"},
		forbid: []string{"trainer", "internal/cli", "internal/config"},
	},
	{
		rule: "internal/mpi, internal/export, internal/fetch, internal/digit and internal/cpupeak know nothing of training",
		from: []string{"internal/mpi", "internal/export/...", "internal/fetch", "internal/digit",
			"internal/cpupeak"},
		forbid: []string{"trainer", "internal/cli", "internal/config", "internal/output"},
	},
	{
		rule:   "internal/synth makes test data: it knows nothing of networks",
		from:   []string{"internal/synth"},
		forbid: []string{"netcore/...", "trainer", "internal/cli"},
	},
	{
		rule:   "only cmd/shardnet imports internal/cli",
		from:   []string{"shard", "netcore/...", "trainer", "internal/..."},
		forbid: []string{"internal/cli"},
	},
	{
		rule:   "internal/synth is for tests alone: no package outside them imports it",
		from:   []string{"cmd/...", "shard", "netcore/...", "trainer", "internal/cli", "internal/output", "internal/config"},
		forbid: []string{"internal/synth"},
	},
	{
		rule:          "gonum.org/v1/plot is internal/output's alone",
		from:          []string{"cmd/...", "shard", "netcore/...", "trainer", "internal/cli", "internal/config", "internal/mpi", "internal/export/...", "internal/fetch", "internal/digit", "internal/synth", "internal/cpupeak"},
		forbidOutside: []string{"gonum.org/v1/plot/..."},
	},
}

// buildConfigs are the builds whose dependencies the rules hold for: files
// behind a build tag or for another architecture may import what the
// default build does not.
var buildConfigs = []struct {
	name string
	env  []string
	args []string
}{
	{name: "default"},
	{name: "-tags mpi", args: []string{"-tags", "mpi"}},
	{name: "GOARCH=arm64", env: []string{"GOARCH=arm64"}},
}

func TestDependencyRules(t *testing.T) {
	for _, bc := range buildConfigs {
		t.Run(bc.name, func(t *testing.T) {
			for pkg, pd := range listDeps(t, bc.env, bc.args) {
				for _, r := range depRules {
					if !matchesAny(pkg, r.from) {
						continue
					}
					for _, dep := range pd.deps {
						if matchesAny(dep, r.forbid) {
							t.Errorf("%s depends on %s, which breaks the rule %q (deps_test.go, docs/ARCHITECTURE.md)",
								pkg, dep, r.rule)
						}
					}
					for _, imp := range pd.imports {
						if matchesOutside(imp, r.forbidOutside) {
							t.Errorf("%s imports %s, which breaks the rule %q (deps_test.go, docs/ARCHITECTURE.md)",
								pkg, strings.TrimPrefix(imp, outside), r.rule)
						}
					}
				}
			}
		})
	}
}

// TestDependencyRulesCoverEveryPackage keeps the table complete: a new
// package of the module must be placed in the architecture, here and in
// docs/ARCHITECTURE.md, before it is used.
func TestDependencyRulesCoverEveryPackage(t *testing.T) {
	for pkg := range listDeps(t, nil, nil) {
		if pkg == "cmd/shardnet" || pkg == "." {
			continue // the main, which may import anything, and this package of tests
		}
		covered := false
		for _, r := range depRules {
			if matchesAny(pkg, r.from) {
				covered = true
				break
			}
		}
		if !covered {
			t.Errorf("package %s is in no rule of deps_test.go: add it to the table and to docs/ARCHITECTURE.md's package table", pkg)
		}
	}
}

// TestDependencyRulesMatchPackages keeps the table honest: a rule naming a
// package that does not exist (renamed, moved) would check nothing.
func TestDependencyRulesMatchPackages(t *testing.T) {
	pkgs := listDeps(t, nil, nil)
	for _, r := range depRules {
		for _, from := range r.from {
			found := false
			for pkg := range pkgs {
				if matches(pkg, from) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("rule %q names %s, which is no package of the module", r.rule, from)
			}
		}
	}
}

func TestMatches(t *testing.T) {
	for _, tt := range []struct {
		name, pattern string
		want          bool
	}{
		{"trainer", "trainer", true},
		{"trainer/x", "trainer", false},
		{"internal/cli", "internal/...", true},
		{"internal", "internal/...", true},
		{"internalx", "internal/...", false},
		{"gonum.org/v1/plot/vg", "gonum.org/v1/plot/...", true},
		{"os/exec", "os", false},
	} {
		if got := matches(tt.name, tt.pattern); got != tt.want {
			t.Errorf("matches(%q, %q) = %v, want %v", tt.name, tt.pattern, got, tt.want)
		}
	}
	if matchesAny(relative("internal/cpu"), []string{"internal/..."}) {
		t.Error("the standard library's internal/cpu matches the module's internal/...")
	}
	if !matchesOutside(relative("os"), []string{"os"}) {
		t.Error("the standard library's os does not match forbidOutside's os")
	}
	if matchesOutside(relative(module+"/trainer"), []string{"trainer"}) {
		t.Error("the module's trainer matches forbidOutside's trainer")
	}
}

// packageDeps is what one package imports itself and what it depends on,
// directly or not.
type packageDeps struct {
	imports, deps []string
}

// listDeps returns, for each package of the module, what it imports and
// depends on. The module's own packages are named relative to the module,
// the module's root "."; the others carry a leading "=" so that no pattern
// of the module's matches them (the standard library has its own
// internal/...).
func listDeps(t *testing.T, env, args []string) map[string]packageDeps {
	t.Helper()
	cmd := exec.Command("go", append(append([]string{"list", "-e"}, args...),
		"-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{join .Deps \" \"}}", "./...")...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	pkgs := make(map[string]packageDeps)
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		path, rest, ok1 := strings.Cut(sc.Text(), "|")
		imports, deps, ok2 := strings.Cut(rest, "|")
		if !ok1 || !ok2 {
			t.Fatalf("go list printed %q, want path|imports|deps", sc.Text())
		}
		pkgs[relative(path)] = packageDeps{imports: relativeAll(imports), deps: relativeAll(deps)}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading go list's output: %v", err)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

func relativeAll(paths string) []string {
	fields := strings.Fields(paths)
	for i, f := range fields {
		fields[i] = relative(f)
	}
	return fields
}

func relative(path string) string {
	if path == module {
		return "."
	}
	if rest, ok := strings.CutPrefix(path, module+"/"); ok {
		return rest
	}
	return outside + path
}

// outside marks a package from outside the module in listDeps' names.
const outside = "="

// matchesOutside reports whether a name of listDeps is a package from
// outside the module that matches one of patterns.
func matchesOutside(name string, patterns []string) bool {
	path, ok := strings.CutPrefix(name, outside)
	return ok && matchesAny(path, patterns)
}

// matchesAny reports whether name matches one of patterns.
func matchesAny(name string, patterns []string) bool {
	for _, p := range patterns {
		if matches(name, p) {
			return true
		}
	}
	return false
}

func matches(name, pattern string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return name == prefix || strings.HasPrefix(name, prefix+"/")
	}
	return name == pattern
}
