package kernel

import (
	"fmt"
	"math"
)

// ExactSum holds a vector of sums in a fixed-point format that makes
// addition exact, and therefore associative: adding the same values in any
// order, in any grouping, in any number of ExactSums added together in turn
// (by goroutines, or by processes through an MPI integer sum), gives the
// same sums, which [ExactSum.Float64] converts to the same bits. That is what lets the trainer divide a gradient's
// micro-shards among any number of workers and machines and still get one
// result to the bit.
//
// Each value is rounded once, on the way in, to a multiple of 2^-60, and
// then held exactly as two 64-bit words: a high word counting units of
// 2^-12 and a low word counting units of 2^-60, so that an element's sum is
// hi·2^-12 + lo·2^-60. Values are split by rounding to nearest (ties to
// even): hi = round(v·2^12) and lo = round((v·2^12 - hi)·2^48), which makes
// |lo| ≤ 2^47 and, for the values accepted (|v| < ExactLimit = 2^35),
// |hi| < 2^47. Each word therefore has 16 bits of headroom: up to 65,535
// values can be added into one element before a word could overflow.
//
// An ExactSum lives in a caller's []int64 of 2n words, the low words of
// the n elements first and then the high words, so that a whole vector can
// be summed across processes as plain integers.
type ExactSum struct {
	lo, hi []int64
}

// ExactLimit bounds the magnitude of the values an ExactSum takes: a NaN,
// an infinity or a value of ExactLimit or more is refused (and reported) by
// AddClear and AddFloat64. Gradients that large mean training has
// diverged.
const ExactLimit = 1 << 35

// Scale factors of the fixed-point format.
const (
	exactHiUnit = 0x1p12 // units of the high word per 1
	exactLoUnit = 0x1p48 // units of the low word per unit of the high word
)

// NewExactSum returns an ExactSum of len(words)/2 elements over words, which
// must have even length and hold zeros or the words of an ExactSum.
func NewExactSum(words []int64) *ExactSum {
	if len(words)%2 != 0 {
		panic(fmt.Sprintf("kernel: NewExactSum: %d words, want an even number", len(words)))
	}
	n := len(words) / 2
	return &ExactSum{lo: words[:n:n], hi: words[n:]}
}

// Len returns the number of elements.
func (s *ExactSum) Len() int { return len(s.lo) }

// AddClear adds v[k] to element at+k for every k and then zeroes v, which
// readies a partial gradient for its next use in the same pass. It reports
// whether some value was a NaN, an infinity or of ExactLimit or more; such
// values are not added, and the sums are no longer those of the values
// given: they are meaningless from then on. It panics if v does not fit
// within the elements from at.
func (s *ExactSum) AddClear(v []float32, at int) (refused bool) {
	lo, hi := s.lo[at:at+len(v)], s.hi[at:at+len(v)]
	n := 0
	// Every path gives the same words (the sums are exact), so AddClear
	// runs the assembly of the path selected now, a register of values at
	// a time.
	switch p := current(); {
	case p == avx512 && len(v) >= 16:
		n = len(v) &^ 15
		refused = addClearAsmZ(&lo[0], &hi[0], &v[0], n)
	case p != generic && len(v) >= 8:
		n = len(v) &^ 7
		refused = addClearAsm(&lo[0], &hi[0], &v[0], n)
	}
	return addClearGo(lo[n:], hi[n:], v[n:]) || refused
}

// FoldGroup is the number of partials that [ExactSum.AddClearGroup] adds
// in one pass of the assembly.
const FoldGroup = 8

