package kernel

import "math"

// The portable path. Each function works on the first Hidden entries only
// and leaves the padding alone (it is zero and stays zero).

// axpy adds a*x to y; len(x) >= len(y).
func axpy(y []float32, a float32, x []float32) {
	x = x[:len(y)]
	for j := range y {
		y[j] += a * x[j]
	}
}

// gatherGo adds the first layer's contribution of one sparse image to z:
// z += Σ_k table[val[k]] · W1T[idx[k]].
func gatherGo(z, w1t []float32, hp int, idx []uint16, val []uint8, table *[256]float32) {
	for k, p := range idx {
		axpy(z, table[val[k]], w1t[int(p)*hp:])
	}
}

// scatterGo adds the outer product dz1 ⊗ x of one sparse image to dW1T.
func scatterGo(dw1t []float32, hp int, dz1 []float32, idx []uint16, val []uint8, table *[256]float32) {
	for k, p := range idx {
		axpy(dw1t[int(p)*hp:][:len(dz1)], table[val[k]], dz1)
	}
}

// activateGo replaces z by act(z) and stores act'(z) in d.
func activateGo(act Activation, z, d []float32) {
	d = d[:len(z)]
	switch act {
	case Sigmoid:
		for j, v := range z {
			z[j], d[j] = sigmoidf(v)
		}
	case Tanh:
		for j, v := range z {
			z[j], d[j] = tanhf(v)
		}
	case ReLU:
		for j, v := range z {
			if v > 0 {
				d[j] = 1
			} else {
				z[j], d[j] = 0, 0
			}
		}
	}
}

// gemvGo adds W2·h to z2, where W2 has rows of stride hp and len(h) columns.
func gemvGo(z2, w2, h []float32, hp int) {
	for o := range z2 {
		row := w2[o*hp:][:len(h)]
		var s float32
		for j, v := range h {
			s += row[j] * v
		}
		z2[o] += s
	}
}

// backGo computes dz1 = (W2ᵀ·dz2) ∘ d and adds the output layer's and the
// hidden bias's gradients: dW2 += dz2 ⊗ h, db1 += dz1.
func backGo(dz1, db1, dw2, w2, dz2, h, d []float32, hp int) {
	clear(dz1)
	n := len(dz1)
	for o, g := range dz2 {
		axpy(dz1, g, w2[o*hp:])
		axpy(dw2[o*hp:o*hp+n], g, h)
	}
	for j := range dz1 {
		dz1[j] *= d[j]
		db1[j] += dz1[j]
	}
}

// The float32 exponential of Cephes' expf, as the assembly computes it:
// exp(x) = 2^n · exp(r) with n = round(x/ln2) and |r| <= ln2/2.
//
// The range is cut to 2^±64: results below 2^-64 are flushed to zero and
// arguments above 64·ln2 clamped. Values that small are irrelevant next to
// the O(1) terms they join, but left in they breed subnormal floats
// downstream (a saturated sigmoid's derivative times dh), and every
// subnormal operation costs a microcode assist: without the cut a 784-300-10
// gradient over raw pixels ran 100 times slower.
const (
	expHi  = 44.3614195558365 // 64·ln2
	expLo  = -expHi
	log2e  = 1.44269504088896341
	ln2Hi  = 0.693359375
	ln2Lo  = -2.12194440e-4
	expP0  = 1.9875691500e-4
	expP1  = 1.3981999507e-3
	expP2  = 8.3334519073e-3
	expP3  = 4.1665795894e-2
	expP4  = 1.6666665459e-1
	expP5  = 5.0000001201e-1
	expOne = 1.0
)

// expf returns e**x in float32 to about 2 ulp, flushed to 0 below 2^-64 and
// capped at 2^64.
func expf(x float32) float32 {
	if x < expLo {
		return 0
	}
	x = min(x, expHi)
	n := float32(math.Floor(float64(x*log2e) + 0.5))
	r := x - n*ln2Hi
	r -= n * ln2Lo
	p := float32(expP0)
	p = p*r + expP1
	p = p*r + expP2
	p = p*r + expP3
	p = p*r + expP4
	p = p*r + expP5
	y := p*r*r + r + expOne
	return y * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// sigmoidf returns σ(x) = 1/(1+e) with e = exp(-x), and its derivative
// σ(x)(1-σ(x)) computed as (σe)σ, which unlike σ(1-σ) keeps its relative
// precision where σ rounds to 1 (x > 17), and never underflows early.
func sigmoidf(x float32) (s, d float32) {
	e := expf(-x)
	s = 1 / (1 + e)
	return s, s * e * s
}

// tanhf returns tanh(x) and its derivative 1-tanh²(x), both through
// e = exp(-2|x|), which never overflows: tanh|x| = (1-e)q and
// 1-tanh² = 4e·q² with q = 1/(1+e), precise even where tanh rounds to ±1.
func tanhf(x float32) (t, d float32) {
	e := expf(-2 * abs32(x))
	q := 1 / (1 + e)
	t = (1 - e) * q
	d = 4 * e * q * q
	if x < 0 {
		t = -t
	}
	return t, d
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }
