package kernel

import (
	"fmt"
	"math"
	"unsafe"
)

// lanes is the number of float32 values in one AVX2 register; HiddenPad is a
// multiple of it so that every row of the transposed first layer is a whole
// number of registers.
const lanes = 8

// Model is a float32 copy of the network's parameters in the kernel's
// layout, refreshed from netcore's float64 parameters with Load:
//
//   - W1 transposed to Inputs×HiddenPad, so a pixel's weights are contiguous;
//   - b1 padded to HiddenPad;
//   - W2 as Outputs×HiddenPad, row-major (and, for small layers, transposed);
//   - b2 padded to a multiple of 8 outputs with -inf.
//
// Padding entries of the weights are zero and stay zero. A Model is safe for
// concurrent reads (Gradient, Predict, Probabilities) but Load must not run
// at the same time as them.
type Model struct {
	inputs, hidden, outputs int
	hp                      int // hidden padded to a multiple of lanes
	op                      int // outputs padded to a multiple of lanes
	act                     Activation
	scale                   float32
	fast                    bool // assembly path

	// table maps a raw pixel byte to its scaled float32 value.
	table [256]float32

	w1t, b1, w2, b2 []float32
	// w2t is W2 transposed (Hidden×op), for the assembly's narrow output
	// layer; nil where the layer is too wide for it (see narrowHidden).
	w2t []float32

	// soa selects the 8-images-at-once dense middle (see soaArgs).
	soa bool
	// w2b holds, for soa, each W2[o][j] eight times over (at (j·10+o)·8),
	// so that the dense middle reads whole registers of it instead of
	// broadcasting it for every group of 8 images.
	w2b []float32

	// mask has all bits set for the real hidden units and none for the
	// padding; the assembly ANDs the activations with it.
	mask []float32
	// blocks splits the hp columns into runs of 8 registers and a last
	// shorter one, the widths the assembly's sparse loops come in.
	blocks []colBlock
}

// colBlock is a run of width registers starting at column col.
type colBlock struct{ col, width int }

// NewModel returns a zeroed model of the given shape. pixelScale multiplies
// every raw pixel byte (1 for the post's raw 0..255 inputs, 1/255 to
// normalise). The kernel path (see Path) is fixed when the model is made.
func NewModel(inputs, hidden, outputs int, act Activation, pixelScale float32) (*Model, error) {
	switch {
	case inputs < 1 || inputs > 1<<16:
		return nil, fmt.Errorf("kernel: %d inputs, want 1 to %d", inputs, 1<<16)
	case hidden < 1 || hidden > 1<<16:
		return nil, fmt.Errorf("kernel: %d hidden units, want 1 to %d", hidden, 1<<16)
	case inputs*hidden > maxWeights:
		// The assembly addresses weight rows with 32-bit byte offsets.
		return nil, fmt.Errorf("kernel: %d×%d first layer, want at most %d weights", hidden, inputs, maxWeights)
	case outputs < 1 || outputs > 256:
		return nil, fmt.Errorf("kernel: %d outputs, want 1 to 256 (labels are bytes)", outputs)
	case act > ReLU:
		return nil, fmt.Errorf("kernel: unknown activation %d, want sigmoid (0), tanh (1) or relu (2)", act)
	case !(pixelScale > 0) || pixelScale > 1e30:
		return nil, fmt.Errorf("kernel: pixel scale %g, want a positive finite number", pixelScale)
	}
	m := &Model{
		inputs:  inputs,
		hidden:  hidden,
		outputs: outputs,
		hp:      roundUp(hidden),
		op:      roundUp(outputs),
		act:     act,
		scale:   pixelScale,
		fast:    useAsm,
	}
	for v := range m.table {
		m.table[v] = float32(v) * pixelScale
	}
	m.w1t = alignedFloat32(inputs * m.hp)
	m.b1 = alignedFloat32(m.hp)
	m.w2 = alignedFloat32(outputs * m.hp)
	// b2 is padded to op with -inf: the assembly's softmax runs over whole
	// registers, and -inf logits drop out of it.
	m.b2 = alignedFloat32(m.op)
	for o := outputs; o < m.op; o++ {
		m.b2[o] = float32(math.Inf(-1))
	}
	if m.op <= 16 && m.hp <= narrowHidden {
		m.w2t = alignedFloat32(hidden * m.op)
	}
	m.soa = m.fast && m.hp <= 16 && outputs == 10
	if m.soa {
		m.w2b = alignedFloat32(hidden * outputs * lanes)
	}
	m.mask = alignedFloat32(m.hp)
	for j := range hidden {
		m.mask[j] = math.Float32frombits(^uint32(0))
	}
	for c := 0; c < m.hp; {
		w := min(8, (m.hp-c)/lanes)
		m.blocks = append(m.blocks, colBlock{c, w})
		c += w * lanes
	}
	return m, nil
}

