//go:build amd64

package kernel

import "golang.org/x/sys/cpu"

// haveAsm says whether this machine runs the AVX2+FMA assembly.
var haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The assembly kernels (kernel_amd64.s). Lengths are in float32 elements
// except stride, which is the byte length of one row of the transposed
// first layer. They trust their callers below for every bound.

//go:noescape
func gather8(z, w *float32, stride int, idx *uint16, val *uint8, n int, table *[256]float32)

//go:noescape
func gather4(z, w *float32, stride int, idx *uint16, val *uint8, n int, table *[256]float32)

//go:noescape
func gather2(z, w *float32, stride int, idx *uint16, val *uint8, n int, table *[256]float32)

//go:noescape
func gather1(z, w *float32, stride int, idx *uint16, val *uint8, n int, table *[256]float32)

//go:noescape
func scatter8(dw *float32, stride int, dz *float32, idx *uint16, val *uint8, n int, table *[256]float32)

//go:noescape
func scatter4(dw *float32, stride int, dz *float32, idx *uint16, val *uint8, n int, table *[256]float32)

//go:noescape
func scatter2(dw *float32, stride int, dz *float32, idx *uint16, val *uint8, n int, table *[256]float32)

//go:noescape
func scatter1(dw *float32, stride int, dz *float32, idx *uint16, val *uint8, n int, table *[256]float32)

//go:noescape
func sigmoidAVX(z, d *float32, n int)

//go:noescape
func tanhAVX(z, d *float32, n int)

//go:noescape
func reluAVX(z, d *float32, n int)

//go:noescape
func gemvAVX(z2, w2, h *float32, rows, hp int)

//go:noescape
func backAVX(dz1, db1, dw2, w2, dz2, h, d *float32, rows, hp int)

// gatherAsm is gatherGo over all hp columns: z (length hp) += Σ_k
// table[val[k]]·W1T[idx[k]]. The hidden columns go in blocks of up to 8
// registers, one pass over the pixels per block. Every idx[k] must be below
// len(w1t)/hp (Model.Check).
func gatherAsm(z, w1t []float32, hp int, idx []uint16, val []uint8, table *[256]float32) {
	n := len(idx)
	if n == 0 {
		return
	}
	_ = val[n-1]
	_ = z[hp-1]
	_ = w1t[hp-1]
	stride := hp * 4
	c := 0
	for ; c+64 <= hp; c += 64 {
		gather8(&z[c], &w1t[c], stride, &idx[0], &val[0], n, table)
	}
	if c+32 <= hp {
		gather4(&z[c], &w1t[c], stride, &idx[0], &val[0], n, table)
		c += 32
	}
	if c+16 <= hp {
		gather2(&z[c], &w1t[c], stride, &idx[0], &val[0], n, table)
		c += 16
	}
	if c < hp {
		gather1(&z[c], &w1t[c], stride, &idx[0], &val[0], n, table)
	}
}

// scatterAsm is scatterGo over all hp columns: dW1T[idx[k]] += table[val[k]]·dz1.
func scatterAsm(dw1t []float32, hp int, dz1 []float32, idx []uint16, val []uint8, table *[256]float32) {
	n := len(idx)
	if n == 0 {
		return
	}
	_ = val[n-1]
	_ = dz1[hp-1]
	_ = dw1t[hp-1]
	stride := hp * 4
	c := 0
	for ; c+64 <= hp; c += 64 {
		scatter8(&dw1t[c], stride, &dz1[c], &idx[0], &val[0], n, table)
	}
	if c+32 <= hp {
		scatter4(&dw1t[c], stride, &dz1[c], &idx[0], &val[0], n, table)
		c += 32
	}
	if c+16 <= hp {
		scatter2(&dw1t[c], stride, &dz1[c], &idx[0], &val[0], n, table)
		c += 16
	}
	if c < hp {
		scatter1(&dw1t[c], stride, &dz1[c], &idx[0], &val[0], n, table)
	}
}

// activateAsm is activateGo over all of z and d (length a multiple of 8).
func activateAsm(act Activation, z, d []float32) {
	_ = d[len(z)-1]
	switch act {
	case Sigmoid:
		sigmoidAVX(&z[0], &d[0], len(z))
	case Tanh:
		tanhAVX(&z[0], &d[0], len(z))
	case ReLU:
		reluAVX(&z[0], &d[0], len(z))
	}
}

// gemvAsm adds W2·h to z2, W2 having len(z2) rows of hp = len(h) columns.
func gemvAsm(z2, w2, h []float32, hp int) {
	_ = w2[len(z2)*hp-1]
	_ = h[hp-1]
	gemvAVX(&z2[0], &w2[0], &h[0], len(z2), hp)
}

// backAsm is backGo over all hp columns.
func backAsm(dz1, db1, dw2, w2, dz2, h, d []float32, hp int) {
	rows := len(dz2)
	_ = dz1[hp-1]
	_ = db1[hp-1]
	_ = h[hp-1]
	_ = d[hp-1]
	_ = dw2[rows*hp-1]
	_ = w2[rows*hp-1]
	backAVX(&dz1[0], &db1[0], &dw2[0], &w2[0], &dz2[0], &h[0], &d[0], rows, hp)
}
