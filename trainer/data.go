package trainer

import (
	"fmt"
	"math/rand/v2"

	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
)

// Data is a training set in the kernels' sparse form, with an optional
// held-out validation split, and the number of classes its labels name:
// the network gets one output per class.
type Data struct {
	Train      *kernel.Samples
	Validation *kernel.Samples // nil without a split
	Classes    int
}

// NewData converts set for the kernels, holding out its last validation
// images (0 for none) as a validation split.
func NewData(set *shard.Set, validation int) (*Data, error) {
	n := set.Len()
	if validation < 0 || validation >= n {
		return nil, fmt.Errorf("trainer: validation split of %d images, want 0 to %d", validation, n-1)
	}
	train, err := Samples(set, 0, n-validation)
	if err != nil {
		return nil, err
	}
	d := &Data{Train: train, Classes: set.Classes}
	if validation > 0 {
		if d.Validation, err = Samples(set, n-validation, n); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Samples converts images [from, to) of set for the kernels, checking that
// every label is one of the set's classes. It lives here rather than in
// package kernel because it joins two packages that know nothing of each
// other: kernel imports neither shard nor netcore (deps_test.go).
func Samples(set *shard.Set, from, to int) (*kernel.Samples, error) {
	if set.Classes < 1 {
		return nil, fmt.Errorf("trainer: a set of %d classes, want at least 1", set.Classes)
	}
	dim := set.Images.Dim()
	labels := set.Labels[from:to]
	for i, l := range labels {
		if int(l) >= set.Classes {
			return nil, fmt.Errorf("trainer: label of image %d is %d, want 0 to %d", from+i, l, set.Classes-1)
		}
	}
	s, err := kernel.NewSamples(set.Images.Pixels[from*dim:to*dim], labels, to-from, dim)
	if err != nil {
		return nil, err // kernel's error names the problem
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

// batchOrder is the order of the mini-batches: every epoch a permutation of
// the training set, a function of the seed and the epoch alone, so that a
// resumed run replays it.
type batchOrder struct {
	size     int
	seed     uint64
	perm     []int32
	epoch    int // the epoch whose permutation perm holds, -1 for none
	shuffler *rand.PCG
	rng      *rand.Rand
}

func newBatchOrder(n, size int, seed uint64) *batchOrder {
	shuffler := rand.NewPCG(0, 0)
	return &batchOrder{size: size, seed: seed, perm: make([]int32, n), epoch: -1, shuffler: shuffler, rng: rand.New(shuffler)}
}

// batch returns the samples of update step: a slice of the epoch's
// permutation of full.
func (o *batchOrder) batch(step int, full []int32) []int32 {
	n, b := len(o.perm), o.size
	perEpoch := (n + b - 1) / b
	epoch, pos := step/perEpoch, step%perEpoch
	if epoch != o.epoch {
		copy(o.perm, full)
		o.shuffler.Seed(o.seed, uint64(epoch)+1)
		o.rng.Shuffle(n, func(i, j int) { o.perm[i], o.perm[j] = o.perm[j], o.perm[i] })
		o.epoch = epoch
	}
	return o.perm[pos*b : min((pos+1)*b, n)]
}
