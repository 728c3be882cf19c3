package trainer

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
)

// Engine computes full-batch (or mini-batch) gradients and training steps
// with a fixed pool of workers, in one process or, joined by a
// Collective, in several.
//
// A step is three rounds of the pool, each a task handed to every worker,
// and, across processes, one sum in between:
//
//   - the gradient (gradientJob): the batch is cut into micro-shards whose
//     number depends on the batch size and the configured count only,
//     never on the number of workers or processes; each process takes a
//     contiguous range of them, its workers take micro-shards from a shared
//     counter, compute each one's partial gradient in float32 and add it to
//     their own exact sum (kernel.ExactSum);
//   - the reduction (reduceJob): each worker adds its slice of the
//     elements of every worker's sum into the process's total;
//   - the Collective, if any, sums the processes' totals as integers;
//   - the update (updateJob): each worker converts its slice of the total
//     to the mean gradient, applies the optimizer to the same slice of the
//     parameters and refreshes it in the kernels' float32 model.
//
// The sums are exact, so their order and grouping do not matter: the
// result is bitwise the same for every worker count, process count and
// schedule. Parameters and optimizer state stay in the kernels' flat layout
// (see package kernel) throughout.
type Engine struct {
	model   *kernel.Model
	samples *kernel.Samples
	workers int
	micro   int        // configured micro-shard count
	coll    Collective // nil for one process alone

	pool   *pool
	grads  gradientJob
	sums   reduceJob
	update updateJob

	// words is what a step sums across processes: the total's words, then
	// the flags.
	words []int64
	total *kernel.ExactSum
	flags []int64 // flagRefused+t per tensor (and the cost), then flagStop
	// communication is the time spent in the Collective.
	communication time.Duration
	timeline      *Timeline // nil: record nothing

	splits map[int]batchSplit // by batch length
	fixed  []int32            // EngineOptions.Fixed
	plans  []*kernel.Plan     // its micro-shards prepared
}

// batchSplit is how a batch of one length is divided: its micro-shards,
// and this process's contiguous range of them, first to last-1.
type batchSplit struct {
	ranges      []shard.Range
	first, last int
}

// The flags a step sums across processes after the total.
const (
	flagRefused = 0                                         // one per tensor, then the cost
	flagStop    = flagRefused + len(kernel.TensorNames) + 1 // processes asking to stop
	flagCount   = flagStop + 1
)

// minMicroShard is the fewest samples a micro-shard holds when a batch is too
// small for the configured count. Smaller ones would cost more to reduce
// than to compute.
const minMicroShard = 64

// sliceAlign is the granularity of the workers' slices of the elements in
// the reduction and the update: 16 values, at least two cache lines of
// each word, so that no two workers write one line.
const sliceAlign = 16

// errStop is what a step returns when a process of its Collective asked to
// stop.
var errStop = errors.New("trainer: stop")

// EngineOptions are how an [Engine] divides its work and what joins it to
// the rest of a run. The zero value of each field but Workers and
// MicroShards is the plain case: deterministic sums, one process, nothing
// recorded, no fixed batch.
type EngineOptions struct {
	// Workers goroutines (the caller's among them) compute each step in
	// this process, over MicroShards fixed pieces of each batch.
	Workers     int
	MicroShards int
	// Nondeterministic trades the fixed micro-shard count for one per
	// worker of every process, so that the rounding of the partials
	// depends on the worker and process counts.
	Nondeterministic bool
	// Collective, if set, joins this process to the others of a run.
	Collective Collective
	// Timeline, if set, records what the workers do.
	Timeline *Timeline
	// Fixed, if set, is a batch that will be given to Step or Gradient
	// again and again, as full-batch training does: each of its
	// micro-shards is prepared once for the kernels (kernel.Plan), and
	// later calls with this very slice (the same array and length) skip
	// the per-call transposition of the first layer's gradient; calls
	// with any other slice are unaffected. The sums of a fixed batch
	// differ from those of the same samples unfixed in their float32
	// rounding only, and are as independent of the worker count. It must
	// not be modified while the engine is used.
	Fixed []int32
}

