package kernel_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/shardnet/shardnet/netcore/kernel"
)

// exactValues returns n float32 values over many orders of magnitude, both
// signs, some zero, some subnormal, and some tiny enough to round away.
func exactValues(seed uint64, n int) []float32 {
	r := rand.New(rand.NewPCG(seed, 9))
	v := make([]float32, n)
	for i := range v {
		switch r.IntN(10) {
		case 0:
			v[i] = 0
		case 1:
			v[i] = float32(r.NormFloat64() * 1e-30)
		case 2:
			v[i] = math.Float32frombits(uint32(r.IntN(1 << 23))) // subnormal
		default:
			v[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(16)-8)))
		}
	}
	return v
}

// bigSum is the exact sum of vs[k][i] over k, each value first rounded to a
// multiple of 2^-60 as ExactSum rounds it (to nearest, ties to even, in two
// steps), computed with math/big.
func bigSum(vs [][]float32, i int) *big.Float {
	sum := new(big.Float).SetPrec(2000)
	for _, v := range vs {
		x := float64(v[i]) * 0x1p12
		h := math.RoundToEven(x)
		l := math.RoundToEven((x - h) * 0x1p48)
		t := new(big.Float).SetPrec(2000).SetFloat64(h)
		t.Mul(t, big.NewFloat(0x1p48))
		t.Add(t, big.NewFloat(l))
		t.Mul(t, big.NewFloat(0x1p-60))
		sum.Add(sum, t)
	}
	return sum
}

// TestExactSumOrderIndependent adds the same vectors in many orders and
// groupings, into one sum or several sums added together, and checks that
// every way gives the same bits, equal to the correctly rounded exact sum.
func TestExactSumOrderIndependent(t *testing.T) {
	const n, parts = 301, 40
	vs := make([][]float32, parts)
	for k := range vs {
		vs[k] = exactValues(uint64(k), n)
	}
	sumOf := func(order []int, groups int) []float64 {
		total := kernel.NewExactSum(make([]int64, 2*(n+1)))
		for g := range groups {
			part := kernel.NewExactSum(make([]int64, 2*(n+1)))
			for j, k := range order {
				if j%groups == g {
					if part.AddClear(slices.Clone(vs[k]), 1) {
						t.Fatal("a value in range was refused")
					}
				}
			}
			total.Add(part, 0, n+1)
		}
		out := make([]float64, n)
		total.Float64(out, 1)
		return out
	}
	r := rand.New(rand.NewPCG(1, 1))
	order := make([]int, parts)
	for k := range order {
		order[k] = k
	}
	want := sumOf(order, 1)
	for i := range n {
		exact, _ := bigSum(vs, i).Float64()
		if want[i] != exact {
			t.Fatalf("element %d: sum %v, exact %v", i, want[i], exact)
		}
	}
	for trial := range 20 {
		r.Shuffle(parts, func(a, b int) { order[a], order[b] = order[b], order[a] })
		if got := sumOf(order, 1+trial%7); !slices.Equal(got, want) {
			t.Fatalf("trial %d: the sum depends on order or grouping", trial)
		}
	}
}

// TestExactSumRefuses: NaN, infinities and values of ExactLimit or more are
// reported and left out; values just below the limit are taken exactly.
func TestExactSumRefuses(t *testing.T) {
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), kernel.ExactLimit, -kernel.ExactLimit, 1e30} {
		s := kernel.NewExactSum(make([]int64, 4))
		if !s.AddClear([]float32{v, 3}, 0) {
			t.Errorf("%v: not refused", v)
		}
		got := make([]float64, 2)
		s.Float64(got, 0)
		if got[0] != 0 || got[1] != 3 {
			t.Errorf("%v: sums %v, want [0 3]", v, got)
		}
		if !s.AddFloat64(0, float64(v)) {
			t.Errorf("AddFloat64(%v): not refused", v)
		}
	}
	s := kernel.NewExactSum(make([]int64, 2))
	below := math.Nextafter32(kernel.ExactLimit, 0)
	for range 1000 {
		if s.AddClear([]float32{below}, 0) {
			t.Fatal("a value below the limit was refused")
		}
	}
	got := make([]float64, 1)
	s.Float64(got, 0)
	if got[0] != 1000*float64(below) {
		t.Errorf("1000 × %v = %v, want %v", below, got[0], 1000*float64(below))
	}
}

// TestExactSumClears: AddClear zeroes what it added, and Add moves the sums
// of one ExactSum into another.
func TestExactSumClears(t *testing.T) {
	v := exactValues(5, 50)
	a := kernel.NewExactSum(make([]int64, 100))
	b := kernel.NewExactSum(make([]int64, 100))
	a.AddClear(slices.Clone(v), 0)
	w := slices.Clone(v)
	b.AddClear(w, 0)
	if slices.ContainsFunc(w, func(x float32) bool { return x != 0 }) {
		t.Error("AddClear left values behind")
	}
	b.Add(a, 0, 50)
	got, empty := make([]float64, 50), make([]float64, 50)
	b.Float64(got, 0)
	a.Float64(empty, 0)
	for i, x := range v {
		exact, _ := bigSum([][]float32{v, v}, i).Float64()
		if got[i] != exact || empty[i] != 0 {
			t.Fatalf("element %d (%v): moved sum %v, want %v; left %v", i, x, got[i], exact, empty[i])
		}
	}
}
