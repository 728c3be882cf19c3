package gen

import (
	"fmt"

	"github.com/mmcloughlin/avo/reg"
)

// Vector is a vector register file that a kernel family is emitted for.
// The emitters take one as a parameter instead of naming YMM registers and
// 32-byte strides, so that the same emitter can produce a family for
// 512-bit registers (16 float32 lanes, 32 registers, its own name suffix,
// chosen at start-up by the Go side) next to the AVX2 one.
type Vector struct {
	ISA    string // what a kernel for it requires, for comments: "AVX2+FMA"
	Kind   string // its registers, for comments: "YMM"
	Suffix string // inserted into the names of its functions and tables ("" for AVX2)
	Lanes  int    // float32 lanes per register: 8 (YMM) or 16 (ZMM)
	Regs   int    // vector registers: 16 or 32
}

// AVX2 is the file of sixteen 256-bit YMM registers of AVX2 and FMA.
var AVX2 = Vector{ISA: "AVX2+FMA", Kind: "YMM", Suffix: "", Lanes: 8, Regs: 16}

// AVX512 is the file of thirty-two 512-bit ZMM registers of AVX-512, with
// the extensions its kernels use: F (ZMM arithmetic, opmask registers,
// embedded broadcast), BW (byte and word compares), DQ (VANDPS and the
// other float logic on ZMM, 64-bit integer conversions) and VL (the EVEX
// forms on XMM and YMM, needed for registers 16 to 31). Its functions and
// tables carry the suffix Z.
var AVX512 = Vector{ISA: "AVX512F+BW+DQ+VL", Kind: "ZMM", Suffix: "Z", Lanes: 16, Regs: 32}

// Bytes is the size of one register in bytes.
func (v Vector) Bytes() int { return 4 * v.Lanes }

// Reg returns vector register i of the file: Y<i> or Z<i>.
func (v Vector) Reg(i int) reg.VecPhysical {
	if i < 0 || i >= v.Regs {
		panic(fmt.Sprintf("gen: %s has no vector register %d", v.ISA, i))
	}
	switch v.Lanes {
	case 8:
		return ymm[i]
	case 16:
		return zmm[i]
	}
	panic(fmt.Sprintf("gen: no registers of %d lanes", v.Lanes))
}

// X returns the 128-bit register of vector register i (X<i>), for scalar
// and horizontal work.
func (v Vector) X(i int) reg.VecPhysical { return xmm[i] }

// Wide reports whether the file is AVX-512's: its compares write opmask
// registers rather than vectors, and some instructions have other names
// (VRNDSCALEPS for VROUNDPS, VMOVDQU32 for VMOVDQU).
func (v Vector) Wide() bool { return v.Lanes == 16 }

// Name returns the name of the function or table base of this family: base
// followed by the suffix and, where width > 0, the width (gatherRaw8).
func (v Vector) Name(base string, width int) string {
	if width > 0 {
		return fmt.Sprintf("%s%s%d", base, v.Suffix, width)
	}
	return base + v.Suffix
}

var (
	xmm = []reg.VecPhysical{
		reg.X0, reg.X1, reg.X2, reg.X3, reg.X4, reg.X5, reg.X6, reg.X7,
		reg.X8, reg.X9, reg.X10, reg.X11, reg.X12, reg.X13, reg.X14, reg.X15,
		reg.X16, reg.X17, reg.X18, reg.X19, reg.X20, reg.X21, reg.X22, reg.X23,
		reg.X24, reg.X25, reg.X26, reg.X27, reg.X28, reg.X29, reg.X30, reg.X31,
	}
	ymm = []reg.VecPhysical{
		reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7,
		reg.Y8, reg.Y9, reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15,
		reg.Y16, reg.Y17, reg.Y18, reg.Y19, reg.Y20, reg.Y21, reg.Y22, reg.Y23,
		reg.Y24, reg.Y25, reg.Y26, reg.Y27, reg.Y28, reg.Y29, reg.Y30, reg.Y31,
	}
	zmm = []reg.VecPhysical{
		reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
		reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15,
		reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23,
		reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31,
	}
)
