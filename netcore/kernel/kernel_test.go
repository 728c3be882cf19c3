package kernel_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shardnet/shardnet/netcore/kernel"
)

var activations = []kernel.Activation{kernel.Sigmoid, kernel.Tanh, kernel.ReLU}

// gradCase is one network and data set the kernels are checked on.
type gradCase struct {
	name    string
	hidden  int
	scale   float32
	std     float64 // weight standard deviation
	data    func(testing.TB) dataset
	outputs int // 10 if zero
}

func (c gradCase) classes() int {
	if c.outputs == 0 {
		return 10
	}
	return c.outputs
}

func syntheticCase(seed uint64, n, dim int) func(testing.TB) dataset {
	return syntheticClasses(seed, n, dim, 10)
}

func syntheticClasses(seed uint64, n, dim, classes int) func(testing.TB) dataset {
	return func(testing.TB) dataset { return syntheticData(seed, n, dim, classes) }
}

// edgeData holds an all-zero image, an all-255 image and a few ordinary ones.
func edgeData(testing.TB) dataset {
	d := syntheticData(7, 6, 50, 10)
	clear(d.pixels[:50])
	for i := range 50 {
		d.pixels[50+i] = 255
	}
	return d
}

// zeroData holds images without a single non-zero pixel.
func zeroData(testing.TB) dataset {
	d := syntheticData(14, 12, 100, 10)
	clear(d.pixels)
	return d
}

var gradCases = []gradCase{
	{"H=1", 1, 1.0 / 255, 0.1, syntheticCase(1, 40, 30), 0},
	{"H=7", 7, 1.0 / 255, 0.3, syntheticCase(2, 40, 64), 0},
	{"H=10/raw", 10, 1, 0.01, syntheticCase(3, 60, 784), 0},
	{"H=13", 13, 1.0 / 255, 0.2, syntheticCase(4, 50, 100), 0},
	{"H=40", 40, 1.0 / 255, 0.1, syntheticCase(5, 30, 200), 0},
	{"H=300", 300, 1.0 / 255, 0.05, syntheticCase(6, 20, 784), 0},
	{"H=70/blocks=8+1", 70, 1.0 / 255, 0.1, syntheticCase(8, 70, 200), 0},
	{"H=70/tiles=14", 70, 1.0 / 255, 0.05, syntheticCase(9, 8, 1300), 0},
	// Other class counts take the one-image-at-a-time dense middle.
	{"H=10/classes=3", 10, 1.0 / 255, 0.2, syntheticClasses(10, 40, 100, 3), 3},
	{"H=5/classes=12", 5, 1.0 / 255, 0.2, syntheticClasses(11, 40, 100, 12), 12},
	{"H=40/classes=7", 40, 1.0 / 255, 0.1, syntheticClasses(12, 30, 100, 7), 7},
	{"H=20/classes=1", 20, 1.0 / 255, 0.1, syntheticClasses(13, 20, 50, 1), 1},
	{"edge-images", 9, 1.0 / 255, 0.1, edgeData, 0},
	{"all-zero/H=10", 10, 1, 0.1, zeroData, 0},
	{"all-zero/H=300", 300, 1, 0.1, zeroData, 0},
	{"mnist/H=10/raw", 10, 1, 0.01, func(t testing.TB) dataset { return mnistTrain(t).head(300) }, 0},
	{"mnist/H=10/scaled", 10, 1.0 / 255, 0.1, func(t testing.TB) dataset { return mnistTrain(t).head(300) }, 0},
	{"mnist/H=300/scaled", 300, 1.0 / 255, 0.05, func(t testing.TB) dataset { return mnistTrain(t).head(60) }, 0},
}

// worst collects the largest relative error per path, for the log.
var (
	worstMu sync.Mutex
	worst   = map[string]float64{}
)

