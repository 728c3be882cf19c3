package kernel

import (
	"fmt"
	"math"
	"unsafe"
)

// Model is a float32 copy of the network's parameters in the kernels'
// layout (see layout.go), refreshed from float64 parameters in the flat
// layout with Load:
//
//   - W1 transposed to Inputs×HiddenPad, so a pixel's weights are contiguous;
//   - b1 padded to HiddenPad;
//   - W2 as Outputs×HiddenPad, row-major;
//   - b2 padded to a multiple of 8 outputs (16 on the AVX-512 path) with -inf.
//
// Padding entries of the weights are zero and stay zero. A Model is safe for
// concurrent reads (Gradient, Predict, Probabilities) but Load must not run
// at the same time as them.
type Model struct {
	inputs, hidden, outputs int
	hp                      int // hidden padded to a multiple of the path's lanes
	op                      int // outputs padded to a multiple of the path's lanes
	act                     Activation
	scale                   float32
	path                    path // the kernel path, fixed at NewModel

	// table maps a raw pixel byte to its scaled float32 value.
	table [256]float32

	w1t, b1, w2, b2 []float32

	// blocks splits the hp columns into runs of blockRegs registers and a
	// last shorter one: the widths the assembly's sparse loops come in,
	// and the blocks whose chains the portable path follows.
	blocks []colBlock

	// asm holds what only the assembly path uses (kernel_amd64.go), port
	// what only the portable path does (portable.go).
	asm  asmModel
	port portModel
}

// NewModel returns a zeroed model of the given shape. pixelScale multiplies
// every raw pixel byte (1 for the post's raw 0..255 inputs, 1/255 to
// normalise). The kernel path (see Path) is fixed when the model is made; it
// decides the padding of the flat layout (see HiddenPad).
func NewModel(inputs, hidden, outputs int, act Activation, pixelScale float32) (*Model, error) {
	return newModel(current(), inputs, hidden, outputs, act, pixelScale)
}

// NewModelOn is NewModel on the kernel path name (a value of EnvKernel, ""
// for the default) rather than the path selected now, so that models of
// several paths can be made side by side. It returns SelectPath's error
// for a name that is unknown or a path this CPU cannot run.
func NewModelOn(name string, inputs, hidden, outputs int, act Activation, pixelScale float32) (*Model, error) {
	p, err := parsePath(name)
	if err != nil {
		return nil, err
	}
	return newModel(p, inputs, hidden, outputs, act, pixelScale)
}

func newModel(p path, inputs, hidden, outputs int, act Activation, pixelScale float32) (*Model, error) {
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
		hp:      roundUp(hidden, p.lanes()),
		op:      roundUp(outputs, p.lanes()),
		act:     act,
		scale:   pixelScale,
		path:    p,
	}
	for v := range m.table {
		m.table[v] = float32(v) * pixelScale
	}
	for c, lanes := 0, p.lanes(); c < m.hp; {
		w := min(blockRegs(p), (m.hp-c)/lanes)
		m.blocks = append(m.blocks, colBlock{c, w})
		c += w * lanes
	}
	// The AVX2 path's plans pad lists with identity terms on a row of -0
	// just past the last pixel's (see identityRow).
	m.w1t = withIdentityRow(inputs, m.hp)
	m.b1 = alignedFloat32(m.hp)
	m.w2 = alignedFloat32(outputs * m.hp)
	// b2 is padded to op with -inf: the assembly's softmax runs over whole
	// registers, and -inf logits drop out of it.
	m.b2 = alignedFloat32(m.op)
	for o := outputs; o < m.op; o++ {
		m.b2[o] = float32(math.Inf(-1))
	}
	if m.Fast() {
		m.initAsm()
	} else {
		m.initPort()
	}
	return m, nil
}

// colBlock is a run of width registers starting at column col.
type colBlock struct{ col, width int }

// oneBlock reports whether the hidden layer is one column block: the
// assembly then takes the first layer from the sparse form, image by
// image, or from a plan's copy of it, several images side by side.
func (m *Model) oneBlock() bool { return len(m.blocks) == 1 }

// withIdentityRow returns rows·width zeroed float32 values (aligned as
// alignedFloat32 aligns them) followed, beyond the slice's length and
// capacity, by a row of width values of -0: the identity row. A term
// whose weight or delta is -0 and whose pixel value is +0 has the product
// -0, and acc + (-0) is acc for every float32, so the assembly's plans pad
// the lists they interleave with terms on that row (the first layer's
// weights for a model, the first layer's deltas for a Scratch), which
// change no bit. No path writes the row.
func withIdentityRow(rows, width int) []float32 {
	buf := alignedFloat32((rows + 1) * width)
	negZero := math.Float32frombits(1 << 31)
	for i := rows * width; i < len(buf); i++ {
		buf[i] = negZero
	}
	return buf[: rows*width : rows*width]
}

// maxWeights bounds the first layer (1 GiB of float32).
const maxWeights = 1 << 28

// roundUp rounds n up to a multiple of lanes.
func roundUp(n, lanes int) int { return (n + lanes - 1) / lanes * lanes }

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

