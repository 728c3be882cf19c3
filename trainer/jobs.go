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
// left. Each computes a micro-shard's partial gradient in float32 and adds
// it, exactly, to a running sum (a kernel.ExactSum), so that the sums do
// not depend on which worker took which micro-shard, or in what order.
//
// The running sums, each with the partial buffers that wait to be added
// to it, are slots: one per worker, or, where the workers outnumber the
// processors (GOMAXPROCS), one per processor, which the workers take in
// turn for each micro-shard. The slots are where the memory of a step is
// (16 bytes per parameter for the sum, 4 per partial), and more of them
// than processors would only push each other out of the caches.
type gradientJob struct {
	model    *kernel.Model
	samples  *kernel.Samples
	bounds   [5]int            // the flat layout's tensors; the cost is element bounds[4]
	scratch  []*kernel.Scratch // per worker
	slots    []sumSlot
	free     chan int // the slots no worker holds; nil where each worker has its own
	faults   func(microShard int)
	timeline *Timeline // nil: record nothing

	// The round's batch, set before each round.
	batch  []int32
	ranges []shard.Range  // all its micro-shards
	plans  []*kernel.Plan // their plans where the batch is fixed, else nil
	last   int64          // one past this process's last micro-shard
	next   atomic.Int64   // the next micro-shard to take
}

// sumSlot is a running exact sum and the partial gradients waiting to be
// added to it, on cache lines of its own.
type sumSlot struct {
	// partials hold the float32 sums of the last micro-shards computed
	// into the slot, filled of them, until they are folded into sum
	// together.
	partials [foldGroup]*kernel.Grad
	filled   int
	sum      *kernel.ExactSum // FlatLen+1 elements: the gradient, then the cost
	refused  refusals
	_        [64]byte
}

// refusals counts, per tensor and for the cost, the folds that met a value
// an ExactSum refuses (a NaN, an infinity or one too large): the step has
// diverged.
type refusals [len(kernel.TensorNames) + 1]int64

// foldGroup is how many micro-shards' partials a slot keeps before they
// are folded into its sum together: a chunk of the sum then makes one trip
// through memory for all of them instead of one each, and the sums of a
// wide network (16 bytes per parameter) do not fit the cache. It is the
// group that kernel.ExactSum.AddClearGroup adds in one pass of the
// assembly, the words of all summed in registers.
const foldGroup = kernel.FoldGroup

// foldChunk is how many elements a fold adds from every partial before
// going on. A full group reads and writes each word once whatever the
// chunk; a smaller one (the partials left for the reduction round) adds
// its partials one after another, and the chunk's words (16 KiB) stay in
// the L1 cache between them.
const foldChunk = 1024

// run takes micro-shards until none are left, checking for cancellation
// between them. A failure (a panic in the kernels, or cancellation) takes
// the rest of the micro-shards off the counter, so that the other workers
// stop too.
func (j *gradientJob) run(ctx context.Context, w int) (err error) {
	current := -1
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("trainer: gradient round: worker %d: micro-shard %d: %w: %v", w, current, errPanic, r)
		}
		if err != nil {
			j.next.Store(j.last)
		}
	}()
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
		j.compute(w, int(i))
	}
}

func (j *gradientJob) name() string { return "gradient" }

// compute computes micro-shard i on worker w into a slot, and folds the
// slot's partials once it has foldGroup of them.
func (j *gradientJob) compute(w, i int) {
	k := w
	if j.free != nil {
		k = <-j.free
		// Given back even if the kernels panic, so that no worker waits
		// for it forever.
		defer func() { j.free <- k }()
	}
	s := &j.slots[k]
	var began time.Duration
	if j.timeline != nil {
		began = j.timeline.now()
	}
	g := s.partials[s.filled]
	g.Cost = 0
	if j.plans != nil {
		j.model.GradientPlan(g, j.plans[i], j.scratch[w])
	} else {
		r := j.ranges[i]
		j.model.Gradient(g, j.samples, j.batch[r.Start:r.End], j.scratch[w])
	}
	s.filled++
	if j.timeline != nil {
		j.timeline.add(w, SpanGradient, began, j.timeline.now())
	}
	if s.filled == foldGroup {
		if j.timeline != nil {
			defer j.timeline.span(w, SpanReduction, j.timeline.now())
		}
		j.fold(s, 0, j.bounds[4]+1, &s.refused)
		s.filled = 0
	}
}

// fold adds elements from ≤ e < to of slot s's partials to its sum, a
// chunk at a time, and zeroes them there, counting refusals in refused.
// Folds of disjoint ranges may run at the same time.
func (j *gradientJob) fold(s *sumSlot, from, to int, refused *refusals) {
	pending := s.partials[:s.filled]
	var chunks [foldGroup][]float32
	for t := range kernel.TensorNames {
		lo, hi := max(from, j.bounds[t]), min(to, j.bounds[t+1])
		for c := lo; c < hi; c += foldChunk {
			end := min(c+foldChunk, hi)
			for k, g := range pending {
				chunks[k] = g.Flat()[c:end]
			}
			if s.sum.AddClearGroup(chunks[:len(pending)], c) {
				refused[t]++
			}
		}
	}
	if cost := j.bounds[4]; from <= cost && cost < to {
		for _, g := range pending {
			if s.sum.AddFloat64(cost, g.Cost) {
				refused[len(kernel.TensorNames)]++
			}
		}
	}
}

// reduceJob is the reduction round of a step: each worker folds its slice
// of the elements of the partials still waiting in the slots, then adds
// that slice of every slot's sum into the process's total, zeroing them
// there. The sums are exact, so the order does not matter.
type reduceJob struct {
	grads    *gradientJob
	total    *kernel.ExactSum
	slices   []shard.Range // each worker's slice of the elements
	refused  []refusals    // per worker, of the folds here
	timeline *Timeline     // nil: record nothing
}

func (j *reduceJob) name() string { return "reduction" }

func (j *reduceJob) run(_ context.Context, w int) error {
	if w >= len(j.slices) {
		return nil
	}
	if j.timeline != nil {
		defer j.timeline.span(w, SpanReduction, j.timeline.now())
	}
	r := j.slices[w]
	j.total.Clear(r.Start, r.End)
	for k := range j.grads.slots {
		s := &j.grads.slots[k]
		j.grads.fold(s, r.Start, r.End, &j.refused[w])
		j.total.Add(s.sum, r.Start, r.End)
	}
	return nil
}

// collect empties the slots after a reduction round and returns the
// refusals of the step.
func (j *reduceJob) collect() (all refusals) {
	for k := range j.grads.slots {
		s := &j.grads.slots[k]
		s.filled = 0
		for t, n := range s.refused {
			all[t] += n
		}
		s.refused = refusals{}
	}
	for w := range j.refused {
		for t, n := range j.refused[w] {
			all[t] += n
		}
		j.refused[w] = refusals{}
	}
	return all
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

func (j *updateJob) name() string { return "update" }

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
