//go:build !amd64

package kernel

import "runtime"

// missing returns what this machine lacks of what path p needs, "" if
// nothing: the assembly paths run on amd64 only.
func missing(p path) string {
	if p == generic {
		return ""
	}
	return "the assembly paths run on amd64 only, not " + runtime.GOARCH
}

// The assembly path exists only on amd64; models never select it
// elsewhere, and its state is empty.

type asmModel struct{}

type asmScratch struct{}

type asmPlan struct{}

func (m *Model) initAsm() {}

func (a *asmModel) setW2(m *Model, o, h int, v float32) {}

func (m *Model) newScratchAsm(ws *Scratch) {}

func (m *Model) prepareAsmPlan(p *Plan) {}

func (m *Model) gradientAsm(g *Grad, s *Samples, idx []int32, ws *Scratch, plan *Plan) float64 {
	panic("kernel: no assembly path on this architecture")
}

func (m *Model) predictAsm(dst []uint8, s *Samples, idx []int32, ws *Scratch) {
	panic("kernel: no assembly path on this architecture")
}

func addClearAsm(lo, hi *int64, v *float32, n int) bool {
	panic("kernel: no assembly path on this architecture")
}

func addClearAsmZ(lo, hi *int64, v *float32, n int) bool {
	panic("kernel: no assembly path on this architecture")
}

func addClear8Asm(lo, hi *int64, v0, v1, v2, v3, v4, v5, v6, v7 *float32, n int) bool {
	panic("kernel: no assembly path on this architecture")
}

func addClear8AsmZ(lo, hi *int64, v0, v1, v2, v3, v4, v5, v6, v7 *float32, n int) bool {
	panic("kernel: no assembly path on this architecture")
}
