package trainer

import (
	"context"
	"fmt"
	"math"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
)

// Engine computes full-batch (or mini-batch) gradients and training steps
// with a fixed pool of workers.
//
// A step is three rounds of the pool, each a task handed to every worker:
//
//   - the gradient (gradientJob): the batch is cut into micro-shards whose
//     number depends on the batch size and the configured count only,
//     never on the number of workers; workers take micro-shards from a
//     shared counter, and each micro-shard's partial gradient is computed
//     by one worker alone into its own buffer;
//   - the reduction (reduceJob): each worker sums its slice of the elements
//     over the partials, in micro-shard order, and checks it is finite;
//   - the update (updateJob): each worker applies the optimizer to its
//     slice of the parameters and refreshes the same slice of the kernels'
//     float32 model.
//
// Every element is summed in the same order and updated on its own, so the
// result is bitwise the same for every worker count and every schedule.
// Parameters, gradients and optimizer state all stay in the kernels' flat
// layout (see package kernel) throughout.
type Engine struct {
	model   *kernel.Model
	samples *kernel.Samples
	workers int
	micro   int // configured micro-shard count

	pool   *pool
	grads  gradientJob
	sums   reduceJob
	update updateJob

	splits map[int][]shard.Range // micro-shards by batch length
	fixed  []int32               // the batch given to Fix
	plans  []*kernel.Plan        // its micro-shards prepared
}

// minMicroShard is the fewest samples a micro-shard holds when a batch is too
// small for the configured count. Smaller ones would cost more to reduce
// than to compute.
const minMicroShard = 64

// sliceAlign is the granularity of the workers' slices of the flat vector
// in the reduction and the update: 16 float64 values, two cache lines, so
// that no two workers write one line.
const sliceAlign = 16

// NewEngine prepares an engine for model over samples. Buffers are allocated
// here, once. deterministic=false trades the fixed micro-shard count for one
// partial per worker, which reduces less but makes the rounding of the sum
// depend on the worker count.
func NewEngine(model *kernel.Model, samples *kernel.Samples, workers, microShards int, deterministic bool) (*Engine, error) {
	if workers < 1 {
		return nil, fmt.Errorf("trainer: %d workers, want at least 1", workers)
	}
	if microShards < 1 {
		return nil, fmt.Errorf("trainer: %d micro-shards, want at least 1", microShards)
	}
	if samples.Dim() != model.Inputs() {
		return nil, fmt.Errorf("trainer: images of %d pixels, the model takes %d", samples.Dim(), model.Inputs())
	}
	if !deterministic {
		microShards = workers
	}
	e := &Engine{
		model:   model,
		samples: samples,
		workers: workers,
		micro:   microShards,
		splits:  map[int][]shard.Range{},
	}
	n := model.FlatLen()
	slices, err := shard.Split((n+sliceAlign-1)/sliceAlign, min(workers, (n+sliceAlign-1)/sliceAlign))
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	for i, r := range slices {
		slices[i] = shard.Range{Start: r.Start * sliceAlign, End: min(r.End*sliceAlign, n)}
	}
	// No batch of the run can use more micro-shards than the whole set.
	partials := make([]*kernel.Grad, e.microShards(samples.Len()))
	flats := make([][]float32, len(partials))
	for i := range partials {
		partials[i] = kernel.NewGrad(model)
		flats[i] = partials[i].Flat()
	}
	scratch := make([]*kernel.Scratch, workers)
	for w := range scratch {
		scratch[w] = kernel.NewScratch(model)
	}
	sum := make([]float64, n)
	e.grads = gradientJob{model: model, samples: samples, partials: partials, scratch: scratch}
	e.sums = reduceJob{flats: flats, sum: sum, slices: slices, finite: make([]bool, len(slices))}
	e.update = updateJob{model: model, sum: sum, slices: slices}
	return e, nil
}

// Fix declares that batch will be given to Step or Gradient again and
// again, as full-batch training does, and prepares each of its micro-shards
// once for the kernels (kernel.Plan). Later calls with this very slice (the
// same array and length) then skip the per-call transposition of the first
// layer's gradient; calls with any other slice are unaffected. The sums of a
// fixed batch differ from those of the same samples unfixed in their float32
// rounding only, and are as independent of the worker count. batch must not
// be modified after Fix; Fix must not run at the same time as Step or
// Gradient.
func (e *Engine) Fix(batch []int32) error {
	if len(batch) == 0 {
		return fmt.Errorf("trainer: Fix: empty batch")
	}
	for _, i := range batch {
		if i < 0 || int(i) >= e.samples.Len() {
			return fmt.Errorf("trainer: Fix: sample %d outside the %d samples", i, e.samples.Len())
		}
	}
	ranges, err := e.split(len(batch))
	if err != nil {
		return err
	}
	plans := make([]*kernel.Plan, len(ranges))
	var g errgroup.Group
	g.SetLimit(e.workers)
	for i, r := range ranges {
		g.Go(func() error {
			plans[i] = e.model.NewPlan(e.samples, batch[r.Start:r.End])
			return nil
		})
	}
	_ = g.Wait() // the goroutines return no errors
	e.fixed, e.plans = batch, plans
	return nil
}

