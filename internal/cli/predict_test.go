package cli_test

import (
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/cli"
	"github.com/shardnet/shardnet/internal/digit"
	"github.com/shardnet/shardnet/internal/output"
	"github.com/shardnet/shardnet/netcore"
)

// writeModel writes a checkpoint of a 784-16-10 network with random weights
// and the given activation, trained (as its embedded configuration says)
// with pixels scaled by 1/255.
func writeModel(t *testing.T, dir string, act netcore.Activation, inputs int) string {
	t.Helper()
	p, err := netcore.NewParams(netcore.Shape{Inputs: inputs, Hidden: 16, Outputs: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Large enough weights that the probabilities are far from uniform.
	p.Init(netcore.NormalInit, 0.3, rand.New(rand.NewPCG(uint64(act)+1, 7)))
	for i := range p.B2 {
		p.B2[i] = float64(i) / 10
	}
	cfg := "pixel_scale: 1/255\nhidden: 16\nactivation: " + act.String() + "\n"
	path := filepath.Join(dir, act.String()+".ckpt")
	if err := output.WriteCheckpoint(path, &netcore.Checkpoint{Activation: act, Config: []byte(cfg), Params: p}); err != nil {
		t.Fatal(err)
	}
	return path
}

// sevenPicture draws a thick "7" on w×h paper: dark on light, or light on
// dark.
func sevenPicture(w, h int, darkOnLight bool) *image.Gray {
	paper, ink := color.Gray{235}, color.Gray{25}
	if !darkOnLight {
		paper, ink = ink, paper
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	stroke := max(2, w/12)
	top, bottom := h/6, h-h/6
	draw.Draw(img, image.Rect(w/4, top, 3*w/4, top+stroke), image.NewUniform(ink), image.Point{}, draw.Src)
	// The diagonal, as a run of small squares.
	for y := top; y < bottom; y++ {
		x := 3*w/4 - (y-top)*(w/4)/(bottom-top) - stroke
		draw.Draw(img, image.Rect(x, y, x+stroke, y+1), image.NewUniform(ink), image.Point{}, draw.Src)
	}
	return img
}

// writeImage encodes img into dir/name as PNG or JPEG by the extension.
func writeImage(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	encode := png.Encode
	if strings.HasSuffix(name, ".jpg") {
		encode = func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: 90}) }
	}
	if err := encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// referenceProbabilities classifies the image file with the float64
// reference network of package netcore, independently of the command.
func referenceProbabilities(t *testing.T, model, file string) []float64 {
	t.Helper()
	ck := readCheckpointFile(t, model)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := digit.Decode(f, file)
	if err != nil {
		t.Fatal(err)
	}
	pix, err := digit.Prepare(img)
	if err != nil {
		t.Fatal(err)
	}
	yhat := netcore.Forward(ck.Params, ck.Activation, netcore.Inputs(pix, 1, len(pix), 1.0/255)).Yhat
	probs := make([]float64, 10)
	for c := range probs {
		probs[c] = yhat.At(c, 0)
	}
	return probs
}

func TestPredictJSON(t *testing.T) {
	dir := t.TempDir()
	images := []string{
		writeImage(t, dir, "photo.jpg", sevenPicture(200, 300, true)),
		writeImage(t, dir, "small.png", sevenPicture(50, 40, false)),
	}
	for _, act := range []netcore.Activation{netcore.Sigmoid, netcore.Tanh, netcore.ReLU} {
		t.Run(act.String(), func(t *testing.T) {
			model := writeModel(t, dir, act, 784)
			r := mustRun(t, append([]string{"predict", "--model", model, "--json"}, images...)...)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != len(images) {
				t.Fatalf("%d lines of output, want one per image:\n%s", len(lines), r.stdout)
			}
			for i, line := range lines {
				var obj map[string]json.RawMessage
				if err := json.Unmarshal([]byte(line), &obj); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				if len(obj) != 5 {
					t.Errorf("line %q: %d keys, want file, digit, probabilities, saturated and saturated_fraction", line, len(obj))
				}
				var got struct {
					File              string
					Digit             int
					Probabilities     []float64
					Saturated         bool
					SaturatedFraction float64 `json:"saturated_fraction"`
				}
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatal(err)
				}
				if got.File != images[i] || len(got.Probabilities) != 10 {
					t.Fatalf("line %q: want file %s and 10 probabilities", line, images[i])
				}
				if act == netcore.ReLU && (got.Saturated || got.SaturatedFraction != 0) {
					t.Errorf("line %q: a ReLU network reported saturated", line)
				}
				var sum float64
				best := 0
				for c, p := range got.Probabilities {
					sum += p
					if p > got.Probabilities[best] {
						best = c
					}
				}
				if math.Abs(sum-1) > 1e-6 || got.Digit != best {
					t.Errorf("line %q: probabilities sum to %v with the largest at %d; want 1 and digit %d", line, sum, best, got.Digit)
				}
				// The float32 kernel against the float64 reference forward pass.
				ref := referenceProbabilities(t, model, images[i])
				for c := range ref {
					if math.Abs(got.Probabilities[c]-ref[c]) > 1e-5 {
						t.Errorf("%s class %d: probability %v, reference %v", images[i], c, got.Probabilities[c], ref[c])
					}
				}
			}
		})
	}
}

