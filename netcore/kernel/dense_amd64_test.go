package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The dense middle of the assembly paths (denseAVX, denseHead and
// denseTail, denseSoA8/16 and their AVX-512 twins with the suffix Z)
// against a plain Go reference written from docs/ARITHMETIC.md, bit for
// bit, given the first layer's sums: so these tests do not depend on the
// first layer's kernels, nor on the portable path. Each runs on both
// paths, skipping the one this CPU lacks, against the same reference: both
// compute the same chains, 8 or 16 of them side by side.

// densePaths are the paths whose dense middle the tests check.
var densePaths = []path{avx2, avx512}

// forDensePaths runs f in a subtest per path of densePaths, skipping a
// path this CPU cannot run.
func forDensePaths(t *testing.T, f func(t *testing.T, p path)) {
	for _, p := range densePaths {
		t.Run(p.String(), func(t *testing.T) {
			if lacks := missing(p); lacks != "" {
				t.Skipf("skipping the %s path: %s", p, lacks)
			}
			f(t, p)
		})
	}
}

// denseOne runs the dense middle of one image, denseAVX or denseAVXZ,
// which only these tests call: Gradient and Predict run its two halves.
func denseOne(m *Model, a *denseArgs) {
	if m.asm.z {
		denseAVXZ(a)
	} else {
		denseAVX(a)
	}
}

// denseRef is one image's dense middle per docs/ARITHMETIC.md.
type denseRef struct {
	h, d          []float32 // hidden, real units only
	z2, dz2       []float32 // Outputs
	dz1           []float32 // hidden
	sum, zl       float32
	db1, db2, dw2 []float32 // the gradient after the image (hp, op, outputs·hp)
}

// refDense computes image's dense middle on m's parameters from the first
// layer's sums z1 (hidden values) for label, continuing the gradient sums
// db1, db2 and dw2 (laid out as Grad's), which it copies.
func refDense(m *Model, z1 []float32, label int, db1, db2, dw2 []float32) denseRef {
	H, O, hp := m.hidden, m.outputs, m.hp
	r := denseRef{
		h: make([]float32, H), d: make([]float32, H),
		z2: make([]float32, O), dz2: make([]float32, O), dz1: make([]float32, H),
		db1: append([]float32(nil), db1...), db2: append([]float32(nil), db2...), dw2: append([]float32(nil), dw2...),
	}
	for j := range H {
		a := z1[j] + m.b1[j]
		switch m.act {
		case Sigmoid:
			r.h[j], r.d[j] = sigmoidf(a)
		case Tanh:
			r.h[j], r.d[j] = tanhf(a)
		default:
			r.h[j], r.d[j] = reluf(a)
		}
	}
	for o := range O {
		r.z2[o] = chain32(m.b2[o], m.w2[o*hp:], 1, r.h, 1, H)
	}
	if label < 0 {
		return r
	}
	mx := r.z2[0]
	for _, z := range r.z2[1:] {
		mx = maxps(z, mx)
	}
	r.zl = r.z2[label] - mx
	e := make([]float32, O)
	var s float32
	for o := range O {
		e[o] = expf(r.z2[o] - mx)
		s += e[o]
	}
	r.sum = s
	inv := 1 / s
	for o := range O {
		r.dz2[o] = mul32(e[o], inv)
	}
	r.dz2[label] -= 1
	for j := range H {
		r.dz1[j] = mul32(chain32(0, m.w2[j:], hp, r.dz2, 1, O), r.d[j])
	}
	for o := range O {
		r.db2[o] += r.dz2[o]
		for j := range H {
			r.dw2[o*hp+j] = fma32(r.dz2[o], r.h[j], r.dw2[o*hp+j])
		}
	}
	for j := range H {
		r.db1[j] += r.dz1[j]
	}
	return r
}

// denseModel returns a model of the path p with inputs 3, hidden units
// and outputs of the shape given, with random parameters of spread std
// for W2 (and 1 for b1, b2).
func denseModel(t *testing.T, p path, hidden, outputs int, act Activation, std float64, seed uint64) *Model {
	t.Helper()
	m, err := newModel(p, 3, hidden, outputs, act, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 7))
	rm := make([]float64, m.RowMajorLen())
	w2lo, w2hi := 4*hidden, 4*hidden+outputs*hidden // W1, b1, then W2
	for i := range rm {
		rm[i] = r.NormFloat64()
		if w2lo <= i && i < w2hi {
			rm[i] *= std
		}
	}
	m.LoadRowMajor(rm)
	return m
}

// sameBits reports the first index where got and want differ in their
// bits, or -1.
func sameBits(got, want []float32) int {
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i
		}
	}
	return -1
}

