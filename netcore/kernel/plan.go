package kernel

import (
	"fmt"
	"math"
)

// Plan is a fixed list of samples prepared once for many gradients over
// them, as full-batch training takes one every iteration.
//
// The first layer's gradient is cheapest pixel by pixel: each weight row
// read once, the contributions of all the images using that pixel summed
// in registers, and the row written once. That needs the images of a batch
// transposed, which costs more than it saves if done for every gradient.
// A Plan stores the transposition of every batch, made once, in three
// bytes per non-zero pixel (and per padding entry, about 5% more on MNIST,
// where padded). Where the model has one column block, it also
// stores its images in their own order with each pixel as the offset of
// its weight row and its value, another three bytes, so that the first
// layer reads the offset rather than computing it.
//
// GradientPlan over a plan gives the same sums as Gradient over the same
// samples up to float32 rounding (the terms of each image's first layer and
// of each first-layer weight's gradient are added in another order), and
// bitwise the same sums on every call.
// A Plan is read-only once made and may be shared by goroutines.
type Plan struct {
	s   *Samples
	idx []int32
	// The shape the plan was made for: byte offsets depend on it.
	inputs, hp, batch int

	// Batch b (images idx[b·batch:], at most batch of them) uses the
	// distinct pixels pix[pixAt[b]:pixAt[b+1]], ascending, as byte offsets
	// of their weight rows. Pixel j's entries are pstart[j]:pstart[j+1],
	// one per image using it, in image order: entOff holds the byte offset
	// of the image's row of the batch's dz1 (position × HiddenPad × 4, below
	// 64 KiB since a batch's rows are, see batchSize) and entRaw its raw
	// pixel value. Where padded, each list is padded to a multiple of 8
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
	// k's at labels[k], zero beyond the last image up to a multiple of 8.
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

// NewPlan prepares the samples s[idx[k]] for GradientPlan with m or any
// model of the same shape. It copies idx; s must stay unchanged while the
// plan is used. Like Gradient, it panics if s does not fit m or an index is
// outside s, and, for a narrow network (whose plan keeps the labels), if a
// label is not below m's outputs.
func (m *Model) NewPlan(s *Samples, idx []int32) *Plan {
	if s.Dim != m.inputs {
		panic(fmt.Sprintf("kernel: NewPlan: images of %d pixels, model wants %d", s.Dim, m.inputs))
	}
	p := &Plan{
		s:      s,
		idx:    append([]int32(nil), idx...),
		inputs: m.inputs,
		hp:     m.hp,
		batch:  m.batchSize(),
	}
	if !m.fast {
		return p
	}
	nnz := 0
	for _, i := range idx {
		nnz += int(s.Offsets[i+1] - s.Offsets[i])
	}
	batches := (len(idx) + p.batch - 1) / p.batch
	p.padded = len(m.blocks) == 1
	entries := nnz
	if p.padded {
		// Padding adds at most 7 entries per pixel and batch.
		entries += 7 * min(nnz, m.inputs*batches)
	}
	if entries > math.MaxInt32 {
		panic(fmt.Sprintf("kernel: NewPlan: %d non-zero pixels take up to %d entries, want at most %d", nnz, entries, math.MaxInt32))
	}
	p.pixAt = make([]int32, batches+1)
	p.entOff = make([]uint16, 0, entries)
	p.entRaw = make([]uint8, 0, entries)
	p.pstart = []int32{0}
	count := make([]int32, m.inputs)
	next := make([]int32, m.inputs)
	for b := range batches {
		batch := idx[b*p.batch : min(len(idx), (b+1)*p.batch)]
		for _, i := range batch {
			for _, px := range s.Index[s.Offsets[i]:s.Offsets[i+1]] {
				count[px]++
			}
		}
		// Entries go pixel by pixel in ascending pixel order; next[px] is
		// where pixel px's next entry goes.
		at := p.pstart[len(p.pstart)-1]
		first := len(p.pix)
		for px, c := range count {
			if c == 0 {
				continue
			}
			p.pix = append(p.pix, uint32(px*m.hp*4))
			next[px] = at
			if p.padded {
				c = (c + 7) &^ 7
			}
			at += c
			p.pstart = append(p.pstart, at)
			count[px] = 0
		}
		p.pixAt[b+1] = int32(len(p.pix))
		p.entOff = p.entOff[:at]
		p.entRaw = p.entRaw[:at]
		for k, i := range batch {
			lo, hi := s.Offsets[i], s.Offsets[i+1]
			for e, px := range s.Index[lo:hi] {
				p.entOff[next[px]] = uint16(k * m.hp * 4)
				p.entRaw[next[px]] = s.Value[int(lo)+e]
				next[px]++
			}
		}
		// The padding repeats a list's last image with the value 0: a
		// term of zero, unless that image's dz1 is not finite, when the
		// pixel's sum is not finite anyway.
		for j := first; j < len(p.pix); j++ {
			px := int(p.pix[j]) / (m.hp * 4)
			for e := next[px]; e < p.pstart[j+1]; e++ {
				p.entOff[e], p.entRaw[e] = p.entOff[e-1], 0
			}
		}
	}
	if p.padded && nnz > 0 && (m.inputs-1)*m.hp/2 <= math.MaxUint16 {
		p.copyImages(s, m.hp)
	}
	if m.soa {
		p.labels = make([]int32, (len(idx)+7)&^7)
		for k, i := range idx {
			p.labels[k] = int32(m.label(s, i))
		}
	}
	return p
}

// copyImages fills src, offs and vals from the plan's images in s, each
// image's pixels padded to a multiple of 8 as the transposition's lists
// are, for the same reason (gatherPlan has no tail loops).
func (p *Plan) copyImages(s *Samples, hp int) {
	p.src = make([]int32, 2*len(p.idx))
	padded := 0
	for _, i := range p.idx {
		padded += int(s.Offsets[i+1]-s.Offsets[i]+7) &^ 7
	}
	p.offs = make([]uint16, 0, padded)
	p.vals = make([]uint8, 0, padded)
	for k, i := range p.idx {
		lo, hi := s.Offsets[i], s.Offsets[i+1]
		start := len(p.offs)
		for _, px := range s.Index[lo:hi] {
			p.offs = append(p.offs, uint16(int(px)*hp/2))
		}
		p.vals = append(p.vals, s.Value[lo:hi]...)
		for len(p.offs)%8 != 0 {
			p.offs, p.vals = append(p.offs, p.offs[len(p.offs)-1]), append(p.vals, 0)
		}
		p.src[2*k], p.src[2*k+1] = int32(start), int32(len(p.offs)-start)
	}
}

// hasImages reports whether p is a plan with its own copy of its images
// for gatherPlan; a nil plan has none.
func (p *Plan) hasImages() bool { return p != nil && p.offs != nil }

// Len returns the number of samples in the plan.
func (p *Plan) Len() int { return len(p.idx) }

// GradientPlan adds to g the gradient sums and cost of the plan's samples,
// as Gradient does for them (see Plan for how the sums may differ). It does
// not allocate. It panics if the plan was made for a model of another shape.
func (m *Model) GradientPlan(g *Grad, p *Plan, ws *Scratch) {
	// The batch size follows from hp (see batchSize), so the plan's batches
	// are m's too.
	if p.inputs != m.inputs || p.hp != m.hp {
		panic("kernel: GradientPlan: plan made for another model shape")
	}
	if !m.fast || p.pixAt == nil {
		m.Gradient(g, p.s, p.idx, ws)
		return
	}
	m.mustMatch("GradientPlan", p.s, ws)
	m.mustFitGrad("GradientPlan", g)
	g.Cost += m.gradientAsm(g, p.s, p.idx, ws, p)
}
