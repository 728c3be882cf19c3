package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// prep emits prepAVX (prepAVXZ), which decodes a batch's pixels for the
// tiled loops, a register of lanes at a time (a register of 32-bit offsets
// from a load of as many 16-bit pixel numbers).
func prep(a *gen.File, v gen.Vector) {
	name := v.Name("prepAVX", 0)
	a.Func(name, "func(off *uint32, fv *float32, idx *uint16, val *uint8, src, start *int32, n, stride int, scale *float32)",
		name+" decodes the pixels of n ≥ 1 images for the tiled loops: image",
		"k's src[2k+1] pixels from idx[src[2k]:] and val[src[2k]:] become byte",
		"offsets off[j] = idx·stride of their weight rows and values fv[j] =",
		fmt.Sprintf("float32(val)·scale, from j = start[k] on. %d pixels at a time, then", v.Lanes),
		fmt.Sprintf("one at a time; the caller rounds a count up to a multiple of %d where", v.Lanes),
		"reading and writing past the image is harmless.")
	idx, val, src, start, n, stride := R10, R11, R12, R13, R14, RDX
	a.Load(a.Param("idx"), idx)
	a.Load(a.Param("val"), val)
	a.Load(a.Param("src"), src)
	a.Load(a.Param("start"), start)
	a.Load(a.Param("n"), n)
	a.Load(a.Param("stride"), stride)
	strides, scales := v.Reg(15), v.Reg(14) // stride and scale in every lane
	a.MOVQ(stride, strides.AsX())
	a.VPBROADCASTD(strides.AsX(), strides)
	a.Load(a.Param("scale"), RAX)
	a.VBROADCASTSS(at(RAX, 0), scales)

	// Per image: pix and vals walk its pixels, out and fv the outputs,
	// count counts down what is left.
	pix, vals, count, out, fv := R8, R9, RCX, RDI, RSI
	a.Label("img")
	a.MOVLQSX(at(src, 0), RAX)
	a.LEAQ(atIdx(idx, RAX, 2, 0), pix)
	a.LEAQ(atIdx(val, RAX, 1, 0), vals)
	a.MOVLQSX(at(src, 4), count)
	a.MOVLQSX(at(start, 0), RAX)
	a.Load(a.Param("off"), out)
	a.LEAQ(atIdx(out, RAX, 4, 0), out)
	a.Load(a.Param("fv"), fv)
	a.LEAQ(atIdx(fv, RAX, 4, 0), fv)

	offs, values := v.Reg(0), v.Reg(1)
	a.Label("eight")
	a.CMPQ(count, imm(v.Lanes))
	a.JL(LabelRef("one"))
	a.VPMOVZXWD(at(pix, 0), offs)
	a.VPMULLD(strides, offs, offs)
	if v.Wide() {
		a.VMOVDQU32(offs, at(out, 0))
	} else {
		a.VMOVDQU(offs, at(out, 0))
	}
	a.VPMOVZXBD(at(vals, 0), values)
	a.VCVTDQ2PS(values, values)
	a.VMULPS(scales, values, values)
	a.VMOVUPS(values, at(fv, 0))
	a.ADDQ(imm(v.Bytes()), out)
	a.ADDQ(imm(v.Bytes()), fv)
	a.ADDQ(imm(2*v.Lanes), pix)
	a.ADDQ(imm(v.Lanes), vals)
	a.SUBQ(imm(v.Lanes), count)
	a.JMP(LabelRef("eight"))

	a.Label("one")
	a.TESTQ(count, count)
	a.JZ(LabelRef("next"))
	a.MOVWQZX(at(pix, 0), RAX)
	a.IMULQ(stride, RAX)
	a.MOVL(EAX, at(out, 0))
	a.MOVBLZX(at(vals, 0), EBX)
	value := v.X(0)
	a.VXORPS(value, value, value)
	a.VCVTSI2SSL(EBX, value, value)
	a.VMULSS(scales.AsX(), value, value)
	a.VMOVSS(value, at(fv, 0))
	a.ADDQ(imm(4), out)
	a.ADDQ(imm(4), fv)
	a.ADDQ(imm(2), pix)
	a.INCQ(vals)
	a.DECQ(count)
	a.JMP(LabelRef("one"))

	a.Label("next")
	a.ADDQ(imm(8), src)
	a.ADDQ(imm(4), start)
	a.DECQ(n)
	a.JNZ(LabelRef("img"))
	a.VZEROUPPER()
	a.RET()
}
