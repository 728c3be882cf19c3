package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// The first layer of models with several column blocks (HiddenPad > 64)
// works on a decoded batch (prepAVX), one column block at a time:
// tiledGather over pixel tiles (counted by tileCount), and cscScatter over
// the batch transposed by cscFill and cscEmit (csc.go).

// tiledGather emits tiledGather<blocks>.
func tiledGather(a *gen.File, v gen.Vector, f family, blocks int) {
	W := blocks * v.Lanes
	a.Func(f.name(v, blocks), f.sig,
		fmt.Sprintf("%s is one pixel tile of the first layer for n images, %d", f.name(v, blocks), W),
		fmt.Sprintf("columns: image k (row z + k·zstride bytes) adds fv[e]·w[off[e]/4:][0:%d] for", W),
		"e in bounds[k·bstride/4] up to bounds[k·bstride/4 + 1], continuing the",
		"chain of FMAs from the value the row holds, so tiles summed in pixel",
		"order give the same bits as one pass.")
	z, w, off, fv, bounds, n, bstride, zstride := RDI, RSI, R8, R9, R10, RCX, RDX, R11
	a.Load(a.Param("z"), z)
	a.Load(a.Param("w"), w)
	a.Load(a.Param("off"), off)
	a.Load(a.Param("fv"), fv)
	a.Load(a.Param("bounds"), bounds)
	a.Load(a.Param("n"), n)
	a.Load(a.Param("bstride"), bstride)
	a.Load(a.Param("zstride"), zstride)
	acc := func(j int) VecPhysical { return v.Reg(j) }
	value := v.Reg(maxBlocks)
	e, end, rowAt := RAX, RBX, R12

	a.Label("img")
	a.MOVLQSX(at(bounds, 0), e)
	a.MOVLQSX(at(bounds, 4), end)
	a.CMPQ(e, end)
	a.JGE(LabelRef("next"))
	for j := range blocks {
		a.VMOVUPS(at(z, j*v.Bytes()), acc(j))
	}
	a.Label("pix")
	a.MOVL(atIdx(off, e, 4, 0), rowAt.As32())
	a.VBROADCASTSS(atIdx(fv, e, 4, 0), value)
	for j := range blocks {
		a.VFMADD231PS(atIdx(w, rowAt, 1, j*v.Bytes()), value, acc(j))
	}
	a.INCQ(e)
	a.CMPQ(e, end)
	a.JL(LabelRef("pix"))
	for j := range blocks {
		a.VMOVUPS(acc(j), at(z, j*v.Bytes()))
	}
	a.Label("next")
	a.ADDQ(bstride, bounds)
	a.ADDQ(zstride, z)
	a.DECQ(n)
	a.JNZ(LabelRef("img"))
	a.VZEROUPPER()
	a.RET()
}

// cscScatter emits cscScatter<blocks>.
func cscScatter(a *gen.File, v gen.Vector, f family, blocks int) {
	W := blocks * v.Lanes
	a.Func(f.name(v, blocks), f.sig,
		f.name(v, blocks)+" is the first layer's gradient of a batch in pixel-major (CSC)",
		fmt.Sprintf("order, for one block of %d columns: for each of npix ≥ 1 distinct pixels", W),
		fmt.Sprintf("p, the row block dw[pix[p]/4:][0:%d] is loaded once, gets", W),
		fmt.Sprintf("entV[e]·dz[entK[e]/4:][0:%d] added for each of its entries e in order, and", W),
		"is stored once. Entries are in sample order, so every element is summed",
		"image by image in sample order, as scatterRaw sums it.")
	dw, dz, pix, pstart, entK, entV, npix := RDI, RSI, R8, R9, R10, R11, RCX
	a.Load(a.Param("dw"), dw)
	a.Load(a.Param("dz"), dz)
	a.Load(a.Param("pix"), pix)
	a.Load(a.Param("pstart"), pstart)
	a.Load(a.Param("entK"), entK)
	a.Load(a.Param("entV"), entV)
	a.Load(a.Param("npix"), npix)
	acc := func(j int) VecPhysical { return v.Reg(j) }
	value := v.Reg(maxBlocks)
	e, end, rowAt, dzAt := RDX, R12, RAX, RBX

	a.MOVLQSX(at(pstart, 0), e)
	a.Label("pix")
	a.MOVL(at(pix, 0), rowAt.As32())
	for j := range blocks {
		a.VMOVUPS(atIdx(dw, rowAt, 1, j*v.Bytes()), acc(j))
	}
	a.MOVLQSX(at(pstart, 4), end)
	a.Label("ent")
	a.MOVL(atIdx(entK, e, 4, 0), dzAt.As32())
	a.VBROADCASTSS(atIdx(entV, e, 4, 0), value)
	for j := range blocks {
		a.VFMADD231PS(atIdx(dz, dzAt, 1, j*v.Bytes()), value, acc(j))
	}
	a.INCQ(e)
	a.CMPQ(e, end)
	a.JL(LabelRef("ent"))
	for j := range blocks {
		a.VMOVUPS(acc(j), atIdx(dw, rowAt, 1, j*v.Bytes()))
	}
	a.ADDQ(imm(4), pix)
	a.ADDQ(imm(4), pstart)
	a.DECQ(npix)
	a.JNZ(LabelRef("pix"))
	a.VZEROUPPER()
	a.RET()
}

// tileCountMax is the number of tile boundaries tileCount handles; the
// tables file declares it for the Go side.
const tileCountMax = 12