// NewEngine prepares an engine for model over samples and starts its
// workers, which run until Close or, in one process alone, until ctx is
// done. Buffers are allocated here, once. The engine is ready for Step and
// Gradient; Close it when done.
func NewEngine(ctx context.Context, model *kernel.Model, samples *kernel.Samples, o EngineOptions) (*Engine, error) {
	workers, microShards, coll := o.Workers, o.MicroShards, o.Collective
	if workers < 1 {
		return nil, fmt.Errorf("trainer: %d workers, want at least 1", workers)
	}
	if microShards < 1 {
		return nil, fmt.Errorf("trainer: %d micro-shards, want at least 1", microShards)
	}
	if samples.Dim() != model.Inputs() {
		return nil, fmt.Errorf("trainer: images of %d pixels, the model takes %d", samples.Dim(), model.Inputs())
	}
	processes := 1
	if coll != nil {
		processes = coll.Size()
	}
	if o.Nondeterministic {
		microShards = workers * processes
	}
	e := &Engine{
		model:   model,
		samples: samples,
		workers: workers,
		micro:   microShards,
		coll:    coll,
		splits:  map[int]batchSplit{},
	}
	n := model.FlatLen()
	// The total has one more element than the gradient: the cost.
	e.words = make([]int64, 2*(n+1)+flagCount)
	e.total = kernel.NewExactSum(e.words[:2*(n+1)])
	e.flags = e.words[2*(n+1):]
	reduceAt, err := elementSlices(n+1, workers)
	if err != nil {
		return nil, err
	}
	updateAt, err := elementSlices(n, workers)
	if err != nil {
		return nil, err
	}
	// A sum per worker, or per processor where the workers outnumber them
	// (see gradientJob).
	slots := make([]sumSlot, min(workers, runtime.GOMAXPROCS(0)))
	for k := range slots {
		slots[k].sum = kernel.NewExactSum(make([]int64, 2*(n+1)))
		for b := range slots[k].partials {
			slots[k].partials[b] = kernel.NewGrad(model)
		}
	}
	scratch := make([]*kernel.Scratch, workers)
	grad := make([][]float64, workers)
	for w := range workers {
		scratch[w] = kernel.NewScratch(model)
		grad[w] = make([]float64, updateChunk)
	}
	e.grads = gradientJob{model: model, samples: samples, bounds: model.Tensors(), scratch: scratch, slots: slots}
	if len(slots) < workers {
		e.grads.free = make(chan int, len(slots))
		for k := range slots {
			e.grads.free <- k
		}
	}
	e.sums = reduceJob{grads: &e.grads, total: e.total, slices: reduceAt, refused: make([]refusals, workers)}
	e.update = updateJob{model: model, total: e.total, slices: updateAt, grad: grad}
	if o.Fixed != nil {
		if err := e.fix(o.Fixed); err != nil {
			return nil, err
		}
	}
	e.timeline = o.Timeline
	e.grads.timeline, e.sums.timeline, e.update.timeline = o.Timeline, o.Timeline, o.Timeline
	if coll != nil {
		// Joined to other processes, a cancellation must not stop the
		// workers halfway through a step: see Step.
		ctx = context.WithoutCancel(ctx)
	}
	e.pool = startPool(ctx, workers, o.Timeline)
	return e, nil
}

// elementSlices divides n elements among at most workers, in runs of
// sliceAlign.
func elementSlices(n, workers int) ([]shard.Range, error) {
	blocks := (n + sliceAlign - 1) / sliceAlign
	out, err := shard.Split(blocks, min(workers, blocks))
	if err != nil {
		return nil, err // shard's error names the counts
	}
	for i, r := range out {
		out[i] = shard.Range{Start: r.Start * sliceAlign, End: min(r.End*sliceAlign, n)}
	}
	return out, nil
}

