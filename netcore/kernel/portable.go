package kernel

// The portable path: the one arithmetic (docs/ARITHMETIC.md) in Go, value
// by value. Every value is one chain in the natural order of its terms, so
// the portable path needs none of the assembly's blocking: it takes the
// images one at a time, and gives the assembly's bits (TestPathsBitwise)
// on every architecture.
//
// Only the real hidden units and outputs are computed; the padding of
// every row stays zero, as the assembly leaves it.

// portScratch is the portable path's part of a Scratch.
type portScratch struct {
	dz2 []float32 // batch rows of op values
}

// newPortScratch sizes ws.port for m.
func (m *Model) newPortScratch(ws *Scratch) {
	ws.port.dz2 = alignedFloat32(ws.batch * m.op)
}

// firstLayerGo sets z (Hidden values) to the first layer's sums of one
// image: for each unit, one chain over the image's pixels in ascending
// order, from +0.
func (m *Model) firstLayerGo(z []float32, pix []uint16, val []uint8) {
	clear(z)
	for e, p := range pix {
		axpy32(z, m.w1t[int(p)*m.hp:], m.table[val[e]])
	}
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

// logits sets z2 (Outputs values) to the output layer of h (Hidden
// values): for each output, one chain over the hidden units in order,
// from b2.
func (m *Model) logits(z2, h []float32) {
	for o := range z2 {
		z2[o] = chain32(m.b2[o], m.w2[o*m.hp:], 1, h, 1, m.hidden)
	}
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
		e := expf(v - zmax)
		z2[o] = e
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
// outputs in order, from +0, times the activation's derivative.
func (m *Model) back(dz1, d, dz2 []float32) {
	for j := range dz1 {
		dh := chain32(0, m.w2[j:], m.hp, dz2, 1, len(dz2))
		dz1[j] = mul32(dh, d[j])
	}
}

// gradientGo is Gradient and GradientPlan on the portable path: image by
// image, every value of the gradient one chain in image order, so that a
// plan changes nothing but the list of samples.
func (m *Model) gradientGo(g *Grad, s *Samples, idx []int32, ws *Scratch) float64 {
	hid, hp := m.hidden, m.hp
	z, d, dz1 := ws.z[:hid], ws.d[:hid], ws.dz1[:hid]
	dz2 := ws.port.dz2[:m.outputs]
	cost := newCostSum()
	for _, i := range idx {
		label := m.label(s, i)
		pix, val := s.image(i)
		m.firstLayerGo(z, pix, val)
		m.activate(z, d)
		m.logits(dz2, z)
		zl, sum := softmax(dz2, label)
		m.back(dz1, d, dz2)
		cost.add(zl, sum)
		for j, v := range dz1 {
			g.b1[j] += v
		}
		for o, v := range dz2 {
			g.b2[o] += v
			axpy32(g.w2[o*hp:][:hid], z, v)
		}
		for e, p := range pix {
			axpy32(g.w1t[int(p)*hp:][:hid], dz1, m.table[val[e]])
		}
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
