//go:build race

package cli_test

// raceEnabled trims the heaviest tests: the race detector slows the
// kernels several times over.
const raceEnabled = true
