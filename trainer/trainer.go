// Package trainer coordinates data-parallel training of the seed network:
// worker goroutines under an errgroup compute partial gradients of fixed
// micro-shards, reduce them in a fixed order and apply one update per
// iteration, and the run is logged, timed and checkpointed.
package trainer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"time"

	"go.uber.org/zap"
	"go.yaml.in/yaml/v3"

	"github.com/shardnet/shardnet/internal/config"
	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
)

// Options are the parts of a run that are not training configuration.
type Options struct {
	Logger   *zap.Logger         // nil logs nothing
	OutDir   string              // directory for periodic and interrupt checkpoints; "" writes none
	Progress io.Writer           // where a live progress line goes (a terminal); nil for none
	Resume   *netcore.Checkpoint // continue from this checkpoint instead of initialising
}

// CostPoint is the mean training cost before the update of one iteration.
type CostPoint struct {
	Iteration int
	Cost      float64
}

// MarshalJSON writes the point as the pair [iteration, cost].
func (p CostPoint) MarshalJSON() ([]byte, error) { return json.Marshal([2]any{p.Iteration, p.Cost}) }

// UnmarshalJSON reads the pair [iteration, cost].
func (p *CostPoint) UnmarshalJSON(b []byte) error {
	var pair [2]float64
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	p.Iteration, p.Cost = int(pair[0]), pair[1]
	return nil
}

// Result is what a finished (or early-stopped) run produced.
type Result struct {
	Params     *netcore.Params
	Activation netcore.Activation
	Iterations int         // updates applied in total, resumed ones included
	Cost       []CostPoint // at every logged iteration
	FinalCost  float64     // cost of the last iteration's batch, before its update
	Validation []AccuracyPoint
	// Training is the wall time of this process's training loop;
	// IterationTimes holds each of its iterations.
	Training       time.Duration
	IterationTimes []time.Duration
	StoppedEarly   bool
}

// AccuracyPoint is the validation accuracy after an iteration.
type AccuracyPoint struct {
	Iteration int     `json:"iteration"`
	Accuracy  float64 `json:"accuracy"`
}

// MedianIterationMillis is the median of the timed iterations in ms.
func (r *Result) MedianIterationMillis() float64 { return medianMillis(r.IterationTimes) }

func medianMillis(d []time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return float64(s[mid]) / 1e6
	}
	return float64(s[mid-1]+s[mid]) / 2e6
}

// InterruptedError reports a run stopped by its context (a signal), after
// its state was saved.
type InterruptedError struct {
	Iteration  int    // updates applied before stopping
	Checkpoint string // where they were saved, "" if no output directory
	Cause      error  // context.Cause of the cancellation
}

func (e *InterruptedError) Error() string {
	if e.Checkpoint == "" {
		return fmt.Sprintf("trainer: interrupted after iteration %d: %v", e.Iteration, e.Cause)
	}
	return fmt.Sprintf("trainer: interrupted after iteration %d (%v); checkpoint saved to %s", e.Iteration, e.Cause, e.Checkpoint)
}

func (e *InterruptedError) Unwrap() error { return e.Cause }

// DivergedError reports a non-finite cost or gradient. The parameters of the
// previous iteration and any checkpoint on disk are left as they were.
type DivergedError struct {
	Iteration int
	Tensor    string // "cost", "dW1", "db1", "dW2" or "db2"
}

func (e *DivergedError) Error() string {
	return fmt.Sprintf("trainer: training diverged at iteration %d: %s is not finite (try a smaller learning_rate)", e.Iteration, e.Tensor)
}

// Trainer runs one training configuration over one data set.
type Trainer struct {
	cfg    config.Config
	data   *Data
	opts   Options
	log    *zap.Logger
	act    netcore.Activation
	model  *kernel.Model
	params *netcore.Params
	opt    Optimizer
	start  int // first iteration to run (non-zero when resuming)
	cost   []CostPoint
	valid  []AccuracyPoint

	// mini-batch order: the epoch whose permutation perm holds
	perm      []int32
	permEpoch int
	shuffler  *rand.PCG
	rng       *rand.Rand

	faults func(microShard int) // test hook handed to the engine
}

