package kernel

import (
	"math/rand/v2"
	"testing"
)

// TestPlanPadding checks the padding of a plan's per-pixel lists: each is a
// non-empty multiple of 8 entries, its used entries are the batch's images
// using the pixel, and every padding entry repeats the last used image with
// the value 0, so that it adds nothing a used entry does not already touch.
func TestPlanPadding(t *testing.T) {
	if !haveAsm {
		t.Skip("plans keep no transposition without the assembly path")
	}
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
	if !m.fast {
		t.Skip("assembly path disabled")
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	p := m.NewPlan(s, idx)
	row := m.hp * 4
	for b := 0; b+1 < len(p.pixAt); b++ {
		for j := p.pixAt[b]; j < p.pixAt[b+1]; j++ {
			px := int(p.pix[j]) / row
			lo, hi := int(p.pstart[j]), int(p.pstart[j+1])
			if hi-lo < 8 || (hi-lo)%8 != 0 {
				t.Fatalf("batch %d, pixel %d: %d entries, want a non-empty multiple of 8", b, px, hi-lo)
			}
			used := 0
			for k := b * p.batch; k < min(n, (b+1)*p.batch); k++ {
				if v := pixels[k*dim+px]; v != 0 {
					e := lo + used
					if int(p.entOff[e]) != (k-b*p.batch)*row || p.entRaw[e] != v {
						t.Fatalf("batch %d, pixel %d, entry %d: offset %d value %d, want image %d's %d, %d",
							b, px, used, p.entOff[e], p.entRaw[e], k, (k-b*p.batch)*row, v)
					}
					used++
				}
			}
			for e := lo + used; e < hi; e++ {
				if p.entRaw[e] != 0 || p.entOff[e] != p.entOff[lo+used-1] {
					t.Fatalf("batch %d, pixel %d: padding entry %d is (%d, %d), want the last image's offset %d with value 0",
						b, px, e-lo, p.entOff[e], p.entRaw[e], p.entOff[lo+used-1])
				}
			}
		}
	}
}
