package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// The dense middle for narrow networks (HiddenPad 8 or 16, exactly 10
// outputs), one image per lane: as many images at a time as a register has
// lanes. The images' rows are transposed into the work area, so that
// vector j of a region holds unit j of every image, worked on there, and
// transposed back.

// soaOutputs is the number of outputs the SoA kernels handle; the tables
// file declares it for the Go side.
const soaOutputs = 10

// transpose8 transposes the 8×8 block of float32 whose rows are loads into
// the rows stores (clobbering every register).
func transpose8(a *gen.File, v gen.Vector, loads, stores []Mem) {
	if v.Lanes != 8 {
		panic("transpose8: written for 8 lanes")
	}
	r, t := transpose4x4(a, v, loads)
	// ...and the 128-bit halves, into t.
	for i := range 4 {
		a.VPERM2F128(U8(0x20), r(i+4), r(i), t(i))
		a.VPERM2F128(U8(0x31), r(i+4), r(i), t(i+4))
	}
	for i := range 8 {
		a.VMOVUPS(t(i), stores[i])
	}
}

// transpose4x4 loads the v.Lanes rows loads into registers r(i) and
// transposes each 4×4 block within the 128-bit lanes of each four rows,
// through t(i) = register v.Lanes+i, leaving them in r.
func transpose4x4(a *gen.File, v gen.Vector, loads []Mem) (r, t func(int) VecPhysical) {
	n := v.Lanes
	r = func(i int) VecPhysical { return v.Reg(i) }
	t = func(i int) VecPhysical { return v.Reg(n + i) }
	for i := range n {
		a.VMOVUPS(loads[i], r(i))
	}
	// Interleave pairs of rows: t[2p], t[2p+1] = the low and high halves of
	// rows 2p and 2p+1 interleaved (per 128-bit lane).
	for p := range n / 2 {
		a.VUNPCKLPS(r(2*p+1), r(2*p), t(2*p))
		a.VUNPCKHPS(r(2*p+1), r(2*p), t(2*p+1))
	}
	// Then pairs of pairs, into r again.
	shuf := func(imm uint8, x, y, dst VecPhysical) { a.VSHUFPS(U8(imm), y, x, dst) }
	for q := 0; q < n; q += 4 {
		shuf(0x44, t(q), t(q+2), r(q))
		shuf(0xEE, t(q), t(q+2), r(q+1))
		shuf(0x44, t(q+1), t(q+3), r(q+2))
		shuf(0xEE, t(q+1), t(q+3), r(q+3))
	}
	return r, t
}

// transpose transposes the square block of float32, one register per row,
// whose rows are loads into the rows stores (clobbering every register).
func transpose(a *gen.File, v gen.Vector, loads, stores []Mem) {
	if v.Wide() {
		transpose16(a, v, loads, stores)
	} else {
		transpose8(a, v, loads, stores)
	}
}

// transpose16 transposes the 16×16 block of float32 whose rows are loads
// into the rows stores (clobbering every register): the 4×4 transposes
// within 128-bit lanes that transpose8 begins with, then a 4×4 transpose
// of the 128-bit lanes of each set of four registers.
func transpose16(a *gen.File, v gen.Vector, loads, stores []Mem) {
	if v.Lanes != 16 {
		panic("transpose16: written for 16 lanes")
	}
	r, t := transpose4x4(a, v, loads)
	// r(4q+e), lane l, is now element 4l+e of rows 4q to 4q+3.
	// Output row 4l+e takes lane l of r(e), r(4+e), r(8+e), r(12+e), in
	// lane order: a 4×4 transpose of 128-bit lanes, in two steps of
	// VSHUFF32X4 (dst lanes 0-1 from its first source, 2-3 from its second).
	lanes := func(imm uint8, x, y, dst VecPhysical) { a.VSHUFF32X4(U8(imm), y, x, dst) }
	for e := range 4 {
		lanes(0x44, r(e), r(4+e), t(4*e))
		lanes(0xEE, r(e), r(4+e), t(4*e+1))
		lanes(0x44, r(8+e), r(12+e), t(4*e+2))
		lanes(0xEE, r(8+e), r(12+e), t(4*e+3))
	}
	for e := range 4 {
		lanes(0x88, t(4*e), t(4*e+2), r(e))
		lanes(0xDD, t(4*e), t(4*e+2), r(4+e))
		lanes(0x88, t(4*e+1), t(4*e+3), r(8+e))
		lanes(0xDD, t(4*e+1), t(4*e+3), r(12+e))
	}
	for i := range 16 {
		a.VMOVUPS(r(i), stores[i])
	}
}

