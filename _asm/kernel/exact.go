package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// exactConsts are the constants of addClear, each broadcast to a
// register: the magic numbers of the YMM splitter, the float32 units of the
// ZMM one, and the float32 magnitude check of both.
type exactConsts struct {
	magicHi, magicLo Mem // 1.5·2^40 and 1.5·2^-8 (see splitter8)
	hiUnit, loUnit   Mem // 2^12 and 2^48: the words' units (see kernel.ExactSum)
	abs32, limit32   Mem // the float32 magnitude mask and kernel.ExactLimit, 2^35

	// The YMM group's pre-sum bounds on the float32 exponent fields of a
	// lane's non-zero values (see preSum): the smallest allowed, the largest
	// allowed and the largest spread.
	preSumMinExp, preSumMaxExp, preSumSpread Mem
}

// The exact sum's constants, which kernel.ExactSum defines too; the tables
// file asserts at compile time that the two agree (tablesSrc).
const (
	exactLimit  = 0x1p35 // kernel.ExactLimit: the magnitudes refused from here on
	exactHiUnit = 0x1p12 // kernel's exactHiUnit: units of the high word per 1
	exactLoUnit = 0x1p48 // kernel's exactLoUnit: units of the low word per unit of the high word
)

func declareExactConsts(a *gen.File, v gen.Vector) *exactConsts {
	f64 := func(name string, x float64) Mem {
		bits := math.Float64bits(x)
		ws := make([]uint32, v.Lanes)
		for i := 0; i < len(ws); i += 2 {
			ws[i], ws[i+1] = uint32(bits), uint32(bits>>32)
		}
		return a.Data(name, 4, ws...)
	}
	f32 := func(name string, w uint32) Mem { return bcast(a, v, name, w) }
	c := &exactConsts{
		abs32:   f32("c_abs32", 0x7fffffff),
		limit32: f32("c_exactLimit", math.Float32bits(exactLimit)),
	}
	if v.Wide() {
		c.hiUnit = f32("c_exactHiUnit", math.Float32bits(exactHiUnit))
		c.loUnit = f32("c_exactLoUnit", math.Float32bits(exactLoUnit))
	} else {
		c.magicHi = f64("c_exactMagicHi", 0x1.8p40)
		c.magicLo = f64("c_exactMagicLo", 0x1.8p-8)
		c.preSumMinExp = f32("c_preSumMinExp", preSumMinExp)
		c.preSumMaxExp = f32("c_preSumMaxExp", preSumMaxExp)
		c.preSumSpread = f32("c_preSumSpread", preSumSpread)
	}
	return c
}

// addClear emits addClearAsm, kernel.ExactSum.AddClear's loop over one
// partial gradient, and addClear8Asm, the same over a group of partials at
// once (kernel.ExactSum.AddClearGroup): for lanes float32 values at a
// time, of each partial in turn unless all are zero, check their
// magnitude, split them into their two words, and add those to lo and hi,
// then zero the values. The group's words are summed in registers, so the
// sums' memory is read and written once for all of them instead of once
// per partial: those loads and stores were a third of the time of adding
// the partials one at a time.
func addClear(a *gen.File, v gen.Vector, c *exactConsts) {
	for _, parts := range []int{1, foldParts} {
		addClearParts(a, v, c, parts)
	}
}

// foldParts is how many partials the group function (addClear8Asm) takes:
// kernel.FoldGroup, the group the trainer folds. Eight halve the sums'
// traffic again against four, which measured 11% faster on AVX-512 and
// the same on AVX2, whose splitting of the words, not memory, bounds it.
const foldParts = 8

// wordSplitter emits, for the vals register just checked, the words of
// its lanes: a call of add for each word register with its slot, 0 and 1
// for the high words of the lower and upper half of the lanes, 2 and 3
// for their low words. Its registers are the splitter's own.
type wordSplitter func(vals VecPhysical, add func(word VecPhysical, slot int))

