package cli_test

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/shardnet/shardnet/internal/cli"
	"github.com/shardnet/shardnet/internal/export/onnxpb"
	"github.com/shardnet/shardnet/shard"
)

// readNPYFile reads a .npy file of float64 values written by shardnet and
// returns its shape and values.
func readNPYFile(t *testing.T, path string) ([]int, []float64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10 || string(b[:8]) != "\x93NUMPY\x01\x00" {
		t.Fatalf("%s: not a .npy 1.0 file", path)
	}
	n := int(binary.LittleEndian.Uint16(b[8:]))
	m := regexp.MustCompile(`'descr': '<f8', 'fortran_order': False, 'shape': \((\d+), (\d+)\)`).FindStringSubmatch(string(b[10 : 10+n]))
	if m == nil {
		t.Fatalf("%s: header %q, want a 2-d <f8 array", path, b[10:10+n])
	}
	rows, _ := strconv.Atoi(m[1])
	cols, _ := strconv.Atoi(m[2])
	data := b[10+n:]
	if len(data) != 8*rows*cols {
		t.Fatalf("%s: %d data bytes for (%d, %d)", path, len(data), rows, cols)
	}
	v := make([]float64, rows*cols)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
	}
	return []int{rows, cols}, v
}

// TestExport exports a trained checkpoint in both formats and checks the
// files against the checkpoint, and eval --probabilities against eval.
func TestExport(t *testing.T) {
	data, out := dataDir(t), t.TempDir()
	mustRun(t, trainArgs(data, out)...)
	model := filepath.Join(out, "model.ckpt")
	sum := digest(t, model)

	onnxPath := filepath.Join(out, "model.onnx")
	r := mustRun(t, "export", "--model", model, "--format", "onnx", "--out", onnxPath)
	if r.stdout != "" || !strings.Contains(r.stderr, "wrote "+onnxPath+" (onnx, sequential graph, network 64-8-10 sigmoid, pixel scale 0.00392156862745098)") {
		t.Errorf("export printed stdout %q and stderr %q, want only the \"wrote\" line on stderr", r.stdout, r.stderr)
	}
	// Without --format the extension names the format, and a file replaced
	// is said to be.
	r = mustRun(t, "export", "--model", model, "--out", onnxPath)
	if !strings.HasPrefix(r.stderr, "replaced "+onnxPath+" (onnx, sequential graph,") {
		t.Errorf("export over an existing file printed %q, want a \"replaced\" line", r.stderr)
	}
	b, err := os.ReadFile(onnxPath)
	if err != nil {
		t.Fatal(err)
	}
	var mp onnxpb.ModelProto
	if err := proto.Unmarshal(b, &mp); err != nil {
		t.Fatalf("%s does not parse as an ONNX model: %v", onnxPath, err)
	}
	meta := map[string]string{}
	for _, p := range mp.GetMetadataProps() {
		meta[p.GetKey()] = p.GetValue()
	}
	ck := readCheckpointFile(t, model)
	for k, want := range map[string]string{
		"params_sha256": sum, "dataset": "mnist", "activation": "sigmoid", "network": "64-8-10",
		"pixel_scale": "0.00392156862745098", "config": string(ck.Config), "iteration": "30", "graph": "sequential",
	} {
		if meta[k] != want {
			t.Errorf("metadata %q = %q, want %q", k, meta[k], want)
		}
	}
	if !strings.Contains(meta["config"], "hidden: 8") {
		t.Errorf("metadata config %q lacks the training's \"hidden: 8\"", meta["config"])
	}

	matmulPath := filepath.Join(out, "matmul.onnx")
	mustRun(t, "export", "--model", model, "--format", "onnx", "--graph", "matmul", "--out", matmulPath)
	if b, err := os.ReadFile(matmulPath); err != nil || !strings.Contains(string(b), "MatMul") || strings.Contains(string(b), "Scan") {
		t.Errorf("--graph matmul wrote a model without MatMul nodes or with Scans (%v)", err)
	}

	npzPath := filepath.Join(out, "model.npz")
	mustRun(t, "export", "--model", model, "--format", "npz", "--out", npzPath)
	z, err := zip.OpenReader(npzPath)
	if err != nil {
		t.Fatalf("%s is not a zip archive: %v", npzPath, err)
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
	}
	if want := []string{"W1.npy", "b1.npy", "W2.npy", "b2.npy", "pixel_scale.npy", "activation.npy"}; !slices.Equal(names, want) {
		t.Errorf("%s holds %v, want %v", npzPath, names, want)
	}

	// Exporting again replaces the file, byte for byte the same.
	mustRun(t, "export", "--model", model, "--format", "onnx", "--out", onnxPath)
	if again, _ := os.ReadFile(onnxPath); string(again) != string(b) {
		t.Error("a second export of the same checkpoint differs")
	}
	// Nothing but the files asked for: no temporary file is left.
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || strings.Contains(e.Name(), "tmp") {
			t.Errorf("%s left behind in %s", e.Name(), out)
		}
	}
}

