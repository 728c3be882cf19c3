package trainer

import (
	"fmt"
	"math"

	"github.com/shardnet/shardnet/internal/config"
	"github.com/shardnet/shardnet/netcore"
)

// Optimizer turns a mean gradient into an update of the parameters.
type Optimizer interface {
	// Step updates p from the gradient g. step counts updates from 1 (Adam's
	// bias correction needs it) and lr is the scheduled learning rate.
	Step(p, g *netcore.Params, step int, lr float64)
	// State returns the optimizer's buffers by name, for checkpoints. The
	// slices are the live buffers: a checkpoint restores by copying into them.
	State() map[string][]float64
}

// NewOptimizer returns the optimizer named by c.Optimizer for parameters of
// n values. Weight decay adds c.WeightDecay·p to every gradient.
func NewOptimizer(c config.Config, n int) (Optimizer, error) {
	decay := c.WeightDecay
	switch c.Optimizer {
	case "gd":
		return &gradientDescent{decay: decay}, nil
	case "momentum", "nesterov":
		return &momentum{decay: decay, mu: c.Momentum, nesterov: c.Optimizer == "nesterov", velocity: make([]float64, n)}, nil
	case "adam":
		return &adam{decay: decay, beta1: c.Beta1, beta2: c.Beta2, eps: c.Epsilon, m: make([]float64, n), v: make([]float64, n)}, nil
	}
	return nil, fmt.Errorf("trainer: optimizer: want one of %v, found %q", config.Optimizers, c.Optimizer)
}

// gradientDescent is the post's update: p -= lr·g.
type gradientDescent struct{ decay float64 }

func (o *gradientDescent) Step(p, g *netcore.Params, _ int, lr float64) {
	for i, gi := range g.Data {
		p.Data[i] -= lr * (gi + o.decay*p.Data[i])
	}
}

func (o *gradientDescent) State() map[string][]float64 { return nil }

// momentum is heavy-ball momentum, v = µv + g, p -= lr·v, or with nesterov
// p -= lr·(g + µv), the formulation PyTorch's SGD uses.
type momentum struct {
	decay, mu float64
	nesterov  bool
	velocity  []float64
}

func (o *momentum) Step(p, g *netcore.Params, _ int, lr float64) {
	for i, gi := range g.Data {
		gi += o.decay * p.Data[i]
		v := o.mu*o.velocity[i] + gi
		o.velocity[i] = v
		if o.nesterov {
			v = gi + o.mu*v
		}
		p.Data[i] -= lr * v
	}
}

func (o *momentum) State() map[string][]float64 {
	return map[string][]float64{"velocity": o.velocity}
}

// adam is Kingma and Ba's Adam with bias-corrected moments.
type adam struct {
	decay, beta1, beta2, eps float64
	m, v                     []float64
}

func (o *adam) Step(p, g *netcore.Params, step int, lr float64) {
	c1 := 1 - math.Pow(o.beta1, float64(step))
	c2 := 1 - math.Pow(o.beta2, float64(step))
	for i, gi := range g.Data {
		gi += o.decay * p.Data[i]
		m := o.beta1*o.m[i] + (1-o.beta1)*gi
		v := o.beta2*o.v[i] + (1-o.beta2)*gi*gi
		o.m[i], o.v[i] = m, v
		p.Data[i] -= lr * (m / c1) / (math.Sqrt(v/c2) + o.eps)
	}
}

func (o *adam) State() map[string][]float64 {
	return map[string][]float64{"adam_m": o.m, "adam_v": o.v}
}

// LearningRate returns the scheduled learning rate for update number step
// (counted from 0) of total.
func LearningRate(c config.Config, step, total int) float64 {
	switch c.Schedule {
	case "step":
		return c.LearningRate * math.Pow(c.StepGamma, float64(step/c.StepEvery))
	case "cosine":
		return c.LearningRate * 0.5 * (1 + math.Cos(math.Pi*float64(step)/float64(total)))
	}
	return c.LearningRate
}
