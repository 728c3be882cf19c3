package kernel_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/shardnet/shardnet/netcore/kernel"
)

// bitwiseCases add to gradCases the shapes and values where chains and
// roundings part most easily: hidden sizes across every block and plan
// boundary, saturated activations (raw pixels with large weights) and
// large logits.
var bitwiseCases = append(append([]gradCase(nil), gradCases...),
	gradCase{"H=17", 17, 1.0 / 255, 0.2, syntheticCase(21, 40, 100), 0},
	gradCase{"H=33", 33, 1.0 / 255, 0.2, syntheticCase(22, 30, 100), 0},
	gradCase{"H=64", 64, 1.0 / 255, 0.1, syntheticCase(23, 30, 100), 0},
	gradCase{"H=65", 65, 1.0 / 255, 0.1, syntheticCase(24, 30, 120), 0},
	gradCase{"H=1000", 1000, 1.0 / 255, 0.03, syntheticCase(25, 6, 784), 0},
	gradCase{"H=10/saturated", 10, 1, 1, syntheticCase(26, 300, 784), 0},
	gradCase{"H=300/saturated", 300, 1, 0.5, syntheticCase(27, 70, 784), 0},
	gradCase{"H=24/large-logits/classes=17", 24, 1, 3, syntheticClasses(28, 40, 64, 17), 17},
)

// TestPathsBitwise checks the one arithmetic: every kernel path this CPU
// runs gives bitwise the portable path's gradient sums, cost and
// predictions, value by value, with and without a plan.
func TestPathsBitwise(t *testing.T) {
	var asm []string
	for _, path := range paths() {
		if path != kernel.PathGeneric {
			asm = append(asm, path)
		}
	}
	eachBitwiseCase(t, asm, func(t *testing.T, path string, c gradCase, act kernel.Activation) {
		d := c.data(t)
		p := randomParams(uint64(c.hidden)+200, d.dim, c.hidden, c.classes(), c.std)
		mg, s := setup(t, kernel.PathGeneric, p, act, c.scale, d)
		// Side by side, the path a value given to the model.
		ma, err := kernel.NewModelOn(path, p.in, p.hid, p.out, act, c.scale)
		if err != nil {
			t.Skipf("skipping the %s path: %v", path, err)
		}
		ma.LoadRowMajor(p.rowMajor())
		idx := allIdx(d.n)
		for _, planned := range []bool{false, true} {
			gg, cg := gradient(mg, s, idx, planned)
			ga, ca := gradient(ma, s, idx, planned)
			sameBits(t, fmt.Sprintf("plan=%v dW1", planned), ga.w1, gg.w1)
			sameBits(t, fmt.Sprintf("plan=%v db1", planned), ga.b1, gg.b1)
			sameBits(t, fmt.Sprintf("plan=%v dW2", planned), ga.w2, gg.w2)
			sameBits(t, fmt.Sprintf("plan=%v db2", planned), ga.b2, gg.b2)
			if math.Float64bits(ca) != math.Float64bits(cg) {
				t.Errorf("plan=%v cost: %s %v, generic %v", planned, path, ca, cg)
			}
		}
		pg, pa := make([]uint8, d.n), make([]uint8, d.n)
		mg.Predict(pg, s, idx, kernel.NewScratch(mg))
		ma.Predict(pa, s, idx, kernel.NewScratch(ma))
		for k := range pg {
			if pg[k] != pa[k] {
				t.Errorf("Predict: image %d is class %d on %s, %d on generic", k, pa[k], path, pg[k])
				break
			}
		}
	})
}

// eachBitwiseCase runs f as a subtest for every path of paths, every
// network of bitwiseCases and every activation; in short mode, wide
// networks with sigmoid only.
func eachBitwiseCase(t *testing.T, paths []string, f func(t *testing.T, path string, c gradCase, act kernel.Activation)) {
	for _, path := range paths {
		for _, c := range bitwiseCases {
			for _, act := range activations {
				t.Run(fmt.Sprintf("%s/%s/%v", path, c.name, act), func(t *testing.T) {
					if testing.Short() && c.hidden >= 300 && act != kernel.Sigmoid {
						t.Skip("short: wide networks with sigmoid only")
					}
					f(t, path, c, act)
				})
			}
		}
	}
}

// gradient returns the gradient and cost of s[idx] in netcore's layout,
// through a plan or not.
func gradient(m *kernel.Model, s *kernel.Samples, idx []int32, planned bool) (params, float64) {
	g := kernel.NewGrad(m)
	ws := kernel.NewScratch(m)
	if planned {
		m.GradientPlan(g, m.NewPlan(s, idx), ws)
	} else {
		m.Gradient(g, s, idx, ws)
	}
	return unpack(m, g), g.Cost
}

// sameBits fails t, naming the first few differing values, unless got and
// want are bitwise equal.
func sameBits(t *testing.T, name string, got, want []float64) {
	t.Helper()
	bad := 0
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			if bad < 3 {
				t.Errorf("%s[%d] = %v (%#x), portable path %v (%#x)", name, i, got[i], math.Float32bits(float32(got[i])), want[i], math.Float32bits(float32(want[i])))
			}
			bad++
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d of %d values differ", name, bad, len(want))
	}
}

// TestPlanPiecesBitwise checks the rule of the one arithmetic that every
// value is one chain in image order across the whole run: on every path of
// it, GradientPlan gives Gradient's bits, and so do calls on pieces of the
// samples, however they are cut (the plan's batches, blocks and groups
// leave no mark).
func TestPlanPiecesBitwise(t *testing.T) {
	eachBitwiseCase(t, paths(), func(t *testing.T, path string, c gradCase, act kernel.Activation) {
		d := c.data(t)
		p := randomParams(uint64(c.hidden)+300, d.dim, c.hidden, c.classes(), c.std)
		m, err := kernel.NewModelOn(path, p.in, p.hid, p.out, act, c.scale)
		if err != nil {
			t.Skipf("skipping the %s path: %v", path, err)
		}
		s, err := kernel.NewSamples(d.pixels, d.labels, d.n, d.dim)
		if err != nil {
			t.Fatal(err)
		}
		m.LoadRowMajor(p.rowMajor())
		idx := allIdx(d.n)
		want, wantCost := gradient(m, s, idx, false)
		got, gotCost := gradient(m, s, idx, true)
		compare := func(how string, got params) {
			sameBits(t, how+" dW1", got.w1, want.w1)
			sameBits(t, how+" db1", got.b1, want.b1)
			sameBits(t, how+" dW2", got.w2, want.w2)
			sameBits(t, how+" db2", got.b2, want.b2)
		}
		compare("plan", got)
		if math.Float64bits(gotCost) != math.Float64bits(wantCost) {
			t.Errorf("plan cost %v, Gradient %v", gotCost, wantCost)
		}
		// Pieces of 1, 7 and the rest, each with a plan of its
		// own, into one gradient.
		g, ws := kernel.NewGrad(m), kernel.NewScratch(m)
		for lo, cut := 0, 1; lo < len(idx); lo, cut = lo+cut, cut*7 {
			piece := idx[lo:min(len(idx), lo+cut)]
			if cut == 7 {
				m.Gradient(g, s, piece, ws)
			} else {
				m.GradientPlan(g, m.NewPlan(s, piece), ws)
			}
		}
		compare("pieces", unpack(m, g))
	})
}
