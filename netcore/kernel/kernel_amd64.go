//go:build amd64

package kernel

import (
	"math"
	"strings"

	"golang.org/x/sys/cpu"
)

// missing returns what this CPU lacks of what path p needs, "" if nothing.
// The AVX-512 path takes the extensions its kernels use (see gen.AVX512 in
// _asm): F, BW, DQ and VL, which every AVX-512 CPU since Skylake-SP has
// (x86-64-v4), and AVX2 and FMA, which all of those have too (its kernels
// use some VEX instructions). x/sys/cpu reports the AVX-512 extensions
// only where the OS saves the ZMM and opmask registers.
func missing(p path) string {
	var lacks []string
	need := func(name string, have bool) {
		if !have {
			lacks = append(lacks, name)
		}
	}
	switch p {
	case avx512:
		need("AVX2", cpu.X86.HasAVX2)
		need("FMA", cpu.X86.HasFMA)
		need("AVX512F", cpu.X86.HasAVX512F)
		need("AVX512BW", cpu.X86.HasAVX512BW)
		need("AVX512DQ", cpu.X86.HasAVX512DQ)
		need("AVX512VL", cpu.X86.HasAVX512VL)
	case avx2:
		need("AVX2", cpu.X86.HasAVX2)
		need("FMA", cpu.X86.HasFMA)
	}
	if len(lacks) == 0 {
		return ""
	}
	return "this CPU lacks " + strings.Join(lacks, ", ")
}

