//go:build amd64

package kernel

//go:generate python3 asmgen/gen.py

// Declarations of the assembly in kernel_amd64.s. The loops over pixels
// come in one variant per block width (1 to 8 AVX2 registers of 8 columns);
// the tables below index them by width. Lengths count float32 elements
// except the byte offsets off, pix, entK and the strides. The functions
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
func gather1(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func gather2(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func gather3(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func gather4(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func gather5(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func gather6(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func gather7(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func gather8(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func scatter1(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func scatter2(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func scatter3(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func scatter4(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func scatter5(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func scatter6(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func scatter7(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)

//go:noescape
func scatter8(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)

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

// gatherFns[w] is gather<w>: for each decoded image of a batch, its row of
// z[·][0:8w] = Σ_e fv[e]·w[off[e]/4:][0:8w].
var gatherFns = [...]func(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int){nil, gather1, gather2, gather3, gather4, gather5, gather6, gather7, gather8}

// scatterFns[w] is scatter<w>: for each decoded image of a batch and each of
// its pixels e, dw[off[e]/4:][0:8w] += fv[e]·(its row of dz)[0:8w].
var scatterFns = [...]func(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int){nil, scatter1, scatter2, scatter3, scatter4, scatter5, scatter6, scatter7, scatter8}

// tiledGatherFns[w] is tiledGather<w>, gatherFns over one pixel tile of a batch.
var tiledGatherFns = [...]func(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int){nil, tiledGather1, tiledGather2, tiledGather3, tiledGather4, tiledGather5, tiledGather6, tiledGather7, tiledGather8}

// cscScatterFns[w] is cscScatter<w>, scatterFns over a transposed batch.
var cscScatterFns = [...]func(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int){nil, cscScatter1, cscScatter2, cscScatter3, cscScatter4, cscScatter5, cscScatter6, cscScatter7, cscScatter8}
