package trainer_test

import (
	"math/rand/v2"
	"testing"

	"github.com/shardnet/shardnet/internal/config"
	"github.com/shardnet/shardnet/shard"
	"github.com/shardnet/shardnet/trainer"
)

// syntheticSet makes n images of side×side pixels, about a fifth of them
// ink as in MNIST, whose label is predictable from where the ink is, so that
// training has something to learn.
func syntheticSet(n, side int, seed uint64) *shard.Set {
	rng := rand.New(rand.NewPCG(seed, 1))
	dim := side * side
	im := &shard.Images{Count: n, Rows: side, Cols: side, Pixels: make([]uint8, n*dim)}
	labels := make([]uint8, n)
	for i := range n {
		label := rng.IntN(trainer.Classes)
		labels[i] = uint8(label)
		px := im.Pixels[i*dim : (i+1)*dim]
		for j := range px {
			// Ink is likelier in a band of pixels that depends on the label.
			p := 0.1
			if j%trainer.Classes == label {
				p = 0.7
			}
			if rng.Float64() < p {
				px[j] = uint8(1 + rng.IntN(255))
			}
		}
	}
	return &shard.Set{Images: im, Labels: labels}
}

// smallConfig is the seed preset on a small network for fast tests.
func smallConfig(workers, iterations int) config.Config {
	c := config.Default()
	c.Hidden = 12
	c.Workers = workers
	c.Iterations = iterations
	c.PixelScale = 1.0 / 255
	c.LearningRate = 0.5
	c.LogEvery = 5
	return c
}

func mustData(t testing.TB, set *shard.Set, validation int) *trainer.Data {
	t.Helper()
	d, err := trainer.NewData(set, validation)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
