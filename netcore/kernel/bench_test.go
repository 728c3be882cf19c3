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

// benchGradient times one Gradient call over every sample of the training
// set, single-threaded, on the chosen path.
func benchGradient(b *testing.B, hidden int, asm bool) {
	d := benchData()
	p := randomParams(1, d.dim, hidden, 10, 0.01)
	m, s := setup(b, asm, p, kernel.Sigmoid, 1, d)
	g, ws, idx := kernel.NewGrad(m), kernel.NewScratch(m), allIdx(d.n)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, cpuOK := threadCPU()
	b.ResetTimer()
	for b.Loop() {
		g.Reset()
		m.Gradient(g, s, idx, ws)
	}
	b.ReportMetric(float64(b.N)*float64(d.n)/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/iter")
	if cpu1, ok := threadCPU(); ok && cpuOK {
		b.ReportMetric((cpu1-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/iter")
	}
}

func BenchmarkGradient(b *testing.B) {
	for _, hidden := range []int{10, 300} {
		b.Run(fmt.Sprintf("hidden=%d", hidden), func(b *testing.B) { benchGradient(b, hidden, kernel.HaveAsm) })
	}
}

func BenchmarkGradientPath(b *testing.B) {
	for _, hidden := range []int{10, 300} {
		for _, asm := range paths() {
			b.Run(fmt.Sprintf("hidden=%d/%s", hidden, pathName(asm)), func(b *testing.B) { benchGradient(b, hidden, asm) })
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	p := randomParams(1, 784, 300, 10, 0.01)
	m, err := kernel.NewModel(784, 300, 10, kernel.Sigmoid, 1)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		m.Load(p.w1, p.b1, p.w2, p.b2)
	}
}
