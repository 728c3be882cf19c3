package trainer_test

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/synth"
	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/trainer"
)

// update rewrites the golden files of this package's TestGolden tests with
// what this build computes, for a deliberate change of the results.
var update = flag.Bool("update", false, "rewrite the golden files in testdata with this build's results")

// goldenTrainings is the file of TestGoldenTrainings' recorded results.
var goldenTrainings = filepath.Join("testdata", "golden", "trainings.txt")

// goldenTraining is one short training on generated data: a shape of
// network and data, an update rule and a schedule.
type goldenTraining struct {
	name   string
	images int // of side×side pixels, from internal/synth
	side   int
	cfg    trainer.Config
}

// goldenCases cover the shapes the kernels treat apart (a hidden layer
// under, at and over a register's width, the full 28×28 image and a small
// one), every update rule and schedule, full and mini batches, and every
// activation.
var goldenCases = []goldenTraining{
	{"sigmoid-gd-constant-h12-side10-full", 400, 10, trainer.Config{
		Hidden: 12, Activation: netcore.Sigmoid, Init: netcore.NormalInit, InitScale: 0.01, PixelScale: 1.0 / 255,
		Seed: 1, Iterations: 4, LearningRate: trainer.Constant(0.5), Rule: trainer.GradientDescent{},
		MicroShards: 16, LogEvery: 1,
	}},
	{"relu-momentum-stepdecay-h16-side12-batch50", 300, 12, trainer.Config{
		Hidden: 16, Activation: netcore.ReLU, Init: netcore.He, PixelScale: 1.0 / 255,
		Seed: 2, Iterations: 6, BatchSize: 50, LearningRate: trainer.StepDecay{Initial: 0.1, Every: 2, Gamma: 0.5},
		Rule:        trainer.Momentum{Momentum: 0.9, Nesterov: true, WeightDecay: 1e-4},
		MicroShards: 8, LogEvery: 2,
	}},
	{"tanh-adam-cosine-h33-side28-batch64", 256, 28, trainer.Config{
		Hidden: 33, Activation: netcore.Tanh, Init: netcore.Xavier, PixelScale: 1.0 / 255,
		Seed: 3, Iterations: 5, BatchSize: 64, LearningRate: trainer.Cosine{Initial: 0.01},
		Rule:        trainer.Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, WeightDecay: 1e-3},
		MicroShards: 8, LogEvery: 5,
	}},
	{"sigmoid-gd-constant-h10-side28-full-pixels255", 200, 28, trainer.Config{
		Hidden: 10, Activation: netcore.Sigmoid, Init: netcore.NormalInit, InitScale: 0.01, PixelScale: 1,
		Seed: 4, Iterations: 3, LearningRate: trainer.Constant(0.04), Rule: trainer.GradientDescent{},
		MicroShards: 64, LogEvery: 1,
	}},
}

// goldenWorkers are the worker counts each case runs with: the results
// must not depend on them.
var goldenWorkers = []int{1, 3}

