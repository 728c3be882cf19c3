//go:build amd64

package kernel

import (
	"fmt"
	"math"
	"sort"
)

// asmPlan is what a Plan stores for the assembly path: every batch of its
// samples transposed, made once, in three bytes per non-zero pixel (and
// per padding entry, where padded). Where the model has one column block,
// it also stores its images, each pixel as the offset of its weight row
// and its value, another three bytes, so that the first layer reads the
// offset rather than computing it.
//
// Where the model has one column block (padded), the lists and the images
// come in groups of group (entrySets) pixels or images, interleaved entry
// by entry, so that the kernels run that many chains side by side, one
// per set of accumulators. A group's or block's lists are padded to one
// length, a multiple of 8 in all, with identity terms: on an identity row
// (see withIdentityRow) with the value 0, which change no bit. An empty
// place of a batch's last group or block repeats its first member's row,
// which the kernels store last.
type asmPlan struct {
	// Batch b (images idx[b·batch:], at most batch of them) has the
	// groups pixAt[b]:pixAt[b+1]. Group g's pixels have the byte offsets of
	// their weight rows in pix[group·g:][:group], ascending by list length,
	// and its entries are pstart[g]:pstart[g+1], one per image using a
	// pixel, in image order: entOff holds the offset of the image's row of
	// the batch's dz1 (position × HiddenPad × 4 bytes, below 64 KiB since
	// a batch's rows are, see batchSize; on the AVX-512 path, whose
	// batches may be larger, in units of 8 bytes) and entRaw its raw pixel
	// value. Padding entries name the identity row just past the batch's.
	padded bool
	group  int
	pixAt  []int32
	pix    []uint32
	pstart []int32
	entOff []uint16
	entRaw []uint8

	// labels holds the images' labels for the dense middle of narrow
	// networks (Model.soa), checked once here rather than per call: image
	// k's at labels[k], zero beyond the last image up to a multiple of the
	// path's lanes.
	labels []int32

	// The images again, for gatherPlan: batch b's blocks are
	// blockAt[b]:blockAt[b+1], and block k's entries are offs and vals
	// from src[(2+group)·k] on, src[(2+group)·k+1] of them, the positions in
	// the batch of its images following: each pixel as its weight row's
	// byte offset divided by 8, padding on the identity row of the model's
	// W1 (pixel Inputs). Nil where the model has several column blocks,
	// the offsets do not fit 16 bits, or no pixel is set.
	blockAt []int32
	src     []int32
	offs    []uint16
	vals    []uint8
}

// cvtOverrun is the spare capacity of entRaw and vals: AVX-512's loops
// convert a list's values 16 at a time (see convertList in _asm/kernel).
const cvtOverrun = 16

// entOffUnit returns the unit of entOff, in bytes, on path p.
func entOffUnit(p path) int {
	if p == avx512 {
		return 8
	}
	return 1
}

// entrySets is the number of accumulator sets the entry loops of path p
// keep for a column block of the given width in registers, and so the
// number of images or pixels a padded plan interleaves (accSets in
// _asm/kernel/gather.go): on AVX2, 4, halved while they would take more
// than the 9 of 16 registers the loops leave to them; on AVX-512, 8,
// halved while they would take more than 28 of 32.
func entrySets(p path, width int) int {
	sets, free := 4, 9
	if p == avx512 {
		sets, free = 8, 28
	}
	for sets*width > free {
		sets /= 2
	}
	return sets
}

