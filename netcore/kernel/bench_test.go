package kernel_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/shardnet/shardnet/netcore/kernel"
)

// benchData is the full MNIST training set where present, else 60,000
// synthetic MNIST-like images.
func benchData() dataset {
	if d, err := loadMNIST(); err == nil {
		return d
	}
	return syntheticData(99, 60000, 784, 10)
}

// benchGradient times one Gradient call (GradientPlan if planned) over every
// image of the training set, single-threaded, on the chosen path, for each
// hidden size. Besides
// wall time it reports the thread's CPU time per call (cpu-ms/iter), which
// other processes on a shared machine disturb far less.
func benchGradient(b *testing.B, path string, planned bool, hiddens ...int) {
	d := benchData()
	for _, hidden := range hiddens {
		b.Run(fmt.Sprintf("hidden=%d", hidden), func(b *testing.B) {
			p := randomParams(1, d.dim, hidden, 10, 0.01)
			m, s := setup(b, path, p, kernel.Sigmoid, 1, d)
			g, ws, idx := kernel.NewGrad(m), kernel.NewScratch(m), allIdx(d.n)
			gradient := func() { m.Gradient(g, s, idx, ws) }
			if planned {
				plan := m.NewPlan(s, idx)
				gradient = func() { m.GradientPlan(g, plan, ws) }
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0, cpuOK := threadCPU()
			for b.Loop() {
				g.Reset()
				gradient()
			}
			b.ReportMetric(float64(b.N)*float64(d.n)/b.Elapsed().Seconds(), "samples/s")
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/iter")
			if cpu1, ok := threadCPU(); ok && cpuOK {
				b.ReportMetric((cpu1-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/iter")
			}
		})
	}
}

// BenchmarkGradient times the path Path reports.
func BenchmarkGradient(b *testing.B) { benchGradient(b, kernel.Path(), false, 10, 300) }

// BenchmarkGradientGeneric times the portable Go path.
func BenchmarkGradientGeneric(b *testing.B) { benchGradient(b, kernel.PathGeneric, false, 10, 300) }

// BenchmarkGradientAsm times each assembly path (skipped where
// unavailable), with and without a plan.
func BenchmarkGradientAsm(b *testing.B) {
	for _, path := range []string{kernel.PathAVX2FMA, kernel.PathAVX512} {
		for _, planned := range []bool{false, true} {
			b.Run(fmt.Sprintf("path=%s/plan=%t", path, planned), func(b *testing.B) { benchGradient(b, path, planned, 10, 300) })
		}
	}
}

// BenchmarkLoad times refreshing a 784-300-10 model from float64
// parameters in the flat layout, which the update does once per training
// step, spread over the workers.
func BenchmarkLoad(b *testing.B) {
	m, err := kernel.NewModel(784, 300, 10, kernel.Sigmoid, 1)
	if err != nil {
		b.Fatal(err)
	}
	flat := make([]float64, m.FlatLen())
	m.FromRowMajor(flat, randomParams(1, 784, 300, 10, 0.01).rowMajor())
	for b.Loop() {
		m.Load(flat, 0, len(flat))
	}
}
