package trainer_test

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"testing"

	"github.com/shardnet/shardnet/trainer"
)

func train(t *testing.T, data *trainer.Data, cfgWorkers, iterations int, opts trainer.Options, edit func(c *cfgT)) *trainer.Result {
	t.Helper()
	cfg := smallConfig(cfgWorkers, iterations)
	if edit != nil {
		edit(&cfg)
	}
	return runConfig(t, cfg, data, opts)
}

// TestRunDeterministicAcrossWorkers: the trained parameters are bitwise the
// same for 1, 2, 3, 7 and 16 workers, full batch and mini-batch.
func TestRunDeterministicAcrossWorkers(t *testing.T) {
	data := mustData(t, syntheticSet(900, 8, 5), 0)
	for _, batch := range []int{0, 128} {
		var want string
		for _, workers := range []int{1, 2, 3, 7, 16} {
			res := train(t, data, workers, 12, trainer.Options{}, func(c *cfgT) { c.BatchSize = batch })
			got := res.Params.Digest()
			if want == "" {
				want = got
				continue
			}
			if got != want {
				t.Errorf("batch_size=%d workers=%d: params sha256 %s, 1 worker gives %s", batch, workers, got, want)
			}
		}
	}
}

// TestRunLearns: on data with a learnable signal the cost falls and the
// training accuracy is far above chance.
func TestRunLearns(t *testing.T) {
	set := syntheticSet(1000, 8, 6)
	data := mustData(t, set, 0)
	res := train(t, data, 2, 60, trainer.Options{}, func(c *cfgT) { c.Rule, c.LearningRate = adam, trainer.Constant(0.01) })
	first, last := res.Cost[0].Cost, res.Cost[len(res.Cost)-1].Cost
	if !(last < first*0.7) {
		t.Errorf("cost went from %v to %v, want it to fall by 30%%", first, last)
	}
	ev, err := trainer.Evaluate(res.Params, res.Activation, 1.0/255, data.Train)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Accuracy < 0.5 {
		t.Errorf("training accuracy %.3f, want well above chance (0.1)", ev.Accuracy)
	}
	if res.Iterations != 60 || len(res.IterationTimes) != 60 {
		t.Errorf("ran %d iterations with %d timings, want 60", res.Iterations, len(res.IterationTimes))
	}
}

// TestResumeBitwise: 2N iterations straight give the same parameters as N,
// a checkpoint written to disk and read back, and N more.
func TestResumeBitwise(t *testing.T) {
	data := mustData(t, syntheticSet(600, 8, 7), 0)
	for _, rule := range []trainer.UpdateRule{trainer.GradientDescent{}, trainer.Momentum{Momentum: 0.9}, adam} {
		for _, batch := range []int{0, 100} {
			edit := func(c *cfgT) { c.Rule, c.BatchSize, c.LearningRate = rule, batch, trainer.Constant(0.05) }
			straight := train(t, data, 2, 16, trainer.Options{}, edit)

			var kept checkpoints
			train(t, data, 3, 16, trainer.Options{Checkpoint: kept.save}, func(c *cfgT) { edit(c); c.CheckpointEvery = 8 })
			resumed := train(t, data, 5, 16, trainer.Options{Resume: kept.at(t, 8)}, edit)
			if got, want := resumed.Params.Digest(), straight.Params.Digest(); got != want {
				t.Errorf("rule=%T batch=%d: resumed run ends with params %s, straight run %s", rule, batch, got, want)
			}
			if len(resumed.IterationTimes) != 8 {
				t.Errorf("resumed run timed %d iterations, want 8", len(resumed.IterationTimes))
			}
			if len(resumed.Cost) != len(straight.Cost) {
				t.Errorf("resumed cost history has %d points, straight %d", len(resumed.Cost), len(straight.Cost))
			}
		}
	}
}

