package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// hreduce reduces the lanes of register x into its lowest lane, by sums
// (or with max, by maxima) in a fixed tree: the upper half onto the lower
// (for a ZMM register, twice: 256 bits, then 128), then lanes 2-3 onto
// 0-1, then lane 1 onto 0. It clobbers tmp.
func hreduce(a *gen.File, v gen.Vector, x, tmp VecPhysical, max bool) {
	op, opScalar := a.VADDPS, a.VADDSS
	if max {
		op, opScalar = a.VMAXPS, a.VMAXSS
	}
	xx, tx := x.AsX(), tmp.AsX()
	switch v.Lanes {
	case 16:
		a.VEXTRACTF64X4(U8(1), x, tmp.AsY())
		op(tmp.AsY(), x.AsY(), x.AsY())
		a.VEXTRACTF128(U8(1), x.AsY(), tx)
	case 8:
		a.VEXTRACTF128(U8(1), x, tx)
	default:
		panic("hreduce: written for 256- and 512-bit registers")
	}
	op(tx, xx, xx)
	a.VPERMILPS(U8(0x0E), xx, tx)
	op(tx, xx, xx)
	a.VPERMILPS(U8(0x01), xx, tx)
	opScalar(tx, xx, xx)
}

// denseAVX emits denseAVX, the dense middle for one image.
func denseAVX(a *gen.File, v gen.Vector, c *consts) {
	doc := []string{
		"denseAVX is everything between the two sparse layers for one sample, so",
		"that the hidden vector makes one trip through the caches (see denseArgs",
		"for the fields):",
		"",
		"  z1 = h + b1 (the gathers leave the first layer's sums in h)",
		"  h = act(z1) masked to the real hidden units, d = act'(z1)",
		"  z2 = W2·h + b2 (or Σ h[j]·W2ᵀ[j] + b2 where w2t is set); z2[rows:op] = -inf",
		"  if label < 0, stop: z2 holds the logits (Predict)",
		"  zl = z2[label] - max(z2); e = exp(z2 - max); sum = Σ e",
		"  dz2 = e·(1/sum) - onehot(label), written over z2; db2 += dz2",
		"  dz1 = d ∘ (W2ᵀ·dz2) summing rows in order; db1 += dz1; dW2 += dz2 ⊗ h",
		"  unless dw2 is nil;",
		"",
		"hp and op are positive multiples of 8, 1 ≤ rows ≤ op.",
	}
	if !v.Wide() {
		doc = []string{
			"denseAVX is everything between the two sparse layers for one sample, so",
			"that the hidden vector makes one trip through the caches (see denseArgs",
			"for the fields). Every value is one chain in the natural order of its",
			"terms (docs/ARITHMETIC-3.md):",
			"",
			"  z1 = h + b1 (the gathers leave the first layer's sums in h)",
			"  h = act(z1) masked to the real hidden units, d = act'(z1)",
			"  z2[o] = chain of FMAs over j < hidden from b2[o], the outputs in lanes",
			"    (W2ᵀ, w2t, must be set); z2[rows:op] = -inf",
			"  if label < 0, stop: z2 holds the logits (Predict)",
			"  zl = z2[label] - max(z2); e = exp(z2 - max)",
			"  sum = ((0 + e[0]) + e[1]) + … in output order",
			"  dz2 = e·(1/sum) - onehot(label), written over z2; db2 += dz2",
			"  dh[j] = chain of FMAs over o < rows from +0 of W2[o][j]·dz2[o]",
			"  dz1 = d ∘ dh; db1 += dz1; dW2 += dz2 ⊗ h unless dw2 is nil;",
			"",
			"hp and op are positive multiples of 8, 1 ≤ rows ≤ op.",
		}
	}
	a.Func(v.Name("denseAVX", 0), "func(a *denseArgs)", doc...)
	args := R13
	a.Load(a.Param("a"), args)
	field := a.Fields("a", args)
	var even Mem
	if v.Wide() {
		even = a.AllocLocal(8) // the backward pass's count of rows, rounded down to even
	}
	one, sign := v.Reg(15), v.Reg(14)
	h, d := RDI, RSI
	a.MOVQ(field("h"), h)
	a.MOVQ(field("d"), d)
	denseActivation(a, v, c, field, one, sign, "", "out")
	if v.Wide() {
		w2t := RSI
		a.MOVQ(field("w2t"), w2t)
		a.TESTQ(w2t, w2t)
		a.JZ(LabelRef("rows"))
		denseNarrowOutput(a, v, field)
		denseRowsOutput(a, v, field)
		denseSoftmax(a, v, c, field, one)
		denseBackward(a, v, field, even)
	} else {
		denseLogits(a, v, field)
		denseSoftmax(a, v, c, field, one)
		denseBackChain(a, v, field)
	}
	a.Label("done")
	a.VZEROUPPER()
	a.RET()
}

// relu replaces z by max(z, 0) (+0 where z ≤ 0 or NaN) and sets step to
// the step function z > 0 (1 or +0), given zero and one in every lane.
func relu(a *gen.File, v gen.Vector, zero, one, z, step VecPhysical) {
	if v.Wide() {
		positive := K2
		a.VCMPPS(U8(0x0E), zero, z, positive)
		a.VMOVAPS_Z(z, positive, z)
		a.VMOVAPS_Z(one, positive, step)
		return
	}
	a.VCMPPS(U8(0x0E), zero, z, step)
	a.VANDPS(z, step, z)
	a.VANDPS(one, step, step)
}

