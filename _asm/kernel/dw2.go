package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"

	"github.com/shardnet/shardnet/_asm/internal/gen"
)

// dw2Batch emits dw2Batch: the output layer's weight gradient of a batch,
// in tiles of 2 rows × 2 registers of dW2, with a last odd row and column
// register on their own.
func dw2Batch(a *gen.File, v gen.Vector) {
	a.Func(v.Name("dw2Batch", 0), "func(dw2, dz2, h *float32, rows, hp, n, zstride, hstride int)",
		v.Name("dw2Batch", 0)+" adds dW2 += Σ_k dz2_k ⊗ h_k over the n ≥ 1 images of a batch (row",
		"k of dz2 at k·zstride bytes, of h at k·hstride), rows ≥ 1 and hp a",
		fmt.Sprintf("positive multiple of %d. Each dW2 register is loaded once, takes the", v.Lanes),
		"batch's products in image order, and is stored once: the same sums as",
		"adding image by image, without a store per image. Tiles of 2 rows × 2",
		"registers, with a last odd row and column register on their own.")
	dw2, dz2, h, rows, rowBytes, n, zstride, hstride := RDI, RSI, RDX, R8, R9, R10, R11, R12
	a.Load(a.Param("dw2"), dw2)
	a.Load(a.Param("dz2"), dz2)
	a.Load(a.Param("h"), h)
	a.Load(a.Param("rows"), rows)
	a.Load(a.Param("hp"), rowBytes)
	a.Load(a.Param("n"), n)
	a.Load(a.Param("zstride"), zstride)
	a.Load(a.Param("hstride"), hstride)
	a.SHLQ(U8(2), rowBytes)

	// r is the row, col the column byte offset in it; tile addresses the
	// tile of dW2 at (r, col), and the image loop walks dz2 (dzk) and h (hk).
	r, col, tile, dzk, hk := RAX, RBX, R13, R14, RCX
	// acc(i, j) is register j of row i of the tile, dz the broadcast
	// dz2[k][r+i], hv register j of h_k.
	acc := func(i, j int) VecPhysical { return v.Reg(2*i + j) }
	dz := func(i int) VecPhysical { return v.Reg(8 + i) }
	hv := func(j int) VecPhysical { return v.Reg(10 + j) }

	// tileAt points tile at (r, col) of dW2.
	tileAt := func() {
		a.MOVQ(r, tile)
		a.IMULQ(rowBytes, tile)
		a.ADDQ(col, tile)
		a.LEAQ(atIdx(dw2, tile, 1, 0), tile)
	}
	// accAt is the address of tile register (i, j).
	accAt := func(i, j int) Mem {
		if i == 0 {
			return at(tile, j*v.Bytes())
		}
		return atIdx(tile, rowBytes, 1, j*v.Bytes())
	}
	// images emits the loop over the batch for a tile of the given rows and
	// column registers, after loading the tile, and stores it.
	images := func(label string, nrows, ncols int) {
		for i := range nrows {
			for j := range ncols {
				a.VMOVUPS(accAt(i, j), acc(i, j))
			}
		}
		a.MOVQ(dz2, dzk)
		a.LEAQ(atIdx(h, col, 1, 0), hk)
		a.Load(a.Param("n"), n)
		a.Label(label)
		for i := range nrows {
			a.VBROADCASTSS(atIdx(dzk, r, 4, 4*i), dz(i))
		}
		if nrows == 1 && ncols == 1 {
			a.VFMADD231PS(at(hk, 0), dz(0), acc(0, 0))
		} else {
			for j := range ncols {
				a.VMOVUPS(at(hk, j*v.Bytes()), hv(j))
			}
			for i := range nrows {
				for j := range ncols {
					a.VFMADD231PS(hv(j), dz(i), acc(i, j))
				}
			}
		}
		a.ADDQ(zstride, dzk)
		a.ADDQ(hstride, hk)
		a.DECQ(n)
		a.JNZ(LabelRef(label))
		for i := range nrows {
			for j := range ncols {
				a.VMOVUPS(acc(i, j), accAt(i, j))
			}
		}
	}

	a.XORQ(r, r)
	a.Label("row")
	left := RBX
	a.MOVQ(rows, left)
	a.SUBQ(r, left)
	a.CMPQ(left, imm(2))
	a.JL(LabelRef("row1"))

	a.Comment("Rows r and r+1, two column registers at a time.")
	a.XORQ(col, col)
	a.Label("col2")
	a.MOVQ(rowBytes, RCX)
	a.SUBQ(col, RCX)
	a.CMPQ(RCX, imm(2*v.Bytes()))
	a.JL(LabelRef("col21"))
	tileAt()
	images("k22", 2, 2)
	a.ADDQ(imm(2*v.Bytes()), col)
	a.JMP(LabelRef("col2"))
	a.Label("col21")
	a.TESTQ(RCX, RCX)
	a.JZ(LabelRef("next2"))
	tileAt()
	images("k21", 2, 1)
	a.Label("next2")
	a.ADDQ(imm(2), r)
	a.JMP(LabelRef("row"))

	a.Label("row1")
	a.TESTQ(left, left)
	a.JZ(LabelRef("done"))
	a.Comment("The last row, one register at a time.")
	a.XORQ(col, col)
	a.Label("col1")
	a.CMPQ(col, rowBytes)
	a.JGE(LabelRef("done"))
	tileAt()
	images("k1", 1, 1)
	a.ADDQ(imm(v.Bytes()), col)
	a.JMP(LabelRef("col1"))
	a.Label("done")
	a.VZEROUPPER()
	a.RET()
}
