//go:build !amd64

package cpupeak

func available() bool { return false }

func fmaLoop(int) {}
