package trainer

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
)

// gradientJob is the gradient round of a step: the workers take the
// batch's micro-shards from a shared counter until none are left, each
// computing a micro-shard's partial gradient sums into that micro-shard's
// own buffer.
type gradientJob struct {
	model    *kernel.Model
	samples  *kernel.Samples
	partials []*kernel.Grad    // one per micro-shard
	scratch  []*kernel.Scratch // one per worker
	faults   func(microShard int)

	// The round's batch, set before each round.
	batch  []int32
	ranges []shard.Range  // its micro-shards
	plans  []*kernel.Plan // their plans where the batch is fixed, else nil
	next   atomic.Int64   // the next micro-shard to take
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
			j.next.Store(int64(len(j.ranges)))
		}
	}()
	for {
		i := int(j.next.Add(1) - 1)
		if i >= len(j.ranges) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		current = i
		if j.faults != nil {
			j.faults(i)
		}
		g := j.partials[i]
		// The sums are zero: NewGrad made them so, and every reduction
		// zeroes what it read. Only the cost is left to reset.
		g.Cost = 0
		if j.plans != nil {
			j.model.GradientPlan(g, j.plans[i], j.scratch[w])
		} else {
			r := j.ranges[i]
			j.model.Gradient(g, j.samples, j.batch[r.Start:r.End], j.scratch[w])
		}
	}
}

// reduceChunk is how many elements the reduction sums over every partial
// before going on, so that they stay in the L1 cache (16 KiB of float64)
// while each partial is added.
const reduceChunk = 2048

// reduceJob is the reduction round of a step: each worker sums its slice
// of the elements over the partials of the micro-shards, in micro-shard
// order, so that every element's rounding is fixed.
type reduceJob struct {
	flats  [][]float32   // the partials' sums
	parts  int           // partials in use this round
	sum    []float64     // the reduced sums, in the flat layout
	slices []shard.Range // each worker's slice of sum
	finite []bool        // per slice: all its sums are finite
}

// run sums worker w's slice a chunk at a time, so that the chunk stays in
// cache while each partial is added, and records whether it is finite. It
// zeroes the partials as it reads them, which readies them for the next
// batch without another pass.
func (j *reduceJob) run(_ context.Context, w int) error {
	if w >= len(j.slices) {
		return nil
	}
	r := j.slices[w]
	parts := j.flats[:j.parts]
	// x·0 is 0 for every finite x and NaN for an infinity or a NaN; four
	// accumulators break the chain of dependent additions.
	var a, b, c, d float64
	for from := r.Start; from < r.End; from += reduceChunk {
		to := min(from+reduceChunk, r.End)
		sum := j.sum[from:to]
		kernel.SetClear(sum, parts[0][from:to])
		for _, p := range parts[1:] {
			kernel.AddClear(sum, p[from:to])
		}
		k := 0
		for ; k+3 < len(sum); k += 4 {
			s := (*[4]float64)(sum[k : k+4])
			a += s[0] * 0
			b += s[1] * 0
			c += s[2] * 0
			d += s[3] * 0
		}
		for _, v := range sum[k:] {
			a += v * 0
		}
	}
	j.finite[w] = a+b+c+d == 0
	return nil
}

// updateChunk is how many elements the update scales, updates and loads
// into the model before going on, so that they stay in cache between the
// three.
const updateChunk = 1024

// updateJob is the update round of a step: each worker turns its slice of
// the reduced sums into the mean gradient, applies the optimizer to the
// same slice of the parameters and refreshes it in the kernels' model.
type updateJob struct {
	model  *kernel.Model
	sum    []float64     // the reduced sums, scaled in place into the gradient
	slices []shard.Range // each worker's slice

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
	r := j.slices[w]
	for from := r.Start; from < r.End; from += updateChunk {
		to := min(from+updateChunk, r.End)
		g := j.sum[from:to]
		for k := range g {
			g[k] *= j.inv
		}
		j.opt.Update(j.params, g, from, j.step, j.lr)
		j.model.Load(j.params, from, to)
	}
	return nil
}
