package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// exactConsts are the float64 constants of addClear, each broadcast to a
// register of 64-bit lanes, and its float32 ones.
type exactConsts struct {
	hiUnit, loUnit Mem // 2^12 and 2^48: the words' units (see kernel.ExactSum)
	magic          Mem // 1.5·2^52: x + magic rounds x to an integer held in the low bits
	abs32, limit32 Mem // the float32 magnitude mask and kernel.ExactLimit, 2^35
}

func declareExactConsts(a *gen.File, v gen.Vector) *exactConsts {
	f64 := func(name string, x float64) Mem {
		bits := math.Float64bits(x)
		ws := make([]uint32, v.Lanes)
		for i := 0; i < len(ws); i += 2 {
			ws[i], ws[i+1] = uint32(bits), uint32(bits>>32)
		}
		return a.Data(name, 4, ws...)
	}
	f32 := func(name string, w uint32) Mem {
		ws := make([]uint32, v.Lanes)
		for i := range ws {
			ws[i] = w
		}
		return a.Data(name, 4, ws...)
	}
	return &exactConsts{
		hiUnit:  f64("c_exactHiUnit", 0x1p12),
		loUnit:  f64("c_exactLoUnit", 0x1p48),
		magic:   f64("c_exactMagic", 0x1.8p52),
		abs32:   f32("c_abs32", 0x7fffffff),
		limit32: f32("c_exactLimit", math.Float32bits(0x1p35)),
	}
}

// addClear emits addClearAsm, kernel.ExactSum.AddClear's loop: for lanes
// float32 values at a time, unless all are zero, check their magnitude,
// widen them to float64 in two registers and split each as exactWords
// does, with the same two roundings to nearest, then add the words to lo
// and hi and zero the values.
//
// Both roundings use the magic number M = 1.5·2^52: for |x| < 2^51,
// x + M rounds x to an integer (to nearest, ties to even, as
// math.RoundToEven does) and holds it in the low bits of its bit pattern,
// so that bits(x + M) - bits(M) is that integer as an int64 and
// (x + M) - M is it as a float64. The split is then exactly Go's:
// h = round(x·2^12), l = round((x·2^12 - h)·2^48), every other step exact.
func addClear(a *gen.File, v gen.Vector, c *exactConsts) {
	if v.Wide() {
		addClear16(a, v, c)
		return
	}
	if v.Lanes != 8 {
		panic("addClear: written for YMM registers (VEXTRACTF128)")
	}
	lo, hi, src, n := addClearFrame(a, v)
	vals, mag, refused := v.Reg(0), v.Reg(1), v.Reg(2)
	half := [2]VecPhysical{v.Reg(3), v.Reg(4)} // the lower and upper half of vals, as float64
	hiWord, rest := v.Reg(5), v.Reg(6)
	hiUnit, loUnit, magic, zero := v.Reg(7), v.Reg(8), v.Reg(9), v.Reg(10)
	a.VMOVUPD(c.hiUnit, hiUnit)
	a.VMOVUPD(c.loUnit, loUnit)
	a.VMOVUPD(c.magic, magic)
	a.VXORPS(zero, zero, zero)
	a.VXORPS(refused, refused, refused)
	words := v.Bytes() // bytes of the int64 words of half the values
	a.Label("loop")
	a.VMOVUPS(at(src, 0), vals)
	// Zero values add nothing: skipping them spares the words' round trip
	// through memory, and a partial gradient is zero wherever its images
	// have no ink (whole rows of the first layer) and in the padding.
	a.VPTEST(vals, vals)
	a.JZ(LabelRef("next"))
	// Refused: |v| ≥ 2^35, or a NaN (unordered: the predicate is "not less
	// than", true for NaN).
	a.VANDPS(c.abs32, vals, mag)
	a.VCMPPS(U8(0x15), c.limit32, mag, mag)
	a.VORPS(mag, refused, refused)
	a.VCVTPS2PD(halfOf(v, vals), half[0])
	a.VEXTRACTF128(U8(1), vals, halfOf(v, mag))
	a.VCVTPS2PD(halfOf(v, mag), half[1])
	for k, x := range half {
		a.VMULPD(hiUnit, x, x)          // x = v·2^12, exact
		a.VADDPD(magic, x, hiWord)      // x + M: round(x) in the low bits
		a.VSUBPD(magic, hiWord, rest)   // h = round(x)
		a.VSUBPD(rest, x, rest)         // x - h, exact
		a.VMULPD(loUnit, rest, rest)    // (x - h)·2^48, exact
		a.VADDPD(magic, rest, rest)     // + M: its rounding in the low bits
		a.VPSUBQ(magic, hiWord, hiWord) // the high word, as an int64
		a.VPSUBQ(magic, rest, rest)     // the low word
		a.VPADDQ(at(hi, k*words), hiWord, hiWord)
		a.VMOVDQU(hiWord, at(hi, k*words))
		a.VPADDQ(at(lo, k*words), rest, rest)
		a.VMOVDQU(rest, at(lo, k*words))
	}
	addClearNext(a, v, lo, hi, src, n, zero)
	a.VPTEST(refused, refused)
	addClearReturn(a)
}