func TestGradientMatchesOracle(t *testing.T) {
	defer func() {
		for _, path := range paths() {
			if e, ok := worst[path]; ok {
				t.Logf("%s path: worst relative tensor error against the float64 oracle %.2g", path, e)
			}
		}
	}()
	for _, c := range gradCases {
		for _, act := range activations {
			for _, path := range paths() {
				t.Run(fmt.Sprintf("%s/%v/%s", c.name, act, path), func(t *testing.T) {
					d := c.data(t)
					p := randomParams(uint64(c.hidden), d.dim, c.hidden, c.classes(), c.std)
					m, s := setup(t, path, p, act, c.scale, d)
					// Reverse order, with a repeat, to exercise idx.
					idx := allIdx(d.n)
					slices.Reverse(idx)
					idx = append(idx, 0)
					got, cost, _ := unpacked(m, s, idx)
					want, wantCost := oracleGradient(p, act, float64(c.scale), d, idx)
					for _, tc := range []struct {
						name      string
						got, want []float64
					}{{"dW1", got.w1, want.w1}, {"db1", got.b1, want.b1}, {"dW2", got.w2, want.w2}, {"db2", got.b2, want.b2}} {
						e := relErr(tc.got, tc.want)
						if e > 1e-4 {
							t.Errorf("%s relative error %.3g, want < 1e-4", tc.name, e)
						}
						worstMu.Lock()
						worst[path] = max(worst[path], e)
						worstMu.Unlock()
					}
					if e := math.Abs(cost-wantCost) / math.Abs(wantCost); e > 1e-5 {
						t.Errorf("cost %v, oracle %v: relative error %.3g, want < 1e-5", cost, wantCost, e)
					}
				})
			}
		}
	}
}

