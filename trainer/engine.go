package trainer

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
)

// minMicroShard is the fewest samples a micro-shard holds when a batch is too
// small for the configured count. Smaller ones would cost more to reduce
// than to compute.
const minMicroShard = 64

// Engine computes full-batch (or mini-batch) gradients with a fixed pool of
// worker goroutines under one errgroup.
//
// A batch is cut into micro-shards whose number depends on the batch size
// and the configured count only, never on the number of workers. Workers take
// micro-shards from a shared counter; each micro-shard's partial gradient is
// computed by one worker alone into its own preallocated buffer, and the
// partials are then summed element by element in micro-shard order. The sum
// is therefore bitwise the same for every worker count and every schedule.
//
// The workers live for the whole run rather than one errgroup per iteration,
// so that a training step allocates nothing: each iteration is three
// rounds (gradient, reduction, update) handed out by a phaser. The caller's
// goroutine is worker 0, so that n workers take n goroutines, and each
// round's signals are polled for a moment before anyone parks.
//
// Step also spreads the rest of an iteration over the workers, each on its
// own elements: the reduction with its check for non-finite values, then,
// a block of hidden units at a time, the sum's conversion into netcore's
// layout and the optimizer's update while the block is in cache. Every
// element is summed in the same order and updated on its own, so the result
// does not depend on how the elements are divided.
type Engine struct {
	model   *kernel.Model
	samples *kernel.Samples
	workers int
	micro   int // configured micro-shard count

	partials []*kernel.Grad    // one per micro-shard
	flats    [][]float32       // the partials' Flat slices
	scratch  []*kernel.Scratch // one per worker
	sum      []float64         // reduced flat gradient, kernel layout
	reduceAt []shard.Range     // each worker's slice of sum
	updateAt []shard.Range     // each worker's rows of W1 (hidden units)
	tailAt   int               // the worker that also does b1, W2 and b2
	finite   []bool            // per worker: its slice of sum is finite
	buf      [][]float64       // per worker: a block of the gradient in netcore's layout
	splits   map[int][]shard.Range

	// fixed is the batch given to Fix and plans its micro-shards prepared
	// for the kernels; planned says whether the current job is fixed.
	fixed   []int32
	plans   []*kernel.Plan
	planned bool

	// The current job, written by the coordinator before it signals the
	// workers and read by them after; the phaser's atomic operations order the
	// two.
	batch  []int32
	ranges []shard.Range // its micro-shards, one partial each
	next   atomic.Int64  // next micro-shard to take

	// Where the mean gradient goes, in netcore's layout: into grad
	// (Gradient), or into opt's update of params (Step).
	grad, params *netcore.Params
	inv          float64 // 1/batch length
	opt          Optimizer
	step         int
	lr           float64

	phaser *phaser     // rounds for workers 1 and up, goroutines of group
	failed atomic.Bool // a helper's gradient phase failed
	lead   error       // worker 0's gradient phase failed
	group  *errgroup.Group
	ctx    context.Context
	stop   sync.Once
	closed bool
	err    error
	faults func(microShard int) // test hook, nil in production
}

type phase uint8

const (
	phaseGradient phase = iota + 1
	phaseReduce
	phaseUpdate
	phaseStop
)

// rowBlock is how many hidden units (rows of netcore's W1) the update
// converts and updates at a time: the block's gradient, 8·Inputs values, is
// still in cache when the optimizer reads it, and the kernel keeps a
// block's sums for one input in one cache line (see Model.UnpackRows).
const rowBlock = 8

// reduceChunk is how many elements the reduction sums over every partial
// before going on, so that they stay in the L1 cache (16 KiB of float64)
// while each partial is added.
const reduceChunk = 2048

