package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// consts are the read-only data of the kernels. Each float32 or int32
// constant is broadcast to a whole register so that it can be a memory
// operand.
type consts struct {
	expHi, expLo Mem // ±64·ln2, the range of exp
	log2e        Mem
	ln2Hi, ln2Lo Mem     // ln 2 in two parts, for Cody-Waite reduction
	p            [6]Mem  // the polynomial of exp, p0 first
	one          Mem     // 1.0
	bias         Mem     // int32 127, the exponent bias
	sign         Mem     // the float32 sign bit
	minus2, four Mem     // -2.0, 4.0
	tailmask     Mem     // 16 words of all ones, then 16 zero words
	onesw        Mem     // 16 words of 1
	iota         [10]Mem // iota[o]: int32 lanes of o, to compare labels with
}

// f32bits is the bit pattern of the float32 nearest the float64 x (x is
// rounded to float64 first, as the constants always were).
func f32bits(x float64) uint32 { return math.Float32bits(float32(x)) }

// bcast declares the data name holding the 4-byte word w in every lane of
// a register of v.
func bcast(a *gen.File, v gen.Vector, name string, w uint32) Mem {
	ws := make([]uint32, v.Lanes)
	for i := range ws {
		ws[i] = w
	}
	return a.Data(name, 4, ws...)
}

// declareConsts emits the constants, each as wide as a register of v.
func declareConsts(a *gen.File, v gen.Vector) *consts {
	bcast := func(name string, w uint32) Mem { return bcast(a, v, name, w) }
	c := &consts{}
	c.expHi = bcast("c_expHi", f32bits(44.3614195558365))
	c.expLo = bcast("c_expLo", f32bits(-44.3614195558365))
	c.log2e = bcast("c_log2e", f32bits(1.44269504088896341))
	c.ln2Hi = bcast("c_ln2Hi", f32bits(0.693359375))
	c.ln2Lo = bcast("c_ln2Lo", f32bits(-2.12194440e-4))
	for i, x := range []float64{1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1} {
		c.p[i] = bcast(fmt.Sprintf("c_p%d", i), f32bits(x))
	}
	c.one = bcast("c_one", f32bits(1.0))
	c.bias = bcast("c_bias", 127)
	c.sign = bcast("c_sign", 0x80000000)
	c.minus2 = bcast("c_minus2", f32bits(-2.0))
	c.four = bcast("c_four", f32bits(4.0))

	// Loading a register's worth of words at offset 2·(16-r) of tailmask
	// keeps the first r words of a vector.
	if !v.Wide() { // AVX2's tileCount only
		mask := make([]uint32, 32)
		for i := range 16 {
			mask[i] = 0xffff
		}
		c.tailmask = a.Data("c_tailmask", 2, mask...)
		ones := make([]uint32, 16)
		for i := range ones {
			ones[i] = 1
		}
		c.onesw = a.Data("c_onesw", 2, ones...)
	}
	for o := range c.iota {
		c.iota[o] = bcast(fmt.Sprintf("c_iota%d", o), uint32(o))
	}
	return c
}

// expMask is the opmask register of AVX-512's exp.
var expMask = K1

// exp replaces x by exp(x), lane by lane, as expf in generic.go computes
// it: zero below -64·ln2, capped at 2^64. It clobbers t1, t2 and t3 (for
// AVX-512, expMask instead of t3).
// Cody-Waite reduction x = k·ln2 + r with k = round(x·log2e), a degree-5
// polynomial for exp(r), and 2^k built in the exponent bits.
func exp(a *gen.File, v gen.Vector, c *consts, x, t1, t2, t3 VecPhysical) {
	if v.Wide() {
		a.VCMPPS(U8(0x0D), c.expLo, x, expMask) // the lanes that survive
	} else {
		a.VCMPPS(U8(0x0D), c.expLo, x, t3) // t3 = x ≥ expLo: the lanes that survive
	}
	a.VMINPS(c.expHi, x, x)
	a.VMULPS(c.log2e, x, t1)
	if v.Wide() {
		a.VRNDSCALEPS(U8(0), t1, t1) // k, rounded to nearest even as VROUNDPS does
	} else {
		a.VROUNDPS(U8(0), t1, t1) // k
	}
	a.VFNMADD231PS(c.ln2Hi, t1, x)
	a.VFNMADD231PS(c.ln2Lo, t1, x) // r
	a.VMOVUPS(c.p[0], t2)
	for _, p := range c.p[1:] {
		a.VFMADD213PS(p, x, t2)
	}
	a.VMULPS(x, t2, t2)
	a.VFMADD213PS(x, x, t2)
	a.VADDPS(c.one, t2, t2) // exp(r)
	a.VCVTPS2DQ(t1, t1)
	a.VPADDD(c.bias, t1, t1)
	a.VPSLLD(U8(23), t1, t1) // 2^k
	if v.Wide() {
		a.VMULPS_Z(t1, t2, expMask, x) // zero where masked off
		return
	}
	a.VMULPS(t1, t2, x)
	a.VANDPS(t3, x, x)
}
