package netcore_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/shardnet/shardnet/netcore"
)

// close reports whether a and b agree to a relative tolerance tol.
func closeTo(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*max(1, math.Abs(a), math.Abs(b))
}

func TestForwardByHand(t *testing.T) {
	// A 2-2-2 sigmoid network on two samples, every number written out.
	p, _ := netcore.NewParams(netcore.Shape{Inputs: 2, Hidden: 2, Outputs: 2})
	copy(p.W1, []float64{1, -1, 0.5, 2})
	copy(p.B1, []float64{0, -1})
	copy(p.W2, []float64{2, -1, -3, 1})
	copy(p.B2, []float64{0.5, -0.5})
	X := mat.NewDense(2, 2, []float64{
		1, 0, // sample 0 is (1, 2), sample 1 is (0, -3)
		2, -3,
	})
	Y := netcore.OneHot([]uint8{0, 1}, 2)

	sig := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	// Sample 0: z1 = (1·1 - 1·2 + 0, 0.5·1 + 2·2 - 1) = (-1, 3.5).
	// Sample 1: z1 = (1·0 - 1·-3 + 0, 0.5·0 + 2·-3 - 1) = (3, -7).
	z1 := [2][2]float64{{-1, 3}, {3.5, -7}} // [unit][sample]
	var h, z2, yhat [2][2]float64
	for j := range 2 {
		h[0][j], h[1][j] = sig(z1[0][j]), sig(z1[1][j])
		z2[0][j] = 2*h[0][j] - h[1][j] + 0.5
		z2[1][j] = -3*h[0][j] + h[1][j] - 0.5
		// Two-class softmax: p0 = 1/(1+e^(z2_1 - z2_0)).
		yhat[0][j] = 1 / (1 + math.Exp(z2[1][j]-z2[0][j]))
		yhat[1][j] = 1 - yhat[0][j]
	}
	wantCost := -(math.Log(yhat[0][0]) + math.Log(yhat[1][1])) / 2

	c := netcore.Forward(p, netcore.Sigmoid, X)
	for _, m := range []struct {
		name string
		got  *mat.Dense
		want [2][2]float64
	}{{"Z1", c.Z1, z1}, {"H", c.H, h}, {"Z2", c.Z2, z2}, {"Yhat", c.Yhat, yhat}} {
		for i := range 2 {
			for j := range 2 {
				if g := m.got.At(i, j); !closeTo(g, m.want[i][j], 1e-14) {
					t.Errorf("%s[%d,%d] = %.17g, want %.17g", m.name, i, j, g, m.want[i][j])
				}
			}
		}
	}
	if got := netcore.Cost(c, Y); !closeTo(got, wantCost, 1e-14) {
		t.Errorf("cost = %.17g, want %.17g", got, wantCost)
	}
	wantPred := make([]int, 2)
	for j := range 2 {
		if z2[1][j] > z2[0][j] {
			wantPred[j] = 1
		}
	}
	if got := netcore.Predict(p, netcore.Sigmoid, X); got[0] != wantPred[0] || got[1] != wantPred[1] {
		t.Errorf("Predict = %v, want %v", got, wantPred)
	}
}

// naiveCost is the post's total_cost on the post's softmax, safe only for
// small logits.
func naiveCost(Z2, Y *mat.Dense) float64 {
	k, m := Z2.Dims()
	var sum float64
	for j := range m {
		var den float64
		for i := range k {
			den += math.Exp(Z2.At(i, j))
		}
		for i := range k {
			sum += Y.At(i, j) * math.Log(math.Exp(Z2.At(i, j))/den)
		}
	}
	return -sum / float64(m)
}

func TestCostMatchesNaiveFormulaOnSmallLogits(t *testing.T) {
	s := netcore.Shape{Inputs: 8, Hidden: 5, Outputs: 4}
	for seed := range uint64(5) {
		p, X, Y := smallProblem(t, s, 7, seed)
		c := netcore.Forward(p, netcore.Sigmoid, X)
		if got, want := netcore.Cost(c, Y), naiveCost(c.Z2, Y); !closeTo(got, want, 1e-13) {
			t.Errorf("seed %d: cost %.17g, naive %.17g", seed, got, want)
		}
	}
}

