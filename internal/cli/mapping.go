package cli

import (
	"fmt"

	"github.com/shardnet/shardnet/internal/config"
	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/trainer"
)

// trainerConfig maps a valid configuration (config.Config.Validate) onto
// the trainer's options.
func trainerConfig(c config.Config) (trainer.Config, error) {
	act, err := netcore.ParseActivation(c.Activation)
	if err != nil {
		return trainer.Config{}, fmt.Errorf("config: activation: %w", err)
	}
	init, err := netcore.ParseInit(c.Init)
	if err != nil {
		return trainer.Config{}, fmt.Errorf("config: init: %w", err)
	}
	var schedule trainer.Schedule
	switch c.Schedule {
	case "constant":
		schedule = trainer.Constant(c.LearningRate)
	case "step":
		schedule = trainer.StepDecay{Initial: c.LearningRate, Every: c.StepEvery, Gamma: c.StepGamma}
	case "cosine":
		schedule = trainer.Cosine{Initial: c.LearningRate}
	default:
		return trainer.Config{}, fmt.Errorf("config: schedule: want one of %v, found %q", config.Schedules, c.Schedule)
	}
	var rule trainer.UpdateRule
	switch c.Optimizer {
	case "gd":
		rule = trainer.GradientDescent{WeightDecay: c.WeightDecay}
	case "momentum", "nesterov":
		rule = trainer.Momentum{Momentum: c.Momentum, Nesterov: c.Optimizer == "nesterov", WeightDecay: c.WeightDecay}
	case "adam":
		rule = trainer.Adam{Beta1: c.Beta1, Beta2: c.Beta2, Epsilon: c.Epsilon, WeightDecay: c.WeightDecay}
	default:
		return trainer.Config{}, fmt.Errorf("config: optimizer: want one of %v, found %q", config.Optimizers, c.Optimizer)
	}
	return trainer.Config{
		Hidden:           c.Hidden,
		Activation:       act,
		Init:             init,
		InitScale:        c.InitScale,
		PixelScale:       float64(c.PixelScale),
		Seed:             c.Seed,
		Iterations:       c.Iterations,
		BatchSize:        c.BatchSize,
		LearningRate:     schedule,
		Rule:             rule,
		Workers:          c.Workers,
		MicroShards:      c.MicroShards,
		Nondeterministic: !c.Deterministic,
		LogEvery:         c.LogEvery,
		EvalEvery:        c.EvalEvery,
		EarlyStopping:    c.EarlyStopping,
		CheckpointEvery:  c.CheckpointEvery,
	}, nil
}

// checkAgainstData reports the keys whose values the images cannot
// satisfy: a validation split of every image, or more workers, or a larger
// batch, than the training images left after it.
func checkAgainstData(c config.Config, images int) error {
	if c.Validation >= images {
		return &config.KeyError{Key: "validation", Problem: fmt.Sprintf("want fewer than the %d images, found %d", images, c.Validation)}
	}
	images -= c.Validation
	switch {
	case c.BatchSize > images:
		return &config.KeyError{Key: "batch_size", Problem: fmt.Sprintf("want at most the %d training images, found %d", images, c.BatchSize)}
	case c.Workers > images:
		return &config.KeyError{Key: "workers", Problem: fmt.Sprintf("want at most the %d training images, found %d", images, c.Workers)}
	}
	return nil
}
