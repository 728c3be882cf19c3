package cpupeak

import "golang.org/x/sys/cpu"

func available() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// fmaLoop runs n iterations of twelve independent VFMADD231PS on YMM
// registers: enough chains to cover the FMA latency on both pipes.
//
//go:noescape
func fmaLoop(n int)
