package trainer

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/shardnet/shardnet/netcore/kernel"
)

// adamCase returns parameters, gradients and moments of n elements with
// magnitudes over many orders, and Adam's factors at step 3.
func adamCase(n int) (p, g, m, v []float64, k adamConsts) {
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	vals := func(scale float64) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = rng.NormFloat64() * scale * math.Pow(10, float64(rng.IntN(7)-3))
		}
		return s
	}
	p, g, m = vals(1), vals(0.1), vals(0.01)
	v = vals(0.001)
	for i := range v {
		v[i] = math.Abs(v[i])
	}
	k = adamConsts{decay: 1e-4, b1: 0.9, c1: 0.1, b2: 0.999, c2: 0.001,
		inv2: 1 / (1 - math.Pow(0.999, 3)), eps: 1e-8, rate: 0.001 / (1 - math.Pow(0.9, 3))}
	return p, g, m, v, k
}

// TestAdamAsmMatchesGo: the update on every kernel path this CPU runs
// gives bitwise the parameters and moments of the Go loop, for lengths
// around the four- and eight-element widths of the assembly.
func TestAdamAsmMatchesGo(t *testing.T) {
	for _, path := range kernel.Paths() {
		t.Run(path, func(t *testing.T) {
			defer selectPath(t, path)()
			testAdamAsmMatchesGo(t)
		})
	}
}

// selectPath selects the kernel path named path until restore is called.
func selectPath(t *testing.T, path string) (restore func()) {
	t.Helper()
	old := kernel.Path()
	if err := kernel.SelectPath(path); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := kernel.SelectPath(old); err != nil {
			t.Fatal(err)
		}
	}
}

func testAdamAsmMatchesGo(t *testing.T) {
	for _, n := range []int{1, 3, 4, 5, 7, 8, 9, 11, 16, 1000, 1003, 1007} {
		p, g, m, v, k := adamCase(n)
		p2, m2, v2 := slices.Clone(p), slices.Clone(m), slices.Clone(v)
		adamGo(p, g, m, v, &k)
		adamUpdate(p2, g, m2, v2, &k)
		for i := range p {
			if math.Float64bits(p[i]) != math.Float64bits(p2[i]) || math.Float64bits(m[i]) != math.Float64bits(m2[i]) || math.Float64bits(v[i]) != math.Float64bits(v2[i]) {
				t.Fatalf("n=%d element %d: assembly gives p=%v m=%v v=%v, Go p=%v m=%v v=%v", n, i, p2[i], m2[i], v2[i], p[i], m[i], v[i])
			}
		}
	}
}

func benchmarkAdam(b *testing.B, update func(p, g, m, v []float64, k *adamConsts)) {
	p, g, m, v, k := adamCase(200_000)
	b.SetBytes(int64(len(p)) * 8 * 4)
	for b.Loop() {
		update(p, g, m, v, &k)
	}
}

func BenchmarkAdamGo(b *testing.B)     { benchmarkAdam(b, adamGo) }
func BenchmarkAdamUpdate(b *testing.B) { benchmarkAdam(b, adamUpdate) }