// denseNarrowOutput emits the output layer of AVX-512's denseAVXZ for 16
// or 32 padded outputs (w2t set), in two chains per output (even and odd
// hidden units); it leaves rows in CX and the row stride hp·4 in R12, as
// the rows path does, and op in R11. AVX2's denseAVX takes denseLogits.
func denseNarrowOutput(a *gen.File, v gen.Vector, field func(string) Mem) {
	vb := v.Bytes()
	a.Comment("Narrow output layer (8 or 16 padded outputs, set by the Go side):",
		"z2 = b2 + Σ_j h[j]·W2ᵀ[j] over the real hidden units, the outputs",
		"in one or two registers. b2's padding is -inf and W2ᵀ's is zero, so",
		"the padding logits come out -inf.")
	w2t, z2, hj, b2, left, op := RSI, RDI, RDX, R9, RCX, R11
	a.MOVQ(field("z2"), z2)
	a.MOVQ(field("h"), hj)
	a.MOVQ(field("b2"), b2)
	a.MOVQ(field("hidden"), left)
	a.MOVQ(field("op"), op)
	a.CMPQ(op, imm(v.Lanes))
	a.JEQ(LabelRef("narrow1"))
	// acc(s, o) is set s (even or odd hidden units) of output register o,
	// hv(s) the broadcast h[j+s].
	acc := func(s, o int) VecPhysical { return v.Reg(2*s + o) }
	hv := func(s int) VecPhysical { return v.Reg(8 + s) }
	// narrow emits the loop for outs output registers.
	narrow := func(outs int, loop, single, sum string) {
		for o := range outs {
			a.VMOVUPS(at(b2, o*vb), acc(0, o))
		}
		for o := range outs {
			a.VXORPS(acc(1, o), acc(1, o), acc(1, o))
		}
		a.CMPQ(left, imm(2))
		a.JL(LabelRef(single))
		a.Label(loop)
		a.VBROADCASTSS(at(hj, 0), hv(0))
		a.VBROADCASTSS(at(hj, 4), hv(1))
		for s := range 2 {
			for o := range outs {
				a.VFMADD231PS(at(w2t, (s*outs+o)*vb), hv(s), acc(s, o))
			}
		}
		a.ADDQ(imm(8), hj)
		a.ADDQ(imm(2*outs*vb), w2t)
		a.SUBQ(imm(2), left)
		a.CMPQ(left, imm(2))
		a.JGE(LabelRef(loop))
		a.Label(single)
		a.TESTQ(left, left)
		a.JZ(LabelRef(sum))
		a.VBROADCASTSS(at(hj, 0), hv(0))
		for o := range outs {
			a.VFMADD231PS(at(w2t, o*vb), hv(0), acc(0, o))
		}
		a.Label(sum)
		for o := range outs {
			a.VADDPS(acc(1, o), acc(0, o), acc(0, o))
		}
		for o := range outs {
			a.VMOVUPS(acc(0, o), at(z2, o*vb))
		}
	}
	a.Comment("Two sets of accumulators, even and odd hidden units, halve the",
		"chain of dependent FMAs.")
	narrow(2, "narrow2", "narrow2one", "narrow2sum")
	a.JMP(LabelRef("narrowdone"))
	a.Label("narrow1")
	narrow(1, "narrow1loop", "narrow1one", "narrow1sum")
	a.Label("narrowdone")
	rows, rowBytes := RCX, R12
	a.MOVQ(field("rows"), rows)
	a.MOVQ(field("hp"), rowBytes)
	a.SHLQ(U8(2), rowBytes)
	a.JMP(LabelRef("softmax"))
}

