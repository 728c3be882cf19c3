package kernel

import (
	"fmt"
	"math"
)

// Gradient adds to g the gradient sums and cost of the samples s[idx[k]],
// taken in the order of idx. It does not allocate and does not start
// goroutines; for the same inputs it produces bitwise the same g.
//
// s must have m's image size and labels below Outputs; g and ws must come
// from NewGrad and NewScratch for a model of m's shape. A sample index
// outside s, or a label out of range, panics.
func (m *Model) Gradient(g *Grad, s *Samples, idx []int32, ws *Scratch) {
	m.mustMatch("Gradient", s, ws)
	m.mustFitGrad("Gradient", g)
	if m.Fast() {
		g.Cost += m.gradientAsm(g, s, idx, ws, nil)
		return
	}
	g.Cost += m.gradientGo(g, s, idx, ws)
}

// label returns sample i's label, which must name one of the outputs. The
// kernels index the output row with it, so a bad one panics here, naming
// the sample, rather than as an out-of-range write somewhere inside.
func (m *Model) label(s *Samples, i int32) int {
	label := int(s.labels[i])
	if label >= m.outputs {
		badLabel(i, label, m.outputs)
	}
	return label
}

// badLabel panics for label; it is out of line so that label inlines into
// the per-image loops.
//
//go:noinline
func badLabel(i int32, label, outputs int) {
	panic(fmt.Sprintf("kernel: sample %d has label %d, want below %d", i, label, outputs))
}

// mustFitGrad panics, naming op, unless g has m's gradient length.
func (m *Model) mustFitGrad(op string, g *Grad) {
	if len(g.flat) != m.FlatLen() {
		panic(fmt.Sprintf("kernel: %s: gradient of length %d, want %d", op, len(g.flat), m.FlatLen()))
	}
}

func (m *Model) mustMatch(op string, s *Samples, ws *Scratch) {
	if s != nil && s.dim != m.inputs {
		panic(fmt.Sprintf("kernel: %s: images of %d pixels, model wants %d", op, s.dim, m.inputs))
	}
	if ws.hp != m.hp || ws.outputs != m.outputs || ws.inputs != m.inputs || ws.path != m.path {
		panic(fmt.Sprintf("kernel: %s: scratch made for another model shape or kernel path", op))
	}
}

// Predict writes the most likely class of each sample s[idx[k]] to dst[k].
// Ties go to the lower class. It does not allocate.
func (m *Model) Predict(dst []uint8, s *Samples, idx []int32, ws *Scratch) {
	m.mustMatch("Predict", s, ws)
	if len(dst) != len(idx) {
		panic(fmt.Sprintf("kernel: Predict: %d destinations for %d samples", len(dst), len(idx)))
	}
	if m.Fast() {
		m.predictAsm(dst, s, idx, ws)
		return
	}
	h, d, z2 := ws.z[:m.hp], ws.d[:m.hidden], ws.z2[:m.outputs]
	for k, i := range idx {
		pix, val := s.image(i)
		m.firstLayerGo(h[:m.hidden], pix, m.pixels(ws.port.px, val))
		m.activate(h[:m.hidden], d)
		m.logits(z2, h[:m.hidden], ws.port.h)
		dst[k] = argmax(z2)
	}
}

// argmax returns the index of the largest value, the first on ties.
func argmax(z []float32) uint8 {
	best := 0
	for o, v := range z {
		if v > z[best] {
			best = o
		}
	}
	return uint8(best)
}

// Probabilities writes to dst (length Outputs) the softmax output for one
// dense image whose pixels are already scaled (length Inputs). It does not
// allocate. It uses the portable path: one image does not need the assembly.
func (m *Model) Probabilities(dst []float64, pixels []float32, ws *Scratch) {
	m.mustMatch("Probabilities", nil, ws)
	if len(dst) != m.outputs || len(pixels) != m.inputs {
		panic(fmt.Sprintf("kernel: Probabilities: %d outputs and %d pixels, want %d and %d",
			len(dst), len(pixels), m.outputs, m.inputs))
	}
	// The order of the ONNX export's sequential graph (internal/export):
	// the first layer from b1, adding each pixel's products in pixel order,
	// the second from zero in hidden-unit order with b2 added last, every
	// product and sum rounded on its own (the conversions keep Go from
	// fusing them), so that a model's exported probabilities match these
	// on every architecture.
	h := ws.dense[:m.hidden]
	copy(h, m.b1)
	for i, v := range pixels {
		if v != 0 {
			w := m.w1t[i*m.hp:][:m.hidden]
			for j := range h {
				h[j] += mul32(v, w[j])
			}
		}
	}
	d := ws.d[:m.hidden]
	for j, v := range h {
		h[j], d[j] = m.act.of(v)
	}
	z2 := ws.z2[:m.outputs]
	for o := range z2 {
		row := m.w2[o*m.hp:][:m.hidden]
		var sum float32
		for j, v := range h {
			sum += mul32(row[j], v)
		}
		z2[o] = sum + m.b2[o]
	}
	zmax := float64(z2[0])
	for _, v := range z2 {
		zmax = max(zmax, float64(v))
	}
	sum := 0.0
	for o, v := range z2 {
		dst[o] = math.Exp(float64(v) - zmax)
		sum += dst[o]
	}
	for o := range dst {
		dst[o] /= sum
	}
}
