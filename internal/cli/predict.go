package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/shardnet/shardnet/internal/digit"
	"github.com/shardnet/shardnet/internal/fetch"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/trainer"
)

// runPredict implements 'shardnet predict'.
func runPredict(ctx context.Context, args []string, env Env) error {
	fs := newFlagSet("predict", "--model FILE [--json] IMAGE...", env)
	modelPath := fs.String("model", "", "checkpoint `file` to classify with (required)")
	force := fs.Bool("force", false, "classify even with a model trained on another data set than MNIST's digits")
	asJSON := fs.Bool("json", false, "print one JSON object per image (keys file, digit, probabilities) instead of text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *modelPath == "" {
		return usagef("predict: --model FILE is required")
	}
	if fs.NArg() == 0 {
		return usagef("predict: no image given, want one or more PNG or JPEG files")
	}
	ck, cfg, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	if trained := trainedOn(ck, cfg); trained.Name != fetch.MNIST && !*force {
		return usagef("predict: %s was trained on %s, but predict classifies digits (mnist); pass --force to go on anyway", *modelPath, describeData(trained))
	}
	if in := ck.Params.Shape.Inputs; in != digit.Size*digit.Size {
		return usagef("predict: %s takes %d inputs, want %d (%dx%d images)", *modelPath, in, digit.Size*digit.Size, digit.Size, digit.Size)
	}
	scale := float32(cfg.PixelScale)
	m, err := trainer.NewModel(ck.Params, ck.Activation, scale)
	if err != nil {
		return usage(err)
	}
	ws := kernel.NewScratch(m)
	probs := make([]float64, m.Outputs())
	pixels := make([]float32, m.Inputs())
	var failed []error
	for _, file := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("predict: %w", context.Cause(ctx))
		}
		raw, err := prepareFile(file)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		probabilities(m, probs, raw, scale, pixels, ws)
		if err := printPrediction(env, file, probs, *asJSON); err != nil {
			return err
		}
	}
	if len(failed) == 0 {
		return nil
	}
	// Each bad file gets its own error line; Main prints the last one, so
	// that one bad file among many still yields exactly one line.
	for _, err := range failed[:len(failed)-1] {
		fmt.Fprintf(env.Stderr, "shardnet: %s\n", oneLine(err))
	}
	return usage(failed[len(failed)-1])
}

// prepareFile reads one image file and prepares it as MNIST's were.
func prepareFile(path string) ([]uint8, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	defer f.Close()
	raw, err := digit.Load(f, path)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	return raw, nil
}

// prediction is the JSON form of one classified image.
type prediction struct {
	File          string    `json:"file"`
	Digit         int       `json:"digit"`
	Probabilities []float64 `json:"probabilities"`
}

// printPrediction writes the most likely class and all probabilities of one
// image: "FILE: 7 (p=0.9812)" and a line of class:probability pairs, or one
// JSON object.
func printPrediction(env Env, file string, probs []float64, asJSON bool) error {
	best := argmax(probs)
	if asJSON {
		b, err := json.Marshal(prediction{File: file, Digit: best, Probabilities: probs})
		if err != nil {
			return fmt.Errorf("predict: %w", err)
		}
		_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
		return err
	}
	var line strings.Builder
	for c, p := range probs {
		fmt.Fprintf(&line, " %d:%.4f", c, p)
	}
	_, err := fmt.Fprintf(env.Stdout, "%s: %d (p=%.4f)\n %s\n", file, best, probs[best], line.String())
	return err
}
