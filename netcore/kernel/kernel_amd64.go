//go:build amd64

package kernel

import (
	"math"

	"golang.org/x/sys/cpu"
)

// haveAsm says whether this machine runs the AVX2+FMA assembly.
var haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The assembly path handles images in batches (see Model.batchSize). For
// each batch it runs the first layer over all images, then the dense middle
// (activation, output layer, softmax, and the gradient back to dz1), then
// the first layer's gradient.
//
// The first layer comes in two layouts, chosen by the number of column
// blocks (runs of up to 8 registers of hidden units):
//
//   - one block (HiddenPad ≤ 64): image by image, straight from the sparse
//     form. gatherRaw sums each image's weight rows into registers, its
//     pixel values converted eight at a time and spread across lanes with
//     shuffles rather than loaded one by one; scatterRaw adds the gradient
//     to the rows, a load, an FMA and a store per register and pixel.
//   - several blocks: W1T and dW1T no longer fit the cache, so the batch is
//     decoded (prepare) and goes one column block at a time. gatherTiled
//     also goes one tile of tileRows pixels at a time, each tile's weights
//     staying in L1 while every image of the batch visits it. scatterCSC
//     works on the batch transposed (buildCSC), pixel by pixel: a pixel's
//     gradient row is loaded once, takes the contributions of all the
//     images using it in registers, and is stored once, instead of once per
//     image.
//
// With a Plan (full-batch training), every layout takes the first layer's
// gradient from the plan's stored transposition instead (planScatter):
// pixel by pixel like scatterCSC, with several accumulator sets, and
// without transposing anything per call.
//
// The dense middle also comes in two forms: 8 images at a time, one per
// lane, for narrow 10-class networks (denseSoA, see soaArgs), and one image
// at a time otherwise (denseAVX). Where the output layer is wide, dW2 is
// accumulated once per batch (dw2Batch).
//
// Without a plan, every value is summed in an order that depends neither on
// the batch size nor on how idx is split across calls: within an image in a
// fixed order, and across images in sample order (TestIdxOrder). With a
// plan, the first layer's gradient is summed per batch of the plan, in an
// order fixed when the plan is made.

// tileRows is the height of gatherTiled's pixel tiles: 96 rows of a
// 256-byte column block take 24 KiB of a 32 KiB L1 cache.
const tileRows = 96

// tileCountMax is the number of tile boundaries tileCount handles.
const tileCountMax = 12

// prepare decodes the batch's images into ws.off and ws.fv (see prepAVX),
// image k at ws.start[k]:ws.start[k+1].
func (m *Model) prepare(s *Samples, idx []int32, ws *Scratch) {
	if len(s.Index) == 0 {
		for k := range len(idx) + 1 {
			ws.start[k] = 0
		}
		return
	}
	var pos int32
	src, start := ws.src[:2*len(idx)], ws.start[:len(idx)+1]
	// Decode whole groups of 8 where the arrays allow reading past the
	// image (NewSamples pads them): the extra entries are junk that the next
	// image overwrites or nobody reads, and the decoder needs no
	// one-at-a-time tail.
	limit := min(cap(s.Index), cap(s.Value))
	for k, i := range idx {
		lo, hi := s.Offsets[i], s.Offsets[i+1]
		n := hi - lo
		if n8 := (n + lanes - 1) &^ (lanes - 1); int(lo)+int(n8) <= limit {
			n = n8
		}
		src[2*k], src[2*k+1] = lo, n
		start[k] = pos
		pos += hi - lo
	}
	start[len(idx)] = pos
	_, _ = s.Index[:limit], s.Value[:limit]
	prepAVX(&ws.off[0], &ws.fv[0], &s.Index[:1][0], &s.Value[:1][0], &src[0], &start[0], len(idx), m.hp*4, &m.scale)
}

// tileBounds sets, for every image k of the prepared batch, where its
// decoded pixels cross tile boundaries: image k's pixels in tile t are
// ws.off/fv[bounds[k·(T+1)+t] : bounds[k·(T+1)+t+1]], T = ws.tiles.
func (m *Model) tileBounds(s *Samples, idx []int32, ws *Scratch) {
	nt := ws.tiles
	var ge [tileCountMax]int32
	for k, i := range idx {
		lo, hi := s.Offsets[i], s.Offsets[i+1]
		n := int(hi - lo)
		b := ws.bounds[k*(nt+1) : (k+1)*(nt+1)]
		base := ws.start[k]
		b[0], b[nt] = base, base+int32(n)
		if nt == 1 || n == 0 {
			continue
		}
		// tileCount reads whole groups of 16 pixel numbers.
		if pix := s.Index[lo:]; nt-1 <= tileCountMax && cap(pix) >= (n+15)&^15 {
			tileCount(&ge[0], &pix[0], n, &ws.lim[0])
			for t := 1; t < nt; t++ {
				b[t] = base + int32(n) - ge[t-1]
			}
			continue
		}
		t, next := 0, tileRows
		for e, p := range s.Index[lo:hi] {
			for int(p) >= next {
				t++
				b[t] = base + int32(e)
				next += tileRows
			}
		}
		for t < nt-1 {
			t++
			b[t] = base + int32(n)
		}
	}
}

