//go:build amd64

#include "go_asm.h"
#include "textflag.h"

// AVX2+FMA kernels. Every function takes its arguments on the stack (ABI0)
// and trusts the Go wrappers in kernel_amd64.go for lengths and bounds.
// Vector lengths are whole YMM registers (8 float32); the Go side pads.

// Each constant is broadcast to a whole YMM so that it can be a memory operand.
DATA c_expHi<>+0(SB)/4, $0x42317218
DATA c_expHi<>+4(SB)/4, $0x42317218
DATA c_expHi<>+8(SB)/4, $0x42317218
DATA c_expHi<>+12(SB)/4, $0x42317218
DATA c_expHi<>+16(SB)/4, $0x42317218
DATA c_expHi<>+20(SB)/4, $0x42317218
DATA c_expHi<>+24(SB)/4, $0x42317218
DATA c_expHi<>+28(SB)/4, $0x42317218
GLOBL c_expHi<>(SB), RODATA|NOPTR, $32
DATA c_expLo<>+0(SB)/4, $0xc2317218
DATA c_expLo<>+4(SB)/4, $0xc2317218
DATA c_expLo<>+8(SB)/4, $0xc2317218
DATA c_expLo<>+12(SB)/4, $0xc2317218
DATA c_expLo<>+16(SB)/4, $0xc2317218
DATA c_expLo<>+20(SB)/4, $0xc2317218
DATA c_expLo<>+24(SB)/4, $0xc2317218
DATA c_expLo<>+28(SB)/4, $0xc2317218
GLOBL c_expLo<>(SB), RODATA|NOPTR, $32
DATA c_log2e<>+0(SB)/4, $0x3fb8aa3b
DATA c_log2e<>+4(SB)/4, $0x3fb8aa3b
DATA c_log2e<>+8(SB)/4, $0x3fb8aa3b
DATA c_log2e<>+12(SB)/4, $0x3fb8aa3b
DATA c_log2e<>+16(SB)/4, $0x3fb8aa3b
DATA c_log2e<>+20(SB)/4, $0x3fb8aa3b
DATA c_log2e<>+24(SB)/4, $0x3fb8aa3b
DATA c_log2e<>+28(SB)/4, $0x3fb8aa3b
GLOBL c_log2e<>(SB), RODATA|NOPTR, $32
DATA c_ln2Hi<>+0(SB)/4, $0x3f318000
DATA c_ln2Hi<>+4(SB)/4, $0x3f318000
DATA c_ln2Hi<>+8(SB)/4, $0x3f318000
DATA c_ln2Hi<>+12(SB)/4, $0x3f318000
DATA c_ln2Hi<>+16(SB)/4, $0x3f318000
DATA c_ln2Hi<>+20(SB)/4, $0x3f318000
DATA c_ln2Hi<>+24(SB)/4, $0x3f318000
DATA c_ln2Hi<>+28(SB)/4, $0x3f318000
GLOBL c_ln2Hi<>(SB), RODATA|NOPTR, $32
DATA c_ln2Lo<>+0(SB)/4, $0xb95e8083
DATA c_ln2Lo<>+4(SB)/4, $0xb95e8083
DATA c_ln2Lo<>+8(SB)/4, $0xb95e8083
DATA c_ln2Lo<>+12(SB)/4, $0xb95e8083
DATA c_ln2Lo<>+16(SB)/4, $0xb95e8083
DATA c_ln2Lo<>+20(SB)/4, $0xb95e8083
DATA c_ln2Lo<>+24(SB)/4, $0xb95e8083
DATA c_ln2Lo<>+28(SB)/4, $0xb95e8083
GLOBL c_ln2Lo<>(SB), RODATA|NOPTR, $32
DATA c_p0<>+0(SB)/4, $0x39506967
DATA c_p0<>+4(SB)/4, $0x39506967
DATA c_p0<>+8(SB)/4, $0x39506967
DATA c_p0<>+12(SB)/4, $0x39506967
DATA c_p0<>+16(SB)/4, $0x39506967
DATA c_p0<>+20(SB)/4, $0x39506967
DATA c_p0<>+24(SB)/4, $0x39506967
DATA c_p0<>+28(SB)/4, $0x39506967
GLOBL c_p0<>(SB), RODATA|NOPTR, $32
DATA c_p1<>+0(SB)/4, $0x3ab743ce
DATA c_p1<>+4(SB)/4, $0x3ab743ce
DATA c_p1<>+8(SB)/4, $0x3ab743ce
DATA c_p1<>+12(SB)/4, $0x3ab743ce
DATA c_p1<>+16(SB)/4, $0x3ab743ce
DATA c_p1<>+20(SB)/4, $0x3ab743ce
DATA c_p1<>+24(SB)/4, $0x3ab743ce
DATA c_p1<>+28(SB)/4, $0x3ab743ce
GLOBL c_p1<>(SB), RODATA|NOPTR, $32
DATA c_p2<>+0(SB)/4, $0x3c088908
DATA c_p2<>+4(SB)/4, $0x3c088908
DATA c_p2<>+8(SB)/4, $0x3c088908
DATA c_p2<>+12(SB)/4, $0x3c088908
DATA c_p2<>+16(SB)/4, $0x3c088908
DATA c_p2<>+20(SB)/4, $0x3c088908
DATA c_p2<>+24(SB)/4, $0x3c088908
DATA c_p2<>+28(SB)/4, $0x3c088908
GLOBL c_p2<>(SB), RODATA|NOPTR, $32
DATA c_p3<>+0(SB)/4, $0x3d2aa9c1
DATA c_p3<>+4(SB)/4, $0x3d2aa9c1
DATA c_p3<>+8(SB)/4, $0x3d2aa9c1
DATA c_p3<>+12(SB)/4, $0x3d2aa9c1
DATA c_p3<>+16(SB)/4, $0x3d2aa9c1
DATA c_p3<>+20(SB)/4, $0x3d2aa9c1
DATA c_p3<>+24(SB)/4, $0x3d2aa9c1
DATA c_p3<>+28(SB)/4, $0x3d2aa9c1
GLOBL c_p3<>(SB), RODATA|NOPTR, $32
DATA c_p4<>+0(SB)/4, $0x3e2aaaaa
DATA c_p4<>+4(SB)/4, $0x3e2aaaaa
DATA c_p4<>+8(SB)/4, $0x3e2aaaaa
DATA c_p4<>+12(SB)/4, $0x3e2aaaaa
DATA c_p4<>+16(SB)/4, $0x3e2aaaaa
DATA c_p4<>+20(SB)/4, $0x3e2aaaaa
DATA c_p4<>+24(SB)/4, $0x3e2aaaaa
DATA c_p4<>+28(SB)/4, $0x3e2aaaaa
GLOBL c_p4<>(SB), RODATA|NOPTR, $32
DATA c_p5<>+0(SB)/4, $0x3f000000
DATA c_p5<>+4(SB)/4, $0x3f000000
DATA c_p5<>+8(SB)/4, $0x3f000000
DATA c_p5<>+12(SB)/4, $0x3f000000
DATA c_p5<>+16(SB)/4, $0x3f000000
DATA c_p5<>+20(SB)/4, $0x3f000000
DATA c_p5<>+24(SB)/4, $0x3f000000
DATA c_p5<>+28(SB)/4, $0x3f000000
GLOBL c_p5<>(SB), RODATA|NOPTR, $32
DATA c_one<>+0(SB)/4, $0x3f800000
DATA c_one<>+4(SB)/4, $0x3f800000
DATA c_one<>+8(SB)/4, $0x3f800000
DATA c_one<>+12(SB)/4, $0x3f800000
DATA c_one<>+16(SB)/4, $0x3f800000
DATA c_one<>+20(SB)/4, $0x3f800000
DATA c_one<>+24(SB)/4, $0x3f800000
DATA c_one<>+28(SB)/4, $0x3f800000
GLOBL c_one<>(SB), RODATA|NOPTR, $32
DATA c_bias<>+0(SB)/4, $0x0000007f
DATA c_bias<>+4(SB)/4, $0x0000007f
DATA c_bias<>+8(SB)/4, $0x0000007f
DATA c_bias<>+12(SB)/4, $0x0000007f
DATA c_bias<>+16(SB)/4, $0x0000007f
DATA c_bias<>+20(SB)/4, $0x0000007f
DATA c_bias<>+24(SB)/4, $0x0000007f
DATA c_bias<>+28(SB)/4, $0x0000007f
GLOBL c_bias<>(SB), RODATA|NOPTR, $32
DATA c_sign<>+0(SB)/4, $0x80000000
DATA c_sign<>+4(SB)/4, $0x80000000
DATA c_sign<>+8(SB)/4, $0x80000000
DATA c_sign<>+12(SB)/4, $0x80000000
DATA c_sign<>+16(SB)/4, $0x80000000
DATA c_sign<>+20(SB)/4, $0x80000000
DATA c_sign<>+24(SB)/4, $0x80000000
DATA c_sign<>+28(SB)/4, $0x80000000
GLOBL c_sign<>(SB), RODATA|NOPTR, $32
DATA c_abs<>+0(SB)/4, $0x7fffffff
DATA c_abs<>+4(SB)/4, $0x7fffffff
DATA c_abs<>+8(SB)/4, $0x7fffffff
DATA c_abs<>+12(SB)/4, $0x7fffffff
DATA c_abs<>+16(SB)/4, $0x7fffffff
DATA c_abs<>+20(SB)/4, $0x7fffffff
DATA c_abs<>+24(SB)/4, $0x7fffffff
DATA c_abs<>+28(SB)/4, $0x7fffffff
GLOBL c_abs<>(SB), RODATA|NOPTR, $32
DATA c_neginf<>+0(SB)/4, $0xff800000
DATA c_neginf<>+4(SB)/4, $0xff800000
DATA c_neginf<>+8(SB)/4, $0xff800000
DATA c_neginf<>+12(SB)/4, $0xff800000
DATA c_neginf<>+16(SB)/4, $0xff800000
DATA c_neginf<>+20(SB)/4, $0xff800000
DATA c_neginf<>+24(SB)/4, $0xff800000
DATA c_neginf<>+28(SB)/4, $0xff800000
GLOBL c_neginf<>(SB), RODATA|NOPTR, $32
DATA c_minus2<>+0(SB)/4, $0xc0000000
DATA c_minus2<>+4(SB)/4, $0xc0000000
DATA c_minus2<>+8(SB)/4, $0xc0000000
DATA c_minus2<>+12(SB)/4, $0xc0000000
DATA c_minus2<>+16(SB)/4, $0xc0000000
DATA c_minus2<>+20(SB)/4, $0xc0000000
DATA c_minus2<>+24(SB)/4, $0xc0000000
DATA c_minus2<>+28(SB)/4, $0xc0000000
GLOBL c_minus2<>(SB), RODATA|NOPTR, $32
DATA c_four<>+0(SB)/4, $0x40800000
DATA c_four<>+4(SB)/4, $0x40800000
DATA c_four<>+8(SB)/4, $0x40800000
DATA c_four<>+12(SB)/4, $0x40800000
DATA c_four<>+16(SB)/4, $0x40800000
DATA c_four<>+20(SB)/4, $0x40800000
DATA c_four<>+24(SB)/4, $0x40800000
DATA c_four<>+28(SB)/4, $0x40800000
GLOBL c_four<>(SB), RODATA|NOPTR, $32

// func prepAVX(off *uint32, fv *float32, idx *uint16, val *uint8, src, start *int32, n, stride int, scale *float32)
//
// Decodes the pixels of n ≥ 1 images for the loops below: image k's
// src[2k+1] pixels from idx[src[2k]:] and val[src[2k]:] become byte offsets
// off[j] = idx·stride of their weight rows and values fv[j] =
// float32(val)·scale, from
// j = start[k] on. Eight pixels at a time, then one at a time; the caller
// rounds a count up to a multiple of 8 where reading and writing past the
// image is harmless.
TEXT ·prepAVX(SB), NOSPLIT, $0-72
	MOVQ idx+16(FP), R10
	MOVQ val+24(FP), R11
	MOVQ src+32(FP), R12
	MOVQ start+40(FP), R13
	MOVQ n+48(FP), R14
	MOVQ stride+56(FP), DX
	MOVQ DX, X15
	VPBROADCASTD X15, Y15
	MOVQ scale+64(FP), AX
	VBROADCASTSS (AX), Y14
prepimg:
	MOVLQSX (R12), AX
	LEAQ (R10)(AX*2), R8
	LEAQ (R11)(AX*1), R9
	MOVLQSX 4(R12), CX
	MOVLQSX (R13), AX
	MOVQ off+0(FP), DI
	LEAQ (DI)(AX*4), DI
	MOVQ fv+8(FP), SI
	LEAQ (SI)(AX*4), SI
