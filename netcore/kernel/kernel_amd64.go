//go:build amd64

package kernel

import (
	"math"

	"golang.org/x/sys/cpu"
)

// haveAsm says whether this machine runs the AVX2+FMA assembly.
var haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The assembly kernels (kernel_amd64.s). Lengths count float32 elements
// except stride, the byte length of one row of the transposed first layer.
// They trust their Go callers below for every bound.

//go:noescape
func prepAVX(off *uint32, fv *float32, idx *uint16, val *uint8, n, stride int)

//go:noescape
func gather8(z, w *float32, off *uint32, fv *float32, n int)

//go:noescape
func gather4(z, w *float32, off *uint32, fv *float32, n int)

//go:noescape
func gather2(z, w *float32, off *uint32, fv *float32, n int)

//go:noescape
func gather1(z, w *float32, off *uint32, fv *float32, n int)

//go:noescape
func scatter8(dw, dz *float32, off *uint32, fv *float32, n int)

//go:noescape
func scatter4(dw, dz *float32, off *uint32, fv *float32, n int)

//go:noescape
func scatter2(dw, dz *float32, off *uint32, fv *float32, n int)

//go:noescape
func scatter1(dw, dz *float32, off *uint32, fv *float32, n int)

//go:noescape
func cscGather8(z, w *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscGather4(z, w *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscGather2(z, w *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscGather1(z, w *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscScatter8(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscScatter4(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscScatter2(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscScatter1(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func denseAVX(a *denseArgs)

// cscMinBlocks is the number of column blocks from which the first layer
// runs pixel-major over a batch (buildCSC) rather than image by image. The
// transposition costs about as much as one image-major pass; in exchange
// every weight row is read, and every gradient row written, once per batch
// rather than once per image that uses it.
const cscMinBlocks = 2

// The first layer of the assembly path works on a batch of images in one of
// two layouts, both summing every value in the same order:
//
//   - image-major (prepare, then gatherRows/scatterRows): each image's pixels
//     decoded to row offsets and float values, then one pass over them per
//     column block;
//   - pixel-major (buildCSC, then gatherCSC/scatterCSC): the batch
//     transposed so that each distinct pixel lists the images using it.

// prepare decodes the batch's images into ws.off and ws.fv (see prepAVX),
// image k at ws.start[k]:ws.start[k+1].
func (m *Model) prepare(s *Samples, idx []int32, ws *Scratch) {
	stride := m.hp * 4
	pos := 0
	ws.start[0] = 0
	for k, i := range idx {
		lo, hi := s.Offsets[i], s.Offsets[i+1]
		n := int(hi - lo)
		if n > 0 {
			pix, val := s.Index[lo:hi], s.Value[lo:hi]
			_, _ = ws.off[pos+n-1], ws.fv[pos+n-1]
			prepAVX(&ws.off[pos], &ws.fv[pos], &pix[0], &val[0], n, stride)
		}
		pos += n
		ws.start[k+1] = int32(pos)
	}
}

// gatherRows sets ws.z[k] to the first layer's raw-pixel sum for image k of
// the prepared batch, one column block at a time so that a block of W1T stays
// in cache across the batch.
func (m *Model) gatherRows(batch int, ws *Scratch) {
	hp := m.hp
	for _, blk := range m.blocks {
		c := blk.col
		for k := range batch {
			lo, hi := ws.start[k], ws.start[k+1]
			n := int(hi - lo)
			off, fv := &ws.off[0], &ws.fv[0]
			if n > 0 {
				off, fv = &ws.off[lo], &ws.fv[lo]
			}
			z := &ws.z[k*hp+c]
			switch blk.width {
			case 8:
				gather8(z, &m.w1t[c], off, fv, n)
			case 4:
				gather4(z, &m.w1t[c], off, fv, n)
			case 2:
				gather2(z, &m.w1t[c], off, fv, n)
			default:
				gather1(z, &m.w1t[c], off, fv, n)
			}
		}
	}
}

// scatterRows adds the first layer's gradient of every image of the
// prepared batch to dW1T.
func (m *Model) scatterRows(g *Grad, batch int, ws *Scratch) {
	hp := m.hp
	for _, blk := range m.blocks {
		c := blk.col
		for k := range batch {
			lo, hi := ws.start[k], ws.start[k+1]
			n := int(hi - lo)
			if n == 0 {
				continue
			}
			dz, off, fv := &ws.dz1[k*hp+c], &ws.off[lo], &ws.fv[lo]
			switch blk.width {
			case 8:
				scatter8(&g.w1t[c], dz, off, fv, n)
			case 4:
				scatter4(&g.w1t[c], dz, off, fv, n)
			case 2:
				scatter2(&g.w1t[c], dz, off, fv, n)
			default:
				scatter1(&g.w1t[c], dz, off, fv, n)
			}
		}
	}
}

// buildCSC transposes the batch: the npix distinct pixels it uses, in
// ascending order, with byte offsets ws.pix of their weight rows, and for
// pixel j the entries ws.pstart[j]:ws.pstart[j+1] naming the images using it
// (ws.entK, the byte offset of the image's row in ws.z and ws.dz1, in batch
// order) and the raw pixel values (ws.entV).
func (m *Model) buildCSC(s *Samples, idx []int32, ws *Scratch) (npix int) {
	cnt := ws.cnt[:m.inputs] // zero on entry and on return
	for _, i := range idx {
		for _, p := range s.Index[s.Offsets[i]:s.Offsets[i+1]] {
			cnt[p]++
		}
	}
	stride := uint32(m.hp * 4)
	var run int32
	for p, c := range cnt {
		if c != 0 {
			ws.pix[npix] = uint32(p) * stride
			ws.pstart[npix] = run
			ws.pos[p] = run
			run += c
			npix++
			cnt[p] = 0
		}
	}
	ws.pstart[npix] = run
	pos, entK, entV := ws.pos[:m.inputs], ws.entK[:run], ws.entV[:run]
	for k, i := range idx {
		lo, hi := s.Offsets[i], s.Offsets[i+1]
		row := uint32(k) * stride
		val := s.Value[lo:hi]
		for e, p := range s.Index[lo:hi] {
			j := pos[p]
			pos[p] = j + 1
			entK[j] = row
			entV[j] = float32(val[e])
		}
	}
	return npix
}

// gatherCSC is gatherRows over a transposed batch; ws.z must be zero.
func (m *Model) gatherCSC(npix int, ws *Scratch) {
	if npix == 0 {
		return
	}
	pix, ps, ek, ev := &ws.pix[0], &ws.pstart[0], &ws.entK[0], &ws.entV[0]
	for _, blk := range m.blocks {
		c := blk.col
		switch blk.width {
		case 8:
			cscGather8(&ws.z[c], &m.w1t[c], pix, ps, ek, ev, npix)
		case 4:
			cscGather4(&ws.z[c], &m.w1t[c], pix, ps, ek, ev, npix)
		case 2:
			cscGather2(&ws.z[c], &m.w1t[c], pix, ps, ek, ev, npix)
		default:
			cscGather1(&ws.z[c], &m.w1t[c], pix, ps, ek, ev, npix)
		}
	}
}

// scatterCSC is scatterRows over a transposed batch.
func (m *Model) scatterCSC(g *Grad, npix int, ws *Scratch) {
	if npix == 0 {
		return
	}
	pix, ps, ek, ev := &ws.pix[0], &ws.pstart[0], &ws.entK[0], &ws.entV[0]
	for _, blk := range m.blocks {
		c := blk.col
		switch blk.width {
		case 8:
			cscScatter8(&g.w1t[c], &ws.dz1[c], pix, ps, ek, ev, npix)
		case 4:
			cscScatter4(&g.w1t[c], &ws.dz1[c], pix, ps, ek, ev, npix)
		case 2:
			cscScatter2(&g.w1t[c], &ws.dz1[c], pix, ps, ek, ev, npix)
		default:
			cscScatter1(&g.w1t[c], &ws.dz1[c], pix, ps, ek, ev, npix)
		}
	}
}

// firstLayer leaves in ws.z the raw-pixel sums of the batch's images and
// returns the number of distinct pixels of the transposed batch, or -1 where
// the batch stays image-major.
func (m *Model) firstLayer(s *Samples, batch []int32, ws *Scratch) int {
	if len(m.blocks) < cscMinBlocks {
		m.prepare(s, batch, ws)
		m.gatherRows(len(batch), ws)
		return -1
	}
	npix := m.buildCSC(s, batch, ws)
	clear(ws.z[:len(batch)*m.hp])
	m.gatherCSC(npix, ws)
	return npix
}

// gradientAsm is Gradient on the assembly path. Samples go in batches: the
// first layer for the whole batch, then the dense middle per sample, then
// the first layer's gradient. Every sum accumulates in sample order and, for
// each sample, in pixel order, so the result depends neither on the batch
// size nor on the layout.
func (m *Model) gradientAsm(g *Grad, s *Samples, idx []int32, ws *Scratch) float64 {
	hp := m.hp
	a := &ws.args
	m.bindArgs(a, ws)
	a.db1, a.dw2, a.db2 = &g.b1[0], &g.w2[0], &g.b2[0]
	// The cost is Σ log(sum_i) - zl_i. Logarithms are slow, so the sums
	// (each in [1, Outputs]) are multiplied together and the logarithm taken
	// only when the product grows large.
	var zl, logs float64
	prod := 1.0
	for len(idx) > 0 {
		batch := idx[:min(len(idx), ws.batch)]
		idx = idx[len(batch):]
		npix := m.firstLayer(s, batch, ws)
		for k, i := range batch {
			label := int(s.Labels[i])
			if label >= m.outputs {
				panic(labelPanic(i, label, m.outputs))
			}
			row := k * hp
			a.h, a.d, a.dz1 = &ws.z[row], &ws.d[row], &ws.dz1[row]
			a.label = label
			denseAVX(a)
			zl += float64(a.zl)
			prod *= float64(a.sum)
			if prod > 1e280 {
				logs += math.Log(prod)
				prod = 1
			}
		}
		if npix < 0 {
			m.scatterRows(g, len(batch), ws)
		} else {
			m.scatterCSC(g, npix, ws)
		}
	}
	*a = denseArgs{}
	return logs + math.Log(prod) - zl
}

// bindArgs points a at the model's parameters and ws's output buffer.
func (m *Model) bindArgs(a *denseArgs, ws *Scratch) {
	a.b1, a.mask, a.w2, a.b2, a.z2 = &m.b1[0], &m.mask[0], &m.w2[0], &m.b2[0], &ws.z2[0]
	a.hp, a.rows, a.op, a.act, a.scale = m.hp, m.outputs, m.op, int(m.act), m.scale
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
		m.firstLayer(s, batch, ws)
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
