package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// The loops over an image's pixels (gatherRaw, gatherPlan) and over a
// pixel's images (planScatter) share entryLoops: both sum, into one column
// block of accumulator registers, a weighted row per entry of a list.

// prefetch is how many entries ahead the eight-entry loops ask for their
// entry data: the hardware prefetchers follow the streams, but not far
// enough ahead for loops this short.
const prefetch = 384

// accSets returns how many sets of accumulators the entry loops of a block
// of the given width keep, and so how many images or pixels a plan's
// interleaved lists hold (kernel.entrySets): as many (up to 4, a power of
// two) as fit in the registers below the 7 at the top that the loops need
// for themselves (see newEntryRegs). Each set is its own image's or
// pixel's chain, so more sets mean more independent chains in flight.
// AVX-512's loops need only 4 registers for themselves and may use up to 8
// sets: a one-register block (HiddenPad 16) does one FMA per entry, and 8
// chains keep both FMA pipes busy where 4 would leave one idle half the
// time.
func accSets(v gen.Vector, blocks int) int {
	free, sets := v.Regs-7, 4
	if v.Wide() {
		free, sets = v.Regs-4, 8
	}
	for sets*blocks > free {
		sets /= 2
	}
	if sets == 0 {
		panic(fmt.Sprintf("accSets: no room for a block of %d", blocks))
	}
	return sets
}

// entryRegs are the registers of entryLoops: the accumulators, set s's
// register j being acc(s, j) (from register 0 up), and, at the top, the
// scale in every lane, the two registers that take turns holding an
// entry's value in every lane, and the three of spread8 (AVX-512: the one
// of spread16, and spill, the stack slot it stores the values to).
type entryRegs struct {
	blocks, sets  int
	acc           func(s, j int) VecPhysical
	scale         VecPhysical
	tmp           [2]VecPhysical
	vals, lo, hi  VecPhysical
	spill         Mem
	e, end, rowAt GPPhysical // the entry, the end of the list, the row offset
}

// newEntryRegs returns the registers of entryLoops for a block of the given
// width (entryLoops16 allocates the spill slot in the function's frame
// where it needs one).
func newEntryRegs(v gen.Vector, blocks int) entryRegs {
	r := entryRegs{
		blocks: blocks,
		sets:   accSets(v, blocks),
		acc:    func(s, j int) VecPhysical { return v.Reg(s*blocks + j) },
		scale:  v.Reg(v.Regs - 1),
		e:      R11, end: R12, rowAt: RBX,
	}
	if v.Wide() {
		r.tmp, r.vals = [2]VecPhysical{v.Reg(v.Regs - 3), v.Reg(v.Regs - 2)}, v.Reg(v.Regs-4)
		return r
	}
	r.tmp, r.vals = [2]VecPhysical{v.Reg(v.Regs - 4), v.Reg(v.Regs - 3)}, v.Reg(v.Regs-5)
	r.lo, r.hi = v.Reg(v.Regs-7), v.Reg(v.Regs-6)
	return r
}

// entryList is the list entryLoops runs over: entry r.e+i has its row
// offset in the uint16 at off(i) and its raw value in the byte at val(i);
// row is the row of the entry whose offset is in r.rowAt; fix, if not nil,
// turns the loaded uint16 in r.rowAt into the offset that row wants. end8
// is a free register for end-8, or nil where every list is a multiple of 8
// entries long. AVX-512's loops need a free register in either case: endW,
// for end-16 (the same as end8 where there is one). Where base is set
// (lists padded to multiples of 8, whose values may be read 16 at a time),
// they convert a list's values into the buffer whose address is the
// argument buf before the list's loops, base being a free register.
type entryList struct {
	off, val func(i int) Mem
	row      Mem
	fix      func()
	end8     Register
	endW     Register
	buf      Mem
	base     Register
}