func TestCostOfHugeLogits(t *testing.T) {
	Z2 := mat.NewDense(3, 2, []float64{
		1e4, -1e4,
		-1e4, 1e4,
		0, 0,
	})
	Yhat := mat.NewDense(3, 2, nil)
	for j := range 2 {
		col := mat.Col(nil, j, Z2)
		netcore.Softmax(col, col)
		Yhat.SetCol(j, col)
	}
	c := &netcore.Cache{Z2: Z2, Yhat: Yhat}
	tests := []struct {
		name   string
		labels []uint8
		want   float64
	}{
		// The right class has all the mass: log-softmax 0 up to e^-1e4.
		{"confident and right", []uint8{0, 1}, 0},
		// log-softmax of the label is -2e4 in the first column and 0 in the second.
		{"confidently wrong once", []uint8{1, 1}, 2e4 / 2},
		// The 0 logit trails the 1e4 maximum by 1e4 in both columns.
		{"middle class", []uint8{2, 2}, 1e4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := netcore.Cost(c, netcore.OneHot(tt.labels, 3))
			if !closeTo(got, tt.want, 1e-15) {
				t.Errorf("cost = %v, want %v", got, tt.want)
			}
		})
	}
	if v := Yhat.RawMatrix().Data; v[0] != 1 || v[2] != 0 || v[4] != 0 {
		t.Errorf("softmax of (1e4, -1e4, 0) = (%v, %v, %v), want (1, 0, 0)", v[0], v[2], v[4])
	}
}

func TestGradientFiniteOnRawPixels(t *testing.T) {
	// The post's default: raw 0..255 pixels. With weights of order 1 the
	// pre-activations reach thousands; ReLU passes them on, so the logits
	// span tens of thousands, far past where exp overflows and the naive
	// log(softmax) gives -Inf. Sigmoid and tanh saturate instead, so they
	// need weights ×1000 to get there.
	s := netcore.Shape{Inputs: 784, Hidden: 10, Outputs: 10}
	const m = 20
	rng := rand.New(rand.NewPCG(3, 4))
	pixels := make([]uint8, m*s.Inputs)
	labels := make([]uint8, m)
	for i := range pixels {
		pixels[i] = uint8(rng.IntN(256))
	}
	for i := range labels {
		labels[i] = uint8(rng.IntN(10))
	}
	X, Y := netcore.Inputs(pixels, m, s.Inputs, 1), netcore.OneHot(labels, 10)
	for _, act := range []netcore.Activation{netcore.Sigmoid, netcore.Tanh, netcore.ReLU} {
		for _, scale := range []float64{1, 1000} {
			p, _ := netcore.NewParams(s)
			p.Init(netcore.NormalInit, scale, rng)
			grad, _ := netcore.NewParams(s)
			cost := netcore.Gradient(p, act, X, Y, grad)
			c := netcore.Forward(p, act, X)
			if math.IsNaN(cost) || math.IsInf(cost, 0) || cost < 0 {
				t.Errorf("%v, weights ×%v: cost %v, want finite and >= 0", act, scale, cost)
			}
			if hi := mat.Max(c.Z2) - mat.Min(c.Z2); (scale > 1 || act == netcore.ReLU) && hi < 800 {
				t.Errorf("%v, weights ×%v: logits span only %v; the test wants them past exp's range", act, scale, hi)
			}
			for i, g := range grad.Data {
				if math.IsNaN(g) || math.IsInf(g, 0) {
					t.Fatalf("%v, weights ×%v: gradient[%d] = %v", act, scale, i, g)
				}
			}
		}
	}
}

