package trainer_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/trainer"
)

// panickyRule makes optimizers that panic on the parameters from element
// 1 on, which worker 0 does not update when there are several workers.
type panickyRule struct{}

func (panickyRule) NewOptimizer(int) trainer.Optimizer { return panickyOptimizer{} }

type panickyOptimizer struct{}

func (panickyOptimizer) Update(p, g []float64, from, step int, lr float64) {
	if from > 0 {
		panic("injected fault")
	}
}

func (panickyOptimizer) State() map[string][]float64 { return nil }

// TestRunUpdatePanic: a panic in the update round, on a helper goroutine,
// ends the run with an error naming the round and the worker instead of
// the process, and hands no checkpoint of the half-updated parameters.
func TestRunUpdatePanic(t *testing.T) {
	data := mustData(t, syntheticSet(300, 8, 1), 0)
	cfg := smallConfig(3, 3)
	cfg.Rule = panickyRule{}
	cfg.CheckpointEvery = 1
	checkpointed := false
	tr, err := trainer.New(cfg, data, trainer.Options{Checkpoint: func(*netcore.Checkpoint) (string, error) {
		checkpointed = true
		return "memory", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Run(context.Background())
	want := regexp.MustCompile(`^trainer: update round: worker [12]: panic: injected fault$`)
	if err == nil || !want.MatchString(err.Error()) {
		t.Fatalf("Run error = %v, want one matching %s", err, want)
	}
	if checkpointed {
		t.Error("Run handed a checkpoint after the panic")
	}
}
