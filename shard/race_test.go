//go:build race

package shard_test

// raceEnabled lets tests that only decompress the real data sets skip under
// the race detector, which slows inflating them about twentyfold while they
// exercise no concurrency that the generated-data tests do not.
const raceEnabled = true
