package kernel_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/shardnet/shardnet/netcore/kernel"
)

// TestAccumulate checks SetClear and AddClear against the plain loops,
// bitwise, for lengths around the assembly's block of 8, and that they
// zero their source.
func TestAccumulate(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for n := range 41 {
		parts := make([][]float32, 5)
		for p := range parts {
			parts[p] = make([]float32, n)
			for j := range parts[p] {
				parts[p][j] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(12)-6)))
			}
		}
		want := make([]float64, n)
		for j := range want {
			want[j] = float64(parts[0][j])
			for _, p := range parts[1:] {
				want[j] += float64(p[j])
			}
		}
		got := make([]float64, n)
		for j := range got {
			got[j] = math.NaN() // SetClear must overwrite
		}
		kernel.SetClear(got, parts[0])
		for _, p := range parts[1:] {
			kernel.AddClear(got, p)
		}
		for j := range want {
			if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
				t.Fatalf("n=%d: element %d is %v, want %v", n, j, got[j], want[j])
			}
		}
		for p, part := range parts {
			if slices.ContainsFunc(part, func(v float32) bool { return v != 0 }) {
				t.Fatalf("n=%d: part %d not cleared", n, p)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("AddClear with mismatched lengths did not panic")
		}
	}()
	kernel.AddClear(make([]float64, 3), make([]float32, 4))
}