// addClearParts emits the loop of addClear over parts partials.
func addClearParts(a *gen.File, v gen.Vector, c *exactConsts, parts int) {
	lo, hi, src, n := addClearFrame(a, v, parts)
	vals, zero := v.Reg(0), v.Reg(10)
	var split wordSplitter
	var testZero func(skip string)
	var returnRefused func()
	if v.Wide() {
		split, testZero, returnRefused = splitter16(a, v, c, vals)
	} else {
		split, testZero, returnRefused = splitter8(a, v, c, vals)
	}
	a.VXORPS(zero, zero, zero)
	words := v.Bytes() // bytes of the int64 words of half the values
	// The four word registers' places in memory.
	slots := [4]Mem{at(hi, 0), at(hi, words), at(lo, 0), at(lo, words)}
	var acc [4]VecPhysical // parts > 1: the words of the parts so far
	touched := R11         // parts > 1: 1 if some part was not all zero
	for i := range acc {
		acc[i] = v.Reg(11 + i)
	}
	a.Label("loop")
	if parts > 1 && !v.Wide() {
		preSum(a, v, c, src, slots, zero, "slow", "next")
		a.Label("slow")
	}
	if parts > 1 {
		for _, r := range acc {
			if v.Wide() {
				a.VPXORQ(r, r, r)
			} else {
				a.VPXOR(r, r, r)
			}
		}
		a.XORL(touched.As32(), touched.As32())
	}
	for p := range parts {
		skip := fmt.Sprintf("part%d", p+1)
		if parts == 1 {
			skip = "next"
		}
		a.VMOVUPS(at(src[p], 0), vals)
		// Zero values add nothing: skipping them spares the words' round
		// trip through memory, and a partial gradient is zero wherever its
		// images have no ink (whole rows of the first layer) and in the
		// padding.
		testZero(skip)
		split(vals, func(word VecPhysical, slot int) {
			if parts == 1 {
				a.VPADDQ(slots[slot], word, word)
				movWords(a, v, word, slots[slot])
			} else {
				a.VPADDQ(word, acc[slot], acc[slot])
			}
		})
		a.VMOVUPS(zero, at(src[p], 0))
		if parts > 1 {
			a.MOVL(U32(1), touched.As32())
			a.Label(skip)
		}
	}
	if parts > 1 {
		a.TESTL(touched.As32(), touched.As32())
		a.JZ(LabelRef("next"))
		for i, r := range acc {
			a.VPADDQ(slots[i], r, r)
			movWords(a, v, r, slots[i])
		}
	}
	a.Label("next")
	for _, r := range src {
		a.ADDQ(imm(v.Bytes()), r)
	}
	a.ADDQ(imm(2*words), hi)
	a.ADDQ(imm(2*words), lo)
	a.SUBQ(imm(v.Lanes), n)
	a.JNZ(LabelRef("loop"))
	returnRefused()
	a.SETNE(AL)
	a.Store(AL, a.Return("refused"))
	a.VZEROUPPER()
	a.RET()
}

// movWords stores the int64 words of register r at m.
func movWords(a *gen.File, v gen.Vector, r VecPhysical, m Mem) {
	if v.Wide() {
		a.VMOVDQU64(r, m)
	} else {
		a.VMOVDQU(r, m)
	}
}