// narrowHidden is the widest hidden layer for which the assembly computes
// the output logits as Σ_j h[j]·W2ᵀ[j], all outputs in one or two
// registers, instead of one dot product (and horizontal sum) per output.
const narrowHidden = 64

// maxWeights bounds the first layer (1 GiB of float32).
const maxWeights = 1 << 28

func roundUp(n int) int { return (n + lanes - 1) / lanes * lanes }

// alignedFloat32 returns n zeroed float32 values starting on a 64-byte
// (cache line) boundary. Rows of the first layer are multiples of 32 bytes;
// aligned, a 64-byte row (HiddenPad 16) is one cache line instead of two,
// which halves the memory traffic of the sparse loops. Go's heap does not
// move objects, so the alignment lasts.
func alignedFloat32(n int) []float32 {
	const align = 64
	buf := make([]float32, n+align/4)
	off := 0
	if r := int(uintptr(unsafe.Pointer(&buf[0])) % align); r != 0 {
		off = (align - r) / 4
	}
	return buf[off : off+n : off+n]
}

// Inputs returns the number of pixels per image.
func (m *Model) Inputs() int { return m.inputs }

// Hidden returns the number of hidden units.
func (m *Model) Hidden() int { return m.hidden }

// Outputs returns the number of classes.
func (m *Model) Outputs() int { return m.outputs }

// HiddenPad returns the hidden size rounded up to the register width; it is
// the row length of the transposed first layer in Flat.
func (m *Model) HiddenPad() int { return m.hp }

// Activation returns the hidden-layer activation.
func (m *Model) Activation() Activation { return m.act }

// Fast reports whether the model runs the assembly path.
func (m *Model) Fast() bool { return m.fast }

// Load copies netcore's float64 parameters (W1 Hidden×Inputs and W2
// Outputs×Hidden, both row-major) into the model, converting to float32. It
// does not allocate. It panics if a slice has the wrong length, which is a
// programming error rather than bad data.
func (m *Model) Load(w1, b1, w2, b2 []float64) {
	m.checkLens("Load", len(w1), len(b1), len(w2), len(b2))
	m.LoadRows(w1, 0, m.hidden)
	m.LoadOutput(b1, w2, b2)
}

// LoadRows is Load for rows h0 ≤ h < h1 of W1 alone (w1 is the whole
// tensor). Calls for disjoint row ranges write disjoint values and may run
// at the same time, so that the workers that update the parameters can
// each refresh their own rows of the model.
func (m *Model) LoadRows(w1 []float64, h0, h1 int) {
	if len(w1) != m.hidden*m.inputs || h0 < 0 || h1 > m.hidden || h0 > h1 {
		panic(fmt.Sprintf("kernel: LoadRows: rows %d..%d of a W1 of %d values, want within %d rows of %d",
			h0, h1, len(w1), m.hidden, m.inputs))
	}
	in, hp := m.inputs, m.hp
	// Eight rows at a time fill eight adjacent values of each transposed
	// row, half a cache line, in one go (see loadRows8).
	h := h0
	for ; h+blockRows <= h1; h += blockRows {
		loadRows8(m.w1t[h:], w1[h*in:(h+blockRows)*in], in, hp)
	}
	for ; h < h1; h++ {
		for i, v := range w1[h*in : (h+1)*in] {
			m.w1t[i*hp+h] = float32(v)
		}
	}
}

// loadRows8 is unpackRows8 the other way: it writes the first eight
// columns of dst, n rows of stride values, from src, eight rows of n
// values, converted to float32. Going row by row through dst rather than
// by tiles of src touches each destination cache line once, and the named
// rows again let the compiler drop the inner loop's bounds checks.
func loadRows8(dst []float32, src []float64, n, stride int) {
	r0, r1, r2, r3 := src[0*n:1*n], src[1*n:2*n], src[2*n:3*n], src[3*n:4*n]
	r4, r5, r6, r7 := src[4*n:5*n], src[5*n:6*n], src[6*n:7*n], src[7*n:8*n]
	for i := range r0 {
		d := (*[blockRows]float32)(dst[i*stride : i*stride+blockRows])
		d[0] = float32(r0[i])
		d[1] = float32(r1[i])
		d[2] = float32(r2[i])
		d[3] = float32(r3[i])
		d[4] = float32(r4[i])
		d[5] = float32(r5[i])
		d[6] = float32(r6[i])
		d[7] = float32(r7[i])
	}
}

