package kernel

// The portable path: the one arithmetic (docs/ARITHMETIC.md) in Go, value
// by value. Every value is one chain in the natural order of its terms, so
// the portable path needs none of the assembly's batches: it takes the
// images one at a time, and gives the assembly's bits (TestPathsBitwise)
// on every architecture. Within an image it runs a layer's independent
// chains side by side, a block of them in registers (portable_blocks.go),
// which changes no bit.
//
// Only the real hidden units and outputs are computed; the padding of
// every row stays zero, as the assembly leaves it.

// portModel is the portable path's part of a Model: its weights again in
// float64, laid out for the inner loops (portable_blocks.go), which
// multiply them without a conversion (a product of float32 values is exact
// in float64; converting cost a third of the loops' time).
//
// The loops run the chains of a layer a block at a time (see blockOf). The
// block of n chains from chain c of a layer whose chains have the terms
// of rows rows keeps its weights at w[c·rows:], row by row, n values a
// row: the n of row r at w[c·rows+r·n:].
type portModel struct {
	w1  []float64 // the first layer: chains hidden units, rows pixels
	w2t []float64 // the logits: chains outputs, rows hidden units
	w2  []float64 // the back-propagation: chains hidden units, rows outputs

	table [256]float64 // the pixel values
	iota  []uint16     // 0, 1, 2, …: the rows of the dense layers
}

// blockOf returns the block of chain j of a layer of n chains: its first
// chain and width. The blocks are blockCols wide but for the last, which
// takes the rest, up to maxCols (the whole layer where it has at most
// maxCols chains).
func blockOf(j, n int) (c, width int) {
	last := max(0, (n-maxCols+blockCols-1)/blockCols*blockCols)
	if j >= last {
		return last, n - last
	}
	return j / blockCols * blockCols, blockCols
}

// at returns the index of the weight of chain j and row r in a portModel
// array of a layer of n chains with the given rows.
func at(j, r, n, rows int) int {
	c, width := blockOf(j, n)
	return c*rows + r*width + j - c
}

// initPort sizes m.port and fills its table; Load fills the weights.
func (m *Model) initPort() {
	m.port.w1 = make([]float64, m.inputs*m.hidden)
	m.port.w2t = make([]float64, m.hidden*m.outputs)
	m.port.w2 = make([]float64, m.hidden*m.outputs)
	for v, x := range m.table {
		m.port.table[v] = float64(x)
	}
	m.port.iota = make([]uint16, max(m.hidden, m.outputs))
	for i := range m.port.iota {
		m.port.iota[i] = uint16(i)
	}
}

// loadW1 copies the first layer's weights m.w1t[lo:hi] into m.port.w1.
func (p *portModel) loadW1(m *Model, lo, hi int) {
	for e := lo; e < hi; e++ {
		if i, j := e/m.hp, e%m.hp; j < m.hidden {
			p.w1[at(j, i, m.hidden, m.inputs)] = float64(m.w1t[e])
		}
	}
}

// setW2 sets the copies of W2[o][j].
func (p *portModel) setW2(m *Model, o, j int, v float32) {
	p.w2t[at(o, j, m.outputs, m.hidden)] = float64(v)
	p.w2[at(j, o, m.hidden, m.outputs)] = float64(v)
}

// chains runs the chains of a layer of len(z) chains whose weights w holds
// (in a portModel array) over the rows given, in order, from the values
// in z: z[j] = fma32(W[row][j], xs[e], z[j]) for the e-th row.
func chains(z []float32, w []float64, rows int, list []uint16, xs []float64) {
	for c := 0; c < len(z); {
		_, n := blockOf(c, len(z))
		chainsN[n](z[c:], w[c*rows:(c+n)*rows], list, xs)
		c += n
	}
}

// steps takes one step of the n chains g[row·stride+j], j < n, for each
// row given, in order: g[row·stride+j] = fma32(d[j], xs[e], ·) for the
// e-th row.
func steps(g []float32, stride, n int, d []float32, list []uint16, xs []float64) {
	for c := 0; c < n; {
		_, w := blockOf(c, n)
		stepsN[w](g[c:], stride, d[c:], list, xs)
		c += w
	}
}

// portScratch is the portable path's part of a Scratch: the terms of the
// loops' rows in float64.
type portScratch struct {
	px []float64 // an image's pixel values
	h  []float64 // the hidden layer's values
	dz []float64 // dz2
}

// newPortScratch sizes ws.port for m.
func (m *Model) newPortScratch(ws *Scratch) {
	ws.port.px = make([]float64, m.inputs)
	ws.port.h = make([]float64, m.hidden)
	ws.port.dz = make([]float64, m.outputs)
}