// spread8 loads the 8 raw pixel bytes at src as scaled float32 values into
// r.lo (values 0-3 in both halves) and r.hi (values 4-7), ready for lane.
// It copies the halves with VINSERTF128 and VEXTRACTF128, not VPERM2F128,
// which Zen 1 splits into 8 micro-ops: that made the first layer and its
// gradient 7% faster there (EXPERIMENTS.md, session 9).
func spread8(a *gen.File, v gen.Vector, r entryRegs, src Mem) {
	if v.Lanes != 8 {
		panic("spread8: written for 8 lanes")
	}
	a.VPMOVZXBD(src, r.vals)
	a.VCVTDQ2PS(r.vals, r.vals)
	a.VMULPS(r.scale, r.vals, r.vals)
	a.VINSERTF128(U8(1), r.vals.AsX(), r.vals, r.lo)
	a.VEXTRACTF128(U8(1), r.vals, r.hi.AsX())
	a.VINSERTF128(U8(1), r.hi.AsX(), r.hi, r.hi)
}

// lane broadcasts value i of the 8 spread by spread8 to every lane of dst.
func lane(a *gen.File, r entryRegs, i int, dst VecPhysical) {
	src := r.lo
	if i >= 4 {
		src = r.hi
	}
	a.VPERMILPS(U8((i%4)*0x55), src, dst)
}

// scaled broadcasts the raw pixel byte at src, scaled, to every lane of dst
// (clobbering AX).
func scaled(a *gen.File, r entryRegs, src Mem, dst VecPhysical) {
	x := dst.AsX()
	a.MOVBLZX(src, EAX)
	a.VXORPS(x, x, x)
	a.VCVTSI2SSL(EAX, x, x)
	a.VMULSS(r.scale.AsX(), x, x)
	a.VBROADCASTSS(x, dst)
}

// zeroSets zeroes the accumulator sets.
func zeroSets(a *gen.File, r entryRegs) {
	for s := range r.sets {
		for j := range r.blocks {
			a.VXORPS(r.acc(s, j), r.acc(s, j), r.acc(s, j))
		}
	}
}

// entryLoops emits the loops over the entries r.e < r.end of one list (an
// image's pixels, or a pixel's images): eight entries at a time, their
// values converted in one register and spread with in-register shuffles
// rather than loaded one by one; then four, then one. Entry i of a group
// goes to accumulator set i mod r.sets (lists with tails, l.end8 set, are
// taken alone, in one set). Each set is a sum of its own (an image's or a pixel's of an interleaved list, or
// the one set of a list taken alone): the loops never add sets together,
// which would split a value's chain (docs/ARITHMETIC.md). With l.end8 nil,
// only the eight-entry loop is emitted.
func entryLoops(a *gen.File, v gen.Vector, r entryRegs, l entryList) {
	if v.Wide() {
		entryLoops16(a, v, r, l)
		return
	}
	fmas := func(t VecPhysical, s int) { l.fmas(a, v, r, t, s) }
	load := func(i int) { l.load(a, r, i) }
	if l.end8 == nil {
		a.CMPQ(r.e, r.end)
		a.JGE(LabelRef("done"))
	} else {
		a.LEAQ(at(r.end, -8), l.end8)
		a.CMPQ(r.e, l.end8)
		a.JG(LabelRef("four"))
	}

	a.Label("eight")
	a.PREFETCHT0(l.off(prefetch))
	a.PREFETCHT0(l.val(prefetch))
	spread8(a, v, r, l.val(0))
	for i := range 8 {
		load(i)
		t := r.tmp[i%2]
		lane(a, r, i, t)
		fmas(t, i%r.sets)
	}
	a.ADDQ(imm(8), r.e)
	if l.end8 == nil {
		a.CMPQ(r.e, r.end)
		a.JL(LabelRef("eight"))
		a.Label("done")
		return
	}
	a.CMPQ(r.e, l.end8)
	a.JLE(LabelRef("eight"))

	a.Label("four")
	entryTails(a, r, func(width int) {
		for i := range width {
			t := r.tmp[i%2]
			scaled(a, r, l.val(i), t)
			load(i)
			fmas(t, i%r.sets)
		}
	})
}