// splitter8 returns addClear's word splitter for YMM registers, its zero
// test and the test of its refusals (ZF clear if one was refused). It
// widens 8 values to float64 in two registers and splits each as
// exactWords does, with the same two roundings to nearest, by magic
// numbers: for a magic number M = 1.5·2^k and |x| < 2^(k-1), x + M lies in
// [2^k, 2^(k+1)), where float64's last place is 2^(k-52), so the addition
// rounds x to a multiple of 2^(k-52) (to nearest, ties to even, as
// math.RoundToEven does), (x + M) - M is that multiple, and
// bits(x + M) - bits(M) counts it in units of 2^(k-52) as an int64. With
//
//   - M_hi = 1.5·2^40 (units of 2^-12, |v| < 2^39): the high word
//     round(v·2^12), and h = round(v·2^12)·2^-12;
//   - M_lo = 1.5·2^-8 (units of 2^-60, |v - h| ≤ 2^-13 < 2^-9): the low
//     word round((v - h)·2^60),
//
// the words are exactWords' (v - h is exact) without scaling v at all.
func splitter8(a *gen.File, v gen.Vector, c *exactConsts, vals VecPhysical) (wordSplitter, func(string), func()) {
	if v.Lanes != 8 {
		panic("splitter8: written for YMM registers (VEXTRACTF128)")
	}
	mag, refused := v.Reg(1), v.Reg(2)
	half := [2]VecPhysical{v.Reg(3), v.Reg(4)} // the lower and upper half of vals, as float64
	hiWord, rest := v.Reg(5), v.Reg(6)
	magicHi, magicLo := v.Reg(7), v.Reg(8)
	a.VMOVUPD(c.magicHi, magicHi)
	a.VMOVUPD(c.magicLo, magicLo)
	a.VXORPS(refused, refused, refused)
	testZero := func(skip string) {
		a.VPTEST(vals, vals)
		a.JZ(LabelRef(skip))
	}
	split := func(vals VecPhysical, add func(VecPhysical, int)) {
		// Refused: |v| ≥ 2^35, or a NaN (unordered: the predicate is "not
		// less than", true for NaN).
		a.VANDPS(c.abs32, vals, mag)
		a.VCMPPS(U8(0x15), c.limit32, mag, mag)
		a.VORPS(mag, refused, refused)
		a.VCVTPS2PD(vals.AsX(), half[0])
		a.VEXTRACTF128(U8(1), vals, mag.AsX())
		a.VCVTPS2PD(mag.AsX(), half[1])
		for k, x := range half {
			splitWords64(a, x, hiWord, rest, magicHi, magicLo)
			add(hiWord, k)
			add(rest, 2+k)
		}
	}
	return split, testZero, func() { a.VPTEST(refused, refused) }
}

// splitWords64 emits splitter8's split of the float64 values x (each of
// magnitude below 2^39) into their high words, left in hiWord, and low
// words, left in rest, with the magic numbers in magicHi and magicLo.
func splitWords64(a *gen.File, x, hiWord, rest, magicHi, magicLo VecPhysical) {
	a.VADDPD(magicHi, x, hiWord)      // v + M_hi: round(v·2^12) in the low bits
	a.VSUBPD(magicHi, hiWord, rest)   // h
	a.VSUBPD(rest, x, rest)           // v - h, exact
	a.VADDPD(magicLo, rest, rest)     // + M_lo: round((v - h)·2^60) in the low bits
	a.VPSUBQ(magicHi, hiWord, hiWord) // the high word, as an int64
	a.VPSUBQ(magicLo, rest, rest)     // the low word
}

// The pre-sum's bounds on float32 exponent fields (biased by 127), for
// foldParts values of a lane (see preSum).
const (
	// preSumMinExp is the field of 2^-37: a value from there up is a
	// multiple of 2^-60, so the format's rounding leaves it as it is.
	preSumMinExp = 127 - 37
	// preSumMaxExp is the largest field below kernel.ExactLimit, 2^35:
	// larger values, infinities and NaNs are left to the value-by-value
	// loop, which refuses them.
	preSumMaxExp = 127 + 34
	// preSumSpread is the largest difference of fields for which a float64
	// holds every partial sum exactly: with the fields in [e, e+d], the
	// values are multiples of 2^(e-150) below 2^(e+d-126), so a sum of
	// 2^3 of them is below 2^(d+27) units, which 53 bits hold while
	// d ≤ 26.
	preSumSpread = 53 - 24 - 3
)

