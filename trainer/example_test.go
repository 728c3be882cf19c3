package trainer_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/shardnet/shardnet/shard"
	"github.com/shardnet/shardnet/trainer"
)

// Example trains a small network on generated 10×10 images, whose class
// shows in which pixels are bright, with two workers, and evaluates it on
// images it has not seen. It starts from the defaults, the blog post's run,
// and changes what differs.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	data, err := trainer.NewData(brightPixels(2000, 10, rng), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := trainer.DefaultConfig()
	cfg.Hidden = 16
	cfg.PixelScale = 1.0 / 255
	cfg.Iterations = 100
	cfg.LearningRate = trainer.Constant(0.01)
	cfg.Rule = trainer.Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
	cfg.Workers = 2
	cfg.MicroShards = 8
	cfg.LogEvery = 50
	tr, err := trainer.New(cfg, data, trainer.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := tr.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	test, err := trainer.Samples(brightPixels(500, 10, rng), 0, 500)
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, err := trainer.Evaluate(res.Params, res.Activation, cfg.PixelScale, test)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d iterations, the first at cost %.1f (ln 10)\n", res.Iterations, res.Cost[0].Cost)
	fmt.Println("cost below 0.5 at the last:", res.FinalCost < 0.5)
	fmt.Println("test accuracy above 95%:", ev.Accuracy > 0.95)
	// Output:
	// 100 iterations, the first at cost 2.3 (ln 10)
	// cost below 0.5 at the last: true
	// test accuracy above 95%: true
}

// brightPixels makes n labelled side×side images of ten classes: class c
// lights the pixels p with p%10 == c, over faint noise.
func brightPixels(n, side int, rng *rand.Rand) *shard.Set {
	const classes = 10
	dim := side * side
	images := &shard.Images{Count: n, Rows: side, Cols: side, Pixels: make([]uint8, n*dim)}
	labels := make([]uint8, n)
	for i := range n {
		c := rng.IntN(classes)
		labels[i] = uint8(c)
		pixels := images.Pixels[i*dim : (i+1)*dim]
		for p := range pixels {
			switch {
			case p%classes == c:
				pixels[p] = uint8(160 + rng.IntN(96))
			case rng.IntN(4) == 0:
				pixels[p] = uint8(rng.IntN(60))
			}
		}
	}
	return &shard.Set{Images: images, Labels: labels, Classes: classes}
}
