package kernel

import (
	"fmt"
	"math"
)

// Samples holds images in sparse row form, built once from dense uint8
// pixels: the non-zero pixels of image i are Index[Offsets[i]:Offsets[i+1]]
// (column numbers, ascending) with values Value[Offsets[i]:Offsets[i+1]].
//
// The kernels trust the invariants NewSamples establishes (offsets
// ascending, every index below Dim); Samples built or modified any other way
// must pass Model.Check before they reach Gradient or Predict.
type Samples struct {
	N, Dim  int
	Offsets []int32 // len N+1
	Index   []uint16
	Value   []uint8
	Labels  []uint8
}

// samplePad is the spare capacity NewSamples leaves after Index and Value.
const samplePad = 16

// NewSamples converts n dense images of dim pixels each (row-major, n*dim
// bytes) and their n labels into sparse form. The labels are copied.
func NewSamples(pixels []uint8, labels []uint8, n, dim int) (*Samples, error) {
	switch {
	case n < 0 || n >= math.MaxInt32:
		return nil, fmt.Errorf("kernel: %d samples, want 0 to %d", n, math.MaxInt32-1)
	case dim < 1 || dim > math.MaxUint16+1:
		return nil, fmt.Errorf("kernel: image size %d pixels, want 1 to %d", dim, math.MaxUint16+1)
	case len(pixels) != n*dim:
		return nil, fmt.Errorf("kernel: %d pixel bytes, want %d images × %d pixels = %d", len(pixels), n, dim, n*dim)
	case len(labels) != n:
		return nil, fmt.Errorf("kernel: %d labels, want one per image (%d)", len(labels), n)
	}
	nnz := 0
	for _, p := range pixels {
		if p != 0 {
			nnz++
		}
	}
	if nnz > math.MaxInt32 {
		return nil, fmt.Errorf("kernel: %d non-zero pixels, want at most %d", nnz, math.MaxInt32)
	}
	s := &Samples{
		N:       n,
		Dim:     dim,
		Offsets: make([]int32, n+1),
		// Spare zeroed capacity lets the assembly decode pixels 8 at a
		// time without a bounds-checked tail.
		Index:  make([]uint16, 0, nnz+samplePad),
		Value:  make([]uint8, 0, nnz+samplePad),
		Labels: append([]uint8(nil), labels...),
	}
	for i := range n {
		for j, p := range pixels[i*dim : (i+1)*dim] {
			if p != 0 {
				s.Index = append(s.Index, uint16(j))
				s.Value = append(s.Value, p)
			}
		}
		s.Offsets[i+1] = int32(len(s.Index))
	}
	return s, nil
}

// NonZero returns the number of non-zero pixels over all images.
func (s *Samples) NonZero() int { return len(s.Index) }