// denseRowsOutput emits the output layer of AVX-512's denseAVXZ from W2's
// rows, dot products with horizontal sums, and the padding of the logits;
// it leaves rows in CX, the row stride hp·4 in R12 and op in R11. AVX2's
// denseAVX takes denseLogits.
func denseRowsOutput(a *gen.File, v gen.Vector, field func(string) Mem) {
	vb := v.Bytes()
	a.Comment("z2[r] = b2[r] + W2[r]·h, two accumulators per row.")
	a.Label("rows")
	z2, w2, h, b2, rows, hp, rowBytes, r := RDI, RSI, RDX, R9, RCX, RBX, R12, R10
	a.MOVQ(field("z2"), z2)
	a.MOVQ(field("w2"), w2)
	a.MOVQ(field("h"), h)
	a.MOVQ(field("b2"), b2)
	a.MOVQ(field("rows"), rows)
	a.MOVQ(field("hp"), hp)
	a.MOVQ(hp, rowBytes)
	a.SHLQ(U8(2), rowBytes)
	a.XORQ(r, r)
	// col is the byte offset in the row, left the units left.
	col, left := RAX, R11
	acc0, acc1, w0, w1 := v.Reg(0), v.Reg(1), v.Reg(2), v.Reg(3)
	a.Label("row")
	a.VXORPS(acc0, acc0, acc0)
	a.VXORPS(acc1, acc1, acc1)
	a.XORQ(col, col)
	a.MOVQ(hp, left)
	a.Label("rowpair")
	a.CMPQ(left, imm(2*v.Lanes))
	a.JL(LabelRef("rowsingle"))
	a.VMOVUPS(atIdx(w2, col, 1, 0), w0)
	a.VFMADD231PS(atIdx(h, col, 1, 0), w0, acc0)
	a.VMOVUPS(atIdx(w2, col, 1, vb), w1)
	a.VFMADD231PS(atIdx(h, col, 1, vb), w1, acc1)
	a.ADDQ(imm(2*vb), col)
	a.SUBQ(imm(2*v.Lanes), left)
	a.JMP(LabelRef("rowpair"))
	a.Label("rowsingle")
	a.TESTQ(left, left)
	a.JZ(LabelRef("rowsum"))
	a.VMOVUPS(atIdx(w2, col, 1, 0), w0)
	a.VFMADD231PS(atIdx(h, col, 1, 0), w0, acc0)
	a.Label("rowsum")
	a.VADDPS(acc1, acc0, acc0)
	hreduce(a, v, acc0, v.Reg(1), false)
	a.VADDSS(atIdx(b2, r, 4, 0), acc0.AsX(), acc0.AsX())
	a.VMOVSS(acc0.AsX(), atIdx(z2, r, 4, 0))
	a.ADDQ(rowBytes, w2)
	a.INCQ(r)
	a.CMPQ(r, rows)
	a.JL(LabelRef("row"))

	a.Comment("The padding logits are -inf, so that they vanish from max and sum.")
	op := R11
	a.MOVQ(field("op"), op)
	a.MOVL(U32(0xff800000), EAX)
	a.Label("pad")
	a.CMPQ(r, op)
	a.JGE(LabelRef("softmax"))
	a.MOVL(EAX, atIdx(z2, r, 4, 0))
	a.INCQ(r)
	a.JMP(LabelRef("pad"))
}

// denseSoftmax emits the softmax and cost of denseAVX, dz2 and db2; it
// returns early (to done) for a forward pass. The maximum is exact in any
// order; the sum of the e is one scalar chain in output order for AVX2
// (docs/ARITHMETIC-3.md), lane sums and a tree for AVX-512.
func denseSoftmax(a *gen.File, v gen.Vector, c *consts, field func(string) Mem, one VecPhysical) {
	vb := v.Bytes()
	a.Label("softmax")
	z2, label, opBytes, col := RDI, RAX, R11, RBX
	a.MOVQ(field("label"), label)
	a.TESTQ(label, label)
	a.JS(LabelRef("done"))

	a.Comment("Softmax over the op lanes; R11 becomes op in bytes.")
	a.SHLQ(U8(2), opBytes)
	zmax := v.Reg(3)
	a.VMOVUPS(at(z2, 0), zmax)
	a.MOVQ(I32(vb), col)
	a.Label("max")
	a.CMPQ(col, opBytes)
	a.JGE(LabelRef("maxdone"))
	a.VMAXPS(atIdx(z2, col, 1, 0), zmax, zmax)
	a.ADDQ(imm(vb), col)
	a.JMP(LabelRef("max"))
	a.Label("maxdone")
	hreduce(a, v, zmax, v.Reg(4), true)
	a.VBROADCASTSS(zmax.AsX(), zmax)
	zl := v.X(5)
	a.VMOVSS(atIdx(z2, label, 4, 0), zl)
	a.VSUBSS(zmax.AsX(), zl, zl)
	a.VMOVSS(zl, field("zl"))

	e, sum := v.Reg(0), v.Reg(6)
	if v.Wide() {
		a.VXORPS(sum, sum, sum)
	}
	a.XORQ(col, col)
	a.Label("exp")
	a.VMOVUPS(atIdx(z2, col, 1, 0), e)
	a.VSUBPS(zmax, e, e)
	exp(a, v, c, e, v.Reg(1), v.Reg(2), v.Reg(4))
	a.VMOVUPS(e, atIdx(z2, col, 1, 0))
	if v.Wide() {
		a.VADDPS(e, sum, sum)
	}
	a.ADDQ(imm(vb), col)
	a.CMPQ(col, opBytes)
	a.JL(LabelRef("exp"))
	if v.Wide() {
		// Lane sums, then a tree across the lanes.
		hreduce(a, v, sum, v.Reg(1), false)
	} else {
		a.Comment("sum = ((0 + e[0]) + e[1]) + … over the real outputs in order, one",
			"scalar chain (CX is rows), so that no lane width enters it.")
		o := RDX
		a.VXORPS(sum, sum, sum)
		a.XORQ(o, o)
		a.Label("sum")
		a.VADDSS(atIdx(z2, o, 4, 0), sum.AsX(), sum.AsX())
		a.INCQ(o)
		a.CMPQ(o, RCX)
		a.JL(LabelRef("sum"))
	}
	a.VMOVSS(sum.AsX(), field("sum"))
	inv := v.Reg(7)
	a.VDIVSS(sum.AsX(), one.AsX(), inv.AsX())
	a.VBROADCASTSS(inv.AsX(), inv)
	a.XORQ(col, col)
	a.Label("scale")
	a.VMULPS(atIdx(z2, col, 1, 0), inv, e)
	a.VMOVUPS(e, atIdx(z2, col, 1, 0))
	a.ADDQ(imm(vb), col)
	a.CMPQ(col, opBytes)
	a.JL(LabelRef("scale"))
	a.VMOVSS(atIdx(z2, label, 4, 0), e.AsX())
	a.VSUBSS(one.AsX(), e.AsX(), e.AsX())
	a.VMOVSS(e.AsX(), atIdx(z2, label, 4, 0))

	a.Comment("db2 += dz2 over the op lanes (the padding of dz2 is zero).")
	db2 := RSI
	a.MOVQ(field("db2"), db2)
	a.XORQ(col, col)
	a.Label("db2")
	a.VMOVUPS(atIdx(db2, col, 1, 0), e)
	a.VADDPS(atIdx(z2, col, 1, 0), e, e)
	a.VMOVUPS(e, atIdx(db2, col, 1, 0))
	a.ADDQ(imm(vb), col)
	a.CMPQ(col, opBytes)
	a.JL(LabelRef("db2"))
}