// prepareAsmPlan fills p.asm for model m (see asmPlan).
func (m *Model) prepareAsmPlan(p *Plan) {
	s, idx, a := p.s, p.idx, &p.asm
	a.padded, a.group = m.oneBlock(), 1
	if a.padded {
		a.group = entrySets(m.path, m.blocks[0].width)
	}
	rowBytes, unit := m.hp*4, entOffUnit(m.path)
	// identity is the offset of the identity row of a Scratch's dz1, just
	// past a batch's rows (see NewScratch), in units that keep it below
	// 64 Ki (see batchSize).
	identity := p.batch * rowBytes / unit
	if a.padded && identity > math.MaxUint16 {
		panic(fmt.Sprintf("kernel: NewPlan: batch of %d rows of %d bytes, want at most 64 Ki units of %d", p.batch, rowBytes, unit))
	}
	type entry struct {
		k   uint16
		raw uint8
	}
	lists := make([][]entry, m.inputs)
	var used []int
	a.pixAt = []int32{0}
	a.pstart = []int32{0}
	for lo := 0; lo < len(idx); lo += p.batch {
		batch := idx[lo:min(len(idx), lo+p.batch)]
		for k, i := range batch {
			pix, val := s.image(i)
			for e, px := range pix {
				lists[px] = append(lists[px], entry{uint16(k), val[e]})
			}
		}
		used = used[:0]
		for px, l := range lists {
			if len(l) > 0 {
				used = append(used, px)
			}
		}
		if a.padded {
			// Pixels of similar list lengths share a group, so that little
			// is padding.
			sort.SliceStable(used, func(x, y int) bool { return len(lists[used[x]]) > len(lists[used[y]]) })
		}
		for g := 0; g < len(used); g += a.group {
			members := used[g:min(len(used), g+a.group)]
			for place := range a.group {
				a.pix = append(a.pix, uint32(member(members, place)*rowBytes))
			}
			a.entOff, a.entRaw = interleave(a.entOff, a.entRaw, a.group, members, a.padded,
				func(px int) int { return len(lists[px]) },
				func(px, e int) (uint16, uint8) {
					en := lists[px][e]
					return uint16(int(en.k) * rowBytes / unit), en.raw
				}, uint16(identity))
			a.pstart = append(a.pstart, int32(len(a.entOff)))
		}
		for _, px := range used {
			lists[px] = lists[px][:0]
		}
		a.pixAt = append(a.pixAt, int32(len(a.pstart)-1))
	}
	if len(a.entOff) > math.MaxInt32 {
		panic(fmt.Sprintf("kernel: NewPlan: %d entries, want at most %d", len(a.entOff), math.MaxInt32))
	}
	a.entRaw = append(a.entRaw, make([]uint8, cvtOverrun)...)[:len(a.entOff)]
	if m.oneBlock() && p.nonZero() > 0 && m.inputs*m.hp/2 <= math.MaxUint16 {
		a.blockImages(s, idx, p.batch, m.inputs, m.hp)
	}
	if m.asm.soa {
		a.labels = make([]int32, roundUp(len(idx), m.path.lanes()))
		for k, i := range idx {
			a.labels[k] = int32(m.label(s, i))
		}
	}
}

// blockImages fills blockAt, src, offs and vals from the plan's images in
// s, batch by batch: the images of a batch in blocks of a.group, those of
// similar pixel counts together, each block's lists interleaved and padded
// with identity terms on the identity row of W1 (pixel inputs).
func (a *asmPlan) blockImages(s *Samples, idx []int32, batchLen, inputs, hp int) {
	identity := uint16(inputs * hp / 2)
	a.blockAt = []int32{0}
	order := make([]int, 0, batchLen)
	blocks := 0
	for lo := 0; lo < len(idx); lo += batchLen {
		batch := idx[lo:min(len(idx), lo+batchLen)]
		order = order[:0]
		for k := range batch {
			order = append(order, k)
		}
		count := func(k int) int { return int(s.offsets[batch[k]+1] - s.offsets[batch[k]]) }
		sort.SliceStable(order, func(x, y int) bool { return count(order[x]) > count(order[y]) })
		for b := 0; b < len(order); b += a.group {
			members := order[b:min(len(order), b+a.group)]
			start := len(a.offs)
			a.offs, a.vals = interleave(a.offs, a.vals, a.group, members, true, count,
				func(k, e int) (uint16, uint8) {
					pix, val := s.image(batch[k])
					return uint16(int(pix[e]) * hp / 2), val[e]
				}, identity)
			a.src = append(a.src, int32(start), int32(len(a.offs)-start))
			for place := range a.group {
				a.src = append(a.src, int32(member(members, place)))
			}
			blocks++
		}
		a.blockAt = append(a.blockAt, int32(blocks))
	}
	a.vals = append(a.vals, make([]uint8, cvtOverrun)...)[:len(a.offs)]
}

// member returns the member at place of a group of pixels or images, or
// for an empty place (the last group of a batch may be short) its first
// member: the kernels store a group's rows from its last place to its
// first, so that the first member's own sums, stored last, stand.
func member(members []int, place int) int {
	if place < len(members) {
		return members[place]
	}
	return members[0]
}

// interleave appends to offs and raws the lists of a group's members,
// entry by entry: entry e of place 0, of place 1, …, of place group-1, then
// entry e+1, so that the kernels' accumulator set s takes place s's list.
// count gives a member's list length and entry its entry e. Where padded,
// every place runs to the longest list rounded up to fill a multiple of 8
// entries in all, an empty place or a shorter list taking identity terms
// (the identity row, the value 0), which change no bit; unpadded (groups
// of one), the list is appended as it is.
func interleave(offs []uint16, raws []uint8, group int, members []int, padded bool,
	count func(m int) int, entry func(m, e int) (uint16, uint8), identity uint16) ([]uint16, []uint8) {
	n := 0
	for _, m := range members {
		n = max(n, count(m))
	}
	if padded {
		n = roundUp(n, 8/group)
	}
	for e := range n {
		for place := range group {
			if place < len(members) && e < count(members[place]) {
				off, raw := entry(members[place], e)
				offs, raws = append(offs, off), append(raws, raw)
			} else if padded {
				offs, raws = append(offs, identity), append(raws, 0)
			}
		}
	}
	return offs, raws
}

// hasImages reports whether p is a plan with its own copy of its images
// for gatherPlan; a nil plan has none.
func (p *Plan) hasImages() bool { return p != nil && p.asm.offs != nil }
