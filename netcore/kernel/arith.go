package kernel

import "math"

// The operations of the one arithmetic (docs/ARITHMETIC.md) in portable Go:
// each does exactly what the vector instruction it stands for does to one
// lane, so that the portable path gives the assembly's bits on every
// architecture. Go may fuse x*y+z into one multiply-add wherever no
// explicit conversion forbids it (it does on arm64, ppc64, s390x and with
// GOAMD64=v3), so every product below that meets an addition is wrapped in
// a conversion, and the fused operations are written out as fma32.

// fma32 returns a·b+c rounded once to float32, as VFMADD231PS computes it.
//
// The product of two float32 values is exact in float64 (24+24 bits), so
// the float64 sum s = a·b+c has one rounding, and float32(s) a second.
// The two roundings give the correctly rounded result unless s lands
// exactly on a midpoint between two float32 values while the exact sum
// does not (rounding to nearest is monotonic, and every float32 midpoint
// is a float64): then fma32Exact decides. Results in float32's subnormal
// range, whose midpoints lie elsewhere, go there too. So the common case
// costs a multiplication, an addition and a test of the low bits.
// (float32(math.FMA(a, b, c)) would round twice on every path.)
func fma32(a, b, c float32) float32 {
	p := float64(float64(a) * float64(b)) // exact
	s := p + float64(c)
	if roundsTwice(s) {
		return fma32Exact(p, float64(c))
	}
	return float32(s)
}

// roundsTwice reports whether float32(s), for a float64 sum s of a float32
// product and a float32, may differ from the float32 rounding of the exact
// sum: s lies exactly on a midpoint between float32 values (its 29 low
// bits are 1 then zeros), or in float32's subnormal range. A zero s is
// exact (a float64 sum of a float32 product and a float32 rounds to zero
// only when it is zero), and its sign follows the rule a fused
// multiply-add's does, so zeros, common where a delta or a gradient is
// zero, take the fast path.
//
// The test is two comparisons: bits<<1 drops the sign, and bits<<1 - 1 is
// below (1023-126)<<53 - 1, unsigned, exactly when the exponent is below
// float32's least normal one and s is not a zero (whose bits<<1 - 1 wraps
// around to the largest value).
func roundsTwice(s float64) bool {
	bits := math.Float64bits(s)
	return bits<<1-1 < (1023-126)<<53-1 || bits&(1<<29-1) == 1<<28
}

// fma32Exact is roundSum32 out of line: fma32's slow case, which would
// otherwise swell every loop fma32 is inlined into.
//
//go:noinline
func fma32Exact(p, c float64) float32 { return roundSum32(p, c) }

// roundSum32 returns p+c correctly rounded to float32, for a product p of
// two float32 values (exact in float64) and a float32 c. TwoSum gives the
// error of s = p + c rounded to float64, and an inexact s is moved to its
// neighbour with an odd last bit (round to odd) before the conversion:
// rounding to odd in float64's 53 bits and then to nearest in float32's
// 24 gives the correctly rounded result, since 53 ≥ 2·24+2. It is small
// enough to inline, which the pixel loops (portable_blocks.go) need of
// their cold paths: a call there would make the compiler spill the chains
// it keeps in registers.
func roundSum32(p, c float64) float32 {
	s := p + c
	bv := s - p
	e := (p - (s - bv)) + (c - bv)
	bits := math.Float64bits(s)
	if e != 0 && s-s == 0 && bits&1 == 0 { // inexact, finite and even
		if (e > 0) == (s > 0) {
			bits++ // away from zero, toward the exact sum
		} else {
			bits--
		}
	}
	return float32(math.Float64frombits(bits))
}

// mul32 returns a·b rounded to float32, as VMULPS does. The conversion
// keeps Go from fusing the product into an addition that follows.
func mul32(a, b float32) float32 { return float32(a * b) }

// maxps returns a if a > b, else b: VMAXPS's rule, which gives the second
// operand for NaNs and for equal values (+0 and -0 included).
func maxps(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}

