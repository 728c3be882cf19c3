package cpupeak_test

import (
	"testing"

	"github.com/shardnet/shardnet/internal/cpupeak"
	"github.com/shardnet/shardnet/netcore/kernel"
)

// TestSingleCore measures the peak on every kernel path this CPU runs; the
// AVX-512 path times ZMM registers.
func TestSingleCore(t *testing.T) {
	for _, path := range kernel.Paths() {
		t.Run(path, func(t *testing.T) {
			old := kernel.Path()
			if err := kernel.SelectPath(path); err != nil {
				t.Fatal(err)
			}
			defer kernel.SelectPath(old)
			g := cpupeak.SingleCore()
			if cpupeak.Available() && g <= 0 || g < 0 || g > 1e4 {
				t.Fatalf("SingleCore() = %v GFLOP/s, want 0 (no vector kernel) or a plausible rate", g)
			}
			t.Logf("one core on the %s path: %.1f GFLOP/s float32 FMA", path, g)
		})
	}
}
