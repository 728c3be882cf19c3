package kernel

import (
	"fmt"
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

// TestAddClearGroup: on every path, AddClearGroup leaves the sums that
// AddClear of each partial in turn leaves, for groups of every size
// (FoldGroup runs the group assembly), lengths with tails, partials zero
// in whole blocks, some in every partial of the group, and partials alike
// or not (alike ones take the AVX2 assembly's pre-sum, and sizes from
// 2^-45 to 2^32 cross its lower bound); it zeroes the values, -0 included,
// and reports a refused value in any partial.
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
						}
						alike := trial%2 == 0
						for i := range n {
							size := math.Pow(2, float64(r.IntN(78)-45))
							for k := range vs {
								switch {
								case i/16%3 == 0 || i/16%5 == k%5:
								case i/16%7 == 6:
									vs[k][i] = float32(math.Copysign(0, -1))
								case alike:
									vs[k][i] = float32(r.NormFloat64() * size)
								default:
									vs[k][i] = float32(r.NormFloat64() * math.Pow(2, float64(r.IntN(60)-40)))
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
							if slices.ContainsFunc(v, func(x float32) bool { return math.Float32bits(x) != 0 }) {
								t.Fatalf("%d partials of %d, trial %d: values left behind in partial %d", parts, n, trial, k)
							}
						}
						if !bad {
							if i := differentSum(got, want); i >= 0 {
								t.Fatalf("%d partials of %d, trial %d: element %d's sum differs from AddClear's", parts, n, trial, i)
							}
						}
					}
				}
			}
		})
	}
}

// BenchmarkAddClear times AddClear on each path as the trainer's fold used
// it before folding groups: four partial gradients of a 784-300-10 network
// (238,000 values, a tenth of them zero) added a chunk of 1024 elements at
// a time into a sum whose words stay in the L1 cache meanwhile.
func BenchmarkAddClear(b *testing.B) {
	const n, partials = 784*304 + 304 + 10*304 + 16, 4
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
	benchFold(b, src, func(s *ExactSum, chunks [][]float32, from int) {
		for _, v := range chunks {
			s.AddClear(v, from)
		}
	})
}

// differentSum returns the first element whose sum differs between a and b,
// which have equal lengths, or -1. Equal sums may be held in different
// words (the low word's carries may sit in either), so it compares the
// words with the carries moved as exactValue moves them, which gives each
// sum one pair.
func differentSum(a, b *ExactSum) int {
	for i := range a.lo {
		alo, ahi := normalWords(a.lo[i], a.hi[i])
		blo, bhi := normalWords(b.lo[i], b.hi[i])
		if alo != blo || ahi != bhi {
			return i
		}
	}
	return -1
}

// normalWords moves lo's carries into hi, leaving lo in [-2^47, 2^47).
func normalWords(lo, hi int64) (int64, int64) {
	carry := (lo + 1<<47) >> 48
	return lo - carry<<48, hi + carry
}