// TestDiverges: an absurd learning rate stops training with a
// *DivergedError naming the iteration and tensor, after a last checkpoint
// of finite parameters and none after it.
func TestDiverges(t *testing.T) {
	data := mustData(t, syntheticSet(300, 8, 8), 0)
	cfg := smallConfig(2, 200)
	cfg.LearningRate = trainer.Constant(1e300)
	cfg.PixelScale = 1
	cfg.CheckpointEvery = 1
	var kept checkpoints
	tr, err := trainer.New(cfg, data, trainer.Options{Checkpoint: kept.save})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Run(context.Background())
	var diverged *trainer.DivergedError
	if !errors.As(err, &diverged) {
		t.Fatalf("Run error = %v, want a *DivergedError", err)
	}
	t.Log(diverged)
	for _, v := range kept.at(t, diverged.Iteration).Params.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("the last checkpoint, after iteration %d, holds non-finite parameters", diverged.Iteration)
		}
	}
	if len(kept.saved) != diverged.Iteration {
		t.Errorf("%d checkpoints for iterations 1 to %d", len(kept.saved), diverged.Iteration)
	}
}

// TestInterrupt: cancelling the context stops training at an iteration
// boundary with an *InterruptedError whose checkpoint resumes the run
// bitwise.
func TestInterrupt(t *testing.T) {
	data := mustData(t, syntheticSet(600, 8, 9), 0)
	straight := train(t, data, 2, 30, trainer.Options{}, nil)

	var kept checkpoints
	cfg := smallConfig(2, 30)
	tr, err := trainer.New(cfg, data, trainer.Options{Checkpoint: kept.save})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	stopAt := errors.New("test stop")
	var calls atomic.Int64
	trainer.SetFaultHook(tr, func(int) {
		if calls.Add(1) == 40 { // somewhere inside an iteration
			cancel(stopAt)
		}
	})
	_, err = tr.Run(ctx)
	var interrupted *trainer.InterruptedError
	if !errors.As(err, &interrupted) || !errors.Is(err, stopAt) {
		t.Fatalf("Run error = %v, want an *InterruptedError caused by the test", err)
	}
	if interrupted.Checkpoint == "" || interrupted.Iteration < 1 || interrupted.Iteration >= 30 {
		t.Fatalf("interrupted at %d with checkpoint %q", interrupted.Iteration, interrupted.Checkpoint)
	}
	resumed := train(t, data, 3, 30, trainer.Options{Resume: kept.at(t, interrupted.Iteration)}, nil)
	if resumed.Params.Digest() != straight.Params.Digest() {
		t.Error("run resumed from the interrupt checkpoint differs from the straight run")
	}
}

// TestEarlyStopping keeps the best validation parameters and stops.
func TestEarlyStopping(t *testing.T) {
	data := mustData(t, syntheticSet(800, 8, 10), 200)
	res := train(t, data, 2, 400, trainer.Options{}, func(c *cfgT) {
		c.EarlyStopping, c.EvalEvery, c.LearningRate = 2, 10, trainer.Constant(5)
	})
	if len(res.Validation) == 0 {
		t.Fatal("no validation accuracy recorded")
	}
	if !res.StoppedEarly {
		t.Skipf("did not stop early within 400 iterations (validation %v)", res.Validation[len(res.Validation)-1])
	}
	best := 0.0
	for _, v := range res.Validation {
		best = max(best, v.Accuracy)
	}
	m, _ := trainer.Evaluate(res.Params, res.Activation, 1.0/255, data.Validation)
	if m.Accuracy != best {
		t.Errorf("final parameters score %.4f on validation, best seen was %.4f", m.Accuracy, best)
	}
}

func TestMiniBatchFullEqualsFullBatch(t *testing.T) {
	// A mini-batch the size of the whole set visits every sample each step;
	// only the order differs, so the gradients agree to rounding.
	data := mustData(t, syntheticSet(512, 8, 11), 0)
	full := train(t, data, 2, 3, trainer.Options{}, nil)
	mini := train(t, data, 2, 3, trainer.Options{}, func(c *cfgT) { c.BatchSize = 512 })
	if rel := relativeError(mini.Params.Data, full.Params.Data); rel > 1e-6 {
		t.Errorf("mini-batch of the whole set differs from full batch by %.3g", rel)
	}
	if full.Params.Digest() == mini.Params.Digest() {
		t.Log("bitwise equal (the shuffle did not change rounding)")
	}
}

// cfgT shortens the configuration type in test edit functions.
type cfgT = trainer.Config
