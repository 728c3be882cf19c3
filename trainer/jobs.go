package trainer

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
)

// gradientJob is the gradient round of a step: the workers take this
// process's micro-shards of the batch from a shared counter until none are
// left. Each computes a micro-shard's partial gradient in float32 into its
// own buffer and adds it, exactly, to its own running sum (an
// kernel.ExactSum), so that what a worker ends with does not depend on
// which micro-shards it took or in what order.
type gradientJob struct {
	model    *kernel.Model
	samples  *kernel.Samples
	bounds   [5]int // the flat layout's tensors; the cost is element bounds[4]
	workers  []gradientWorker
	faults   func(microShard int)
	timeline *Timeline // nil: record nothing

	// The round's batch, set before each round.
	batch  []int32
	ranges []shard.Range  // all its micro-shards
	plans  []*kernel.Plan // their plans where the batch is fixed, else nil
	last   int64          // one past this process's last micro-shard
	next   atomic.Int64   // the next micro-shard to take
}

// gradientWorker is one worker's buffers, on cache lines of its own.
type gradientWorker struct {
	scratch *kernel.Scratch
	// partials hold the float32 sums of the worker's last micro-shards,
	// filled of them, until they are folded into sum together.
	partials [foldGroup]*kernel.Grad
	filled   int
	sum      *kernel.ExactSum // FlatLen+1 elements: the gradient, then the cost
	// refused counts, per tensor and for the cost, the micro-shards whose
	// partial held a value ExactSum refuses (a NaN, an infinity or one too
	// large): training has diverged.
	refused [len(kernel.TensorNames) + 1]int64
	_       [64]byte
}

// run takes micro-shards until none are left, checking for cancellation
// between them. A failure (a panic in the kernels, or cancellation) takes
// the rest of the micro-shards off the counter, so that the other workers
// stop too.
func (j *gradientJob) run(ctx context.Context, w int) (err error) {
	current := -1
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("trainer: worker %d: micro-shard %d: panic: %v", w, current, r)
		}
		if err != nil {
			j.next.Store(j.last)
		}
	}()
	me := &j.workers[w]
	defer j.fold(w, me)
	for {
		i := j.next.Add(1) - 1
		if i >= j.last {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		current = int(i)
		if j.faults != nil {
			j.faults(current)
		}
		if me.filled == foldGroup {
			j.fold(w, me)
		}
		var began time.Duration
		if j.timeline != nil {
			began = j.timeline.now()
		}
		g := me.partials[me.filled]
		g.Cost = 0
		if j.plans != nil {
			j.model.GradientPlan(g, j.plans[i], me.scratch)
		} else {
			r := j.ranges[i]
			j.model.Gradient(g, j.samples, j.batch[r.Start:r.End], me.scratch)
		}
		me.filled++
		if j.timeline != nil {
			j.timeline.add(w, SpanGradient, began, j.timeline.now())
		}
	}
}

// foldGroup is how many micro-shards' partials a worker keeps before it
// folds them into its sum together: a chunk of the sum then makes one trip
// through memory for all of them instead of one each, and the sums of a
// wide network (16 bytes per parameter) do not fit the cache.
const foldGroup = 4

// foldChunk is how many elements fold adds from every partial before going
// on: their words (16 KiB) stay in the L1 cache meanwhile.
const foldChunk = 1024

// fold adds the filled partials of worker w (me) to its sum, a chunk at a
// time, and zeroes them, which readies them for the next micro-shards.
func (j *gradientJob) fold(w int, me *gradientWorker) {
	if me.filled == 0 {
		return
	}
	if j.timeline != nil {
		defer j.timeline.span(w, SpanReduction, j.timeline.now())
	}
	for t := range kernel.TensorNames {
		for from := j.bounds[t]; from < j.bounds[t+1]; from += foldChunk {
			to := min(from+foldChunk, j.bounds[t+1])
			for _, g := range me.partials[:me.filled] {
				if me.sum.AddClear(g.Flat()[from:to], from) {
					me.refused[t]++
				}
			}
		}
	}
	for _, g := range me.partials[:me.filled] {
		if me.sum.AddFloat64(j.bounds[4], g.Cost) {
			me.refused[len(kernel.TensorNames)]++
		}
	}
	me.filled = 0
}

// reduceJob is the reduction round of a step: each worker adds its slice
// of the elements of every worker's sum into the process's total, and
// zeroes them there. The sums are exact, so the order does not matter.
type reduceJob struct {
	workers  []gradientWorker
	timeline *Timeline // nil: record nothing
	total    *kernel.ExactSum
	slices   []shard.Range // each worker's slice of the elements
}

func (j *reduceJob) run(_ context.Context, w int) error {
	if w >= len(j.slices) {
		return nil
	}
	if j.timeline != nil {
		defer j.timeline.span(w, SpanReduction, j.timeline.now())
	}
	r := j.slices[w]
	j.total.Clear(r.Start, r.End)
	for v := range j.workers {
		j.total.Add(j.workers[v].sum, r.Start, r.End)
	}
	return nil
}

// updateChunk is how many elements the update converts, scales, updates
// and loads into the model at a time, so that they stay in cache between
// the four.
const updateChunk = 1024

// updateJob is the update round of a step: each worker turns its slice of
// the total into the mean gradient, applies the optimizer to the same
// slice of the parameters and refreshes it in the kernels' model.
type updateJob struct {
	model    *kernel.Model
	total    *kernel.ExactSum
	slices   []shard.Range // each worker's slice of the parameters
	grad     [][]float64   // per worker, updateChunk values
	timeline *Timeline     // nil: record nothing

	// The round's update, set before each round.
	params  []float64
	opt     Optimizer
	step    int
	lr, inv float64 // learning rate, 1/batch length
}

func (j *updateJob) run(_ context.Context, w int) error {
	if w >= len(j.slices) {
		return nil
	}
	if j.timeline != nil {
		defer j.timeline.span(w, SpanUpdate, j.timeline.now())
	}
	r := j.slices[w]
	for from := r.Start; from < r.End; from += updateChunk {
		g := j.grad[w][:min(updateChunk, r.End-from)]
		j.total.Float64(g, from)
		for k := range g {
			g[k] *= j.inv
		}
		j.opt.Update(j.params, g, from, j.step, j.lr)
		j.model.Load(j.params, from, from+len(g))
	}
	return nil
}
