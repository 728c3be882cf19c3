package kernel_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
)

// TestGradientMatchesNetcore checks the kernels against netcore's float64
// reference, which returns means where the kernels return sums.
func TestGradientMatchesNetcore(t *testing.T) {
	cases := []gradCase{
		{"H=13", 13, 1.0 / 255, 0.2, syntheticCase(31, 50, 100), 0},
		{"H=300", 300, 1.0 / 255, 0.05, syntheticCase(32, 20, 784), 0},
		{"mnist/H=10/raw", 10, 1, 0.01, func(t testing.TB) dataset { return mnistTrain(t).head(200) }, 0},
	}
	for _, c := range cases {
		for _, act := range activations {
			for _, path := range paths() {
				t.Run(fmt.Sprintf("%s/%v/%s", c.name, act, path), func(t *testing.T) {
					d := c.data(t)
					p := randomParams(uint64(c.hidden)+7, d.dim, c.hidden, 10, c.std)
					ref, err := netcore.NewParams(netcore.Shape{Inputs: d.dim, Hidden: c.hidden, Outputs: 10})
					if err != nil {
						t.Fatal(err)
					}
					copy(ref.W1, p.w1)
					copy(ref.B1, p.b1)
					copy(ref.W2, p.w2)
					copy(ref.B2, p.b2)
					grad, _ := netcore.NewParams(ref.Shape)
					X := netcore.Inputs(d.pixels, d.n, d.dim, float64(c.scale))
					Y := netcore.OneHot(d.labels, 10)
					wantCost := netcore.Gradient(ref, netcore.Activation(act), X, Y, grad)

					m, s := setup(t, path, p, act, c.scale, d)
					got, cost, _ := unpacked(m, s, allIdx(d.n))
					inv := 1 / float64(d.n)
					for _, tc := range []struct {
						name      string
						got, want []float64
					}{{"dW1", got.w1, grad.W1}, {"db1", got.b1, grad.B1}, {"dW2", got.w2, grad.W2}, {"db2", got.b2, grad.B2}} {
						mean := make([]float64, len(tc.got))
						for i, v := range tc.got {
							mean[i] = v * inv
						}
						if e := relErr(mean, tc.want); e > 1e-4 {
							t.Errorf("%s relative error %.3g against netcore, want < 1e-4", tc.name, e)
						}
					}
					if e := math.Abs(cost*inv-wantCost) / math.Abs(wantCost); e > 1e-5 {
						t.Errorf("mean cost %v, netcore %v: relative error %.3g, want < 1e-5", cost*inv, wantCost, e)
					}
				})
			}
		}
	}
}

// TestPredictMatchesNetcore checks Predict against netcore.Predict on a
// slice of MNIST, allowing disagreement only on near ties.
func TestPredictMatchesNetcore(t *testing.T) {
	d := mnistTrain(t).head(500)
	p := randomParams(33, d.dim, 30, 10, 0.05)
	ref, _ := netcore.NewParams(netcore.Shape{Inputs: d.dim, Hidden: 30, Outputs: 10})
	copy(ref.W1, p.w1)
	copy(ref.B1, p.b1)
	copy(ref.W2, p.w2)
	copy(ref.B2, p.b2)
	want := netcore.Predict(ref, netcore.Sigmoid, netcore.Inputs(d.pixels, d.n, d.dim, 1.0/255))
	for _, path := range paths() {
		t.Run(path, func(t *testing.T) {
			m, s := setup(t, path, p, kernel.Sigmoid, 1.0/255, d)
			got := make([]uint8, d.n)
			m.Predict(got, s, allIdx(d.n), kernel.NewScratch(m))
			for i := range d.n {
				if int(got[i]) == want[i] {
					continue
				}
				_, _, z2 := oracleForward(p, kernel.Sigmoid, 1.0/255, d, i)
				if z2[want[i]]-z2[got[i]] > 1e-4 {
					t.Errorf("image %d: predicted %d, netcore %d (logits %v)", i, got[i], want[i], z2)
				}
			}
		})
	}
}