// NewEngine prepares an engine for model over samples. Buffers are allocated
// here, once. deterministic=false trades the fixed micro-shard count for one
// partial per worker, which reduces less but makes the rounding of the sum
// depend on the worker count.
func NewEngine(model *kernel.Model, samples *kernel.Samples, workers, microShards int, deterministic bool) (*Engine, error) {
	if workers < 1 {
		return nil, fmt.Errorf("trainer: workers: want >= 1, found %d", workers)
	}
	if microShards < 1 {
		return nil, fmt.Errorf("trainer: micro_shards: want >= 1, found %d", microShards)
	}
	if !deterministic {
		microShards = workers
	}
	e := &Engine{
		model:   model,
		samples: samples,
		workers: workers,
		micro:   microShards,
		sum:     make([]float64, model.FlatLen()),
		finite:  make([]bool, workers),
		splits:  map[int][]shard.Range{},
	}
	// No batch of the run can use more micro-shards than the whole set.
	e.partials = make([]*kernel.Grad, e.microShards(samples.N))
	e.flats = make([][]float32, len(e.partials))
	for i := range e.partials {
		e.partials[i] = kernel.NewGrad(model)
		e.flats[i] = e.partials[i].Flat()
	}
	e.scratch = make([]*kernel.Scratch, workers)
	e.buf = make([][]float64, workers)
	for w := range workers {
		e.scratch[w] = kernel.NewScratch(model)
		e.buf[w] = make([]float64, max(rowBlock*model.Inputs(), e.tailLen()))
	}
	var err error
	if e.reduceAt, err = shard.Split(len(e.sum), min(workers, len(e.sum))); err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	// Whole blocks of rows per worker, so that only the last block of the
	// last worker can be short.
	blocks := (model.Hidden() + rowBlock - 1) / rowBlock
	if e.updateAt, err = shard.Split(blocks, min(workers, blocks)); err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	for i, r := range e.updateAt {
		e.updateAt[i] = shard.Range{Start: r.Start * rowBlock, End: min(r.End*rowBlock, model.Hidden())}
	}
	e.tailAt = len(e.updateAt) - 1
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
		if i < 0 || int(i) >= e.samples.N {
			return fmt.Errorf("trainer: Fix: sample %d outside the %d samples", i, e.samples.N)
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
// or until ctx is done. The workers poll for their next round before
// parking only if each of them can have a processor (GOMAXPROCS) to itself.
func (e *Engine) Start(ctx context.Context) {
	e.group, e.ctx = errgroup.WithContext(ctx)
	e.phaser = newPhaser(e.workers-1, e.workers <= runtime.GOMAXPROCS(0))
	for w := 1; w < e.workers; w++ {
		e.group.Go(func() error { return e.work(w) })
	}
}

// Close stops the workers and returns the first error any of them hit.
// Gradient and Step fail after Close.
func (e *Engine) Close() error {
	e.stop.Do(func() {
		e.closed = true
		e.phaser.publish(phaseStop)
		// A helper's failure cancels the context, which worker 0 may
		// have reported instead of its own; the helper's error says more.
		e.err = cmp.Or(e.group.Wait(), e.lead)
	})
	return e.err
}

// Gradient computes the mean gradient and the mean cost over the samples in
// batch, writing the gradient into grad. The model must hold the current
// parameters. It allocates nothing once each batch length has been seen.
func (e *Engine) Gradient(batch []int32, grad *netcore.Params) (cost float64, err error) {
	if err := e.checkShape(grad); err != nil {
		return 0, err
	}
	e.grad = grad
	cost, _, err = e.run(batch)
	e.grad = nil
	return cost, err
}

// Step is one training iteration after the model was loaded with p: the
// mean gradient and cost over batch as Gradient computes them, then, if all
// of them are finite, opt's update of p with learning rate lr (step counts
// updates from 1). The gradient goes from the reduced sum to the update a
// block at a time and is not kept, and each updated block is loaded into the
// model at once, so that Step leaves the model holding the new p. If the
// cost or a gradient element is not a finite number, p and the model are
// left unchanged and nonFinite names the first such tensor of "cost",
// "dW1", "db1", "dW2" and "db2". Step allocates nothing
// once each batch length has been seen, and gives bitwise the same p as
// Gradient followed by opt.Update over all of p, for every worker count.
func (e *Engine) Step(batch []int32, p *netcore.Params, opt Optimizer, step int, lr float64) (cost float64, nonFinite string, err error) {
	if opt == nil {
		return 0, "", fmt.Errorf("trainer: Step: no optimizer")
	}
	if err := e.checkShape(p); err != nil {
		return 0, "", err
	}
	e.params, e.opt, e.step, e.lr = p, opt, step, lr
	cost, nonFinite, err = e.run(batch)
	e.params, e.opt = nil, nil
	return cost, nonFinite, err
}

func (e *Engine) checkShape(p *netcore.Params) error {
	if p.Shape.Inputs != e.model.Inputs() || p.Shape.Hidden != e.model.Hidden() || p.Shape.Outputs != e.model.Outputs() {
		return fmt.Errorf("trainer: parameters of shape %v, want the engine's model %d-%d-%d",
			p.Shape, e.model.Inputs(), e.model.Hidden(), e.model.Outputs())
	}
	return nil
}

// run computes and reduces the partial gradients of batch and hands their
// mean, in netcore's layout, to e.grad or, if it and the cost are finite,
// to e.opt.
func (e *Engine) run(batch []int32) (cost float64, nonFinite string, err error) {
	ranges, err := e.split(len(batch))
	if err != nil {
		return 0, "", err
	}
	e.batch, e.ranges = batch, ranges
	e.planned = e.isFixed(batch)
	e.next.Store(0)
	if err := e.round(phaseGradient); err != nil {
		return 0, "", err
	}
	for _, p := range e.partials[:len(e.ranges)] {
		cost += p.Cost
	}
	if err := e.round(phaseReduce); err != nil {
		return 0, "", err
	}
	e.inv = 1 / float64(len(batch))
	cost *= e.inv
	if e.opt != nil {
		if math.IsNaN(cost) || math.IsInf(cost, 0) {
			return cost, "cost", nil
		}
		if slices.Contains(e.finite[:len(e.reduceAt)], false) {
			return cost, e.model.FirstNonFinite(e.sum), nil
		}
	}
	return cost, "", e.round(phaseUpdate)
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
	parts := e.microShards(n)
	r, err := shard.Split(n, parts)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	e.splits[n] = r
	return r, nil
}

// round runs one phase on every worker, the caller being worker 0, and
// waits for all of them. The reduction and the update are short and cannot
// fail, and are never left half done: a cancellation then waits for them,
// so that the parameters are either those before the step or those after
// it, and is seen by the next step. A failed or cancelled gradient phase
// closes the engine.
func (e *Engine) round(p phase) error {
	if e.closed {
		return fmt.Errorf("trainer: engine closed")
	}
	e.phaser.publish(p)
	if p != phaseGradient {
		e.phase(0, p)
		e.phaser.wait(nil)
		return nil
	}
	e.lead = e.gradients(0)
	finished := e.phaser.wait(e.ctx.Done())
	if e.lead == nil && finished && !e.failed.Load() && e.ctx.Err() == nil {
		return nil
	}
	if err := e.Close(); err != nil {
		return err
	}
	return e.ctx.Err()
}

// work is the loop of worker w ≥ 1: wait for a phase, run it, report it
// finished. A failed gradient phase ends the worker, and its error the
// errgroup.
func (e *Engine) work(w int) error {
	var seq uint64
	for {
		seq = e.phaser.next(w-1, seq)
		p := phaseOf(seq)
		if p == phaseStop {
			return nil
		}
		if err := e.phase(w, p); err != nil {
			e.failed.Store(true)
			e.phaser.finished(seq)
			return err
		}
		e.phaser.finished(seq)
	}
}

// phase runs worker w's share of phase p.
func (e *Engine) phase(w int, p phase) error {
	switch p {
	case phaseGradient:
		return e.gradients(w)
	case phaseReduce:
		e.reduce(w)
	case phaseUpdate:
		e.update(w)
	}
	return nil
}

// gradients takes micro-shards from the shared counter until none are left,
// checking for cancellation between them.
func (e *Engine) gradients(w int) (err error) {
	current := -1
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("trainer: worker %d: micro-shard %d: panic: %v", w, current, r)
		}
	}()
	for {
		i := int(e.next.Add(1) - 1)
		if i >= len(e.ranges) {
			return nil
		}
		if err := e.ctx.Err(); err != nil {
			return err
		}
		current = i
		if e.faults != nil {
			e.faults(i)
		}
		r := e.ranges[i]
		g := e.partials[i]
		// The sums are zero: NewGrad made them so, and every reduction
		// zeroes what it read. Only the cost is left to reset.
		g.Cost = 0
		if e.planned {
			e.model.GradientPlan(g, e.plans[i], e.scratch[w])
		} else {
			e.model.Gradient(g, e.samples, e.batch[r.Start:r.End], e.scratch[w])
		}
	}
}

