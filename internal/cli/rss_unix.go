//go:build unix

package cli

import (
	"runtime"
	"syscall"
)

// peakRSSMB is the process's peak resident set size in MiB.
func peakRSSMB() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return float64(u.Maxrss) / (1 << 20) // bytes there
	}
	return float64(u.Maxrss) / (1 << 10) // KiB on Linux and the BSDs
}
