package trainer

import (
	"context"
	"fmt"
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
// so that a training step allocates nothing: each iteration is a pair of
// barrier rounds over preallocated channels.
type Engine struct {
	model   *kernel.Model
	samples *kernel.Samples
	workers int
	micro   int // configured micro-shard count

	partials []*kernel.Grad    // one per micro-shard
	scratch  []*kernel.Scratch // one per worker
	sum      []float64         // reduced flat gradient, kernel layout
	reduceAt []shard.Range     // each worker's slice of sum
	splits   map[int][]shard.Range

	// The current job, written by the coordinator before it signals the
	// workers and read by them after; the channel operations order the two.
	phase  phase
	batch  []int32
	ranges []shard.Range
	active int          // partials in use this round
	next   atomic.Int64 // next micro-shard to take

	start  []chan phase
	done   chan struct{}
	group  *errgroup.Group
	ctx    context.Context
	stop   sync.Once
	err    error
	faults func(microShard int) // test hook, nil in production
}

type phase uint8

const (
	phaseGradient phase = iota + 1
	phaseReduce
)

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
		splits:  map[int][]shard.Range{},
		done:    make(chan struct{}, workers),
	}
	// No batch of the run can use more micro-shards than the whole set.
	e.partials = make([]*kernel.Grad, min(microShards, (samples.N+minMicroShard-1)/minMicroShard))
	for i := range e.partials {
		e.partials[i] = kernel.NewGrad(model)
	}
	e.scratch = make([]*kernel.Scratch, workers)
	e.start = make([]chan phase, workers)
	for w := range workers {
		e.scratch[w] = kernel.NewScratch(model)
		e.start[w] = make(chan phase, 1)
	}
	reduceWorkers := min(workers, len(e.sum))
	var err error
	if e.reduceAt, err = shard.Split(len(e.sum), reduceWorkers); err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	return e, nil
}

// Workers is the number of worker goroutines.
func (e *Engine) Workers() int { return e.workers }

// Start launches the workers. They run until Close or until ctx is done.
func (e *Engine) Start(ctx context.Context) {
	e.group, e.ctx = errgroup.WithContext(ctx)
	for w := range e.workers {
		e.group.Go(func() error { return e.work(w) })
	}
}

// Close stops the workers and returns the first error any of them hit.
func (e *Engine) Close() error {
	e.stop.Do(func() {
		for _, c := range e.start {
			close(c)
		}
		e.err = e.group.Wait()
	})
	return e.err
}

// Gradient computes the mean gradient and the mean cost over the samples in
// batch, writing the gradient into grad. The model must hold the current
// parameters. It allocates nothing once each batch length has been seen.
func (e *Engine) Gradient(batch []int32, grad *netcore.Params) (cost float64, err error) {
	ranges, err := e.split(len(batch))
	if err != nil {
		return 0, err
	}
	e.batch, e.ranges, e.active = batch, ranges, len(ranges)
	e.next.Store(0)
	if err := e.round(phaseGradient); err != nil {
		return 0, err
	}
	if err := e.round(phaseReduce); err != nil {
		return 0, err
	}
	for _, p := range e.partials[:e.active] {
		cost += p.Cost
	}
	e.model.Unpack(e.sum, grad.W1, grad.B1, grad.W2, grad.B2)
	inv := 1 / float64(len(batch))
	for i := range grad.Data {
		grad.Data[i] *= inv
	}
	return cost * inv, nil
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
	parts := min(e.micro, (n+minMicroShard-1)/minMicroShard)
	r, err := shard.Split(n, parts)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	e.splits[n] = r
	return r, nil
}

// round runs one phase on every worker and waits for all of them.
func (e *Engine) round(p phase) error {
	e.phase = p
	for _, c := range e.start {
		c <- p
	}
	for range e.workers {
		select {
		case <-e.done:
		case <-e.ctx.Done():
			if err := e.Close(); err != nil {
				return err
			}
			return e.ctx.Err()
		}
	}
	return e.ctx.Err()
}

// work is one worker's loop: wait for a phase, run it, report done.
func (e *Engine) work(w int) error {
	for p := range e.start[w] {
		var err error
		switch p {
		case phaseGradient:
			err = e.gradients(w)
		case phaseReduce:
			e.reduce(w)
		}
		if err != nil {
			return err
		}
		e.done <- struct{}{}
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
		if i >= e.active {
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
		g.Reset()
		e.model.Gradient(g, e.samples, e.batch[r.Start:r.End], e.scratch[w])
	}
}

// reduce sums worker w's slice of the flat gradient over the active partials
// in micro-shard order, so every element's rounding is fixed.
func (e *Engine) reduce(w int) {
	if w >= len(e.reduceAt) {
		return
	}
	r := e.reduceAt[w]
	sum := e.sum[r.Start:r.End]
	for j, v := range e.partials[0].Flat()[r.Start:r.End] {
		sum[j] = float64(v)
	}
	for _, p := range e.partials[1:e.active] {
		flat := p.Flat()[r.Start:r.End]
		for j, v := range flat {
			sum[j] += float64(v)
		}
	}
}
