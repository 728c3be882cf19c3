package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/shardnet/shardnet/internal/digit"
	"github.com/shardnet/shardnet/internal/fetch"
	"github.com/shardnet/shardnet/netcore"
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
		saturated := saturatedFraction(ck.Params, ck.Activation, float64(cfg.PixelScale), raw)
		if err := printPrediction(env, file, probs, saturated, *asJSON); err != nil {
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
	// Saturated says that the probabilities say little: most hidden units
	// sit at a bound of their sigmoid or tanh for this image, so that the
	// output is confident whatever the image (the seed network on raw
	// pixels, say); SaturatedFraction is the fraction of those units.
	Saturated         bool    `json:"saturated"`
	SaturatedFraction float64 `json:"saturated_fraction"`
}

// Saturation: a sigmoid or tanh unit within saturationMargin of a bound
// passes on hardly more than on or off, and an image for which at least
// saturatedShare of the hidden units do is reported as saturated.
const (
	saturationMargin = 1e-3
	saturatedShare   = 0.9
)

// saturatedFraction returns the fraction of the hidden units of the network
// p with activation act that are saturated for the prepared image raw,
// pixels scaled by pixelScale: computed in float64 from p's first layer, as
// the reference does. ReLU units do not saturate.
func saturatedFraction(p *netcore.Params, act netcore.Activation, pixelScale float64, raw []uint8) float64 {
	if act == netcore.ReLU || p.Shape.Hidden == 0 {
		return 0
	}
	low := 0.0 // tanh's lower bound is -1
	if act == netcore.Tanh {
		low = -1
	}
	saturated := 0
	for j := range p.Shape.Hidden {
		z := p.B1[j]
		row := p.W1[j*p.Shape.Inputs : (j+1)*p.Shape.Inputs]
		for i, v := range raw {
			if v != 0 {
				z += row[i] * float64(v) * pixelScale
			}
		}
		if h := act.Eval(z); h-low < saturationMargin || 1-h < saturationMargin {
			saturated++
		}
	}
	return float64(saturated) / float64(p.Shape.Hidden)
}

// printPrediction writes the most likely class and all probabilities of one
// image: "FILE: 7 (p=0.9812)" and a line of class:probability pairs, or one
// JSON object.
func printPrediction(env Env, file string, probs []float64, saturated float64, asJSON bool) error {
	best := argmax(probs)
	if asJSON {
		b, err := json.Marshal(prediction{File: file, Digit: best, Probabilities: probs,
			Saturated: saturated >= saturatedShare, SaturatedFraction: saturated})
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