// New prepares a run: parameters initialised from cfg.Seed (or restored from
// opts.Resume), the optimizer, and the kernels' model.
func New(cfg config.Config, data *Data, opts Options) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	act, err := netcore.ParseActivation(cfg.Activation)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	init, err := netcore.ParseInit(cfg.Init)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	shape := netcore.Shape{Inputs: data.Train.Dim, Hidden: cfg.Hidden, Outputs: Classes}
	if cfg.BatchSize > data.Train.N {
		return nil, fmt.Errorf("config: batch_size: want at most the %d training images, found %d", data.Train.N, cfg.BatchSize)
	}
	if cfg.Workers > data.Train.N {
		return nil, fmt.Errorf("config: workers: want at most the %d training images, found %d", data.Train.N, cfg.Workers)
	}
	t := &Trainer{cfg: cfg, data: data, opts: opts, log: opts.Logger, act: act}
	if t.params, err = netcore.NewParams(shape); err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	if t.opt, err = NewOptimizer(cfg, shape.Len()); err != nil {
		return nil, err
	}
	if opts.Resume != nil {
		if err := t.restore(opts.Resume); err != nil {
			return nil, err
		}
	} else {
		t.params.Init(init, cfg.InitScale, rand.New(rand.NewPCG(cfg.Seed, 0x5eed)))
	}
	if t.model, err = NewModel(t.params, act, float32(cfg.PixelScale)); err != nil {
		return nil, err
	}
	if cfg.BatchSize > 0 {
		t.perm = make([]int32, data.Train.N)
		t.permEpoch = -1
		t.shuffler = rand.NewPCG(0, 0)
		t.rng = rand.New(t.shuffler)
	}
	return t, nil
}

// Params returns the live parameters.
func (t *Trainer) Params() *netcore.Params { return t.params }

// checkpointState is what a checkpoint's Extra blob holds beyond the
// parameters: the history a resumed run carries on.
type checkpointState struct {
	Cost       []CostPoint     `json:"cost"`
	Validation []AccuracyPoint `json:"validation,omitempty"`
}

func (t *Trainer) restore(c *netcore.Checkpoint) error {
	if c.Params.Shape != t.params.Shape {
		return fmt.Errorf("trainer: resume: checkpoint holds a %v network, the configuration asks for %v", c.Params.Shape, t.params.Shape)
	}
	if c.Activation != t.act {
		return fmt.Errorf("trainer: resume: checkpoint uses activation %v, the configuration asks for %v", c.Activation, t.act)
	}
	if c.Iteration < 0 || c.Iteration > int64(t.cfg.Iterations) {
		return fmt.Errorf("trainer: resume: checkpoint is at iteration %d, want at most iterations=%d", c.Iteration, t.cfg.Iterations)
	}
	_ = t.params.CopyFrom(c.Params)
	state := t.opt.State()
	for name, buf := range state {
		saved, ok := c.State[name]
		if !ok {
			return fmt.Errorf("trainer: resume: checkpoint has no %q state for optimizer %s", name, t.cfg.Optimizer)
		}
		copy(buf, saved)
	}
	if len(c.Extra) > 0 {
		var s checkpointState
		if err := json.Unmarshal(c.Extra, &s); err != nil {
			return fmt.Errorf("trainer: resume: history: %w", err)
		}
		t.cost, t.valid = s.Cost, s.Validation
	}
	t.start = int(c.Iteration)
	return nil
}

// Checkpoint returns the current state as a checkpoint after iteration.
func (t *Trainer) Checkpoint(iteration int) (*netcore.Checkpoint, error) {
	cfg, err := yaml.Marshal(t.cfg)
	if err != nil {
		return nil, fmt.Errorf("trainer: encode config: %w", err)
	}
	extra, err := json.Marshal(checkpointState{Cost: t.cost, Validation: t.valid})
	if err != nil {
		return nil, fmt.Errorf("trainer: encode history: %w", err)
	}
	return &netcore.Checkpoint{
		Activation: t.act,
		Iteration:  int64(iteration),
		Config:     cfg,
		Params:     t.params,
		State:      t.opt.State(),
		Extra:      extra,
	}, nil
}

// saveCheckpoint writes the state after iteration into the output directory
// as ckpt-<iteration>.ckpt and returns its path.
func (t *Trainer) saveCheckpoint(iteration int) (string, error) {
	if t.opts.OutDir == "" {
		return "", nil
	}
	c, err := t.Checkpoint(iteration)
	if err != nil {
		return "", err
	}
	path := filepath.Join(t.opts.OutDir, fmt.Sprintf("ckpt-%06d.ckpt", iteration))
	if err := WriteCheckpoint(path, c); err != nil {
		return "", err
	}
	return path, nil
}

// batch returns the sample order of update step: every sample for full-batch
// training, else a slice of the epoch's permutation. The permutation is a
// function of the seed and the epoch alone, so resumed runs replay it.
func (t *Trainer) batch(step int, full []int32) []int32 {
	b := t.cfg.BatchSize
	if b == 0 {
		return full
	}
	n := len(t.perm)
	perEpoch := (n + b - 1) / b
	epoch, pos := step/perEpoch, step%perEpoch
	if epoch != t.permEpoch {
		copy(t.perm, full)
		t.shuffler.Seed(t.cfg.Seed, uint64(epoch)+1)
		t.rng.Shuffle(n, func(i, j int) { t.perm[i], t.perm[j] = t.perm[j], t.perm[i] })
		t.permEpoch = epoch
	}
	return t.perm[pos*b : min((pos+1)*b, n)]
}