// TestPredictSaturated gives predict a sigmoid network on raw 0-255
// pixels with weights as large as normalised pixels would want: nearly
// every hidden unit is at 0 or 1 for any image, a digit's included, and
// --json says so.
func TestPredictSaturated(t *testing.T) {
	dir := t.TempDir()
	p, err := netcore.NewParams(netcore.Shape{Inputs: 784, Hidden: 16, Outputs: 10})
	if err != nil {
		t.Fatal(err)
	}
	p.Init(netcore.NormalInit, 0.3, rand.New(rand.NewPCG(3, 7)))
	model := filepath.Join(dir, "raw.ckpt")
	if err := output.WriteCheckpoint(model, &netcore.Checkpoint{Config: []byte("pixel_scale: 1\nhidden: 16\n"), Params: p}); err != nil {
		t.Fatal(err)
	}
	img := writeImage(t, dir, "seven.png", sevenPicture(120, 90, true))
	r := mustRun(t, "predict", "--model", model, "--json", img)
	var got struct {
		Saturated         bool
		SaturatedFraction float64 `json:"saturated_fraction"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%q: %v", r.stdout, err)
	}
	if !got.Saturated || got.SaturatedFraction < 0.9 {
		t.Errorf("raw pixels through large sigmoid weights: saturated %v, fraction %v; want true and at least 0.9", got.Saturated, got.SaturatedFraction)
	}
	// The same weights on normalised pixels are not saturated.
	r = mustRun(t, "predict", "--model", writeModel(t, dir, netcore.Sigmoid, 784), "--json", img)
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%q: %v", r.stdout, err)
	}
	if got.Saturated || got.SaturatedFraction > 0.5 {
		t.Errorf("normalised pixels: saturated %v, fraction %v; want false and at most 0.5", got.Saturated, got.SaturatedFraction)
	}
}

// TestPredictPhoto classifies a photo of a phone's size, 8000x6000 pixels
// (48 megapixels), as a JPEG.
func TestPredictPhoto(t *testing.T) {
	if testing.Short() {
		t.Skip("long: encodes and decodes a 48-megapixel JPEG")
	}
	dir := t.TempDir()
	photo := writeImage(t, dir, "photo.jpg", sevenPicture(6000, 8000, true))
	model := writeModel(t, dir, netcore.ReLU, 784)
	r := mustRun(t, "predict", "--model", model, photo)
	if !strings.HasPrefix(r.stdout, photo+": ") {
		t.Errorf("predict printed %q, want a line for %s", r.stdout, photo)
	}
}

func TestPredictText(t *testing.T) {
	dir := t.TempDir()
	model := writeModel(t, dir, netcore.Sigmoid, 784)
	img := writeImage(t, dir, "seven.png", sevenPicture(120, 160, true))
	r := mustRun(t, "predict", "--model", model, img)
	head := regexp.MustCompile(`^` + regexp.QuoteMeta(img) + `: (\d) \(p=(0\.\d{4}|1\.0000)\)$`)
	probs := regexp.MustCompile(`^  0:\d\.\d{4} 1:\d\.\d{4} 2:\d\.\d{4} 3:\d\.\d{4} 4:\d\.\d{4} 5:\d\.\d{4} 6:\d\.\d{4} 7:\d\.\d{4} 8:\d\.\d{4} 9:\d\.\d{4}$`)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != 2 || !head.MatchString(lines[0]) || !probs.MatchString(lines[1]) {
		t.Errorf("output %q, want \"FILE: D (p=0.dddd)\" and a line of ten class:probability pairs", r.stdout)
	}
}

func TestPredictBadFiles(t *testing.T) {
	dir := t.TempDir()
	model := writeModel(t, dir, netcore.Sigmoid, 784)
	good := writeImage(t, dir, "good.png", sevenPicture(60, 80, true))
	blank := writeImage(t, dir, "blank.png", image.NewGray(image.Rect(0, 0, 30, 30)))
	gif := filepath.Join(dir, "photo.gif")
	if err := os.WriteFile(gif, []byte("GIF89a\x01\x00\x01\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.png")

	for _, tc := range []struct {
		name  string
		files []string
		want  []string // one error line each, in order
	}{
		{"gif", []string{good, gif}, []string{"photo.gif: unsupported image format gif, want PNG or JPEG"}},
		{"blank", []string{blank, good}, []string{"blank.png: no ink found"}},
		{"several", []string{gif, good, missing, blank}, []string{"photo.gif", "missing.png", "blank.png"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, append([]string{"predict", "--model", model}, tc.files...)...)
			if r.code != cli.ExitUsage {
				t.Errorf("exit %d, want %d", r.code, cli.ExitUsage)
			}
			if !strings.HasPrefix(r.stdout, good+": ") || strings.Count(r.stdout, "\n") != 2 {
				t.Errorf("stdout %q, want the good file's result alone", r.stdout)
			}
			if len(tc.want) == 1 {
				checkOneErrorLine(t, r)
			}
			errLines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			if len(errLines) != len(tc.want) {
				t.Fatalf("stderr %q, want %d error lines", r.stderr, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(errLines[i], "shardnet: predict: ") || !strings.Contains(errLines[i], w) {
					t.Errorf("error line %q, want \"shardnet: predict: ...\" containing %q", errLines[i], w)
				}
			}
		})
	}
}

func TestPredictUsage(t *testing.T) {
	dir := t.TempDir()
	model := writeModel(t, dir, netcore.Sigmoid, 784)
	small := filepath.Join(dir, "small")
	if err := os.Mkdir(small, 0o755); err != nil {
		t.Fatal(err)
	}
	model64 := writeModel(t, small, netcore.Sigmoid, 64)
	img := writeImage(t, dir, "seven.png", sevenPicture(60, 80, true))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no model", []string{"predict", img}, "--model FILE is required"},
		{"no image", []string{"predict", "--model", model}, "no image given"},
		{"missing model", []string{"predict", "--model", filepath.Join(dir, "none.ckpt"), img}, "none.ckpt"},
		{"not a model", []string{"predict", "--model", img, img}, "seven.png"},
		{"8x8 model", []string{"predict", "--model", model64, img}, "takes 64 inputs, want 784 (28x28 images)"},
		{"unknown flag", []string{"predict", "--jsn", "--model", model, img}, "-jsn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.args...)
			if r.code != cli.ExitUsage {
				t.Errorf("exit %d, want %d", r.code, cli.ExitUsage)
			}
			if line := checkOneErrorLine(t, r); !strings.Contains(line, tc.want) {
				t.Errorf("error %q, want it to mention %q", line, tc.want)
			}
		})
	}
}

func TestEvalReports(t *testing.T) {
	data, out := dataDir(t), t.TempDir()
	mustRun(t, trainArgs(data, out)...)
	model := filepath.Join(out, "model.ckpt")

	// By default the reports go next to the model.
	r := mustRun(t, "eval", "--model", model, "--data-dir", data, "--no-fetch")
	if !accuracyLine.MatchString(lastLine(r.stdout)) {
		t.Errorf("last stdout line %q, want the test accuracy", lastLine(r.stdout))
	}
	if want := "wrote confusion.png and misclassified.png to " + out; lastLine(r.stderr) != want {
		t.Errorf("last stderr line %q, want %q", lastLine(r.stderr), want)
	}
	reports := filepath.Join(t.TempDir(), "new", "dir")
	mustRun(t, "eval", "--model", model, "--data-dir", data, "--no-fetch", "--out", reports)
	for _, dir := range []string{out, reports} {
		for _, name := range []string{"confusion.png", "misclassified.png"} {
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := png.Decode(f); err != nil {
				t.Errorf("%s/%s: %v", dir, name, err)
			}
			f.Close()
		}
	}

	// With JSON logs every stderr line stays JSON.
	r = mustRun(t, "eval", "--model", model, "--data-dir", data, "--no-fetch", "--out", reports, "--log-format", "json")
	for line := range strings.SplitSeq(strings.TrimSpace(r.stderr), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("stderr line %q is not JSON", line)
		}
	}
	if !strings.Contains(r.stderr, `"reports written"`) {
		t.Errorf("stderr does not log the reports:\n%s", r.stderr)
	}

	// An output directory that cannot be made is a usage error before the
	// evaluation, and so is an --out that is a file.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	checkMisuse(t, []string{"eval", "--model", model, "--data-dir", data, "--no-fetch", "--out", filepath.Join(blocker, "sub")},
		cli.ExitUsage, []string{"--out", "create output directory"})
	checkMisuse(t, []string{"eval", "--model", model, "--data-dir", data, "--no-fetch", "--out", blocker},
		cli.ExitUsage, []string{"--out " + blocker, "a file, want a directory"})
}