// denseBackward emits the backward pass of AVX-512's denseAVXZ through W2:
// dz1, db1 and, unless dw2 is nil, dW2, with dh summed in two chains (even
// and odd rows). AVX2's denseAVX takes denseBackChain.
func denseBackward(a *gen.File, v gen.Vector, field func(string) Mem, even Mem) {
	vb := v.Bytes()
	a.Comment("Backward through W2, two column registers at a time so that two",
		"accumulation chains overlap. R12 is still the row stride in bytes.")
	dz1, db1, dw2, w2, dz2, h, d := RDI, RSI, RDX, R8, R9, R10, R11
	a.MOVQ(field("dz1"), dz1)
	a.MOVQ(field("db1"), db1)
	a.MOVQ(field("dw2"), dw2)
	a.MOVQ(field("w2"), w2)
	a.MOVQ(field("z2"), dz2)
	a.MOVQ(field("h"), h)
	a.MOVQ(field("d"), d)
	// The arguments' pointer is done with: R13 counts the column
	// registers left.
	cols, col, rows, r, rowBytes, wAt := R13, RAX, RCX, RBX, R12, R14
	a.MOVQ(field("hp"), cols)
	a.SHRQ(U8(log2(v.Lanes)), cols)
	a.XORQ(col, col)
	a.MOVQ(rows, r)
	a.ANDQ(imm(-2), r)
	a.MOVQ(r, even)
	a.TESTQ(dw2, dw2)
	a.JZ(LabelRef("bnpair"))

	// acc(s, j) is column register j of set s (even or odd rows); dz(s) is
	// the broadcast dz2[r+s], hv(j) column register j of h.
	acc := func(s, j int) VecPhysical { return v.Reg(10*s + j) }
	dz := func(s int) VecPhysical { return v.Reg(4 + 8*s) }
	hv := func(j int) VecPhysical { return v.Reg(2 + j) }
	// row emits the work of one row for ncols column registers: dz1's sums
	// into set s and, withDW2, dW2's row += dz2[r]·h.
	row := func(s, ncols int, withDW2 bool) {
		for j := range ncols {
			a.VFMADD231PS(atIdx(w2, wAt, 1, j*vb), dz(s), acc(s, j))
		}
		if withDW2 {
			for j := range ncols {
				t := v.Reg(5 + j)
				a.VMOVUPS(atIdx(dw2, wAt, 1, j*vb), t)
				a.VFMADD231PS(hv(j), dz(s), t)
				a.VMOVUPS(t, atIdx(dw2, wAt, 1, j*vb))
			}
		}
	}
	// finish emits dz1 = (the sums)·d, and db1 += dz1, for ncols column
	// registers at col.
	finish := func(ncols int) {
		for j := range ncols {
			a.VMULPS(atIdx(d, col, 1, j*vb), acc(0, j), acc(0, j))
		}
		for j := range ncols {
			a.VMOVUPS(acc(0, j), atIdx(dz1, col, 1, j*vb))
		}
		for j := range ncols {
			a.VADDPS(atIdx(db1, col, 1, j*vb), acc(0, j), acc(0, j))
		}
		for j := range ncols {
			a.VMOVUPS(acc(0, j), atIdx(db1, col, 1, j*vb))
		}
	}
	// pass emits the loop over column registers, two at a time, with the
	// labels prefixed by p.
	pass := func(p string, withDW2 bool) {
		L := func(s string) LabelRef { return LabelRef(p + s) }
		a.Label(p + "pair")
		a.CMPQ(cols, imm(2))
		a.JL(L("single"))
		for s := range 2 {
			for j := range 2 {
				a.VXORPS(acc(s, j), acc(s, j), acc(s, j))
			}
		}
		if withDW2 {
			for j := range 2 {
				a.VMOVUPS(atIdx(h, col, 1, j*vb), hv(j))
			}
		}
		a.MOVQ(col, wAt)
		if withDW2 {
			a.Comment("Even rows into Y0/Y1, odd rows into Y10/Y11: two chains of FMAs.")
		}
		a.XORQ(r, r)
		a.CMPQ(rows, imm(2))
		a.JL(L("prow1"))
		a.Label(p + "prow2")
		a.VBROADCASTSS(atIdx(dz2, r, 4, 0), dz(0))
		a.VBROADCASTSS(atIdx(dz2, r, 4, 4), dz(1))
		row(0, 2, withDW2)
		a.ADDQ(rowBytes, wAt)
		row(1, 2, withDW2)
		a.ADDQ(rowBytes, wAt)
		a.ADDQ(imm(2), r)
		a.CMPQ(r, even)
		a.JL(L("prow2"))
		a.Label(p + "prow1")
		a.CMPQ(r, rows)
		a.JGE(L("psum"))
		a.VBROADCASTSS(atIdx(dz2, r, 4, 0), dz(0))
		row(0, 2, withDW2)
		a.Label(p + "psum")
		for j := range 2 {
			a.VADDPS(acc(1, j), acc(0, j), acc(0, j))
		}
		finish(2)
		a.ADDQ(imm(2*vb), col)
		a.SUBQ(imm(2), cols)
		a.JMP(L("pair"))

		a.Label(p + "single")
		a.TESTQ(cols, cols)
		a.JZ(LabelRef("done"))
		a.VXORPS(acc(0, 0), acc(0, 0), acc(0, 0))
		if withDW2 {
			a.VMOVUPS(atIdx(h, col, 1, 0), hv(0))
		}
		a.MOVQ(col, wAt)
		a.XORQ(r, r)
		a.Label(p + "srow")
		a.VBROADCASTSS(atIdx(dz2, r, 4, 0), dz(0))
		row(0, 1, withDW2)
		a.ADDQ(rowBytes, wAt)
		a.INCQ(r)
		a.CMPQ(r, rows)
		a.JL(L("srow"))
		finish(1)
	}
	pass("bk", true)
	a.JMP(LabelRef("done"))
	a.Comment("The same without dW2, which the caller then accumulates over the",
		"whole batch (dw2 nil).")
	pass("bn", false)
}

