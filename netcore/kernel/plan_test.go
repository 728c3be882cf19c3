package kernel_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/netcore/kernel"
)

// planCases adds to gradCases data sets of several batches with a short
// last one, which a plan splits the way Gradient does, and the widths of a
// single column block gradCases lacks.
var planCases = append(slices.Clip(gradCases),
	gradCase{"batches/H=10", 10, 1, 0.01, syntheticCase(31, 600, 784), 0},
	gradCase{"batches/H=24", 24, 1.0 / 255, 0.1, syntheticCase(32, 700, 300), 0},
	gradCase{"batches/H=100", 100, 1.0 / 255, 0.05, syntheticCase(33, 150, 784), 0},
	gradCase{"mnist/H=10/batches", 10, 1, 0.01, func(t testing.TB) dataset { return mnistTrain(t).head(1000) }, 0},
	// With gradCases, every width of a single column block (1 to 8
	// registers), each with its own gatherPlan and planScatterPad.
	gradCase{"width=4/H=31", 31, 1.0 / 255, 0.05, syntheticCase(37, 300, 784), 0},
	gradCase{"width=6/H=47", 47, 1.0 / 255, 0.05, syntheticCase(38, 300, 784), 0},
	gradCase{"width=7/H=55", 55, 1.0 / 255, 0.05, syntheticCase(39, 300, 784), 0},
	gradCase{"width=8/H=63", 63, 1.0 / 255, 0.05, syntheticCase(40, 300, 784), 0},
)

// planGradient returns GradientPlan's sums over the samples idx names.
func planGradient(m *kernel.Model, s *kernel.Samples, idx []int32) (params, float64, *kernel.Grad) {
	g := kernel.NewGrad(m)
	m.GradientPlan(g, m.NewPlan(s, idx), kernel.NewScratch(m))
	return unpack(m, g), g.Cost, g
}

func TestPlanMatchesGradient(t *testing.T) {
	acts := activations
	if testing.Short() {
		// The race detector makes the float64 oracle slow; Gradient,
		// checked against it in full elsewhere, stands in for it.
		acts = acts[:1]
	}
	for _, c := range planCases {
		for _, act := range acts {
			for _, path := range paths() {
				t.Run(fmt.Sprintf("%s/%v/%s", c.name, act, path), func(t *testing.T) {
					d := c.data(t)
					p := randomParams(uint64(c.hidden)+7, d.dim, c.hidden, c.classes(), c.std)
					m, s := setup(t, path, p, act, c.scale, d)
					idx := allIdx(d.n)
					slices.Reverse(idx)
					idx = append(idx, 0, 1)
					got, cost, _ := planGradient(m, s, idx)
					want, wantCost, _ := unpacked(m, s, idx)
					oracle := want
					if !testing.Short() {
						oracle, _ = oracleGradient(p, act, float64(c.scale), d, idx)
					}
					for _, tc := range []struct {
						name              string
						got, want, oracle []float64
					}{
						{"dW1", got.w1, want.w1, oracle.w1}, {"db1", got.b1, want.b1, oracle.b1},
						{"dW2", got.w2, want.w2, oracle.w2}, {"db2", got.b2, want.b2, oracle.b2},
					} {
						if e := relErr(tc.got, tc.want); e > 1e-5 {
							t.Errorf("%s: plan and Gradient differ by %.3g relative, want < 1e-5", tc.name, e)
						}
						if e := relErr(tc.got, tc.oracle); e > 1e-4 {
							t.Errorf("%s: plan and float64 oracle differ by %.3g relative, want < 1e-4", tc.name, e)
						}
					}
					// The plan's first layer adds each image's pixels in
					// another order (it pads them to groups of 8), so the
					// cost agrees to float32 rounding of the logits.
					if e := math.Abs(cost-wantCost) / math.Abs(wantCost); e > 1e-6 {
						t.Errorf("cost %v, Gradient's %v", cost, wantCost)
					}
				})
			}
		}
	}
}

// TestPlanDeterministic checks that a plan gives bitwise the same sums on
// every call, with fresh or reused scratch, and for a second plan of the
// same samples; and that the plan follows its samples, not the order
// they were listed in when another order changes the sums.
func TestPlanDeterministic(t *testing.T) {
	n := 700
	if testing.Short() {
		n = 300 // still two batches of 256 for H=10
	}
	d := syntheticData(34, n, 784, 10)
	for _, hidden := range []int{10, 300} {
		for _, path := range paths() {
			t.Run(fmt.Sprintf("H=%d/%s", hidden, path), func(t *testing.T) {
				p := randomParams(35, d.dim, hidden, 10, 0.01)
				m, s := setup(t, path, p, kernel.Sigmoid, 1, d)
				idx := allIdx(d.n)
				plan := m.NewPlan(s, idx)
				if plan.Len() != len(idx) {
					t.Fatalf("plan of %d samples, want %d", plan.Len(), len(idx))
				}
				ws := kernel.NewScratch(m)
				first := kernel.NewGrad(m)
				m.GradientPlan(first, plan, ws)
				for name, run := range map[string]func(*kernel.Grad){
					"same scratch":  func(g *kernel.Grad) { m.GradientPlan(g, plan, ws) },
					"fresh scratch": func(g *kernel.Grad) { m.GradientPlan(g, plan, kernel.NewScratch(m)) },
					"second plan":   func(g *kernel.Grad) { m.GradientPlan(g, m.NewPlan(s, idx), ws) },
				} {
					g := kernel.NewGrad(m)
					run(g)
					if !slices.Equal(first.Flat(), g.Flat()) || first.Cost != g.Cost {
						t.Errorf("%s: sums differ from the first call", name)
					}
				}
				// Changing idx after NewPlan must not change the plan.
				idx[0], idx[1] = idx[1], idx[0]
				g := kernel.NewGrad(m)
				m.GradientPlan(g, plan, ws)
				if !slices.Equal(first.Flat(), g.Flat()) {
					t.Error("the plan changed with the caller's idx")
				}
			})
		}
	}
}

