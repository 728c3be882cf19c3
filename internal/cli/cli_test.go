package cli_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/cli"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
)

// trainArgs are the flags of the end-to-end training run: a network small
// enough for milliseconds per iteration, normalised pixels and a learning
// rate that learns the generated pattern in 30 iterations.
func trainArgs(data, out string, extra ...string) []string {
	args := []string{"train", "--data-dir", data, "--out", out, "--no-fetch", "--iterations", "30", "--hidden", "8",
		"--workers", "2", "--pixel-scale", "1/255", "--learning-rate", "2", "--log-format", "json"}
	return append(args, extra...)
}

func TestTrainEvalInspect(t *testing.T) {
	data, out := dataDir(t), t.TempDir()
	r := mustRun(t, trainArgs(data, out, "--log-every", "10")...)

	// Standard output ends with the accuracy, four decimals.
	last := lastLine(r.stdout)
	if !regexp.MustCompile(`^test accuracy: 0\.\d{4}$`).MatchString(last) {
		t.Fatalf("last stdout line %q, want \"test accuracy: 0.dddd\"\n%s", last, r.stdout)
	}
	accuracy, _ := strconv.ParseFloat(strings.TrimPrefix(last, "test accuracy: "), 64)
	// 30 iterations at this learning rate are only the start of learning
	// (the small initial weights keep the hidden units alike for a while),
	// but a network that learnt only the class frequencies would score the
	// majority class's share. It must do better.
	if prior := majorityShare(t, data); accuracy <= prior {
		t.Errorf("test accuracy %v, want above the majority class's share %v", accuracy, prior)
	}

	// Every log line is a JSON object; the cost lines are the metrics'
	// cost curve.
	var logged [][2]float64
	sawTraining := false
	for line := range strings.SplitSeq(strings.TrimSpace(r.stderr), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("stderr line is not JSON: %q: %v", line, err)
		}
		for _, key := range []string{"level", "ts", "msg"} {
			if _, ok := entry[key]; !ok {
				t.Errorf("log line %q lacks %q", line, key)
			}
		}
		switch entry["msg"] {
		case "training":
			sawTraining = true
			if entry["workers"] != 2.0 || entry["network"] != fmt.Sprintf("%d-8-10", side*side) {
				t.Errorf("training log line %q: want workers 2 and network %d-8-10", line, side*side)
			}
		case "cost":
			logged = append(logged, [2]float64{entry["iteration"].(float64), entry["cost"].(float64)})
		}
	}
	if !sawTraining {
		t.Errorf("no \"training\" log line:\n%s", r.stderr)
	}

	// metrics.json holds every contract key.
	m := readJSON(t, filepath.Join(out, "metrics.json"))
	for _, key := range []string{"test_accuracy", "train_cost_final", "iterations", "workers", "hidden", "learning_rate",
		"seconds_total", "seconds_training", "ms_per_iteration", "cost", "params_sha256", "dataset", "pixel_scale",
		"activation", "optimizer", "seed", "deterministic", "kernel_path", "go_version", "gomaxprocs"} {
		if _, ok := m[key]; !ok {
			t.Errorf("metrics.json lacks %q", key)
		}
	}
	for key, want := range map[string]float64{"iterations": 30, "workers": 2, "hidden": 8, "learning_rate": 2, "pixel_scale": 1.0 / 255} {
		if m[key] != want {
			t.Errorf("metrics.json %s = %v, want %v", key, m[key], want)
		}
	}
	if got := fmt.Sprintf("%.4f", m["test_accuracy"]); got != fmt.Sprintf("%.4f", accuracy) {
		t.Errorf("metrics.json test_accuracy %s, printed %.4f", got, accuracy)
	}
	for _, key := range []string{"seconds_total", "seconds_training", "ms_per_iteration", "gomaxprocs"} {
		if v, _ := m[key].(float64); !(v > 0) {
			t.Errorf("metrics.json %s = %v, want > 0", key, m[key])
		}
	}
	if m["seconds_total"].(float64) < m["seconds_training"].(float64) {
		t.Errorf("seconds_total %v < seconds_training %v", m["seconds_total"], m["seconds_training"])
	}
	var cost [][2]float64
	raw, _ := json.Marshal(m["cost"])
	if err := json.Unmarshal(raw, &cost); err != nil {
		t.Fatalf("metrics.json cost = %s, want [iteration, cost] pairs: %v", raw, err)
	}
	var iterations []float64
	for _, c := range cost {
		iterations = append(iterations, c[0])
	}
	if fmt.Sprint(iterations) != "[0 10 20 29]" {
		t.Errorf("cost logged at iterations %v, want [0 10 20 29] (every 10 and the last)", iterations)
	}
	if fmt.Sprint(cost) != fmt.Sprint(logged) {
		t.Errorf("metrics.json cost %v differs from the logged cost %v", cost, logged)
	}
	if len(cost) > 0 {
		if cost[len(cost)-1][1] != m["train_cost_final"] {
			t.Errorf("train_cost_final %v, want the last logged cost %v", m["train_cost_final"], cost[len(cost)-1][1])
		}
		if !(cost[len(cost)-1][1] < cost[0][1]) {
			t.Errorf("cost did not fall: %v", cost)
		}
	}

	// cost.png is a real image.
	f, err := os.Open(filepath.Join(out, "cost.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("cost.png: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 100 {
		t.Errorf("cost.png is %v, want a plot-sized image", b)
	}

	// eval reproduces the accuracy and prints a 10×10 confusion matrix
	// consistent with it.
	model := filepath.Join(out, "model.ckpt")
	ev := mustRun(t, "eval", "--model", model, "--data-dir", data, "--no-fetch")
	if lastLine(ev.stdout) != last {
		t.Errorf("eval printed %q, train printed %q", lastLine(ev.stdout), last)
	}
	matrix := confusion(t, ev.stdout)
	total, diagonal := 0, 0
	for i, row := range matrix {
		for j, v := range row {
			total += v
			if i == j {
				diagonal += v
			}
		}
	}
	if total != testImages {
		t.Errorf("confusion matrix counts %d images, want %d", total, testImages)
	}
	if got := fmt.Sprintf("%.4f", float64(diagonal)/float64(total)); got != fmt.Sprintf("%.4f", accuracy) {
		t.Errorf("confusion matrix diagonal gives accuracy %s, want %.4f", got, accuracy)
	}

	// inspect prints the digest metrics.json recorded.
	if d := digest(t, model); d != m["params_sha256"] {
		t.Errorf("inspect params sha256 %s, metrics.json %v", d, m["params_sha256"])
	}
	in := mustRun(t, "inspect", "--model", model)
	for _, want := range []string{"network: " + strconv.Itoa(side*side) + "-8-10", "activation: sigmoid", "iteration: 30 of 30", "optimizer: gd\n", "dataset: mnist (test images sha256 ", "learning_rate: 2"} {
		if !strings.Contains(in.stdout, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, in.stdout)
		}
	}
}

