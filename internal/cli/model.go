package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"go.uber.org/zap"

	"github.com/shardnet/shardnet/internal/config"
	"github.com/shardnet/shardnet/internal/export"
	"github.com/shardnet/shardnet/internal/fetch"
	"github.com/shardnet/shardnet/internal/output"
	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
	"github.com/shardnet/shardnet/trainer"
)

// readCheckpoint loads the checkpoint at path. Its errors name the file and
// are usage errors (exit 2).
func readCheckpoint(path string) (*netcore.Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("read checkpoint: %w", err)
	}
	defer f.Close()
	c, err := netcore.ReadCheckpoint(f, 0)
	if err != nil {
		return nil, usagef("read checkpoint %s: %w", path, err)
	}
	return c, nil
}

// loadModel reads a checkpoint and the configuration embedded in it.
func loadModel(path string) (*netcore.Checkpoint, config.Config, error) {
	ck, err := readCheckpoint(path)
	if err != nil {
		return nil, config.Config{}, err
	}
	cfg := config.Default()
	if err := cfg.Decode(bytes.NewReader(ck.Config), embeddedName(path)); err != nil {
		return nil, cfg, usage(err)
	}
	return ck, cfg, nil
}

// trainedOn is the data set the checkpoint ck, with the embedded
// configuration cfg, was trained on: its record, or for a version-1
// checkpoint, which has none, the configuration's name alone.
func trainedOn(ck *netcore.Checkpoint, cfg config.Config) netcore.Dataset {
	if ck.Dataset.Name != "" {
		return ck.Dataset
	}
	return netcore.Dataset{Name: cfg.Dataset}
}

// runEval implements 'shardnet eval'.
func runEval(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("eval", "--model FILE [--data-dir DIR] [--out DIR] [--probabilities FILE]", env)
	modelPath := fs.String("model", "", "checkpoint `file` to evaluate (required)")
	dataDir := fs.String("data-dir", "", "`directory` holding the test files (default: located as train does)")
	outDir := fs.String("out", "", "`directory` for confusion.png and misclassified.png (default: the model file's directory)")
	noFetch := fs.Bool("no-fetch", false, "never download data")
	force := fs.Bool("force", false, "evaluate even on another data set than the model was trained on")
	probsPath := fs.String("probabilities", "", "also write the model's class probabilities for every test image to this `file`, a NumPy .npy array (float64, images×classes)")
	logFormat := logFormatFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *modelPath == "" {
		return usagef("eval: --model FILE is required")
	}
	if err := noArguments(fs); err != nil {
		return err
	}
	ck, cfg, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	// Everything eval writes is checked before the data is read.
	reportDir := *outDir
	if reportDir == "" {
		reportDir = filepath.Dir(*modelPath)
	}
	reportDir, unmake, err := makeOutputDir(reportDir, "")
	if err != nil {
		return err
	}
	defer unmake()
	if err := probeDir("eval: --out", reportDir); err != nil {
		return err
	}
	if *probsPath != "" {
		if err := probeOutputFile("eval: --probabilities", *probsPath); err != nil {
			return err
		}
	}
	log, err := newLogger(*logFormat, env.Stderr)
	if err != nil {
		return err
	}
	defer log.Sync()
	dir := cfg.DataDir
	if *dataDir != "" {
		dir = *dataDir
	}
	testSet, foundIn, err := loadTestSet(ctx, cfg.Dataset, dir, *noFetch, log, env)
	if err != nil {
		return err
	}
	if !*force {
		digest, err := testImagesDigest(testSet.Images)
		if err != nil {
			return err
		}
		if err := checkTrainedOn("eval", *modelPath, trainedOn(ck, cfg), foundIn, digest); err != nil {
			return err
		}
	}
	test, err := trainer.Samples(testSet, 0, testSet.Len())
	if err != nil {
		return usage(err)
	}
	ev, err := trainer.Evaluate(ck.Params, ck.Activation, float64(cfg.PixelScale), test)
	if err != nil {
		return usage(err)
	}
	precision, recall := ev.PrecisionRecall()
	fmt.Fprint(env.Stdout, confusionText(ev.Confusion))
	fmt.Fprintln(env.Stdout, "class  precision  recall")
	for c := range precision {
		fmt.Fprintf(env.Stdout, "%5d  %9.4f  %6.4f\n", c, precision[c], recall[c])
	}
	fmt.Fprintf(env.Stdout, "test accuracy: %.4f\n", ev.Accuracy)

	// The kernels' model, for the mistakes' and the probabilities' softmax
	// outputs, computed as 'shardnet predict' computes them.
	m, err := trainer.NewModel(ck.Params, ck.Activation, float32(cfg.PixelScale))
	if err != nil {
		return usage(err)
	}
	if err := evalReports(reportDir, *modelPath, m, float32(cfg.PixelScale), testSet, ev); err != nil {
		return err
	}
	if *probsPath != "" {
		if err := writeProbabilities(*probsPath, m, float32(cfg.PixelScale), testSet); err != nil {
			return err
		}
	}
	if *logFormat == "json" {
		// Keep stderr all JSON for whoever parses it.
		log.Info("reports written", zap.String("dir", reportDir), zap.Strings("files", []string{"confusion.png", "misclassified.png"}))
	} else {
		fmt.Fprintf(env.Stderr, "wrote confusion.png and misclassified.png to %s\n", reportDir)
	}
	if *probsPath != "" {
		if *logFormat == "json" {
			log.Info("probabilities written", zap.String("file", *probsPath), zap.Int("images", testSet.Len()))
		} else {
			fmt.Fprintf(env.Stderr, "wrote the probabilities of %d images to %s\n", testSet.Len(), *probsPath)
		}
	}
	return nil
}

