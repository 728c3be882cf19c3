package kernel

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// fmaExact is a·b+c computed exactly and rounded once to float32, the
// oracle of fma32.
func fmaExact(a, b, c float32) float32 {
	x := new(big.Float).SetPrec(300).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetPrec(300).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetPrec(300).SetFloat64(float64(c)))
	f, _ := x.Float32()
	return f
}

// fmaOracle is fmaExact, and for infinite operands (which big.Float cannot
// hold) fma32.
func fmaOracle(a, b, c float32) float32 {
	if math.IsInf(float64(a), 0) || math.IsInf(float64(b), 0) || math.IsInf(float64(c), 0) {
		return fma32(a, b, c)
	}
	return fmaExact(a, b, c)
}

// TestFMA32 checks fma32 and axpy32 against the exact oracle on random
// operands, on sums that fall next to and exactly on float32 midpoints
// (where rounding twice goes wrong), on cancellation, and on results in
// float32's subnormal range.
func TestFMA32(t *testing.T) {
	cases := fmaCases()
	bad := 0
	for _, tc := range cases {
		want := fmaExact(tc.a, tc.b, tc.c)
		if math.IsInf(float64(tc.a), 0) {
			want = tc.a * tc.b // big.Float has no room for the infinite case's NaN rules
		}
		got := fma32(tc.a, tc.b, tc.c)
		y := []float32{tc.c}
		axpy32(y, []float32{tc.a}, tc.b)
		if math.Float32bits(got) != math.Float32bits(want) || math.Float32bits(y[0]) != math.Float32bits(want) {
			if bad < 5 {
				t.Errorf("fma32(%g, %g, %g) = %g, axpy32 %g, want %g (%#x)", tc.a, tc.b, tc.c, got, y[0], want, math.Float32bits(want))
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cases wrong", bad, len(cases))
	}
}

type triple struct{ a, b, c float32 }

// fmaCases returns TestFMA32's operands.
func fmaCases() []triple {
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func(scale float64) float32 { return float32(r.NormFloat64() * scale) }
	var cases []triple
	for range 20000 {
		cases = append(cases, triple{rnd(1), rnd(1), rnd(1)})
		cases = append(cases, triple{rnd(1e-20), rnd(1e-20), rnd(1e-38)})
		// c a midpoint away from a product with a tiny tail: the float64
		// sum rounds onto the midpoint.
		c := rnd(1)
		mid := math.Float32frombits(math.Float32bits(c)+1) - c
		a := float32(1 + r.Float64())
		b := mid / 2 / a
		cases = append(cases, triple{a, b, c}, triple{a, -b, c}, triple{a, math.Nextafter32(b, 0), c})
		// cancellation: c ≈ -a·b
		a, b = rnd(1), rnd(1)
		cases = append(cases, triple{a, b, -float32(float64(a) * float64(b))})
	}
	cases = append(cases, triple{0, 1, 0}, triple{1, float32(math.Copysign(0, -1)), float32(math.Copysign(0, -1))},
		triple{float32(math.Inf(1)), 1, 1}, triple{math.MaxFloat32, 2, -math.MaxFloat32})
	return cases
}

// TestBlocksFMA checks the portable loops of every width, chainsN and
// stepsN, against the exact oracle on TestFMA32's operands: for a block of n chains,
// n consecutive cases, case k in chain k at row k (the row's value being
// the case's b), so that the slow steps fall on every chain of a block and
// on rows whose other chains take fast ones.
func TestBlocksFMA(t *testing.T) {
	cases := fmaCases()
	if testing.Short() {
		cases = cases[:len(cases)/8]
	}
	for n := 1; n <= maxCols; n++ {
		for lo := 0; lo+n <= len(cases); lo += n {
			tc := cases[lo : lo+n]
			rows := make([]uint16, n)
			xs := make([]float64, n)
			w := make([]float64, n*n) // chains: w[row·n+k] = a_k on the diagonal, 0 elsewhere
			z, d := make([]float32, n), make([]float32, n)
			g := make([]float32, n*n) // steps: g[row·n+k] from c_k on the diagonal, c_row elsewhere
			for k, c := range tc {
				rows[k], xs[k] = uint16(k), float64(c.b)
				w[k*n+k] = float64(c.a)
				z[k], d[k] = c.c, c.a
				for r := range n {
					g[r*n+k] = tc[r].c
				}
			}
			wantZ, wantG := append([]float32(nil), z...), append([]float32(nil), g...)
			for r := range n {
				for k := range n {
					fma := fma32 // checked by TestFMA32
					if r == k {
						fma = fmaOracle // the case
					}
					wantZ[k] = fma(float32(w[r*n+k]), float32(xs[r]), wantZ[k])
					wantG[r*n+k] = fma(d[k], float32(xs[r]), wantG[r*n+k])
				}
			}
			chainsN[n](z, w, rows, xs)
			stepsN[n](g, n, d, rows, xs)
			for k := range n {
				if math.Float32bits(z[k]) != math.Float32bits(wantZ[k]) {
					t.Fatalf("chains%d, chain %d of cases %d: %g, want %g", n, k, lo, z[k], wantZ[k])
				}
			}
			for i := range g {
				if math.Float32bits(g[i]) != math.Float32bits(wantG[i]) {
					t.Fatalf("steps%d, row %d chain %d of cases %d: %g, want %g", n, i/n, i%n, lo, g[i], wantG[i])
				}
			}
		}
	}
}

// TestLogf64 checks the portable logarithm of the cost against math.Log,
// which computes the same algorithm, to the last bit where math.Log is not
// fused (amd64 runs assembly of its own), and to 1 ulp elsewhere.
func TestLogf64(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		x := math.Exp(r.Float64()*1300 - 650)
		got, want := logf64(x), math.Log(x)
		if d := math.Abs(got - want); d > 2*math.Abs(want)*0x1p-52 {
			t.Fatalf("logf64(%g) = %v, math.Log %v", x, got, want)
		}
	}
}

// TestExpfs checks expfs against expf, bit for bit, across expf's range
// and past both ends of it, on infinities, NaN and zeros, in runs of
// several lengths.
func TestExpfs(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var xs []float32
	for range 50000 {
		xs = append(xs, float32(r.NormFloat64()*20), float32(r.Float64()*100-50), math.Float32frombits(r.Uint32()))
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		expLo32, expHi32, math.Nextafter32(expLo32, 0), math.Nextafter32(expHi32, 0), math.MaxFloat32, -math.MaxFloat32)
	for _, n := range []int{1, 3, expChunk, expChunk + 1, 40} {
		for lo := 0; lo < len(xs); lo += n {
			v := append([]float32(nil), xs[lo:min(lo+n, len(xs))]...)
			expfs(v)
			for i, x := range xs[lo:min(lo+n, len(xs))] {
				if want := expf(x); math.Float32bits(v[i]) != math.Float32bits(want) {
					t.Fatalf("expfs: exp(%g) = %g (%#x), expf %g (%#x)", x, v[i], math.Float32bits(v[i]), want, math.Float32bits(want))
				}
			}
		}
	}
}

// axpy32 sets y[j] = fma32(x[j], a, y[j]) for every j < len(y): the
// chains of a row, one step each, written plainly for the tests to restate
// the kernels with (the portable path runs portable_blocks.go's loops).
func axpy32(y, x []float32, a float32) {
	x = x[:len(y)]
	af := float64(a)
	for j, yj := range y {
		s := float64(float64(x[j])*af) + float64(yj)
		if roundsTwice(s) {
			y[j] = fma32(x[j], a, yj)
			continue
		}
		y[j] = float32(s)
	}
}

// chain32 returns the chain acc = fma32(x[i·xs], y[i·ys], acc) over
// i < n, in order, written plainly as axpy32 is.
func chain32(acc float32, x []float32, xs int, y []float32, ys int, n int) float32 {
	for i := range n {
		xi, yi := x[i*xs], y[i*ys]
		s := float64(float64(xi)*float64(yi)) + float64(acc)
		if roundsTwice(s) {
			acc = fma32(xi, yi, acc)
			continue
		}
		acc = float32(s)
	}
	return acc
}
