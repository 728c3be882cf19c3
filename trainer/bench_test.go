package trainer_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/shard"
	"github.com/shardnet/shardnet/trainer"
)

// benchSet is real MNIST's training set when SHARDNET_DATA names it, else
// synthetic data of the same size and sparsity.
func benchSet(b *testing.B) *shard.Set {
	if os.Getenv("SHARDNET_DATA") != "" {
		return mnist(b).Train
	}
	return syntheticSet(60000, 28, 42)
}

var benchData *trainer.Data

// benchMicroShards is the configuration's default micro_shards, enough for
// 16 processes of 16 workers.
const benchMicroShards = 256

// benchmarkIteration times one full-batch training iteration as Run takes
// it: Engine.Step over the fixed batch (sharded gradient, reduction, update
// and refresh of the float32 model), with the seed's gradient descent.
func benchmarkIteration(b *testing.B, hidden, workers int) {
	if benchData == nil {
		benchData = mustData(b, benchSet(b), 0)
	}
	data := benchData
	shape := netcore.Shape{Inputs: data.Train.Dim(), Hidden: hidden, Outputs: data.Classes}
	p, _ := netcore.NewParams(shape)
	p.Init(netcore.NormalInit, 0.01, newRand(1))
	m, err := trainer.NewModel(p, netcore.Sigmoid, 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	batch := trainer.Identity(data.Train.Len())
	e, err := trainer.NewEngine(ctx, m, data.Train, trainer.EngineOptions{Workers: workers, MicroShards: benchMicroShards, Fixed: batch})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	params := make([]float64, m.FlatLen())
	m.FromRowMajor(params, p.Data)
	opt := trainer.GradientDescent{}.NewOptimizer(len(params))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, bad, err := e.Step(ctx, batch, params, opt, i+1, 0.04); err != nil || bad != "" {
			b.Fatal(err, bad)
		}
	}
	b.ReportMetric(float64(data.Train.Len())*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

func BenchmarkIteration(b *testing.B) {
	for _, hidden := range []int{10, 300} {
		for _, workers := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("hidden=%d/workers=%d", hidden, workers), func(b *testing.B) { benchmarkIteration(b, hidden, workers) })
		}
	}
}

// benchmarkMiniBatch times mini-batch training steps as Run takes them
// (model refresh, sharded gradient, reduction, Adam update), so that the
// per-step overheads that dominate small batches show up.
func benchmarkMiniBatch(b *testing.B, hidden, batch, workers int) {
	if benchData == nil {
		benchData = mustData(b, benchSet(b), 0)
	}
	cfg := smallConfig(workers, 1)
	cfg.Hidden, cfg.BatchSize = hidden, batch
	cfg.Activation, cfg.Init, cfg.Rule, cfg.LearningRate = netcore.ReLU, netcore.He, adam, trainer.Constant(1e-3)
	cfg.LogEvery = 1 << 30
	cfg.MicroShards = workers // one partial per worker, as configs/default.yaml has it
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		cfg.Iterations = 200
		tr, err := trainer.New(cfg, benchData, trainer.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := tr.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(200*b.N), "ms/step")
}

func BenchmarkMiniBatch(b *testing.B) {
	for _, hidden := range []int{256, 512, 768} {
		for _, batch := range []int{128, 512} {
			b.Run(fmt.Sprintf("hidden=%d/batch=%d/workers=2", hidden, batch), func(b *testing.B) { benchmarkMiniBatch(b, hidden, batch, 2) })
		}
	}
}