// addClear16 emits addClearAsmZ, addClear for AVX-512: 16 values at a
// time, each half widened to 8 float64 lanes of a ZMM register. AVX512DQ's
// conversions between float64 and int64 replace the magic number: with
// round to nearest even (explicit, whatever MXCSR says), VCVTPD2QQ of x is
// the integer that the magic number's bits hold, for |x| < 2^51, and
// VCVTQQ2PD gives it back exactly as a float64 (|h| < 2^47), so the words
// are exactly exactWords' (TestAddClearAsm checks it), in fewer
// instructions. The magnitude check and the zero test write opmask
// registers.
func addClear16(a *gen.File, v gen.Vector, c *exactConsts) {
	lo, hi, src, n := addClearFrame(a, v)
	vals, mag := v.Reg(0), v.Reg(1)
	half := [2]VecPhysical{v.Reg(3), v.Reg(4)} // the lower and upper half of vals, as float64
	hiWord, rest, h := v.Reg(5), v.Reg(6), v.Reg(2)
	hiUnit, loUnit, zero := v.Reg(7), v.Reg(8), v.Reg(10)
	// refused collects the lanes refused; nonzero and big are one group's.
	refused, nonzero, big := K1, K2, K3
	a.VMOVUPD(c.hiUnit, hiUnit)
	a.VMOVUPD(c.loUnit, loUnit)
	a.VXORPS(zero, zero, zero)
	a.KXORW(refused, refused, refused)
	words := v.Bytes() // bytes of the int64 words of half the values
	a.Label("loop")
	a.VMOVUPS(at(src, 0), vals)
	// Zero values add nothing (see addClear).
	a.VPTESTMD(vals, vals, nonzero)
	a.KORTESTW(nonzero, nonzero)
	a.JZ(LabelRef("next"))
	// Refused: |v| ≥ 2^35, or a NaN ("not less than", true for NaN).
	a.VANDPS(c.abs32, vals, mag)
	a.VCMPPS(U8(0x15), c.limit32, mag, big)
	a.KORW(big, refused, refused)
	a.VCVTPS2PD(vals.AsY(), half[0])
	a.VEXTRACTF64X4(U8(1), vals, mag.AsY())
	a.VCVTPS2PD(mag.AsY(), half[1])
	for k, x := range half {
		a.VMULPD(hiUnit, x, x)         // x = v·2^12, exact
		a.VCVTPD2QQ_RN_SAE(x, hiWord)  // the high word: round(x), ties to even
		a.VCVTQQ2PD(hiWord, h)         // h = round(x), exact
		a.VSUBPD(h, x, rest)           // x - h, exact
		a.VMULPD(loUnit, rest, rest)   // (x - h)·2^48, exact
		a.VCVTPD2QQ_RN_SAE(rest, rest) // the low word: its rounding
		a.VPADDQ(at(hi, k*words), hiWord, hiWord)
		a.VMOVDQU64(hiWord, at(hi, k*words))
		a.VPADDQ(at(lo, k*words), rest, rest)
		a.VMOVDQU64(rest, at(lo, k*words))
	}
	addClearNext(a, v, lo, hi, src, n, zero)
	a.KORTESTW(refused, refused)
	addClearReturn(a)
}

// addClearFrame declares v's addClearAsm, the part of the frame both
// addClear loops share, and loads its arguments.
func addClearFrame(a *gen.File, v gen.Vector) (lo, hi, src, n GPPhysical) {
	name := v.Name("addClearAsm", 0)
	a.Func(name, "func(lo, hi *int64, v *float32, n int) (refused bool)",
		fmt.Sprintf("%s adds the n values v[0:n], n a positive multiple of %d, to the", name, v.Lanes),
		"sums lo[0:n] and hi[0:n] in ExactSum's format and zeroes them, reporting",
		"whether one was a NaN, an infinity or of ExactLimit or more (whose words",
		"are then meaningless).")
	lo, hi, src, n = RDI, RSI, RDX, RCX
	a.Load(a.Param("lo"), lo)
	a.Load(a.Param("hi"), hi)
	a.Load(a.Param("v"), src)
	a.Load(a.Param("n"), n)
	return lo, hi, src, n
}

// addClearNext zeroes the values just added (zero is a zeroed register)
// and, at "next", steps to the following ones until n, the values left,
// is 0.
func addClearNext(a *gen.File, v gen.Vector, lo, hi, src, n GPPhysical, zero VecPhysical) {
	words := v.Bytes() // bytes of the int64 words of half the values
	a.VMOVUPS(zero, at(src, 0))
	a.Label("next")
	a.ADDQ(imm(v.Bytes()), src)
	a.ADDQ(imm(2*words), hi)
	a.ADDQ(imm(2*words), lo)
	a.SUBQ(imm(v.Lanes), n)
	a.JNZ(LabelRef("loop"))
}

// addClearReturn returns whether the test just made found a refused value
// (ZF clear).
func addClearReturn(a *gen.File) {
	a.SETNE(AL)
	a.Store(AL, a.Return("refused"))
	a.VZEROUPPER()
	a.RET()
}

// halfOf returns the register of half the width of vector register r:
// the XMM of a YMM.
func halfOf(v gen.Vector, r VecPhysical) VecPhysical {
	for i := range v.Regs {
		if v.Reg(i) == r {
			return v.X(i)
		}
	}
	panic("halfOf: not a register of the file")
}
