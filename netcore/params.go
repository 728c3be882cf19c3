// Package netcore holds the mathematics of the seed network: a 784-H-10
// perceptron with one hidden layer and a softmax output, its parameters,
// loss, gradients, initialisation and checkpoint encoding.
//
// The package knows nothing of goroutines. The plain float64 reference
// implementation (reference.go) mirrors the blog post's matrix formulas line
// by line; it is the oracle every faster kernel (package netcore/kernel) is
// tested against.
package netcore

import (
	"errors"
	"fmt"
)

// Shape is the size of each layer of the network.
type Shape struct {
	Inputs  int // pixels per image, 784 for MNIST
	Hidden  int // hidden units, H
	Outputs int // classes, 10 for MNIST
}

// Validate reports whether every layer has at least one unit.
func (s Shape) Validate() error {
	if s.Inputs < 1 || s.Hidden < 1 || s.Outputs < 1 {
		return fmt.Errorf("netcore: invalid shape %dx%dx%d: every layer needs at least one unit", s.Inputs, s.Hidden, s.Outputs)
	}
	return nil
}

// Len is the number of scalar parameters of a network of this shape.
func (s Shape) Len() int {
	return s.Hidden*s.Inputs + s.Hidden + s.Outputs*s.Hidden + s.Outputs
}

// String formats the shape as "784-10-10".
func (s Shape) String() string { return fmt.Sprintf("%d-%d-%d", s.Inputs, s.Hidden, s.Outputs) }

// Params holds the weights and biases of a network in float64, laid out as
// the post writes them: W1 is Hidden×Inputs and W2 is Outputs×Hidden, both
// row-major. W1, B1, W2 and B2 are views into the single slice Data, so
// element-wise work (updates, reductions, digests) runs over Data alone.
//
// The same type holds gradients, which have the shape of the parameters.
type Params struct {
	Shape Shape
	Data  []float64 // W1, then B1, then W2, then B2

	W1 []float64 // Hidden×Inputs, row-major
	B1 []float64 // Hidden
	W2 []float64 // Outputs×Hidden, row-major
	B2 []float64 // Outputs
}

// NewParams returns zeroed parameters of the given shape.
func NewParams(s Shape) (*Params, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return paramsOver(s, make([]float64, s.Len())), nil
}

// paramsOver lays the four tensors of shape s over data, which has length s.Len().
func paramsOver(s Shape, data []float64) *Params {
	p := &Params{Shape: s, Data: data}
	off := 0
	take := func(n int) []float64 {
		v := data[off : off+n : off+n]
		off += n
		return v
	}
	p.W1 = take(s.Hidden * s.Inputs)
	p.B1 = take(s.Hidden)
	p.W2 = take(s.Outputs * s.Hidden)
	p.B2 = take(s.Outputs)
	return p
}

// Clone returns a deep copy of p.
func (p *Params) Clone() *Params {
	return paramsOver(p.Shape, append([]float64(nil), p.Data...))
}

// CopyFrom overwrites p with the values of src, which must have the same shape.
func (p *Params) CopyFrom(src *Params) error {
	if p.Shape != src.Shape {
		return fmt.Errorf("netcore: copy %v parameters into %v: %w", src.Shape, p.Shape, ErrShape)
	}
	copy(p.Data, src.Data)
	return nil
}

// Zero sets every parameter to zero.
func (p *Params) Zero() { clear(p.Data) }

// ErrShape is returned when two networks or tensors do not have matching shapes.
var ErrShape = errors.New("shape mismatch")

// ParamsOver lays parameters of shape s over data without copying it, so
// that a caller-owned buffer (a flat reduction buffer, say) can be read
// through the W1, B1, W2 and B2 views. data must have exactly s.Len() elements.
func ParamsOver(s Shape, data []float64) (*Params, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if len(data) != s.Len() {
		return nil, fmt.Errorf("netcore: %v parameters need %d values, found %d: %w", s, s.Len(), len(data), ErrShape)
	}
	return paramsOver(s, data), nil
}

// AddScaled adds alpha·g to p, element by element; with alpha = -lr it is the
// post's gradient-descent update. g must have p's shape.
func (p *Params) AddScaled(alpha float64, g *Params) error {
	if p.Shape != g.Shape {
		return fmt.Errorf("netcore: add %v parameters to %v: %w", g.Shape, p.Shape, ErrShape)
	}
	for i, v := range g.Data {
		p.Data[i] += alpha * v
	}
	return nil
}
