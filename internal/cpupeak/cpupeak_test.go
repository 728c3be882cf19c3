package cpupeak_test

import (
	"testing"

	"github.com/shardnet/shardnet/internal/cpupeak"
)

func TestSingleCore(t *testing.T) {
	g := cpupeak.SingleCore()
	if cpupeak.Available() && g <= 0 || g < 0 || g > 1e4 {
		t.Fatalf("SingleCore() = %v GFLOP/s, want 0 (no vector kernel) or a plausible rate", g)
	}
	t.Logf("one core: %.1f GFLOP/s float32 FMA", g)
}
