//go:build amd64

package kernel

//go:generate python3 asmgen/gen.py

// Declarations of the assembly in kernel_amd64.s. The loops over pixels
// come in one variant per block width (1 to 8 AVX2 registers of 8 columns);
// the tables below index them by width. Lengths count float32 elements
// except the byte offsets off, pix, entK, entOff and the strides (and the
// row offsets of gatherPlan, in units of 8 bytes). The functions
// trust their Go callers for every bound.

//go:noescape
func prepAVX(off *uint32, fv *float32, idx *uint16, val *uint8, src, start *int32, n, stride int, scale *float32)

//go:noescape
func tileCount(ge *int32, idx *uint16, n int, lim *uint16)

//go:noescape
func cscFill(t *uint8, idx *uint16, val *uint8, n, k int)

//go:noescape
func cscEmit(t *uint8, inputs int, stride int, pix *uint32, pstart *int32, entK *uint32, entV *float32, table *[256]float32) (npix int)

//go:noescape
func accumulateAsm(dst *float64, src *float32, n int, add bool)

//go:noescape
func denseAVX(a *denseArgs)

//go:noescape
func denseSoA8(a *soaArgs)

//go:noescape
func denseSoA16(a *soaArgs)

//go:noescape
func rowSum(dst, src *float32, n, words, stride int)

//go:noescape
func dw2Batch(dw2, dz2, h *float32, rows, hp, n, zstride, hstride int)

//go:noescape
func tiledGather1(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)

//go:noescape
func tiledGather2(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)

//go:noescape
func tiledGather3(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)

//go:noescape
func tiledGather4(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)

//go:noescape
func tiledGather5(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)

//go:noescape
func tiledGather6(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)

//go:noescape
func tiledGather7(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)

//go:noescape
func tiledGather8(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)

//go:noescape
func cscScatter1(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscScatter2(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscScatter3(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscScatter4(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscScatter5(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscScatter6(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscScatter7(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func cscScatter8(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)

//go:noescape
func gatherRaw1(z, w *float32, idx *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherRaw2(z, w *float32, idx *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherRaw3(z, w *float32, idx *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherRaw4(z, w *float32, idx *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherRaw5(z, w *float32, idx *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherRaw6(z, w *float32, idx *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherRaw7(z, w *float32, idx *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherRaw8(z, w *float32, idx *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherPlan1(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherPlan2(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherPlan3(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherPlan4(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherPlan5(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherPlan6(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherPlan7(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func gatherPlan8(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale *float32)

//go:noescape
func scatterRaw1(dw, dz *float32, idx *uint16, val *uint8, src *int32, n, zstride int, table *[256]float32)

//go:noescape
func scatterRaw2(dw, dz *float32, idx *uint16, val *uint8, src *int32, n, zstride int, table *[256]float32)

//go:noescape
func scatterRaw3(dw, dz *float32, idx *uint16, val *uint8, src *int32, n, zstride int, table *[256]float32)

//go:noescape
func scatterRaw4(dw, dz *float32, idx *uint16, val *uint8, src *int32, n, zstride int, table *[256]float32)

//go:noescape
func scatterRaw5(dw, dz *float32, idx *uint16, val *uint8, src *int32, n, zstride int, table *[256]float32)

//go:noescape
func scatterRaw6(dw, dz *float32, idx *uint16, val *uint8, src *int32, n, zstride int, table *[256]float32)

//go:noescape
func scatterRaw7(dw, dz *float32, idx *uint16, val *uint8, src *int32, n, zstride int, table *[256]float32)

//go:noescape
func scatterRaw8(dw, dz *float32, idx *uint16, val *uint8, src *int32, n, zstride int, table *[256]float32)

//go:noescape
func planScatter1(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatter2(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatter3(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatter4(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatter5(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatter6(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatter7(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatter8(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatterPad1(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatterPad2(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatterPad3(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatterPad4(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatterPad5(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatterPad6(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatterPad7(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

//go:noescape
func planScatterPad8(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32)

// gatherRawFns[w] is gatherRaw<w>: for each image of a batch, read from its
// sparse form, its row of z[·][0:8w] = Σ_e value·w[pixel row][0:8w] (single
// column block).
var gatherRawFns = [...]func(z, w *float32, idx *uint16, val *uint8, src *int32, n, zstride int, scale *float32){nil, gatherRaw1, gatherRaw2, gatherRaw3, gatherRaw4, gatherRaw5, gatherRaw6, gatherRaw7, gatherRaw8}

// gatherPlanFns[w] is gatherPlan<w>: gatherRawFns over a Plan's copy of its
// images, whose pixels are given as weight-row offsets.
var gatherPlanFns = [...]func(z, w *float32, off *uint16, val *uint8, src *int32, n, zstride int, scale *float32){nil, gatherPlan1, gatherPlan2, gatherPlan3, gatherPlan4, gatherPlan5, gatherPlan6, gatherPlan7, gatherPlan8}

// scatterRawFns[w] is scatterRaw<w>: for each image of a batch and each of its
// pixels, dw[pixel row][0:8w] += value·(its row of dz)[0:8w] (single column
// block).
var scatterRawFns = [...]func(dw, dz *float32, idx *uint16, val *uint8, src *int32, n, zstride int, table *[256]float32){nil, scatterRaw1, scatterRaw2, scatterRaw3, scatterRaw4, scatterRaw5, scatterRaw6, scatterRaw7, scatterRaw8}

// planScatterFns[w] is planScatter<w>: the first layer's gradient of a batch
// transposed once by NewPlan.
var planScatterFns = [...]func(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32){nil, planScatter1, planScatter2, planScatter3, planScatter4, planScatter5, planScatter6, planScatter7, planScatter8}

// planScatterPadFns[w] is planScatter<w> for the padded lists of a plan for
// a model with one column block (see Plan.padded).
var planScatterPadFns = [...]func(dw, dz *float32, pix *uint32, pstart *int32, entOff *uint16, entRaw *uint8, npix int, scale *float32){nil, planScatterPad1, planScatterPad2, planScatterPad3, planScatterPad4, planScatterPad5, planScatterPad6, planScatterPad7, planScatterPad8}

// tiledGatherFns[w] is tiledGather<w>, gatherRawFns over one pixel tile of a
// decoded batch, for one of several column blocks.
var tiledGatherFns = [...]func(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int){nil, tiledGather1, tiledGather2, tiledGather3, tiledGather4, tiledGather5, tiledGather6, tiledGather7, tiledGather8}

// cscScatterFns[w] is cscScatter<w>, scatterRawFns over a batch transposed
// by buildCSC, for one of several column blocks.
var cscScatterFns = [...]func(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int){nil, cscScatter1, cscScatter2, cscScatter3, cscScatter4, cscScatter5, cscScatter6, cscScatter7, cscScatter8}