// denseSoA emits denseSoA<hp>.
func denseSoA(a *gen.File, v gen.Vector, c *consts, hp int) {
	name := v.Name("denseSoA", hp)
	doc := []string{
		fmt.Sprintf("%s is the dense middle for %d images at once, one per lane, for", name, v.Lanes),
		fmt.Sprintf("networks with HiddenPad %d and exactly %d outputs (see soaArgs). Each lane", hp, soaOutputs),
		"computes what denseAVX computes for one image, the same chains in the",
		"same order (docs/ARITHMETIC.md); the gradient sums themselves are",
		"left to the caller, which adds the rows in order.",
	}
	a.Func(name, "func(a *soaArgs)", doc...)
	args := R13
	a.Load(a.Param("a"), args)
	field := a.Fields("a", args)
	// The work area holds four regions of 16 vectors: the hidden layer
	// (pre-activation, then activation), act', dz1 and dz2.
	work, rows := RDI, RSI
	region := 16 * v.Bytes()
	zs, ds, dzs, dz2s := 0, region, 2*region, 3*region
	a.MOVQ(field("work"), work)
	a.MOVQ(field("z"), rows)
	// toWork and fromWork transpose 8 rows of n floats (rowBytes apart)
	// into or out of the vectors of the region at off.
	blocks := func(off, rowBytes, n int, into bool) {
		for cb := range n / v.Lanes {
			var rowsAt, workAt []Mem
			for k := range v.Lanes {
				rowsAt = append(rowsAt, at(rows, k*rowBytes+cb*v.Bytes()))
				workAt = append(workAt, at(work, off+(cb*v.Lanes+k)*v.Bytes()))
			}
			if into {
				transpose(a, v, rowsAt, workAt)
			} else {
				transpose(a, v, workAt, rowsAt)
			}
		}
	}
	blocks(zs, 4*hp, hp, true)

	// The activation over j < hidden: b1[j] is broadcast, unit j of the
	// images is vector j.
	b1, j, unit := R9, RCX, R8
	a.MOVQ(field("b1"), b1)
	a.MOVQ(field("hidden"), j)
	a.MOVQ(field("act"), RAX)
	a.MOVQ(work, unit)
	one, sign := v.Reg(15), v.Reg(14)
	a.VMOVUPS(c.one, one)
	a.VMOVUPS(c.sign, sign)
	a.CMPQ(RAX, imm(1))
	a.JEQ(LabelRef("tanh"))
	a.JGT(LabelRef("relu"))
	next := func(label string) {
		a.ADDQ(imm(4), b1)
		a.ADDQ(imm(v.Bytes()), unit)
		a.DECQ(j)
		a.JNZ(LabelRef(label))
	}
	bias, z := v.Reg(3), v.Reg(0)
	a.Label("sigmoid")
	a.VBROADCASTSS(at(b1, 0), bias)
	a.VADDPS(at(unit, zs), bias, z)
	a.VXORPS(sign, z, z)
	exp(a, v, c, z, v.Reg(1), v.Reg(2), v.Reg(4))
	sigmoidTail(a, v, one, z)
	a.VMOVUPS(v.Reg(6), at(unit, zs))
	a.VMOVUPS(v.Reg(7), at(unit, ds))
	next("sigmoid")
	a.JMP(LabelRef("out"))

	a.Label("tanh")
	a.VBROADCASTSS(at(b1, 0), bias)
	zt := v.Reg(9)
	a.VADDPS(at(unit, zs), bias, zt)
	a.VANDNPS(zt, sign, z)
	a.VMULPS(c.minus2, z, z)
	exp(a, v, c, z, v.Reg(1), v.Reg(2), v.Reg(4))
	tanhTail(a, v, c, one, sign, z, zt)
	a.VMOVUPS(v.Reg(7), at(unit, zs))
	a.VMOVUPS(z, at(unit, ds))
	next("tanh")
	a.JMP(LabelRef("out"))

	a.Label("relu")
	zero := v.Reg(13)
	a.VXORPS(zero, zero, zero)
	a.Label("reluloop")
	a.VBROADCASTSS(at(b1, 0), bias)
	a.VADDPS(at(unit, zs), bias, z)
	step := v.Reg(1)
	relu(a, v, zero, one, z, step)
	a.VMOVUPS(z, at(unit, zs))
	a.VMOVUPS(step, at(unit, ds))
	next("reluloop")

	// z2[o] = b2[o] + Σ_j W2[o][j] h[j], output o in register o.
	a.Label("out")
	w2b, b2 := R9, R10
	a.MOVQ(field("w2b"), w2b)
	a.MOVQ(field("b2"), b2)
	a.MOVQ(field("hidden"), j)
	a.MOVQ(work, unit)
	z2 := func(o int) VecPhysical { return v.Reg(o) }
	for o := range soaOutputs {
		a.VBROADCASTSS(at(b2, 4*o), z2(o))
	}
	a.Label("gemv")
	h := v.Reg(10)
	a.VMOVUPS(at(unit, zs), h)
	for o := range soaOutputs {
		a.VFMADD231PS(at(w2b, o*v.Bytes()), h, z2(o))
	}
	a.ADDQ(imm(soaOutputs*v.Bytes()), w2b)
	a.ADDQ(imm(v.Bytes()), unit)
	a.DECQ(j)
	a.JNZ(LabelRef("gemv"))

	// Softmax: the maximum as a tree, ...
	zmax := v.Reg(10)
	a.VMAXPS(z2(1), z2(0), v.Reg(10))
	a.VMAXPS(z2(3), z2(2), v.Reg(11))
	a.VMAXPS(z2(5), z2(4), v.Reg(12))
	a.VMAXPS(z2(7), z2(6), v.Reg(13))
	a.VMAXPS(z2(9), z2(8), v.Reg(14))
	a.VMAXPS(v.Reg(11), v.Reg(10), v.Reg(10))
	a.VMAXPS(v.Reg(13), v.Reg(12), v.Reg(12))
	a.VMAXPS(v.Reg(14), v.Reg(10), v.Reg(10))
	a.VMAXPS(v.Reg(12), v.Reg(10), zmax)
	// ... z2[label] - max, picked by comparing the labels with each o, ...
	labels, isLabel, zl := v.Reg(15), v.Reg(11), v.Reg(12)
	a.MOVQ(field("labels"), R11)
	labelMask := K2 // AVX-512: the lanes whose label is o
	if v.Wide() {
		a.VMOVDQU32(at(R11, 0), labels)
	} else {
		a.VMOVDQU(at(R11, 0), labels)
	}
	a.VXORPS(zl, zl, zl)
	for o := range soaOutputs {
		if v.Wide() {
			a.VPCMPEQD(c.iota[o], labels, labelMask)
			a.VMOVAPS(z2(o), labelMask, zl)
			continue
		}
		a.VPCMPEQD(c.iota[o], labels, isLabel)
		a.VANDPS(z2(o), isLabel, isLabel)
		a.VORPS(isLabel, zl, zl)
	}
	a.VSUBPS(zmax, zl, zl)
	a.VMOVUPS(zl, field("zl"))
	// ... e = exp(z2 - max) and its sum in output order, ...
	sum := v.Reg(14)
	a.VXORPS(sum, sum, sum)
	for o := range soaOutputs {
		a.VSUBPS(zmax, z2(o), z2(o))
		exp(a, v, c, z2(o), v.Reg(11), v.Reg(12), v.Reg(13))
		a.VADDPS(z2(o), sum, sum)
	}
	a.VMOVUPS(sum, field("sum"))
	// ... and dz2 = e·(1/sum) - onehot(label).
	inv := v.Reg(10)
	a.VMOVUPS(c.one, inv)
	a.VDIVPS(sum, inv, inv)
	for o := range soaOutputs {
		a.VMULPS(inv, z2(o), z2(o))
		if v.Wide() {
			a.VPCMPEQD(c.iota[o], labels, labelMask)
			a.VSUBPS(c.one, z2(o), labelMask, z2(o))
		} else {
			a.VPCMPEQD(c.iota[o], labels, isLabel)
			a.VANDPS(c.one, isLabel, isLabel)
			a.VSUBPS(isLabel, z2(o), z2(o))
		}
		a.VMOVUPS(z2(o), at(work, dz2s+o*v.Bytes()))
	}

	// dh[j] = Σ_o W2[o][j] dz2[o], and dz1[j] = dh[j]·d[j]: one chain over
	// o in order from +0 (docs/ARITHMETIC.md), for 8 lanes and 16 alike;
	// the hidden units' chains are independent, so successive iterations
	// overlap.
	a.MOVQ(field("w2b"), w2b)
	a.MOVQ(field("hidden"), j)
	a.MOVQ(work, unit)
	a.Label("back")
	dh := v.Reg(10)
	a.VXORPS(dh, dh, dh)
	for o := range soaOutputs {
		a.VFMADD231PS(at(w2b, o*v.Bytes()), z2(o), dh)
	}
	a.VMULPS(at(unit, ds), dh, dh)
	a.VMOVUPS(dh, at(unit, dzs))
	a.ADDQ(imm(soaOutputs*v.Bytes()), w2b)
	a.ADDQ(imm(v.Bytes()), unit)
	a.DECQ(j)
	a.JNZ(LabelRef("back"))

	// Transposes back: the activations to z's rows, dz1 and dz2 (16 wide)
	// to theirs.
	a.MOVQ(field("z"), rows)
	blocks(zs, 4*hp, hp, false)
	a.MOVQ(field("dz1"), rows)
	blocks(dzs, 4*hp, hp, false)
	a.MOVQ(field("dz2"), rows)
	blocks(dz2s, 4*16, 16, false)
	a.VZEROUPPER()
	a.RET()
}

