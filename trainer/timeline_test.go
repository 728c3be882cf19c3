package trainer_test

import (
	"testing"
	"time"

	"github.com/shardnet/shardnet/trainer"
)

// TestTimeline: a run with a timeline records, for every worker, its
// gradients, reductions, updates and waiting, one after the other, and the
// breakdown per step adds up to about an iteration.
func TestTimeline(t *testing.T) {
	data := mustData(t, syntheticSet(3000, 16, 31), 0)
	const workers, steps = 3, 12
	tl := trainer.NewTimeline()
	res := runConfig(t, smallConfig(workers, steps), data, trainer.Options{Timeline: tl})
	if tl.Steps() != steps {
		t.Fatalf("%d steps recorded, want %d", tl.Steps(), steps)
	}
	seen := map[[2]int]bool{}
	last := map[int]time.Duration{}
	for _, s := range tl.Spans() {
		if s.Worker < 0 || s.Worker >= workers || s.Step < 1 || s.Step > steps || s.End < s.Start {
			t.Fatalf("span %+v out of range", s)
		}
		if s.Start < last[s.Worker] {
			t.Fatalf("worker %d: span %+v starts before the previous one ended (%v)", s.Worker, s, last[s.Worker])
		}
		last[s.Worker] = s.End
		seen[[2]int{s.Worker, int(s.Kind)}] = true
	}
	for w := range workers {
		for _, k := range []trainer.SpanKind{trainer.SpanReduction, trainer.SpanUpdate, trainer.SpanWaiting} {
			if !seen[[2]int{w, int(k)}] {
				t.Errorf("worker %d recorded no %v span", w, k)
			}
		}
	}
	if !seen[[2]int{0, int(trainer.SpanGradient)}] {
		t.Error("worker 0 recorded no gradient span")
	}
	if seen[[2]int{0, int(trainer.SpanCommunication)}] {
		t.Error("a process alone recorded communication")
	}
	// The breakdown is the spans' time by kind per step and worker.
	b := tl.Breakdown(1)
	want := map[trainer.SpanKind]time.Duration{}
	for _, s := range tl.Spans() {
		want[s.Kind] += s.End - s.Start
	}
	for _, k := range []trainer.SpanKind{trainer.SpanGradient, trainer.SpanReduction, trainer.SpanUpdate, trainer.SpanWaiting} {
		if got, want := b.Of(k), want[k]/(steps*workers); got != want {
			t.Errorf("breakdown of %v: %v per step and worker, the spans give %v", k, got, want)
		}
	}
	// It adds up to no more than an iteration, and to a good part of one:
	// what no span covers is the time it takes to wake the workers for
	// each round and, on a busy machine (tests run in parallel, more
	// workers than cores), the time the OS gives other threads, which can
	// be most of a step this short.
	var sum, mean time.Duration
	for _, k := range []trainer.SpanKind{trainer.SpanGradient, trainer.SpanReduction, trainer.SpanUpdate, trainer.SpanWaiting} {
		sum += b.Of(k)
	}
	for _, d := range res.IterationTimes {
		mean += d
	}
	mean /= time.Duration(len(res.IterationTimes))
	if sum > mean*11/10 || sum < mean/10 {
		t.Errorf("breakdown %v adds up to %v per step, the mean iteration took %v", b, sum, mean)
	}
}
