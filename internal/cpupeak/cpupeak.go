// Package cpupeak measures how many float32 floating-point operations per
// second one core can retire, the ceiling against which the kernels'
// GFLOP/s are judged in 'shardnet bench' and docs/PERFORMANCE.md.
package cpupeak

import "time"

// flopsPerCall is the work of one FMA loop call with n iterations: twelve
// independent fused multiply-adds (2 flops per lane) of lanes lanes per
// iteration.
func flopsPerCall(n, lanes int) float64 { return float64(n) * 12 * float64(lanes) * 2 }

// SingleCore returns the measured float32 GFLOP/s of one core running
// independent fused multiply-adds, the best of a few short trials, or 0
// where no vector kernel exists for this machine. It times the registers
// of the kernel path in use (kernel.Path): ZMM on the AVX-512 path, whose
// peak is twice AVX2's where the core has two 512-bit FMA units, else YMM.
func SingleCore() float64 {
	if !Available() {
		return 0
	}
	loop, lanes := wideLoop()
	const n = 1 << 22
	best := 0.0
	for range 5 {
		start := time.Now()
		loop(n)
		if s := time.Since(start).Seconds(); s > 0 {
			best = max(best, flopsPerCall(n, lanes)/s/1e9)
		}
	}
	return best
}

// Available reports whether this machine has the vector kernel SingleCore
// times (AVX2 with FMA on amd64).
func Available() bool { return available() }