// gatherTiled is the first layer one column block and one pixel tile at a time;
// ws.z must be zero.
func (m *Model) gatherTiled(batch int, ws *Scratch) {
	nt := ws.tiles
	bstride, zstride := (nt+1)*4, m.hp*4
	for _, blk := range m.blocks {
		c := blk.col
		for t := range nt {
			tiledGatherFns[blk.width](&ws.z[c], &m.w1t[c], &ws.off[0], &ws.fv[0], &ws.bounds[t], batch, bstride, zstride)
		}
	}
}

// buildCSC transposes the batch (at most maxBatch images): the npix distinct
// pixels it uses, in ascending order, with byte offsets ws.pix of their
// weight rows, and for pixel j the entries ws.pstart[j]:ws.pstart[j+1]
// naming the images using it (ws.entK, the byte offset of the image's row in
// ws.dz1, in batch order) and the scaled pixel values (ws.entV). It goes
// through ws.t, a dense pixel × image byte matrix that is zero between calls.
func (m *Model) buildCSC(s *Samples, idx []int32, ws *Scratch) (npix int) {
	for k, i := range idx {
		lo, hi := s.Offsets[i], s.Offsets[i+1]
		if hi > lo {
			_ = s.Value[hi-1]
			cscFill(&ws.t[0], &s.Index[lo], &s.Value[lo], int(hi-lo), k)
		}
	}
	_, _ = ws.pix[m.inputs-1], ws.pstart[m.inputs]
	_, _ = ws.entK[len(idx)*m.inputs-1], ws.entV[len(idx)*m.inputs-1]
	return cscEmit(&ws.t[0], m.inputs, m.hp*4, &ws.pix[0], &ws.pstart[0], &ws.entK[0], &ws.entV[0], &m.table)
}

// scatterCSC adds the first layer's gradient of a transposed batch to dW1T.
func (m *Model) scatterCSC(g *Grad, npix int, ws *Scratch) {
	if npix == 0 {
		return
	}
	pix, ps, ek, ev := &ws.pix[0], &ws.pstart[0], &ws.entK[0], &ws.entV[0]
	for _, blk := range m.blocks {
		c := blk.col
		cscScatterFns[blk.width](&g.w1t[c], &ws.dz1[c], pix, ps, ek, ev, npix)
	}
}

// firstLayer leaves in ws.z the first layer's sums (W1·x) of the batch's
// images; with a plan, the batch is plan batch b.
func (m *Model) firstLayer(s *Samples, batch []int32, ws *Scratch, plan *Plan, b int) {
	if len(m.blocks) == 1 {
		if !plan.hasImages() {
			m.locate(s, batch, ws)
		}
		m.gatherRaw(s, len(batch), ws, plan, b)
		return
	}
	m.prepare(s, batch, ws)
	m.tileBounds(s, batch, ws)
	clear(ws.z[:len(batch)*m.hp])
	m.gatherTiled(len(batch), ws)
}

// gatherRaw is the first layer of a model with one column block, for n
// images: plan batch b from the plan's copy of its images where it has
// one, else the batch located in ws.src.
func (m *Model) gatherRaw(s *Samples, n int, ws *Scratch, plan *Plan, b int) {
	width := m.blocks[0].width
	if plan.hasImages() {
		gatherPlanFns[width](&ws.z[0], &m.w1t[0], &plan.offs[0], &plan.vals[0], &plan.src[2*b*plan.batch], n, m.hp*4, &m.scale)
		return
	}
	if len(s.Index) == 0 {
		clear(ws.z[:n*m.hp])
		return
	}
	gatherRawFns[width](&ws.z[0], &m.w1t[0], &s.Index[0], &s.Value[0], &ws.src[0], n, m.hp*4, &m.scale)
}

// locate sets ws.src to where each image of the batch lies in s: image k's
// pixels are s.Index/Value[src[2k] : src[2k]+src[2k+1]].
func (m *Model) locate(s *Samples, batch []int32, ws *Scratch) {
	src := ws.src[:2*len(batch)]
	for k, i := range batch {
		lo, hi := s.Offsets[i], s.Offsets[i+1]
		src[2*k], src[2*k+1] = lo, hi-lo
	}
}

