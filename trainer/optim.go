package trainer

import (
	"errors"
	"fmt"
	"math"
)

// Optimizer turns a mean gradient into an update of the parameters.
type Optimizer interface {
	// Update updates the elements p[from:from+len(g)] of the parameter
	// vector, g holding their gradient. step counts updates from 1 (Adam's
	// bias correction needs it) and lr is the scheduled learning rate.
	// Every element's update depends on that element alone, so updating
	// disjoint ranges that cover the vector, concurrently and in any
	// partition, gives bitwise the result of one call over the whole vector,
	// and the layout of the vector does not matter either.
	Update(p, g []float64, from, step int, lr float64)
	// State returns the optimizer's buffers by name, for checkpoints. The
	// slices are the live buffers, in the layout of the parameter vector: a
	// checkpoint restores by copying into them.
	State() map[string][]float64
}

// An UpdateRule makes the optimizer of a run: [GradientDescent],
// [Momentum] or [Adam].
type UpdateRule interface {
	// NewOptimizer returns an optimizer for a vector of n parameters, its
	// state zeroed.
	NewOptimizer(n int) Optimizer
}

// GradientDescent is the post's update, p -= lr·(g + WeightDecay·p).
type GradientDescent struct {
	WeightDecay float64 // L2 penalty added to the gradient
}

// NewOptimizer implements [UpdateRule].
func (r GradientDescent) NewOptimizer(n int) Optimizer { return &gradientDescent{decay: r.WeightDecay} }

// Momentum is heavy-ball momentum, v = µv + g, p -= lr·v, or with Nesterov
// p -= lr·(g + µv), the formulation PyTorch's SGD uses. The weight decay is
// added to the gradient first.
type Momentum struct {
	Momentum    float64 // µ
	Nesterov    bool
	WeightDecay float64
}

// NewOptimizer implements [UpdateRule].
func (r Momentum) NewOptimizer(n int) Optimizer {
	return &momentum{decay: r.WeightDecay, mu: r.Momentum, nesterov: r.Nesterov, velocity: make([]float64, n)}
}

// Adam is Kingma and Ba's Adam with bias-corrected moments:
// p -= lr·m̂/(√v̂ + ε) with m̂ = m/(1-β1^t) and v̂ = v/(1-β2^t). The weight
// decay is added to the gradient first (L2, not AdamW's decoupled decay).
type Adam struct {
	Beta1, Beta2, Epsilon float64
	WeightDecay           float64
}

// NewOptimizer implements [UpdateRule].
func (r Adam) NewOptimizer(n int) Optimizer {
	return &adam{decay: r.WeightDecay, beta1: r.Beta1, beta2: r.Beta2, eps: r.Epsilon, m: make([]float64, n), v: make([]float64, n)}
}

// gradientDescent is the optimizer of [GradientDescent].
type gradientDescent struct{ decay float64 }

func (o *gradientDescent) Update(p, g []float64, from, _ int, lr float64) {
	p = p[from : from+len(g)]
	p = p[:len(g)] // tells the compiler the lengths match
	decay := o.decay
	// The conversions keep every product rounded on its own: Go may fuse
	// x - y·z into one multiply-add on some architectures, and the update
	// must give the same bits on all of them (docs/ARITHMETIC.md).
	for i, gi := range g {
		p[i] -= float64(lr * (gi + float64(decay*p[i])))
	}
}

func (o *gradientDescent) State() map[string][]float64 { return nil }

// momentum is the optimizer of [Momentum].
type momentum struct {
	decay, mu float64
	nesterov  bool
	velocity  []float64
}

func (o *momentum) Update(p, g []float64, from, _ int, lr float64) {
	p, vel := p[from:from+len(g)], o.velocity[from:from+len(g)]
	p, vel = p[:len(g)], vel[:len(g)] // tells the compiler the lengths match
	decay, mu, nesterov := o.decay, o.mu, o.nesterov
	// Every product converted on its own, as in gradientDescent.Update.
	for i, gi := range g {
		gi += float64(decay * p[i])
		v := float64(mu*vel[i]) + gi
		vel[i] = v
		if nesterov {
			v = gi + float64(mu*v)
		}
		p[i] -= float64(lr * v)
	}
}

