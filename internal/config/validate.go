package config

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Choices of the enumerated keys, in the order the help text lists them.
var (
	Datasets    = []string{"mnist", "fashion-mnist"}
	Activations = []string{"sigmoid", "tanh", "relu"}
	Inits       = []string{"normal", "xavier", "he"}
	Optimizers  = []string{"gd", "momentum", "nesterov", "adam"}
	Schedules   = []string{"constant", "step", "cosine"}
)

// Upper bounds of the workers and hidden keys, and of bench's sweeps of them.
const (
	MaxWorkers = 1024    // worker goroutines
	MaxHidden  = 1 << 16 // hidden units
)

// KeyError is a bad value of one configuration key.
type KeyError struct {
	Key     string // the YAML key
	Problem string // what was expected and what was found
}

// Error returns "config: KEY: PROBLEM".
func (e *KeyError) Error() string { return "config: " + e.Key + ": " + e.Problem }

// keyErrorf returns a *KeyError.
func keyErrorf(key, format string, args ...any) error {
	return &KeyError{Key: key, Problem: fmt.Sprintf(format, args...)}
}

// Validate checks every key and returns all problems found, one per line,
// each a *KeyError naming its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, keyErrorf(key, format, args...))
	}
	oneOf := func(key, value string, choices []string) {
		if !slices.Contains(choices, value) {
			bad(key, "want one of %v, found %q", choices, value)
		}
	}
	finite := func(key string, v float64) bool {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad(key, "want a finite number, found %v", v)
			return false
		}
		return true
	}
	atLeast := func(key string, v, min int) {
		if v < min {
			bad(key, "want an integer >= %d, found %d", min, v)
		}
	}

	oneOf("dataset", c.Dataset, Datasets)
	oneOf("activation", c.Activation, Activations)
	oneOf("init", c.Init, Inits)
	oneOf("optimizer", c.Optimizer, Optimizers)
	oneOf("schedule", c.Schedule, Schedules)

	if finite("pixel_scale", float64(c.PixelScale)) && c.PixelScale <= 0 {
		bad("pixel_scale", "want a number > 0, found %v", c.PixelScale)
	}
	if finite("init_scale", c.InitScale) && c.InitScale <= 0 {
		bad("init_scale", "want a number > 0, found %v", c.InitScale)
	}
	if finite("learning_rate", c.LearningRate) && c.LearningRate <= 0 {
		bad("learning_rate", "want a number > 0, found %v", c.LearningRate)
	}
	if finite("momentum", c.Momentum) && (c.Momentum < 0 || c.Momentum >= 1) {
		bad("momentum", "want a number in [0, 1), found %v", c.Momentum)
	}
	if finite("beta1", c.Beta1) && (c.Beta1 < 0 || c.Beta1 >= 1) {
		bad("beta1", "want a number in [0, 1), found %v", c.Beta1)
	}
	if finite("beta2", c.Beta2) && (c.Beta2 < 0 || c.Beta2 >= 1) {
		bad("beta2", "want a number in [0, 1), found %v", c.Beta2)
	}
	if finite("epsilon", c.Epsilon) && c.Epsilon <= 0 {
		bad("epsilon", "want a number > 0, found %v", c.Epsilon)
	}
	if finite("weight_decay", c.WeightDecay) && c.WeightDecay < 0 {
		bad("weight_decay", "want a number >= 0, found %v", c.WeightDecay)
	}
	if finite("step_gamma", c.StepGamma) && (c.StepGamma <= 0 || c.StepGamma > 1) {
		bad("step_gamma", "want a number in (0, 1], found %v", c.StepGamma)
	}
	if c.Schedule == "step" && c.StepEvery < 1 {
		bad("step_every", "the step schedule wants an integer >= 1, found %d", c.StepEvery)
	}
	atLeast("step_every", c.StepEvery, 0)

	atLeast("hidden", c.Hidden, 1)
	atLeast("iterations", c.Iterations, 1)
	atLeast("workers", c.Workers, 1)
	atLeast("micro_shards", c.MicroShards, 1)
	atLeast("log_every", c.LogEvery, 1)
	atLeast("batch_size", c.BatchSize, 0)
	atLeast("validation", c.Validation, 0)
	atLeast("early_stopping", c.EarlyStopping, 0)
	atLeast("eval_every", c.EvalEvery, 0)
	atLeast("checkpoint_every", c.CheckpointEvery, 0)
	if c.Hidden > MaxHidden {
		bad("hidden", "want at most %d units, found %d", MaxHidden, c.Hidden)
	}
	if c.Workers > MaxWorkers {
		bad("workers", "want at most %d, found %d", MaxWorkers, c.Workers)
	}
	if c.EarlyStopping > 0 && c.Validation == 0 {
		bad("early_stopping", "needs a validation split (validation > 0)")
	}
	return errors.Join(errs...)
}