// HiddenPad returns the hidden size rounded up to the register width of the
// model's kernel path (a multiple of 8, or of 16 on the AVX-512 path); it
// is the row length of the transposed first layer in the flat layout.
func (m *Model) HiddenPad() int { return m.hp }

// Activation returns the hidden-layer activation.
func (m *Model) Activation() Activation { return m.act }

// Fast reports whether the model runs an assembly path.
func (m *Model) Fast() bool { return m.path != generic }

// Path returns the name of the model's kernel path (see Path).
func (m *Model) Path() string { return m.path.String() }

// Arithmetic returns the name of the arithmetic the model's kernel path
// computes: [Arithmetic], on every path. Models of equal Arithmetic and
// shape give bitwise the same gradients.
func (m *Model) Arithmetic() string { return ArithmeticOf(m.path.String()) }

// ArithmeticOf returns the name of the arithmetic the kernel path name
// computes: [Arithmetic], on every path. Processes that sum their
// gradients must compute one arithmetic; they may run different paths of
// it.
func ArithmeticOf(name string) string { return Arithmetic }

// Grad holds partial gradient sums (not means) over some samples, in
// float32 and the flat layout, plus the summed cost.
type Grad struct {
	// Cost is the sum over the samples of logsumexp(z2) - z2[label].
	Cost float64

	flat            []float32
	w1t, b1, w2, b2 []float32 // views into flat
}

// NewGrad returns a zeroed gradient for m.
func NewGrad(m *Model) *Grad {
	g := &Grad{flat: alignedFloat32(m.FlatLen())}
	g.w1t, g.b1, g.w2, g.b2 = split(m, g.flat)
	return g
}

// Reset zeroes the sums and the cost.
func (g *Grad) Reset() {
	clear(g.flat)
	g.Cost = 0
}

// Flat returns every gradient sum in one slice of length Model.FlatLen, in
// the flat layout. The slice aliases g.
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
	path      path
	batch     int

	// asm holds the assembly path's batch buffers (kernel_amd64.go), port
	// the portable path's (portable.go).
	asm  asmScratch
	port portScratch
}

// batchBytes bounds the size of one Scratch row buffer. The first layer's
// column blocks are reused across a batch of this many rows, while a batch
// row (HiddenPad floats) is touched once per block, so a modest batch
// already takes nearly all the traffic off L3.
const batchBytes = 64 << 10

// NewScratch returns a workspace sized for m (or any model of the same shape).
func NewScratch(m *Model) *Scratch {
	batch := m.batchSize()
	ws := &Scratch{
		z:       alignedFloat32(batch * m.hp),
		d:       alignedFloat32(batch * m.hp),
		dz1:     withIdentityRow(batch, m.hp),
		z2:      alignedFloat32(m.op),
		dense:   alignedFloat32(m.hp),
		hp:      m.hp,
		inputs:  m.inputs,
		outputs: m.outputs,
		path:    m.path,
		batch:   batch,
	}
	if m.Fast() {
		m.newScratchAsm(ws)
	} else {
		m.newPortScratch(ws)
	}
	return ws
}

// maxBatch bounds the batch of a model with several column blocks: the
// transposition it makes per batch tracks the images in 64-bit masks.
const maxBatch = 64

// maxPlanBatch bounds the batch of a model with one column block. A Plan
// names an image within its batch in one byte; the larger the batch, the
// more images share each pixel, and the fewer times the pixel loop of
// planScatter starts and ends.
const maxPlanBatch = 256

// blockRegs returns the widest column block of path p, in registers. A
// block's registers take one pixel row of the first layer at a time; the
// tiled loops (HiddenPad above blockColumns) keep a tile of tileRows rows of
// a block in the L1 cache, 24 KiB for 256-byte blocks.
func blockRegs(p path) int {
	if p == avx512 {
		return 4
	}
	return 8
}

// blockColumns returns the width of the assembly's column blocks on path
// p, the hidden units its sparse loops keep in registers at once (see
// blockRegs).
func blockColumns(p path) int { return blockRegs(p) * p.lanes() }

// wideBatchBytes is batchBytes for the AVX-512 path's models of several
// column blocks, whose plans' lists (a pixel's images within a batch) are
// then four times as long: with a dozen entries, as 64 KiB of rows of a
// 784-300-10 network give, starting and ending a list cost as much as its
// entries. The rows stay in the L2 cache.
const wideBatchBytes = 256 << 10

// batchSize is the number of images the kernels take at a time. On the
// AVX-512 path a model of several column blocks transposes the batch in
// parts of maxBatch images where it has no plan (see firstLayerGrad).
func (m *Model) batchSize() int {
	limit, bytes := maxBatch, batchBytes
	switch {
	case m.hp <= blockColumns(m.path):
		// A plan's lists name the identity row of dz1, just past the
		// batch's rows, by a 16-bit offset (see prepareAsmPlan).
		limit, bytes = maxPlanBatch, batchBytes-1
	case m.path == avx512:
		limit, bytes = maxPlanBatch, wideBatchBytes
	}
	return max(1, min(limit, bytes/(4*m.hp)))
}