// isa is the assembly of one path: the kernels written for its registers,
// by block width where they come in widths (see asm_tables_amd64.go);
// cscFill, scalar code, serves both paths, and the kernels called once per
// image are chosen where they are called (Model.dense, tileBounds), so that
// the calls stay direct.
//
// AVX-512's plan loops, gatherPlanB, planScatterB and planScatterPadB,
// take a buffer (Scratch's fv32) to convert each list's values into before
// its loop, in place of AVX2's gatherPlan, planScatter and planScatterPad,
// which spread them across registers.
type isa struct {
	gatherRaw, gatherPlan       *[maxBlocks + 1]func(z, w *float32, idx *uint16, val *uint8, src *int32, n, zstride int, scale *float32)
	gatherPlanB                 *[maxBlocks + 1]func(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale, buf *float32)
	planScatterPadB             *[maxBlocks + 1]func(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale, buf *float32)
	scatterRaw                  *[maxBlocks + 1]func(dw, dz *float32, idx *uint16, val *uint8, src *int32, n, zstride int, table *[256]float32)
	planScatter, planScatterPad *[maxBlocks + 1]func(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)
	planScatterB                *[maxBlocks + 1]func(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale, buf *float32)
	tiledGather                 *[maxBlocks + 1]func(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)
	cscScatter                  *[maxBlocks + 1]func(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
	rowSum                      func(dst, src *float32, n, words, stride int)
	dw2Batch                    func(dw2, dz2, h *float32, rows, hp, n, zstride, hstride int)
	prep                        func(off *uint32, fv *float32, idx *uint16, val *uint8, src, start *int32, n, stride int, scale *float32)
	cscEmit                     func(t *uint8, inputs int, stride int, pix *uint32, pstart *int32, entK *uint32, entV *float32, table *[256]float32) (npix int)
}

// isas are the paths' assembly.
var isas = [...]isa{
	avx2: {
		gatherRaw: &gatherRawFns, gatherPlan: &gatherPlanFns, scatterRaw: &scatterRawFns,
		planScatter: &planScatterFns, planScatterPad: &planScatterPadFns,
		tiledGather: &tiledGatherFns, cscScatter: &cscScatterFns,
		rowSum: rowSum, dw2Batch: dw2Batch,
		prep: prepAVX, cscEmit: cscEmit,
	},
	avx512: {
		gatherRaw: &gatherRawZFns, gatherPlanB: &gatherPlanZFns, scatterRaw: &scatterRawZFns,
		planScatterB: &planScatterZFns, planScatterPadB: &planScatterPadZFns,
		tiledGather: &tiledGatherZFns, cscScatter: &cscScatterZFns,
		rowSum: rowSumZ, dw2Batch: dw2BatchZ,
		prep: prepAVXZ, cscEmit: cscEmitZ,
	},
}

// asmModel is what a Model keeps for the assembly path alone.
type asmModel struct {
	// isa is the model's path's assembly, z whether that is AVX-512's.
	isa *isa
	z   bool

	// w2t is W2 transposed (Hidden×op), the padding outputs zero, for the
	// output layer with the outputs in lanes, which both paths take for
	// every shape (each logit one chain over the hidden units, see
	// denseArgs).
	w2t []float32

	// soa selects the dense middle that takes a register's lanes of images
	// at once (see soaArgs).
	soa bool
	// w2b holds, for soa, each W2[o][j] once per lane (at (j·10+o)·lanes),
	// so that the dense middle reads whole registers of it instead of
	// broadcasting it for every group of images.
	w2b []float32

	// mask has all bits set for the real hidden units and none for the
	// padding; the assembly ANDs the activations with it.
	mask []float32
}

// initAsm sets up the model's assembly-only state.
func (m *Model) initAsm() {
	a := &m.asm
	a.isa, a.z = &isas[m.path], m.path == avx512
	lanes := m.path.lanes()
	a.w2t = alignedFloat32(m.hidden * m.op)
	a.soa = m.hp <= 16 && m.outputs == soaOutputs
	if a.soa {
		a.w2b = alignedFloat32(m.hidden * m.outputs * lanes)
	}
	a.mask = alignedFloat32(m.hp)
	for j := range m.hidden {
		a.mask[j] = math.Float32frombits(^uint32(0))
	}
}

// setW2 updates the copies of W2[o][h] that the model keeps: its transpose
// and its broadcast copy.
func (a *asmModel) setW2(m *Model, o, h int, v float32) {
	a.w2t[h*m.op+o] = v
	if a.w2b != nil {
		lanes := m.path.lanes()
		at := (h*m.outputs + o) * lanes
		for l := range lanes {
			a.w2b[at+l] = v
		}
	}
}

// head runs the path's denseHead (denseHead or denseHeadZ) on a, and tail
// its denseTail: the dense middle's two halves, which Gradient (see
// denseImages) and Predict run. Both paths compute the same chains
// (docs/ARITHMETIC.md); the branch keeps the calls direct.
func (m *Model) head(a *denseArgs) {
	if m.asm.z {
		denseHeadZ(a)
	} else {
		denseHead(a)
	}
}

// soa runs the path's denseSoA kernel for the model's HiddenPad on a.
func (m *Model) soa(a *soaArgs) {
	switch {
	case m.asm.z:
		denseSoAZ16(a)
	case m.hp == 8:
		denseSoA8(a)
	default:
		denseSoA16(a)
	}
}

// tail runs the path's denseTail on a (see head).
func (m *Model) tail(a *denseArgs) {
	if m.asm.z {
		denseTailZ(a)
	} else {
		denseTail(a)
	}
}

// asmScratch holds a Scratch's batch buffers for the assembly path.
type asmScratch struct {
	args denseArgs
	soa  soaArgs

	// The batch decoded for the assembly: image k's pixels as weight-row
	// offsets and values off/fv[start[k]:start[k+1]], split into pixel
	// tiles by bounds (with tileCount's vectors lim), and transposed
	// through t into pix, pstart, entK and entV.
	off    []uint32
	fv     []float32
	src    []int32 // per image: first pixel in Samples, pixels to decode
	start  []int32
	dz2    []float32 // batch rows of op values, where dW2 goes by batch
	work   []float32
	labels [16]int32 // one per lane
	tiles  int
	bounds []int32
	lim    []uint16
	t      []uint8
	pix    []uint32
	pstart []int32
	entK   []uint32
	entV   []float32

	// fv32 is the buffer of gatherPlanB and planScatterPadB: room for an
	// image's or a pixel's list of entries.
	fv32 []float32
}

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
// pixel by pixel like scatterCSC, without transposing anything per call.
// Where the model has one column block, the plan also interleaves the
// lists of several pixels (the gradient) and of several images (gatherPlan,
// from the plan's copy of its images), so that their chains run side by
// side in the registers: a chain per value costs the latency of its FMAs,
// and several independent ones hide it.
//
// The dense middle also comes in two forms: a register's lanes of images
// at a time, one per lane, for narrow 10-class networks (denseSoA, see
// soaArgs), and one image at a time otherwise (denseAVX). Where the output
// layer is wide, dW2 is accumulated once per batch (dw2Batch). Every logit
// is one chain of FMAs over the hidden units, the outputs in lanes, which
// one image alone would leave waiting on the FMAs' latency (for 10
// outputs, two chains of 300 steps for a 784-300-10 network on AVX2, one
// on AVX-512): denseHead therefore takes the activations and logits of the
// whole batch, four images' chains side by side, and denseTail the rest
// of denseAVX image by image (denseImages). Both paths run the same
// emitters of the dense middle, 16 lanes in place of 8, and compute the
// same chains.
//
// The AVX-512 path runs the same steps on ZMM registers, with these
// differences: HiddenPad 16 takes one register per pixel row, and 8 sets
// of accumulators keep both FMA pipes busy; values are broadcast from
// memory (a plan's lists converted into Scratch.fv32 first) rather than
// spread across lanes with shuffles, which would take the port one FMA
// pipe shares; column blocks are 4 registers (the same 256 bytes of a row,
// so the same tiles); and models of several column blocks take batches of
// up to 256 KiB of rows, so that a plan's lists are longer (see
// wideBatchBytes).
//
// On both paths every value is one chain in the natural order of its
// terms (docs/ARITHMETIC.md): within an image in pixel, unit or output
// order, and across images in sample order, continuing from the
// gradient's value. So neither the batch size, nor a plan, nor how idx is
// split across calls changes a bit (TestIdxOrder, TestPlanPiecesBitwise).

// tileRows is the height of gatherTiled's pixel tiles: 96 rows of a
// 256-byte column block (8 YMM or 4 ZMM registers, see blockRegs) take 24
// KiB of a 32 KiB L1 cache.
const tileRows = 96

// maxPrepWidth is the most pixels a path's prep decodes at a time.
const maxPrepWidth = 16

// prepare decodes the batch's images into ws.asm.off and ws.asm.fv (see prepAVX),
// image k at ws.asm.start[k]:ws.asm.start[k+1].
func (m *Model) prepare(s *Samples, idx []int32, ws *Scratch) {
	if len(s.index) == 0 {
		for k := range len(idx) + 1 {
			ws.asm.start[k] = 0
		}
		return
	}
	var pos int32
	src, start := ws.asm.src[:2*len(idx)], ws.asm.start[:len(idx)+1]
	width := int32(m.path.lanes()) // prep decodes a register of pixels at a time
	// Decode whole groups (of 8, or 16) where the arrays allow reading past
	// the image (NewSamples pads them): the extra entries are junk that the next
	// image overwrites or nobody reads, and the decoder needs no
	// one-at-a-time tail.
	limit := min(cap(s.index), cap(s.value))
	for k, i := range idx {
		lo, hi := s.offsets[i], s.offsets[i+1]
		n := hi - lo
		if n8 := (n + width - 1) &^ (width - 1); int(lo)+int(n8) <= limit {
			n = n8
		}
		src[2*k], src[2*k+1] = lo, n
		start[k] = pos
		pos += hi - lo
	}
	start[len(idx)] = pos
	_, _ = s.index[:limit], s.value[:limit]
	m.asm.isa.prep(&ws.asm.off[0], &ws.asm.fv[0], &s.index[:1][0], &s.value[:1][0], &src[0], &start[0], len(idx), m.hp*4, &m.scale)
}

// tileBounds sets, for every image k of the prepared batch, where its
// decoded pixels cross tile boundaries: image k's pixels in tile t are
// ws.asm.off/fv[bounds[k·(T+1)+t] : bounds[k·(T+1)+t+1]], T = ws.asm.tiles.
func (m *Model) tileBounds(s *Samples, idx []int32, ws *Scratch) {
	nt := ws.asm.tiles
	var ge [tileCountMax]int32
	for k, i := range idx {
		lo, hi := s.offsets[i], s.offsets[i+1]
		n := int(hi - lo)
		b := ws.asm.bounds[k*(nt+1) : (k+1)*(nt+1)]
		base := ws.asm.start[k]
		b[0], b[nt] = base, base+int32(n)
		if nt == 1 || n == 0 {
			continue
		}
		// tileCount reads whole groups of 16 pixel numbers.
		if pix := s.index[lo:]; nt-1 <= tileCountMax && cap(pix) >= (n+15)&^15 {
			if m.asm.z {
				tileCountZ(&ge[0], &pix[0], n, &ws.asm.lim[0])
			} else {
				tileCount(&ge[0], &pix[0], n, &ws.asm.lim[0])
			}
			for t := 1; t < nt; t++ {
				b[t] = base + int32(n) - ge[t-1]
			}
			continue
		}
		t, next := 0, tileRows
		for e, p := range s.index[lo:hi] {
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
	nt := ws.asm.tiles
	bstride, zstride := (nt+1)*4, m.hp*4
	for _, blk := range m.blocks {
		c := blk.col
		for t := range nt {
			m.asm.isa.tiledGather[blk.width](&ws.z[c], &m.w1t[c], &ws.asm.off[0], &ws.asm.fv[0], &ws.asm.bounds[t], batch, bstride, zstride)
		}
	}
}

// buildCSC transposes the batch (at most maxBatch images): the npix distinct
// pixels it uses, in ascending order, with byte offsets ws.asm.pix of their
// weight rows, and for pixel j the entries ws.asm.pstart[j]:ws.asm.pstart[j+1]
// naming the images using it (ws.asm.entK, the byte offset of the image's row in
// ws.dz1, in batch order) and the scaled pixel values (ws.asm.entV). It goes
// through ws.asm.t, a dense pixel × image byte matrix that is zero between calls.
func (m *Model) buildCSC(s *Samples, idx []int32, ws *Scratch) (npix int) {
	for k, i := range idx {
		lo, hi := s.offsets[i], s.offsets[i+1]
		if hi > lo {
			_ = s.value[hi-1]
			cscFill(&ws.asm.t[0], &s.index[lo], &s.value[lo], int(hi-lo), k)
		}
	}
	_, _ = ws.asm.pix[m.inputs-1], ws.asm.pstart[m.inputs]
	_, _ = ws.asm.entK[len(idx)*m.inputs-1], ws.asm.entV[len(idx)*m.inputs-1]
	return m.asm.isa.cscEmit(&ws.asm.t[0], m.inputs, m.hp*4, &ws.asm.pix[0], &ws.asm.pstart[0], &ws.asm.entK[0], &ws.asm.entV[0], &m.table)
}

// scatterCSC adds the first layer's gradient of a transposed batch, whose
// rows of dz1 start at dz1, to dW1T.
func (m *Model) scatterCSC(g *Grad, npix int, dz1 []float32, ws *Scratch) {
	if npix == 0 {
		return
	}
	pix, ps, ek, ev := &ws.asm.pix[0], &ws.asm.pstart[0], &ws.asm.entK[0], &ws.asm.entV[0]
	for _, blk := range m.blocks {
		c := blk.col
		m.asm.isa.cscScatter[blk.width](&g.w1t[c], &dz1[c], pix, ps, ek, ev, npix)
	}
}

// firstLayer leaves in ws.z the first layer's sums (W1·x) of the batch's
// images; with a plan, the batch is plan batch b.
func (m *Model) firstLayer(s *Samples, batch []int32, ws *Scratch, plan *Plan, b int) {
	if m.oneBlock() {
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
// one, else the batch located in ws.asm.src.
func (m *Model) gatherRaw(s *Samples, n int, ws *Scratch, plan *Plan, b int) {
	width := m.blocks[0].width
	if plan.hasImages() {
		// Batch b's blocks of images, each with its entries' start and
		// count and its images' rows (see asmPlan).
		a := &plan.asm
		lo, hi := a.blockAt[b], a.blockAt[b+1]
		src := &a.src[(2+a.group)*int(lo)]
		if m.asm.z {
			m.asm.isa.gatherPlanB[width](&ws.z[0], &m.w1t[0], &a.offs[0], &a.vals[0], src, int(hi-lo), m.hp*4, &m.scale, &ws.asm.fv32[0])
			return
		}
		m.asm.isa.gatherPlan[width](&ws.z[0], &m.w1t[0], &a.offs[0], &a.vals[0], src, int(hi-lo), m.hp*4, &m.scale)
		return
	}
	if len(s.index) == 0 {
		clear(ws.z[:n*m.hp])
		return
	}
	m.asm.isa.gatherRaw[width](&ws.z[0], &m.w1t[0], &s.index[0], &s.value[0], &ws.asm.src[0], n, m.hp*4, &m.scale)
}

// locate sets ws.asm.src to where each image of the batch lies in s: image k's
// pixels are s.index/Value[src[2k] : src[2k]+src[2k+1]].
func (m *Model) locate(s *Samples, batch []int32, ws *Scratch) {
	src := ws.asm.src[:2*len(batch)]
	for k, i := range batch {
		lo, hi := s.offsets[i], s.offsets[i+1]
		src[2*k], src[2*k+1] = lo, hi-lo
	}
}

// firstLayerGrad adds the batch's first-layer gradient, from ws.dz1, to g.
// With a plan, the batch is plan batch b, already transposed. Without, a
// model of several column blocks transposes the batch in parts of at most
// maxBatch images (buildCSC's limit), which adds each weight's terms in
// the same order as one part would: image by image.
func (m *Model) firstLayerGrad(g *Grad, s *Samples, batch []int32, ws *Scratch, plan *Plan, b int) {
	if plan != nil {
		m.scatterPlan(g, plan, b, ws)
		return
	}
	if m.oneBlock() {
		if len(s.index) > 0 {
			m.asm.isa.scatterRaw[m.blocks[0].width](&g.w1t[0], &ws.dz1[0], &s.index[0], &s.value[0], &ws.asm.src[0], len(batch), m.hp*4, &m.table)
		}
		return
	}
	for k := 0; k < len(batch); k += maxBatch {
		part := batch[k:min(len(batch), k+maxBatch)]
		m.scatterCSC(g, m.buildCSC(s, part, ws), ws.dz1[k*m.hp:], ws)
	}
}

// scatterPlan adds the first layer's gradient of plan batch b to dW1T.
func (m *Model) scatterPlan(g *Grad, p *Plan, b int, ws *Scratch) {
	lo, hi := p.asm.pixAt[b], p.asm.pixAt[b+1]
	if lo == hi {
		return
	}
	// A padded plan's lists come in groups of p.asm.group pixels, each
	// with a row offset in pix.
	pix, ps, eo, er := &p.asm.pix[p.asm.group*int(lo)], &p.asm.pstart[lo], &p.asm.entOff[0], &p.asm.entRaw[0]
	if m.asm.z {
		fns := m.asm.isa.planScatterB
		if p.asm.padded {
			fns = m.asm.isa.planScatterPadB
		}
		for _, blk := range m.blocks {
			c := blk.col
			fns[blk.width](&g.w1t[c], &ws.dz1[c], pix, ps, eo, er, int(hi-lo), &m.scale, &ws.asm.fv32[0])
		}
		return
	}
	fns := m.asm.isa.planScatter
	if p.asm.padded {
		fns = m.asm.isa.planScatterPad
	}
	for _, blk := range m.blocks {
		c := blk.col
		fns[blk.width](&g.w1t[c], &ws.dz1[c], pix, ps, eo, er, int(hi-lo), &m.scale)
	}
}

// denseSoA runs the dense middle and the output layer's gradient sums for
// the batch (whose first layer is in ws.z) and adds its cost terms to cost.
// With a plan, the batch is plan batch b, whose labels the plan holds if
// it was made by a narrow network too (any model of the same HiddenPad may
// have made it).
func (m *Model) denseSoA(g *Grad, s *Samples, batch []int32, ws *Scratch, cost *costSum, plan *Plan, b int) {
	hp, lanes := m.hp, m.path.lanes()
	a := &ws.asm.soa
	a.b1, a.w2b, a.b2, a.work = &m.b1[0], &m.asm.w2b[0], &m.b2[0], &ws.asm.work[0]
	a.labels, a.hidden, a.act = &ws.asm.labels[0], m.hidden, int(m.act)
	for g0 := 0; g0 < len(batch); g0 += lanes {
		n := min(lanes, len(batch)-g0)
		if plan != nil && plan.asm.labels != nil {
			a.labels = &plan.asm.labels[b*plan.batch+g0]
		} else {
			for l := range ws.asm.labels {
				ws.asm.labels[l] = 0
				if l < n {
					ws.asm.labels[l] = int32(m.label(s, batch[g0+l]))
				}
			}
		}
		a.z, a.dz1, a.dz2 = &ws.z[g0*hp], &ws.dz1[g0*hp], &ws.asm.dz2[g0*m.op]
		m.soa(a)
		for l := range n {
			cost.add(a.zl[l], a.sum[l])
		}
	}
	n, k := len(batch), m.asm.isa
	k.rowSum(&g.b1[0], &ws.dz1[0], n, hp/lanes, hp*4)
	k.rowSum(&g.b2[0], &ws.asm.dz2[0], n, m.op/lanes, m.op*4)
	k.dw2Batch(&g.w2[0], &ws.asm.dz2[0], &ws.z[0], m.outputs, hp, n, m.op*4, hp*4)
	a.z, a.dz1, a.dz2, a.labels = nil, nil, nil, nil
}

// gradientAsm is Gradient on the assembly path; it returns the summed cost.
func (m *Model) gradientAsm(g *Grad, s *Samples, idx []int32, ws *Scratch, plan *Plan) float64 {
	// Where W2 is wide, dW2 is accumulated once per batch (dw2Batch) rather
	// than once per image, the dense middle leaving dz2 in ws.asm.dz2.
	wide := !m.oneBlock()
	a := &ws.asm.args
	m.bindGrad(a, ws, g, !wide)
	cost := newCostSum()
	for b := 0; len(idx) > 0; b++ {
		batch := idx[:min(len(idx), ws.batch)]
		idx = idx[len(batch):]
		m.firstLayer(s, batch, ws, plan, b)
		if m.asm.soa {
			m.denseSoA(g, s, batch, ws, &cost, plan, b)
			m.firstLayerGrad(g, s, batch, ws, plan, b)
			continue
		}
		m.denseImages(s, batch, ws, &cost)
		if wide {
			m.asm.isa.dw2Batch(&g.w2[0], &ws.asm.dz2[0], &ws.z[0], m.outputs, m.hp, len(batch), m.op*4, m.hp*4)
		}
		m.firstLayerGrad(g, s, batch, ws, plan, b)
	}
	*a = denseArgs{}
	return cost.total()
}

// denseImages runs the dense middle of the batch (whose first layer is in
// ws.z) with ws.asm.args bound (see bindArgs) to the gradient, and adds
// its cost terms to cost, in two halves: denseHead for the whole batch,
// which computes several images' logits side by side, their rows in
// ws.asm.dz2, then denseTail image by image, which leaves dz2 there for
// dw2Batch where the model leaves dW2 to it (see gradientAsm).
func (m *Model) denseImages(s *Samples, batch []int32, ws *Scratch, cost *costSum) {
	a := &ws.asm.args
	hp, op := m.hp, m.op
	a.h, a.d, a.z2, a.n = &ws.z[0], &ws.d[0], &ws.asm.dz2[0], len(batch)
	m.head(a)
	for k, i := range batch {
		row := k * hp
		a.h, a.d, a.dz1 = &ws.z[row], &ws.d[row], &ws.dz1[row]
		a.z2, a.label = &ws.asm.dz2[k*op], m.label(s, i)
		m.tail(a)
		cost.add(a.zl, a.sum)
	}
}

// bindArgs points a at the model's parameters and ws's output buffer.
func (m *Model) bindArgs(a *denseArgs, ws *Scratch) {
	a.b1, a.mask, a.w2, a.b2, a.z2 = &m.b1[0], &m.asm.mask[0], &m.w2[0], &m.b2[0], &ws.z2[0]
	a.w2t = &m.asm.w2t[0]
	a.hp, a.rows, a.op, a.hidden, a.act = m.hp, m.outputs, m.op, m.hidden, int(m.act)
}

// bindGrad is bindArgs for a gradient, adding to g: its dW2 too where
// withDW2 is set, which leaves dW2 to the dense middle.
func (m *Model) bindGrad(a *denseArgs, ws *Scratch, g *Grad, withDW2 bool) {
	m.bindArgs(a, ws)
	a.db1, a.dw2, a.db2 = &g.b1[0], nil, &g.b2[0]
	if withDW2 {
		a.dw2 = &g.w2[0]
	}
}

// predictAsm is Predict on the assembly path.
func (m *Model) predictAsm(dst []uint8, s *Samples, idx []int32, ws *Scratch) {
	a := &ws.asm.args
	m.bindArgs(a, ws)
	a.label = -1
	for len(idx) > 0 {
		batch := idx[:min(len(idx), ws.batch)]
		m.firstLayer(s, batch, ws, nil, 0)
		// The forward half of denseAVX for the whole batch.
		a.h, a.d, a.z2, a.n = &ws.z[0], &ws.d[0], &ws.asm.dz2[0], len(batch)
		m.head(a)
		for k := range batch {
			dst[k] = argmax(ws.asm.dz2[k*m.op : k*m.op+m.outputs])
		}
		idx, dst = idx[len(batch):], dst[len(batch):]
	}
	*a = denseArgs{}
}

// newScratchAsm allocates the assembly path's batch buffers.
func (m *Model) newScratchAsm(ws *Scratch) {
	ws.asm.src = make([]int32, 2*ws.batch)
	ws.asm.dz2 = alignedFloat32(ws.batch * m.op)
	if m.asm.soa {
		ws.asm.work = alignedFloat32(64 * m.path.lanes())
	}
	if m.asm.z {
		// A plan's interleaved lists, a block of images' or a group of
		// pixels', padded to a multiple of 8, and the 16 values converted
		// at a time.
		sets := 1
		if m.oneBlock() {
			sets = entrySets(m.path, m.blocks[0].width)
		}
		ws.asm.fv32 = alignedFloat32(sets*max(m.inputs, ws.batch) + 8 + 16)
	}
	if m.oneBlock() {
		return
	}
	ws.asm.start = make([]int32, ws.batch+1)
	// Room for the worst case, every pixel non-zero, plus the decoder's
	// overrun (see prepare).
	ws.asm.off = make([]uint32, ws.batch*m.inputs+maxPrepWidth)
	ws.asm.fv = make([]float32, ws.batch*m.inputs+maxPrepWidth)
	ws.asm.tiles = (m.inputs + tileRows - 1) / tileRows
	ws.asm.bounds = make([]int32, ws.batch*(ws.asm.tiles+1))
	ws.asm.lim = make([]uint16, tileCountMax*16)
	for t := range tileCountMax {
		v := uint16(math.MaxInt16) // beyond every pixel: counts nothing
		if t+1 < ws.asm.tiles {
			v = uint16((t+1)*tileRows - 1)
		}
		for j := range 16 {
			ws.asm.lim[t*16+j] = v
		}
	}
	// cscFill and cscEmit give every pixel a 64-byte row of t, one byte per
	// image, whatever the batch.
	ws.asm.t = make([]uint8, m.inputs*maxBatch)
	ws.asm.pix = make([]uint32, m.inputs)
	ws.asm.pstart = make([]int32, m.inputs+1)
	ws.asm.entK = make([]uint32, min(ws.batch, maxBatch)*m.inputs)
	ws.asm.entV = make([]float32, min(ws.batch, maxBatch)*m.inputs)
}