// majorityShare is the fraction of the test set in its most common class.
func majorityShare(t *testing.T, data string) float64 {
	t.Helper()
	ds, err := shard.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	var counts [10]int
	for _, l := range ds.Test.Labels {
		counts[l]++
	}
	return float64(slices.Max(counts[:])) / float64(ds.Test.Len())
}

// TestTrainLearns checks that the pipeline as a whole learns: with a larger
// learning rate the generated classes, separable by construction, are
// nearly all recognised.
func TestTrainLearns(t *testing.T) {
	r := mustRun(t, trainArgs(dataDir(t), t.TempDir(), "--learning-rate", "5")...)
	m := accuracyLine.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no accuracy line in:\n%s", r.stdout)
	}
	if acc, _ := strconv.ParseFloat(m[1], 64); acc < 0.9 {
		t.Errorf("test accuracy %v on separable data, want >= 0.9", acc)
	}
}

// confusion parses the 10×10 confusion matrix of eval's output: ten rows,
// each a class followed by ten counts.
func confusion(t *testing.T, out string) [][]int {
	t.Helper()
	row := regexp.MustCompile(`^\s*(\d)((?:\s+\d+){10})\s*$`)
	var matrix [][]int
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if m[1] != strconv.Itoa(len(matrix)) {
			t.Fatalf("confusion row %q out of order", sc.Text())
		}
		var counts []int
		for f := range strings.FieldsSeq(m[2]) {
			v, _ := strconv.Atoi(f)
			counts = append(counts, v)
		}
		matrix = append(matrix, counts)
	}
	if len(matrix) != 10 {
		t.Fatalf("found %d confusion-matrix rows, want 10:\n%s", len(matrix), out)
	}
	return matrix
}

