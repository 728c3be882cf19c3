package trainer_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/trainer"
)

// The hand-worked problem: two parameters starting at (1, -2), the gradient
// (0.5, -1) at the first step and (0.25, 0.5) at the second, learning rate
// 0.1, momentum 0.9, Adam's β1 0.9, β2 0.999 and ε 1e-8, and weight decay 0
// or 0.1 (decay adds 0.1·p to the gradient before anything else).
var (
	handStart = []float64{1, -2}
	handGrads = [][]float64{{0.5, -1}, {0.25, 0.5}}
)

// adamByHand is Adam's update written out for this problem, element by
// element: m and v are the moments after step 1, then after step 2.
func adamByHand(decay float64) [2][2]float64 {
	var out [2][2]float64
	for i, p := range handStart {
		// step 1: the moments start at 0, so m̂ = g and v̂ = g².
		g := handGrads[0][i] + decay*p
		m := 0.1 * g
		v := 0.001 * g * g
		p -= 0.1 * (m / 0.1) / (math.Sqrt(v/0.001) + 1e-8)
		out[0][i] = p
		// step 2: bias corrections 1-0.9² = 0.19 and 1-0.999² = 0.001999.
		g = handGrads[1][i] + decay*p
		m = 0.9*m + 0.1*g
		v = 0.999*v + 0.001*g*g
		p -= 0.1 * (m / 0.19) / (math.Sqrt(v/0.001999) + 1e-8)
		out[1][i] = p
	}
	return out
}

// TestOptimizersByHand checks each optimizer's first two steps against the
// numbers worked out by hand from its formula.
func TestOptimizersByHand(t *testing.T) {
	adam0, adamDecay := adamByHand(0), adamByHand(0.1)
	tests := []struct {
		rule  string
		decay float64
		want  [2][2]float64 // parameters after step 1 and after step 2
	}{
		// p -= 0.1·g: (1-0.05, -2+0.1), then (0.95-0.025, -1.9-0.05).
		{"gd", 0, [2][2]float64{{0.95, -1.9}, {0.925, -1.95}}},
		// g+0.1p = (0.6, -1.2) -> (0.94, -1.88); then g+0.1p = (0.344, 0.312).
		{"gd", 0.1, [2][2]float64{{0.94, -1.88}, {0.9056, -1.9112}}},
		// v = g = (0.5, -1) -> (0.95, -1.9); v = 0.9(0.5, -1)+(0.25, 0.5) = (0.7, -0.4).
		{"momentum", 0, [2][2]float64{{0.95, -1.9}, {0.88, -1.86}}},
		// v = (0.6, -1.2) -> (0.94, -1.88); g' = (0.344, 0.312), v = (0.884, -0.768).
		{"momentum", 0.1, [2][2]float64{{0.94, -1.88}, {0.8516, -1.8032}}},
		// step g+0.9v = (0.95, -1.9) -> (0.905, -1.81); v = (0.7, -0.4),
		// step (0.25+0.63, 0.5-0.36) = (0.88, 0.14).
		{"nesterov", 0, [2][2]float64{{0.905, -1.81}, {0.817, -1.824}}},
		// g' = (0.6, -1.2), step (1.14, -2.28) -> (0.886, -1.772);
		// g' = (0.3386, 0.3228), v = (0.8786, -0.7572), step (1.12934, -0.35868).
		{"nesterov", 0.1, [2][2]float64{{0.886, -1.772}, {0.773066, -1.736132}}},
		{"adam", 0, adam0},
		{"adam", 0.1, adamDecay},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/decay=%g", tt.rule, tt.decay), func(t *testing.T) {
			opt := rule(tt.rule, tt.decay).NewOptimizer(2)
			p := append([]float64(nil), handStart...)
			for step, g := range handGrads {
				opt.Update(p, g, 0, step+1, 0.1)
				for i := range p {
					if math.Abs(p[i]-tt.want[step][i]) > 1e-12 {
						t.Errorf("after step %d: p[%d] = %.15g, by hand %.15g", step+1, i, p[i], tt.want[step][i])
					}
				}
			}
		})
	}
}

