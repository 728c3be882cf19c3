package cpupeak

import (
	"golang.org/x/sys/cpu"

	"github.com/shardnet/shardnet/netcore/kernel"
)

func available() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// wideLoop returns the FMA loop of the kernel path in use and its lanes.
func wideLoop() (loop func(n int), lanes int) {
	if kernel.Path() == kernel.PathAVX512 {
		return fmaLoop512, 16
	}
	return fmaLoop, 8
}

// fmaLoop runs n iterations of twelve independent VFMADD231PS on YMM
// registers: enough chains to cover the FMA latency on both pipes.
//
//go:noescape
func fmaLoop(n int)

// fmaLoop512 is fmaLoop on ZMM registers (AVX512F).
//
//go:noescape
func fmaLoop512(n int)
