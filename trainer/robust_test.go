package trainer_test

import (
	"context"
	"math"
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

// TestNewRefusesInvalidSettings: every field, update-rule parameter and
// schedule parameter that cannot make a run is an error from New, naming
// it, instead of a panic or a silent divergence.
func TestNewRefusesInvalidSettings(t *testing.T) {
	data := mustData(t, syntheticSet(100, 8, 1), 0)
	nan := math.NaN()
	for _, tt := range []struct {
		change func(*trainer.Config)
		want   string
	}{
		{func(c *trainer.Config) { c.Hidden = 0 }, "trainer: Hidden is 0, want at least 1"},
		{func(c *trainer.Config) { c.Workers = -1 }, "trainer: Workers is -1, want at least 1"},
		{func(c *trainer.Config) { c.BatchSize = -1 }, "trainer: BatchSize is -1, want at least 0"},
		{func(c *trainer.Config) { c.PixelScale = 0 }, "trainer: PixelScale is 0, want a positive finite number"},
		{func(c *trainer.Config) { c.LearningRate = nil }, "trainer: no LearningRate schedule"},
		{func(c *trainer.Config) { c.Rule = nil }, "trainer: no update Rule"},
		{func(c *trainer.Config) { c.LearningRate = trainer.StepDecay{Initial: 0.1, Every: 0, Gamma: 0.5} },
			"trainer: StepDecay.Every is 0, want at least 1"},
		{func(c *trainer.Config) { c.LearningRate = trainer.StepDecay{Initial: 0.1, Every: 2, Gamma: 1.5} },
			"trainer: StepDecay.Gamma is 1.5, want a number in (0, 1]"},
		{func(c *trainer.Config) { c.LearningRate = trainer.StepDecay{Initial: -1, Every: 2, Gamma: 0.5} },
			"trainer: StepDecay.Initial is -1, want a positive finite number"},
		{func(c *trainer.Config) { c.LearningRate = trainer.Constant(0) },
			"trainer: Constant learning rate is 0, want a positive finite number"},
		{func(c *trainer.Config) { c.LearningRate = trainer.Constant(math.Inf(1)) },
			"trainer: Constant learning rate is +Inf, want a positive finite number"},
		{func(c *trainer.Config) { c.LearningRate = trainer.Cosine{Initial: nan} },
			"trainer: Cosine.Initial is NaN, want a positive finite number"},
		{func(c *trainer.Config) { c.Rule = trainer.GradientDescent{WeightDecay: -0.1} },
			"trainer: GradientDescent.WeightDecay is -0.1, want a finite number >= 0"},
		{func(c *trainer.Config) { c.Rule = trainer.Momentum{Momentum: 1} },
			"trainer: Momentum.Momentum is 1, want a number in [0, 1)"},
		{func(c *trainer.Config) { c.Rule = trainer.Momentum{Momentum: 0.9, WeightDecay: nan} },
			"trainer: Momentum.WeightDecay is NaN, want a finite number >= 0"},
		{func(c *trainer.Config) { c.Rule = trainer.Adam{Beta1: -0.1, Beta2: 0.999, Epsilon: 1e-8} },
			"trainer: Adam.Beta1 is -0.1, want a number in [0, 1)"},
		{func(c *trainer.Config) { c.Rule = trainer.Adam{Beta1: 0.9, Beta2: 1, Epsilon: 1e-8} },
			"trainer: Adam.Beta2 is 1, want a number in [0, 1)"},
		{func(c *trainer.Config) { c.Rule = trainer.Adam{Beta1: 0.9, Beta2: 0.999} },
			"trainer: Adam.Epsilon is 0, want a positive finite number"},
	} {
		cfg := smallConfig(2, 3)
		tt.change(&cfg)
		_, err := trainer.New(cfg, data, trainer.Options{})
		if err == nil || err.Error() != tt.want {
			t.Errorf("New: error %v, want %q", err, tt.want)
		}
	}
}

// TestDefaultConfig: the defaults make a valid run, and one that keeps the
// headline guarantee.
func TestDefaultConfig(t *testing.T) {
	cfg := trainer.DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Errorf("DefaultConfig does not validate: %v", err)
	}
	if cfg.Nondeterministic {
		t.Error("DefaultConfig is nondeterministic")
	}
}

// TestErrorsHaveOnePrefix: an error that starts in another package keeps
// that package's prefix alone; trainer adds no second one.
func TestErrorsHaveOnePrefix(t *testing.T) {
	p, err := netcore.NewParams(netcore.Shape{Inputs: 4, Hidden: 2, Outputs: 300})
	if err != nil {
		t.Fatal(err)
	}
	_, err = trainer.NewModel(p, netcore.Sigmoid, 1)
	if want := "kernel: 300 outputs, want 1 to 256 (labels are bytes)"; err == nil || err.Error() != want {
		t.Errorf("NewModel of 300 outputs: error %v, want %q", err, want)
	}
	m, err := trainer.NewModel(randomParams(t, netcore.Shape{Inputs: 64, Hidden: 2, Outputs: 10}), netcore.Sigmoid, 1)
	if err != nil {
		t.Fatal(err)
	}
	data := mustData(t, syntheticSet(100, 8, 1), 0)
	e, err := trainer.NewEngine(context.Background(), m, data.Train, trainer.EngineOptions{Workers: 1, MicroShards: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	_, err = e.Gradient(context.Background(), nil, make([]float64, m.FlatLen()))
	if want := "trainer: empty batch"; err == nil || err.Error() != want {
		t.Errorf("Gradient of an empty batch: error %v, want %q", err, want)
	}
}
