package kernel

import "math"

// The portable path: the one arithmetic (docs/ARITHMETIC.md) in Go, value
// by value, in the chains the assembly keeps. Each function says which
// assembly kernel it matches; the shape of a model alone (HiddenPad and the
// outputs), never the path, decides which chains a value takes, so that
// the portable path and the AVX2 path give bitwise the same sums
// (TestPathsBitwise), on every architecture.
//
// Only the real hidden units and outputs are computed; the padding of
// every row stays zero, as the assembly leaves it.

// Chain counts. entrySets is how many accumulator chains the first layer
// of a one-block model and a plan's first-layer gradient split a list of
// entries into, for a column block of the given width in 8-float
// registers: 4, or fewer where the AVX2 loops have no registers for them
// (accSets in _asm/kernel/gather.go).
func entrySets(width int) int {
	sets := 4
	for sets*width > 9 {
		sets /= 2
	}
	return sets
}

// chainOf returns the chain of entry e of a list of n: e mod sets, except
// that the last n mod 4 entries of a list that is not padded to a multiple
// of 8 go to chain 0 (the assembly's four- and one-entry tails).
func chainOf(e, n, sets int, padded bool) int {
	if padded || e < n&^3 {
		return e % sets
	}
	return 0
}

// addChains adds the first n values of the chains into acc[0] in the
// assembly's fixed order: s0+s1 for two, (s0+s1)+(s2+s3) for four.
func addChains(acc [4][]float32, sets, n int) {
	a0, a1, a2, a3 := acc[0][:n], acc[1][:n], acc[2][:n], acc[3][:n]
	switch sets {
	case 2:
		for j := range a0 {
			a0[j] += a1[j]
		}
	case 4:
		for j := range a0 {
			a0[j] = (a0[j] + a1[j]) + (a2[j] + a3[j])
		}
	}
}

// portScratch is the portable path's part of a Scratch.
type portScratch struct {
	acc [4][]float32 // chains, Hidden values each
	dz2 []float32    // batch rows of op values
}

// newPortScratch sizes ws.port for m.
func (m *Model) newPortScratch(ws *Scratch) {
	// The chains are written for every pixel: each starts on a cache line
	// of its own, and a line of padding ends the block, so that workers'
	// scratches never share a line (sharing one, two workers took 421 ms
	// a seed-preset iteration against 375 ms apart, dev-zen1).
	stride := roundUp(m.hidden, 16)
	block := alignedFloat32(len(ws.port.acc)*stride + 16)
	for s := range ws.port.acc {
		ws.port.acc[s] = block[s*stride:][:m.hidden]
	}
	ws.port.dz2 = alignedFloat32(ws.batch*m.op + 16)[:ws.batch*m.op]
}

// soaDense reports whether training takes the dense middle image per lane
// (denseSoA): HiddenPad ≤ 16 and exactly 10 outputs.
func (m *Model) soaDense() bool { return m.hp <= 16 && m.outputs == 10 }

// narrowOutput reports whether the output layer is summed over hidden units
// with the outputs in registers (denseAVX's narrow form).
func (m *Model) narrowOutput() bool { return m.op <= 16 && m.hp <= 64 }

// firstLayerGo sets z (Hidden values) to the first layer's sums of one
// image: gatherRaw, gatherPlan (padded: the list padded to a multiple of 8
// with zero terms on the last pixel's row) or tiledGather, which keeps one
// chain per unit in pixel order.
func (m *Model) firstLayerGo(z []float32, pix []uint16, val []uint8, padded bool, ws *Scratch) {
	if !m.oneBlock() {
		clear(z)
		for e, p := range pix {
			axpy32(z, m.w1t[int(p)*m.hp:], m.table[val[e]])
		}
		return
	}
	sets := entrySets(m.blocks[0].width)
	acc := ws.port.acc
	for s := range sets {
		clear(acc[s])
	}
	n := len(pix)
	for e, p := range pix {
		axpy32(acc[chainOf(e, n, sets, padded)], m.w1t[int(p)*m.hp:], m.table[val[e]])
	}
	if padded && n > 0 {
		w := m.w1t[int(pix[n-1])*m.hp:]
		for e := n; e%8 != 0; e++ {
			axpy32(acc[e%sets], w, 0)
		}
	}
	addChains(acc, sets, len(z))
	copy(z, acc[0])
}