// AddClearGroup adds the values of every partial in vs to the elements from
// at, as [ExactSum.AddClear] adds each, and zeroes them; the partials must
// have the same length. It reports whether some value was refused. A group
// of [FoldGroup] partials is added in one pass of the assembly, which sums
// their words in registers and so reads and writes the sums' memory once
// instead of once per partial: those loads and stores were a third of the
// time of adding the partials one at a time.
//
// On the AVX2 path the pass first adds a register's values of all the
// partials in float64, and splits that sum into words once, rather than
// each value: where every non-zero value of a lane is a multiple of 2^-60
// below ExactLimit and their exponents lie within 26 of each other, the
// float64 sum is exact, and a partial gradient's values of one parameter
// almost always are. Lanes that are not go value by value. The sums are
// the same either way, but a pre-sum may hold them in other words (a
// carry of the low word may sit in the high one); [ExactSum.Float64]
// gives every way of holding a sum the same float64.
func (s *ExactSum) AddClearGroup(vs [][]float32, at int) (refused bool) {
	if len(vs) != FoldGroup {
		for _, v := range vs {
			refused = s.AddClear(v, at) || refused
		}
		return refused
	}
	n := len(vs[0])
	for _, v := range vs[1:] {
		if len(v) != n {
			panic(fmt.Sprintf("kernel: AddClearGroup: partials of %d and %d values", n, len(v)))
		}
	}
	lo, hi := s.lo[at:at+n], s.hi[at:at+n]
	done := 0
	switch p := current(); {
	case p == avx512 && n >= 16:
		done = n &^ 15
		refused = addClear8AsmZ(&lo[0], &hi[0], &vs[0][0], &vs[1][0], &vs[2][0], &vs[3][0], &vs[4][0], &vs[5][0], &vs[6][0], &vs[7][0], done)
	case p != generic && n >= 8:
		done = n &^ 7
		refused = addClear8Asm(&lo[0], &hi[0], &vs[0][0], &vs[1][0], &vs[2][0], &vs[3][0], &vs[4][0], &vs[5][0], &vs[6][0], &vs[7][0], done)
	}
	for _, v := range vs {
		refused = addClearGo(lo[done:], hi[done:], v[done:n]) || refused
	}
	return refused
}

// addClearGo is AddClear in Go, over equal lengths.
func addClearGo(lo, hi []int64, v []float32) (refused bool) {
	lo, hi = lo[:len(v)], hi[:len(v)]
	for k, f := range v {
		if math.Float32bits(f) == 0 { // -0 goes on, to be zeroed as the assembly zeroes it
			continue
		}
		l, h, ok := exactWords(float64(f))
		if !ok {
			refused = true
		} else {
			lo[k] += l
			hi[k] += h
		}
		v[k] = 0
	}
	return refused
}

// AddFloat64 adds v to element i, rounded to a multiple of 2^-60 as every
// value is, and reports whether it was refused (see AddClear).
func (s *ExactSum) AddFloat64(i int, v float64) (refused bool) {
	l, h, ok := exactWords(v)
	if !ok {
		return true
	}
	s.lo[i] += l
	s.hi[i] += h
	return false
}

// exactWords returns the low and high words of v, or ok false for a value the
// format refuses. Every step but the two roundings is exact.
func exactWords(v float64) (lo, hi int64, ok bool) {
	x := v * exactHiUnit
	if !(math.Abs(x) < ExactLimit*exactHiUnit) {
		return 0, 0, false
	}
	h := math.RoundToEven(x)
	return int64(math.RoundToEven((x - h) * exactLoUnit)), int64(h), true
}

// Add adds elements from ≤ i < to of o to s and zeroes them in o.
func (s *ExactSum) Add(o *ExactSum, from, to int) {
	addClearWords(s.lo[from:to], o.lo[from:to])
	addClearWords(s.hi[from:to], o.hi[from:to])
}

// addClearWords adds src to dst and zeroes src.
func addClearWords(dst, src []int64) {
	dst = dst[:len(src)]
	for k, w := range src {
		dst[k] += w
	}
	clear(src)
}

// Clear zeroes elements from ≤ i < to.
func (s *ExactSum) Clear(from, to int) {
	clear(s.lo[from:to])
	clear(s.hi[from:to])
}

// Float64 writes to dst[k] the sum of element from+k, rounded to float64
// (correctly, unless the sum exceeds 2^41, where the high word alone has
// more bits than a float64), for every k.
func (s *ExactSum) Float64(dst []float64, from int) {
	lo, hi := s.lo[from:from+len(dst)], s.hi[from:from+len(dst)]
	for k := range dst {
		dst[k] = exactValue(lo[k], hi[k])
	}
}

// At returns the sum of element i, rounded to float64 as Float64 rounds it.
func (s *ExactSum) At(i int) float64 { return exactValue(s.lo[i], s.hi[i]) }

// exactValue is the float64 of the sum with words lo and hi. It first moves
// the low word's carries into the high word, leaving lo in [-2^47, 2^47),
// so that equal sums held in different words convert alike.
func exactValue(lo, hi int64) float64 {
	const half = 1 << 47
	carry := (lo + half) >> 48
	lo -= carry << 48
	hi += carry
	return float64(hi)/exactHiUnit + float64(lo)/(exactHiUnit*exactLoUnit)
}