// sigmoidTail finishes the sigmoid of denseAVX and denseSoA, given e =
// exp(-z) in e: σ = 1/(1+e) in register 6 and σ' = (σe)σ in register 7
// (clobbering register 5).
func sigmoidTail(a *gen.File, v gen.Vector, one, e VecPhysical) {
	a.VADDPS(one, e, v.Reg(5))
	a.VDIVPS(v.Reg(5), one, v.Reg(6))
	a.VMULPS(v.Reg(6), e, v.Reg(7))
	a.VMULPS(v.Reg(6), v.Reg(7), v.Reg(7))
}

// tanhTail finishes the tanh of denseAVX and denseSoA, given e =
// exp(-2|z|) in e and z in zt: tanh = ±(1-e)q with q = 1/(1+e) in register
// 7, and tanh' = ((4e)q)q in e (clobbering registers 5 and 6, and zt).
func tanhTail(a *gen.File, v gen.Vector, c *consts, one, sign, e, zt VecPhysical) {
	q, t := v.Reg(6), v.Reg(7)
	a.VADDPS(one, e, v.Reg(5))
	a.VDIVPS(v.Reg(5), one, q)
	a.VSUBPS(e, one, t)
	a.VMULPS(q, t, t)
	a.VANDPS(sign, zt, zt)
	a.VORPS(zt, t, t)
	a.VMULPS(c.four, e, e)
	a.VMULPS(q, e, e)
	a.VMULPS(q, e, e)
}