// firstLayerGrad adds the batch's first-layer gradient, from ws.dz1, to g.
// With a plan, the batch is plan batch b, already transposed.
func (m *Model) firstLayerGrad(g *Grad, s *Samples, batch []int32, ws *Scratch, plan *Plan, b int) {
	if plan != nil {
		m.scatterPlan(g, plan, b, ws)
		return
	}
	if len(m.blocks) == 1 {
		if len(s.Index) > 0 {
			scatterRawFns[m.blocks[0].width](&g.w1t[0], &ws.dz1[0], &s.Index[0], &s.Value[0], &ws.src[0], len(batch), m.hp*4, &m.table)
		}
		return
	}
	m.scatterCSC(g, m.buildCSC(s, batch, ws), ws)
}

// scatterPlan adds the first layer's gradient of plan batch b to dW1T.
func (m *Model) scatterPlan(g *Grad, p *Plan, b int, ws *Scratch) {
	lo, hi := p.pixAt[b], p.pixAt[b+1]
	if lo == hi {
		return
	}
	pix, ps, eo, er := &p.pix[lo], &p.pstart[lo], &p.entOff[0], &p.entRaw[0]
	fns := &planScatterFns
	if p.padded {
		fns = &planScatterPadFns
	}
	for _, blk := range m.blocks {
		c := blk.col
		fns[blk.width](&g.w1t[c], &ws.dz1[c], pix, ps, eo, er, int(hi-lo), &m.scale)
	}
}

// costSum accumulates the cost Σ log(sum_i) - zl_i of a run of images from
// the dense middle's per-image terms. Logarithms are slow, so the sums (each
// in [1, Outputs]) are multiplied together and the logarithm taken only when
// the product grows large. The zero value is not ready: start from
// newCostSum.
type costSum struct {
	zl, prod, logs float64
}

func newCostSum() costSum { return costSum{prod: 1} }

// add takes in one image's terms: zl = z2[label] - max and sum = Σ exp(z2 - max).
func (c *costSum) add(zl, sum float32) {
	c.zl += float64(zl)
	c.prod *= float64(sum)
	if c.prod > 1e280 {
		c.fold()
	}
}

// fold moves the product into logs. It is rare, and kept out of line so
// that add inlines into the per-image loops.
//
//go:noinline
func (c *costSum) fold() {
	c.logs += math.Log(c.prod)
	c.prod = 1
}

// total returns the summed cost of the images added so far.
func (c *costSum) total() float64 { return c.logs + math.Log(c.prod) - c.zl }

// denseSoA runs the dense middle and the output layer's gradient sums for
// the batch (whose first layer is in ws.z) and adds its cost terms to cost.
// With a plan, the batch is plan batch b, whose labels the plan holds if
// it was made by a narrow network too (any model of the same HiddenPad may
// have made it).
func (m *Model) denseSoA(g *Grad, s *Samples, batch []int32, ws *Scratch, cost *costSum, plan *Plan, b int) {
	hp := m.hp
	a := &ws.soa
	a.b1, a.w2b, a.b2, a.work = &m.b1[0], &m.w2b[0], &m.b2[0], &ws.work[0]
	a.labels, a.hidden, a.act = &ws.labels[0], m.hidden, int(m.act)
	for g0 := 0; g0 < len(batch); g0 += 8 {
		n := min(8, len(batch)-g0)
		if plan != nil && plan.labels != nil {
			a.labels = &plan.labels[b*plan.batch+g0]
		} else {
			for l := range ws.labels {
				ws.labels[l] = 0
				if l < n {
					ws.labels[l] = int32(m.label(s, batch[g0+l]))
				}
			}
		}
		a.z, a.dz1, a.dz2 = &ws.z[g0*hp], &ws.dz1[g0*hp], &ws.dz2[g0*m.op]
		if hp == 8 {
			denseSoA8(a)
		} else {
			denseSoA16(a)
		}
		for l := range n {
			cost.add(a.zl[l], a.sum[l])
		}
	}
	n := len(batch)
	rowSum(&g.b1[0], &ws.dz1[0], n, hp/lanes, hp*4)
	rowSum(&g.b2[0], &ws.dz2[0], n, m.op/lanes, m.op*4)
	dw2Batch(&g.w2[0], &ws.dz2[0], &ws.z[0], m.outputs, hp, n, m.op*4, hp*4)
	a.z, a.dz1, a.dz2, a.labels = nil, nil, nil, nil
}