// TestEvalProbabilities: eval --probabilities writes one row of
// probabilities per test image, whose most likely classes give the
// accuracy eval prints.
func TestEvalProbabilities(t *testing.T) {
	data, out := dataDir(t), t.TempDir()
	mustRun(t, trainArgs(data, out)...)
	model := filepath.Join(out, "model.ckpt")
	plain := mustRun(t, "eval", "--model", model, "--data-dir", data, "--no-fetch")
	probs := filepath.Join(t.TempDir(), "probs.npy")
	r := mustRun(t, "eval", "--model", model, "--data-dir", data, "--no-fetch", "--probabilities", probs)
	if r.stdout != plain.stdout {
		t.Errorf("--probabilities changed eval's output:\n%s\nwithout it:\n%s", r.stdout, plain.stdout)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("wrote the probabilities of %d images to %s", testImages, probs)) {
		t.Errorf("stderr lacks the probabilities line:\n%s", r.stderr)
	}
	shape, p := readNPYFile(t, probs)
	if !slices.Equal(shape, []int{testImages, 10}) {
		t.Fatalf("probabilities of shape %v, want [%d 10]", shape, testImages)
	}
	labels := testLabels(t, data)
	correct := 0
	for i := range testImages {
		row := p[10*i : 10*i+10]
		total, best := 0.0, 0
		for c, v := range row {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("image %d: probability %v", i, v)
			}
			total += v
			if v > row[best] {
				best = c
			}
		}
		if math.Abs(total-1) > 1e-9 {
			t.Errorf("image %d: probabilities sum to %v", i, total)
		}
		if best == int(labels[i]) {
			correct++
		}
	}
	got := fmt.Sprintf("test accuracy: %.4f", float64(correct)/testImages)
	if want := lastLine(r.stdout); got != want {
		t.Errorf("the probabilities give %q, eval printed %q", got, want)
	}

	// Into the --out directory that eval makes: the same file.
	reports := filepath.Join(t.TempDir(), "reports")
	inOut := filepath.Join(reports, "probs.npy")
	mustRun(t, "eval", "--model", model, "--data-dir", data, "--no-fetch", "--out", reports, "--probabilities", inOut)
	if _, again := readNPYFile(t, inOut); !slices.Equal(again, p) {
		t.Errorf("%s differs from %s", inOut, probs)
	}
}

// testLabels returns the labels of the generated test set.
func testLabels(t *testing.T, data string) []uint8 {
	t.Helper()
	ds, err := shard.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	return ds.Test.Labels
}

