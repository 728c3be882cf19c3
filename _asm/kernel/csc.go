package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// The transposition of a batch for cscScatter: cscFill writes each image
// into a dense pixel-major byte matrix, cscEmit reads the matrix back pixel
// by pixel as lists of entries. Integer work only.

// cscFill emits cscFill.
func cscFill(a *gen.File) {
	a.Func("cscFill", "func(t *uint8, idx *uint16, val *uint8, n, k int)",
		"cscFill sets t[idx[j]·64 + k] = val[j] for n ≥ 0 pixels of image k of the",
		"batch: t is the batch as a dense pixel-major byte matrix, one 64-byte row",
		"per pixel. Plain stores, so unlike counting no load has to wait for an",
		"older store.")
	t, idx, val, n, k := RDI, RSI, R8, RCX, RDX
	a.Load(a.Param("t"), t)
	a.Load(a.Param("idx"), idx)
	a.Load(a.Param("val"), val)
	a.Load(a.Param("n"), n)
	a.Load(a.Param("k"), k)
	a.ADDQ(k, t) // t now addresses column k
	a.TESTQ(n, n)
	a.JZ(LabelRef("done"))
	a.Label("loop")
	a.MOVWQZX(at(idx, 0), RAX)
	a.MOVBLZX(at(val, 0), EBX)
	a.SHLQ(U8(6), RAX)
	a.MOVB(BL, atIdx(t, RAX, 1, 0))
	a.ADDQ(imm(2), idx)
	a.INCQ(val)
	a.DECQ(n)
	a.JNZ(LabelRef("loop"))
	a.Label("done")
	a.RET()
}

// cscEmit emits cscEmit, which reads the 64 bytes of a pixel's row in two
// 256-bit registers (cscEmitZ: in one ZMM register, whose non-zero bytes
// VPTESTMB marks in an opmask at once).
func cscEmit(a *gen.File, v gen.Vector) {
	name := v.Name("cscEmit", 0)
	a.Func(name, "func(t *uint8, inputs int, stride int, pix *uint32, pstart *int32, entK *uint32, entV *float32, table *[256]float32) (npix int)",
		name+" turns the byte matrix of cscFill into the transposed batch,",
		"clearing it again: for each pixel p < inputs whose row of t has non-zero",
		"bytes, in ascending order, pix[j] = p·stride, pstart[j] = the entry count",
		"so far, and one entry per non-zero byte, in ascending image order k:",
		"entK = k·rowBytes, entV = table[byte], where rowBytes = stride (the",
		"batch rows and the weight rows have the same length). pstart[npix] ends",
		"the last list.")
	t, inputs, stride, pix, pstart, entK, entV, table := RDI, RCX, RDX, R8, R9, R10, R11, R12
	a.Load(a.Param("t"), t)
	a.Load(a.Param("inputs"), inputs)
	a.Load(a.Param("stride"), stride)
	a.Load(a.Param("pix"), pix)
	a.Load(a.Param("pstart"), pstart)
	a.Load(a.Param("entK"), entK)
	a.Load(a.Param("entV"), entV)
	a.Load(a.Param("table"), table)
	zero := v.Reg(15)
	if v.Wide() {
		zero = v.Reg(31)
	}
	poff := a.AllocLocal(8) // the pixel's offset p·stride
	ents, npix := R14, RSI  // entries and distinct pixels so far
	if v.Wide() {
		a.VPXORD(zero, zero, zero)
	} else {
		a.VPXOR(zero, zero, zero)
	}
	a.MOVQ(I32(0), poff)
	a.XORQ(ents, ents)
	a.XORQ(npix, npix)

	// bits has a bit set for each non-zero byte of the row.
	bits, k, b := RAX, RBX, R13
	a.Label("pix")
	if v.Wide() {
		a.VMOVDQU64(at(t, 0), v.Reg(0))
		a.VPTESTMB(v.Reg(0), v.Reg(0), K1)
		a.KMOVQ(K1, bits)
	} else {
		a.VPCMPEQB(at(t, 0), zero, v.Reg(0))
		a.VPCMPEQB(at(t, 32), zero, v.Reg(1))
		a.VPMOVMSKB(v.Reg(0), bits.As32())
		a.VPMOVMSKB(v.Reg(1), k.As32())
		a.SHLQ(U8(32), k)
		a.ORQ(k, bits)
		a.NOTQ(bits)
	}
	a.TESTQ(bits, bits)
	a.JZ(LabelRef("next"))
	a.MOVQ(poff, RBX)
	a.MOVL(EBX, atIdx(pix, npix, 4, 0))
	a.MOVL(ents.As32(), atIdx(pstart, npix, 4, 0))
	a.INCQ(npix)
	a.Label("ent")
	a.BSFQ(bits, k)
	a.MOVBLZX(atIdx(t, k, 1, 0), b.As32())
	a.MOVL(atIdx(table, b, 4, 0), b.As32())
	a.MOVL(b.As32(), atIdx(entV, ents, 4, 0))
	a.IMULQ(stride, k)
	a.MOVL(k.As32(), atIdx(entK, ents, 4, 0))
	a.INCQ(ents)
	a.LEAQ(at(bits, -1), RBX)
	a.ANDQ(RBX, bits) // clear the lowest bit
	a.JNZ(LabelRef("ent"))
	if v.Wide() {
		a.VMOVDQU64(zero, at(t, 0))
	} else {
		a.VMOVDQU(zero, at(t, 0))
		a.VMOVDQU(zero, at(t, 32))
	}
	a.Label("next")
	a.ADDQ(imm(64), t)
	a.ADDQ(stride, poff)
	a.DECQ(inputs)
	a.JNZ(LabelRef("pix"))
	a.MOVL(ents.As32(), atIdx(pstart, npix, 4, 0))
	a.Store(npix, a.Return("npix"))
	a.VZEROUPPER()
	a.RET()
}
