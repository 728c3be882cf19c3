package trainer_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/trainer"
)

// engineGradient runs one gradient of params over every sample of data with
// the given worker count, with the batch fixed (EngineOptions.Fixed) or not.
func engineGradient(t *testing.T, data *trainer.Data, p *netcore.Params, workers, micro int, deterministic, fixed bool) (*netcore.Params, float64) {
	t.Helper()
	m, err := trainer.NewModel(p, netcore.Sigmoid, 1.0/255)
	if err != nil {
		t.Fatal(err)
	}
	flat := make([]float64, m.FlatLen())
	batch := trainer.Identity(data.Train.Len())
	o := trainer.EngineOptions{Workers: workers, MicroShards: micro, Nondeterministic: !deterministic}
	if fixed {
		o.Fixed = batch
	}
	e, err := trainer.NewEngine(context.Background(), m, data.Train, o)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	cost, err := e.Gradient(context.Background(), batch, flat)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	grad, _ := netcore.NewParams(p.Shape)
	m.ToRowMajor(grad.Data, flat)
	return grad, cost
}

// flatParams returns p in m's flat layout.
func flatParams(m *kernel.Model, p *netcore.Params) []float64 {
	flat := make([]float64, m.FlatLen())
	m.FromRowMajor(flat, p.Data)
	return flat
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
// not depend on it; with the batch fixed too, where the kernels' plans are
// made per micro-shard.
func TestEngineBitwiseAcrossWorkers(t *testing.T) {
	data := mustData(t, syntheticSet(1000, 9, 1), 0)
	p := randomParams(t, netcore.Shape{Inputs: 81, Hidden: 13, Outputs: 10})
	for _, fixed := range []bool{false, true} {
		want, wantCost := engineGradient(t, data, p, 1, 64, true, fixed)
		for _, workers := range []int{2, 3, 7, 16} {
			got, cost := engineGradient(t, data, p, workers, 64, true, fixed)
			if cost != wantCost {
				t.Errorf("fixed=%v workers=%d: cost %v, 1 worker gives %v", fixed, workers, cost, wantCost)
			}
			for i := range want.Data {
				if math.Float64bits(got.Data[i]) != math.Float64bits(want.Data[i]) {
					t.Fatalf("fixed=%v workers=%d: gradient element %d is %v, 1 worker gives %v", fixed, workers, i, got.Data[i], want.Data[i])
				}
			}
		}
	}
}

// TestEngineFix: a fixed batch gives the unfixed gradient to float32
// rounding, and Fix refuses batches it cannot prepare.
func TestEngineFix(t *testing.T) {
	data := mustData(t, syntheticSet(1000, 28, 4), 0)
	for _, hidden := range []int{10, 70} {
		p := randomParams(t, netcore.Shape{Inputs: 784, Hidden: hidden, Outputs: 10})
		plain, plainCost := engineGradient(t, data, p, 2, 8, true, false)
		fixed, fixedCost := engineGradient(t, data, p, 2, 8, true, true)
		if rel := relativeError(fixed.Data, plain.Data); rel > 1e-5 {
			t.Errorf("hidden=%d: fixed and unfixed gradients differ by %.3g relative", hidden, rel)
		}
		if rel := math.Abs(fixedCost-plainCost) / plainCost; rel > 1e-9 {
			t.Errorf("hidden=%d: cost %v fixed, %v unfixed", hidden, fixedCost, plainCost)
		}
	}
	m, _ := kernel.NewModel(784, 10, 10, kernel.Sigmoid, 1)
	for _, bad := range [][]int32{{}, {0, 1, int32(data.Train.Len())}, {-1}} {
		e, err := trainer.NewEngine(context.Background(), m, data.Train, trainer.EngineOptions{Workers: 2, MicroShards: 8, Fixed: bad})
		if err == nil || !strings.HasPrefix(err.Error(), "trainer: fixed batch: ") {
			t.Errorf("NewEngine with Fixed %v = %v, want a trainer: fixed batch: error", bad, err)
		}
		if e != nil {
			t.Errorf("NewEngine with Fixed %v returned an engine with its error", bad)
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
			got, cost := engineGradient(t, data, p, 3, micro, deterministic, micro == 7)
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

// startFaulty starts an engine of workers over data, with 16 micro-shards
// and p's shape, that calls fault before each micro-shard, and returns it
// with a gradient to fill.
func startFaulty(t *testing.T, ctx context.Context, data *trainer.Data, p *netcore.Params, workers int, fault func(microShard int)) (*trainer.Engine, []float64) {
	t.Helper()
	m, _ := trainer.NewModel(p, netcore.Sigmoid, 1)
	e, err := trainer.NewEngine(ctx, m, data.Train, trainer.EngineOptions{Workers: workers, MicroShards: 16})
	if err != nil {
		t.Fatal(err)
	}
	trainer.SetEngineFaultHook(e, fault)
	return e, make([]float64, m.FlatLen())
}

// TestEngineWorkerPanic: a panic inside a worker becomes an error naming the
// worker and micro-shard, whether it is the caller's goroutine (worker 0, the
// only one with 1 worker) or another, and every goroutine ends (goleak in
// TestMain). The engine then refuses further steps.
func TestEngineWorkerPanic(t *testing.T) {
	data := mustData(t, syntheticSet(1000, 9, 3), 0)
	p := randomParams(t, netcore.Shape{Inputs: 81, Hidden: 5, Outputs: 10})
	for _, workers := range []int{1, 4} {
		e, grad := startFaulty(t, context.Background(), data, p, workers, func(micro int) {
			if micro == 9 {
				panic("injected fault")
			}
		})
		batch := trainer.Identity(data.Train.Len())
		_, err := e.Gradient(context.Background(), batch, grad)
		if err == nil || !strings.Contains(err.Error(), "micro-shard 9: panic: injected fault") {
			t.Fatalf("workers=%d: Gradient error = %v, want the injected panic naming micro-shard 9", workers, err)
		}
		if _, err := e.Gradient(context.Background(), batch, grad); err == nil {
			t.Errorf("workers=%d: Gradient after a failed one returned no error", workers)
		}
		if err := e.Close(); err == nil {
			t.Fatalf("workers=%d: Close after a worker panic returned nil", workers)
		}
	}
}

// TestEngineCancel: cancelling the context during a gradient phase makes
// Gradient return the context's error and stops every worker.
func TestEngineCancel(t *testing.T) {
	data := mustData(t, syntheticSet(1000, 9, 3), 0)
	p := randomParams(t, netcore.Shape{Inputs: 81, Hidden: 5, Outputs: 10})
	for _, workers := range []int{1, 3} {
		ctx, cancel := context.WithCancel(context.Background())
		e, grad := startFaulty(t, ctx, data, p, workers, func(micro int) {
			if micro == 5 {
				cancel()
			}
		})
		if _, err := e.Gradient(ctx, trainer.Identity(data.Train.Len()), grad); !errors.Is(err, context.Canceled) {
			t.Errorf("workers=%d: Gradient = %v, want context.Canceled", workers, err)
		}
		if err := e.Close(); !errors.Is(err, context.Canceled) {
			t.Errorf("workers=%d: Close = %v, want context.Canceled", workers, err)
		}
	}
}

// TestEngineStepAllocatesNothing: a steady-state training step (sharded
// gradient, reduction, update and model refresh) makes no allocation, over
// a mini-batch and over a fixed batch.
func TestEngineStepAllocatesNothing(t *testing.T) {
	data := mustData(t, syntheticSet(2000, 9, 4), 0)
	p := randomParams(t, netcore.Shape{Inputs: 81, Hidden: 10, Outputs: 10})
	m, _ := trainer.NewModel(p, netcore.Sigmoid, 1.0/255)
	ctx := context.Background()
	batch := trainer.Identity(data.Train.Len())
	e, err := trainer.NewEngine(ctx, m, data.Train, trainer.EngineOptions{Workers: 2, MicroShards: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	fixed, err := trainer.NewEngine(ctx, m, data.Train, trainer.EngineOptions{Workers: 2, MicroShards: 64, Fixed: batch})
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	params := flatParams(m, p)
	opt := adam.NewOptimizer(len(params))
	grad := make([]float64, len(params))
	step := 0
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := e.Gradient(ctx, batch, grad); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("a gradient allocates %v times, want 0", allocs)
	}
	allocs = testing.AllocsPerRun(20, func() {
		step++
		if _, bad, err := e.Step(ctx, batch[:300], params, opt, step, 0.1); err != nil || bad != "" {
			t.Fatal(err, bad)
		}
	})
	if allocs != 0 {
		t.Errorf("a mini-batch step allocates %v times, want 0", allocs)
	}
	allocs = testing.AllocsPerRun(20, func() {
		step++
		if _, bad, err := fixed.Step(ctx, batch, params, opt, step, 0.1); err != nil || bad != "" {
			t.Fatal(err, bad)
		}
	})
	if allocs != 0 {
		t.Errorf("a step over a fixed batch allocates %v times, want 0", allocs)
	}
}

// TestEngineStepMatchesGradientThenUpdate: Engine.Step, which scales and
// applies the gradient a slice at a time on every worker, gives bitwise
// the parameters of Gradient followed by one Update of the whole vector,
// for every update rule, worker count and a hidden size that is not a
// multiple of 8.
func TestEngineStepMatchesGradientThenUpdate(t *testing.T) {
	data := mustData(t, syntheticSet(700, 9, 12), 0)
	shape := netcore.Shape{Inputs: 81, Hidden: 21, Outputs: 10}
	batch := make([]int32, 333)
	for i := range batch {
		batch[i] = int32((i * 7) % data.Train.Len())
	}
	ctx := context.Background()
	rules := []trainer.UpdateRule{
		trainer.GradientDescent{WeightDecay: 1e-3},
		trainer.Momentum{Momentum: 0.9, Nesterov: true, WeightDecay: 1e-3},
		trainer.Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, WeightDecay: 1e-3},
	}
	for _, rule := range rules {
		for _, workers := range []int{1, 2, 3, 5} {
			p := randomParams(t, shape)
			m, _ := trainer.NewModel(p, netcore.ReLU, 1.0/255)
			e, err := trainer.NewEngine(ctx, m, data.Train, trainer.EngineOptions{Workers: workers, MicroShards: 64})
			if err != nil {
				t.Fatal(err)
			}
			want, got := flatParams(m, p), flatParams(m, p)
			optWant, optGot := rule.NewOptimizer(len(want)), rule.NewOptimizer(len(got))
			grad := make([]float64, len(want))
			for step := 1; step <= 3; step++ {
				m.Load(want, 0, len(want))
				wantCost, err := e.Gradient(ctx, batch, grad)
				if err != nil {
					t.Fatal(err)
				}
				optWant.Update(want, grad, 0, step, 0.01)
				m.Load(got, 0, len(got))
				cost, bad, err := e.Step(ctx, batch, got, optGot, step, 0.01)
				if err != nil || bad != "" {
					t.Fatalf("Step: %v %q", err, bad)
				}
				if cost != wantCost {
					t.Errorf("%T workers=%d step %d: cost %v, Gradient gives %v", rule, workers, step, cost, wantCost)
				}
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%T workers=%d: Step's parameters differ from Gradient then the optimizer's Update", rule, workers)
			}
		}
	}
}

// TestEngineStepNonFinite: a gradient with an infinity leaves the
// parameters unchanged and names the tensor.
func TestEngineStepNonFinite(t *testing.T) {
	data := mustData(t, syntheticSet(200, 9, 13), 0)
	shape := netcore.Shape{Inputs: 81, Hidden: 9, Outputs: 10}
	p := randomParams(t, shape)
	// Second-layer weights of 1e8·(o-4.5) give logits near 1e9, a cost
	// the exact sums take (below kernel.ExactLimit, 2^35), hidden gradients
	// near 1e8, and first-layer gradients (times raw pixels up to 255,
	// summed over the batch) beyond what they take.
	for o := range shape.Outputs {
		for h := range shape.Hidden {
			p.W2[o*shape.Hidden+h] = 1e8 * (float64(o) - 4.5)
		}
	}
	m, _ := trainer.NewModel(p, netcore.Sigmoid, 1)
	params := flatParams(m, p)
	before := slices.Clone(params)
	e, err := trainer.NewEngine(context.Background(), m, data.Train, trainer.EngineOptions{Workers: 2, MicroShards: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	opt := trainer.GradientDescent{}.NewOptimizer(len(params))
	batch := []int32{0, 1, 2, 3, 4, 5, 6, 7}
	_, bad, err := e.Step(context.Background(), batch, params, opt, 1, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if bad != "dW1" {
		t.Fatalf("Step reported non-finite %q, want dW1", bad)
	}
	if !slices.Equal(params, before) {
		t.Error("Step changed the parameters although the gradient was not finite")
	}
}

// TestEngineStepLoadsModel: after Step the model holds the updated
// parameters, bitwise as a fresh model of them would, for several worker
// counts and a hidden size that is not a multiple of 8.
func TestEngineStepLoadsModel(t *testing.T) {
	data := mustData(t, syntheticSet(500, 9, 6), 0)
	shape := netcore.Shape{Inputs: 81, Hidden: 13, Outputs: 10}
	batch := trainer.Identity(data.Train.Len())
	ctx := context.Background()
	for _, workers := range []int{1, 3, 16} {
		p := randomParams(t, shape)
		m, _ := trainer.NewModel(p, netcore.Sigmoid, 1)
		params := flatParams(m, p)
		e, err := trainer.NewEngine(ctx, m, data.Train, trainer.EngineOptions{Workers: workers, MicroShards: 8})
		if err != nil {
			t.Fatal(err)
		}
		opt := trainer.GradientDescent{}.NewOptimizer(len(params))
		for step := 1; step <= 3; step++ {
			if _, bad, err := e.Step(ctx, batch, params, opt, step, 0.1); err != nil || bad != "" {
				t.Fatal(err, bad)
			}
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		m.ToRowMajor(p.Data, params)
		fresh, _ := trainer.NewModel(p, netcore.Sigmoid, 1)
		got, want := kernel.NewGrad(m), kernel.NewGrad(fresh)
		m.Gradient(got, data.Train, batch, kernel.NewScratch(m))
		fresh.Gradient(want, data.Train, batch, kernel.NewScratch(fresh))
		if !slices.Equal(got.Flat(), want.Flat()) || got.Cost != want.Cost {
			t.Errorf("workers=%d: the model after Step differs from the updated parameters loaded afresh", workers)
		}
	}
}

// TestMicroShards: the plan every process of a job must share is the
// configured count for large batches, fewer for small ones (64 samples a
// piece at least), and one per worker of every process when not
// deterministic.
func TestMicroShards(t *testing.T) {
	cfg := trainer.Config{Workers: 3, MicroShards: 256}
	for _, c := range []struct{ n, processes, want int }{
		{60000, 1, 256}, {60000, 4, 256}, {1000, 2, 16}, {64, 1, 1}, {65, 1, 2},
	} {
		if got := trainer.MicroShards(cfg, c.n, c.processes); got != c.want {
			t.Errorf("deterministic, %d samples, %d processes: %d micro-shards, want %d", c.n, c.processes, got, c.want)
		}
	}
	cfg.Nondeterministic = true
	if got := trainer.MicroShards(cfg, 60000, 2); got != 6 {
		t.Errorf("not deterministic, 3 workers of 2 processes: %d micro-shards, want 6", got)
	}
}