// TestAddClearGroupPreSums: the AVX2 assembly of a group adds alike
// partials in float64 and splits only their sum, and takes the values one
// by one where its bounds fail. Eight values of 2^-13 each, ties for the
// high word's rounding, show which: one by one they leave the words
// (8·2^47, 0), and their sum, 2^-10, leaves (0, 4). The lanes that fail a
// bound (a value below 2^-37, one of 2^35, or values 2^35 apart) keep the
// one-by-one words, and the same sums.
func TestAddClearGroupPreSums(t *testing.T) {
	if lacks := missing(avx2); lacks != "" {
		t.Skipf("skipping the %s path: %s", avx2, lacks)
	}
	old := selected.Load()
	defer selected.Store(old)
	selected.Store(uint32(avx2))
	const n, tie = 32, 0x1p-13
	vs := make([][]float32, FoldGroup)
	for k := range vs {
		vs[k] = make([]float32, n)
		for i := range vs[k] {
			vs[k][i] = tie
		}
	}
	// Lanes 8-15 fail: one small value, lanes 16-23: values 2^35 apart
	// whose float64 sum would be inexact, lanes 24-31: one too large (and
	// refused).
	vs[3][8], vs[6][24] = 0x1p-38, ExactLimit
	for k := range vs {
		vs[k][16] = 0x1.000002p-21
	}
	vs[5][16] = 0x1.000002p14
	oneByOne := NewExactSum(make([]int64, 2*n))
	for _, v := range vs {
		addClearGo(oneByOne.lo, oneByOne.hi, slices.Clone(v))
	}
	got := NewExactSum(make([]int64, 2*n))
	if !got.AddClearGroup(vs, 0) {
		t.Error("a value of ExactLimit was not refused")
	}
	for i := range 8 {
		if got.lo[i] != 0 || got.hi[i] != 4 {
			t.Fatalf("element %d: words (%d, %d), want the pre-sum's (0, 4)", i, got.lo[i], got.hi[i])
		}
		if oneByOne.lo[i] != FoldGroup<<47 || oneByOne.hi[i] != 0 {
			t.Fatalf("element %d: one by one, words (%d, %d), want (2^50, 0)", i, oneByOne.lo[i], oneByOne.hi[i])
		}
	}
	// (A refusal leaves its lanes' sums meaningless: lanes 24-31 have none.)
	if i := differentSum(got, oneByOne); i >= 0 && i < 24 {
		t.Fatalf("element %d: the sums differ", i)
	}
	for i := 8; i < 24; i++ {
		if got.lo[i] != oneByOne.lo[i] || got.hi[i] != oneByOne.hi[i] {
			t.Fatalf("element %d fails the pre-sum's bounds but has words (%d, %d), want one by one's (%d, %d)",
				i, got.lo[i], got.hi[i], oneByOne.lo[i], oneByOne.hi[i])
		}
	}
}

// BenchmarkAddClearGroup times AddClearGroup on each path as the trainer
// folds a group: FoldGroup partial gradients of a 784-10-10 and a
// 784-300-10 network added a chunk of 1024 elements at a time. The
// partials are alike, as a gradient's partials of one parameter are: each
// parameter has a size, from 2^-20 to 2^6, and each partial's value is
// that times a normal draw; a tenth of the values, and every value of a
// sixth of the rows (pixels no image of the group has), are zero.
func BenchmarkAddClearGroup(b *testing.B) {
	for _, hidden := range []int{10, 300} {
		m, err := NewModel(784, hidden, 10, Sigmoid, 1)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("hidden=%d", hidden), func(b *testing.B) { benchAddClearGroup(b, m.FlatLen(), m.hp) })
	}
}

func benchAddClearGroup(b *testing.B, n, row int) {
	r := rand.New(rand.NewPCG(93, 94))
	src := make([][]float32, FoldGroup)
	for p := range src {
		src[p] = make([]float32, n)
	}
	for i := range n {
		if i/row%6 == 5 {
			continue
		}
		size := math.Pow(2, float64(r.IntN(27)-20))
		for p := range src {
			if r.IntN(10) != 0 {
				src[p][i] = float32(r.NormFloat64() * size)
			}
		}
	}
	benchFold(b, src, func(s *ExactSum, chunks [][]float32, from int) { s.AddClearGroup(chunks, from) })
}

// benchFold times fold on each path over a copy of the partials src (of
// equal lengths), a chunk of 1024 elements of every partial at a time, as
// the trainer folds, into one exact sum; it reports the time per value
// folded.
func benchFold(b *testing.B, src [][]float32, fold func(s *ExactSum, chunks [][]float32, from int)) {
	const chunk = 1024
	n := len(src[0])
	work := make([][]float32, len(src))
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
			chunks := make([][]float32, len(src))
			for b.Loop() {
				b.StopTimer()
				for i := range work {
					copy(work[i], src[i])
				}
				b.StartTimer()
				for from := 0; from < n; from += chunk {
					to := min(from+chunk, n)
					for k, v := range work {
						chunks[k] = v[from:to]
					}
					fold(s, chunks, from)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(src)*n), "ns/value")
		})
	}
}
