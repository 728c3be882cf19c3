package kernel

import "fmt"

// Plan is a fixed list of samples prepared once for many gradients over
// them, as full-batch training takes one every iteration.
//
// The first layer's gradient is cheapest pixel by pixel: each weight row
// read once, the contributions of all the images using that pixel summed
// in registers, and the row written once. That needs the images of a batch
// transposed, which costs more than it saves if done for every gradient.
// On the assembly path a Plan stores the transposition of every batch,
// made once (see asmPlan); on the portable path it is just the list.
//
// GradientPlan over a plan gives bitwise the same sums as Gradient over
// the same samples in the same order, on the paths of the one arithmetic,
// whose every value is one chain in image order (docs/ARITHMETIC.md): the
// plan changes how the kernels walk the samples, not what they compute.
// The AVX-512 path, which keeps an arithmetic of its own, sums each
// first-layer weight's gradient per batch of the plan instead.
// A Plan is read-only once made and may be shared by goroutines.
type Plan struct {
	s   *Samples
	idx []int32
	// The shape and kernel path the plan was made for: byte offsets and
	// the batches' layout depend on them.
	inputs, hp, batch int
	path              path

	// asm is what the assembly path prepares (plan_amd64.go); the
	// portable path needs only the list.
	asm asmPlan
}

// NewPlan prepares the samples s[idx[k]] for GradientPlan with m or any
// model of the same shape and kernel path. It copies idx; s must stay unchanged while the
// plan is used. Like Gradient, it panics if s does not fit m or an index is
// outside s, and, for a narrow network (whose plan keeps the labels), if a
// label is not below m's outputs.
func (m *Model) NewPlan(s *Samples, idx []int32) *Plan {
	if s.dim != m.inputs {
		panic(fmt.Sprintf("kernel: NewPlan: images of %d pixels, model wants %d", s.dim, m.inputs))
	}
	p := &Plan{
		s:      s,
		idx:    append([]int32(nil), idx...),
		inputs: m.inputs,
		hp:     m.hp,
		batch:  m.batchSize(),
		path:   m.path,
	}
	if m.Fast() {
		m.prepareAsmPlan(p)
	}
	return p
}

// nonZero returns the number of non-zero pixels of the plan's images.
func (p *Plan) nonZero() int {
	nnz := 0
	for _, i := range p.idx {
		nnz += int(p.s.offsets[i+1] - p.s.offsets[i])
	}
	return nnz
}

// Len returns the number of samples in the plan.
func (p *Plan) Len() int { return len(p.idx) }

// GradientPlan adds to g the gradient sums and cost of the plan's samples,
// as Gradient does for them (see Plan for how the sums may differ). It does
// not allocate. It panics if the plan was made for a model of another shape
// or kernel path.
func (m *Model) GradientPlan(g *Grad, p *Plan, ws *Scratch) {
	// The batch size follows from hp (see batchSize), so the plan's batches
	// are m's too.
	if p.inputs != m.inputs || p.hp != m.hp || p.path != m.path {
		panic("kernel: GradientPlan: plan made for another model shape or kernel path")
	}
	m.mustMatch("GradientPlan", p.s, ws)
	m.mustFitGrad("GradientPlan", g)
	if !m.Fast() {
		g.Cost += m.gradientGo(g, p.s, p.idx, ws)
		return
	}
	g.Cost += m.gradientAsm(g, p.s, p.idx, ws, p)
}