// TestDeterministicAcrossWorkers trains the same configuration with
// different worker counts; the fixed micro-shard reduction must give
// bitwise the same parameters.
func TestDeterministicAcrossWorkers(t *testing.T) {
	data := dataDir(t)
	workers := []string{"1", "2", "3", "7", "16"}
	if raceEnabled {
		workers = []string{"1", "3", "16"}
	}
	var first string
	for _, w := range workers {
		out := t.TempDir()
		mustRun(t, trainArgs(data, out, "--workers", w)...)
		d := digest(t, filepath.Join(out, "model.ckpt"))
		t.Logf("workers %2s: params sha256 %s", w, d)
		if first == "" {
			first = d
		} else if d != first {
			t.Errorf("workers %s: params sha256 %s, workers %s gave %s", w, d, workers[0], first)
		}
	}
}

// TestResume checks that stopping at a checkpoint and resuming gives the
// same parameters as a straight run.
func TestResume(t *testing.T) {
	data := dataDir(t)
	straight := t.TempDir()
	mustRun(t, trainArgs(data, straight, "--iterations", "20")...)
	want := digest(t, filepath.Join(straight, "model.ckpt"))

	first := t.TempDir()
	mustRun(t, trainArgs(data, first, "--iterations", "20", "--checkpoint-every", "10")...)
	ckpt := filepath.Join(first, "ckpt-000010.ckpt")
	if _, err := os.Stat(ckpt); err != nil {
		t.Fatalf("no checkpoint after 10 of 20 iterations: %v", err)
	}
	if _, err := os.Stat(filepath.Join(first, "ckpt-000020.ckpt")); err == nil {
		t.Errorf("ckpt-000020.ckpt written; the final state belongs in model.ckpt")
	}
	if d := digest(t, filepath.Join(first, "model.ckpt")); d != want {
		t.Errorf("checkpointing changed the result: %s, want %s", d, want)
	}

	// Resume with the checkpoint's embedded configuration, and again with
	// a different worker count, which must not matter either.
	for _, extra := range [][]string{nil, {"--workers", "3"}} {
		second := t.TempDir()
		args := append([]string{"train", "--resume", ckpt, "--iterations", "20", "--out", second, "--no-fetch", "--log-format", "json"}, extra...)
		r := mustRun(t, args...)
		if line := `"msg":"resuming at iteration 10 from ` + ckpt + `"`; !strings.Contains(r.stderr, line) {
			t.Errorf("resumed %v: no log line %s:\n%s", extra, line, r.stderr)
		}
		if d := digest(t, filepath.Join(second, "model.ckpt")); d != want {
			t.Errorf("resumed %v: params sha256 %s, straight run %s", extra, d, want)
		}
		m := readJSON(t, filepath.Join(second, "metrics.json"))
		if m["resumed_from"] != 10.0 || m["iterations"] != 20.0 {
			t.Errorf("resumed metrics: resumed_from %v iterations %v, want 10 and 20", m["resumed_from"], m["iterations"])
		}
		whole := readJSON(t, filepath.Join(first, "metrics.json"))
		if fmt.Sprint(m["cost"]) != fmt.Sprint(whole["cost"]) {
			t.Errorf("resumed cost history %v, uninterrupted %v", m["cost"], whole["cost"])
		}
	}
}