// tileCount emits tileCount, which counts 16 pixel numbers (words) at a
// time in a 256-bit register.
func tileCount(a *gen.File, v gen.Vector, c *consts) {
	if v.Wide() {
		tileCount32(a, v)
		return
	}
	if v.Lanes != 8 {
		panic("tileCount: written for 256-bit registers")
	}
	a.Func("tileCount", "func(ge *int32, idx *uint16, n int, lim *uint16)",
		"tileCount sets ge[t] = how many of the n ≥ 1 pixel numbers idx[0:n] are ≥",
		fmt.Sprintf("lim[16t]+1, for t < %d: lim holds %d vectors of 16 equal words, each a", tileCountMax, tileCountMax),
		"tile boundary minus one. Sixteen pixels at a time, with no branch per",
		"pixel; the last group is masked, so nothing past idx[n-1] counts (it is",
		"read, though: the caller guarantees 16 readable words).")
	ge, idx, n, lim := RDI, RSI, RCX, RDX
	a.Load(a.Param("ge"), ge)
	a.Load(a.Param("idx"), idx)
	a.Load(a.Param("n"), n)
	a.Load(a.Param("lim"), lim)
	// count[t] counts, in 16 words, the pixels above boundary t.
	count := func(t int) VecPhysical { return v.Reg(3 + t) }
	pixels, above, valid := v.Reg(0), v.Reg(1), v.Reg(2)
	for t := range tileCountMax {
		a.VPXOR(count(t), count(t), count(t))
	}
	a.Label("loop")
	a.VMOVDQU(at(idx, 0), pixels)
	a.CMPQ(n, imm(16))
	a.JGE(LabelRef("full"))
	a.LEAQ(c.tailmask, RAX)
	a.MOVQ(I32(16), RBX)
	a.SUBQ(n, RBX)
	a.VPAND(atIdx(RAX, RBX, 2, 0), pixels, pixels)
	a.VPCMPEQW(valid, valid, valid)
	a.VPAND(atIdx(RAX, RBX, 2, 0), valid, valid)
	a.JMP(LabelRef("compare"))
	a.Label("full")
	a.VPCMPEQW(valid, valid, valid)
	a.Label("compare")
	for t := range tileCountMax {
		a.VPCMPGTW(at(lim, 32*t), pixels, above)
		a.VPAND(valid, above, above)
		a.VPSUBW(above, count(t), count(t))
	}
	a.ADDQ(imm(32), idx)
	a.SUBQ(imm(16), n)
	a.JG(LabelRef("loop"))

	// Horizontal sums: words to dwords (times 1), then the halves.
	ones, half := v.Reg(2), v.X(1)
	a.VMOVDQU(c.onesw, ones)
	for t := range tileCountMax {
		r, x := count(t), count(t).AsX()
		a.VPMADDWD(ones, r, r)
		a.VEXTRACTI128(U8(1), r, half)
		a.VPADDD(half, x, x)
		a.VPSHUFD(U8(0x4e), x, half)
		a.VPADDD(half, x, x)
		a.VPSHUFD(U8(0xb1), x, half)
		a.VPADDD(half, x, x)
		a.VMOVD(x, at(ge, 4*t))
	}
	a.VZEROUPPER()
	a.RET()
}

// tileCount32 emits tileCountZ, tileCount for AVX-512: 32 pixel numbers at
// a time in a ZMM register, compared with each boundary into an opmask
// whose population count is the number above it (AVX512BW's word compares;
// the last group is masked as it is loaded, so it reads nothing past
// idx[n-1]). The boundaries stay in registers, broadcast from lim.
func tileCount32(a *gen.File, v gen.Vector) {
	name := v.Name("tileCount", 0)
	a.Func(name, "func(ge *int32, idx *uint16, n int, lim *uint16)",
		name+" sets ge[t] = how many of the n ≥ 1 pixel numbers idx[0:n] are ≥",
		fmt.Sprintf("lim[16t]+1, for t < %d (lim as tileCount takes it), 32 pixels at a time.", tileCountMax))
	ge, idx, n, lim := RDI, RSI, RCX, RDX
	a.Load(a.Param("ge"), ge)
	a.Load(a.Param("idx"), idx)
	a.Load(a.Param("n"), n)
	a.Load(a.Param("lim"), lim)
	bound := func(t int) VecPhysical { return v.Reg(1 + t) }
	pixels := v.Reg(0)
	valid, above := K1, K2
	for t := range tileCountMax {
		a.VPBROADCASTW(at(lim, 32*t), bound(t))
		a.MOVL(U32(0), at(ge, 4*t))
	}
	a.Label("loop")
	// valid has a bit for each of the min(n, 32) pixels left.
	a.MOVL(U32(0xffffffff), EAX)
	a.CMPQ(n, imm(32))
	a.JGE(LabelRef("load"))
	a.BZHIL(ECX, EAX, EAX)
	a.Label("load")
	a.KMOVD(EAX, valid)
	a.VMOVDQU16_Z(at(idx, 0), valid, pixels)
	for t := range tileCountMax {
		a.VPCMPW(U8(6), bound(t), pixels, valid, above) // pixels > bound, signed as tileCount compares
		a.KMOVD(above, EAX)
		a.POPCNTL(EAX, EAX)
		a.ADDL(EAX, at(ge, 4*t))
	}
	a.ADDQ(imm(64), idx)
	a.SUBQ(imm(32), n)
	a.JG(LabelRef("loop"))
	a.VZEROUPPER()
	a.RET()
}