// rowSum emits rowSum, which adds rows of one or two registers.
func rowSum(a *gen.File, v gen.Vector) {
	a.Func(v.Name("rowSum", 0), "func(dst, src *float32, n, words, stride int)",
		fmt.Sprintf("%s adds dst[0:%d·words] += row k of src (stride bytes apart) for k < n", v.Name("rowSum", 0), v.Lanes),
		"≥ 1, in order, 1 ≤ words ≤ 2.")
	dst, src, n, words, stride := RDI, RSI, RCX, RAX, RDX
	a.Load(a.Param("dst"), dst)
	a.Load(a.Param("src"), src)
	a.Load(a.Param("n"), n)
	a.Load(a.Param("words"), words)
	a.Load(a.Param("stride"), stride)
	s0, s1 := v.Reg(0), v.Reg(1)
	a.VMOVUPS(at(dst, 0), s0)
	a.CMPQ(words, imm(2))
	a.JL(LabelRef("one"))
	a.VMOVUPS(at(dst, v.Bytes()), s1)
	a.Label("two")
	a.VADDPS(at(src, 0), s0, s0)
	a.VADDPS(at(src, v.Bytes()), s1, s1)
	a.ADDQ(stride, src)
	a.DECQ(n)
	a.JNZ(LabelRef("two"))
	a.VMOVUPS(s1, at(dst, v.Bytes()))
	a.JMP(LabelRef("done"))
	a.Label("one")
	a.VADDPS(at(src, 0), s0, s0)
	a.ADDQ(stride, src)
	a.DECQ(n)
	a.JNZ(LabelRef("one"))
	a.Label("done")
	a.VMOVUPS(s0, at(dst, 0))
	a.VZEROUPPER()
	a.RET()
}