// fix prepares each micro-shard of batch, EngineOptions.Fixed, once for
// the kernels.
func (e *Engine) fix(batch []int32) error {
	if len(batch) == 0 {
		return fmt.Errorf("trainer: fixed batch: empty")
	}
	for _, i := range batch {
		if i < 0 || int(i) >= e.samples.Len() {
			return fmt.Errorf("trainer: fixed batch: sample %d outside the %d samples", i, e.samples.Len())
		}
	}
	split, err := e.split(len(batch))
	if err != nil {
		return err
	}
	plans := make([]*kernel.Plan, len(split.ranges))
	var g errgroup.Group
	g.SetLimit(e.workers)
	for i, r := range split.ranges {
		g.Go(func() error {
			plans[i] = e.model.NewPlan(e.samples, batch[r.Start:r.End])
			return nil
		})
	}
	_ = g.Wait() // the goroutines return no errors
	e.fixed, e.plans = batch, plans
	return nil
}

// isFixed reports whether batch is the slice EngineOptions.Fixed.
func (e *Engine) isFixed(batch []int32) bool {
	return e.plans != nil && len(batch) == len(e.fixed) && &batch[0] == &e.fixed[0]
}

// Workers is the number of workers, the caller's goroutine among them.
func (e *Engine) Workers() int { return e.workers }

// Close stops the workers and returns the first error any of them hit.
// Gradient and Step fail after Close.
func (e *Engine) Close() error { return e.pool.close() }

// Gradient computes the mean gradient and the mean cost over the samples in
// batch, writing the gradient into grad in the flat layout. The model must
// hold the current parameters. It allocates nothing once each batch length
// has been seen.
func (e *Engine) Gradient(ctx context.Context, batch []int32, grad []float64) (cost float64, err error) {
	if len(grad) != e.model.FlatLen() {
		return 0, fmt.Errorf("trainer: gradient of %d values, want the model's %d", len(grad), e.model.FlatLen())
	}
	cost, _, err = e.gradient(ctx, batch)
	if err != nil {
		return 0, err
	}
	e.total.Float64(grad, 0)
	inv := 1 / float64(len(batch))
	for i := range grad {
		grad[i] *= inv
	}
	return cost, nil
}

// Step is one training iteration after the model was loaded with params (in
// the flat layout): the mean gradient and cost over batch as Gradient
// computes them, then, if all of them are finite, opt's update of params
// with learning rate lr (step counts updates from 1). Each worker loads its
// updated slice into the model, so that Step leaves the model holding the
// new params. If the cost or a gradient is not a finite number (or too
// large to sum, beyond kernel.ExactLimit), params and the model are left
// unchanged and nonFinite names the first such tensor of "cost", "dW1",
// "db1", "dW2" and "db2". Step allocates nothing once each batch length
// has been seen, and gives bitwise the same params as Gradient followed by
// opt.Update over all of params, for every worker and process count.
//
// In one process alone, cancelling ctx stops the gradient between
// micro-shards and Step returns ctx's error. Joined to other processes,
// Step always completes its rounds, so that every process takes part in
// every sum, and carries the request to stop in the step's sum instead:
// every process then returns errStop from the same step, with params
// unchanged.
func (e *Engine) Step(ctx context.Context, batch []int32, params []float64, opt Optimizer, step int, lr float64) (cost float64, nonFinite string, err error) {
	if opt == nil {
		return 0, "", fmt.Errorf("trainer: Step: no optimizer")
	}
	if len(params) != e.model.FlatLen() {
		return 0, "", fmt.Errorf("trainer: Step: %d parameters, want the model's %d", len(params), e.model.FlatLen())
	}
	if e.timeline != nil {
		e.timeline.beginStep()
	}
	cost, nonFinite, err = e.gradient(ctx, batch)
	if err != nil || nonFinite != "" {
		return cost, nonFinite, err
	}
	u := &e.update
	u.params, u.opt, u.step, u.lr, u.inv = params, opt, step, lr, 1/float64(len(batch))
	err = e.pool.round(ctx, u)
	u.params, u.opt = nil, nil
	return cost, "", err
}

