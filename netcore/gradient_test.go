package netcore_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"

	"github.com/shardnet/shardnet/netcore"
)

// smallProblem returns random parameters, inputs and one-hot targets for a
// network of shape s with m samples, all drawn from a fixed seed.
func smallProblem(t testing.TB, s netcore.Shape, m int, seed uint64) (*netcore.Params, *mat.Dense, *mat.Dense) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	p, err := netcore.NewParams(s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Data {
		p.Data[i] = rng.NormFloat64() * 0.5
	}
	x := make([]float64, s.Inputs*m)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	labels := make([]uint8, m)
	for i := range labels {
		labels[i] = uint8(rng.IntN(s.Outputs))
	}
	return p, mat.NewDense(s.Inputs, m, x), netcore.OneHot(labels, s.Outputs)
}

// costAt returns the cost as a function of the flat parameter vector, the
// form fd.Gradient differentiates.
func costAt(s netcore.Shape, act netcore.Activation, X, Y *mat.Dense) func([]float64) float64 {
	return func(data []float64) float64 {
		p, err := netcore.ParamsOver(s, data)
		if err != nil {
			panic(err)
		}
		return netcore.Cost(netcore.Forward(p, act, X), Y)
	}
}

// minDistanceToZero returns the smallest |Z1| of the forward pass, the
// distance to ReLU's kink.
func minDistanceToZero(p *netcore.Params, X *mat.Dense) float64 {
	c := netcore.Forward(p, netcore.ReLU, X)
	lo := math.Inf(1)
	r, m := c.Z1.Dims()
	for i := range r {
		for j := range m {
			lo = min(lo, math.Abs(c.Z1.At(i, j)))
		}
	}
	return lo
}

func TestGradientMatchesFiniteDifferences(t *testing.T) {
	s := netcore.Shape{Inputs: 6, Hidden: 4, Outputs: 3}
	const m = 5
	for _, act := range []netcore.Activation{netcore.Sigmoid, netcore.Tanh, netcore.ReLU} {
		t.Run(act.String(), func(t *testing.T) {
			var p *netcore.Params
			var X, Y *mat.Dense
			// For ReLU, redraw until every pre-activation is well away from
			// the kink, where finite differences straddle two slopes.
			for seed := uint64(1); ; seed++ {
				p, X, Y = smallProblem(t, s, m, seed)
				if act != netcore.ReLU || minDistanceToZero(p, X) > 1e-2 {
					break
				}
				if seed > 1000 {
					t.Fatal("no seed keeps ReLU pre-activations away from 0")
				}
			}
			grad, _ := netcore.NewParams(s)
			cost := netcore.Gradient(p, act, X, Y, grad)
			f := costAt(s, act, X, Y)
			if got := f(p.Data); got != cost {
				t.Fatalf("Gradient returned cost %v, Cost(Forward) gives %v", cost, got)
			}
			numeric := fd.Gradient(nil, f, p.Data, &fd.Settings{Formula: fd.Central})
			gn, _ := netcore.ParamsOver(s, numeric)
			tensors := []struct {
				name              string
				analytic, numeric []float64
			}{
				{"W1", grad.W1, gn.W1},
				{"b1", grad.B1, gn.B1},
				{"W2", grad.W2, gn.W2},
				{"b2", grad.B2, gn.B2},
			}
			for _, tensor := range tensors {
				for i := range tensor.analytic {
					a, n := tensor.analytic[i], tensor.numeric[i]
					rel := math.Abs(a-n) / max(math.Abs(a), math.Abs(n), 1e-8)
					if rel > 1e-6 {
						t.Errorf("d cost/d %s[%d]: analytic %.12g, central difference %.12g, relative error %.2g", tensor.name, i, a, n, rel)
					}
				}
			}
		})
	}
}
