package main

import (
	"fmt"
	"strings"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// A family is a kernel that comes in one variant per block width, base<w>
// for w = 1 to maxBlocks, all of Go type sig (zsig, where set, for
// AVX-512's); the Go side picks one from the table base+"Fns", whose doc
// comment is doc.
type family struct {
	base, sig, zsig string
	doc             []string
	emit            func(a *gen.File, v gen.Vector, f family, blocks int)
}

// name is the name of the variant of width blocks for v.
func (f family) name(v gen.Vector, blocks int) string { return v.Name(f.base, blocks) }

// sigFor is the Go type of the variants for v.
func (f family) sigFor(v gen.Vector) string {
	if v.Wide() && f.zsig != "" {
		return f.zsig
	}
	return f.sig
}

// The families, in the order of their tables.
var families = []family{
	{
		base: "gatherRaw",
		sig:  "func(z, w *float32, idx *uint16, val *uint8, src *int32, n, zstride int, scale *float32)",
		doc: []string{
			"is gatherRaw<w>: for each image of a batch, read from its",
			"sparse form, its row of z[·][0:8w] = Σ_e value·w[pixel row][0:8w] (single",
			"column block).",
		},
		emit: func(a *gen.File, v gen.Vector, f family, b int) { gather(a, v, f, b, false) },
	},
	{
		base: "gatherPlan",
		sig:  "func(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale *float32)",
		zsig: "func(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale, buf *float32)",
		doc: []string{
			"is gatherPlan<w>: gatherRawFns over a Plan's copy of its",
			"images, whose pixels are given as weight-row offsets.",
		},
		emit: func(a *gen.File, v gen.Vector, f family, b int) { gather(a, v, f, b, true) },
	},
	{
		base: "scatterRaw",
		sig:  "func(dw, dz *float32, idx *uint16, val *uint8, src *int32, n, zstride int, table *[256]float32)",
		doc: []string{
			"is scatterRaw<w>: for each image of a batch and each of its",
			"pixels, dw[pixel row][0:8w] += value·(its row of dz)[0:8w] (single column",
			"block).",
		},
		emit: scatterRaw,
	},
	{
		base: "planScatter",
		sig:  "func(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)",
		zsig: "func(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale, buf *float32)",
		doc: []string{
			"is planScatter<w>: the first layer's gradient of a batch",
			"transposed once by NewPlan.",
		},
		emit: func(a *gen.File, v gen.Vector, f family, b int) { planScatter(a, v, f, b, false) },
	},
	{
		base: "planScatterPad",
		sig:  "func(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)",
		zsig: "func(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale, buf *float32)",
		doc: []string{
			"is planScatter<w> for the padded lists of a plan for",
			"a model with one column block (see Plan.padded).",
		},
		emit: func(a *gen.File, v gen.Vector, f family, b int) { planScatter(a, v, f, b, true) },
	},
	{
		base: "tiledGather",
		sig:  "func(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)",
		doc: []string{
			"is tiledGather<w>, gatherRawFns over one pixel tile of a",
			"decoded batch, for one of several column blocks.",
		},
		emit: tiledGather,
	},
	{
		base: "cscScatter",
		sig:  "func(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)",
		doc: []string{
			"is cscScatter<w>, scatterRawFns over a batch transposed",
			"by buildCSC, for one of several column blocks.",
		},
		emit: cscScatter,
	},
}

// tablesSrc returns the Go source of the dispatch tables for each register
// file of vs, and of the compile-time check that the assembly's offsets of
// the argument structs' fields are the compiler's.
func tablesSrc(a *gen.File, vs []gen.Vector) string {
	var b strings.Builder
	b.WriteString(`import "unsafe"

// The assembly in kernel_amd64.s (AVX2) and kernel_avx512_amd64.s
// (AVX-512) is declared in asm_amd64.go and asm_avx512_amd64.go. The loops
// over pixels come in one variant per block width; the tables below index
// them by width. Lengths count float32 elements except the byte offsets
// off, pix, entK, entOff and the strides (and the row offsets of
// gatherPlan, in units of 8 bytes). The functions trust their Go callers
// for every bound.

// Counts the assembly is written for, which the Go side must use too.
const (
	// tileCountMax is the number of tile boundaries tileCount handles.
	tileCountMax = ` + fmt.Sprint(tileCountMax) + `
	// soaOutputs is the number of outputs the dense middle of a register's
	// lanes of images at once (denseSoA8, denseSoA16, denseSoAZ16) is
	// written for: it keeps one register per output.
	soaOutputs = ` + fmt.Sprint(soaOutputs) + `
	// maxBlocks is the widest column block the assembly has loops for, in
	// registers: the tables below have a variant for each width up to it.
	maxBlocks = ` + fmt.Sprint(maxBlocks) + `
)
`)
	for _, v := range vs {
		fmt.Fprintf(&b, "\n// The tables of the %s kernels: widths 1 to %d %s registers of %d columns.\n", v.ISA, maxBlocks, v.Kind, v.Lanes)
		for _, f := range families {
			table := v.Name(f.base, 0) + "Fns"
			doc := strings.Join(f.doc, "\n// ")
			doc = strings.ReplaceAll(doc, "8w", fmt.Sprintf("%dw", v.Lanes))
			doc = strings.ReplaceAll(doc, "Fns", v.Suffix+"Fns")
			for _, g := range families {
				doc = strings.ReplaceAll(doc, g.base+"<w>", v.Name(g.base, 0)+"<w>")
			}
			fmt.Fprintf(&b, "\n// %s[w] %s\n", table, doc)
			fmt.Fprintf(&b, "var %s = [...]%s{nil", table, f.sigFor(v))
			for w := 1; w <= maxBlocks; w++ {
				fmt.Fprintf(&b, ", %s", f.name(v, w))
			}
			b.WriteString("}\n")
		}
	}
	b.WriteString(`
// The assembly reads the fields of these structs at the offsets below,
// which the generator computed from their declarations in asm_args.go.
// Compiling this function checks that Go lays them out the same way.
func _() {
	var x [1]struct{}
`)
	for _, s := range argsStructs {
		fields, offsets := a.Layout(s)
		for i, f := range fields {
			fmt.Fprintf(&b, "\t_ = x[unsafe.Offsetof(%s{}.%s)-%d]\n", s, f, offsets[i])
		}
	}
	b.WriteString(`
	// The exact sum's constants, which the assembly was written for
	// (_asm/kernel/exact.go): a different value on the Go side fails to
	// compile here, its index out of range.
`)
	fmt.Fprintf(&b, "\t_ = x[FoldGroup-%d]\n", foldParts)
	fmt.Fprintf(&b, "\t_ = x[ExactLimit-%d]\n", int64(exactLimit))
	fmt.Fprintf(&b, "\t_ = x[int64(exactHiUnit)-%d]\n", int64(exactHiUnit))
	fmt.Fprintf(&b, "\t_ = x[int64(exactLoUnit)-%d]\n", int64(exactLoUnit))
	b.WriteString("}\n")
	return b.String()
}