// activate replaces z1 = z (Hidden values, the first layer's sums) by
// act(z1 + b1) and sets d to act'.
func (m *Model) activate(z, d []float32) {
	for j, v := range z {
		z[j], d[j] = m.act.of(v + m.b1[j])
	}
}

// of returns the activation of x and its derivative.
func (a Activation) of(x float32) (h, d float32) {
	switch a {
	case Sigmoid:
		return sigmoidf(x)
	case Tanh:
		return tanhf(x)
	}
	return reluf(x)
}

// logits sets z2 (Outputs values) to the output layer of h (HiddenPad
// values, zero past Hidden), as denseAVX sums it: where narrow, b2 plus
// two chains over the hidden units, even and odd; otherwise two chains per
// lane of 8 columns, registers alternating between them, reduced
// across the lanes, and b2 added last.
func (m *Model) logits(z2, h []float32) {
	hid, hp := m.hidden, m.hp
	if m.narrowOutput() {
		for o := range z2 {
			w := m.w2[o*hp:]
			even := chain32(m.b2[o], w, 2, h, 2, (hid+1)/2)
			odd := chain32(0, tail(w, 1), 2, tail(h, 1), 2, hid/2)
			z2[o] = even + odd
		}
		return
	}
	// Register c of the row goes to chain set A if c is even (a last
	// unpaired register is), to set B if odd: lane l of A sums the columns
	// 16i+l, of B the columns 16i+8+l.
	regs := hp / 8
	for o := range z2 {
		w := m.w2[o*hp:]
		var s [8]float32
		for l := range s {
			a := chain32(0, w[l:], 16, h[l:], 16, (regs+1)/2)
			b := chain32(0, tail(w, 8+l), 16, tail(h, 8+l), 16, regs/2)
			s[l] = a + b
		}
		z2[o] = hsum8(s) + m.b2[o]
	}
}

// tail returns x[i:], or nil where x is shorter: the start of a chain that
// may have no terms.
func tail(x []float32, i int) []float32 {
	if i > len(x) {
		return nil
	}
	return x[i:]
}

// hsum8 is the assembly's horizontal sum of 8 lanes (hreduce):
// ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7)).
func hsum8(s [8]float32) float32 {
	return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))
}

// hmax8 is hsum8 with VMAXPS in place of the additions.
func hmax8(s [8]float32) float32 {
	return maxps(maxps(maxps(s[0], s[4]), maxps(s[2], s[6])), maxps(maxps(s[1], s[5]), maxps(s[3], s[7])))
}

// softmaxAVX replaces the logits z2 (Outputs values; the padding up to op
// counts as -inf) by dz2 = softmax - onehot(label), as denseAVX does it
// over the op lanes in registers of 8, and returns the cost terms zl =
// z2[label] - max and sum = Σ exp(z2 - max).
func (m *Model) softmaxAVX(z2 []float32, label int) (zl, sum float32) {
	inf := float32(math.Inf(-1))
	lane := func(i int) float32 {
		if i < len(z2) {
			return z2[i]
		}
		return inf
	}
	var mx [8]float32
	for l := range mx {
		mx[l] = lane(l)
	}
	for c := 8; c < m.op; c += 8 {
		for l := range mx {
			mx[l] = maxps(mx[l], lane(c+l))
		}
	}
	zmax := hmax8(mx)
	zl = z2[label] - zmax
	var sums [8]float32
	for c := 0; c < m.op; c += 8 {
		for l := range sums {
			if c+l < len(z2) {
				e := expf(z2[c+l] - zmax)
				z2[c+l] = e
				sums[l] += e
			}
		}
	}
	sum = hsum8(sums)
	inv := 1 / sum
	for o := range z2 {
		z2[o] = mul32(z2[o], inv)
	}
	z2[label] -= 1
	return zl, sum
}