// reduce sums worker w's slice of the partials into sum, in micro-shard
// order so that every element's rounding is fixed, a chunk at a time so
// that the chunk stays in cache while each partial is added, and records
// whether the slice is finite. It zeroes the partials as it reads them,
// which readies them for the next batch without another pass.
func (e *Engine) reduce(w int) {
	if w >= len(e.reduceAt) {
		return
	}
	r := e.reduceAt[w]
	parts := e.flats[:len(e.ranges)]
	// x·0 is 0 for every finite x and NaN for an infinity or a NaN; four
	// accumulators break the chain of dependent additions.
	var a, b, c, d float64
	for from := r.Start; from < r.End; from += reduceChunk {
		to := min(from+reduceChunk, r.End)
		sum := e.sum[from:to]
		kernel.SetClear(sum, parts[0][from:to])
		for _, p := range parts[1:] {
			kernel.AddClear(sum, p[from:to])
		}
		j := 0
		for ; j+3 < len(sum); j += 4 {
			s := (*[4]float64)(sum[j : j+4])
			a += s[0] * 0
			b += s[1] * 0
			c += s[2] * 0
			d += s[3] * 0
		}
		for _, v := range sum[j:] {
			a += v * 0
		}
	}
	e.finite[w] = a+b+c+d == 0
}