// entryTails emits the tails of the entry loops, from label four on: a
// group of four entries if four are left, then one at a time, group
// emitting the work of width entries.
func entryTails(a *gen.File, r entryRegs, group func(width int)) {
	entryGroup(a, r, 4, "tail", group)
	a.Label("tail")
	a.CMPQ(r.e, r.end)
	a.JGE(LabelRef("done"))
	a.Label("one")
	group(1)
	a.INCQ(r.e)
	a.CMPQ(r.e, r.end)
	a.JL(LabelRef("one"))
	a.Label("done")
}

// entryGroup emits width entries (group) if as many are left, else a jump
// to skip.
func entryGroup(a *gen.File, r entryRegs, width int, skip string, group func(width int)) {
	a.LEAQ(at(r.e, width), RAX)
	a.CMPQ(RAX, r.end)
	a.JG(LabelRef(skip))
	group(width)
	a.ADDQ(imm(width), r.e)
}

// fmas emits the FMAs of one entry, whose value is in t, into set s.
func (l entryList) fmas(a *gen.File, v gen.Vector, r entryRegs, t VecPhysical, s int) {
	for j := range r.blocks {
		a.VFMADD231PS(l.row.Offset(j*v.Bytes()), t, r.acc(s, j))
	}
}

// load loads entry i's row offset into r.rowAt.
func (l entryList) load(a *gen.File, r entryRegs, i int) {
	a.MOVWLZX(l.off(i), r.rowAt.As32())
	if l.fix != nil {
		l.fix()
	}
}

// spread16 loads the width ≤ 16 raw pixel bytes at src as scaled float32
// values and stores them to r.spill, from where each is broadcast to a
// register by a load. AVX-512's one-register blocks (HiddenPad 16) do a
// single FMA per entry, so broadcasting the values in registers, as
// spread8 and lane do, would make the shuffle port, shared with one of the
// two FMA pipes, the bottleneck; a broadcast from memory takes a load port
// instead. Loads from the slot just stored are served by store
// forwarding, though, which is slow; where the lists allow, entryLoops16
// converts a whole list first instead (convertList).
func spread16(a *gen.File, v gen.Vector, r entryRegs, src Mem, width int) {
	var vals, scale Register = r.vals, r.scale
	if width == 8 {
		vals, scale = r.vals.AsY(), r.scale.AsY()
	}
	a.VPMOVZXBD(src, vals)
	a.VCVTDQ2PS(vals, vals)
	a.VMULPS(scale, vals, vals)
	a.VMOVUPS(vals, r.spill)
}

// convertList converts the values of the list r.e < r.end, 16 at a time
// (reading up to 15 past the end, and converting at least 16), into the
// buffer at l.buf, and points l.base at the buffer less r.e floats, so that
// entry r.e+i's value is at atIdx(l.base, r.e, 4, 4i). By the time the
// loops load them, most of the stores have left the store buffer: the
// loads read the cache rather than wait for forwarding.
func convertList(a *gen.File, v gen.Vector, r entryRegs, l entryList) {
	e := r.rowAt // free until the loops load the first offset
	a.MOVQ(l.buf, l.base)
	a.MOVQ(r.e, RAX)
	a.SHLQ(U8(2), RAX)
	a.SUBQ(RAX, l.base)
	a.MOVQ(r.e, e)
	a.Label("convert")
	a.VPMOVZXBD(atIdx(l.val(0).Base, e, 1, 0), r.vals)
	a.VCVTDQ2PS(r.vals, r.vals)
	a.VMULPS(r.scale, r.vals, r.vals)
	a.VMOVUPS(r.vals, atIdx(l.base, e, 4, 0))
	a.ADDQ(imm(v.Lanes), e)
	a.CMPQ(e, r.end)
	a.JL(LabelRef("convert"))
}

