package kernel

import (
	"fmt"
	"math"
)

// Samples holds labelled images in sparse row form, built once from dense
// uint8 pixels by NewSamples: the non-zero pixels of image i are
// index[offsets[i]:offsets[i+1]] (column numbers, ascending) with values
// value[offsets[i]:offsets[i+1]].
//
// The assembly trusts these invariants (offsets ascending, every index
// below the image size), so the fields are unexported and nothing changes
// them after NewSamples; a Samples is read-only and may be shared by
// goroutines.
type Samples struct {
	n, dim  int
	offsets []int32 // len n+1
	index   []uint16
	value   []uint8
	labels  []uint8
}

// samplePad is the spare capacity NewSamples leaves after index and value.
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
		n:       n,
		dim:     dim,
		offsets: make([]int32, n+1),
		// Spare zeroed capacity lets the assembly decode pixels 8 at a
		// time without a bounds-checked tail.
		index:  make([]uint16, 0, nnz+samplePad),
		value:  make([]uint8, 0, nnz+samplePad),
		labels: append([]uint8(nil), labels...),
	}
	for i := range n {
		for j, p := range pixels[i*dim : (i+1)*dim] {
			if p != 0 {
				s.index = append(s.index, uint16(j))
				s.value = append(s.value, p)
			}
		}
		s.offsets[i+1] = int32(len(s.index))
	}
	return s, nil
}

// Len returns the number of images.
func (s *Samples) Len() int { return s.n }

// Dim returns the number of pixels per image.
func (s *Samples) Dim() int { return s.dim }

// Label returns image i's label. It panics if i is out of range.
func (s *Samples) Label(i int) uint8 { return s.labels[i] }

// NonZero returns the number of non-zero pixels over all images.
func (s *Samples) NonZero() int { return len(s.index) }

// image returns image i's pixel numbers and values.
func (s *Samples) image(i int32) ([]uint16, []uint8) {
	lo, hi := s.offsets[i], s.offsets[i+1]
	return s.index[lo:hi], s.value[lo:hi]
}