// writeProbabilities writes to path, as a .npy array of images×classes
// float64, the softmax output of m for every image of test.
func writeProbabilities(path string, m *kernel.Model, pixelScale float32, test *shard.Set) error {
	n, classes := test.Len(), m.Outputs()
	probs := make([]float64, n*classes)
	pixels := make([]float32, m.Inputs())
	ws := kernel.NewScratch(m)
	for i := range n {
		probabilities(m, probs[i*classes:(i+1)*classes], test.Images.Image(i), pixelScale, pixels, ws)
	}
	if err := output.WriteFile(path, func(w io.Writer) error { return export.WriteNPY(w, probs, n, classes) }); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	return nil
}

// worstMistakes is how many misclassified images the eval report shows.
const worstMistakes = 36

// evalReports draws the confusion matrix and the most confident mistakes of
// an evaluation into dir, which is created if needed; m is the evaluated
// network's kernel model.
func evalReports(dir, modelPath string, m *kernel.Model, pixelScale float32, test *shard.Set, ev *trainer.Evaluation) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	worst, err := mistakes(m, pixelScale, test, ev.Predictions, worstMistakes)
	if err != nil {
		return err
	}
	wrong := 0
	for t, row := range ev.Confusion {
		for p, n := range row {
			if t != p {
				wrong += n
			}
		}
	}
	name := filepath.Base(modelPath)
	if err := output.Confusion(filepath.Join(dir, "confusion.png"), ev.Confusion,
		fmt.Sprintf("%s: test accuracy %.4f", name, ev.Accuracy)); err != nil {
		return err
	}
	return output.Misclassified(filepath.Join(dir, "misclassified.png"), worst,
		fmt.Sprintf("%s: the %d most confident of %d mistakes", name, len(worst), wrong))
}

// confusionText formats a confusion matrix with true labels as rows.
func confusionText(confusion [][]int) string {
	var b strings.Builder
	b.WriteString("confusion matrix (rows: true label, columns: predicted)\n     ")
	for c := range confusion {
		fmt.Fprintf(&b, "%6d", c)
	}
	b.WriteByte('\n')
	for r, row := range confusion {
		fmt.Fprintf(&b, "%5d", r)
		for _, n := range row {
			fmt.Fprintf(&b, "%6d", n)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// runInspect implements 'shardnet inspect'.
func runInspect(args []string, env Env) error {
	fs := newFlagSet("inspect", "--model FILE", env)
	modelPath := fs.String("model", "", "checkpoint `file` (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *modelPath == "" {
		return usagef("inspect: --model FILE is required")
	}
	if err := noArguments(fs); err != nil {
		return err
	}
	ck, cfg, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	w := env.Stdout
	fmt.Fprintf(w, "file: %s\n", *modelPath)
	fmt.Fprintf(w, "network: %v (%d parameters)\n", ck.Params.Shape, ck.Params.Shape.Len())
	fmt.Fprintf(w, "activation: %v\n", ck.Activation)
	fmt.Fprintf(w, "iteration: %d of %d\n", ck.Iteration, cfg.Iterations)
	names := make([]string, 0, len(ck.State))
	for name := range ck.State {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		fmt.Fprintf(w, "optimizer: %s\n", cfg.Optimizer)
	} else {
		fmt.Fprintf(w, "optimizer: %s (state: %s)\n", cfg.Optimizer, strings.Join(names, ", "))
	}
	if ds := trainedOn(ck, cfg); ck.Dataset.Digest != "" {
		fmt.Fprintf(w, "dataset: %s (test images sha256 %s)\n", ds.Name, ds.Digest)
	} else {
		fmt.Fprintf(w, "dataset: %s (no digest: a version-1 checkpoint)\n", ds.Name)
	}
	fmt.Fprintf(w, "config:\n")
	for _, line := range bytes.Split(bytes.TrimSpace(ck.Config), []byte("\n")) {
		fmt.Fprintf(w, "  %s\n", line)
	}
	fmt.Fprintf(w, "params sha256: %s\n", ck.Params.Digest())
	return nil
}

// runFetch implements 'shardnet fetch'.
func runFetch(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("fetch", "[--dataset mnist|fashion-mnist] [--dir DIR]", env)
	dataset := fs.String("dataset", "mnist", "`name` of the data set: mnist or fashion-mnist")
	dir := fs.String("dir", "", "destination `directory` (default: the user cache directory, shardnet/<dataset>)")
	logFormat := logFormatFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArguments(fs); err != nil {
		return err
	}
	if *dataset != "mnist" && *dataset != "fashion-mnist" {
		return usagef("fetch: --dataset: want mnist or fashion-mnist, found %q", *dataset)
	}
	log, err := newLogger(*logFormat, env.Stderr)
	if err != nil {
		return err
	}
	defer log.Sync()
	if *dir == "" {
		if *dir, err = fetch.CacheDir(*dataset); err != nil {
			return err
		}
	}
	if err := fetch.Fetch(ctx, *dataset, *dir, log); err != nil {
		if ctx.Err() != nil {
			// Main exits 130 or 143 for the signal; the line says why.
			return fmt.Errorf("fetch %s: interrupted (%v); files already verified stay in %s", *dataset, context.Cause(ctx), *dir)
		}
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: %s\n", *dataset, *dir)
	return nil
}

// versionLine names the build: module version, Go version and platform.
func versionLine() string {
	version := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	return fmt.Sprintf("shardnet %s %s %s/%s", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
