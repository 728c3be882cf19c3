//go:build amd64

package kernel

import (
	"fmt"
	"math"
	"sort"
)

// asmPlan is what a Plan stores for the assembly path: every batch of
// its samples transposed, made once, in three bytes per non-zero pixel
// (and per padding entry, about 5% more on MNIST, where padded). Where the
// model has one column block, it also stores its images in their own
// order with each pixel as the offset of its weight row and its value,
// another three bytes, so that the first layer reads the offset rather
// than computing it.
type asmPlan struct {
	// Batch b (images idx[b·batch:], at most batch of them) uses the
	// distinct pixels pix[pixAt[b]:pixAt[b+1]], ascending, as byte offsets
	// of their weight rows. Pixel j's entries are pstart[j]:pstart[j+1],
	// one per image using it, in image order: entOff holds the offset of
	// the image's row of the batch's dz1 (position × HiddenPad × 4 bytes,
	// below 64 KiB since a batch's rows are, see batchSize; on the AVX-512
	// path, whose batches may be larger, in units of 8 bytes) and entRaw
	// its raw pixel value. Where padded, each list is padded to a multiple of 8
	// entries, so that planScatterPad runs its eight-entry loop alone,
	// without the slower four- and one-entry tails. That pays where a
	// model has one column block (and so do the image copies below); with
	// several, each block walks the lists again and a padding entry costs
	// more than a tail saves.
	padded bool
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

	// The images again, for gatherPlan: image k of the plan has the
	// src[2k+1] pixels from src[2k] on in offs (each weight row's byte
	// offset divided by 8) and vals, padded to a multiple of 8 with the
	// value 0 on the image's last weight row. Nil where the model has
	// several column blocks, the offsets do not fit 16 bits, or no pixel is
	// set.
	src  []int32
	offs []uint16
	vals []uint8

	// On the AVX2 path, where padded, the lists and the images come in
	// groups of group (entrySets) pixels or images, interleaved entry by
	// entry: group g of a batch's pixels has its rows' offsets in
	// pix[group·g:], its entries from pstart[g], and pixAt counts groups;
	// block k of the images has its entries from src[2k] (src[2k+1] of
	// them) and its images' positions in the batch in rows[group·k:], and
	// batch b's blocks are blockAt[b]:blockAt[b+1]. Each group's and
	// block's lists are padded to one length, a multiple of 8 in all, with
	// identity terms: on the identity row (see withIdentityRow) with the
	// value 0. An empty place of the last group or block repeats the first
	// one's row, which the kernels store last.
	group   int
	blockAt []int32
	rows    []int32
}

// entrySets is the number of accumulator sets the AVX2 entry loops keep
// for a column block of the given width in registers, and so the number of
// images or pixels a padded plan interleaves: 4, halved while they would
// take more than the 9 registers the loops leave to them (accSets in
// _asm/kernel/gather.go).
func entrySets(width int) int {
	sets := 4
	for sets*width > 9 {
		sets /= 2
	}
	return sets
}

// prepareAsmPlan fills p.asm for model m (see asmPlan).
func (m *Model) prepareAsmPlan(p *Plan) {
	if m.asm.z {
		m.prepareAsmPlanZ(p)
		return
	}
	s, idx, a := p.s, p.idx, &p.asm
	a.padded, a.group = m.oneBlock(), 1
	if a.padded {
		a.group = entrySets(m.blocks[0].width)
	}
	rowBytes := m.hp * 4
	// identity is the offset of the identity row of a Scratch's dz1, just
	// past a batch's rows (see NewScratch), below 64 KiB (see batchSize).
	identity := p.batch * rowBytes
	if a.padded && identity > math.MaxUint16 {
		panic(fmt.Sprintf("kernel: NewPlan: batch of %d rows of %d bytes, want at most 64 KiB", p.batch, rowBytes))
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
			n := len(lists[members[0]])
			if a.padded {
				n = roundUp(n, 8/a.group)
			}
			for place := range a.group {
				px := members[0]
				if place < len(members) {
					px = members[place]
				}
				a.pix = append(a.pix, uint32(px*rowBytes))
			}
			for e := range n {
				for place := range a.group {
					if place < len(members) && e < len(lists[members[place]]) {
						en := lists[members[place]][e]
						a.entOff = append(a.entOff, uint16(int(en.k)*rowBytes))
						a.entRaw = append(a.entRaw, en.raw)
					} else if a.padded {
						a.entOff = append(a.entOff, uint16(identity))
						a.entRaw = append(a.entRaw, 0)
					}
				}
			}
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

// blockImages fills src, offs, vals, rows and blockAt from the plan's images
// in s, batch by batch: the images of a batch in blocks of a.group, those of
// similar pixel counts together, each block's lists interleaved and padded
// with identity terms on the identity row of W1 (pixel inputs).
func (a *asmPlan) blockImages(s *Samples, idx []int32, batchLen, inputs, hp int) {
	identity := uint16(inputs * hp / 2)
	a.blockAt = []int32{0}
	order := make([]int, 0, batchLen)
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
			n := roundUp(count(members[0]), 8/a.group)
			start := len(a.offs)
			for place := range a.group {
				k := members[0]
				if place < len(members) {
					k = members[place]
				}
				a.rows = append(a.rows, int32(k))
			}
			for e := range n {
				for place := range a.group {
					if place < len(members) && e < count(members[place]) {
						pix, val := s.image(batch[members[place]])
						a.offs = append(a.offs, uint16(int(pix[e])*hp/2))
						a.vals = append(a.vals, val[e])
					} else {
						a.offs = append(a.offs, identity)
						a.vals = append(a.vals, 0)
					}
				}
			}
			a.src = append(a.src, int32(start), int32(len(a.offs)-start))
		}
		a.blockAt = append(a.blockAt, int32(len(a.src)/2))
	}
	a.vals = append(a.vals, make([]uint8, cvtOverrun)...)[:len(a.offs)]
}

