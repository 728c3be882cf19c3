// Command kernel generates the amd64 assembly of package
// github.com/shardnet/shardnet/netcore/kernel and the Go source that must
// agree with it. go generate runs it from netcore/kernel (see generate.go
// there); it writes
//
//   - -out: kernel_amd64.s, the AVX2+FMA kernels (gen.AVX2);
//   - -zout: kernel_avx512_amd64.s, the AVX-512 kernels (gen.AVX512:
//     AVX512F+BW+DQ+VL), the same families with the suffix Z;
//   - -stubs and -zstubs: asm_amd64.go and asm_avx512_amd64.go, the Go
//     declarations of the kernels (avo's stubs);
//   - -tables: asm_tables_amd64.go, the tables of both register files that
//     pick a first-layer loop by block width, and a compile-time check of
//     the struct offsets the assembly uses;
//   - -types: asm_args.go, the structs denseArgs and soaArgs through which
//     the dense middle takes its operands (args.go).
//
// The kernels, by the file of this program that emits them:
//
//   - gather.go: entryLoops, the loops over a list of (row, value) entries
//     that sum weighted rows into a column block of registers, entry i in
//     accumulator set i mod sets (entryLoops16 for AVX-512), and its users
//     gatherRaw<w> and gatherPlan<w> (the first layer of models with one
//     column block; a plan's lists interleave several images, one per
//     set) and planScatter<w> and planScatterPad<w> (the first layer's
//     gradient from a Plan; padded lists interleave several pixels);
//   - scatter.go: scatterRaw<w>, the first layer's gradient image by image;
//   - prep.go, tiled.go and csc.go: the first layer of models with several
//     column blocks: prepAVX decodes a batch, tileCount counts its pixel
//     tiles, tiledGather<w> runs a tile, cscFill and cscEmit transpose the
//     batch and cscScatter<w> takes the gradient from the transposition;
//   - dense.go: denseAVX, the dense middle (activation, output layer,
//     softmax, backward pass to dz1) for one image, and the same in two
//     halves, denseHead (activation and output layer of a batch of
//     images, several images' chains side by side) and denseTail (the
//     rest, image by image), which Gradient and Predict run;
//   - soa.go: denseSoA8 and denseSoA16, the dense middle for a register's
//     lanes of images at a time, one per lane, and rowSum, which sums their
//     gradients;
//   - dw2.go: dw2Batch, the output layer's weight gradient of a batch;
//   - exact.go: addClearAsm, float32 values into the words of an exact sum
//     (kernel.ExactSum);
//   - consts.go: the constants and the exp sequence the activations and the
//     softmax share;
//   - args.go and tables.go: the argument structs and the tables, written
//     out as Go; asm.go: helpers for operands.
//
// Every one of them is emitted for both register files, except cscFill
// (scalar code, which both paths call) and denseSoA8 (AVX-512's HiddenPad
// is a multiple of 16).
//
// The first layer's loops come in one variant per block width w, 1 to 8
// registers of hidden units: a loop keeps a whole column block of the
// hidden layer in registers while it runs over a list of pixels, one FMA
// per register and pixel, and registers cannot be indexed at run time, so
// each width is its own unrolled code. The hidden layer is padded to a
// multiple of the lanes only, so every width occurs (a layer wider than a
// block is split into blocks: of 8 YMM registers on the AVX2 path, of 4 ZMM
// registers, the same 256 bytes of a weight row, on the AVX-512 path). The
// tables (tables.go) index the variants by width for the Go side.
//
// Every emitter of vector code takes a gen.Vector, the register file to
// emit for (register width, number of registers, name suffix), instead of
// writing YMM registers and 32-byte strides. Most emit both families from
// the same code; where 16 lanes need other instructions or another
// algorithm, the emitter says so and branches on Vector.Wide: opmask
// registers for compares (exp, ReLU, the labels of denseSoA, tileCount,
// addClear's refusals), VRNDSCALEPS for VROUNDPS, a 16-lane horizontal
// maximum (hmax) and 16×16 transpose (transpose16), values broadcast
// from memory rather than spread across lanes by shuffles (entryLoops16),
// AVX512DQ's conversions instead of the magic number (addClear16).
//
// The AVX2 kernels compute the one arithmetic of docs/ARITHMETIC.md, which
// the portable path in netcore/kernel (portable.go) computes too: every
// value one chain of operations in the natural order of its terms. The
// kernels choose only which chains run side by side (the lanes of a
// register, the accumulator sets of entryLoops holding several images or
// pixels of a plan, denseHead's images), never how a value's terms are
// grouped. Splitting or reordering a chain changes the trained parameters'
// bits and breaks the agreement (TestPathsBitwise, TestPlanPiecesBitwise
// and TestGoldenGradients fail). The AVX-512 kernels come from the same
// emitters with 16 lanes in place of 8 and compute the same chains; only
// the number of chains side by side differs (8 images or pixels per
// group where a row takes one register, against AVX2's 4).
package main

import (
	"flag"
	"os"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// maxBlocks is the widest column block, in registers.
const maxBlocks = 8

func main() {
	// A flag set of its own: avo's build package defines its flags on the
	// default one.
	fs := flag.NewFlagSet("kernel", flag.ExitOnError)
	out := fs.String("out", "", "AVX2 assembly output `file`")
	stubs := fs.String("stubs", "", "Go declarations of the AVX2 kernels output `file`")
	zout := fs.String("zout", "", "AVX-512 assembly output `file`")
	zstubs := fs.String("zstubs", "", "Go declarations of the AVX-512 kernels output `file`")
	tables := fs.String("tables", "", "dispatch tables output `file`")
	typesOut := fs.String("types", "", "argument structs output `file`")
	fs.Parse(os.Args[1:])

	// One file per register file: each has its own constants, as wide as
	// its registers.
	vectors := []gen.Vector{gen.AVX2, gen.AVX512}
	for i, paths := range [][2]string{{*out, *stubs}, {*zout, *zstubs}} {
		f := newFile()
		emit(f, vectors[i], declareConsts(f, vectors[i]))
		f.Write(paths[0], paths[1])
	}
	if *tables != "" {
		a := newFile()
		a.WriteGo(*tables, "amd64", tablesSrc(a, vectors))
	}
	if *typesOut != "" {
		newFile().WriteGo(*typesOut, "", argsSrc)
	}
}

// newFile starts an assembly file of package kernel.
func newFile() *gen.File {
	return gen.NewFile("_asm/kernel", "github.com/shardnet/shardnet/netcore/kernel", "package kernel\n"+argsSrc)
}

// emit emits every kernel for the register file v. cscFill, scalar code,
// serves both paths. AVX-512's HiddenPad is a multiple of 16, so it has
// denseSoA16 only.
func emit(a *gen.File, v gen.Vector, c *consts) {
	for _, f := range families {
		for w := 1; w <= maxBlocks; w++ {
			f.emit(a, v, f, w)
		}
	}
	prep(a, v)
	tileCount(a, v, c)
	if !v.Wide() {
		cscFill(a)
	}
	cscEmit(a, v)
	addClear(a, v, declareExactConsts(a, v))
	denseAVX(a, v, c)
	denseHead(a, v, c)
	denseTail(a, v, c)
	if !v.Wide() {
		denseSoA(a, v, c, 8)
	}
	denseSoA(a, v, c, 16)
	rowSum(a, v)
	dw2Batch(a, v)
}