// pixels returns the values of an image's pixels, val, in float64.
func (m *Model) pixels(xs []float64, val []uint8) []float64 {
	xs = xs[:len(val)]
	for e, v := range val {
		xs[e] = m.port.table[v]
	}
	return xs
}

// widen returns v in float64.
func widen(xs []float64, v []float32) []float64 {
	xs = xs[:len(v)]
	for i, x := range v {
		xs[i] = float64(x)
	}
	return xs
}

// firstLayerGo sets z (Hidden values) to the first layer's sums of one
// image, given its pixels and their values px: for each unit, one chain
// over the pixels in ascending order, from +0.
func (m *Model) firstLayerGo(z []float32, pix []uint16, px []float64) {
	clear(z)
	chains(z, m.port.w1, m.inputs, pix, px)
}

// activate replaces z1 = z (Hidden values, the first layer's sums) by
// act(z1 + b1) and sets d to act', as Activation.of computes them, with
// the exponentials of all units taken together (expfs).
func (m *Model) activate(z, d []float32) {
	b1 := m.b1[:len(z)]
	d = d[:len(z)]
	switch m.act {
	case Sigmoid:
		for j, v := range z {
			d[j] = -(v + b1[j])
		}
		expfs(d)
		for j, e := range d {
			z[j], d[j] = sigmoidOf(e)
		}
	case Tanh:
		for j, v := range z {
			z[j] = v + b1[j]
			d[j] = tanhExpArg(z[j])
		}
		expfs(d)
		for j, e := range d {
			z[j], d[j] = tanhOf(e, z[j])
		}
	default:
		for j, v := range z {
			z[j], d[j] = reluf(v + b1[j])
		}
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

// logits sets z2 (Outputs values) to the output layer of h (Hidden
// values): for each output, one chain over the hidden units in order,
// from b2. hw receives h in float64.
func (m *Model) logits(z2, h []float32, hw []float64) {
	copy(z2, m.b2)
	chains(z2, m.port.w2t, m.hidden, m.port.iota[:m.hidden], widen(hw, h))
}

// softmax replaces the logits z2 (Outputs values) by dz2 = softmax -
// onehot(label) and returns the cost terms zl = z2[label] - max and
// sum = Σ exp(z2 - max), the sum one chain in output order.
func softmax(z2 []float32, label int) (zl, sum float32) {
	zmax := z2[0]
	for _, v := range z2[1:] {
		zmax = maxps(v, zmax)
	}
	zl = z2[label] - zmax
	for o, v := range z2 {
		z2[o] = v - zmax
	}
	expfs(z2)
	for _, e := range z2 {
		sum += e
	}
	inv := 1 / sum
	for o := range z2 {
		z2[o] = mul32(z2[o], inv)
	}
	z2[label] -= 1
	return zl, sum
}

// back sets dz1 = (W2ᵀ·dz2) ∘ d: for each hidden unit, one chain over the
// outputs in order, from +0, times the activation's derivative. dz2w is
// dz2 in float64.
func (m *Model) back(dz1, d []float32, dz2w []float64) {
	clear(dz1)
	chains(dz1, m.port.w2, m.outputs, m.port.iota[:m.outputs], dz2w)
	for j, v := range dz1 {
		dz1[j] = mul32(v, d[j])
	}
}

// gradientGo is Gradient and GradientPlan on the portable path: image by
// image, every value of the gradient one chain in image order, so that a
// plan changes nothing but the list of samples.
func (m *Model) gradientGo(g *Grad, s *Samples, idx []int32, ws *Scratch) float64 {
	hid, hp, out := m.hidden, m.hp, m.outputs
	z, d, dz1 := ws.z[:hid], ws.d[:hid], ws.dz1[:hid]
	dz2 := ws.z2[:out]
	outRows := m.port.iota[:out]
	cost := newCostSum()
	for _, i := range idx {
		label := m.label(s, i)
		pix, val := s.image(i)
		px := m.pixels(ws.port.px, val)
		m.firstLayerGo(z, pix, px)
		m.activate(z, d)
		m.logits(dz2, z, ws.port.h)
		zl, sum := softmax(dz2, label)
		dz2w := widen(ws.port.dz, dz2)
		m.back(dz1, d, dz2w)
		cost.add(zl, sum)
		for j, v := range dz1 {
			g.b1[j] += v
		}
		for o, v := range dz2 {
			g.b2[o] += v
		}
		// dW2[o][j] += z[j]·dz2[o] and dW1[j][p] += dz1[j]·x_p, chains
		// over the images held in g.
		steps(g.w2, hp, hid, z, outRows, dz2w)
		steps(g.w1t, hp, hid, dz1, pix, px)
	}
	return cost.total()
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
