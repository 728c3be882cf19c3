package kernel_test

import (
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/shardnet/shardnet/netcore/kernel"
)

// dataset is a set of dense images with labels, the input of both the
// oracle and NewSamples.
type dataset struct {
	pixels []uint8
	labels []uint8
	n, dim int
}

// syntheticData returns n MNIST-like images: about 80% zero pixels, the rest
// uniform in 1..255, labels uniform below classes.
func syntheticData(seed uint64, n, dim, classes int) dataset {
	r := rand.New(rand.NewPCG(seed, 1))
	d := dataset{pixels: make([]uint8, n*dim), labels: make([]uint8, n), n: n, dim: dim}
	for i := range d.pixels {
		if r.IntN(5) == 0 {
			d.pixels[i] = uint8(1 + r.IntN(255))
		}
	}
	for i := range d.labels {
		d.labels[i] = uint8(r.IntN(classes))
	}
	return d
}

// params are float64 parameters in netcore's row-major layout.
type params struct {
	in, hid, out   int
	w1, b1, w2, b2 []float64
}

func randomParams(seed uint64, in, hid, out int, std float64) params {
	r := rand.New(rand.NewPCG(seed, 2))
	p := params{in: in, hid: hid, out: out,
		w1: make([]float64, hid*in), b1: make([]float64, hid),
		w2: make([]float64, out*hid), b2: make([]float64, out)}
	for _, t := range [][]float64{p.w1, p.b1, p.w2, p.b2} {
		for i := range t {
			t[i] = r.NormFloat64() * std
		}
	}
	return p
}

func zeroParams(in, hid, out int) params { return randomParams(0, in, hid, out, 0) }

// rowMajor returns the parameters one tensor after the other, the layout
// of netcore.Params.Data and of Model.LoadRowMajor.
func (p params) rowMajor() []float64 { return slices.Concat(p.w1, p.b1, p.w2, p.b2) }

// splitRowMajor is rowMajor the other way: params over rm's values.
func splitRowMajor(rm []float64, in, hid, out int) params {
	return params{in: in, hid: hid, out: out,
		w1: rm[:hid*in], b1: rm[hid*in : hid*in+hid],
		w2: rm[hid*in+hid : hid*in+hid+out*hid], b2: rm[hid*in+hid+out*hid:]}
}

func actF64(act kernel.Activation, z float64) (h, d float64) {
	switch act {
	case kernel.Sigmoid:
		h = 1 / (1 + math.Exp(-z))
		return h, h * (1 - h)
	case kernel.Tanh:
		h = math.Tanh(z)
		return h, 1 - h*h
	default:
		if z > 0 {
			return z, 1
		}
		return 0, 0
	}
}

// oracleForward returns the float64 hidden activations, derivatives and
// logits of image i.
func oracleForward(p params, act kernel.Activation, scale float64, d dataset, i int) (h, dh, z2 []float64) {
	x := d.pixels[i*d.dim : (i+1)*d.dim]
	h, dh, z2 = make([]float64, p.hid), make([]float64, p.hid), make([]float64, p.out)
	for j := range p.hid {
		z := p.b1[j]
		for k, v := range x {
			if v != 0 { // zero pixels add exactly nothing; skipping them is only faster
				z += p.w1[j*p.in+k] * float64(v) * scale
			}
		}
		h[j], dh[j] = actF64(act, z)
	}
	for o := range p.out {
		z := p.b2[o]
		for j := range p.hid {
			z += p.w2[o*p.hid+j] * h[j]
		}
		z2[o] = z
	}
	return h, dh, z2
}

// oracleGradient is the float64 reference: gradient sums and summed cost
// over the samples idx, written straight from the formulas.
func oracleGradient(p params, act kernel.Activation, scale float64, d dataset, idx []int32) (g params, cost float64) {
	g = zeroParams(p.in, p.hid, p.out)
	for _, i := range idx {
		h, dh, z2 := oracleForward(p, act, scale, d, int(i))
		zmax := z2[0]
		for _, v := range z2 {
			zmax = math.Max(zmax, v)
		}
		sum := 0.0
		for _, v := range z2 {
			sum += math.Exp(v - zmax)
		}
		label := int(d.labels[i])
		cost += math.Log(sum) + zmax - z2[label]
		dz2 := make([]float64, p.out)
		for o, v := range z2 {
			dz2[o] = math.Exp(v-zmax) / sum
		}
		dz2[label]--
		dz1 := make([]float64, p.hid)
		for o, gv := range dz2 {
			g.b2[o] += gv
			for j := range p.hid {
				g.w2[o*p.hid+j] += gv * h[j]
				dz1[j] += gv * p.w2[o*p.hid+j]
			}
		}
		x := d.pixels[int(i)*d.dim : (int(i)+1)*d.dim]
		for j := range p.hid {
			dz1[j] *= dh[j]
			g.b1[j] += dz1[j]
			for k, v := range x {
				if v != 0 {
					g.w1[j*p.in+k] += dz1[j] * float64(v) * scale
				}
			}
		}
	}
	return g, cost
}