prep8:
	CMPQ CX, $8
	JL prep1
	VPMOVZXWD (R8), Y0
	VPMULLD Y15, Y0, Y0
	VMOVDQU Y0, (DI)
	VPMOVZXBD (R9), Y1
	VCVTDQ2PS Y1, Y1
	VMULPS Y14, Y1, Y1
	VMOVUPS Y1, (SI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $16, R8
	ADDQ $8, R9
	SUBQ $8, CX
	JMP prep8
prep1:
	TESTQ CX, CX
	JZ prepnext
	MOVWQZX (R8), AX
	IMULQ DX, AX
	MOVL AX, (DI)
	MOVBLZX (R9), BX
	VXORPS X0, X0, X0
	VCVTSI2SSL BX, X0, X0
	VMULSS X14, X0, X0
	VMOVSS X0, (SI)
	ADDQ $4, DI
	ADDQ $4, SI
	ADDQ $2, R8
	INCQ R9
	DECQ CX
	JMP prep1
prepnext:
	ADDQ $8, R12
	ADDQ $4, R13
	DECQ R14
	JNZ prepimg
	VZEROUPPER
	RET

// func gather8(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer of n ≥ 1 decoded images, 64 columns: image k (row z +
// k·zstride bytes) = Σ_e fv[e]·w[off[e]/4:][0:64] over its pixels e in
// start[k]:start[k+1] (the images lie one after another in off and fv),
// one FMA chain per register.
TEXT ·gather8(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
g8img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	TESTQ CX, CX
	JZ g8done
g8one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y8
	VFMADD231PS 0(SI)(AX*1), Y8, Y0
	VFMADD231PS 32(SI)(AX*1), Y8, Y1
	VFMADD231PS 64(SI)(AX*1), Y8, Y2
	VFMADD231PS 96(SI)(AX*1), Y8, Y3
	VFMADD231PS 128(SI)(AX*1), Y8, Y4
	VFMADD231PS 160(SI)(AX*1), Y8, Y5
	VFMADD231PS 192(SI)(AX*1), Y8, Y6
	VFMADD231PS 224(SI)(AX*1), Y8, Y7
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ g8one
g8done:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	ADDQ DX, DI
	ADDQ $4, R10
	DECQ R14
	JNZ g8img
	VZEROUPPER
	RET

// func gather7(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer of n ≥ 1 decoded images, 56 columns: image k (row z +
// k·zstride bytes) = Σ_e fv[e]·w[off[e]/4:][0:56] over its pixels e in
// start[k]:start[k+1] (the images lie one after another in off and fv),
// one FMA chain per register.
TEXT ·gather7(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
g7img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	TESTQ CX, CX
	JZ g7done
g7one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y8
	VFMADD231PS 0(SI)(AX*1), Y8, Y0
	VFMADD231PS 32(SI)(AX*1), Y8, Y1
	VFMADD231PS 64(SI)(AX*1), Y8, Y2
	VFMADD231PS 96(SI)(AX*1), Y8, Y3
	VFMADD231PS 128(SI)(AX*1), Y8, Y4
	VFMADD231PS 160(SI)(AX*1), Y8, Y5
	VFMADD231PS 192(SI)(AX*1), Y8, Y6
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ g7one
g7done:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	ADDQ DX, DI
	ADDQ $4, R10
	DECQ R14
	JNZ g7img
	VZEROUPPER
	RET

// func gather6(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer of n ≥ 1 decoded images, 48 columns: image k (row z +
// k·zstride bytes) = Σ_e fv[e]·w[off[e]/4:][0:48] over its pixels e in
// start[k]:start[k+1] (the images lie one after another in off and fv),
// one FMA chain per register.
TEXT ·gather6(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
g6img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	TESTQ CX, CX
	JZ g6done
g6one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y8
	VFMADD231PS 0(SI)(AX*1), Y8, Y0
	VFMADD231PS 32(SI)(AX*1), Y8, Y1
	VFMADD231PS 64(SI)(AX*1), Y8, Y2
	VFMADD231PS 96(SI)(AX*1), Y8, Y3
	VFMADD231PS 128(SI)(AX*1), Y8, Y4
	VFMADD231PS 160(SI)(AX*1), Y8, Y5
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ g6one
g6done:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	ADDQ DX, DI
	ADDQ $4, R10
	DECQ R14
	JNZ g6img
	VZEROUPPER
	RET

// func gather5(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer of n ≥ 1 decoded images, 40 columns: image k (row z +
// k·zstride bytes) = Σ_e fv[e]·w[off[e]/4:][0:40] over its pixels e in
// start[k]:start[k+1] (the images lie one after another in off and fv),
// one FMA chain per register.
TEXT ·gather5(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
g5img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	TESTQ CX, CX
	JZ g5done
g5one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y8
	VFMADD231PS 0(SI)(AX*1), Y8, Y0
	VFMADD231PS 32(SI)(AX*1), Y8, Y1
	VFMADD231PS 64(SI)(AX*1), Y8, Y2
	VFMADD231PS 96(SI)(AX*1), Y8, Y3
	VFMADD231PS 128(SI)(AX*1), Y8, Y4
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ g5one
g5done:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	ADDQ DX, DI
	ADDQ $4, R10
	DECQ R14
	JNZ g5img
	VZEROUPPER
	RET

// func gather4(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer of n ≥ 1 decoded images, 32 columns: image k (row z +
// k·zstride bytes) = Σ_e fv[e]·w[off[e]/4:][0:32] over its pixels e in
// start[k]:start[k+1] (the images lie one after another in off and fv),
// pixel e going to accumulator set e mod 2 so that 8 FMA chains overlap;
// the sets are added in a fixed order at the end.
TEXT ·gather4(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
g4img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ CX, $2
	JL g4tail
g4loop:
	MOVQ 0(R8), AX
	MOVL AX, R11
	SHRQ $32, AX
	VBROADCASTSS 0(R9), Y8
	VBROADCASTSS 4(R9), Y9
	VFMADD231PS 0(SI)(R11*1), Y8, Y0
	VFMADD231PS 32(SI)(R11*1), Y8, Y1
	VFMADD231PS 64(SI)(R11*1), Y8, Y2
	VFMADD231PS 96(SI)(R11*1), Y8, Y3
	VFMADD231PS 0(SI)(AX*1), Y9, Y4
	VFMADD231PS 32(SI)(AX*1), Y9, Y5
	VFMADD231PS 64(SI)(AX*1), Y9, Y6
	VFMADD231PS 96(SI)(AX*1), Y9, Y7
	ADDQ $8, R8
	ADDQ $8, R9
	SUBQ $2, CX
	CMPQ CX, $2
	JGE g4loop
g4tail:
	TESTQ CX, CX
	JZ g4done
g4one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y8
	VFMADD231PS 0(SI)(AX*1), Y8, Y0
	VFMADD231PS 32(SI)(AX*1), Y8, Y1
	VFMADD231PS 64(SI)(AX*1), Y8, Y2
	VFMADD231PS 96(SI)(AX*1), Y8, Y3
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ g4one
g4done:
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ DX, DI
	ADDQ $4, R10
	DECQ R14
	JNZ g4img
	VZEROUPPER
	RET

// func gather3(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer of n ≥ 1 decoded images, 24 columns: image k (row z +
// k·zstride bytes) = Σ_e fv[e]·w[off[e]/4:][0:24] over its pixels e in
// start[k]:start[k+1] (the images lie one after another in off and fv),
// pixel e going to accumulator set e mod 2 so that 6 FMA chains overlap;
// the sets are added in a fixed order at the end.
TEXT ·gather3(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
g3img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	CMPQ CX, $2
	JL g3tail
g3loop:
	MOVQ 0(R8), AX
	MOVL AX, R11
	SHRQ $32, AX
	VBROADCASTSS 0(R9), Y8
	VBROADCASTSS 4(R9), Y9
	VFMADD231PS 0(SI)(R11*1), Y8, Y0
	VFMADD231PS 32(SI)(R11*1), Y8, Y1
	VFMADD231PS 64(SI)(R11*1), Y8, Y2
	VFMADD231PS 0(SI)(AX*1), Y9, Y3
	VFMADD231PS 32(SI)(AX*1), Y9, Y4
	VFMADD231PS 64(SI)(AX*1), Y9, Y5
	ADDQ $8, R8
	ADDQ $8, R9
	SUBQ $2, CX
	CMPQ CX, $2
	JGE g3loop
g3tail:
	TESTQ CX, CX
	JZ g3done
g3one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y8
	VFMADD231PS 0(SI)(AX*1), Y8, Y0
	VFMADD231PS 32(SI)(AX*1), Y8, Y1
	VFMADD231PS 64(SI)(AX*1), Y8, Y2
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ g3one
g3done:
	VADDPS Y3, Y0, Y0
	VADDPS Y4, Y1, Y1
	VADDPS Y5, Y2, Y2
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	ADDQ DX, DI
	ADDQ $4, R10
	DECQ R14
	JNZ g3img
	VZEROUPPER
	RET

// func gather2(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer of n ≥ 1 decoded images, 16 columns: image k (row z +
// k·zstride bytes) = Σ_e fv[e]·w[off[e]/4:][0:16] over its pixels e in
// start[k]:start[k+1] (the images lie one after another in off and fv),
// pixel e going to accumulator set e mod 4 so that 8 FMA chains overlap;
// the sets are added in a fixed order at the end.
TEXT ·gather2(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
g2img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ CX, $4
	JL g2tail
g2loop:
	MOVQ 0(R8), AX
	MOVL AX, R11
	SHRQ $32, AX
	MOVQ 8(R8), R12
	MOVL R12, R13
	SHRQ $32, R12
	VBROADCASTSS 0(R9), Y8
	VBROADCASTSS 4(R9), Y9
	VBROADCASTSS 8(R9), Y10
	VBROADCASTSS 12(R9), Y11
	VFMADD231PS 0(SI)(R11*1), Y8, Y0
	VFMADD231PS 32(SI)(R11*1), Y8, Y1
	VFMADD231PS 0(SI)(AX*1), Y9, Y2
	VFMADD231PS 32(SI)(AX*1), Y9, Y3
	VFMADD231PS 0(SI)(R13*1), Y10, Y4
	VFMADD231PS 32(SI)(R13*1), Y10, Y5
	VFMADD231PS 0(SI)(R12*1), Y11, Y6
	VFMADD231PS 32(SI)(R12*1), Y11, Y7
	ADDQ $16, R8
	ADDQ $16, R9
	SUBQ $4, CX
	CMPQ CX, $4
	JGE g2loop
g2tail:
	TESTQ CX, CX
	JZ g2done
g2one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y8
	VFMADD231PS 0(SI)(AX*1), Y8, Y0
	VFMADD231PS 32(SI)(AX*1), Y8, Y1
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ g2one
g2done:
	VADDPS Y2, Y0, Y0
	VADDPS Y6, Y4, Y4
	VADDPS Y4, Y0, Y0
	VADDPS Y3, Y1, Y1
	VADDPS Y7, Y5, Y5
	VADDPS Y5, Y1, Y1
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	ADDQ DX, DI
	ADDQ $4, R10
	DECQ R14
	JNZ g2img
	VZEROUPPER
	RET

// func gather1(z, w *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer of n ≥ 1 decoded images, 8 columns: image k (row z +
// k·zstride bytes) = Σ_e fv[e]·w[off[e]/4:][0:8] over its pixels e in
// start[k]:start[k+1] (the images lie one after another in off and fv),
// pixel e going to accumulator set e mod 4 so that 4 FMA chains overlap;
// the sets are added in a fixed order at the end.
TEXT ·gather1(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
g1img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CMPQ CX, $4
	JL g1tail
g1loop:
	MOVQ 0(R8), AX
	MOVL AX, R11
	SHRQ $32, AX
	MOVQ 8(R8), R12
	MOVL R12, R13
	SHRQ $32, R12
	VBROADCASTSS 0(R9), Y8
	VBROADCASTSS 4(R9), Y9
	VBROADCASTSS 8(R9), Y10
	VBROADCASTSS 12(R9), Y11
	VFMADD231PS 0(SI)(R11*1), Y8, Y0
	VFMADD231PS 0(SI)(AX*1), Y9, Y1
	VFMADD231PS 0(SI)(R13*1), Y10, Y2
	VFMADD231PS 0(SI)(R12*1), Y11, Y3
	ADDQ $16, R8
	ADDQ $16, R9
	SUBQ $4, CX
	CMPQ CX, $4
	JGE g1loop
g1tail:
	TESTQ CX, CX
	JZ g1done
g1one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y8
	VFMADD231PS 0(SI)(AX*1), Y8, Y0
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ g1one
g1done:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VMOVUPS Y0, 0(DI)
	ADDQ DX, DI
	ADDQ $4, R10
	DECQ R14
	JNZ g1img
	VZEROUPPER
	RET

// func scatter8(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer's gradient of n ≥ 1 decoded images, 64 columns:
// dw[off[e]/4:][0:64] += fv[e]·(row k of dz, zstride bytes apart) for the
// pixels e in start[k]:start[k+1] of each image k in order.
TEXT ·scatter8(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
s8img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	JZ s8next
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS 128(SI), Y4
	VMOVUPS 160(SI), Y5
	VMOVUPS 192(SI), Y6
	VMOVUPS 224(SI), Y7
s8one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y8
	VMOVUPS 0(DI)(AX*1), Y9
	VFMADD231PS Y0, Y8, Y9
	VMOVUPS Y9, 0(DI)(AX*1)
	VMOVUPS 32(DI)(AX*1), Y10
	VFMADD231PS Y1, Y8, Y10
	VMOVUPS Y10, 32(DI)(AX*1)
	VMOVUPS 64(DI)(AX*1), Y11
	VFMADD231PS Y2, Y8, Y11
	VMOVUPS Y11, 64(DI)(AX*1)
	VMOVUPS 96(DI)(AX*1), Y12
	VFMADD231PS Y3, Y8, Y12
	VMOVUPS Y12, 96(DI)(AX*1)
	VMOVUPS 128(DI)(AX*1), Y13
	VFMADD231PS Y4, Y8, Y13
	VMOVUPS Y13, 128(DI)(AX*1)
	VMOVUPS 160(DI)(AX*1), Y14
	VFMADD231PS Y5, Y8, Y14
	VMOVUPS Y14, 160(DI)(AX*1)
	VMOVUPS 192(DI)(AX*1), Y15
	VFMADD231PS Y6, Y8, Y15
	VMOVUPS Y15, 192(DI)(AX*1)
	VMOVUPS 224(DI)(AX*1), Y9
	VFMADD231PS Y7, Y8, Y9
	VMOVUPS Y9, 224(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ s8one
s8next:
	ADDQ DX, SI
	ADDQ $4, R10
	DECQ R14
	JNZ s8img
	VZEROUPPER
	RET

// func scatter7(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer's gradient of n ≥ 1 decoded images, 56 columns:
// dw[off[e]/4:][0:56] += fv[e]·(row k of dz, zstride bytes apart) for the
// pixels e in start[k]:start[k+1] of each image k in order.
TEXT ·scatter7(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
s7img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	JZ s7next
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS 128(SI), Y4
	VMOVUPS 160(SI), Y5
	VMOVUPS 192(SI), Y6
s7one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y7
	VMOVUPS 0(DI)(AX*1), Y8
	VFMADD231PS Y0, Y7, Y8
	VMOVUPS Y8, 0(DI)(AX*1)
	VMOVUPS 32(DI)(AX*1), Y9
	VFMADD231PS Y1, Y7, Y9
	VMOVUPS Y9, 32(DI)(AX*1)
	VMOVUPS 64(DI)(AX*1), Y10
	VFMADD231PS Y2, Y7, Y10
	VMOVUPS Y10, 64(DI)(AX*1)
	VMOVUPS 96(DI)(AX*1), Y11
	VFMADD231PS Y3, Y7, Y11
	VMOVUPS Y11, 96(DI)(AX*1)
	VMOVUPS 128(DI)(AX*1), Y12
	VFMADD231PS Y4, Y7, Y12
	VMOVUPS Y12, 128(DI)(AX*1)
	VMOVUPS 160(DI)(AX*1), Y13
	VFMADD231PS Y5, Y7, Y13
	VMOVUPS Y13, 160(DI)(AX*1)
	VMOVUPS 192(DI)(AX*1), Y14
	VFMADD231PS Y6, Y7, Y14
	VMOVUPS Y14, 192(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ s7one
s7next:
	ADDQ DX, SI
	ADDQ $4, R10
	DECQ R14
	JNZ s7img
	VZEROUPPER
	RET

// func scatter6(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer's gradient of n ≥ 1 decoded images, 48 columns:
// dw[off[e]/4:][0:48] += fv[e]·(row k of dz, zstride bytes apart) for the
// pixels e in start[k]:start[k+1] of each image k in order.
TEXT ·scatter6(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
s6img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	JZ s6next
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS 128(SI), Y4
	VMOVUPS 160(SI), Y5
s6one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y6
	VMOVUPS 0(DI)(AX*1), Y7
	VFMADD231PS Y0, Y6, Y7
	VMOVUPS Y7, 0(DI)(AX*1)
	VMOVUPS 32(DI)(AX*1), Y8
	VFMADD231PS Y1, Y6, Y8
	VMOVUPS Y8, 32(DI)(AX*1)
	VMOVUPS 64(DI)(AX*1), Y9
	VFMADD231PS Y2, Y6, Y9
	VMOVUPS Y9, 64(DI)(AX*1)
	VMOVUPS 96(DI)(AX*1), Y10
	VFMADD231PS Y3, Y6, Y10
	VMOVUPS Y10, 96(DI)(AX*1)
	VMOVUPS 128(DI)(AX*1), Y11
	VFMADD231PS Y4, Y6, Y11
	VMOVUPS Y11, 128(DI)(AX*1)
	VMOVUPS 160(DI)(AX*1), Y12
	VFMADD231PS Y5, Y6, Y12
	VMOVUPS Y12, 160(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ s6one
s6next:
	ADDQ DX, SI
	ADDQ $4, R10
	DECQ R14
	JNZ s6img
	VZEROUPPER
	RET

// func scatter5(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer's gradient of n ≥ 1 decoded images, 40 columns:
// dw[off[e]/4:][0:40] += fv[e]·(row k of dz, zstride bytes apart) for the
// pixels e in start[k]:start[k+1] of each image k in order.
TEXT ·scatter5(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
s5img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	JZ s5next
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS 128(SI), Y4
s5one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y5
	VMOVUPS 0(DI)(AX*1), Y6
	VFMADD231PS Y0, Y5, Y6
	VMOVUPS Y6, 0(DI)(AX*1)
	VMOVUPS 32(DI)(AX*1), Y7
	VFMADD231PS Y1, Y5, Y7
	VMOVUPS Y7, 32(DI)(AX*1)
	VMOVUPS 64(DI)(AX*1), Y8
	VFMADD231PS Y2, Y5, Y8
	VMOVUPS Y8, 64(DI)(AX*1)
	VMOVUPS 96(DI)(AX*1), Y9
	VFMADD231PS Y3, Y5, Y9
	VMOVUPS Y9, 96(DI)(AX*1)
	VMOVUPS 128(DI)(AX*1), Y10
	VFMADD231PS Y4, Y5, Y10
	VMOVUPS Y10, 128(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ s5one
s5next:
	ADDQ DX, SI
	ADDQ $4, R10
	DECQ R14
	JNZ s5img
	VZEROUPPER
	RET

// func scatter4(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer's gradient of n ≥ 1 decoded images, 32 columns:
// dw[off[e]/4:][0:32] += fv[e]·(row k of dz, zstride bytes apart) for the
// pixels e in start[k]:start[k+1] of each image k in order.
TEXT ·scatter4(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
s4img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	JZ s4next
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
s4one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y4
	VMOVUPS 0(DI)(AX*1), Y5
	VFMADD231PS Y0, Y4, Y5
	VMOVUPS Y5, 0(DI)(AX*1)
	VMOVUPS 32(DI)(AX*1), Y6
	VFMADD231PS Y1, Y4, Y6
	VMOVUPS Y6, 32(DI)(AX*1)
	VMOVUPS 64(DI)(AX*1), Y7
	VFMADD231PS Y2, Y4, Y7
	VMOVUPS Y7, 64(DI)(AX*1)
	VMOVUPS 96(DI)(AX*1), Y8
	VFMADD231PS Y3, Y4, Y8
	VMOVUPS Y8, 96(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ s4one
s4next:
	ADDQ DX, SI
	ADDQ $4, R10
	DECQ R14
	JNZ s4img
	VZEROUPPER
	RET

// func scatter3(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer's gradient of n ≥ 1 decoded images, 24 columns:
// dw[off[e]/4:][0:24] += fv[e]·(row k of dz, zstride bytes apart) for the
// pixels e in start[k]:start[k+1] of each image k in order.
TEXT ·scatter3(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
s3img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	JZ s3next
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
s3one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y3
	VMOVUPS 0(DI)(AX*1), Y4
	VFMADD231PS Y0, Y3, Y4
	VMOVUPS Y4, 0(DI)(AX*1)
	VMOVUPS 32(DI)(AX*1), Y5
	VFMADD231PS Y1, Y3, Y5
	VMOVUPS Y5, 32(DI)(AX*1)
	VMOVUPS 64(DI)(AX*1), Y6
	VFMADD231PS Y2, Y3, Y6
	VMOVUPS Y6, 64(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ s3one
s3next:
	ADDQ DX, SI
	ADDQ $4, R10
	DECQ R14
	JNZ s3img
	VZEROUPPER
	RET

// func scatter2(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer's gradient of n ≥ 1 decoded images, 16 columns:
// dw[off[e]/4:][0:16] += fv[e]·(row k of dz, zstride bytes apart) for the
// pixels e in start[k]:start[k+1] of each image k in order.
TEXT ·scatter2(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
s2img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	JZ s2next
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	CMPQ CX, $2
	JL s2tail
s2loop:
	MOVQ (R8), R11
	MOVL R11, AX
	SHRQ $32, R11
	VBROADCASTSS (R9), Y2
	VBROADCASTSS 4(R9), Y3
	VMOVUPS 0(DI)(AX*1), Y4
	VFMADD231PS Y0, Y2, Y4
	VMOVUPS Y4, 0(DI)(AX*1)
	VMOVUPS 32(DI)(AX*1), Y5
	VFMADD231PS Y1, Y2, Y5
	VMOVUPS Y5, 32(DI)(AX*1)
	VMOVUPS 0(DI)(R11*1), Y6
	VFMADD231PS Y0, Y3, Y6
	VMOVUPS Y6, 0(DI)(R11*1)
	VMOVUPS 32(DI)(R11*1), Y7
	VFMADD231PS Y1, Y3, Y7
	VMOVUPS Y7, 32(DI)(R11*1)
	ADDQ $8, R8
	ADDQ $8, R9
	SUBQ $2, CX
	CMPQ CX, $2
	JGE s2loop
s2tail:
	TESTQ CX, CX
	JZ s2next
s2one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y2
	VMOVUPS 0(DI)(AX*1), Y3
	VFMADD231PS Y0, Y2, Y3
	VMOVUPS Y3, 0(DI)(AX*1)
	VMOVUPS 32(DI)(AX*1), Y4
	VFMADD231PS Y1, Y2, Y4
	VMOVUPS Y4, 32(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ s2one
s2next:
	ADDQ DX, SI
	ADDQ $4, R10
	DECQ R14
	JNZ s2img
	VZEROUPPER
	RET

// func scatter1(dw, dz *float32, off *uint32, fv *float32, start *int32, n, zstride int)
//
// The first layer's gradient of n ≥ 1 decoded images, 8 columns:
// dw[off[e]/4:][0:8] += fv[e]·(row k of dz, zstride bytes apart) for the
// pixels e in start[k]:start[k+1] of each image k in order.
TEXT ·scatter1(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ start+32(FP), R10
	MOVQ n+40(FP), R14
	MOVQ zstride+48(FP), DX
s1img:
	MOVLQSX 4(R10), CX
	MOVLQSX (R10), BX
	SUBQ BX, CX
	JZ s1next
	VMOVUPS 0(SI), Y0
	CMPQ CX, $2
	JL s1tail
s1loop:
	MOVQ (R8), R11
	MOVL R11, AX
	SHRQ $32, R11
	VBROADCASTSS (R9), Y1
	VBROADCASTSS 4(R9), Y2
	VMOVUPS 0(DI)(AX*1), Y3
	VFMADD231PS Y0, Y1, Y3
	VMOVUPS Y3, 0(DI)(AX*1)
	VMOVUPS 0(DI)(R11*1), Y4
	VFMADD231PS Y0, Y2, Y4
	VMOVUPS Y4, 0(DI)(R11*1)
	ADDQ $8, R8
	ADDQ $8, R9
	SUBQ $2, CX
	CMPQ CX, $2
	JGE s1loop
s1tail:
	TESTQ CX, CX
	JZ s1next
s1one:
	MOVL (R8), AX
	VBROADCASTSS (R9), Y1
	VMOVUPS 0(DI)(AX*1), Y2
	VFMADD231PS Y0, Y1, Y2
	VMOVUPS Y2, 0(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ s1one
s1next:
	ADDQ DX, SI
	ADDQ $4, R10
	DECQ R14
	JNZ s1img
	VZEROUPPER
	RET

// func tiledGather8(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)
//
// One pixel tile of the first layer for n images, 64 columns: image k
// (row z + k·zstride bytes) adds fv[e]·w[off[e]/4:][0:64] for e in
// bounds[k·bstride/4] up to bounds[k·bstride/4 + 1], continuing the chain of
// FMAs from the value the row holds, so tiles summed in pixel order give
// the same bits as one pass.
TEXT ·tiledGather8(SB), NOSPLIT, $0-64
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ bounds+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ bstride+48(FP), DX
	MOVQ zstride+56(FP), R11
tg8img:
	MOVLQSX (R10), AX
	MOVLQSX 4(R10), BX
	CMPQ AX, BX
	JGE tg8next
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
tg8pix:
	MOVL (R8)(AX*4), R12
	VBROADCASTSS (R9)(AX*4), Y8
	VFMADD231PS 0(SI)(R12*1), Y8, Y0
	VFMADD231PS 32(SI)(R12*1), Y8, Y1
	VFMADD231PS 64(SI)(R12*1), Y8, Y2
	VFMADD231PS 96(SI)(R12*1), Y8, Y3
	VFMADD231PS 128(SI)(R12*1), Y8, Y4
	VFMADD231PS 160(SI)(R12*1), Y8, Y5
	VFMADD231PS 192(SI)(R12*1), Y8, Y6
	VFMADD231PS 224(SI)(R12*1), Y8, Y7
	INCQ AX
	CMPQ AX, BX
	JL tg8pix
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
tg8next:
	ADDQ DX, R10
	ADDQ R11, DI
	DECQ CX
	JNZ tg8img
	VZEROUPPER
	RET

// func tiledGather7(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)
//
// One pixel tile of the first layer for n images, 56 columns: image k
// (row z + k·zstride bytes) adds fv[e]·w[off[e]/4:][0:56] for e in
// bounds[k·bstride/4] up to bounds[k·bstride/4 + 1], continuing the chain of
// FMAs from the value the row holds, so tiles summed in pixel order give
// the same bits as one pass.
TEXT ·tiledGather7(SB), NOSPLIT, $0-64
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ bounds+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ bstride+48(FP), DX
	MOVQ zstride+56(FP), R11
tg7img:
	MOVLQSX (R10), AX
	MOVLQSX 4(R10), BX
	CMPQ AX, BX
	JGE tg7next
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
tg7pix:
	MOVL (R8)(AX*4), R12
	VBROADCASTSS (R9)(AX*4), Y8
	VFMADD231PS 0(SI)(R12*1), Y8, Y0
	VFMADD231PS 32(SI)(R12*1), Y8, Y1
	VFMADD231PS 64(SI)(R12*1), Y8, Y2
	VFMADD231PS 96(SI)(R12*1), Y8, Y3
	VFMADD231PS 128(SI)(R12*1), Y8, Y4
	VFMADD231PS 160(SI)(R12*1), Y8, Y5
	VFMADD231PS 192(SI)(R12*1), Y8, Y6
	INCQ AX
	CMPQ AX, BX
	JL tg7pix
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
tg7next:
	ADDQ DX, R10
	ADDQ R11, DI
	DECQ CX
	JNZ tg7img
	VZEROUPPER
	RET

// func tiledGather6(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)
//
// One pixel tile of the first layer for n images, 48 columns: image k
// (row z + k·zstride bytes) adds fv[e]·w[off[e]/4:][0:48] for e in
// bounds[k·bstride/4] up to bounds[k·bstride/4 + 1], continuing the chain of
// FMAs from the value the row holds, so tiles summed in pixel order give
// the same bits as one pass.
TEXT ·tiledGather6(SB), NOSPLIT, $0-64
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ bounds+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ bstride+48(FP), DX
	MOVQ zstride+56(FP), R11
tg6img:
	MOVLQSX (R10), AX
	MOVLQSX 4(R10), BX
	CMPQ AX, BX
	JGE tg6next
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
tg6pix:
	MOVL (R8)(AX*4), R12
	VBROADCASTSS (R9)(AX*4), Y8
	VFMADD231PS 0(SI)(R12*1), Y8, Y0
	VFMADD231PS 32(SI)(R12*1), Y8, Y1
	VFMADD231PS 64(SI)(R12*1), Y8, Y2
	VFMADD231PS 96(SI)(R12*1), Y8, Y3
	VFMADD231PS 128(SI)(R12*1), Y8, Y4
	VFMADD231PS 160(SI)(R12*1), Y8, Y5
	INCQ AX
	CMPQ AX, BX
	JL tg6pix
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
tg6next:
	ADDQ DX, R10
	ADDQ R11, DI
	DECQ CX
	JNZ tg6img
	VZEROUPPER
	RET

// func tiledGather5(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)
//
// One pixel tile of the first layer for n images, 40 columns: image k
// (row z + k·zstride bytes) adds fv[e]·w[off[e]/4:][0:40] for e in
// bounds[k·bstride/4] up to bounds[k·bstride/4 + 1], continuing the chain of
// FMAs from the value the row holds, so tiles summed in pixel order give
// the same bits as one pass.
TEXT ·tiledGather5(SB), NOSPLIT, $0-64
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ bounds+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ bstride+48(FP), DX
	MOVQ zstride+56(FP), R11
tg5img:
	MOVLQSX (R10), AX
	MOVLQSX 4(R10), BX
	CMPQ AX, BX
	JGE tg5next
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
tg5pix:
	MOVL (R8)(AX*4), R12
	VBROADCASTSS (R9)(AX*4), Y8
	VFMADD231PS 0(SI)(R12*1), Y8, Y0
	VFMADD231PS 32(SI)(R12*1), Y8, Y1
	VFMADD231PS 64(SI)(R12*1), Y8, Y2
	VFMADD231PS 96(SI)(R12*1), Y8, Y3
	VFMADD231PS 128(SI)(R12*1), Y8, Y4
	INCQ AX
	CMPQ AX, BX
	JL tg5pix
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
tg5next:
	ADDQ DX, R10
	ADDQ R11, DI
	DECQ CX
	JNZ tg5img
	VZEROUPPER
	RET

// func tiledGather4(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)
//
// One pixel tile of the first layer for n images, 32 columns: image k
// (row z + k·zstride bytes) adds fv[e]·w[off[e]/4:][0:32] for e in
// bounds[k·bstride/4] up to bounds[k·bstride/4 + 1], continuing the chain of
// FMAs from the value the row holds, so tiles summed in pixel order give
// the same bits as one pass.
TEXT ·tiledGather4(SB), NOSPLIT, $0-64
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ bounds+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ bstride+48(FP), DX
	MOVQ zstride+56(FP), R11
tg4img:
	MOVLQSX (R10), AX
	MOVLQSX 4(R10), BX
	CMPQ AX, BX
	JGE tg4next
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
tg4pix:
	MOVL (R8)(AX*4), R12
	VBROADCASTSS (R9)(AX*4), Y8
	VFMADD231PS 0(SI)(R12*1), Y8, Y0
	VFMADD231PS 32(SI)(R12*1), Y8, Y1
	VFMADD231PS 64(SI)(R12*1), Y8, Y2
	VFMADD231PS 96(SI)(R12*1), Y8, Y3
	INCQ AX
	CMPQ AX, BX
	JL tg4pix
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
tg4next:
	ADDQ DX, R10
	ADDQ R11, DI
	DECQ CX
	JNZ tg4img
	VZEROUPPER
	RET

// func tiledGather3(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)
//
// One pixel tile of the first layer for n images, 24 columns: image k
// (row z + k·zstride bytes) adds fv[e]·w[off[e]/4:][0:24] for e in
// bounds[k·bstride/4] up to bounds[k·bstride/4 + 1], continuing the chain of
// FMAs from the value the row holds, so tiles summed in pixel order give
// the same bits as one pass.
TEXT ·tiledGather3(SB), NOSPLIT, $0-64
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ bounds+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ bstride+48(FP), DX
	MOVQ zstride+56(FP), R11
tg3img:
	MOVLQSX (R10), AX
	MOVLQSX 4(R10), BX
	CMPQ AX, BX
	JGE tg3next
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
tg3pix:
	MOVL (R8)(AX*4), R12
	VBROADCASTSS (R9)(AX*4), Y8
	VFMADD231PS 0(SI)(R12*1), Y8, Y0
	VFMADD231PS 32(SI)(R12*1), Y8, Y1
	VFMADD231PS 64(SI)(R12*1), Y8, Y2
	INCQ AX
	CMPQ AX, BX
	JL tg3pix
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
tg3next:
	ADDQ DX, R10
	ADDQ R11, DI
	DECQ CX
	JNZ tg3img
	VZEROUPPER
	RET

// func tiledGather2(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)
//
// One pixel tile of the first layer for n images, 16 columns: image k
// (row z + k·zstride bytes) adds fv[e]·w[off[e]/4:][0:16] for e in
// bounds[k·bstride/4] up to bounds[k·bstride/4 + 1], continuing the chain of
// FMAs from the value the row holds, so tiles summed in pixel order give
// the same bits as one pass.
TEXT ·tiledGather2(SB), NOSPLIT, $0-64
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ bounds+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ bstride+48(FP), DX
	MOVQ zstride+56(FP), R11
tg2img:
	MOVLQSX (R10), AX
	MOVLQSX 4(R10), BX
	CMPQ AX, BX
	JGE tg2next
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
tg2pix:
	MOVL (R8)(AX*4), R12
	VBROADCASTSS (R9)(AX*4), Y8
	VFMADD231PS 0(SI)(R12*1), Y8, Y0
	VFMADD231PS 32(SI)(R12*1), Y8, Y1
	INCQ AX
	CMPQ AX, BX
	JL tg2pix
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
tg2next:
	ADDQ DX, R10
	ADDQ R11, DI
	DECQ CX
	JNZ tg2img
	VZEROUPPER
	RET

// func tiledGather1(z, w *float32, off *uint32, fv *float32, bounds *int32, n, bstride, zstride int)
//
// One pixel tile of the first layer for n images, 8 columns: image k
// (row z + k·zstride bytes) adds fv[e]·w[off[e]/4:][0:8] for e in
// bounds[k·bstride/4] up to bounds[k·bstride/4 + 1], continuing the chain of
// FMAs from the value the row holds, so tiles summed in pixel order give
// the same bits as one pass.
TEXT ·tiledGather1(SB), NOSPLIT, $0-64
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ bounds+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ bstride+48(FP), DX
	MOVQ zstride+56(FP), R11
tg1img:
	MOVLQSX (R10), AX
	MOVLQSX 4(R10), BX
	CMPQ AX, BX
	JGE tg1next
	VMOVUPS 0(DI), Y0
tg1pix:
	MOVL (R8)(AX*4), R12
	VBROADCASTSS (R9)(AX*4), Y8
	VFMADD231PS 0(SI)(R12*1), Y8, Y0
	INCQ AX
	CMPQ AX, BX
	JL tg1pix
	VMOVUPS Y0, 0(DI)
tg1next:
	ADDQ DX, R10
	ADDQ R11, DI
	DECQ CX
	JNZ tg1img
	VZEROUPPER
	RET

// c_tailmask<> is 16 all-ones words then 16 zero words: loading 32 bytes
// at offset 2·(16-r) keeps the first r words of a vector.
DATA c_tailmask<>+0(SB)/2, $0xffff
DATA c_tailmask<>+2(SB)/2, $0xffff
DATA c_tailmask<>+4(SB)/2, $0xffff
DATA c_tailmask<>+6(SB)/2, $0xffff
DATA c_tailmask<>+8(SB)/2, $0xffff
DATA c_tailmask<>+10(SB)/2, $0xffff
DATA c_tailmask<>+12(SB)/2, $0xffff
DATA c_tailmask<>+14(SB)/2, $0xffff
DATA c_tailmask<>+16(SB)/2, $0xffff
DATA c_tailmask<>+18(SB)/2, $0xffff
DATA c_tailmask<>+20(SB)/2, $0xffff
DATA c_tailmask<>+22(SB)/2, $0xffff
DATA c_tailmask<>+24(SB)/2, $0xffff
DATA c_tailmask<>+26(SB)/2, $0xffff
DATA c_tailmask<>+28(SB)/2, $0xffff
DATA c_tailmask<>+30(SB)/2, $0xffff
DATA c_tailmask<>+32(SB)/2, $0
DATA c_tailmask<>+34(SB)/2, $0
DATA c_tailmask<>+36(SB)/2, $0
DATA c_tailmask<>+38(SB)/2, $0
DATA c_tailmask<>+40(SB)/2, $0
DATA c_tailmask<>+42(SB)/2, $0
DATA c_tailmask<>+44(SB)/2, $0
DATA c_tailmask<>+46(SB)/2, $0
DATA c_tailmask<>+48(SB)/2, $0
DATA c_tailmask<>+50(SB)/2, $0
DATA c_tailmask<>+52(SB)/2, $0
DATA c_tailmask<>+54(SB)/2, $0
DATA c_tailmask<>+56(SB)/2, $0
DATA c_tailmask<>+58(SB)/2, $0
DATA c_tailmask<>+60(SB)/2, $0
DATA c_tailmask<>+62(SB)/2, $0
GLOBL c_tailmask<>(SB), RODATA|NOPTR, $64

// c_onesw<> is sixteen words of 1, for VPMADDWD horizontal sums.
DATA c_onesw<>+0(SB)/2, $1
DATA c_onesw<>+2(SB)/2, $1
DATA c_onesw<>+4(SB)/2, $1
DATA c_onesw<>+6(SB)/2, $1
DATA c_onesw<>+8(SB)/2, $1
DATA c_onesw<>+10(SB)/2, $1
DATA c_onesw<>+12(SB)/2, $1
DATA c_onesw<>+14(SB)/2, $1
DATA c_onesw<>+16(SB)/2, $1
DATA c_onesw<>+18(SB)/2, $1
DATA c_onesw<>+20(SB)/2, $1
DATA c_onesw<>+22(SB)/2, $1
DATA c_onesw<>+24(SB)/2, $1
DATA c_onesw<>+26(SB)/2, $1
DATA c_onesw<>+28(SB)/2, $1
DATA c_onesw<>+30(SB)/2, $1
GLOBL c_onesw<>(SB), RODATA|NOPTR, $32

// func tileCount(ge *int32, idx *uint16, n int, lim *uint16)
//
// ge[t] = how many of the n ≥ 1 pixel numbers idx[0:n] are ≥ lim[16t]+1,
// for t < 12: lim holds 12 vectors of 16 equal words, each a tile boundary
// minus one. Sixteen pixels at a time, with no branch per pixel; the last
// group is masked, so nothing past idx[n-1] counts (it is read, though:
// the caller guarantees 16 readable words).
TEXT ·tileCount(SB), NOSPLIT, $0-32
	MOVQ ge+0(FP), DI
	MOVQ idx+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ lim+24(FP), DX
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11
	VPXOR Y12, Y12, Y12
	VPXOR Y13, Y13, Y13
	VPXOR Y14, Y14, Y14
tcloop:
	VMOVDQU (SI), Y0
	CMPQ CX, $16
	JGE tcfull
	LEAQ c_tailmask<>(SB), AX
	MOVQ $16, BX
	SUBQ CX, BX
	VPAND (AX)(BX*2), Y0, Y0
	VPCMPEQW Y2, Y2, Y2
	VPAND (AX)(BX*2), Y2, Y2
	JMP tccmp
tcfull:
	VPCMPEQW Y2, Y2, Y2
tccmp:
	VPCMPGTW 0(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y3, Y3
	VPCMPGTW 32(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y4, Y4
	VPCMPGTW 64(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y5, Y5
	VPCMPGTW 96(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y6, Y6
	VPCMPGTW 128(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y7, Y7
	VPCMPGTW 160(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y8, Y8
	VPCMPGTW 192(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y9, Y9
	VPCMPGTW 224(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y10, Y10
	VPCMPGTW 256(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y11, Y11
	VPCMPGTW 288(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y12, Y12
	VPCMPGTW 320(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y13, Y13
	VPCMPGTW 352(DX), Y0, Y1
	VPAND Y2, Y1, Y1
	VPSUBW Y1, Y14, Y14
	ADDQ $32, SI
	SUBQ $16, CX
	JG tcloop
	VMOVDQU c_onesw<>(SB), Y2
	VPMADDWD Y2, Y3, Y3
	VEXTRACTI128 $1, Y3, X1
	VPADDD X1, X3, X3
	VPSHUFD $0x4e, X3, X1
	VPADDD X1, X3, X3
	VPSHUFD $0xb1, X3, X1
	VPADDD X1, X3, X3
	VMOVD X3, 0(DI)
	VPMADDWD Y2, Y4, Y4
	VEXTRACTI128 $1, Y4, X1
	VPADDD X1, X4, X4
	VPSHUFD $0x4e, X4, X1
	VPADDD X1, X4, X4
	VPSHUFD $0xb1, X4, X1
	VPADDD X1, X4, X4
	VMOVD X4, 4(DI)
	VPMADDWD Y2, Y5, Y5
	VEXTRACTI128 $1, Y5, X1
	VPADDD X1, X5, X5
	VPSHUFD $0x4e, X5, X1
	VPADDD X1, X5, X5
	VPSHUFD $0xb1, X5, X1
	VPADDD X1, X5, X5
	VMOVD X5, 8(DI)
	VPMADDWD Y2, Y6, Y6
	VEXTRACTI128 $1, Y6, X1
	VPADDD X1, X6, X6
	VPSHUFD $0x4e, X6, X1
	VPADDD X1, X6, X6
	VPSHUFD $0xb1, X6, X1
	VPADDD X1, X6, X6
	VMOVD X6, 12(DI)
	VPMADDWD Y2, Y7, Y7
	VEXTRACTI128 $1, Y7, X1
	VPADDD X1, X7, X7
	VPSHUFD $0x4e, X7, X1
	VPADDD X1, X7, X7
	VPSHUFD $0xb1, X7, X1
	VPADDD X1, X7, X7
	VMOVD X7, 16(DI)
	VPMADDWD Y2, Y8, Y8
	VEXTRACTI128 $1, Y8, X1
	VPADDD X1, X8, X8
	VPSHUFD $0x4e, X8, X1
	VPADDD X1, X8, X8
	VPSHUFD $0xb1, X8, X1
	VPADDD X1, X8, X8
	VMOVD X8, 20(DI)
	VPMADDWD Y2, Y9, Y9
	VEXTRACTI128 $1, Y9, X1
	VPADDD X1, X9, X9
	VPSHUFD $0x4e, X9, X1
	VPADDD X1, X9, X9
	VPSHUFD $0xb1, X9, X1
	VPADDD X1, X9, X9
	VMOVD X9, 24(DI)
	VPMADDWD Y2, Y10, Y10
	VEXTRACTI128 $1, Y10, X1
	VPADDD X1, X10, X10
	VPSHUFD $0x4e, X10, X1
	VPADDD X1, X10, X10
	VPSHUFD $0xb1, X10, X1
	VPADDD X1, X10, X10
	VMOVD X10, 28(DI)
	VPMADDWD Y2, Y11, Y11
	VEXTRACTI128 $1, Y11, X1
	VPADDD X1, X11, X11
	VPSHUFD $0x4e, X11, X1
	VPADDD X1, X11, X11
	VPSHUFD $0xb1, X11, X1
	VPADDD X1, X11, X11
	VMOVD X11, 32(DI)
	VPMADDWD Y2, Y12, Y12
	VEXTRACTI128 $1, Y12, X1
	VPADDD X1, X12, X12
	VPSHUFD $0x4e, X12, X1
	VPADDD X1, X12, X12
	VPSHUFD $0xb1, X12, X1
	VPADDD X1, X12, X12
	VMOVD X12, 36(DI)
	VPMADDWD Y2, Y13, Y13
	VEXTRACTI128 $1, Y13, X1
	VPADDD X1, X13, X13
	VPSHUFD $0x4e, X13, X1
	VPADDD X1, X13, X13
	VPSHUFD $0xb1, X13, X1
	VPADDD X1, X13, X13
	VMOVD X13, 40(DI)
	VPMADDWD Y2, Y14, Y14
	VEXTRACTI128 $1, Y14, X1
	VPADDD X1, X14, X14
	VPSHUFD $0x4e, X14, X1
	VPADDD X1, X14, X14
	VPSHUFD $0xb1, X14, X1
	VPADDD X1, X14, X14
	VMOVD X14, 44(DI)
	VZEROUPPER
	RET

// func cscFill(t *uint8, idx *uint16, val *uint8, n, k int)
//
// t[idx[j]·64 + k] = val[j] for n ≥ 0 pixels of image k of the batch: t is
// the batch as a dense pixel-major byte matrix, one 64-byte row per pixel.
// Plain stores, so unlike counting no load has to wait for an older store.
TEXT ·cscFill(SB), NOSPLIT, $0-40
	MOVQ t+0(FP), DI
	MOVQ idx+8(FP), SI
	MOVQ val+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ k+32(FP), DX
	ADDQ DX, DI
	TESTQ CX, CX
	JZ cfdone
cfloop:
	MOVWQZX (SI), AX
	MOVBLZX (R8), BX
	SHLQ $6, AX
	MOVB BX, (DI)(AX*1)
	ADDQ $2, SI
	INCQ R8
	DECQ CX
	JNZ cfloop
cfdone:
	RET

// func cscEmit(t *uint8, inputs int, stride int, pix *uint32, pstart *int32, entK *uint32, entV *float32, table *[256]float32) (npix int)
//
// Turns the byte matrix of cscFill into the transposed batch, clearing it
// again: for each pixel p < inputs whose row of t has non-zero bytes, in
// ascending order, pix[j] = p·stride, pstart[j] = the entry count so far, and
// one entry per non-zero byte, in ascending image order k:
// entK = k·rowBytes, entV = table[byte], where rowBytes = stride (the
// batch rows and the weight rows have the same length). pstart[npix] ends
// the last list.
TEXT ·cscEmit(SB), NOSPLIT, $8-72
	MOVQ t+0(FP), DI
	MOVQ inputs+8(FP), CX
	MOVQ stride+16(FP), DX
	MOVQ pix+24(FP), R8
	MOVQ pstart+32(FP), R9
	MOVQ entK+40(FP), R10
	MOVQ entV+48(FP), R11
	MOVQ table+56(FP), R12
	VPXOR Y15, Y15, Y15
	MOVQ $0, poff-8(SP) // pixel offset p·stride
	XORQ R14, R14 // entries so far
	XORQ SI, SI   // distinct pixels so far
cepix:
	VPCMPEQB (DI), Y15, Y0
	VPCMPEQB 32(DI), Y15, Y1
	VPMOVMSKB Y0, AX
	VPMOVMSKB Y1, BX
	SHLQ $32, BX
	ORQ BX, AX
	NOTQ AX
	TESTQ AX, AX
	JZ cenext
	MOVQ poff-8(SP), BX
	MOVL BX, (R8)(SI*4)
	MOVL R14, (R9)(SI*4)
	INCQ SI
ceent:
	BSFQ AX, BX
	MOVBLZX (DI)(BX*1), R13
	MOVL (R12)(R13*4), R13
	MOVL R13, (R11)(R14*4)
	IMULQ DX, BX
	MOVL BX, (R10)(R14*4)
	INCQ R14
	LEAQ -1(AX), BX
	ANDQ BX, AX
	JNZ ceent
	VMOVDQU Y15, (DI)
	VMOVDQU Y15, 32(DI)
cenext:
	ADDQ $64, DI
	ADDQ DX, poff-8(SP)
	DECQ CX
	JNZ cepix
	MOVL R14, (R9)(SI*4)
	MOVQ SI, npix+64(FP)
	VZEROUPPER
	RET



// func dw2Batch(dw2, dz2, h *float32, rows, hp, n, zstride, hstride int)
//
// dW2 += Σ_k dz2_k ⊗ h_k over the n ≥ 1 images of a batch (row k of dz2 at
// k·zstride bytes, of h at k·hstride), rows ≥ 1 and hp a positive multiple
// of 8. Each dW2 register is loaded once, takes the batch's products in
// image order, and is stored once: the same sums as adding image by image,
// without a store per image. Tiles of 2 rows × 2 registers, with a last odd
// row and column register on their own.
TEXT ·dw2Batch(SB), NOSPLIT, $0-64
	MOVQ dw2+0(FP), DI
	MOVQ dz2+8(FP), SI
	MOVQ h+16(FP), DX
	MOVQ rows+24(FP), R8
	MOVQ hp+32(FP), R9
	MOVQ n+40(FP), R10
	MOVQ zstride+48(FP), R11
	MOVQ hstride+56(FP), R12
	SHLQ $2, R9 // row bytes
	XORQ AX, AX // row r
dwrow:
	MOVQ R8, BX
	SUBQ AX, BX
	CMPQ BX, $2
	JL dwrow1
	// rows r, r+1
	XORQ BX, BX // column byte offset
dwcol2:
	MOVQ R9, CX
	SUBQ BX, CX
	CMPQ CX, $64
	JL dwcol21
	MOVQ AX, R13
	IMULQ R9, R13
	ADDQ BX, R13
	LEAQ (DI)(R13*1), R13
	VMOVUPS (R13), Y0
	VMOVUPS 32(R13), Y1
	VMOVUPS (R13)(R9*1), Y2
	VMOVUPS 32(R13)(R9*1), Y3
	MOVQ SI, R14
	LEAQ (DX)(BX*1), CX
	MOVQ n+40(FP), R10
dwk22:
	VBROADCASTSS (R14)(AX*4), Y8
	VBROADCASTSS 4(R14)(AX*4), Y9
	VMOVUPS (CX), Y10
	VMOVUPS 32(CX), Y11
	VFMADD231PS Y10, Y8, Y0
	VFMADD231PS Y11, Y8, Y1
	VFMADD231PS Y10, Y9, Y2
	VFMADD231PS Y11, Y9, Y3
	ADDQ R11, R14
	ADDQ R12, CX
	DECQ R10
	JNZ dwk22
	VMOVUPS Y0, (R13)
	VMOVUPS Y1, 32(R13)
	VMOVUPS Y2, (R13)(R9*1)
	VMOVUPS Y3, 32(R13)(R9*1)
	ADDQ $64, BX
	JMP dwcol2
dwcol21:
	TESTQ CX, CX
	JZ dwnext2
	MOVQ AX, R13
	IMULQ R9, R13
	ADDQ BX, R13
	LEAQ (DI)(R13*1), R13
	VMOVUPS (R13), Y0
	VMOVUPS (R13)(R9*1), Y2
	MOVQ SI, R14
	LEAQ (DX)(BX*1), CX
	MOVQ n+40(FP), R10
dwk21:
	VBROADCASTSS (R14)(AX*4), Y8
	VBROADCASTSS 4(R14)(AX*4), Y9
	VMOVUPS (CX), Y10
	VFMADD231PS Y10, Y8, Y0
	VFMADD231PS Y10, Y9, Y2
	ADDQ R11, R14
	ADDQ R12, CX
	DECQ R10
	JNZ dwk21
	VMOVUPS Y0, (R13)
	VMOVUPS Y2, (R13)(R9*1)
dwnext2:
	ADDQ $2, AX
	JMP dwrow
dwrow1:
	TESTQ BX, BX
	JZ dwdone
	// the last row, one register at a time
	XORQ BX, BX
dwcol1:
	CMPQ BX, R9
	JGE dwdone
	MOVQ AX, R13
	IMULQ R9, R13
	ADDQ BX, R13
	LEAQ (DI)(R13*1), R13
	VMOVUPS (R13), Y0
	MOVQ SI, R14
	LEAQ (DX)(BX*1), CX
	MOVQ n+40(FP), R10
dwk1:
	VBROADCASTSS (R14)(AX*4), Y8
	VFMADD231PS (CX), Y8, Y0
	ADDQ R11, R14
	ADDQ R12, CX
	DECQ R10
	JNZ dwk1
	VMOVUPS Y0, (R13)
	ADDQ $32, BX
	JMP dwcol1
dwdone:
	VZEROUPPER
	RET

// c_iota<o><> is eight int32 lanes of o, to compare labels with.
DATA c_iota0<>+0(SB)/4, $0
DATA c_iota0<>+4(SB)/4, $0
DATA c_iota0<>+8(SB)/4, $0
DATA c_iota0<>+12(SB)/4, $0
DATA c_iota0<>+16(SB)/4, $0
DATA c_iota0<>+20(SB)/4, $0
DATA c_iota0<>+24(SB)/4, $0
DATA c_iota0<>+28(SB)/4, $0
GLOBL c_iota0<>(SB), RODATA|NOPTR, $32
DATA c_iota1<>+0(SB)/4, $1
DATA c_iota1<>+4(SB)/4, $1
DATA c_iota1<>+8(SB)/4, $1
DATA c_iota1<>+12(SB)/4, $1
DATA c_iota1<>+16(SB)/4, $1
DATA c_iota1<>+20(SB)/4, $1
DATA c_iota1<>+24(SB)/4, $1
DATA c_iota1<>+28(SB)/4, $1
GLOBL c_iota1<>(SB), RODATA|NOPTR, $32
DATA c_iota2<>+0(SB)/4, $2
DATA c_iota2<>+4(SB)/4, $2
DATA c_iota2<>+8(SB)/4, $2
DATA c_iota2<>+12(SB)/4, $2
DATA c_iota2<>+16(SB)/4, $2
DATA c_iota2<>+20(SB)/4, $2
DATA c_iota2<>+24(SB)/4, $2
DATA c_iota2<>+28(SB)/4, $2
GLOBL c_iota2<>(SB), RODATA|NOPTR, $32
DATA c_iota3<>+0(SB)/4, $3
DATA c_iota3<>+4(SB)/4, $3
DATA c_iota3<>+8(SB)/4, $3
DATA c_iota3<>+12(SB)/4, $3
DATA c_iota3<>+16(SB)/4, $3
DATA c_iota3<>+20(SB)/4, $3
DATA c_iota3<>+24(SB)/4, $3
DATA c_iota3<>+28(SB)/4, $3
GLOBL c_iota3<>(SB), RODATA|NOPTR, $32
DATA c_iota4<>+0(SB)/4, $4
DATA c_iota4<>+4(SB)/4, $4
DATA c_iota4<>+8(SB)/4, $4
DATA c_iota4<>+12(SB)/4, $4
DATA c_iota4<>+16(SB)/4, $4
DATA c_iota4<>+20(SB)/4, $4
DATA c_iota4<>+24(SB)/4, $4
DATA c_iota4<>+28(SB)/4, $4
GLOBL c_iota4<>(SB), RODATA|NOPTR, $32
DATA c_iota5<>+0(SB)/4, $5
DATA c_iota5<>+4(SB)/4, $5
DATA c_iota5<>+8(SB)/4, $5
DATA c_iota5<>+12(SB)/4, $5
DATA c_iota5<>+16(SB)/4, $5
DATA c_iota5<>+20(SB)/4, $5
DATA c_iota5<>+24(SB)/4, $5
DATA c_iota5<>+28(SB)/4, $5
GLOBL c_iota5<>(SB), RODATA|NOPTR, $32
DATA c_iota6<>+0(SB)/4, $6
DATA c_iota6<>+4(SB)/4, $6
DATA c_iota6<>+8(SB)/4, $6
DATA c_iota6<>+12(SB)/4, $6
DATA c_iota6<>+16(SB)/4, $6
DATA c_iota6<>+20(SB)/4, $6
DATA c_iota6<>+24(SB)/4, $6
DATA c_iota6<>+28(SB)/4, $6
GLOBL c_iota6<>(SB), RODATA|NOPTR, $32
DATA c_iota7<>+0(SB)/4, $7
DATA c_iota7<>+4(SB)/4, $7
DATA c_iota7<>+8(SB)/4, $7
DATA c_iota7<>+12(SB)/4, $7
DATA c_iota7<>+16(SB)/4, $7
DATA c_iota7<>+20(SB)/4, $7
DATA c_iota7<>+24(SB)/4, $7
DATA c_iota7<>+28(SB)/4, $7
GLOBL c_iota7<>(SB), RODATA|NOPTR, $32
DATA c_iota8<>+0(SB)/4, $8
DATA c_iota8<>+4(SB)/4, $8
DATA c_iota8<>+8(SB)/4, $8
DATA c_iota8<>+12(SB)/4, $8
DATA c_iota8<>+16(SB)/4, $8
DATA c_iota8<>+20(SB)/4, $8
DATA c_iota8<>+24(SB)/4, $8
DATA c_iota8<>+28(SB)/4, $8
GLOBL c_iota8<>(SB), RODATA|NOPTR, $32
DATA c_iota9<>+0(SB)/4, $9
DATA c_iota9<>+4(SB)/4, $9
DATA c_iota9<>+8(SB)/4, $9
DATA c_iota9<>+12(SB)/4, $9
DATA c_iota9<>+16(SB)/4, $9
DATA c_iota9<>+20(SB)/4, $9
DATA c_iota9<>+24(SB)/4, $9
DATA c_iota9<>+28(SB)/4, $9
GLOBL c_iota9<>(SB), RODATA|NOPTR, $32

// func denseSoA8(a *soaArgs)
//
// The dense middle for 8 images at once, one per lane, for networks with
// HiddenPad 8 and exactly 10 outputs (see soaArgs). Each lane computes
// what denseAVX computes for one image, except that the sums over hidden
// units and over outputs run in a single chain per lane; the gradient
// sums themselves are left to the caller, which adds the rows in order.
TEXT ·denseSoA8(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R13
	MOVQ soaArgs_work(R13), DI
	MOVQ soaArgs_z(R13), SI
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS 128(SI), Y4
	VMOVUPS 160(SI), Y5
	VMOVUPS 192(SI), Y6
	VMOVUPS 224(SI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 0(DI)
	VMOVUPS Y9, 32(DI)
	VMOVUPS Y10, 64(DI)
	VMOVUPS Y11, 96(DI)
	VMOVUPS Y12, 128(DI)
	VMOVUPS Y13, 160(DI)
	VMOVUPS Y14, 192(DI)
	VMOVUPS Y15, 224(DI)
	MOVQ soaArgs_b1(R13), R9
	MOVQ soaArgs_hidden(R13), CX
	MOVQ soaArgs_act(R13), AX
	MOVQ DI, R8
	VMOVUPS c_one<>(SB), Y15
	VMOVUPS c_sign<>(SB), Y14
	CMPQ AX, $1
	JEQ tanh_8
	JGT relu_8
sig_8:
	VBROADCASTSS (R9), Y3
	VADDPS (R8), Y3, Y0
	VXORPS Y14, Y0, Y0
	VCMPPS $0x0D, c_expLo<>(SB), Y0, Y4
	VMINPS c_expHi<>(SB), Y0, Y0
	VMULPS c_log2e<>(SB), Y0, Y1
	VROUNDPS $0, Y1, Y1
	VFNMADD231PS c_ln2Hi<>(SB), Y1, Y0
	VFNMADD231PS c_ln2Lo<>(SB), Y1, Y0
	VMOVUPS c_p0<>(SB), Y2
	VFMADD213PS c_p1<>(SB), Y0, Y2
	VFMADD213PS c_p2<>(SB), Y0, Y2
	VFMADD213PS c_p3<>(SB), Y0, Y2
	VFMADD213PS c_p4<>(SB), Y0, Y2
	VFMADD213PS c_p5<>(SB), Y0, Y2
	VMULPS Y0, Y2, Y2
	VFMADD213PS Y0, Y0, Y2
	VADDPS c_one<>(SB), Y2, Y2
	VCVTPS2DQ Y1, Y1
	VPADDD c_bias<>(SB), Y1, Y1
	VPSLLD $23, Y1, Y1
	VMULPS Y1, Y2, Y0
	VANDPS Y4, Y0, Y0
	VADDPS Y15, Y0, Y5
	VDIVPS Y5, Y15, Y6
	VMULPS Y6, Y0, Y7
	VMULPS Y6, Y7, Y7
	VMOVUPS Y6, 0(R8)
	VMOVUPS Y7, 512(R8)
	ADDQ $4, R9
	ADDQ $32, R8
	DECQ CX
	JNZ sig_8
	JMP out_8
tanh_8:
	VBROADCASTSS (R9), Y3
	VADDPS (R8), Y3, Y9
	VANDNPS Y9, Y14, Y0
	VMULPS c_minus2<>(SB), Y0, Y0
	VCMPPS $0x0D, c_expLo<>(SB), Y0, Y4
	VMINPS c_expHi<>(SB), Y0, Y0
	VMULPS c_log2e<>(SB), Y0, Y1
	VROUNDPS $0, Y1, Y1
	VFNMADD231PS c_ln2Hi<>(SB), Y1, Y0
	VFNMADD231PS c_ln2Lo<>(SB), Y1, Y0
	VMOVUPS c_p0<>(SB), Y2
	VFMADD213PS c_p1<>(SB), Y0, Y2
	VFMADD213PS c_p2<>(SB), Y0, Y2
	VFMADD213PS c_p3<>(SB), Y0, Y2
	VFMADD213PS c_p4<>(SB), Y0, Y2
	VFMADD213PS c_p5<>(SB), Y0, Y2
	VMULPS Y0, Y2, Y2
	VFMADD213PS Y0, Y0, Y2
	VADDPS c_one<>(SB), Y2, Y2
	VCVTPS2DQ Y1, Y1
	VPADDD c_bias<>(SB), Y1, Y1
	VPSLLD $23, Y1, Y1
	VMULPS Y1, Y2, Y0
	VANDPS Y4, Y0, Y0
	VADDPS Y15, Y0, Y5
	VDIVPS Y5, Y15, Y6
	VSUBPS Y0, Y15, Y7
	VMULPS Y6, Y7, Y7
	VANDPS Y14, Y9, Y9
	VORPS Y9, Y7, Y7
	VMULPS c_four<>(SB), Y0, Y0
	VMULPS Y6, Y0, Y0
	VMULPS Y6, Y0, Y0
	VMOVUPS Y7, 0(R8)
	VMOVUPS Y0, 512(R8)
	ADDQ $4, R9
	ADDQ $32, R8
	DECQ CX
	JNZ tanh_8
	JMP out_8
relu_8:
	VXORPS Y13, Y13, Y13
reluloop_8:
	VBROADCASTSS (R9), Y3
	VADDPS (R8), Y3, Y0
	VCMPPS $0x0E, Y13, Y0, Y1
	VANDPS Y0, Y1, Y0
	VANDPS Y15, Y1, Y1
	VMOVUPS Y0, 0(R8)
	VMOVUPS Y1, 512(R8)
	ADDQ $4, R9
	ADDQ $32, R8
	DECQ CX
	JNZ reluloop_8
out_8:
	MOVQ soaArgs_w2(R13), R9
	MOVQ soaArgs_b2(R13), R10
	MOVQ soaArgs_hidden(R13), CX
	MOVQ DI, R8
	VBROADCASTSS 0(R10), Y0
	VBROADCASTSS 4(R10), Y1
	VBROADCASTSS 8(R10), Y2
	VBROADCASTSS 12(R10), Y3
	VBROADCASTSS 16(R10), Y4
	VBROADCASTSS 20(R10), Y5
	VBROADCASTSS 24(R10), Y6
	VBROADCASTSS 28(R10), Y7
	VBROADCASTSS 32(R10), Y8
	VBROADCASTSS 36(R10), Y9
gemv_8:
	VMOVUPS 0(R8), Y10
	VBROADCASTSS 0(R9), Y11
	VFMADD231PS Y10, Y11, Y0
	VBROADCASTSS 32(R9), Y12
	VFMADD231PS Y10, Y12, Y1
	VBROADCASTSS 64(R9), Y11
	VFMADD231PS Y10, Y11, Y2
	VBROADCASTSS 96(R9), Y12
	VFMADD231PS Y10, Y12, Y3
	VBROADCASTSS 128(R9), Y11
	VFMADD231PS Y10, Y11, Y4
	VBROADCASTSS 160(R9), Y12
	VFMADD231PS Y10, Y12, Y5
	VBROADCASTSS 192(R9), Y11
	VFMADD231PS Y10, Y11, Y6
	VBROADCASTSS 224(R9), Y12
	VFMADD231PS Y10, Y12, Y7
	VBROADCASTSS 256(R9), Y11
	VFMADD231PS Y10, Y11, Y8
	VBROADCASTSS 288(R9), Y12
	VFMADD231PS Y10, Y12, Y9
	ADDQ $4, R9
	ADDQ $32, R8
	DECQ CX
	JNZ gemv_8
	VMAXPS Y1, Y0, Y10
	VMAXPS Y3, Y2, Y11
	VMAXPS Y5, Y4, Y12
	VMAXPS Y7, Y6, Y13
	VMAXPS Y9, Y8, Y14
	VMAXPS Y11, Y10, Y10
	VMAXPS Y13, Y12, Y12
	VMAXPS Y14, Y10, Y10
	VMAXPS Y12, Y10, Y10
	MOVQ soaArgs_labels(R13), R11
	VMOVDQU (R11), Y15
	VXORPS Y12, Y12, Y12
	VPCMPEQD c_iota0<>(SB), Y15, Y11
	VANDPS Y0, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota1<>(SB), Y15, Y11
	VANDPS Y1, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota2<>(SB), Y15, Y11
	VANDPS Y2, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota3<>(SB), Y15, Y11
	VANDPS Y3, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota4<>(SB), Y15, Y11
	VANDPS Y4, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota5<>(SB), Y15, Y11
	VANDPS Y5, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota6<>(SB), Y15, Y11
	VANDPS Y6, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota7<>(SB), Y15, Y11
	VANDPS Y7, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota8<>(SB), Y15, Y11
	VANDPS Y8, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota9<>(SB), Y15, Y11
	VANDPS Y9, Y11, Y11
	VORPS Y11, Y12, Y12
	VSUBPS Y10, Y12, Y12
	VMOVUPS Y12, soaArgs_zl(R13)
	VXORPS Y14, Y14, Y14
	VSUBPS Y10, Y0, Y0
	VCMPPS $0x0D, c_expLo<>(SB), Y0, Y13
	VMINPS c_expHi<>(SB), Y0, Y0
	VMULPS c_log2e<>(SB), Y0, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y0
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y0
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y0, Y12
	VFMADD213PS c_p2<>(SB), Y0, Y12
	VFMADD213PS c_p3<>(SB), Y0, Y12
	VFMADD213PS c_p4<>(SB), Y0, Y12
	VFMADD213PS c_p5<>(SB), Y0, Y12
	VMULPS Y0, Y12, Y12
	VFMADD213PS Y0, Y0, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y0
	VANDPS Y13, Y0, Y0
	VADDPS Y0, Y14, Y14
	VSUBPS Y10, Y1, Y1
	VCMPPS $0x0D, c_expLo<>(SB), Y1, Y13
	VMINPS c_expHi<>(SB), Y1, Y1
	VMULPS c_log2e<>(SB), Y1, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y1
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y1
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y1, Y12
	VFMADD213PS c_p2<>(SB), Y1, Y12
	VFMADD213PS c_p3<>(SB), Y1, Y12
	VFMADD213PS c_p4<>(SB), Y1, Y12
	VFMADD213PS c_p5<>(SB), Y1, Y12
	VMULPS Y1, Y12, Y12
	VFMADD213PS Y1, Y1, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y1
	VANDPS Y13, Y1, Y1
	VADDPS Y1, Y14, Y14
	VSUBPS Y10, Y2, Y2
	VCMPPS $0x0D, c_expLo<>(SB), Y2, Y13
	VMINPS c_expHi<>(SB), Y2, Y2
	VMULPS c_log2e<>(SB), Y2, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y2
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y2
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y2, Y12
	VFMADD213PS c_p2<>(SB), Y2, Y12
	VFMADD213PS c_p3<>(SB), Y2, Y12
	VFMADD213PS c_p4<>(SB), Y2, Y12
	VFMADD213PS c_p5<>(SB), Y2, Y12
	VMULPS Y2, Y12, Y12
	VFMADD213PS Y2, Y2, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y2
	VANDPS Y13, Y2, Y2
	VADDPS Y2, Y14, Y14
	VSUBPS Y10, Y3, Y3
	VCMPPS $0x0D, c_expLo<>(SB), Y3, Y13
	VMINPS c_expHi<>(SB), Y3, Y3
	VMULPS c_log2e<>(SB), Y3, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y3
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y3
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y3, Y12
	VFMADD213PS c_p2<>(SB), Y3, Y12
	VFMADD213PS c_p3<>(SB), Y3, Y12
	VFMADD213PS c_p4<>(SB), Y3, Y12
	VFMADD213PS c_p5<>(SB), Y3, Y12
	VMULPS Y3, Y12, Y12
	VFMADD213PS Y3, Y3, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y3
	VANDPS Y13, Y3, Y3
	VADDPS Y3, Y14, Y14
	VSUBPS Y10, Y4, Y4
	VCMPPS $0x0D, c_expLo<>(SB), Y4, Y13
	VMINPS c_expHi<>(SB), Y4, Y4
	VMULPS c_log2e<>(SB), Y4, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y4
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y4
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y4, Y12
	VFMADD213PS c_p2<>(SB), Y4, Y12
	VFMADD213PS c_p3<>(SB), Y4, Y12
	VFMADD213PS c_p4<>(SB), Y4, Y12
	VFMADD213PS c_p5<>(SB), Y4, Y12
	VMULPS Y4, Y12, Y12
	VFMADD213PS Y4, Y4, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y4
	VANDPS Y13, Y4, Y4
	VADDPS Y4, Y14, Y14
	VSUBPS Y10, Y5, Y5
	VCMPPS $0x0D, c_expLo<>(SB), Y5, Y13
	VMINPS c_expHi<>(SB), Y5, Y5
	VMULPS c_log2e<>(SB), Y5, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y5
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y5
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y5, Y12
	VFMADD213PS c_p2<>(SB), Y5, Y12
	VFMADD213PS c_p3<>(SB), Y5, Y12
	VFMADD213PS c_p4<>(SB), Y5, Y12
	VFMADD213PS c_p5<>(SB), Y5, Y12
	VMULPS Y5, Y12, Y12
	VFMADD213PS Y5, Y5, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y5
	VANDPS Y13, Y5, Y5
	VADDPS Y5, Y14, Y14
	VSUBPS Y10, Y6, Y6
	VCMPPS $0x0D, c_expLo<>(SB), Y6, Y13
	VMINPS c_expHi<>(SB), Y6, Y6
	VMULPS c_log2e<>(SB), Y6, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y6
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y6
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y6, Y12
	VFMADD213PS c_p2<>(SB), Y6, Y12
	VFMADD213PS c_p3<>(SB), Y6, Y12
	VFMADD213PS c_p4<>(SB), Y6, Y12
	VFMADD213PS c_p5<>(SB), Y6, Y12
	VMULPS Y6, Y12, Y12
	VFMADD213PS Y6, Y6, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y6
	VANDPS Y13, Y6, Y6
	VADDPS Y6, Y14, Y14
	VSUBPS Y10, Y7, Y7
	VCMPPS $0x0D, c_expLo<>(SB), Y7, Y13
	VMINPS c_expHi<>(SB), Y7, Y7
	VMULPS c_log2e<>(SB), Y7, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y7
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y7
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y7, Y12
	VFMADD213PS c_p2<>(SB), Y7, Y12
	VFMADD213PS c_p3<>(SB), Y7, Y12
	VFMADD213PS c_p4<>(SB), Y7, Y12
	VFMADD213PS c_p5<>(SB), Y7, Y12
	VMULPS Y7, Y12, Y12
	VFMADD213PS Y7, Y7, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y7
	VANDPS Y13, Y7, Y7
	VADDPS Y7, Y14, Y14
	VSUBPS Y10, Y8, Y8
	VCMPPS $0x0D, c_expLo<>(SB), Y8, Y13
	VMINPS c_expHi<>(SB), Y8, Y8
	VMULPS c_log2e<>(SB), Y8, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y8
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y8
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y8, Y12
	VFMADD213PS c_p2<>(SB), Y8, Y12
	VFMADD213PS c_p3<>(SB), Y8, Y12
	VFMADD213PS c_p4<>(SB), Y8, Y12
	VFMADD213PS c_p5<>(SB), Y8, Y12
	VMULPS Y8, Y12, Y12
	VFMADD213PS Y8, Y8, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y8
	VANDPS Y13, Y8, Y8
	VADDPS Y8, Y14, Y14
	VSUBPS Y10, Y9, Y9
	VCMPPS $0x0D, c_expLo<>(SB), Y9, Y13
	VMINPS c_expHi<>(SB), Y9, Y9
	VMULPS c_log2e<>(SB), Y9, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y9
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y9
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y9, Y12
	VFMADD213PS c_p2<>(SB), Y9, Y12
	VFMADD213PS c_p3<>(SB), Y9, Y12
	VFMADD213PS c_p4<>(SB), Y9, Y12
	VFMADD213PS c_p5<>(SB), Y9, Y12
	VMULPS Y9, Y12, Y12
	VFMADD213PS Y9, Y9, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y9
	VANDPS Y13, Y9, Y9
	VADDPS Y9, Y14, Y14
	VMOVUPS Y14, soaArgs_sum(R13)
	VMOVUPS c_one<>(SB), Y10
	VDIVPS Y14, Y10, Y10
	VMULPS Y10, Y0, Y0
	VPCMPEQD c_iota0<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y0, Y0
	VMOVUPS Y0, 1536(DI)
	VMULPS Y10, Y1, Y1
	VPCMPEQD c_iota1<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y1, Y1
	VMOVUPS Y1, 1568(DI)
	VMULPS Y10, Y2, Y2
	VPCMPEQD c_iota2<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y2, Y2
	VMOVUPS Y2, 1600(DI)
	VMULPS Y10, Y3, Y3
	VPCMPEQD c_iota3<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y3, Y3
	VMOVUPS Y3, 1632(DI)
	VMULPS Y10, Y4, Y4
	VPCMPEQD c_iota4<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y4, Y4
	VMOVUPS Y4, 1664(DI)
	VMULPS Y10, Y5, Y5
	VPCMPEQD c_iota5<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y5, Y5
	VMOVUPS Y5, 1696(DI)
	VMULPS Y10, Y6, Y6
	VPCMPEQD c_iota6<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y6, Y6
	VMOVUPS Y6, 1728(DI)
	VMULPS Y10, Y7, Y7
	VPCMPEQD c_iota7<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y7, Y7
	VMOVUPS Y7, 1760(DI)
	VMULPS Y10, Y8, Y8
	VPCMPEQD c_iota8<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y8, Y8
	VMOVUPS Y8, 1792(DI)
	VMULPS Y10, Y9, Y9
	VPCMPEQD c_iota9<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y9, Y9
	VMOVUPS Y9, 1824(DI)
	MOVQ soaArgs_w2(R13), R9
	MOVQ soaArgs_hidden(R13), CX
	MOVQ DI, R8
back_8:
	VBROADCASTSS (R9), Y11
	VMULPS Y11, Y0, Y10
	VBROADCASTSS 32(R9), Y12
	VMULPS Y12, Y1, Y13
	VBROADCASTSS 64(R9), Y11
	VFMADD231PS Y2, Y11, Y10
	VBROADCASTSS 96(R9), Y12
	VFMADD231PS Y3, Y12, Y13
	VBROADCASTSS 128(R9), Y11
	VFMADD231PS Y4, Y11, Y10
	VBROADCASTSS 160(R9), Y12
	VFMADD231PS Y5, Y12, Y13
	VBROADCASTSS 192(R9), Y11
	VFMADD231PS Y6, Y11, Y10
	VBROADCASTSS 224(R9), Y12
	VFMADD231PS Y7, Y12, Y13
	VBROADCASTSS 256(R9), Y11
	VFMADD231PS Y8, Y11, Y10
	VBROADCASTSS 288(R9), Y12
	VFMADD231PS Y9, Y12, Y13
	VADDPS Y13, Y10, Y10
	VMULPS 512(R8), Y10, Y10
	VMOVUPS Y10, 1024(R8)
	ADDQ $4, R9
	ADDQ $32, R8
	DECQ CX
	JNZ back_8
	MOVQ soaArgs_z(R13), SI
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 0(SI)
	VMOVUPS Y9, 32(SI)
	VMOVUPS Y10, 64(SI)
	VMOVUPS Y11, 96(SI)
	VMOVUPS Y12, 128(SI)
	VMOVUPS Y13, 160(SI)
	VMOVUPS Y14, 192(SI)
	VMOVUPS Y15, 224(SI)
	MOVQ soaArgs_dz1(R13), SI
	VMOVUPS 1024(DI), Y0
	VMOVUPS 1056(DI), Y1
	VMOVUPS 1088(DI), Y2
	VMOVUPS 1120(DI), Y3
	VMOVUPS 1152(DI), Y4
	VMOVUPS 1184(DI), Y5
	VMOVUPS 1216(DI), Y6
	VMOVUPS 1248(DI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 0(SI)
	VMOVUPS Y9, 32(SI)
	VMOVUPS Y10, 64(SI)
	VMOVUPS Y11, 96(SI)
	VMOVUPS Y12, 128(SI)
	VMOVUPS Y13, 160(SI)
	VMOVUPS Y14, 192(SI)
	VMOVUPS Y15, 224(SI)
	MOVQ soaArgs_dz2(R13), SI
	VMOVUPS 1536(DI), Y0
	VMOVUPS 1568(DI), Y1
	VMOVUPS 1600(DI), Y2
	VMOVUPS 1632(DI), Y3
	VMOVUPS 1664(DI), Y4
	VMOVUPS 1696(DI), Y5
	VMOVUPS 1728(DI), Y6
	VMOVUPS 1760(DI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 0(SI)
	VMOVUPS Y9, 64(SI)
	VMOVUPS Y10, 128(SI)
	VMOVUPS Y11, 192(SI)
	VMOVUPS Y12, 256(SI)
	VMOVUPS Y13, 320(SI)
	VMOVUPS Y14, 384(SI)
	VMOVUPS Y15, 448(SI)
	VMOVUPS 1792(DI), Y0
	VMOVUPS 1824(DI), Y1
	VMOVUPS 1856(DI), Y2
	VMOVUPS 1888(DI), Y3
	VMOVUPS 1920(DI), Y4
	VMOVUPS 1952(DI), Y5
	VMOVUPS 1984(DI), Y6
	VMOVUPS 2016(DI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 32(SI)
	VMOVUPS Y9, 96(SI)
	VMOVUPS Y10, 160(SI)
	VMOVUPS Y11, 224(SI)
	VMOVUPS Y12, 288(SI)
	VMOVUPS Y13, 352(SI)
	VMOVUPS Y14, 416(SI)
	VMOVUPS Y15, 480(SI)
	VZEROUPPER
	RET

// func denseSoA16(a *soaArgs)
//
// The dense middle for 8 images at once, one per lane, for networks with
// HiddenPad 16 and exactly 10 outputs (see soaArgs). Each lane computes
// what denseAVX computes for one image, except that the sums over hidden
// units and over outputs run in a single chain per lane; the gradient
// sums themselves are left to the caller, which adds the rows in order.
TEXT ·denseSoA16(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R13
	MOVQ soaArgs_work(R13), DI
	MOVQ soaArgs_z(R13), SI
	VMOVUPS 0(SI), Y0
	VMOVUPS 64(SI), Y1
	VMOVUPS 128(SI), Y2
	VMOVUPS 192(SI), Y3
	VMOVUPS 256(SI), Y4
	VMOVUPS 320(SI), Y5
	VMOVUPS 384(SI), Y6
	VMOVUPS 448(SI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 0(DI)
	VMOVUPS Y9, 32(DI)
	VMOVUPS Y10, 64(DI)
	VMOVUPS Y11, 96(DI)
	VMOVUPS Y12, 128(DI)
	VMOVUPS Y13, 160(DI)
	VMOVUPS Y14, 192(DI)
	VMOVUPS Y15, 224(DI)
	VMOVUPS 32(SI), Y0
	VMOVUPS 96(SI), Y1
	VMOVUPS 160(SI), Y2
	VMOVUPS 224(SI), Y3
	VMOVUPS 288(SI), Y4
	VMOVUPS 352(SI), Y5
	VMOVUPS 416(SI), Y6
	VMOVUPS 480(SI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 256(DI)
	VMOVUPS Y9, 288(DI)
	VMOVUPS Y10, 320(DI)
	VMOVUPS Y11, 352(DI)
	VMOVUPS Y12, 384(DI)
	VMOVUPS Y13, 416(DI)
	VMOVUPS Y14, 448(DI)
	VMOVUPS Y15, 480(DI)
	MOVQ soaArgs_b1(R13), R9
	MOVQ soaArgs_hidden(R13), CX
	MOVQ soaArgs_act(R13), AX
	MOVQ DI, R8
	VMOVUPS c_one<>(SB), Y15
	VMOVUPS c_sign<>(SB), Y14
	CMPQ AX, $1
	JEQ tanh_16
	JGT relu_16
sig_16:
	VBROADCASTSS (R9), Y3
	VADDPS (R8), Y3, Y0
	VXORPS Y14, Y0, Y0
	VCMPPS $0x0D, c_expLo<>(SB), Y0, Y4
	VMINPS c_expHi<>(SB), Y0, Y0
	VMULPS c_log2e<>(SB), Y0, Y1
	VROUNDPS $0, Y1, Y1
	VFNMADD231PS c_ln2Hi<>(SB), Y1, Y0
	VFNMADD231PS c_ln2Lo<>(SB), Y1, Y0
	VMOVUPS c_p0<>(SB), Y2
	VFMADD213PS c_p1<>(SB), Y0, Y2
	VFMADD213PS c_p2<>(SB), Y0, Y2
	VFMADD213PS c_p3<>(SB), Y0, Y2
	VFMADD213PS c_p4<>(SB), Y0, Y2
	VFMADD213PS c_p5<>(SB), Y0, Y2
	VMULPS Y0, Y2, Y2
	VFMADD213PS Y0, Y0, Y2
	VADDPS c_one<>(SB), Y2, Y2
	VCVTPS2DQ Y1, Y1
	VPADDD c_bias<>(SB), Y1, Y1
	VPSLLD $23, Y1, Y1
	VMULPS Y1, Y2, Y0
	VANDPS Y4, Y0, Y0
	VADDPS Y15, Y0, Y5
	VDIVPS Y5, Y15, Y6
	VMULPS Y6, Y0, Y7
	VMULPS Y6, Y7, Y7
	VMOVUPS Y6, 0(R8)
	VMOVUPS Y7, 512(R8)
	ADDQ $4, R9
	ADDQ $32, R8
	DECQ CX
	JNZ sig_16
	JMP out_16
tanh_16:
	VBROADCASTSS (R9), Y3
	VADDPS (R8), Y3, Y9
	VANDNPS Y9, Y14, Y0
	VMULPS c_minus2<>(SB), Y0, Y0
	VCMPPS $0x0D, c_expLo<>(SB), Y0, Y4
	VMINPS c_expHi<>(SB), Y0, Y0
	VMULPS c_log2e<>(SB), Y0, Y1
	VROUNDPS $0, Y1, Y1
	VFNMADD231PS c_ln2Hi<>(SB), Y1, Y0
	VFNMADD231PS c_ln2Lo<>(SB), Y1, Y0
	VMOVUPS c_p0<>(SB), Y2
	VFMADD213PS c_p1<>(SB), Y0, Y2
	VFMADD213PS c_p2<>(SB), Y0, Y2
	VFMADD213PS c_p3<>(SB), Y0, Y2
	VFMADD213PS c_p4<>(SB), Y0, Y2
	VFMADD213PS c_p5<>(SB), Y0, Y2
	VMULPS Y0, Y2, Y2
	VFMADD213PS Y0, Y0, Y2
	VADDPS c_one<>(SB), Y2, Y2
	VCVTPS2DQ Y1, Y1
	VPADDD c_bias<>(SB), Y1, Y1
	VPSLLD $23, Y1, Y1
	VMULPS Y1, Y2, Y0
	VANDPS Y4, Y0, Y0
	VADDPS Y15, Y0, Y5
	VDIVPS Y5, Y15, Y6
	VSUBPS Y0, Y15, Y7
	VMULPS Y6, Y7, Y7
	VANDPS Y14, Y9, Y9
	VORPS Y9, Y7, Y7
	VMULPS c_four<>(SB), Y0, Y0
	VMULPS Y6, Y0, Y0
	VMULPS Y6, Y0, Y0
	VMOVUPS Y7, 0(R8)
	VMOVUPS Y0, 512(R8)
	ADDQ $4, R9
	ADDQ $32, R8
	DECQ CX
	JNZ tanh_16
	JMP out_16
relu_16:
	VXORPS Y13, Y13, Y13
reluloop_16:
	VBROADCASTSS (R9), Y3
	VADDPS (R8), Y3, Y0
	VCMPPS $0x0E, Y13, Y0, Y1
	VANDPS Y0, Y1, Y0
	VANDPS Y15, Y1, Y1
	VMOVUPS Y0, 0(R8)
	VMOVUPS Y1, 512(R8)
	ADDQ $4, R9
	ADDQ $32, R8
	DECQ CX
	JNZ reluloop_16
out_16:
	MOVQ soaArgs_w2(R13), R9
	MOVQ soaArgs_b2(R13), R10
	MOVQ soaArgs_hidden(R13), CX
	MOVQ DI, R8
	VBROADCASTSS 0(R10), Y0
	VBROADCASTSS 4(R10), Y1
	VBROADCASTSS 8(R10), Y2
	VBROADCASTSS 12(R10), Y3
	VBROADCASTSS 16(R10), Y4
	VBROADCASTSS 20(R10), Y5
	VBROADCASTSS 24(R10), Y6
	VBROADCASTSS 28(R10), Y7
	VBROADCASTSS 32(R10), Y8
	VBROADCASTSS 36(R10), Y9
gemv_16:
	VMOVUPS 0(R8), Y10
	VBROADCASTSS 0(R9), Y11
	VFMADD231PS Y10, Y11, Y0
	VBROADCASTSS 64(R9), Y12
	VFMADD231PS Y10, Y12, Y1
	VBROADCASTSS 128(R9), Y11
	VFMADD231PS Y10, Y11, Y2
	VBROADCASTSS 192(R9), Y12
	VFMADD231PS Y10, Y12, Y3
	VBROADCASTSS 256(R9), Y11
	VFMADD231PS Y10, Y11, Y4
	VBROADCASTSS 320(R9), Y12
	VFMADD231PS Y10, Y12, Y5
	VBROADCASTSS 384(R9), Y11
	VFMADD231PS Y10, Y11, Y6
	VBROADCASTSS 448(R9), Y12
	VFMADD231PS Y10, Y12, Y7
	VBROADCASTSS 512(R9), Y11
	VFMADD231PS Y10, Y11, Y8
	VBROADCASTSS 576(R9), Y12
	VFMADD231PS Y10, Y12, Y9
	ADDQ $4, R9
	ADDQ $32, R8
	DECQ CX
	JNZ gemv_16
	VMAXPS Y1, Y0, Y10
	VMAXPS Y3, Y2, Y11
	VMAXPS Y5, Y4, Y12
	VMAXPS Y7, Y6, Y13
	VMAXPS Y9, Y8, Y14
	VMAXPS Y11, Y10, Y10
	VMAXPS Y13, Y12, Y12
	VMAXPS Y14, Y10, Y10
	VMAXPS Y12, Y10, Y10
	MOVQ soaArgs_labels(R13), R11
	VMOVDQU (R11), Y15
	VXORPS Y12, Y12, Y12
	VPCMPEQD c_iota0<>(SB), Y15, Y11
	VANDPS Y0, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota1<>(SB), Y15, Y11
	VANDPS Y1, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota2<>(SB), Y15, Y11
	VANDPS Y2, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota3<>(SB), Y15, Y11
	VANDPS Y3, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota4<>(SB), Y15, Y11
	VANDPS Y4, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota5<>(SB), Y15, Y11
	VANDPS Y5, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota6<>(SB), Y15, Y11
	VANDPS Y6, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota7<>(SB), Y15, Y11
	VANDPS Y7, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota8<>(SB), Y15, Y11
	VANDPS Y8, Y11, Y11
	VORPS Y11, Y12, Y12
	VPCMPEQD c_iota9<>(SB), Y15, Y11
	VANDPS Y9, Y11, Y11
	VORPS Y11, Y12, Y12
	VSUBPS Y10, Y12, Y12
	VMOVUPS Y12, soaArgs_zl(R13)
	VXORPS Y14, Y14, Y14
	VSUBPS Y10, Y0, Y0
	VCMPPS $0x0D, c_expLo<>(SB), Y0, Y13
	VMINPS c_expHi<>(SB), Y0, Y0
	VMULPS c_log2e<>(SB), Y0, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y0
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y0
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y0, Y12
	VFMADD213PS c_p2<>(SB), Y0, Y12
	VFMADD213PS c_p3<>(SB), Y0, Y12
	VFMADD213PS c_p4<>(SB), Y0, Y12
	VFMADD213PS c_p5<>(SB), Y0, Y12
	VMULPS Y0, Y12, Y12
	VFMADD213PS Y0, Y0, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y0
	VANDPS Y13, Y0, Y0
	VADDPS Y0, Y14, Y14
	VSUBPS Y10, Y1, Y1
	VCMPPS $0x0D, c_expLo<>(SB), Y1, Y13
	VMINPS c_expHi<>(SB), Y1, Y1
	VMULPS c_log2e<>(SB), Y1, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y1
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y1
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y1, Y12
	VFMADD213PS c_p2<>(SB), Y1, Y12
	VFMADD213PS c_p3<>(SB), Y1, Y12
	VFMADD213PS c_p4<>(SB), Y1, Y12
	VFMADD213PS c_p5<>(SB), Y1, Y12
	VMULPS Y1, Y12, Y12
	VFMADD213PS Y1, Y1, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y1
	VANDPS Y13, Y1, Y1
	VADDPS Y1, Y14, Y14
	VSUBPS Y10, Y2, Y2
	VCMPPS $0x0D, c_expLo<>(SB), Y2, Y13
	VMINPS c_expHi<>(SB), Y2, Y2
	VMULPS c_log2e<>(SB), Y2, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y2
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y2
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y2, Y12
	VFMADD213PS c_p2<>(SB), Y2, Y12
	VFMADD213PS c_p3<>(SB), Y2, Y12
	VFMADD213PS c_p4<>(SB), Y2, Y12
	VFMADD213PS c_p5<>(SB), Y2, Y12
	VMULPS Y2, Y12, Y12
	VFMADD213PS Y2, Y2, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y2
	VANDPS Y13, Y2, Y2
	VADDPS Y2, Y14, Y14
	VSUBPS Y10, Y3, Y3
	VCMPPS $0x0D, c_expLo<>(SB), Y3, Y13
	VMINPS c_expHi<>(SB), Y3, Y3
	VMULPS c_log2e<>(SB), Y3, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y3
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y3
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y3, Y12
	VFMADD213PS c_p2<>(SB), Y3, Y12
	VFMADD213PS c_p3<>(SB), Y3, Y12
	VFMADD213PS c_p4<>(SB), Y3, Y12
	VFMADD213PS c_p5<>(SB), Y3, Y12
	VMULPS Y3, Y12, Y12
	VFMADD213PS Y3, Y3, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y3
	VANDPS Y13, Y3, Y3
	VADDPS Y3, Y14, Y14
	VSUBPS Y10, Y4, Y4
	VCMPPS $0x0D, c_expLo<>(SB), Y4, Y13
	VMINPS c_expHi<>(SB), Y4, Y4
	VMULPS c_log2e<>(SB), Y4, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y4
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y4
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y4, Y12
	VFMADD213PS c_p2<>(SB), Y4, Y12
	VFMADD213PS c_p3<>(SB), Y4, Y12
	VFMADD213PS c_p4<>(SB), Y4, Y12
	VFMADD213PS c_p5<>(SB), Y4, Y12
	VMULPS Y4, Y12, Y12
	VFMADD213PS Y4, Y4, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y4
	VANDPS Y13, Y4, Y4
	VADDPS Y4, Y14, Y14
	VSUBPS Y10, Y5, Y5
	VCMPPS $0x0D, c_expLo<>(SB), Y5, Y13
	VMINPS c_expHi<>(SB), Y5, Y5
	VMULPS c_log2e<>(SB), Y5, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y5
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y5
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y5, Y12
	VFMADD213PS c_p2<>(SB), Y5, Y12
	VFMADD213PS c_p3<>(SB), Y5, Y12
	VFMADD213PS c_p4<>(SB), Y5, Y12
	VFMADD213PS c_p5<>(SB), Y5, Y12
	VMULPS Y5, Y12, Y12
	VFMADD213PS Y5, Y5, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y5
	VANDPS Y13, Y5, Y5
	VADDPS Y5, Y14, Y14
	VSUBPS Y10, Y6, Y6
	VCMPPS $0x0D, c_expLo<>(SB), Y6, Y13
	VMINPS c_expHi<>(SB), Y6, Y6
	VMULPS c_log2e<>(SB), Y6, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y6
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y6
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y6, Y12
	VFMADD213PS c_p2<>(SB), Y6, Y12
	VFMADD213PS c_p3<>(SB), Y6, Y12
	VFMADD213PS c_p4<>(SB), Y6, Y12
	VFMADD213PS c_p5<>(SB), Y6, Y12
	VMULPS Y6, Y12, Y12
	VFMADD213PS Y6, Y6, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y6
	VANDPS Y13, Y6, Y6
	VADDPS Y6, Y14, Y14
	VSUBPS Y10, Y7, Y7
	VCMPPS $0x0D, c_expLo<>(SB), Y7, Y13
	VMINPS c_expHi<>(SB), Y7, Y7
	VMULPS c_log2e<>(SB), Y7, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y7
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y7
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y7, Y12
	VFMADD213PS c_p2<>(SB), Y7, Y12
	VFMADD213PS c_p3<>(SB), Y7, Y12
	VFMADD213PS c_p4<>(SB), Y7, Y12
	VFMADD213PS c_p5<>(SB), Y7, Y12
	VMULPS Y7, Y12, Y12
	VFMADD213PS Y7, Y7, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y7
	VANDPS Y13, Y7, Y7
	VADDPS Y7, Y14, Y14
	VSUBPS Y10, Y8, Y8
	VCMPPS $0x0D, c_expLo<>(SB), Y8, Y13
	VMINPS c_expHi<>(SB), Y8, Y8
	VMULPS c_log2e<>(SB), Y8, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y8
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y8
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y8, Y12
	VFMADD213PS c_p2<>(SB), Y8, Y12
	VFMADD213PS c_p3<>(SB), Y8, Y12
	VFMADD213PS c_p4<>(SB), Y8, Y12
	VFMADD213PS c_p5<>(SB), Y8, Y12
	VMULPS Y8, Y12, Y12
	VFMADD213PS Y8, Y8, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y8
	VANDPS Y13, Y8, Y8
	VADDPS Y8, Y14, Y14
	VSUBPS Y10, Y9, Y9
	VCMPPS $0x0D, c_expLo<>(SB), Y9, Y13
	VMINPS c_expHi<>(SB), Y9, Y9
	VMULPS c_log2e<>(SB), Y9, Y11
	VROUNDPS $0, Y11, Y11
	VFNMADD231PS c_ln2Hi<>(SB), Y11, Y9
	VFNMADD231PS c_ln2Lo<>(SB), Y11, Y9
	VMOVUPS c_p0<>(SB), Y12
	VFMADD213PS c_p1<>(SB), Y9, Y12
	VFMADD213PS c_p2<>(SB), Y9, Y12
	VFMADD213PS c_p3<>(SB), Y9, Y12
	VFMADD213PS c_p4<>(SB), Y9, Y12
	VFMADD213PS c_p5<>(SB), Y9, Y12
	VMULPS Y9, Y12, Y12
	VFMADD213PS Y9, Y9, Y12
	VADDPS c_one<>(SB), Y12, Y12
	VCVTPS2DQ Y11, Y11
	VPADDD c_bias<>(SB), Y11, Y11
	VPSLLD $23, Y11, Y11
	VMULPS Y11, Y12, Y9
	VANDPS Y13, Y9, Y9
	VADDPS Y9, Y14, Y14
	VMOVUPS Y14, soaArgs_sum(R13)
	VMOVUPS c_one<>(SB), Y10
	VDIVPS Y14, Y10, Y10
	VMULPS Y10, Y0, Y0
	VPCMPEQD c_iota0<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y0, Y0
	VMOVUPS Y0, 1536(DI)
	VMULPS Y10, Y1, Y1
	VPCMPEQD c_iota1<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y1, Y1
	VMOVUPS Y1, 1568(DI)
	VMULPS Y10, Y2, Y2
	VPCMPEQD c_iota2<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y2, Y2
	VMOVUPS Y2, 1600(DI)
	VMULPS Y10, Y3, Y3
	VPCMPEQD c_iota3<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y3, Y3
	VMOVUPS Y3, 1632(DI)
	VMULPS Y10, Y4, Y4
	VPCMPEQD c_iota4<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y4, Y4
	VMOVUPS Y4, 1664(DI)
	VMULPS Y10, Y5, Y5
	VPCMPEQD c_iota5<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y5, Y5
	VMOVUPS Y5, 1696(DI)
	VMULPS Y10, Y6, Y6
	VPCMPEQD c_iota6<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y6, Y6
	VMOVUPS Y6, 1728(DI)
	VMULPS Y10, Y7, Y7
	VPCMPEQD c_iota7<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y7, Y7
	VMOVUPS Y7, 1760(DI)
	VMULPS Y10, Y8, Y8
	VPCMPEQD c_iota8<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y8, Y8
	VMOVUPS Y8, 1792(DI)
	VMULPS Y10, Y9, Y9
	VPCMPEQD c_iota9<>(SB), Y15, Y11
	VANDPS c_one<>(SB), Y11, Y11
	VSUBPS Y11, Y9, Y9
	VMOVUPS Y9, 1824(DI)
	MOVQ soaArgs_w2(R13), R9
	MOVQ soaArgs_hidden(R13), CX
	MOVQ DI, R8
back_16:
	VBROADCASTSS (R9), Y11
	VMULPS Y11, Y0, Y10
	VBROADCASTSS 64(R9), Y12
	VMULPS Y12, Y1, Y13
	VBROADCASTSS 128(R9), Y11
	VFMADD231PS Y2, Y11, Y10
	VBROADCASTSS 192(R9), Y12
	VFMADD231PS Y3, Y12, Y13
	VBROADCASTSS 256(R9), Y11
	VFMADD231PS Y4, Y11, Y10
	VBROADCASTSS 320(R9), Y12
	VFMADD231PS Y5, Y12, Y13
	VBROADCASTSS 384(R9), Y11
	VFMADD231PS Y6, Y11, Y10
	VBROADCASTSS 448(R9), Y12
	VFMADD231PS Y7, Y12, Y13
	VBROADCASTSS 512(R9), Y11
	VFMADD231PS Y8, Y11, Y10
	VBROADCASTSS 576(R9), Y12
	VFMADD231PS Y9, Y12, Y13
	VADDPS Y13, Y10, Y10
	VMULPS 512(R8), Y10, Y10
	VMOVUPS Y10, 1024(R8)
	ADDQ $4, R9
	ADDQ $32, R8
	DECQ CX
	JNZ back_16
	MOVQ soaArgs_z(R13), SI
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 0(SI)
	VMOVUPS Y9, 64(SI)
	VMOVUPS Y10, 128(SI)
	VMOVUPS Y11, 192(SI)
	VMOVUPS Y12, 256(SI)
	VMOVUPS Y13, 320(SI)
	VMOVUPS Y14, 384(SI)
	VMOVUPS Y15, 448(SI)
	VMOVUPS 256(DI), Y0
	VMOVUPS 288(DI), Y1
	VMOVUPS 320(DI), Y2
	VMOVUPS 352(DI), Y3
	VMOVUPS 384(DI), Y4
	VMOVUPS 416(DI), Y5
	VMOVUPS 448(DI), Y6
	VMOVUPS 480(DI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 32(SI)
	VMOVUPS Y9, 96(SI)
	VMOVUPS Y10, 160(SI)
	VMOVUPS Y11, 224(SI)
	VMOVUPS Y12, 288(SI)
	VMOVUPS Y13, 352(SI)
	VMOVUPS Y14, 416(SI)
	VMOVUPS Y15, 480(SI)
	MOVQ soaArgs_dz1(R13), SI
	VMOVUPS 1024(DI), Y0
	VMOVUPS 1056(DI), Y1
	VMOVUPS 1088(DI), Y2
	VMOVUPS 1120(DI), Y3
	VMOVUPS 1152(DI), Y4
	VMOVUPS 1184(DI), Y5
	VMOVUPS 1216(DI), Y6
	VMOVUPS 1248(DI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 0(SI)
	VMOVUPS Y9, 64(SI)
	VMOVUPS Y10, 128(SI)
	VMOVUPS Y11, 192(SI)
	VMOVUPS Y12, 256(SI)
	VMOVUPS Y13, 320(SI)
	VMOVUPS Y14, 384(SI)
	VMOVUPS Y15, 448(SI)
	VMOVUPS 1280(DI), Y0
	VMOVUPS 1312(DI), Y1
	VMOVUPS 1344(DI), Y2
	VMOVUPS 1376(DI), Y3
	VMOVUPS 1408(DI), Y4
	VMOVUPS 1440(DI), Y5
	VMOVUPS 1472(DI), Y6
	VMOVUPS 1504(DI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 32(SI)
	VMOVUPS Y9, 96(SI)
	VMOVUPS Y10, 160(SI)
	VMOVUPS Y11, 224(SI)
	VMOVUPS Y12, 288(SI)
	VMOVUPS Y13, 352(SI)
	VMOVUPS Y14, 416(SI)
	VMOVUPS Y15, 480(SI)
	MOVQ soaArgs_dz2(R13), SI
	VMOVUPS 1536(DI), Y0
	VMOVUPS 1568(DI), Y1
	VMOVUPS 1600(DI), Y2
	VMOVUPS 1632(DI), Y3
	VMOVUPS 1664(DI), Y4
	VMOVUPS 1696(DI), Y5
	VMOVUPS 1728(DI), Y6
	VMOVUPS 1760(DI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 0(SI)
	VMOVUPS Y9, 64(SI)
	VMOVUPS Y10, 128(SI)
	VMOVUPS Y11, 192(SI)
	VMOVUPS Y12, 256(SI)
	VMOVUPS Y13, 320(SI)
	VMOVUPS Y14, 384(SI)
	VMOVUPS Y15, 448(SI)
	VMOVUPS 1792(DI), Y0
	VMOVUPS 1824(DI), Y1
	VMOVUPS 1856(DI), Y2
	VMOVUPS 1888(DI), Y3
	VMOVUPS 1920(DI), Y4
	VMOVUPS 1952(DI), Y5
	VMOVUPS 1984(DI), Y6
	VMOVUPS 2016(DI), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, 32(SI)
	VMOVUPS Y9, 96(SI)
	VMOVUPS Y10, 160(SI)
	VMOVUPS Y11, 224(SI)
	VMOVUPS Y12, 288(SI)
	VMOVUPS Y13, 352(SI)
	VMOVUPS Y14, 416(SI)
	VMOVUPS Y15, 480(SI)
	VZEROUPPER
	RET

// func rowSum(dst, src *float32, n, words, stride int)
//
// dst[0:8·words] += row k of src (stride bytes apart) for k < n ≥ 1, in
// order, 1 ≤ words ≤ 2.
TEXT ·rowSum(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ words+24(FP), AX
	MOVQ stride+32(FP), DX
	VMOVUPS (DI), Y0
	CMPQ AX, $2
	JL rs1
	VMOVUPS 32(DI), Y1
rs2:
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	ADDQ DX, SI
	DECQ CX
	JNZ rs2
	VMOVUPS Y1, 32(DI)
	JMP rsdone
rs1:
	VADDPS (SI), Y0, Y0
	ADDQ DX, SI
	DECQ CX
	JNZ rs1
rsdone:
	VMOVUPS Y0, (DI)
	VZEROUPPER
	RET

// func cscScatter8(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer's gradient of a batch in pixel-major (CSC) order, for one
// block of 64 columns: for each of npix ≥ 1 distinct pixels p, the row
// block dw[pix[p]/4:][0:64] is loaded once, gets entV[e]·dz[entK[e]/4:][0:64]
// added for each of its entries e in order, and is stored once. Entries
// are in sample order, so every element sums as scatter8 would.
TEXT ·cscScatter8(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cs8pix:
	MOVL (R8), AX
	VMOVUPS 0(DI)(AX*1), Y0
	VMOVUPS 32(DI)(AX*1), Y1
	VMOVUPS 64(DI)(AX*1), Y2
	VMOVUPS 96(DI)(AX*1), Y3
	VMOVUPS 128(DI)(AX*1), Y4
	VMOVUPS 160(DI)(AX*1), Y5
	VMOVUPS 192(DI)(AX*1), Y6
	VMOVUPS 224(DI)(AX*1), Y7
	MOVLQSX 4(R9), R12
cs8ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VFMADD231PS 0(SI)(BX*1), Y8, Y0
	VFMADD231PS 32(SI)(BX*1), Y8, Y1
	VFMADD231PS 64(SI)(BX*1), Y8, Y2
	VFMADD231PS 96(SI)(BX*1), Y8, Y3
	VFMADD231PS 128(SI)(BX*1), Y8, Y4
	VFMADD231PS 160(SI)(BX*1), Y8, Y5
	VFMADD231PS 192(SI)(BX*1), Y8, Y6
	VFMADD231PS 224(SI)(BX*1), Y8, Y7
	INCQ DX
	CMPQ DX, R12
	JL cs8ent
	VMOVUPS Y0, 0(DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VMOVUPS Y2, 64(DI)(AX*1)
	VMOVUPS Y3, 96(DI)(AX*1)
	VMOVUPS Y4, 128(DI)(AX*1)
	VMOVUPS Y5, 160(DI)(AX*1)
	VMOVUPS Y6, 192(DI)(AX*1)
	VMOVUPS Y7, 224(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cs8pix
	VZEROUPPER
	RET

// func cscScatter7(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer's gradient of a batch in pixel-major (CSC) order, for one
// block of 56 columns: for each of npix ≥ 1 distinct pixels p, the row
// block dw[pix[p]/4:][0:56] is loaded once, gets entV[e]·dz[entK[e]/4:][0:56]
// added for each of its entries e in order, and is stored once. Entries
// are in sample order, so every element sums as scatter7 would.
TEXT ·cscScatter7(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cs7pix:
	MOVL (R8), AX
	VMOVUPS 0(DI)(AX*1), Y0
	VMOVUPS 32(DI)(AX*1), Y1
	VMOVUPS 64(DI)(AX*1), Y2
	VMOVUPS 96(DI)(AX*1), Y3
	VMOVUPS 128(DI)(AX*1), Y4
	VMOVUPS 160(DI)(AX*1), Y5
	VMOVUPS 192(DI)(AX*1), Y6
	MOVLQSX 4(R9), R12
cs7ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VFMADD231PS 0(SI)(BX*1), Y8, Y0
	VFMADD231PS 32(SI)(BX*1), Y8, Y1
	VFMADD231PS 64(SI)(BX*1), Y8, Y2
	VFMADD231PS 96(SI)(BX*1), Y8, Y3
	VFMADD231PS 128(SI)(BX*1), Y8, Y4
	VFMADD231PS 160(SI)(BX*1), Y8, Y5
	VFMADD231PS 192(SI)(BX*1), Y8, Y6
	INCQ DX
	CMPQ DX, R12
	JL cs7ent
	VMOVUPS Y0, 0(DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VMOVUPS Y2, 64(DI)(AX*1)
	VMOVUPS Y3, 96(DI)(AX*1)
	VMOVUPS Y4, 128(DI)(AX*1)
	VMOVUPS Y5, 160(DI)(AX*1)
	VMOVUPS Y6, 192(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cs7pix
	VZEROUPPER
	RET

// func cscScatter6(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer's gradient of a batch in pixel-major (CSC) order, for one
// block of 48 columns: for each of npix ≥ 1 distinct pixels p, the row
// block dw[pix[p]/4:][0:48] is loaded once, gets entV[e]·dz[entK[e]/4:][0:48]
// added for each of its entries e in order, and is stored once. Entries
// are in sample order, so every element sums as scatter6 would.
TEXT ·cscScatter6(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cs6pix:
	MOVL (R8), AX
	VMOVUPS 0(DI)(AX*1), Y0
	VMOVUPS 32(DI)(AX*1), Y1
	VMOVUPS 64(DI)(AX*1), Y2
	VMOVUPS 96(DI)(AX*1), Y3
	VMOVUPS 128(DI)(AX*1), Y4
	VMOVUPS 160(DI)(AX*1), Y5
	MOVLQSX 4(R9), R12
cs6ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VFMADD231PS 0(SI)(BX*1), Y8, Y0
	VFMADD231PS 32(SI)(BX*1), Y8, Y1
	VFMADD231PS 64(SI)(BX*1), Y8, Y2
	VFMADD231PS 96(SI)(BX*1), Y8, Y3
	VFMADD231PS 128(SI)(BX*1), Y8, Y4
	VFMADD231PS 160(SI)(BX*1), Y8, Y5
	INCQ DX
	CMPQ DX, R12
	JL cs6ent
	VMOVUPS Y0, 0(DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VMOVUPS Y2, 64(DI)(AX*1)
	VMOVUPS Y3, 96(DI)(AX*1)
	VMOVUPS Y4, 128(DI)(AX*1)
	VMOVUPS Y5, 160(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cs6pix
	VZEROUPPER
	RET

// func cscScatter5(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer's gradient of a batch in pixel-major (CSC) order, for one
// block of 40 columns: for each of npix ≥ 1 distinct pixels p, the row
// block dw[pix[p]/4:][0:40] is loaded once, gets entV[e]·dz[entK[e]/4:][0:40]
// added for each of its entries e in order, and is stored once. Entries
// are in sample order, so every element sums as scatter5 would.
TEXT ·cscScatter5(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cs5pix:
	MOVL (R8), AX
	VMOVUPS 0(DI)(AX*1), Y0
	VMOVUPS 32(DI)(AX*1), Y1
	VMOVUPS 64(DI)(AX*1), Y2
	VMOVUPS 96(DI)(AX*1), Y3
	VMOVUPS 128(DI)(AX*1), Y4
	MOVLQSX 4(R9), R12
cs5ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VFMADD231PS 0(SI)(BX*1), Y8, Y0
	VFMADD231PS 32(SI)(BX*1), Y8, Y1
	VFMADD231PS 64(SI)(BX*1), Y8, Y2
	VFMADD231PS 96(SI)(BX*1), Y8, Y3
	VFMADD231PS 128(SI)(BX*1), Y8, Y4
	INCQ DX
	CMPQ DX, R12
	JL cs5ent
	VMOVUPS Y0, 0(DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VMOVUPS Y2, 64(DI)(AX*1)
	VMOVUPS Y3, 96(DI)(AX*1)
	VMOVUPS Y4, 128(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cs5pix
	VZEROUPPER
	RET

// func cscScatter4(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer's gradient of a batch in pixel-major (CSC) order, for one
// block of 32 columns: for each of npix ≥ 1 distinct pixels p, the row
// block dw[pix[p]/4:][0:32] is loaded once, gets entV[e]·dz[entK[e]/4:][0:32]
// added for each of its entries e in order, and is stored once. Entries
// are in sample order, so every element sums as scatter4 would.
TEXT ·cscScatter4(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cs4pix:
	MOVL (R8), AX
	VMOVUPS 0(DI)(AX*1), Y0
	VMOVUPS 32(DI)(AX*1), Y1
	VMOVUPS 64(DI)(AX*1), Y2
	VMOVUPS 96(DI)(AX*1), Y3
	MOVLQSX 4(R9), R12
cs4ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VFMADD231PS 0(SI)(BX*1), Y8, Y0
	VFMADD231PS 32(SI)(BX*1), Y8, Y1
	VFMADD231PS 64(SI)(BX*1), Y8, Y2
	VFMADD231PS 96(SI)(BX*1), Y8, Y3
	INCQ DX
	CMPQ DX, R12
	JL cs4ent
	VMOVUPS Y0, 0(DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VMOVUPS Y2, 64(DI)(AX*1)
	VMOVUPS Y3, 96(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cs4pix
	VZEROUPPER
	RET

// func cscScatter3(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer's gradient of a batch in pixel-major (CSC) order, for one
// block of 24 columns: for each of npix ≥ 1 distinct pixels p, the row
// block dw[pix[p]/4:][0:24] is loaded once, gets entV[e]·dz[entK[e]/4:][0:24]
// added for each of its entries e in order, and is stored once. Entries
// are in sample order, so every element sums as scatter3 would.
TEXT ·cscScatter3(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cs3pix:
	MOVL (R8), AX
	VMOVUPS 0(DI)(AX*1), Y0
	VMOVUPS 32(DI)(AX*1), Y1
	VMOVUPS 64(DI)(AX*1), Y2
	MOVLQSX 4(R9), R12
cs3ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VFMADD231PS 0(SI)(BX*1), Y8, Y0
	VFMADD231PS 32(SI)(BX*1), Y8, Y1
	VFMADD231PS 64(SI)(BX*1), Y8, Y2
	INCQ DX
	CMPQ DX, R12
	JL cs3ent
	VMOVUPS Y0, 0(DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VMOVUPS Y2, 64(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cs3pix
	VZEROUPPER
	RET

// func cscScatter2(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer's gradient of a batch in pixel-major (CSC) order, for one
// block of 16 columns: for each of npix ≥ 1 distinct pixels p, the row
// block dw[pix[p]/4:][0:16] is loaded once, gets entV[e]·dz[entK[e]/4:][0:16]
// added for each of its entries e in order, and is stored once. Entries
// are in sample order, so every element sums as scatter2 would.
TEXT ·cscScatter2(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cs2pix:
	MOVL (R8), AX
	VMOVUPS 0(DI)(AX*1), Y0
	VMOVUPS 32(DI)(AX*1), Y1
	MOVLQSX 4(R9), R12
cs2ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VFMADD231PS 0(SI)(BX*1), Y8, Y0
	VFMADD231PS 32(SI)(BX*1), Y8, Y1
	INCQ DX
	CMPQ DX, R12
	JL cs2ent
	VMOVUPS Y0, 0(DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cs2pix
	VZEROUPPER
	RET

// func cscScatter1(dw, dz *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer's gradient of a batch in pixel-major (CSC) order, for one
// block of 8 columns: for each of npix ≥ 1 distinct pixels p, the row
// block dw[pix[p]/4:][0:8] is loaded once, gets entV[e]·dz[entK[e]/4:][0:8]
// added for each of its entries e in order, and is stored once. Entries
// are in sample order, so every element sums as scatter1 would.
TEXT ·cscScatter1(SB), NOSPLIT, $0-56
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cs1pix:
	MOVL (R8), AX
	VMOVUPS 0(DI)(AX*1), Y0
	MOVLQSX 4(R9), R12
cs1ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VFMADD231PS 0(SI)(BX*1), Y8, Y0
	INCQ DX
	CMPQ DX, R12
	JL cs1ent
	VMOVUPS Y0, 0(DI)(AX*1)
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cs1pix
	VZEROUPPER
	RET

// EXP replaces Y0 by exp(Y0) as expf in generic.go computes it: zero below
// -64·ln2, capped at 2^64. It clobbers Y1, Y2 and Y4.
#define EXP \
	VCMPPS $0x0D, c_expLo<>(SB), Y0, Y4; \
	VMINPS c_expHi<>(SB), Y0, Y0; \
	VMULPS c_log2e<>(SB), Y0, Y1; \
	VROUNDPS $0, Y1, Y1; \
	VFNMADD231PS c_ln2Hi<>(SB), Y1, Y0; \
	VFNMADD231PS c_ln2Lo<>(SB), Y1, Y0; \
	VMOVUPS c_p0<>(SB), Y2; \
	VFMADD213PS c_p1<>(SB), Y0, Y2; \
	VFMADD213PS c_p2<>(SB), Y0, Y2; \
	VFMADD213PS c_p3<>(SB), Y0, Y2; \
	VFMADD213PS c_p4<>(SB), Y0, Y2; \
	VFMADD213PS c_p5<>(SB), Y0, Y2; \
	VMULPS Y0, Y2, Y2; \
	VFMADD213PS Y0, Y0, Y2; \
	VADDPS c_one<>(SB), Y2, Y2; \
	VCVTPS2DQ Y1, Y1; \
	VPADDD c_bias<>(SB), Y1, Y1; \
	VPSLLD $23, Y1, Y1; \
	VMULPS Y1, Y2, Y0; \
	VANDPS Y4, Y0, Y0

// func denseAVX(a *denseArgs)
//
// Everything between the two sparse layers for one sample, so that the hidden
// vector makes one trip through the caches (see denseArgs for the fields):
//
//   z1 = h + b1 (the gathers leave the first layer's sums in h)
//   h = act(z1) masked to the real hidden units, d = act'(z1)
//   z2 = W2·h + b2 (or Σ h[j]·W2ᵀ[j] + b2 where w2t is set); z2[rows:op] = -inf
//   if label < 0, stop: z2 holds the logits (Predict)
//   zl = z2[label] - max(z2); e = exp(z2 - max); sum = Σ e
//   dz2 = e·(1/sum) - onehot(label), written over z2; db2 += dz2
//   dz1 = d ∘ (W2ᵀ·dz2) summing rows in order; db1 += dz1; dW2 += dz2 ⊗ h
//   unless dw2 is nil;
//
// hp and op are positive multiples of 8, 1 ≤ rows ≤ op.
TEXT ·denseAVX(SB), NOSPLIT, $8-8
	MOVQ a+0(FP), R13
	MOVQ denseArgs_h(R13), DI
	MOVQ denseArgs_d(R13), SI
	MOVQ denseArgs_mask(R13), R8
	MOVQ denseArgs_hp(R13), CX
	MOVQ denseArgs_act(R13), AX
	MOVQ denseArgs_b1(R13), R9
	VMOVUPS c_one<>(SB), Y15
	VMOVUPS c_sign<>(SB), Y14
	CMPQ AX, $1
	JEQ dtanh
	JGT drelu

	// Sigmoid: σ = 1/(1+e) with e = exp(-z), σ' = (σe)σ. The mask zeroes
	// σ(0) = 0.5 in the padding, which would otherwise leak into dW2.
dsig:
	VMOVUPS (DI), Y0
	VADDPS (R9), Y0, Y0
	VXORPS Y14, Y0, Y0
	EXP
	VADDPS Y15, Y0, Y5
	VDIVPS Y5, Y15, Y6
	VMULPS Y6, Y0, Y7
	VMULPS Y6, Y7, Y7
	VANDPS (R8), Y6, Y6
	VMOVUPS Y6, (DI)
	VMOVUPS Y7, (SI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	SUBQ $8, CX
	JNZ dsig
	JMP dout

	// Tanh: e = exp(-2|z|), q = 1/(1+e), tanh = ±(1-e)q, tanh' = ((4e)q)q.
dtanh:
	VMOVUPS (DI), Y9
	VADDPS (R9), Y9, Y9
	VANDNPS Y9, Y14, Y0
	VMULPS c_minus2<>(SB), Y0, Y0
	EXP
	VADDPS Y15, Y0, Y5
	VDIVPS Y5, Y15, Y6
	VSUBPS Y0, Y15, Y7
	VMULPS Y6, Y7, Y7
	VANDPS Y14, Y9, Y9
	VORPS Y9, Y7, Y7
	VMULPS c_four<>(SB), Y0, Y0
	VMULPS Y6, Y0, Y0
	VMULPS Y6, Y0, Y0
	VMOVUPS Y7, (DI)
	VMOVUPS Y0, (SI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R9
	SUBQ $8, CX
	JNZ dtanh
	JMP dout

	// ReLU: max(z, 0) and the step function z > 0.
drelu:
	VXORPS Y13, Y13, Y13
dreluloop:
	VMOVUPS (DI), Y0
	VADDPS (R9), Y0, Y0
	VCMPPS $0x0E, Y13, Y0, Y1
	VANDPS Y0, Y1, Y0
	VANDPS Y15, Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, (SI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R9
	SUBQ $8, CX
	JNZ dreluloop

dout:
	MOVQ denseArgs_w2t(R13), SI
	TESTQ SI, SI
	JZ drows

	// Narrow output layer (8 or 16 padded outputs, set by the Go side):
	// z2 = b2 + Σ_j h[j]·W2ᵀ[j] over the real hidden units, the outputs
	// in one or two registers. b2's padding is -inf and W2ᵀ's is zero, so
	// the padding logits come out -inf.
	MOVQ denseArgs_z2(R13), DI
	MOVQ denseArgs_h(R13), DX
	MOVQ denseArgs_b2(R13), R9
	MOVQ denseArgs_hidden(R13), CX
	MOVQ denseArgs_op(R13), R11
	CMPQ R11, $8
	JEQ dt8
	// Two sets of accumulators, even and odd hidden units, halve the
	// chain of dependent FMAs.
	VMOVUPS (R9), Y0
	VMOVUPS 32(R9), Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	CMPQ CX, $2
	JL dt16one
dt16:
	VBROADCASTSS (DX), Y8
	VBROADCASTSS 4(DX), Y9
	VFMADD231PS (SI), Y8, Y0
	VFMADD231PS 32(SI), Y8, Y1
	VFMADD231PS 64(SI), Y9, Y2
	VFMADD231PS 96(SI), Y9, Y3
	ADDQ $8, DX
	ADDQ $128, SI
	SUBQ $2, CX
	CMPQ CX, $2
	JGE dt16
dt16one:
	TESTQ CX, CX
	JZ dt16sum
	VBROADCASTSS (DX), Y8
	VFMADD231PS (SI), Y8, Y0
	VFMADD231PS 32(SI), Y8, Y1
dt16sum:
	VADDPS Y2, Y0, Y0
	VADDPS Y3, Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	JMP dtdone
dt8:
	VMOVUPS (R9), Y0
	VXORPS Y2, Y2, Y2
	CMPQ CX, $2
	JL dt8one
dt8loop:
	VBROADCASTSS (DX), Y8
	VBROADCASTSS 4(DX), Y9
	VFMADD231PS (SI), Y8, Y0
	VFMADD231PS 32(SI), Y9, Y2
	ADDQ $8, DX
	ADDQ $64, SI
	SUBQ $2, CX
	CMPQ CX, $2
	JGE dt8loop
dt8one:
	TESTQ CX, CX
	JZ dt8sum
	VBROADCASTSS (DX), Y8
	VFMADD231PS (SI), Y8, Y0
dt8sum:
	VADDPS Y2, Y0, Y0
	VMOVUPS Y0, (DI)
dtdone:
	MOVQ denseArgs_rows(R13), CX
	MOVQ denseArgs_hp(R13), R12
	SHLQ $2, R12
	JMP dpaddone

	// z2[r] = b2[r] + W2[r]·h, two accumulators per row.
drows:
	MOVQ denseArgs_z2(R13), DI
	MOVQ denseArgs_w2(R13), SI
	MOVQ denseArgs_h(R13), DX
	MOVQ denseArgs_b2(R13), R9
	MOVQ denseArgs_rows(R13), CX
	MOVQ denseArgs_hp(R13), BX
	MOVQ BX, R12
	SHLQ $2, R12
	XORQ R10, R10
drow:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	XORQ AX, AX
	MOVQ BX, R11
drowpair:
	CMPQ R11, $16
	JL drowsingle
	VMOVUPS (SI)(AX*1), Y2
	VFMADD231PS (DX)(AX*1), Y2, Y0
	VMOVUPS 32(SI)(AX*1), Y3
	VFMADD231PS 32(DX)(AX*1), Y3, Y1
	ADDQ $64, AX
	SUBQ $16, R11
	JMP drowpair
drowsingle:
	TESTQ R11, R11
	JZ drowsum
	VMOVUPS (SI)(AX*1), Y2
	VFMADD231PS (DX)(AX*1), Y2, Y0
drowsum:
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VPERMILPS $0x0E, X0, X1
	VADDPS X1, X0, X0
	VPERMILPS $0x01, X0, X1
	VADDSS X1, X0, X0
	VADDSS (R9)(R10*4), X0, X0
	VMOVSS X0, (DI)(R10*4)
	ADDQ R12, SI
	INCQ R10
	CMPQ R10, CX
	JL drow

	// The padding logits are -inf, so that they vanish from max and sum.
	MOVQ denseArgs_op(R13), R11
	MOVL $0xff800000, AX
dpad:
	CMPQ R10, R11
	JGE dpaddone
	MOVL AX, (DI)(R10*4)
	INCQ R10
	JMP dpad
dpaddone:
	MOVQ denseArgs_label(R13), AX
	TESTQ AX, AX
	JS ddone

	// Softmax over the op lanes; R11 becomes op in bytes.
	SHLQ $2, R11
	VMOVUPS (DI), Y3
	MOVQ $32, BX
dmax:
	CMPQ BX, R11
	JGE dmaxdone
	VMAXPS (DI)(BX*1), Y3, Y3
	ADDQ $32, BX
	JMP dmax
dmaxdone:
	VEXTRACTF128 $1, Y3, X4
	VMAXPS X4, X3, X3
	VPERMILPS $0x0E, X3, X4
	VMAXPS X4, X3, X3
	VPERMILPS $0x01, X3, X4
	VMAXSS X4, X3, X3
	VBROADCASTSS X3, Y3
	VMOVSS (DI)(AX*4), X5
	VSUBSS X3, X5, X5
	VMOVSS X5, denseArgs_zl(R13)
	VXORPS Y6, Y6, Y6
	XORQ BX, BX
dexp:
	VMOVUPS (DI)(BX*1), Y0
	VSUBPS Y3, Y0, Y0
	EXP
	VMOVUPS Y0, (DI)(BX*1)
	VADDPS Y0, Y6, Y6
	ADDQ $32, BX
	CMPQ BX, R11
	JL dexp
	VEXTRACTF128 $1, Y6, X1
	VADDPS X1, X6, X6
	VPERMILPS $0x0E, X6, X1
	VADDPS X1, X6, X6
	VPERMILPS $0x01, X6, X1
	VADDSS X1, X6, X6
	VMOVSS X6, denseArgs_sum(R13)
	VDIVSS X6, X15, X7
	VBROADCASTSS X7, Y7
	XORQ BX, BX
dscale:
	VMULPS (DI)(BX*1), Y7, Y0
	VMOVUPS Y0, (DI)(BX*1)
	ADDQ $32, BX
	CMPQ BX, R11
	JL dscale
	VMOVSS (DI)(AX*4), X0
	VSUBSS X15, X0, X0
	VMOVSS X0, (DI)(AX*4)

	// db2 += dz2 over the op lanes (the padding of dz2 is zero).
	MOVQ denseArgs_db2(R13), SI
	XORQ BX, BX
ddb2:
	VMOVUPS (SI)(BX*1), Y0
	VADDPS (DI)(BX*1), Y0, Y0
	VMOVUPS Y0, (SI)(BX*1)
	ADDQ $32, BX
	CMPQ BX, R11
	JL ddb2

	// Backward through W2, two column registers at a time so that two
	// accumulation chains overlap. R12 is still the row stride in bytes.
	MOVQ denseArgs_dz1(R13), DI
	MOVQ denseArgs_db1(R13), SI
	MOVQ denseArgs_dw2(R13), DX
	MOVQ denseArgs_w2(R13), R8
	MOVQ denseArgs_z2(R13), R9
	MOVQ denseArgs_h(R13), R10
	MOVQ denseArgs_d(R13), R11
	MOVQ denseArgs_hp(R13), R13
	SHRQ $3, R13
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-2, BX
	MOVQ BX, even-8(SP)
	TESTQ DX, DX
	JZ bnpair
bkpair:
	CMPQ R13, $2
	JL bksingle
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VMOVUPS (R10)(AX*1), Y2
	VMOVUPS 32(R10)(AX*1), Y3
	MOVQ AX, R14
	XORQ BX, BX
	// Even rows into Y0/Y1, odd rows into Y10/Y11: two chains of FMAs.
	XORQ BX, BX
	CMPQ CX, $2
	JL bkprow1
bkprow2:
	VBROADCASTSS (R9)(BX*4), Y4
	VBROADCASTSS 4(R9)(BX*4), Y12
	VFMADD231PS (R8)(R14*1), Y4, Y0
	VFMADD231PS 32(R8)(R14*1), Y4, Y1
	VMOVUPS (DX)(R14*1), Y5
	VFMADD231PS Y2, Y4, Y5
	VMOVUPS Y5, (DX)(R14*1)
	VMOVUPS 32(DX)(R14*1), Y6
	VFMADD231PS Y3, Y4, Y6
	VMOVUPS Y6, 32(DX)(R14*1)
	ADDQ R12, R14
	VFMADD231PS (R8)(R14*1), Y12, Y10
	VFMADD231PS 32(R8)(R14*1), Y12, Y11
	VMOVUPS (DX)(R14*1), Y5
	VFMADD231PS Y2, Y12, Y5
	VMOVUPS Y5, (DX)(R14*1)
	VMOVUPS 32(DX)(R14*1), Y6
	VFMADD231PS Y3, Y12, Y6
	VMOVUPS Y6, 32(DX)(R14*1)
	ADDQ R12, R14
	ADDQ $2, BX
	CMPQ BX, even-8(SP)
	JL bkprow2
bkprow1:
	CMPQ BX, CX
	JGE bkpsum
	VBROADCASTSS (R9)(BX*4), Y4
	VFMADD231PS (R8)(R14*1), Y4, Y0
	VFMADD231PS 32(R8)(R14*1), Y4, Y1
	VMOVUPS (DX)(R14*1), Y5
	VFMADD231PS Y2, Y4, Y5
	VMOVUPS Y5, (DX)(R14*1)
	VMOVUPS 32(DX)(R14*1), Y6
	VFMADD231PS Y3, Y4, Y6
	VMOVUPS Y6, 32(DX)(R14*1)
bkpsum:
	VADDPS Y10, Y0, Y0
	VADDPS Y11, Y1, Y1
	VMULPS (R11)(AX*1), Y0, Y0
	VMULPS 32(R11)(AX*1), Y1, Y1
	VMOVUPS Y0, (DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VADDPS (SI)(AX*1), Y0, Y0
	VADDPS 32(SI)(AX*1), Y1, Y1
	VMOVUPS Y0, (SI)(AX*1)
	VMOVUPS Y1, 32(SI)(AX*1)
	ADDQ $64, AX
	SUBQ $2, R13
	JMP bkpair
bksingle:
	TESTQ R13, R13
	JZ ddone
	VXORPS Y0, Y0, Y0
	VMOVUPS (R10)(AX*1), Y2
	MOVQ AX, R14
	XORQ BX, BX
bksrow:
	VBROADCASTSS (R9)(BX*4), Y4
	VFMADD231PS (R8)(R14*1), Y4, Y0
	VMOVUPS (DX)(R14*1), Y5
	VFMADD231PS Y2, Y4, Y5
	VMOVUPS Y5, (DX)(R14*1)
	ADDQ R12, R14
	INCQ BX
	CMPQ BX, CX
	JL bksrow
	VMULPS (R11)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	VADDPS (SI)(AX*1), Y0, Y0
	VMOVUPS Y0, (SI)(AX*1)
	JMP ddone

	// The same without dW2, which the caller then accumulates over the
	// whole batch (dw2 nil).
bnpair:
	CMPQ R13, $2
	JL bnsingle
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	MOVQ AX, R14
	XORQ BX, BX
	CMPQ CX, $2
	JL bnprow1
bnprow2:
	VBROADCASTSS (R9)(BX*4), Y4
	VBROADCASTSS 4(R9)(BX*4), Y12
	VFMADD231PS (R8)(R14*1), Y4, Y0
	VFMADD231PS 32(R8)(R14*1), Y4, Y1
	ADDQ R12, R14
	VFMADD231PS (R8)(R14*1), Y12, Y10
	VFMADD231PS 32(R8)(R14*1), Y12, Y11
	ADDQ R12, R14
	ADDQ $2, BX
	CMPQ BX, even-8(SP)
	JL bnprow2
bnprow1:
	CMPQ BX, CX
	JGE bnpsum
	VBROADCASTSS (R9)(BX*4), Y4
	VFMADD231PS (R8)(R14*1), Y4, Y0
	VFMADD231PS 32(R8)(R14*1), Y4, Y1
bnpsum:
	VADDPS Y10, Y0, Y0
	VADDPS Y11, Y1, Y1
	VMULPS (R11)(AX*1), Y0, Y0
	VMULPS 32(R11)(AX*1), Y1, Y1
	VMOVUPS Y0, (DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VADDPS (SI)(AX*1), Y0, Y0
	VADDPS 32(SI)(AX*1), Y1, Y1
	VMOVUPS Y0, (SI)(AX*1)
	VMOVUPS Y1, 32(SI)(AX*1)
	ADDQ $64, AX
	SUBQ $2, R13
	JMP bnpair
bnsingle:
	TESTQ R13, R13
	JZ ddone
	VXORPS Y0, Y0, Y0
	MOVQ AX, R14
	XORQ BX, BX
bnsrow:
	VBROADCASTSS (R9)(BX*4), Y4
	VFMADD231PS (R8)(R14*1), Y4, Y0
	ADDQ R12, R14
	INCQ BX
	CMPQ BX, CX
	JL bnsrow
	VMULPS (R11)(AX*1), Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	VADDPS (SI)(AX*1), Y0, Y0
	VMOVUPS Y0, (SI)(AX*1)
ddone:
	VZEROUPPER
	RET
