package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// accumulate emits accumulateAsm: one float32 register of src at a time,
// widened to float64 in two registers.
func accumulate(a *gen.File, v gen.Vector) {
	a.Func("accumulateAsm", "func(dst *float64, src *float32, n int, add bool)",
		"accumulateAsm sets dst[j] = (add ? dst[j] : 0) + float64(src[j]) and src[j]",
		"= 0 for j < n, a positive multiple of 8.")
	dst, src, n, add := RDI, RSI, RCX, RAX
	a.Load(a.Param("dst"), dst)
	a.Load(a.Param("src"), src)
	a.Load(a.Param("n"), n)
	a.MOVBLZX(a.Arg("add"), add.As32())
	zero := v.Reg(15)
	lo, hi := v.Reg(0), v.Reg(1) // src's lower and upper half as float64
	half := v.Bytes() / 2        // bytes of src widened into one register
	a.VXORPS(zero, zero, zero)
	a.TESTQ(add, add)
	a.JZ(LabelRef("set"))
	for _, adding := range []bool{true, false} {
		label := "set"
		if adding {
			label = "add"
		}
		a.Label(label)
		a.VCVTPS2PD(at(src, 0), lo)
		a.VCVTPS2PD(at(src, half), hi)
		if adding {
			a.VADDPD(at(dst, 0), lo, lo)
			a.VADDPD(at(dst, v.Bytes()), hi, hi)
		}
		a.VMOVUPD(lo, at(dst, 0))
		a.VMOVUPD(hi, at(dst, v.Bytes()))
		a.VMOVUPS(zero, at(src, 0))
		a.ADDQ(imm(v.Bytes()), src)
		a.ADDQ(imm(2*v.Bytes()), dst)
		a.SUBQ(imm(v.Lanes), n)
		a.JNZ(LabelRef(label))
		a.VZEROUPPER()
		a.RET()
	}
}
