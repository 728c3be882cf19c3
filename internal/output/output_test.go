package output_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shardnet/shardnet/internal/output"
)

// readPNG decodes the PNG at path.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// onlyFiles fails the test unless dir holds exactly the named files: an
// atomic write leaves no temporary file behind.
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

// hasColor reports whether some pixel of img is within tol of c per channel.
func hasColor(img image.Image, c color.RGBA, tol int) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if abs(int(r>>8)-int(c.R)) <= tol && abs(int(g>>8)-int(c.G)) <= tol && abs(int(bl>>8)-int(c.B)) <= tol {
				return true
			}
		}
	}
	return false
}

func abs(x int) int { return max(x, -x) }

// TestWriteFile: a write replaces the file whole, with mode 0644 less the
// umask; a failed one leaves the old file and no temporary file behind.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	for _, content := range []string{"first\n", "second, longer\n"} {
		if err := output.WriteFile(path, write(content)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("file holds %q, want %q", b, content)
		}
	}
	// The usual umask 022 leaves 0644 (renameio's temporary files are 0600).
	if status, _ := os.ReadFile("/proc/self/status"); strings.Contains(string(status), "\nUmask:\t0022\n") {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("mode %v (err %v), want 0644", fi.Mode(), err)
		}
	}
	failure := errors.New("disk on fire")
	err := output.WriteFile(path, func(w io.Writer) error {
		io.WriteString(w, "half of it")
		return failure
	})
	if !errors.Is(err, failure) || !strings.HasPrefix(err.Error(), "output: write "+path+": ") {
		t.Errorf("failed write: error %v, want one naming the file and wrapping the cause", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "second, longer\n" {
		t.Errorf("after a failed write the file holds %q, want the old contents", b)
	}
	onlyFiles(t, dir, "out.txt")
	if err := output.WriteFile(filepath.Join(dir, "missing", "x"), write("x")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("write into a missing directory: error %v, want one naming it", err)
	}
}

// TestWriteMetrics checks that metrics.json reads back as written and keeps
// each [iteration, cost] pair of the cost curve on one line.
func TestWriteMetrics(t *testing.T) {
	m := &output.Metrics{
		TestAccuracy: 0.8873,
		Iterations:   400,
		Cost:         [][2]float64{{0, 2.3036123517074714}, {200, 1.5e-7}, {399, 0.4}},
		Validation:   []output.AccuracyPoint{{Iteration: 200, Accuracy: 0.91}},
		Dataset:      "mnist",
		GoVersion:    "go-test",
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.json")
	if err := output.WriteMetrics(path, m); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"    [0, 2.3036123517074714],", "    [200, 1.5e-7],", "    [399, 0.4]"} {
		if !strings.Contains(string(b), line+"\n") {
			t.Errorf("metrics.json lacks the line %q:\n%s", line, b)
		}
	}
	got, err := output.ReadMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("read back %+v, wrote %+v", got, m)
	}
	onlyFiles(t, dir, "metrics.json")
}

// TestCostPlot draws a cost curve of the size the post plots.
func TestCostPlot(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cost.png")
	cost := [][2]float64{{0, 2.3}, {200, 1.5}, {400, 1.2}, {599, 0.9}}
	if err := output.CostPlot(path, "mnist 784-10-10", cost); err != nil {
		t.Fatal(err)
	}
	if b := readPNG(t, path).Bounds(); b.Dx() != 576 || b.Dy() != 384 {
		t.Errorf("cost.png is %v, want 6×4 inches at 96 dpi", b)
	}
	onlyFiles(t, dir, "cost.png")
}

// TestWriteBench writes a two-cell report and reads its files back.
func TestWriteBench(t *testing.T) {
	dir := t.TempDir()
	r := &output.BenchReport{
		Machine: output.Machine{CPU: "test CPU", Cores: 2, GOMAXPROCS: 2, Kernel: "generic"},
		Config:  map[string]any{"hidden": []int{10}, "workers": []int{1, 2}},
		Samples: 600,
		Rows: []output.BenchRow{
			{Hidden: 10, Workers: 1, MedianMs: 2, MinMs: 1.5, MaxMs: 3, Speedup: 1, Efficiency: 1, TimedIters: 5},
			{Hidden: 10, Workers: 2, MedianMs: 1.25, MinMs: 1, MaxMs: 2, Speedup: 1.6, Efficiency: 0.8, TimedIters: 5},
		},
	}
	if err := output.WriteBench(dir, r); err != nil {
		t.Fatal(err)
	}
	onlyFiles(t, dir, "bench.csv", "bench.json", "speedup.png")
	csv, _ := os.ReadFile(filepath.Join(dir, "bench.csv"))
	if want := "hidden,workers,median_ms,min_ms,max_ms,samples_per_sec,gflops,speedup,efficiency,timed_iterations,useful_gflops,kernel_path\n" +
		"10,1,2.0000,1.5000,3.0000,0.0000,0.0000,1.0000,1.0000,5,0.0000,\n10,2,1.2500,1.0000,2.0000,0.0000,0.0000,1.6000,0.8000,5,0.0000,\n"; string(csv) != want {
		t.Errorf("bench.csv =\n%s\nwant\n%s", csv, want)
	}
	js, _ := os.ReadFile(filepath.Join(dir, "bench.json"))
	for _, key := range []string{`"machine"`, `"cpu": "test CPU"`, `"config"`, `"rows"`, `"median_ms": 1.25`, `"timed_iterations": 5`} {
		if !strings.Contains(string(js), key) {
			t.Errorf("bench.json lacks %s:\n%s", key, js)
		}
	}
}

