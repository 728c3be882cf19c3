//go:build !amd64

package cpupeak

func available() bool { return false }

func wideLoop() (func(int), int) { return func(int) {}, 8 }