// gradientAsm is Gradient on the assembly path; it returns the summed cost.
func (m *Model) gradientAsm(g *Grad, s *Samples, idx []int32, ws *Scratch, plan *Plan) float64 {
	hp := m.hp
	a := &ws.args
	m.bindArgs(a, ws)
	a.db1, a.dw2, a.db2 = &g.b1[0], &g.w2[0], &g.b2[0]
	// Where W2 is wide, dW2 is accumulated once per batch (dw2Batch) rather
	// than once per image, the dense middle leaving dz2 in ws.dz2.
	wide := len(m.blocks) > 1
	if wide {
		a.dw2 = nil
	}
	cost := newCostSum()
	for b := 0; len(idx) > 0; b++ {
		batch := idx[:min(len(idx), ws.batch)]
		idx = idx[len(batch):]
		m.firstLayer(s, batch, ws, plan, b)
		if m.soa {
			m.denseSoA(g, s, batch, ws, &cost, plan, b)
			m.firstLayerGrad(g, s, batch, ws, plan, b)
			continue
		}
		for k, i := range batch {
			label := m.label(s, i)
			row := k * hp
			a.h, a.d, a.dz1 = &ws.z[row], &ws.d[row], &ws.dz1[row]
			if wide {
				a.z2 = &ws.dz2[k*m.op]
			}
			a.label = label
			denseAVX(a)
			cost.add(a.zl, a.sum)
		}
		if wide {
			dw2Batch(&g.w2[0], &ws.dz2[0], &ws.z[0], m.outputs, hp, len(batch), m.op*4, hp*4)
		}
		m.firstLayerGrad(g, s, batch, ws, plan, b)
	}
	*a = denseArgs{}
	return cost.total()
}

// bindArgs points a at the model's parameters and ws's output buffer.
func (m *Model) bindArgs(a *denseArgs, ws *Scratch) {
	a.b1, a.mask, a.w2, a.b2, a.z2 = &m.b1[0], &m.mask[0], &m.w2[0], &m.b2[0], &ws.z2[0]
	a.w2t = nil
	if m.w2t != nil {
		a.w2t = &m.w2t[0]
	}
	a.hp, a.rows, a.op, a.hidden, a.act = m.hp, m.outputs, m.op, m.hidden, int(m.act)
}

// predictAsm is Predict on the assembly path.
func (m *Model) predictAsm(dst []uint8, s *Samples, idx []int32, ws *Scratch) {
	hp := m.hp
	a := &ws.args
	m.bindArgs(a, ws)
	a.label = -1
	z2 := ws.z2[:m.outputs]
	for len(idx) > 0 {
		batch := idx[:min(len(idx), ws.batch)]
		m.firstLayer(s, batch, ws, nil, 0)
		for k := range batch {
			row := k * hp
			a.h, a.d, a.dz1 = &ws.z[row], &ws.d[row], &ws.dz1[row]
			denseAVX(a)
			dst[k] = argmax(z2)
		}
		idx, dst = idx[len(batch):], dst[len(batch):]
	}
	*a = denseArgs{}
}

// newScratchAsm allocates the assembly path's batch buffers.
func (m *Model) newScratchAsm(ws *Scratch) {
	ws.src = make([]int32, 2*ws.batch)
	ws.dz2 = alignedFloat32(ws.batch * m.op)
	if m.soa {
		ws.work = alignedFloat32(512)
	}
	if len(m.blocks) == 1 {
		return
	}
	ws.start = make([]int32, ws.batch+1)
	// Room for the worst case, every pixel non-zero, plus the 8-wide
	// decoder's overrun (see prepare).
	ws.off = make([]uint32, ws.batch*m.inputs+lanes)
	ws.fv = make([]float32, ws.batch*m.inputs+lanes)
	ws.tiles = (m.inputs + tileRows - 1) / tileRows
	ws.bounds = make([]int32, ws.batch*(ws.tiles+1))
	ws.lim = make([]uint16, tileCountMax*16)
	for t := range tileCountMax {
		v := uint16(math.MaxInt16) // beyond every pixel: counts nothing
		if t+1 < ws.tiles {
			v = uint16((t+1)*tileRows - 1)
		}
		for j := range 16 {
			ws.lim[t*16+j] = v
		}
	}
	// cscFill and cscEmit give every pixel a 64-byte row of t, one byte per
	// image, whatever the batch.
	ws.t = make([]uint8, m.inputs*maxBatch)
	ws.pix = make([]uint32, m.inputs)
	ws.pstart = make([]int32, m.inputs+1)
	ws.entK = make([]uint32, ws.batch*m.inputs)
	ws.entV = make([]float32, ws.batch*m.inputs)
}