// preSum emits the fast way of addClear8Asm's loop body on YMM registers:
// the eight partials' values of a register are added in float64 first,
// and only their sum is split into words, once instead of eight times.
// That sum is exact, and so are its words, when every non-zero value of a
// lane is a multiple of 2^-60 that the format accepts and the values'
// exponents differ little (the preSum constants); a partial gradient's
// values of one parameter are of one size, so that holds for most lanes
// (EXPERIMENTS.md, session 9). The words then hold the same sums as the
// values' own words would, though maybe split differently between the two
// words, which kernel.ExactSum's conversion does not see. It reads each
// partial's register (at src, which the loop advances) to check the
// bounds, and jumps to slow, which must start the value-by-value body,
// where a lane fails them or every value is ±0 (the slow loop skips zero
// partials, and zeroes -0); else it reads them again to widen and add
// them, adds the sums' words to slots, zeroes the partials and jumps to
// next.
func preSum(a *gen.File, v gen.Vector, c *exactConsts, src []GPPhysical, slots [4]Mem, zero VecPhysical, slow, next string) {
	if v.Wide() || len(src) != 1<<3 {
		panic("preSum: written for eight partials in YMM registers")
	}
	abs, absMask := v.Reg(1), v.Reg(15)
	half := [2]VecPhysical{v.Reg(3), v.Reg(4)}
	t := half[0] // once the values are summed
	hiWord, rest := v.Reg(5), v.Reg(6)
	magicHi, magicLo := v.Reg(7), v.Reg(8)
	// maxAbs and minAbs: the lanes' largest magnitude, and their smallest
	// non-zero one less 1, as uint32 bits (zero wraps around to the
	// largest); sums: the float64 sums of the lower and upper four lanes.
	maxAbs, minAbs, ones := v.Reg(9), v.Reg(14), v.Reg(13)
	sums := [2]VecPhysical{v.Reg(11), v.Reg(12)}
	a.VMOVUPS(c.abs32, absMask)
	a.VPXOR(maxAbs, maxAbs, maxAbs)
	a.VPCMPEQD(ones, ones, ones)
	a.VMOVDQU(ones, minAbs)
	for _, s := range sums {
		a.VXORPD(s, s, s)
	}
	// The bounds first, so that a register that fails them costs little.
	for _, r := range src {
		a.VANDPS(at(r, 0), absMask, abs)
		a.VPMAXUD(abs, maxAbs, maxAbs)
		a.VPADDD(ones, abs, abs)
		a.VPMINUD(abs, minAbs, minAbs)
	}
	a.VPTEST(maxAbs, maxAbs)
	a.JZ(LabelRef(slow))
	// The exponent fields: of the largest magnitude, and of the smallest
	// (one less if its mantissa is zero, which only tightens the bounds);
	// a lane of zeros has 511 for the smallest and 0 for the largest, and
	// passes.
	a.VPSRLD(U8(23), maxAbs, maxAbs)
	a.VPSRLD(U8(23), minAbs, minAbs)
	a.VPCMPGTD(c.preSumMaxExp, maxAbs, abs) // too large, infinite or NaN
	a.VPSUBD(minAbs, maxAbs, t)
	a.VPCMPGTD(c.preSumSpread, t, t) // too far apart
	a.VPOR(t, abs, abs)
	a.VMOVDQU(c.preSumMinExp, t)
	a.VPCMPGTD(minAbs, t, t) // too small to be a multiple of 2^-60
	a.VPOR(t, abs, abs)
	a.VPTEST(abs, abs)
	a.JNZ(LabelRef(slow))
	for _, r := range src {
		for k, s := range sums {
			a.VCVTPS2PD(at(r, 16*k), half[k])
			a.VADDPD(half[k], s, s)
		}
	}
	for k, s := range sums {
		splitWords64(a, s, hiWord, rest, magicHi, magicLo)
		for _, w := range []struct {
			word VecPhysical
			slot int
		}{{hiWord, k}, {rest, 2 + k}} {
			a.VPADDQ(slots[w.slot], w.word, w.word)
			movWords(a, v, w.word, slots[w.slot])
		}
	}
	for _, r := range src {
		a.VMOVUPS(zero, at(r, 0))
	}
	a.JMP(LabelRef(next))
}

