// Package trainer trains the seed network data-parallel: worker goroutines
// compute partial gradients of fixed micro-shards of each batch, the
// partials are added exactly, so that the order of the additions does not
// matter, and one update per iteration is applied: the parameters are
// bitwise the same for every worker and process count. A [Trainer] runs a [Config] over [Data], logging, timing and
// handing out checkpoints; the [Engine] underneath computes the steps.
//
// The package takes plain values: it reads no configuration files and
// writes no files. Checkpoints go to the caller through
// [Options.Checkpoint].
package trainer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
)

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

// AccuracyPoint is the validation accuracy after an iteration.
type AccuracyPoint struct {
	Iteration int     `json:"iteration"`
	Accuracy  float64 `json:"accuracy"`
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
	// IterationTimes holds each of its iterations, and Communication the
	// part of them spent summing across processes (see Collective).
	Training       time.Duration
	IterationTimes []time.Duration
	Communication  time.Duration
	StoppedEarly   bool
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
// its state was handed to Options.Checkpoint.
type InterruptedError struct {
	Iteration  int    // updates applied before stopping
	Checkpoint string // where they were saved, "" if nowhere
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
// previous iteration and any checkpoint already taken are left as they were.
type DivergedError struct {
	Iteration int
	Tensor    string // "cost", "dW1", "db1", "dW2" or "db2"
}

func (e *DivergedError) Error() string {
	return fmt.Sprintf("trainer: training diverged at iteration %d: %s is not finite", e.Iteration, e.Tensor)
}

// Trainer runs one training configuration over one data set.
type Trainer struct {
	cfg   Config
	data  *Data
	opts  Options
	log   *zap.Logger
	model *kernel.Model
	// params and the optimizer's state are in the model's flat layout;
	// the post's row-major layout appears only in checkpoints and results.
	params []float64
	opt    Optimizer
	start  int // first iteration to run (non-zero when resuming)
	cost   []CostPoint
	valid  []AccuracyPoint
	order  *batchOrder // nil for full-batch training

	faults func(microShard int) // test hook handed to the engine
}

// New prepares a run: parameters initialised from cfg.Seed (or restored from
// opts.Resume), the optimizer, and the kernels' model.
func New(cfg Config, data *Data, opts Options) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := data.Train.Len()
	if cfg.BatchSize > n {
		return nil, fmt.Errorf("trainer: a batch of %d images, want at most the %d training images", cfg.BatchSize, n)
	}
	if cfg.Workers > n {
		return nil, fmt.Errorf("trainer: %d workers, want at most the %d training images", cfg.Workers, n)
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	model, err := kernel.NewModel(data.Train.Dim(), cfg.Hidden, data.Classes, kernel.Activation(cfg.Activation), float32(cfg.PixelScale))
	if err != nil {
		return nil, err // kernel's error names the shape
	}
	t := &Trainer{cfg: cfg, data: data, opts: opts, log: opts.Logger, model: model,
		params: make([]float64, model.FlatLen()), opt: cfg.Rule.NewOptimizer(model.FlatLen())}
	if opts.Resume != nil {
		if err := t.restore(opts.Resume); err != nil {
			return nil, err
		}
	} else {
		p, err := netcore.NewParams(t.shape())
		if err != nil {
			return nil, err // netcore's error names the shape
		}
		p.Init(cfg.Init, cfg.InitScale, rand.New(rand.NewPCG(cfg.Seed, 0x5eed)))
		model.FromRowMajor(t.params, p.Data)
	}
	model.Load(t.params, 0, len(t.params))
	if cfg.BatchSize > 0 {
		t.order = newBatchOrder(n, cfg.BatchSize, cfg.Seed)
	}
	return t, nil
}

// shape is the network's shape in netcore's terms.
func (t *Trainer) shape() netcore.Shape {
	return netcore.Shape{Inputs: t.model.Inputs(), Hidden: t.model.Hidden(), Outputs: t.model.Outputs()}
}

// checkpointState is what a checkpoint's Extra blob holds beyond the
// parameters: the history a resumed run carries on.
type checkpointState struct {
	Cost       []CostPoint     `json:"cost"`
	Validation []AccuracyPoint `json:"validation,omitempty"`
}

func (t *Trainer) restore(c *netcore.Checkpoint) error {
	if shape := t.shape(); c.Params.Shape != shape {
		return fmt.Errorf("trainer: resume: checkpoint holds a %v network, the configuration asks for %v", c.Params.Shape, shape)
	}
	if c.Activation != t.cfg.Activation {
		return fmt.Errorf("trainer: resume: checkpoint uses activation %v, the configuration asks for %v", c.Activation, t.cfg.Activation)
	}
	if c.Iteration < 0 || c.Iteration > int64(t.cfg.Iterations) {
		return fmt.Errorf("trainer: resume: checkpoint is at iteration %d, want at most the %d iterations of the run", c.Iteration, t.cfg.Iterations)
	}
	t.model.FromRowMajor(t.params, c.Params.Data)
	for name, buf := range t.opt.State() {
		saved, ok := c.State[name]
		if !ok {
			return fmt.Errorf("trainer: resume: checkpoint has no %q state for the update rule", name)
		}
		t.model.FromRowMajor(buf, saved)
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

// rowMajor returns a copy of flat, in the model's flat layout, as
// parameters of the network's shape in the post's row-major layout.
func (t *Trainer) rowMajor(flat []float64) *netcore.Params {
	p, _ := netcore.NewParams(t.shape()) // the shape made the model
	t.model.ToRowMajor(p.Data, flat)
	return p
}

// Params returns a copy of the current parameters.
func (t *Trainer) Params() *netcore.Params { return t.rowMajor(t.params) }

// Checkpoint returns the current state as a checkpoint after iteration. Its
// Config is left empty for the caller, who knows the configuration's
// encoding.
func (t *Trainer) Checkpoint(iteration int) (*netcore.Checkpoint, error) {
	extra, err := json.Marshal(checkpointState{Cost: t.cost, Validation: t.valid})
	if err != nil {
		return nil, fmt.Errorf("trainer: encode history: %w", err)
	}
	state := map[string][]float64{}
	for name, buf := range t.opt.State() {
		state[name] = t.rowMajor(buf).Data
	}
	return &netcore.Checkpoint{
		Activation: t.cfg.Activation,
		Iteration:  int64(iteration),
		Params:     t.Params(),
		State:      state,
		Extra:      extra,
	}, nil
}

// saveCheckpoint hands the state after iteration to Options.Checkpoint and
// returns where it went.
func (t *Trainer) saveCheckpoint(iteration int) (string, error) {
	if t.opts.Checkpoint == nil {
		return "", nil
	}
	c, err := t.Checkpoint(iteration)
	if err != nil {
		return "", err
	}
	return t.opts.Checkpoint(c)
}

// Run trains until cfg.Iterations updates have been applied, the context is
// cancelled (an *InterruptedError, after a checkpoint), training diverges (a
// *DivergedError) or early stopping triggers.
func (t *Trainer) Run(ctx context.Context) (*Result, error) {
	cfg := t.cfg
	total := cfg.Iterations
	full := identity(t.data.Train.Len())
	eo := EngineOptions{
		Workers:          cfg.Workers,
		MicroShards:      cfg.MicroShards,
		Nondeterministic: cfg.Nondeterministic,
		Collective:       t.opts.Collective,
		Timeline:         t.opts.Timeline,
	}
	if cfg.BatchSize == 0 {
		// Every iteration takes the whole set in the same order.
		eo.Fixed = full
	}
	engine, err := NewEngine(ctx, t.model, t.data.Train, eo)
	if err != nil {
		return nil, err
	}
	engine.grads.faults = t.faults
	defer engine.Close()
	times := make([]time.Duration, 0, total-t.start)
	progress := newProgress(t.opts.Progress, t.start, total)
	evalEvery := cfg.EvalEvery
	if evalEvery == 0 {
		evalEvery = cfg.LogEvery
	}
	var (
		validator     *evaluator
		best          = -1.0
		bestParams    []float64
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

	step := t.start
	for step < total {
		// Alone, a process stops between steps; joined to others, it asks
		// them in the step's sum (see Engine.Step).
		if t.opts.Collective == nil && ctx.Err() != nil {
			return nil, t.interrupted(ctx, step)
		}
		batch := full
		if t.order != nil {
			batch = t.order.batch(step, full)
		}
		tick := time.Now()
		cost, tensor, err := engine.Step(ctx, batch, t.params, t.opt, step+1, cfg.LearningRate.Rate(step, total))
		if err != nil {
			// A panic may have left the parameters half updated: no
			// checkpoint of them, even if the run was also cancelled.
			if !errors.Is(err, errPanic) && (ctx.Err() != nil || errors.Is(err, errStop)) {
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
					bestParams = append(bestParams[:0], t.params...)
				}
			} else if sinceBest++; cfg.EarlyStopping > 0 && sinceBest >= cfg.EarlyStopping {
				t.log.Info("early stopping", zap.Int("iteration", step), zap.Float64("best_accuracy", best))
				copy(t.params, bestParams)
				t.model.Load(t.params, 0, len(t.params))
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
		Params:         t.Params(),
		Activation:     cfg.Activation,
		Iterations:     step,
		Cost:           t.cost,
		FinalCost:      lastCost,
		Validation:     t.valid,
		Training:       training,
		IterationTimes: times,
		Communication:  engine.Communication(),
		StoppedEarly:   stoppedEarly,
	}, nil
}

// interrupted takes a checkpoint after the last completed iteration and
// describes the stop.
func (t *Trainer) interrupted(ctx context.Context, step int) error {
	cause := context.Cause(ctx)
	if cause == nil {
		cause = ErrPeerStopped
	}
	path, err := t.saveCheckpoint(step)
	if err != nil {
		return errors.Join(cause, err)
	}
	return &InterruptedError{Iteration: step, Checkpoint: path, Cause: cause}
}

// msPer is d spread over n iterations, in milliseconds rounded to the
// microsecond, which is all a clock read once per log line can tell.
func msPer(d time.Duration, n int) float64 {
	return math.Round(float64(d)/float64(max(1, n))/1e3) / 1e3
}
