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
				case 2:
					// A tie for the high word's rounding (v·2^12 half an
					// integer) or the low word's (v·2^60 half an integer).
					e := [2]float64{-13, -61}[r.IntN(2)]
					v[i] = float32(float64(2*r.IntN(1<<10)+1) * math.Pow(2, e) * float64(1-2*r.IntN(2)))
				case 3:
					// Just under ExactLimit, the largest values accepted.
					v[i] = math.Nextafter32(ExactLimit, 0) * float32(1-2*r.IntN(2)) * (1 - r.Float32()/4)
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

// TestAddClearGroup: on every path, AddClearGroup leaves the words that
// AddClear of each partial in turn leaves, for groups of every size
// (FoldGroup runs the group assembly), lengths with tails, and partials
// zero in whole blocks, some in every partial of the group; it zeroes the
// values and reports a refused value in any partial.
func TestAddClearGroup(t *testing.T) {
	for _, p := range []path{generic, avx2, avx512} {
		t.Run(p.String(), func(t *testing.T) {
			if lacks := missing(p); lacks != "" {
				t.Skipf("skipping the %s path: %s", p, lacks)
			}
			old := selected.Load()
			defer selected.Store(old)
			selected.Store(uint32(p))
			r := rand.New(rand.NewPCG(73, 74))
			for _, parts := range []int{1, 3, FoldGroup - 1, FoldGroup, FoldGroup + 1} {
				for _, n := range []int{7, 16, 100, 1029} {
					for trial := range 8 {
						vs := make([][]float32, parts)
						for k := range vs {
							vs[k] = make([]float32, n)
							for i := range vs[k] {
								if i/16%3 != 0 && (i/16%5 != k%5) {
									v := float32(r.NormFloat64() * math.Pow(2, float64(r.IntN(60)-40)))
									vs[k][i] = v
								}
							}
						}
						bad := trial == 7
						if bad {
							vs[r.IntN(parts)][r.IntN(n)] = float32(math.Inf(1))
						}
						const at = 3
						want := NewExactSum(make([]int64, 2*(n+at)))
						got := NewExactSum(make([]int64, 2*(n+at)))
						for i := range want.lo {
							want.lo[i] = r.Int64N(1<<40) - 1<<39
							want.hi[i] = r.Int64N(1<<40) - 1<<39
						}
						copy(got.lo, want.lo)
						copy(got.hi, want.hi)
						wantRefused := false
						for _, v := range vs {
							lo, hi := want.lo[at:at+n], want.hi[at:at+n]
							wantRefused = addClearGo(lo, hi, slices.Clone(v)) || wantRefused
						}
						gotRefused := got.AddClearGroup(vs, at)
						if gotRefused != wantRefused || gotRefused != bad {
							t.Fatalf("%d partials of %d, trial %d: refused %v, want %v", parts, n, trial, gotRefused, wantRefused)
						}
						for k, v := range vs {
							if slices.ContainsFunc(v, func(x float32) bool { return x != 0 }) {
								t.Fatalf("%d partials of %d, trial %d: values left behind in partial %d", parts, n, trial, k)
							}
						}
						if !bad && (!slices.Equal(got.lo, want.lo) || !slices.Equal(got.hi, want.hi)) {
							t.Fatalf("%d partials of %d, trial %d: the words differ from AddClear's", parts, n, trial)
						}
					}
				}
			}
		})
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
