package trainer_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/shard"
	"github.com/shardnet/shardnet/trainer"
)

// classes is the number of classes of the synthetic sets.
const classes = 10

// syntheticSet makes n images of side×side pixels, about a fifth of them
// ink as in MNIST, whose label is predictable from where the ink is, so that
// training has something to learn.
func syntheticSet(n, side int, seed uint64) *shard.Set {
	rng := rand.New(rand.NewPCG(seed, 1))
	dim := side * side
	im := &shard.Images{Count: n, Rows: side, Cols: side, Pixels: make([]uint8, n*dim)}
	labels := make([]uint8, n)
	for i := range n {
		label := rng.IntN(classes)
		labels[i] = uint8(label)
		px := im.Pixels[i*dim : (i+1)*dim]
		for j := range px {
			// Ink is likelier in a band of pixels that depends on the label.
			p := 0.1
			if j%classes == label {
				p = 0.7
			}
			if rng.Float64() < p {
				px[j] = uint8(1 + rng.IntN(255))
			}
		}
	}
	return &shard.Set{Images: im, Labels: labels, Classes: classes}
}

// adam is Adam with its usual constants.
var adam = trainer.Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}

// smallConfig is the seed network (sigmoid, normal initialisation, plain
// gradient descent) on normalised pixels with a small hidden layer, for
// fast tests.
func smallConfig(workers, iterations int) trainer.Config {
	return trainer.Config{
		Hidden:       12,
		Activation:   netcore.Sigmoid,
		Init:         netcore.NormalInit,
		InitScale:    0.01,
		PixelScale:   1.0 / 255,
		Seed:         1,
		Iterations:   iterations,
		LearningRate: trainer.Constant(0.5),
		Rule:         trainer.GradientDescent{},
		Workers:      workers,
		MicroShards:  64,
		LogEvery:     5,
	}
}

func mustData(t testing.TB, set *shard.Set, validation int) *trainer.Data {
	t.Helper()
	d, err := trainer.NewData(set, validation)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkpoints collects the checkpoints a run hands out, each encoded and
// decoded again as a file would be, by iteration.
type checkpoints struct {
	mu    sync.Mutex
	saved map[int]*netcore.Checkpoint
}

// save is an Options.Checkpoint.
func (c *checkpoints) save(ck *netcore.Checkpoint) (string, error) {
	b, err := ck.MarshalBinary()
	if err != nil {
		return "", err
	}
	back, err := netcore.UnmarshalCheckpoint(b)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.saved == nil {
		c.saved = map[int]*netcore.Checkpoint{}
	}
	c.saved[int(back.Iteration)] = back
	return fmt.Sprintf("checkpoint %d", back.Iteration), nil
}

// at returns the checkpoint taken after iteration, failing the test if
// there is none.
func (c *checkpoints) at(t *testing.T, iteration int) *netcore.Checkpoint {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	ck, ok := c.saved[iteration]
	if !ok {
		t.Fatalf("no checkpoint after iteration %d", iteration)
	}
	return ck
}