// LoadOutput is Load for b1, W2 and b2 alone.
func (m *Model) LoadOutput(b1, w2, b2 []float64) {
	m.checkLens("LoadOutput", m.hidden*m.inputs, len(b1), len(w2), len(b2))
	hp := m.hp
	for h, v := range b1 {
		m.b1[h] = float32(v)
	}
	// W2 goes to w2 and, where the model keeps them, to its transpose w2t
	// and its broadcast copy w2b.
	for o := range m.outputs {
		dst := m.w2[o*hp : o*hp+m.hidden]
		for h, v := range w2[o*m.hidden : (o+1)*m.hidden] {
			f := float32(v)
			dst[h] = f
			if m.w2t != nil {
				m.w2t[h*m.op+o] = f
			}
			if m.w2b != nil {
				at := (h*m.outputs + o) * lanes
				for l := range lanes {
					m.w2b[at+l] = f
				}
			}
		}
	}
	for o, v := range b2 {
		m.b2[o] = float32(v)
	}
}

func (m *Model) checkLens(op string, w1, b1, w2, b2 int) {
	if w1 != m.hidden*m.inputs || b1 != m.hidden || w2 != m.outputs*m.hidden || b2 != m.outputs {
		panic(fmt.Sprintf("kernel: %s: tensor lengths %d, %d, %d, %d, want %d, %d, %d, %d for shape %d-%d-%d",
			op, w1, b1, w2, b2, m.hidden*m.inputs, m.hidden, m.outputs*m.hidden, m.outputs,
			m.inputs, m.hidden, m.outputs))
	}
}

// FlatLen returns the length of Grad.Flat: Inputs×HiddenPad (dW1
// transposed), HiddenPad (db1), Outputs×HiddenPad (dW2), and db2 with
// Outputs rounded up to a multiple of 8.
func (m *Model) FlatLen() int {
	return m.inputs*m.hp + m.hp + m.outputs*m.hp + m.op
}

// Unpack turns a flat gradient in Flat's layout (typically reduced in
// float64 across shards) into netcore's row-major layout, dropping the
// padding. It does not allocate. It panics on wrong lengths.
func (m *Model) Unpack(flat []float64, w1, b1, w2, b2 []float64) {
	if len(flat) != m.FlatLen() {
		panic(fmt.Sprintf("kernel: Unpack: flat vector of length %d, want %d", len(flat), m.FlatLen()))
	}
	m.checkLens("Unpack", len(w1), len(b1), len(w2), len(b2))
	m.UnpackRows(w1, flat, 0, m.hidden, 1)
	m.unpackOutput(b1, w2, b2, flat, 1)
}

// UnpackRows is Unpack for rows h0 ≤ h < h1 of W1 alone, each value times
// scale: it writes those rows of netcore's W1, (h1-h0)·Inputs values, to
// w1. Like LoadRows, calls for disjoint row ranges may run at the same
// time, so that the workers that update the parameters can each take their
// own rows while they are in cache.
func (m *Model) UnpackRows(w1, flat []float64, h0, h1 int, scale float64) {
	in, hp := m.inputs, m.hp
	if len(flat) != m.FlatLen() || h0 < 0 || h1 > m.hidden || h0 > h1 || len(w1) != (h1-h0)*in {
		panic(fmt.Sprintf("kernel: UnpackRows: rows %d..%d into %d values from a flat vector of length %d, want within %d rows, %d values per row, length %d",
			h0, h1, len(w1), len(flat), m.hidden, in, m.FlatLen()))
	}
	// The flat layout keeps W1 transposed: input i's sums for eight
	// adjacent hidden units are one cache line, which unpackRows8 spreads
	// over eight rows at once.
	h := h0
	for ; h+blockRows <= h1; h += blockRows {
		unpackRows8(w1[(h-h0)*in:(h-h0+blockRows)*in], flat[h:], in, hp, scale)
	}
	for ; h < h1; h++ {
		dst := w1[(h-h0)*in : (h-h0+1)*in]
		for i := range dst {
			dst[i] = flat[i*hp+h] * scale
		}
	}
}

// UnpackOutput is Unpack for b1, W2 and b2 alone, each value times scale,
// written one after the other to tail: Hidden + Outputs·Hidden + Outputs
// values, the order in which netcore's parameters follow W1.
func (m *Model) UnpackOutput(tail, flat []float64, scale float64) {
	hid, out := m.hidden, m.outputs
	if len(flat) != m.FlatLen() || len(tail) != hid+out*hid+out {
		panic(fmt.Sprintf("kernel: UnpackOutput: %d values from a flat vector of length %d, want %d and %d",
			len(tail), len(flat), hid+out*hid+out, m.FlatLen()))
	}
	m.unpackOutput(tail[:hid], tail[hid:hid+out*hid], tail[hid+out*hid:], flat, scale)
}

