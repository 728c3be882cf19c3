//go:build amd64

package kernel

import (
	"fmt"
	"math"
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

// prepareAsmPlan fills p.asm for model m (see asmPlan).
func (m *Model) prepareAsmPlan(p *Plan) {
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
	if m.keepsImages(nnz) {
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