// softmaxSoA is softmaxAVX as denseSoA computes it, one image per lane: the
// maximum as a fixed tree, the sum in one chain in output order.
func softmaxSoA(z2 []float32, label int) (zl, sum float32) {
	z := z2[:10]
	zmax := maxps(maxps(maxps(z[0], z[1]), maxps(z[2], z[3])), maxps(z[8], z[9]))
	zmax = maxps(zmax, maxps(maxps(z[4], z[5]), maxps(z[6], z[7])))
	zl = z[label] - zmax
	for o, v := range z {
		e := expf(v - zmax)
		z[o] = e
		sum += e
	}
	inv := 1 / sum
	for o := range z {
		z[o] = mul32(z[o], inv)
	}
	z[label] -= 1
	return zl, sum
}

// denseSoAGo is the dense middle of one image as a lane of denseSoA
// computes it: h and d from the first layer's sums in z, the logits b2 +
// Σ_j W2[o][j]·h[j] in one chain, the softmax, and dz1 = (W2ᵀ·dz2) ∘ d
// summed in two chains, even and odd outputs. dz2 must have Outputs
// values; it returns the cost terms.
func (m *Model) denseSoAGo(z, d, dz1, dz2 []float32, label int) (zl, sum float32) {
	m.activate(z, d)
	hid, hp := m.hidden, m.hp
	for o := range dz2 {
		dz2[o] = chain32(m.b2[o], m.w2[o*hp:], 1, z, 1, hid)
	}
	zl, sum = softmaxSoA(dz2, label)
	for j := range hid {
		even := chain32(mul32(m.w2[j], dz2[0]), m.w2[2*hp+j:], 2*hp, dz2[2:], 2, 4)
		odd := chain32(mul32(m.w2[hp+j], dz2[1]), m.w2[3*hp+j:], 2*hp, dz2[3:], 2, 4)
		dz1[j] = mul32(even+odd, d[j])
	}
	return zl, sum
}

// backAVX sets dz1 = (W2ᵀ·dz2) ∘ d as denseAVX sums it: columns in
// registers of 8, pairs of registers with the rows split into two chains
// (even rows and odd rows), a last odd register with one chain.
func (m *Model) backAVX(dz1, d, dz2 []float32) {
	hp, regs, rows := m.hp, m.hp/8, len(dz2)
	for j := range dz1 {
		var dh float32
		if j/8 < regs&^1 { // a register of a pair
			even := chain32(0, m.w2[j:], 2*hp, dz2, 2, (rows+1)/2)
			odd := chain32(0, tail(m.w2, hp+j), 2*hp, tail(dz2, 1), 2, rows/2)
			dh = even + odd
		} else {
			dh = chain32(0, m.w2[j:], hp, dz2, 1, rows)
		}
		dz1[j] = mul32(dh, d[j])
	}
}

// Gradient on the portable path: the assembly's batches and phases, each
// value in the assembly's chains (see gradientAsm in kernel_amd64.go).
func (m *Model) gradientGo(g *Grad, s *Samples, idx []int32, ws *Scratch, plan *Plan) float64 {
	hid, hp, op := m.hidden, m.hp, m.op
	cost := newCostSum()
	padded := plan != nil && plan.port.images
	for b := 0; len(idx) > 0; b++ {
		batch := idx[:min(len(idx), ws.batch)]
		idx = idx[len(batch):]
		for k, i := range batch {
			label := m.label(s, i)
			z, d, dz1 := ws.z[k*hp:][:hid], ws.d[k*hp:][:hid], ws.dz1[k*hp:][:hid]
			dz2 := ws.port.dz2[k*op:][:m.outputs]
			pix, val := s.image(i)
			m.firstLayerGo(z, pix, val, padded, ws)
			var zl, sum float32
			if m.soaDense() {
				zl, sum = m.denseSoAGo(z, d, dz1, dz2, label)
			} else {
				m.activate(z, d)
				m.logits(dz2, ws.z[k*hp:][:hp])
				zl, sum = m.softmaxAVX(dz2, label)
				m.backAVX(dz1, d, dz2)
			}
			cost.add(zl, sum)
			// db1, db2 and dW2 each take one chain in image order (rowSum,
			// denseAVX, dw2Batch).
			for j, v := range dz1 {
				g.b1[j] += v
			}
			for o, v := range dz2 {
				g.b2[o] += v
				axpy32(g.w2[o*hp:][:hid], z, v)
			}
			if plan == nil {
				// scatterRaw, cscScatter: dW1 in one chain per weight, in
				// image order.
				for e, p := range pix {
					axpy32(g.w1t[int(p)*hp:][:hid], dz1, m.table[val[e]])
				}
			}
		}
		if plan != nil {
			m.scatterPlanGo(g, plan, b, ws)
		}
	}
	return cost.total()
}