// relErr is ‖a-b‖/‖b‖, or ‖a-b‖ where b is zero.
func relErr(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num += (a[i] - b[i]) * (a[i] - b[i])
		den += b[i] * b[i]
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// setup builds a model of p's shape on the kernel path named path, loads p
// and returns it with samples of d. It skips the test, saying why, where
// this CPU cannot run the path.
func setup(t testing.TB, path string, p params, act kernel.Activation, scale float32, d dataset) (*kernel.Model, *kernel.Samples) {
	t.Helper()
	restore := usePath(t, path)
	defer restore()
	m, err := kernel.NewModel(p.in, p.hid, p.out, act, scale)
	if err != nil {
		t.Fatal(err)
	}
	if m.Path() != path || m.Fast() != (path != kernel.PathGeneric) {
		t.Fatalf("model on path %s (Fast %v), want %s", m.Path(), m.Fast(), path)
	}
	m.LoadRowMajor(p.rowMajor())
	s, err := kernel.NewSamples(d.pixels, d.labels, d.n, d.dim)
	if err != nil {
		t.Fatal(err)
	}
	return m, s
}

// unpacked runs Gradient over idx and returns the result in netcore's layout.
func unpacked(m *kernel.Model, s *kernel.Samples, idx []int32) (params, float64, *kernel.Grad) {
	g := kernel.NewGrad(m)
	m.Gradient(g, s, idx, kernel.NewScratch(m))
	return unpack(m, g), g.Cost, g
}

func unpack(m *kernel.Model, g *kernel.Grad) params {
	flat := make([]float64, m.FlatLen())
	for i, v := range g.Flat() {
		flat[i] = float64(v)
	}
	rm := make([]float64, m.RowMajorLen())
	m.ToRowMajor(rm, flat)
	return splitRowMajor(rm, m.Inputs(), m.Hidden(), m.Outputs())
}

func allIdx(n int) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	return idx
}

// usePath selects the kernel path named path for the models made until
// restore is called, or skips the test, saying why, where this CPU cannot
// run it.
func usePath(t testing.TB, path string) (restore func()) {
	t.Helper()
	restore, err := kernel.SetPathForTest(path)
	if err != nil {
		t.Skipf("skipping the %s path: %v", path, err)
	}
	return restore
}

// paths lists every kernel path: the tests run those this CPU can run and
// skip the others, saying so (see setup).
func paths() []string { return kernel.AllPaths }

// lanesOf returns the register width, in floats, that the flat layout of
// a model on the kernel path named path is padded to.
func lanesOf(path string) int {
	if path == kernel.PathAVX512 {
		return 16
	}
	return 8
}

var (
	mnistOnce sync.Once
	mnistSet  dataset
	mnistErr  error
)

// mnistTrain returns the MNIST training set from $SHARDNET_DATA, or skips
// the test where it is absent.
func mnistTrain(t testing.TB) dataset {
	t.Helper()
	d, err := loadMNIST()
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	return d
}

// loadMNIST reads the MNIST training set once.
func loadMNIST() (dataset, error) {
	mnistOnce.Do(func() {
		dir := os.Getenv("SHARDNET_DATA")
		if dir == "" {
			mnistErr = fmt.Errorf("SHARDNET_DATA is not set; it names a directory with the MNIST files")
			return
		}
		var img, lab []byte
		img, mnistErr = readGz(filepath.Join(dir, "train-images-idx3-ubyte.gz"))
		if mnistErr != nil {
			return
		}
		lab, mnistErr = readGz(filepath.Join(dir, "train-labels-idx1-ubyte.gz"))
		if mnistErr != nil {
			return
		}
		if len(img) < 16 || len(lab) < 8 || binary.BigEndian.Uint32(img) != 0x803 || binary.BigEndian.Uint32(lab) != 0x801 {
			mnistErr = fmt.Errorf("bad IDX headers")
			return
		}
		n := int(binary.BigEndian.Uint32(img[4:]))
		dim := int(binary.BigEndian.Uint32(img[8:]) * binary.BigEndian.Uint32(img[12:]))
		if len(img) != 16+n*dim || len(lab) != 8+n {
			mnistErr = fmt.Errorf("IDX sizes do not match headers")
			return
		}
		mnistSet = dataset{pixels: img[16:], labels: lab[8:], n: n, dim: dim}
	})
	return mnistSet, mnistErr
}

func readGz(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}

// head returns the first n images of d.
func (d dataset) head(n int) dataset {
	n = min(n, d.n)
	return dataset{pixels: d.pixels[:n*d.dim], labels: d.labels[:n], n: n, dim: d.dim}
}
