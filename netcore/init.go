package netcore

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Init is a weight initialisation method.
type Init uint8

// The initialisation methods. Each draws weights as N(0,1) times a factor;
// they differ in the factor. NormalInit, the post's, is the zero value.
const (
	// NormalInit multiplies by the configured scale, as the post's
	// np.random.normal(size=...)*0.01 does.
	NormalInit Init = iota
	// Xavier multiplies by sqrt(1/fan_in), LeCun's form of Xavier
	// initialisation (not Glorot's sqrt(2/(fan_in+fan_out))): it keeps the
	// variance of each pre-activation equal to that of one input.
	Xavier
	// He multiplies by sqrt(2/fan_in), which compensates for ReLU zeroing
	// half of its inputs.
	He
)

// DefaultInitScale is the post's standard deviation for NormalInit, used
// when the configured scale is not positive.
const DefaultInitScale = 0.01

var initNames = [...]string{NormalInit: "normal", Xavier: "xavier", He: "he"}

// String returns the configuration name of m: "normal", "xavier" or "he".
func (m Init) String() string {
	if int(m) < len(initNames) {
		return initNames[m]
	}
	return fmt.Sprintf("Init(%d)", m)
}

// Valid reports whether m is one of the defined methods.
func (m Init) Valid() bool { return int(m) < len(initNames) }

// ParseInit returns the initialisation method with the given configuration name.
func ParseInit(name string) (Init, error) {
	for i, n := range initNames {
		if n == name {
			return Init(i), nil
		}
	}
	return 0, fmt.Errorf("netcore: unknown initialisation %q (want normal, xavier or he)", name)
}

// Init fills the weights with N(0,1) draws from rng times the factor of
// method and sets the biases to zero. scale is NormalInit's factor
// (DefaultInitScale when not positive); Xavier and He ignore it, their factor
// following from each layer's fan-in.
//
// Draws go to W1 in row-major order and then W2, one NormFloat64 per weight,
// so the same rng state always gives the same parameters. It panics if method
// is not a defined Init.
func (p *Params) Init(method Init, scale float64, rng *rand.Rand) {
	if scale <= 0 {
		scale = DefaultInitScale
	}
	factor := func(fanIn int) float64 {
		switch method {
		case NormalInit:
			return scale
		case Xavier:
			return math.Sqrt(1 / float64(fanIn))
		case He:
			return math.Sqrt(2 / float64(fanIn))
		}
		panic(fmt.Sprintf("netcore: unknown initialisation %v", method))
	}
	fill := func(w []float64, f float64) {
		for i := range w {
			w[i] = rng.NormFloat64() * f
		}
	}
	fill(p.W1, factor(p.Shape.Inputs))
	clear(p.B1)
	fill(p.W2, factor(p.Shape.Hidden))
	clear(p.B2)
}