// isFixed reports whether batch is the slice given to Fix.
func (e *Engine) isFixed(batch []int32) bool {
	return e.plans != nil && len(batch) == len(e.fixed) && &batch[0] == &e.fixed[0]
}

// Workers is the number of workers, the caller's goroutine among them.
func (e *Engine) Workers() int { return e.workers }

// Start launches the workers other than the caller's. They run until Close
// or until ctx is done.
func (e *Engine) Start(ctx context.Context) { e.pool = startPool(ctx, e.workers) }

// Close stops the workers and returns the first error any of them hit.
// Gradient and Step fail after Close.
func (e *Engine) Close() error { return e.pool.close() }

// Gradient computes the mean gradient and the mean cost over the samples in
// batch, writing the gradient into grad in the flat layout. The model must
// hold the current parameters. It allocates nothing once each batch length
// has been seen.
func (e *Engine) Gradient(ctx context.Context, batch []int32, grad []float64) (cost float64, err error) {
	if len(grad) != len(e.sums.sum) {
		return 0, fmt.Errorf("trainer: gradient of %d values, want the model's %d", len(grad), len(e.sums.sum))
	}
	cost, err = e.gradient(ctx, batch)
	if err != nil {
		return 0, err
	}
	inv := 1 / float64(len(batch))
	for i, v := range e.sums.sum {
		grad[i] = v * inv
	}
	return cost, nil
}

// Step is one training iteration after the model was loaded with params (in
// the flat layout): the mean gradient and cost over batch as Gradient
// computes them, then, if all of them are finite, opt's update of params
// with learning rate lr (step counts updates from 1). The gradient goes
// from the reduced sum to the update a slice at a time and is not kept,
// and each worker loads its updated slice into the model, so that Step
// leaves the model holding the new params. If the cost or a gradient
// element is not a finite number, params and the model are left unchanged
// and nonFinite names the first such tensor of "cost", "dW1", "db1", "dW2"
// and "db2". Step allocates nothing once each batch length has been seen,
// and gives bitwise the same params as Gradient followed by opt.Update over
// all of params, for every worker count.
func (e *Engine) Step(ctx context.Context, batch []int32, params []float64, opt Optimizer, step int, lr float64) (cost float64, nonFinite string, err error) {
	if opt == nil {
		return 0, "", fmt.Errorf("trainer: Step: no optimizer")
	}
	if len(params) != len(e.sums.sum) {
		return 0, "", fmt.Errorf("trainer: Step: %d parameters, want the model's %d", len(params), len(e.sums.sum))
	}
	cost, err = e.gradient(ctx, batch)
	if err != nil {
		return 0, "", err
	}
	if math.IsNaN(cost) || math.IsInf(cost, 0) {
		return cost, "cost", nil
	}
	if slices.Contains(e.sums.finite, false) {
		return cost, e.model.FirstNonFinite(e.sums.sum), nil
	}
	u := &e.update
	u.params, u.opt, u.step, u.lr, u.inv = params, opt, step, lr, 1/float64(len(batch))
	err = e.pool.round(ctx, u)
	u.params, u.opt = nil, nil
	return cost, "", err
}

// gradient runs the gradient and reduction rounds over batch, leaving the
// summed gradient in e.sums.sum, and returns the mean cost.
func (e *Engine) gradient(ctx context.Context, batch []int32) (cost float64, err error) {
	ranges, err := e.split(len(batch))
	if err != nil {
		return 0, err
	}
	g := &e.grads
	g.batch, g.ranges, g.plans = batch, ranges, nil
	if e.isFixed(batch) {
		g.plans = e.plans
	}
	g.next.Store(0)
	err = e.pool.round(ctx, g)
	g.batch, g.plans = nil, nil
	if err != nil {
		return 0, err
	}
	for _, p := range g.partials[:len(ranges)] {
		cost += p.Cost
	}
	e.sums.parts = len(ranges)
	if err := e.pool.round(ctx, &e.sums); err != nil {
		return 0, err
	}
	// Multiplied by the reciprocal, as the update scales the gradient.
	return cost * (1 / float64(len(batch))), nil
}

// microShards is how many micro-shards a batch of n samples is cut into:
// the configured count, or fewer so that each holds minMicroShard samples.
func (e *Engine) microShards(n int) int {
	return min(e.micro, (n+minMicroShard-1)/minMicroShard)
}

// split returns the micro-shards of a batch of n samples: the configured
// count, or fewer for small batches, a function of n alone. They are cached
// by n since a run sees at most two batch lengths (full and last).
func (e *Engine) split(n int) ([]shard.Range, error) {
	if r, ok := e.splits[n]; ok {
		return r, nil
	}
	if n < 1 {
		return nil, fmt.Errorf("trainer: empty batch")
	}
	r, err := shard.Split(n, e.microShards(n))
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	e.splits[n] = r
	return r, nil
}