// TestPathsAgree compares the paths with each other: each assembly path
// with the portable one, and the two assembly paths, whose sums round
// differently (other accumulator groupings), agree to float32 rounding.
func TestPathsAgree(t *testing.T) {
	pairs := [][2]string{
		{kernel.PathAVX2FMA, kernel.PathGeneric},
		{kernel.PathAVX512, kernel.PathGeneric},
		{kernel.PathAVX512, kernel.PathAVX2FMA},
	}
	for _, pair := range pairs {
		for _, c := range gradCases {
			for _, act := range activations {
				t.Run(fmt.Sprintf("%s-vs-%s/%s/%v", pair[0], pair[1], c.name, act), func(t *testing.T) {
					d := c.data(t)
					p := randomParams(uint64(c.hidden)+100, d.dim, c.hidden, c.classes(), c.std)
					ma, s := setup(t, pair[0], p, act, c.scale, d)
					mb, _ := setup(t, pair[1], p, act, c.scale, d)
					ga, ca, _ := unpacked(ma, s, allIdx(d.n))
					gb, cb, _ := unpacked(mb, s, allIdx(d.n))
					for _, tc := range []struct {
						name      string
						got, want []float64
					}{{"dW1", ga.w1, gb.w1}, {"db1", ga.b1, gb.b1}, {"dW2", ga.w2, gb.w2}, {"db2", ga.b2, gb.b2}} {
						if e := relErr(tc.got, tc.want); e > 1e-5 {
							t.Errorf("%s: %s and %s differ by %.3g relative, want < 1e-5", tc.name, pair[0], pair[1], e)
						}
					}
					if e := math.Abs(ca-cb) / math.Abs(cb); e > 1e-6 {
						t.Errorf("cost: %s %v, %s %v: relative difference %.3g, want < 1e-6", pair[0], ca, pair[1], cb, e)
					}
				})
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	d := syntheticData(11, 200, 784, 10)
	for _, hidden := range []int{10, 300} {
		for _, path := range paths() {
			t.Run(fmt.Sprintf("H=%d/%s", hidden, path), func(t *testing.T) {
				p := randomParams(12, d.dim, hidden, 10, 0.01)
				m, s := setup(t, path, p, kernel.Sigmoid, 1.0/255, d)
				idx := allIdx(d.n)
				g1 := kernel.NewGrad(m)
				ws := kernel.NewScratch(m)
				m.Gradient(g1, s, idx, ws)
				// A second run with fresh state, and a third reusing the
				// first run's scratch after a reset, must both be identical.
				g2 := kernel.NewGrad(m)
				m.Gradient(g2, s, idx, kernel.NewScratch(m))
				if !slices.Equal(g1.Flat(), g2.Flat()) || g1.Cost != g2.Cost {
					t.Fatal("two runs over the same inputs differ")
				}
				g2.Reset()
				m.Gradient(g2, s, idx, ws)
				if !slices.Equal(g1.Flat(), g2.Flat()) || g1.Cost != g2.Cost {
					t.Fatal("a run after Reset with reused scratch differs")
				}
			})
		}
	}
}

// TestIdxOrder checks that Gradient visits exactly the samples idx names, in
// that order, and that its sums do not depend on how idx is split into calls
// (and so into batches): one call over idx equals sample-by-sample calls
// bitwise.
func TestIdxOrder(t *testing.T) {
	d := syntheticData(13, 150, 784, 10)
	idx := []int32{7, 3, 3, 149, 0, 21}
	for k := range 70 {
		idx = append(idx, int32((k*37)%150))
	}
	for _, hidden := range []int{10, 40, 300} {
		for _, path := range paths() {
			t.Run(fmt.Sprintf("H=%d/%s", hidden, path), func(t *testing.T) {
				p := randomParams(14, d.dim, hidden, 10, 0.01)
				m, s := setup(t, path, p, kernel.Sigmoid, 1, d)
				ws := kernel.NewScratch(m)
				whole := kernel.NewGrad(m)
				m.Gradient(whole, s, idx, ws)
				steps := kernel.NewGrad(m)
				for k := range idx {
					m.Gradient(steps, s, idx[k:k+1], ws)
				}
				if !slices.Equal(whole.Flat(), steps.Flat()) {
					t.Error("one call over idx differs from one call per sample")
				}
				if math.Abs(whole.Cost-steps.Cost) > 1e-12*math.Abs(whole.Cost) {
					t.Errorf("cost %v vs %v", whole.Cost, steps.Cost)
				}
				other := kernel.NewGrad(m)
				m.Gradient(other, s, idx[1:], ws)
				if slices.Equal(whole.Flat(), other.Flat()) {
					t.Error("dropping a sample did not change the sums")
				}
				empty := kernel.NewGrad(m)
				m.Gradient(empty, s, nil, ws)
				if slices.ContainsFunc(empty.Flat(), func(v float32) bool { return v != 0 }) || empty.Cost != 0 {
					t.Error("no samples gave a non-zero gradient")
				}
			})
		}
	}
}

// TestHandBuiltSamples checks that Samples without NewSamples' spare
// capacity, which the assembly may not read past, give the same bits.
func TestHandBuiltSamples(t *testing.T) {
	for _, c := range []struct {
		hidden, dim int
	}{{10, 784}, {300, 784}, {70, 1300}} {
		for _, path := range paths() {
			t.Run(fmt.Sprintf("H=%d/dim=%d/%s", c.hidden, c.dim, path), func(t *testing.T) {
				d := syntheticData(25, 70, c.dim, 10)
				p := randomParams(26, d.dim, c.hidden, 10, 0.05)
				m, s := setup(t, path, p, kernel.Tanh, 1.0/255, d)
				exact := kernel.ClipForTest(s)
				idx := allIdx(d.n)
				slices.Reverse(idx)
				_, wantCost, g1 := unpacked(m, s, idx)
				_, gotCost, g2 := unpacked(m, exact, idx)
				if !slices.Equal(g1.Flat(), g2.Flat()) || gotCost != wantCost {
					t.Error("gradients over padded and exact-capacity samples differ")
				}
				p1, p2 := make([]uint8, d.n), make([]uint8, d.n)
				m.Predict(p1, s, idx, kernel.NewScratch(m))
				m.Predict(p2, exact, idx, kernel.NewScratch(m))
				if !slices.Equal(p1, p2) {
					t.Error("predictions over padded and exact-capacity samples differ")
				}
			})
		}
	}
}

func TestPaddingStaysZero(t *testing.T) {
	d := syntheticData(15, 30, 784, 10)
	for _, act := range activations {
		for _, path := range paths() {
			t.Run(fmt.Sprintf("%v/%s", act, path), func(t *testing.T) {
				p := randomParams(16, d.dim, 13, 10, 0.05)
				m, s := setup(t, path, p, act, 1.0/255, d)
				g := kernel.NewGrad(m)
				m.Gradient(g, s, allIdx(d.n), kernel.NewScratch(m))
				flat, in, hp := g.Flat(), m.Inputs(), m.HiddenPad()
				for row := range in + 1 + m.Outputs() {
					for j := m.Hidden(); j < hp; j++ {
						if v := flat[row*hp+j]; v != 0 {
							t.Fatalf("padding entry %d of row %d is %v", j, row, v)
						}
					}
				}
				for o, v := range flat[(in+1+m.Outputs())*hp+m.Outputs():] {
					if v != 0 {
						t.Fatalf("db2 padding entry %d is %v", o, v)
					}
				}
			})
		}
	}
}

// TestLayoutRoundTrip checks the flat layout against the row-major one:
// FromRowMajor puts every value where the flat layout says and zeroes the
// padding, and ToRowMajor takes them back, for hidden sizes below, at and
// above a block of 8 rows.
func TestLayoutRoundTrip(t *testing.T) {
	for _, path := range paths() {
		for _, hidden := range []int{1, 8, 10, 17, 300} {
			t.Run(fmt.Sprintf("%s/H=%d", path, hidden), func(t *testing.T) {
				defer usePath(t, path)()
				layoutRoundTrip(t, hidden, lanesOf(path))
			})
		}
	}
}

// layoutRoundTrip is TestLayoutRoundTrip for one hidden size on the
// selected path, whose layout is padded to multiples of lanes.
func layoutRoundTrip(t *testing.T, hidden, lanes int) {
	m, err := kernel.NewModel(20, hidden, 3, kernel.Sigmoid, 1)
	if err != nil {
		t.Fatal(err)
	}
	in, hp, out := m.Inputs(), m.HiddenPad(), m.Outputs()
	if hp%lanes != 0 || hp < hidden || hp >= hidden+lanes {
		t.Fatalf("HiddenPad %d for hidden %d", hp, hidden)
	}
	if want := in*hp + hp + out*hp + (out+lanes-1)/lanes*lanes; m.FlatLen() != want {
		t.Fatalf("FlatLen %d, want %d", m.FlatLen(), want)
	}
	// Give every value a distinct code naming tensor, row and column.
	code := func(tensor, row, col int) float64 { return float64(tensor*1e6 + row*1e3 + col) }
	p := zeroParams(in, hidden, out)
	for h := range hidden {
		for i := range in {
			p.w1[h*in+i] = code(1, h, i)
		}
		p.b1[h] = code(2, 0, h)
	}
	for o := range out {
		for h := range hidden {
			p.w2[o*hidden+h] = code(3, o, h)
		}
		p.b2[o] = code(4, 0, o)
	}
	flat := make([]float64, m.FlatLen())
	for i := range flat {
		flat[i] = math.NaN() // FromRowMajor must overwrite the padding too
	}
	m.FromRowMajor(flat, p.rowMajor())
	want := make([]float64, m.FlatLen())
	for i := range in {
		for h := range hidden {
			want[i*hp+h] = code(1, h, i)
		}
	}
	for h := range hidden {
		want[in*hp+h] = code(2, 0, h)
	}
	for o := range out {
		for h := range hidden {
			want[in*hp+hp+o*hp+h] = code(3, o, h)
		}
		want[in*hp+hp+out*hp+o] = code(4, 0, o)
	}
	if !slices.Equal(flat, want) {
		t.Fatal("FromRowMajor does not give the flat layout")
	}
	back := make([]float64, m.RowMajorLen())
	m.ToRowMajor(back, flat)
	if !slices.Equal(back, p.rowMajor()) {
		t.Fatal("ToRowMajor does not give back the row-major values")
	}
}

// TestLoadRanges checks that Load over any split of the flat vector into
// ranges leaves the model as one Load of the whole does, which the workers
// that update the parameters rely on, padding included: it stays zero
// (and -inf for b2), whatever the flat vector holds there.
func TestLoadRanges(t *testing.T) {
	d := syntheticData(31, 40, 50, 10)
	r := rand.New(rand.NewPCG(32, 33))
	for _, hidden := range []int{3, 10, 37} {
		for _, path := range paths() {
			t.Run(fmt.Sprintf("H=%d/%s", hidden, path), func(t *testing.T) {
				p := randomParams(34, d.dim, hidden, 10, 0.3)
				whole, s := setup(t, path, p, kernel.Sigmoid, 1.0/255, d)
				pieces, _ := setup(t, path, zeroParams(d.dim, hidden, 10), kernel.Sigmoid, 1.0/255, d)
				flat := make([]float64, whole.FlatLen())
				whole.FromRowMajor(flat, p.rowMajor())
				for from := 0; from < len(flat); {
					to := min(len(flat), from+1+r.IntN(3*whole.HiddenPad()))
					pieces.Load(flat, from, to)
					from = to
				}
				_, wantCost, want := unpacked(whole, s, allIdx(d.n))
				_, gotCost, got := unpacked(pieces, s, allIdx(d.n))
				if !slices.Equal(got.Flat(), want.Flat()) || gotCost != wantCost {
					t.Error("the model loaded in ranges computes other gradients than one loaded whole")
				}
			})
		}
	}
}

func TestPredict(t *testing.T) {
	d := syntheticData(17, 200, 784, 10)
	for _, act := range activations {
		for _, path := range paths() {
			t.Run(fmt.Sprintf("%v/%s", act, path), func(t *testing.T) {
				p := randomParams(18, d.dim, 30, 10, 0.1)
				m, s := setup(t, path, p, act, 1.0/255, d)
				got := make([]uint8, d.n)
				m.Predict(got, s, allIdx(d.n), kernel.NewScratch(m))
				for i := range d.n {
					_, _, z2 := oracleForward(p, act, 1.0/255, d, i)
					best := 0
					for o, v := range z2 {
						if v > z2[best] {
							best = o
						}
					}
					if int(got[i]) != best && z2[best]-z2[got[i]] > 1e-4 {
						t.Errorf("sample %d: predicted %d, oracle %d (logits %v)", i, got[i], best, z2)
					}
				}
			})
		}
	}
}

func TestProbabilities(t *testing.T) {
	d := syntheticData(19, 20, 784, 10)
	for _, act := range activations {
		t.Run(act.String(), func(t *testing.T) {
			p := randomParams(20, d.dim, 25, 10, 0.1)
			m, _ := setup(t, kernel.Path(), p, act, 1.0/255, d)
			ws := kernel.NewScratch(m)
			dst := make([]float64, 10)
			x := make([]float32, d.dim)
			for i := range d.n {
				for k, v := range d.pixels[i*d.dim : (i+1)*d.dim] {
					x[k] = float32(v) / 255
				}
				m.Probabilities(dst, x, ws)
				_, _, z2 := oracleForward(p, act, 1.0/255, d, i)
				zmax, sum, total := slices.Max(z2), 0.0, 0.0
				for _, v := range z2 {
					sum += math.Exp(v - zmax)
				}
				for o, v := range dst {
					total += v
					if want := math.Exp(z2[o]-zmax) / sum; math.Abs(v-want) > 1e-5 {
						t.Errorf("sample %d class %d: probability %v, oracle %v", i, o, v, want)
					}
				}
				if math.Abs(total-1) > 1e-12 {
					t.Errorf("sample %d: probabilities sum to %v", i, total)
				}
			}
		})
	}
}

// TestLayoutPanics checks that Load and the layout conversions refuse
// ranges and lengths that do not fit the model.
func TestLayoutPanics(t *testing.T) {
	m, err := kernel.NewModel(4, 3, 2, kernel.Sigmoid, 1)
	if err != nil {
		t.Fatal(err)
	}
	flat, rm := make([]float64, m.FlatLen()), make([]float64, m.RowMajorLen())
	for name, f := range map[string]func(){
		"Load past the end":        func() { m.Load(flat, 0, len(flat)+1) },
		"Load of a reversed range": func() { m.Load(flat, 3, 2) },
		"Load of a short vector":   func() { m.Load(flat[1:], 0, 1) },
		"FromRowMajor short":       func() { m.FromRowMajor(flat, rm[1:]) },
		"ToRowMajor long":          func() { m.ToRowMajor(append(rm, 0), flat) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestZeroAllocs(t *testing.T) {
	d := syntheticData(21, 20, 784, 10)
	for _, path := range paths() {
		t.Run(path, func(t *testing.T) {
			p := randomParams(22, d.dim, 300, 10, 0.01)
			m, s := setup(t, path, p, kernel.Tanh, 1, d)
			g, ws, idx := kernel.NewGrad(m), kernel.NewScratch(m), allIdx(d.n)
			plan := m.NewPlan(s, idx)
			flat := make([]float64, m.FlatLen())
			rm := p.rowMajor()
			pred, prob, x := make([]uint8, d.n), make([]float64, 10), make([]float32, d.dim)
			for name, f := range map[string]func(){
				"Gradient":      func() { m.Gradient(g, s, idx, ws) },
				"GradientPlan":  func() { m.GradientPlan(g, plan, ws) },
				"Predict":       func() { m.Predict(pred, s, idx, ws) },
				"Probabilities": func() { m.Probabilities(prob, x, ws) },
				"Load":          func() { m.Load(flat, 0, len(flat)) },
				"FromRowMajor":  func() { m.FromRowMajor(flat, rm) },
				"ToRowMajor":    func() { m.ToRowMajor(rm, flat) },
				"Reset":         func() { g.Reset() },
			} {
				if n := testing.AllocsPerRun(5, f); n != 0 {
					t.Errorf("%s: %v allocations per call, want 0", name, n)
				}
			}
		})
	}
}

// TestConcurrentReaders runs Gradient over disjoint halves from two
// goroutines sharing one Model and Samples (run with -race), and checks the
// halves add up to the whole.
func TestConcurrentReaders(t *testing.T) {
	d := syntheticData(23, 100, 784, 10)
	p := randomParams(24, d.dim, 20, 10, 0.01)
	m, s := setup(t, kernel.Path(), p, kernel.Sigmoid, 1, d)
	idx := allIdx(d.n)
	whole, _, _ := unpacked(m, s, idx)
	var halves [2]*kernel.Grad
	var wg sync.WaitGroup
	for k := range halves {
		halves[k] = kernel.NewGrad(m)
		wg.Go(func() {
			m.Gradient(halves[k], s, idx[k*50:(k+1)*50], kernel.NewScratch(m))
		})
	}
	wg.Wait()
	sum := kernel.NewGrad(m)
	for i := range sum.Flat() {
		sum.Flat()[i] = halves[0].Flat()[i] + halves[1].Flat()[i]
	}
	got := unpack(m, sum)
	if e := relErr(got.w1, whole.w1); e > 1e-5 {
		t.Errorf("halves summed differ from the whole by %.3g", e)
	}
}

func TestNewSamples(t *testing.T) {
	pixels := []uint8{0, 3, 0, 0, 255, 0, 0, 0, 0, 9, 0, 1}
	s, err := kernel.NewSamples(pixels, []uint8{1, 2, 0}, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	offsets, index, value := kernel.SparseForTest(s)
	if !slices.Equal(offsets, []int32{0, 1, 2, 4}) ||
		!slices.Equal(index, []uint16{1, 0, 1, 3}) ||
		!slices.Equal(value, []uint8{3, 255, 9, 1}) || s.NonZero() != 4 {
		t.Errorf("got offsets %v index %v value %v", offsets, index, value)
	}
	if s.Len() != 3 || s.Dim() != 4 || s.Label(0) != 1 || s.Label(2) != 0 {
		t.Errorf("Len %d, Dim %d, labels %d, %d: want 3, 4, 1, 0", s.Len(), s.Dim(), s.Label(0), s.Label(2))
	}
	for _, c := range []struct {
		name           string
		pixels, labels int
		n, dim         int
	}{
		{"short pixels", 11, 3, 3, 4},
		{"long pixels", 13, 3, 3, 4},
		{"labels", 12, 2, 3, 4},
		{"negative n", 0, 0, -1, 4},
		{"zero dim", 0, 3, 3, 0},
		{"huge dim", 70000, 1, 1, 70000},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := kernel.NewSamples(make([]uint8, c.pixels), make([]uint8, c.labels), c.n, c.dim); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestNewModelErrors(t *testing.T) {
	for _, c := range []struct {
		in, hid, out int
		act          kernel.Activation
		scale        float32
	}{
		{0, 10, 10, kernel.Sigmoid, 1},
		{784, 0, 10, kernel.Sigmoid, 1},
		{784, 10, 0, kernel.Sigmoid, 1},
		{784, 10, 300, kernel.Sigmoid, 1},
		{784, 10, 10, 3, 1},
		{784, 10, 10, kernel.Sigmoid, 0},
		{784, 10, 10, kernel.Sigmoid, float32(math.NaN())},
		{784, 10, 10, kernel.Sigmoid, float32(math.Inf(1))},
		{1 << 16, 1 << 13, 10, kernel.Sigmoid, 1},
	} {
		if _, err := kernel.NewModel(c.in, c.hid, c.out, c.act, c.scale); err == nil {
			t.Errorf("NewModel(%d, %d, %d, %d, %v): no error", c.in, c.hid, c.out, c.act, c.scale)
		}
	}
}

// TestKernelPaths lists the kernel paths this CPU runs (.ci/run prints the
// line and tests each path), and checks that EnvKernel, where set, chose
// the path models get: asking for one this CPU cannot run fails here, with
// what it lacks.
func TestKernelPaths(t *testing.T) {
	t.Logf("kernel paths on this CPU: %s", strings.Join(kernel.Paths(), " "))
	t.Logf("kernel path in use: %s", kernel.Path())
	if len(kernel.Paths()) == 0 || kernel.Paths()[len(kernel.Paths())-1] != kernel.PathGeneric {
		t.Errorf("Paths() = %v, want the portable path last", kernel.Paths())
	}
	env := os.Getenv(kernel.EnvKernel)
	if env == "" {
		if kernel.Path() != kernel.Paths()[0] {
			t.Errorf("without %s the path is %s, want the fastest, %s", kernel.EnvKernel, kernel.Path(), kernel.Paths()[0])
		}
		return
	}
	old := kernel.Path()
	defer kernel.SelectPath(old)
	if err := kernel.SelectPath(env); err != nil {
		t.Fatal(err)
	}
	if kernel.Path() != old {
		t.Errorf("%s=%s: models got the %s path, want %s", kernel.EnvKernel, env, old, kernel.Path())
	}
}

// TestFastestPath checks that FastestPath names a path this CPU runs: the
// only assembly path untimed where there is one, and where there are
// several, one of them, timed, with none more than 3% faster.
func TestFastestPath(t *testing.T) {
	name, times := kernel.FastestPath(784, 10, 10, kernel.Sigmoid, 1)
	var asm []string
	for _, p := range kernel.Paths() {
		if p != kernel.PathGeneric {
			asm = append(asm, p)
		}
	}
	switch len(asm) {
	case 0, 1:
		want := kernel.PathGeneric
		if len(asm) == 1 {
			want = asm[0]
		}
		if name != want || times != nil {
			t.Fatalf("FastestPath = %s, timings %v; want %s, untimed", name, times, want)
		}
	default:
		if len(times) != len(asm) || times[name] == 0 {
			t.Fatalf("FastestPath = %s, timings %v; want a timing for each of %v", name, times, asm)
		}
		for p, d := range times {
			if float64(d) < 0.97*float64(times[name]) {
				t.Errorf("FastestPath = %s (%v), but %s took %v", name, times[name], p, d)
			}
		}
	}
}
