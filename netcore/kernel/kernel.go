// Package kernel holds the fast float32 training kernels of shardnet: the
// forward pass, backward pass and cost of the 784-H-10 network over sparse
// images, summed over a list of samples.
//
// MNIST images are about 80% zero, so the first layer only visits the
// non-zero pixels of each image (Samples stores images in sparse row form).
// The first-layer weights are kept transposed (Inputs×HiddenPad) so that
// each pixel's weights are one contiguous run of vector registers.
//
// There are three kernel paths (Path, Paths, SelectPath, EnvKernel):
//
//   - PathAVX2FMA, amd64 assembly on the 16 YMM registers of AVX2 and FMA;
//   - PathGeneric, portable Go, everywhere else and when asked;
//   - PathAVX512, amd64 assembly on the 32 ZMM registers of AVX-512, where
//     the CPU has AVX512F, BW, DQ and VL (and AVX2 and FMA), when asked
//     for (see below).
//
// The three paths compute one arithmetic, written down in
// docs/ARITHMETIC.md and named by [Arithmetic]: every float32 value of a
// gradient one chain of operations in the natural order of its terms,
// whatever the register width. They give bitwise the same sums, on every
// architecture (the portable path fuses exactly where the assembly does,
// and nowhere else; see arith.go).
//
// By default the AVX2 path runs where the CPU has it, the portable path
// elsewhere: the AVX-512 kernels' speed against AVX2's on the new kernels
// is unmeasured (no AVX-512 machine was at hand when they joined the
// arithmetic). EnvKernel chooses another, and NewModelOn makes a model on a
// named path beside the others. Each Model keeps the path it was made
// with, which also fixes its layout: HiddenPad is a multiple of the path's
// register width, 16 floats on the AVX-512 path and 8 on the others (see
// layout.go). The assembly takes images in batches (up to 256 where
// HiddenPad is at most a column block, see Model.batchSize and
// kernel_amd64.go); the portable path takes them one at a time. Neither
// changes a bit.
//
// The package has no goroutines. A Model and Samples may be read by many
// goroutines at once; each goroutine needs its own Grad and Scratch. For the
// same inputs and path, Gradient returns bitwise the same sums, because the
// order of every floating-point operation is fixed: it depends neither on
// the batch size nor on timing.
//
// The float64 reference in package netcore is the oracle these kernels are
// tested against. This package does not import it, so that the kernels stay
// free of gonum and of netcore's types (Activation is mirrored, with the
// same values); the trainer converts between the two.
package kernel

import (
	"fmt"
	"os"
	"sync/atomic"
)

// Activation is the non-linearity of the hidden layer. Its values match
// netcore.Activation.
type Activation uint8

// The hidden-layer activations, numbered as in package netcore.
const (
	Sigmoid Activation = iota
	Tanh
	ReLU
)

// String returns the configuration name of a: "sigmoid", "tanh" or "relu".
func (a Activation) String() string {
	switch a {
	case Sigmoid:
		return "sigmoid"
	case Tanh:
		return "tanh"
	case ReLU:
		return "relu"
	}
	return fmt.Sprintf("Activation(%d)", a)
}

// Kernel path names, as Path and Paths return them and SelectPath and
// EnvKernel take them.
const (
	PathGeneric = "generic"  // portable Go
	PathAVX2FMA = "avx2-fma" // amd64 assembly with AVX2 and FMA (EnvKernel also takes "avx2")
	PathAVX512  = "avx512"   // amd64 assembly with AVX-512 F, BW, DQ and VL
)

// EnvKernel is the environment variable that chooses the kernel path: one of
// the path names (or "avx2"), or empty for the default (see Path). The
// package reads it once at initialisation; programs pass its value to
// SelectPath at start-up, which reports a name that is unknown or asks for
// instructions this CPU lacks (initialisation falls back to the fastest
// path then). It exists to compare the paths and to rule the assembly out
// when debugging.
const EnvKernel = "SHARDNET_KERNEL"

// path is a kernel path: the vector registers the assembly runs on, or none.
type path uint32

const (
	generic path = iota
	avx2
	avx512
)

// names are the paths' names, indexed by path.
var names = [...]string{generic: PathGeneric, avx2: PathAVX2FMA, avx512: PathAVX512}

func (p path) String() string { return names[p] }

// lanes is the number of float32 values in one of the path's vector
// registers: HiddenPad and the padded outputs are multiples of it, so that
// every row of the flat layout is a whole number of registers. The portable
// path keeps AVX2's layout.
func (p path) lanes() int {
	if p == avx512 {
		return 16
	}
	return 8
}

// selected is the path that models created from now on use: fixed at
// initialisation from EnvKernel, changed by SelectPath (and by tests). Each
// Model copies it, so that models of several paths can coexist.
var selected atomic.Uint32

func init() {
	p, err := parsePath(os.Getenv(EnvKernel))
	if err != nil {
		p = best()
	}
	selected.Store(uint32(p))
}

// current returns the selected path.
func current() path { return path(selected.Load()) }

// best returns the default path: the fastest that computes the one
// arithmetic and that this CPU runs.
func best() path {
	if len(missing(avx2)) == 0 {
		return avx2
	}
	return generic
}

// parsePath returns the path EnvKernel's value name asks for ("" for the
// best), or an error if the name is unknown or the CPU cannot run it.
func parsePath(name string) (path, error) {
	var p path
	switch name {
	case "":
		return best(), nil
	case PathGeneric:
		p = generic
	case PathAVX2FMA, "avx2":
		p = avx2
	case PathAVX512:
		p = avx512
	default:
		return 0, fmt.Errorf("kernel: %s=%s: unknown kernel path, want %s, avx2 (or %s) or %s",
			EnvKernel, name, PathAVX512, PathAVX2FMA, PathGeneric)
	}
	if lacks := missing(p); len(lacks) > 0 {
		return 0, fmt.Errorf("kernel: %s=%s: %s", EnvKernel, name, lacks)
	}
	return p, nil
}

// SelectPath makes the models created from now on use the kernel path
// name, a value of EnvKernel: PathAVX512, PathAVX2FMA (or "avx2"),
// PathGeneric, or "" for the default. For a name that is
// unknown, or a path whose instructions this CPU lacks, it returns an error
// saying which, and changes nothing. Models already made keep their path.
// The command line calls it once at start-up with the variable's value.
func SelectPath(name string) error {
	p, err := parsePath(name)
	if err != nil {
		return err
	}
	selected.Store(uint32(p))
	return nil
}

// Path returns the name of the kernel path that NewModel selects now:
// PathAVX2FMA, PathGeneric or PathAVX512. Without EnvKernel it is the
// AVX2 path where the CPU has AVX2 and FMA, the portable path elsewhere.
func Path() string { return current().String() }

// Paths returns the names of the kernel paths this CPU runs, the default
// first; PathGeneric, last, runs everywhere. PathAVX512, where present,
// comes before it.
func Paths() []string {
	var ps []string
	for _, p := range []path{avx2, avx512, generic} {
		if len(missing(p)) == 0 {
			ps = append(ps, p.String())
		}
	}
	return ps
}
