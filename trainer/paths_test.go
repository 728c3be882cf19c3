package trainer_test

import (
	"testing"

	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/trainer"
)

// oneDigest is the params sha256 of three iterations of the seed network
// (seedNetwork) on real MNIST in the one arithmetic (docs/ARITHMETIC.md):
// the same on every kernel path, on every architecture and for every
// GOAMD64 level. A change of it is a change of the arithmetic: update it,
// and kernel.Arithmetic, only for a deliberate one.
const oneDigest = "1c6e222004cd38338b2316e2e5aa918ffd3a606bd6b84231b9a935ff5bdf07b8"

// TestMNISTDeterministicPaths: on every kernel path this CPU runs, a few
// iterations of the seed network on real MNIST give bitwise the same
// parameters for 1, 2 and 3 workers, and every path gives oneDigest.
func TestMNISTDeterministicPaths(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("long: real MNIST training")
	}
	ds := mnist(t)
	data := mustData(t, ds.Train, 0)
	for _, path := range []string{kernel.PathGeneric, kernel.PathAVX2FMA, kernel.PathAVX512} {
		t.Run(path, func(t *testing.T) {
			old := kernel.Path()
			if err := kernel.SelectPath(path); err != nil {
				t.Skipf("skipping the %s path: %v", path, err)
			}
			defer kernel.SelectPath(old)
			var first string
			for _, workers := range []int{1, 2, 3} {
				got := runConfig(t, seedNetwork(workers, 3), data, trainer.Options{}).Params.Digest()
				t.Logf("%s path, workers=%d: params sha256 %s", path, workers, got)
				if first == "" {
					first = got
				} else if got != first {
					t.Errorf("workers=%d: params sha256 %s, 1 worker gives %s", workers, got, first)
				}
			}
			if first != oneDigest {
				t.Errorf("the %s path gives params sha256 %s, recorded %s: the arithmetic changed", path, first, oneDigest)
			}
		})
	}
}