// maxLogitRegs is the most output registers denseLogits keeps in one pass
// over h: one chain each, all in step.
const maxLogitRegs = 8

// denseLogits emits the output layer of AVX2's denseAVX with the outputs in
// lanes: z2[o] is one chain of FMAs over the real hidden units j in
// ascending order, starting from b2[o], acc = fma(W2ᵀ[j][o], h[j], acc).
// The op/8 output registers go in groups of up to maxLogitRegs, each group
// one pass over h; the groups' chains are independent, so out-of-order
// execution overlaps them. b2's padding is -inf and W2ᵀ's is zero, so the
// padding logits come out -inf. It leaves rows in CX, the row stride of W2
// (hp·4) in R12 and op in R11, as the softmax and the backward pass expect.
func denseLogits(a *gen.File, v gen.Vector, field func(string) Mem) {
	if v.Wide() {
		panic("denseLogits: written for AVX2")
	}
	vb := v.Bytes()
	a.Comment("Output layer: z2[o] = one chain of FMAs over j < hidden from b2[o],",
		"the outputs in lanes (broadcast h[j] times row j of W2ᵀ), in groups",
		"of up to 8 registers.")
	w2t, z2, b2, h, n, left, col, rowBytes, p := RSI, RDI, R9, RDX, RCX, R10, RBX, R12, R8
	a.MOVQ(field("w2t"), w2t)
	a.MOVQ(field("z2"), z2)
	a.MOVQ(field("b2"), b2)
	a.MOVQ(field("op"), rowBytes)
	a.MOVQ(rowBytes, left)
	a.SHRQ(U8(log2(v.Lanes)), left)
	a.SHLQ(U8(2), rowBytes)
	a.XORQ(col, col)
	acc := func(i int) VecPhysical { return v.Reg(i) }
	hv := v.Reg(maxLogitRegs)
	a.Label("lgroup")
	a.CMPQ(left, imm(maxLogitRegs))
	a.JGE(LabelRef(fmt.Sprintf("logits%d", maxLogitRegs)))
	for w := 1; w < maxLogitRegs; w++ {
		a.CMPQ(left, imm(w))
		a.JEQ(LabelRef(fmt.Sprintf("logits%d", w)))
	}
	for w := maxLogitRegs; w >= 1; w-- {
		// The group of w output registers at byte offset col.
		L := fmt.Sprintf("logits%d", w)
		a.Label(L)
		for i := range w {
			a.VMOVUPS(atIdx(b2, col, 1, i*vb), acc(i))
		}
		a.MOVQ(field("h"), h)
		a.MOVQ(field("hidden"), n)
		a.LEAQ(atIdx(w2t, col, 1, 0), p)
		a.Label(L + "j")
		a.VBROADCASTSS(at(h, 0), hv)
		for i := range w {
			a.VFMADD231PS(at(p, i*vb), hv, acc(i))
		}
		a.ADDQ(imm(4), h)
		a.ADDQ(rowBytes, p)
		a.DECQ(n)
		a.JNZ(LabelRef(L + "j"))
		for i := range w {
			a.VMOVUPS(acc(i), atIdx(z2, col, 1, i*vb))
		}
		a.ADDQ(imm(w*vb), col)
		a.SUBQ(imm(w), left)
		if w == maxLogitRegs {
			a.JNZ(LabelRef("lgroup"))
		}
		a.JMP(LabelRef("logitsdone"))
	}
	a.Label("logitsdone")
	rows, op := RCX, R11
	a.MOVQ(field("rows"), rows)
	a.MOVQ(field("op"), op)
	a.MOVQ(field("hp"), rowBytes)
	a.SHLQ(U8(2), rowBytes)
}

// maxBackRegs is the most column registers denseBackChain keeps in one pass
// over the rows of W2.
const maxBackRegs = 4

