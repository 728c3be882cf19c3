package kernel

import "fmt"

// The flat layout is the one layout of the parameters, and of their
// gradients, during training: the kernels read the parameters from it (in
// float32, through Load) and write gradient sums in it (Grad), and the
// trainer reduces the gradients and updates the float64 parameters in it
// element by element. It is, one after the other:
//
//	W1ᵀ  Inputs×HiddenPad: element (h, i) of W1 at i·HiddenPad + h
//	b1   HiddenPad
//	W2   Outputs×HiddenPad: element (o, h) at o·HiddenPad + h
//	b2   Outputs padded
//
// HiddenPad and the padded Outputs are multiples of the register width of
// the model's kernel path: 8 floats, or 16 on the AVX-512 path, so that the
// layout, like the sums, is the path's own.
//
// Padding entries (columns h ≥ Hidden, outputs o ≥ Outputs) are zero in
// parameters and gradients alike, and every update rule keeps a zero
// parameter with a zero gradient at zero.
//
// The row-major layout is the blog post's, which netcore.Params holds and
// checkpoints store: W1 (Hidden×Inputs), b1, W2 (Outputs×Hidden), b2, each
// row-major, without padding. FromRowMajor and ToRowMajor convert between
// the two at the boundaries of training.

// FlatLen returns the length of the flat layout for m's shape.
func (m *Model) FlatLen() int { return m.Tensors()[4] }

// RowMajorLen returns the number of parameters in the row-major layout.
func (m *Model) RowMajorLen() int {
	return m.hidden*m.inputs + m.hidden + m.outputs*m.hidden + m.outputs
}

// TensorNames names the gradients of the flat layout's four tensors, in
// their order.
var TensorNames = [4]string{"dW1", "db1", "dW2", "db2"}

// Tensors returns where the flat layout's four tensors start and end:
// tensor t spans [bounds[t], bounds[t+1]).
func (m *Model) Tensors() (bounds [5]int) {
	sizes := [4]int{m.inputs * m.hp, m.hp, m.outputs * m.hp, m.op}
	for t, n := range sizes {
		bounds[t+1] = bounds[t] + n
	}
	return bounds
}

// split returns the four tensors of a slice in the flat layout.
func split[T any](m *Model, flat []T) (w1t, b1, w2, b2 []T) {
	b := m.Tensors()
	return flat[b[0]:b[1]:b[1]], flat[b[1]:b[2]:b[2]], flat[b[2]:b[3]:b[3]], flat[b[3]:b[4]:b[4]]
}

// rowMajor returns the four tensors of a slice in the row-major layout.
func (m *Model) rowMajor(rm []float64) (w1, b1, w2, b2 []float64) {
	h, in, out := m.hidden, m.inputs, m.outputs
	return rm[:h*in], rm[h*in : h*in+h], rm[h*in+h : h*in+h+out*h], rm[h*in+h+out*h:]
}

// Load copies the parameters flat[from:to], float64 in the flat layout,
// into the model, converting to float32. Calls for disjoint ranges write
// disjoint values and may run at the same time, so that the workers that
// update the parameters can each refresh their own range while it is in
// cache. It does not allocate. It panics if flat is not of length FlatLen
// or the range is not within it, which is a programming error rather than
// bad data.
func (m *Model) Load(flat []float64, from, to int) {
	if len(flat) != m.FlatLen() || from < 0 || from > to || to > len(flat) {
		panic(fmt.Sprintf("kernel: Load: range %d..%d of %d values, want within a flat vector of length %d",
			from, to, len(flat), m.FlatLen()))
	}
	w1t, b1, w2, b2 := split(m, flat)
	// Each tensor's part of the range, as offsets within the tensor.
	at := 0
	part := func(n int) (lo, hi int) {
		lo = min(max(from-at, 0), n)
		hi = max(lo, min(to-at, n))
		at += n
		return lo, hi
	}
	lo, hi := part(len(w1t))
	convert(m.w1t[lo:hi], w1t[lo:hi])
	if !m.Fast() {
		m.port.loadW1(m, lo, hi)
	}
	// b1's and W2's padding columns, and b2's padding outputs (-inf in the
	// model), are left alone.
	lo, hi = part(len(b1))
	hi = min(hi, max(lo, m.hidden))
	convert(m.b1[lo:hi], b1[lo:hi])
	lo, hi = part(len(w2))
	for e := lo; e < hi; e++ {
		if o, h := e/m.hp, e%m.hp; h < m.hidden {
			m.setW2(o, h, float32(w2[e]))
		}
	}
	lo, hi = part(len(b2))
	hi = min(hi, max(lo, m.outputs))
	convert(m.b2[lo:hi], b2[lo:hi])
}

// convert stores src, rounded to float32, in dst.
func convert(dst []float32, src []float64) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = float32(v)
	}
}

// setW2 sets W2[o][h] and the copies the assembly or the portable path
// keeps of it.
func (m *Model) setW2(o, h int, v float32) {
	m.w2[o*m.hp+h] = v
	if m.Fast() {
		m.asm.setW2(m, o, h, v)
	} else {
		m.port.setW2(m, o, h, v)
	}
}

