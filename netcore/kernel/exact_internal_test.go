package kernel

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAddClearAsm: the assembly of each path gives the words of
// addClearGo, bit for bit, and reports the same refusals, over values of
// every magnitude.
func TestAddClearAsm(t *testing.T) {
	for _, c := range []struct {
		path     path
		block    int
		addClear func(lo, hi *int64, v *float32, n int) bool
	}{{avx2, 8, addClearAsm}, {avx512, 16, addClearAsmZ}} {
		t.Run(c.path.String(), func(t *testing.T) {
			if lacks := missing(c.path); lacks != "" {
				t.Skipf("skipping the %s path: %s", c.path, lacks)
			}
			testAddClearAsm(t, c.block, c.addClear)
		})
	}
}

func testAddClearAsm(t *testing.T, block int, addClearAsm func(lo, hi *int64, v *float32, n int) bool) {
	r := rand.New(rand.NewPCG(71, 72))
	for _, n := range []int{8, 16, 64, 1000} {
		if n%block != 0 {
			continue
		}
		for trial := range 20 {
			v := make([]float32, n)
			for i := range v {
				switch r.IntN(8) {
				case 0:
				case 1:
					v[i] = math.Float32frombits(uint32(r.IntN(1 << 23))) // subnormal
				default:
					v[i] = float32(r.NormFloat64() * math.Pow(2, float64(r.IntN(75)-45)))
				}
			}
			bad := trial%4 == 3
			if bad {
				v[r.IntN(n)] = [...]float32{float32(math.NaN()), float32(math.Inf(-1)), ExactLimit, -1e20}[trial%4]
			}
			lo1, hi1 := make([]int64, n), make([]int64, n)
			lo2, hi2 := make([]int64, n), make([]int64, n)
			for i := range lo1 {
				lo1[i] = r.Int64N(1<<40) - 1<<39
				hi1[i] = r.Int64N(1<<40) - 1<<39
			}
			copy(lo2, lo1)
			copy(hi2, hi1)
			v1, v2 := slices.Clone(v), slices.Clone(v)
			got := addClearAsm(&lo1[0], &hi1[0], &v1[0], n)
			want := addClearGo(lo2, hi2, v2)
			if got != want || got != bad {
				t.Fatalf("n=%d trial %d: refused %v, Go %v, want %v", n, trial, got, want, bad)
			}
			if slices.ContainsFunc(v1, func(x float32) bool { return x != 0 }) {
				t.Fatalf("n=%d trial %d: values left behind", n, trial)
			}
			if !bad && (!slices.Equal(lo1, lo2) || !slices.Equal(hi1, hi2)) {
				t.Fatalf("n=%d trial %d: the assembly's words differ from Go's", n, trial)
			}
		}
	}
}

// BenchmarkAddClear times AddClear on each path as the trainer's fold uses
// it: four partial gradients of a 784-300-10 network (238,000 values, a
// tenth of them zero) added a chunk of 1024 elements at a time into a sum
// whose words stay in the L1 cache meanwhile.
func BenchmarkAddClear(b *testing.B) {
	const n, chunk, partials = 784*304 + 304 + 10*304 + 16, 1024, 4
	r := rand.New(rand.NewPCG(91, 92))
	src := make([][]float32, partials)
	for p := range src {
		src[p] = make([]float32, n)
		for i := range src[p] {
			if r.IntN(10) != 0 {
				src[p][i] = float32(r.NormFloat64() * 1e-3)
			}
		}
	}
	work := make([][]float32, partials)
	for p := range work {
		work[p] = make([]float32, n)
	}
	for _, p := range []path{generic, avx2, avx512} {
		b.Run(p.String(), func(b *testing.B) {
			if lacks := missing(p); lacks != "" {
				b.Skipf("skipping the %s path: %s", p, lacks)
			}
			old := selected.Load()
			defer selected.Store(old)
			selected.Store(uint32(p))
			s := NewExactSum(make([]int64, 2*n))
			for b.Loop() {
				b.StopTimer()
				for i := range work {
					copy(work[i], src[i])
				}
				b.StartTimer()
				for from := 0; from < n; from += chunk {
					to := min(from+chunk, n)
					for _, v := range work {
						s.AddClear(v[from:to], from)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(partials*n), "ns/value")
		})
	}
}