// The constants of exp, as the assembly holds them (see consts.go in
// _asm/kernel): each the float32 nearest its float64 value.
var (
	expHi32 = math.Float32frombits(0x42317218) // 64·ln2
	expLo32 = math.Float32frombits(0xc2317218) // -64·ln2
	log2e32 = math.Float32frombits(0x3fb8aa3b)
	ln2Hi32 = math.Float32frombits(0x3f318000)
	ln2Lo32 = math.Float32frombits(0xb95e8083)
	expP32  = [6]float32{
		math.Float32frombits(0x39506967), math.Float32frombits(0x3ab743ce),
		math.Float32frombits(0x3c088908), math.Float32frombits(0x3d2aa9c1),
		math.Float32frombits(0x3e2aaaaa), math.Float32frombits(0x3f000000),
	}
)

// expf returns e**x in float32 to about 2 ulp, as the assembly's exp
// computes it: x = k·ln2 + r with k = x·log2e rounded to nearest even,
// Cody-Waite reduction by two fused multiply-adds, a degree-5 polynomial
// in Horner's form, and 2^k built in the exponent bits.
//
// The range is cut to 2^±64: results below 2^-64 (and NaN arguments) give
// zero, arguments above 64·ln2 are clamped. Values that small are
// irrelevant next to the O(1) terms they join, but left in they breed
// subnormal floats downstream (a saturated sigmoid's derivative times dh),
// and every subnormal operation costs a microcode assist: without the cut
// a 784-300-10 gradient over raw pixels ran 100 times slower.
func expf(x float32) float32 {
	if !(x >= expLo32) { // VCMPPS greater-or-equal, false for NaN
		return 0
	}
	if !(x < expHi32) { // VMINPS(x, hi): hi unless x < hi
		x = expHi32
	}
	k := float32(math.RoundToEven(float64(mul32(x, log2e32))))
	r := fma32(-k, ln2Hi32, x)
	r = fma32(-k, ln2Lo32, r)
	p := expP32[0]
	for _, c := range expP32[1:] {
		p = fma32(p, r, c)
	}
	p = mul32(p, r)
	p = fma32(p, r, r)
	p += 1
	return mul32(p, math.Float32frombits(uint32(int32(k)+127)<<23))
}

// fmaTry returns fma32(a, b, c) and true where fma32's fast case applies,
// and false where it does not; it inlines into loops, which call fma32 only
// in the second case.
func fmaTry(a, b, c float32) (float32, bool) {
	s := float64(float64(a)*float64(b)) + float64(c)
	return float32(s), !roundsTwice(s)
}

// expChunk is the number of values expfs takes at a time.
const expChunk = 16

// expfs replaces each x[i] by expf(x[i]), bit for bit. It takes the values
// expChunk at a time and each step of expf for all of them before the
// next, so that their chains of fused multiply-adds, each waiting on the
// last, overlap.
func expfs(x []float32) {
	var k, r, p [expChunk]float32
	for len(x) > 0 {
		v := x[:min(len(x), expChunk)]
		x = x[len(v):]
		k, r, p := k[:len(v)], r[:len(v)], p[:len(v)]
		for i, xi := range v {
			if !(xi >= expLo32) { // zero, below: a value that leaves the others alone
				xi = 0
			}
			if !(xi < expHi32) {
				xi = expHi32
			}
			r[i] = xi
			k[i] = float32(math.RoundToEven(float64(mul32(xi, log2e32))))
		}
		for i, ki := range k {
			y, ok := fmaTry(-ki, ln2Hi32, r[i])
			if !ok {
				y = fma32(-ki, ln2Hi32, r[i])
			}
			r[i] = y
		}
		for i, ki := range k {
			y, ok := fmaTry(-ki, ln2Lo32, r[i])
			if !ok {
				y = fma32(-ki, ln2Lo32, r[i])
			}
			r[i] = y
			p[i] = expP32[0]
		}
		for _, c := range expP32[1:] {
			for i, ri := range r {
				y, ok := fmaTry(p[i], ri, c)
				if !ok {
					y = fma32(p[i], ri, c)
				}
				p[i] = y
			}
		}
		for i, ri := range r {
			pi := mul32(p[i], ri)
			y, ok := fmaTry(pi, ri, ri)
			if !ok {
				y = fma32(pi, ri, ri)
			}
			y = mul32(y+1, math.Float32frombits(uint32(int32(k[i])+127)<<23))
			if !(v[i] >= expLo32) {
				y = 0
			}
			v[i] = y
		}
	}
}