// denseBackChain emits the backward pass of AVX2's denseAVX through W2,
// with the hidden units in lanes: dh[j] is one chain of FMAs over the real
// outputs o in ascending order, starting from +0, acc = fma(W2[o][j],
// dz2[o], acc); then dz1 = dh·d, db1 += dz1 and, unless dw2 is nil, dW2's
// row o += dz2[o]·h in the same pass. The hp/8 column registers go in
// groups of up to maxBackRegs, one chain each. It expects rows in CX and
// the row stride hp·4 in R12.
func denseBackChain(a *gen.File, v gen.Vector, field func(string) Mem) {
	if v.Wide() {
		panic("denseBackChain: written for AVX2")
	}
	vb := v.Bytes()
	a.Comment("Backward through W2: dh = one chain of FMAs over the rows from +0,",
		"the hidden units in lanes, up to 4 column registers at a time.",
		"R12 is the row stride in bytes, CX rows.")
	dz1, db1, dw2, w2, dz2, h, d := RDI, RSI, RDX, R8, R9, R10, R11
	a.MOVQ(field("dz1"), dz1)
	a.MOVQ(field("db1"), db1)
	a.MOVQ(field("dw2"), dw2)
	a.MOVQ(field("w2"), w2)
	a.MOVQ(field("z2"), dz2)
	a.MOVQ(field("h"), h)
	a.MOVQ(field("d"), d)
	// The arguments' pointer is done with: R13 counts the column registers
	// left.
	cols, col, rows, r, rowBytes, wAt := R13, RAX, RCX, RBX, R12, R14
	a.MOVQ(field("hp"), cols)
	a.SHRQ(U8(log2(v.Lanes)), cols)
	a.XORQ(col, col)
	a.TESTQ(dw2, dw2)
	a.JZ(LabelRef("bnpass"))

	// acc(j) is the chain of column register j, hv(j) column register j
	// of h, dz the broadcast dz2[r], t(j) a row of dW2.
	acc := func(j int) VecPhysical { return v.Reg(j) }
	hv := func(j int) VecPhysical { return v.Reg(maxBackRegs + j) }
	dz := v.Reg(2 * maxBackRegs)
	t := func(j int) VecPhysical { return v.Reg(2*maxBackRegs + 1 + j) }
	// group emits the work of w column registers at col, labels prefixed
	// by L.
	group := func(L string, w int, withDW2 bool) {
		for j := range w {
			a.VXORPS(acc(j), acc(j), acc(j))
		}
		if withDW2 {
			for j := range w {
				a.VMOVUPS(atIdx(h, col, 1, j*vb), hv(j))
			}
		}
		a.MOVQ(col, wAt)
		a.XORQ(r, r)
		a.Label(L + "row")
		a.VBROADCASTSS(atIdx(dz2, r, 4, 0), dz)
		for j := range w {
			a.VFMADD231PS(atIdx(w2, wAt, 1, j*vb), dz, acc(j))
		}
		if withDW2 {
			for j := range w {
				a.VMOVUPS(atIdx(dw2, wAt, 1, j*vb), t(j))
				a.VFMADD231PS(hv(j), dz, t(j))
				a.VMOVUPS(t(j), atIdx(dw2, wAt, 1, j*vb))
			}
		}
		a.ADDQ(rowBytes, wAt)
		a.INCQ(r)
		a.CMPQ(r, rows)
		a.JL(LabelRef(L + "row"))
		// dz1 = dh·d, and db1 += dz1.
		for j := range w {
			a.VMULPS(atIdx(d, col, 1, j*vb), acc(j), acc(j))
		}
		for j := range w {
			a.VMOVUPS(acc(j), atIdx(dz1, col, 1, j*vb))
		}
		for j := range w {
			a.VADDPS(atIdx(db1, col, 1, j*vb), acc(j), acc(j))
		}
		for j := range w {
			a.VMOVUPS(acc(j), atIdx(db1, col, 1, j*vb))
		}
		a.ADDQ(imm(w*vb), col)
	}
	// pass emits the loop over the column registers, maxBackRegs at a
	// time and then the rest in one group, labels prefixed by p.
	pass := func(p string, withDW2 bool) {
		a.Label(p + "pass")
		a.CMPQ(cols, imm(maxBackRegs))
		a.JL(LabelRef(p + "rest"))
		group(fmt.Sprintf("%s%d", p, maxBackRegs), maxBackRegs, withDW2)
		a.SUBQ(imm(maxBackRegs), cols)
		a.JMP(LabelRef(p + "pass"))
		a.Label(p + "rest")
		for w := 1; w < maxBackRegs; w++ {
			a.CMPQ(cols, imm(w))
			a.JEQ(LabelRef(fmt.Sprintf("%s%d", p, w)))
		}
		a.JMP(LabelRef("done"))
		for w := maxBackRegs - 1; w >= 1; w-- {
			L := fmt.Sprintf("%s%d", p, w)
			a.Label(L)
			group(L, w, withDW2)
			a.JMP(LabelRef("done"))
		}
	}
	pass("bk", true)
	a.Comment("The same without dW2, which the caller then accumulates over the",
		"whole batch (dw2 nil).")
	pass("bn", false)
}

