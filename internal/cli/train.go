package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"time"

	"go.uber.org/zap"

	"github.com/shardnet/shardnet/internal/config"
	"github.com/shardnet/shardnet/internal/output"
	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/trainer"
)

// runTrain implements 'shardnet train'.
func runTrain(ctx context.Context, args []string, env Env) error {
	began := time.Now()
	fs := newFlagSet("train", "[--config FILE] [flags]", env)
	configPath := fs.String("config", "", "YAML configuration `file` (default: the built-in seed preset)")
	outDir := fs.String("out", "", "output `directory` for model.ckpt, metrics.json and cost.png (default runs/<timestamp>)")
	noFetch := fs.Bool("no-fetch", false, "never download data; fail if it is not found locally")
	resume := fs.String("resume", "", "continue from this checkpoint `file` up to iterations in total: it gives the parameters and the optimizer's state,\n"+
		"and, without --config, the configuration (flags still override it)")
	logFormat := logFormatFlag(fs)
	backend := backendFlag(fs)
	trace := fs.String("trace", "", traceFlag)
	overrides := config.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArguments(fs); err != nil {
		return err
	}
	j, err := openJob(*backend, flagGiven(fs, "backend"), env)
	if err != nil {
		return err
	}
	return j.finish(train(ctx, j, trainFlags{began, *configPath, *outDir, *noFetch, *resume, *logFormat, *trace, overrides}, env))
}

// trainFlags are train's own flags, as given.
type trainFlags struct {
	began     time.Time
	config    string
	out       string
	noFetch   bool
	resume    string
	logFormat string
	trace     string
	overrides *config.Overrides
}

