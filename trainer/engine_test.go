package trainer_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/trainer"
)

// engineGradient runs one gradient of params over every sample of data with
// the given worker count.
func engineGradient(t *testing.T, data *trainer.Data, p *netcore.Params, workers, micro int, deterministic bool) (*netcore.Params, float64) {
	t.Helper()
	m, err := kernel.NewModel(p.Shape.Inputs, p.Shape.Hidden, p.Shape.Outputs, kernel.Sigmoid, 1.0/255)
	if err != nil {
		t.Fatal(err)
	}
	m.Load(p.W1, p.B1, p.W2, p.B2)
	e, err := trainer.NewEngine(m, data.Train, workers, micro, deterministic)
	if err != nil {
		t.Fatal(err)
	}
	e.Start(context.Background())
	defer e.Close()
	grad, _ := netcore.NewParams(p.Shape)
	batch := make([]int32, data.Train.N)
	for i := range batch {
		batch[i] = int32(i)
	}
	cost, err := e.Gradient(batch, grad)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return grad, cost
}

func randomParams(t *testing.T, s netcore.Shape) *netcore.Params {
	t.Helper()
	p, err := netcore.NewParams(s)
	if err != nil {
		t.Fatal(err)
	}
	p.Init(netcore.Xavier, 0, newRand(7))
	for i := range p.B1 {
		p.B1[i] = 0.01 * float64(i%5-2)
	}
	return p
}

// TestEngineBitwiseAcrossWorkers: the reduced gradient is bitwise the same
// for every worker count, because micro-shards and their summation order do
// not depend on it.
func TestEngineBitwiseAcrossWorkers(t *testing.T) {
	data := mustData(t, syntheticSet(1000, 9, 1), 0)
	p := randomParams(t, netcore.Shape{Inputs: 81, Hidden: 13, Outputs: 10})
	want, wantCost := engineGradient(t, data, p, 1, 64, true)
	for _, workers := range []int{2, 3, 7, 16} {
		got, cost := engineGradient(t, data, p, workers, 64, true)
		if cost != wantCost {
			t.Errorf("workers=%d: cost %v, 1 worker gives %v", workers, cost, wantCost)
		}
		for i := range want.Data {
			if math.Float64bits(got.Data[i]) != math.Float64bits(want.Data[i]) {
				t.Fatalf("workers=%d: gradient element %d is %v, 1 worker gives %v", workers, i, got.Data[i], want.Data[i])
			}
		}
	}
}

// TestEngineMatchesReference: the sharded float32 gradient agrees with the
// float64 reference of the post's formulas, for several shard counts.
func TestEngineMatchesReference(t *testing.T) {
	set := syntheticSet(700, 9, 2)
	data := mustData(t, set, 0)
	p := randomParams(t, netcore.Shape{Inputs: 81, Hidden: 13, Outputs: 10})
	want, _ := netcore.NewParams(p.Shape)
	X := netcore.Inputs(set.Images.Pixels, set.Len(), 81, 1.0/255)
	Y := netcore.OneHot(set.Labels, 10)
	wantCost := netcore.Gradient(p, netcore.Sigmoid, X, Y, want)
	for _, micro := range []int{1, 2, 3, 7} {
		for _, deterministic := range []bool{true, false} {
			got, cost := engineGradient(t, data, p, 3, micro, deterministic)
			if rel := math.Abs(cost-wantCost) / wantCost; rel > 1e-6 {
				t.Errorf("micro=%d: cost %v, reference %v (relative error %.2g)", micro, cost, wantCost, rel)
			}
			if rel := relativeError(got.Data, want.Data); rel > 1e-5 {
				t.Errorf("micro=%d deterministic=%v: gradient relative error %.3g against the reference", micro, deterministic, rel)
			}
		}
	}
}

// relativeError is ‖a-b‖/‖b‖.
func relativeError(a, b []float64) float64 {
	var diff, norm float64
	for i := range a {
		diff += (a[i] - b[i]) * (a[i] - b[i])
		norm += b[i] * b[i]
	}
	return math.Sqrt(diff / norm)
}

// TestEngineWorkerPanic: a panic inside a worker becomes an error naming the
// worker and micro-shard, and every goroutine ends (goleak in TestMain).
func TestEngineWorkerPanic(t *testing.T) {
	data := mustData(t, syntheticSet(1000, 9, 3), 0)
	p := randomParams(t, netcore.Shape{Inputs: 81, Hidden: 5, Outputs: 10})
	m, _ := kernel.NewModel(81, 5, 10, kernel.Sigmoid, 1)
	m.Load(p.W1, p.B1, p.W2, p.B2)
	e, err := trainer.NewEngine(m, data.Train, 4, 16, true)
	if err != nil {
		t.Fatal(err)
	}
	trainer.SetEngineFaultHook(e, func(micro int) {
		if micro == 9 {
			panic("injected fault")
		}
	})
	e.Start(context.Background())
	grad, _ := netcore.NewParams(p.Shape)
	batch := make([]int32, data.Train.N)
	for i := range batch {
		batch[i] = int32(i)
	}
	_, err = e.Gradient(batch, grad)
	if err == nil || !strings.Contains(err.Error(), "micro-shard 9: panic: injected fault") {
		t.Fatalf("Gradient error = %v, want the injected panic naming micro-shard 9", err)
	}
	if err := e.Close(); err == nil {
		t.Fatal("Close after a worker panic returned nil")
	}
}

// TestEngineStepAllocatesNothing: a steady-state training step (model
// refresh, sharded gradient, reduction, update) makes no allocation.
func TestEngineStepAllocatesNothing(t *testing.T) {
	data := mustData(t, syntheticSet(2000, 9, 4), 0)
	p := randomParams(t, netcore.Shape{Inputs: 81, Hidden: 10, Outputs: 10})
	m, _ := kernel.NewModel(81, 10, 10, kernel.Sigmoid, 1.0/255)
	e, err := trainer.NewEngine(m, data.Train, 2, 64, true)
	if err != nil {
		t.Fatal(err)
	}
	e.Start(context.Background())
	defer e.Close()
	cfg := smallConfig(2, 1)
	opt, _ := trainer.NewOptimizer(cfg, p.Shape.Len())
	grad, _ := netcore.NewParams(p.Shape)
	batch := make([]int32, data.Train.N)
	for i := range batch {
		batch[i] = int32(i)
	}
	step := 0
	allocs := testing.AllocsPerRun(20, func() {
		m.Load(p.W1, p.B1, p.W2, p.B2)
		if _, err := e.Gradient(batch, grad); err != nil {
			t.Fatal(err)
		}
		step++
		opt.Step(p, grad, step, 0.1)
	})
	if allocs != 0 {
		t.Errorf("a training step allocates %v times, want 0", allocs)
	}
}