// TestExportMisuse: every bad invocation of export (and of eval
// --probabilities) exits 2 with one error line, prints nothing on
// standard output and leaves no file behind.
func TestExportMisuse(t *testing.T) {
	f := newFixtures(t)
	nanCkpt := filepath.Join(t.TempDir(), "nan.ckpt")
	ck := readCheckpointFile(t, f.model)
	ck.Params.W1[3] = math.NaN()
	b, err := ck.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nanCkpt, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fixtureDir := filepath.Dir(f.notDir)
	fixtureFiles, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args func(dir string) []string // dir is an empty output directory
		want []string
	}{
		{"no model", func(d string) []string {
			return []string{"export", "--format", "onnx", "--out", filepath.Join(d, "m.onnx")}
		}, []string{"export", "--model FILE is required"}},
		{"no format, no extension", func(d string) []string {
			return []string{"export", "--model", f.model, "--out", filepath.Join(d, "m.bin")}
		}, []string{"--out", "m.bin", "extension", ".onnx or .npz", "--format"}},
		{"format contradicts extension", func(d string) []string {
			return []string{"export", "--model", f.model, "--format", "npz", "--out", filepath.Join(d, "x.onnx")}
		}, []string{"--format npz contradicts --out", "x.onnx"}},
		{"no out", func(d string) []string {
			return []string{"export", "--model", f.model, "--format", "onnx"}
		}, []string{"--out FILE is required"}},
		{"unknown format", func(d string) []string {
			return []string{"export", "--model", f.model, "--format", "tflite", "--out", filepath.Join(d, "m.tflite")}
		}, []string{"--format", `"tflite"`, "onnx or npz"}},
		{"unknown graph", func(d string) []string {
			return []string{"export", "--model", f.model, "--format", "onnx", "--graph", "conv", "--out", filepath.Join(d, "m.onnx")}
		}, []string{"--graph", `"conv"`}},
		{"graph for npz", func(d string) []string {
			return []string{"export", "--model", f.model, "--format", "npz", "--graph", "matmul", "--out", filepath.Join(d, "m.npz")}
		}, []string{"--graph", "onnx only"}},
		{"truncated checkpoint", func(d string) []string {
			return []string{"export", "--model", f.truncCkpt, "--format", "onnx", "--out", filepath.Join(d, "m.onnx")}
		}, []string{f.truncCkpt, "truncated"}},
		{"random checkpoint", func(d string) []string {
			return []string{"export", "--model", f.randCkpt, "--format", "npz", "--out", filepath.Join(d, "m.npz")}
		}, []string{f.randCkpt, "checkpoint"}},
		{"missing checkpoint", func(d string) []string {
			return []string{"export", "--model", filepath.Join(d, "none.ckpt"), "--format", "onnx", "--out", filepath.Join(d, "m.onnx")}
		}, []string{"none.ckpt", "no such file"}},
		{"a config file", func(d string) []string {
			return []string{"export", "--model", f.unknownKey, "--format", "onnx", "--out", filepath.Join(d, "m.onnx")}
		}, []string{f.unknownKey}},
		{"NaN parameter", func(d string) []string {
			return []string{"export", "--model", nanCkpt, "--format", "onnx", "--out", filepath.Join(d, "m.onnx")}
		}, []string{nanCkpt, "parameter 3", "NaN"}},
		{"output directory missing", func(d string) []string {
			return []string{"export", "--model", f.model, "--format", "onnx", "--out", filepath.Join(d, "none", "m.onnx")}
		}, []string{"--out", string(filepath.Separator) + "none", "does not exist"}},
		{"output below a file", func(d string) []string {
			return []string{"export", "--model", f.model, "--format", "npz", "--out", filepath.Join(f.notDir, "m.npz")}
		}, []string{"--out", f.notDir, "not a directory"}},
		{"output is a directory", func(d string) []string {
			return []string{"export", "--model", f.model, "--format", "onnx", "--out", d}
		}, []string{"--out", "is a directory"}},
		{"stray argument", func(d string) []string {
			return []string{"export", "--model", f.model, "--format", "onnx", "--out", filepath.Join(d, "m.onnx"), "extra"}
		}, []string{`unexpected argument "extra"`}},
		{"unknown flag", func(d string) []string {
			return []string{"export", "--model", f.model, "--fromat", "onnx"}
		}, []string{"-fromat"}},
		{"eval probabilities directory missing", func(d string) []string {
			return []string{"eval", "--model", f.model, "--data-dir", f.data, "--out", d, "--probabilities", filepath.Join(d, "none", "p.npy")}
		}, []string{"--probabilities", "does not exist"}},
		{"eval probabilities is a directory", func(d string) []string {
			return []string{"eval", "--model", f.model, "--data-dir", f.data, "--out", d, "--probabilities", d}
		}, []string{"--probabilities", "is a directory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			checkMisuse(t, tc.args(dir), cli.ExitUsage, tc.want)
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("a failed run left %v in the output directory", entries)
			}
			if entries, _ := os.ReadDir(fixtureDir); len(entries) != len(fixtureFiles) {
				t.Errorf("a failed run left a file beside the fixtures: %v", entries)
			}
		})
	}
}
