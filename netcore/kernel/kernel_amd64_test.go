package kernel

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTileCount checks each path's tileCount against a count in Go, for
// lists of every length up to past two groups of 32, whose pixels end
// right where the array does (AVX-512's masks the last group as it loads
// it; AVX2's reads a whole group, from the spare capacity given here).
func TestTileCount(t *testing.T) {
	for _, c := range []struct {
		path      path
		tileCount func(ge *int32, idx *uint16, n int, lim *uint16)
	}{{avx2, tileCount}, {avx512, tileCountZ}} {
		t.Run(c.path.String(), func(t *testing.T) {
			if lacks := missing(c.path); lacks != "" {
				t.Skipf("skipping the %s path: %s", c.path, lacks)
			}
			r := rand.New(rand.NewPCG(81, 82))
			lim := make([]uint16, tileCountMax*16)
			for b := range tileCountMax {
				for j := range 16 {
					lim[b*16+j] = uint16(b*70 + 69)
				}
			}
			for n := 1; n <= 80; n++ {
				idx := make([]uint16, n, n+16)
				for i := range idx {
					idx[i] = uint16(r.IntN(tileCountMax*70 + 100))
				}
				slices.Sort(idx)
				var got [tileCountMax]int32
				c.tileCount(&got[0], &idx[0], n, &lim[0])
				for b := range tileCountMax {
					want := 0
					for _, p := range idx {
						if p > lim[b*16] {
							want++
						}
					}
					if int(got[b]) != want {
						t.Fatalf("n=%d, boundary %d: %d pixels above it, want %d", n, b, got[b], want)
					}
				}
			}
		})
	}
}
