package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// scatterRaw emits scatterRaw<blocks>: the first layer's gradient of a
// batch for a model of one column block, image by image. Narrow blocks
// (up to 2 registers) take two pixels per iteration, so that two
// independent load-FMA-store chains overlap.
func scatterRaw(a *gen.File, v gen.Vector, f family, blocks int) {
	W := blocks * v.Lanes
	unroll := 1
	if blocks <= 2 {
		unroll = 2
	}
	a.Func(f.name(v, blocks), f.sig,
		f.name(v, blocks)+" is the first layer's gradient of n ≥ 1 images straight from",
		fmt.Sprintf("their sparse form, for a model of HiddenPad %d: dw[idx[e]·%d:][0:%d] +=", W, W, W),
		"table[val[e]]·(row k of dz, zstride bytes apart) for the src[2k+1] pixels e",
		"from src[2k] on of each image k, summed image by image in sample order.")
	dw, dz, idx, val, src, n, zstride, table := RDI, RSI, R8, R9, R10, R14, RDX, R13
	a.Load(a.Param("dw"), dw)
	a.Load(a.Param("dz"), dz)
	a.Load(a.Param("idx"), idx)
	a.Load(a.Param("val"), val)
	a.Load(a.Param("src"), src)
	a.Load(a.Param("n"), n)
	a.Load(a.Param("zstride"), zstride)
	a.Load(a.Param("table"), table)

	// Per image: pix and vals walk its pixels, count counts them down, and
	// the image's row of dz stays in dzRow.
	pix, vals, count := R11, R12, RCX
	dzRow := func(j int) VecPhysical { return v.Reg(j) }
	a.Label("img")
	a.MOVLQSX(at(src, 0), RBX)
	a.MOVLQSX(at(src, 4), count)
	a.TESTQ(count, count)
	a.JZ(LabelRef("next"))
	a.LEAQ(atIdx(idx, RBX, 2, 0), pix)
	a.LEAQ(atIdx(val, RBX, 1, 0), vals)
	for j := range blocks {
		a.VMOVUPS(at(dz, j*v.Bytes()), dzRow(j))
	}
	// update adds factor·dzRow to the row of dw at byte offset rowAt, one
	// register at a time through the temporaries tmp, from tmp[t] on
	// (cycling); it returns where it stopped.
	update := func(rowAt Register, factor VecPhysical, tmp []VecPhysical, t int) int {
		for j := range blocks {
			tr := tmp[t%len(tmp)]
			t++
			a.VMOVUPS(atIdx(dw, rowAt, 1, j*v.Bytes()), tr)
			a.VFMADD231PS(dzRow(j), factor, tr)
			a.VMOVUPS(tr, atIdx(dw, rowAt, 1, j*v.Bytes()))
		}
		return t
	}
	regsFrom := func(i int) []VecPhysical {
		var rs []VecPhysical
		for ; i < v.Regs; i++ {
			rs = append(rs, v.Reg(i))
		}
		return rs
	}
	if unroll > 1 {
		factors := []VecPhysical{v.Reg(blocks), v.Reg(blocks + 1)}
		tmp := regsFrom(blocks + 2)
		a.CMPQ(count, imm(2))
		a.JL(LabelRef("tail"))
		a.Label("two")
		a.MOVBLZX(at(vals, 0), EAX)
		a.VBROADCASTSS(atIdx(table, RAX, 4, 0), factors[0])
		a.MOVBLZX(at(vals, 1), EAX)
		a.VBROADCASTSS(atIdx(table, RAX, 4, 0), factors[1])
		a.MOVWLZX(at(pix, 0), EAX)
		a.MOVWLZX(at(pix, 2), EBX)
		rowOffset(a, v, RAX, blocks)
		rowOffset(a, v, RBX, blocks)
		t := update(RAX, factors[0], tmp, 0)
		update(RBX, factors[1], tmp, t)
		a.ADDQ(imm(4), pix)
		a.ADDQ(imm(2), vals)
		a.SUBQ(imm(2), count)
		a.CMPQ(count, imm(2))
		a.JGE(LabelRef("two"))
		a.Label("tail")
		a.TESTQ(count, count)
		a.JZ(LabelRef("next"))
	}
	factor := v.Reg(blocks)
	a.Label("one")
	a.MOVBLZX(at(vals, 0), EAX)
	a.VBROADCASTSS(atIdx(table, RAX, 4, 0), factor)
	a.MOVWLZX(at(pix, 0), EAX)
	rowOffset(a, v, RAX, blocks)
	update(RAX, factor, regsFrom(blocks+1), 0)
	a.ADDQ(imm(2), pix)
	a.INCQ(vals)
	a.DECQ(count)
	a.JNZ(LabelRef("one"))

	a.Label("next")
	a.ADDQ(zstride, dz)
	a.ADDQ(imm(8), src)
	a.DECQ(n)
	a.JNZ(LabelRef("img"))
	a.VZEROUPPER()
	a.RET()
}