// entryLoops16 is entryLoops for AVX-512: sixteen entries at a time, their
// values converted in one register and broadcast from the stack (see
// spread16); then eight; then, where l.end8 is set (lists of any length),
// four and one, as entryLoops does. Entry i of a group of 16 or 8, or of
// the four, goes to accumulator set i mod r.sets, a lone entry to set 0,
// and, as there, each set stays a sum of its own. Where
// l.end8 is nil every list is a multiple of 8 entries long, so that after
// the groups of 16 either nothing or exactly 8 remain.
func entryLoops16(a *gen.File, v gen.Vector, r entryRegs, l entryList) {
	fmas := func(t VecPhysical, s int) { l.fmas(a, v, r, t, s) }
	load := func(i int) { l.load(a, r, i) }
	// group emits the work of width entries: their values converted by
	// spread16 (or scaled, for fewer than 8), or where the list was
	// converted first, from the buffer.
	group := func(width int) {
		if l.base == nil && width >= 8 {
			spread16(a, v, r, l.val(0), width)
		}
		for i := range width {
			t := r.tmp[i%2]
			switch {
			case l.base != nil:
				load(i)
				a.VBROADCASTSS(atIdx(l.base, r.e, 4, 4*i), t)
			case width >= 8:
				load(i)
				a.VBROADCASTSS(r.spill.Offset(4*i), t)
			default:
				scaled(a, r, l.val(i), t)
				load(i)
			}
			fmas(t, i%r.sets)
		}
	}
	if l.base != nil {
		convertList(a, v, r, l)
	} else {
		r.spill = a.AllocLocal(v.Bytes())
	}
	a.LEAQ(at(r.end, -16), l.endW)
	a.CMPQ(r.e, l.endW)
	a.JG(LabelRef("eight"))

	a.Label("sixteen")
	a.PREFETCHT0(l.off(prefetch))
	a.PREFETCHT0(l.val(prefetch))
	group(16)
	a.ADDQ(imm(16), r.e)
	a.CMPQ(r.e, l.endW)
	a.JLE(LabelRef("sixteen"))

	a.Label("eight")
	if l.end8 == nil {
		a.CMPQ(r.e, r.end)
		a.JGE(LabelRef("done"))
		group(8)
		a.ADDQ(imm(8), r.e)
		a.Label("done")
		return
	}
	entryGroup(a, r, 8, "four", group)
	a.Label("four")
	entryTails(a, r, group)
}

// rowOffset turns the pixel number in x into the byte offset of its weight
// row, for a single column block of the given width.
func rowOffset(a *gen.File, v gen.Vector, x GPPhysical, blocks int) {
	stride := v.Bytes() * blocks
	if k := log2(stride); k >= 0 {
		a.SHLQ(U8(k), x)
	} else {
		a.IMUL3Q(imm(stride), x, x)
	}
}

// entOffScale returns how many bytes a unit of a plan's entOff is for v:
// AVX-512's plans count in units of 8 bytes (see kernel.entOffUnit).
func entOffScale(v gen.Vector) int {
	if v.Wide() {
		return 8
	}
	return 1
}