// update converts worker w's rows of the mean gradient into netcore's
// layout, a block of rows at a time, and hands each block to the optimizer
// while it is in cache; without an optimizer (Gradient) the blocks go to
// grad. The worker tailAt also does b1, W2 and b2, which are small.
func (e *Engine) update(w int) {
	if w >= len(e.updateAt) {
		return
	}
	in := e.model.Inputs()
	r := e.updateAt[w]
	for h0 := r.Start; h0 < r.End; h0 += rowBlock {
		h1 := min(h0+rowBlock, r.End)
		g := e.out(w, h0*in, (h1-h0)*in)
		e.model.UnpackRows(g, e.sum, h0, h1, e.inv)
		e.apply(h0*in, g)
		if e.opt != nil {
			// The rows are in cache: refresh them in the model for the next
			// step here rather than in one serial Load.
			e.model.LoadRows(e.params.W1, h0, h1)
		}
	}
	if w != e.tailAt {
		return
	}
	// b1, W2 and b2 follow W1 in netcore's layout.
	at := e.model.Hidden() * in
	g := e.out(w, at, e.tailLen())
	e.model.UnpackOutput(g, e.sum, e.inv)
	e.apply(at, g)
	if e.opt != nil {
		e.model.LoadOutput(e.params.B1, e.params.W2, e.params.B2)
	}
}

// tailLen is the number of parameters after W1: b1, W2 and b2.
func (e *Engine) tailLen() int {
	hidden, out := e.model.Hidden(), e.model.Outputs()
	return hidden + out*hidden + out
}

// out returns where the gradient of the n netcore elements from on is to
// be written: worker w's buffer when an optimizer consumes it at once, so
// that the full gradient never goes through memory, else grad itself.
func (e *Engine) out(w, from, n int) []float64 {
	if e.opt == nil {
		return e.grad.Data[from : from+n]
	}
	return e.buf[w][:n]
}

// apply updates the parameters from on with their gradient g, if there is
// an optimizer.
func (e *Engine) apply(from int, g []float64) {
	if e.opt != nil {
		e.opt.Update(e.params.Data, g, from, e.step, e.lr)
	}
}