// gradient runs the gradient and reduction rounds over batch, sums the
// totals of the processes, and leaves the summed gradient in e.total. It
// returns the mean cost, and the name of the first tensor (or "cost") that
// held a value the sums refuse.
func (e *Engine) gradient(ctx context.Context, batch []int32) (cost float64, nonFinite string, err error) {
	split, err := e.split(len(batch))
	if err != nil {
		return 0, "", err
	}
	roundCtx := ctx
	if e.coll != nil {
		// Every process must reach every sum: a stop is agreed on in the
		// step's sum, not taken alone.
		roundCtx = context.WithoutCancel(ctx)
	}
	g := &e.grads
	g.batch, g.ranges, g.plans = batch, split.ranges, nil
	if e.isFixed(batch) {
		g.plans = e.plans
	}
	g.next.Store(int64(split.first))
	g.last = int64(split.last)
	err = e.pool.round(roundCtx, g)
	g.batch, g.plans = nil, nil
	if err != nil {
		return 0, "", err
	}
	if err := e.pool.round(roundCtx, &e.sums); err != nil {
		return 0, "", err
	}
	clear(e.flags)
	for t, n := range e.sums.collect() {
		e.flags[flagRefused+t] = n
	}
	if e.coll != nil {
		if ctx.Err() != nil {
			e.flags[flagStop] = 1
		}
		began := time.Now()
		err := e.coll.SumInt64(e.words)
		took := time.Since(began)
		e.communication += took
		if tl := e.timeline; tl != nil {
			end := tl.now()
			tl.add(0, SpanCommunication, end-took, end)
		}
		if err != nil {
			return 0, "", fmt.Errorf("sum across processes: %w", err)
		}
		if e.flags[flagStop] > 0 {
			return 0, "", errStop
		}
	}
	// By the reciprocal, as the update scales the gradient.
	cost = e.total.At(e.model.FlatLen()) * (1 / float64(len(batch)))
	if e.flags[flagRefused+len(kernel.TensorNames)] > 0 {
		return cost, "cost", nil
	}
	for t, name := range kernel.TensorNames {
		if e.flags[flagRefused+t] > 0 {
			return cost, name, nil
		}
	}
	return cost, "", nil
}

// mine returns this process's micro-shards of a batch of m: a contiguous
// range, the same division whatever the worker count.
func (e *Engine) mine(m int) (first, last int) {
	if e.coll == nil {
		return 0, m
	}
	r, err := shard.Split(m, min(m, e.coll.Size()))
	if err != nil || e.coll.Rank() >= len(r) {
		return 0, 0 // more processes than micro-shards: nothing to do here
	}
	return r[e.coll.Rank()].Start, r[e.coll.Rank()].End
}

// Communication returns the time spent summing across processes so far.
func (e *Engine) Communication() time.Duration { return e.communication }

// microShards is how many micro-shards a batch of n samples is cut into:
// the configured count, or fewer so that each holds minMicroShard samples.
func (e *Engine) microShards(n int) int { return microShardsOf(e.micro, n) }

// microShardsOf is how many micro-shards a batch of n samples is cut into
// when micro are configured.
func microShardsOf(micro, n int) int {
	return min(micro, (n+minMicroShard-1)/minMicroShard)
}

// MicroShards returns how many micro-shards a run of cfg, joined to
// processes processes, cuts a batch of n samples into. Every process of a
// job must cut alike, since each computes its own range of the pieces.
func MicroShards(cfg Config, n, processes int) int {
	micro := cfg.MicroShards
	if cfg.Nondeterministic {
		micro = cfg.Workers * processes // as NewEngine does
	}
	return microShardsOf(micro, n)
}

// split returns the micro-shards of a batch of n samples (the configured
// count, or fewer for small batches, a function of n alone) and this
// process's range of them. They are cached by n since a run sees at most
// two batch lengths (full and last), so that a step allocates nothing.
func (e *Engine) split(n int) (batchSplit, error) {
	if s, ok := e.splits[n]; ok {
		return s, nil
	}
	if n < 1 {
		return batchSplit{}, fmt.Errorf("trainer: empty batch")
	}
	r, err := shard.Split(n, e.microShards(n))
	if err != nil {
		return batchSplit{}, err // shard's error names the counts
	}
	s := batchSplit{ranges: r}
	s.first, s.last = e.mine(len(r))
	e.splits[n] = s
	return s, nil
}
