package netcore

import (
	"fmt"
	"math"
)

// Activation is the non-linearity of the hidden layer.
type Activation uint8

// The hidden-layer activations. Sigmoid is the post's and the zero value.
const (
	Sigmoid Activation = iota
	Tanh
	ReLU
)

var activationNames = [...]string{Sigmoid: "sigmoid", Tanh: "tanh", ReLU: "relu"}

// String returns the configuration name of a: "sigmoid", "tanh" or "relu".
func (a Activation) String() string {
	if int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", a)
}

// ParseActivation returns the activation with the given configuration name.
func ParseActivation(name string) (Activation, error) {
	for i, n := range activationNames {
		if n == name {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("netcore: unknown activation %q (want sigmoid, tanh or relu)", name)
}

// Valid reports whether a is one of the defined activations.
func (a Activation) Valid() bool { return int(a) < len(activationNames) }

// Eval applies the activation to a pre-activation z.
// It panics if a is not a defined activation.
func (a Activation) Eval(z float64) float64 {
	switch a {
	case Sigmoid:
		return Logistic(z)
	case Tanh:
		return math.Tanh(z)
	case ReLU:
		if z > 0 {
			return z
		}
		return 0
	}
	panic(fmt.Sprintf("netcore: unknown activation %v", a))
}

// Derivative returns the derivative of the activation at z, given h = a.Eval(z).
// Sigmoid and tanh use h alone, exactly as the post's H*(1-H) does, which
// saves recomputing exponentials; ReLU uses z (its derivative at 0 is taken
// as 0). It panics if a is not a defined activation.
func (a Activation) Derivative(z, h float64) float64 {
	switch a {
	case Sigmoid:
		return h * (1 - h)
	case Tanh:
		return 1 - h*h
	case ReLU:
		if z > 0 {
			return 1
		}
		return 0
	}
	panic(fmt.Sprintf("netcore: unknown activation %v", a))
}
