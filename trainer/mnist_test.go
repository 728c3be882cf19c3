package trainer_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/shardnet/shardnet/netcore"
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

// seedNetwork is the post's own network and training: 784-10-10 sigmoid,
// N(0,1)·0.01 weights, raw pixels, full-batch gradient descent at 0.04.
func seedNetwork(workers, iterations int) trainer.Config {
	return trainer.Config{
		Hidden: 10, Activation: netcore.Sigmoid, Init: netcore.NormalInit, InitScale: 0.01, PixelScale: 1, Seed: 1,
		Iterations: iterations, LearningRate: trainer.Constant(0.04), Rule: trainer.GradientDescent{},
		Workers: workers, MicroShards: 64, LogEvery: 200,
	}
}

// TestMNISTDeterministic: on real MNIST a few iterations of the seed
// network give bitwise the same parameters for 1, 2, 3, 7 and 16 workers.
func TestMNISTDeterministic(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("long: real MNIST training")
	}
	ds := mnist(t)
	data := mustData(t, ds.Train, 0)
	var want string
	for _, workers := range []int{1, 2, 3, 7, 16} {
		res := runConfig(t, seedNetwork(workers, 3), data, trainer.Options{})
		got := res.Params.Digest()
		t.Logf("workers=%2d params sha256 %s", workers, got)
		if want == "" {
			want = got
		} else if got != want {
			t.Errorf("workers=%d: params sha256 %s, 1 worker gives %s", workers, got, want)
		}
	}
}

// runConfig trains cfg on data to the end.
func runConfig(t *testing.T, cfg trainer.Config, data *trainer.Data, opts trainer.Options) *trainer.Result {
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
