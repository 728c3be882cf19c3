// Package cpupeak measures how many float32 floating-point operations per
// second one core can retire, the ceiling against which the kernels'
// GFLOP/s are judged in 'shardnet bench' and docs/PERFORMANCE.md.
package cpupeak

import "time"

// flopsPerCall is the work of one fmaLoop call with n iterations: twelve
// independent 8-lane fused multiply-adds (2 flops per lane) per iteration.
func flopsPerCall(n int) float64 { return float64(n) * 12 * 8 * 2 }

// SingleCore returns the measured float32 GFLOP/s of one core running
// independent fused multiply-adds, the best of a few short trials, or 0
// where no vector kernel exists for this machine.
func SingleCore() float64 {
	if !Available() {
		return 0
	}
	const n = 1 << 22
	best := 0.0
	for range 5 {
		start := time.Now()
		fmaLoop(n)
		if s := time.Since(start).Seconds(); s > 0 {
			best = max(best, flopsPerCall(n)/s/1e9)
		}
	}
	return best
}

// Available reports whether this machine has the vector kernel SingleCore
// times (AVX2 with FMA on amd64).
func Available() bool { return available() }
