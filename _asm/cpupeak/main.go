// Command cpupeak generates internal/cpupeak/cpupeak_amd64.s, fmaLoop and
// fmaLoop512: independent fused multiply-adds on YMM and on ZMM registers,
// to time the peak float32 rate of a core for the AVX2 and the AVX-512
// kernel paths.
// go generate runs it from package cpupeak (see generate.go there):
//
//	go run -C ../../_asm ./cpupeak -pkg ../internal/cpupeak -out ../internal/cpupeak/cpupeak_amd64.s
//
// The Go declarations of fmaLoop and fmaLoop512 stay hand-written in
// package cpupeak, beside flopsPerCall, which counts the work of a call;
// the generator reads the signatures from the package (-pkg).
package main

import (
	"flag"
	"os"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// chains is the number of independent FMA chains per iteration, enough to
// cover the FMA latency on both pipes (flopsPerCall counts them).
const chains = 12

func main() {
	// A flag set of its own: avo's build package defines its flags on the
	// default one.
	fs := flag.NewFlagSet("cpupeak", flag.ExitOnError)
	pkg := fs.String("pkg", "../internal/cpupeak", "`directory` of package cpupeak")
	out := fs.String("out", "", "assembly output `file`")
	fs.Parse(os.Args[1:])

	d := gen.ReadDecls(*pkg)
	a := gen.NewFile("_asm/cpupeak", "github.com/shardnet/shardnet/internal/cpupeak", "package cpupeak\n")
	fmaLoop(a, gen.AVX2, "fmaLoop", d.FuncType("fmaLoop"))
	fmaLoop(a, gen.AVX512, "fmaLoop512", d.FuncType("fmaLoop512"))
	a.Write(*out, "")
}

// fmaLoop emits the function name, of Go type sig, for the register file
// v: n iterations of chains VFMADD231PS, each into its own register, of two
// registers that stay zero.
func fmaLoop(a *gen.File, v gen.Vector, name, sig string) {
	a.Func(name, sig)
	n := RCX
	a.Load(a.Param("n"), n)
	x, y := v.Reg(chains), v.Reg(chains+1)
	for i := range chains + 2 {
		a.VXORPS(v.Reg(i), v.Reg(i), v.Reg(i))
	}
	a.Label("loop")
	for i := range chains {
		a.VFMADD231PS(x, y, v.Reg(i))
	}
	a.DECQ(n)
	a.JNZ(LabelRef("loop"))
	a.VZEROUPPER()
	a.RET()
}
