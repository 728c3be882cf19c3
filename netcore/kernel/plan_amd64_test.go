package kernel

import (
	"math/rand/v2"
	"testing"
)

// TestPlanPadding checks the padding of a plan's lists. Each pixel's list
// of images is a non-empty multiple of 8 entries, its first entries are the
// batch's images using the pixel, and every padding entry repeats the last
// of those images with the value 0, so that it adds nothing to a row the
// image does not already touch. Likewise each image's copy is its pixels, as
// weight-row offsets, padded to a multiple of 8 with its last row and the
// value 0. Plans for models of several column blocks are not padded.
func TestPlanPadding(t *testing.T) {
	for _, p := range []path{avx2, avx512} {
		t.Run(p.String(), func(t *testing.T) {
			if lacks := missing(p); lacks != "" {
				t.Skipf("skipping the %s path: %s", p, lacks)
			}
			old := selected.Load()
			defer selected.Store(old)
			selected.Store(uint32(p))
			testPlanPadding(t)
		})
	}
}

func testPlanPadding(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	const n, dim = 600, 100
	pixels, labels := make([]uint8, n*dim), make([]uint8, n)
	for i := range pixels {
		if r.IntN(4) == 0 {
			pixels[i] = uint8(1 + r.IntN(255))
		}
	}
	s, err := NewSamples(pixels, labels, n, dim)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModel(dim, 10, 10, Sigmoid, 1)
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	p := m.NewPlan(s, idx)
	if !p.asm.padded {
		t.Fatal("a plan for one column block is not padded")
	}
	// With several column blocks the lists stay as they are.
	wide, err := NewModel(dim, 200, 10, Sigmoid, 1)
	if err != nil {
		t.Fatal(err)
	}
	if q := wide.NewPlan(s, idx); q.asm.padded || len(q.asm.entOff) != s.NonZero() || q.asm.offs != nil {
		t.Fatalf("a plan for %d column blocks: padded %t, %d entries for %d pixels, image copy %t",
			len(wide.blocks), q.asm.padded, len(q.asm.entOff), s.NonZero(), q.asm.offs != nil)
	}
	row := m.hp * 4
	for k := range n {
		lo, count := int(p.asm.src[2*k]), int(p.asm.src[2*k+1])
		used := 0
		for px := range dim {
			if v := pixels[k*dim+px]; v != 0 {
				if e := lo + used; int(p.asm.offs[e])*8 != px*row || p.asm.vals[e] != v {
					t.Fatalf("image %d, pixel %d: copy holds offset %d·8, value %d, want %d, %d", k, px, p.asm.offs[e], p.asm.vals[e], px*row, v)
				}
				used++
			}
		}
		if count != (used+7)&^7 {
			t.Fatalf("image %d: %d pixels padded to %d, want %d", k, used, count, (used+7)&^7)
		}
		for e := lo + used; e < lo+count; e++ {
			if p.asm.vals[e] != 0 || p.asm.offs[e] != p.asm.offs[lo+used-1] {
				t.Fatalf("image %d: padding entry %d is (%d, %d), want the last row %d with value 0", k, e-lo, p.asm.offs[e], p.asm.vals[e], p.asm.offs[lo+used-1])
			}
		}
	}
	for b := 0; b+1 < len(p.asm.pixAt); b++ {
		for j := p.asm.pixAt[b]; j < p.asm.pixAt[b+1]; j++ {
			px := int(p.asm.pix[j]) / row
			lo, hi := int(p.asm.pstart[j]), int(p.asm.pstart[j+1])
			if hi-lo < 8 || (hi-lo)%8 != 0 {
				t.Fatalf("batch %d, pixel %d: %d entries, want a non-empty multiple of 8", b, px, hi-lo)
			}
			used := 0
			for k := b * p.batch; k < min(n, (b+1)*p.batch); k++ {
				if v := pixels[k*dim+px]; v != 0 {
					e := lo + used
					if int(p.asm.entOff[e])*entOffUnit(m.path) != (k-b*p.batch)*row || p.asm.entRaw[e] != v {
						t.Fatalf("batch %d, pixel %d, entry %d: offset %d value %d, want image %d's %d, %d",
							b, px, used, p.asm.entOff[e], p.asm.entRaw[e], k, (k-b*p.batch)*row/entOffUnit(m.path), v)
					}
					used++
				}
			}
			for e := lo + used; e < hi; e++ {
				if p.asm.entRaw[e] != 0 || p.asm.entOff[e] != p.asm.entOff[lo+used-1] {
					t.Fatalf("batch %d, pixel %d: padding entry %d is (%d, %d), want the last image's offset %d with value 0",
						b, px, e-lo, p.asm.entOff[e], p.asm.entRaw[e], p.asm.entOff[lo+used-1])
				}
			}
		}
	}
}