// sigmoidf returns σ(x) = 1/(1+e) with e = exp(-x), and its derivative
// σ(x)(1-σ(x)) computed as (σe)σ, which unlike σ(1-σ) keeps its relative
// precision where σ rounds to 1 (x > 17), and never underflows early.
func sigmoidf(x float32) (s, d float32) { return sigmoidOf(expf(-x)) }

// sigmoidOf is sigmoidf's result from e = exp(-x).
func sigmoidOf(e float32) (s, d float32) {
	s = 1 / (e + 1)
	return s, mul32(mul32(e, s), s)
}

// tanhf returns tanh(x) and its derivative 1-tanh²(x), both through
// e = exp(-2|x|), which never overflows: tanh|x| = (1-e)q and
// 1-tanh² = ((4e)q)q with q = 1/(1+e), precise even where tanh rounds to
// ±1. The sign is x's sign bit, as the assembly ORs it in (so tanh(-0) is
// -0).
func tanhf(x float32) (t, d float32) { return tanhOf(expf(tanhExpArg(x)), x) }

// tanhExpArg returns -2|x|, the argument of tanhf's exponential.
func tanhExpArg(x float32) float32 { return mul32(abs32(x), -2) }

// tanhOf is tanhf's result from e = exp(-2|x|).
func tanhOf(e, x float32) (t, d float32) {
	q := 1 / (e + 1)
	t = mul32(1-e, q)
	t = math.Float32frombits(math.Float32bits(t) | math.Float32bits(x)&(1<<31))
	d = mul32(mul32(mul32(e, 4), q), q)
	return t, d
}

// reluf returns max(x, 0) and its step function, both zero unless x > 0
// (a NaN gives zeros, as the assembly's ordered compare does).
func reluf(x float32) (h, d float32) {
	if x > 0 {
		return x, 1
	}
	return 0, 0
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// logf64 is the natural logarithm of FreeBSD's e_log.c, as the pure Go
// math.Log computes it, with every product that meets an addition
// converted explicitly so that no architecture fuses it: math.Log itself
// is assembly on amd64 and fused Go elsewhere, and the cost it measures
// must be the same everywhere. x must be positive and finite.
func logf64(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01 // 3fe62e42 fee00000
		ln2Lo = 1.90821492927058770002e-10 // 3dea39ef 35793c76
		l1    = 6.666666666666735130e-01   // 3FE55555 55555593
		l2    = 3.999999999940941908e-01   // 3FD99999 9997FA04
		l3    = 2.857142874366239149e-01   // 3FD24924 94229359
		l4    = 2.222219843214978396e-01   // 3FCC71C5 1D8E78AF
		l5    = 1.818357216161805012e-01   // 3FC74664 96CB03DE
		l6    = 1.531383769920937332e-01   // 3FC39A09 D078C69F
		l7    = 1.479819860511658591e-01   // 3FC2F112 DF3E5244
	)
	f1, ki := math.Frexp(x)
	if f1 < math.Sqrt2/2 {
		f1 *= 2
		ki--
	}
	f := f1 - 1
	k := float64(ki)
	s := f / (2 + f)
	s2 := float64(s * s)
	s4 := float64(s2 * s2)
	t1 := float64(s2 * (l1 + float64(s4*(l3+float64(s4*(l5+float64(s4*l7)))))))
	t2 := float64(s4 * (l2 + float64(s4*(l4+float64(s4*l6)))))
	r := t1 + t2
	hfsq := float64(float64(0.5*f) * f)
	return float64(k*ln2Hi) - ((hfsq - (float64(s*(hfsq+r)) + float64(k*ln2Lo))) - f)
}
