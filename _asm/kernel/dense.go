package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// hmax reduces the lanes of register x into its lowest lane by maxima in
// a fixed tree: the upper half onto the lower (for a ZMM register, twice:
// 256 bits, then 128), then lanes 2-3 onto 0-1, then lane 1 onto 0. The
// maximum of finite values is exact, so the tree changes no bit; no sum
// goes across lanes (docs/ARITHMETIC.md). It clobbers tmp.
func hmax(a *gen.File, v gen.Vector, x, tmp VecPhysical) {
	xx, tx := x.AsX(), tmp.AsX()
	switch v.Lanes {
	case 16:
		a.VEXTRACTF64X4(U8(1), x, tmp.AsY())
		a.VMAXPS(tmp.AsY(), x.AsY(), x.AsY())
		a.VEXTRACTF128(U8(1), x.AsY(), tx)
	case 8:
		a.VEXTRACTF128(U8(1), x, tx)
	default:
		panic("hmax: written for 256- and 512-bit registers")
	}
	a.VMAXPS(tx, xx, xx)
	a.VPERMILPS(U8(0x0E), xx, tx)
	a.VMAXPS(tx, xx, xx)
	a.VPERMILPS(U8(0x01), xx, tx)
	a.VMAXSS(tx, xx, xx)
}

// denseAVX emits denseAVX, the dense middle for one image. The same
// emitters serve both register files: every chain is one lane's, so the
// lanes of a register only choose which chains run side by side.
func denseAVX(a *gen.File, v gen.Vector, c *consts) {
	a.Func(v.Name("denseAVX", 0), "func(a *denseArgs)",
		"denseAVX is everything between the two sparse layers for one sample, so",
		"that the hidden vector makes one trip through the caches (see denseArgs",
		"for the fields). Every value is one chain in the natural order of its",
		"terms (docs/ARITHMETIC.md):",
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
		fmt.Sprintf("hp and op are positive multiples of %d, 1 ≤ rows ≤ op.", v.Lanes))
	args := R13
	a.Load(a.Param("a"), args)
	field := a.Fields("a", args)
	one, sign := v.Reg(15), v.Reg(14)
	h, d := RDI, RSI
	a.MOVQ(field("h"), h)
	a.MOVQ(field("d"), d)
	denseActivation(a, v, c, field, one, sign, "", "out")
	denseLogits(a, v, field)
	denseSoftmax(a, v, c, field, one)
	denseBackChain(a, v, field)
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

// denseSoftmax emits the softmax and cost of denseAVX, dz2 and db2; it
// returns early (to done) for a forward pass. The maximum is exact in any
// order, so it takes lanes and a tree (hmax); the sum of the e is one
// scalar chain in output order (docs/ARITHMETIC.md), for 8 lanes and 16
// alike. It expects rows in CX and op in R11.
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
	hmax(a, v, zmax, v.Reg(4))
	a.VBROADCASTSS(zmax.AsX(), zmax)
	zl := v.X(5)
	a.VMOVSS(atIdx(z2, label, 4, 0), zl)
	a.VSUBSS(zmax.AsX(), zl, zl)
	a.VMOVSS(zl, field("zl"))

	e, sum := v.Reg(0), v.Reg(6)
	a.XORQ(col, col)
	a.Label("exp")
	a.VMOVUPS(atIdx(z2, col, 1, 0), e)
	a.VSUBPS(zmax, e, e)
	exp(a, v, c, e, v.Reg(1), v.Reg(2), v.Reg(4))
	a.VMOVUPS(e, atIdx(z2, col, 1, 0))
	a.ADDQ(imm(vb), col)
	a.CMPQ(col, opBytes)
	a.JL(LabelRef("exp"))
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

// maxLogitRegs is the most output registers denseLogits keeps in one pass
// over h: one chain each, all in step.
const maxLogitRegs = 8

// denseLogits emits the output layer of denseAVX with the outputs in
// lanes: z2[o] is one chain of FMAs over the real hidden units j in
// ascending order, starting from b2[o], acc = fma(W2ᵀ[j][o], h[j], acc).
// The op/lanes output registers go in groups of up to maxLogitRegs, each group
// one pass over h; the groups' chains are independent, so out-of-order
// execution overlaps them. b2's padding is -inf and W2ᵀ's is zero, so the
// padding logits come out -inf. It leaves rows in CX, the row stride of W2
// (hp·4) in R12 and op in R11, as the softmax and the backward pass expect.
func denseLogits(a *gen.File, v gen.Vector, field func(string) Mem) {
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

// denseBackChain emits the backward pass of denseAVX through W2,
// with the hidden units in lanes: dh[j] is one chain of FMAs over the real
// outputs o in ascending order, starting from +0, acc = fma(W2[o][j],
// dz2[o], acc); then dz1 = dh·d, db1 += dz1 and, unless dw2 is nil, dW2's
// row o += dz2[o]·h in the same pass. The hp/lanes column registers go in
// groups of up to maxBackRegs, one chain each. It expects rows in CX and
// the row stride hp·4 in R12.
func denseBackChain(a *gen.File, v gen.Vector, field func(string) Mem) {
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
// to keep the FMA units busy through their latency. On AVX-512, 10 outputs
// fill one register, so four images make four chains: half of what two
// FMA pipes could take, but the logits are a small part of an image's
// work beside the first layer.
const headImages = 4

// denseHead emits denseHead, the first half of denseAVX for a batch of
// images: the activation of each image's row, then the logits of
// up to headImages images at a time, the same chains as denseLogits
// computes, several images' chains side by side.
func denseHead(a *gen.File, v gen.Vector, c *consts) {
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

// denseTail emits denseTail, the second half of denseAVX: the
// softmax and the backward pass of one image whose activations and logits
// denseHead has computed.
func denseTail(a *gen.File, v gen.Vector, c *consts) {
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
