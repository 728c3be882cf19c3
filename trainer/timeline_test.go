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
	b := tl.Breakdown(1)
	var sum, mean time.Duration
	for _, k := range []trainer.SpanKind{trainer.SpanGradient, trainer.SpanReduction, trainer.SpanUpdate, trainer.SpanWaiting} {
		sum += b.Of(k)
	}
	for _, d := range res.IterationTimes {
		mean += d
	}
	mean /= time.Duration(len(res.IterationTimes))
	if sum > mean*11/10 || sum < mean/2 {
		t.Errorf("breakdown %v adds up to %v per step, the mean iteration took %v", b, sum, mean)
	}
}