func (o *momentum) State() map[string][]float64 {
	return map[string][]float64{"velocity": o.velocity}
}

// adam is the optimizer of [Adam].
type adam struct {
	decay, beta1, beta2, eps float64
	m, v                     []float64
}

func (o *adam) Update(p, g []float64, from, step int, lr float64) {
	// The bias corrections are folded into two per-step factors, which
	// leaves one square root and one division per element: the update runs
	// over every parameter at every mini-batch step.
	k := adamConsts{
		decay: o.decay,
		b1:    o.beta1, c1: 1 - o.beta1,
		b2: o.beta2, c2: 1 - o.beta2,
		inv2: 1 / (1 - math.Pow(o.beta2, float64(step))),
		eps:  o.eps,
		rate: lr / (1 - math.Pow(o.beta1, float64(step))),
	}
	n := len(g)
	adamUpdate(p[from:from+n], g, o.m[from:from+n], o.v[from:from+n], &k)
}

// adamConsts are the factors of one Adam step, in the order the assembly
// reads them.
type adamConsts struct {
	decay, b1, c1, b2, c2, inv2, eps, rate float64
}

// adamGo is Adam's element-wise update in Go:
//
//	g += decay·p; m = b1·m + c1·g; v = b2·v + c2·g·g; p -= rate·m / (√(v·inv2) + eps)
//
// The float64 conversions keep every product rounded on its own (no fused
// multiply-add, whatever GOAMD64 allows), which is what the assembly
// computes too.
func adamGo(p, g, m, v []float64, k *adamConsts) {
	p, m, v = p[:len(g)], m[:len(g)], v[:len(g)] // tells the compiler the lengths match
	decay, b1, c1, b2, c2, inv2, eps, rate := k.decay, k.b1, k.c1, k.b2, k.c2, k.inv2, k.eps, k.rate
	for i, gi := range g {
		gi += float64(decay * p[i])
		mi := float64(b1*m[i]) + float64(c1*gi)
		vi := float64(b2*v[i]) + float64(float64(c2*gi)*gi)
		m[i], v[i] = mi, vi
		p[i] -= float64(rate*mi) / (math.Sqrt(float64(vi*inv2)) + eps)
	}
}

func (o *adam) State() map[string][]float64 {
	return map[string][]float64{"adam_m": o.m, "adam_v": o.v}
}

// A Schedule gives the learning rate of every update: [Constant],
// [StepDecay] or [Cosine].
type Schedule interface {
	// Rate returns the learning rate of update number step (counted from 0)
	// of total.
	Rate(step, total int) float64
}

// Constant is a fixed learning rate, the post's.
type Constant float64

// Rate implements [Schedule].
func (c Constant) Rate(step, total int) float64 { return float64(c) }

// StepDecay multiplies the rate by Gamma every Every updates.
type StepDecay struct {
	Initial float64 // the first rate
	Every   int
	Gamma   float64
}

// Rate implements [Schedule].
func (s StepDecay) Rate(step, total int) float64 {
	return s.Initial * math.Pow(s.Gamma, float64(step/s.Every))
}

// Cosine anneals the rate from Initial to zero over the run along half a
// cosine wave.
type Cosine struct {
	Initial float64 // the first rate
}

// Rate implements [Schedule].
func (c Cosine) Rate(step, total int) float64 {
	return c.Initial * 0.5 * (1 + cosine(math.Pi*float64(step)/float64(total)))
}