// TestAdamFirstStepIsSignStep: with zero moments Adam's first step moves
// every parameter by the learning rate against the sign of its gradient,
// whatever the gradient's size (up to ε).
func TestAdamFirstStepIsSignStep(t *testing.T) {
	opt := adam.NewOptimizer(3)
	p := []float64{0, 0, 0}
	opt.Update(p, []float64{1e-3, -7, 200}, 0, 1, 0.01)
	for i, want := range []float64{-0.01, 0.01, -0.01} {
		if math.Abs(p[i]-want) > 1e-7 {
			t.Errorf("p[%d] = %v, want %v", i, p[i], want)
		}
	}
}

// TestOptimizerRangesMatchStep: updating a vector in pieces, as the
// engine's workers do, gives bitwise what one Update over all of it gives.
func TestOptimizerRangesMatchStep(t *testing.T) {
	shape := netcore.Shape{Inputs: 7, Hidden: 5, Outputs: 3}
	for _, name := range []string{"gd", "momentum", "nesterov", "adam"} {
		whole := rule(name, 1e-3).NewOptimizer(shape.Len())
		pieces := rule(name, 1e-3).NewOptimizer(shape.Len())
		p := randomParams(t, shape)
		q := p.Clone()
		g := randomParams(t, shape)
		for i := range g.Data {
			g.Data[i] *= float64(i%3) - 0.7
		}
		cuts := []int{0, 1, 13, 40, shape.Len()}
		for step := 1; step <= 3; step++ {
			whole.Update(p.Data, g.Data, 0, step, 0.05)
			for k := range cuts[1:] {
				pieces.Update(q.Data, g.Data[cuts[k]:cuts[k+1]], cuts[k], step, 0.05)
			}
		}
		if p.Digest() != q.Digest() {
			t.Errorf("%s: updating in ranges differs from one Update", name)
		}
	}
}

// rule returns the update rule a test names, with the hand-worked
// problem's constants.
func rule(name string, decay float64) trainer.UpdateRule {
	switch name {
	case "momentum", "nesterov":
		return trainer.Momentum{Momentum: 0.9, Nesterov: name == "nesterov", WeightDecay: decay}
	case "adam":
		return trainer.Adam{Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, WeightDecay: decay}
	}
	return trainer.GradientDescent{WeightDecay: decay}
}

// TestLearningRateSchedules checks the schedules at a few steps against
// their formulas worked out by hand.
func TestLearningRateSchedules(t *testing.T) {
	step := trainer.StepDecay{Initial: 0.1, Every: 3, Gamma: 0.5}
	cosine := trainer.Cosine{Initial: 0.1}
	tests := []struct {
		schedule    trainer.Schedule
		step, total int
		want        float64
	}{
		{trainer.Constant(0.1), 0, 4, 0.1},
		{trainer.Constant(0.1), 3, 4, 0.1},
		// step: 0.1·0.5^⌊step/3⌋.
		{step, 0, 10, 0.1},
		{step, 2, 10, 0.1},
		{step, 3, 10, 0.05},
		{step, 5, 10, 0.05},
		{step, 6, 10, 0.025},
		{step, 9, 10, 0.0125},
		// cosine: 0.1·(1+cos(π·step/total))/2, cos(π/4) = √2/2.
		{cosine, 0, 4, 0.1},
		{cosine, 1, 4, 0.05 * (1 + math.Sqrt2/2)},
		{cosine, 2, 4, 0.05},
		{cosine, 3, 4, 0.05 * (1 - math.Sqrt2/2)},
		{cosine, 4, 4, 0},
	}
	for _, tt := range tests {
		if got := tt.schedule.Rate(tt.step, tt.total); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("%#v step %d of %d: learning rate %.17g, want %.17g", tt.schedule, tt.step, tt.total, got, tt.want)
		}
	}
}