// TestCancelledContext runs training under an already cancelled context:
// the run stops before its first update, saves a checkpoint, exits 130 and
// can be resumed.
func TestCancelledContext(t *testing.T) {
	data, out := dataDir(t), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := runCtx(t, ctx, trainArgs(data, out)...)
	if r.code != cli.ExitSIGINT {
		t.Fatalf("exit %d, want %d\n%s", r.code, cli.ExitSIGINT, r.stderr)
	}
	msg := checkOneErrorLine(t, r)
	ckpt := filepath.Join(out, "ckpt-000000.ckpt")
	if !strings.Contains(msg, ckpt) {
		t.Errorf("message %q does not name the checkpoint %s", msg, ckpt)
	}
	if !strings.Contains(r.stderr, `"checkpoint":"`+ckpt+`"`) {
		t.Errorf("log does not name the checkpoint:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "model.ckpt")); err == nil {
		t.Errorf("an interrupted run wrote model.ckpt")
	}
	resumed := t.TempDir()
	mustRun(t, "train", "--resume", ckpt, "--iterations", "5", "--out", resumed, "--no-fetch")
	if _, err := os.Stat(filepath.Join(resumed, "model.ckpt")); err != nil {
		t.Error(err)
	}
}

func TestDiverged(t *testing.T) {
	data, out := dataDir(t), t.TempDir()
	cfg := filepath.Join(t.TempDir(), "absurd.yaml")
	// Raw 0..255 pixels and an absurd learning rate: the first update
	// sends the weights past what float64 holds.
	if err := os.WriteFile(cfg, []byte("learning_rate: 1e300\npixel_scale: 1\nhidden: 8\niterations: 50\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, "train", "--config", cfg, "--data-dir", data, "--out", out, "--no-fetch", "--workers", "2")
	if r.code != cli.ExitDiverged {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, cli.ExitDiverged, r.stdout, r.stderr)
	}
	msg := checkOneErrorLine(t, r)
	if !regexp.MustCompile(`diverged at iteration \d+: (cost|dW1|db1|dW2|db2) is not finite`).MatchString(msg) {
		t.Errorf("message %q does not name the iteration and the tensor", msg)
	}
	if !strings.Contains(msg, "learning_rate") {
		t.Errorf("message %q does not suggest a smaller learning_rate", msg)
	}
	if _, err := os.Stat(filepath.Join(out, "model.ckpt")); err == nil {
		t.Errorf("a diverged run wrote model.ckpt")
	}
}

// TestNoData runs with no data in any of the places searched and fetching
// forbidden: the message must say how to get the data.
func TestNoData(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(empty, "cache"))
	t.Setenv("HOME", filepath.Join(empty, "home"))
	t.Chdir(empty)
	for _, args := range [][]string{
		{"train", "--no-fetch", "--iterations", "1"},
		{"train", "--no-fetch", "--dataset", "fashion-mnist"},
		{"bench", "--no-fetch", "--workers", "1", "--hidden", "4"},
	} {
		r := run(t, args...)
		if r.code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", args, r.code, cli.ExitUsage, r.stderr)
			continue
		}
		msg := checkOneErrorLine(t, r)
		dataset := "mnist"
		if strings.Contains(strings.Join(args, " "), "fashion") {
			dataset = "fashion-mnist"
		}
		for _, want := range []string{"no " + dataset + " data found", "shardnet fetch --dataset " + dataset, "--data-dir", filepath.Join("data", dataset)} {
			if !strings.Contains(msg, want) {
				t.Errorf("%v: message %q lacks %q", args, msg, want)
			}
		}
	}
}

