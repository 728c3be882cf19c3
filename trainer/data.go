package trainer

import (
	"fmt"

	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
)

// Classes is the number of output classes: the ten digits (or the ten
// Fashion-MNIST garment kinds).
const Classes = 10

// Data is a training set in the kernels' sparse form, with an optional
// held-out validation split.
type Data struct {
	Train      *kernel.Samples
	Validation *kernel.Samples // nil without a split
}

// NewData converts set for the kernels, holding out its last validation
// images (0 for none) as a validation split.
func NewData(set *shard.Set, validation int) (*Data, error) {
	n := set.Len()
	if validation < 0 || validation >= n {
		return nil, fmt.Errorf("trainer: validation: want 0 to %d images, found %d", n-1, validation)
	}
	train, err := Samples(set, 0, n-validation)
	if err != nil {
		return nil, err
	}
	d := &Data{Train: train}
	if validation > 0 {
		if d.Validation, err = Samples(set, n-validation, n); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Samples converts images [from, to) of set for the kernels, checking that
// every label is a class.
func Samples(set *shard.Set, from, to int) (*kernel.Samples, error) {
	dim := set.Images.Dim()
	labels := set.Labels[from:to]
	for i, l := range labels {
		if int(l) >= Classes {
			return nil, fmt.Errorf("trainer: label of image %d is %d, want 0 to %d", from+i, l, Classes-1)
		}
	}
	s, err := kernel.NewSamples(set.Images.Pixels[from*dim:to*dim], labels, to-from, dim)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	return s, nil
}

// identity returns the indices 0..n-1, the order of a full batch.
func identity(n int) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	return idx
}