// gather emits gatherRaw<blocks>, or with planned gatherPlan<blocks>, the
// first layer of a model of one column block in the one arithmetic: every
// hidden unit of every image one chain over the image's pixels in
// ascending order, from +0.
//
// Without a plan an image's chain is one set of accumulators, a chain of
// dependent FMAs per register. A plan's images come in blocks of as many
// images as entryLoops has sets, their lists interleaved entry by entry
// (image s of the block takes entries s, s+sets, …), so that the sets are
// the images' own chains, side by side; the plan pads each block's lists
// to one length with identity terms, which change no bit (see NewPlan).
// AVX-512 converts a block's values into buf first (see convertList).
func gather(a *gen.File, v gen.Vector, f family, blocks int, planned bool) {
	W := blocks * v.Lanes
	name := f.name(v, blocks)
	r := newEntryRegs(v, blocks)
	if planned {
		doc := []string{
			fmt.Sprintf("%s is %s over a Plan's blocks of %d images: for each of", name, v.Name("gatherRaw", blocks), r.sets),
			fmt.Sprintf("n ≥ 1 blocks k (src + k·%d bytes), entries src[0] to src[0]+src[1] (a multiple of", 4*(2+r.sets)),
			fmt.Sprintf("8) interleave the images' lists, entry e adding float32(val[e])·scale·w[off[e]·2:][0:%d]", W),
			fmt.Sprintf("to image e mod %d of the block, whose row of z is src[2 + e mod %d]·zstride bytes on.", r.sets, r.sets),
			"off[e] is the byte offset of the weight row divided by 8. The rows are",
			"stored from the block's last image to its first, so that an empty place",
			"of a block, given its first image's row and identity terms, leaves that",
			"row to the image (see gather in _asm/kernel/gather.go).",
		}
		if v.Wide() {
			doc = append(doc, "buf has room for a block's values, converted there before its loops",
				"(see convertList).")
		}
		a.Func(name, f.sigFor(v), doc...)
	} else {
		r.sets = 1
		a.Func(name, f.sig,
			fmt.Sprintf("%s is the first layer of n ≥ 1 images straight from their", name),
			fmt.Sprintf("sparse form, for a model of HiddenPad %d (one column block, weight rows", W),
			fmt.Sprintf("of %d bytes): image k (row z + k·zstride bytes) = Σ float32(val[e])·scale·", 4*W),
			fmt.Sprintf("w[idx[e]·%d:][0:%d] over its src[2k+1] pixels e from src[2k] on, each unit", W, W),
			"one chain of FMAs in pixel order from +0.")
	}
	z, w, pix, val, src, n, zstride := RDI, RSI, R8, R9, R10, R14, RDX
	a.Load(a.Param("z"), z)
	a.Load(a.Param("w"), w)
	if planned {
		a.Load(a.Param("off"), pix)
	} else {
		a.Load(a.Param("idx"), pix)
	}
	a.Load(a.Param("val"), val)
	a.Load(a.Param("src"), src)
	a.Load(a.Param("n"), n)
	a.Load(a.Param("zstride"), zstride)
	a.Load(a.Param("scale"), RAX)
	a.VBROADCASTSS(at(RAX, 0), r.scale)

	a.Label("img")
	a.MOVLQSX(at(src, 0), r.e)
	a.MOVLQSX(at(src, 4), r.end)
	a.ADDQ(r.e, r.end)
	zeroSets(a, r)
	l := entryList{
		off: func(i int) Mem { return atIdx(pix, r.e, 2, 2*i) },
		val: func(i int) Mem { return atIdx(val, r.e, 1, i) },
	}
	// The plan's blocks are padded and hold row offsets divided by 8; the
	// samples' images are not, and hold pixel numbers.
	if planned {
		l.row = atIdx(w, r.rowAt, 8, 0)
		if v.Wide() {
			l.buf, l.base = a.Arg("buf"), R13
		}
	} else {
		l.row = atIdx(w, r.rowAt, 1, 0)
		l.end8 = RCX
		l.fix = func() { rowOffset(a, v, r.rowAt, blocks) }
	}
	l.endW = RCX
	entryLoops(a, v, r, l)
	step := 8
	if planned {
		for s := r.sets - 1; s >= 0; s-- {
			a.MOVLQSX(at(src, 8+4*s), RAX)
			a.IMULQ(zstride, RAX)
			for j := range blocks {
				a.VMOVUPS(r.acc(s, j), atIdx(z, RAX, 1, j*v.Bytes()))
			}
		}
		step += 4 * r.sets
	} else {
		for j := range blocks {
			a.VMOVUPS(r.acc(0, j), at(z, j*v.Bytes()))
		}
		a.ADDQ(zstride, z)
	}
	a.ADDQ(imm(step), src)
	a.DECQ(n)
	a.JNZ(LabelRef("img"))
	a.VZEROUPPER()
	a.RET()
}