// train is 'shardnet train' after its flags are parsed, as process j of the
// run.
func train(ctx context.Context, j *job, f trainFlags, env Env) error {
	// Before the checkpoint's broadcast, which only processes given
	// --resume make.
	if err := j.agree(launchFingerprint(f.resume, f.trace)); err != nil {
		return err
	}
	cfg := config.Default()
	// configFile names where the configuration came from, for errors about
	// its values: the --config file, the checkpoint's embedded one, or
	// neither ("") for the defaults.
	configFile := f.config
	if f.config != "" {
		var err error
		if cfg, err = config.Load(f.config); err != nil {
			return usage(err)
		}
	}
	var resumed *netcore.Checkpoint
	var resumedDigest string
	if f.resume != "" {
		ck, digest, err := j.readCheckpointOf(f.resume)
		if err != nil {
			return err
		}
		if f.config == "" {
			// The checkpoint's own configuration, so that a resumed run
			// continues the same run unless told otherwise.
			configFile = embeddedName(f.resume)
			if err := cfg.Decode(bytes.NewReader(ck.Config), configFile); err != nil {
				return usage(err)
			}
		}
		resumed, resumedDigest = ck, digest
	}
	if err := f.overrides.Apply(&cfg); err != nil {
		return usage(err)
	}
	source := keySource(f.overrides.Has, configFile)
	if err := cfg.Validate(); err != nil {
		return usage(blame(err, source))
	}
	tcfg, err := trainerConfig(cfg)
	if err != nil {
		return usage(err)
	}
	if resumed != nil && resumed.Iteration > int64(cfg.Iterations) {
		return usagef("resume: %s is at iteration %d, beyond iterations=%d; raise --iterations to continue it", f.resume, resumed.Iteration, cfg.Iterations)
	}
	embedded, err := cfg.Marshal()
	if err != nil {
		return err
	}
	log, err := newLogger(f.logFormat, env.Stderr)
	if err != nil {
		return err
	}
	defer log.Sync()
	env, log = j.quiet(env, log)
	if resumed != nil {
		// The checkpoint gives the parameters and the update rule's state,
		// and, without --config, the configuration too; flags still apply.
		takes := "parameters, optimizer state and configuration (flags override it)"
		if f.config != "" {
			takes = "parameters and optimizer state (configuration from " + f.config + ")"
		}
		log.Info(fmt.Sprintf("resuming at iteration %d from %s", resumed.Iteration, f.resume), zap.String("takes", takes))
	}
	if perJob := j.size() * cfg.Workers; cfg.Deterministic && cfg.MicroShards < perJob {
		log.Warn("fewer micro-shards than workers: some workers will idle; raise micro_shards to at least ranks × workers",
			zap.Int("micro_shards", cfg.MicroShards), zap.Int("ranks", j.size()), zap.Int("workers_per_rank", cfg.Workers))
	}

	if j.lead() {
		// Everything the run will write is checked before the data is read.
		var release func()
		if f.out, release, err = prepareOutputs(f.trace, f.out, "", log); err != nil {
			return err
		}
		defer release()
	}

	ds, dataDir, err := loadDataset(ctx, cfg.Dataset, cfg.DataDir, f.noFetch, log, env)
	if err != nil {
		return err
	}
	digest, err := testImagesDigest(ds.Test.Images)
	if err != nil {
		return err
	}
	if err := checkDatasetName(cfg.Dataset, dataDir, digest); err != nil {
		return err
	}
	// Every checkpoint names its data set, so that eval can tell another.
	trainedOn := netcore.Dataset{Name: cfg.Dataset, Digest: digest}
	if err := checkAgainstData(cfg, ds.Train.Len()); err != nil {
		return usage(blame(err, source))
	}
	data, err := trainer.NewData(ds.Train, cfg.Validation)
	if err != nil {
		return usage(err)
	}
	if j.comm != nil {
		digesting := time.Now()
		mine, err := runFingerprint(cfg, tcfg, ds, data.Train.Len(), j.size(), resumedDigest)
		if err != nil {
			return err
		}
		digested := time.Since(digesting) // the data's digests, mostly
		if err := j.agree(mine); err != nil {
			return err
		}
		// The exchange's time includes waiting for the slowest rank to
		// load its data.
		log.Info("the ranks agree", zap.Int("ranks", j.size()), zap.Int("keys", len(mine)+len(launchFingerprint("", ""))),
			zap.Float64("seconds_fingerprint", round(digested.Seconds(), 4)), zap.Float64("seconds_exchange", round(j.agreeing.Seconds(), 4)))
	}
	opts := trainer.Options{Logger: log, Resume: resumed, Collective: j.collective()}
	if f.trace != "" {
		opts.Timeline = trainer.NewTimeline()
	}
	if j.lead() {
		opts.Checkpoint = func(ck *netcore.Checkpoint) (string, error) {
			path := filepath.Join(f.out, fmt.Sprintf("ckpt-%06d.ckpt", ck.Iteration))
			ck.Config, ck.Dataset = embedded, trainedOn
			return path, output.WriteCheckpoint(path, ck)
		}
	}
	if env.Terminal {
		opts.Progress = env.Stderr
	}
	if env.Getenv(kernel.EnvKernel) == "" {
		// Every path computes one arithmetic, so the fastest for this
		// shape changes nothing but the time; where the CPU has one
		// assembly path, that is it, untimed.
		name, times := kernel.FastestPath(data.Train.Dim(), cfg.Hidden, data.Classes, kernel.Activation(tcfg.Activation), float32(tcfg.PixelScale))
		if err := kernel.SelectPath(name); err != nil {
			return err
		}
		if times != nil {
			ms := make(map[string]float64, len(times))
			for p, d := range times {
				ms[p] = round(d.Seconds()*1000, 3)
			}
			log.Info("kernel path timed", zap.String("kernel", name), zap.Any("ms_per_256_images", ms))
		}
	}
	tr, err := trainer.New(tcfg, data, opts)
	if err != nil {
		return usage(err)
	}
	network := fmt.Sprintf("%d-%d-%d", data.Train.Dim(), cfg.Hidden, data.Classes)
	log.Info("training",
		zap.String("network", network),
		zap.Int("samples", data.Train.Len()), zap.Int("iterations", cfg.Iterations), zap.Int("ranks", j.size()), zap.Int("workers", cfg.Workers),
		zap.Float64("learning_rate", cfg.LearningRate), zap.String("optimizer", cfg.Optimizer),
		zap.Int("batch_size", cfg.BatchSize), zap.String("kernel", kernel.Path()), zap.String("out", f.out))
	res, err := tr.Run(ctx)
	if err != nil {
		var interrupted *trainer.InterruptedError
		if errors.As(err, &interrupted) && interrupted.Checkpoint != "" {
			log.Warn("interrupted; resume with --resume", zap.Int("iteration", interrupted.Iteration), zap.String("checkpoint", interrupted.Checkpoint))
		}
		if errors.As(err, new(*trainer.DivergedError)) {
			return fmt.Errorf("%w; try a smaller learning_rate", err)
		}
		return err
	}

	var traced []output.TraceProcess
	if f.trace != "" {
		ranks, err := j.gatherSpans(opts.Timeline)
		if err != nil {
			return err
		}
		traced = rankTrace(ranks, cfg.Workers)
	}
	if !j.lead() {
		return nil // rank 0 evaluates and writes the outputs
	}
	test, err := trainer.Samples(ds.Test, 0, ds.Test.Len())
	if err != nil {
		return usage(err)
	}
	ev, err := trainer.Evaluate(res.Params, res.Activation, float64(cfg.PixelScale), test)
	if err != nil {
		return err
	}
	ck, err := tr.Checkpoint(res.Iterations)
	if err != nil {
		return err
	}
	ck.Config, ck.Dataset = embedded, trainedOn
	// The model goes first, since it is what a run is for; the other files
	// are then each tried, so that one failing write (a full disk, say)
	// loses as little as it can, and the error says where the model is.
	modelPath := filepath.Join(f.out, "model.ckpt")
	if err := output.WriteCheckpoint(modelPath, ck); err != nil {
		return fmt.Errorf("save the trained model: %w", err)
	}
	var failed []error
	cost := costPoints(res.Cost)
	if err := output.CostPlot(filepath.Join(f.out, "cost.png"),
		fmt.Sprintf("%s %s, learning rate %g", cfg.Dataset, network, cfg.LearningRate), cost); err != nil {
		failed = append(failed, err)
	}
	m := &output.Metrics{
		TestAccuracy:    ev.Accuracy,
		TrainCostFinal:  res.FinalCost,
		Iterations:      res.Iterations,
		Workers:         cfg.Workers,
		Ranks:           j.size(),
		WorkersPerRank:  cfg.Workers,
		SecondsComm:     res.Communication.Seconds(),
		Hidden:          cfg.Hidden,
		LearningRate:    cfg.LearningRate,
		SecondsTraining: res.Training.Seconds(),
		MsPerIteration:  res.MedianIterationMillis(),
		Cost:            cost,
		Validation:      accuracyPoints(res.Validation),
		Dataset:         cfg.Dataset,
		PixelScale:      float64(cfg.PixelScale),
		Activation:      cfg.Activation,
		Optimizer:       cfg.Optimizer,
		BatchSize:       cfg.BatchSize,
		Seed:            cfg.Seed,
		Deterministic:   cfg.Deterministic,
		StoppedEarly:    res.StoppedEarly,
		ParamsSHA256:    res.Params.Digest(),
		KernelPath:      kernel.Path(),
		GOMAXPROCS:      runtime.GOMAXPROCS(0),
		PeakRSSMB:       peakRSSMB(),
	}
	if resumed != nil {
		m.ResumedFrom = int(resumed.Iteration)
	}
	if traced != nil {
		if err := output.WriteTrace(f.trace, traced); err != nil {
			failed = append(failed, err)
		}
	}
	m.SecondsTotal = time.Since(f.began).Seconds()
	if err := output.WriteMetrics(filepath.Join(f.out, "metrics.json"), m); err != nil {
		failed = append(failed, err)
	}
	if len(failed) > 0 {
		fmt.Fprintf(env.Stdout, "model: %s\n", modelPath)
		return fmt.Errorf("%w (the model is saved in %s)", errors.Join(failed...), modelPath)
	}
	log.Info("done", zap.String("data", dataDir), zap.String("model", modelPath),
		zap.Float64("seconds_training", round(m.SecondsTraining, 3)), zap.Float64("ms_per_iteration", round(m.MsPerIteration, 3)),
		zap.Float64("test_accuracy", ev.Accuracy))
	fmt.Fprintf(env.Stdout, "model: %s\n", modelPath)
	fmt.Fprintf(env.Stdout, "test accuracy: %.4f\n", ev.Accuracy)
	return nil
}

// costPoints is the cost curve for metrics.json and cost.png.
func costPoints(cost []trainer.CostPoint) [][2]float64 {
	out := make([][2]float64, len(cost))
	for i, c := range cost {
		out[i] = [2]float64{float64(c.Iteration), c.Cost}
	}
	return out
}

// accuracyPoints is the validation curve for metrics.json.
func accuracyPoints(valid []trainer.AccuracyPoint) []output.AccuracyPoint {
	if valid == nil {
		return nil
	}
	out := make([]output.AccuracyPoint, len(valid))
	for i, v := range valid {
		out[i] = output.AccuracyPoint{Iteration: v.Iteration, Accuracy: v.Accuracy}
	}
	return out
}

// round rounds x to the given number of decimal places, for log lines: a
// timing's last digits are noise, and float64's longest forms hide the rest.
func round(x float64, places int) float64 {
	scale := math.Pow(10, float64(places))
	return math.Round(x*scale) / scale
}