// Run trains until cfg.Iterations updates have been applied, the context is
// cancelled (an *InterruptedError, after a checkpoint), training diverges (a
// *DivergedError) or early stopping triggers.
func (t *Trainer) Run(ctx context.Context) (*Result, error) {
	cfg := t.cfg
	total := cfg.Iterations
	engine, err := NewEngine(t.model, t.data.Train, cfg.Workers, cfg.MicroShards, cfg.Deterministic)
	if err != nil {
		return nil, err
	}
	engine.faults = t.faults
	engine.Start(ctx)
	defer engine.Close()

	full := identity(t.data.Train.N)
	if cfg.BatchSize == 0 {
		// Every iteration takes the whole set in the same order.
		if err := engine.Fix(full); err != nil {
			return nil, err
		}
	}
	times := make([]time.Duration, 0, total-t.start)
	progress := newProgress(t.opts.Progress, t.start, total)
	evalEvery := cfg.EvalEvery
	if evalEvery == 0 {
		evalEvery = cfg.LogEvery
	}
	var (
		validator     *evaluator
		best          = -1.0
		bestParams    *netcore.Params
		sinceBest     int
		stoppedEarly  bool
		lastCost      float64
		began         = time.Now()
		lastLogAt     = began
		lastLogAtStep = t.start
	)
	if t.data.Validation != nil {
		validator = newEvaluator(t.model, t.data.Validation)
	}

	// Step keeps the model in step with the parameters from here on.
	t.refreshModel()
	step := t.start
	for step < total {
		if ctx.Err() != nil {
			return nil, t.interrupted(ctx, step)
		}
		batch := t.batch(step, full)
		tick := time.Now()
		cost, tensor, err := engine.Step(batch, t.params, t.opt, step+1, LearningRate(cfg, step, total))
		if err != nil {
			if ctx.Err() != nil {
				return nil, t.interrupted(ctx, step)
			}
			return nil, err
		}
		if tensor != "" {
			return nil, &DivergedError{Iteration: step, Tensor: tensor}
		}
		times = append(times, time.Since(tick))
		lastCost = cost

		if step%cfg.LogEvery == 0 || step == total-1 {
			t.cost = append(t.cost, CostPoint{Iteration: step, Cost: cost})
			now := time.Now()
			progress.clear()
			t.log.Info("cost",
				zap.Int("iteration", step),
				zap.Float64("cost", cost),
				zap.Duration("elapsed", now.Sub(began).Round(time.Millisecond)),
				zap.Float64("ms_per_iteration", msPer(now.Sub(lastLogAt), step+1-lastLogAtStep)))
			lastLogAt, lastLogAtStep = now, step+1
		}
		step++
		progress.update(step, cost)

		if validator != nil && (step%evalEvery == 0 || step == total) {
			acc := validator.accuracy()
			t.valid = append(t.valid, AccuracyPoint{Iteration: step, Accuracy: acc})
			progress.clear()
			t.log.Info("validation", zap.Int("iteration", step), zap.Float64("accuracy", acc))
			if acc > best {
				best, sinceBest = acc, 0
				if cfg.EarlyStopping > 0 {
					bestParams = t.params.Clone()
				}
			} else if sinceBest++; cfg.EarlyStopping > 0 && sinceBest >= cfg.EarlyStopping {
				t.log.Info("early stopping", zap.Int("iteration", step), zap.Float64("best_accuracy", best))
				_ = t.params.CopyFrom(bestParams)
				t.refreshModel()
				stoppedEarly = true
				break
			}
		}
		if cfg.CheckpointEvery > 0 && step%cfg.CheckpointEvery == 0 && step < total {
			path, err := t.saveCheckpoint(step)
			if err != nil {
				return nil, err
			}
			progress.clear()
			t.log.Info("checkpoint", zap.Int("iteration", step), zap.String("path", path))
		}
	}
	training := time.Since(began)
	progress.clear()
	if err := engine.Close(); err != nil && ctx.Err() == nil {
		return nil, err
	}
	return &Result{
		Params:         t.params,
		Activation:     t.act,
		Iterations:     step,
		Cost:           t.cost,
		FinalCost:      lastCost,
		Validation:     t.valid,
		Training:       training,
		IterationTimes: times,
		StoppedEarly:   stoppedEarly,
	}, nil
}

// refreshModel copies the current parameters into the kernels' model.
func (t *Trainer) refreshModel() { t.model.Load(t.params.W1, t.params.B1, t.params.W2, t.params.B2) }

// interrupted saves a checkpoint after the last completed iteration and
// describes the stop.
func (t *Trainer) interrupted(ctx context.Context, step int) error {
	path, err := t.saveCheckpoint(step)
	if err != nil {
		return errors.Join(context.Cause(ctx), err)
	}
	return &InterruptedError{Iteration: step, Checkpoint: path, Cause: context.Cause(ctx)}
}

// msPer is d spread over n iterations, in milliseconds rounded to the
// microsecond, which is all a clock read once per log line can tell.
func msPer(d time.Duration, n int) float64 {
	return math.Round(float64(d)/float64(max(1, n))/1e3) / 1e3
}
