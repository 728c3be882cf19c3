package trainer_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/shardnet/shardnet/internal/synth"
	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/trainer"
)

// Example trains a small network on generated 10×10 images, whose class
// shows in which pixels are bright, with two workers, and evaluates it on
// images it has not seen.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	data, err := trainer.NewData(synth.Set(2000, 10, rng), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := trainer.Config{
		Hidden:        16,
		Activation:    netcore.Sigmoid,
		Init:          netcore.NormalInit,
		InitScale:     0.01,
		PixelScale:    1.0 / 255,
		Seed:          1,
		Iterations:    100,
		LearningRate:  trainer.Constant(0.01),
		Rule:          trainer.Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8},
		Workers:       2,
		MicroShards:   8,
		Deterministic: true,
		LogEvery:      50,
	}
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
	test, err := trainer.Samples(synth.Set(500, 10, rng), 0, 500)
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