// unpackOutput writes b1, W2 and b2 from flat, times scale.
func (m *Model) unpackOutput(b1, w2, b2, flat []float64, scale float64) {
	in, hp := m.inputs, m.hp
	scaled := func(dst, src []float64) {
		for i, v := range src {
			dst[i] = v * scale
		}
	}
	scaled(b1, flat[in*hp:in*hp+m.hidden])
	fw2 := flat[in*hp+hp:]
	for o := range m.outputs {
		scaled(w2[o*m.hidden:(o+1)*m.hidden], fw2[o*hp:o*hp+m.hidden])
	}
	scaled(b2, fw2[m.outputs*hp:m.outputs*hp+m.outputs])
}

// blockRows is how many rows of netcore's W1 loadRows8 and unpackRows8
// move at once: in the transposed layout, one input's values for them are
// eight adjacent floats.
const blockRows = 8

// unpackRows8 writes dst, eight rows of n values, from the first eight
// columns of src, n rows of stride values, times scale. Named rows and a
// fixed-size array view let the compiler drop the bounds checks of the
// inner loop, which makes it four times as fast as indexing dst by row.
func unpackRows8(dst, src []float64, n, stride int, scale float64) {
	r0, r1, r2, r3 := dst[0*n:1*n], dst[1*n:2*n], dst[2*n:3*n], dst[3*n:4*n]
	r4, r5, r6, r7 := dst[4*n:5*n], dst[5*n:6*n], dst[6*n:7*n], dst[7*n:8*n]
	for i := range r0 {
		s := (*[blockRows]float64)(src[i*stride : i*stride+blockRows])
		r0[i] = s[0] * scale
		r1[i] = s[1] * scale
		r2[i] = s[2] * scale
		r3[i] = s[3] * scale
		r4[i] = s[4] * scale
		r5[i] = s[5] * scale
		r6[i] = s[6] * scale
		r7[i] = s[7] * scale
	}
}

// FirstNonFinite names the first of "dW1", "db1", "dW2" and "db2" whose
// sums in flat (in Flat's layout) hold a NaN or an infinity, or returns ""
// if none does. It panics if flat has the wrong length.
func (m *Model) FirstNonFinite(flat []float64) string {
	if len(flat) != m.FlatLen() {
		panic(fmt.Sprintf("kernel: FirstNonFinite: flat vector of length %d, want %d", len(flat), m.FlatLen()))
	}
	in, hp, out := m.inputs, m.hp, m.outputs
	tensors := [...]struct {
		name     string
		from, to int
	}{
		{"dW1", 0, in * hp},
		{"db1", in * hp, in*hp + hp},
		{"dW2", in*hp + hp, in*hp + hp + out*hp},
		{"db2", in*hp + hp + out*hp, len(flat)},
	}
	for _, t := range tensors {
		for _, v := range flat[t.from:t.to] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return t.name
			}
		}
	}
	return ""
}

// Check reports whether s can be fed to this model: matching image size,
// consistent offsets, every pixel index below Inputs and every label below
// Outputs. Samples from NewSamples only need the size and label checks, but
// Check verifies everything because the assembly trusts it.
func (m *Model) Check(s *Samples) error {
	if s.Dim != m.inputs {
		return fmt.Errorf("kernel: images of %d pixels, model wants %d", s.Dim, m.inputs)
	}
	if len(s.Offsets) != s.N+1 || len(s.Labels) != s.N || s.N < 0 {
		return fmt.Errorf("kernel: %d samples with %d offsets and %d labels, want %d and %d",
			s.N, len(s.Offsets), len(s.Labels), s.N+1, s.N)
	}
	if len(s.Index) != len(s.Value) {
		return fmt.Errorf("kernel: %d pixel indices but %d values", len(s.Index), len(s.Value))
	}
	if s.Offsets[0] != 0 || int(s.Offsets[s.N]) != len(s.Index) {
		return fmt.Errorf("kernel: offsets span %d..%d, want 0..%d", s.Offsets[0], s.Offsets[s.N], len(s.Index))
	}
	for i := range s.N {
		lo, hi := s.Offsets[i], s.Offsets[i+1]
		if hi < lo || int(hi) > len(s.Index) {
			return fmt.Errorf("kernel: sample %d: offsets %d..%d, want ascending within 0..%d", i, lo, hi, len(s.Index))
		}
		for k, p := range s.Index[lo:hi] {
			if int(p) >= m.inputs {
				return fmt.Errorf("kernel: sample %d: pixel index %d, want below %d", i, p, m.inputs)
			}
			if k > 0 && p <= s.Index[int(lo)+k-1] {
				return fmt.Errorf("kernel: sample %d: pixel indices not strictly ascending at %d", i, p)
			}
		}
		if int(s.Labels[i]) >= m.outputs {
			return fmt.Errorf("kernel: sample %d: label %d, want below %d", i, s.Labels[i], m.outputs)
		}
	}
	return nil
}

