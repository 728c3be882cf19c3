package trainer

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"

	"go.uber.org/zap"

	"github.com/shardnet/shardnet/netcore"
)

// Config is one training run: the network, how it is optimised, how the
// work is divided, and how the run is monitored. [DefaultConfig] returns
// the blog post's run; the zero value of each field not set there is
// documented with the field.
type Config struct {
	// The network: Hidden units of Activation between the inputs and the
	// outputs, weights initialised by Init (NormalInit scaled by
	// InitScale, the post's 0.01) from Seed. Each raw pixel byte is
	// multiplied by PixelScale (1 keeps the post's 0..255).
	Hidden     int
	Activation netcore.Activation
	Init       netcore.Init
	InitScale  float64
	PixelScale float64
	Seed       uint64 // also orders the mini-batches

	// The optimisation: Iterations updates by Rule at the rates of
	// LearningRate, each over all the training images (BatchSize 0, the
	// post's full batch) or over BatchSize of them, reshuffled every epoch.
	Iterations   int
	BatchSize    int
	LearningRate Schedule
	Rule         UpdateRule

	// The division of the work: Workers goroutines compute the gradient of
	// MicroShards fixed pieces of each batch, and the result does not
	// depend on the worker or process count. With Nondeterministic set
	// there is one piece per worker instead, and the rounding of the sum
	// depends on the worker count; the zero value keeps the guarantee.
	Workers          int
	MicroShards      int
	Nondeterministic bool

	// Monitoring: the cost is logged every LogEvery iterations, the
	// validation accuracy taken every EvalEvery (0: every LogEvery), the
	// run stopped after EarlyStopping evaluations without improvement (0:
	// never), and a checkpoint taken every CheckpointEvery (0: never).
	LogEvery        int
	EvalEvery       int
	EarlyStopping   int
	CheckpointEvery int
}

// DefaultConfig returns the blog post's own run, the defaults of the
// command line as well (its seed preset): a 784-10-10 sigmoid network on
// raw pixels, initialised N(0, 0.01²) from seed 1, 2400 full-batch
// iterations of gradient descent at the rate 0.04, on one worker per
// processor (GOMAXPROCS) over 256 micro-shards, the cost logged every 200
// iterations. Change what differs and call [New].
func DefaultConfig() Config {
	return Config{
		Hidden:       10,
		Activation:   netcore.Sigmoid,
		Init:         netcore.NormalInit,
		InitScale:    netcore.DefaultInitScale,
		PixelScale:   1,
		Seed:         1,
		Iterations:   2400,
		LearningRate: Constant(0.04),
		Rule:         GradientDescent{},
		Workers:      runtime.GOMAXPROCS(0),
		MicroShards:  256,
		LogEvery:     200,
	}
}

// Validate reports every field that cannot make a run, one per line.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("trainer: "+format, args...)) }
	positive := func(name string, v int) {
		if v < 1 {
			bad("%s is %d, want at least 1", name, v)
		}
	}
	positive("Hidden", c.Hidden)
	positive("Iterations", c.Iterations)
	positive("Workers", c.Workers)
	positive("MicroShards", c.MicroShards)
	positive("LogEvery", c.LogEvery)
	for _, f := range []struct {
		name  string
		value int
	}{{"BatchSize", c.BatchSize}, {"EvalEvery", c.EvalEvery}, {"EarlyStopping", c.EarlyStopping}, {"CheckpointEvery", c.CheckpointEvery}} {
		if f.value < 0 {
			bad("%s is %d, want at least 0", f.name, f.value)
		}
	}
	if !c.Activation.Valid() {
		bad("unknown activation %v", c.Activation)
	}
	if !c.Init.Valid() {
		bad("unknown initialisation %v", c.Init)
	}
	if !(c.PixelScale > 0) || math.IsInf(c.PixelScale, 0) {
		bad("PixelScale is %v, want a positive finite number", c.PixelScale)
	}
	if c.LearningRate == nil {
		bad("no LearningRate schedule")
	} else if v, ok := c.LearningRate.(validator); ok {
		errs = append(errs, v.Validate())
	}
	if c.Rule == nil {
		bad("no update Rule")
	} else if v, ok := c.Rule.(validator); ok {
		errs = append(errs, v.Validate())
	}
	return errors.Join(errs...)
}

// validator is an update rule or schedule that checks its parameters, as
// those of this package do.
type validator interface {
	Validate() error
}

// Options are the parts of a run that are not training configuration.
type Options struct {
	Logger   *zap.Logger // nil logs nothing
	Progress io.Writer   // where a live progress line goes (a terminal); nil for none
	// Resume continues from this checkpoint instead of initialising.
	Resume *netcore.Checkpoint
	// Checkpoint, if set, is given the checkpoints the run takes: every
	// CheckpointEvery iterations and, when the run is interrupted, after
	// the last complete iteration. It returns where it stored the
	// checkpoint, for the log and InterruptedError.
	Checkpoint func(*netcore.Checkpoint) (string, error)
	// Timeline, if set, records what every worker does (see Timeline).
	Timeline *Timeline
	// Collective, if set, joins this process to the others of a run
	// across processes (see Collective); every process gets the same
	// configuration and data.
	Collective Collective
}
