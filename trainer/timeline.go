package trainer

import (
	"time"
)

// SpanKind is what a worker spent a span of time on.
type SpanKind uint8

// The kinds of span a Timeline records.
const (
	// SpanGradient: the kernels computing micro-shards' partial gradients.
	SpanGradient SpanKind = iota
	// SpanReduction: adding partial gradients into the exact sums, within a
	// worker (the fold of its micro-shards) and across workers.
	SpanReduction
	// SpanUpdate: the update rule and the refresh of the float32 model.
	SpanUpdate
	// SpanWaiting: a worker done with its share of a round, waiting for the
	// others to finish theirs.
	SpanWaiting
	// SpanCommunication: the coordinator summing across processes.
	SpanCommunication
	spanKinds
)

var spanNames = [spanKinds]string{"gradient", "reduction", "update", "waiting", "communication"}

// String returns the span kind's name: "gradient", "reduction", "update",
// "waiting" or "communication".
func (k SpanKind) String() string { return spanNames[k] }

// Span is one stretch of one worker's time.
type Span struct {
	Kind   SpanKind
	Worker int
	Step   int           // the step (iteration) it belongs to, counted from 1 in the run
	Start  time.Duration // since the timeline began
	End    time.Duration
}

// A Timeline records what every worker of a run does, round by round:
// the spans of its gradients, reductions and updates, the waiting for the
// others at the end of each round, and the coordinator's communication
// with other processes. Give one to a run through Options.Timeline; with
// none, nothing is recorded and a step allocates nothing.
//
// A Timeline is written by the run's goroutines while it runs; read it
// once the run is over.
type Timeline struct {
	began   time.Time
	workers [][]Span // per worker
	step    int      // the current step, and the number recorded
}

// NewTimeline returns an empty timeline that measures time from now.
func NewTimeline() *Timeline { return &Timeline{began: time.Now()} }

// now is the time since the timeline began.
func (tl *Timeline) now() time.Duration { return time.Since(tl.began) }

// size makes room for workers workers; it runs before a run starts.
func (tl *Timeline) size(workers int) {
	for len(tl.workers) < workers {
		tl.workers = append(tl.workers, nil)
	}
}

// add records a span of worker w. Each worker adds to its own list, so
// workers record at the same time without locks.
func (tl *Timeline) add(w int, kind SpanKind, start, end time.Duration) {
	tl.workers[w] = append(tl.workers[w], Span{Kind: kind, Worker: w, Step: tl.step, Start: start, End: end})
}

// span records a span of worker w that began at start and ends now; a
// deferred call measures the rest of a function.
func (tl *Timeline) span(w int, kind SpanKind, start time.Duration) {
	tl.add(w, kind, start, tl.now())
}

// beginStep marks the start of a training step.
func (tl *Timeline) beginStep() { tl.step++ }

// Spans returns every span recorded, worker by worker in time order.
func (tl *Timeline) Spans() []Span {
	var out []Span
	for _, spans := range tl.workers {
		out = append(out, spans...)
	}
	return out
}

// Steps returns the number of steps recorded.
func (tl *Timeline) Steps() int { return tl.step }

// Breakdown is what a step is made of: for the rounds that every worker
// takes part in, the time of each kind a worker spent per step, averaged
// over the workers, so that a round's gradient, reduction or update time
// and waiting add up to the round's length; and the coordinator's
// communication per step, during which the other workers wait too.
type Breakdown [spanKinds]time.Duration

// Breakdown sums the spans of steps from first on (counted from 1; earlier
// ones, warm-up, are left out) by kind and divides them by the steps and,
// but for communication, by the workers.
func (tl *Timeline) Breakdown(first int) Breakdown {
	var b Breakdown
	steps := tl.step - first + 1
	if steps < 1 || len(tl.workers) == 0 {
		return b
	}
	for _, spans := range tl.workers {
		for _, s := range spans {
			if s.Step >= first {
				b[s.Kind] += s.End - s.Start
			}
		}
	}
	for k := range b {
		per := steps * len(tl.workers)
		if SpanKind(k) == SpanCommunication {
			per = steps
		}
		b[k] /= time.Duration(per)
	}
	return b
}

// Of returns the time of kind k.
func (b Breakdown) Of(k SpanKind) time.Duration { return b[k] }