// TestDenseAVXChains checks denseAVX (denseAVXZ on the AVX-512 path),
// forward and backward with and without dW2, against refDense bit for
// bit, for hidden layers narrow and wide, output layers of one to three
// registers and beyond 8 registers, every activation, and logits large
// enough to saturate the softmax.
func TestDenseAVXChains(t *testing.T) {
	hiddens := []int{1, 7, 10, 17, 33, 64, 65, 300, 1000}
	outputs := []int{1, 3, 10, 12, 17, 70, 256}
	forDensePaths(t, func(t *testing.T, p path) {
		for _, hidden := range hiddens {
			for _, out := range outputs {
				for _, act := range []Activation{Sigmoid, Tanh, ReLU} {
					for _, std := range []float64{0.1, 30} {
						name := fmt.Sprintf("h%d/o%d/act%d/std%g", hidden, out, act, std)
						seed := uint64(hidden*1000 + out*10 + int(act))
						m := denseModel(t, p, hidden, out, act, std, seed)
						if err := checkDenseAVX(m, seed); err != nil {
							t.Errorf("%s: %v", name, err)
						}
					}
				}
			}
		}
	})
}

func checkDenseAVX(m *Model, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 8))
	ws, g := NewScratch(m), NewGrad(m)
	// Gradient sums to continue from.
	for i := range g.flat {
		g.flat[i] = float32(r.NormFloat64())
	}
	for _, withDW2 := range []bool{true, false} {
		for label := -1; label < m.outputs; label += max(1, m.outputs/3) {
			z1 := make([]float32, m.hp)
			for j := range m.hidden {
				z1[j] = float32(r.NormFloat64() * 2)
			}
			ref := refDense(m, z1, label, g.b1, g.b2, g.w2)
			a := &ws.asm.args
			m.bindGrad(a, ws, g, withDW2)
			copy(ws.z, z1)
			a.h, a.d, a.dz1 = &ws.z[0], &ws.d[0], &ws.dz1[0]
			a.label = label
			denseOne(m, a)
			what := fmt.Sprintf("label %d, dW2 %t", label, withDW2)
			check := func(name string, got, want []float32) error {
				if i := sameBits(got, want); i >= 0 {
					return fmt.Errorf("%s: %s[%d] = %g (%#x), want %g (%#x)", what, name, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
				return nil
			}
			if err := check("h", ws.z[:m.hidden], ref.h); err != nil {
				return err
			}
			if err := check("d", ws.d[:m.hidden], ref.d); err != nil {
				return err
			}
			if label < 0 {
				if err := check("z2", ws.z2[:m.outputs], ref.z2); err != nil {
					return err
				}
				for o := m.outputs; o < m.op; o++ {
					if !math.IsInf(float64(ws.z2[o]), -1) {
						return fmt.Errorf("%s: padding logit z2[%d] = %g, want -inf", what, o, ws.z2[o])
					}
				}
				continue
			}
			for _, c := range []struct {
				name      string
				got, want []float32
			}{
				{"dz2", ws.z2[:m.outputs], ref.dz2},
				{"dz1", ws.dz1[:m.hidden], ref.dz1},
				{"sum", []float32{a.sum}, []float32{ref.sum}},
				{"zl", []float32{a.zl}, []float32{ref.zl}},
				{"db1", g.b1, ref.db1},
				{"db2", g.b2, ref.db2},
			} {
				if err := check(c.name, c.got, c.want); err != nil {
					return err
				}
			}
			if withDW2 {
				if err := check("dW2", g.w2, ref.dw2); err != nil {
					return err
				}
			}
			for o := m.outputs; o < m.op; o++ {
				if ws.z2[o] != 0 {
					return fmt.Errorf("%s: padding dz2[%d] = %g, want 0", what, o, ws.z2[o])
				}
			}
			for j := m.hidden; j < m.hp; j++ {
				if ws.dz1[j] != 0 {
					return fmt.Errorf("%s: padding dz1[%d] = %g, want 0", what, j, ws.dz1[j])
				}
			}
		}
	}
	return nil
}

// TestDenseSoAChains checks denseSoA8 and denseSoA16 on the AVX2 path
// and denseSoAZ16 on the AVX-512 path, every lane an image, against
// refDense bit for bit.
func TestDenseSoAChains(t *testing.T) {
	forDensePaths(t, func(t *testing.T, p path) {
		for hidden := 1; hidden <= 16; hidden++ {
			for _, act := range []Activation{Sigmoid, Tanh, ReLU} {
				for _, std := range []float64{0.1, 30} {
					seed := uint64(hidden*10 + int(act))
					m := denseModel(t, p, hidden, soaOutputs, act, std, seed)
					if !m.asm.soa {
						t.Fatalf("hidden %d: the model does not take denseSoA", hidden)
					}
					if err := checkDenseSoA(m, seed); err != nil {
						t.Errorf("h%d/act%d/std%g: %v", hidden, act, std, err)
					}
				}
			}
		}
	})
}

func checkDenseSoA(m *Model, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 9))
	lanes := m.path.lanes()
	hp := m.hp
	ws := NewScratch(m)
	z1 := make([]float32, lanes*hp)
	for k := range lanes {
		for j := range m.hidden {
			z1[k*hp+j] = float32(r.NormFloat64() * 2)
		}
	}
	var labels [16]int32
	for k := range lanes {
		labels[k] = int32(r.IntN(soaOutputs))
	}
	copy(ws.z, z1)
	a := &ws.asm.soa
	a.b1, a.w2b, a.b2, a.work = &m.b1[0], &m.asm.w2b[0], &m.b2[0], &ws.asm.work[0]
	a.labels, a.hidden, a.act = &labels[0], m.hidden, int(m.act)
	a.z, a.dz1, a.dz2 = &ws.z[0], &ws.dz1[0], &ws.asm.dz2[0]
	m.soa(a)
	zeros := make([]float32, m.FlatLen())
	for k := range lanes {
		ref := refDense(m, z1[k*hp:], int(labels[k]), zeros[:hp], zeros[:m.op], zeros[:m.outputs*hp])
		for _, c := range []struct {
			name      string
			got, want []float32
		}{
			{"h", ws.z[k*hp : k*hp+m.hidden], ref.h},
			{"dz2", ws.asm.dz2[k*m.op : k*m.op+m.outputs], ref.dz2},
			{"dz1", ws.dz1[k*hp : k*hp+m.hidden], ref.dz1},
			{"sum", a.sum[k : k+1], []float32{ref.sum}},
			{"zl", a.zl[k : k+1], []float32{ref.zl}},
		} {
			if i := sameBits(c.got, c.want); i >= 0 {
				return fmt.Errorf("image %d (label %d): %s[%d] = %g, want %g", k, labels[k], c.name, i, c.got[i], c.want[i])
			}
		}
	}
	return nil
}