// TestGoldenTrainings runs short trainings on generated data on every
// kernel path this CPU runs and compares the parameters' digest and the
// costs, bit for bit, with those recorded in testdata/golden/trainings.txt
// for the path. It needs no data on disk. A change of any result of any
// kernel, reduction or update rule makes it fail; a deliberate change is
// recorded by go test ./trainer -run TestGolden -update.
//
// Records are kept per arithmetic, not per path: every path of the one
// arithmetic (docs/ARITHMETIC.md) must give the same records, on every
// architecture, and the test fails where two of them differ. An
// arithmetic with no records at all is reported, and fails if it is the
// portable path's, which every CPU runs.
func TestGoldenTrainings(t *testing.T) {
	recorded, err := readGolden(goldenTrainings)
	if err != nil && !(*update && os.IsNotExist(err)) {
		t.Fatalf("%v (record the file with go test ./trainer -run TestGoldenTrainings -update)", err)
	}
	got := make(map[string]string)
	old := kernel.Path()
	t.Cleanup(func() {
		if err := kernel.SelectPath(old); err != nil {
			t.Error(err)
		}
	})
	for _, path := range kernel.Paths() {
		if err := kernel.SelectPath(path); err != nil {
			t.Fatal(err)
		}
		key := goldenArithmeticKey(t)
		for _, c := range goldenCases {
			rng := rand.New(rand.NewPCG(uint64(c.images), uint64(c.side)))
			data := mustData(t, synth.Set(c.images, c.side, rng), 0)
			var first string
			for _, workers := range goldenWorkers {
				cfg := c.cfg
				cfg.Workers = workers
				res := runConfig(t, cfg, data, trainer.Options{})
				result := goldenResult(res)
				if first == "" {
					first = result
				} else if result != first {
					t.Errorf("%s path, %s: %d workers give %s, 1 worker %s", path, c.name, workers, result, first)
				}
			}
			if other, ok := got[key+" "+c.name]; ok && other != first {
				t.Errorf("%s path, %s: %s, another path of the same arithmetic %s: the paths do not compute one arithmetic", path, c.name, first, other)
			}
			got[key+" "+c.name] = first
		}
		if *update {
			continue
		}
		if !hasPathKey(recorded, key) {
			msg := fmt.Sprintf("%s has no records of the arithmetic of the %s path (%s): record them on a CPU that runs it with go test ./trainer -run TestGoldenTrainings -update",
				goldenTrainings, path, key)
			if path == kernel.PathGeneric {
				t.Error(msg)
			} else {
				t.Log(msg)
			}
			continue
		}
		for _, c := range goldenCases {
			name := key + " " + c.name
			want, ok := recorded[name]
			switch {
			case !ok:
				t.Errorf("%s has no record %q: record it with go test ./trainer -run TestGoldenTrainings -update", goldenTrainings, name)
			case got[name] != want:
				t.Errorf("%s path, %s: got %s, recorded %s in %s.\n"+
					"The results changed. If that is deliberate (a change of the arithmetic), record the new ones with\n"+
					"\tgo test ./trainer -run TestGoldenTrainings -update\n"+
					"and commit %s with the change that explains it.",
					path, c.name, got[name], want, goldenTrainings, goldenTrainings)
			}
		}
	}
	if *update {
		for name, v := range recorded {
			if _, ok := got[name]; !ok {
				got[name] = v // another CPU's paths: kept
			}
		}
		if err := writeGolden(goldenTrainings, got, goldenTrainingsHeader); err != nil {
			t.Fatal(err)
		}
		t.Logf("recorded %d results in %s", len(got), goldenTrainings)
	}
}

const goldenTrainingsHeader = `# The results of TestGoldenTrainings (trainer/golden_test.go): for each
# arithmetic (kernel.Arithmetic, or the AVX-512 kernels' own) and case, the sha256 of the parameters after the training and
# the bits of every logged cost. Written by
#	go test ./trainer -run TestGoldenTrainings -update
# on a deliberate change of the arithmetic; never by hand. Records of
# arithmetics this CPU does not run are kept.
`

// goldenResult is what a golden training records: the parameters' digest
// and the exact bits of every logged cost.
func goldenResult(res *trainer.Result) string {
	var b strings.Builder
	b.WriteString(res.Params.Digest())
	for _, c := range res.Cost {
		fmt.Fprintf(&b, " %d:%016x", c.Iteration, math.Float64bits(c.Cost))
	}
	return b.String()
}

// goldenArithmeticKey is the key of the records of the kernel path
// selected now: the name of the arithmetic it computes.
func goldenArithmeticKey(t *testing.T) string {
	m, err := kernel.NewModel(1, 1, 1, kernel.Sigmoid, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m.Arithmetic()
}

func hasPathKey(recorded map[string]string, key string) bool {
	for name := range recorded {
		if strings.HasPrefix(name, key+" ") {
			return true
		}
	}
	return false
}

// readGolden reads a golden file: one record a line, a name of two words
// (the path's key and the case) and the value; # starts a comment.
func readGolden(file string) (map[string]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	recs := make(map[string]string)
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.SplitN(text, " ", 3)
		if len(fields) != 3 {
			return nil, fmt.Errorf("%s:%d: want a path key, a case name and a result", file, line)
		}
		recs[fields[0]+" "+fields[1]] = fields[2]
	}
	return recs, sc.Err()
}

func writeGolden(file string, recs map[string]string, header string) error {
	var b bytes.Buffer
	b.WriteString(header)
	for _, name := range slices.Sorted(maps.Keys(recs)) {
		fmt.Fprintf(&b, "%s %s\n", name, recs[name])
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, b.Bytes(), 0o644)
}
