//go:build !unix

package cli

// peakRSSMB is unknown on this system.
func peakRSSMB() float64 { return 0 }
