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
	resume := fs.String("resume", "", "continue from this checkpoint `file` up to iterations in total")
	logFormat := logFormatFlag(fs)
	overrides := config.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArguments(fs); err != nil {
		return err
	}
	cfg := config.Default()
	// configFile names where the configuration came from, for errors about
	// its values: the --config file, the checkpoint's embedded one, or
	// neither ("") for the defaults.
	configFile := *configPath
	if *configPath != "" {
		var err error
		if cfg, err = config.Load(*configPath); err != nil {
			return usage(err)
		}
	}
	var opts trainer.Options
	if *resume != "" {
		ck, err := trainer.ReadCheckpoint(*resume)
		if err != nil {
			return usage(err)
		}
		if *configPath == "" {
			// The checkpoint's own configuration, so that a resumed run
			// continues the same run unless told otherwise.
			configFile = embeddedName(*resume)
			if err := cfg.Decode(bytes.NewReader(ck.Config), configFile); err != nil {
				return usage(err)
			}
		}
		opts.Resume = ck
	}
	if err := overrides.Apply(&cfg); err != nil {
		return usage(err)
	}
	if err := cfg.Validate(); err != nil {
		return usage(blame(err, keySource(overrides.Has, configFile)))
	}
	log, err := newLogger(*logFormat, env.Stderr)
	if err != nil {
		return err
	}
	defer log.Sync()

	ds, dataDir, err := loadDataset(ctx, cfg.Dataset, cfg.DataDir, *noFetch, log, env)
	if err != nil {
		return err
	}
	data, err := trainer.NewData(ds.Train, cfg.Validation)
	if err != nil {
		return usage(err)
	}
	if *outDir, err = outputDir(*outDir, ""); err != nil {
		return err
	}
	opts.Logger, opts.OutDir = log, *outDir
	if env.Terminal {
		opts.Progress = env.Stderr
	}
	tr, err := trainer.New(cfg, data, opts)
	if err != nil {
		return usage(err)
	}
	log.Info("training",
		zap.String("network", fmt.Sprintf("%d-%d-%d", data.Train.Dim, cfg.Hidden, trainer.Classes)),
		zap.Int("samples", data.Train.N), zap.Int("iterations", cfg.Iterations), zap.Int("workers", cfg.Workers),
		zap.Float64("learning_rate", cfg.LearningRate), zap.String("optimizer", cfg.Optimizer),
		zap.Int("batch_size", cfg.BatchSize), zap.String("kernel", kernel.Path()), zap.String("out", *outDir))
	res, err := tr.Run(ctx)
	if err != nil {
		var interrupted *trainer.InterruptedError
		if errors.As(err, &interrupted) && interrupted.Checkpoint != "" {
			log.Warn("interrupted; resume with --resume", zap.Int("iteration", interrupted.Iteration), zap.String("checkpoint", interrupted.Checkpoint))
		}
		return err
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
	modelPath := filepath.Join(*outDir, "model.ckpt")
	if err := trainer.WriteCheckpoint(modelPath, ck); err != nil {
		return err
	}
	if err := trainer.PlotCost(filepath.Join(*outDir, "cost.png"),
		fmt.Sprintf("%s %d-%d-%d, learning rate %g", cfg.Dataset, data.Train.Dim, cfg.Hidden, trainer.Classes, cfg.LearningRate), res.Cost); err != nil {
		return fmt.Errorf("plot cost: %w", err)
	}
	m := &trainer.Metrics{
		TestAccuracy:    ev.Accuracy,
		TrainCostFinal:  res.FinalCost,
		Iterations:      res.Iterations,
		Workers:         cfg.Workers,
		Hidden:          cfg.Hidden,
		LearningRate:    cfg.LearningRate,
		SecondsTraining: res.Training.Seconds(),
		MsPerIteration:  res.MedianIterationMillis(),
		Cost:            res.Cost,
		Validation:      res.Validation,
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
	if opts.Resume != nil {
		m.ResumedFrom = int(opts.Resume.Iteration)
	}
	m.SecondsTotal = time.Since(began).Seconds()
	if err := trainer.WriteMetrics(filepath.Join(*outDir, "metrics.json"), m); err != nil {
		return err
	}
	log.Info("done", zap.String("data", dataDir), zap.String("model", modelPath),
		zap.Float64("seconds_training", round(m.SecondsTraining, 3)), zap.Float64("ms_per_iteration", round(m.MsPerIteration, 3)),
		zap.Float64("test_accuracy", ev.Accuracy))
	fmt.Fprintf(env.Stdout, "model: %s\n", modelPath)
	fmt.Fprintf(env.Stdout, "test accuracy: %.4f\n", ev.Accuracy)
	return nil
}

// round rounds x to the given number of decimal places, for log lines: a
// timing's last digits are noise, and float64's longest forms hide the rest.
func round(x float64, places int) float64 {
	scale := math.Pow(10, float64(places))
	return math.Round(x*scale) / scale
}
