package kernel

import (
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// threadTime is the CPU time of the calling OS thread, precise to the
// nanosecond (unlike getrusage) and little disturbed by other processes.
func threadTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// phaseSamples returns the MNIST training set from $SHARDNET_DATA, or
// synthetic MNIST-like images where it is not set or not there.
func phaseSamples(b *testing.B) *Samples {
	dir := os.Getenv("SHARDNET_DATA")
	read := func(name string) []byte {
		if dir == "" {
			return nil
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return nil
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil
		}
		data, _ := io.ReadAll(z)
		return data
	}
	img, lab := read("train-images-idx3-ubyte.gz"), read("train-labels-idx1-ubyte.gz")
	n, dim := 60000, 784
	if len(img) < 16 || len(lab) < 8 || binary.BigEndian.Uint32(img[4:]) != uint32(n) || len(img) != 16+n*dim || len(lab) != 8+n {
		r := rand.New(rand.NewPCG(3, 4))
		img, lab = make([]byte, 16+n*dim), make([]byte, 8+n)
		for i := range img[16:] {
			if r.IntN(5) == 0 {
				img[16+i] = byte(1 + r.IntN(255))
			}
		}
		for i := range lab[8:] {
			lab[8+i] = byte(r.IntN(10))
		}
	}
	s, err := NewSamples(img[16:], lab[8:], n, dim)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkPhases splits each assembly path's Gradient (plan=false) and
// GradientPlan (plan=true) over 60,000 images into their phases (locating
// or decoding the batch, first layer, dense middle, first layer's gradient
// including any transposition it needs) and reports each one's thread CPU
// time per pass over the data.
func BenchmarkPhases(b *testing.B) {
	s := phaseSamples(b)
	for _, p := range []path{avx2, avx512} {
		for _, hidden := range []int{10, 300} {
			for _, plan := range []bool{false, true} {
				b.Run(fmt.Sprintf("path=%s/hidden=%d/plan=%t", p, hidden, plan), func(b *testing.B) {
					if lacks := missing(p); lacks != "" {
						b.Skipf("skipping the %s path: %s", p, lacks)
					}
					benchPhases(b, s, p, hidden, plan)
				})
			}
		}
	}
}

func benchPhases(b *testing.B, s *Samples, p path, hidden int, planned bool) {
	old := selected.Load()
	selected.Store(uint32(p))
	m, err := NewModel(s.dim, hidden, 10, Sigmoid, 1)
	selected.Store(old)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	rm := make([]float64, m.RowMajorLen())
	for i := range hidden*s.dim + hidden + 10*hidden {
		// W1 and W2 random, b1 (which comes between them) too: no matter.
		rm[i] = r.NormFloat64() * 0.01
	}
	m.LoadRowMajor(rm)
	g, ws := NewGrad(m), NewScratch(m)
	idx := make([]int32, s.n)
	for i := range idx {
		idx[i] = int32(i)
	}
	var plan *Plan
	if planned {
		plan = m.NewPlan(s, idx)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tiled := len(m.blocks) > 1
	var phase [4]time.Duration
	for b.Loop() {
		a := &ws.asm.args
		m.bindArgs(a, ws)
		a.db1, a.dw2, a.db2 = &g.b1[0], &g.w2[0], &g.b2[0]
		if tiled {
			a.dw2 = nil
		}
		for bi, rest := 0, idx; len(rest) > 0; bi++ {
			batch := rest[:min(len(rest), ws.batch)]
			rest = rest[len(batch):]
			t0 := threadTime()
			if tiled {
				m.prepare(s, batch, ws)
				m.tileBounds(s, batch, ws)
			} else if !plan.hasImages() {
				m.locate(s, batch, ws)
			}
			t1 := threadTime()
			if tiled {
				clear(ws.z[:len(batch)*m.hp])
				m.gatherTiled(len(batch), ws)
			} else {
				m.gatherRaw(s, len(batch), ws, plan, bi)
			}
			t2 := threadTime()
			cost := newCostSum()
			if m.asm.soa {
				m.denseSoA(g, s, batch, ws, &cost, plan, bi)
			} else {
				m.denseImages(s, batch, ws, &cost)
			}
			if tiled {
				m.asm.isa.dw2Batch(&g.w2[0], &ws.asm.dz2[0], &ws.z[0], m.outputs, m.hp, len(batch), m.op*4, m.hp*4)
			}
			t3 := threadTime()
			m.firstLayerGrad(g, s, batch, ws, plan, bi)
			t4 := threadTime()
			for i, d := range []time.Duration{t1 - t0, t2 - t1, t3 - t2, t4 - t3} {
				phase[i] += d
			}
		}
	}
	for i, name := range []string{"decode", "gather", "dense", "scatter"} {
		b.ReportMetric(phase[i].Seconds()*1e3/float64(b.N), name+"-ms")
	}
}