// cvtOverrun is the spare capacity of entRaw and vals: AVX-512's loops
// convert a list's values 16 at a time (see gatherPlanZ1).
const cvtOverrun = 16

// entOffUnit returns the unit of entOff, in bytes, on path p.
func entOffUnit(p path) int {
	if p == avx512 {
		return 8
	}
	return 1
}

// prepareAsmPlanZ fills p.asm for model m on the AVX-512 path, whose
// kernels keep their own arithmetic: lists per pixel padded with zero
// terms, images in their order (see asmPlan).
func (m *Model) prepareAsmPlanZ(p *Plan) {
	s, idx := p.s, p.idx
	a := &p.asm
	nnz := p.nonZero()
	batches := (len(idx) + p.batch - 1) / p.batch
	a.padded = m.oneBlock()
	entries := nnz
	if a.padded {
		// Padding adds at most 7 entries per pixel and batch.
		entries += 7 * min(nnz, m.inputs*batches)
	}
	if entries > math.MaxInt32 {
		panic(fmt.Sprintf("kernel: NewPlan: %d non-zero pixels take up to %d entries, want at most %d", nnz, entries, math.MaxInt32))
	}
	a.pixAt = make([]int32, batches+1)
	a.entOff = make([]uint16, 0, entries)
	a.entRaw = make([]uint8, 0, entries+cvtOverrun)
	a.pstart = []int32{0}
	unit := entOffUnit(m.path)
	count := make([]int32, m.inputs)
	next := make([]int32, m.inputs)
	for b := range batches {
		batch := idx[b*p.batch : min(len(idx), (b+1)*p.batch)]
		for _, i := range batch {
			for _, px := range s.index[s.offsets[i]:s.offsets[i+1]] {
				count[px]++
			}
		}
		// Entries go pixel by pixel in ascending pixel order; next[px] is
		// where pixel px's next entry goes.
		at := a.pstart[len(a.pstart)-1]
		first := len(a.pix)
		for px, c := range count {
			if c == 0 {
				continue
			}
			a.pix = append(a.pix, uint32(px*m.hp*4))
			next[px] = at
			if a.padded {
				c = (c + 7) &^ 7
			}
			at += c
			a.pstart = append(a.pstart, at)
			count[px] = 0
		}
		a.pixAt[b+1] = int32(len(a.pix))
		a.entOff = a.entOff[:at]
		a.entRaw = a.entRaw[:at]
		for k, i := range batch {
			lo, hi := s.offsets[i], s.offsets[i+1]
			for e, px := range s.index[lo:hi] {
				a.entOff[next[px]] = uint16(k * m.hp * 4 / unit)
				a.entRaw[next[px]] = s.value[int(lo)+e]
				next[px]++
			}
		}
		// The padding repeats a list's last image with the value 0: a
		// term of zero, unless that image's dz1 is not finite, when the
		// pixel's sum is not finite anyway.
		for j := first; j < len(a.pix); j++ {
			px := int(a.pix[j]) / (m.hp * 4)
			for e := next[px]; e < a.pstart[j+1]; e++ {
				a.entOff[e], a.entRaw[e] = a.entOff[e-1], 0
			}
		}
	}
	if m.oneBlock() && nnz > 0 && (m.inputs-1)*m.hp/2 <= math.MaxUint16 {
		a.copyImages(s, p.idx, m.hp)
	}
	if m.asm.soa {
		a.labels = make([]int32, roundUp(len(idx), m.path.lanes()))
		for k, i := range idx {
			a.labels[k] = int32(m.label(s, i))
		}
	}
}

// copyImages fills src, offs and vals from the plan's images in s, each
// image's pixels padded to a multiple of 8 as the transposition's lists
// are, for the same reason (gatherPlan has no tail loops).
func (a *asmPlan) copyImages(s *Samples, idx []int32, hp int) {
	a.src = make([]int32, 2*len(idx))
	padded := 0
	for _, i := range idx {
		padded += int(s.offsets[i+1]-s.offsets[i]+7) &^ 7
	}
	a.offs = make([]uint16, 0, padded)
	a.vals = make([]uint8, 0, padded+cvtOverrun)
	for k, i := range idx {
		lo, hi := s.offsets[i], s.offsets[i+1]
		start := len(a.offs)
		for _, px := range s.index[lo:hi] {
			a.offs = append(a.offs, uint16(int(px)*hp/2))
		}
		a.vals = append(a.vals, s.value[lo:hi]...)
		for len(a.offs)%8 != 0 {
			a.offs, a.vals = append(a.offs, a.offs[len(a.offs)-1]), append(a.vals, 0)
		}
		a.src[2*k], a.src[2*k+1] = int32(start), int32(len(a.offs)-start)
	}
}

// hasImages reports whether p is a plan with its own copy of its images
// for gatherPlan; a nil plan has none.
func (p *Plan) hasImages() bool { return p != nil && p.asm.offs != nil }