func TestConfusion(t *testing.T) {
	m := make([][]int, 10)
	for c := range m {
		m[c] = make([]int, 10)
	}
	for c := range 10 {
		m[c][c] = 980 + c
		m[c][(c+3)%10] = c * 4
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "confusion.png")
	if err := output.Confusion(path, m, "test accuracy 0.9800"); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	// 6×6 inches at gonum/plot's 96 dots per inch.
	if b := img.Bounds(); b.Dx() != 576 || b.Dy() != 576 {
		t.Errorf("image is %v, want 576x576", b)
	}
	// The largest count gets the darkest shade, an empty cell the lightest.
	if !hasColor(img, color.RGBA{8, 48, 107, 255}, 2) {
		t.Error("no cell in the darkest shade, want the largest count's")
	}
	if !hasColor(img, color.RGBA{247, 251, 255, 255}, 2) {
		t.Error("no cell in the lightest shade, want the empty cells'")
	}
	onlyFiles(t, dir, "confusion.png")

	m[2][5] = -1
	if err := output.Confusion(filepath.Join(dir, "bad.png"), m, ""); err == nil || !strings.Contains(err.Error(), "found -1") {
		t.Errorf("negative count: error %v, want one naming it", err)
	}
	onlyFiles(t, dir, "confusion.png")
}

// TestConfusionShape: the matrix must be square, one row and column per
// class, and nothing is written otherwise.
func TestConfusionShape(t *testing.T) {
	dir := t.TempDir()
	for name, m := range map[string][][]int{
		"ragged":   {{1, 2}, {3}},
		"no class": {},
	} {
		if err := output.Confusion(filepath.Join(dir, "c.png"), m, ""); err == nil || !strings.HasPrefix(err.Error(), "output: confusion matrix: ") {
			t.Errorf("%s: error %v, want an output: confusion matrix: error", name, err)
		}
	}
	onlyFiles(t, dir)
	three := [][]int{{5, 1, 0}, {0, 6, 0}, {2, 0, 4}}
	if err := output.Confusion(filepath.Join(dir, "c.png"), three, "three classes"); err != nil {
		t.Fatal(err)
	}
	onlyFiles(t, dir, "c.png")
}

func TestMisclassified(t *testing.T) {
	var mistakes []output.Mistake
	for k := range 14 {
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		img.Pix[k*29] = 255
		mistakes = append(mistakes, output.Mistake{Index: k, Image: img, Label: k % 10, Predicted: (k + 3) % 10, Confidence: 1 - float64(k)/20})
	}
	dir := t.TempDir()
	for _, n := range []int{len(mistakes), 1, 0} {
		path := filepath.Join(dir, "misclassified.png")
		if err := output.Misclassified(path, mistakes[:n], "worst mistakes"); err != nil {
			t.Fatal(err)
		}
		if b := readPNG(t, path).Bounds(); b.Dx() < 160 || b.Dy() < 40 {
			t.Errorf("%d mistakes: sheet is %v, want room for at least a title and a tile", n, b)
		}
	}
	onlyFiles(t, dir, "misclassified.png")

	big := output.Mistake{Image: image.NewGray(image.Rect(0, 0, 40, 40))}
	if err := output.Misclassified(filepath.Join(dir, "big.png"), []output.Mistake{big}, ""); err == nil {
		t.Error("a 40x40 image: no error, want one")
	}
	if err := output.Misclassified(filepath.Join(dir, "none.png"), []output.Mistake{{Index: 3}}, ""); err == nil {
		t.Error("a mistake without an image: no error, want one")
	}
	onlyFiles(t, dir, "misclassified.png")
}

// TestWriteTrace writes a two-process trace and reads it back as Chrome's
// trace-event JSON: the names as metadata, each span a complete event in
// microseconds on its process and track.
func TestWriteTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	procs := []output.TraceProcess{
		{Name: "rank 0", Threads: []string{"worker 0", "worker 1"}, Spans: []output.TraceSpan{
			{Name: "gradient", Thread: 1, Start: 1500 * time.Microsecond, End: 4 * time.Millisecond, Step: 1},
		}},
		{Name: "rank 1", Threads: []string{"worker 0"}, Spans: []output.TraceSpan{
			{Name: "communication", Thread: 0, Start: 5 * time.Millisecond, End: 5250 * time.Microsecond, Step: 1},
		}},
	}
	if err := output.WriteTrace(path, procs); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var trace struct {
		TraceEvents []struct {
			Name string         `json:"name"`
			Ph   string         `json:"ph"`
			Ts   float64        `json:"ts"`
			Dur  float64        `json:"dur"`
			Pid  int            `json:"pid"`
			Tid  int            `json:"tid"`
			Args map[string]any `json:"args"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(b, &trace); err != nil {
		t.Fatal(err)
	}
	var spans, names []string
	for _, e := range trace.TraceEvents {
		switch e.Ph {
		case "X":
			spans = append(spans, fmt.Sprintf("%s@%d/%d %g+%g step %v", e.Name, e.Pid, e.Tid, e.Ts, e.Dur, e.Args["step"]))
		case "M":
			if n, ok := e.Args["name"]; ok {
				names = append(names, fmt.Sprintf("%s %d/%d %v", e.Name, e.Pid, e.Tid, n))
			}
		}
	}
	wantSpans := []string{"gradient@0/1 1500+2500 step 1", "communication@1/0 5000+250 step 1"}
	wantNames := []string{"process_name 0/0 rank 0", "thread_name 0/0 worker 0", "thread_name 0/1 worker 1", "process_name 1/0 rank 1", "thread_name 1/0 worker 0"}
	if !reflect.DeepEqual(spans, wantSpans) || !reflect.DeepEqual(names, wantNames) {
		t.Errorf("trace holds spans %q and names %q, want %q and %q", spans, names, wantSpans, wantNames)
	}
}