// denseActivation emits the activation of one image's hidden row for
// denseAVX and denseHead: h = act(h + b1) masked to the real hidden units,
// d = act'(h + b1), a register of hidden units at a time, with the row's
// h and d at DI and SI, which it advances past the row (hp·4 bytes); it
// ends at the label out, which it places after its code. Its other labels
// are prefixed by p. It clobbers
// AX, CX, R8 and R9 and every vector register but one and sign (Y15 and
// Y14).
func denseActivation(a *gen.File, v gen.Vector, c *consts, field func(string) Mem, one, sign VecPhysical, p, out string) {
	vb := v.Bytes()
	// left counts the units left.
	h, d, mask, left, b1 := RDI, RSI, R8, RCX, R9
	a.MOVQ(field("mask"), mask)
	a.MOVQ(field("hp"), left)
	a.MOVQ(field("act"), RAX)
	a.MOVQ(field("b1"), b1)
	a.VMOVUPS(c.one, one)
	a.VMOVUPS(c.sign, sign)
	a.CMPQ(RAX, imm(1))
	a.JEQ(LabelRef(p + "tanh"))
	a.JGT(LabelRef(p + "relu"))
	next := func(label string, ptrs ...Register) {
		for _, p := range ptrs {
			a.ADDQ(imm(vb), p)
		}
		a.SUBQ(imm(v.Lanes), left)
		a.JNZ(LabelRef(label))
	}

	a.Comment("Sigmoid: σ = 1/(1+e) with e = exp(-z), σ' = (σe)σ. The mask zeroes",
		"σ(0) = 0.5 in the padding, which would otherwise leak into dW2.")
	a.Label(p + "sigmoid")
	z := v.Reg(0)
	a.VMOVUPS(at(h, 0), z)
	a.VADDPS(at(b1, 0), z, z)
	a.VXORPS(sign, z, z)
	exp(a, v, c, z, v.Reg(1), v.Reg(2), v.Reg(4))
	sigmoidTail(a, v, one, z)
	a.VANDPS(at(mask, 0), v.Reg(6), v.Reg(6))
	a.VMOVUPS(v.Reg(6), at(h, 0))
	a.VMOVUPS(v.Reg(7), at(d, 0))
	next(p+"sigmoid", h, d, mask, b1)
	a.JMP(LabelRef(out))

	a.Comment("Tanh: e = exp(-2|z|), q = 1/(1+e), tanh = ±(1-e)q, tanh' = ((4e)q)q.")
	a.Label(p + "tanh")
	zt := v.Reg(9)
	a.VMOVUPS(at(h, 0), zt)
	a.VADDPS(at(b1, 0), zt, zt)
	a.VANDNPS(zt, sign, z)
	a.VMULPS(c.minus2, z, z)
	exp(a, v, c, z, v.Reg(1), v.Reg(2), v.Reg(4))
	tanhTail(a, v, c, one, sign, z, zt)
	a.VMOVUPS(v.Reg(7), at(h, 0))
	a.VMOVUPS(z, at(d, 0))
	next(p+"tanh", h, d, b1)
	a.JMP(LabelRef(out))

	a.Comment("ReLU: max(z, 0) and the step function z > 0.")
	a.Label(p + "relu")
	zero, step := v.Reg(13), v.Reg(1)
	a.VXORPS(zero, zero, zero)
	a.Label(p + "reluloop")
	a.VMOVUPS(at(h, 0), z)
	a.VADDPS(at(b1, 0), z, z)
	relu(a, v, zero, one, z, step)
	a.VMOVUPS(z, at(h, 0))
	a.VMOVUPS(step, at(d, 0))
	next(p+"reluloop", h, d, b1)
	a.Label(out)
}

// headImages is the most images whose logits denseHead computes side by
// side: with two output registers each, eight independent chains, enough
// to keep the FMA units busy through their latency.
const headImages = 4