// TestDenseHeadTail checks denseHead and denseTail, the two halves of
// denseAVX that Gradient and Predict run (denseHeadZ and denseTailZ on
// the AVX-512 path), against refDense bit for bit: batches of every size
// up to past two groups of denseHead's images, each image continuing the
// gradient sums of the one before, output layers of one to five
// registers (op/lanes: one to three output groups of denseHead, whose
// last takes one register or two).
func TestDenseHeadTail(t *testing.T) {
	forDensePaths(t, func(t *testing.T, p path) {
		for _, hidden := range []int{1, 7, 17, 65, 300} {
			for _, out := range []int{1, 3, 10, 17, 33, 70} {
				for _, act := range []Activation{Sigmoid, Tanh, ReLU} {
					for _, std := range []float64{0.1, 30} {
						seed := uint64(hidden*1000 + out*10 + int(act))
						m := denseModel(t, p, hidden, out, act, std, seed)
						for n := 1; n <= 9; n++ {
							if err := checkHeadTail(m, seed, n); err != nil {
								t.Errorf("h%d/o%d/act%d/std%g, %d images: %v", hidden, out, act, std, n, err)
							}
						}
					}
				}
			}
		}
	})
}

func checkHeadTail(m *Model, seed uint64, n int) error {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	ws, g := NewScratch(m), NewGrad(m)
	if n > ws.batch {
		return nil
	}
	for i := range g.flat {
		g.flat[i] = float32(r.NormFloat64())
	}
	hp, op := m.hp, m.op
	z1 := make([]float32, n*hp)
	labels := make([]int, n)
	for k := range n {
		for j := range m.hidden {
			z1[k*hp+j] = float32(r.NormFloat64() * 2)
		}
		labels[k] = r.IntN(m.outputs)
	}
	for _, withDW2 := range []bool{true, false} {
		for _, forward := range []bool{true, false} {
			a := &ws.asm.args
			m.bindGrad(a, ws, g, withDW2)
			copy(ws.z, z1)
			a.h, a.d, a.z2, a.n = &ws.z[0], &ws.d[0], &ws.asm.dz2[0], n
			m.head(a)
			for k := range n {
				label := labels[k]
				if forward {
					label = -1
				}
				ref := refDense(m, z1[k*hp:], label, g.b1, g.b2, g.w2)
				row, z2 := k*hp, ws.asm.dz2[k*op:(k+1)*op]
				what := fmt.Sprintf("image %d, label %d, dW2 %t", k, label, withDW2)
				cs := []struct {
					name      string
					got, want []float32
				}{
					{"h", ws.z[row : row+m.hidden], ref.h},
					{"d", ws.d[row : row+m.hidden], ref.d},
				}
				if forward {
					cs = append(cs, struct {
						name      string
						got, want []float32
					}{"z2", z2[:m.outputs], ref.z2})
					for o := m.outputs; o < op; o++ {
						if !math.IsInf(float64(z2[o]), -1) {
							return fmt.Errorf("%s: padding logit z2[%d] = %g, want -inf", what, o, z2[o])
						}
					}
				} else {
					a.h, a.d, a.dz1, a.z2, a.label = &ws.z[row], &ws.d[row], &ws.dz1[row], &z2[0], label
					m.tail(a)
					cs = append(cs, []struct {
						name      string
						got, want []float32
					}{
						{"dz2", z2[:m.outputs], ref.dz2},
						{"dz1", ws.dz1[row : row+m.hidden], ref.dz1},
						{"sum", []float32{a.sum}, []float32{ref.sum}},
						{"zl", []float32{a.zl}, []float32{ref.zl}},
						{"db1", g.b1, ref.db1},
						{"db2", g.b2, ref.db2},
					}...)
					if withDW2 {
						cs = append(cs, struct {
							name      string
							got, want []float32
						}{"dW2", g.w2, ref.dw2})
					}
				}
				for _, c := range cs {
					if i := sameBits(c.got, c.want); i >= 0 {
						return fmt.Errorf("%s: %s[%d] = %g, want %g", what, c.name, i, c.got[i], c.want[i])
					}
				}
			}
		}
	}
	return nil
}