// planScatter emits planScatter<blocks>, or with padded planScatterPad<blocks>,
// the first layer's gradient from a Plan in the one arithmetic: every
// weight one chain over the images using its pixel, in image order,
// continuing from the gradient's value (the row is loaded first and
// stored last, rather than a sum added to it), so that the plan's batches
// leave no mark on the bits.
//
// The lists of a plan for several column blocks go pixel by pixel, in one
// set. A padded plan's pixels come in groups of as many pixels as
// entryLoops has sets, their lists interleaved entry by entry, so that the
// sets are the pixels' own chains side by side.
func planScatter(a *gen.File, v gen.Vector, f family, blocks int, padded bool) {
	W := blocks * v.Lanes
	name := f.name(v, blocks)
	r := newEntryRegs(v, blocks)
	dzAt := map[bool]string{false: "entOff[e]/4", true: "entOff[e]·2"}[v.Wide()]
	var doc []string
	if padded {
		doc = []string{
			fmt.Sprintf("%s is the first layer's gradient of a batch transposed by NewPlan, for", name),
			fmt.Sprintf("one block of %d columns, over npix ≥ 1 groups of %d pixels: for group g,", W, r.sets),
			"entries pstart[g] to pstart[g+1] (a multiple of 8) interleave the pixels' lists of",
			fmt.Sprintf("images, entry e adding float32(entRaw[e])·scale·dz[%s:][0:%d] to the", dzAt, W),
			fmt.Sprintf("row dw[pix[%d·g + e mod %d]/4:][0:%d], which is loaded first and stored last,", r.sets, r.sets, W),
			"from the group's last pixel to its first, so that an empty place of a",
			"group, given its first pixel's row and identity terms, leaves that row",
			"to the pixel (see planScatter in _asm/kernel/gather.go).",
		}
	} else {
		r.sets = 1
		doc = []string{
			fmt.Sprintf("%s is the first layer's gradient of a batch transposed by NewPlan, for", name),
			fmt.Sprintf("one block of %d columns: for each of npix ≥ 1 distinct pixels j, the row", W),
			fmt.Sprintf("block dw[pix[j]/4:][0:%d] is loaded, takes float32(entRaw[e])·scale·dz[%s:][0:%d]", W, dzAt, W),
			"for each of its entries e in pstart[j]:pstart[j+1] (images in ascending",
			"order) in one chain of FMAs, and is stored.",
		}
	}
	if v.Wide() {
		doc = append(doc, "buf has room for a list's values, converted there before its loops",
			"(see convertList).")
	}
	a.Func(name, f.sigFor(v), doc...)
	dw, dz, pix, pstart, entOff, entRaw, npix, rowAt := RDI, RSI, R8, R9, R10, R13, RCX, R14
	a.Load(a.Param("dw"), dw)
	a.Load(a.Param("dz"), dz)
	a.Load(a.Param("pix"), pix)
	a.Load(a.Param("pstart"), pstart)
	a.Load(a.Param("entOff"), entOff)
	a.Load(a.Param("entRaw"), entRaw)
	a.Load(a.Param("npix"), npix)
	a.Load(a.Param("scale"), RAX)
	a.VBROADCASTSS(at(RAX, 0), r.scale)
	a.MOVLQSX(at(pstart, 0), r.e)

	a.Label("pix")
	a.MOVLQSX(at(pstart, 4), r.end)
	for s := range r.sets {
		a.MOVL(at(pix, 4*s), rowAt.As32())
		for j := range blocks {
			a.VMOVUPS(atIdx(dw, rowAt, 1, j*v.Bytes()), r.acc(s, j))
		}
	}
	l := entryList{
		off: func(i int) Mem { return atIdx(entOff, r.e, 2, 2*i) },
		val: func(i int) Mem { return atIdx(entRaw, r.e, 1, i) },
		// AVX-512's plans hold the offsets in units of 8 bytes, for
		// batches of up to 512 KiB of rows.
		row: atIdx(dz, r.rowAt, uint8(entOffScale(v)), 0),
	}
	if v.Wide() {
		// rowAt is free while the loops run.
		l.buf, l.base = a.Arg("buf"), rowAt
	}
	if !padded {
		l.end8 = RDX
	}
	l.endW = RDX
	entryLoops(a, v, r, l)
	for s := r.sets - 1; s >= 0; s-- {
		a.MOVL(at(pix, 4*s), rowAt.As32())
		for j := range blocks {
			a.VMOVUPS(r.acc(s, j), atIdx(dw, rowAt, 1, j*v.Bytes()))
		}
	}
	a.ADDQ(imm(4*r.sets), pix)
	a.ADDQ(imm(4), pstart)
	a.DECQ(npix)
	a.JNZ(LabelRef("pix"))
	a.VZEROUPPER()
	a.RET()
}
