//go:build amd64

#include "textflag.h"

// func adamAVX(p, grad, mom, vel *float64, n int, k *adamConsts)
//
// adamGo's loop four elements at a time, with the same operations in the
// same order and no fused multiply-add, so that the results are bitwise
// those of the Go code. Only AVX is needed (VSQRTPD and VDIVPD on YMM).
TEXT ·adamAVX(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ mom+16(FP), R8
	MOVQ vel+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), AX
	VBROADCASTSD 0(AX), Y0  // decay
	VBROADCASTSD 8(AX), Y1  // b1
	VBROADCASTSD 16(AX), Y2 // c1
	VBROADCASTSD 24(AX), Y3 // b2
	VBROADCASTSD 32(AX), Y4 // c2
	VBROADCASTSD 40(AX), Y5 // inv2
	VBROADCASTSD 48(AX), Y6 // eps
	VBROADCASTSD 56(AX), Y7 // rate
	XORQ BX, BX

loop:
	CMPQ BX, CX
	JGE  done
	VMOVUPD (DI)(BX*8), Y8  // p
	VMOVUPD (SI)(BX*8), Y9  // g
	VMULPD  Y8, Y0, Y10     // decay·p
	VADDPD  Y10, Y9, Y9     // g += decay·p
	VMOVUPD (R8)(BX*8), Y11 // m
	VMULPD  Y11, Y1, Y11    // b1·m
	VMULPD  Y9, Y2, Y10     // c1·g
	VADDPD  Y10, Y11, Y11   // m = b1·m + c1·g
	VMOVUPD Y11, (R8)(BX*8)
	VMOVUPD (R9)(BX*8), Y12 // v
	VMULPD  Y12, Y3, Y12    // b2·v
	VMULPD  Y9, Y4, Y10     // c2·g
	VMULPD  Y9, Y10, Y10    // c2·g·g
	VADDPD  Y10, Y12, Y12   // v = b2·v + c2·g·g
	VMOVUPD Y12, (R9)(BX*8)
	VMULPD  Y12, Y5, Y10    // v·inv2
	VSQRTPD Y10, Y10        // √(v·inv2)
	VADDPD  Y6, Y10, Y10    // √(v·inv2) + eps
	VMULPD  Y11, Y7, Y13    // rate·m
	VDIVPD  Y10, Y13, Y13   // rate·m / (√(v·inv2) + eps)
	VSUBPD  Y13, Y8, Y8     // p -= ...
	VMOVUPD Y8, (DI)(BX*8)
	ADDQ    $4, BX
	JMP     loop

done:
	VZEROUPPER
	RET
