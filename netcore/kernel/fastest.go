package kernel

import (
	"math/rand/v2"
	"time"
)

// FastestPath returns the name of the fastest kernel path this CPU runs
// for a network of the given shape, and the time of one gradient of a
// small synthetic batch on each path it timed. Every path computes the one
// arithmetic ([Arithmetic]), so the choice changes the speed alone: a
// caller may take the fastest without changing a bit of its results.
//
// Only the assembly paths are candidates where there is one (the portable
// path is an order of magnitude slower); where there is a single one,
// FastestPath returns it without timing anything. Otherwise it times a
// full-batch gradient of 256 MNIST-like images (a fifth of the pixels set)
// on each candidate, three times each in turn, and keeps each one's
// fastest: a few milliseconds for 784-10-10, a few tens for 784-300-10.
// A tie, within 3%, goes to the first candidate of Paths.
func FastestPath(inputs, hidden, outputs int, act Activation, pixelScale float32) (string, map[string]time.Duration) {
	var candidates []path
	for _, name := range Paths() {
		if p, _ := parsePath(name); p != generic {
			candidates = append(candidates, p)
		}
	}
	switch len(candidates) {
	case 0:
		return generic.String(), nil
	case 1:
		return candidates[0].String(), nil
	}
	const n = 256
	s, _, err := syntheticSamples(rand.New(rand.NewPCG(uint64(inputs), uint64(hidden))), n, inputs, outputs, 5)
	if err != nil {
		return candidates[0].String(), nil
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	type trial struct {
		m    *Model
		plan *Plan
		g    *Grad
		ws   *Scratch
		best time.Duration
	}
	var trials []*trial
	for _, p := range candidates {
		m, err := newModel(p, inputs, hidden, outputs, act, pixelScale)
		if err != nil {
			return candidates[0].String(), nil
		}
		t := &trial{m: m, plan: m.NewPlan(s, idx), g: NewGrad(m), ws: NewScratch(m)}
		m.GradientPlan(t.g, t.plan, t.ws) // warm the caches and the code
		trials = append(trials, t)
	}
	for range 3 {
		for _, t := range trials {
			start := time.Now()
			t.m.GradientPlan(t.g, t.plan, t.ws)
			if d := time.Since(start); t.best == 0 || d < t.best {
				t.best = d
			}
		}
	}
	times := make(map[string]time.Duration, len(trials))
	fastest := trials[0]
	for _, t := range trials {
		times[t.m.path.String()] = t.best
		if float64(t.best) < 0.97*float64(fastest.best) {
			fastest = t
		}
	}
	return fastest.m.path.String(), times
}

// syntheticSamples returns n MNIST-like images of the given number of
// pixels, each pixel set (to 1..255) with probability 1/oneIn, with labels
// uniform below outputs, drawn from r in that order, and the images' dense
// pixels.
func syntheticSamples(r *rand.Rand, n, inputs, outputs, oneIn int) (*Samples, []uint8, error) {
	pixels, labels := make([]uint8, n*inputs), make([]uint8, n)
	for i := range pixels {
		if r.IntN(oneIn) == 0 {
			pixels[i] = uint8(1 + r.IntN(255))
		}
	}
	for i := range labels {
		labels[i] = uint8(r.IntN(outputs))
	}
	s, err := NewSamples(pixels, labels, n, inputs)
	return s, pixels, err
}
