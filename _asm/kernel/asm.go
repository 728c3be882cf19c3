package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Helpers for writing operands.

// imm is the integer immediate x, in the smallest signed size that holds
// it (the instructions take 8- or 32-bit immediates, sign-extended).
func imm(x int) Constant {
	if x == int(int8(x)) {
		return I8(x)
	}
	if x != int(int32(x)) {
		panic("immediate out of range")
	}
	return I32(x)
}

// at is the memory at base+disp.
func at(base Register, disp int) Mem { return Mem{Base: base, Disp: disp} }

// atIdx is the memory at base + index·scale + disp.
func atIdx(base, index Register, scale uint8, disp int) Mem {
	return Mem{Base: base, Index: index, Scale: scale, Disp: disp}
}

// log2 returns k where x = 1<<k, or -1 if x is not a power of two.
func log2(x int) int {
	for k := 0; k < 63; k++ {
		if x == 1<<k {
			return k
		}
	}
	return -1
}