// cosine is math.Cos for 0 ≤ x ≤ π, as its portable Go computes it
// (Cephes' polynomials after Cody-Waite reduction by π/4), with every
// product converted on its own so that no architecture fuses it: math.Cos
// is compiled with fused multiply-adds where the architecture has them,
// and a schedule's rate must be the same everywhere.
func cosine(x float64) float64 {
	const (
		pi4A = 7.85398125648498535156e-1  // π/4 split into three parts
		pi4B = 3.77489470793079817668e-8  //
		pi4C = 2.69515142907905952645e-15 //
	)
	sinP := [...]float64{
		1.58962301576546568060e-10, -2.50507477628578072866e-8, 2.75573136213857245213e-6,
		-1.98412698295895385996e-4, 8.33333333332211858878e-3, -1.66666666666666307295e-1,
	}
	cosP := [...]float64{
		-1.13585365213876817300e-11, 2.08757008419747316778e-9, -2.75573141792967388112e-7,
		2.48015872888517045348e-5, -1.38888888888730564116e-3, 4.16666666666665929218e-2,
	}
	x = math.Abs(x)
	j := uint64(x * (4 / math.Pi))
	y := float64(j)
	if j&1 == 1 {
		j++
		y++
	}
	j &= 7
	z := ((x - float64(y*pi4A)) - float64(y*pi4B)) - float64(y*pi4C)
	sign := false
	if j > 3 {
		j -= 4
		sign = !sign
	}
	if j > 1 {
		sign = !sign
	}
	zz := float64(z * z)
	horner := func(c [6]float64) float64 {
		r := float64(c[0] * zz)
		for _, k := range c[1:5] {
			r = float64((r + k) * zz)
		}
		return r + c[5]
	}
	if j == 1 || j == 2 {
		y = z + float64(float64(z*zz)*horner(sinP))
	} else {
		y = (1.0 - float64(0.5*zz)) + float64(float64(zz*zz)*horner(cosP))
	}
	if sign {
		y = -y
	}
	return y
}

// The update rules and schedules check their own parameters, so that
// [Config.Validate] (and [New]) refuse a run that would divide by zero or
// diverge from its first step. A rule or schedule of another type is
// checked by its own Validate method, if it has one.

// Validate reports a WeightDecay that is negative or not finite.
func (r GradientDescent) Validate() error {
	return weightDecayError("GradientDescent", r.WeightDecay)
}

// Validate reports a Momentum outside [0, 1) and a WeightDecay that is
// negative or not finite.
func (r Momentum) Validate() error {
	return errors.Join(
		unitIntervalError("Momentum.Momentum", r.Momentum),
		weightDecayError("Momentum", r.WeightDecay))
}

// Validate reports a Beta1 or Beta2 outside [0, 1), an Epsilon that is not
// a positive finite number, and a WeightDecay that is negative or not
// finite.
func (r Adam) Validate() error {
	return errors.Join(
		unitIntervalError("Adam.Beta1", r.Beta1),
		unitIntervalError("Adam.Beta2", r.Beta2),
		positiveError("Adam.Epsilon", r.Epsilon),
		weightDecayError("Adam", r.WeightDecay))
}

// Validate reports a rate that is not a positive finite number.
func (c Constant) Validate() error { return positiveError("Constant learning rate", float64(c)) }

// Validate reports an Initial rate that is not a positive finite number,
// an Every below 1 (the rate would divide by it) and a Gamma outside
// (0, 1].
func (s StepDecay) Validate() error {
	var every error
	if s.Every < 1 {
		every = fmt.Errorf("trainer: StepDecay.Every is %d, want at least 1", s.Every)
	}
	var gamma error
	if !(s.Gamma > 0 && s.Gamma <= 1) {
		gamma = fmt.Errorf("trainer: StepDecay.Gamma is %v, want a number in (0, 1]", s.Gamma)
	}
	return errors.Join(positiveError("StepDecay.Initial", s.Initial), every, gamma)
}

// Validate reports an Initial rate that is not a positive finite number.
func (c Cosine) Validate() error { return positiveError("Cosine.Initial", c.Initial) }

func positiveError(name string, v float64) error {
	if v > 0 && !math.IsInf(v, 1) {
		return nil
	}
	return fmt.Errorf("trainer: %s is %v, want a positive finite number", name, v)
}

func unitIntervalError(name string, v float64) error {
	if v >= 0 && v < 1 {
		return nil
	}
	return fmt.Errorf("trainer: %s is %v, want a number in [0, 1)", name, v)
}

func weightDecayError(rule string, v float64) error {
	if v >= 0 && !math.IsInf(v, 1) {
		return nil
	}
	return fmt.Errorf("trainer: %s.WeightDecay is %v, want a finite number >= 0", rule, v)
}
