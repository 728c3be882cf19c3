//go:build !amd64

package kernel

// haveAsm is false: only amd64 has an assembly path.
const haveAsm = false

// The assembly entry points exist only on amd64; models never select them
// elsewhere.

func (m *Model) gradientAsm(g *Grad, s *Samples, idx []int32, ws *Scratch, plan *Plan) float64 {
	panic("kernel: no assembly path on this architecture")
}

func (m *Model) predictAsm(dst []uint8, s *Samples, idx []int32, ws *Scratch) {
	panic("kernel: no assembly path on this architecture")
}

func (m *Model) newScratchAsm(ws *Scratch) {}

func accumulateAsm(dst *float64, src *float32, n int, add bool) {
	panic("kernel: no assembly path on this architecture")
}
