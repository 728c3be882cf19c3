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

// func prepAVX(off *uint32, fv *float32, idx *uint16, val *uint8, n, stride int)
//
// Decodes n ≥ 0 sparse pixels once per batch for the loops below: byte
// offsets off[k] = idx[k]·stride of the pixels' rows and their raw values
// fv[k] = float32(val[k]) (the pixel scale is applied to the sums instead).
// Eight pixels at a time, then one at a time.
TEXT ·prepAVX(SB), NOSPLIT, $0-48
	MOVQ off+0(FP), DI
	MOVQ fv+8(FP), SI
	MOVQ idx+16(FP), R8
	MOVQ val+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ stride+40(FP), DX
	MOVQ DX, X15
	VPBROADCASTD X15, Y15
prep8:
	CMPQ CX, $8
	JL prep1
	VPMOVZXWD (R8), Y0
	VPMULLD Y15, Y0, Y0
	VMOVDQU Y0, (DI)
	VPMOVZXBD (R9), Y1
	VCVTDQ2PS Y1, Y1
	VMOVUPS Y1, (SI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $16, R8
	ADDQ $8, R9
	SUBQ $8, CX
	JMP prep8
prep1:
	TESTQ CX, CX
	JZ prepdone
	MOVWQZX (R8), AX
	IMULQ DX, AX
	MOVL AX, (DI)
	MOVBLZX (R9), BX
	VCVTSI2SSL BX, X0, X0
	VMOVSS X0, (SI)
	ADDQ $4, DI
	ADDQ $4, SI
	ADDQ $2, R8
	INCQ R9
	DECQ CX
	JMP prep1
prepdone:
	VZEROUPPER
	RET

// func gather8(z, w *float32, off *uint32, fv *float32, n int)
//
// z[0:64] = Σ_k fv[k]·w[off[k]/4:][0:64] over n ≥ 0 pixels,
// one FMA chain per register.
TEXT ·gather8(SB), NOSPLIT, $0-40
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ n+32(FP), CX
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
	VZEROUPPER
	RET

// func gather4(z, w *float32, off *uint32, fv *float32, n int)
//
// z[0:32] = Σ_k fv[k]·w[off[k]/4:][0:32] over n ≥ 0 pixels,
// pixel k going to accumulator set k mod 2 so that 8 FMA chains overlap;
// the sets are added in a fixed order at the end.
TEXT ·gather4(SB), NOSPLIT, $0-40
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ n+32(FP), CX
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
	VZEROUPPER
	RET

// func gather2(z, w *float32, off *uint32, fv *float32, n int)
//
// z[0:16] = Σ_k fv[k]·w[off[k]/4:][0:16] over n ≥ 0 pixels,
// pixel k going to accumulator set k mod 4 so that 8 FMA chains overlap;
// the sets are added in a fixed order at the end.
TEXT ·gather2(SB), NOSPLIT, $0-40
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ n+32(FP), CX
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
	VZEROUPPER
	RET

// func gather1(z, w *float32, off *uint32, fv *float32, n int)
//
// z[0:8] = Σ_k fv[k]·w[off[k]/4:][0:8] over n ≥ 0 pixels,
// pixel k going to accumulator set k mod 4 so that 4 FMA chains overlap;
// the sets are added in a fixed order at the end.
TEXT ·gather1(SB), NOSPLIT, $0-40
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ n+32(FP), CX
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
	VZEROUPPER
	RET

// func scatter8(dw, dz *float32, off *uint32, fv *float32, n int)
//
// dw[off[k]/4:][0:64] += fv[k]·dz[0:64] over n ≥ 0 pixels, in order.
TEXT ·scatter8(SB), NOSPLIT, $0-40
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JZ s8done
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
s8done:
	VZEROUPPER
	RET

// func scatter4(dw, dz *float32, off *uint32, fv *float32, n int)
//
// dw[off[k]/4:][0:32] += fv[k]·dz[0:32] over n ≥ 0 pixels, in order.
TEXT ·scatter4(SB), NOSPLIT, $0-40
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JZ s4done
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
s4done:
	VZEROUPPER
	RET

// func scatter2(dw, dz *float32, off *uint32, fv *float32, n int)
//
// dw[off[k]/4:][0:16] += fv[k]·dz[0:16] over n ≥ 0 pixels, in order.
TEXT ·scatter2(SB), NOSPLIT, $0-40
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JZ s2done
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
	JZ s2done
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
s2done:
	VZEROUPPER
	RET

// func scatter1(dw, dz *float32, off *uint32, fv *float32, n int)
//
// dw[off[k]/4:][0:8] += fv[k]·dz[0:8] over n ≥ 0 pixels, in order.
TEXT ·scatter1(SB), NOSPLIT, $0-40
	MOVQ dw+0(FP), DI
	MOVQ dz+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ fv+24(FP), R9
	MOVQ n+32(FP), CX
	TESTQ CX, CX
	JZ s1done
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
	JZ s1done
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
s1done:
	VZEROUPPER
	RET

// func cscGather8(z, w *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer of a batch in pixel-major (CSC) order, for one block of
// 64 columns: for each of npix ≥ 1 distinct pixels p, its row block
// w[pix[p]/4:][0:64] is loaded once and, for each of its entries e in
// pstart[p]:pstart[p+1], added as z[entK[e]/4:][0:64] += entV[e]·row.
// Pixels come in ascending order, so every z row sums its pixels in the
// same order as gather8.
TEXT ·cscGather8(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cg8pix:
	MOVL (R8), AX
	VMOVUPS 0(SI)(AX*1), Y0
	VMOVUPS 32(SI)(AX*1), Y1
	VMOVUPS 64(SI)(AX*1), Y2
	VMOVUPS 96(SI)(AX*1), Y3
	VMOVUPS 128(SI)(AX*1), Y4
	VMOVUPS 160(SI)(AX*1), Y5
	VMOVUPS 192(SI)(AX*1), Y6
	VMOVUPS 224(SI)(AX*1), Y7
	MOVLQSX 4(R9), R12
cg8ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VMOVUPS 0(DI)(BX*1), Y9
	VFMADD231PS Y0, Y8, Y9
	VMOVUPS Y9, 0(DI)(BX*1)
	VMOVUPS 32(DI)(BX*1), Y10
	VFMADD231PS Y1, Y8, Y10
	VMOVUPS Y10, 32(DI)(BX*1)
	VMOVUPS 64(DI)(BX*1), Y11
	VFMADD231PS Y2, Y8, Y11
	VMOVUPS Y11, 64(DI)(BX*1)
	VMOVUPS 96(DI)(BX*1), Y12
	VFMADD231PS Y3, Y8, Y12
	VMOVUPS Y12, 96(DI)(BX*1)
	VMOVUPS 128(DI)(BX*1), Y13
	VFMADD231PS Y4, Y8, Y13
	VMOVUPS Y13, 128(DI)(BX*1)
	VMOVUPS 160(DI)(BX*1), Y14
	VFMADD231PS Y5, Y8, Y14
	VMOVUPS Y14, 160(DI)(BX*1)
	VMOVUPS 192(DI)(BX*1), Y15
	VFMADD231PS Y6, Y8, Y15
	VMOVUPS Y15, 192(DI)(BX*1)
	VMOVUPS 224(DI)(BX*1), Y9
	VFMADD231PS Y7, Y8, Y9
	VMOVUPS Y9, 224(DI)(BX*1)
	INCQ DX
	CMPQ DX, R12
	JL cg8ent
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cg8pix
	VZEROUPPER
	RET

// func cscGather4(z, w *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer of a batch in pixel-major (CSC) order, for one block of
// 32 columns: for each of npix ≥ 1 distinct pixels p, its row block
// w[pix[p]/4:][0:32] is loaded once and, for each of its entries e in
// pstart[p]:pstart[p+1], added as z[entK[e]/4:][0:32] += entV[e]·row.
// Pixels come in ascending order, so every z row sums its pixels in the
// same order as gather4.
TEXT ·cscGather4(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cg4pix:
	MOVL (R8), AX
	VMOVUPS 0(SI)(AX*1), Y0
	VMOVUPS 32(SI)(AX*1), Y1
	VMOVUPS 64(SI)(AX*1), Y2
	VMOVUPS 96(SI)(AX*1), Y3
	MOVLQSX 4(R9), R12
cg4ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VMOVUPS 0(DI)(BX*1), Y9
	VFMADD231PS Y0, Y8, Y9
	VMOVUPS Y9, 0(DI)(BX*1)
	VMOVUPS 32(DI)(BX*1), Y10
	VFMADD231PS Y1, Y8, Y10
	VMOVUPS Y10, 32(DI)(BX*1)
	VMOVUPS 64(DI)(BX*1), Y11
	VFMADD231PS Y2, Y8, Y11
	VMOVUPS Y11, 64(DI)(BX*1)
	VMOVUPS 96(DI)(BX*1), Y12
	VFMADD231PS Y3, Y8, Y12
	VMOVUPS Y12, 96(DI)(BX*1)
	INCQ DX
	CMPQ DX, R12
	JL cg4ent
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cg4pix
	VZEROUPPER
	RET

// func cscGather2(z, w *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer of a batch in pixel-major (CSC) order, for one block of
// 16 columns: for each of npix ≥ 1 distinct pixels p, its row block
// w[pix[p]/4:][0:16] is loaded once and, for each of its entries e in
// pstart[p]:pstart[p+1], added as z[entK[e]/4:][0:16] += entV[e]·row.
// Pixels come in ascending order, so every z row sums its pixels in the
// same order as gather2.
TEXT ·cscGather2(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cg2pix:
	MOVL (R8), AX
	VMOVUPS 0(SI)(AX*1), Y0
	VMOVUPS 32(SI)(AX*1), Y1
	MOVLQSX 4(R9), R12
cg2ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VMOVUPS 0(DI)(BX*1), Y9
	VFMADD231PS Y0, Y8, Y9
	VMOVUPS Y9, 0(DI)(BX*1)
	VMOVUPS 32(DI)(BX*1), Y10
	VFMADD231PS Y1, Y8, Y10
	VMOVUPS Y10, 32(DI)(BX*1)
	INCQ DX
	CMPQ DX, R12
	JL cg2ent
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cg2pix
	VZEROUPPER
	RET

// func cscGather1(z, w *float32, pix *uint32, pstart *int32, entK *uint32, entV *float32, npix int)
//
// The first layer of a batch in pixel-major (CSC) order, for one block of
// 8 columns: for each of npix ≥ 1 distinct pixels p, its row block
// w[pix[p]/4:][0:8] is loaded once and, for each of its entries e in
// pstart[p]:pstart[p+1], added as z[entK[e]/4:][0:8] += entV[e]·row.
// Pixels come in ascending order, so every z row sums its pixels in the
// same order as gather1.
TEXT ·cscGather1(SB), NOSPLIT, $0-56
	MOVQ z+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ pix+16(FP), R8
	MOVQ pstart+24(FP), R9
	MOVQ entK+32(FP), R10
	MOVQ entV+40(FP), R11
	MOVQ npix+48(FP), CX
	MOVLQSX (R9), DX
cg1pix:
	MOVL (R8), AX
	VMOVUPS 0(SI)(AX*1), Y0
	MOVLQSX 4(R9), R12
cg1ent:
	MOVL (R10)(DX*4), BX
	VBROADCASTSS (R11)(DX*4), Y8
	VMOVUPS 0(DI)(BX*1), Y9
	VFMADD231PS Y0, Y8, Y9
	VMOVUPS Y9, 0(DI)(BX*1)
	INCQ DX
	CMPQ DX, R12
	JL cg1ent
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JNZ cg1pix
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
//   z1 = scale·h + b1 (the gathers leave the raw-pixel sums in h)
//   h = act(z1) masked to the real hidden units, d = act'(z1)
//   z2 = W2·h + b2; z2[rows:op] = -inf
//   if label < 0, stop: z2 holds the logits (Predict)
//   zl = z2[label] - max(z2); e = exp(z2 - max); sum = Σ e
//   dz2 = e·(1/sum) - onehot(label), written over z2; db2 += dz2
//   dz1 = d ∘ (W2ᵀ·dz2) summing rows in order; db1 += dz1; dW2 += dz2 ⊗ h;
//   the dz1 row keeps scale·dz1, ready for the first layer's raw pixel values
//
// hp and op are positive multiples of 8, 1 ≤ rows ≤ op.
TEXT ·denseAVX(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R13
	MOVQ denseArgs_h(R13), DI
	MOVQ denseArgs_d(R13), SI
	MOVQ denseArgs_mask(R13), R8
	MOVQ denseArgs_hp(R13), CX
	MOVQ denseArgs_act(R13), AX
	MOVQ denseArgs_b1(R13), R9
	VBROADCASTSS denseArgs_scale(R13), Y12
	VMOVUPS c_one<>(SB), Y15
	VMOVUPS c_sign<>(SB), Y14
	CMPQ AX, $1
	JEQ dtanh
	JGT drelu

	// Sigmoid: σ = 1/(1+e) with e = exp(-z), σ' = (σe)σ. The mask zeroes
	// σ(0) = 0.5 in the padding, which would otherwise leak into dW2.
dsig:
	VMOVUPS (DI), Y0
	VFMADD213PS (R9), Y12, Y0
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
	VFMADD213PS (R9), Y12, Y9
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
	VFMADD213PS (R9), Y12, Y0
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

	// z2[r] = b2[r] + W2[r]·h, two accumulators per row.
dout:
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

	// db2 += dz2.
	MOVQ denseArgs_db2(R13), SI
	XORQ R10, R10
ddb2:
	VMOVSS (SI)(R10*4), X0
	VADDSS (DI)(R10*4), X0, X0
	VMOVSS X0, (SI)(R10*4)
	INCQ R10
	CMPQ R10, CX
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
	VBROADCASTSS denseArgs_scale(R13), Y7
	MOVQ denseArgs_hp(R13), R13
	SHRQ $3, R13
	XORQ AX, AX
bkpair:
	CMPQ R13, $2
	JL bksingle
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VMOVUPS (R10)(AX*1), Y2
	VMOVUPS 32(R10)(AX*1), Y3
	MOVQ AX, R14
	XORQ BX, BX
bkprow:
	VBROADCASTSS (R9)(BX*4), Y4
	VFMADD231PS (R8)(R14*1), Y4, Y0
	VFMADD231PS 32(R8)(R14*1), Y4, Y1
	VMOVUPS (DX)(R14*1), Y5
	VFMADD231PS Y2, Y4, Y5
	VMOVUPS Y5, (DX)(R14*1)
	VMOVUPS 32(DX)(R14*1), Y6
	VFMADD231PS Y3, Y4, Y6
	VMOVUPS Y6, 32(DX)(R14*1)
	ADDQ R12, R14
	INCQ BX
	CMPQ BX, CX
	JL bkprow
	VMULPS (R11)(AX*1), Y0, Y0
	VMULPS 32(R11)(AX*1), Y1, Y1
	VMULPS Y7, Y0, Y8
	VMULPS Y7, Y1, Y9
	VMOVUPS Y8, (DI)(AX*1)
	VMOVUPS Y9, 32(DI)(AX*1)
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
	VMULPS Y7, Y0, Y8
	VMOVUPS Y8, (DI)(AX*1)
	VADDPS (SI)(AX*1), Y0, Y0
	VMOVUPS Y0, (SI)(AX*1)
ddone:
	VZEROUPPER
	RET
