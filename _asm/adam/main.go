// Command adam generates trainer/adam_amd64.s, adamAVX and adamAVX512:
// Adam's update of float64 parameters, a register of them at a time (4 in
// a YMM register, 8 in a ZMM register). go generate runs it from package
// trainer (see generate.go there):
//
//	go run -C ../_asm ./adam -pkg ../trainer -out ../trainer/adam_amd64.s
//
// The Go declarations of adamAVX and adamAVX512, and adamConsts, whose
// fields they read, stay hand-written in package trainer next to adamGo,
// the loop they must match bit for bit; the generator reads them from the
// package (-pkg), so that the assembly uses the signatures and the field
// offsets the Go code has.
//
// Both compute adamGo's operations in adamGo's order, lane by lane, with
// no fused multiply-add: square root and division are correctly rounded in
// all three, so they give bitwise the same parameters.
package main

import (
	"flag"
	"os"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

func main() {
	// A flag set of its own: avo's build package defines its flags on the
	// default one.
	fs := flag.NewFlagSet("adam", flag.ExitOnError)
	pkg := fs.String("pkg", "../trainer", "`directory` of package trainer")
	out := fs.String("out", "", "assembly output `file`")
	fs.Parse(os.Args[1:])

	d := gen.ReadDecls(*pkg)
	a := gen.NewFile("_asm/adam", "github.com/shardnet/shardnet/trainer", "package trainer\n"+d.Type("adamConsts"))
	adam(a, gen.AVX2, "adamAVX", d.FuncType("adamAVX"))
	adam(a, gen.AVX512, "adamAVX512", d.FuncType("adamAVX512"))
	a.Write(*out, "")
}

// adam emits the function name, of Go type sig, for the register file v (of
// which AVX2's needs only AVX: VSQRTPD and VDIVPD on YMM; AVX-512's only
// AVX512F).
func adam(a *gen.File, v gen.Vector, name, sig string) {
	a.Func(name, sig)
	p, g, m, vel, n, k := RDI, RSI, R8, R9, RCX, RAX
	a.Load(a.Param("p"), p)
	a.Load(a.Param("grad"), g)
	a.Load(a.Param("mom"), m)
	a.Load(a.Param("vel"), vel)
	a.Load(a.Param("n"), n)
	a.Load(a.Param("k"), k)
	// The factors, each in every lane.
	field := a.Fields("k", k)
	factors := []string{"decay", "b1", "c1", "b2", "c2", "inv2", "eps", "rate"}
	f := map[string]VecPhysical{}
	for i, name := range factors {
		f[name] = v.Reg(i)
		a.VBROADCASTSD(field(name), f[name])
	}
	i := RBX
	a.XORQ(i, i)

	elem := func(base Register) Mem { return Mem{Base: base, Index: i, Scale: 8} }
	pi, gi, t, mi, vi, q := v.Reg(8), v.Reg(9), v.Reg(10), v.Reg(11), v.Reg(12), v.Reg(13)
	a.Label("loop")
	a.CMPQ(i, n)
	a.JGE(LabelRef("done"))
	a.VMOVUPD(elem(p), pi)
	a.VMOVUPD(elem(g), gi)
	a.VMULPD(pi, f["decay"], t)
	a.VADDPD(t, gi, gi) // g += decay·p
	a.VMOVUPD(elem(m), mi)
	a.VMULPD(mi, f["b1"], mi)
	a.VMULPD(gi, f["c1"], t)
	a.VADDPD(t, mi, mi) // m = b1·m + c1·g
	a.VMOVUPD(mi, elem(m))
	a.VMOVUPD(elem(vel), vi)
	a.VMULPD(vi, f["b2"], vi)
	a.VMULPD(gi, f["c2"], t)
	a.VMULPD(gi, t, t)
	a.VADDPD(t, vi, vi) // v = b2·v + c2·g·g
	a.VMOVUPD(vi, elem(vel))
	a.VMULPD(vi, f["inv2"], t)
	a.VSQRTPD(t, t)
	a.VADDPD(f["eps"], t, t) // √(v·inv2) + eps
	a.VMULPD(mi, f["rate"], q)
	a.VDIVPD(t, q, q)   // rate·m / (√(v·inv2) + eps)
	a.VSUBPD(q, pi, pi) // p -= ...
	a.VMOVUPD(pi, elem(p))
	a.ADDQ(I8(int8(v.Bytes()/8)), i)
	a.JMP(LabelRef("loop"))
	a.Label("done")
	a.VZEROUPPER()
	a.RET()
}