// LoadRowMajor loads the whole model from parameters in the row-major
// layout, as a convenience where a model is made from a trained network
// (evaluation, prediction); it allocates a flat copy. It panics if rm is not
// of length RowMajorLen.
func (m *Model) LoadRowMajor(rm []float64) {
	flat := make([]float64, m.FlatLen())
	m.FromRowMajor(flat, rm)
	m.Load(flat, 0, len(flat))
}

// FromRowMajor writes to flat, in the flat layout, the values of rm, in the
// row-major layout, and zeroes flat's padding. It does not allocate. It
// panics on wrong lengths.
func (m *Model) FromRowMajor(flat, rm []float64) {
	m.checkConvert("FromRowMajor", flat, rm)
	fw1t, fb1, fw2, fb2 := split(m, flat)
	w1, b1, w2, b2 := m.rowMajor(rm)
	in, hp, hid := m.inputs, m.hp, m.hidden
	clear(flat)
	// Eight rows of W1 at a time fill eight adjacent values of each
	// transposed row, half a cache line, in one go (see transposeIn).
	h := 0
	for ; h+blockRows <= hid; h += blockRows {
		transposeIn(fw1t[h:], w1[h*in:(h+blockRows)*in], in, hp)
	}
	for ; h < hid; h++ {
		for i, v := range w1[h*in : (h+1)*in] {
			fw1t[i*hp+h] = v
		}
	}
	copy(fb1, b1)
	for o := range m.outputs {
		copy(fw2[o*hp:o*hp+hid], w2[o*hid:(o+1)*hid])
	}
	copy(fb2, b2)
}

// ToRowMajor writes to rm, in the row-major layout, the values of flat, in
// the flat layout, dropping the padding. It does not allocate. It panics
// on wrong lengths.
func (m *Model) ToRowMajor(rm, flat []float64) {
	m.checkConvert("ToRowMajor", flat, rm)
	fw1t, fb1, fw2, fb2 := split(m, flat)
	w1, b1, w2, b2 := m.rowMajor(rm)
	in, hp, hid := m.inputs, m.hp, m.hidden
	h := 0
	for ; h+blockRows <= hid; h += blockRows {
		transposeOut(w1[h*in:(h+blockRows)*in], fw1t[h:], in, hp)
	}
	for ; h < hid; h++ {
		dst := w1[h*in : (h+1)*in]
		for i := range dst {
			dst[i] = fw1t[i*hp+h]
		}
	}
	copy(b1, fb1[:hid])
	for o := range m.outputs {
		copy(w2[o*hid:(o+1)*hid], fw2[o*hp:o*hp+hid])
	}
	copy(b2, fb2[:m.outputs])
}

func (m *Model) checkConvert(op string, flat, rm []float64) {
	if len(flat) != m.FlatLen() || len(rm) != m.RowMajorLen() {
		panic(fmt.Sprintf("kernel: %s: %d flat and %d row-major values, want %d and %d for shape %d-%d-%d",
			op, len(flat), len(rm), m.FlatLen(), m.RowMajorLen(), m.inputs, m.hidden, m.outputs))
	}
}

// blockRows is how many rows of the row-major W1 transposeIn and
// transposeOut move at once: in the flat layout, one input's values for
// them are eight adjacent floats.
const blockRows = 8

// transposeIn writes the first eight columns of dst, n rows of stride
// values, from src, eight rows of n values. Going row by row through dst
// rather than by tiles of src touches each destination cache line once, and
// the named rows let the compiler drop the inner loop's bounds checks.
func transposeIn(dst, src []float64, n, stride int) {
	r0, r1, r2, r3 := src[0*n:1*n], src[1*n:2*n], src[2*n:3*n], src[3*n:4*n]
	r4, r5, r6, r7 := src[4*n:5*n], src[5*n:6*n], src[6*n:7*n], src[7*n:8*n]
	for i := range r0 {
		d := (*[blockRows]float64)(dst[i*stride : i*stride+blockRows])
		d[0], d[1], d[2], d[3] = r0[i], r1[i], r2[i], r3[i]
		d[4], d[5], d[6], d[7] = r4[i], r5[i], r6[i], r7[i]
	}
}

// transposeOut is transposeIn the other way: dst, eight rows of n values,
// from the first eight columns of src, n rows of stride values.
func transposeOut(dst, src []float64, n, stride int) {
	r0, r1, r2, r3 := dst[0*n:1*n], dst[1*n:2*n], dst[2*n:3*n], dst[3*n:4*n]
	r4, r5, r6, r7 := dst[4*n:5*n], dst[5*n:6*n], dst[6*n:7*n], dst[7*n:8*n]
	for i := range r0 {
		s := (*[blockRows]float64)(src[i*stride : i*stride+blockRows])
		r0[i], r1[i], r2[i], r3[i] = s[0], s[1], s[2], s[3]
		r4[i], r5[i], r6[i], r7[i] = s[4], s[5], s[6], s[7]
	}
}