// TestGradientChainsWide checks Gradient on the assembly paths against a
// Go reference of docs/ARITHMETIC.md for the whole gradient, bit for
// bit, for models of several column blocks (HiddenPad above 64), whose
// first layer (tiledGather, cscScatter) already sums one chain per value
// on both paths (without a plan), with the images in an order of their
// own and the gradient continuing from values it held.
func TestGradientChainsWide(t *testing.T) {
	forDensePaths(t, testGradientChainsWide)
}

func testGradientChainsWide(t *testing.T, p path) {
	const inputs, n = 300, 150
	for _, hidden := range []int{65, 130} {
		for _, out := range []int{3, 10, 17} {
			for _, act := range []Activation{Sigmoid, Tanh, ReLU} {
				seed := uint64(hidden*100 + out*10 + int(act))
				r := rand.New(rand.NewPCG(seed, 11))
				m, err := newModel(p, inputs, hidden, out, act, 1.0/255)
				if err != nil {
					t.Fatal(err)
				}
				if m.oneBlock() {
					t.Fatalf("hidden %d: one column block", hidden)
				}
				rm := make([]float64, m.RowMajorLen())
				for i := range rm {
					rm[i] = r.NormFloat64() * 0.3
				}
				m.LoadRowMajor(rm)
				s, pixels, err := syntheticSamples(r, n, inputs, out, 4)
				if err != nil {
					t.Fatal(err)
				}
				idx := make([]int32, n)
				for i, p := range r.Perm(n) {
					idx[i] = int32(p)
				}
				g, ws := NewGrad(m), NewScratch(m)
				for i := range g.flat {
					g.flat[i] = float32(r.NormFloat64())
				}
				want := refGradient(m, g, pixels, s.labels, idx)
				m.Gradient(g, s, idx, ws)
				if i := sameBits(g.flat, want.flat); i >= 0 {
					t.Errorf("h%d/o%d/act%d: flat[%d] = %g, want %g", hidden, out, act, i, g.flat[i], want.flat[i])
				}
				if g.Cost != want.Cost {
					t.Errorf("h%d/o%d/act%d: cost %g, want %g", hidden, out, act, g.Cost, want.Cost)
				}
			}
		}
	}
}

// refGradient returns g plus the gradient of the images idx per
// docs/ARITHMETIC.md, computed in plain Go.
func refGradient(m *Model, g *Grad, pixels, labels []uint8, idx []int32) *Grad {
	hp := m.hp
	out := NewGrad(m)
	copy(out.flat, g.flat)
	cost := newCostSum()
	for _, i := range idx {
		img := pixels[int(i)*m.inputs : (int(i)+1)*m.inputs]
		z1 := make([]float32, hp)
		for p, v := range img {
			if v != 0 {
				axpy32(z1[:m.hidden], m.w1t[p*hp:], m.table[v])
			}
		}
		r := refDense(m, z1, int(labels[i]), out.b1, out.b2, out.w2)
		copy(out.b1, r.db1)
		copy(out.b2, r.db2)
		copy(out.w2, r.dw2)
		cost.add(r.zl, r.sum)
		for p, v := range img {
			if v != 0 {
				axpy32(out.w1t[p*hp:p*hp+m.hidden], r.dz1, m.table[v])
			}
		}
	}
	out.Cost = g.Cost + cost.total()
	return out
}
