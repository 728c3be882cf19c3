package cli_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/shardnet/shardnet/internal/config"
)

// mnistDir returns the directory of the real MNIST files that
// $SHARDNET_DATA names (relative to the module root, where .ci/run sets
// it), or skips the test.
func mnistDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SHARDNET_DATA")
	if dir == "" {
		t.Skip("SHARDNET_DATA is not set; it names a directory with the MNIST files")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir)
	}
	return dir
}

// accuracyOf returns the test accuracy of the last line of a train run.
func accuracyOf(t *testing.T, r result) float64 {
	t.Helper()
	m := accuracyLine.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no test accuracy line in:\n%s", r.stdout)
	}
	acc, _ := strconv.ParseFloat(m[1], 64)
	return acc
}

// TestMNISTSeedPreset trains the seed preset (configs/seed.yaml, the post's
// own code) on real MNIST for a few hundred iterations: the cost must fall
// and the test accuracy be far above chance.
func TestMNISTSeedPreset(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("long: real MNIST training")
	}
	out := t.TempDir()
	r := mustRun(t, "train", "--config", "../../configs/seed.yaml", "--data-dir", mnistDir(t), "--out", out,
		"--iterations", "300", "--workers", strconv.Itoa(runtime.GOMAXPROCS(0)), "--log-format", "json")
	cost := readJSON(t, filepath.Join(out, "metrics.json"))["cost"].([]any)
	first, last := cost[0].([]any)[1].(float64), cost[len(cost)-1].([]any)[1].(float64)
	if !(last < 0.7*first) {
		t.Errorf("cost went from %.4f to %.4f in 300 iterations, want a clear fall", first, last)
	}
	acc := accuracyOf(t, r)
	t.Logf("300 iterations: cost %.4f -> %.4f, test accuracy %.4f", first, last, acc)
	if acc < 0.5 {
		t.Errorf("test accuracy %.4f after 300 iterations, want well above chance", acc)
	}
}

// TestMNISTDefaultPreset trains the recommended preset (configs/default.yaml)
// on real MNIST for half its epochs, its learning-rate schedule compressed
// to fit, which keeps the test near ten seconds on two cores: the test
// accuracy must already be well above 97%. (The full preset reaches a
// median of 98.37% over three seeds; see the README.)
func TestMNISTDefaultPreset(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("long: real MNIST training")
	}
	const preset = "../../configs/default.yaml"
	cfg, err := config.Load(preset)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BatchSize == 0 || cfg.Validation != 0 {
		t.Fatalf("default preset has batch_size %d and validation %d; this test assumes mini-batches and no held-out images", cfg.BatchSize, cfg.Validation)
	}
	r := mustRun(t, "train", "--config", preset, "--data-dir", mnistDir(t), "--out", t.TempDir(),
		"--iterations", strconv.Itoa(cfg.Iterations/2), "--workers", strconv.Itoa(runtime.GOMAXPROCS(0)), "--log-format", "json")
	acc := accuracyOf(t, r)
	t.Logf("half the default preset: test accuracy %.4f", acc)
	if acc < 0.975 {
		t.Errorf("test accuracy %.4f after half the default preset, want at least 0.975", acc)
	}
}