func TestScalarHelpers(t *testing.T) {
	tests := []struct {
		x, want float64
	}{
		{0, 0.5},
		{-1000, 0}, // e^1000 would overflow in 1/(1+e^-x)
		{1000, 1},
		{-30, math.Exp(-30) / (1 + math.Exp(-30))},
		{2, 1 / (1 + math.Exp(-2))},
	}
	for _, tt := range tests {
		if got := netcore.Logistic(tt.x); !closeTo(got, tt.want, 1e-15) || math.IsNaN(got) {
			t.Errorf("Logistic(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
	if got := netcore.Logistic(-745); got <= 0 || got > 1e-323 {
		t.Errorf("Logistic(-745) = %v, want the smallest subnormal", got)
	}

	lse := []struct {
		z    []float64
		want float64
	}{
		{[]float64{1000, 1000}, 1000 + math.Ln2},
		{[]float64{1e4, -1e4}, 1e4},
		{[]float64{0, math.Log(3)}, math.Log(4)},
		{[]float64{math.Inf(-1), math.Inf(-1)}, math.Inf(-1)},
		{[]float64{math.Inf(1), 0}, math.Inf(1)},
		{nil, math.Inf(-1)},
	}
	for _, tt := range lse {
		if got := netcore.LogSumExp(tt.z); got != tt.want && !closeTo(got, tt.want, 1e-15) {
			t.Errorf("LogSumExp(%v) = %v, want %v", tt.z, got, tt.want)
		}
	}

	z := []float64{710, 709, -1e308}
	netcore.Softmax(z, z) // in place
	e := math.Exp(-1)
	want := []float64{1 / (1 + e), e / (1 + e), 0}
	for i := range z {
		if !closeTo(z[i], want[i], 1e-15) {
			t.Errorf("Softmax(710, 709, -1e308)[%d] = %v, want %v", i, z[i], want[i])
		}
	}
}

func TestInputsAndOneHotLayout(t *testing.T) {
	// Two 3-pixel images; X is the post's images.reshape(2, 3).T.
	X := netcore.Inputs([]uint8{1, 2, 3, 10, 20, 255}, 2, 3, 0.5)
	want := [][]float64{{0.5, 5}, {1, 10}, {1.5, 127.5}}
	if r, c := X.Dims(); r != 3 || c != 2 {
		t.Fatalf("Inputs gives %d×%d, want 3×2", r, c)
	}
	for i, row := range want {
		for j, v := range row {
			if X.At(i, j) != v {
				t.Errorf("X[%d,%d] = %v, want %v", i, j, X.At(i, j), v)
			}
		}
	}
	Y := netcore.OneHot([]uint8{2, 0}, 3)
	if !mat.Equal(Y, mat.NewDense(3, 2, []float64{0, 1, 0, 0, 1, 0})) {
		t.Errorf("OneHot([2 0], 3) = %v", mat.Formatted(Y))
	}
}

func TestCheckBatch(t *testing.T) {
	s := netcore.Shape{Inputs: 3, Hidden: 2, Outputs: 2}
	tests := []struct {
		name string
		X, Y *mat.Dense
		ok   bool
	}{
		{"fits", mat.NewDense(3, 4, nil), mat.NewDense(2, 4, nil), true},
		{"no targets", mat.NewDense(3, 4, nil), nil, true},
		{"no inputs", nil, nil, false},
		{"wrong input rows", mat.NewDense(4, 4, nil), nil, false},
		{"wrong target rows", mat.NewDense(3, 4, nil), mat.NewDense(3, 4, nil), false},
		{"wrong sample count", mat.NewDense(3, 4, nil), mat.NewDense(2, 5, nil), false},
	}
	for _, tt := range tests {
		err := s.CheckBatch(tt.X, tt.Y)
		if tt.ok != (err == nil) {
			t.Errorf("%s: err = %v, want ok = %v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, netcore.ErrShape) {
			t.Errorf("%s: err = %v, want ErrShape", tt.name, err)
		}
	}
}

func TestAddScaledIsTheUpdate(t *testing.T) {
	s := netcore.Shape{Inputs: 4, Hidden: 3, Outputs: 2}
	p, X, Y := smallProblem(t, s, 6, 9)
	grad, _ := netcore.NewParams(s)
	before := netcore.Gradient(p, netcore.Sigmoid, X, Y, grad)
	want := p.Clone()
	for i := range want.Data {
		want.Data[i] -= 0.1 * grad.Data[i]
	}
	if err := p.AddScaled(-0.1, grad); err != nil {
		t.Fatal(err)
	}
	if p.Digest() != want.Digest() {
		t.Error("AddScaled(-lr, g) differs from p - lr·g")
	}
	if after := netcore.Gradient(p, netcore.Sigmoid, X, Y, grad); after >= before {
		t.Errorf("a small gradient step raised the cost from %v to %v", before, after)
	}
	other, _ := netcore.NewParams(netcore.Shape{Inputs: 1, Hidden: 1, Outputs: 1})
	if err := p.AddScaled(1, other); !errors.Is(err, netcore.ErrShape) {
		t.Errorf("mismatched AddScaled: err = %v, want ErrShape", err)
	}
}

func BenchmarkGradient784x10x10(b *testing.B) {
	benchmarkGradient(b, netcore.Shape{Inputs: 784, Hidden: 10, Outputs: 10}, 1000)
}

func BenchmarkGradient784x100x10(b *testing.B) {
	benchmarkGradient(b, netcore.Shape{Inputs: 784, Hidden: 100, Outputs: 10}, 1000)
}

func benchmarkGradient(b *testing.B, s netcore.Shape, m int) {
	p, X, Y := smallProblem(b, s, m, 1)
	grad, _ := netcore.NewParams(s)
	b.ReportAllocs()
	for b.Loop() {
		netcore.Gradient(p, netcore.Sigmoid, X, Y, grad)
	}
	b.ReportMetric(float64(m)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}