// scatterPlanGo adds plan batch b's first-layer gradient to dW1 as
// planScatter does: pixel by pixel, for each column block of the
// assembly, the pixel's list of images summed in entrySets chains (padded
// lists with their zero terms) and the sum added to the row.
func (m *Model) scatterPlanGo(g *Grad, p *Plan, b int, ws *Scratch) {
	hp, hid := m.hp, m.hidden
	pp := &p.port
	for j := pp.pixAt[b]; j < pp.pixAt[b+1]; j++ {
		ents := pp.ents[pp.pstart[j]:pp.pstart[j+1]]
		row := g.w1t[int(pp.pix[j])*hp:]
		for _, blk := range m.blocks {
			c := blk.col
			if c >= hid {
				break // padding alone
			}
			cols := min(hid-c, blk.width*m.path.lanes())
			sets := entrySets(blk.width)
			acc := ws.port.acc
			for s := range sets {
				clear(acc[s][:cols])
			}
			for e, ent := range ents {
				axpy32(acc[chainOf(e, len(ents), sets, pp.lists)][:cols], ws.dz1[int(ent.k)*hp+c:], m.table[ent.raw])
			}
			addChains(acc, sets, cols)
			for i, v := range acc[0][:cols] {
				row[c+i] = v + row[c+i]
			}
		}
	}
}

// planEntry is one image of a pixel's list in a plan batch: its position
// in the batch and its raw pixel value.
type planEntry struct {
	k   uint16
	raw uint8
}

// portPlan is the portable path's form of a Plan: every batch transposed,
// as the assembly's plan holds it (see asmPlan).
type portPlan struct {
	// lists is whether the lists are padded to multiples of 8 (a model of
	// one column block), images whether the first layer reads the images
	// padded the same way (gatherPlan; the assembly's plan keeps such a
	// copy where the row offsets fit 16 bits).
	lists, images bool
	pixAt         []int32
	pix           []int32
	pstart        []int32
	ents          []planEntry
}

// preparePortPlan fills p.port for model m.
func (m *Model) preparePortPlan(p *Plan) {
	s, idx := p.s, p.idx
	pp := &p.port
	pp.lists = m.oneBlock()
	pp.images = m.keepsImages(p.nonZero())
	lists := make([][]planEntry, m.inputs)
	pp.pixAt = []int32{0}
	pp.pstart = []int32{0}
	for lo := 0; lo < len(idx); lo += p.batch {
		batch := idx[lo:min(len(idx), lo+p.batch)]
		for k, i := range batch {
			pix, val := s.image(i)
			for e, px := range pix {
				lists[px] = append(lists[px], planEntry{uint16(k), val[e]})
			}
		}
		for px, l := range lists {
			if len(l) == 0 {
				continue
			}
			if pp.lists {
				for last := l[len(l)-1]; len(l)%8 != 0; {
					l = append(l, planEntry{last.k, 0})
				}
			}
			pp.pix = append(pp.pix, int32(px))
			pp.ents = append(pp.ents, l...)
			pp.pstart = append(pp.pstart, int32(len(pp.ents)))
			lists[px] = l[:0]
		}
		pp.pixAt = append(pp.pixAt, int32(len(pp.pix)))
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
	c.logs += logf64(c.prod)
	c.prod = 1
}

// total returns the summed cost of the images added so far.
func (c *costSum) total() float64 { return c.logs + logf64(c.prod) - c.zl }
