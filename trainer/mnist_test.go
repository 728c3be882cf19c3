package trainer_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/shardnet/shardnet/internal/config"
	"github.com/shardnet/shardnet/shard"
	"github.com/shardnet/shardnet/trainer"
)

// mnist loads the real data set from $SHARDNET_DATA or skips the test. A
// relative path is taken from the module root, where .ci/run sets it.
func mnist(t testing.TB) *shard.Dataset {
	t.Helper()
	dir := os.Getenv("SHARDNET_DATA")
	if dir == "" {
		t.Skip("SHARDNET_DATA is not set; it names a directory with the MNIST files")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir)
	}
	ds, err := shard.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestMNISTSeedPreset trains the seed preset on real MNIST for a few hundred
// iterations: the cost must fall and the test accuracy be far above chance.
func TestMNISTSeedPreset(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("long: real MNIST training")
	}
	ds := mnist(t)
	cfg, err := config.Load("../configs/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Iterations = 300
	cfg.Workers = runtime.GOMAXPROCS(0)
	data := mustData(t, ds.Train, 0)
	res := runConfig(t, cfg, data, trainer.Options{})
	first, last := res.Cost[0].Cost, res.Cost[len(res.Cost)-1].Cost
	if !(last < 0.7*first) {
		t.Errorf("cost went from %.4f to %.4f in 300 iterations, want a clear fall", first, last)
	}
	ev := testEvaluation(t, ds, res, cfg)
	t.Logf("300 iterations: cost %.4f -> %.4f, test accuracy %.4f, %.1f ms/iteration", first, last, ev.Accuracy, res.MedianIterationMillis())
	if ev.Accuracy < 0.5 {
		t.Errorf("test accuracy %.4f after 300 iterations, want well above chance", ev.Accuracy)
	}
}

// TestMNISTDeterministic: on real MNIST a few iterations give bitwise the
// same parameters for 1, 2, 3, 7 and 16 workers.
func TestMNISTDeterministic(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("long: real MNIST training")
	}
	ds := mnist(t)
	data := mustData(t, ds.Train, 0)
	var want string
	for _, workers := range []int{1, 2, 3, 7, 16} {
		cfg := config.Default()
		cfg.Workers, cfg.Iterations = workers, 3
		res := runConfig(t, cfg, data, trainer.Options{})
		got := res.Params.Digest()
		t.Logf("workers=%2d params sha256 %s", workers, got)
		if want == "" {
			want = got
		} else if got != want {
			t.Errorf("workers=%d: params sha256 %s, 1 worker gives %s", workers, got, want)
		}
	}
}

// TestMNISTDefaultPreset trains the recommended preset (configs/default.yaml)
// on real MNIST for half its epochs, its learning-rate schedule compressed
// to fit, which keeps the test near ten seconds on two cores: the test
// accuracy must already be well above 97%. (The full preset reaches a
// median of 98.37% over three seeds; see the preset's header.)
func TestMNISTDefaultPreset(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("long: real MNIST training")
	}
	ds := mnist(t)
	cfg, err := config.Load("../configs/default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BatchSize == 0 || cfg.Validation != 0 {
		t.Fatalf("default preset has batch_size %d and validation %d; this test assumes mini-batches and no held-out images", cfg.BatchSize, cfg.Validation)
	}
	cfg.Iterations /= 2
	cfg.Workers = runtime.GOMAXPROCS(0)
	data := mustData(t, ds.Train, 0)
	res := runConfig(t, cfg, data, trainer.Options{})
	ev := testEvaluation(t, ds, res, cfg)
	t.Logf("%d iterations of batch %d: test accuracy %.4f in %.1f s", res.Iterations, cfg.BatchSize, ev.Accuracy, res.Training.Seconds())
	if ev.Accuracy < 0.975 {
		t.Errorf("test accuracy %.4f after half the default preset, want at least 0.975", ev.Accuracy)
	}
}

// runConfig trains cfg on data to the end.
func runConfig(t *testing.T, cfg config.Config, data *trainer.Data, opts trainer.Options) *trainer.Result {
	t.Helper()
	tr, err := trainer.New(cfg, data, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// testEvaluation evaluates a trained result on the data set's test images.
func testEvaluation(t *testing.T, ds *shard.Dataset, res *trainer.Result, cfg config.Config) *trainer.Evaluation {
	t.Helper()
	test, err := trainer.Samples(ds.Test, 0, ds.Test.Len())
	if err != nil {
		t.Fatal(err)
	}
	ev, err := trainer.Evaluate(res.Params, res.Activation, float64(cfg.PixelScale), test)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}
