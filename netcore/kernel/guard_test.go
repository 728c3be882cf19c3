package kernel_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/shardnet/shardnet/netcore/kernel"
)

// guardShapes are networks that take every family of the assembly: one
// column block of every width up to the widest (the sparse loops straight
// from the samples and from plans, the narrow dense middles), several
// blocks (the tiled first layer and the transposed gradient), outputs
// under, at and over a register, and images of few pixels.
var guardShapes = []struct{ inputs, hidden, outputs int }{
	{784, 12, 10},
	{784, 33, 10},
	{784, 64, 10},
	{784, 100, 10},
	{784, 300, 10},
	{50, 5, 3},
	{100, 20, 17},
}

// guardData returns n images of dim pixels, the first all zero, the second
// all 255, the rest ordinary, so that the loops meet empty and full lists.
func guardData(n, dim, classes int) dataset {
	d := syntheticData(uint64(dim), n, dim, classes)
	clear(d.pixels[:dim])
	for i := range dim {
		d.pixels[dim+i] = 255
	}
	return d
}

// guardedOutputs are the caller's buffers the kernels write, in a struct so
// that GuardForTest finds them.
type guardedOutputs struct {
	predictions   []uint8
	probabilities []float64
	pixels        []float32
	words         []int64
}

// TestGuardBands surrounds every buffer the kernels write (gradients,
// workspaces, exact sums, the caller's outputs) with guard bands and checks
// them after every entry point of netcore/kernel on every kernel path this
// CPU runs, and that the kernels leave the buffers they only read (the
// model, the samples, the plans) unchanged. The assembly trusts its Go
// callers for every bound; this is what tells a write outside them.
func TestGuardBands(t *testing.T) {
	for _, path := range paths() {
		t.Run(path, func(t *testing.T) {
			restore := usePath(t, path)
			defer restore()
			for i, shape := range guardShapes {
				acts := activations
				if testing.Short() {
					// One activation a shape, each in turn: the race
					// detector makes the portable path slow.
					acts = activations[i%len(activations) : i%len(activations)+1]
				}
				t.Run(fmt.Sprintf("%d-%d-%d", shape.inputs, shape.hidden, shape.outputs), func(t *testing.T) {
					checkGuards(t, shape.inputs, shape.hidden, shape.outputs, acts)
				})
			}
		})
	}
}

func checkGuards(t *testing.T, inputs, hidden, outputs int, acts []kernel.Activation) {
	// Enough images that the assembly's batches end short; the portable
	// path, checked by Go's bounds as well, takes fewer where the race
	// detector slows it down.
	images := 300
	if testing.Short() && kernel.Path() == kernel.PathGeneric {
		images = 40
	}
	d := guardData(images, inputs, outputs)
	p := randomParams(uint64(hidden), inputs, hidden, outputs, 0.1)
	for _, act := range acts {
		m, err := kernel.NewModel(inputs, hidden, outputs, act, 1.0/255)
		if err != nil {
			t.Fatal(err)
		}
		m.LoadRowMajor(p.rowMajor())
		s, err := kernel.NewSamples(d.pixels, d.labels, d.n, d.dim)
		if err != nil {
			t.Fatal(err)
		}
		// Every image once, shuffled, then a few again, so that batches
		// end short and images repeat.
		r := rand.New(rand.NewPCG(uint64(inputs), uint64(hidden)))
		idx := allIdx(images)
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = append(idx, 1, 0, 1, 7)
		plan := m.NewPlan(s, idx)

		partials := make([]*kernel.Grad, kernel.FoldGroup)
		for i := range partials {
			partials[i] = kernel.NewGrad(m)
		}
		ws := kernel.NewScratch(m)
		n := m.FlatLen()
		out := &guardedOutputs{
			predictions:   make([]uint8, len(idx)),
			probabilities: make([]float64, outputs),
			pixels:        make([]float32, inputs),
			words:         make([]int64, 2*n),
		}
		for i := range out.pixels {
			out.pixels[i] = float32(d.pixels[inputs+i]) / 255
		}
		writable := []any{ws, out}
		for _, g := range partials {
			writable = append(writable, g)
		}
		guard := kernel.NewGuardForTest(writable, []any{m, s, plan})
		sum := kernel.NewExactSum(out.words)
		check := func(op string) {
			t.Helper()
			if err := guard.Check(); err != nil {
				t.Fatalf("%v: after %s, a write outside the bounds:\n%v", act, op, err)
			}
		}
		check("nothing (the guard itself)")

		m.Gradient(partials[0], s, idx, ws)
		check("Gradient")
		m.Gradient(partials[1], s, idx[:1], ws)
		check("Gradient of one image")
		m.GradientPlan(partials[2], plan, ws)
		check("GradientPlan")
		for _, g := range partials[3:] {
			m.GradientPlan(g, plan, ws)
		}
		m.Predict(out.predictions, s, idx, ws)
		check("Predict")
		m.Probabilities(out.probabilities, out.pixels, ws)
		check("Probabilities")

		// The exact sums, over the whole and over ranges that start and
		// end within a register.
		sum.AddClear(partials[0].Flat(), 0)
		check("ExactSum.AddClear")
		vs := make([][]float32, len(partials)-1)
		for i, g := range partials[1:] {
			vs[i] = g.Flat()[3 : n-5]
		}
		sum.AddClearGroup(vs, 3)
		check("ExactSum.AddClearGroup")
		other := kernel.NewExactSum(make([]int64, 2*n))
		sum.Add(other, 1, n-1)
		check("ExactSum.Add")
		dst := make([]float64, n-2)
		sum.Float64(dst, 1)
		sum.Clear(2, n-3)
		check("ExactSum.Float64 and Clear")
	}
}

// TestGuardCatchesWrites: the guard bands see a write one element past a
// buffer's end and one before its start, and a change of a read-only
// buffer, so that TestGuardBands cannot pass for want of looking.
func TestGuardCatchesWrites(t *testing.T) {
	type buffers struct{ a, b []float32 }
	for _, tt := range []struct {
		name  string
		write func(*buffers)
		ro    bool
	}{
		{"past the end", func(v *buffers) { poke(v.a, len(v.a)) }, false},
		{"before the start", func(v *buffers) { poke(v.b, -1) }, false},
		{"read-only changed", func(v *buffers) { v.a[3] = 2 }, true},
	} {
		v := &buffers{a: make([]float32, 10), b: make([]float32, 10)}
		var guard *kernel.GuardForTest
		if tt.ro {
			guard = kernel.NewGuardForTest(nil, []any{v})
		} else {
			guard = kernel.NewGuardForTest([]any{v}, nil)
		}
		if err := guard.Check(); err != nil {
			t.Fatalf("%s: a fresh guard reports %v", tt.name, err)
		}
		tt.write(v)
		if err := guard.Check(); err == nil {
			t.Errorf("%s: the guard saw nothing", tt.name)
		} else {
			t.Logf("%s: %v", tt.name, err)
		}
	}
}

// poke writes 1 to element i of s, wherever that is, as a kernel that
// trusts a wrong bound would.
func poke(s []float32, i int) {
	*(*float32)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(s)), i*4)) = 1
}
