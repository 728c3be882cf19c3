package kernel_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/netcore/kernel"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/gradients.golden from the portable path")

// goldenFile holds one SHA-256 per case of TestGoldenGradients: the
// gradient sums, cost and predictions of the one arithmetic.
const goldenFile = "testdata/gradients.golden"

// TestGoldenGradients pins the one arithmetic: the gradients, costs and
// predictions of synthetic networks (every activation, with and without a
// plan, hidden sizes across the block and chain boundaries) must hash to
// the committed values on every kernel path this CPU runs, and on every
// architecture (CI runs it on arm64 under qemu). It needs no data files.
//
// A change that alters them on purpose changes the arithmetic: bump
// kernel.Arithmetic, say so in the change, and rewrite the file with
//
//	go test ./netcore/kernel -run TestGoldenGradients -update
func TestGoldenGradients(t *testing.T) {
	cases := []gradCase{
		{"H=1", 1, 1.0 / 255, 0.1, syntheticCase(1, 40, 30), 0},
		{"H=7", 7, 1.0 / 255, 0.3, syntheticCase(2, 40, 64), 0},
		{"H=10/raw", 10, 1, 0.01, syntheticCase(3, 60, 784), 0},
		{"H=10/saturated", 10, 1, 1, syntheticCase(26, 60, 784), 0},
		{"H=17", 17, 1.0 / 255, 0.2, syntheticCase(21, 40, 100), 0},
		{"H=40", 40, 1.0 / 255, 0.1, syntheticCase(5, 30, 200), 0},
		{"H=70/blocks=8+1", 70, 1.0 / 255, 0.1, syntheticCase(8, 40, 200), 0},
		{"H=300", 300, 1.0 / 255, 0.05, syntheticCase(6, 12, 784), 0},
		{"H=24/classes=17", 24, 1, 3, syntheticClasses(28, 30, 64, 17), 17},
		{"H=5/classes=3", 5, 1.0 / 255, 0.2, syntheticClasses(11, 30, 100, 3), 3},
		{"edge-images", 9, 1.0 / 255, 0.1, edgeData, 0},
	}
	want := readGolden(t)
	got := map[string]string{}
	var names []string
	for _, path := range paths() {
		for _, c := range cases {
			for _, act := range activations {
				name := fmt.Sprintf("%s/%v", c.name, act)
				t.Run(path+"/"+name, func(t *testing.T) {
					d := c.data(t)
					p := randomParams(uint64(c.hidden)+300, d.dim, c.hidden, c.classes(), c.std)
					m, s := setup(t, path, p, act, c.scale, d)
					h := sha256.New()
					idx := allIdx(d.n)
					for _, planned := range []bool{false, true} {
						g, cost := gradient(m, s, idx, planned)
						for _, v := range [][]float64{g.w1, g.b1, g.w2, g.b2, {cost}} {
							for _, x := range v {
								binary.Write(h, binary.LittleEndian, math.Float64bits(x))
							}
						}
					}
					pred := make([]uint8, d.n)
					m.Predict(pred, s, idx, kernel.NewScratch(m))
					h.Write(pred)
					sum := fmt.Sprintf("%x", h.Sum(nil))
					if path == kernel.PathGeneric {
						got[name] = sum
						names = append(names, name)
					}
					if *updateGolden {
						return
					}
					if w, ok := want[name]; !ok {
						t.Errorf("no golden value for %s in %s; run go test -run TestGoldenGradients -update to write it", name, goldenFile)
					} else if sum != w {
						t.Errorf("%s on %s: digest %s, golden %s: the arithmetic changed (see TestGoldenGradients for how to update it on purpose)", name, path, sum, w)
					}
				})
			}
		}
	}
	if *updateGolden {
		var b strings.Builder
		b.WriteString("# TestGoldenGradients: case, SHA-256 of gradients, costs and predictions (kernel.Arithmetic " + kernel.Arithmetic + ")\n")
		for _, n := range names {
			fmt.Fprintf(&b, "%s %s\n", n, got[n])
		}
		if err := os.MkdirAll(filepath.Dir(goldenFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readGolden(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(goldenFile)
	if err != nil {
		if *updateGolden {
			return nil
		}
		t.Fatalf("%v; run go test -run TestGoldenGradients -update to write it", err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, sum, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s: bad line %q", goldenFile, line)
		}
		m[name] = sum
	}
	return m
}