func TestBench(t *testing.T) {
	data, out := dataDir(t), t.TempDir()
	trace := filepath.Join(out, "trace.json")
	r := mustRun(t, "bench", "--data-dir", data, "--no-fetch", "--workers", "1,2", "--hidden", "4,8", "--iterations", "3", "--warmup", "1", "--rounds", "2", "--out", out, "--trace", trace)
	header := regexp.MustCompile(`(?m)^\s*hidden\s+workers\s+median ms\s+min ms\s+max ms\s+samples/s\s+dense GFLOP/s\s+useful GFLOP/s\s+speedup\s+efficiency\s*$`)
	if !header.MatchString(r.stdout) {
		t.Errorf("no table header in:\n%s", r.stdout)
	}
	phases := regexp.MustCompile(`(?m)^\s*hidden\s+workers\s+gradient\s+reduction\s+update\s+waiting\s+communication\s*$`)
	if !phases.MatchString(r.stdout) {
		t.Errorf("no per-phase breakdown in:\n%s", r.stdout)
	}
	// Every cell of every round is a process of the trace, each worker a
	// track with gradient, reduction, update and waiting spans.
	tracks := traceTracks(t, trace)
	for _, cell := range []string{"hidden 4, 1 worker, round 1", "hidden 8, 2 workers, round 2"} {
		for _, w := range []string{"worker 0 (coordinator)"} {
			for _, kind := range []string{"gradient", "reduction", "update", "waiting"} {
				if tracks[cell+"/"+w+"/"+kind] == 0 {
					t.Errorf("trace: %s, %s has no %s span", cell, w, kind)
				}
			}
		}
	}
	if tracks["hidden 8, 2 workers, round 2/worker 1/waiting"] == 0 {
		t.Error("trace: the second worker of a 2-worker cell has no track")
	}
	rows := regexp.MustCompile(`(?m)^\s*([48])\s+([12])\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\d+\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+\d+%\s*$`).FindAllStringSubmatch(r.stdout, -1)
	if len(rows) != 4 {
		t.Errorf("found %d table rows, want 4 (hidden 4, 8 × workers 1, 2):\n%s", len(rows), r.stdout)
	}
	// Each round measures every cell once; the second runs them backwards.
	measured := regexp.MustCompile(`(?m)measured.*"hidden": (\d+), "workers": (\d+).*"round": (\d+)`).FindAllStringSubmatch(r.stderr, -1)
	var order []string
	for _, m := range measured {
		order = append(order, m[3]+":"+m[1]+"/"+m[2])
	}
	if want := "1:4/1 1:4/2 1:8/1 1:8/2 2:8/2 2:8/1 2:4/2 2:4/1"; strings.Join(order, " ") != want {
		t.Errorf("cells measured in the order %q, want %q; log:\n%s", strings.Join(order, " "), want, r.stderr)
	}

	var report struct {
		Machine map[string]any   `json:"machine"`
		Config  map[string]any   `json:"config"`
		Samples int              `json:"samples"`
		Rows    []map[string]any `json:"rows"`
	}
	b, err := os.ReadFile(filepath.Join(out, "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatalf("bench.json: %v", err)
	}
	for _, key := range []string{"cpu", "cores", "gomaxprocs", "kernel_path", "go_version", "os"} {
		if v, ok := report.Machine[key]; !ok || v == "" || v == 0.0 {
			t.Errorf("bench.json machine.%s = %v, want a value", key, v)
		}
	}
	if report.Samples != trainImages {
		t.Errorf("bench.json samples = %d, want %d", report.Samples, trainImages)
	}
	// The sweep's settings keep their YAML names.
	for key, want := range map[string]any{"rounds": 2.0, "iterations": 3.0, "warmup": 1.0, "micro_shards": 256.0, "hidden": []any{4.0, 8.0}} {
		if got := report.Config[key]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("bench.json config.%s = %v, want %v", key, got, want)
		}
	}
	if len(report.Rows) != 4 {
		t.Fatalf("bench.json has %d rows, want 4", len(report.Rows))
	}
	for _, row := range report.Rows {
		for _, key := range []string{"hidden", "workers", "median_ms", "min_ms", "max_ms", "samples_per_sec", "gflops", "speedup", "efficiency", "timed_iterations", "useful_gflops",
			"gradient_ms", "reduction_ms", "update_ms", "waiting_ms", "communication_ms"} {
			if _, ok := row[key]; !ok {
				t.Errorf("bench.json row %v lacks %q", row, key)
			}
		}
		speedup, _ := row["speedup"].(float64)
		if !(speedup > 0) || math.IsInf(speedup, 0) {
			t.Errorf("row %v: speedup %v, want a positive number", row, row["speedup"])
		}
		if row["workers"] == 1.0 && speedup != 1 {
			t.Errorf("row %v: the one-worker baseline has speedup %v, want 1", row, speedup)
		}
		if row["timed_iterations"] != 6.0 {
			t.Errorf("row %v: timed_iterations %v, want 6 (3 in each of 2 rounds)", row, row["timed_iterations"])
		}
		if !(row["min_ms"].(float64) <= row["median_ms"].(float64) && row["median_ms"].(float64) <= row["max_ms"].(float64)) {
			t.Errorf("row %v: want min <= median <= max", row)
		}
	}

	cf, err := os.Open(filepath.Join(out, "bench.csv"))
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(cf).ReadAll()
	cf.Close()
	if err != nil {
		t.Fatalf("bench.csv: %v", err)
	}
	if len(records) != 5 || records[0][0] != "hidden" || records[0][7] != "speedup" {
		t.Errorf("bench.csv = %v, want a header and 4 rows", records)
	}

	pf, err := os.Open(filepath.Join(out, "speedup.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if _, err := png.Decode(pf); err != nil {
		t.Errorf("speedup.png: %v", err)
	}
}

// traceTracks reads a Chrome trace-event file and counts its complete
// events by "process/thread/span name", the processes and threads named by
// their metadata events.
func traceTracks(t *testing.T, path string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var trace struct {
		TraceEvents []struct {
			Name string         `json:"name"`
			Ph   string         `json:"ph"`
			Pid  int            `json:"pid"`
			Tid  int            `json:"tid"`
			Dur  float64        `json:"dur"`
			Args map[string]any `json:"args"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(b, &trace); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	procs, threads := map[int]string{}, map[[2]int]string{}
	for _, e := range trace.TraceEvents {
		switch e.Name {
		case "process_name":
			procs[e.Pid] = e.Args["name"].(string)
		case "thread_name":
			threads[[2]int{e.Pid, e.Tid}] = e.Args["name"].(string)
		}
	}
	counts := map[string]int{}
	for _, e := range trace.TraceEvents {
		if e.Ph == "X" {
			if e.Dur < 0 {
				t.Errorf("%s: span %s of negative duration", path, e.Name)
			}
			counts[procs[e.Pid]+"/"+threads[[2]int{e.Pid, e.Tid}]+"/"+e.Name]++
		}
	}
	return counts
}

// TestTrainTrace: train --trace writes a timeline with a track per worker.
func TestTrainTrace(t *testing.T) {
	out := t.TempDir()
	trace := filepath.Join(out, "trace.json")
	mustRun(t, trainArgs(dataDir(t), out, "--iterations", "5", "--workers", "3", "--trace", trace)...)
	tracks := traceTracks(t, trace)
	// An update per iteration, and a wait at the end of each of its three
	// rounds, on every worker.
	for _, w := range []string{"worker 0 (coordinator)", "worker 1", "worker 2"} {
		for kind, want := range map[string]int{"update": 5, "waiting": 15} {
			if got := tracks["rank 0/"+w+"/"+kind]; got != want {
				t.Errorf("trace: rank 0, %s has %d %s spans, want %d", w, got, kind, want)
			}
		}
		if tracks["rank 0/"+w+"/reduction"] == 0 {
			t.Errorf("trace: rank 0, %s has no reduction span", w)
		}
	}
}

// TestBenchAddsBaseline asks for 2 workers only; 1 is measured anyway as the
// baseline of the speedup.
func TestBenchAddsBaseline(t *testing.T) {
	data, out := dataDir(t), t.TempDir()
	mustRun(t, "bench", "--data-dir", data, "--no-fetch", "--workers", "2", "--hidden", "4", "--iterations", "2", "--warmup", "0", "--out", out)
	var report struct{ Rows []struct{ Workers int } }
	b, err := os.ReadFile(filepath.Join(out, "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Rows) != 2 || report.Rows[0].Workers != 1 || report.Rows[1].Workers != 2 {
		t.Errorf("rows %+v, want workers 1 then 2", report.Rows)
	}
}

// TestBenchKernels: --kernels times the sweep once per kernel path, each
// with its own baseline, names the path of every row in bench.json and in a
// leading column of the table, and refuses a path this CPU cannot run (or
// an unknown one) with one line naming the flag.
func TestBenchKernels(t *testing.T) {
	data, out := dataDir(t), t.TempDir()
	paths := []string{kernel.Paths()[0], kernel.PathGeneric} // the default and the portable path
	paths = slices.Compact(paths)
	r := mustRun(t, "bench", "--data-dir", data, "--no-fetch", "--workers", "1,2", "--hidden", "4", "--iterations", "2", "--warmup", "0", "--rounds", "1",
		"--kernels", strings.Join(paths, ","), "--out", out)
	var report struct {
		Rows []struct {
			Kernel  string `json:"kernel_path"`
			Workers int
			Speedup float64
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Rows) != 2*len(paths) {
		t.Fatalf("%d rows, want 2 per path of %v:\n%s", len(report.Rows), paths, b)
	}
	for i, row := range report.Rows {
		if want := paths[i/2]; row.Kernel != want || row.Workers != 1+i%2 {
			t.Errorf("row %d: kernel %q, %d workers, want %q and %d", i, row.Kernel, row.Workers, want, 1+i%2)
		}
		if row.Workers == 1 && row.Speedup != 1 {
			t.Errorf("row %d: the %s baseline has speedup %v, want 1", i, row.Kernel, row.Speedup)
		}
	}
	if len(paths) > 1 && !regexp.MustCompile(`(?m)^\s*kernel\s+hidden\s+workers\s+median ms`).MatchString(r.stdout) {
		t.Errorf("no kernel column in the table of %v:\n%s", paths, r.stdout)
	}
	bad := run(t, "bench", "--data-dir", data, "--no-fetch", "--workers", "1", "--hidden", "4", "--kernels", "generic,fast", "--out", t.TempDir())
	if bad.code != cli.ExitUsage {
		t.Errorf("--kernels generic,fast: exit %d, want %d\n%s", bad.code, cli.ExitUsage, bad.stderr)
	}
	if msg := checkOneErrorLine(t, bad); !strings.Contains(msg, "--kernels") || !strings.Contains(msg, "fast") {
		t.Errorf("--kernels generic,fast: message %q does not name the flag and the path", msg)
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, tc := range []struct {
		args           []string
		stdout, stderr string
	}{
		{[]string{"help"}, "shardnet train", ""},
		{[]string{"--help"}, "shardnet train", ""},
		{[]string{"version"}, "shardnet ", ""},
		{[]string{"train", "-h"}, "", "Usage: shardnet train"},
		{[]string{"eval", "--help"}, "", "Usage: shardnet eval"},
		{[]string{"bench", "-h"}, "", "-workers"},
		{[]string{"inspect", "-h"}, "", "-model"},
		{[]string{"fetch", "-h"}, "", "-dataset"},
	} {
		r := run(t, tc.args...)
		if r.code != cli.ExitOK {
			t.Errorf("%v: exit %d, want 0\n%s", tc.args, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("%v: stdout %q, stderr %q; want them to contain %q and %q", tc.args, r.stdout, r.stderr, tc.stdout, tc.stderr)
		}
		if strings.Contains(r.stderr, "shardnet: ") {
			t.Errorf("%v: help printed an error line:\n%s", tc.args, r.stderr)
		}
	}
	// Every configuration key is a train flag.
	r := run(t, "train", "-h")
	for _, flag := range []string{"-learning-rate", "-pixel-scale", "-checkpoint-every", "-resume", "-config", "-log-format"} {
		if !strings.Contains(r.stderr, flag) {
			t.Errorf("train -h lacks %s", flag)
		}
	}
	// Flags name the kind of value they take.
	bench := run(t, "bench", "-h")
	for _, c := range []struct{ help, want string }{
		{r.stderr, "--hidden N\n"}, {r.stderr, "--learning-rate X\n"}, {r.stderr, "--pixel-scale SCALE\n"},
		{r.stderr, "--activation NAME\n"}, {r.stderr, "--deterministic\n"}, {r.stderr, "--config FILE\n"},
		{r.stderr, "--workers N\n"}, {r.stderr, "--data-dir DIR\n"}, {r.stderr, "--out DIR\n"},
		{r.stderr, "--log-format NAME\n"}, {r.stderr, "--resume FILE\n"},
		{bench.stderr, "--workers LIST\n"}, {bench.stderr, "--hidden LIST\n"}, {bench.stderr, "--rounds N\n"},
		{bench.stderr, "--optimizer NAME\n"},
	} {
		if !strings.Contains(c.help, c.want) {
			t.Errorf("help lacks %q", c.want)
		}
	}
	for _, help := range []string{r.stderr, bench.stderr} {
		if strings.Contains(help, " value\n") || strings.Contains(help, " VALUE\n") || strings.Contains(help, " STRING\n") {
			t.Errorf("a flag still shows the placeholder \"value\":\n%s", help)
		}
	}
}

func TestNoCommand(t *testing.T) {
	r := run(t)
	if r.code != cli.ExitUsage {
		t.Errorf("exit %d, want %d", r.code, cli.ExitUsage)
	}
	if !strings.Contains(r.stderr, "Usage:") {
		t.Errorf("no usage on stderr:\n%s", r.stderr)
	}
	if msg := checkOneErrorLine(t, r); !strings.Contains(msg, "no command") {
		t.Errorf("message %q", msg)
	}
}