// Grad holds partial gradient sums (not means) over some samples, in
// float32 and the kernel's layout, plus the summed cost.
type Grad struct {
	// Cost is the sum over the samples of logsumexp(z2) - z2[label].
	Cost float64

	flat            []float32
	w1t, b1, w2, b2 []float32 // views into flat
}

// NewGrad returns a zeroed gradient for m.
func NewGrad(m *Model) *Grad {
	g := &Grad{flat: alignedFloat32(m.FlatLen())}
	in, hp := m.inputs, m.hp
	g.w1t = g.flat[: in*hp : in*hp]
	g.b1 = g.flat[in*hp : in*hp+hp : in*hp+hp]
	g.w2 = g.flat[in*hp+hp : in*hp+hp+m.outputs*hp : in*hp+hp+m.outputs*hp]
	g.b2 = g.flat[in*hp+hp+m.outputs*hp:]
	return g
}

// Reset zeroes the sums and the cost.
func (g *Grad) Reset() {
	clear(g.flat)
	g.Cost = 0
}

// Flat returns every gradient sum in one slice of length Model.FlatLen, in
// the layout Unpack reads. The slice aliases g.
func (g *Grad) Flat() []float32 { return g.flat }

// Scratch is the per-goroutine workspace of Gradient, Predict and
// Probabilities.
type Scratch struct {
	// z, d and dz1 hold batch rows of HiddenPad values: the hidden layer
	// (pre-activation, then activation), act'(z1) and dz1.
	z, d, dz1 []float32
	z2        []float32 // logits then dz2, Outputs padded
	dense     []float32 // HiddenPad, for Probabilities
	hp        int
	inputs    int
	outputs   int
	fast      bool
	batch     int
	args      denseArgs

	// The batch decoded for the assembly (see kernel_amd64.go): image k's
	// pixels as weight-row offsets and values off/fv[start[k]:start[k+1]],
	// split into pixel tiles by bounds (with tileCount's vectors lim), and
	// transposed through t into pix, pstart, entK and entV.
	off    []uint32
	fv     []float32
	src    []int32 // per image: first pixel in Samples, pixels to decode
	start  []int32
	dz2    []float32 // batch rows of op values, where dW2 goes by batch
	soa    soaArgs
	work   []float32
	labels [8]int32
	tiles  int
	bounds []int32
	lim    []uint16
	t      []uint8
	pix    []uint32
	pstart []int32
	entK   []uint32
	entV   []float32
}

// batchBytes bounds the size of one Scratch row buffer. The first layer's
// column blocks are reused across a batch of this many rows, while a batch
// row (HiddenPad floats) is touched once per block, so a modest batch
// already takes nearly all the traffic off L3.
const batchBytes = 64 << 10

// maxBatch bounds the batch of a model with several column blocks: the
// transposition it makes per batch tracks the images in 64-bit masks.
const maxBatch = 64

// maxPlanBatch bounds the batch of a model with one column block. A Plan
// names an image within its batch in one byte; the larger the batch, the
// more images share each pixel, and the fewer times the pixel loop of
// planScatter starts and ends.
const maxPlanBatch = 256

// NewScratch returns a workspace sized for m (or any model of the same shape).
func NewScratch(m *Model) *Scratch {
	batch := m.batchSize()
	ws := &Scratch{
		z:       alignedFloat32(batch * m.hp),
		d:       alignedFloat32(batch * m.hp),
		dz1:     alignedFloat32(batch * m.hp),
		z2:      alignedFloat32(m.op),
		dense:   alignedFloat32(m.hp),
		hp:      m.hp,
		inputs:  m.inputs,
		outputs: m.outputs,
		fast:    m.fast,
		batch:   batch,
	}
	if m.fast {
		m.newScratchAsm(ws)
	}
	return ws
}

// batchSize is the number of images the kernels take at a time.
func (m *Model) batchSize() int {
	limit := maxBatch
	if len(m.blocks) == 1 {
		limit = maxPlanBatch
	}
	return max(1, min(limit, batchBytes/(4*m.hp)))
}