// denseHead emits denseHead (AVX2 only), the first half of denseAVX for a
// batch of images: the activation of each image's row, then the logits of
// up to headImages images at a time, the same chains as denseLogits
// computes, several images' chains side by side.
func denseHead(a *gen.File, v gen.Vector, c *consts) {
	if v.Wide() {
		panic("denseHead: written for AVX2")
	}
	vb := v.Bytes()
	a.Func(v.Name("denseHead", 0), "func(a *denseArgs)",
		"denseHead is the first half of denseAVX for n images (see denseArgs): for",
		"each image k, whose rows of h and d lie hp·k values after h and d,",
		"",
		"  h = act(h + b1) masked to the real hidden units, d = act'(h + b1)",
		"",
		"and then its logits into the row of op values op·k after z2, each",
		"z2[o] one chain of FMAs over j < hidden from b2[o] (W2ᵀ, w2t, must be",
		"set), z2[rows:op] = -inf: the values denseAVX computes, four images'",
		"chains side by side, so that the latency of the FMAs is hidden.",
		"denseTail then finishes each image. n ≥ 1.")
	args := R13
	a.Load(a.Param("a"), args)
	field := a.Fields("a", args)
	one, sign := v.Reg(15), v.Reg(14)

	a.Comment("The activations, image by image: the rows are contiguous, so DI and",
		"SI run on from one row to the next.")
	h, d, n := RDI, RSI, R10
	a.MOVQ(field("h"), h)
	a.MOVQ(field("d"), d)
	a.MOVQ(field("n"), n)
	a.Label("act")
	denseActivation(a, v, c, field, one, sign, "a", "actnext")
	a.DECQ(n)
	a.JNZ(LabelRef("act"))

	a.Comment("The logits, up to 4 images at a time (DI, their rows of h; SI, of z2)",
		"and up to 2 output registers at a time (BX, their byte offset): each",
		"image's chains are denseLogits', FMAs of W2ᵀ's row j by the broadcast",
		"h[j], from b2.")
	hk, zk, left, col, p, hj, cnt, hpB, hp3, opB, op3 := RDI, RSI, R11, RBX, R8, R9, RCX, RDX, R12, RAX, R14
	a.MOVQ(field("h"), hk)
	a.MOVQ(field("z2"), zk)
	a.MOVQ(field("n"), n)
	a.MOVQ(field("hp"), hpB)
	a.SHLQ(U8(2), hpB)
	a.LEAQ(atIdx(hpB, hpB, 2, 0), hp3)
	a.MOVQ(field("op"), opB)
	a.SHLQ(U8(2), opB)
	a.LEAQ(atIdx(opB, opB, 2, 0), op3)
	// rowAt(base, i) is the memory of image i's row, given image 0's at
	// base, for strides of hpB (h) or opB (z2) bytes.
	rowAt := func(base, stride, stride3 Register, i, disp int) Mem {
		switch i {
		case 0:
			return at(base, disp)
		case 3:
			return atIdx(base, stride3, 1, disp)
		}
		return atIdx(base, stride, uint8(i), disp)
	}
	acc := func(i, o int) VecPhysical { return v.Reg(2*i + o) }
	wv := func(o int) VecPhysical { return v.Reg(2*headImages + o) }
	bc := func(i int) VecPhysical { return v.Reg(2*headImages + 2 + i) }
	// group emits the logits of k images and w output registers at col,
	// labels prefixed by L.
	group := func(L string, k, w int) {
		a.MOVQ(field("b2"), p)
		for i := range k {
			for o := range w {
				a.VMOVUPS(atIdx(p, col, 1, o*vb), acc(i, o))
			}
		}
		a.MOVQ(field("w2t"), p)
		a.ADDQ(col, p)
		a.MOVQ(hk, hj)
		a.MOVQ(field("hidden"), cnt)
		a.Label(L + "j")
		for o := range w {
			a.VMOVUPS(at(p, o*vb), wv(o))
		}
		for i := range k {
			a.VBROADCASTSS(rowAt(hj, hpB, hp3, i, 0), bc(i))
			for o := range w {
				a.VFMADD231PS(wv(o), bc(i), acc(i, o))
			}
		}
		a.ADDQ(imm(4), hj)
		a.ADDQ(opB, p)
		a.DECQ(cnt)
		a.JNZ(LabelRef(L + "j"))
		a.LEAQ(atIdx(zk, col, 1, 0), cnt)
		for i := range k {
			for o := range w {
				a.VMOVUPS(acc(i, o), rowAt(cnt, opB, op3, i, o*vb))
			}
		}
	}
	a.Label("images")
	for k := headImages; k > 1; k-- {
		a.CMPQ(n, imm(k))
		if k == headImages {
			a.JGE(LabelRef(fmt.Sprintf("img%d", k)))
		} else {
			a.JEQ(LabelRef(fmt.Sprintf("img%d", k)))
		}
	}
	for k := 1; k <= headImages; k++ {
		L := fmt.Sprintf("img%d", k)
		a.Label(L)
		a.MOVQ(opB, left)
		a.SHRQ(U8(log2(vb)), left)
		a.XORQ(col, col)
		a.Label(L + "grp")
		a.CMPQ(left, imm(2))
		a.JL(LabelRef(L + "w1"))
		group(L+"w2", k, 2)
		a.ADDQ(imm(2*vb), col)
		a.SUBQ(imm(2), left)
		a.JNZ(LabelRef(L + "grp"))
		a.JMP(LabelRef(L + "next"))
		a.Label(L + "w1")
		group(L+"w1", k, 1)
		a.Label(L + "next")
		switch k {
		case 3:
			a.ADDQ(hp3, hk)
			a.ADDQ(op3, zk)
		default:
			a.LEAQ(atIdx(hk, hpB, uint8(k), 0), hk)
			a.LEAQ(atIdx(zk, opB, uint8(k), 0), zk)
		}
		a.SUBQ(imm(k), n)
		a.JNZ(LabelRef("images"))
		a.JMP(LabelRef("done"))
	}
	a.Label("done")
	a.VZEROUPPER()
	a.RET()
}

// denseTail emits denseTail (AVX2 only), the second half of denseAVX: the
// softmax and the backward pass of one image whose activations and logits
// denseHead has computed.
func denseTail(a *gen.File, v gen.Vector, c *consts) {
	if v.Wide() {
		panic("denseTail: written for AVX2")
	}
	a.Func(v.Name("denseTail", 0), "func(a *denseArgs)",
		"denseTail is the second half of denseAVX for one image (see denseArgs),",
		"given h, d and the logits in z2 as denseHead leaves them: from the",
		"softmax (if label ≥ 0) on, the same as denseAVX.")
	args := R13
	a.Load(a.Param("a"), args)
	field := a.Fields("a", args)
	one := v.Reg(15)
	a.VMOVUPS(c.one, one)
	rows, op, rowBytes := RCX, R11, R12
	a.MOVQ(field("z2"), RDI)
	a.MOVQ(field("rows"), rows)
	a.MOVQ(field("op"), op)
	a.MOVQ(field("hp"), rowBytes)
	a.SHLQ(U8(2), rowBytes)
	denseSoftmax(a, v, c, field, one)
	denseBackChain(a, v, field)
	a.Label("done")
	a.VZEROUPPER()
	a.RET()
}
