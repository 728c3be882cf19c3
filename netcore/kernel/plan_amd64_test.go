package kernel

import (
	"math/rand/v2"
	"testing"
)

// TestPlanPadding checks the layout of a plan on each assembly path (see
// testPlanBlocks).
func TestPlanPadding(t *testing.T) {
	for _, p := range []path{avx2, avx512} {
		t.Run(p.String(), func(t *testing.T) {
			if lacks := missing(p); lacks != "" {
				t.Skipf("skipping the %s path: %s", p, lacks)
			}
			old := selected.Load()
			defer selected.Store(old)
			selected.Store(uint32(p))
			testPlanBlocks(t)
		})
	}
}

// testPlanBlocks checks the AVX2 path's plan: every batch's images in
// blocks, and its pixels in groups, of entrySets, whose interleaved lists
// give back each image's pixels and each pixel's images in order, padded
// with identity terms to a multiple of 8; and lists of their own, not
// padded, for several column blocks.
func testPlanBlocks(t *testing.T) {
	const n, dim = 600, 100
	s, pixels, err := syntheticSamples(rand.New(rand.NewPCG(61, 62)), n, dim, 10, 4)
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	m, err := NewModel(dim, 10, 10, Sigmoid, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := m.NewPlan(s, idx)
	group := entrySets(m.path, m.blocks[0].width)
	if !p.asm.padded || p.asm.group != group || group < 2 {
		t.Fatalf("a plan for one column block of width %d: padded %t, groups of %d, want padded groups of %d", m.blocks[0].width, p.asm.padded, p.asm.group, group)
	}
	wide, err := NewModel(dim, 200, 10, Sigmoid, 1)
	if err != nil {
		t.Fatal(err)
	}
	if q := wide.NewPlan(s, idx); q.asm.padded || q.asm.group != 1 || len(q.asm.entOff) != s.NonZero() || q.asm.offs != nil {
		t.Fatalf("a plan for %d column blocks: padded %t, groups of %d, %d entries for %d pixels, image copy %t",
			len(wide.blocks), q.asm.padded, q.asm.group, len(q.asm.entOff), s.NonZero(), q.asm.offs != nil)
	}
	row, unit := m.hp*4, entOffUnit(m.path)
	identityImage, identityPixel := uint16(dim*m.hp/2), uint16(p.batch*row/unit)
	for b := 0; b+1 < len(p.asm.blockAt); b++ {
		base := b * p.batch
		seen := map[int]bool{}
		for blk := p.asm.blockAt[b]; blk < p.asm.blockAt[b+1]; blk++ {
			at := (2 + group) * int(blk)
			lo, count := int(p.asm.src[at]), int(p.asm.src[at+1])
			if count%8 != 0 {
				t.Fatalf("batch %d, block %d: %d entries, want a multiple of 8", b, blk, count)
			}
			for place := range group {
				k := int(p.asm.src[at+2+place])
				repeat := place > 0 && k == int(p.asm.src[at+2])
				if !repeat && seen[k] {
					t.Fatalf("batch %d: image %d in two places", b, k)
				}
				seen[k] = true
				e := lo + place
				for px := range dim {
					if v := pixels[(base+k)*dim+px]; v != 0 && !repeat {
						if int(p.asm.offs[e])*8 != px*row || p.asm.vals[e] != v {
							t.Fatalf("batch %d, image %d, pixel %d: entry holds offset %d·8, value %d, want %d, %d", b, k, px, p.asm.offs[e], p.asm.vals[e], px*row, v)
						}
						e += group
					}
				}
				for ; e < lo+count; e += group {
					if p.asm.offs[e] != identityImage || p.asm.vals[e] != 0 {
						t.Fatalf("batch %d, image %d: padding entry (%d, %d), want the identity row %d with value 0", b, k, p.asm.offs[e], p.asm.vals[e], identityImage)
					}
				}
			}
		}
		if want := min(p.batch, n-base); len(seen) != want {
			t.Fatalf("batch %d: %d images in blocks, want %d", b, len(seen), want)
		}
	}
	for b := 0; b+1 < len(p.asm.pixAt); b++ {
		seen := map[int]bool{}
		for g := p.asm.pixAt[b]; g < p.asm.pixAt[b+1]; g++ {
			lo, hi := int(p.asm.pstart[g]), int(p.asm.pstart[g+1])
			if hi == lo || (hi-lo)%8 != 0 {
				t.Fatalf("batch %d, group %d: %d entries, want a non-empty multiple of 8", b, g, hi-lo)
			}
			for place := range group {
				px := int(p.asm.pix[group*int(g)+place]) / row
				repeat := place > 0 && px == int(p.asm.pix[group*int(g)])/row
				if !repeat && seen[px] {
					t.Fatalf("batch %d: pixel %d in two places", b, px)
				}
				seen[px] = true
				e := lo + place
				for k := b * p.batch; k < min(n, (b+1)*p.batch) && !repeat; k++ {
					if v := pixels[k*dim+px]; v != 0 {
						if int(p.asm.entOff[e])*unit != (k-b*p.batch)*row || p.asm.entRaw[e] != v {
							t.Fatalf("batch %d, pixel %d: entry offset %d value %d, want image %d's %d, %d", b, px, p.asm.entOff[e], p.asm.entRaw[e], k, (k-b*p.batch)*row/unit, v)
						}
						e += group
					}
				}
				for ; e < hi; e += group {
					if p.asm.entOff[e] != identityPixel || p.asm.entRaw[e] != 0 {
						t.Fatalf("batch %d, pixel %d: padding entry (%d, %d), want the identity row %d with value 0", b, px, p.asm.entOff[e], p.asm.entRaw[e], identityPixel)
					}
				}
			}
		}
	}
}