// splitter16 returns addClear's word splitter for ZMM registers, its zero
// test and the test of its refusals (ZF clear if one was refused). It
// splits 16 values in float32 and converts the parts to int64 words with
// AVX512DQ's VCVTPS2QQ, so that nothing is widened to float64. The words
// are exactWords', bit for bit (TestAddClearAsm checks it), because every
// float32 step is exact:
//
//   - y = v·2^12 is exact (a power of two; |v| < 2^35 keeps y far from
//     float32's limits);
//   - the high word is VCVTPS2QQ of y rounded to nearest even (explicitly,
//     whatever MXCSR says): round(y), which exactWords computes in float64
//     from the same real number;
//   - VREDUCEPS gives f = y - round(y), also to nearest even, exactly:
//     |f| ≤ 1/2 and f is a multiple of y's last place;
//   - f·2^48 is exact, and the low word is its VCVTPS2QQ, rounded to
//     nearest even as exactWords rounds it.
//
// The magnitude check and the zero test write opmask registers.
func splitter16(a *gen.File, v gen.Vector, c *exactConsts, vals VecPhysical) (wordSplitter, func(string), func()) {
	mag, y, f, upper, word := v.Reg(1), v.Reg(2), v.Reg(3), v.Reg(4), v.Reg(5)
	hiUnit, loUnit := v.Reg(7), v.Reg(8)
	// refused collects the lanes refused; nonzero and big are one group's.
	refused, nonzero, big := K1, K2, K3
	a.VMOVUPS(c.hiUnit, hiUnit)
	a.VMOVUPS(c.loUnit, loUnit)
	a.KXORW(refused, refused, refused)
	testZero := func(skip string) {
		a.VPTESTMD(vals, vals, nonzero)
		a.KORTESTW(nonzero, nonzero)
		a.JZ(LabelRef(skip))
	}
	split := func(vals VecPhysical, add func(VecPhysical, int)) {
		// Refused: |v| ≥ 2^35, or a NaN ("not less than", true for NaN).
		a.VANDPS(c.abs32, vals, mag)
		a.VCMPPS(U8(0x15), c.limit32, mag, big)
		a.KORW(big, refused, refused)
		a.VMULPS(hiUnit, vals, y) // y = v·2^12, exact
		// f = y - round(y): imm8 0x08 keeps no fraction bits (M = 0),
		// rounds to nearest even and suppresses the precision exception.
		a.VREDUCEPS(U8(0x08), y, f)
		a.VMULPS(loUnit, f, f) // f·2^48, exact
		for k, x := range [2]VecPhysical{y, f} {
			// The lower 8 lanes, then the upper 8.
			a.VCVTPS2QQ_RN_SAE(x.AsY(), word)
			add(word, 2*k)
			a.VEXTRACTF32X8(U8(1), x, upper.AsY())
			a.VCVTPS2QQ_RN_SAE(upper.AsY(), word)
			add(word, 2*k+1)
		}
	}
	return split, testZero, func() { a.KORTESTW(refused, refused) }
}

// addClearFrame declares v's addClear function over parts partials and
// loads its arguments: the sums' words lo and hi, the partials' values
// src and the count n.
func addClearFrame(a *gen.File, v gen.Vector, parts int) (lo, hi GPPhysical, src []GPPhysical, n GPPhysical) {
	lo, hi, n = RDI, RSI, RCX
	regs := []GPPhysical{RDX, R8, R9, R10, R12, R13, RBX, RAX}[:parts]
	if parts == 1 {
		name := v.Name("addClearAsm", 0)
		a.Func(name, "func(lo, hi *int64, v *float32, n int) (refused bool)",
			fmt.Sprintf("%s adds the n values v[0:n], n a positive multiple of %d, to the", name, v.Lanes),
			"sums lo[0:n] and hi[0:n] in ExactSum's format and zeroes them, reporting",
			"whether one was a NaN, an infinity or of ExactLimit or more (whose words",
			"are then meaningless).")
		a.Load(a.Param("v"), regs[0])
	} else {
		name := v.Name(fmt.Sprintf("addClear%dAsm", parts), 0)
		params := ""
		for p := range parts {
			params += fmt.Sprintf("v%d, ", p)
		}
		a.Func(name, fmt.Sprintf("func(lo, hi *int64, %sn int) (refused bool)", params[:len(params)-2]+" *float32, "),
			fmt.Sprintf("%s is addClearAsm%s over %d partials: it adds v0[0:n] to v%d[0:n] to", name, v.Suffix, parts, parts-1),
			"the sums and zeroes them, adding the words of the partials in registers",
			"so that the sums' memory is read and written once.")
		for p, r := range regs {
			a.Load(a.Param(fmt.Sprintf("v%d", p)), r)
		}
	}
	a.Load(a.Param("lo"), lo)
	a.Load(a.Param("hi"), hi)
	a.Load(a.Param("n"), n)
	return lo, hi, regs, n
}