// TestPlanOtherShapePanics checks that GradientPlan refuses a plan made for
// another shape, or for a model of the same shape on another kernel path
// (whose batches and offsets may differ).
func TestPlanOtherShapePanics(t *testing.T) {
	d := syntheticData(36, 10, 784, 10)
	for _, path := range paths() {
		for _, other := range []struct {
			path   string
			hidden int
		}{{path, 40}, {kernel.PathGeneric, 10}, {kernel.PathAVX2FMA, 10}} {
			if other.path == path && other.hidden == 10 {
				continue
			}
			t.Run(fmt.Sprintf("%s/H=10-vs-%s/H=%d", path, other.path, other.hidden), func(t *testing.T) {
				m10, s := setup(t, path, randomParams(1, d.dim, 10, 10, 0.1), kernel.Sigmoid, 1, d)
				mo, _ := setup(t, other.path, randomParams(1, d.dim, other.hidden, 10, 0.1), kernel.Sigmoid, 1, d)
				plan := m10.NewPlan(s, allIdx(d.n))
				defer func() {
					if recover() == nil {
						t.Error("GradientPlan with a plan made for another shape or path did not panic")
					}
				}()
				mo.GradientPlan(kernel.NewGrad(mo), plan, kernel.NewScratch(mo))
			})
		}
	}
}

// TestPlanFromOtherOutputs checks that a plan made by a model with another
// number of outputs, which keeps no labels, still serves a narrow network
// (whose dense middle then reads the samples' labels itself), with the sums
// of that network's own plan.
func TestPlanFromOtherOutputs(t *testing.T) {
	d := syntheticData(42, 300, 784, 3) // labels every model here accepts
	for _, path := range paths() {
		t.Run(path, func(t *testing.T) {
			m10, s := setup(t, path, randomParams(2, d.dim, 10, 10, 0.1), kernel.Sigmoid, 1, d)
			m3, _ := setup(t, path, randomParams(2, d.dim, 10, 3, 0.1), kernel.Sigmoid, 1, d)
			idx := allIdx(d.n)
			own, other := kernel.NewGrad(m10), kernel.NewGrad(m10)
			m10.GradientPlan(own, m10.NewPlan(s, idx), kernel.NewScratch(m10))
			m10.GradientPlan(other, m3.NewPlan(s, idx), kernel.NewScratch(m10))
			if !slices.Equal(own.Flat(), other.Flat()) || own.Cost != other.Cost {
				t.Error("a plan made by a 3-output model gives other sums than the model's own")
			}
		})
	}
}

// BenchmarkGradientPlan times GradientPlan on the path Path reports.
func BenchmarkGradientPlan(b *testing.B) { benchGradient(b, kernel.Path(), true, 10, 300) }

// TestBadLabelPanics checks that a label beyond the outputs, which Check
// rejects, still cannot reach the kernels: Gradient and GradientPlan panic
// naming the sample, the plan of a narrow network already when it is made.
func TestBadLabelPanics(t *testing.T) {
	d := syntheticData(41, 20, 784, 10)
	d.labels[13] = 10
	for _, hidden := range []int{10, 300} {
		for _, path := range paths() {
			t.Run(fmt.Sprintf("H=%d/%s", hidden, path), func(t *testing.T) {
				defer usePath(t, path)()
				m, err := kernel.NewModel(d.dim, hidden, 10, kernel.Sigmoid, 1)
				if err != nil {
					t.Fatal(err)
				}
				s, err := kernel.NewSamples(d.pixels, d.labels, d.n, d.dim)
				if err != nil {
					t.Fatal(err)
				}
				idx := allIdx(d.n)
				for name, f := range map[string]func(){
					"Gradient":     func() { m.Gradient(kernel.NewGrad(m), s, idx, kernel.NewScratch(m)) },
					"GradientPlan": func() { m.GradientPlan(kernel.NewGrad(m), m.NewPlan(s, idx), kernel.NewScratch(m)) },
				} {
					func() {
						defer func() {
							r := recover()
							if msg, _ := r.(string); !strings.Contains(msg, "sample 13 has label 10") {
								t.Errorf("%s: recovered %v, want a panic naming sample 13's label", name, r)
							}
						}()
						f()
					}()
				}
			})
		}
	}
}
