// Package kernel holds the fast float32 training kernels of shardnet: the
// forward pass, backward pass and cost of the 784-H-10 network over sparse
// images, summed over a list of samples.
//
// MNIST images are about 80% zero, so the first layer only visits the
// non-zero pixels of each image (Samples stores images in sparse row form).
// The first-layer weights are kept transposed (Inputs×HiddenPad, HiddenPad a
// multiple of 8) so that each pixel's weights are one contiguous run of
// vector registers. On amd64 with AVX2 and FMA the work runs in hand-written
// assembly, in batches of images (up to 256 where HiddenPad is at most 64, up
// to 64 for wider layers; see Model.batchSize and kernel_amd64.go);
// everywhere else, and when asked (EnvKernel), a portable Go path computes
// the same sums image by image. The two agree to float32 rounding (about 1e-7
// relative) and both match the float64 reference to better than 1e-5.
//
// The package has no goroutines. A Model and Samples may be read by many
// goroutines at once; each goroutine needs its own Grad and Scratch. For the
// same inputs Gradient returns bitwise the same sums, because the order of
// every floating-point operation is fixed: it depends neither on the batch
// size nor on timing.
//
// The float64 reference in package netcore is the oracle these kernels are
// tested against. This package does not import it, so that the kernels stay
// free of gonum and of netcore's types (Activation is mirrored, with the
// same values); the trainer converts between the two.
package kernel

import (
	"fmt"
	"os"
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

// Kernel path names returned by Path.
const (
	PathGeneric = "generic"  // portable Go
	PathAVX2FMA = "avx2-fma" // amd64 assembly with AVX2 and FMA
)

// EnvKernel is the environment variable that, set to "generic", makes the
// package use the portable Go path even where assembly is available; it is
// read once at start-up and exists to rule the assembly out when debugging.
const EnvKernel = "SHARDNET_KERNEL"

// useAsm says whether models created from now on use the assembly path. It
// is fixed at start-up (tests flip it through an export_test.go hook before
// creating models); each Model copies it so that models of both paths can
// coexist.
var useAsm = haveAsm && os.Getenv(EnvKernel) != PathGeneric

// Path returns the name of the kernel path that NewModel selects on this
// machine: PathAVX2FMA or PathGeneric.
func Path() string {
	if useAsm {
		return PathAVX2FMA
	}
	return PathGeneric
}
